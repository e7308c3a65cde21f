// The `lumbung` command as scripts and people use it: exit codes, JSON on
// stdout, one human line on stderr.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/ledger/receipt.h"

#include "../ledger/store/db.h"
#include "tamper.h"
#include "test_util.h"

using namespace lumbung;
using nlohmann::json;
using testing::RunCommand;

using lumbung::testing::Lines;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;

// Self-contained events (each opens programme p-<i>), valid in any order.
std::string Events(int from, int count, int bad_at = -1) {
  std::string out;
  for (int i = from; i < from + count; ++i) {
    out += R"({"type":"ProgramOpened","event_id":"pkh-2026-11-)" + std::to_string(100000 + i) +
           R"(","effective_date":"2026-11-03","program_id":"p-)" + std::to_string(i) +
           R"(","name":"Program )" + std::to_string(i) +
           R"(","kind":"CASH_TRANSFER","unit":"IDR","entitlement_per_cycle":)" +
           (i == bad_at ? std::string("-5") : std::string("750000")) +
           R"(,"legal_basis":"SK 1/2026"})" + "\n";
  }
  return out;
}

struct Fixture {
  testing::TempDir dir;
  std::string data = dir / "data";
  std::string vkey;
  Fixture() {
    auto r = RunCommand({kCli, "init", "--origin", "lumbung.example/test", "--data", data});
    REQUIRE(r.exit_code == 0);
    vkey = Lines(r.out).at(0);
  }
  testing::CommandResult Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kCli);
    args.push_back("--data");
    args.push_back(data);
    return RunCommand(args, input);
  }
};

}  // namespace

TEST_CASE("cli: init prints the verifier key and refuses to overwrite a ledger", "[cli]") {
  Fixture f;
  CHECK(f.vkey.rfind("lumbung.example/test+", 0) == 0);
  auto again = RunCommand({kCli, "init", "--origin", "other", "--data", f.data});
  CHECK(again.exit_code != 0);
  CHECK(json::parse(Lines(again.out).at(0))["error"]["code"] == "failed_precondition");
  CHECK(Lines(again.err).size() == 1);
}

TEST_CASE("cli: record prints one receipt per event and log shows the exact stored bytes",
          "[cli]") {
  Fixture f;
  auto r = f.Run({"record", "-"}, Events(1, 3));
  REQUIRE(r.exit_code == 0);
  const auto receipts = Lines(r.out);
  REQUIRE(receipts.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    const json rec = json::parse(receipts[i]);
    CHECK(rec["seq"] == i + 1);
    CHECK(rec["event_id"] == "pkh-2026-11-10000" + std::to_string(i + 1));
    const auto leaf = audit::HashFromHex(rec["leaf_hash"].get<std::string>());
    REQUIRE(leaf.has_value());
    CHECK(rec["receipt"] == ReceiptCode(*leaf));
  }
  auto log = f.Run({"log", "--from", "1", "--limit", "2"});
  REQUIRE(log.exit_code == 0);
  const auto entries = Lines(log.out);
  REQUIRE(entries.size() == 2);
  const json first = json::parse(entries[0]);
  CHECK(first["seq"] == 1);
  const auto bytes = audit::Base64Decode(first["entry"].get<std::string>());
  REQUIRE(bytes.has_value());
  CHECK(audit::ToHex(audit::LeafHash(std::span<const uint8_t>(
            reinterpret_cast<const uint8_t*>(bytes->data()), bytes->size()))) ==
        first["leaf_hash"]);
  CHECK(first["leaf_hash"] == json::parse(receipts[0])["leaf_hash"]);
  CHECK(first["event"] == json::parse(Lines(Events(1, 1)).at(0)));
}

TEST_CASE("cli: a bad event gets a JSON error, one stderr line, exit 1, and nothing written",
          "[cli]") {
  Fixture f;
  auto r = f.Run({"record", "-"}, Events(1, 5, /*bad_at=*/4));
  CHECK(r.exit_code == 1);
  const auto out = Lines(r.out);
  REQUIRE(out.size() == 1);
  const json error = json::parse(out[0])["error"];
  CHECK(error["code"] == "invalid_amount");
  CHECK(error["field"] == "entitlement_per_cycle");
  CHECK(error["index"] == 3);
  CHECK(error["message"].get<std::string>().find("line 4") != std::string::npos);
  CHECK_FALSE(r.err.empty());
  auto log = f.Run({"log"});
  CHECK(Lines(log.out).size() == 1);  // only entry 0

  auto malformed = f.Run({"record", "-"}, "{\"type\": \n");
  CHECK(malformed.exit_code == 1);
  CHECK(json::parse(Lines(malformed.out).at(0))["error"]["code"] == "malformed_json");
}

TEST_CASE("cli: replaying a file answers the original receipts and writes nothing", "[cli]") {
  Fixture f;
  auto first = f.Run({"record", "-"}, Events(1, 4));
  REQUIRE(first.exit_code == 0);
  auto again = f.Run({"record", "-"}, Events(1, 4));
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == first.out);
  CHECK(again.err.find("already recorded") != std::string::npos);
  CHECK(Lines(f.Run({"log"}).out).size() == 5);
}

TEST_CASE("cli: verify exits 0 on an intact ledger and 1 naming the altered seq", "[cli]") {
  Fixture f;
  REQUIRE(f.Run({"record", "-"}, Events(1, 30)).exit_code == 0);
  auto ok = f.Run({"verify"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.rfind("ok: 31 entries", 0) == 0);
  {
    auto db = store::Db::Open(f.data + "/db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    std::string bytes = testing::StoredEntry(**db, 12);
    bytes[bytes.size() - 20] ^= 0x40;
    testing::ReplaceStoredEntry(**db, 12, bytes);
  }
  auto bad = f.Run({"verify"});
  CHECK(bad.exit_code == 1);
  CHECK(Lines(bad.out).at(0).rfind("FAIL seq 12:", 0) == 0);
  CHECK(Lines(bad.err).size() == 1);
}

TEST_CASE("cli: verify replays the projections, and --chain-only skips that", "[cli]") {
  Fixture f;
  REQUIRE(f.Run({"record", "-"}, Events(1, 12)).exit_code == 0);
  auto ok = f.Run({"verify"});
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("projections equal a replay of the log") != std::string::npos);
  {
    // A programme row nobody recorded: the chain is intact, the projections
    // (what `program` and the API answer) are not.
    auto db = store::Db::Open(f.data + "/db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    REQUIRE(
        (*db)->db()->Put({}, (*db)->state(), store::keys::StateRow("P/p-forged"), "forged").ok());
  }
  auto bad = f.Run({"verify"});
  CHECK(bad.exit_code == 1);
  CHECK(Lines(bad.out).back() == "FAIL the stored projections do not equal a replay of the log");
  CHECK(Lines(bad.err).size() == 1);
  auto chain = f.Run({"verify", "--chain-only"});
  CHECK(chain.exit_code == 0);
  CHECK(chain.out.rfind("ok: 13 entries verified", 0) == 0);
  CHECK(chain.out.find("replay") == std::string::npos);
  CHECK(f.Run({"rebuild"}).exit_code == 1);
}

TEST_CASE("cli: commands on a folder without a ledger say so", "[cli]") {
  testing::TempDir dir;
  auto r = RunCommand({kCli, "log", "--data", dir / "nothing"});
  CHECK(r.exit_code == 2);
  CHECK(json::parse(Lines(r.out).at(0))["error"]["message"].get<std::string>().find(
            "lumbung init") != std::string::npos);
}
