// Importing recipient lists: CSV as spreadsheets save it, every bad row
// named by its line, and all rows recorded as one batch or none.

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/import/csv_import.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"

#include "test_util.h"

using namespace lumbung;
using nlohmann::json;

namespace {

const import::DisbursementOptions kPay{"pkh-2026", "2026-Q1", "2026-02-20", "pkh-2026-q1"};
const import::EnrolmentOptions kEnrol{"pkh-2026", "2026-01-05", "DTSEN"};

import::ParsedFile ParsePay(const std::string& csv){std::istringstream in(csv);
auto parsed = import::ParseDisbursements(in, kPay);
INFO((parsed.ok() ? std::string("ok") : parsed.status().ToString()));
REQUIRE(parsed.ok());
return std::move(*parsed);
}  // namespace

// The event JSON an imported row became.
json EventOf(const EventInput& input) {
  REQUIRE(input.decode_error.ok());
  std::string scratch;
  Status st;
  const fb::EventBody* body = VerifyEventBody(input.body, &scratch, &st);
  REQUIRE(body != nullptr);
  return json::parse(EventBodyToJson(*body));
}

std::map<size_t, std::string> ProblemCodes(const std::vector<import::RowProblem>& problems) {
  std::map<size_t, std::string> out;
  for (const auto& p : problems) out[p.line] = std::string(p.status.reason());
  return out;
}

std::string Rows(size_t count, size_t bad_at = 0, const std::string& bad_row = "") {
  std::string csv = "beneficiary_id,amount,channel,provider_ref\n";
  for (size_t i = 1; i <= count; ++i) {
    // Line i + 1 holds row i.
    if (i + 1 == bad_at) {
      csv += bad_row + "\n";
      continue;
    }
    const std::string id = "hh-" + std::to_string(100000 + i);
    csv += id + ",300000,BANK,BRI/" + id + "\n";
  }
  return csv;
}

}  // namespace

TEST_CASE("import: headers are matched by alias and case, other columns are ignored", "[import]") {
  // An Indonesian-locale spreadsheet: semicolons, a byte-order mark, CRLF,
  // names the office keeps beside the data.
  const auto file = ParsePay(
      "\xEF\xBB\xBFNama;ID Penerima;NOMINAL;Saluran;Referensi\r\n"
      "Siti Aminah;hh-000017;750000;bank;BRI-2026Q1-0017\r\n"
      "\"Budi; Santoso\";hh-000018;450000;Transfer;\r\n"
      "Wati;hh-000019;450000;TUNAI;\r\n");
  REQUIRE(file.problems.empty());
  REQUIRE(file.events.size() == 3);
  CHECK(file.rows == 3);
  CHECK(file.lines == std::vector<size_t>{2, 3, 4});
  CHECK(file.ignored_columns == std::vector<std::string>{"Nama"});
  const json first = EventOf(file.events[0]);
  CHECK(first["type"] == "AidDisbursed");
  CHECK(first["event_id"] == "pkh-2026-2026-Q1-hh-000017");
  CHECK(first["program_id"] == "pkh-2026");
  CHECK(first["cycle"] == "2026-Q1");
  CHECK(first["effective_date"] == "2026-02-20");
  CHECK(first["beneficiary_id"] == "hh-000017");
  CHECK(first["amount"] == 750000);
  CHECK(first["channel"] == "BANK");
  CHECK(first["batch_id"] == "pkh-2026-q1");
  CHECK(first["provider_ref"] == "BRI-2026Q1-0017");
  CHECK(EventOf(file.events[1])["channel"] == "BANK");
  CHECK_FALSE(EventOf(file.events[1]).contains("provider_ref"));  // an empty cell is no field
  CHECK(EventOf(file.events[2])["channel"] == "CASH");

  const auto english = ParsePay("Beneficiary,Amount,CHANNEL\nhh-1,1,in-kind\n");
  REQUIRE(english.events.size() == 1);
  CHECK(EventOf(english.events[0])["channel"] == "IN_KIND");
}

