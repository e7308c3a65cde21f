// A year's work of a finance officer, one programme kind at a time: open the
// programme, record the funds, open each cycle with its control totals, enrol
// households in several RT/RW, pay the lists, record a transfer the bank or
// the post office sends back and a mis-keyed amount put right, close the
// cycle and send unspent money back to the funder. After each step the
// balances, the programme summary, the cycles, the area totals and the
// households' statements are checked against numbers worked out by hand
// (written in the comments next to them), and every mistake the rules should
// catch is shown to be refused without changing anything.
//
// Kinds: a monthly cash transfer (BLT Dana Desa), quarterly conditional cash
// (PKH), monthly food packages counted in packages (sembako), one-off
// micro-business grants and the programme side of a rotating-capital fund
// (seed capital to groups; a group's own loan cycle is in
// query_scenario_test.cc).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/receipt.h"

#include "test_util.h"

using namespace lumbung;
using Json = nlohmann::ordered_json;
using query::AccountBalance;

namespace {

constexpr const char* kOrigin = "lumbung.example/jakarta-timur/duren-sawit";
constexpr const char* kVillage = "31.75.07.1005";  // Kelurahan Duren Sawit

// --- events, in the event JSON shape officers submit ---

std::string Event(const char* type, const std::string& event_id, const char* date,
                  const Json& fields) {
  Json e{{"type", type}, {"event_id", event_id}, {"effective_date", date}};
  e.update(fields);
  return e.dump();
}

// "31.75.07.1005" + ".RW.RT".
std::string Area(const char* rw_rt) {
  return std::string(kVillage) + "." + rw_rt;
}

std::string Allocate(const std::string& id, const char* date, const std::string& program,
                     const char* funder, int64_t amount, const char* reference) {
  return Event(
      "FundsAllocated", id, date,
      {{"program_id", program}, {"funder", funder}, {"amount", amount}, {"reference", reference}});
}

std::string GiveBack(const std::string& id, const char* date, const std::string& program,
                     const char* funder, int64_t amount, const char* reference,
                     const char* reason) {
  return Event("FundsReturned", id, date,
               {{"program_id", program},
                {"funder", funder},
                {"amount", amount},
                {"reference", reference},
                {"reason", reason}});
}

std::string OpenCycle(const char* date, const std::string& program, const char* cycle,
                      int64_t planned_count, int64_t planned_amount) {
  return Event("CycleOpened", "open-" + program + "-" + cycle, date,
               {{"program_id", program},
                {"cycle", cycle},
                {"planned_count", planned_count},
                {"planned_amount", planned_amount}});
}

std::string CloseCycle(const char* date, const std::string& program, const char* cycle) {
  return Event("CycleClosed", "close-" + program + "-" + cycle, date,
               {{"program_id", program}, {"cycle", cycle}});
}

std::string Enrol(const char* date, const std::string& program, const char* beneficiary,
                  const char* rw_rt, const char* source) {
  return Event("BeneficiaryEnrolled", "enr-" + program + "-" + beneficiary, date,
               {{"program_id", program},
                {"beneficiary_id", beneficiary},
                {"region_code", Area(rw_rt)},
                {"household_id", beneficiary},
                {"source", source}});
}

std::string Exit(const char* date, const std::string& program, const char* beneficiary,
                 const char* reason) {
  return Event("BeneficiaryExited", "exit-" + program + "-" + beneficiary, date,
               {{"program_id", program}, {"beneficiary_id", beneficiary}, {"reason", reason}});
}

// The fields of an AidDisbursed (also a correction's replacement).
Json Payment(const std::string& program, const char* beneficiary, const char* cycle, int64_t amount,
             const char* channel) {
  return Json{{"program_id", program}, {"beneficiary_id", beneficiary},
              {"cycle", cycle},        {"amount", amount},
              {"channel", channel},    {"batch_id", program + "-" + cycle}};
}

// One row of a payment list; its event id is programme-cycle-household,
// plus `suffix` for a second attempt.
std::string Pay(const char* date, const std::string& program, const char* beneficiary,
                const char* cycle, int64_t amount, const char* channel,
                const std::string& suffix = "") {
  return Event("AidDisbursed", program + "-" + cycle + "-" + beneficiary + suffix, date,
               Payment(program, beneficiary, cycle, amount, channel));
}

std::string SentBack(const std::string& id, const char* date, uint64_t disbursed_seq,
                     const char* reason) {
  return Event("DisbursementReturned", id, date,
               {{"disbursed_seq", disbursed_seq}, {"reason", reason}});
}

std::string Correct(const std::string& id, const char* date, uint64_t target_seq,
                    const char* reason, const char* type, const Json& replacement) {
  Json nested{{"type", type}};
  nested.update(replacement);
  return Event("EventCorrected", id, date,
               {{"target_seq", target_seq}, {"reason", reason}, {"replacement", nested}});
}

// --- the officer's ledger ---

Json Must(Result<Json> answer) {
  INFO(answer.status().ToString());
  REQUIRE(answer.ok());
  return std::move(answer).value();
}

class Office {
 public:
  Office() {
    REQUIRE(Ledger::Init(dir_.path(), kOrigin).ok());
    auto opened = Ledger::Open(dir_.path());
    REQUIRE(opened.ok());
    ledger_ = std::move(*opened);
  }

  // Records one event, which must be accepted as entry `seq`.
  void Record(uint64_t seq, const std::string& event_json) {
    INFO(event_json);
    auto receipts = Submit(event_json);
    INFO((receipts.ok() ? std::string("ok") : receipts.status().ToString()));
    REQUIRE(receipts.ok());
    const Receipt& r = receipts->at(0);
    REQUIRE(r.seq == seq);
    CHECK_FALSE(r.replayed);
    receipts_[r.seq] = ReceiptCode(r.leaf_hash);
  }

  // Submits an event recorded before: the original receipt, nothing written.
  void Resubmit(uint64_t seq, const std::string& event_json) {
    INFO(event_json);
    const uint64_t size = ledger_->size();
    auto receipts = Submit(event_json);
    REQUIRE(receipts.ok());
    CHECK(receipts->at(0).seq == seq);
    CHECK(receipts->at(0).replayed);
    CHECK(ReceiptCode(receipts->at(0).leaf_hash) == receipts_.at(seq));
    CHECK(ledger_->size() == size);
  }

  // Submits an event the rules must refuse with `code` naming `field`; the
  // log, every balance and the programme's summary stay as they were.
  void Refused(const std::string& event_json, std::string_view code, std::string_view field,
               const std::string& program) {
    INFO(event_json);
    const uint64_t size = ledger_->size();
    const auto before = Snapshot();
    auto balances = query::Balances(*before);
    REQUIRE(balances.ok());
    const Json summary = Must(query::Program(*before, program));

    auto receipts = Submit(event_json);
    REQUIRE_FALSE(receipts.ok());
    const Status& st = receipts.status();
    INFO(st.ToString());
    CHECK(st.reason() == code);
    CHECK(st.field() == field);
    CHECK_FALSE(st.message().empty());

    const auto after = Snapshot();
    CHECK(ledger_->size() == size);
    auto balances_after = query::Balances(*after);
    REQUIRE(balances_after.ok());
    CHECK(*balances_after == *balances);
    CHECK(Must(query::Program(*after, program)) == summary);
  }

  std::unique_ptr<LedgerSnapshot> Snapshot() const { return ledger_->Snapshot(); }
  const std::string& ReceiptOf(uint64_t seq) const { return receipts_.at(seq); }

