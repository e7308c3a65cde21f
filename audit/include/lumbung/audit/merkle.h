// RFC 6962 / RFC 9162 Merkle tree over lumbung's leaf hashes: roots of any
// size, inclusion and consistency proofs (built from stored nodes), their
// verification, and the compact range the writer keeps for the right edge.
//
// Node coordinates. Level 0 holds the leaf hashes. Node (level, index)
// covers leaves [index << level, (index + 1) << level) and exists, with a
// value that never changes, once the tree has at least (index + 1) << level
// leaves. Such a node is "complete". Everything else (the right edge of a
// tree whose size is not a power of two) is "ephemeral" and is recomputed
// from complete nodes. (The drawing is a block comment because a '\' that
// ends a // line continues the comment onto the next line: -Wcomment.)
/*
     size 6:           root (ephemeral)
                      /              \
                (2,0)                 (1,2)
               /     \               /     \
          (1,0)      (1,1)       (0,4)    (0,5)
          /   \      /   \
       (0,0) (0,1) (0,2) (0,3)
*/
// Proof building is split in two so the storage can fetch all nodes of a
// proof in one batched read: Plan* lists the complete nodes needed, and
// Assemble* turns their hashes into the RFC 9162 proof.
//
// Thread safety: free functions are pure. CompactRange is thread-compatible.

#ifndef LUMBUNG_AUDIT_MERKLE_H_
#define LUMBUNG_AUDIT_MERKLE_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/base/status.h"

namespace lumbung::audit {

struct NodeId {
  uint32_t level = 0;
  uint64_t index = 0;
  friend bool operator==(const NodeId&, const NodeId&) = default;
};

// Supplies hashes of complete nodes, e.g. from storage. Fills `out[i]` with
// the hash of `ids[i]`; returns NotFound/Corruption/IOError if it cannot.
class NodeSource {
 public:
  virtual ~NodeSource() = default;
  virtual Status GetNodes(std::span<const NodeId> ids, std::span<Hash> out) = 0;
};

// The complete nodes whose hashes, folded right to left, give the root of a
// tree of `size` leaves: one per set bit of `size`, largest (leftmost) first.
std::vector<NodeId> RootNodes(uint64_t size);
// Folds RootNodes hashes (left to right order) into the root:
// r = h[k-1]; for i = k-2..0: r = NodeHash(h[i], r). Empty input gives
// EmptyRootHash().
Hash FoldRoot(std::span<const Hash> nodes_left_to_right);

// A proof recipe: the complete nodes to fetch and how to combine them.
struct ProofPlan {
  std::vector<NodeId> nodes;
  // The proof is `nodes` in order, except that the run [ephemeral_begin,
  // ephemeral_end) is folded (FoldRoot) into a single proof element placed
  // at position ephemeral_begin. An empty run means no folding.
  size_t ephemeral_begin = 0;
  size_t ephemeral_end = 0;
};

// Inclusion proof of leaf `index` in a tree of `size` leaves (index < size).
Result<ProofPlan> PlanInclusion(uint64_t index, uint64_t size);
// Consistency proof between sizes old_size and new_size
// (0 < old_size <= new_size).
Result<ProofPlan> PlanConsistency(uint64_t old_size, uint64_t new_size);
// Applies a plan to the fetched hashes (same order as plan.nodes).
std::vector<Hash> AssembleProof(const ProofPlan& plan, std::span<const Hash> node_hashes);

// Conveniences that plan, fetch from `source` and assemble.
Result<Hash> RootAt(uint64_t size, NodeSource& source);
Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeSource& source);
Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           NodeSource& source);

// RFC 9162 §2.1.3.2. OK iff `proof` proves `leaf_hash` is leaf `index` of
// the tree of `size` leaves with root `root`; Corruption naming the
// mismatch otherwise.
Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root);
// RFC 9162 §2.1.4.2, with the reference implementation's extra rule that
// old_size == 0 is always rejected (a proof from the empty tree proves
// nothing). old_size == new_size needs an empty proof and equal roots.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::span<const Hash> proof,
                         const Hash& old_root, const Hash& new_root);

// The right edge of a growing tree: one hash per set bit of size(). Appending
// a leaf reports every node that becomes complete (the leaf itself at level 0
// first, then each parent it completes), which is how the writer learns which
// nodes to store.
class CompactRange {
 public:
  using Visitor = std::function<void(NodeId, const Hash&)>;

  CompactRange() = default;
  // Restores the range of a tree of `size` leaves from the hashes of
  // RootNodes(size), left to right. InvalidArgument if the count is wrong.
  static Result<CompactRange> FromNodes(uint64_t size, std::span<const Hash> nodes);

  void Append(const Hash& leaf_hash, const Visitor& visitor = nullptr);
  uint64_t size() const { return size_; }
  // RootNodes(size()) hashes, left to right.
  std::span<const Hash> nodes() const { return nodes_; }
  Hash Root() const;

 private:
  uint64_t size_ = 0;
  std::vector<Hash> nodes_;
};

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_MERKLE_H_