TEST_CASE("import: every bad row is reported with its line and reason", "[import]") {
  const auto file = ParsePay(
      "beneficiary_id,amount,channel\n"    // 1
      "hh-1,300000,BANK\n"                 // 2 good
      "hh-2,300.000,BANK\n"                // 3 thousands separator
      "hh-3,300000.50,BANK\n"              // 4 decimals
      "\n"                                 // 5 blank: skipped
      "hh-4,,BANK\n"                       // 6 no amount
      "hh-5,Rp 300000,BANK\n"              // 7 currency sign
      "hh-6,-300000,BANK\n"                // 8 negative
      "hh-7,0,BANK\n"                      // 9 zero
      "hh-8,300000,GIRO\n"                 // 10 unknown channel
      "hh 9,300000,BANK\n"                 // 11 bad id
      "hh-10,30\"0,BANK\n"                 // 12 stray quote
      "hh-1,300000,BANK\n"                 // 13 same beneficiary as line 2
      "hh-11,300000,BANK,extra\n"          // 14 more fields than the header
      "\"hh-12\",\"300000\",\"BA\nNK\"\n"  // 15-16 a quoted field over two lines
      "hh-13,99999999999999999999,BANK\n"  // 17 too large
      "hh-14\n"                            // 18 short row
      "hh-15,300000,pos\n");               // 19 good
  const auto codes = ProblemCodes(file.problems);
  const std::map<size_t, std::string> expected = {
      {3, "invalid_amount"},  {4, "invalid_amount"}, {6, "missing_field"},  {7, "invalid_amount"},
      {8, "invalid_amount"},  {9, "invalid_amount"}, {10, "invalid_field"}, {11, "invalid_field"},
      {12, "malformed_row"},  {13, "duplicate_row"}, {14, "malformed_row"}, {15, "invalid_field"},
      {17, "invalid_amount"}, {18, "missing_field"}};
  CHECK(codes == expected);
  CHECK(file.lines == std::vector<size_t>{2, 19});
  CHECK(file.rows == 16);
  for (const auto& p : file.problems) {
    if (p.line == 3) {
      CHECK(p.status.field() == "amount");
      CHECK(std::string(p.status.message()).find("300000") != std::string::npos);  // the fix
    }
    if (p.line == 13) CHECK(std::string(p.status.message()).find("line 2") != std::string::npos);
  }
}

TEST_CASE("import: a file without a required column or with one twice is refused whole",
          "[import]") {
  std::istringstream missing("beneficiary_id,channel\nhh-1,BANK\n");
  auto r = import::ParseDisbursements(missing, kPay);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "missing_column");
  CHECK(r.status().field() == "amount");
  CHECK(std::string(r.status().message()).find("nominal") != std::string::npos);

  std::istringstream twice("beneficiary_id,amount,nominal,channel\nhh-1,1,1,BANK\n");
  r = import::ParseDisbursements(twice, kPay);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "duplicate_column");

  std::istringstream empty("\n\n");
  r = import::ParseDisbursements(empty, kPay);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "empty_file");

  std::istringstream no_source("beneficiary_id,region_code\nhh-1,31.75.07.1005.01.001\n");
  auto e = import::ParseEnrolments(no_source, import::EnrolmentOptions{"p", "2026-01-05", ""});
  REQUIRE(e.ok());
  REQUIRE(e->problems.size() == 1);
  CHECK(e->problems[0].status.field() == "source");
}

TEST_CASE("import: options are checked once and the option at fault is named", "[import]") {
  import::DisbursementOptions o = kPay;
  CHECK(import::CheckDisbursementOptions(o).ok());
  o.cycle = "2026-13";
  Status st = import::CheckDisbursementOptions(o);
  CHECK(st.code() == Code::kInvalidArgument);
  CHECK(std::string(st.message()).rfind("--cycle", 0) == 0);
  o = kPay;
  o.effective_date = "2026-02-30";
  CHECK(std::string(import::CheckDisbursementOptions(o).message()).rfind("--effective-date", 0) ==
        0);
  import::EnrolmentOptions e = kEnrol;
  e.source = "dtsen lama";
  CHECK(std::string(import::CheckEnrolmentOptions(e).message()).rfind("--source", 0) == 0);
}

