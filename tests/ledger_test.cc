// The event log: appends, receipts, idempotency, atomic batches, and the
// verifier's view of a tampered database.

#include "lumbung/ledger/ledger.h"

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <map>
#include <mutex>
#include <thread>

#include <catch2/catch.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/base/text.h"
#include "lumbung/demo/generator.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/receipt.h"
#include "lumbung/ledger/receipt_index.h"
#include "lumbung/ledger/verify.h"

#include "../ledger/store/db.h"
#include "../ledger/store/delta.h"
#include "../ledger/store/entry_runs.h"
#include "../ledger/store/fold.h"
#include "../ledger/store/live_rows.h"
#include "../ledger/store/snapshot_impl.h"
#include "tamper.h"
#include "test_util.h"
#include <sys/stat.h>

using namespace lumbung;

namespace {

const char* kOrigin = "lumbung.example/jakarta-timur/duren-sawit";

// A self-contained event for tests of the log itself: opening programme
// p-<i> needs no other entry, so any number of them can be appended in any
// order. `entitlement` carries the amount-shaped field bad-input tests use.
std::string Disbursement(int i, int entitlement = 750000) {
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      R"({"type":"ProgramOpened","event_id":"pkh-2026-11-%06d","effective_date":"2026-11-03",)"
      R"("program_id":"p-%06d","name":"Program %d","kind":"CASH_TRANSFER","unit":"IDR",)"
      R"("entitlement_per_cycle":%d,"legal_basis":"SK 1/2026"})",
      i, i, i, entitlement);
  return buf;
}

std::vector<EventInput> Batch(int from, int count) {
  std::vector<EventInput> out;
  for (int i = from; i < from + count; ++i) out.push_back(DecodeEventJson(Disbursement(i)));
  return out;
}

