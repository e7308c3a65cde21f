// The auditor bundle's file formats (balances.csv, SHA256SUMS, entries.bin
// frames) and the TreeWatcher that lets one walk check roots at several
// sizes and build consistency proofs.

#include <random>

#include <catch2/catch.hpp>

#include "lumbung/audit/bundle.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/audit/tree_watch.h"

using namespace lumbung;
using namespace lumbung::audit;

namespace {

Hash LeafOf(uint64_t i) {
  return LeafHash(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(&i), sizeof i));
}

// A NodeSource over every node of a tree built in memory, the reference.
class MemoryTree : public NodeSource {
 public:
  explicit MemoryTree(uint64_t size) {
    for (uint64_t i = 0; i < size; ++i) {
      range_.Append(LeafOf(i), [this](NodeId id, const Hash& h) {
        if (levels_.size() <= id.level) levels_.resize(id.level + 1);
        levels_[id.level].push_back(h);
      });
    }
  }
  Status GetNodes(std::span<const NodeId> ids, std::span<Hash> out) override {
    for (size_t i = 0; i < ids.size(); ++i) out[i] = levels_.at(ids[i].level).at(ids[i].index);
    return Status();
  }

 private:
  CompactRange range_;
  std::vector<std::vector<Hash>> levels_;
};

}  // namespace

TEST_CASE("balances.csv round-trips, sorted by account and unit", "[bundle][format]") {
  std::vector<BalanceRow> rows = {{"program:pkh-2026", "IDR", 1387500000},
                                  {"funder:apbn-kemensos", "IDR", -1500000000},
                                  {"beneficiary:pkh-2026:hh-000001", "IDR", 750000},
                                  {"group:kube-mawar", "PKG_SEMBAKO", 0}};
  REQUIRE(SortBalanceRows(&rows).ok());
  CHECK(rows.front().account == "beneficiary:pkh-2026:hh-000001");
  const std::string text = FormatBalancesCsv(rows);
  CHECK(text.starts_with("account,unit,balance\nbeneficiary:pkh-2026:hh-000001,IDR,750000\n"));
  CHECK(text.find("funder:apbn-kemensos,IDR,-1500000000\n") != std::string::npos);
  const auto parsed = ParseBalancesCsv(text);
  REQUIRE(parsed.ok());
  CHECK(*parsed == rows);
  CHECK(ParseBalancesCsv(kBalancesHeader)->empty());
}

TEST_CASE("balances.csv parsing is strict", "[bundle][format]") {
  const std::string header(kBalancesHeader);
  const std::vector<std::string> bad = {
      "",                                      // no header
      "account,unit,amount\n",                 // wrong header
      header + "a,IDR,1",                      // no final newline
      header + "a,IDR\n",                      // two fields
      header + "a,IDR,1,2\n",                  // four fields
      header + "a,IDR,01\n",                   // leading zero
      header + "a,IDR,-0\n",                   // negative zero
      header + "a,IDR,+5\n",                   // sign
      header + "a,IDR,9223372036854775808\n",  // past int64
      header + "a,IDR, 5\n",                   // space
      header + "\"a\",IDR,5\n",                // quotes
      header + "a b,IDR,5\n",                  // space in account
      header + ",IDR,5\n",                     // empty account
      header + "a,,5\n",                       // empty unit
      header + "b,IDR,1\na,IDR,1\n",           // unsorted
      header + "a,IDR,1\na,IDR,2\n",           // repeated
      header + "a,IDR,1\r\n",                  // CRLF
  };
  for (const std::string& text : bad) {
    INFO(text);
    const auto parsed = ParseBalancesCsv(text);
    REQUIRE_FALSE(parsed.ok());
    CHECK(parsed.status().IsCorruption());
    CHECK(parsed.status().field() == "balances.csv");
  }
  CHECK(ParseBalancesCsv(header + "a,IDR,-9223372036854775808\n").ok());
  std::vector<BalanceRow> repeated = {{"a", "IDR", 1}, {"a", "IDR", 2}};
  CHECK_FALSE(SortBalanceRows(&repeated).ok());
  std::vector<BalanceRow> comma = {{"a,b", "IDR", 1}};
  CHECK_FALSE(SortBalanceRows(&comma).ok());
}

