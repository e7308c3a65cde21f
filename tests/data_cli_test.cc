// `lumbung demo` and `lumbung import` as people and scripts use them: exit
// codes, JSON lines on stdout, one human line on stderr.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/ledger/event.h"

#include "test_util.h"

using lumbung::testing::RunCommand;
using nlohmann::json;

using lumbung::testing::Lines;

using lumbung::testing::Has;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;

// Entries in a ledger, counted through `lumbung log`.
size_t Entries(const std::string& data) {
  auto r = RunCommand({kCli, "log", "--data", data, "--limit", "100000"});
  REQUIRE(r.exit_code == 0);
  return Lines(r.out).size();
}

}  // namespace

TEST_CASE("cli: demo records a kelurahan once, then verifies and summarises it", "[cli][demo]") {
  lumbung::testing::TempDir dir;
  const std::string data = dir / "demo";
  auto first = RunCommand({kCli, "demo", "--data", data, "--households", "80", "--seed", "5"});
  INFO(first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(Has(first.err, "recorded"));
  const auto out = Lines(first.out);
  REQUIRE_FALSE(out.empty());
  CHECK(out[0].rfind("ok: ", 0) == 0);
  CHECK(Has(first.out, "origin: lumbung.example/jakarta-timur/duren-sawit"));
  for (const char* id : {"blt-dd-2026", "pkh-2026", "bpnt-2026", "ukm-2026", "kube-2026",
                         "kube-mawar", "PKG_SEMBAKO", "Rp "}) {
    CHECK(Has(first.out, id));
  }
  std::string root;
  for (const auto& line : out) {
    if (line.rfind("root: ", 0) == 0) root = line;
  }
  REQUIRE(root.size() == 6 + 64);

  // A folder that holds a ledger is only verified and summarised.
  auto again = RunCommand({kCli, "demo", "--data", data, "--households", "999"});
  REQUIRE(again.exit_code == 0);
  CHECK_FALSE(Has(again.err, "recorded"));
  CHECK(Has(again.err, "already holds a ledger"));
  CHECK(Has(again.out, root));

  // The verify command agrees with the summary's root.
  auto verify = RunCommand({kCli, "verify", "--data", data});
  CHECK(verify.exit_code == 0);
  CHECK(Has(verify.out, root));
}

TEST_CASE("cli: demo --print writes the same event lines for the same seed", "[cli][demo]") {
  auto a = RunCommand({kCli, "demo", "--print", "--households", "50", "--months", "3"});
  auto b = RunCommand({kCli, "demo", "--print", "--households", "50", "--months", "3"});
  auto c =
      RunCommand({kCli, "demo", "--print", "--households", "50", "--months", "3", "--seed", "2"});
  REQUIRE(a.exit_code == 0);
  CHECK(a.out == b.out);
  CHECK(a.out != c.out);
  const auto lines = Lines(a.out);
  REQUIRE(lines.size() > 100);
  for (const auto& line : lines) REQUIRE(lumbung::DecodeEventJson(line).decode_error.ok());

  auto bad = RunCommand({kCli, "demo", "--print", "--households", "0"});
  CHECK(bad.exit_code == 2);
  CHECK(json::parse(Lines(bad.out).at(0))["error"]["code"] == "invalid_argument");
}

TEST_CASE("cli: import records a list as one batch or names every bad line", "[cli][import]") {
  lumbung::testing::TempDir dir;
  const std::string data = dir / "ledger";
  REQUIRE(
      RunCommand({kCli, "init", "--origin", "lumbung.example/import", "--data", data}).exit_code ==
      0);
  const std::string setup =
      R"({"type":"ProgramOpened","event_id":"open-blt","effective_date":"2026-03-01","program_id":"blt-2026","name":"BLT Dana Desa 2026","kind":"CASH_TRANSFER","unit":"IDR","entitlement_per_cycle":300000,"legal_basis":"Perkades 1/2026"})"
      "\n"
      R"({"type":"FundsAllocated","event_id":"alloc-blt","effective_date":"2026-03-01","program_id":"blt-2026","funder":"dana-desa","amount":3000000,"reference":"SP2D 1/2026"})"
      "\n"
      R"({"type":"CycleOpened","event_id":"open-blt-03","effective_date":"2026-03-01","program_id":"blt-2026","cycle":"2026-03","planned_count":10,"planned_amount":3000000})"
      "\n";
  REQUIRE(RunCommand({kCli, "record", "-", "--data", data}, setup).exit_code == 0);

  std::string enrol = "id_penerima;kode_wilayah;sumber;nama\n";
  std::string pay = "Beneficiary ID,Nominal,Saluran\n";
  for (int i = 1; i <= 10; ++i) {
    const std::string id = "hh-00000" + std::to_string(i - 1);
    enrol += id + ";31.75.07.1005.03.00" + std::to_string(i % 10) + ";musdes;Warga " + id + "\n";
    pay += id + ",300000," + (i % 2 ? "tunai" : "CASH") + "\n";
  }
  lumbung::testing::WriteFile(dir / "enrol.csv", enrol);
  auto enrolled = RunCommand({kCli, "import", "enrolments", dir / "enrol.csv", "--program",
                              "blt-2026", "--effective-date", "2026-03-02", "--data", data});
  INFO(enrolled.err);
  REQUIRE(enrolled.exit_code == 0);
  CHECK(Lines(enrolled.out).size() == 10);
  CHECK(Has(enrolled.err, "nama"));  // the ignored column is named, not recorded
  const size_t before = Entries(data);

  // Line 4 has a thousands separator, line 9 a channel the office mistyped.
  std::string broken = pay;
  broken.replace(broken.find("hh-000002,300000"), 16, "hh-000002,300.000");
  broken.replace(broken.find("hh-000007,300000,CASH"), 21, "hh-000007,300000,CAHS");
  lumbung::testing::WriteFile(dir / "bad.csv", broken);
  auto bad = RunCommand({kCli, "import", "disbursements", dir / "bad.csv", "--program", "blt-2026",
                         "--cycle", "2026-03", "--data", data});
  CHECK(bad.exit_code == 1);
  const auto problems = Lines(bad.out);
  REQUIRE(problems.size() == 2);
  CHECK(json::parse(problems[0])["line"] == 4);
  CHECK(json::parse(problems[0])["error"]["code"] == "invalid_amount");
  CHECK(json::parse(problems[1])["line"] == 9);
  CHECK(json::parse(problems[1])["error"]["field"] == "channel");
  CHECK(Lines(bad.err).size() == 1);
  CHECK(Has(bad.err, "nothing was recorded"));
  CHECK(Entries(data) == before);

  lumbung::testing::WriteFile(dir / "pay.csv", pay);
  const std::vector<std::string> import_pay = {
      kCli,      "import",  "disbursements",    dir / "pay.csv", "--program", "blt-2026",
      "--cycle", "2026-03", "--effective-date", "2026-03-10",    "--data",    data};
  auto good = RunCommand(import_pay);
  INFO(good.err);
  REQUIRE(good.exit_code == 0);
  const auto receipts = Lines(good.out);
  REQUIRE(receipts.size() == 10);
  for (size_t i = 0; i < receipts.size(); ++i) {
    const json r = json::parse(receipts[i]);
    CHECK(r["seq"] == before + i);
    CHECK(r["line"] == i + 2);
    CHECK(r["event_id"] == "blt-2026-2026-03-hh-00000" + std::to_string(i));
  }
  CHECK(Entries(data) == before + 10);

  // The same file again: the original receipts, nothing written.
  auto again = RunCommand(import_pay);
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == good.out);
  CHECK(Has(again.err, "recorded before"));
  CHECK(Entries(data) == before + 10);

  // Problems with the command or the file as a whole.
  auto no_file = RunCommand({kCli, "import", "disbursements", dir / "none.csv", "--program",
                             "blt-2026", "--cycle", "2026-03", "--data", data});
  CHECK(no_file.exit_code == 2);
  auto bad_cycle = RunCommand({kCli, "import", "disbursements", dir / "pay.csv", "--program",
                               "blt-2026", "--cycle", "March", "--data", data});
  CHECK(bad_cycle.exit_code == 2);
  CHECK(Has(bad_cycle.err, "--cycle"));
  lumbung::testing::WriteFile(dir / "nocol.csv", "id_penerima,saluran\nhh-000001,CASH\n");
  auto no_column = RunCommand({kCli, "import", "disbursements", dir / "nocol.csv", "--program",
                               "blt-2026", "--cycle", "2026-03", "--data", data});
  CHECK(no_column.exit_code == 1);
  CHECK(json::parse(Lines(no_column.out).at(0))["error"]["code"] == "missing_column");
}