std::unique_ptr<Ledger> InitAndOpen(const testing::TempDir& dir, LedgerOptions options = {}) {
  auto vkey = Ledger::Init(dir.path(), kOrigin);
  REQUIRE(vkey.ok());
  auto ledger = Ledger::Open(dir.path(), std::move(options));
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

// A ledger of entry 0 and `events` events appended as one group, closed and
// opened again as its bare database, to tamper with what is stored.
std::unique_ptr<store::Db> StoredLedger(const testing::TempDir& dir, int events) {
  {
    auto ledger = InitAndOpen(dir);
    REQUIRE(ledger->Append(Batch(1, events), "test").ok());
  }
  auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
  REQUIRE(db.ok());
  return std::move(*db);
}

VerifyReport Verify(const Ledger& ledger) {
  auto report = VerifyLedger(*ledger.Snapshot(), {});
  REQUIRE(report.ok());
  return *report;
}

// Folds run in the background: waits (up to 10 s) until `ledger` has done
// at least `folds`, and returns how many it has done.
uint64_t WaitForFolds(const Ledger& ledger, uint64_t folds) {
  for (int i = 0; i < 1000 && ledger.stats().folds < folds; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return ledger.stats().folds;
}

}  // namespace

TEST_CASE("init writes LedgerOpened as entry 0 and keeps the key private", "[ledger]") {
  testing::TempDir dir;
  auto vkey = Ledger::Init(dir.path(), kOrigin);
  REQUIRE(vkey.ok());
  CHECK(vkey->rfind(std::string(kOrigin) + "+", 0) == 0);
  struct stat st;
  REQUIRE(stat((dir / "keys/checkpoint.key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(testing::ReadFile(dir / "keys/checkpoint.key").rfind("PRIVATE+KEY+", 0) == 0);
  auto again = Ledger::Init(dir.path(), kOrigin);
  CHECK(again.status().code() == Code::kFailedPrecondition);
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  CHECK((*ledger)->size() == 1);
  CHECK((*ledger)->verifier_key() == *vkey);
  audit::VerifiedEntry e0;
  REQUIRE((*ledger)->Snapshot()->GetEntry(0, &e0).ok());
  CHECK(e0.body().event_type() == fb::Event::LedgerOpened);
  CHECK(e0.body().event_as_LedgerOpened()->verifier_key()->str() == *vkey);
  const auto zero = audit::Hash{};
  CHECK(std::equal(zero.begin(), zero.end(), e0.entry().prev_hash()->bytes()->begin()));
}

TEST_CASE("an origin that cannot name a checkpoint key is refused", "[ledger]") {
  testing::TempDir dir;
  CHECK(Ledger::Init(dir.path(), "has space").status().code() == Code::kInvalidArgument);
  CHECK(Ledger::Init(dir.path(), "plus+sign").status().code() == Code::kInvalidArgument);
  CHECK(Ledger::Init(dir.path(), "").status().code() == Code::kInvalidArgument);
}

TEST_CASE("appends get consecutive seqs, chained prev_hash and their leaf hashes", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  auto receipts = ledger->Append(Batch(1, 5), "test");
  REQUIRE(receipts.ok());
  REQUIRE(receipts->size() == 5);
  auto snap = ledger->Snapshot();
  audit::Hash prev{};
  audit::VerifiedEntry e;
  REQUIRE(snap->GetEntry(0, &e).ok());
  prev = audit::LeafHash(e.bytes());
  for (size_t i = 0; i < 5; ++i) {
    const Receipt& r = (*receipts)[i];
    CHECK(r.seq == i + 1);
    CHECK_FALSE(r.replayed);
    REQUIRE(snap->GetEntry(r.seq, &e).ok());
    CHECK(audit::LeafHash(e.bytes()) == r.leaf_hash);
    CHECK(std::equal(prev.begin(), prev.end(), e.entry().prev_hash()->bytes()->begin()));
    CHECK(e.entry().actor()->str() == "test");
    prev = r.leaf_hash;
  }
  CHECK(snap->FindEventId("pkh-2026-11-000003").value() == 3);
  CHECK(snap->FindEventId("pkh-2026-11-999999").status().IsNotFound());
}

TEST_CASE("a replayed event_id with the same event returns the original receipt", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  auto first = ledger->Append(Batch(1, 3), "test");
  REQUIRE(first.ok());
  const uint64_t size = ledger->size();
  auto again = ledger->Append(Batch(1, 3), "someone else");
  REQUIRE(again.ok());
  CHECK(ledger->size() == size);
  for (size_t i = 0; i < 3; ++i) {
    CHECK((*again)[i].seq == (*first)[i].seq);
    CHECK((*again)[i].leaf_hash == (*first)[i].leaf_hash);
    CHECK((*again)[i].replayed);
  }
  // Within one batch: the second copy answers the first's receipt.
  auto twice =
      ledger->Append({DecodeEventJson(Disbursement(7)), DecodeEventJson(Disbursement(7))}, "test");
  REQUIRE(twice.ok());
  CHECK((*twice)[0].seq == (*twice)[1].seq);
  CHECK(ledger->size() == size + 1);
}

TEST_CASE("an event_id reused for a different event is a conflict", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  REQUIRE(ledger->Append(Batch(1, 1), "test").ok());
  const uint64_t size = ledger->size();
  auto conflict = ledger->Append({DecodeEventJson(Disbursement(1, 500000))}, "test");
  CHECK(conflict.status().reason() == "event_id_conflict");
  CHECK(conflict.status().field() == "event_id");
  CHECK(conflict.status().index() == 0);
  auto in_batch = ledger->Append(
      {DecodeEventJson(Disbursement(2)), DecodeEventJson(Disbursement(2, 1))}, "test");
  CHECK(in_batch.status().reason() == "event_id_conflict");
  CHECK(in_batch.status().index() == 1);
  CHECK(ledger->size() == size);
  CHECK(ledger->Snapshot()->FindEventId("pkh-2026-11-000002").status().IsNotFound());
}

TEST_CASE("an invalid event inside a batch rejects the whole batch and writes nothing",
          "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  auto batch = Batch(1, 10);
  batch[6] = DecodeEventJson(Disbursement(7, -1));
  auto result = ledger->Append(std::move(batch), "test");
  CHECK(result.status().reason() == "invalid_amount");
  CHECK(result.status().field() == "entitlement_per_cycle");
  CHECK(result.status().index() == 6);
  CHECK(ledger->size() == 1);
  auto snap = ledger->Snapshot();
  for (int i = 1; i <= 10; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "pkh-2026-11-%06d", i);
    CHECK(snap->FindEventId(id).status().IsNotFound());
  }
  // The rejected ids are free to be used again, and no seq was consumed.
  auto retry = ledger->Append(Batch(1, 10), "test");
  REQUIRE(retry.ok());
  CHECK(retry->front().seq == 1);
  CHECK(Verify(*ledger).ok());
}

TEST_CASE("a rejected request in a group leaves the other requests of the group intact",
          "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  std::vector<std::future<Result<std::vector<Receipt>>>> futures;
  std::vector<std::shared_ptr<std::promise<Result<std::vector<Receipt>>>>> promises;
  for (int r = 0; r < 20; ++r) {
    auto p = std::make_shared<std::promise<Result<std::vector<Receipt>>>>();
    futures.push_back(p->get_future());
    auto batch = Batch(r * 10, 10);
    if (r % 3 == 1) batch[4] = DecodeEventJson(Disbursement(r * 10 + 4, 0));
    ledger->AppendAsync(std::move(batch), "test",
                        [p](Result<std::vector<Receipt>> res) { p->set_value(std::move(res)); });
    promises.push_back(p);
  }
  uint64_t accepted = 0;
  for (int r = 0; r < 20; ++r) {
    auto res = futures[r].get();
    CHECK(res.ok() == (r % 3 != 1));
    accepted += res.ok() ? res->size() : 0;
  }
  CHECK(ledger->size() == 1 + accepted);
  CHECK(Verify(*ledger).ok());
}

TEST_CASE("a chain of 10,000 entries verifies", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  for (int b = 0; b < 10; ++b) REQUIRE(ledger->Append(Batch(b * 1000, 1000), "test").ok());
  CHECK(ledger->size() == 10001);
  uint64_t progress_calls = 0;
  VerifyOptions options;
  options.progress = [&](uint64_t, uint64_t total) {
    ++progress_calls;
    CHECK(total == 10001);
  };
  auto report = VerifyLedger(*ledger->Snapshot(), options);
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(report->entries == 10001);
  CHECK(progress_calls >= 1);
  CHECK(report->root == ledger->Snapshot()->Root(10001).value());
}

TEST_CASE("flipping one byte of a stored entry makes verify name exactly that seq", "[ledger]") {
  testing::TempDir dir;
  auto db = StoredLedger(dir, 40);
  rocksdb::WriteOptions wo;
  size_t flips = 0, prev_hash_breaks = 0;
  for (uint64_t seq : {uint64_t{0}, uint64_t{1}, uint64_t{17}, uint64_t{39}, uint64_t{40}}) {
    const std::string original = testing::StoredEntry(*db, seq);
    for (size_t pos = 0; pos < original.size(); pos += 3) {
      std::string bytes = original;
      bytes[pos] = static_cast<char>(bytes[pos] ^ 0x01);
      testing::ReplaceStoredEntry(*db, seq, bytes);
      auto report = VerifyLedger(*store::MakeSnapshot(db.get()), {});
      REQUIRE(report.ok());
      INFO("seq " << seq << " byte " << pos);
      REQUIRE_FALSE(report->ok());
      CHECK(report->problems.front().seq() == static_cast<int64_t>(seq));
      audit::VerifiedEntry still;
      if (still.Load(bytes).ok() && seq + 1 < 41) {
        // A still-valid FlatBuffer breaks the link to the next entry too.
        bool next_named = false;
        for (const Status& p : report->problems) {
          next_named |= p.seq() == static_cast<int64_t>(seq + 1) &&
                        p.message().find("prev_hash") != std::string_view::npos;
        }
        CHECK(next_named);
        ++prev_hash_breaks;
      }
      ++flips;
    }
    testing::ReplaceStoredEntry(*db, seq, original);
  }
  CHECK(flips > 300);
  CHECK(prev_hash_breaks > 50);
  auto clean = VerifyLedger(*store::MakeSnapshot(db.get()), {});
  CHECK(clean->ok());
}

TEST_CASE("deleting an entry is reported as a gap at that seq", "[ledger]") {
  testing::TempDir dir;
  auto db = StoredLedger(dir, 20);
  for (uint64_t seq : {uint64_t{7}, uint64_t{20}}) {
    const auto run = testing::RunOf(*db, seq);
    testing::DeleteStoredEntry(*db, seq);
    auto report = VerifyLedger(*store::MakeSnapshot(db.get()), {});
    REQUIRE_FALSE(report->ok());
    CHECK(report->problems.front().seq() == static_cast<int64_t>(seq));
    CHECK(report->problems.front().message().find("missing") != std::string_view::npos);
    testing::RestoreRun(*db, run);
  }
}

TEST_CASE("entries swapped in storage are named", "[ledger]") {
  testing::TempDir dir;
  auto db = StoredLedger(dir, 10);
  const std::string a = testing::StoredEntry(*db, 3), b = testing::StoredEntry(*db, 4);
  testing::ReplaceStoredEntry(*db, 3, b);
  testing::ReplaceStoredEntry(*db, 4, a);
  auto report = VerifyLedger(*store::MakeSnapshot(db.get()), {});
  REQUIRE_FALSE(report->ok());
  CHECK(report->problems.front().seq() == 3);
}

TEST_CASE("recorded_at_ms never decreases, whatever the clock does", "[ledger]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  std::atomic<int64_t> clock{5'000'000};
  LedgerOptions options;
  options.clock_ms = [&clock] { return clock.load(); };
  auto ledger = Ledger::Open(dir.path(), options);
  REQUIRE(ledger.ok());
  REQUIRE((*ledger)->Append(Batch(1, 1), "t").ok());
  clock = 1'000;  // the clock jumps back
  REQUIRE((*ledger)->Append(Batch(2, 1), "t").ok());
  auto snap = (*ledger)->Snapshot();
  audit::VerifiedEntry a, b;
  REQUIRE(snap->GetEntry(1, &a).ok());
  REQUIRE(snap->GetEntry(2, &b).ok());
  CHECK(a.entry().recorded_at_ms() >= 5'000'000);
  CHECK(b.entry().recorded_at_ms() >= a.entry().recorded_at_ms());
}

TEST_CASE("a full writer queue answers Busy at once instead of waiting", "[ledger]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  std::mutex mu;
  std::condition_variable cv;
  bool stalled = false, release = false;
  LedgerOptions options;
  options.queue_requests_max = 1;
  // The clock is read by the writer at the start of each group: holding it
  // holds the writer, so the queue can be filled deterministically.
  options.clock_ms = [&] {
    std::unique_lock<std::mutex> lock(mu);
    stalled = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return int64_t{1'800'000'000'000};
  };
  auto ledger = Ledger::Open(dir.path(), options);
  REQUIRE(ledger.ok());
  std::promise<Status> first, second;
  (*ledger)->AppendAsync(Batch(1, 1), "t", [&](auto r) { first.set_value(r.status()); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return stalled; });
  }
  (*ledger)->AppendAsync(Batch(2, 1), "t", [&](auto r) { second.set_value(r.status()); });
  Status third;
  (*ledger)->AppendAsync(Batch(3, 1), "t", [&](auto r) { third = r.status(); });
  CHECK(third.IsBusy());  // answered synchronously
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  CHECK(first.get_future().get().ok());
  CHECK(second.get_future().get().ok());
  CHECK((*ledger)->size() == 3);
}

TEST_CASE("a second writer on the same folder is refused with a clear message", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  auto second = Ledger::Open(dir.path());
  CHECK(second.status().code() == Code::kFailedPrecondition);
  CHECK(second.status().message().find("in use by another lumbung process") !=
        std::string_view::npos);
  LedgerOptions ro;
  ro.read_only = true;
  auto reader = Ledger::Open(dir.path(), ro);
  REQUIRE(reader.ok());
  CHECK((*reader)->size() == 1);
}

TEST_CASE("LedgerOpened is refused anywhere but entry 0", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  std::string second_opening = testing::SampleEventOfEveryType()[0];
  second_opening.replace(second_opening.find("\"ledger-opened\""), 15, "\"ledger-opened-2\"");
  auto again = ledger->Append({DecodeEventJson(second_opening)}, "t");
  CHECK(again.status().reason() == "invalid_ledger_opened");
  CHECK(ledger->size() == 1);
}

TEST_CASE("the head survives a reopen: seqs and the chain continue", "[ledger]") {
  testing::TempDir dir;
  audit::Hash root_before;
  {
    auto ledger = InitAndOpen(dir);
    REQUIRE(ledger->Append(Batch(1, 300), "t").ok());
    root_before = ledger->Snapshot()->Root(301).value();
  }
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  CHECK((*ledger)->Snapshot()->Root(301).value() == root_before);
  auto more = (*ledger)->Append(Batch(301, 300), "t");
  REQUIRE(more.ok());
  CHECK(more->front().seq == 301);
  CHECK(Verify(**ledger).ok());
}

TEST_CASE("folded and unfolded event ids answer idempotency and lookups alike", "[ledger][fold]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  LedgerOptions options;
  options.fold_rows_threshold = 250;  // fold every few groups
  options.fold_deltas_threshold = 3;
  {
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    for (int b = 0; b < 20; ++b) REQUIRE((*ledger)->Append(Batch(b * 100, 100), "t").ok());
    CHECK(WaitForFolds(**ledger, 3) >= 3);
    auto snap = (*ledger)->Snapshot();
    for (int i = 0; i < 2000; i += 37) {
      char id[32];
      std::snprintf(id, sizeof id, "pkh-2026-11-%06d", i);
      CHECK(snap->FindEventId(id).value() == static_cast<uint64_t>(i + 1));
    }
    // Replays of folded (early) and recent (late) ids, and a conflict.
    auto replay = (*ledger)->Append(Batch(0, 3), "t");
    REQUIRE(replay.ok());
    CHECK((*replay)[0].replayed);
    CHECK((*replay)[0].seq == 1);
    auto late = (*ledger)->Append(Batch(1995, 5), "t");
    REQUIRE(late.ok());
    CHECK((*late)[4].seq == 2000);
    CHECK((*ledger)->Append({DecodeEventJson(Disbursement(5, 1))}, "t").status().reason() ==
          "event_id_conflict");
    CHECK((*ledger)->size() == 2001);
  }
  // After a reopen, ids in deltas not yet folded are still known.
  auto ledger = Ledger::Open(dir.path(), options);
  REQUIRE(ledger.ok());
  auto again = (*ledger)->Append(Batch(1990, 10), "t");
  REQUIRE(again.ok());
  for (const Receipt& r : *again) CHECK(r.replayed);
  CHECK(Verify(**ledger).ok());
}

TEST_CASE("an unreadable event_id index row fails the request, not taken for absent", "[ledger]") {
  testing::TempDir dir;
  {
    auto db = StoredLedger(dir, 3);
    // What a damaged index holds for an id never recorded: not 8 bytes.
    REQUIRE(db->db()
                ->Put(rocksdb::WriteOptions(), db->index(),
                      store::keys::EventId("pkh-2026-11-000009"), "bad")
                .ok());
  }
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  // Taking the damaged row for "no such id" would record the id a second
  // time if it was in fact used; the request fails and writes nothing.
  auto damaged = (*ledger)->Append(Batch(8, 3), "t");
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.status().IsCorruption());
  CHECK(damaged.status().message().find("pkh-2026-11-000009") != std::string::npos);
  CHECK((*ledger)->size() == 4);
  // Requests that do not touch the damaged row go on.
  auto fine = (*ledger)->Append(Batch(4, 2), "t");
  REQUIRE(fine.ok());
  CHECK(fine->front().seq == 4);
  auto replay = (*ledger)->Append(Batch(1, 1), "t");
  REQUIRE(replay.ok());
  CHECK((*replay)[0].replayed);
}

namespace {

std::string CodeAt(const LedgerSnapshot& snapshot, uint64_t seq) {
  audit::VerifiedEntry entry;
  REQUIRE(snapshot.GetEntry(seq, &entry).ok());
  return ReceiptCode(audit::LeafHash(entry.bytes()));
}

std::vector<uint64_t> ReceiptSeqs(const LedgerSnapshot& snapshot, const std::string& code) {
  auto found = FindReceipt(snapshot, code);
  REQUIRE(found.ok());
  std::vector<uint64_t> seqs;
  for (const ReceiptMatch& m : *found) seqs.push_back(m.seq);
  return seqs;
}

}  // namespace

namespace {

// Every key and value of the index and state families, in order.
std::vector<std::pair<std::string, std::string>> FoldedRows(store::Db& db) {
  std::vector<std::pair<std::string, std::string>> out;
  for (auto* cf : {db.index(), db.state()}) {
    std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), cf));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      out.emplace_back(it->key().ToString(), it->value().ToString());
    }
    REQUIRE(it->status().ok());
  }
  return out;
}

}  // namespace