TEST_CASE("SHA256SUMS is coreutils' format, sorted, and parsed strictly", "[bundle][format]") {
  const Hash a = Sha256(std::string_view("a")), b = Sha256(std::string_view("b"));
  const std::string text = FormatSha256Sums({{b, "schema/entry.fbs"}, {a, "README.txt"}});
  CHECK(text == ToHex(a) + "  README.txt\n" + ToHex(b) + "  schema/entry.fbs\n");
  const auto parsed = ParseSha256Sums(text);
  REQUIRE(parsed.ok());
  REQUIRE(parsed->size() == 2);
  CHECK((*parsed)[0] == SumsLine{a, "README.txt"});
  // Binary mode and upper-case hex, as other sha256sum tools write them.
  std::string upper = ToHex(a);
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  CHECK(ParseSha256Sums(upper + " *README.txt\n").ok());

  const std::string hex = ToHex(a);
  for (const std::string& line :
       {hex + "  ../etc/passwd\n", hex + "  /etc/passwd\n", hex + "  a//b\n", hex + "  ./a\n",
        hex + "  a/\n", hex + " a\n", hex + "  \n", hex.substr(1) + "  a\n",
        hex + "  a\n" + hex + "  a\n", hex + "  a b\n", hex + "  a"}) {
    INFO(line);
    const auto bad = ParseSha256Sums(line);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().field() == "SHA256SUMS");
  }
  CHECK(IsValidBundleFileName("schema/events.fbs"));
  CHECK_FALSE(IsValidBundleFileName("schema/../x"));
}

TEST_CASE("entries.bin frames are a big-endian length and the exact bytes", "[bundle][format]") {
  std::string out;
  AppendEntryFrame(std::string(300, 'x'), &out);
  AppendEntryFrame("y", &out);
  REQUIRE(out.size() == 4 + 300 + 4 + 1);
  CHECK(out.substr(0, 4) == std::string("\0\0\x01\x2c", 4));
  CHECK(out.substr(304, 5) == std::string("\0\0\0\x01y", 5));
}

TEST_CASE("TreeWatcher keeps the roots at chosen sizes during one walk", "[bundle][tree]") {
  std::mt19937_64 rng(6962);
  for (uint64_t size : {1u, 2u, 3u, 7u, 8u, 9u, 64u, 100u, 255u, 256u, 257u, 1000u}) {
    TreeWatcher watcher;
    std::vector<uint64_t> wanted = {0, 1, size};
    for (int i = 0; i < 5; ++i) wanted.push_back(1 + rng() % size);
    for (uint64_t w : wanted) watcher.WantRoot(w);
    CompactRange range;
    std::vector<Hash> reference(size + 1);
    reference[0] = range.Root();
    for (uint64_t i = 0; i < size; ++i) {
      range.Append(LeafOf(i), watcher.Visitor());
      reference[i + 1] = range.Root();
    }
    for (uint64_t w : wanted) {
      INFO("size " << size << " root at " << w);
      REQUIRE(watcher.RootAt(w).has_value());
      CHECK(*watcher.RootAt(w) == reference[w]);
    }
    CHECK_FALSE(watcher.RootAt(size + 1).has_value());  // never asked for
  }
}

TEST_CASE("TreeWatcher serves the nodes of consistency proofs that verify", "[bundle][tree]") {
  for (uint64_t new_size : {1u, 5u, 8u, 13u, 64u, 77u}) {
    MemoryTree tree(new_size);
    for (uint64_t old_size = 1; old_size <= new_size; ++old_size) {
      TreeWatcher watcher;
      watcher.WantRoot(old_size);
      watcher.WantRoot(new_size);
      const auto plan = PlanConsistency(old_size, new_size);
      REQUIRE(plan.ok());
      for (const NodeId& id : plan->nodes) watcher.WantNode(id);
      CompactRange range;
      for (uint64_t i = 0; i < new_size; ++i) range.Append(LeafOf(i), watcher.Visitor());
      const auto proof = ConsistencyProof(old_size, new_size, watcher);
      REQUIRE(proof.ok());
      CHECK(*proof == ConsistencyProof(old_size, new_size, tree).value());
      INFO("old " << old_size << " new " << new_size);
      CHECK(VerifyConsistency(old_size, new_size, *proof, *watcher.RootAt(old_size),
                              *watcher.RootAt(new_size))
                .ok());
    }
  }
}
