// Queries over a programme's ledger (DESIGN §6): balances at the head and as
// of any seq, programme totals, cycles plan vs paid, region prefixes,
// beneficiary statements, the integer ratio arithmetic and the loan
// schedule arithmetic. Every expected number is worked out by hand from the
// events in query_fixture.h.

#include "lumbung/ledger/query.h"

#include <map>

#include <catch2/catch.hpp>

#include "lumbung/base/text.h"
#include "lumbung/ledger/projection.h"

#include "query_fixture.h"

using namespace lumbung;
using Json = nlohmann::ordered_json;
using query::AccountBalance;

namespace {

Json Must(Result<Json> answer) {
  INFO(answer.status().ToString());
  REQUIRE(answer.ok());
  return std::move(answer).value();
}

query::Options AsOfSeq(uint64_t seq) {
  query::Options options;
  options.as_of_seq = seq;
  return options;
}

// Every metric object (one with a "formula") names its as-of date, its
// as-of seq and its unit.
void CheckMetricsAreLabelled(const Json& value, const std::string& path = "") {
  if (value.is_object()) {
    if (value.contains("formula")) {
      INFO(path);
      CHECK(value.contains("as_of"));
      CHECK(value.contains("as_of_seq"));
      CHECK(value.contains("unit"));
      CHECK(!value.at("formula").get<std::string>().empty());
    }
    for (const auto& [key, item] : value.items()) CheckMetricsAreLabelled(item, path + "." + key);
  } else if (value.is_array()) {
    for (const Json& item : value) CheckMetricsAreLabelled(item, path + "[]");
  }
}

std::map<std::string, int64_t> SumsByUnit(const std::vector<AccountBalance>& balances) {
  std::map<std::string, int64_t> sums;
  for (const AccountBalance& b : balances) sums[b.unit] += b.balance;
  return sums;
}

}  // namespace

TEST_CASE("ratios are basis points rounded half up, shown as fixed-point percentages", "[query]") {
  CHECK(query::BasisPoints(1, 3) == 3333);
  CHECK(query::BasisPoints(2, 3) == 6667);
  CHECK(query::BasisPoints(1, 20000) == 1);  // 0.5 bp rounds up
  CHECK(query::BasisPoints(1, 20001) == 0);
  CHECK(query::BasisPoints(-1, 20000) == -1);  // half away from zero
  CHECK(query::BasisPoints(3, -4) == -7500);
  CHECK(query::BasisPoints(2950000, 12000000) == 2458);
  CHECK(!query::BasisPoints(5, 0).has_value());
  CHECK(!query::BasisPoints(INT64_MAX, 1).has_value());      // does not fit
  CHECK(query::BasisPoints(INT64_MAX, INT64_MAX) == 10000);  // no overflow inside
  CHECK(query::FormatBasisPoints(1234) == "12.34%");
  CHECK(query::FormatBasisPoints(5) == "0.05%");
  CHECK(query::FormatBasisPoints(-5) == "-0.05%");
  CHECK(query::FormatBasisPoints(10000) == "100.00%");
  CHECK(query::FormatBasisPoints(0) == "0.00%");
}