TEST_CASE("a fold from the live rows writes what a fold from the deltas writes", "[ledger][fold]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  LedgerOptions options;
  options.fold_rows_threshold = options.fold_deltas_threshold = UINT64_MAX / 2;  // no folds
  uint64_t size = 0;
  {
    // A demo's groups rewrite, add and delete projection rows (payments
    // returned and corrected away), so keys recur across groups and steps.
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    demo::DemoOptions demo;
    demo.seed = 5;
    demo.households = 300;
    demo.groups = 3;
    demo.months = 4;
    demo.assume_first_seq = 1;
    demo::DemoGenerator generator(demo);
    demo::DemoBatch batch;
    while (generator.NextBatch(&batch) == demo::DemoGenerator::Next::kBatch) {
      std::vector<EventInput> events;
      for (const std::string& line : batch.events) events.push_back(DecodeEventJson(line));
      REQUIRE((*ledger)->Append(std::move(events), "t").ok());
    }
    size = (*ledger)->size();
  }
  testing::TempDir copied;
  std::filesystem::copy(dir / "db", copied / "db", std::filesystem::copy_options::recursive);
  // The same deltas folded both ways, in steps small enough that a key's
  // versions fall in different steps.
  const store::Folder::Thresholds thresholds{UINT64_MAX / 2, UINT64_MAX / 2, 1500};
  auto from_deltas = store::Db::Open(dir / "db", store::OpenMode::kWrite);
  REQUIRE(from_deltas.ok());
  {
    store::Folder folder(from_deltas->get(), nullptr, thresholds, {});
    REQUIRE(folder.FoldNow().ok());
    CHECK(folder.folds() >= 3);
  }
  auto from_live = store::Db::Open(copied / "db", store::OpenMode::kWrite);
  REQUIRE(from_live.ok());
  store::LiveRows live(0);
  uint64_t live_rows = 0;
  REQUIRE(store::ForEachUnfoldedDelta(**from_live, nullptr,
                                      [&](uint64_t end_seq, std::string_view blob) {
                                        LUMBUNG_ASSIGN_OR_RETURN(const uint64_t rows,
                                                                 live.AddDelta(end_seq, blob));
                                        live_rows += rows;
                                        return Status();
                                      })
              .ok());
  CHECK(live_rows > 3 * 1500);
  {
    store::Folder folder(from_live->get(), &live, thresholds,
                         [&live](uint64_t seq) { live.Folded(seq); });
    REQUIRE(folder.FoldNow().ok());
    CHECK(folder.folds() >= 3);
  }
  CHECK(live.base() == size);
  CHECK(store::ReadFoldSeq(**from_deltas, nullptr).value() == size);
  CHECK(store::ReadFoldSeq(**from_live, nullptr).value() == size);
  const auto expected = FoldedRows(**from_deltas);
  const auto got = FoldedRows(**from_live);
  CHECK(expected.size() > size);
  REQUIRE(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    INFO("row " << i << " key " << expected[i].first);
    REQUIRE(got[i] == expected[i]);
  }
  // Every row is folded now: the stored digest reads them all from the
  // state family (seeking past the history rows, with rows of other kinds
  // on both sides of them) and must equal a replay's.
  from_deltas->reset();
  LedgerOptions read_only;
  read_only.read_only = true;
  auto folded = Ledger::Open(dir.path(), read_only);
  REQUIRE(folded.ok());
  auto report = RebuildAndCompare(*(*folded)->Snapshot());
  REQUIRE(report.ok());
  CHECK(report->equal());
}

