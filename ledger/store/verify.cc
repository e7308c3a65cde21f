#include "lumbung/ledger/verify.h"

#include <algorithm>
#include <cstring>

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

}  // namespace

Result<VerifyReport> VerifyLedger(const LedgerSnapshot& snapshot, const VerifyOptions& options) {
  const auto& impl = snapshot.impl();
  VerifyReport report;
  report.entries = snapshot.size();
  audit::ChainVerifier chain(options.problems_max);
  store::CheckpointAudit checkpoints(snapshot, &chain);  // keeps the roots stored notes sign
  StoredLeaves stored(snapshot);
  rocksdb::ReadOptions ro = impl.Read();
  ro.fill_cache = false;  // a full walk would evict everything useful
  ro.readahead_size = 4 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl.db->db()->NewIterator(ro, impl.db->entries()));
  for (it->SeekToFirst(); it->Valid() && !chain.full(); it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != 8) {
      chain.AddProblem(Status::Corruption("a key in the entries column family is not a seq"));
      continue;
    }
    const uint64_t seq = GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data()));
    if (seq >= snapshot.size()) break;  // written after this snapshot's head? never; be safe
    const bool good =
        chain.Add(seq, std::string_view(it->value().data(), it->value().size()), stored.Get(seq));
    if (good) {
      CheckShape(chain, seq);
      const std::string date = chain.last().body().effective_date()->str();
      if (report.first_effective_date.empty() || date < report.first_effective_date) {
        report.first_effective_date = date;
      }
      report.last_effective_date = std::max(report.last_effective_date, date);
    }
    if (options.progress && chain.size() % kProgressEvery == 0) {
      options.progress(chain.size(), snapshot.size());
    }
  }
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(it->status(), "reading entries"));
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