 private:
  Result<std::vector<Receipt>> Submit(const std::string& event_json) {
    std::vector<EventInput> batch;
    batch.push_back(DecodeEventJson(event_json));
    return ledger_->Append(std::move(batch), "officer:dinsos-duren-sawit");
  }

  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::map<uint64_t, std::string> receipts_;
};

// --- what the officer reads ---

query::Options AsOfSeq(uint64_t seq) {
  query::Options options;
  options.as_of_seq = seq;
  return options;
}

query::Options InArea(const char* rw_rt) {
  query::Options options;
  options.region_prefix = Area(rw_rt);
  return options;
}

int64_t BalanceOf(const LedgerSnapshot& snapshot, const std::string& account,
                  const query::Options& options = {}) {
  auto b = query::Balance(snapshot, account, options);
  INFO(account << ": " << b.status().ToString());
  REQUIRE(b.ok());
  return b->balance;
}

struct Totals {
  int64_t allocated, funds_returned, disbursed, disbursements_returned, granted, remaining,
      enrolled, recipients;
};

void CheckTotals(const Json& program, const Totals& want) {
  const Json& t = program["totals"];
  CHECK(t["allocated"]["value"] == want.allocated);
  CHECK(t["funds_returned"]["value"] == want.funds_returned);
  CHECK(t["disbursed"]["value"] == want.disbursed);
  CHECK(t["disbursements_returned"]["value"] == want.disbursements_returned);
  CHECK(t["granted"]["value"] == want.granted);
  CHECK(t["remaining"]["value"] == want.remaining);
  CHECK(t["enrolled"]["value"] == want.enrolled);
  CHECK(t["recipients"]["value"] == want.recipients);
}

void CheckRatio(const Json& metric, const char* value, int64_t numerator, int64_t denominator) {
  CHECK(metric["value"] == value);
  CHECK(metric["numerator"] == numerator);
  CHECK(metric["denominator"] == denominator);
}

Json CountAmount(int64_t count, int64_t amount) {
  return Json{{"count", count}, {"amount", amount}};
}

struct CycleFigures {
  const char* status;
  int64_t planned_count, planned_amount, paid_count, paid_amount, returned_count, returned_amount;
};

// The plan, what was paid and what came back; what is left of the plan is
// written out by hand too.
void CheckCycle(const Json& c, const CycleFigures& want, int64_t left_count, int64_t left_amount) {
  CHECK(c["status"] == want.status);
  CHECK(c["planned"] == CountAmount(want.planned_count, want.planned_amount));
  CHECK(c["paid"] == CountAmount(want.paid_count, want.paid_amount));
  CHECK(c["returned"] == CountAmount(want.returned_count, want.returned_amount));
  CHECK(c["remaining_plan"] == CountAmount(left_count, left_amount));
  CHECK(c["recipients_reached"]["value"] == want.paid_count);
}

Json AreaLine(const std::string& code, int64_t enrolled, int64_t recipients, int64_t paid_count,
              int64_t paid_amount) {
  return Json{{"code", code},
              {"enrolled", enrolled},
              {"recipients", recipients},
              {"paid_count", paid_count},
              {"paid_amount", paid_amount}};
}

Json AreaTotal(int64_t enrolled, int64_t recipients, int64_t paid_count, int64_t paid_amount) {
  return Json{{"enrolled", enrolled},
              {"recipients", recipients},
              {"paid_count", paid_count},
              {"paid_amount", paid_amount}};
}

void CheckLine(const Office& office, const Json& line, uint64_t seq, const char* date,
               const char* type, int64_t amount, int64_t balance) {
  INFO("statement line of seq " << seq);
  CHECK(line["seq"] == seq);
  CHECK(line["date"] == date);
  CHECK(line["type"] == type);
  CHECK(line["amount"] == amount);
  CHECK(line["balance"] == balance);
  CHECK(line["receipt"] == office.ReceiptOf(seq));
}

Json Active(const char* cycle, uint64_t seq, int64_t amount) {
  return Json{{"cycle", cycle}, {"seq", seq}, {"amount", amount}};
}

}  // namespace

