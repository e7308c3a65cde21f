#include "lumbung/ledger/ledger.h"

#include <chrono>
#include <filesystem>
#include <future>
#include <mutex>

#include <nlohmann/json.hpp>

#include "lumbung/audit/note.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/secrets.h"

#include "db.h"
#include "fold.h"
#include "live_rows.h"
#include "pii_vault.h"
#include "receipt_index.h"
#include "snapshot_impl.h"
#include "writer.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung {

namespace fs = std::filesystem;

struct Ledger::Impl {
  std::string dir;
  std::string origin;
  std::string verifier_key;
  std::unique_ptr<store::Db> db;
  std::unique_ptr<store::LiveRows> live;  // null when read-only
  std::unique_ptr<store::Writer> writer;  // null when read-only

  // The newest view handed out, reused while the database has not changed
  // since (same RocksDB sequence number): a read then costs no new
  // RocksDB snapshot and no reads of the size and fold watermark. Any
  // write (a commit group, a fold, a checkpoint) moves the sequence
  // number on, so a reader never gets a view older than its own write.
  std::mutex view_mu;
  std::shared_ptr<const LedgerSnapshot::Impl> view;  // guarded by view_mu
};

namespace {

std::string DbPath(const std::string& dir) {
  return (fs::path(dir) / "db").string();
}
std::string KeyPath(const std::string& dir) {
  return (fs::path(dir) / "keys" / "checkpoint.key").string();
}

std::string TodayUtc() {
  using namespace std::chrono;
  const auto days =
      duration_cast<duration<int64_t, std::ratio<86400>>>(system_clock::now().time_since_epoch());
  return FormatDate(static_cast<int32_t>(days.count()));
}

Status WriteIdentity(store::Db& db, const std::string& origin, const std::string& vkey) {
  rocksdb::WriteBatch batch;
  batch.Put(db.meta(), std::string(store::keys::kMetaFormat), std::string(store::kFormatVersion))
      .PermitUncheckedError();
  batch.Put(db.meta(), std::string(store::keys::kMetaOrigin), origin).PermitUncheckedError();
  batch.Put(db.meta(), std::string(store::keys::kMetaVerifierKey), vkey).PermitUncheckedError();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  return store::FromRocks(db.db()->Write(wo, &batch), "writing ledger identity");
}

Status AppendLedgerOpened(Ledger& ledger, const std::string& origin, const std::string& vkey) {
  nlohmann::ordered_json event = {{"type", "LedgerOpened"},
                                  {"event_id", "ledger-opened"},
                                  {"effective_date", TodayUtc()},
                                  {"origin", origin},
                                  {"verifier_key", vkey}};
  std::vector<EventInput> batch;
  batch.push_back(DecodeEventObject(event));
  auto receipts = ledger.Append(std::move(batch), "lumbung:init");
  if (!receipts.ok()) return receipts.status();
  LUMBUNG_ASSERT(receipts->size() == 1 && (*receipts)[0].seq == 0);
  return Status();
}

}  // namespace

Result<std::string> Ledger::Init(const std::string& dir, std::string_view origin) {
  auto signer = audit::NoteSigner::Generate(origin);
  if (!signer.ok()) {
    return Status::InvalidArgument("origin \"" + std::string(origin) + "\" cannot name a ledger: " +
                                   std::string(signer.status().message()));
  }
  std::error_code ec;
  if (fs::exists(fs::path(DbPath(dir)) / "CURRENT", ec) || fs::exists(KeyPath(dir), ec)) {
    return Status::FailedPrecondition("a ledger already exists in " + dir);
  }
  fs::create_directories(fs::path(dir) / "keys", ec);
  if (ec) return Status::IOError("cannot create " + dir + ": " + ec.message());
  fs::permissions(fs::path(dir) / "keys", fs::perms::owner_all, ec);
  const std::string vkey = signer->verifier().ToString();
  auto cleanup = [&](Status st) {
    fs::remove_all(DbPath(dir), ec);
    fs::remove(KeyPath(dir), ec);
    fs::remove(PiiKeyPath(dir), ec);
    fs::remove(PseudonymKeyPath(dir), ec);
    return st;
  };
  // O_EXCL: never replaces an existing key, which would orphan every
  // checkpoint signed with it.
  LUMBUNG_RETURN_IF_ERROR(WriteSecretFile(KeyPath(dir), signer->PrivateKeyText() + "\n"));
  for (const std::string& path : {PiiKeyPath(dir), PseudonymKeyPath(dir)}) {
    auto secret = LoadOrCreateSecret(path);
    if (!secret.ok()) return cleanup(secret.status());
  }
  {
    auto db = store::Db::Open(DbPath(dir), store::OpenMode::kCreate);
    if (!db.ok()) return cleanup(db.status());
    Status st = WriteIdentity(**db, std::string(origin), vkey);
    if (!st.ok()) return cleanup(st);
  }
  auto ledger = Open(dir);
  if (!ledger.ok()) return cleanup(ledger.status());
  Status st = AppendLedgerOpened(**ledger, std::string(origin), vkey);
  if (!st.ok()) {
    ledger->reset();
    return cleanup(std::move(st).Annotate("writing entry 0"));
  }
  return vkey;
}

