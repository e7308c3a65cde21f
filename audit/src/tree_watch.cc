#include "lumbung/audit/tree_watch.h"

#include <algorithm>
#include <bit>
#include <string>

#include "lumbung/base/assert.h"

namespace lumbung::audit {

void TreeWatcher::WantRoot(uint64_t size) {
  auto at = std::lower_bound(roots_.begin(), roots_.end(), size,
                             [](const WantedRoot& w, uint64_t s) { return w.size < s; });
  if (at != roots_.end() && at->size == size) return;
  WantedRoot wanted{size, std::nullopt};
  if (size == 0) wanted.root = EmptyRootHash();
  roots_.insert(at, wanted);
  any_root_wanted_ = true;
}

void TreeWatcher::WantNode(NodeId id) {
  LUMBUNG_ASSERT(id.level < kLevels);
  for (const WantedNode& wanted : nodes_) {
    if (wanted.id == id) return;
  }
  nodes_by_level_[id.level].push_back(static_cast<uint32_t>(nodes_.size()));
  nodes_.push_back(WantedNode{id, std::nullopt});
}

void TreeWatcher::Visit(NodeId id, const Hash& hash) {
  LUMBUNG_ASSERT(id.level < kLevels);
  last_[id.level] = hash;
  for (uint32_t position : nodes_by_level_[id.level]) {
    if (nodes_[position].id.index == id.index) nodes_[position].hash = hash;
  }
  // An even index marks the last node an append reports (see the header):
  // the tree has just reached size (index + 1) << level, with every node of
  // RootNodes(size) now in last_.
  if (!any_root_wanted_ || (id.index & 1) != 0) return;
  const uint64_t size = (id.index + 1) << id.level;
  auto at = std::lower_bound(roots_.begin(), roots_.end(), size,
                             [](const WantedRoot& w, uint64_t s) { return w.size < s; });
  if (at == roots_.end() || at->size != size) return;
  std::array<Hash, kLevels> nodes;
  size_t count = 0;
  for (int level = static_cast<int>(kLevels) - 1; level >= 0; --level) {
    if (((size >> level) & 1) != 0) nodes[count++] = last_[static_cast<size_t>(level)];
  }
  LUMBUNG_ASSERT(count == static_cast<size_t>(std::popcount(size)));
  at->root = FoldRoot(std::span<const Hash>(nodes.data(), count));
}

CompactRange::Visitor TreeWatcher::Visitor() {
  return [this](NodeId id, const Hash& hash) { Visit(id, hash); };
}

std::optional<Hash> TreeWatcher::RootAt(uint64_t size) const {
  auto at = std::lower_bound(roots_.begin(), roots_.end(), size,
                             [](const WantedRoot& w, uint64_t s) { return w.size < s; });
  if (at == roots_.end() || at->size != size) return std::nullopt;
  return at->root;
}

std::optional<Hash> TreeWatcher::Node(NodeId id) const {
  for (const WantedNode& wanted : nodes_) {
    if (wanted.id == id) return wanted.hash;
  }
  return std::nullopt;
}

Status TreeWatcher::GetNodes(std::span<const NodeId> ids, std::span<Hash> out) {
  LUMBUNG_ASSERT(ids.size() == out.size());
  for (size_t i = 0; i < ids.size(); ++i) {
    const std::optional<Hash> hash = Node(ids[i]);
    if (!hash.has_value()) {
      return Status::NotFound("node (" + std::to_string(ids[i].level) + ", " +
                              std::to_string(ids[i].index) + ") was not seen by the walk");
    }
    out[i] = *hash;
  }
  return Status();
}

}  // namespace lumbung::audit
