#include "db.h"

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include <rocksdb/cache.h>
#include <rocksdb/env.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

namespace lumbung::store {
namespace {

// Tiles grow by appending the hashes of newly complete nodes; a merge
// operand is one commit group's additions to one tile, so a group writes a
// few small operands instead of rewriting whole tiles.
class AppendOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    new_value->clear();
    if (existing != nullptr) new_value->assign(existing->data(), existing->size());
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "lumbung.AppendOperator"; }
};

// RocksDB's info log, DB/LOG. RocksDB's own writer of it (EnvLogger in 7.8)
// asserts when it is written to again after a failed write, and the Debian
// build of RocksDB keeps its assertions: once the disk was full, the next
// log line (the error handler logs the failed write) aborted the process.
// This one writes each line with one write(2) and drops a line it cannot
// write. Like RocksDB, it keeps the previous LOG as LOG.old.<micros>, which
// RocksDB prunes to keep_log_file_num. (A read-only open writes no LOG.)
class InfoLog final : public rocksdb::Logger {
 public:
  // Null if the file cannot be created; RocksDB then makes its own.
  static std::shared_ptr<rocksdb::Logger> Open(const std::string& db_path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(db_path, ec);
    const std::string path = db_path + "/LOG";
    if (fs::exists(path, ec)) {
      timeval now{};
      gettimeofday(&now, nullptr);
      const int64_t micros = int64_t{now.tv_sec} * 1000000 + now.tv_usec;
      fs::rename(path, path + ".old." + std::to_string(micros), ec);
    }
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return nullptr;
    return std::make_shared<InfoLog>(fd);
  }

  explicit InfoLog(int fd) : fd_(fd) {}
  ~InfoLog() override { ::close(fd_); }

  using rocksdb::Logger::Logv;
  __attribute__((format(printf, 2, 0))) void Logv(const char* format, va_list ap) override {
    timeval now{};
    gettimeofday(&now, nullptr);
    tm t{};
    const time_t seconds = now.tv_sec;
    localtime_r(&seconds, &t);
    char prefix[64];
    const int prefix_len =
        std::snprintf(prefix, sizeof prefix, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld %ld ",
                      t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec,
                      static_cast<long>(now.tv_usec), static_cast<long>(::gettid()));
    va_list copy;
    va_copy(copy, ap);
    const int len = std::vsnprintf(nullptr, 0, format, copy);
    va_end(copy);
    if (prefix_len < 0 || len < 0) return;
    std::string line(prefix, static_cast<size_t>(prefix_len));
    line.resize(line.size() + static_cast<size_t>(len) + 1);
    std::vsnprintf(line.data() + prefix_len, static_cast<size_t>(len) + 1, format, ap);
    line.pop_back();  // vsnprintf's terminating NUL
    if (line.back() != '\n') line.push_back('\n');
    // One write per line (O_APPEND), so lines of several threads do not mix.
    if (::write(fd_, line.data(), line.size()) < 0) return;  // dropped, e.g. disk full
  }

 private:
  const int fd_;
};

// After a failed write (WAL, flush or MANIFEST) RocksDB refuses writes until
// DB::Resume() succeeds. It classifies most I/O errors of writes as fatal,
// though, and Resume then refuses for good: only ENOSPC counts as
// recoverable, while a full disk also shows as EFBIG (a file size limit) or
// EDQUOT (a quota). Recovering from any of them is the same: Resume flushes
// every memtable into new files and moves on to a new WAL, which fails
// again while the disk still fails. So I/O errors (not corruption, fencing
// or lost data, which RocksDB flags otherwise) are made hard errors, which
// Resume may clear. The writer calls Resume before its next write after
// any failure (writer.cc): its own, and those this listener hears of, which
// include the fold thread's writes and RocksDB's flushes. RocksDB's own
// recovery thread is turned off, since while it polls (every 5 s for a full
// disk) the writer's Resume only gets Busy.
class ResumableIoErrors : public rocksdb::EventListener {
 public:
  explicit ResumableIoErrors(std::shared_ptr<std::atomic<bool>> stopped)
      : stopped_(std::move(stopped)) {}
  void OnBackgroundError(rocksdb::BackgroundErrorReason /*reason*/,
                         rocksdb::Status* error) override {
    if (error->IsIOError() && !error->IsIOFenced() &&
        error->severity() == rocksdb::Status::Severity::kFatalError) {
      *error = rocksdb::Status(*error, rocksdb::Status::Severity::kHardError);
    }
    stopped_->store(true, std::memory_order_release);
  }
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/, rocksdb::Status /*error*/,
                            bool* auto_recovery) override {
    *auto_recovery = false;
  }

 private:
  const std::shared_ptr<std::atomic<bool>> stopped_;
};