TEST_CASE("past the bound on unfolded rows, a write waits for a fold or is refused as Busy",
          "[ledger][fold]") {
  LedgerOptions options;
  options.fold_rows_threshold = options.fold_deltas_threshold = UINT64_MAX / 2;  // only the bound
  options.unfolded_rows_max = 80;  // a group of 50 programmes derives 100 rows
  SECTION("no time to wait: refused, and the fold it asked for lets writes go on") {
    options.fold_wait_ms = 0;
    testing::TempDir dir;
    auto ledger = InitAndOpen(dir, options);
    REQUIRE(ledger->Append(Batch(0, 50), "t").ok());
    auto refused = ledger->Append(Batch(50, 50), "t");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().IsBusy());
    CHECK(refused.status().message().find("folding") != std::string::npos);
    CHECK(ledger->size() == 51);
    REQUIRE(WaitForFolds(*ledger, 1) >= 1);
    auto accepted = ledger->Append(Batch(50, 50), "t");
    REQUIRE(accepted.ok());
    CHECK(accepted->front().seq == 51);
    CHECK(Verify(*ledger).ok());
  }
  SECTION("time to wait: the write waits for the fold and is recorded") {
    options.fold_wait_ms = 30000;
    testing::TempDir dir;
    auto ledger = InitAndOpen(dir, options);
    for (int b = 0; b < 4; ++b) REQUIRE(ledger->Append(Batch(b * 50, 50), "t").ok());
    CHECK(ledger->stats().folds >= 1);
    CHECK(ledger->size() == 201);
    CHECK(ledger->Snapshot()->FindEventId("pkh-2026-11-000007").value() == 8);
  }
}

TEST_CASE("a backlog of deltas folds in bounded steps, oldest first", "[ledger][fold]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  LedgerOptions options;
  options.fold_rows_threshold = options.fold_deltas_threshold = UINT64_MAX / 2;  // no folds
  options.fold_step_rows_max = 300;  // a group of 50 derives ~250 rows
  {
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    for (int g = 0; g < 20; ++g) REQUIRE((*ledger)->Append(Batch(g * 50, 50), "t").ok());
    CHECK((*ledger)->stats().folds == 0);
  }
  options.fold_rows_threshold = 1;  // the next group sets off a fold of everything
  {
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch(1000, 50), "t").ok());
    // Wait until the steps stop coming (at most 30 s).
    uint64_t folds = 0;
    for (int quiet_ms = 0, waited_ms = 0; quiet_ms < 300 && waited_ms < 30000; waited_ms += 10) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      const uint64_t now = (*ledger)->stats().folds;
      quiet_ms = now == folds ? quiet_ms + 10 : 0;
      folds = now;
    }
    INFO("fold steps " << folds);
    CHECK(folds >= 5);  // 21 groups, one or two a step
    auto snap = (*ledger)->Snapshot();
    for (int i = 0; i < 1050; i += 41) {
      char id[32];
      std::snprintf(id, sizeof id, "pkh-2026-11-%06d", i);
      CHECK(snap->FindEventId(id).value() == static_cast<uint64_t>(i + 1));
    }
    CHECK(ReceiptSeqs(*snap, CodeAt(*snap, 7)) == std::vector<uint64_t>{7});
    CHECK(ReceiptSeqs(*snap, CodeAt(*snap, 1049)) == std::vector<uint64_t>{1049});
    CHECK(Verify(**ledger).ok());
  }
  auto db = store::Db::Open(dir / "db", store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  CHECK(store::ReadFoldSeq(**db, nullptr).value() == 1051);  // the size: every group folded
}

// Receipt rows travel in the group deltas: before a fold the live rows
// answer, a snapshot older than the latest fold reads its own deltas, after
// a fold the index family does, and a reopen reloads the unfolded ones.
TEST_CASE("receipt codes are found wherever their index rows are", "[ledger][fold][receipt]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  LedgerOptions options;
  options.fold_rows_threshold = 250;
  options.fold_deltas_threshold = 3;
  {
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch(0, 100), "t").ok());
    auto before_folds = (*ledger)->Snapshot();
    for (uint64_t seq = 1; seq <= 100; seq += 9) {
      CHECK(ReceiptSeqs(*before_folds, CodeAt(*before_folds, seq)) == std::vector<uint64_t>{seq});
    }
    for (int b = 1; b < 20; ++b) REQUIRE((*ledger)->Append(Batch(b * 100, 100), "t").ok());
    REQUIRE(WaitForFolds(**ledger, 3) >= 3);
    auto now = (*ledger)->Snapshot();
    for (uint64_t seq = 1; seq <= 2000; seq += 37) {
      CHECK(ReceiptSeqs(*now, CodeAt(*now, seq)) == std::vector<uint64_t>{seq});
    }
    // The older snapshot still finds its own entries (once each), and not
    // the ones written after it.
    for (uint64_t seq = 1; seq <= 100; seq += 9) {
      CHECK(ReceiptSeqs(*before_folds, CodeAt(*now, seq)) == std::vector<uint64_t>{seq});
    }
    CHECK(ReceiptSeqs(*before_folds, CodeAt(*now, 1999)).empty());
  }
  // Without folds, the last group's rows exist only in its delta.
  options.fold_rows_threshold = options.fold_deltas_threshold = UINT64_MAX / 2;
  std::string late_code;
  {
    auto ledger = Ledger::Open(dir.path(), options);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch(2000, 50), "t").ok());
    late_code = CodeAt(*(*ledger)->Snapshot(), 2050);
  }
  auto ledger = Ledger::Open(dir.path(), options);
  REQUIRE(ledger.ok());
  auto snapshot = (*ledger)->Snapshot();
  CHECK(ReceiptSeqs(*snapshot, late_code) == std::vector<uint64_t>{2050});
  CHECK(ReceiptSeqs(*snapshot, CodeAt(*snapshot, 5)) == std::vector<uint64_t>{5});
  CHECK(Verify(**ledger).ok());
}

