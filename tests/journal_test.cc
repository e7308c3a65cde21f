// `lumbung export journal` read by hledger, as finance staff use it: the
// balances hledger computes from the journal are the ledger's own, for every
// account of the demo kelurahan, at the head and as of earlier seqs; every
// money event is one transaction tagged with its seq and event_id.
//
// Needs hledger on the PATH (scripts/setup installs Debian's).

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test_util.h"

using lumbung::testing::CommandResult;
using lumbung::testing::RunCommand;
using nlohmann::json;

using lumbung::testing::Lines;

using lumbung::testing::Has;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;

// `name` found on the PATH, or "" (RunCommand needs a path).
std::string FindProgram(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    const std::string candidate = dirs.substr(start, colon - start) + "/" + name;
    std::error_code ec;
    if (colon > start && std::filesystem::is_regular_file(candidate, ec)) return candidate;
    start = colon + 1;
  }
  return "";
}

std::string Hledger() {
  static const std::string path = FindProgram("hledger");
  if (path.empty()) FAIL("hledger is not on the PATH; scripts/setup installs it");
  return path;
}

// One CSV record of hledger's output ("a","b",...; quotes doubled inside).
std::vector<std::string> CsvFields(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back() += '"';
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back() += c;
    }
  }
  return fields;
}

struct Held {
  std::string unit;  // "" when hledger shows a bare 0
  int64_t balance = 0;
  friend bool operator==(const Held&, const Held&) = default;
};

