// RFC 9162 Merkle proofs in terms of complete nodes.
//
// A proof that complete node N = (level, index) is in the tree of `size`
// leaves walks up from N. Let the fork be N's highest complete ancestor. Its
// sibling is on its right and incomplete: it holds the tree's last leaves, or
// no leaves at all. Leaf 5 in a tree of 7 leaves (* = ephemeral):
/*
                   root*
                 /       \
            (2,0)         (2,1)*
                         /     \
                    (1,2)       (0,6)
                   /     \
               (0,4)     (0,5)
*/
// The fork is (1,2). The proof is: the sibling below the fork, (0,4); the
// fork's ephemeral right sibling, which covers leaf 6 only and so is (0,6);
// the left sibling above the fork, (2,0).
//
// Below the fork, N's path lies inside the fork, a complete subtree, so every
// sibling on it is complete. The fork's sibling covers leaves [fork end,
// size) (it is absent if that range is empty), and its hash is the fold of
// the complete nodes that tile that range, which are exactly RootNodes(size)
// below the fork's level. Above the fork, the
// path follows the right edge of the tree, so there are only left siblings,
// and they are exactly RootNodes(size) above the fork's level, smallest
// first. RootNodes(size) at the fork's level is the fork itself.
//
// So the proof is [path siblings] [fold(RootNodes below fork)] [RootNodes
// above fork, reversed], which is RFC 9162's PATH for leaves, and (after the
// node itself, for SUBPROOF) its consistency proof too.

#include "lumbung/audit/merkle.h"

#include <algorithm>
#include <bit>
#include <string>

#include "lumbung/base/assert.h"

