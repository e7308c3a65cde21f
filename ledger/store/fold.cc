#include "fold.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <filesystem>

#include <rocksdb/sst_file_writer.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include "receipt_index.h"
#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

namespace lumbung::store {

Result<uint64_t> ReadFoldSeq(const Db& db, const rocksdb::Snapshot* snapshot) {
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  std::string value;
  rocksdb::Status s = db.db()->Get(ro, db.deltas(), std::string(keys::kFoldSeq), &value);
  if (s.IsNotFound()) return uint64_t{0};
  LUMBUNG_RETURN_IF_ERROR(FromRocks(s, "reading the fold watermark"));
  if (value.size() != 8) return Status::Corruption("bad fold watermark");
  return GetBigEndian64(reinterpret_cast<const uint8_t*>(value.data()));
}

namespace {

// Calls fn(end_seq, stored value) for each delta after the watermark (put
// in *fold_seq), in order.
Status ScanDeltas(const Db& db, const rocksdb::Snapshot* snapshot, uint64_t* fold_seq,
                  const std::function<Status(uint64_t, const rocksdb::Slice&)>& fn) {
  LUMBUNG_ASSIGN_OR_RETURN(*fold_seq, ReadFoldSeq(db, snapshot));
  const std::string first = keys::StateDelta(*fold_seq + 1);
  const std::string end = "e";  // first key past every 'd' key
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.deltas()));
  for (it->Seek(first); it->Valid(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != 9 || key[0] != 'd') return Status::Corruption("bad group delta key");
    LUMBUNG_RETURN_IF_ERROR(
        fn(GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data() + 1)), it->value()));
  }
  return FromRocks(it->status(), "reading group deltas");
}

}  // namespace

Status ForEachUnfoldedDelta(const Db& db, const rocksdb::Snapshot* snapshot,
                            const std::function<Status(uint64_t, std::string_view)>& fn) {
  uint64_t fold_seq = 0;
  std::string inflated;
  return ScanDeltas(db, snapshot, &fold_seq,
                    [&](uint64_t end_seq, const rocksdb::Slice& value) -> Status {
                      LUMBUNG_ASSIGN_OR_RETURN(
                          const std::string_view blob,
                          InflateDelta(std::string_view(value.data(), value.size()), &inflated));
                      return fn(end_seq, blob);
                    });
}

namespace {

// A fold frees its own buffers and, through on_folded, the live rows it
// made readable: with the default thresholds some 100-200 MB, every fold;
// RocksDB's flushes and compactions free theirs all the time. gperftools'
// tcmalloc (which the executables link) keeps freed pages mapped, and at
// 10M demo entries that was a third of the process's RSS (bench/scale
// prints it). The fold thread hands them back after each fold and at
// least once a second; what is reused costs a page fault a page. Looked
// up at run time: with another allocator there is nothing to call.
void ReturnFreedMemory() {
  using Release = void (*)();
  static const auto release =
      reinterpret_cast<Release>(dlsym(RTLD_DEFAULT, "MallocExtension_ReleaseFreeMemory"));
  if (release != nullptr) release();
}

}  // namespace

Folder::Folder(Db* db, const LiveRows* live, Thresholds thresholds,
               std::function<void(uint64_t)> on_folded)
    : db_(db),
      live_(live),
      rows_threshold_(thresholds.rows),
      deltas_threshold_(thresholds.deltas),
      step_rows_max_(std::max<uint64_t>(1, thresholds.step_rows_max)),
      on_folded_(std::move(on_folded)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "lumbung-fold");
    Run();
  });
}

Folder::~Folder() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Folder::Note(uint64_t unfolded_rows, uint64_t unfolded_deltas) {
  if (unfolded_rows < rows_threshold_ && unfolded_deltas < deltas_threshold_) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = true;
  }
  cv_.notify_all();
}

void Folder::Want() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted_ = true;
  }
  cv_.notify_all();
}

void Folder::Run() {
  for (;;) {
    bool fold = false;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::seconds(1), [this] { return wanted_ || stop_; });
      if (stop_) return;
      fold = wanted_;
      wanted_ = false;
    }
    // A failed fold changes nothing that readers depend on; the next
    // threshold crossing tries again.
    if (fold) FoldNow().IgnoreError();
    ReturnFreedMemory();
  }
}