// The replay reads and checks entries on a second thread, in chunks of
// 4,096: a damaged entry is still named by its own seq, in either chunk,
// after everything before it was applied.
TEST_CASE("rebuild names the first unreadable entry, across replay chunks", "[ledger][rebuild]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  {
    auto ledger = Ledger::Open(dir.path());
    REQUIRE(ledger.ok());
    for (int b = 0; b < 5; ++b) REQUIRE((*ledger)->Append(Batch(b * 1000, 1000), "t").ok());
    auto intact = RebuildAndCompare(*(*ledger)->Snapshot());
    REQUIRE(intact.ok());
    CHECK(intact->equal());
    CHECK(intact->entries == 5001);
  }
  for (const uint64_t seq : {uint64_t{4500}, uint64_t{37}}) {
    {
      auto db = store::Db::Open(dir.path() + "/db", store::OpenMode::kWrite);
      REQUIRE(db.ok());
      testing::ReplaceStoredEntry(**db, seq, "torn");
    }
    auto ledger = Ledger::Open(dir.path());
    REQUIRE(ledger.ok());
    auto report = RebuildAndCompare(*(*ledger)->Snapshot());
    CHECK(report.status().code() == Code::kCorruption);
    CHECK(report.status().seq() == static_cast<int64_t>(seq));
  }
}

TEST_CASE("live rows: versions by group, prefix scans in key order, folds and removals",
          "[ledger][fold]") {
  using Lookup = store::LiveRows::Lookup;
  store::LiveRows live(/*base_fold_seq=*/0);
  const std::vector<uint64_t> none;
  using Row = std::pair<std::string, std::optional<std::string>>;
  const auto add = [&](uint64_t end_seq, const std::vector<Row>& rows) {
    store::RowBlock block;
    for (const auto& [key, value] : rows) value ? block.Put(key, *value) : block.Delete(key);
    live.Add(end_seq, std::move(block), {none, end_seq});
  };
  add(10, {{"B/p/2", "b2-v1"}, {"B/p/1", "b1-v1"}, {"C/p/x", "c-v1"}, {"B/p/1", "b1-v1b"}});
  add(20, {{"B/p/1", "b1-v2"}, {"B/p/3", std::nullopt}, {"B/q/1", "q1"}});
  add(30, {{"B/p/1", std::nullopt}, {"B/p/3", "b3-v3"}});
  const auto get = [&](uint64_t size, const std::string& key) {
    std::string value;
    const auto hit = live.Get(0, size, key, &value);
    REQUIRE(hit.has_value());
    return *hit == Lookup::kFound ? value : *hit == Lookup::kDeleted ? "<deleted>" : "<absent>";
  };
  const auto scan = [&](uint64_t size, const std::string& prefix) {
    std::vector<std::string> out;
    REQUIRE(live.Scan(0, size, prefix, [&](std::string_view key, const auto& value) {
      out.push_back(std::string(key) + "=" + std::string(value ? *value : "<deleted>"));
    }));
    return out;
  };
  CHECK(get(9, "B/p/1") == "<absent>");
  CHECK(get(10, "B/p/1") == "b1-v1b");  // the last write of a group wins
  CHECK(get(25, "B/p/1") == "b1-v2");
  CHECK(get(30, "B/p/1") == "<deleted>");
  CHECK(scan(20, "B/p/") ==
        std::vector<std::string>{"B/p/1=b1-v2", "B/p/2=b2-v1", "B/p/3=<deleted>"});
  CHECK(scan(30, "B/") ==
        std::vector<std::string>{"B/p/1=<deleted>", "B/p/2=b2-v1", "B/p/3=b3-v3", "B/q/1=q1"});
  CHECK(scan(10, "") == std::vector<std::string>{"B/p/1=b1-v1b", "B/p/2=b2-v1", "C/p/x=c-v1"});

  // A write that failed: its group's versions go, older ones stay.
  live.Remove(30);
  CHECK(get(100, "B/p/1") == "b1-v2");
  CHECK(get(100, "B/p/3") == "<deleted>");

  // A fold up to 20: B/p/1 was in both folded groups; all of it goes.
  add(40, {{"B/p/2", "b2-v4"}});
  live.Folded(20);
  std::string value;
  CHECK(!live.Get(0, 100, "B/p/1", &value).has_value());  // the old watermark cannot use it
  CHECK(live.Get(20, 100, "B/p/1", &value) == Lookup::kAbsent);
  CHECK(live.Get(20, 100, "B/p/2", &value) == Lookup::kFound);
  CHECK(value == "b2-v4");
  std::vector<std::string> left;
  REQUIRE(
      live.Scan(20, 100, "", [&](std::string_view key, const auto&) { left.emplace_back(key); }));
  CHECK(left == std::vector<std::string>{"B/p/2"});
  // B/p/2's index key pointed into group 10, which the fold freed: it now
  // points into group 40 (ASan would flag a read of the freed group).
  add(50, {{"B/p/1", "b1-v5"}, {"B/p/3", "b3-v5"}});
  left.clear();
  REQUIRE(
      live.Scan(20, 100, "B/", [&](std::string_view key, const auto&) { left.emplace_back(key); }));
  CHECK(left == std::vector<std::string>{"B/p/1", "B/p/2", "B/p/3"});
  live.Remove(50);
  live.Folded(40);
  CHECK(live.Get(40, 100, "B/p/2", &value) == Lookup::kAbsent);
}

TEST_CASE("row blocks: rows side by side, deletions, truncation, views that survive a move",
          "[ledger][fold]") {
  store::RowBlock block;
  block.Put("B/p/1", "v1");
  block.Delete("Q/p/1/2026-01");
  block.Put("k", "");  // a short key and an empty value
  block.Put("B/p/2", std::string(100, 'x'));
  REQUIRE(block.size() == 4);
  CHECK(block.key(0) == "B/p/1");
  CHECK(block.value(0) == std::optional<std::string_view>("v1"));
  CHECK(block.key(1) == "Q/p/1/2026-01");
  CHECK(!block.value(1).has_value());
  CHECK(block.value(2) == std::optional<std::string_view>(""));
  CHECK(block.value(3)->size() == 100);
  const std::string_view held = block.key(0);
  store::RowBlock moved = std::move(block);
  CHECK(moved.key(0).data() == held.data());  // the bytes did not move
  moved.Truncate(2);
  CHECK(moved.size() == 2);
  CHECK(moved.bytes() == std::string_view("B/p/1v1Q/p/1/2026-01").size());
  moved.Put("C/p", "c");
  CHECK(moved.key(2) == "C/p");
  CHECK(moved.value(2) == std::optional<std::string_view>("c"));
}