// BLT Dana Desa: Rp 300.000 a month in cash to six households of RW 01, 02
// and 05, paid at the village office. The first tranche covers two months;
// March's list runs out of money until the second tranche arrives.
TEST_CASE("BLT Dana Desa: monthly cash, an uncollected payment, a typo, a late tranche",
          "[scenario][programme]") {
  Office office;
  const std::string p = "blt-dd-2026";
  office.Record(
      1,
      Event("ProgramOpened", "open-blt-dd-2026", "2026-01-02",
            {{"program_id", p},
             {"name", "BLT Dana Desa 2026"},
             {"kind", "CASH_TRANSFER"},
             {"unit", "IDR"},
             {"entitlement_per_cycle", 300000},
             {"legal_basis", "Keputusan Lurah tentang Penetapan KPM BLT Dana Desa Tahun 2026"}}));
  office.Record(2, Allocate("alloc-blt-dd-2026-q1", "2026-01-02", p, "kemenkeu-dana-desa", 3600000,
                            "SP2D No. 0001/LS/BLT-DD/2026"));
  office.Record(3, OpenCycle("2026-01-02", p, "2026-01", 6, 1800000));
  office.Record(4, Enrol("2026-01-02", p, "hh-000001", "01.001", "MUSDES"));
  office.Record(5, Enrol("2026-01-02", p, "hh-000002", "01.001", "MUSDES"));
  office.Record(6, Enrol("2026-01-02", p, "hh-000003", "01.004", "MUSDES"));
  office.Record(7, Enrol("2026-01-02", p, "hh-000004", "02.003", "MUSDES"));
  office.Record(8, Enrol("2026-01-02", p, "hh-000005", "02.003", "MUSDES"));
  office.Record(9, Enrol("2026-01-02", p, "hh-000006", "05.010", "MUSDES"));

  // Two months at once is above the monthly entitlement. The refused row's
  // event id is free again for the right amount.
  office.Refused(Pay("2026-01-10", p, "hh-000001", "2026-01", 600000, "CASH"), "over_entitlement",
                 "amount", p);

  // January's list; hh-000004's amount lost a zero.
  const std::string first = Pay("2026-01-10", p, "hh-000001", "2026-01", 300000, "CASH");
  office.Record(10, first);
  office.Record(11, Pay("2026-01-10", p, "hh-000002", "2026-01", 300000, "CASH"));
  office.Record(12, Pay("2026-01-10", p, "hh-000003", "2026-01", 300000, "CASH"));
  office.Record(13, Pay("2026-01-10", p, "hh-000004", "2026-01", 30000, "CASH"));
  office.Record(14, Pay("2026-01-10", p, "hh-000005", "2026-01", 300000, "CASH"));
  office.Record(15, Pay("2026-01-10", p, "hh-000006", "2026-01", 300000, "CASH"));
  // Uploading the same row again writes nothing; paying the same household
  // again under another id is refused.
  office.Resubmit(10, first);
  office.Refused(Pay("2026-01-10", p, "hh-000001", "2026-01", 300000, "CASH", "-dup"),
                 "already_disbursed", "beneficiary_id", p);
  {
    const auto s = office.Snapshot();
    // 3,600,000 - 5 x 300,000 - 30,000
    CHECK(BalanceOf(*s, "program:" + p) == 2070000);
    CHECK(BalanceOf(*s, "funder:kemenkeu-dana-desa") == -3600000);
    CheckCycle(Must(query::Cycle(*s, p, "2026-01")), {"open", 6, 1800000, 6, 1530000, 0, 0}, 0,
               270000);
  }

  // hh-000003 never came to collect; hh-000004's amount is put right.
  office.Record(16, SentBack("ret-blt-dd-2026-01-hh-000003", "2026-01-24", 12, "UNCLAIMED"));
  office.Record(17, Correct("fix-blt-dd-2026-01-hh-000004", "2026-01-24", 13,
                            "nominal salah ketik: satu digit nol terlewat", "AidDisbursed",
                            Payment(p, "hh-000004", "2026-01", 300000, "CASH")));
  office.Record(18, CloseCycle("2026-01-28", p, "2026-01"));
  office.Refused(Pay("2026-01-29", p, "hh-000003", "2026-01", 300000, "CASH", "-r1"),
                 "cycle_closed", "cycle", p);
  {
    const auto s = office.Snapshot();
    // 3,600,000 - 5 x 300,000
    CHECK(BalanceOf(*s, "program:" + p) == 2100000);
    const Json jan = Must(query::Cycle(*s, p, "2026-01"));
    CheckCycle(jan, {"closed", 6, 1800000, 5, 1500000, 1, 300000}, 1, 300000);
    CHECK(jan["closed_seq"] == 18);
    CheckRatio(jan["absorption"], "83.33%", 1500000, 1800000);
    CheckRatio(jan["absorption_count"], "83.33%", 5, 6);
  }

  // February: hh-000006's head of household has died.
  office.Record(19, OpenCycle("2026-02-02", p, "2026-02", 6, 1800000));
  office.Record(20, Exit("2026-02-02", p, "hh-000006", "DECEASED"));
  office.Refused(Pay("2026-02-10", p, "hh-000006", "2026-02", 300000, "CASH"), "not_enrolled",
                 "beneficiary_id", p);
  office.Record(21, Pay("2026-02-10", p, "hh-000001", "2026-02", 300000, "CASH"));
  office.Record(22, Pay("2026-02-10", p, "hh-000002", "2026-02", 300000, "CASH"));
  office.Record(23, Pay("2026-02-10", p, "hh-000003", "2026-02", 300000, "CASH"));
  office.Record(24, Pay("2026-02-10", p, "hh-000004", "2026-02", 300000, "CASH"));
  office.Record(25, Pay("2026-02-10", p, "hh-000005", "2026-02", 300000, "CASH"));
  office.Record(26, CloseCycle("2026-02-27", p, "2026-02"));

  // March: 600,000 left pays two households; the third waits for the
  // second tranche.
  office.Record(27, OpenCycle("2026-03-02", p, "2026-03", 5, 1500000));
  office.Record(28, Pay("2026-03-10", p, "hh-000001", "2026-03", 300000, "CASH"));
  office.Record(29, Pay("2026-03-10", p, "hh-000002", "2026-03", 300000, "CASH"));
  office.Refused(Pay("2026-03-10", p, "hh-000003", "2026-03", 300000, "CASH"), "insufficient_funds",
                 "amount", p);
  office.Record(30, Allocate("alloc-blt-dd-2026-q1-2", "2026-03-12", p, "kemenkeu-dana-desa",
                             3600000, "SP2D No. 0002/LS/BLT-DD/2026"));
  office.Record(31, Pay("2026-03-13", p, "hh-000003", "2026-03", 300000, "CASH"));
  office.Record(32, Pay("2026-03-13", p, "hh-000004", "2026-03", 300000, "CASH"));
  office.Record(33, Pay("2026-03-13", p, "hh-000005", "2026-03", 300000, "CASH"));
  office.Record(34, CloseCycle("2026-03-27", p, "2026-03"));

  // The village stops BLT after the first quarter: the 2,700,000 left goes
  // back, and not a rupiah more.
  office.Refused(GiveBack("refund-blt-dd-2026", "2026-12-30", p, "kemenkeu-dana-desa", 2700001,
                          "STS No. 001/STS/2026", "sisa dana tahun anggaran 2026 disetor kembali"),
                 "insufficient_funds", "amount", p);
  office.Record(35,
                GiveBack("refund-blt-dd-2026", "2026-12-30", p, "kemenkeu-dana-desa", 2700000,
                         "STS No. 001/STS/2026", "sisa dana tahun anggaran 2026 disetor kembali"));

  const auto s = office.Snapshot();
  auto balances = query::Balances(*s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"beneficiary:blt-dd-2026:hh-000001", "IDR", 900000},  // Jan, Feb, Mar
      {"beneficiary:blt-dd-2026:hh-000002", "IDR", 900000},
      {"beneficiary:blt-dd-2026:hh-000003", "IDR", 600000},  // Feb, Mar
      {"beneficiary:blt-dd-2026:hh-000004", "IDR", 900000},
      {"beneficiary:blt-dd-2026:hh-000005", "IDR", 900000},
      {"beneficiary:blt-dd-2026:hh-000006", "IDR", 300000},  // Jan
      {"funder:kemenkeu-dana-desa", "IDR", -4500000},        // 7,200,000 - 2,700,000
      {"program:blt-dd-2026", "IDR", 0},
  };
  CHECK(*balances == expected);
  // Before the second tranche the budget was empty; before the refund the
  // funder had provided both tranches.
  CHECK(BalanceOf(*s, "program:" + p, AsOfSeq(30)) == 0);
  CHECK(BalanceOf(*s, "program:" + p, AsOfSeq(35)) == 2700000);
  CHECK(BalanceOf(*s, "funder:kemenkeu-dana-desa", AsOfSeq(35)) == -7200000);

  const Json summary = Must(query::Program(*s, p));
  CHECK(summary["kind"] == "CASH_TRANSFER");
  CHECK(summary["as_of"] == "2026-12-30");
  CHECK(summary["as_of_seq"] == 36);
  // Disbursed: 5 + 5 + 5 payments of 300,000; remaining 7,200,000 -
  // 2,700,000 - 4,500,000.
  CheckTotals(summary, {7200000, 2700000, 4500000, 300000, 0, 0, 5, 6});
  CHECK(summary["totals"]["remaining"]["unit"] == "IDR");
  CheckRatio(summary["absorption"], "62.50%", 4500000, 7200000);
  CHECK(summary["funders"] ==
        Json::array({Json{{"funder", "kemenkeu-dana-desa"}, {"provided_net", 4500000}}}));
  const Json& cycles = summary["cycles"];
  REQUIRE(cycles.size() == 3);
  CHECK(cycles[0]["cycle"] == "2026-01");
  CheckCycle(cycles[0], {"closed", 6, 1800000, 5, 1500000, 1, 300000}, 1, 300000);
  CHECK(cycles[1]["cycle"] == "2026-02");
  CheckCycle(cycles[1], {"closed", 6, 1800000, 5, 1500000, 0, 0}, 1, 300000);
  CheckRatio(cycles[1]["absorption"], "83.33%", 1500000, 1800000);
  CHECK(cycles[2]["cycle"] == "2026-03");
  CheckCycle(cycles[2], {"closed", 5, 1500000, 5, 1500000, 0, 0}, 0, 0);
  CheckRatio(cycles[2]["absorption"], "100.00%", 1500000, 1500000);

  const Json& regions = summary["regions"];
  CHECK(regions["total"] == AreaTotal(5, 6, 15, 4500000));
  CHECK(regions["kelurahan"] == Json::array({AreaLine(kVillage, 5, 6, 15, 4500000)}));
  CHECK(regions["rw"] ==
        Json::array({AreaLine(Area("01"), 3, 3, 8, 2400000), AreaLine(Area("02"), 2, 2, 6, 1800000),
                     AreaLine(Area("05"), 0, 1, 1, 300000)}));
  CHECK(regions["rt"] == Json::array({AreaLine(Area("01.001"), 2, 2, 6, 1800000),
                                      AreaLine(Area("01.004"), 1, 1, 2, 600000),
                                      AreaLine(Area("02.003"), 2, 2, 6, 1800000),
                                      AreaLine(Area("05.010"), 0, 1, 1, 300000)}));
  const Json rw01 = Must(query::Program(*s, p, InArea("01")))["regions"];
  CHECK(rw01["total"] == AreaTotal(3, 3, 8, 2400000));

  // hh-000003: January back to the programme, February and March received.
  const Json b3 = Must(query::Beneficiary(*s, p, "hh-000003"));
  CHECK(b3["received"]["value"] == 600000);
  CHECK(b3["active_payments"] ==
        Json::array({Active("2026-02", 23, 300000), Active("2026-03", 31, 300000)}));
  REQUIRE(b3["entries"].size() == 5);
  CheckLine(office, b3["entries"][0], 6, "2026-01-02", "BeneficiaryEnrolled", 0, 0);
  CheckLine(office, b3["entries"][1], 12, "2026-01-10", "AidDisbursed", 300000, 300000);
  CheckLine(office, b3["entries"][2], 16, "2026-01-24", "DisbursementReturned", -300000, 0);
  CHECK(b3["entries"][2]["details"]["reason"] == "UNCLAIMED");
  CheckLine(office, b3["entries"][3], 23, "2026-02-10", "AidDisbursed", 300000, 300000);
  CheckLine(office, b3["entries"][4], 31, "2026-03-13", "AidDisbursed", 300000, 600000);

  // hh-000004: the correction adds the missing 270,000.
  const Json b4 = Must(query::Beneficiary(*s, p, "hh-000004"));
  CHECK(b4["received"]["value"] == 900000);
  CHECK(b4["active_payments"] ==
        Json::array({Active("2026-01", 17, 300000), Active("2026-02", 24, 300000),
                     Active("2026-03", 32, 300000)}));
  REQUIRE(b4["entries"].size() == 5);
  CheckLine(office, b4["entries"][1], 13, "2026-01-10", "AidDisbursed", 30000, 30000);
  CheckLine(office, b4["entries"][2], 17, "2026-01-24", "EventCorrected", 270000, 300000);
  CHECK(b4["entries"][2]["details"]["replacement"]["amount"] == 300000);

  const Json b6 = Must(query::Beneficiary(*s, p, "hh-000006"));
  CHECK(b6["status"] == "exited");
  CHECK(b6["exit_reason"] == "DECEASED");
  CHECK(b6["received"]["value"] == 300000);
  REQUIRE(b6["entries"].size() == 3);
  CheckLine(office, b6["entries"][2], 20, "2026-02-02", "BeneficiaryExited", 0, 300000);
}