namespace lumbung::audit {
namespace {

constexpr uint32_t kLevelsMax = 64;  // a uint64_t size has at most 64 set bits

// A rejected proof, naming the sizes it was checked against: "<what>
// (<first_label><first><second_label><second>)". Built only on failure, in
// one string, since hostile input can ask for failures cheaply.
Status InvalidProof(std::string_view reason, std::string_view what, std::string_view first_label,
                    uint64_t first, std::string_view second_label, uint64_t second) {
  std::string message;
  message.reserve(what.size() + first_label.size() + second_label.size() + 2 * 20 + 1);
  message.append(what).append(first_label).append(std::to_string(first));
  message.append(second_label).append(std::to_string(second)).push_back(')');
  return Status::Make(Code::kCorruption, reason, "", message);
}

// Plans the proof that the complete node (level, index) is in the tree of
// `size` leaves, without the node itself (see the file comment).
ProofPlan PlanPath(uint32_t level, uint64_t index, uint64_t size) {
  LUMBUNG_ASSERT(level < kLevelsMax);
  // Complete means (index + 1) << level <= size, i.e. index < size >> level.
  LUMBUNG_ASSERT(index < (size >> level));
  // index and size >> level agree above bit `inner` and differ there (index
  // has 0, the size 1), so the fork is the ancestor `inner` levels up.
  const uint64_t edge = size >> level;
  const auto inner = static_cast<uint32_t>(std::bit_width(index ^ edge) - 1);
  const uint32_t fork_level = level + inner;

  const std::vector<NodeId> right_edge = RootNodes(size);
  ProofPlan plan;
  plan.nodes.reserve(1 + inner + right_edge.size());  // 1: room for PlanConsistency's lead node
  for (uint32_t i = 0; i < inner; ++i) {
    plan.nodes.push_back(NodeId{level + i, (index >> i) ^ 1});
  }
  plan.ephemeral_begin = plan.nodes.size();
  for (const NodeId& id : right_edge) {
    if (id.level < fork_level) plan.nodes.push_back(id);
  }
  plan.ephemeral_end = plan.nodes.size();
  for (auto it = right_edge.rbegin(); it != right_edge.rend(); ++it) {
    if (it->level > fork_level) plan.nodes.push_back(*it);
  }
  return plan;
}

Result<std::vector<Hash>> FetchAndAssemble(const ProofPlan& plan, NodeSource& source) {
  std::vector<Hash> hashes(plan.nodes.size());
  if (!plan.nodes.empty()) {
    Status status = source.GetNodes(plan.nodes, hashes);
    if (!status.ok()) return std::move(status).Annotate("fetching proof nodes");
  }
  return AssembleProof(plan, hashes);
}

// RFC 9162's "right-shift both fn and sn equally until either LSB(fn) is set
// or fn is 0".
void ShiftWhileEven(uint64_t& fn, uint64_t& sn) {
  while (fn != 0 && (fn & 1) == 0) {
    fn >>= 1;
    sn >>= 1;
  }
}

}  // namespace

std::vector<NodeId> RootNodes(uint64_t size) {
  std::vector<NodeId> nodes;
  nodes.reserve(static_cast<size_t>(std::popcount(size)));
  for (uint32_t level = kLevelsMax; level-- > 0;) {
    // Set bit `level` of size is the perfect subtree of 2^level leaves just
    // left of the lower bits; its index is size >> level with bit 0 cleared.
    if ((size >> level) & 1) nodes.push_back(NodeId{level, (size >> level) - 1});
  }
  return nodes;
}

Hash FoldRoot(std::span<const Hash> nodes_left_to_right) {
  if (nodes_left_to_right.empty()) return EmptyRootHash();
  Hash root = nodes_left_to_right.back();
  for (size_t i = nodes_left_to_right.size() - 1; i-- > 0;) {
    root = NodeHash(nodes_left_to_right[i], root);
  }
  return root;
}

Result<ProofPlan> PlanInclusion(uint64_t index, uint64_t size) {
  if (index >= size) {
    return Status::InvalidArgument("leaf index " + std::to_string(index) +
                                   " is not in a tree of size " + std::to_string(size));
  }
  return PlanPath(0, index, size);
}

Result<ProofPlan> PlanConsistency(uint64_t old_size, uint64_t new_size) {
  if (old_size == 0 || old_size > new_size) {
    return Status::InvalidArgument("no consistency proof from size " + std::to_string(old_size) +
                                   " to size " + std::to_string(new_size));
  }
  if (old_size == new_size) return ProofPlan{};
  // The smallest node of the old tree's right edge: proving it is in the new
  // tree proves the whole old tree is (RFC 9162 SUBPROOF).
  const auto level = static_cast<uint32_t>(std::countr_zero(old_size));
  const uint64_t index = (old_size - 1) >> level;
  ProofPlan plan = PlanPath(level, index, new_size);
  // If the old tree is perfect, that node is the old root, which the
  // verifier already has; otherwise it leads the proof.
  if (index != 0) {
    plan.nodes.insert(plan.nodes.begin(), NodeId{level, index});
    ++plan.ephemeral_begin;
    ++plan.ephemeral_end;
  }
  return plan;
}

std::vector<Hash> AssembleProof(const ProofPlan& plan, std::span<const Hash> node_hashes) {
  LUMBUNG_ASSERT(node_hashes.size() == plan.nodes.size());
  LUMBUNG_ASSERT(plan.ephemeral_begin <= plan.ephemeral_end);
  LUMBUNG_ASSERT(plan.ephemeral_end <= plan.nodes.size());
  const size_t begin = plan.ephemeral_begin;
  const size_t end = plan.ephemeral_end;
  std::vector<Hash> proof;
  proof.reserve(node_hashes.size() - (end - begin) + (begin < end ? 1 : 0));
  proof.insert(proof.end(), node_hashes.begin(), node_hashes.begin() + begin);
  if (begin < end) proof.push_back(FoldRoot(node_hashes.subspan(begin, end - begin)));
  proof.insert(proof.end(), node_hashes.begin() + end, node_hashes.end());
  return proof;
}

Result<Hash> RootAt(uint64_t size, NodeSource& source) {
  if (size == 0) return EmptyRootHash();
  const std::vector<NodeId> ids = RootNodes(size);
  std::vector<Hash> hashes(ids.size());
  Status status = source.GetNodes(ids, hashes);
  if (!status.ok()) return std::move(status).Annotate("fetching root nodes");
  return FoldRoot(hashes);
}

Result<std::vector<Hash>> InclusionProof(uint64_t index, uint64_t size, NodeSource& source) {
  LUMBUNG_ASSIGN_OR_RETURN(const ProofPlan plan, PlanInclusion(index, size));
  return FetchAndAssemble(plan, source);
}

Result<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size,
                                           NodeSource& source) {
  LUMBUNG_ASSIGN_OR_RETURN(const ProofPlan plan, PlanConsistency(old_size, new_size));
  return FetchAndAssemble(plan, source);
}