TEST_CASE("a schedule splits its base equally with the remainder last and settles oldest first",
          "[query][loan]") {
  const int32_t d = *ParseDate("2026-03-02");
  domain::LoanRec loan;
  loan.id = "l";
  loan.unit = "IDR";
  loan.principal = 1000000;
  loan.repaid = 400000;
  loan.outstanding = 600000;
  loan.status = domain::LoanStatus::kOpen;
  loan.schedule = domain::Schedule{1000000, 400000, 3, 7, d};

  auto day8 = query::ComputeLoanPosition(loan, d + 8);
  REQUIRE(day8.ok());
  REQUIRE(day8->schedule.size() == 3);
  CHECK(day8->schedule[0].amount == 333333);
  CHECK(day8->schedule[1].amount == 333333);
  CHECK(day8->schedule[2].amount == 333334);
  CHECK(day8->schedule[0].paid == 333333);
  CHECK(day8->schedule[1].paid == 66667);
  CHECK(day8->schedule[2].paid == 0);
  CHECK(day8->schedule[0].status == query::InstallmentStatus::kPaid);
  CHECK(day8->schedule[1].status == query::InstallmentStatus::kOverdue);
  CHECK(day8->schedule[1].days_past_due == 1);
  CHECK(day8->schedule[2].status == query::InstallmentStatus::kUpcoming);
  CHECK(day8->overdue == 266666);
  CHECK(day8->days_past_due == 1);
  CHECK(day8->installments_in_arrears == 1);
  CHECK(day8->installments_paid == 1);
  CHECK(day8->outstanding == 600000);

  // Due on day D+7 is not yet past due on D+7.
  auto day7 = query::ComputeLoanPosition(loan, d + 7);
  REQUIRE(day7.ok());
  CHECK(day7->schedule[1].status == query::InstallmentStatus::kDueToday);
  CHECK(day7->days_past_due == 0);
  CHECK(day7->overdue == 0);

  auto day15 = query::ComputeLoanPosition(loan, d + 15);
  REQUIRE(day15.ok());
  CHECK(day15->installments_in_arrears == 2);
  CHECK(day15->overdue == 600000);
  CHECK(day15->days_past_due == 8);  // of the oldest, installment 2

  loan.status = domain::LoanStatus::kWrittenOff;
  loan.written_off = 600000;
  loan.outstanding = 0;
  auto written_off = query::ComputeLoanPosition(loan, d + 15);
  REQUIRE(written_off.ok());
  CHECK(written_off->outstanding == 0);
  CHECK(written_off->overdue == 0);
  CHECK(written_off->schedule[2].status == query::InstallmentStatus::kWrittenOff);
}

TEST_CASE("a schedule that cannot be computed is reported, not computed", "[query][loan]") {
  domain::LoanRec loan;
  loan.id = "broken";
  loan.status = domain::LoanStatus::kOpen;
  loan.outstanding = 100;
  loan.schedule = domain::Schedule{100, 0, 0, 7, 20000};  // no installments: would divide by 0
  CHECK(query::ComputeLoanPosition(loan, 20010).status().IsCorruption());
  loan.schedule = domain::Schedule{100, 0, 2, 7, 20000};
  loan.outstanding = 90;  // disagrees with base - paid on schedule
  CHECK(query::ComputeLoanPosition(loan, 20010).status().IsCorruption());
}

TEST_CASE("programme totals: allocated, returned, disbursed, remaining, absorption", "[query]") {
  const bool fold_often = GENERATE(false, true);
  testing::QueryLedger ledger(fold_often);
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  REQUIRE(snapshot->size() == 20);
  const Json p = Must(query::Program(*snapshot, "pkh-2026"));
  CHECK(p["name"] == "Program Keluarga Harapan 2026");
  CHECK(p["kind"] == "CONDITIONAL_CASH");
  CHECK(p["unit"] == "IDR");
  CHECK(p["entitlement_per_cycle"] == 750000);
  CHECK(p["as_of_seq"] == 20);
  CHECK(p["as_of"] == "2026-12-20");  // the effective date of entry 19
  const Json& t = p["totals"];
  CHECK(t["allocated"]["value"] == 12000000);
  CHECK(t["funds_returned"]["value"] == 500000);
  // 750,000 (hh-001 Q1) + 750,000 (hh-003) + 700,000 (hh-004, corrected)
  // + 750,000 (hh-001 Q2); hh-002's came back.
  CHECK(t["disbursed"]["value"] == 2950000);
  CHECK(t["disbursements_returned"]["value"] == 750000);
  CHECK(t["granted"]["value"] == 0);
  CHECK(t["remaining"]["value"] == 8550000);  // 12,000,000 - 500,000 - 2,950,000
  CHECK(t["remaining"]["unit"] == "IDR");
  CHECK(t["enrolled"]["value"] == 3);    // hh-003 exited
  CHECK(t["recipients"]["value"] == 3);  // hh-001, hh-003, hh-004
  // 2,950,000 / 12,000,000 = 24.5833...%
  CHECK(p["absorption"]["value"] == "24.58%");
  CHECK(p["absorption"]["basis_points"] == 2458);
  CHECK(p["absorption"]["numerator"] == 2950000);
  CHECK(p["absorption"]["denominator"] == 12000000);
  REQUIRE(p["funders"].size() == 2);
  CHECK(p["funders"][0] == Json{{"funder", "apbd-dki"}, {"provided_net", 1500000}});
  CHECK(p["funders"][1] == Json{{"funder", "apbn-kemensos"}, {"provided_net", 10000000}});
  CheckMetricsAreLabelled(p);
}