Status Folder::FoldNow() {
  std::lock_guard<std::mutex> lock(run_mu_);
  for (;;) {
    LUMBUNG_ASSIGN_OR_RETURN(const bool more, FoldOnce());
    if (!more) return Status();
    // Between steps a closing ledger need not wait for the rest: what is
    // not folded stays in its deltas, which a reopen folds.
    std::lock_guard<std::mutex> stop_lock(mu_);
    if (stop_) return Status();
  }
}

void Folder::StopIngesting() {
  std::lock_guard<std::mutex> lock(ingest_mu_);
  ingest_ = false;
}

// A file is ingested only into a family whose memtables are empty. One
// ingested above rows still in a memtable takes a newer seqno than theirs;
// once a compaction merges it with other L0 files back into L0 (universal
// compaction does so whenever the next older run is in L0), the memtable's
// flush overlaps that file's seqno range and RocksDB 7.8 refuses the new
// version as Corruption (force_consistency_checks; upstream pull request
// 10776). Nothing but the fold writes `state` and `index` while a ledger
// is open (the deltas are in `meta`; the format upgrade flushes `state`
// itself), so this flushes only after the receipt index's first build or
// rows written behind the ledger's back.
Status Folder::FlushIfNotEmpty(rocksdb::ColumnFamilyHandle* cf) {
  if (db_->MemtableEntries(cf) == uint64_t{0}) return Status();
  return FromRocks(db_->db()->Flush(rocksdb::FlushOptions(), cf),
                   "flushing before a fold's ingest");
}

Status Folder::IngestRows(rocksdb::ColumnFamilyHandle* cf, const std::string& file,
                          const SortedRows& rows) {
  if (rows.count == 0) return Status();
  std::lock_guard<std::mutex> lock(ingest_mu_);
  if (!ingest_) {
    rocksdb::WriteBatch batch;
    LUMBUNG_RETURN_IF_ERROR(rows.each([&](std::string_view key, auto value) {
      (value ? batch.Put(cf, key, *value) : batch.Delete(cf, key)).PermitUncheckedError();
      return Status();
    }));
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return FromRocks(db_->db()->Write(wo, &batch), "writing folded rows");
  }
  // An SstFileWriter compresses with the family's bottommost compression
  // (zstd), since a file may be ingested into the bottom level. LZ4 instead:
  // zstd cost the fold thread ~1 us of CPU per event (2-core machine, demo
  // workload; LZ4 costs about what no compression does), and compaction
  // rewrites the rows in zstd once they merge into the bottom level.
  rocksdb::Options sst_options = db_->db()->GetOptions(cf);
  sst_options.compression = rocksdb::kLZ4Compression;
  sst_options.bottommost_compression = rocksdb::kLZ4Compression;
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), sst_options, cf);
  LUMBUNG_RETURN_IF_ERROR(FromRocks(writer.Open(file), "opening a fold file"));
  LUMBUNG_RETURN_IF_ERROR(rows.each([&](std::string_view key, auto value) {
    rocksdb::Status s = value ? writer.Put(key, *value) : writer.Delete(key);
    return FromRocks(s, "writing a fold file");
  }));
  LUMBUNG_RETURN_IF_ERROR(FromRocks(writer.Finish(), "finishing a fold file"));
  LUMBUNG_RETURN_IF_ERROR(FlushIfNotEmpty(cf));
  rocksdb::IngestExternalFileOptions options;
  options.move_files = true;
  return FromRocks(db_->db()->IngestExternalFile(cf, {file}, options), "ingesting folded rows");
}

