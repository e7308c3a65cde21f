// The RFC 6962 / RFC 9162 Merkle tree: upstream probes, known answers, and
// random logs checked against a naive reference written from the RFC.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"

using namespace lumbung;
using namespace lumbung::audit;

namespace {

// Random logs: every proof of every size up to kLogSizeMax is compared with
// the reference. The rejection tests, which verify many altered proofs each,
// are exhaustive in smaller trees and sampled in larger ones, so that the
// file runs in well under 30 s in a Debug + AddressSanitizer build.
constexpr uint64_t kLogSizeMax = 300;
constexpr uint64_t kAllBitsSizeMax = 28;          // every bit of every proof flipped
constexpr uint64_t kSampledBitsPerProof = 2;      // bits flipped per proof beyond
constexpr uint64_t kAllAlterationsSizeMax = 128;  // every proof altered up to here
constexpr uint64_t kSampledProofsPerSize = 8;     // proofs altered per size beyond

// --- helpers -----------------------------------------------------------------

// Concatenates text by appending. (GCC 12 at -O3 warns falsely, with
// -Wrestrict, on "literal" + a temporary std::string.)
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string text;
  ((text += parts), ...);
  return text;
}

nlohmann::json LoadJson(const std::filesystem::path& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

Hash HashFromHexOrFail(const std::string& hex) {
  const std::optional<Hash> hash = HashFromHex(hex);
  REQUIRE(hash.has_value());
  return *hash;
}

std::vector<Hash> HashesFromHex(const nlohmann::json& list) {
  std::vector<Hash> hashes;
  for (const auto& hex : list) hashes.push_back(HashFromHexOrFail(hex.get<std::string>()));
  return hashes;
}

void FlipBit(std::vector<Hash>& hashes, size_t bit) {
  hashes[bit / 256][bit % 256 / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
}

Hash Flipped(Hash hash, size_t bit) {
  hash[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
  return hash;
}

// Counts checks made in tight loops without one Catch2 assertion each (which
// would be slow and flood the report) and reports only the first failures.
class Tally {
 public:
  template <typename Describe>
  void Expect(bool ok, Describe describe) {
    ++checks_;
    if (!ok && failures_++ < 10) FAIL_CHECK(describe());
  }
  uint64_t checks() const { return checks_; }
  uint64_t failures() const { return failures_; }

 private:
  uint64_t checks_ = 0;
  uint64_t failures_ = 0;
};

std::string Where(uint64_t a, uint64_t b) {
  return Cat("(", std::to_string(a), ", ", std::to_string(b), ")");
}

// --- a naive reference, straight from RFC 6962 §2.1 ------------------------

// MTH, PATH and SUBPROOF over a list of leaf hashes, recursive as the RFC
// writes them. MTH of a range is memoised, which changes its speed only.
class ReferenceTree {
 public:
  explicit ReferenceTree(std::vector<Hash> leaves) : leaves_(std::move(leaves)) {}

  // MTH(D[begin:end]).
  Hash Mth(uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 0) return Sha256(std::string_view());
    if (n == 1) return leaves_[begin];
    const auto found = memo_.find({begin, end});
    if (found != memo_.end()) return found->second;
    const uint64_t k = SplitPoint(n);
    const Hash hash = NodeHash(Mth(begin, begin + k), Mth(begin + k, end));
    memo_[{begin, end}] = hash;
    return hash;
  }

  // PATH(m, D[0:n]).
  std::vector<Hash> Path(uint64_t m, uint64_t n) const { return Path(m, 0, n); }
  // PROOF(m, D[0:n]), extended to m == n as the empty proof.
  std::vector<Hash> Proof(uint64_t m, uint64_t n) const { return Subproof(m, 0, n, true); }

 private:
  // The largest power of two smaller than n (n > 1).
  static uint64_t SplitPoint(uint64_t n) {
    uint64_t k = 1;
    while (k * 2 < n) k *= 2;
    return k;
  }

  std::vector<Hash> Path(uint64_t m, uint64_t begin, uint64_t end) const {
    const uint64_t n = end - begin;
    if (n == 1) return {};
    const uint64_t k = SplitPoint(n);
    std::vector<Hash> path;
    if (m < k) {
      path = Path(m, begin, begin + k);
      path.push_back(Mth(begin + k, end));
    } else {
      path = Path(m - k, begin + k, end);
      path.push_back(Mth(begin, begin + k));
    }
    return path;
  }

  std::vector<Hash> Subproof(uint64_t m, uint64_t begin, uint64_t end, bool whole) const {
    const uint64_t n = end - begin;
    if (m == n) return whole ? std::vector<Hash>{} : std::vector<Hash>{Mth(begin, end)};
    const uint64_t k = SplitPoint(n);
    std::vector<Hash> proof;
    if (m <= k) {
      proof = Subproof(m, begin, begin + k, whole);
      proof.push_back(Mth(begin + k, end));
    } else {
      proof = Subproof(m - k, begin + k, end, false);
      proof.push_back(Mth(begin, begin + k));
    }
    return proof;
  }

  std::vector<Hash> leaves_;
  mutable std::map<std::pair<uint64_t, uint64_t>, Hash> memo_;
};

// --- node sources ------------------------------------------------------------

// Complete nodes in memory, as the writer stores them from CompactRange's
// visitor. It serves only nodes complete in a tree of `limit` leaves, as
// storage holding a log of that size would, and counts its calls.
class MemoryNodeSource : public NodeSource {
 public:
  void Add(NodeId id, const Hash& hash) {
    if (levels_.size() <= id.level) levels_.resize(id.level + 1);
    REQUIRE(id.index == levels_[id.level].size());  // each node once, in order
    levels_[id.level].push_back(hash);
  }
  void LimitTo(uint64_t size) { limit_ = size; }
  int calls() const { return calls_; }

  Status GetNodes(std::span<const NodeId> ids, std::span<Hash> out) override {
    ++calls_;
    REQUIRE(ids.size() == out.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      const NodeId id = ids[i];
      if (id.level >= levels_.size() || id.index >= levels_[id.level].size() ||
          id.index >= (limit_ >> id.level)) {
        return Status::NotFound(Cat("node ", Where(id.level, id.index), " is not complete"));
      }
      out[i] = levels_[id.level][id.index];
    }
    return Status();
  }

 private:
  std::vector<std::vector<Hash>> levels_;
  uint64_t limit_ = 0;
  int calls_ = 0;
};

class FailingNodeSource : public NodeSource {
 public:
  explicit FailingNodeSource(Status status) : status_(std::move(status)) {}
  Status GetNodes(std::span<const NodeId>, std::span<Hash>) override { return status_; }

 private:
  Status status_;
};

// A log of random leaves, its nodes, roots after every append, and the
// reference. Built once: every test case below reads the same log.
struct RandomLog {
  std::vector<Hash> leaves;
  std::vector<Hash> roots;  // roots[n]: the compact range's root at size n
  MemoryNodeSource source;
  ReferenceTree reference{{}};
};

RandomLog BuildRandomLog(uint64_t size, uint64_t seed) {
  std::mt19937_64 random(seed);
  RandomLog log;
  CompactRange range;
  log.roots.push_back(range.Root());
  for (uint64_t i = 0; i < size; ++i) {
    const std::string entry = Cat("entry ", std::to_string(i), " ", std::to_string(random()));
    log.leaves.push_back(LeafHash(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(entry.data()), entry.size())));
    range.Append(log.leaves.back(), [&](NodeId id, const Hash& hash) { log.source.Add(id, hash); });
    log.roots.push_back(range.Root());
  }
  log.reference = ReferenceTree(log.leaves);
  return log;
}

RandomLog& TheRandomLog() {
  static RandomLog log = BuildRandomLog(kLogSizeMax, 9162);
  return log;
}

// The bits of a proof to flip: all of them in small trees, a deterministic
// spread of a few in larger ones (to keep the test fast under sanitizers).
std::vector<size_t> BitsToFlip(size_t proof_hashes, uint64_t a, uint64_t b) {
  const size_t bits = proof_hashes * 256;
  std::vector<size_t> chosen;
  if (b <= kAllBitsSizeMax) {
    for (size_t bit = 0; bit < bits; ++bit) chosen.push_back(bit);
    return chosen;
  }
  for (uint64_t j = 0; j < kSampledBitsPerProof && bits > 0; ++j) {
    chosen.push_back(static_cast<size_t>((a * 7919 + b * 104729 + j * 15485863) % bits));
  }
  return chosen;
}

// Which proofs (index or old size `a`, tree size `b`) the alteration tests
// use: all of them in small trees, the first, last and a deterministic spread
// of others in larger ones.
bool AlterProof(uint64_t a, uint64_t b) {
  if (b <= kAllAlterationsSizeMax) return true;
  return a == 0 || a + 1 >= b || (a * 2654435761u + b) % (b / kSampledProofsPerSize) == 0;
}

// --- the transparency-dev probes -------------------------------------------

struct ProbeTotals {
  int probes = 0;
  int inclusion = 0;
  int consistency = 0;
  int want_accepted = 0;
  int accepted = 0;
  int rejected_for_shape = 0;
};

std::string DecodeField(const nlohmann::json& value) {
  if (value.is_null()) return "";
  const std::optional<std::string> bytes = Base64Decode(value.get<std::string>());
  REQUIRE(bytes.has_value());  // upstream writes canonical base64
  return *bytes;
}

std::optional<Hash> AsHash(const std::string& bytes) {
  if (bytes.size() != kHashBytes) return std::nullopt;
  Hash hash;
  std::copy(bytes.begin(), bytes.end(), hash.begin());
  return hash;
}

// Roots are opaque to a verifier: one that is not 32 bytes can never be
// computed, yet two equal ones must compare equal (the "sizes are equal"
// probes use 12-byte placeholders). Such a root becomes a labelled SHA-256
// of its bytes, which no tree computes.
Hash ProbeRoot(const std::string& bytes) {
  if (const std::optional<Hash> hash = AsHash(bytes)) return *hash;
  return Sha256("probe root that is not 32 bytes: " + bytes);
}

// Proof hashes must be 32 bytes: lumbung's Hash cannot hold anything else.
std::optional<std::vector<Hash>> ProbeProof(const nlohmann::json& list) {
  std::vector<Hash> proof;
  if (list.is_null()) return proof;
  for (const auto& item : list) {
    const std::optional<Hash> hash = AsHash(DecodeField(item));
    if (!hash.has_value()) return std::nullopt;
    proof.push_back(*hash);
  }
  return proof;
}

bool AcceptsInclusionProbe(const nlohmann::json& probe, ProbeTotals& totals) {
  // The reference verifier's extra rule: a leaf hash must be 32 bytes.
  const std::optional<Hash> leaf = AsHash(DecodeField(probe.at("leafHash")));
  const std::optional<std::vector<Hash>> proof = ProbeProof(probe.at("proof"));
  if (!leaf.has_value() || !proof.has_value()) {
    ++totals.rejected_for_shape;
    return false;
  }
  return VerifyInclusion(probe.at("leafIdx").get<uint64_t>(), probe.at("treeSize").get<uint64_t>(),
                         *leaf, *proof, ProbeRoot(DecodeField(probe.at("root"))))
      .ok();
}

bool AcceptsConsistencyProbe(const nlohmann::json& probe, ProbeTotals& totals) {
  const std::optional<std::vector<Hash>> proof = ProbeProof(probe.at("proof"));
  if (!proof.has_value()) {
    ++totals.rejected_for_shape;
    return false;
  }
  return VerifyConsistency(probe.at("size1").get<uint64_t>(), probe.at("size2").get<uint64_t>(),
                           *proof, ProbeRoot(DecodeField(probe.at("root1"))),
                           ProbeRoot(DecodeField(probe.at("root2"))))
      .ok();
}

std::vector<std::filesystem::path> ProbeFiles(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  REQUIRE(std::filesystem::is_directory(dir));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

// ---------------------------------------------------------------------------
// (a) Upstream probes

TEST_CASE("all 196 transparency-dev probes are accepted or rejected as upstream expects",
          "[merkle][vectors]") {
  const std::filesystem::path testdata =
      std::filesystem::path(LUMBUNG_TEST_VECTORS_DIR) / "transparency-dev-merkle" / "testdata";
  ProbeTotals totals;
  for (const std::string kind : {"inclusion", "consistency"}) {
    for (const std::filesystem::path& file : ProbeFiles(testdata / kind)) {
      const nlohmann::json probe = LoadJson(file);
      const bool want_error = probe.at("wantErr").get<bool>();
      const bool accepted = kind == "inclusion" ? AcceptsInclusionProbe(probe, totals)
                                                : AcceptsConsistencyProbe(probe, totals);
      if (accepted == want_error) {
        FAIL_CHECK(file.lexically_relative(testdata).string()
                   << " (" << probe.at("desc").get<std::string>()
                   << "): " << (accepted ? "accepted" : "rejected"));
      }
      ++totals.probes;
      ++(kind == "inclusion" ? totals.inclusion : totals.consistency);
      totals.want_accepted += want_error ? 0 : 1;
      totals.accepted += accepted ? 1 : 0;
    }
  }
  // The totals pin the vector set, so a missing folder cannot pass vacuously.
  CHECK(totals.probes == 196);
  CHECK(totals.inclusion == 98);
  CHECK(totals.consistency == 98);
  CHECK(totals.want_accepted == 12);
  CHECK(totals.accepted == 12);
  // Probes rejected before the verifier runs: 11 with a 9-byte or empty leaf
  // hash, 18 with an empty "garbage" hash inside the proof.
  CHECK(totals.rejected_for_shape == 29);
}

// ---------------------------------------------------------------------------
// (b) Known answers: the RFC 6962 sample tree

TEST_CASE("the 8-leaf RFC 6962 tree has the known root at every size 0 to 8", "[merkle][kat]") {
  const nlohmann::json sample =
      LoadJson(std::filesystem::path(LUMBUNG_TEST_VECTORS_DIR) / "rfc6962-sample.json");
  const std::vector<Hash> leaves = HashesFromHex(sample.at("leaf_hashes"));
  REQUIRE(leaves.size() == 8);
  const ReferenceTree reference(leaves);
  MemoryNodeSource source;
  CompactRange range;
  for (uint64_t size = 0; size <= 8; ++size) {
    if (size > 0) {
      range.Append(leaves[size - 1], [&](NodeId id, const Hash& h) { source.Add(id, h); });
    }
    const Hash want =
        size == 0 ? HashFromHexOrFail(sample.at("empty_tree_root").get<std::string>())
                  : HashFromHexOrFail(
                        sample.at("roots_by_size").at(std::to_string(size)).get<std::string>());
    INFO("size " << size);
    CHECK(range.Root() == want);
    CHECK(reference.Mth(0, size) == want);
    source.LimitTo(size);
    const Result<Hash> stored = RootAt(size, source);
    REQUIRE(stored.ok());
    CHECK(*stored == want);
  }
}

TEST_CASE("the sample's inclusion and consistency proofs are reproduced byte for byte",
          "[merkle][kat]") {
  const nlohmann::json sample =
      LoadJson(std::filesystem::path(LUMBUNG_TEST_VECTORS_DIR) / "rfc6962-sample.json");
  MemoryNodeSource source;
  CompactRange range;
  for (const Hash& leaf : HashesFromHex(sample.at("leaf_hashes"))) {
    range.Append(leaf, [&](NodeId id, const Hash& h) { source.Add(id, h); });
  }
  REQUIRE(sample.at("inclusion").size() == 5);
  for (const auto& kat : sample.at("inclusion")) {
    const auto index = kat.at("leaf_index").get<uint64_t>();
    const auto size = kat.at("tree_size").get<uint64_t>();
    INFO("inclusion " << Where(index, size));
    source.LimitTo(size);
    const Result<std::vector<Hash>> proof = InclusionProof(index, size, source);
    REQUIRE(proof.ok());
    CHECK(*proof == HashesFromHex(kat.at("proof")));
    CHECK(VerifyInclusion(index, size, HashFromHexOrFail(kat.at("leaf_hash").get<std::string>()),
                          *proof, HashFromHexOrFail(kat.at("root").get<std::string>()))
              .ok());
  }
  REQUIRE(sample.at("consistency").size() == 5);
  for (const auto& kat : sample.at("consistency")) {
    const auto old_size = kat.at("size1").get<uint64_t>();
    const auto new_size = kat.at("size2").get<uint64_t>();
    INFO("consistency " << Where(old_size, new_size));
    source.LimitTo(new_size);
    const Result<std::vector<Hash>> proof = ConsistencyProof(old_size, new_size, source);
    REQUIRE(proof.ok());
    CHECK(*proof == HashesFromHex(kat.at("proof")));
    CHECK(VerifyConsistency(old_size, new_size, *proof,
                            HashFromHexOrFail(kat.at("root1").get<std::string>()),
                            HashFromHexOrFail(kat.at("root2").get<std::string>()))
              .ok());
  }
}

// ---------------------------------------------------------------------------
// (c) Random logs against the reference

TEST_CASE("roots at every size up to 300 agree across CompactRange, RootAt and the reference",
          "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  Tally tally;
  for (uint64_t size = 0; size <= kLogSizeMax; ++size) {
    log.source.LimitTo(size);
    const Result<Hash> stored = RootAt(size, log.source);
    const Hash want = log.reference.Mth(0, size);
    tally.Expect(log.roots[size] == want, [&] { return Cat("compact root at ", Where(0, size)); });
    tally.Expect(stored.ok() && *stored == want, [&] { return Cat("RootAt ", Where(0, size)); });
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() == 2 * (kLogSizeMax + 1));
}

TEST_CASE("every inclusion proof up to size 300 equals the reference and verifies",
          "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  Tally tally;
  for (uint64_t size = 1; size <= kLogSizeMax; ++size) {
    log.source.LimitTo(size);
    for (uint64_t index = 0; index < size; ++index) {
      const auto where = [&] { return Cat("inclusion ", Where(index, size)); };
      const int calls_before = log.source.calls();
      const Result<std::vector<Hash>> proof = InclusionProof(index, size, log.source);
      tally.Expect(proof.ok(), where);
      if (!proof.ok()) continue;
      tally.Expect(*proof == log.reference.Path(index, size), where);
      // One batched read per proof, none when there is nothing to read.
      tally.Expect(log.source.calls() - calls_before == (proof->empty() ? 0 : 1), where);
      tally.Expect(VerifyInclusion(index, size, log.leaves[index], *proof, log.roots[size]).ok(),
                   where);
    }
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() == 4 * kLogSizeMax * (kLogSizeMax + 1) / 2);
}

TEST_CASE("every consistency proof up to size 300 equals the reference and verifies",
          "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  Tally tally;
  for (uint64_t new_size = 1; new_size <= kLogSizeMax; ++new_size) {
    log.source.LimitTo(new_size);
    for (uint64_t old_size = 1; old_size <= new_size; ++old_size) {
      const auto where = [&] { return Cat("consistency ", Where(old_size, new_size)); };
      const int calls_before = log.source.calls();
      const Result<std::vector<Hash>> proof = ConsistencyProof(old_size, new_size, log.source);
      tally.Expect(proof.ok(), where);
      if (!proof.ok()) continue;
      tally.Expect(*proof == log.reference.Proof(old_size, new_size), where);
      tally.Expect(log.source.calls() - calls_before == (proof->empty() ? 0 : 1), where);
      tally.Expect(
          VerifyConsistency(old_size, new_size, *proof, log.roots[old_size], log.roots[new_size])
              .ok(),
          where);
    }
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() == 4 * kLogSizeMax * (kLogSizeMax + 1) / 2);
}

TEST_CASE("a proof with one bit flipped is rejected", "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  Tally tally;
  for (uint64_t size = 1; size <= kLogSizeMax; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      const std::vector<Hash> proof = log.reference.Path(index, size);
      for (const size_t bit : BitsToFlip(proof.size(), index, size)) {
        std::vector<Hash> flipped = proof;
        FlipBit(flipped, bit);
        tally.Expect(
            !VerifyInclusion(index, size, log.leaves[index], flipped, log.roots[size]).ok(),
            [&] { return Cat("inclusion ", Where(index, size), " bit ", std::to_string(bit)); });
      }
    }
    for (uint64_t old_size = 1; old_size < size; ++old_size) {
      const std::vector<Hash> proof = log.reference.Proof(old_size, size);
      for (const size_t bit : BitsToFlip(proof.size(), old_size, size)) {
        std::vector<Hash> flipped = proof;
        FlipBit(flipped, bit);
        tally.Expect(
            !VerifyConsistency(old_size, size, flipped, log.roots[old_size], log.roots[size]).ok(),
            [&] {
              return Cat("consistency ", Where(old_size, size), " bit ", std::to_string(bit));
            });
      }
    }
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() > 800'000);  // all bits up to size 28 alone: 866,560
}

TEST_CASE(
    "an inclusion proof with the wrong index, size or leaf, truncated or extended, is "
    "rejected",
    "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  const ReferenceTree& reference = log.reference;
  Tally tally;
  for (uint64_t size = 1; size <= kLogSizeMax; ++size) {
    for (uint64_t index = 0; index < size; ++index) {
      if (!AlterProof(index, size)) continue;
      const std::vector<Hash> proof = reference.Path(index, size);
      const Hash& leaf = log.leaves[index];
      const Hash& root = log.roots[size];
      const auto rejects = [&](uint64_t i, uint64_t n, const Hash& l, const std::vector<Hash>& p,
                               const Hash& r, std::string_view what) {
        tally.Expect(!VerifyInclusion(i, n, l, p, r).ok(),
                     [&] { return Cat(what, " ", Where(index, size)); });
      };
      for (const uint64_t other : {index - 1, index + 1, index ^ 1, size, UINT64_MAX}) {
        if (other != index) rejects(other, size, leaf, proof, root, "wrong index");
      }
      // A tree of another size, with that tree's root: only a proof that
      // happens to be that tree's proof too may pass.
      for (const uint64_t other : {size - 1, size + 1, 2 * size}) {
        if (other <= index || other > kLogSizeMax) continue;
        const bool same_proof = reference.Path(index, other) == proof;
        tally.Expect(
            VerifyInclusion(index, other, leaf, proof, log.roots[other]).ok() == same_proof,
            [&] { return Cat("wrong size ", Where(index, size)); });
      }
      if (size > 1) rejects(index, size, log.leaves[(index + 1) % size], proof, root, "wrong leaf");
      rejects(index, size, Flipped(leaf, index % 256), proof, root, "flipped leaf");
      rejects(index, size, leaf, proof, Flipped(root, size % 256), "flipped root");
      if (!proof.empty()) {
        rejects(index, size, leaf, {proof.begin(), proof.end() - 1}, root, "truncated at end");
        rejects(index, size, leaf, {proof.begin() + 1, proof.end()}, root, "truncated at start");
      }
      std::vector<Hash> extended = proof;
      extended.push_back(root);
      rejects(index, size, leaf, extended, root, "extended at end");
      extended = proof;
      extended.insert(extended.begin(), leaf);
      rejects(index, size, leaf, extended, root, "extended at start");
    }
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() > 100'000);
}

TEST_CASE("a consistency proof with the wrong sizes or roots, truncated or extended, is rejected",
          "[merkle][random]") {
  RandomLog& log = TheRandomLog();
  const ReferenceTree& reference = log.reference;
  const std::vector<Hash>& roots = log.roots;
  Tally tally;
  for (uint64_t new_size = 1; new_size <= kLogSizeMax; ++new_size) {
    for (uint64_t old_size = 1; old_size <= new_size; ++old_size) {
      if (!AlterProof(old_size, new_size)) continue;
      const std::vector<Hash> proof = reference.Proof(old_size, new_size);
      const auto where = [&] { return Where(old_size, new_size); };
      const auto rejects = [&](uint64_t m, uint64_t n, const std::vector<Hash>& p, const Hash& r1,
                               const Hash& r2, std::string_view what) {
        tally.Expect(!VerifyConsistency(m, n, p, r1, r2).ok(),
                     [&] { return Cat(what, " ", where()); });
      };
      // Other sizes with their own roots: only an identical proof may pass.
      const std::pair<uint64_t, uint64_t> others[] = {{old_size - 1, new_size},
                                                      {old_size + 1, new_size},
                                                      {old_size, new_size - 1},
                                                      {old_size, new_size + 1}};
      for (const auto& [m, n] : others) {
        if (m == 0 || m > n || n > kLogSizeMax) continue;
        const bool same_proof = reference.Proof(m, n) == proof;
        tally.Expect(VerifyConsistency(m, n, proof, roots[m], roots[n]).ok() == same_proof,
                     [&] { return Cat("sizes ", Where(m, n), " for ", where()); });
      }
      rejects(0, new_size, proof, EmptyRootHash(), roots[new_size], "from the empty tree");
      rejects(new_size + 1, new_size, proof, roots[old_size], roots[new_size], "shrinking");
      if (old_size != new_size) {
        rejects(old_size, new_size, proof, roots[new_size], roots[old_size], "swapped roots");
      }
      rejects(old_size, new_size, proof, Flipped(roots[old_size], 7), roots[new_size], "old root");
      rejects(old_size, new_size, proof, roots[old_size], Flipped(roots[new_size], 9), "new root");
      if (!proof.empty()) {
        rejects(old_size, new_size, {proof.begin(), proof.end() - 1}, roots[old_size],
                roots[new_size], "truncated at end");
        rejects(old_size, new_size, {proof.begin() + 1, proof.end()}, roots[old_size],
                roots[new_size], "truncated at start");
      }
      std::vector<Hash> extended = proof;
      extended.push_back(roots[new_size]);
      rejects(old_size, new_size, extended, roots[old_size], roots[new_size], "extended at end");
      extended = proof;
      extended.insert(extended.begin(), roots[old_size]);
      rejects(old_size, new_size, extended, roots[old_size], roots[new_size], "extended at start");
    }
  }
  CHECK(tally.failures() == 0);
  CHECK(tally.checks() > 100'000);
}

TEST_CASE("proofs outside the tree are refused before any read", "[merkle]") {
  FailingNodeSource source(Status::IOError("must not be read"));
  CHECK(InclusionProof(5, 5, source).status().code() == Code::kInvalidArgument);
  CHECK(InclusionProof(0, 0, source).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(0, 5, source).status().code() == Code::kInvalidArgument);
  CHECK(ConsistencyProof(6, 5, source).status().code() == Code::kInvalidArgument);
  CHECK_FALSE(PlanInclusion(UINT64_MAX, UINT64_MAX).ok());
  // Nothing to read: the empty tree's root, a one-leaf tree, equal sizes.
  REQUIRE(RootAt(0, source).ok());
  CHECK(*RootAt(0, source) == EmptyRootHash());
  REQUIRE(InclusionProof(0, 1, source).ok());
  CHECK(InclusionProof(0, 1, source)->empty());
  REQUIRE(ConsistencyProof(4, 4, source).ok());
  CHECK(ConsistencyProof(4, 4, source)->empty());
}

TEST_CASE("a rejected proof is Corruption with a stable reason and its sizes", "[merkle]") {
  const Hash hash = EmptyRootHash();
  const Status inclusion = VerifyInclusion(5, 5, hash, {}, hash);
  CHECK(inclusion.IsCorruption());
  CHECK(inclusion.reason() == "invalid_inclusion_proof");
  CHECK(inclusion.message() == "leaf index is not in the tree (leaf 5 of 5)");
  const Status consistency = VerifyConsistency(3, 7, {}, hash, hash);
  CHECK(consistency.IsCorruption());
  CHECK(consistency.reason() == "invalid_consistency_proof");
  CHECK(consistency.message() == "empty consistency proof (3 -> 7)");
  CHECK(VerifyConsistency(7, 7, {}, hash, hash).ok());
}

// ---------------------------------------------------------------------------
// (d) CompactRange, plans and node sources

TEST_CASE("appending a leaf reports exactly the nodes it completes, leaf first, each once",
          "[merkle][compact]") {
  const RandomLog& log = TheRandomLog();
  CompactRange range;
  uint64_t reported = 0;
  for (uint64_t index = 0; index < kLogSizeMax; ++index) {
    std::vector<std::pair<NodeId, Hash>> visits;
    range.Append(log.leaves[index], [&](NodeId id, const Hash& h) { visits.emplace_back(id, h); });
    // Leaf `index` completes one parent per trailing set bit of `index`.
    const int completed = std::countr_one(index);
    REQUIRE(visits.size() == static_cast<size_t>(completed) + 1);
    for (int level = 0; level <= completed; ++level) {
      const auto [id, hash] = visits[static_cast<size_t>(level)];
      INFO("leaf " << index << ", visit " << level);
      CHECK(id == NodeId{static_cast<uint32_t>(level), index >> level});
      CHECK(hash == log.reference.Mth(id.index << id.level, (id.index + 1) << id.level));
    }
    reported += visits.size();
    CHECK(range.size() == index + 1);
    CHECK(range.nodes().size() == static_cast<size_t>(std::popcount(index + 1)));
  }
  // Every complete node of a 300-leaf tree: 300 + 150 + 75 + 37 + 18 + 9 + 4 + 2 + 1.
  CHECK(reported == 596);
}

TEST_CASE("a compact range restored from its nodes continues identically", "[merkle][compact]") {
  const RandomLog& log = TheRandomLog();
  constexpr uint64_t kMore = 70;
  for (uint64_t size = 0; size <= 70; ++size) {
    CompactRange original;
    for (uint64_t i = 0; i < size; ++i) original.Append(log.leaves[i]);
    Result<CompactRange> restored = CompactRange::FromNodes(size, original.nodes());
    REQUIRE(restored.ok());
    INFO("size " << size);
    CHECK(restored->size() == size);
    CHECK(restored->Root() == original.Root());
    for (uint64_t i = size; i < size + kMore; ++i) {
      std::vector<std::pair<NodeId, Hash>> want;
      std::vector<std::pair<NodeId, Hash>> got;
      original.Append(log.leaves[i], [&](NodeId id, const Hash& h) { want.emplace_back(id, h); });
      restored->Append(log.leaves[i], [&](NodeId id, const Hash& h) { got.emplace_back(id, h); });
      REQUIRE(got == want);
      REQUIRE(restored->Root() == original.Root());
    }
    CHECK(restored->Root() == log.roots[size + kMore]);
  }
}

TEST_CASE("a compact range refuses a node count that does not match its size",
          "[merkle][compact]") {
  const std::vector<Hash> one(1, EmptyRootHash());
  const std::vector<Hash> two(2, EmptyRootHash());
  CHECK(CompactRange::FromNodes(0, one).status().code() == Code::kInvalidArgument);
  CHECK(CompactRange::FromNodes(5, one).status().code() == Code::kInvalidArgument);
  CHECK(CompactRange::FromNodes(4, two).status().code() == Code::kInvalidArgument);
  CHECK(CompactRange::FromNodes(5, two).ok());
  CHECK(CompactRange::FromNodes(0, {}).ok());
}

TEST_CASE("a failing node source makes roots and proofs return its error", "[merkle]") {
  FailingNodeSource io(Status::IOError("disk unplugged"));
  CHECK(RootAt(5, io).status().code() == Code::kIOError);
  CHECK(InclusionProof(2, 5, io).status().code() == Code::kIOError);
  CHECK(ConsistencyProof(2, 5, io).status().code() == Code::kIOError);
  FailingNodeSource missing(Status::NotFound("no such node"));
  CHECK(RootAt(7, missing).status().IsNotFound());
  CHECK(InclusionProof(6, 7, missing).status().IsNotFound());
  CHECK(ConsistencyProof(3, 7, missing).status().IsNotFound());
  FailingNodeSource corrupt(Status::Corruption("bad node"));
  CHECK(RootAt(3, corrupt).status().IsCorruption());
}

TEST_CASE("root nodes are one complete node per set bit of the size, largest first",
          "[merkle][plan]") {
  CHECK(RootNodes(0).empty());
  CHECK(RootNodes(1) == std::vector<NodeId>{{0, 0}});
  CHECK(RootNodes(6) == std::vector<NodeId>{{2, 0}, {1, 2}});
  CHECK(RootNodes(7) == std::vector<NodeId>{{2, 0}, {1, 2}, {0, 6}});
  CHECK(RootNodes(8) == std::vector<NodeId>{{3, 0}});
  const std::vector<NodeId> all = RootNodes(UINT64_MAX);
  REQUIRE(all.size() == 64);
  CHECK(all.front() == NodeId{63, 0});
  CHECK(all.back() == NodeId{0, UINT64_MAX - 1});
  CHECK(FoldRoot({}) == EmptyRootHash());
}

TEST_CASE("plans fold the ephemeral right edge into one proof hash", "[merkle][plan]") {
  // Leaf 5 of 7: sibling (0,4), the ephemeral (0,6) alone, then (2,0).
  const Result<ProofPlan> inclusion = PlanInclusion(5, 7);
  REQUIRE(inclusion.ok());
  CHECK(inclusion->nodes == std::vector<NodeId>{{0, 4}, {0, 6}, {2, 0}});
  // Leaf 0 of 7: siblings (0,1), (1,1), then the ephemeral (1,2) + (0,6).
  const Result<ProofPlan> left = PlanInclusion(0, 7);
  REQUIRE(left.ok());
  CHECK(left->nodes == std::vector<NodeId>{{0, 1}, {1, 1}, {1, 2}, {0, 6}});
  CHECK(left->ephemeral_begin == 2);
  CHECK(left->ephemeral_end == 4);
  const std::vector<Hash> hashes = {Sha256(std::string_view("a")), Sha256(std::string_view("b")),
                                    Sha256(std::string_view("c")), Sha256(std::string_view("d"))};
  CHECK(AssembleProof(*left, hashes) ==
        std::vector<Hash>{hashes[0], hashes[1], NodeHash(hashes[2], hashes[3])});
  // 6 -> 8: the old tree's last node (1,2) leads, then its path in the new tree.
  const Result<ProofPlan> consistency = PlanConsistency(6, 8);
  REQUIRE(consistency.ok());
  CHECK(consistency->nodes == std::vector<NodeId>{{1, 2}, {1, 3}, {2, 0}});
  CHECK(consistency->ephemeral_begin == consistency->ephemeral_end);
  // A perfect old tree is not repeated in the proof.
  CHECK(PlanConsistency(4, 8)->nodes == std::vector<NodeId>{{2, 1}});
  CHECK(PlanConsistency(8, 8)->nodes.empty());
}

TEST_CASE("plans for the largest trees name only complete nodes", "[merkle][plan]") {
  const auto all_complete = [](const ProofPlan& plan, uint64_t size) {
    return std::all_of(plan.nodes.begin(), plan.nodes.end(), [&](const NodeId& id) {
      return id.level < 64 && id.index < (size >> id.level);
    });
  };
  const uint64_t sizes[] = {UINT64_MAX, UINT64_MAX - 1, uint64_t{1} << 63, (uint64_t{1} << 63) + 1};
  for (const uint64_t size : sizes) {
    INFO("size " << size);
    for (const uint64_t index : {uint64_t{0}, size / 2, size - 2, size - 1}) {
      const Result<ProofPlan> plan = PlanInclusion(index, size);
      REQUIRE(plan.ok());
      CHECK(all_complete(*plan, size));
      CHECK(plan->nodes.size() <= 128);
    }
    for (const uint64_t old_size : {uint64_t{1}, size / 2, size - 1, size}) {
      const Result<ProofPlan> plan = PlanConsistency(old_size, size);
      REQUIRE(plan.ok());
      CHECK(all_complete(*plan, size));
      CHECK(plan->nodes.size() <= 129);
    }
  }
  // Verifiers given such sizes reject short proofs without trouble.
  const Hash hash = EmptyRootHash();
  CHECK_FALSE(VerifyInclusion(0, UINT64_MAX, hash, {}, hash).ok());
  CHECK_FALSE(
      VerifyInclusion(UINT64_MAX - 1, UINT64_MAX, hash, std::vector<Hash>(64, hash), hash).ok());
  CHECK_FALSE(VerifyConsistency(1, UINT64_MAX, std::vector<Hash>(1, hash), hash, hash).ok());
  CHECK_FALSE(
      VerifyConsistency(UINT64_MAX - 1, UINT64_MAX, std::vector<Hash>(200, hash), hash, hash).ok());
}