// Order fixes the handle indexes used by Db's accessors.
constexpr const char* kCfNames[] = {"default", "entries",     "index", "tree",
                                    "state",   "checkpoints", "meta",  "pii"};
// The one family a ledger made by an older version may lack.
constexpr std::string_view kLateCfName = "pii";

rocksdb::ColumnFamilyOptions BaseCf(const std::shared_ptr<rocksdb::Cache>& cache, bool bloom,
                                    size_t block_bytes = 4096) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  table.block_size = block_bytes;
  if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  // Block checksums in XXH3, not the default CRC32C: the distribution's
  // RocksDB is a portable build whose CRC32C is the table-driven software
  // one, and every block read (verify walks them all) is checked.
  table.checksum = rocksdb::kXXH3;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Writes are latency-critical and CPU is scarce (2 cores): no compression
  // in the upper levels; the bottom level, where most bytes end up, uses zstd.
  cf.compression = rocksdb::kNoCompression;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.write_buffer_size = 32 << 20;
  return cf;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families() {
  auto cache = rocksdb::NewLRUCache(64 << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (const char* name : kCfNames) {
    const std::string n = name;
    // Entries are mostly read in runs (verify, exports, log pages): larger
    // blocks mean fewer block reads, allocations and checksums per entry.
    // Only `index` has bloom filters: idempotency looks up every new
    // event_id there, and almost all are absent. Projection rows in
    // `state` are read by key and almost always found, where a filter
    // never saves a read; theirs cost 27 MiB of table-reader memory and
    // ~5 us of compaction CPU an event at 10M demo entries (bench/scale;
    // balance p50 unchanged at ~9.5 us).
    auto cf = BaseCf(cache, n == "index", n == "entries" ? 32 << 10 : 4 << 10);
    if (n == "entries") {
      cf.write_buffer_size = 64 << 20;
      // Every verify, export and rebuild decompresses every entry: LZ4
      // reads runs of entries back in ~80 ns an entry where zstd takes
      // ~105, for 10% more bytes (1M demo entries: 114 MB against 104).
      cf.bottommost_compression = rocksdb::kLZ4Compression;
    }
    if (n == "index") {
      // Idempotency looks up every new event_id, and almost all are absent:
      // a memtable bloom filter answers those without a skiplist search.
      cf.memtable_prefix_bloom_size_ratio = 0.05;
      cf.memtable_whole_key_filtering = true;
    }
    if (n == "index" || n == "state") {
      // The fold ingests a file into each of these every 128k rows, and
      // every such file spans the whole key range. Under leveled compaction
      // each L0 -> L1 compaction then rewrote all of L1, which the single
      // compaction thread let grow far past its target (632 MB at 3M demo
      // events): compaction CPU per event grew with the ledger (3.4 us in
      // the first 1M, 11.1 in 1M-3M, 24.0 in 3M-10M). Universal compaction
      // merges runs of similar size instead, so a row is rewritten about
      // log2(ledger / fold) times. Its merges rewrite the bottom run often,
      // so that run is LZ4, not zstd: with zstd, zstd was a third of the
      // compaction CPU (docs/design.md §10 has the runs). Safe only because
      // nothing but the fold's ingested files reaches these families (see
      // Folder::FlushIfNotEmpty). Sixteen runs before merging, not eight:
      // the first merges then take more files at once, so a row is
      // rewritten fewer times (compaction CPU an event -44% / -25% / -26%
      // up to 1M / 3M / 10M demo events), for more runs for a lookup to
      // search (docs/design.md §10).
      cf.compaction_style = rocksdb::kCompactionStyleUniversal;
      cf.bottommost_compression = rocksdb::kLZ4Compression;
      cf.level0_file_num_compaction_trigger = 16;
      cf.level0_slowdown_writes_trigger = 40;
      cf.level0_stop_writes_trigger = 56;
    }
    if (n == "tree") cf.merge_operator = std::make_shared<AppendOperator>();
    // Sealed rows are ciphertext, which does not compress.
    if (n == "pii") cf.bottommost_compression = rocksdb::kNoCompression;
    out.emplace_back(n, cf);
  }
  return out;
}

// Which of `families` the database in `path` has. Only the late family may
// be missing; any other missing family means a damaged database.
Result<std::vector<bool>> ExistingFamilies(
    const rocksdb::DBOptions& options, const std::string& path,
    const std::vector<rocksdb::ColumnFamilyDescriptor>& families) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path, &names);
  if (!s.ok()) return FromRocks(s, "listing the column families in " + path);
  std::vector<bool> out;
  for (const auto& family : families) {
    const bool found = std::find(names.begin(), names.end(), family.name) != names.end();
    if (!found && family.name != kLateCfName) {
      return Status::Corruption("the ledger database in " + path + " has no " + family.name +
                                " column family");
    }
    out.push_back(found);
  }
  return out;
}

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status();
  const std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(msg);
  return Status::IOError(msg);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, OpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (mode == OpenMode::kCreate && exists) {
    return Status::FailedPrecondition("a ledger already exists in " + path);
  }
  if (mode != OpenMode::kCreate && !exists) {
    return Status::FailedPrecondition("no ledger in " + path + " (run `lumbung init` first)");
  }
  rocksdb::DBOptions options;
  options.create_if_missing = mode == OpenMode::kCreate;
  // A writable open adds the `pii` family to a ledger made before it
  // existed (ExistingFamilies refuses any other missing family).
  options.create_missing_column_families = mode != OpenMode::kReadOnly;
  options.paranoid_checks = true;
  // No WAL archive and no recycled WAL files: once a flush makes a WAL
  // obsolete it must be deleted, bytes and all, or an erased person's
  // sealed row would outlive the erasure there (pii_vault.h's purge
  // asserts these).
  options.WAL_ttl_seconds = 0;
  options.WAL_size_limit_MB = 0;
  options.recycle_log_file_num = 0;
  options.max_background_jobs = 2;
  options.bytes_per_sync = 1 << 20;
  options.keep_log_file_num = 4;
  // One budget for the memtables of all eight families: each may hold two
  // (one being flushed), which without a cap is up to 576 MiB; past this
  // total RocksDB flushes early instead. Keeps RSS bounded as the ledger
  // grows (bench/scale, target < 1 GiB at 10M entries).
  options.db_write_buffer_size = 160 << 20;
  // A WAL file is deleted only once every family with data in it has been
  // flushed, and `tree` never fills a memtable (nor did `meta` before it
  // held the group deltas): without a cap RocksDB let the WAL grow to four
  // times the memtable budget, ~0.9 GB at 1M demo entries (more than the
  // tables themselves), and replayed all of it on every open. Past this
  // size it flushes whichever families hold the oldest WAL file. Not lower:
  // each such flush leaves the tree family's merge operands in one more
  // file, and at 128 MiB an inclusion path took 13 us instead of 9 (1M
  // entries).
  options.max_total_wal_size = 256 << 20;
  auto db = std::unique_ptr<Db>(new Db());
  options.listeners.push_back(std::make_shared<ResumableIoErrors>(db->stopped_));
  options.max_bgerror_resume_count = 0;  // only the writer resumes
  // The one WAL-less write, Db::KeepWalSwitchable's tombstone, needs no
  // flush when the database closes.
  options.avoid_flush_during_shutdown = true;
  if (mode != OpenMode::kReadOnly) options.info_log = InfoLog::Open(path);
  db->read_only_ = mode == OpenMode::kReadOnly;
  db->path_ = path;
  rocksdb::DB* raw = nullptr;
  auto families = Families();
  std::vector<bool> present(families.size(), true);
  if (mode != OpenMode::kCreate) {
    LUMBUNG_ASSIGN_OR_RETURN(present, ExistingFamilies(options, path, families));
  }
  // A read-only open cannot add a family: it opens those there are, and
  // leaves the handle of a missing one null.
  std::vector<rocksdb::ColumnFamilyDescriptor> opened;
  for (size_t i = 0; i < families.size(); ++i) {
    if (present[i] || !db->read_only_) opened.push_back(families[i]);
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::Status s = db->read_only_
                          ? rocksdb::DB::OpenForReadOnly(options, path, opened, &handles, &raw)
                          : rocksdb::DB::Open(options, path, opened, &handles, &raw);
  if (s.ok()) {
    db->cfs_.assign(families.size(), nullptr);
    for (size_t i = 0, h = 0; i < families.size(); ++i) {
      if (present[i] || !db->read_only_) db->cfs_[i] = handles[h++];
    }
    LUMBUNG_ASSERT(db->cfs_[0] != nullptr && db->cfs_[6] != nullptr);
  }
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::FailedPrecondition("the ledger in " + path +
                                        " is in use by another lumbung process");
    }
    return FromRocks(s, "opening the ledger database in " + path);
  }
  db->db_.reset(raw);
  if (mode != OpenMode::kCreate) {
    // A ledger of format 1 or 2 keeps its deltas in `state` until opened
    // to write (Ledger::Open moves them). No format yet: a ledger being
    // made, which gets the current one.
    auto format = db->GetMeta(keys::kMetaFormat);
    if (!format.ok() && !format.status().IsNotFound()) return format.status();
    db->deltas_in_state_ = format.ok() && DeltasInState(*format);
  }
  return db;
}

