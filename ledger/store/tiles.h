// Merkle nodes stored in tiles (the layout of tiled transparency logs), so a
// commit group writes a few keys for its nodes rather than one per node.
//
// Tile (L, N) covers tree levels 8L .. 8L+7 over the level-8L nodes
// [256N, 256N + 256). It stores every complete node of those levels that lies
// in its span, in the order the nodes became complete (a leaf, then each
// parent that leaf completed), which is exactly the order CompactRange
// reports them. Appending a node is therefore appending 32 bytes, done with a
// RocksDB merge operand per group, and a node's offset is a closed formula:
//
//   node at tile row k (0..7), position p in that row:
//     t     = (p + 1) * 2^k - 1             (the row-0 node whose append completes it)
//     index = sum_{j=0..7} floor(t / 2^j) + k
//
//   e.g. rows after 4 row-0 nodes:  order  (0,0) (0,1) (1,0) (0,2) (0,3) (1,1) (2,0)
//                                   index    0     1     2     3     4     5     6
//
// A full tile holds 256 + 128 + ... + 2 = 510 hashes (16,320 bytes); the
// level 8L+8 node is the first node of tile (L+1, N/256).
//
// Thread safety: TileAppender is writer-thread only; TileReader is
// thread-compatible (one per snapshot per thread).

#ifndef LUMBUNG_LEDGER_STORE_TILES_H_
#define LUMBUNG_LEDGER_STORE_TILES_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "lumbung/audit/merkle.h"

namespace lumbung::store {

inline constexpr uint32_t kTileHeight = 8;
inline constexpr uint64_t kTileWidth = uint64_t{1} << kTileHeight;
inline constexpr uint64_t kTileNodesMax = 2 * kTileWidth - 2;
static_assert(kTileNodesMax == 256 + 128 + 64 + 32 + 16 + 8 + 4 + 2);

struct TileId {
  uint32_t level = 0;
  uint64_t index = 0;
  auto operator<=>(const TileId&) const = default;
};

struct NodeLocation {
  TileId tile;
  uint64_t offset = 0;  // in hashes, within the tile's value
};

NodeLocation LocateNode(audit::NodeId node);
// Number of nodes a tile holds once `row0_count` of its row-0 nodes exist.
uint64_t TileNodeCount(uint64_t row0_count);
std::string TileKey(TileId tile);

// Collects the nodes a commit group completes and writes them as merge
// operands. Checks, for every node, that it lands exactly at the end of its
// tile (nodes are never rewritten or skipped).
class TileAppender {
 public:
  // Positions the appender for a tree of `size` leaves.
  explicit TileAppender(uint64_t size);

  void Add(audit::NodeId node, const audit::Hash& hash);
  // Writes the collected operands into `batch` and forgets them.
  void Flush(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf);
  // Drops collected operands (the group failed) and repositions at `size`.
  void Reset(uint64_t size);

 private:
  std::vector<uint64_t> next_offset_;  // per tile level: nodes in the open tile
  std::vector<uint64_t> open_index_;   // per tile level: index of the open tile
  std::map<TileId, std::string> pending_;
  uint64_t size_ = 0;
};

// Reads complete nodes from the tiles visible in a snapshot.
class TileReader : public audit::NodeSource {
 public:
  TileReader(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot)
      : db_(db), cf_(cf), snapshot_(snapshot) {}
  Status GetNodes(std::span<const audit::NodeId> ids, std::span<audit::Hash> out) override;

 private:
  rocksdb::DB* db_;
  rocksdb::ColumnFamilyHandle* cf_;
  const rocksdb::Snapshot* snapshot_;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_TILES_H_
