// The query subcommands as scripts and finance officers use them: JSON (JSON
// lines for `balances`) by default, tables with --format table, --as-of-seq
// and --as-of, and unknown ids answered with a JSON error and exit status 2.

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/ledger/query.h"

#include "query_fixture.h"

using namespace lumbung;
using nlohmann::json;

using lumbung::testing::Lines;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;

bool HasLine(const std::string& text, const std::string& a, const std::string& b) {
  for (const std::string& line : Lines(text)) {
    const size_t at = line.find(a);
    if (at != std::string::npos && line.find(b, at + a.size()) != std::string::npos) return true;
  }
  return false;
}

// A closed ledger of `events` for the CLI to open.
struct CliLedger {
  testing::QueryLedger ledger;
  explicit CliLedger(const std::vector<std::string>& events) {
    ledger.AddAll(events);
    ledger.Close();
  }
  testing::CommandResult Run(std::vector<std::string> args) {
    args.insert(args.begin(), kCli);
    args.push_back("--data");
    args.push_back(ledger.dir());
    return testing::RunCommand(args);
  }
  json Json(std::vector<std::string> args) {
    auto r = Run(std::move(args));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(Lines(r.out).size() == 1);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("cli: balance and balances print the §7.1 JSON", "[cli][query]") {
  CliLedger f(testing::PkhEvents());
  CHECK(f.Json({"balance", "program:pkh-2026"}) == json{{"account", "program:pkh-2026"},
                                                        {"unit", "IDR"},
                                                        {"balance", 8550000},
                                                        {"as_of_seq", 20}});
  CHECK(f.Json({"balance", "beneficiary:pkh-2026:hh-002", "--as-of-seq", "13"}) ==
        json{{"account", "beneficiary:pkh-2026:hh-002"},
             {"unit", "IDR"},
             {"balance", 750000},
             {"as_of_seq", 13}});

  auto all = f.Run({"balances"});
  REQUIRE(all.exit_code == 0);
  const auto lines = Lines(all.out);
  REQUIRE(lines.size() == 7);
  CHECK(json::parse(lines[0]) ==
        json{{"account", "beneficiary:pkh-2026:hh-001"}, {"unit", "IDR"}, {"balance", 1500000}});
  CHECK(json::parse(lines[6]) ==
        json{{"account", "program:pkh-2026"}, {"unit", "IDR"}, {"balance", 8550000}});
  int64_t sum = 0;
  for (const std::string& line : lines) {
    const json b = json::parse(line);
    CHECK(b.size() == 3);
    sum += b["balance"].get<int64_t>();
  }
  CHECK(sum == 0);

  auto early = f.Run({"balances", "--as-of-seq", "13"});
  REQUIRE(early.exit_code == 0);
  CHECK(HasLine(early.out, "\"program:pkh-2026\"", "9150000"));

  auto table = f.Run({"balances", "--format", "table"});
  REQUIRE(table.exit_code == 0);
  CHECK(HasLine(table.out, "program:pkh-2026", "Rp 8.550.000"));
  CHECK(HasLine(table.out, "funder:apbn-kemensos", "-Rp 10.000.000"));
  const auto rows = Lines(table.out);
  REQUIRE(rows.size() == 9);  // header, rule, 7 accounts
  for (const std::string& row : rows) CHECK(row.size() == rows[1].size());  // right-aligned
}

TEST_CASE("cli: programme, cycle and beneficiary answers, as JSON and as tables", "[cli][query]") {
  CliLedger f(testing::PkhEvents());
  const json p = f.Json({"program", "pkh-2026"});
  CHECK(p["totals"]["remaining"]["value"] == 8550000);
  CHECK(p["absorption"]["value"] == "24.58%");
  CHECK(f.Json({"program", "pkh-2026", "--as-of-seq", "13"})["totals"]["disbursed"]["value"] ==
        2850000);
  CHECK(f.Json({"program", "pkh-2026", "--region",
                "31.75.07.1005.03"})["regions"]["total"]["paid_amount"] == 1500000);

  auto table = f.Run({"program", "pkh-2026", "--format", "table"});
  REQUIRE(table.exit_code == 0);
  CHECK(HasLine(table.out, "Remaining", "Rp 8.550.000"));
  CHECK(HasLine(table.out, "Absorption", "24.58%"));
  CHECK(HasLine(table.out, "2026-Q1", "73.33%"));
  CHECK(HasLine(table.out, "31.75.07.1005.030", "Rp 700.000"));
  CHECK(table.out.find("Notes") != std::string::npos);
  CHECK(table.out.find("(disbursed + granted) / allocated") != std::string::npos);

  auto cycle = f.Run({"cycle", "pkh-2026", "2026-Q1", "--format", "table"});
  REQUIRE(cycle.exit_code == 0);
  CHECK(HasLine(cycle.out, "Paid", "Rp 2.200.000"));
  CHECK(HasLine(cycle.out, "Absorption (count)", "75.00%"));
  CHECK(f.Json({"cycle", "pkh-2026", "2026-Q2"})["paid"]["count"] == 1);

  const json b = f.Json({"beneficiary", "pkh-2026", "hh-004"});
  CHECK(b["entries"][2]["receipt"] == f.ledger.ReceiptOf(14));
  auto statement = f.Run({"beneficiary", "pkh-2026", "hh-004", "--format", "table"});
  REQUIRE(statement.exit_code == 0);
  CHECK(HasLine(statement.out, "EventCorrected", f.ledger.ReceiptOf(14)));
  CHECK(HasLine(statement.out, "AidDisbursed", "Rp 600.000"));
}

TEST_CASE("cli: group, loan and portfolio metrics take --as-of and --as-of-seq", "[cli][query]") {
  CliLedger f(testing::KubeEvents());
  const json g = f.Json({"group", "kube-mawar", "--as-of", "2026-04-20", "--as-of-seq", "29"});
  CHECK(g["as_of"] == "2026-04-20");
  CHECK(g["as_of_source"] == "given");
  CHECK(g["portfolio"]["par_1"]["value"] == "94.74%");
  CHECK(f.Json({"group", "kube-mawar"})["as_of_source"] == "last_entry");

  auto group = f.Run(
      {"group", "kube-mawar", "--as-of", "2026-04-20", "--as-of-seq", "29", "--format", "table"});
  REQUIRE(group.exit_code == 0);
  CHECK(HasLine(group.out, "PAR (not restructured)", "PAR-1 94.74%, PAR-30 42.11%"));
  CHECK(HasLine(group.out, "Repayment rate", "76.47%"));
  CHECK(HasLine(group.out, "mawar-002", "Rp 700.000"));
  CHECK(HasLine(group.out, "1-30", "Rp 1.000.000"));

  auto loan = f.Run({"loan", "mawar-002", "--as-of", "2026-04-20", "--format", "table"});
  REQUIRE(loan.exit_code == 0);
  CHECK(HasLine(loan.out, "Days past due", "46"));
  CHECK(HasLine(loan.out, "2026-03-05", "overdue"));
  CHECK(HasLine(loan.out, "EventCorrected", f.ledger.ReceiptOf(17)));

  const json pf = f.Json({"portfolio", "--as-of", "2026-06-15", "--as-of-seq", "31"});
  CHECK(pf["totals"][0]["par_90"]["value"] == "44.44%");
  CHECK(pf["groups"][0]["group_id"] == "kube-mawar");
  auto portfolio = f.Run({"portfolio", "--group", "kube-mawar", "--as-of", "2026-06-15",
                          "--as-of-seq", "31", "--format", "table"});
  REQUIRE(portfolio.exit_code == 0);
  CHECK(HasLine(portfolio.out, "Arrears rate", "76.67%"));
  CHECK(HasLine(portfolio.out, "kube-mawar", "44.44%"));
}

TEST_CASE("cli: unknown ids and bad options are clear errors with exit status 2", "[cli][query]") {
  CliLedger f(testing::PkhEvents());
  struct Case {
    std::vector<std::string> args;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{"program", "pkh-2027"}, "unknown_program"},
      {{"cycle", "pkh-2026", "2026-Q4"}, "unknown_cycle"},
      {{"beneficiary", "pkh-2026", "hh-999"}, "unknown_beneficiary"},
      {{"group", "kube-x"}, "unknown_group"},
      {{"loan", "loan-x", "--format", "table"}, "unknown_loan"},
      {{"portfolio", "--group", "kube-x"}, "unknown_group"},
      {{"balance", "program:pkh-2027"}, "unknown_account"},
      {{"balance", "wallet:x"}, "invalid_argument"},
      {{"balances", "--as-of-seq", "21"}, "invalid_argument"},
      {{"portfolio", "--as-of", "2026-13-01"}, "invalid_argument"},
  };
  for (const Case& c : cases) {
    INFO(c.args[0] << " " << c.args[1]);
    auto r = f.Run(c.args);
    CHECK(r.exit_code == 2);
    const auto out = Lines(r.out);
    REQUIRE(out.size() == 1);
    CHECK(json::parse(out[0])["error"]["code"] == c.code);
    CHECK(Lines(r.err).size() == 1);
  }
  CHECK(f.Run({"program", "pkh-2026", "--format", "xml"}).exit_code == 2);
}
