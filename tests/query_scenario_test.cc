// A group's full loan cycle as the treasurer of KUBE Mawar and the
// programme's finance officer follow it: capital granted, loans issued,
// on-time and late repayments (one mis-keyed and corrected), a reschedule
// after a flood, a write-off and a recovery. The ledger grows step by step
// (the events of query_fixture.h, seq by seq) and at each step the balances
// and metrics are checked against numbers worked out by hand.

#include <catch2/catch.hpp>

#include "lumbung/ledger/query.h"

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

query::Options On(const char* date, std::optional<uint64_t> seq = std::nullopt) {
  query::Options options;
  options.as_of_date = date;
  options.as_of_seq = seq;
  return options;
}

int64_t BalanceOf(const LedgerSnapshot& snapshot, const char* account) {
  auto b = query::Balance(snapshot, account);
  INFO(account << ": " << b.status().ToString());
  REQUIRE(b.ok());
  return b->balance;
}

// Adds the events of seq [from, to] (1-based as in the fixture).
void AddSeqs(testing::QueryLedger& ledger, size_t from, size_t to) {
  const auto events = testing::KubeEvents();
  for (size_t seq = from; seq <= to; ++seq) REQUIRE(ledger.Add(events.at(seq - 1)) == seq);
}

void CheckRatio(const Json& metric, const char* value, int64_t numerator, int64_t denominator) {
  CHECK(metric["value"] == value);
  CHECK(metric["numerator"] == numerator);
  CHECK(metric["denominator"] == denominator);
}

void CheckBucket(const Json& bucket, const char* label, int loans, int64_t outstanding) {
  CHECK(bucket["label"] == label);
  CHECK(bucket["loans"] == loans);
  CHECK(bucket["outstanding"] == outstanding);
}

void CapitalGranted(const LedgerSnapshot& s) {
  CHECK(BalanceOf(s, "funder:apbd-dki") == -20000000);
  CHECK(BalanceOf(s, "program:uep-2026") == 10000000);
  CHECK(BalanceOf(s, "group:kube-mawar") == 10000000);
  CHECK(BalanceOf(s, "loss:kube-mawar") == 0);
  const Json p = Must(query::Program(s, "uep-2026"));
  CHECK(p["totals"]["granted"]["value"] == 10000000);
  CHECK(p["totals"]["disbursed"]["value"] == 0);
  CHECK(p["absorption"]["value"] == "50.00%");  // grants are how this programme spends
}

void FirstLoans(const LedgerSnapshot& s) {
  CHECK(BalanceOf(s, "group:kube-mawar") == 5800000);
  CHECK(BalanceOf(s, "loan:mawar-003") == 2000000);
  const Json l1 = Must(query::Loan(s, "mawar-001", On("2026-02-12")));
  const Json& items = l1["schedule"]["items"];
  REQUIRE(items.size() == 4);
  CHECK(items[0]["due_date"] == "2026-02-19");
  CHECK(items[3]["due_date"] == "2026-03-12");
  for (const Json& i : items) {
    CHECK(i["amount"] == 300000);
    CHECK(i["status"] == "upcoming");
  }
  CHECK(l1["outstanding"]["value"] == 1200000);
}