TEST_CASE("group deltas: compressed, read back, older uncompressed ones, damaged frames",
          "[ledger][fold]") {
  store::DeltaBuilder builder;
  const std::string id_a = "evt-a", id_b = "evt-b";
  builder.AddEntry(id_a, 0x1234);
  builder.AddEntry(id_b, 0x5678);
  for (int i = 0; i < 200; ++i) builder.Put("B/p-1/hh-" + std::to_string(i), std::string(40, 'x'));
  builder.Delete("Q/p-1/hh-7/2026-01");
  const std::string encoded = builder.Finish(/*end_seq=*/10);
  store::DeltaCompressor compressor;
  const std::string stored = compressor.Compress(encoded);
  CHECK(stored.size() * 4 < encoded.size());

  std::string buffer;
  auto inflated = store::InflateDelta(stored, &buffer);
  REQUIRE(inflated.ok());
  CHECK(*inflated == encoded);
  // Written by an older version: read in place, no copy.
  auto plain = store::InflateDelta(encoded, &buffer);
  REQUIRE(plain.ok());
  CHECK(plain->data() == encoded.data());

  uint64_t end_seq = 0;
  std::vector<std::pair<uint64_t, uint64_t>> receipts;
  std::vector<std::string> ids;
  REQUIRE(store::ForEachDeltaEntry(*inflated, &end_seq, [&](const store::DeltaEntry& e) {
            ids.emplace_back(e.event_id);
            if (e.receipt_value) receipts.emplace_back(*e.receipt_value, e.seq);
          }).ok());
  CHECK(ids == std::vector<std::string>{id_a, id_b});
  CHECK(end_seq == 10);
  CHECK(receipts == std::vector<std::pair<uint64_t, uint64_t>>{{0x1234, 8}, {0x5678, 9}});
  size_t rows = 0, deleted = 0;
  REQUIRE(store::ForEachDeltaRow(*inflated, &end_seq, [&](const store::DeltaRow& row) {
            ++rows;
            deleted += row.value ? 0 : 1;
          }).ok());
  CHECK(rows == 201);
  CHECK(deleted == 1);

  // Damaged frames are corruption, never a crash or a wrong row.
  std::string truncated = stored.substr(0, stored.size() / 2);
  CHECK(store::InflateDelta(truncated, &buffer).status().code() == Code::kCorruption);
  std::string flipped = stored;
  flipped[flipped.size() / 2] = static_cast<char>(flipped[flipped.size() / 2] ^ 0x20);
  CHECK(store::InflateDelta(flipped, &buffer).status().code() == Code::kCorruption);
  std::string huge = stored;
  huge.resize(4);  // the magic alone: no frame header, no size
  CHECK(store::InflateDelta(huge, &buffer).status().code() == Code::kCorruption);
  // Found by fuzz/stored: 15 bytes whose frame header claims 792 MB. The
  // buffer grows with what the frame holds, not with the claim.
  const std::string claims_792_mb("\x28\xb5\x2f\xfd\x90\x43\x2f\x62\x37\x2f\x32\x30\x32\x36\x2d",
                                  15);
  std::string small;
  CHECK(store::InflateDelta(claims_792_mb, &small).status().code() == Code::kCorruption);
  CHECK(small.capacity() < (1u << 20));
  // Bytes after the frame are damage too.
  CHECK(store::InflateDelta(stored + "x", &buffer).status().code() == Code::kCorruption);
}

TEST_CASE("library callers passing bytes that are not an event body are refused", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  EventInput garbage;
  garbage.event_id = "raw-1";
  garbage.body = "this is not a FlatBuffer at all, just text";
  CHECK(ledger->Append({garbage}, "t").status().reason() == "malformed_event");
  EventInput mismatched = DecodeEventJson(Disbursement(1));
  mismatched.event_id = "some-other-id";
  CHECK(ledger->Append({mismatched}, "t").status().reason() == "invalid_field");
  EventInput empty;
  empty.event_id = "raw-2";
  CHECK(ledger->Append({empty}, "t").status().reason() == "malformed_event");
  CHECK(ledger->size() == 1);
  CHECK(Verify(*ledger).ok());
}

TEST_CASE("Check reports every bad event of a batch and writes nothing", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  auto batch = Batch(1, 6);
  batch[1] = DecodeEventJson(Disbursement(2, -1));  // bad shape
  batch[4] = DecodeEventJson(Disbursement(1));      // replays event 0 of this batch
  std::string dup = Disbursement(99);
  dup.replace(dup.find("p-000099"), 8, "p-000003");  // opens p-000003 again: a rule breaks
  batch[5] = DecodeEventJson(dup);
  auto results = ledger->Check(std::move(batch), "t");
  REQUIRE(results.ok());
  REQUIRE(results->size() == 6);
  CHECK((*results)[0].ok());
  CHECK((*results)[1].reason() == "invalid_amount");
  CHECK((*results)[1].index() == 1);
  CHECK((*results)[2].ok());
  CHECK((*results)[4].ok());
  CHECK((*results)[5].reason() == "already_exists");
  CHECK((*results)[5].index() == 5);
  CHECK(ledger->size() == 1);
  CHECK(ledger->Snapshot()->FindEventId("pkh-2026-11-000001").status().IsNotFound());
  // The ledger is untouched and still takes the good events.
  REQUIRE(ledger->Append(Batch(1, 3), "t").ok());
  CHECK(ledger->size() == 4);
}

TEST_CASE("after a reopen, snapshots find event ids whose index rows are still in deltas",
          "[ledger][fold]") {
  testing::TempDir dir;
  {
    auto ledger = InitAndOpen(dir);
    REQUIRE(ledger->Append(Batch(1, 30), "t").ok());
  }
  auto ledger = Ledger::Open(dir.path());  // writable: reads go through the live row cache
  REQUIRE(ledger.ok());
  {
    auto snap = (*ledger)->Snapshot();  // a snapshot never outlives its ledger
    for (int i = 1; i <= 30; ++i) {
      char id[32];
      std::snprintf(id, sizeof id, "pkh-2026-11-%06d", i);
      CHECK(snap->FindEventId(id).value() == static_cast<uint64_t>(i));
    }
  }
  LedgerOptions ro;
  ro.read_only = true;
  ledger->reset();
  auto reader = Ledger::Open(dir.path(), ro);  // read-only: reads rebuild the overlay
  REQUIRE(reader.ok());
  CHECK((*reader)->Snapshot()->FindEventId("pkh-2026-11-000030").value() == 30);
}

TEST_CASE("storage stats report RocksDB's memory for the ledger", "[ledger]") {
  testing::TempDir dir;
  auto ledger = InitAndOpen(dir);
  const StorageStats before = ledger->storage_stats();
  REQUIRE(ledger->Append(Batch(1, 200), "test").ok());
  const StorageStats after = ledger->storage_stats();
  // Entries and their rows sit in memtables until a flush: the sum over the
  // families grows with the append (a misspelt property would read 0).
  CHECK(before.memtables > 0);
  CHECK(after.memtables > before.memtables);
  CHECK(after.compactions_running <= 8);
}

namespace {

// Every key of the entries column family with its run, in key order.
std::vector<std::pair<uint64_t, std::vector<uint64_t>>> StoredRuns(store::Db& db) {
  std::vector<std::pair<uint64_t, std::vector<uint64_t>>> out;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator({}, db.entries()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    REQUIRE(it->key().size() == 8);
    const uint64_t key = GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data()));
    store::RunReader run;
    REQUIRE(run.Open(key, std::string_view(it->value().data(), it->value().size())).ok());
    std::vector<uint64_t> seqs;
    uint64_t seq = 0;
    std::string_view bytes;
    while (run.Next(&seq, &bytes)) seqs.push_back(seq);
    out.emplace_back(key, std::move(seqs));
  }
  return out;
}

}  // namespace