std::optional<uint64_t> Db::MemtableEntries(rocksdb::ColumnFamilyHandle* cf) const {
  uint64_t active = 0, immutable = 0;
  if (!db_->GetIntProperty(cf, rocksdb::DB::Properties::kNumEntriesActiveMemTable, &active) ||
      !db_->GetIntProperty(cf, rocksdb::DB::Properties::kNumEntriesImmMemTables, &immutable)) {
    return std::nullopt;
  }
  return active + immutable;
}

Status Db::MoveDeltasToMeta() {
  LUMBUNG_ASSERT(!read_only_);
  rocksdb::WriteBatch batch;
  if (deltas_in_state_) {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), state()));
    // The deltas ('d' keys), then "fold_seq": every key below the rows.
    for (it->SeekToFirst(); it->Valid() && it->key()[0] != 'r'; it->Next()) {
      if (it->key() != keys::kAppliedSeqOfFormat2) {
        batch.Put(meta(), it->key(), it->value()).PermitUncheckedError();
      }
      batch.Delete(state(), it->key()).PermitUncheckedError();
    }
    LUMBUNG_RETURN_IF_ERROR(FromRocks(it->status(), "reading the group deltas to move"));
  }
  batch.Put(meta(), std::string(keys::kMetaFormat), std::string(kFormatVersion))
      .PermitUncheckedError();
  rocksdb::WriteOptions synced;
  synced.sync = true;
  LUMBUNG_RETURN_IF_ERROR(
      FromRocks(db_->Write(synced, &batch), "upgrading the ledger format (moving group deltas)"));
  deltas_in_state_ = false;
  rocksdb::FlushOptions wait;
  return FromRocks(db_->Flush(wait, state()), "flushing the state family after the upgrade");
}