TEST_CASE("cycles: planned against paid, returned, recipients reached, absorption", "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  const Json q1 = Must(query::Cycle(*snapshot, "pkh-2026", "2026-Q1"));
  CHECK(q1["status"] == "closed");
  CHECK(q1["closed_seq"] == 15);
  CHECK(q1["planned"] == Json{{"count", 4}, {"amount", 3000000}});
  CHECK(q1["paid"] == Json{{"count", 3}, {"amount", 2200000}});
  CHECK(q1["returned"] == Json{{"count", 1}, {"amount", 750000}});
  CHECK(q1["remaining_plan"] == Json{{"count", 1}, {"amount", 800000}});
  CHECK(q1["recipients_reached"]["value"] == 3);
  CHECK(q1["absorption"]["value"] == "73.33%");  // 2,200,000 / 3,000,000
  CHECK(q1["absorption_count"]["value"] == "75.00%");
  CHECK(q1["absorption_count"]["unit"] == "payments");
  CheckMetricsAreLabelled(q1);

  const Json q2 = Must(query::Cycle(*snapshot, "pkh-2026", "2026-Q2"));
  CHECK(q2["status"] == "open");
  CHECK(q2["paid"] == Json{{"count", 1}, {"amount", 750000}});
  CHECK(q2["absorption"]["value"] == "25.00%");

  // Before the return (the state after entries 0..12): four paid, none back.
  const Json early = Must(query::Cycle(*snapshot, "pkh-2026", "2026-Q1", AsOfSeq(13)));
  CHECK(early["status"] == "open");
  CHECK(early["paid"] == Json{{"count", 4}, {"amount", 2850000}});
  CHECK(early["returned"] == Json{{"count", 0}, {"amount", 0}});
  CHECK(early["as_of_seq"] == 13);
  CHECK(early["as_of"] == "2026-02-03");

  // The programme's cycle list agrees with the cycle answers.
  const Json p = Must(query::Program(*snapshot, "pkh-2026"));
  REQUIRE(p["cycles"].size() == 2);
  CHECK(p["cycles"][0]["cycle"] == "2026-Q1");
  CHECK(p["cycles"][0]["paid"] == q1["paid"]);
  CHECK(p["cycles"][1]["cycle"] == "2026-Q2");
}

TEST_CASE("region totals are sums over whole-segment prefixes at each level", "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  const Json regions = Must(query::Program(*snapshot, "pkh-2026"))["regions"];
  auto line = [](const char* code, int enrolled, int recipients, int count, int amount) {
    return Json{{"code", code},
                {"enrolled", enrolled},
                {"recipients", recipients},
                {"paid_count", count},
                {"paid_amount", amount}};
  };
  CHECK(regions["total"] ==
        Json{{"enrolled", 3}, {"recipients", 3}, {"paid_count", 4}, {"paid_amount", 2950000}});
  CHECK(regions["kelurahan"] == Json::array({line("31.75.07.1005", 3, 3, 4, 2950000)}));
  CHECK(regions["rw"] == Json::array({line("31.75.07.1005.03", 2, 1, 2, 1500000),
                                      line("31.75.07.1005.030", 1, 1, 1, 700000),
                                      line("31.75.07.1005.04", 0, 1, 1, 750000)}));
  CHECK(regions["rt"] == Json::array({line("31.75.07.1005.03.005", 1, 1, 2, 1500000),
                                      line("31.75.07.1005.03.007", 1, 0, 0, 0),
                                      line("31.75.07.1005.030.001", 1, 1, 1, 700000),
                                      line("31.75.07.1005.04.001", 0, 1, 1, 750000)}));

  // RW 03 covers RT 005 and 007, not RW 030.
  query::Options rw03;
  rw03.region_prefix = "31.75.07.1005.03";
  const Json only = Must(query::Program(*snapshot, "pkh-2026", rw03))["regions"];
  CHECK(only["prefix"] == "31.75.07.1005.03");
  CHECK(only["total"] ==
        Json{{"enrolled", 2}, {"recipients", 1}, {"paid_count", 2}, {"paid_amount", 1500000}});
  CHECK(!only.contains("kelurahan"));  // a partial village would mislead
  CHECK(only["rw"] == Json::array({line("31.75.07.1005.03", 2, 1, 2, 1500000)}));
  CHECK(only["rt"].size() == 2);

  rw03.region_prefix = "31.75..07";
  CHECK(query::Program(*snapshot, "pkh-2026", rw03).status().code() == Code::kInvalidArgument);
}