TEST_CASE("entries are stored in runs within a commit group and read back one by one",
          "[ledger][runs]") {
  testing::TempDir dir;
  {
    auto ledger = InitAndOpen(dir);
    REQUIRE(ledger->Append(Batch(1, 40), "test").ok());  // one group: 16 + 16 + 8
    REQUIRE(ledger->Append(Batch(41, 1), "test").ok());  // a run of one: stored bare
    REQUIRE(ledger->Append(Batch(42, 3), "test").ok());
    CHECK(Verify(*ledger).ok());
  }
  auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
  REQUIRE(db.ok());
  const auto runs = StoredRuns(**db);
  std::vector<uint64_t> keys;
  uint64_t next = 0;
  for (const auto& [key, seqs] : runs) {
    keys.push_back(key);
    REQUIRE(!seqs.empty());
    CHECK(seqs.size() <= store::kRunEntriesMax);
    CHECK(seqs.front() == next);
    CHECK(seqs.back() == key);
    next = key + 1;
  }
  CHECK(next == 45);  // entry 0 and 44 events
  // Entry 0 has a group of its own, as do 41 and 42..44: no run crosses one.
  CHECK(keys == std::vector<uint64_t>{0, 16, 32, 40, 41, 44});
  // A single entry is stored exactly as format 1 stored every entry.
  std::string bare;
  REQUIRE((*db)->db()->Get({}, (*db)->entries(), store::keys::Entry(41), &bare).ok());
  CHECK(bare.substr(0, 4) != store::kRunMagic);
  audit::VerifiedEntry entry;
  REQUIRE(entry.Load(bare).ok());
  CHECK(entry.entry().seq() == 41);

  auto snapshot = store::MakeSnapshot(db->get());
  for (uint64_t seq = 0; seq < 45; ++seq) {
    audit::VerifiedEntry got;
    REQUIRE(snapshot->GetEntry(seq, &got).ok());
    CHECK(got.entry().seq() == seq);
  }
  // Scans that start and end inside runs return exactly what was asked.
  for (const auto& [from, limit] : std::vector<std::pair<uint64_t, uint64_t>>{
           {0, 45}, {5, 3}, {15, 2}, {16, 17}, {17, 100}, {39, 3}, {44, 1}}) {
    std::vector<uint64_t> seen;
    REQUIRE(snapshot
                ->ScanEntries(from, limit,
                              [&](uint64_t seq, std::string_view bytes) {
                                audit::VerifiedEntry e;
                                REQUIRE(e.Load(bytes).ok());
                                CHECK(e.entry().seq() == seq);
                                seen.push_back(seq);
                                return Status();
                              })
                .ok());
    std::vector<uint64_t> expected;
    for (uint64_t s = from; s < std::min<uint64_t>(45, from + limit); ++s) expected.push_back(s);
    CHECK(seen == expected);
  }
  audit::VerifiedEntry none;
  CHECK(snapshot->GetEntry(45, &none).code() == Code::kNotFound);
}

TEST_CASE("a damaged run is refused with the seq it is stored under", "[ledger][runs]") {
  const std::vector<std::string> entries = {"first entry", "second", "third one"};
  std::string run;
  store::EncodeRun(
      entries.size(), [&](size_t i) { return std::string_view(entries[i]); }, &run);
  store::RunReader reader;
  REQUIRE(reader.Open(12, run).ok());
  CHECK(reader.first_seq() == 10);
  std::vector<std::pair<uint64_t, std::string>> read;
  uint64_t seq = 0;
  std::string_view bytes;
  while (reader.Next(&seq, &bytes)) read.emplace_back(seq, std::string(bytes));
  CHECK(read == std::vector<std::pair<uint64_t, std::string>>{
                    {10, "first entry"}, {11, "second"}, {12, "third one"}});

  auto damaged = [](uint64_t key, const std::string& value) {
    store::RunReader r;
    const Status st = r.Open(key, value);
    CHECK(st.code() == Code::kCorruption);
    CHECK(st.seq() == static_cast<int64_t>(key));
    return std::string(st.message());
  };
  std::string count_one = run, count_many = run, size_long = run, size_zero = run;
  count_one[4] = 1;
  count_many[4] = 17;
  size_long[8] = 100;  // the first entry's size runs past the value
  size_zero[8] = 0;
  CHECK(damaged(12, run.substr(0, 6)).find("cut short") != std::string::npos);
  CHECK(damaged(12, count_one).find("gives 1 entries") != std::string::npos);
  CHECK(damaged(12, count_many).find("gives 17 entries") != std::string::npos);
  CHECK(damaged(1, run).find("gives 3 entries") != std::string::npos);  // seqs below 0
  CHECK(damaged(12, size_long).find("bad size") != std::string::npos);
  CHECK(damaged(12, size_zero).find("bad size") != std::string::npos);
  CHECK(damaged(12, run + "x").find("follow") != std::string::npos);
  CHECK(damaged(12, run.substr(0, run.size() - 1)).find("bad size") != std::string::npos);
}

TEST_CASE("verify names a run whose header was damaged, and the entries it hid", "[ledger][runs]") {
  testing::TempDir dir;
  auto db = StoredLedger(dir, 40);
  std::string value;
  REQUIRE(db->db()->Get({}, db->entries(), store::keys::Entry(32), &value).ok());
  value[4] = 99;  // the count of the run holding 17..32
  REQUIRE(db->db()->Put({}, db->entries(), store::keys::Entry(32), value).ok());
  VerifyOptions options;
  options.problems_max = 8;
  auto report = VerifyLedger(*store::MakeSnapshot(db.get()), options);
  REQUIRE(report.ok());
  REQUIRE(report->problems.size() >= 2);
  CHECK(report->problems[0].seq() == 32);
  CHECK(report->problems[0].message().find("damaged") != std::string_view::npos);
  CHECK(report->problems[1].seq() == 17);  // the next run begins at 33
  CHECK(report->problems[1].message().find("17 to 32 are missing") != std::string_view::npos);
  audit::VerifiedEntry entry;
  CHECK(store::MakeSnapshot(db.get())->GetEntry(20, &entry).code() == Code::kCorruption);
}

TEST_CASE("a ledger of format 1, one entry a key, opens, verifies and grows in runs",
          "[ledger][runs]") {
  testing::TempDir dir;
  {
    auto ledger = InitAndOpen(dir);
    REQUIRE(ledger->Append(Batch(1, 40), "test").ok());
  }
  {
    // Store it as format 1 did: every entry bare under its own seq.
    auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    for (uint64_t seq = 0; seq <= 40; ++seq) {
      const std::string bytes = testing::StoredEntry(**db, seq);
      REQUIRE((*db)->db()->Delete({}, (*db)->entries(), store::keys::Entry(seq)).ok());
      REQUIRE((*db)->db()->Put({}, (*db)->entries(), store::keys::Entry(seq), bytes).ok());
    }
    for (const auto& [key, seqs] : StoredRuns(**db)) CHECK(seqs.size() == 1);
    REQUIRE((*db)->db()->Put({}, (*db)->meta(), std::string(store::keys::kMetaFormat), "1").ok());
  }
  {
    LedgerOptions read_only;
    read_only.read_only = true;
    auto ledger = Ledger::Open(dir.path(), read_only);
    REQUIRE(ledger.ok());
    CHECK(Verify(**ledger).ok());
  }
  {
    auto ledger = Ledger::Open(dir.path());
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch(41, 20), "test").ok());
    const VerifyReport report = Verify(**ledger);
    CHECK(report.ok());
    CHECK(report.entries == 61);
  }
  auto db = store::Db::Open(dir / "db", store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  CHECK((*db)->GetMeta(store::keys::kMetaFormat).value() == store::kFormatVersion);
  const auto runs = StoredRuns(**db);
  CHECK(runs.size() == 41 + 2);  // the old entries one a key, the new group as 16 + 4
  CHECK(runs.back().second.size() == 4);
}

namespace {

// The names of `family`'s files by level, in the bare database (levels
// without files left out).
std::map<int, std::vector<std::string>> FilesByLevel(const testing::BareDb& bare,
                                                     const std::string& family) {
  rocksdb::ColumnFamilyMetaData meta;
  bare.db()->GetColumnFamilyMetaData(bare.family(family), &meta);
  std::map<int, std::vector<std::string>> out;
  for (const auto& level : meta.levels) {
    for (const auto& file : level.files) out[level.level].push_back(file.name);
  }
  return out;
}

// Appends `groups` groups of 100 from `from` and waits for `folds` folds.
void AppendAndFold(const std::string& path, int from, int groups = 10, uint64_t folds = 2) {
  LedgerOptions options;
  options.fold_rows_threshold = 250;
  options.fold_deltas_threshold = 3;
  auto ledger = Ledger::Open(path, options);
  REQUIRE(ledger.ok());
  for (int b = 0; b < groups; ++b) {
    REQUIRE((*ledger)->Append(Batch(from + b * 100, 100), "t").ok());
  }
  REQUIRE(WaitForFolds(**ledger, folds) >= folds);
}

}  // namespace