TEST_CASE("import: event ids follow the row so the same row is the same event", "[import]") {
  CHECK(import::DisbursementEventId("pkh-2026", "2026-Q1", "hh-1") == "pkh-2026-2026-Q1-hh-1");
  CHECK(import::EnrolmentEventId("pkh-2026", "hh-1") == "enr-pkh-2026-hh-1");
  const std::string long_id(60, 'b');
  const std::string derived = import::DisbursementEventId("pkh-2026", "2026-Q1", long_id);
  CHECK(derived.size() <= 64);
  CHECK(derived.rfind("imp-", 0) == 0);
  CHECK(ValidateEventId(derived).ok());
  CHECK(derived != import::DisbursementEventId("pkh-2026", "2026-Q2", long_id));
}

namespace {

// A ledger with programme pkh-2026, `households` households enrolled
// (through an enrolment import, or for speed as recorded events), and cycle
// 2026-Q1 planned for all of them.
struct Office {
  testing::TempDir dir;
  std::unique_ptr<Ledger> ledger;

  Office(size_t households, bool enrol_by_import) {
    REQUIRE(Ledger::Init(dir.path(), "lumbung.example/import-test").ok());
    auto opened = Ledger::Open(dir.path());
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
    const std::string total = std::to_string(households * 300000);
    Record(
        {R"({"type":"ProgramOpened","event_id":"open-pkh","effective_date":"2026-01-02","program_id":"pkh-2026","name":"PKH 2026","kind":"CONDITIONAL_CASH","unit":"IDR","entitlement_per_cycle":750000,"legal_basis":"SK 1/2026"})",
         R"({"type":"FundsAllocated","event_id":"alloc-pkh","effective_date":"2026-01-02","program_id":"pkh-2026","funder":"kemensos-pkh","amount":)" +
             total + R"(,"reference":"DIPA-027/2026"})",
         R"({"type":"CycleOpened","event_id":"open-q1","effective_date":"2026-01-02","program_id":"pkh-2026","cycle":"2026-Q1","planned_count":)" +
             std::to_string(households) + R"(,"planned_amount":)" + total + "}"});
    if (enrol_by_import) {
      EnrolByImport(households);
      return;
    }
    std::vector<std::string> events;
    for (size_t i = 1; i <= households; ++i) {
      const std::string id = "hh-" + std::to_string(100000 + i);
      events.push_back(
          R"({"type":"BeneficiaryEnrolled","event_id":"enr-)" + id +
          R"(","effective_date":"2026-01-05","program_id":"pkh-2026","beneficiary_id":")" + id +
          R"(","region_code":"31.75.07.1005.01.001","source":"DTSEN"})");
    }
    Record(events);
  }
  void EnrolByImport(size_t households) {
    std::string csv = "ID Penerima,Kode Wilayah,Sumber\n";
    for (size_t i = 1; i <= households; ++i) {
      csv += "hh-" + std::to_string(100000 + i) + ",31.75.07.1005." + std::to_string(10 + i % 12) +
             ".0" + std::to_string(10 + i % 15) + ",dtsen\n";
    }
    std::istringstream in(csv);
    auto parsed = import::ParseEnrolments(in, kEnrol);
    REQUIRE(parsed.ok());
    REQUIRE(parsed->problems.empty());
    auto result = import::ImportRows(*ledger, std::move(*parsed), "import-test");
    REQUIRE(result.ok());
    REQUIRE(result->problems.empty());
    REQUIRE(result->receipts.size() == households);
  }
  void Record(const std::vector<std::string>& events) {
    std::vector<EventInput> batch;
    for (const auto& e : events) batch.push_back(DecodeEventJson(e));
    auto r = ledger->Append(std::move(batch), "import-test");
    INFO((r.ok() ? std::string("ok") : r.status().ToString()));
    REQUIRE(r.ok());
  }
  Result<import::ImportResult> Import(const std::string& csv) {
    std::istringstream in(csv);
    auto parsed = import::ParseDisbursements(in, kPay);
    REQUIRE(parsed.ok());
    return import::ImportRows(*ledger, std::move(*parsed), "import-test");
  }
};

}  // namespace