TEST_CASE("balances: every account with its unit, summing to zero per unit", "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  auto balances = query::Balances(*snapshot);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"beneficiary:pkh-2026:hh-001", "IDR", 1500000},
      {"beneficiary:pkh-2026:hh-002", "IDR", 0},
      {"beneficiary:pkh-2026:hh-003", "IDR", 750000},
      {"beneficiary:pkh-2026:hh-004", "IDR", 700000},
      {"funder:apbd-dki", "IDR", -1500000},
      {"funder:apbn-kemensos", "IDR", -10000000},
      {"program:pkh-2026", "IDR", 8550000},
  };
  CHECK(*balances == expected);
  CHECK(SumsByUnit(*balances) == std::map<std::string, int64_t>{{"IDR", 0}});

  auto one = query::Balance(*snapshot, "program:pkh-2026");
  REQUIRE(one.ok());
  CHECK(one->balance == 8550000);
  CHECK(query::BalanceJson(*one, 20) == Json{{"account", "program:pkh-2026"},
                                             {"unit", "IDR"},
                                             {"balance", 8550000},
                                             {"as_of_seq", 20}});

  // Hand-worked balances as of earlier seqs.
  CHECK(query::Balance(*snapshot, "program:pkh-2026", AsOfSeq(13))->balance == 9150000);
  CHECK(query::Balance(*snapshot, "program:pkh-2026", AsOfSeq(14))->balance == 9900000);
  CHECK(query::Balance(*snapshot, "program:pkh-2026", AsOfSeq(15))->balance == 9800000);
  CHECK(query::Balance(*snapshot, "beneficiary:pkh-2026:hh-002", AsOfSeq(13))->balance == 750000);
  CHECK(query::Balance(*snapshot, "beneficiary:pkh-2026:hh-004", AsOfSeq(14))->balance == 600000);
  // A programme's account exists from its opening, before any posting.
  CHECK(query::Balance(*snapshot, "program:pkh-2026", AsOfSeq(2))->balance == 0);
  CHECK(query::Balance(*snapshot, "program:pkh-2026", AsOfSeq(1)).status().reason() ==
        "unknown_account");
  CHECK(query::Balance(*snapshot, "funder:apbd-dki", AsOfSeq(3)).status().IsNotFound());
  CHECK(query::Balance(*snapshot, "funder:apbd-dki", AsOfSeq(4))->balance == -2000000);
}

TEST_CASE("balances as of every seq equal a replay of the log to that seq", "[query]") {
  const bool fold_often = GENERATE(false, true);
  const bool kube = GENERATE(false, true);  // the programme, or the group and its loans
  // One group per event, or all in one group: then each account's history
  // row holds all its postings, in seq order.
  const bool one_group = GENERATE(false, true);
  testing::QueryLedger ledger(fold_often);
  const std::vector<std::string> events = kube ? testing::KubeEvents() : testing::PkhEvents();
  if (one_group) {
    ledger.AddAsOneBatch(events);
  } else {
    ledger.AddAll(events);
  }
  const auto snapshot = ledger.Snapshot();
  for (uint64_t n = 0; n <= snapshot->size(); ++n) {
    INFO("as of seq " << n);
    auto replayed = ReplayProjection(*snapshot, n);
    REQUIRE(replayed.ok());
    const std::vector<AccountBalance> expected = query::BalancesOfState(*replayed);
    auto balances = query::Balances(*snapshot, AsOfSeq(n));
    REQUIRE(balances.ok());
    CHECK(*balances == expected);
    for (const auto& [unit, sum] : SumsByUnit(*balances)) CHECK(sum == 0);
    for (const AccountBalance& b : expected) {
      auto one = query::Balance(*snapshot, b.account, AsOfSeq(n));
      REQUIRE(one.ok());
      CHECK(*one == b);
    }
  }
  CHECK(*query::Balances(*snapshot) == *query::Balances(*snapshot, AsOfSeq(snapshot->size())));
}