void EarlyRepayments(const LedgerSnapshot& s, const testing::QueryLedger& ledger) {
  const Json l2 = Must(query::Loan(s, "mawar-002", On("2026-03-05")));
  CHECK(l2["repaid"] == 200000);
  CHECK(l2["outstanding"]["value"] == 800000);
  CHECK(l2["schedule"]["items"][2]["status"] == "due_today");  // due 03-05, not yet late
  CHECK(l2["days_past_due"]["value"] == 0);
  const Json& lines = l2["entries"];
  REQUIRE(lines.size() == 4);
  CHECK(lines[2]["seq"] == 16);
  CHECK(lines[2]["amount"] == -150000);
  CHECK(lines[3]["type"] == "EventCorrected");
  CHECK(lines[3]["amount"] == 50000);
  CHECK(lines[3]["balance"] == 800000);
  CHECK(lines[3]["receipt"] == ledger.ReceiptOf(17));

  const Json late = Must(query::Loan(s, "mawar-002", On("2026-03-06")));
  CHECK(late["days_past_due"]["value"] == 1);
  CHECK(late["overdue"]["value"] == 100000);
  CHECK(late["installments_in_arrears"]["value"] == 1);

  // Outstanding 300,000 + 800,000 + 1,800,000. One day late is not "more
  // than 1 day past due": PAR-1 counts it from the second day.
  const Json day1 = Must(query::Group(s, "kube-mawar", On("2026-03-06")))["portfolio"];
  CHECK(day1["outstanding"]["value"] == 2900000);
  CheckRatio(day1["par_1"], "0.00%", 0, 2900000);
  CheckBucket(day1["aging"]["buckets"][1], "1-30", 1, 800000);
  const Json day2 = Must(query::Group(s, "kube-mawar", On("2026-03-07")))["portfolio"];
  CheckRatio(day2["par_1"], "27.59%", 800000, 2900000);

  // Repayment rate leaves out loans 3 or more installments behind: m02
  // is 2 behind on 19 March (due 03-05 and 03-12), 3 on 20 March.
  const Json mar19 = Must(query::Group(s, "kube-mawar", On("2026-03-19")))["portfolio"];
  CheckRatio(mar19["repayment_rate"], "100.00%", 2900000, 2900000);
  const Json mar20 = Must(query::Group(s, "kube-mawar", On("2026-03-20")))["portfolio"];
  CheckRatio(mar20["repayment_rate"], "72.41%", 2100000, 2900000);
}

void AfterReschedule(const LedgerSnapshot& s) {
  const Json g = Must(query::Group(s, "kube-mawar", On("2026-04-20")));
  // 10,000,000 - 5,800,000 lent + 2,400,000 repaid
  CHECK(g["fund"]["value"] == 6600000);
  CHECK(g["members"][0]["open_loan"] == "mawar-005");
  CHECK(g["members"][3]["open_loan"] == "mawar-004");
  const Json& loans = g["loans"];
  REQUIRE(loans.size() == 5);
  CHECK(loans[0]["status"] == "repaid");
  CHECK(loans[1]["outstanding"] == 800000);
  CHECK(loans[1]["overdue"] == 700000);    // installments 3..9 (03-05 .. 04-16)
  CHECK(loans[1]["days_past_due"] == 46);  // since 5 March
  CHECK(loans[1]["installments_in_arrears"] == 7);
  CHECK(loans[2]["restructured"] == true);
  CHECK(loans[2]["outstanding"] == 1500000);
  CHECK(loans[2]["days_past_due"] == 0);
  CHECK(loans[3]["overdue"] == 200000);
  CHECK(loans[3]["days_past_due"] == 10);  // since 10 April
  CHECK(loans[4]["outstanding"] == 100000);

  const Json& m = g["portfolio"];
  CHECK(
      m["loans"] ==
      Json{{"open", 4}, {"in_arrears", 2}, {"restructured", 1}, {"repaid", 1}, {"written_off", 0}});
  CHECK(m["outstanding"]["value"] == 3400000);
  CHECK(m["overdue"]["value"] == 900000);
  // Not restructured: 800,000 + 1,000,000 + 100,000 outstanding.
  CheckRatio(m["par_1"], "94.74%", 1800000, 1900000);
  CheckRatio(m["par_30"], "42.11%", 800000, 1900000);
  CheckRatio(m["par_90"], "0.00%", 0, 1900000);
  CHECK(m["restructured"]["loans"] == 1);
  CHECK(m["restructured"]["outstanding"]["value"] == 1500000);
  CheckRatio(m["restructured"]["share"], "44.12%", 1500000, 3400000);
  CheckRatio(m["restructured"]["par_1"], "0.00%", 0, 1500000);
  CheckRatio(m["arrears_rate"], "26.47%", 900000, 3400000);
  CheckRatio(m["repayment_rate"], "76.47%", 2600000, 3400000);
  const Json& aging = m["aging"]["buckets"];
  CheckBucket(aging[0], "current", 2, 1600000);
  CheckBucket(aging[1], "1-30", 1, 1000000);
  CheckBucket(aging[2], "31-60", 1, 800000);
  CheckBucket(aging[3], "61-90", 0, 0);
  CheckBucket(aging[4], "over_90", 0, 0);
  CHECK(m["par_30"]["as_of"] == "2026-04-20");
  CHECK(m["par_30"]["unit"] == "IDR");

  const Json l3 = Must(query::Loan(s, "mawar-003", On("2026-04-20")));
  CHECK(l3["schedule"]["base"] == 1800000);
  CHECK(l3["schedule"]["first_due_date"] == "2026-04-15");
  CHECK(l3["schedule"]["items"][0]["status"] == "paid");
  CHECK(l3["schedule"]["items"][1]["due_date"] == "2026-04-29");
  CHECK(l3["schedule"]["items"][1]["status"] == "upcoming");
  CHECK(l3["entries"][2]["type"] == "LoanRescheduled");
  CHECK(l3["entries"][2]["balance"] == 1800000);
}