Status VerifyInclusion(uint64_t index, uint64_t size, const Hash& leaf_hash,
                       std::span<const Hash> proof, const Hash& root) {
  const auto reject = [&](std::string_view what) {
    return InvalidProof("invalid_inclusion_proof", what, " (leaf ", index, " of ", size);
  };
  if (index >= size) return reject("leaf index is not in the tree");
  // RFC 9162 §2.1.3.2. fn walks the leaf's path, sn the last leaf's; when sn
  // reaches 0 the root is reached and the proof must end.
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Hash r = leaf_hash;
  for (const Hash& p : proof) {
    if (sn == 0) return reject("inclusion proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      r = NodeHash(p, r);
      ShiftWhileEven(fn, sn);
    } else {
      r = NodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return reject("inclusion proof has too few hashes");
  if (r != root) return reject("inclusion proof leads to a different root");
  return Status();
}

Status VerifyConsistency(uint64_t old_size, uint64_t new_size, std::span<const Hash> proof,
                         const Hash& old_root, const Hash& new_root) {
  const auto reject = [&](std::string_view what) {
    return InvalidProof("invalid_consistency_proof", what, " (", old_size, " -> ", new_size);
  };
  if (old_size == 0) return reject("consistency from the empty tree proves nothing");
  if (old_size > new_size) return reject("the tree cannot shrink");
  if (old_size == new_size) {
    if (!proof.empty()) return reject("equal sizes need an empty proof");
    if (old_root != new_root) return reject("equal sizes with different roots");
    return Status();
  }
  if (proof.empty()) return reject("empty consistency proof");

  // RFC 9162 §2.1.4.2. A perfect old tree's root is the proof's implicit
  // first hash (step 2), read from old_root instead of copying the proof.
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  const bool perfect = std::has_single_bit(old_size);
  Hash fr = perfect ? old_root : proof[0];
  Hash sr = fr;
  for (const Hash& c : proof.subspan(perfect ? 0 : 1)) {
    if (sn == 0) return reject("consistency proof has too many hashes");
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);
      sr = NodeHash(c, sr);
      ShiftWhileEven(fn, sn);
    } else {
      sr = NodeHash(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return reject("consistency proof has too few hashes");
  if (fr != old_root) return reject("consistency proof does not lead to the old root");
  if (sr != new_root) return reject("consistency proof does not lead to the new root");
  return Status();
}

Result<CompactRange> CompactRange::FromNodes(uint64_t size, std::span<const Hash> nodes) {
  const auto expected = static_cast<size_t>(std::popcount(size));
  if (nodes.size() != expected) {
    return Status::InvalidArgument("a compact range of size " + std::to_string(size) + " has " +
                                   std::to_string(expected) + " nodes, not " +
                                   std::to_string(nodes.size()));
  }
  CompactRange range;
  range.size_ = size;
  range.nodes_.assign(nodes.begin(), nodes.end());
  return range;
}

void CompactRange::Append(const Hash& leaf_hash, const Visitor& visitor) {
  // Invariant: nodes_ holds one hash per set bit of size_, largest first.
  LUMBUNG_ASSERT(nodes_.size() == static_cast<size_t>(std::popcount(size_)));
  LUMBUNG_ASSERT(size_ < UINT64_MAX);
  uint64_t index = size_;
  uint32_t level = 0;
  Hash hash = leaf_hash;
  if (visitor) visitor(NodeId{level, index}, hash);
  // Each trailing set bit of the old size is a perfect subtree that the new
  // node now completes a parent with, as in binary addition's carries.
  while ((index & 1) == 1) {
    hash = NodeHash(nodes_.back(), hash);
    nodes_.pop_back();
    index >>= 1;
    ++level;
    if (visitor) visitor(NodeId{level, index}, hash);
  }
  nodes_.push_back(hash);
  ++size_;
}

Hash CompactRange::Root() const {
  return FoldRoot(nodes_);
}

}  // namespace lumbung::audit