Result<std::unique_ptr<Ledger>> Ledger::Open(const std::string& dir, LedgerOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  LUMBUNG_ASSIGN_OR_RETURN(
      impl->db, store::Db::Open(DbPath(dir), options.read_only ? store::OpenMode::kReadOnly
                                                               : store::OpenMode::kWrite));
  LUMBUNG_ASSIGN_OR_RETURN(const std::string format, impl->db->GetMeta(store::keys::kMetaFormat));
  if (format != store::kFormatVersion && !store::DeltasInState(format)) {
    return Status::FailedPrecondition("ledger format " + format + " is not supported");
  }
  if (format != store::kFormatVersion && !options.read_only) {
    // Format 1 stored each entry under its own key, which later formats
    // read as runs of one (entry_runs.h); formats 1 and 2 kept the group
    // deltas in `state`. The deltas move to `meta` and the label changes in
    // one synced batch, before any run can be written or any fold ingests,
    // so that a version that knows only an older format refuses the ledger.
    LUMBUNG_RETURN_IF_ERROR(impl->db->MoveDeltasToMeta());
  }
  LUMBUNG_ASSIGN_OR_RETURN(impl->origin, impl->db->GetMeta(store::keys::kMetaOrigin));
  LUMBUNG_ASSIGN_OR_RETURN(impl->verifier_key, impl->db->GetMeta(store::keys::kMetaVerifierKey));
  if (!options.read_only) {
    // Ledgers made before these secrets existed get them now.
    LUMBUNG_RETURN_IF_ERROR(LoadOrCreateSecret(PseudonymKeyPath(dir)).status());
    LUMBUNG_ASSIGN_OR_RETURN(const Secret pii_key, LoadOrCreateSecret(PiiKeyPath(dir)));
    // Before the writer starts: ledgers made before the receipt index get it.
    LUMBUNG_RETURN_IF_ERROR(store::BuildReceiptIndex(*impl->db));
    LUMBUNG_ASSIGN_OR_RETURN(const uint64_t fold_seq, store::ReadFoldSeq(*impl->db, nullptr));
    impl->live = std::make_unique<store::LiveRows>(fold_seq);
    LUMBUNG_ASSIGN_OR_RETURN(
        impl->writer,
        store::Writer::Start(impl->db.get(), impl->live.get(),
                             LedgerIdentity{impl->origin, impl->verifier_key}, options, pii_key));
  }
  return std::unique_ptr<Ledger>(new Ledger(std::move(impl)));
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Ledger::~Ledger() {
  impl_->writer.reset();  // drains the queue first
  DropCachedView();       // its RocksDB snapshot goes before the database
}

void Ledger::DropCachedView() const {
  std::lock_guard<std::mutex> lock(impl_->view_mu);
  impl_->view.reset();
}

void Ledger::AppendAsync(std::vector<EventInput> events, std::string actor, Done done) {
  if (!impl_->writer) {
    done(Status::FailedPrecondition("the ledger is open read-only"));
    return;
  }
  if (events.empty()) {
    done(Status::Rejected("empty_batch", "", "the batch has no events"));
    return;
  }
  if (events.size() > limits::kLibraryBatchEventsMax) {
    done(Status::Rejected(
        "batch_too_large", "",
        "a batch holds at most " + std::to_string(limits::kLibraryBatchEventsMax) + " events"));
    return;
  }
  auto request = std::make_unique<store::WriteRequest>();
  request->events = std::move(events);
  request->actor = std::move(actor);
  request->done = std::move(done);
  impl_->writer->Submit(std::move(request));
}

Result<std::vector<Receipt>> Ledger::Append(std::vector<EventInput> events, std::string actor) {
  std::promise<Result<std::vector<Receipt>>> promise;
  auto future = promise.get_future();
  AppendAsync(std::move(events), std::move(actor),
              [&promise](Result<std::vector<Receipt>> r) { promise.set_value(std::move(r)); });
  return future.get();
}

Result<std::vector<Status>> Ledger::Check(std::vector<EventInput> events, std::string actor) {
  if (!impl_->writer) return Status::FailedPrecondition("the ledger is open read-only");
  if (events.size() > limits::kLibraryBatchEventsMax) {
    return Status::Rejected(
        "batch_too_large", "",
        "a batch holds at most " + std::to_string(limits::kLibraryBatchEventsMax) + " events");
  }
  std::vector<Status> results;
  std::promise<Status> promise;
  auto request = std::make_unique<store::WriteRequest>();
  request->events = std::move(events);
  request->actor = std::move(actor);
  request->check_results = &results;
  request->done = [&promise](Result<std::vector<Receipt>> r) { promise.set_value(r.status()); };
  impl_->writer->Submit(std::move(request));
  LUMBUNG_RETURN_IF_ERROR(promise.get_future().get());
  return results;
}

Status Ledger::PurgeErasedPersonalData() {
  if (!impl_->writer) return Status::FailedPrecondition("the ledger is open read-only");
  // A held view from before the erasure would keep the erased rows alive
  // through the compaction (RocksDB keeps what a snapshot can still see).
  DropCachedView();
  return store::vault::PurgeErased(*impl_->db);
}

uint64_t Ledger::size() const {
  if (impl_->writer) return impl_->writer->committed_size();
  return Snapshot()->size();
}

WriterStats Ledger::stats() const {
  return impl_->writer ? impl_->writer->stats() : WriterStats{};
}

StorageStats Ledger::storage_stats() const {
  rocksdb::DB* db = impl_->db->db();
  auto sum = [db](const std::string& property) {
    uint64_t value = 0;
    return db->GetAggregatedIntProperty(property, &value) ? value : 0;
  };
  auto one = [db](const std::string& property) {
    uint64_t value = 0;
    return db->GetIntProperty(property, &value) ? value : 0;
  };
  StorageStats s;
  s.memtables = sum(rocksdb::DB::Properties::kSizeAllMemTables);
  s.table_readers = sum(rocksdb::DB::Properties::kEstimateTableReadersMem);
  s.block_cache = one(rocksdb::DB::Properties::kBlockCacheUsage);  // one cache, shared
  s.compactions_running = one(rocksdb::DB::Properties::kNumRunningCompactions);
  s.compactions_pending = sum(rocksdb::DB::Properties::kCompactionPending);
  return s;
}

std::unique_ptr<LedgerSnapshot> Ledger::Snapshot() const {
  std::lock_guard<std::mutex> lock(impl_->view_mu);
  const rocksdb::SequenceNumber latest = impl_->db->db()->GetLatestSequenceNumber();
  if (impl_->view == nullptr || impl_->view->snapshot->GetSequenceNumber() != latest) {
    impl_->view = store::MakeSnapshotImpl(impl_->db.get(), impl_->live.get());
  }
  return std::make_unique<LedgerSnapshot>(impl_->view, impl_->view->size);
}

const std::string& Ledger::dir() const {
  return impl_->dir;
}
const std::string& Ledger::origin() const {
  return impl_->origin;
}
const std::string& Ledger::verifier_key() const {
  return impl_->verifier_key;
}

}  // namespace lumbung
