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

void CheckShape(audit::ChainVerifier& chain, uint64_t seq) {
  Status st = ValidateEventBody(chain.last().body());
  if (!st.ok()) {
    chain.AddProblem(
        Status::Corruption("seq " + std::to_string(seq) + ": event is malformed: " + st.ToString())
            .WithSeq(static_cast<int64_t>(seq)));
  }
}

// Entries read ahead of the walk, on a second thread. Reading, leaf hashing
// and the walk (chain, Merkle nodes, FlatBuffers, shapes) cost about the
// same per entry; the hashing goes to whichever thread has time.
struct Chunk {
  std::string bytes;                             // the entries, back to back
  std::vector<std::pair<size_t, size_t>> spans;  // offset, size in `bytes`
  std::vector<uint64_t> seqs;                    // kBadKey for a key that is not a seq
  std::vector<audit::Hash> leaves;               // LeafHash of each span, once hashed
  bool hashed = false;
  Status status;  // the iterator's, on the last chunk
  bool last = false;
};
constexpr uint64_t kBadKey = UINT64_MAX;
constexpr size_t kChunkEntriesMax = 1024;
constexpr size_t kChunksInFlightMax = 4;

// A bounded hand-off of chunks from the reading thread to the walk.
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

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Chunk>> chunks_;
  bool stopped_ = false;
};

void HashChunk(Chunk* chunk) {
  chunk->hashed = true;
  chunk->leaves.resize(chunk->spans.size());
  const auto* data = reinterpret_cast<const uint8_t*>(chunk->bytes.data());
  for (size_t i = 0; i < chunk->spans.size(); ++i) {
    const auto [offset, size] = chunk->spans[i];
    chunk->leaves[i] = audit::LeafHash(std::span<const uint8_t>(data + offset, size));
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
    auto chunk = std::make_unique<Chunk>();
    for (; it->Valid() && chunk->seqs.size() < kChunkEntriesMax; it->Next()) {
      const rocksdb::Slice key = it->key();
      const uint64_t seq =
          key.size() == 8 ? GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data())) : kBadKey;
      if (seq != kBadKey && seq >= snapshot.size()) break;  // past this snapshot's head
      chunk->spans.emplace_back(chunk->bytes.size(), it->value().size());
      chunk->bytes.append(it->value().data(), it->value().size());
      chunk->seqs.push_back(seq);
    }
    const bool more = it->Valid() && chunk->seqs.size() == kChunkEntriesMax;
    // Work sharing: reading and walking each cost about as much as the
    // hashing, so whichever side has time hashes. With chunks waiting the
    // walk is the slower side and the reader hashes; with none, the walk
    // would idle, so the chunk goes unhashed and the walk hashes it.
    if (queue->Backlog()) HashChunk(chunk.get());
    if (!more) {
      chunk->status = store::FromRocks(it->status(), "reading entries");
      chunk->last = true;
    }
    if (!queue->Push(std::move(chunk)) || !more) return;
  }
}

void WalkChunk(const Chunk& chunk, audit::ChainVerifier& chain, StoredLeaves& stored,
               const VerifyOptions& options, uint64_t total, VerifyReport* report) {
  const auto* data = reinterpret_cast<const uint8_t*>(chunk.bytes.data());
  for (size_t i = 0; i < chunk.seqs.size() && !chain.full(); ++i) {
    const uint64_t seq = chunk.seqs[i];
    if (seq == kBadKey) {
      chain.AddProblem(Status::Corruption("a key in the entries column family is not a seq"));
      continue;
    }
    const auto [offset, size] = chunk.spans[i];
    if (chain.AddHashed(seq, std::span<const uint8_t>(data + offset, size), chunk.leaves[i],
                        stored.Get(seq))) {
      CheckShape(chain, seq);
      const std::string_view date = chain.last().body().effective_date()->string_view();
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

// Walks every entry, reading and hashing ahead on a second thread.
Status WalkEntries(const LedgerSnapshot& snapshot, audit::ChainVerifier& chain,
                   const VerifyOptions& options, VerifyReport* report) {
  StoredLeaves stored(snapshot);
  ChunkQueue queue;
  std::thread reader([&] { ReadEntries(snapshot, &queue); });
  Status status;
  for (;;) {
    std::unique_ptr<Chunk> chunk = queue.Pop();
    if (!chunk->hashed) HashChunk(chunk.get());
    if (!chain.full()) WalkChunk(*chunk, chain, stored, options, snapshot.size(), report);
    if (chunk->last) {
      status = chunk->status;
      break;
    }
    if (chain.full()) break;
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