void BeforeWriteOff(const LedgerSnapshot& s) {
  const Json m = Must(query::Portfolio(s, On("2026-06-15")))["totals"][0];
  CHECK(m["unit"] == "IDR");
  CHECK(m["loans"]["open"] == 3);
  CHECK(m["outstanding"]["value"] == 3000000);
  // 800,000 (all of m02's) + 900,000 (m03: 05-13, 05-27, 06-10)
  // + 600,000 (m04: 04-10, 05-10, 06-09)
  CHECK(m["overdue"]["value"] == 2300000);
  CheckRatio(m["par_1"], "100.00%", 1800000, 1800000);
  CheckRatio(m["par_90"], "44.44%", 800000, 1800000);  // m02: 102 days, m04: 66
  CheckRatio(m["restructured"]["share"], "40.00%", 1200000, 3000000);
  CheckRatio(m["restructured"]["par_30"], "100.00%", 1200000, 1200000);  // 33 days
  CheckRatio(m["restructured"]["par_90"], "0.00%", 0, 1200000);
  CheckRatio(m["arrears_rate"], "76.67%", 2300000, 3000000);
  CheckRatio(m["repayment_rate"], "0.00%", 0, 3000000);  // all three 3+ behind
  CheckBucket(m["aging"]["buckets"][2], "31-60", 1, 1200000);
  CheckBucket(m["aging"]["buckets"][3], "61-90", 1, 1000000);
  CheckBucket(m["aging"]["buckets"][4], "over_90", 1, 800000);
  CHECK(BalanceOf(s, "group:kube-mawar") == 7000000);
}

void WrittenOff(const LedgerSnapshot& s) {
  CHECK(BalanceOf(s, "loan:mawar-004") == 0);
  CHECK(BalanceOf(s, "loss:kube-mawar") == 1000000);
  CHECK(BalanceOf(s, "group:kube-mawar") == 7000000);
}

