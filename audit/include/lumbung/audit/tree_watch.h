// TreeWatcher: roots of a growing Merkle tree at chosen sizes, and hashes of
// chosen complete nodes, collected while a walk appends leaves, without
// hashing anything itself.
//
// It listens to the nodes CompactRange::Append reports (ChainVerifier's node
// visitor). It relies on one fact of the RFC 6962 tree: at size s, the node
// of RootNodes(s) at level L (one per set bit L of s) is (L, (s >> L) - 1),
// which is exactly the most recently completed node of level L. So keeping
// the last completed node of each level is enough to fold the root of s the
// moment s is reached. Append reports the leaf first and then each parent it
// completes, lowest first; the last node reported when the tree reaches size
// s is therefore at level ctz(s), with index (s >> ctz(s)) - 1.
//
//   size 6 = 0b110: RootNodes = (2,0) (1,2). Appending leaf 5 reports (0,5)
//   and then (1,2) = level ctz(6) = 1, index (6 >> 1) - 1 = 2: the root of
//   size 6 is NodeHash(last[2] = (2,0), last[1] = (1,2)).
//
// This is how a verifier compares an entry walk with checkpoints of several
// sizes (a live ledger's stored checkpoints, a bundle's checkpoint and an
// older one given with --since) and gathers the nodes of a consistency proof,
// all in one pass with memory bounded by the number of sizes and nodes asked.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_AUDIT_TREE_WATCH_H_
#define LUMBUNG_AUDIT_TREE_WATCH_H_

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"

namespace lumbung::audit {

// As a NodeSource it serves the nodes asked for with WantNode, so the
// audit proof functions (ConsistencyProof, InclusionProof) run on a walk.
class TreeWatcher : public NodeSource {
 public:
  TreeWatcher() = default;

  // Asks for the root at `size`. Call before the walk reaches it; asking
  // twice is harmless. Size 0 is answered at once (the empty root).
  void WantRoot(uint64_t size);
  // Asks for the hash of a complete node; call before the walk completes it.
  void WantNode(NodeId id);

  // The CompactRange visitor: feed it every node, in the order reported.
  void Visit(NodeId id, const Hash& hash);
  // A visitor bound to this watcher, for ChainVerifier::SetNodeVisitor.
  CompactRange::Visitor Visitor();

  // The root at `size` if it was asked for and reached; nullopt otherwise.
  std::optional<Hash> RootAt(uint64_t size) const;
  // The node's hash if it was asked for and completed; nullopt otherwise.
  std::optional<Hash> Node(NodeId id) const;
  // NodeSource: NotFound for a node not asked for or not yet completed.
  Status GetNodes(std::span<const NodeId> ids, std::span<Hash> out) override;

 private:
  static constexpr uint32_t kLevels = 64;

  struct WantedRoot {
    uint64_t size;
    std::optional<Hash> root;
  };
  struct WantedNode {
    NodeId id;
    std::optional<Hash> hash;
  };

  std::array<Hash, kLevels> last_{};  // the last completed node of each level
  std::vector<WantedRoot> roots_;
  std::vector<WantedNode> nodes_;
  // Per level, the positions in nodes_ of wanted nodes of that level, so a
  // visit costs a look at a (nearly always empty) list, not a scan.
  std::array<std::vector<uint32_t>, kLevels> nodes_by_level_;
  bool any_root_wanted_ = false;
};

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_TREE_WATCH_H_