namespace {

// The most compressed delta bytes one fold step reads (whole deltas, at
// least one): with step_rows_max, what bounds a step's memory.
constexpr size_t kFoldStepBlobBytesMax = 256 << 20;

struct FoldRow {
  std::string_view key;
  std::optional<std::string_view> value;
  uint64_t order;  // position in delta order: the newest version wins
};

// Sorts rows by key, newest first within a key, and keeps the newest, in
// place.
void KeepNewestRows(std::vector<FoldRow>* rows) {
  std::sort(rows->begin(), rows->end(), [](const FoldRow& a, const FoldRow& b) {
    return a.key != b.key ? a.key < b.key : a.order > b.order;
  });
  const auto end = std::unique(rows->begin(), rows->end(),
                               [](const FoldRow& a, const FoldRow& b) { return a.key == b.key; });
  rows->erase(end, rows->end());
}

// The rows of `block` in key order, keys unique (index rows: an event id
// is appended once, and a receipt row names its entry's seq).
Folder::SortedRows InKeyOrder(const RowBlock& block, std::vector<uint32_t>* order) {
  order->resize(block.size());
  for (uint32_t i = 0; i < order->size(); ++i) (*order)[i] = i;
  std::sort(order->begin(), order->end(),
            [&block](uint32_t a, uint32_t b) { return block.key(a) < block.key(b); });
  return {order->size(), [&block, order](const Folder::SortedRows::RowFn& fn) {
            for (const uint32_t i : *order)
              LUMBUNG_RETURN_IF_ERROR(fn(block.key(i), block.value(i)));
            return Status();
          }};
}

// The end seqs of the unfolded deltas in `snapshot`, and the watermark.
Status ListUnfoldedDeltas(const Db& db, const rocksdb::Snapshot* snapshot, uint64_t* fold_seq,
                          std::vector<uint64_t>* end_seqs) {
  return ScanDeltas(db, snapshot, fold_seq, [end_seqs](uint64_t end_seq, const rocksdb::Slice&) {
    end_seqs->push_back(end_seq);
    return Status();
  });
}

}  // namespace

// The live rows hold every unfolded group's rows with its keys already in
// order, so a step made from them skips what a step made from the deltas
// costs: reading and inflating every delta, and sorting its rows (~1.3 us
// of the fold thread an event, demo workload). The result is the same:
// for each key its newest version in the groups folded.
Result<std::optional<bool>> Folder::FoldLive() {
  uint64_t fold_seq = 0;
  std::vector<uint64_t> end_seqs;
  const rocksdb::Snapshot* snap = db_->db()->GetSnapshot();
  Status st = ListUnfoldedDeltas(*db_, snap, &fold_seq, &end_seqs);
  db_->db()->ReleaseSnapshot(snap);
  LUMBUNG_RETURN_IF_ERROR(st);
  if (end_seqs.empty()) return std::optional<bool>(false);
  LiveRows::FoldRows taken;
  if (!live_->CollectFold(fold_seq, end_seqs, step_rows_max_, &taken)) {
    return std::optional<bool>();
  }
  LUMBUNG_ASSERT(taken.groups >= 1 && taken.groups <= end_seqs.size());
  LUMBUNG_ASSERT(taken.end_seq == end_seqs[taken.groups - 1]);
  size_t id_rows = 0;
  for (const auto& row : taken.rows) id_rows += row.first.front() == kIndexRowPrefix ? 1 : 0;
  // Index rows: receipt rows ('c') sort before event id rows ('e').
  static_assert(kReceiptRowPrefix < kIndexRowPrefix);
  const SortedRows index_rows{
      taken.receipts.size() + id_rows, [&taken](const SortedRows::RowFn& fn) {
        for (const auto& [value, seq] : taken.receipts) {
          LUMBUNG_RETURN_IF_ERROR(fn(ReceiptRowKey(value, seq), std::string_view()));
        }
        for (const auto& [key, value] : taken.rows) {
          if (key.front() == kIndexRowPrefix) LUMBUNG_RETURN_IF_ERROR(fn(key, value));
        }
        return Status();
      }};
  const SortedRows state_rows{taken.rows.size() - id_rows, [&taken](const SortedRows::RowFn& fn) {
                                std::string key;
                                for (const auto& [row_key, value] : taken.rows) {
                                  if (row_key.front() == kIndexRowPrefix) continue;
                                  key = keys::StateRow(row_key);
                                  LUMBUNG_RETURN_IF_ERROR(fn(key, value));
                                }
                                return Status();
                              }};
  const bool more = taken.groups < end_seqs.size();
  end_seqs.resize(taken.groups);
  LUMBUNG_RETURN_IF_ERROR(Finish(end_seqs, index_rows, state_rows));
  return std::optional<bool>(more);
}