TEST_CASE("a ledger whose rows were compacted in levels opens under universal compaction",
          "[ledger][fold]") {
  // Ledgers written before `state` and `index` moved to universal
  // compaction hold their rows in levels laid out by leveled compaction
  // (RocksDB's default, used here on the bare database): files in L1 and
  // L6 at once. Such a ledger must open, find its old ids, take new
  // events and still equal a replay.
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  AppendAndFold(dir.path(), 1);
  rocksdb::ColumnFamilyOptions leveled;     // RocksDB's default compaction
  leveled.disable_auto_compactions = true;  // only the compactions below
  rocksdb::CompactRangeOptions to_bottom;
  to_bottom.change_level = true;
  to_bottom.target_level = 6;
  {
    testing::BareDb bare(dir / "db", leveled);
    for (const char* family : {"state", "index"}) {
      REQUIRE(bare.db()->CompactRange(to_bottom, bare.family(family), nullptr, nullptr).ok());
    }
  }
  // A third as many rows again, in one or two files: too few for universal
  // compaction to merge them into the bottom run (its trigger is sixteen
  // runs, or newer runs twice the size of the bottom one), so they stay
  // above it.
  AppendAndFold(dir.path(), 1001, 3, 1);
  {
    testing::BareDb bare(dir / "db", leveled);
    for (const char* family : {"state", "index"}) {
      INFO(family);
      std::vector<std::string> upper;
      for (const auto& [level, names] : FilesByLevel(bare, family)) {
        if (level != 6) upper.insert(upper.end(), names.begin(), names.end());
      }
      REQUIRE_FALSE(upper.empty());
      REQUIRE(bare.db()
                  ->CompactFiles(rocksdb::CompactionOptions(), bare.family(family), upper, 1)
                  .ok());
      std::vector<int> levels;
      for (const auto& [level, names] : FilesByLevel(bare, family)) levels.push_back(level);
      REQUIRE(levels == std::vector<int>{1, 6});
    }
  }
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  auto snap = (*ledger)->Snapshot();
  for (int i : {1, 500, 1000, 1001, 1150, 1300}) {
    char id[32];
    std::snprintf(id, sizeof id, "pkh-2026-11-%06d", i);
    CHECK(snap->FindEventId(id).value() == static_cast<uint64_t>(i));
  }
  auto replay = (*ledger)->Append(Batch(1295, 10), "t");
  REQUIRE(replay.ok());
  CHECK((*replay)[0].replayed);
  CHECK((*replay)[5].replayed);
  CHECK_FALSE((*replay)[6].replayed);
  CHECK((*ledger)->size() == 1305);
  CHECK(Verify(**ledger).ok());
  auto report = RebuildAndCompare(*(*ledger)->Snapshot());
  REQUIRE(report.ok());
  CHECK(report->equal());
}

namespace {

// The keys of `cf` below the projection rows ('r'): group deltas ('d') and
// "fold_seq" (in `state` before format 3, in `meta` since).
std::vector<std::string> KeysBelowRows(store::Db& db, rocksdb::ColumnFamilyHandle* cf) {
  std::vector<std::string> out;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), cf));
  for (it->SeekToFirst(); it->Valid() && it->key()[0] <= 'f'; it->Next()) {
    if (it->key()[0] == 'd' || it->key() == store::keys::kFoldSeq) {
      out.push_back(it->key().ToString());
    }
  }
  REQUIRE(it->status().ok());
  return out;
}

// Entries in the active and immutable memtables of `cf`.
uint64_t MemtableEntries(store::Db& db, rocksdb::ColumnFamilyHandle* cf) {
  const std::optional<uint64_t> entries = db.MemtableEntries(cf);
  REQUIRE(entries.has_value());
  return *entries;
}

}  // namespace

TEST_CASE("only the fold's ingested files reach the state and index families", "[ledger][fold]") {
  // The invariant that makes universal compaction safe with ingested files
  // (fold.cc, FlushIfNotEmpty): commits write their deltas to `meta`, so
  // nothing waits in these families' memtables. A read-only open replays
  // the WAL into the memtables, where any such write would show.
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  AppendAndFold(dir.path(), 1);
  auto db = store::Db::Open(dir / "db", store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  CHECK((*db)->deltas() == (*db)->meta());
  CHECK_FALSE(KeysBelowRows(**db, (*db)->meta()).empty());  // the watermark at least
  CHECK(KeysBelowRows(**db, (*db)->state()).empty());
  CHECK(MemtableEntries(**db, (*db)->state()) == 0);
  CHECK(MemtableEntries(**db, (*db)->index()) == 0);
  CHECK(MemtableEntries(**db, (*db)->meta()) > 0);  // the probe sees WAL writes
}

TEST_CASE(
    "a ledger of format 2 reads its deltas from state, and its first writable open moves them",
    "[ledger][fold]") {
  testing::TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
  AppendAndFold(dir.path(), 1);
  {
    LedgerOptions no_folds;
    no_folds.fold_rows_threshold = no_folds.fold_deltas_threshold = UINT64_MAX / 2;
    auto ledger = Ledger::Open(dir.path(), no_folds);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch(1001, 50), "t").ok());
    REQUIRE((*ledger)->Append(Batch(1051, 50), "t").ok());
  }
  size_t moved = 0;
  {
    // Store it as format 2 did: deltas and watermark in `state`.
    auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    store::Db& d = **db;
    const std::vector<std::string> keys = KeysBelowRows(d, d.meta());
    moved = keys.size();
    REQUIRE(moved >= 3);  // the two deltas above (and any left unfolded), the watermark
    rocksdb::WriteBatch batch;
    for (const std::string& key : keys) {
      std::string value;
      REQUIRE(d.db()->Get({}, d.meta(), key, &value).ok());
      REQUIRE(batch.Put(d.state(), key, value).ok());
      REQUIRE(batch.Delete(d.meta(), key).ok());
    }
    REQUIRE(batch.Put(d.meta(), std::string(store::keys::kMetaFormat), "2").ok());
    REQUIRE(d.db()->Write({}, &batch).ok());
  }
  {
    LedgerOptions read_only;
    read_only.read_only = true;
    auto old = Ledger::Open(dir.path(), read_only);
    REQUIRE(old.ok());
    auto snap = (*old)->Snapshot();
    CHECK(snap->FindEventId("pkh-2026-11-001000").value() == 1000u);  // folded
    CHECK(snap->FindEventId("pkh-2026-11-001070").value() == 1070u);  // in a delta
    CHECK(Verify(**old).ok());
    auto report = RebuildAndCompare(*snap);
    REQUIRE(report.ok());
    CHECK(report->equal());
  }
  REQUIRE(Ledger::Open(dir.path()).ok());  // opened to write, and closed
  {
    auto db = store::Db::Open(dir / "db", store::OpenMode::kReadOnly);
    REQUIRE(db.ok());
    CHECK((*db)->GetMeta(store::keys::kMetaFormat).value() == store::kFormatVersion);
    CHECK((*db)->deltas() == (*db)->meta());
    CHECK(KeysBelowRows(**db, (*db)->state()).empty());
    CHECK(KeysBelowRows(**db, (*db)->meta()).size() == moved);
    CHECK(MemtableEntries(**db, (*db)->state()) == 0);
  }
  AppendAndFold(dir.path(), 1101);
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  CHECK((*ledger)->size() == 2101);
  CHECK(Verify(**ledger).ok());
  auto report = RebuildAndCompare(*(*ledger)->Snapshot());
  REQUIRE(report.ok());
  CHECK(report->equal());
}