// A bank letter says hh-000001's January transfer bounced; the officer
// records the return. The household then moves from RT 01.001 to RT 03.002
// and is enrolled there. The bank writes again: the letter was wrong, the
// money arrived. Taking the return back restores a payment that was made in
// RT 01.001, so it counts there (DESIGN §3.2: region totals show where aid
// went), as a return of it would leave RT 01.001 (query_test.cc has that
// case).
TEST_CASE("BLT Dana Desa: a return taken back after the household moved counts where it was paid",
          "[scenario][programme][regions]") {
  Office office;
  const std::string p = "blt-dd-2026";
  office.Record(
      1,
      Event("ProgramOpened", "open-blt-dd-2026", "2026-01-02",
            {{"program_id", p},
             {"name", "BLT Dana Desa 2026"},
             {"kind", "CASH_TRANSFER"},
             {"unit", "IDR"},
             {"entitlement_per_cycle", 300000},
             {"legal_basis", "Keputusan Lurah tentang Penetapan KPM BLT Dana Desa Tahun 2026"}}));
  office.Record(2, Allocate("alloc-blt-dd-2026-q1", "2026-01-02", p, "kemenkeu-dana-desa", 3600000,
                            "SP2D No. 0001/LS/BLT-DD/2026"));
  office.Record(3, OpenCycle("2026-01-02", p, "2026-01", 6, 1800000));
  office.Record(4, Enrol("2026-01-02", p, "hh-000001", "01.001", "MUSDES"));
  office.Record(5, Pay("2026-01-10", p, "hh-000001", "2026-01", 300000, "BANK"));
  office.Record(6, SentBack("ret-blt-dd-2026-01-hh-000001", "2026-01-20", 5, "ACCOUNT_NOT_FOUND"));
  office.Record(7, Exit("2026-01-25", p, "hh-000001", "MOVED"));
  office.Record(8, Event("BeneficiaryEnrolled", "enr-blt-dd-2026-hh-000001-2", "2026-01-26",
                         {{"program_id", p},
                          {"beneficiary_id", "hh-000001"},
                          {"region_code", Area("03.002")},
                          {"household_id", "hh-000001"},
                          {"source", "MUSDES"}}));
  office.Record(9, Event("EventCorrected", "fix-ret-blt-dd-2026-01-hh-000001", "2026-01-27",
                         {{"target_seq", 6}, {"reason", "surat bank keliru: transfer berhasil"}}));

  const auto s = office.Snapshot();
  CHECK(BalanceOf(*s, "program:" + p) == 3300000);
  CHECK(BalanceOf(*s, "beneficiary:blt-dd-2026:hh-000001") == 300000);
  CheckCycle(Must(query::Cycle(*s, p, "2026-01")), {"open", 6, 1800000, 1, 300000, 0, 0}, 5,
             1500000);
  const Json b1 = Must(query::Beneficiary(*s, p, "hh-000001"));
  CHECK(b1["region_code"] == Area("03.002"));
  CHECK(b1["active_payments"] == Json::array({Active("2026-01", 5, 300000)}));

  const Json regions = Must(query::Program(*s, p))["regions"];
  CHECK(regions["total"] == AreaTotal(1, 1, 1, 300000));
  CHECK(regions["rt"] == Json::array({AreaLine(Area("01.001"), 0, 1, 1, 300000),
                                      AreaLine(Area("03.002"), 1, 0, 0, 0)}));
  CHECK(regions["rw"] ==
        Json::array({AreaLine(Area("01"), 0, 1, 1, 300000), AreaLine(Area("03"), 1, 0, 0, 0)}));
}

