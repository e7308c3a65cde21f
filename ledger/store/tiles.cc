#include "tiles.h"

#include <cstring>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include "db.h"

namespace lumbung::store {

NodeLocation LocateNode(audit::NodeId node) {
  const uint32_t k = node.level % kTileHeight;
  NodeLocation loc;
  loc.tile.level = node.level / kTileHeight;
  loc.tile.index = node.index >> (kTileHeight - k);
  const uint64_t position = node.index & ((kTileWidth >> k) - 1);
  const uint64_t t = ((position + 1) << k) - 1;
  loc.offset = TileNodeCount(t) + k;
  return loc;
}

uint64_t TileNodeCount(uint64_t row0_count) {
  LUMBUNG_ASSERT(row0_count <= kTileWidth);
  uint64_t total = 0;
  for (uint32_t j = 0; j < kTileHeight; ++j) total += row0_count >> j;
  return total;
}

std::string TileKey(TileId tile) {
  std::string key(1, static_cast<char>(tile.level));
  key += BigEndian64(tile.index);
  return key;
}

TileAppender::TileAppender(uint64_t size) {
  Reset(size);
}

void TileAppender::Reset(uint64_t size) {
  pending_.clear();
  next_offset_.assign(64 / kTileHeight, 0);
  open_index_.assign(64 / kTileHeight, 0);
  size_ = size;
  for (uint32_t level = 0; level < next_offset_.size(); ++level) {
    const uint64_t row0_nodes = size >> (kTileHeight * level);
    open_index_[level] = row0_nodes / kTileWidth;
    next_offset_[level] = TileNodeCount(row0_nodes % kTileWidth);
  }
}

void TileAppender::Add(audit::NodeId node, const audit::Hash& hash) {
  const NodeLocation loc = LocateNode(node);
  const uint32_t level = loc.tile.level;
  LUMBUNG_ASSERT(level < next_offset_.size());
  if (loc.tile.index != open_index_[level]) {
    // Moving on to the next tile: the open one must be full.
    LUMBUNG_ASSERT(loc.tile.index == open_index_[level] + 1);
    LUMBUNG_ASSERT(next_offset_[level] == kTileNodesMax);
    open_index_[level] = loc.tile.index;
    next_offset_[level] = 0;
  }
  // Nodes arrive in completion order: each lands exactly at its tile's end.
  LUMBUNG_ASSERT(loc.offset == next_offset_[level]);
  ++next_offset_[level];
  pending_[loc.tile].append(reinterpret_cast<const char*>(hash.data()), hash.size());
}

void TileAppender::Flush(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf) {
  for (const auto& [tile, bytes] : pending_) {
    LUMBUNG_ASSERT(!bytes.empty() && bytes.size() % audit::kHashBytes == 0);
    batch->Merge(cf, TileKey(tile), bytes).PermitUncheckedError();
  }
  pending_.clear();
}

Status TileReader::GetNodes(std::span<const audit::NodeId> ids, std::span<audit::Hash> out) {
  LUMBUNG_ASSERT(ids.size() == out.size());
  std::map<TileId, std::string> tiles;
  std::vector<NodeLocation> locs;
  locs.reserve(ids.size());
  for (const auto& id : ids) {
    locs.push_back(LocateNode(id));
    tiles.emplace(locs.back().tile, std::string());
  }
  std::vector<std::string> keys;
  for (const auto& entry : tiles) keys.push_back(TileKey(entry.first));
  std::vector<rocksdb::Slice> slices(keys.begin(), keys.end());
  std::vector<std::string> values(keys.size());
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), cf_);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot_;
  const auto statuses = db_->MultiGet(ro, cfs, slices, &values);
  size_t i = 0;
  for (auto& entry : tiles) {
    if (!statuses[i].IsNotFound()) {
      LUMBUNG_RETURN_IF_ERROR(FromRocks(statuses[i], "reading Merkle tiles"));
      entry.second = std::move(values[i]);
    }
    ++i;
  }
  for (size_t n = 0; n < ids.size(); ++n) {
    const std::string& tile = tiles[locs[n].tile];
    const uint64_t end = (locs[n].offset + 1) * audit::kHashBytes;
    if (tile.size() % audit::kHashBytes != 0 || tile.size() > kTileNodesMax * audit::kHashBytes) {
      return Status::Corruption("Merkle tile " + std::to_string(locs[n].tile.level) + "/" +
                                std::to_string(locs[n].tile.index) + " has a bad length");
    }
    if (tile.size() < end) {
      return Status::NotFound("Merkle node " + std::to_string(ids[n].level) + "/" +
                              std::to_string(ids[n].index) + " is not stored");
    }
    std::memcpy(out[n].data(), tile.data() + end - audit::kHashBytes, audit::kHashBytes);
  }
  return Status();
}

}  // namespace lumbung::store
