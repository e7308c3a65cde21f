#include "lumbung/ledger/verify.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include <rocksdb/iterator.h>

#include "lumbung/audit/chain.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include "checkpoint_check.h"
#include "entry_runs.h"
#include "snapshot_impl.h"

namespace lumbung {
namespace {

constexpr uint64_t kProgressEvery = 16384;

// Leaf hashes as stored in the level-0 tiles, read one tile (256 leaves) at
// a time as the walk advances. The tiles are read in key order by one
// iterator with readahead: point reads cost ~20 us a tile (a block read
// and a lookup per level each), a tenth of what the walk spends on the
// tile's 256 entries.
class StoredLeaves {
 public:
  explicit StoredLeaves(const LedgerSnapshot& snapshot) {
    const auto& impl = snapshot.impl();
    rocksdb::ReadOptions ro = impl.Read();
    ro.fill_cache = false;  // a full walk would evict everything useful
    ro.readahead_size = 1 << 20;
    it_.reset(impl.db->db()->NewIterator(ro, impl.db->tree()));
    it_->Seek(store::TileKey(store::TileId{0, 0}));
  }

  // The stored leaf for `seq`, or nullptr if the tree does not hold one
  // (which the root comparison at the end then reports).
  const audit::Hash* Get(uint64_t seq) {
    const uint64_t tile = seq / store::kTileWidth;
    if (tile != tile_ || !loaded_) Load(tile);
    const uint64_t offset = store::TileNodeCount(seq % store::kTileWidth);
    if ((offset + 1) * audit::kHashBytes > tile_bytes_.size()) return nullptr;
    std::memcpy(leaf_.data(), tile_bytes_.data() + offset * audit::kHashBytes, audit::kHashBytes);
    return &leaf_;
  }

 private:
  // Tiles are visited in seq order, so the iterator only moves forward.
  void Load(uint64_t tile) {
    tile_ = tile;
    loaded_ = true;
    tile_bytes_.clear();
    const std::string key = store::TileKey(store::TileId{0, tile});
    while (it_->Valid() && it_->key().compare(key) < 0) it_->Next();
    if (!it_->Valid() || it_->key() != key) return;
    const rocksdb::Slice value = it_->value();
    // A tile of a bad length is no source of leaves (GetNodes refuses it too).
    if (value.size() % audit::kHashBytes != 0 ||
        value.size() > store::kTileNodesMax * audit::kHashBytes) {
      return;
    }
    tile_bytes_.assign(value.data(), value.size());
  }

  std::unique_ptr<rocksdb::Iterator> it_;
  uint64_t tile_ = 0;
  bool loaded_ = false;
  std::string tile_bytes_;
  audit::Hash leaf_{};
};

// Entries read ahead of the walk, on a second thread. Everything that needs
// only the entry itself (leaf hash, FlatBuffers verification, event shape)
// is prepared per chunk by whichever thread has time; the walk in seq order
// keeps what links entries (seq run, prev_hash, stored leaves, Merkle nodes).
struct Chunk {
  // The entries, each at an offset aligned for FlatBuffers, so they are
  // verified and read where they lie instead of copied once more.
  std::string bytes;
  std::vector<std::pair<size_t, size_t>> spans;  // offset, size in `bytes`
  std::vector<uint64_t> seqs;                    // kBadKey for a key that is not a seq
  std::vector<audit::CheckedEntry> checked;      // one per span, once prepared
  std::vector<Status> shapes;                    // ValidateEventBody of each entry
  std::vector<Status> damaged_runs;              // in order, one per kBadRun seq
  bool prepared = false;
  Status status;  // the iterator's, on the last chunk
  bool last = false;