TEST_CASE("a beneficiary's statement lists every entry on their account with its receipt",
          "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  const Json b = Must(query::Beneficiary(*snapshot, "pkh-2026", "hh-004"));
  CHECK(b["region_code"] == "31.75.07.1005.030.001");
  CHECK(b["source"] == "APPEAL");
  CHECK(b["status"] == "enrolled");
  CHECK(b["received"]["value"] == 700000);
  CHECK(b["active_payments"] ==
        Json::array({Json{{"cycle", "2026-Q1"}, {"seq", 14}, {"amount", 700000}}}));
  const Json& lines = b["entries"];
  REQUIRE(lines.size() == 3);
  auto check_line = [&](const Json& line, uint64_t seq, const char* date, const char* type,
                        int64_t amount, int64_t balance) {
    CHECK(line["seq"] == seq);
    CHECK(line["date"] == date);
    CHECK(line["type"] == type);
    CHECK(line["amount"] == amount);
    CHECK(line["balance"] == balance);
    CHECK(line["receipt"] == ledger.ReceiptOf(seq));
  };
  check_line(lines[0], 8, "2026-01-08", "BeneficiaryEnrolled", 0, 0);
  check_line(lines[1], 12, "2026-02-03", "AidDisbursed", 600000, 600000);
  check_line(lines[2], 14, "2026-02-10", "EventCorrected", 100000, 700000);
  CHECK(lines[2]["details"]["target_seq"] == 12);
  CHECK(lines[2]["details"]["replacement"]["amount"] == 700000);

  const Json returned = Must(query::Beneficiary(*snapshot, "pkh-2026", "hh-002"));
  REQUIRE(returned["entries"].size() == 3);
  check_line(returned["entries"][1], 10, "2026-02-03", "AidDisbursed", 750000, 750000);
  check_line(returned["entries"][2], 13, "2026-02-09", "DisbursementReturned", -750000, 0);
  CHECK(returned["entries"][2]["details"]["reason"] == "ACCOUNT_NOT_FOUND");
  CHECK(returned["active_payments"].empty());

  // The provider reference (a bank account) and memo never show.
  const Json first = Must(query::Beneficiary(*snapshot, "pkh-2026", "hh-001"));
  CHECK(first["entries"].dump().find("8812") == std::string::npos);

  const Json exited = Must(query::Beneficiary(*snapshot, "pkh-2026", "hh-003"));
  CHECK(exited["status"] == "exited");
  CHECK(exited["exit_reason"] == "MOVED");
  CHECK(exited["exited_seq"] == 18);
  CHECK(exited["entries"].back()["type"] == "BeneficiaryExited");
  CHECK(exited["entries"].back()["balance"] == 750000);

  // As of seq 14 the correction is not yet in the log.
  const Json before = Must(query::Beneficiary(*snapshot, "pkh-2026", "hh-004", AsOfSeq(14)));
  CHECK(before["received"]["value"] == 600000);
  CHECK(before["entries"].size() == 2);
  CHECK(before["active_payments"][0]["seq"] == 12);
}

TEST_CASE("programme answers as of an earlier seq replay the log to it", "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  const Json p = Must(query::Program(*snapshot, "pkh-2026", AsOfSeq(13)));
  CHECK(p["as_of_seq"] == 13);
  CHECK(p["totals"]["disbursed"]["value"] == 2850000);
  CHECK(p["totals"]["remaining"]["value"] == 9150000);
  CHECK(p["totals"]["recipients"]["value"] == 4);
  CHECK(p["totals"]["remaining"]["as_of_seq"] == 13);
  CHECK(p["cycles"].size() == 1);
  // Asked at the head, the as-of answer and the plain one are the same.
  CHECK(Must(query::Program(*snapshot, "pkh-2026", AsOfSeq(20))) ==
        Must(query::Program(*snapshot, "pkh-2026")));
}