// PKH: quarterly payments whose amount depends on the household's components
// (pregnancy, small children, pupils, elderly, disability), capped at
// 3,000,000 a quarter, by bank transfer. One account does not exist and is
// paid again by post; a second-quarter transfer bounces after the cycle was
// closed (first keyed against the wrong transfer and corrected) and the
// failed money goes back to the treasury.
TEST_CASE("PKH: quarterly conditional cash, a retry by post, a late bounce, failed funds returned",
          "[scenario][programme]") {
  Office office;
  const std::string p = "pkh-2026";
  office.Record(1, Event("ProgramOpened", "open-pkh-2026", "2026-01-02",
                         {{"program_id", p},
                          {"name", "Program Keluarga Harapan 2026"},
                          {"kind", "CONDITIONAL_CASH"},
                          {"unit", "IDR"},
                          {"entitlement_per_cycle", 3000000},
                          {"legal_basis",
                           "SK Direktur Jaminan Sosial Keluarga tentang Penetapan KPM PKH "
                           "Tahun 2026"}}));
  office.Record(2, Allocate("alloc-pkh-2026-q1", "2026-01-02", p, "kemensos-pkh", 10000000,
                            "DIPA-027.04.1.690475/2026 tahap 1"));
  // 1,500,000 + 600,000 + 600,000 + 1,100,000 + 975,000
  office.Record(3, OpenCycle("2026-01-02", p, "2026-Q1", 5, 4775000));
  office.Record(4, Enrol("2026-01-02", p, "hh-000101", "03.002", "DTSEN"));
  office.Record(5, Enrol("2026-01-02", p, "hh-000102", "03.002", "DTSEN"));
  office.Record(6, Enrol("2026-01-02", p, "hh-000103", "03.006", "DTSEN"));
  office.Record(7, Enrol("2026-01-02", p, "hh-000104", "07.001", "DTSEN"));
  office.Record(8, Enrol("2026-01-02", p, "hh-000105", "07.009", "DTSEN"));

  // Pregnant mother and a toddler; an elderly person; a primary and a junior
  // secondary pupil (typed a tenth); severe disability and a senior
  // secondary pupil; a toddler and a primary pupil.
  office.Record(9, Pay("2026-02-20", p, "hh-000101", "2026-Q1", 1500000, "BANK"));
  office.Record(10, Pay("2026-02-20", p, "hh-000102", "2026-Q1", 600000, "BANK"));
  office.Record(11, Pay("2026-02-20", p, "hh-000103", "2026-Q1", 60000, "BANK"));
  office.Record(12, Pay("2026-02-20", p, "hh-000104", "2026-Q1", 1100000, "BANK"));
  office.Record(13, Pay("2026-02-20", p, "hh-000105", "2026-Q1", 975000, "BANK"));
  office.Refused(Pay("2026-02-21", p, "hh-000102", "2026-Q1", 600000, "BANK", "-dup"),
                 "already_disbursed", "beneficiary_id", p);
  office.Record(14, Correct("fix-pkh-2026-Q1-hh-000103", "2026-02-24", 11,
                            "nominal salah ketik: satu digit nol terlewat", "AidDisbursed",
                            Payment(p, "hh-000103", "2026-Q1", 600000, "BANK")));
  office.Record(15, SentBack("ret-pkh-2026-Q1-hh-000105", "2026-02-27", 13, "ACCOUNT_NOT_FOUND"));
  // The return frees the household's slot in the quarter: paid by post.
  office.Record(16, Pay("2026-03-08", p, "hh-000105", "2026-Q1", 975000, "POST", "-r1"));
  // A household added on appeal cannot be paid from a quarter whose list
  // is used up.
  office.Record(17, Enrol("2026-03-10", p, "hh-000106", "07.009", "APPEAL"));
  office.Refused(Pay("2026-03-10", p, "hh-000106", "2026-Q1", 750000, "BANK"), "over_plan", "cycle",
                 p);
  office.Record(18, CloseCycle("2026-03-28", p, "2026-Q1"));
  {
    const auto s = office.Snapshot();
    CHECK(BalanceOf(*s, "program:" + p) == 5225000);  // 10,000,000 - 4,775,000
    const Json q1 = Must(query::Cycle(*s, p, "2026-Q1"));
    CheckCycle(q1, {"closed", 5, 4775000, 5, 4775000, 1, 975000}, 0, 0);
    CheckRatio(q1["absorption"], "100.00%", 4775000, 4775000);
  }

  // Second quarter: a second tranche; the elderly recipient has died.
  office.Record(19, Allocate("alloc-pkh-2026-q2", "2026-04-02", p, "kemensos-pkh", 5000000,
                             "DIPA-027.04.1.690475/2026 tahap 2"));
  // The first quarter's five plus hh-000106's 750,000.
  office.Record(20, OpenCycle("2026-04-02", p, "2026-Q2", 6, 5525000));
  office.Record(21, Exit("2026-04-15", p, "hh-000102", "DECEASED"));
  // 11,000,000 typed for 1,100,000 is above the cap.
  office.Refused(Pay("2026-05-20", p, "hh-000104", "2026-Q2", 11000000, "BANK"), "over_entitlement",
                 "amount", p);
  office.Refused(Pay("2026-05-20", p, "hh-000102", "2026-Q2", 600000, "BANK"), "not_enrolled",
                 "beneficiary_id", p);
  office.Record(22, Pay("2026-05-20", p, "hh-000101", "2026-Q2", 1500000, "BANK"));
  office.Record(23, Pay("2026-05-20", p, "hh-000103", "2026-Q2", 600000, "BANK"));
  office.Record(24, Pay("2026-05-20", p, "hh-000104", "2026-Q2", 1100000, "BANK"));
  office.Record(25, Pay("2026-05-20", p, "hh-000105", "2026-Q2", 975000, "POST"));
  office.Record(26, Pay("2026-05-20", p, "hh-000106", "2026-Q2", 750000, "BANK"));
  office.Record(27, CloseCycle("2026-06-26", p, "2026-Q2"));
  // The bank bounces hh-000104's transfer after the close. The return is
  // first keyed against hh-000103's transfer (seq 23) and corrected: the
  // correction puts hh-000103's payment back and returns hh-000104's.
  office.Record(28, SentBack("ret-pkh-2026-Q2-hh-000104", "2026-07-03", 23, "BANK_REJECT"));
  office.Record(29,
                Correct("fix-ret-pkh-2026-Q2-hh-000104", "2026-07-06", 28,
                        "salah pilih transaksi: surat bank untuk hh-000104", "DisbursementReturned",
                        {{"disbursed_seq", 24}, {"reason", "BANK_REJECT"}}));
  // A closed quarter cannot pay it again, and the typo corrected away at
  // seq 11 cannot come back from the bank.
  office.Refused(Pay("2026-07-07", p, "hh-000104", "2026-Q2", 1100000, "BANK", "-r1"),
                 "cycle_closed", "cycle", p);
  office.Refused(SentBack("ret-pkh-2026-Q1-hh-000103", "2026-07-07", 11, "BANK_REJECT"),
                 "already_returned", "disbursed_seq", p);
  // 15,000,000 - 4,775,000 - (4,925,000 - 1,100,000)
  CHECK(BalanceOf(*office.Snapshot(), "program:" + p) == 6400000);
  office.Record(30, GiveBack("refund-pkh-2026-q2", "2026-07-10", p, "kemensos-pkh", 1100000,
                             "STS No. 002/STS/2026",
                             "dana gagal salur tahap 2 disetor kembali ke kas negara"));

  const auto s = office.Snapshot();
  auto balances = query::Balances(*s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"beneficiary:pkh-2026:hh-000101", "IDR", 3000000},
      {"beneficiary:pkh-2026:hh-000102", "IDR", 600000},
      {"beneficiary:pkh-2026:hh-000103", "IDR", 1200000},
      {"beneficiary:pkh-2026:hh-000104", "IDR", 1100000},  // Q2 bounced
      {"beneficiary:pkh-2026:hh-000105", "IDR", 1950000},
      {"beneficiary:pkh-2026:hh-000106", "IDR", 750000},
      {"funder:kemensos-pkh", "IDR", -13900000},  // 15,000,000 - 1,100,000
      {"program:pkh-2026", "IDR", 5300000},
  };
  CHECK(*balances == expected);

  const Json summary = Must(query::Program(*s, p));
  CHECK(summary["entitlement_per_cycle"] == 3000000);
  // Disbursed: Q1 4,775,000 + Q2 3,825,000; back from the banks: 975,000
  // (Q1, paid again) + 1,100,000 (Q2).
  CheckTotals(summary, {15000000, 1100000, 8600000, 2075000, 0, 5300000, 5, 6});
  CheckRatio(summary["absorption"], "57.33%", 8600000, 15000000);
  CHECK(summary["funders"] ==
        Json::array({Json{{"funder", "kemensos-pkh"}, {"provided_net", 13900000}}}));
  REQUIRE(summary["cycles"].size() == 2);
  CheckCycle(summary["cycles"][0], {"closed", 5, 4775000, 5, 4775000, 1, 975000}, 0, 0);
  const Json q2 = Must(query::Cycle(*s, p, "2026-Q2"));
  CHECK(summary["cycles"][1]["paid"] == q2["paid"]);
  CheckCycle(q2, {"closed", 6, 5525000, 4, 3825000, 1, 1100000}, 2, 1700000);
  CHECK(q2["closed_seq"] == 27);
  CheckRatio(q2["absorption"], "69.23%", 3825000, 5525000);
  CheckRatio(q2["absorption_count"], "66.67%", 4, 6);
  // When the quarter closed, all five transfers stood; then for a while
  // hh-000103's seemed to have come back.
  const Json closed = Must(query::Cycle(*s, p, "2026-Q2", AsOfSeq(28)));
  CheckCycle(closed, {"closed", 6, 5525000, 5, 4925000, 0, 0}, 1, 600000);
  const Json mis_keyed = Must(query::Cycle(*s, p, "2026-Q2", AsOfSeq(29)));
  CheckCycle(mis_keyed, {"closed", 6, 5525000, 4, 4325000, 1, 600000}, 2, 1200000);

  const Json& regions = summary["regions"];
  CHECK(regions["total"] == AreaTotal(5, 6, 9, 8600000));
  CHECK(regions["rw"] == Json::array({AreaLine(Area("03"), 2, 3, 5, 4800000),
                                      AreaLine(Area("07"), 3, 3, 4, 3800000)}));
  CHECK(regions["rt"] == Json::array({AreaLine(Area("03.002"), 1, 2, 3, 3600000),
                                      AreaLine(Area("03.006"), 1, 1, 2, 1200000),
                                      AreaLine(Area("07.001"), 1, 1, 1, 1100000),
                                      AreaLine(Area("07.009"), 2, 2, 3, 2700000)}));
  const Json rw07 = Must(query::Program(*s, p, InArea("07")))["regions"];
  CHECK(rw07["total"] == AreaTotal(3, 3, 4, 3800000));
  CHECK(rw07["rt"].size() == 2);

  // hh-000105: bounced, paid by post, paid again next quarter.
  const Json b5 = Must(query::Beneficiary(*s, p, "hh-000105"));
  CHECK(b5["received"]["value"] == 1950000);
  CHECK(b5["active_payments"] ==
        Json::array({Active("2026-Q1", 16, 975000), Active("2026-Q2", 25, 975000)}));
  REQUIRE(b5["entries"].size() == 5);
  CheckLine(office, b5["entries"][0], 8, "2026-01-02", "BeneficiaryEnrolled", 0, 0);
  CheckLine(office, b5["entries"][1], 13, "2026-02-20", "AidDisbursed", 975000, 975000);
  CheckLine(office, b5["entries"][2], 15, "2026-02-27", "DisbursementReturned", -975000, 0);
  CHECK(b5["entries"][2]["details"]["reason"] == "ACCOUNT_NOT_FOUND");
  CheckLine(office, b5["entries"][3], 16, "2026-03-08", "AidDisbursed", 975000, 975000);
  CHECK(b5["entries"][3]["details"]["channel"] == "POST");
  CheckLine(office, b5["entries"][4], 25, "2026-05-20", "AidDisbursed", 975000, 1950000);

  // hh-000104: the second quarter came back after the close, by the
  // correction of the mis-keyed return.
  const Json b4 = Must(query::Beneficiary(*s, p, "hh-000104"));
  CHECK(b4["received"]["value"] == 1100000);
  CHECK(b4["active_payments"] == Json::array({Active("2026-Q1", 12, 1100000)}));
  REQUIRE(b4["entries"].size() == 4);
  CheckLine(office, b4["entries"][3], 29, "2026-07-06", "EventCorrected", -1100000, 1100000);
  CHECK(b4["entries"][3]["details"]["replacement"]["disbursed_seq"] == 24);

  // hh-000103: the typo put right, then the return keyed against the wrong
  // transfer and taken back.
  const Json b3 = Must(query::Beneficiary(*s, p, "hh-000103"));
  CHECK(b3["received"]["value"] == 1200000);
  CHECK(b3["active_payments"] ==
        Json::array({Active("2026-Q1", 14, 600000), Active("2026-Q2", 23, 600000)}));
  REQUIRE(b3["entries"].size() == 6);
  CheckLine(office, b3["entries"][1], 11, "2026-02-20", "AidDisbursed", 60000, 60000);
  CheckLine(office, b3["entries"][2], 14, "2026-02-24", "EventCorrected", 540000, 600000);
  CheckLine(office, b3["entries"][3], 23, "2026-05-20", "AidDisbursed", 600000, 1200000);
  CheckLine(office, b3["entries"][4], 28, "2026-07-03", "DisbursementReturned", -600000, 600000);
  CheckLine(office, b3["entries"][5], 29, "2026-07-06", "EventCorrected", 600000, 1200000);
}