// hledger's balance of every account the journal declares, even those that
// hold nothing: one row per account and commodity.
std::map<std::string, std::vector<Held>> HledgerBalances(const std::string& journal) {
  const CommandResult r = RunCommand({Hledger(), "-f", journal, "balance", "--flat", "--no-total",
                                      "--declared", "--empty", "--layout=bare", "-O", "csv"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  const auto lines = Lines(r.out);
  REQUIRE_FALSE(lines.empty());
  REQUIRE(CsvFields(lines[0]) == std::vector<std::string>{"account", "commodity", "balance"});
  std::map<std::string, std::vector<Held>> out;
  for (size_t i = 1; i < lines.size(); ++i) {
    const auto f = CsvFields(lines[i]);
    REQUIRE(f.size() == 3);
    out[f[0]].push_back(Held{f[1], std::stoll(f[2])});
  }
  return out;
}

// Every account of `lumbung balances` has the same balance in hledger (in
// the same unit, unless it is zero), and hledger knows no other account.
// Returns how many accounts hold something.
size_t CheckSameBalances(const std::string& data, const std::string& journal,
                         const std::vector<std::string>& as_of) {
  std::vector<std::string> args = {kCli, "balances", "--data", data};
  args.insert(args.end(), as_of.begin(), as_of.end());
  const CommandResult r = RunCommand(args);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  auto hledger = HledgerBalances(journal);
  size_t nonzero = 0;
  for (const std::string& line : Lines(r.out)) {
    const json row = json::parse(line);
    const std::string account = row["account"];
    const int64_t balance = row["balance"];
    INFO(account << " holds " << balance << " " << row["unit"].get<std::string>());
    const auto it = hledger.find(account);
    REQUIRE(it != hledger.end());
    REQUIRE(it->second.size() == 1);
    CHECK(it->second[0].balance == balance);
    if (balance != 0) {
      CHECK(it->second[0].unit == row["unit"]);
      ++nonzero;
    }
    hledger.erase(it);
  }
  CHECK(hledger.empty());
  return nonzero;
}

CommandResult Export(const std::string& data, std::vector<std::string> more = {}) {
  std::vector<std::string> args = {kCli, "export", "journal", "--data", data};
  args.insert(args.end(), more.begin(), more.end());
  return RunCommand(args);
}

// The demo kelurahan, recorded once for the whole program. The folder is a
// static, not a leaked pointer, so that it is removed at exit (every run
// used to leave its 6 MB ledger in the temporary folder).
const std::string& DemoLedger() {
  static const lumbung::testing::TempDir dir;
  static const std::string data = [] {
    const std::string d = dir / "demo";
    const CommandResult r = RunCommand({kCli, "demo", "--data", d, "--households", "200"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return d;
  }();
  return data;
}

struct Transaction {
  std::string date;
  std::string description;
  uint64_t seq = 0;
  std::string event_id;
};

// The transaction header lines of a journal: "DATE DESCRIPTION  ; seq:N, event_id:E".
std::vector<Transaction> Transactions(const std::string& journal_text) {
  std::vector<Transaction> out;
  for (const std::string& line : Lines(journal_text)) {
    if (line.empty() || line[0] == ' ' || line[0] == ';' || line.starts_with("commodity ") ||
        line.starts_with("account ")) {
      continue;
    }
    const size_t tags = line.find("  ; seq:");
    const size_t id = line.find(", event_id:");
    REQUIRE(tags != std::string::npos);
    REQUIRE(id != std::string::npos);
    out.push_back(Transaction{line.substr(0, 10), line.substr(11, tags - 11),
                              std::stoull(line.substr(tags + 8, id - tags - 8)),
                              line.substr(id + 11)});
  }
  return out;
}

bool IsMoneyEvent(const std::string& type) {
  static const std::set<std::string> kMoney = {
      "FundsAllocated", "FundsReturned", "AidDisbursed",   "DisbursementReturned", "CapitalGranted",
      "LoanIssued",     "LoanRepaid",    "LoanWrittenOff", "EventCorrected"};
  return kMoney.contains(type);
}

}  // namespace

TEST_CASE("journal: hledger balances of the demo ledger equal lumbung balances", "[cli][journal]") {
  const std::string& data = DemoLedger();
  lumbung::testing::TempDir dir;

  const CommandResult out = Export(data);
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  CHECK(out.err.empty());
  const std::string journal = dir / "demo.journal";
  lumbung::testing::WriteFile(journal, out.out);

  // hledger reads it whole, every account and commodity declared.
  const CommandResult check =
      RunCommand({Hledger(), "-f", journal, "check", "accounts", "commodities"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(CheckSameBalances(data, journal, {}) > 100);

  // --out writes the same text and answers with a summary line.
  const std::string file = dir / "out.journal";
  const CommandResult to_file = Export(data, {"--out", file});
  INFO(to_file.err);
  REQUIRE(to_file.exit_code == 0);
  CHECK(lumbung::testing::ReadFile(file) == out.out);
  const json summary = json::parse(to_file.out);
  CHECK(summary["journal"] == file);

  // One transaction per money event, in seq order, tagged and dated by it.
  const CommandResult log = RunCommand({kCli, "log", "--data", data, "--limit", "100000"});
  REQUIRE(log.exit_code == 0);
  const auto entries = Lines(log.out);
  CHECK(summary["as_of_seq"] == entries.size());
  std::vector<uint64_t> money;
  for (const std::string& line : entries) {
    const json entry = json::parse(line);
    if (IsMoneyEvent(entry["event"]["type"])) money.push_back(entry["seq"]);
  }
  const auto transactions = Transactions(out.out);
  CHECK(summary["transactions"] == transactions.size());
  std::vector<uint64_t> seqs;
  for (const Transaction& t : transactions) {
    seqs.push_back(t.seq);
    const json event = json::parse(entries.at(t.seq))["event"];
    INFO("seq " << t.seq);
    CHECK(t.event_id == event["event_id"]);
    CHECK(t.date == event["effective_date"]);
    CHECK(t.description.starts_with(event["type"].get<std::string>()));
  }
  CHECK(seqs == money);

  // An existing file is never overwritten.
  const CommandResult again = Export(data, {"--out", file});
  CHECK(again.exit_code == 2);
  CHECK(json::parse(Lines(again.out).at(0)).contains("error"));
  CHECK(Lines(again.err).size() == 1);
  CHECK(lumbung::testing::ReadFile(file) == out.out);
}

TEST_CASE("journal: --as-of-seq N gives the balances of lumbung balances --as-of-seq N",
          "[cli][journal]") {
  const std::string& data = DemoLedger();
  lumbung::testing::TempDir dir;
  const CommandResult head = Export(data);
  REQUIRE(head.exit_code == 0);
  const uint64_t size =
      Lines(RunCommand({kCli, "log", "--data", data, "--limit", "100000"}).out).size();
  REQUIRE(size > 1000);

  for (const uint64_t n : {uint64_t{0}, uint64_t{1}, size / 5, size / 2 + 1, size - 1}) {
    INFO("as of seq " << n);
    const CommandResult out = Export(data, {"--as-of-seq", std::to_string(n)});
    INFO(out.err);
    REQUIRE(out.exit_code == 0);
    const std::string journal = dir / ("as-of-" + std::to_string(n) + ".journal");
    lumbung::testing::WriteFile(journal, out.out);
    CHECK(Has(out.out, "; as of seq " + std::to_string(n) + ":"));
    CheckSameBalances(data, journal, {"--as-of-seq", std::to_string(n)});
    for (const Transaction& t : Transactions(out.out)) REQUIRE(t.seq < n);
  }
  // As of the size is the head's journal.
  CHECK(Export(data, {"--as-of-seq", std::to_string(size)}).out == head.out);

  // Past the head: a usage error, as `balances` answers it.
  const CommandResult past = Export(data, {"--as-of-seq", std::to_string(size + 1)});
  CHECK(past.exit_code == 2);
  REQUIRE(Lines(past.out).size() == 1);
  CHECK(json::parse(past.out)["error"]["code"] == "invalid_argument");
  CHECK(Lines(past.err).size() == 1);
}

TEST_CASE("journal: postings as the rules make them, corrections as reversal and replacement",
          "[cli][journal]") {
  lumbung::testing::TempDir dir;
  const std::string data = dir / "ledger";
  REQUIRE(
      RunCommand({kCli, "init", "--origin", "lumbung.example/journal", "--data", data}).exit_code ==
      0);
  // seq 1..12; KG2 is a unit whose symbol hledger needs quoted.
  const std::string events =
      R"({"type":"ProgramOpened","event_id":"open-pkh","effective_date":"2026-01-02","program_id":"pkh-2026","name":"PKH 2026","kind":"CONDITIONAL_CASH","unit":"IDR","legal_basis":"SK 1/2026"})"
      "\n"
      R"({"type":"ProgramOpened","event_id":"open-beras","effective_date":"2026-01-02","program_id":"beras-2026","name":"Beras 2026","kind":"FOOD","unit":"KG2","legal_basis":"SK 2/2026"})"
      "\n"
      R"({"type":"FundsAllocated","event_id":"alloc-pkh","effective_date":"2026-01-05","program_id":"pkh-2026","funder":"apbn","amount":1500000000,"reference":"DIPA 1"})"
      "\n"
      R"({"type":"FundsAllocated","event_id":"alloc-beras","effective_date":"2026-01-05","program_id":"beras-2026","funder":"bulog","amount":40,"reference":"SPPB 7"})"
      "\n"
      R"({"type":"CycleOpened","event_id":"cyc-pkh","effective_date":"2026-01-10","program_id":"pkh-2026","cycle":"2026-11","planned_count":10,"planned_amount":9000000})"
      "\n"
      R"({"type":"CycleOpened","event_id":"cyc-beras","effective_date":"2026-01-10","program_id":"beras-2026","cycle":"2026-11","planned_count":10,"planned_amount":40})"
      "\n"
      R"({"type":"BeneficiaryEnrolled","event_id":"enr-1","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-000017","region_code":"31.75.07.1005","source":"DTSEN"})"
      "\n"
      R"({"type":"BeneficiaryEnrolled","event_id":"enr-2","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-000018","region_code":"31.75.07.1005","source":"DTSEN"})"
      "\n"
      R"({"type":"BeneficiaryEnrolled","event_id":"enr-3","effective_date":"2026-01-08","program_id":"beras-2026","beneficiary_id":"hh-000017","region_code":"31.75.07.1005","source":"DTSEN"})"
      "\n"
      R"({"type":"AidDisbursed","event_id":"pkh-2026-11-000017","effective_date":"2026-11-03","program_id":"pkh-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":750000,"channel":"BANK","provider_ref":"BRI 8812-0031"})"
      "\n"
      R"({"type":"EventCorrected","event_id":"fix-10","effective_date":"2026-11-04","target_seq":10,"reason":"nominal salah ketik","replacement":{"type":"AidDisbursed","program_id":"pkh-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":700000,"channel":"BANK"}})"
      "\n"
      R"({"type":"AidDisbursed","event_id":"beras-11-000017","effective_date":"2026-11-05","program_id":"beras-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":5,"channel":"IN_KIND"})"
      "\n";
  const CommandResult recorded = RunCommand({kCli, "record", "-", "--data", data}, events);
  INFO(recorded.out << recorded.err);
  REQUIRE(recorded.exit_code == 0);

  const CommandResult out = Export(data);
  INFO(out.err);
  REQUIRE(out.exit_code == 0);
  const std::string& text = out.out;
  CHECK(
      text.starts_with("; lumbung journal of lumbung.example/journal\n"
                       "; as of seq 13: entries [0, 13), Merkle root "));
  CHECK(Has(text,
            "\n2026-01-05 FundsAllocated pkh-2026 apbn  ; seq:3, event_id:alloc-pkh\n"
            "    funder:apbn       -1500000000 IDR\n"
            "    program:pkh-2026   1500000000 IDR\n\n"));
  CHECK(Has(text,
            "\n2026-11-03 AidDisbursed pkh-2026 hh-000017 2026-11  ; seq:10, "
            "event_id:pkh-2026-11-000017\n"
            "    program:pkh-2026                -750000 IDR\n"
            "    beneficiary:pkh-2026:hh-000017   750000 IDR\n\n"));
  CHECK(Has(text,
            "\n2026-11-04 EventCorrected seq 10, replaced by AidDisbursed pkh-2026 hh-000017 "
            "2026-11  ; seq:11, event_id:fix-10\n"
            "    program:pkh-2026                 750000 IDR\n"
            "    beneficiary:pkh-2026:hh-000017  -750000 IDR\n"
            "    program:pkh-2026                -700000 IDR\n"
            "    beneficiary:pkh-2026:hh-000017   700000 IDR\n\n"));
  CHECK(Has(text, "    beneficiary:beras-2026:hh-000017   5 \"KG2\"\n"));
  // Free text stays out: references, reasons, provider references.
  CHECK_FALSE(Has(text, "DIPA"));
  CHECK_FALSE(Has(text, "salah ketik"));
  CHECK_FALSE(Has(text, "BRI"));
  // Declarations: both units; every account, the one never paid included.
  CHECK(Has(text, "\ncommodity 1.000, IDR\ncommodity 1.000, \"KG2\"\n"));
  CHECK(Has(text, "\naccount beneficiary:pkh-2026:hh-000018\n"));

  const auto transactions = Transactions(text);
  std::vector<uint64_t> seqs;
  for (const Transaction& t : transactions) seqs.push_back(t.seq);
  CHECK(seqs == std::vector<uint64_t>{3, 4, 10, 11, 12});

  const std::string journal = dir / "small.journal";
  lumbung::testing::WriteFile(journal, text);
  const CommandResult check =
      RunCommand({Hledger(), "-f", journal, "check", "accounts", "commodities"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
  CHECK(CheckSameBalances(data, journal, {}) == 6);
  // hledger shows IDR with Indonesian grouping and no decimals.
  const CommandResult shown =
      RunCommand({Hledger(), "-f", journal, "balance", "beneficiary:pkh-2026:hh-000017"});
  CHECK(Has(shown.out, "700.000 IDR"));
}