TEST_CASE("unknown ids and bad requests give clear errors", "[query]") {
  testing::QueryLedger ledger;
  ledger.AddAll(testing::PkhEvents());
  const auto snapshot = ledger.Snapshot();
  auto check = [](const Status& st, std::string_view reason, std::string_view words) {
    INFO(st.ToString());
    CHECK(st.IsNotFound());
    CHECK(st.reason() == reason);
    CHECK(st.message().find(words) != std::string_view::npos);
  };
  check(query::Program(*snapshot, "pkh-2027").status(), "unknown_program", "pkh-2027");
  check(query::Cycle(*snapshot, "pkh-2026", "2026-Q3").status(), "unknown_cycle", "2026-Q3");
  check(query::Beneficiary(*snapshot, "pkh-2026", "hh-999").status(), "unknown_beneficiary",
        "hh-999");
  check(query::Group(*snapshot, "kube-x").status(), "unknown_group", "kube-x");
  check(query::Loan(*snapshot, "loan-x").status(), "unknown_loan", "loan-x");
  query::Options one_group;
  one_group.group_id = "kube-x";
  check(query::Portfolio(*snapshot, one_group).status(), "unknown_group", "kube-x");
  check(query::Balance(*snapshot, "program:nope").status(), "unknown_account", "program:nope");
  check(query::Balance(*snapshot, "beneficiary:pkh-2026:hh-999").status(), "unknown_account",
        "hh-999");
  CHECK(query::Balance(*snapshot, "wallet:x").status().code() == Code::kInvalidArgument);
  CHECK(query::Balance(*snapshot, "program:").status().code() == Code::kInvalidArgument);
  CHECK(query::Balances(*snapshot, AsOfSeq(21)).status().code() == Code::kInvalidArgument);
  CHECK(query::Program(*snapshot, "pkh-2026", AsOfSeq(99)).status().code() ==
        Code::kInvalidArgument);
  query::Options bad_date;
  bad_date.as_of_date = "2026-02-30";
  CHECK(query::Portfolio(*snapshot, bad_date).status().code() == Code::kInvalidArgument);
  // Before the programme was opened it is unknown.
  check(query::Program(*snapshot, "pkh-2026", AsOfSeq(1)).status(), "unknown_program", "pkh-2026");
}

// DESIGN §3.2: "Every aggregate by region is a prefix aggregate" of where aid
// went. A beneficiary who re-enrols in another region after a payment, whose
// old payment then comes back, should leave both regions at zero paid.
// Regression test: the rules once took the region of a returned payment
// from the beneficiary's current enrolment, not from where it was paid.
TEST_CASE("a payment returned after re-enrolment in another region leaves both regions at zero",
          "[query][regions]") {
  testing::QueryLedger ledger;
  ledger.AddAll({
      R"({"type":"ProgramOpened","event_id":"b1","effective_date":"2026-01-02","program_id":"blt","name":"BLT","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"SK 1"})",
      R"({"type":"FundsAllocated","event_id":"b2","effective_date":"2026-01-02","program_id":"blt","funder":"apbn","amount":10000000,"reference":"DIPA"})",
      R"({"type":"CycleOpened","event_id":"b3","effective_date":"2026-01-02","program_id":"blt","cycle":"2026-01","planned_count":10,"planned_amount":10000000})",
      R"({"type":"BeneficiaryEnrolled","event_id":"b4","effective_date":"2026-01-03","program_id":"blt","beneficiary_id":"hh-1","region_code":"31.75.07.1005.01.001","source":"DTSEN"})",
      R"({"type":"AidDisbursed","event_id":"b5","effective_date":"2026-01-05","program_id":"blt","beneficiary_id":"hh-1","cycle":"2026-01","amount":500000,"channel":"BANK"})",
      R"({"type":"BeneficiaryExited","event_id":"b6","effective_date":"2026-01-10","program_id":"blt","beneficiary_id":"hh-1","reason":"MOVED"})",
      R"({"type":"BeneficiaryEnrolled","event_id":"b7","effective_date":"2026-01-11","program_id":"blt","beneficiary_id":"hh-1","region_code":"31.75.07.1005.02.001","source":"DTSEN"})",
      R"({"type":"DisbursementReturned","event_id":"b8","effective_date":"2026-01-12","disbursed_seq":5,"reason":"BANK_REJECT"})",
  });
  const Json rt = Must(query::Program(*ledger.Snapshot(), "blt"))["regions"]["rt"];
  REQUIRE(rt.size() == 2);
  CHECK(rt[0] == Json{{"code", "31.75.07.1005.01.001"},
                      {"enrolled", 0},
                      {"recipients", 0},
                      {"paid_count", 0},
                      {"paid_amount", 0}});
  CHECK(rt[1] == Json{{"code", "31.75.07.1005.02.001"},
                      {"enrolled", 1},
                      {"recipients", 0},
                      {"paid_count", 0},
                      {"paid_amount", 0}});
}