  void Clear() {
    bytes.clear();
    spans.clear();
    seqs.clear();
    damaged_runs.clear();
    prepared = false;
    status = Status();
    last = false;
  }
};
constexpr uint64_t kBadKey = UINT64_MAX;
constexpr uint64_t kBadRun = UINT64_MAX - 1;  // a value RunReader refuses
constexpr size_t kChunkEntriesMax = 1024;
constexpr size_t kChunksInFlightMax = 4;
constexpr size_t kEntryAlignment = 16;  // as a heap copy would be; FlatBuffers needs 8

// A bounded hand-off of chunks from the reading thread to the walk, and of
// walked chunks back for reuse (their buffers keep their capacity).
class ChunkQueue {
 public:
  // False once the walk has stopped (too many problems): the reader quits.
  bool Push(std::unique_ptr<Chunk> chunk) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return stopped_ || chunks_.size() < kChunksInFlightMax; });
    if (stopped_) return false;
    chunks_.push_back(std::move(chunk));
    cv_.notify_all();
    return true;
  }
  // Whether the walk has work waiting that outlasts the reader preparing a
  // chunk (so the reader has time to spare): a chunk still to prepare, or
  // three prepared ones (a walk costs ~180 ns an entry, a preparation ~450).
  // With "any chunk waiting" the walk idled 11% of a verify, waiting for a
  // chunk the reader was preparing (bench/verify_bench, 1M entries).
  bool Backlog() {
    std::lock_guard<std::mutex> lock(mu_);
    return chunks_.size() >= 3 ||
           std::any_of(chunks_.begin(), chunks_.end(), [](const auto& c) { return !c->prepared; });
  }
  std::unique_ptr<Chunk> Pop() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !chunks_.empty(); });
    auto chunk = std::move(chunks_.front());
    chunks_.pop_front();
    cv_.notify_all();
    return chunk;
  }
  void Stop() {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    cv_.notify_all();
  }
  // A walked chunk, or a new one; empty either way.
  std::unique_ptr<Chunk> Spare() {
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.empty()) return std::make_unique<Chunk>();
    auto chunk = std::move(spare_.back());
    spare_.pop_back();
    return chunk;
  }
  void Recycle(std::unique_ptr<Chunk> chunk) {
    chunk->Clear();
    std::lock_guard<std::mutex> lock(mu_);
    if (spare_.size() < kChunksInFlightMax) spare_.push_back(std::move(chunk));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> chunks_;
  std::vector<std::unique_ptr<Chunk>> spare_;
  bool stopped_ = false;
};

void PrepareChunk(Chunk* chunk) {
  chunk->prepared = true;
  const size_t count = chunk->spans.size();
  chunk->checked.assign(count, audit::CheckedEntry());
  chunk->shapes.assign(count, Status());
  const auto* data = reinterpret_cast<const uint8_t*>(chunk->bytes.data());
  for (size_t i = 0; i < count; ++i) {
    const auto [offset, size] = chunk->spans[i];
    const std::span<const uint8_t> bytes(data + offset, size);
    audit::CheckedEntry& checked = chunk->checked[i];
    checked.leaf = audit::LeafHash(bytes);
    auto entry = audit::VerifyEntryBytes(bytes);
    if (!entry.ok()) {
      checked.problem = std::move(entry).TakeStatus();
      continue;
    }
    checked.entry = *entry;
    chunk->shapes[i] = ValidateEventBody(*checked.entry->body_nested_root());
  }
}

// The reading thread: every entry below the snapshot's size, in key order.
void ReadEntries(const LedgerSnapshot& snapshot, ChunkQueue* queue) {
  const auto& impl = snapshot.impl();
  rocksdb::ReadOptions ro = impl.Read();
  ro.fill_cache = false;  // a full walk would evict everything useful
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl.db->db()->NewIterator(ro, impl.db->entries()));
  it->SeekToFirst();
  store::RunReader run;
  bool past_head = false;  // a run beyond the snapshot's head was reached
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue->Spare();
    for (; it->Valid() && chunk->seqs.size() < kChunkEntriesMax; it->Next()) {
      const rocksdb::Slice key = it->key();
      if (key.size() != 8) {
        chunk->seqs.push_back(kBadKey);
        chunk->spans.emplace_back(0, 0);
        continue;
      }
      Status opened = run.Open(GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data())),
                               std::string_view(it->value().data(), it->value().size()));
      if (!opened.ok()) {
        chunk->seqs.push_back(kBadRun);
        chunk->spans.emplace_back(0, 0);
        chunk->damaged_runs.push_back(std::move(opened));
        continue;
      }
      uint64_t seq = 0;
      std::string_view bytes;
      while (run.Next(&seq, &bytes)) {
        if (seq >= snapshot.size()) {
          past_head = true;
          break;
        }
        const size_t offset =
            (chunk->bytes.size() + kEntryAlignment - 1) / kEntryAlignment * kEntryAlignment;
        chunk->bytes.resize(offset);
        chunk->bytes.append(bytes);
        chunk->spans.emplace_back(offset, bytes.size());
        chunk->seqs.push_back(seq);
      }
      if (past_head) break;
    }
    LUMBUNG_ASSERT(reinterpret_cast<uintptr_t>(chunk->bytes.data()) % kEntryAlignment == 0 ||
                   chunk->bytes.size() < kEntryAlignment);
    const bool more = it->Valid() && !past_head;
    // Work sharing: with chunks waiting the walk is the slower side and the
    // reader prepares this one; with none, the walk would idle, so the chunk
    // goes unprepared and the walk prepares it.
    if (queue->Backlog()) PrepareChunk(chunk.get());
    if (!more) {
      chunk->status = store::FromRocks(it->status(), "reading entries");
      chunk->last = true;
    }
    if (!queue->Push(std::move(chunk)) || !more) return;
  }
}