// Bantuan Pangan Sembako: one package a month per household, counted in
// packages (PKG_SEMBAKO), never in rupiah. One package handed to hh-000204
// was written down under hh-000205; one was never collected and went back
// to the warehouse; two damaged packages go back to the supplier; February's
// list runs out of stock until the second delivery.
TEST_CASE("Sembako: monthly packages in kind, a wrong recipient, damaged stock sent back",
          "[scenario][programme]") {
  Office office;
  const std::string p = "bpnt-2026";
  const char* supplier = "kemensos-sembako-pkg";
  office.Record(1, Event("ProgramOpened", "open-bpnt-2026", "2026-01-02",
                         {{"program_id", p},
                          {"name", "Bantuan Pangan Sembako 2026"},
                          {"kind", "FOOD"},
                          {"unit", "PKG_SEMBAKO"},
                          {"entitlement_per_cycle", 1},
                          {"legal_basis",
                           "SK Dirjen Penanganan Fakir Miskin tentang Penyaluran Bantuan Pangan "
                           "Tahun 2026"}}));
  office.Record(2, Allocate("alloc-bpnt-2026-1", "2026-01-05", p, supplier, 14,
                            "BAST No. 001/BAST-SEMBAKO/2026"));
  office.Record(3, OpenCycle("2026-01-05", p, "2026-01", 8, 8));
  office.Record(4, Enrol("2026-01-05", p, "hh-000201", "02.001", "DTSEN"));
  office.Record(5, Enrol("2026-01-05", p, "hh-000202", "02.001", "DTSEN"));
  office.Record(6, Enrol("2026-01-05", p, "hh-000203", "02.004", "DTSEN"));
  office.Record(7, Enrol("2026-01-05", p, "hh-000204", "06.003", "DTSEN"));
  office.Record(8, Enrol("2026-01-05", p, "hh-000205", "06.003", "DTSEN"));
  office.Record(9, Enrol("2026-01-05", p, "hh-000206", "06.003", "DTSEN"));
  office.Record(10, Enrol("2026-01-05", p, "hh-000207", "10.002", "DTSEN"));
  office.Record(11, Enrol("2026-01-05", p, "hh-000208", "10.002", "APPEAL"));

  office.Refused(Pay("2026-01-15", p, "hh-000201", "2026-01", 2, "IN_KIND"), "over_entitlement",
                 "amount", p);
  office.Record(12, Pay("2026-01-15", p, "hh-000201", "2026-01", 1, "IN_KIND"));
  office.Record(13, Pay("2026-01-15", p, "hh-000202", "2026-01", 1, "IN_KIND"));
  office.Record(14, Pay("2026-01-15", p, "hh-000203", "2026-01", 1, "IN_KIND"));
  office.Record(15, Pay("2026-01-15", p, "hh-000205", "2026-01", 1, "IN_KIND"));  // was hh-000204
  office.Record(16, Pay("2026-01-15", p, "hh-000206", "2026-01", 1, "IN_KIND"));
  office.Record(17, Pay("2026-01-15", p, "hh-000207", "2026-01", 1, "IN_KIND"));
  office.Record(18, Pay("2026-01-15", p, "hh-000208", "2026-01", 1, "IN_KIND"));
  office.Refused(Pay("2026-01-15", p, "hh-000206", "2026-01", 1, "IN_KIND", "-dup"),
                 "already_disbursed", "beneficiary_id", p);
  // The correction moves the package to the household that took it.
  office.Record(19, Correct("fix-bpnt-2026-01-hh-000205", "2026-01-16", 15,
                            "paket diambil KPM lain: salah catat penerima", "AidDisbursed",
                            Payment(p, "hh-000204", "2026-01", 1, "IN_KIND")));
  office.Record(20, SentBack("ret-bpnt-2026-01-hh-000207", "2026-01-28", 17, "UNCLAIMED"));
  office.Record(21, CloseCycle("2026-01-28", p, "2026-01"));
  {
    const auto s = office.Snapshot();
    // 14 delivered - 7 handed out + 1 back in the warehouse
    CHECK(BalanceOf(*s, "program:" + p) == 8);
    CHECK(BalanceOf(*s, "beneficiary:bpnt-2026:hh-000204") == 1);
    CHECK(BalanceOf(*s, "beneficiary:bpnt-2026:hh-000205") == 0);
    const Json jan = Must(query::Cycle(*s, p, "2026-01"));
    CHECK(jan["unit"] == "PKG_SEMBAKO");
    CheckCycle(jan, {"closed", 8, 8, 6, 6, 1, 1}, 2, 2);
    CheckRatio(jan["absorption"], "75.00%", 6, 8);
    CHECK(jan["absorption"]["unit"] == "PKG_SEMBAKO");
  }

  // Two packages of wet rice go back to the supplier; hh-000205 has moved.
  office.Record(22, GiveBack("retur-bpnt-2026-1", "2026-02-03", p, supplier, 2,
                             "BA Retur No. 001/BAST-SEMBAKO/2026",
                             "kemasan rusak (beras basah), dikembalikan ke penyedia"));
  office.Record(23, Exit("2026-02-03", p, "hh-000205", "MOVED"));
  office.Record(24, OpenCycle("2026-02-03", p, "2026-02", 7, 7));
  office.Record(25, Pay("2026-02-15", p, "hh-000201", "2026-02", 1, "IN_KIND"));
  office.Record(26, Pay("2026-02-15", p, "hh-000202", "2026-02", 1, "IN_KIND"));
  office.Record(27, Pay("2026-02-15", p, "hh-000203", "2026-02", 1, "IN_KIND"));
  office.Record(28, Pay("2026-02-15", p, "hh-000204", "2026-02", 1, "IN_KIND"));
  office.Record(29, Pay("2026-02-15", p, "hh-000206", "2026-02", 1, "IN_KIND"));
  office.Record(30, Pay("2026-02-15", p, "hh-000207", "2026-02", 1, "IN_KIND"));
  // 8 - 2 returned - 6 handed out: the warehouse is empty.
  office.Refused(Pay("2026-02-15", p, "hh-000208", "2026-02", 1, "IN_KIND"), "insufficient_funds",
                 "amount", p);
  office.Refused(Pay("2026-02-15", p, "hh-000205", "2026-02", 1, "IN_KIND"), "not_enrolled",
                 "beneficiary_id", p);
  office.Record(31, Allocate("alloc-bpnt-2026-2", "2026-02-20", p, supplier, 10,
                             "BAST No. 002/BAST-SEMBAKO/2026"));
  office.Record(32, Pay("2026-02-21", p, "hh-000208", "2026-02", 1, "IN_KIND"));
  office.Record(33, CloseCycle("2026-02-27", p, "2026-02"));

  const auto s = office.Snapshot();
  auto balances = query::Balances(*s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"beneficiary:bpnt-2026:hh-000201", "PKG_SEMBAKO", 2},
      {"beneficiary:bpnt-2026:hh-000202", "PKG_SEMBAKO", 2},
      {"beneficiary:bpnt-2026:hh-000203", "PKG_SEMBAKO", 2},
      {"beneficiary:bpnt-2026:hh-000204", "PKG_SEMBAKO", 2},
      {"beneficiary:bpnt-2026:hh-000205", "PKG_SEMBAKO", 0},
      {"beneficiary:bpnt-2026:hh-000206", "PKG_SEMBAKO", 2},
      {"beneficiary:bpnt-2026:hh-000207", "PKG_SEMBAKO", 1},  // February only
      {"beneficiary:bpnt-2026:hh-000208", "PKG_SEMBAKO", 2},
      {"funder:kemensos-sembako-pkg", "PKG_SEMBAKO", -22},  // 14 + 10 - 2
      {"program:bpnt-2026", "PKG_SEMBAKO", 9},              // 24 - 2 - 13
  };
  CHECK(*balances == expected);

  const Json summary = Must(query::Program(*s, p));
  CHECK(summary["unit"] == "PKG_SEMBAKO");
  CheckTotals(summary, {24, 2, 13, 1, 0, 9, 7, 7});
  CHECK(summary["totals"]["disbursed"]["unit"] == "PKG_SEMBAKO");
  CheckRatio(summary["absorption"], "54.17%", 13, 24);
  CHECK(summary["funders"] == Json::array({Json{{"funder", supplier}, {"provided_net", 22}}}));
  REQUIRE(summary["cycles"].size() == 2);
  CheckCycle(summary["cycles"][0], {"closed", 8, 8, 6, 6, 1, 1}, 2, 2);
  CheckCycle(summary["cycles"][1], {"closed", 7, 7, 7, 7, 0, 0}, 0, 0);
  CheckRatio(summary["cycles"][1]["absorption"], "100.00%", 7, 7);

  const Json& regions = summary["regions"];
  CHECK(regions["unit"] == "PKG_SEMBAKO");
  CHECK(regions["total"] == AreaTotal(7, 7, 13, 13));
  CHECK(regions["rw"] ==
        Json::array({AreaLine(Area("02"), 3, 3, 6, 6), AreaLine(Area("06"), 2, 2, 4, 4),
                     AreaLine(Area("10"), 2, 2, 3, 3)}));
  CHECK(regions["rt"] ==
        Json::array({AreaLine(Area("02.001"), 2, 2, 4, 4), AreaLine(Area("02.004"), 1, 1, 2, 2),
                     AreaLine(Area("06.003"), 2, 2, 4, 4), AreaLine(Area("10.002"), 2, 2, 3, 3)}));
  const Json rt = Must(query::Program(*s, p, InArea("06.003")))["regions"];
  CHECK(rt["total"] == AreaTotal(2, 2, 4, 4));
  CHECK(!rt.contains("rw"));

  // hh-000205 shows the package written down and taken back, then the move.
  const Json b5 = Must(query::Beneficiary(*s, p, "hh-000205"));
  CHECK(b5["status"] == "exited");
  CHECK(b5["exit_reason"] == "MOVED");
  CHECK(b5["received"]["value"] == 0);
  CHECK(b5["received"]["unit"] == "PKG_SEMBAKO");
  CHECK(b5["active_payments"].empty());
  REQUIRE(b5["entries"].size() == 4);
  CheckLine(office, b5["entries"][1], 15, "2026-01-15", "AidDisbursed", 1, 1);
  CheckLine(office, b5["entries"][2], 19, "2026-01-16", "EventCorrected", -1, 0);
  CheckLine(office, b5["entries"][3], 23, "2026-02-03", "BeneficiaryExited", 0, 0);

  // hh-000204's January package is the correction's replacement.
  const Json b4 = Must(query::Beneficiary(*s, p, "hh-000204"));
  CHECK(b4["active_payments"] == Json::array({Active("2026-01", 19, 1), Active("2026-02", 28, 1)}));
  REQUIRE(b4["entries"].size() == 3);
  CheckLine(office, b4["entries"][1], 19, "2026-01-16", "EventCorrected", 1, 1);
  CheckLine(office, b4["entries"][2], 28, "2026-02-15", "AidDisbursed", 1, 2);
}

