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
#include "snapshot_impl.h"

namespace lumbung {
namespace {

constexpr uint64_t kProgressEvery = 16384;

// Leaf hashes as stored in the level-0 tiles, read one tile (256 leaves) at
// a time as the walk advances.
class StoredLeaves {
 public:
  explicit StoredLeaves(const LedgerSnapshot& snapshot) : snapshot_(snapshot) {}

  // The stored leaf for `seq`, or nullptr if the tree does not hold one
  // (which the root comparison at the end then reports).
  const audit::Hash* Get(uint64_t seq) {
    const uint64_t tile = seq / store::kTileWidth;
    if (tile != tile_ || !loaded_) Load(tile);
    const uint64_t i = seq % store::kTileWidth;
    return i < count_ ? &leaves_[i] : nullptr;
  }

 private:
  void Load(uint64_t tile) {
    tile_ = tile;
    loaded_ = true;
    count_ = std::min<uint64_t>(store::kTileWidth, snapshot_.size() - tile * store::kTileWidth);
    std::vector<audit::NodeId> ids(count_);
    for (uint64_t i = 0; i < count_; ++i) ids[i] = audit::NodeId{0, tile * store::kTileWidth + i};
    leaves_.resize(count_);
    if (!snapshot_.tree().GetNodes(ids, leaves_).ok()) count_ = 0;
  }

  const LedgerSnapshot& snapshot_;
  uint64_t tile_ = 0;
  bool loaded_ = false;
  uint64_t count_ = 0;
  std::vector<audit::Hash> leaves_;
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
  bool prepared = false;
  Status status;  // the iterator's, on the last chunk
  bool last = false;

  void Clear() {
    bytes.clear();
    spans.clear();
    seqs.clear();
    prepared = false;
    status = Status();
    last = false;
  }
};
constexpr uint64_t kBadKey = UINT64_MAX;
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
  // Whether the walk has chunks waiting (so the reader has time to spare).
  bool Backlog() {
    std::lock_guard<std::mutex> lock(mu_);
    return !chunks_.empty();
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
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue->Spare();
    for (; it->Valid() && chunk->seqs.size() < kChunkEntriesMax; it->Next()) {
      const rocksdb::Slice key = it->key();
      const uint64_t seq =
          key.size() == 8 ? GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data())) : kBadKey;
      if (seq != kBadKey && seq >= snapshot.size()) break;  // past this snapshot's head
      const size_t offset =
          (chunk->bytes.size() + kEntryAlignment - 1) / kEntryAlignment * kEntryAlignment;
      chunk->bytes.resize(offset);
      chunk->bytes.append(it->value().data(), it->value().size());
      chunk->spans.emplace_back(offset, it->value().size());
      chunk->seqs.push_back(seq);
    }
    LUMBUNG_ASSERT(reinterpret_cast<uintptr_t>(chunk->bytes.data()) % kEntryAlignment == 0 ||
                   chunk->bytes.size() < kEntryAlignment);
    const bool more = it->Valid() && chunk->seqs.size() == kChunkEntriesMax;
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
  for (size_t i = 0; i < chunk.seqs.size() && !chain.full(); ++i) {
    const uint64_t seq = chunk.seqs[i];
    if (seq == kBadKey) {
      chain.AddProblem(Status::Corruption("a key in the entries column family is not a seq"));
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