Db::~Db() {
  for (auto* cf : cfs_) {
    if (db_ && cf != nullptr) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  if (db_ && !read_only_) db_->Close().PermitUncheckedError();
}

std::vector<rocksdb::ColumnFamilyHandle*> Db::families() const {
  std::vector<rocksdb::ColumnFamilyHandle*> out;
  for (auto* cf : cfs_) {
    if (cf != nullptr) out.push_back(cf);
  }
  return out;
}

void Db::KeepWalSwitchable() {
  uint64_t entries = 0;
  if (db_->GetIntProperty(cfs_[0], rocksdb::DB::Properties::kNumEntriesActiveMemTable, &entries) &&
      entries > 0) {
    return;
  }
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;
  // Fails only while writes are refused; the write that follows then fails
  // too, and the next call tries again.
  db_->Delete(wo, cfs_[0], "keep-wal-switchable").PermitUncheckedError();
}

Result<std::string> Db::GetMeta(std::string_view key, const rocksdb::Snapshot* snap) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::string value;
  rocksdb::Status s = db_->Get(ro, meta(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no meta value " + std::string(key));
  LUMBUNG_RETURN_IF_ERROR(FromRocks(s, "reading meta"));
  return value;
}

namespace keys {
namespace {
// Built with append, not `"e" + std::string(...)`: GCC 12 issues a false
// -Wrestrict for that pattern at -O2 (GCC bug 105329).
std::string Prefixed(char prefix, std::string_view rest) {
  std::string key;
  key.reserve(1 + rest.size());
  key.push_back(prefix);
  key.append(rest);
  return key;
}
}  // namespace
std::string Entry(uint64_t seq) {
  return BigEndian64(seq);
}
std::string EventId(std::string_view event_id) {
  return Prefixed('e', event_id);
}
std::string StateDelta(uint64_t last_seq) {
  return Prefixed('d', BigEndian64(last_seq));
}
std::string StateRow(std::string_view row_key) {
  return Prefixed('r', row_key);
}
std::string Checkpoint(uint64_t size) {
  return BigEndian64(size);
}
}  // namespace keys

}  // namespace lumbung::store