TEST_CASE(
    "import: a 50000-row list with one bad row writes nothing and names it, fixed it is one batch",
    "[import]") {
  constexpr size_t kRows = 50'000;
  constexpr size_t kBadLine = 25'001;
  Office office(kRows, /*enrol_by_import=*/false);
  const uint64_t size_before = office.ledger->size();

  // Row 25,000 names a household that is not enrolled: only the rules see it.
  auto bad = office.Import(Rows(kRows, kBadLine, "hh-999999,300000,BANK,BRI/hh-999999"));
  REQUIRE(bad.ok());
  REQUIRE(bad->problems.size() == 1);
  CHECK(bad->problems[0].line == kBadLine);
  CHECK(bad->problems[0].status.reason() == "not_enrolled");
  CHECK(bad->receipts.empty());
  CHECK(office.ledger->size() == size_before);

  const uint64_t groups_before = office.ledger->stats().groups;
  auto fixed = office.Import(Rows(kRows));
  REQUIRE(fixed.ok());
  REQUIRE(fixed->problems.empty());
  REQUIRE(fixed->receipts.size() == kRows);
  CHECK(fixed->replayed == 0);
  CHECK(office.ledger->size() == size_before + kRows);
  CHECK(office.ledger->stats().groups == groups_before + 1);  // one commit group
  for (size_t i = 0; i < kRows; ++i) {
    REQUIRE(fixed->receipts[i].seq == size_before + i);  // contiguous, in file order
  }
}

TEST_CASE("import: a list with a mistyped row records nothing, imported twice it records once",
          "[import]") {
  constexpr size_t kRows = 2'000;
  Office office(kRows, /*enrol_by_import=*/true);
  const uint64_t size_before = office.ledger->size();
  CHECK(size_before == 1 + 3 + kRows);

  // A row mistyped in the spreadsheet: the file itself shows it, and the
  // other rows are still checked against the rules.
  auto typo = office.Import(Rows(kRows, 1'001, "hh-101000,300.000,BANK,"));
  REQUIRE(typo.ok());
  REQUIRE(typo->problems.size() == 1);
  CHECK(typo->problems[0].line == 1'001);
  CHECK(typo->problems[0].status.reason() == "invalid_amount");
  CHECK(office.ledger->size() == size_before);

  auto first = office.Import(Rows(kRows));
  REQUIRE(first.ok());
  REQUIRE(first->problems.empty());
  CHECK(first->replayed == 0);
  CHECK(office.ledger->size() == size_before + kRows);

  // Importing the same file again records nothing and answers the receipts.
  auto again = office.Import(Rows(kRows));
  REQUIRE(again.ok());
  REQUIRE(again->problems.empty());
  CHECK(again->replayed == kRows);
  REQUIRE(again->receipts.size() == kRows);
  for (size_t i = 0; i < kRows; ++i) {
    REQUIRE(again->receipts[i].seq == first->receipts[i].seq);
    REQUIRE(again->receipts[i].leaf_hash == first->receipts[i].leaf_hash);
  }
  CHECK(office.ledger->size() == size_before + kRows);
}

TEST_CASE("import: the rules' objections are reported for every row they concern", "[import]") {
  Office office(5, /*enrol_by_import=*/true);
  // hh-100001 paid twice would be a duplicate row; here the cycle plan is for
  // five households at 300,000: an amount over the entitlement, a stranger,
  // and one payment too many for the plan.
  const std::string csv =
      "beneficiary_id,amount,channel\n"
      "hh-100001,300000,BANK\n"
      "hh-100002,800000,BANK\n"  // over the entitlement of 750,000
      "hh-100003,300000,BANK\n"
      "hh-555555,300000,BANK\n"  // not enrolled
      "hh-100004,300000,BANK\n"
      "hh-100005,750000,BANK\n";  // the plan has 600,000 left
  auto result = office.Import(csv);
  REQUIRE(result.ok());
  const std::map<size_t, std::string> expected = {
      {3, "over_entitlement"}, {5, "not_enrolled"}, {7, "over_plan"}};
  CHECK(ProblemCodes(result->problems) == expected);
  CHECK(office.ledger->size() == 1 + 3 + 5);  // LedgerOpened, setup, enrolments

  // Once paid, the same households in another list for the cycle are refused.
  auto first = office.Import("beneficiary_id,amount,channel\nhh-100001,300000,CASH\n");
  REQUIRE(first.ok());
  REQUIRE(first->receipts.size() == 1);
  auto second = office.Import("beneficiary_id,amount,channel\nhh-100001,300000,BANK\n");
  REQUIRE(second.ok());
  REQUIRE(second->problems.size() == 1);
  CHECK(second->problems[0].status.reason() == "event_id_conflict");
  CHECK(second->problems[0].line == 2);
}
