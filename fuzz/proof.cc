// Fuzz target: Merkle proof planning and verification (audit/merkle.h).
//
// Input layout (short inputs are padded with zeros):
//   byte 0        bit 0: 0 inclusion, 1 consistency
//   bytes 1-8     a: leaf index (inclusion) or old size (consistency), LE
//   bytes 9-16    b: tree size (inclusion) or new size (consistency), LE
//   bytes 17-48   x: leaf hash (inclusion) or old root (consistency)
//   bytes 49-80   y: root (inclusion) or new root (consistency)
//   the rest      the proof, 32 bytes a hash (a partial last hash is dropped)
//
// Two things are done with it:
//   1. The raw values go to VerifyInclusion / VerifyConsistency (any sizes,
//      up to 2^64 - 1) and to the planners, whose nodes must all be
//      complete nodes of the tree they are planned for.
//   2. A real tree is built with (b mod 256) + 1 leaves derived from x, and
//      its true proof for the position a (mod the size) must verify, while
//      the input's proof must verify exactly when it equals the true proof.

#include <algorithm>
#include <array>
#include <cstring>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"

#include "fuzz.h"

namespace {

using lumbung::audit::Hash;
using lumbung::audit::NodeId;

constexpr size_t kHeaderBytes = 1 + 8 + 8 + 32 + 32;
constexpr uint64_t kModelLeavesMax = 256;

uint64_t ReadLittleEndian64(const uint8_t* bytes) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = v << 8 | bytes[i];
  return v;
}

// The complete nodes of one tree, as the CompactRange visitor reports them.
class MapSource : public lumbung::audit::NodeSource {
 public:
  lumbung::Status GetNodes(std::span<const NodeId> ids, std::span<Hash> out) override {
    for (size_t i = 0; i < ids.size(); ++i) {
      const auto it = nodes_.find({ids[i].level, ids[i].index});
      if (it == nodes_.end()) return lumbung::Status::NotFound("no such node");
      out[i] = it->second;
    }
    return lumbung::Status();
  }
  void Put(NodeId id, const Hash& hash) { nodes_[{id.level, id.index}] = hash; }

 private:
  std::map<std::pair<uint32_t, uint64_t>, Hash> nodes_;
};

void CheckPlanNodes(const lumbung::audit::ProofPlan& plan, uint64_t size) {
  FUZZ_CHECK(plan.ephemeral_begin <= plan.ephemeral_end);
  FUZZ_CHECK(plan.ephemeral_end <= plan.nodes.size());
  FUZZ_CHECK(plan.nodes.size() <= 2 * 64);
  for (const NodeId& id : plan.nodes) {
    FUZZ_CHECK(id.level < 64);
    FUZZ_CHECK(id.index < (size >> id.level));  // complete in a tree of `size` leaves
  }
}

void RawChecks(bool consistency, uint64_t a, uint64_t b, const Hash& x, const Hash& y,
               std::span<const Hash> proof) {
  if (consistency) {
    lumbung::audit::VerifyConsistency(a, b, proof, x, y).IgnoreError();
    const auto plan = lumbung::audit::PlanConsistency(a, b);
    FUZZ_CHECK(plan.ok() == (a != 0 && a <= b));
    if (plan.ok()) CheckPlanNodes(*plan, b);
  } else {
    lumbung::audit::VerifyInclusion(a, b, x, proof, y).IgnoreError();
    const auto plan = lumbung::audit::PlanInclusion(a, b);
    FUZZ_CHECK(plan.ok() == (a < b));
    if (plan.ok()) CheckPlanNodes(*plan, b);
  }
}

void ModelChecks(bool consistency, uint64_t a, uint64_t b, const Hash& x,
                 std::span<const Hash> proof) {
  const uint64_t size = b % kModelLeavesMax + 1;
  MapSource source;
  lumbung::audit::CompactRange range;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < size; ++i) {
    std::array<uint8_t, 40> input{};
    std::memcpy(input.data(), x.data(), x.size());
    std::memcpy(input.data() + 32, &i, sizeof i);
    leaves.push_back(lumbung::audit::LeafHash(input));
    range.Append(leaves.back(), [&](NodeId id, const Hash& h) { source.Put(id, h); });
  }
  const auto root = lumbung::audit::RootAt(size, source);
  FUZZ_CHECK(root.ok() && *root == range.Root());

  if (!consistency) {
    const uint64_t index = a % size;
    const auto truth = lumbung::audit::InclusionProof(index, size, source);
    FUZZ_CHECK(truth.ok());
    FUZZ_CHECK(lumbung::audit::VerifyInclusion(index, size, leaves[index], *truth, *root).ok());
    const bool same = std::equal(proof.begin(), proof.end(), truth->begin(), truth->end());
    FUZZ_CHECK(lumbung::audit::VerifyInclusion(index, size, leaves[index], proof, *root).ok() ==
               same);
    return;
  }
  const uint64_t old_size = a % size + 1;
  const auto old_root = lumbung::audit::RootAt(old_size, source);
  FUZZ_CHECK(old_root.ok());
  const auto truth = lumbung::audit::ConsistencyProof(old_size, size, source);
  FUZZ_CHECK(truth.ok());
  FUZZ_CHECK(lumbung::audit::VerifyConsistency(old_size, size, *truth, *old_root, *root).ok());
  const bool same = std::equal(proof.begin(), proof.end(), truth->begin(), truth->end());
  FUZZ_CHECK(lumbung::audit::VerifyConsistency(old_size, size, proof, *old_root, *root).ok() ==
             same);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::array<uint8_t, kHeaderBytes> header{};
  if (size > 0) std::memcpy(header.data(), data, std::min(size, kHeaderBytes));
  const bool consistency = (header[0] & 1) != 0;
  const uint64_t a = ReadLittleEndian64(&header[1]);
  const uint64_t b = ReadLittleEndian64(&header[9]);
  Hash x, y;
  std::memcpy(x.data(), &header[17], x.size());
  std::memcpy(y.data(), &header[49], y.size());
  std::vector<Hash> proof;
  for (size_t at = kHeaderBytes; at + 32 <= size; at += 32) {
    proof.emplace_back();
    std::memcpy(proof.back().data(), data + at, 32);
  }
  RawChecks(consistency, a, b, x, y, proof);
  ModelChecks(consistency, a, b, x, proof);
  return 0;
}