Result<bool> Folder::FoldOnce() {
  if (live_ != nullptr) {
    LUMBUNG_ASSIGN_OR_RETURN(const std::optional<bool> more, FoldLive());
    if (more) return *more;
  }
  const rocksdb::Snapshot* snap = db_->db()->GetSnapshot();
  std::deque<std::string> blobs;  // own the bytes the rows point into; never relocated
  std::vector<uint64_t> folded;
  size_t blob_bytes = 0;
  bool more = false;  // deltas wait beyond this step
  Status st = ForEachUnfoldedDelta(*db_, snap, [&](uint64_t end_seq, std::string_view blob) {
    if (!blobs.empty() && blob_bytes + blob.size() > kFoldStepBlobBytesMax) {
      more = true;
      return Status::Internal("fold step full");  // stops the scan; not an error
    }
    blobs.emplace_back(blob);
    folded.push_back(end_seq);
    blob_bytes += blob.size();
    return Status();
  });
  db_->db()->ReleaseSnapshot(snap);
  if (!more) LUMBUNG_RETURN_IF_ERROR(st);
  if (folded.empty()) return false;
  // One reservation for the fold's rows: as many as the threshold lets
  // wait and a quarter more, never more than the deltas could hold (an
  // encoded row takes at least 32 bytes), so small folds stay small.
  std::vector<FoldRow> rows;
  rows.reserve(std::min<size_t>(
      {rows_threshold_ + rows_threshold_ / 4, blob_bytes / 32, step_rows_max_ + 1}));
  RowBlock index;
  size_t used = 0;  // deltas this step takes: whole ones, at least one
  for (const std::string& blob : blobs) {
    if (used > 0 && rows.size() + index.size() >= step_rows_max_) {
      more = true;
      break;
    }
    uint64_t end_seq = 0;
    LUMBUNG_RETURN_IF_ERROR(ForEachDeltaEntry(blob, &end_seq, [&](const DeltaEntry& e) {
      index.Put(keys::EventId(e.event_id), BigEndian64(e.seq));
      if (e.receipt_value) index.Put(ReceiptRowKey(*e.receipt_value, e.seq), std::string_view());
    }));
    LUMBUNG_RETURN_IF_ERROR(ForEachDeltaRow(blob, &end_seq, [&](const DeltaRow& row) {
      rows.push_back(FoldRow{row.key, row.value, rows.size()});
    }));
    ++used;
  }
  folded.resize(used);
  std::vector<uint32_t> index_order;
  const SortedRows index_rows = InKeyOrder(index, &index_order);
  KeepNewestRows(&rows);
  const SortedRows state_rows{rows.size(), [&rows](const SortedRows::RowFn& fn) {
                                std::string key;
                                for (const FoldRow& r : rows) {
                                  key = keys::StateRow(r.key);
                                  LUMBUNG_RETURN_IF_ERROR(fn(key, r.value));
                                }
                                return Status();
                              }};
  LUMBUNG_RETURN_IF_ERROR(Finish(folded, index_rows, state_rows));
  return more;
}

Status Folder::Finish(const std::vector<uint64_t>& folded, const SortedRows& index_rows,
                      const SortedRows& state_rows) {
  const std::string dir = db_->path() + "/fold-" + std::to_string(getpid());
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  Status st = IngestRows(db_->index(), dir + "/index.sst", index_rows);
  if (st.ok()) st = IngestRows(db_->state(), dir + "/state.sst", state_rows);
  std::filesystem::remove_all(dir, ec);
  LUMBUNG_RETURN_IF_ERROR(st);
  rocksdb::WriteBatch batch;
  for (uint64_t end_seq : folded) {
    batch.Delete(db_->deltas(), keys::StateDelta(end_seq)).PermitUncheckedError();
  }
  batch.Put(db_->deltas(), std::string(keys::kFoldSeq), BigEndian64(folded.back()))
      .PermitUncheckedError();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  LUMBUNG_RETURN_IF_ERROR(FromRocks(db_->db()->Write(wo, &batch), "recording a fold"));
  folds_.fetch_add(1);
  if (on_folded_) on_folded_(folded.back());
  return Status();
}

}  // namespace lumbung::store