// Bantuan Modal Usaha Mikro: a one-off grant of up to 2,500,000 to a
// household's small business, chosen from proposals, in two rounds (Q2 and
// Q3). The grant is an AidDisbursed to the household: it counts as disbursed,
// not as "granted", which is capital granted to groups (CapitalGranted).
TEST_CASE("Micro-business grants: one-off grants per round, a revised budget, a late bounce",
          "[scenario][programme]") {
  Office office;
  const std::string p = "ukm-2026";
  office.Record(1, Event("ProgramOpened", "open-ukm-2026", "2026-01-02",
                         {{"program_id", p},
                          {"name", "Bantuan Modal Usaha Mikro 2026"},
                          {"kind", "MICRO_GRANT"},
                          {"unit", "IDR"},
                          {"entitlement_per_cycle", 2500000},
                          {"legal_basis",
                           "SK Lurah Duren Sawit tentang Penerima Bantuan Modal Usaha Mikro "
                           "Tahun 2026"}}));
  office.Record(2, Allocate("alloc-ukm-2026", "2026-01-02", p, "apbd-dki", 10000000,
                            "DPA SKPD 3.31.01 Dinas PPKUKM/2026"));
  // A stall, a tailor, a fried-snack cart: 2,500,000 + 2,000,000 + 2,000,000.
  office.Record(3, OpenCycle("2026-04-01", p, "2026-Q2", 3, 6500000));
  office.Record(4, Enrol("2026-04-01", p, "hh-000301", "04.002", "PROPOSAL"));
  office.Record(5, Enrol("2026-04-01", p, "hh-000302", "04.007", "PROPOSAL"));
  office.Record(6, Enrol("2026-04-01", p, "hh-000303", "09.001", "PROPOSAL"));
  // The proposal asked for 3,000,000; the decree caps a grant at 2,500,000.
  office.Refused(Pay("2026-05-20", p, "hh-000301", "2026-Q2", 3000000, "BANK"), "over_entitlement",
                 "amount", p);
  office.Record(7, Pay("2026-05-20", p, "hh-000301", "2026-Q2", 2500000, "BANK"));
  office.Record(8, Pay("2026-05-20", p, "hh-000302", "2026-Q2", 200000, "BANK"));
  office.Record(9, Pay("2026-05-20", p, "hh-000303", "2026-Q2", 2000000, "BANK"));
  office.Record(10, Correct("fix-ukm-2026-Q2-hh-000302", "2026-05-24", 8,
                            "nominal salah ketik: satu digit nol terlewat", "AidDisbursed",
                            Payment(p, "hh-000302", "2026-Q2", 2000000, "BANK")));
  office.Record(11, CloseCycle("2026-06-26", p, "2026-Q2"));
  {
    const auto s = office.Snapshot();
    CHECK(BalanceOf(*s, "program:" + p) == 3500000);  // 10,000,000 - 6,500,000
    const Json q2 = Must(query::Cycle(*s, p, "2026-Q2"));
    CheckCycle(q2, {"closed", 3, 6500000, 3, 6500000, 0, 0}, 0, 0);
    CheckRatio(q2["absorption"], "100.00%", 6500000, 6500000);
  }

  // Second round: 2,500,000 + 2,000,000 planned, 3,500,000 in the budget.
  office.Record(12, OpenCycle("2026-07-01", p, "2026-Q3", 2, 4500000));
  office.Record(13, Enrol("2026-07-01", p, "hh-000304", "09.001", "PROPOSAL"));
  office.Record(14, Enrol("2026-07-01", p, "hh-000305", "12.003", "PROPOSAL"));
  office.Record(15, Pay("2026-08-20", p, "hh-000304", "2026-Q3", 2500000, "BANK"));
  office.Refused(Pay("2026-08-20", p, "hh-000305", "2026-Q3", 2000000, "BANK"),
                 "insufficient_funds", "amount", p);
  // The revised budget (APBD-P) adds 2,000,000.
  office.Record(16, Allocate("alloc-ukm-2026-p", "2026-09-01", p, "apbd-dki", 2000000,
                             "DPA-P SKPD 3.31.01 Dinas PPKUKM/2026"));
  office.Record(17, Pay("2026-09-02", p, "hh-000305", "2026-Q3", 2000000, "BANK"));
  office.Record(18, CloseCycle("2026-09-25", p, "2026-Q3"));
  // The bank rejects hh-000305's transfer after the round closed: the money
  // stays with the programme.
  office.Record(19, SentBack("ret-ukm-2026-Q3-hh-000305", "2026-10-05", 17, "BANK_REJECT"));
  office.Refused(Pay("2026-10-06", p, "hh-000305", "2026-Q3", 2000000, "BANK", "-r1"),
                 "cycle_closed", "cycle", p);
  // 12,000,000 - 6,500,000 - 2,500,000 goes back at the year's end.
  office.Record(
      20, GiveBack("refund-ukm-2026", "2026-12-30", p, "apbd-dki", 3000000, "STS No. 004/STS/2026",
                   "sisa dana tahun anggaran 2026 disetor kembali"));

  const auto s = office.Snapshot();
  auto balances = query::Balances(*s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"beneficiary:ukm-2026:hh-000301", "IDR", 2500000},
      {"beneficiary:ukm-2026:hh-000302", "IDR", 2000000},
      {"beneficiary:ukm-2026:hh-000303", "IDR", 2000000},
      {"beneficiary:ukm-2026:hh-000304", "IDR", 2500000},
      {"beneficiary:ukm-2026:hh-000305", "IDR", 0},
      {"funder:apbd-dki", "IDR", -9000000},  // 12,000,000 - 3,000,000
      {"program:ukm-2026", "IDR", 0},
  };
  CHECK(*balances == expected);
  CHECK(BalanceOf(*s, "program:" + p, AsOfSeq(16)) == 1000000);  // before the APBD-P
  CHECK(BalanceOf(*s, "beneficiary:ukm-2026:hh-000305", AsOfSeq(19)) == 2000000);

  const Json summary = Must(query::Program(*s, p));
  CHECK(summary["kind"] == "MICRO_GRANT");
  CheckTotals(summary, {12000000, 3000000, 9000000, 2000000, 0, 0, 5, 4});
  CheckRatio(summary["absorption"], "75.00%", 9000000, 12000000);
  CHECK(summary["funders"] ==
        Json::array({Json{{"funder", "apbd-dki"}, {"provided_net", 9000000}}}));
  REQUIRE(summary["cycles"].size() == 2);
  CHECK(summary["cycles"][1]["cycle"] == "2026-Q3");
  CheckCycle(summary["cycles"][1], {"closed", 2, 4500000, 1, 2500000, 1, 2000000}, 1, 2000000);
  CheckRatio(summary["cycles"][1]["absorption"], "55.56%", 2500000, 4500000);
  CheckRatio(summary["cycles"][1]["absorption_count"], "50.00%", 1, 2);

  const Json& regions = summary["regions"];
  CHECK(regions["total"] == AreaTotal(5, 4, 4, 9000000));
  CHECK(regions["rw"] ==
        Json::array({AreaLine(Area("04"), 2, 2, 2, 4500000), AreaLine(Area("09"), 2, 2, 2, 4500000),
                     AreaLine(Area("12"), 1, 0, 0, 0)}));
  CHECK(regions["rt"] ==
        Json::array(
            {AreaLine(Area("04.002"), 1, 1, 1, 2500000), AreaLine(Area("04.007"), 1, 1, 1, 2000000),
             AreaLine(Area("09.001"), 2, 2, 2, 4500000), AreaLine(Area("12.003"), 1, 0, 0, 0)}));
  CHECK(Must(query::Program(*s, p, InArea("12")))["regions"]["total"] == AreaTotal(1, 0, 0, 0));

  const Json b2 = Must(query::Beneficiary(*s, p, "hh-000302"));
  CHECK(b2["source"] == "PROPOSAL");
  CHECK(b2["received"]["value"] == 2000000);
  CHECK(b2["active_payments"] == Json::array({Active("2026-Q2", 10, 2000000)}));
  REQUIRE(b2["entries"].size() == 3);
  CheckLine(office, b2["entries"][1], 8, "2026-05-20", "AidDisbursed", 200000, 200000);
  CheckLine(office, b2["entries"][2], 10, "2026-05-24", "EventCorrected", 1800000, 2000000);

  const Json b5 = Must(query::Beneficiary(*s, p, "hh-000305"));
  CHECK(b5["received"]["value"] == 0);
  CHECK(b5["active_payments"].empty());
  REQUIRE(b5["entries"].size() == 3);
  CheckLine(office, b5["entries"][1], 17, "2026-09-02", "AidDisbursed", 2000000, 2000000);
  CheckLine(office, b5["entries"][2], 19, "2026-10-05", "DisbursementReturned", -2000000, 0);
}