void WalkChunk(const Chunk& chunk, audit::ChainVerifier& chain, StoredLeaves& stored,
               const VerifyOptions& options, uint64_t total, VerifyReport* report) {
  size_t damaged = 0;
  for (size_t i = 0; i < chunk.seqs.size() && !chain.full(); ++i) {
    const uint64_t seq = chunk.seqs[i];
    if (seq == kBadKey) {
      chain.AddProblem(Status::Corruption("a key in the entries column family is not a seq"));
      continue;
    }
    if (seq == kBadRun) {
      chain.AddProblem(chunk.damaged_runs[damaged++]);
      continue;
    }
    const audit::CheckedEntry& checked = chunk.checked[i];
    if (chain.AddChecked(seq, checked, stored.Get(seq))) {
      if (!chunk.shapes[i].ok()) {
        chain.AddProblem(Status::Corruption("seq " + std::to_string(seq) +
                                            ": event is malformed: " + chunk.shapes[i].ToString())
                             .WithSeq(static_cast<int64_t>(seq)));
      }
      const std::string_view date =
          checked.entry->body_nested_root()->effective_date()->string_view();
      if (report->first_effective_date.empty() || date < report->first_effective_date) {
        report->first_effective_date = date;
      }
      if (date > report->last_effective_date) report->last_effective_date = date;
    }
    if (options.progress && chain.size() % kProgressEvery == 0) {
      options.progress(chain.size(), total);
    }
  }
}

// Walks every entry, reading and preparing ahead on a second thread.
Status WalkEntries(const LedgerSnapshot& snapshot, audit::ChainVerifier& chain,
                   const VerifyOptions& options, VerifyReport* report) {
  StoredLeaves stored(snapshot);
  ChunkQueue queue;
  std::thread reader([&] { ReadEntries(snapshot, &queue); });
  Status status;
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue.Pop();
    if (!chunk->prepared) PrepareChunk(chunk.get());
    if (!chain.full()) WalkChunk(*chunk, chain, stored, options, snapshot.size(), report);
    const bool last = chunk->last;
    if (last) status = chunk->status;
    queue.Recycle(std::move(chunk));
    if (last || chain.full()) break;
  }
  queue.Stop();
  reader.join();
  return status;
}

}  // namespace

Result<VerifyReport> VerifyLedger(const LedgerSnapshot& snapshot, const VerifyOptions& options) {
  VerifyReport report;
  report.entries = snapshot.size();
  audit::ChainVerifier chain(options.problems_max);
  store::CheckpointAudit checkpoints(snapshot, &chain);  // keeps the roots stored notes sign
  LUMBUNG_RETURN_IF_ERROR(WalkEntries(snapshot, chain, options, &report));
  if (!chain.full()) chain.Finish(snapshot.size());
  report.root = chain.Root();
  if (chain.ok()) {
    auto stored_root = snapshot.Root(snapshot.size());
    if (!stored_root.ok()) {
      chain.AddProblem(std::move(stored_root).TakeStatus().Annotate("reading the Merkle tree"));
    } else if (*stored_root != report.root) {
      chain.AddProblem(Status::Corruption(
          "the stored Merkle tree's root does not match the root of the entries"));
    }
  }
  checkpoints.Check();
  if (options.progress) options.progress(chain.size(), snapshot.size());
  report.problems = chain.problems();
  return report;
}

}  // namespace lumbung