void Recovered(const LedgerSnapshot& s) {
  auto balances = query::Balances(s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"funder:apbd-dki", "IDR", -20000000}, {"group:kube-mawar", "IDR", 7250000},
      {"loan:mawar-001", "IDR", 0},          {"loan:mawar-002", "IDR", 800000},
      {"loan:mawar-003", "IDR", 1200000},    {"loan:mawar-004", "IDR", 0},
      {"loan:mawar-005", "IDR", 0},          {"loss:kube-mawar", "IDR", 750000},
      {"program:uep-2026", "IDR", 10000000}};
  CHECK(*balances == expected);

  const Json l4 = Must(query::Loan(s, "mawar-004", On("2026-09-30")));
  CHECK(l4["status"] == "written_off");
  CHECK(l4["written_off"] == 1000000);
  CHECK(l4["recovered"] == 250000);
  CHECK(l4["outstanding"]["value"] == 0);
  CHECK(l4["schedule"]["items"][0]["status"] == "written_off");
  REQUIRE(l4["entries"].size() == 3);
  CHECK(l4["entries"][1]["type"] == "LoanWrittenOff");
  CHECK(l4["entries"][1]["amount"] == -1000000);
  CHECK(l4["entries"][2]["type"] == "LoanRepaid");
  CHECK(l4["entries"][2]["amount"] == 0);  // a recovery: the loss account moves, not the loan
  CHECK(l4["entries"][2]["details"]["amount"] == 250000);

  const Json g = Must(query::Group(s, "kube-mawar", On("2026-09-30")));
  CHECK(g["fund"]["value"] == 7250000);
  CHECK(g["loss"]["value"] == 750000);
  CHECK(g["granted"]["value"] == 10000000);
  CHECK(g["members"][3]["open_loan"] == nullptr);  // a written-off loan is closed
  const Json& m = g["portfolio"];
  CHECK(
      m["loans"] ==
      Json{{"open", 2}, {"in_arrears", 2}, {"restructured", 1}, {"repaid", 2}, {"written_off", 1}});
  CHECK(m["outstanding"]["value"] == 2000000);
  CheckRatio(m["par_90"], "100.00%", 800000, 800000);                    // m02: 209 days
  CheckRatio(m["restructured"]["par_90"], "100.00%", 1200000, 1200000);  // m03: 140 days
  CheckRatio(m["arrears_rate"], "100.00%", 2000000, 2000000);
  CheckBucket(m["aging"]["buckets"][4], "over_90", 2, 2000000);
  CHECK(m["written_off"]["value"] == 1000000);
  CHECK(m["recovered"]["value"] == 250000);

  // Without a date the metrics are as of the last entry's date, and say so.
  const Json plain = Must(query::Group(s, "kube-mawar"));
  CHECK(plain["as_of"] == "2026-09-01");
  CHECK(plain["as_of_source"] == "last_entry");
  CHECK(g["as_of_source"] == "given");

  // The same numbers as of an earlier seq come from a replay of the log.
  const Json then = Must(query::Group(s, "kube-mawar", On("2026-04-20", 29)))["portfolio"];
  CheckRatio(then["par_1"], "94.74%", 1800000, 1900000);
  CHECK(then["as_of_seq"] == 29);
}

}  // namespace

TEST_CASE("a group's loan cycle: capital, loans, late payers, reschedule, write-off, recovery",
          "[query][scenario]") {
  testing::QueryLedger ledger;

  // The group is formed before any capital: its accounts have no unit yet.
  AddSeqs(ledger, 1, 7);
  auto fund = query::Balance(*ledger.Snapshot(), "group:kube-mawar");
  REQUIRE(fund.ok());
  CHECK(*fund == AccountBalance{"group:kube-mawar", "", 0});

  // Capital granted: half of the programme's allocation moves to the fund.
  AddSeqs(ledger, 8, 8);
  CapitalGranted(*ledger.Snapshot());

  // Three loans on 12 February: 4,200,000 leaves the fund.
  AddSeqs(ledger, 9, 11);
  FirstLoans(*ledger.Snapshot());

  // Repayments to 5 March; m02's second payment is keyed as 150,000 and
  // corrected to the 100,000 on the receipt.
  AddSeqs(ledger, 12, 18);
  EarlyRepayments(*ledger.Snapshot(), ledger);

  // To 16 April: m01 repays and borrows again, m04 borrows, m03's loan is
  // rescheduled after a flood: 1,800,000 over 6 fortnightly installments.
  AddSeqs(ledger, 19, 28);
  AfterReschedule(*ledger.Snapshot());

  // m01 finishes, m03 pays once more, then everyone behind stays behind.
  AddSeqs(ledger, 29, 30);
  BeforeWriteOff(*ledger.Snapshot());

  // m04 has left without a word: the loan is written off, then the family
  // pays back 250,000 in September.
  AddSeqs(ledger, 31, 31);
  WrittenOff(*ledger.Snapshot());
  AddSeqs(ledger, 32, 32);
  Recovered(*ledger.Snapshot());
}
