// `lumbung checkpoint` and `lumbung prove` as outside tools drive them: the
// JSON of DESIGN §7.1, checked with audit's own verifiers.

#include <map>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/merkle.h"
#include "lumbung/audit/note.h"

#include "audit_fixture.h"

using namespace lumbung;
using nlohmann::json;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;

struct CliLedger {
  testing::TempDir dir;
  std::string data = dir / "data";
  std::string vkey;
  explicit CliLedger(int households) {
    testing::MakeProgrammeLedger(data, households);
    vkey = testing::OpenForTest(data, /*read_only=*/true)->verifier_key();
  }
  testing::CommandResult Run(std::vector<std::string> args) const {
    args.insert(args.begin(), kCli);
    args.push_back("--data");
    args.push_back(data);
    return testing::RunCommand(args);
  }
};

audit::Hash HexHash(const json& value) {
  const auto hash = audit::HashFromHex(value.get<std::string>());
  REQUIRE(hash.has_value());
  REQUIRE(value.get<std::string>() == audit::ToHex(*hash));  // lowercase, canonical
  return *hash;
}

std::vector<audit::Hash> HexHashes(const json& list) {
  std::vector<audit::Hash> out;
  for (const json& h : list) out.push_back(HexHash(h));
  return out;
}

json RunJson(const CliLedger& ledger, const std::vector<std::string>& args) {
  const auto r = ledger.Run(args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return json::parse(r.out);
}

void CheckUsageError(const CliLedger& ledger, const std::vector<std::string>& args,
                     const std::string& field) {
  const auto r = ledger.Run(args);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 2);
  const json error = json::parse(r.out)["error"];
  CHECK(error["code"] == "out_of_range");
  CHECK(error["field"] == field);
  CHECK_FALSE(r.err.empty());
}

audit::Checkpoint OpenNote(const std::string& note, const std::string& vkey) {
  auto key = audit::NoteVerifierKey::Parse(vkey);
  REQUIRE(key.ok());
  auto opened = audit::OpenNote(note, std::span(&*key, 1));
  REQUIRE(opened.ok());
  return audit::ParseCheckpoint(opened->text).value();
}

}  // namespace

TEST_CASE("cli: checkpoint prints the signed note, and the same note again", "[cli][checkpoint]") {
  CliLedger ledger(10);
  const auto first = ledger.Run({"checkpoint"});
  REQUIRE(first.exit_code == 0);
  const audit::Checkpoint checkpoint = OpenNote(first.out, ledger.vkey);
  CHECK(checkpoint.size == 24);
  CHECK(checkpoint.origin == testing::kAuditOrigin);
  CHECK(ledger.Run({"checkpoint"}).out == first.out);
  const auto sized = ledger.Run({"checkpoint", "--size", "7"});
  REQUIRE(sized.exit_code == 0);
  CHECK(OpenNote(sized.out, ledger.vkey).size == 7);
  // The root it signs is the root of the inclusion proofs of that size.
  const json proof = RunJson(ledger, {"prove", "inclusion", "--seq", "3", "--size", "7"});
  CHECK(HexHash(proof["root"]) == OpenNote(sized.out, ledger.vkey).root);
  CheckUsageError(ledger, {"checkpoint", "--size", "0"}, "size");
  CheckUsageError(ledger, {"checkpoint", "--size", "25"}, "size");
}

TEST_CASE("cli: inclusion proofs verify for many (seq, size) pairs", "[cli][proof]") {
  CliLedger ledger(24);  // 52 entries
  const uint64_t head = 52;
  std::vector<audit::Hash> leaves;
  std::istringstream log(ledger.Run({"log", "--limit", "100"}).out);
  for (std::string line; std::getline(log, line);) {
    leaves.push_back(HexHash(json::parse(line)["leaf_hash"]));
  }
  REQUIRE(leaves.size() == head);
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (uint64_t size : {1u, 2u, 3u, 8u, 9u, 32u, 33u, 52u}) {
    for (uint64_t seq : {uint64_t{0}, size / 2, size - 1}) {
      if (pairs.empty() || pairs.back() != std::make_pair(seq, size)) pairs.emplace_back(seq, size);
    }
  }
  for (const auto& [seq, size] : pairs) {
    INFO("seq " << seq << " size " << size);
    const json proof = RunJson(ledger, {"prove", "inclusion", "--seq", std::to_string(seq),
                                        "--size", std::to_string(size)});
    CHECK(proof["leaf_index"] == seq);
    CHECK(proof["tree_size"] == size);
    const audit::Hash leaf = HexHash(proof["leaf_hash"]);
    CHECK(leaf == leaves[seq]);
    const std::vector<audit::Hash> path = HexHashes(proof["proof"]);
    const audit::Hash root = HexHash(proof["root"]);
    CHECK(audit::VerifyInclusion(seq, size, leaf, path, root).ok());
    if (!path.empty()) {
      std::vector<audit::Hash> flipped = path;
      flipped.back()[5] ^= 0x10;
      CHECK_FALSE(audit::VerifyInclusion(seq, size, leaf, flipped, root).ok());
    }
  }
  // --size defaults to the head.
  const json at_head = RunJson(ledger, {"prove", "inclusion", "--seq", "40"});
  CHECK(at_head["tree_size"] == head);
  CheckUsageError(ledger, {"prove", "inclusion", "--seq", "52"}, "seq");
  CheckUsageError(ledger, {"prove", "inclusion", "--seq", "5", "--size", "5"}, "seq");
  CheckUsageError(ledger, {"prove", "inclusion", "--seq", "1", "--size", "53"}, "size");
  CHECK(ledger.Run({"prove", "inclusion"}).exit_code == 2);  // --seq is required
}

TEST_CASE("cli: consistency proofs verify for many (old, new) pairs", "[cli][proof]") {
  CliLedger ledger(24);  // 52 entries
  std::map<uint64_t, audit::Hash> roots;
  auto root_of = [&](uint64_t size) {
    if (roots.count(size) == 0) {
      roots[size] = HexHash(RunJson(
          ledger, {"prove", "inclusion", "--seq", "0", "--size", std::to_string(size)})["root"]);
    }
    return roots[size];
  };
  for (uint64_t old_size : {1u, 3u, 7u, 16u, 31u, 52u}) {
    for (uint64_t new_size : {old_size, old_size + 1, uint64_t{32}, uint64_t{52}}) {
      if (new_size < old_size || new_size > 52) continue;
      INFO("old " << old_size << " new " << new_size);
      const json proof = RunJson(ledger, {"prove", "consistency", "--old", std::to_string(old_size),
                                          "--new", std::to_string(new_size)});
      CHECK(proof["old_size"] == old_size);
      CHECK(proof["new_size"] == new_size);
      const audit::Hash old_root = HexHash(proof["old_root"]);
      const audit::Hash new_root = HexHash(proof["new_root"]);
      CHECK(old_root == root_of(old_size));
      CHECK(new_root == root_of(new_size));
      const std::vector<audit::Hash> path = HexHashes(proof["proof"]);
      CHECK(audit::VerifyConsistency(old_size, new_size, path, old_root, new_root).ok());
    }
  }
  const json to_head = RunJson(ledger, {"prove", "consistency", "--old", "20"});
  CHECK(to_head["new_size"] == 52);
  CheckUsageError(ledger, {"prove", "consistency", "--old", "0"}, "old");
  CheckUsageError(ledger, {"prove", "consistency", "--old", "9", "--new", "8"}, "old");
  CheckUsageError(ledger, {"prove", "consistency", "--old", "9", "--new", "53"}, "new");
}