// Dana Bergulir KUBE, the programme's side: seed capital granted to three
// groups in RW 01, 02 and 03 (Rp 1.250.000 a member, rounded down to
// Rp 500.000), one grant mis-keyed and corrected, a zakat agency's top-up
// when the budget falls short, a grant that can no longer be taken back
// because the group has lent it out, and the rest returned at the year's
// end. Capital moves to groups, not households: no cycles, no enrolments.
TEST_CASE("Rotating capital: seed grants to groups, a corrected grant, funds returned",
          "[scenario][programme]") {
  Office office;
  const std::string p = "kube-2026";
  office.Record(
      1, Event("ProgramOpened", "open-kube-2026", "2026-01-02",
               {{"program_id", p},
                {"name", "Dana Bergulir KUBE 2026"},
                {"kind", "ROTATING_CAPITAL"},
                {"unit", "IDR"},
                {"legal_basis", "SK Kepala Dinas Sosial tentang Dana Bergulir KUBE Tahun 2026"}}));
  office.Record(2, Allocate("alloc-kube-2026", "2026-01-02", p, "apbd-dki", 40000000,
                            "DPA SKPD 1.06.01 Dinas Sosial/2026"));
  auto form = [&](uint64_t seq, const char* id, const char* name, const char* rw) {
    office.Record(seq, Event("GroupFormed", std::string("form-") + id, "2026-01-03",
                             {{"group_id", id},
                              {"name", name},
                              {"region_code", Area(rw)},
                              {"max_loan", 5000000},
                              {"max_installments", 52}}));
  };
  form(3, "kube-mawar", "KUBE Mawar", "01");      // 12 members
  form(4, "kube-melati", "KUBE Melati", "02");    // 10 members
  form(5, "kube-anggrek", "KUBE Anggrek", "03");  // 14 members
  office.Record(
      6, Event("MemberJoined", "join-kube-melati-hh-000401", "2026-01-03",
               {{"group_id", "kube-melati"}, {"member_id", "hh-000401"}, {"role", "CHAIR"}}));
  office.Record(
      7, Event("MemberJoined", "join-kube-melati-hh-000402", "2026-01-03",
               {{"group_id", "kube-melati"}, {"member_id", "hh-000402"}, {"role", "TREASURER"}}));
  auto grant = [&](const std::string& id, const char* date, const char* group, int64_t amount) {
    return Event("CapitalGranted", id, date,
                 {{"program_id", p}, {"group_id", group}, {"amount", amount}});
  };
  auto grant_fields = [&](const char* group, int64_t amount) {
    return Json{{"program_id", p}, {"group_id", group}, {"amount", amount}};
  };

  // A group whose papers are not through yet has no fund to receive.
  office.Refused(grant("grant-kube-kenanga", "2026-01-05", "kube-kenanga", 12500000),
                 "unknown_group", "group_id", p);
  office.Record(8, grant("grant-kube-mawar", "2026-01-05", "kube-mawar", 15000000));
  office.Record(9, grant("grant-kube-melati", "2026-01-05", "kube-melati", 1250000));
  office.Record(10, Correct("fix-grant-kube-melati", "2026-01-06", 9,
                            "nominal salah ketik: SK hibah Rp 12.500.000", "CapitalGranted",
                            grant_fields("kube-melati", 12500000)));
  // 40,000,000 - 15,000,000 - 12,500,000 = 12,500,000 left: not enough.
  office.Refused(grant("grant-kube-anggrek", "2026-01-06", "kube-anggrek", 17500000),
                 "insufficient_funds", "amount", p);
  office.Record(11, Allocate("alloc-kube-2026-baznas", "2026-02-16", p, "baznas-dki", 10000000,
                             "PKS No. 14/PKS/BAZNAS-DKI/2026"));
  office.Record(12, grant("grant-kube-anggrek", "2026-02-18", "kube-anggrek", 17500000));
  // KUBE Melati lends 3,000,000 of its capital to its chair.
  office.Record(13, Event("LoanIssued", "melati-001", "2026-02-19",
                          {{"loan_id", "melati-001"},
                           {"group_id", "kube-melati"},
                           {"member_id", "hh-000401"},
                           {"principal", 3000000},
                           {"installments", 10},
                           {"period_days", 7},
                           {"first_due_date", "2026-02-26"},
                           {"purpose", "modal warung"}}));
  // The inspectorate finds only eight members eligible (10,000,000), but the
  // fund holds 9,500,000: the 12,500,000 grant cannot be taken back now.
  office.Refused(
      Correct("fix-grant-kube-melati-2", "2026-03-02", 10, "anggota memenuhi syarat hanya 8 orang",
              "CapitalGranted", grant_fields("kube-melati", 10000000)),
      "insufficient_funds", "target_seq", p);
  // What is left (5,000,000) goes back; never more than a funder gave, nor
  // more than is left.
  office.Refused(GiveBack("refund-kube-2026", "2026-12-30", p, "baznas-dki", 10000001,
                          "STS No. 001/STS/2026", "sisa dana hibah KUBE disetor kembali"),
                 "return_exceeds_allocation", "amount", p);
  office.Refused(GiveBack("refund-kube-2026", "2026-12-30", p, "apbd-dki", 5000001,
                          "STS No. 001/STS/2026", "sisa dana hibah KUBE disetor kembali"),
                 "insufficient_funds", "amount", p);
  office.Record(14, GiveBack("refund-kube-2026", "2026-12-30", p, "apbd-dki", 5000000,
                             "STS No. 001/STS/2026", "sisa dana hibah KUBE disetor kembali"));

  const auto s = office.Snapshot();
  auto balances = query::Balances(*s);
  REQUIRE(balances.ok());
  const std::vector<AccountBalance> expected = {
      {"funder:apbd-dki", "IDR", -35000000},  // 40,000,000 - 5,000,000
      {"funder:baznas-dki", "IDR", -10000000},
      {"group:kube-anggrek", "IDR", 17500000},
      {"group:kube-mawar", "IDR", 15000000},
      {"group:kube-melati", "IDR", 9500000},  // 12,500,000 - 3,000,000 lent
      {"loan:melati-001", "IDR", 3000000},
      {"loss:kube-anggrek", "IDR", 0},
      {"loss:kube-mawar", "IDR", 0},
      {"loss:kube-melati", "IDR", 0},
      {"program:kube-2026", "IDR", 0},
  };
  CHECK(*balances == expected);
  CHECK(BalanceOf(*s, "group:kube-melati", AsOfSeq(10)) == 1250000);
  CHECK(BalanceOf(*s, "group:kube-melati", AsOfSeq(11)) == 12500000);

  const Json summary = Must(query::Program(*s, p));
  CHECK(summary["kind"] == "ROTATING_CAPITAL");
  CHECK(summary["entitlement_per_cycle"] == nullptr);
  // Granted: 15,000,000 + 12,500,000 + 17,500,000; remaining 50,000,000 -
  // 5,000,000 - 45,000,000.
  CheckTotals(summary, {50000000, 5000000, 0, 0, 45000000, 0, 0, 0});
  CheckRatio(summary["absorption"], "90.00%", 45000000, 50000000);
  CHECK(summary["funders"] ==
        Json::array({Json{{"funder", "apbd-dki"}, {"provided_net", 35000000}},
                     Json{{"funder", "baznas-dki"}, {"provided_net", 10000000}}}));
  CHECK(summary["cycles"].empty());

  // Before the correction: 16,250,000 of 40,000,000 granted, 40.625%
  // rounded half up; after it: 27,500,000.
  const Json before = Must(query::Program(*s, p, AsOfSeq(10)));
  CheckTotals(before, {40000000, 0, 0, 0, 16250000, 23750000, 0, 0});
  CheckRatio(before["absorption"], "40.63%", 16250000, 40000000);
  const Json after = Must(query::Program(*s, p, AsOfSeq(11)));
  CheckTotals(after, {40000000, 0, 0, 0, 27500000, 12500000, 0, 0});
  CheckRatio(after["absorption"], "68.75%", 27500000, 40000000);

  const Json melati = Must(query::Group(*s, "kube-melati", {}));
  CHECK(melati["region_code"] == Area("02"));
  CHECK(melati["unit"] == "IDR");
  CHECK(melati["granted"]["value"] == 12500000);
  CHECK(melati["fund"]["value"] == 9500000);
  CHECK(melati["members_active"] == 2);
  const Json anggrek = Must(query::Group(*s, "kube-anggrek", {}));
  CHECK(anggrek["granted"]["value"] == 17500000);
  CHECK(anggrek["fund"]["value"] == 17500000);
  CHECK(anggrek["loans"].empty());
}
