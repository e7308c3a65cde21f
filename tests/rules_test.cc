// The domain rules (DESIGN §3.3): every rejection code, triggered, with its
// field; and the effects of the events that pass, checked on the projection.

#include <map>

#include <catch2/catch.hpp>

#include "lumbung/ledger/domain/journal.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/domain/state.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/projection.h"

#include "test_util.h"

using namespace lumbung;

namespace {

// A ledger and a way to write events as short JSON: every event gets an
// event_id and effective_date unless it brings its own.
class Fixture {
 public:
  Fixture() {
    REQUIRE(Ledger::Init(dir_.path(), "lumbung.example/rules-test").ok());
    auto ledger = Ledger::Open(dir_.path());
    REQUIRE(ledger.ok());
    ledger_ = std::move(*ledger);
  }

  // Records `events` (JSON objects without event_id/effective_date) as one
  // batch. On rejection checks that nothing changed.
  Result<std::vector<Receipt>> Record(const std::vector<std::string>& events,
                                      const std::string& date = "2026-03-02") {
    std::vector<EventInput> batch;
    for (const std::string& e : events) {
      const std::string json = "{\"event_id\":\"e" + std::to_string(next_id_++) +
                               "\",\"effective_date\":\"" + date + "\"," + e.substr(1);
      batch.push_back(DecodeEventJson(json));
    }
    const uint64_t size_before = ledger_->size();
    const audit::Hash digest_before = StoredDigest();
    auto result = ledger_->Append(std::move(batch), "rules-test");
    if (!result.ok()) {
      CHECK(ledger_->size() == size_before);
      CHECK(StoredDigest() == digest_before);
    }
    return result;
  }
  Status Rejects(const std::vector<std::string>& events, const std::string& date = "2026-03-02") {
    auto result = Record(events, date);
    CHECK_FALSE(result.ok());
    return result.ok() ? Status() : result.status();
  }
  void Ok(const std::vector<std::string>& events, const std::string& date = "2026-03-02") {
    auto result = Record(events, date);
    INFO((result.ok() ? std::string("ok") : result.status().ToString()));
    REQUIRE(result.ok());
  }
  uint64_t Seq(const std::vector<std::string>& events) {
    auto result = Record(events);
    INFO((result.ok() ? std::string("ok") : result.status().ToString()));
    REQUIRE(result.ok());
    return result->back().seq;
  }

  domain::State State() {
    domain::State state;
    REQUIRE(LoadProjection(*ledger_->Snapshot(), {}, &state).ok());
    return state;
  }
  audit::Hash StoredDigest() { return DigestStoredProjection(*ledger_->Snapshot()).value(); }
  Ledger& ledger() { return *ledger_; }

 private:
  testing::TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  int next_id_ = 1;
};

const std::string kPkh =
    R"({"type":"ProgramOpened","program_id":"pkh","name":"PKH","kind":"CONDITIONAL_CASH","unit":"IDR","entitlement_per_cycle":750000,"legal_basis":"SK 1"})";
const std::string kFund =
    R"({"type":"FundsAllocated","program_id":"pkh","funder":"apbn","amount":2000000,"reference":"DIPA 1"})";
const std::string kCycle =
    R"({"type":"CycleOpened","program_id":"pkh","cycle":"2026-03","planned_count":3,"planned_amount":1500000})";

std::string Enrol(const std::string& b, const std::string& region = "31.75.07.1005.03.005") {
  return R"({"type":"BeneficiaryEnrolled","program_id":"pkh","beneficiary_id":")" + b +
         R"(","region_code":")" + region + R"(","source":"DTSEN"})";
}
std::string Pay(const std::string& b, int64_t amount, const std::string& cycle = "2026-03") {
  return R"({"type":"AidDisbursed","program_id":"pkh","beneficiary_id":")" + b + R"(","cycle":")" +
         cycle + R"(","amount":)" + std::to_string(amount) + R"(,"channel":"BANK"})";
}
std::string Return(uint64_t seq) {
  return R"({"type":"DisbursementReturned","disbursed_seq":)" + std::to_string(seq) +
         R"(,"reason":"BANK_REJECT"})";
}
std::string Correct(uint64_t seq, const std::string& replacement = "") {
  return R"({"type":"EventCorrected","target_seq":)" + std::to_string(seq) +
         R"(,"reason":"salah ketik")" +
         (replacement.empty() ? "" : ",\"replacement\":" + replacement) + "}";
}

const std::string kGroup =
    R"({"type":"GroupFormed","group_id":"kube","name":"KUBE Mawar","region_code":"31.75.07.1005.03","max_loan":3000000,"max_installments":20})";
const std::string kUep =
    R"({"type":"ProgramOpened","program_id":"uep","name":"Dana bergulir","kind":"ROTATING_CAPITAL","unit":"IDR","legal_basis":"SK 2"})";
const std::string kUepFund =
    R"({"type":"FundsAllocated","program_id":"uep","funder":"apbd","amount":10000000,"reference":"DPA 2"})";
const std::string kGrant =
    R"({"type":"CapitalGranted","program_id":"uep","group_id":"kube","amount":5000000})";

std::string Join(const std::string& m, const std::string& role = "MEMBER") {
  return R"({"type":"MemberJoined","group_id":"kube","member_id":")" + m + R"(","role":")" + role +
         R"("})";
}
std::string Loan(const std::string& id, const std::string& m, int64_t principal, int n = 10,
                 const std::string& first_due = "2026-03-09") {
  return R"({"type":"LoanIssued","loan_id":")" + id + R"(","group_id":"kube","member_id":")" + m +
         R"(","principal":)" + std::to_string(principal) + R"(,"installments":)" +
         std::to_string(n) + R"(,"period_days":7,"first_due_date":")" + first_due +
         R"(","purpose":"modal warung"})";
}
std::string Repay(const std::string& id, int64_t amount) {
  return R"({"type":"LoanRepaid","loan_id":")" + id + R"(","amount":)" + std::to_string(amount) +
         "}";
}

void ExpectRejected(const Status& st, std::string_view code, std::string_view field) {
  INFO(st.ToString());
  CHECK(st.reason() == code);
  CHECK(st.field() == field);
  CHECK_FALSE(st.message().empty());
}

void SetupPkh(Fixture& f) {
  f.Ok({kPkh, kFund, kCycle, Enrol("hh-1"), Enrol("hh-2"), Enrol("hh-3")});
}
void SetupGroup(Fixture& f) {
  f.Ok({kUep, kUepFund, kGroup, kGrant, Join("m1"), Join("m2")});
}

}  // namespace

TEST_CASE("references must exist: unknown_program, unknown_cycle, unknown_group, unknown_loan",
          "[rules]") {
  Fixture f;
  ExpectRejected(f.Rejects({kFund}), "unknown_program", "program_id");
  ExpectRejected(f.Rejects({Enrol("hh-1")}), "unknown_program", "program_id");
  f.Ok({kPkh});
  ExpectRejected(f.Rejects({R"({"type":"CycleClosed","program_id":"pkh","cycle":"2026-04"})"}),
                 "unknown_cycle", "cycle");
  ExpectRejected(f.Rejects({Join("m1")}), "unknown_group", "group_id");
  ExpectRejected(f.Rejects({Repay("nope", 1)}), "unknown_loan", "loan_id");
  ExpectRejected(f.Rejects({Return(999)}), "unknown_entry", "disbursed_seq");
  ExpectRejected(f.Rejects({Correct(999)}), "unknown_entry", "target_seq");
}

TEST_CASE("a programme id may not contain ':', which account names use as a separator", "[rules]") {
  Fixture f;
  std::string program = kPkh;
  program.replace(program.find("\"pkh\""), 5, "\"pkh:2026\"");
  ExpectRejected(f.Rejects({program}), "invalid_field", "program_id");
}

TEST_CASE("ids are opened once: already_exists", "[rules]") {
  Fixture f;
  SetupPkh(f);
  ExpectRejected(f.Rejects({kPkh}), "already_exists", "program_id");
  ExpectRejected(f.Rejects({kCycle}), "already_exists", "cycle");
  ExpectRejected(f.Rejects({Enrol("hh-1")}), "already_exists", "beneficiary_id");
  SetupGroup(f);
  ExpectRejected(f.Rejects({kGroup}), "already_exists", "group_id");
  ExpectRejected(f.Rejects({Join("m1")}), "already_exists", "member_id");
  f.Ok({Loan("l1", "m1", 1000000)});
  ExpectRejected(f.Rejects({Loan("l1", "m2", 1000000)}), "already_exists", "loan_id");
}

TEST_CASE("a disbursement needs an open cycle, an enrolled beneficiary and one slot per cycle",
          "[rules]") {
  Fixture f;
  SetupPkh(f);
  ExpectRejected(f.Rejects({Pay("hh-1", 500000, "2026-04")}), "cycle_not_open", "cycle");
  ExpectRejected(f.Rejects({Pay("hh-9", 500000)}), "not_enrolled", "beneficiary_id");
  const uint64_t first = f.Seq({Pay("hh-1", 500000)});
  ExpectRejected(f.Rejects({Pay("hh-1", 500000)}), "already_disbursed", "beneficiary_id");
  ExpectRejected(f.Rejects({Pay("hh-2", 750001)}), "over_entitlement", "amount");
  f.Ok(
      {R"({"type":"BeneficiaryExited","program_id":"pkh","beneficiary_id":"hh-3","reason":"MOVED"})"});
  ExpectRejected(f.Rejects({Pay("hh-3", 500000)}), "not_enrolled", "beneficiary_id");
  ExpectRejected(
      f.Rejects(
          {R"({"type":"BeneficiaryExited","program_id":"pkh","beneficiary_id":"hh-3","reason":"MOVED"})"}),
      "not_enrolled", "beneficiary_id");
  // A returned disbursement frees its slot.
  f.Ok({Return(first)});
  ExpectRejected(f.Rejects({Return(first)}), "already_returned", "disbursed_seq");
  f.Ok({Pay("hh-1", 400000)});
  f.Ok({R"({"type":"CycleClosed","program_id":"pkh","cycle":"2026-03"})"});
  ExpectRejected(f.Rejects({Pay("hh-2", 100000)}), "cycle_closed", "cycle");
  ExpectRejected(f.Rejects({R"({"type":"CycleClosed","program_id":"pkh","cycle":"2026-03"})"}),
                 "cycle_closed", "cycle");
  const uint64_t enrolment = 4;  // entries 1..3 set up the programme
  ExpectRejected(f.Rejects({Return(enrolment)}), "not_a_disbursement", "disbursed_seq");
}

TEST_CASE("a cycle's control totals and the budget bound the payments", "[rules]") {
  Fixture f;
  SetupPkh(f);
  f.Ok({Enrol("hh-4")});
  f.Ok({Pay("hh-1", 750000), Pay("hh-2", 700000)});
  // planned_amount 1,500,000: 50,000 left.
  ExpectRejected(f.Rejects({Pay("hh-3", 60000)}), "over_plan", "amount");
  f.Ok({Pay("hh-3", 50000)});
  ExpectRejected(f.Rejects({Pay("hh-4", 1)}), "over_plan", "cycle");  // planned_count 3
  // Budget: 2,000,000 allocated, 1,500,000 paid; a new cycle with room.
  f.Ok(
      {R"({"type":"CycleOpened","program_id":"pkh","cycle":"2026-04","planned_count":9,"planned_amount":9000000})"});
  f.Ok({Pay("hh-1", 500000, "2026-04")});
  ExpectRejected(f.Rejects({Pay("hh-2", 1, "2026-04")}), "insufficient_funds", "amount");
  const auto state = f.State();
  CHECK(state.programs.at("pkh").balance == 0);
  CHECK(state.programs.at("pkh").disbursed == 2000000);
}

TEST_CASE("a batch is checked in order against the state the earlier events leave", "[rules]") {
  Fixture f;
  // One batch: programme, budget, cycle, enrolment, payment: all pass.
  f.Ok({kPkh, kFund, kCycle, Enrol("hh-1"), Pay("hh-1", 750000)});
  // The second payment in the same batch sees the first: already_disbursed,
  // and the whole batch (including its valid first event) is refused.
  const auto st = f.Rejects({Enrol("hh-2"), Pay("hh-2", 1000), Pay("hh-2", 1000)});
  ExpectRejected(st, "already_disbursed", "beneficiary_id");
  CHECK(st.index() == 2);
  CHECK(f.State().programs.at("pkh").beneficiaries.count("hh-2") == 0);
}

TEST_CASE("funds: units, returns to funders and their limits", "[rules]") {
  Fixture f;
  f.Ok({kPkh, kFund});
  f.Ok(
      {R"({"type":"ProgramOpened","program_id":"sembako","name":"Sembako","kind":"FOOD","unit":"PKG_SEMBAKO","legal_basis":"SK 3"})"});
  ExpectRejected(
      f.Rejects(
          {R"({"type":"FundsAllocated","program_id":"sembako","funder":"apbn","amount":50,"reference":"x"})"}),
      "unit_mismatch", "funder");
  f.Ok(
      {R"({"type":"FundsAllocated","program_id":"sembako","funder":"bulog","amount":50,"reference":"x"})"});
  const std::string give_back =
      R"({"type":"FundsReturned","program_id":"pkh","funder":"apbn","amount":%AMT%,"reference":"SSBP 1","reason":"sisa"})";
  auto amount = [&](int64_t a) {
    std::string s = give_back;
    s.replace(s.find("%AMT%"), 5, std::to_string(a));
    return s;
  };
  ExpectRejected(f.Rejects({amount(2000001)}), "return_exceeds_allocation", "amount");
  ExpectRejected(
      f.Rejects(
          {R"({"type":"FundsReturned","program_id":"pkh","funder":"bulog","amount":1,"reference":"x","reason":"y"})"}),
      "return_exceeds_allocation", "amount");
  f.Ok({kCycle, Enrol("hh-1"), Pay("hh-1", 750000)});
  ExpectRejected(f.Rejects({amount(1300000)}), "insufficient_funds", "amount");
  f.Ok({amount(1250000)});
  const auto state = f.State();
  CHECK(state.funders.at("apbn").balance == -750000);
  CHECK(state.programs.at("pkh").balance == 0);
  CHECK(state.programs.at("pkh").funds_returned == 1250000);
}

TEST_CASE("groups: membership, limits, one open loan per member", "[rules]") {
  Fixture f;
  SetupGroup(f);
  ExpectRejected(f.Rejects({Loan("l1", "m9", 1000000)}), "not_a_member", "member_id");
  ExpectRejected(f.Rejects({Loan("l1", "m1", 3000001)}), "over_group_limit", "principal");
  ExpectRejected(f.Rejects({Loan("l1", "m1", 1000000, 21)}), "over_group_limit", "installments");
  ExpectRejected(f.Rejects({Loan("l1", "m1", 1000000, 10, "2026-03-01")}), "invalid_schedule",
                 "first_due_date");
  f.Ok({Loan("l1", "m1", 3000000), Loan("l2", "m2", 2000000)});
  ExpectRejected(f.Rejects({Loan("l3", "m1", 100)}), "open_loan_exists", "member_id");
  ExpectRejected(f.Rejects({R"({"type":"MemberLeft","group_id":"kube","member_id":"m1"})"}),
                 "open_loan_exists", "member_id");
  f.Ok({Join("m3")});
  ExpectRejected(f.Rejects({Loan("l3", "m3", 1)}), "insufficient_funds", "principal");
  ExpectRejected(f.Rejects({R"({"type":"MemberLeft","group_id":"kube","member_id":"m9"})"}),
                 "not_a_member", "member_id");
  ExpectRejected(
      f.Rejects(
          {R"({"type":"CapitalGranted","program_id":"uep","group_id":"kube","amount":5000001})"}),
      "insufficient_funds", "amount");
  f.Ok({kPkh, kFund});
  f.Ok(
      {R"({"type":"ProgramOpened","program_id":"pangan","name":"Pangan","kind":"FOOD","unit":"PKG_SEMBAKO","legal_basis":"SK 4"})",
       R"({"type":"FundsAllocated","program_id":"pangan","funder":"bulog","amount":9,"reference":"x"})"});
  ExpectRejected(
      f.Rejects(
          {R"({"type":"CapitalGranted","program_id":"pangan","group_id":"kube","amount":1})"}),
      "unit_mismatch", "group_id");
}

TEST_CASE("loans: repayment bounds, reschedule, write-off and recovery", "[rules]") {
  Fixture f;
  SetupGroup(f);
  f.Ok({Loan("l1", "m1", 1000000)});
  ExpectRejected(f.Rejects({Repay("l1", 1000001)}), "over_repayment", "amount");
  f.Ok({Repay("l1", 100000)});
  ExpectRejected(
      f.Rejects(
          {R"({"type":"LoanRescheduled","loan_id":"l1","installments":21,"period_days":14,"next_due_date":"2026-04-01","reason":"banjir"})"}),
      "over_group_limit", "installments");
  ExpectRejected(
      f.Rejects(
          {R"({"type":"LoanRescheduled","loan_id":"l1","installments":5,"period_days":14,"next_due_date":"2026-03-01","reason":"banjir"})"}),
      "invalid_schedule", "next_due_date");
  f.Ok(
      {R"({"type":"LoanRescheduled","loan_id":"l1","installments":5,"period_days":14,"next_due_date":"2026-04-01","reason":"banjir"})"});
  f.Ok({R"({"type":"LoanWrittenOff","loan_id":"l1","reason":"meninggal"})"});
  ExpectRejected(f.Rejects({R"({"type":"LoanWrittenOff","loan_id":"l1","reason":"x"})"}),
                 "loan_not_open", "loan_id");
  ExpectRejected(
      f.Rejects(
          {R"({"type":"LoanRescheduled","loan_id":"l1","installments":5,"period_days":14,"next_due_date":"2026-04-01","reason":"x"})"}),
      "loan_not_open", "loan_id");
  // A recovery never exceeds what was written off.
  ExpectRejected(f.Rejects({Repay("l1", 900001)}), "over_recovery", "amount");
  f.Ok({Repay("l1", 300000)});
  // The member may borrow again after the write-off.
  f.Ok({Loan("l2", "m1", 500000)});
  f.Ok({Repay("l2", 500000)});
  ExpectRejected(f.Rejects({Repay("l2", 1)}), "loan_not_open", "loan_id");
  const auto state = f.State();
  const auto& g = state.groups.at("kube");
  CHECK(g.fund == 5000000 - 1000000 + 100000 + 300000 - 500000 + 500000);
  CHECK(g.loss == 900000 - 300000);
  CHECK(state.loans.at("l1").status == domain::LoanStatus::kWrittenOff);
  CHECK(state.loans.at("l1").restructured);
  CHECK(state.loans.at("l2").status == domain::LoanStatus::kRepaid);
  CHECK(g.members.at("m1").open_loan.empty());
}

TEST_CASE("corrections: reversal, replacement, no double reversal, overdraft", "[rules]") {
  Fixture f;
  SetupPkh(f);
  const uint64_t paid = f.Seq({Pay("hh-1", 700000)});
  // The replacement must have the target's type and pass the rules after the
  // reversal: hh-1's slot is free again, so paying hh-1 again is fine.
  ExpectRejected(f.Rejects({Correct(paid, Repay("x", 1))}), "invalid_correction",
                 "replacement.type");
  ExpectRejected(f.Rejects({Correct(paid, Pay("hh-1", 800000))}), "over_entitlement",
                 "replacement.amount");
  const uint64_t fix = f.Seq({Correct(paid, Pay("hh-1", 650000))});
  ExpectRejected(f.Rejects({Correct(paid)}), "already_reversed", "target_seq");
  ExpectRejected(f.Rejects({Correct(1)}), "not_correctable", "target_seq");  // ProgramOpened
  auto state = f.State();
  CHECK(state.programs.at("pkh").disbursed == 650000);
  CHECK(state.programs.at("pkh").cycles.at("2026-03").paid_count == 1);
  CHECK(state.programs.at("pkh").beneficiaries.at("hh-1").balance == 650000);
  // Correcting the correction corrects its replacement.
  f.Ok({Correct(fix)});
  state = f.State();
  CHECK(state.programs.at("pkh").disbursed == 0);
  CHECK(state.programs.at("pkh").recipients == 0);
  // A return of a returned disbursement's correction target is refused.
  const uint64_t p2 = f.Seq({Pay("hh-2", 100000)});
  f.Ok({Return(p2)});
  ExpectRejected(f.Rejects({Correct(p2)}), "already_reversed", "target_seq");
  // Taking back an allocation that is already spent would overdraw.
  f.Ok({Pay("hh-3", 750000), Pay("hh-1", 600000)});
  ExpectRejected(f.Rejects({Correct(2)}), "insufficient_funds", "target_seq");
}

TEST_CASE("corrections of loans follow the loan's history", "[rules]") {
  Fixture f;
  SetupGroup(f);
  const uint64_t issued = f.Seq({Loan("l1", "m1", 1000000)});
  const uint64_t repaid = f.Seq({Repay("l1", 200000)});
  ExpectRejected(f.Rejects({Correct(issued)}), "invalid_correction", "target_seq");
  f.Ok({Correct(repaid)});
  f.Ok({Correct(issued, Loan("l1", "m1", 900000))});  // same id reused by the replacement
  auto state = f.State();
  CHECK(state.loans.at("l1").principal == 900000);
  CHECK(state.loans.at("l1").outstanding == 900000);
  CHECK(state.groups.at("kube").fund == 5000000 - 900000);
  const uint64_t written = f.Seq({R"({"type":"LoanWrittenOff","loan_id":"l1","reason":"x"})"});
  f.Ok({Loan("l2", "m1", 100000)});
  ExpectRejected(f.Rejects({Correct(written)}), "open_loan_exists", "loan_id");
  f.Ok({Repay("l2", 100000)});
  const uint64_t recovery = f.Seq({Repay("l1", 50000)});
  ExpectRejected(f.Rejects({Correct(written)}), "invalid_correction", "target_seq");
  f.Ok({Correct(recovery)});
  f.Ok({Correct(written)});
  state = f.State();
  CHECK(state.loans.at("l1").status == domain::LoanStatus::kOpen);
  CHECK(state.loans.at("l1").outstanding == 900000);
  CHECK(state.groups.at("kube").loss == 0);
  CHECK(state.groups.at("kube").members.at("m1").open_loan == "l1");
}

TEST_CASE("a written-off member may borrow again, but MemberLeft waits for the open loan",
          "[rules]") {
  Fixture f;
  SetupGroup(f);
  f.Ok({Loan("l1", "m1", 400000)});
  f.Ok({R"({"type":"LoanWrittenOff","loan_id":"l1","reason":"pindah"})"});
  f.Ok({R"({"type":"MemberLeft","group_id":"kube","member_id":"m1"})"});
  ExpectRejected(f.Rejects({Loan("l2", "m1", 100)}), "not_a_member", "member_id");
  f.Ok({Join("m1", "TREASURER")});
  f.Ok({Loan("l2", "m1", 100)});
}

TEST_CASE("personal data erasure is recorded once per beneficiary", "[rules]") {
  Fixture f;
  SetupPkh(f);
  const std::string erase =
      R"({"type":"PersonalDataErased","program_id":"pkh","beneficiary_id":"hh-2","reason":"UU PDP"})";
  f.Ok({erase});
  ExpectRejected(f.Rejects({erase}), "already_erased", "beneficiary_id");
  CHECK(f.State().programs.at("pkh").beneficiaries.at("hh-2").erased);
}

TEST_CASE("overflowing a balance is refused, never wrapped", "[rules]") {
  Fixture f;
  f.Ok({kPkh});
  const std::string huge =
      R"({"type":"FundsAllocated","program_id":"pkh","funder":"apbn","amount":9223372036854775000,"reference":"x"})";
  f.Ok({huge});
  ExpectRejected(f.Rejects({kFund}), "invalid_amount", "amount");
}

// The state digest walks the in-memory records in the stored rows' key
// order without gathering the rows. Ids that are prefixes of each other
// are where that order is easy to get wrong: "hh-1" + "/" sorts after
// "hh-1-2" + "/" ('-' < '/'), but "hh-1" alone sorts before "hh-1-2"; so
// paid rows (Q/p/b/cycle) and beneficiary rows (B/p/b) list the same
// beneficiaries in different orders, and likewise for the programmes.
TEST_CASE("the state digest follows the stored key order when ids are prefixes of each other",
          "[rules]") {
  Fixture f;
  std::vector<std::string> events;
  for (const std::string p : {"pkh", "pkh-2", "pkh.3", "pkh0"}) {
    auto in = [&p](std::string json) {
      for (size_t at = 0; (at = json.find("\"pkh\"", at)) != std::string::npos; at += p.size()) {
        json.replace(at, 5, "\"" + p + "\"");
      }
      return json;
    };
    events.push_back(in(kPkh));
    events.push_back(in(kFund));
    events.push_back(in(kCycle));
    for (const std::string b : {"hh-1", "hh-1-2", "hh-1.5", "hh-10", "hh-1_"}) {
      events.push_back(in(Enrol(b, b == "hh-1" ? "31.75.07.1005" : "31.75.07.1005.03.005")));
    }
    for (const std::string b : {"hh-1-2", "hh-1", "hh-1.5"}) events.push_back(in(Pay(b, 500000)));
  }
  f.Ok(events);
  auto replayed = ReplayProjection(*f.ledger().Snapshot(), f.ledger().size());
  REQUIRE(replayed.ok());
  CHECK(DigestState(*replayed) == f.StoredDigest());
  CHECK(DigestState(f.State()) == f.StoredDigest());
}

TEST_CASE("payment places: one per (cycle, region), shared by every slot", "[rules][memory]") {
  domain::InternPool pool;
  const domain::PaidPlace* a = pool.Place("2026-01", "31.75.01.001.002");
  CHECK(pool.Place(std::string("2026-01"), std::string("31.75.01.001.002")) == a);
  CHECK(a->cycle == std::string_view("2026-01"));
  CHECK(a->region == std::string_view("31.75.01.001.002"));
  const domain::PaidPlace* b = pool.Place("2026-02", "31.75.01.001.002");
  const domain::PaidPlace* c = pool.Place("2026-01", "31.75.01.001.003");
  CHECK(b != a);
  CHECK(c != a);
  CHECK(b->region == a->region);
  const domain::PaidRec slot{c, 7, 300000};
  CHECK(slot.cycle() == std::string_view("2026-01"));
  CHECK(slot.region() == std::string_view("31.75.01.001.003"));
}

TEST_CASE("payment slots grow by two, not by doubling, and keep their order", "[rules][memory]") {
  domain::BeneficiaryRec b;
  size_t most_capacity = 0;
  for (uint64_t n = 1; n <= 40; ++n) {
    b.AddPaid(domain::PaidRec{domain::PaidPlace::None(), 100 + n, static_cast<int64_t>(n)});
    // Two spare slots at most while short, a quarter once long; doubling
    // would hold 16 slots for 9 payments and 64 for 33.
    CHECK(b.paid.capacity() <= std::max<size_t>(n + 2, n + n / 4 + 1));
    most_capacity = std::max(most_capacity, b.paid.capacity());
  }
  CHECK(most_capacity < 64);
  REQUIRE(b.paid.size() == 40);
  for (size_t i = 0; i < b.paid.size(); ++i) CHECK(b.paid[i].seq == 101 + i);
}

// Found by fuzz/stored: a stored loan row whose value named no loan ("")
// loaded under the key of another, and the state then wrote back a row
// ("L/") that no state could load again. The key names the record; a value
// naming another record, or a key with an empty part, is corruption.
TEST_CASE("a projection row loads only under the key of the record it holds") {
  domain::ProgramRec program;
  program.id = "blt-2026";
  program.unit = "IDR";
  program.balance = 300000;
  const std::string program_row = domain::EncodeProgram(program);
  domain::State state;
  REQUIRE(domain::LoadRow(state, domain::ProgramKey("blt-2026"), program_row).ok());
  CHECK(state.programs.at("blt-2026").balance == 300000);

  domain::State other;
  CHECK(domain::LoadRow(other, domain::ProgramKey("pkh-2026"), program_row).IsCorruption());
  CHECK(other.programs.empty());

  domain::LoanRec nameless;
  nameless.principal = 500000;
  CHECK(domain::LoadRow(other, domain::LoanKey("kube-mawar-0001"), domain::EncodeLoan(nameless))
            .IsCorruption());
  CHECK(other.loans.empty());

  domain::CycleRec cycle;
  cycle.cycle = "2026-01";
  const std::string cycle_row = domain::EncodeCycle(cycle);
  CHECK(domain::LoadRow(other, domain::CycleKey("", "2026-01"), cycle_row).IsCorruption());
  CHECK(domain::LoadRow(other, domain::CycleKey("blt-2026", "2026-02"), cycle_row).IsCorruption());
  CHECK(domain::LoadRow(other, "C/blt-2026/2026-01/extra", cycle_row).IsCorruption());
  CHECK(other.programs.empty());
  REQUIRE(domain::LoadRow(other, domain::CycleKey("blt-2026", "2026-01"), cycle_row).ok());
  CHECK(other.programs.at("blt-2026").cycles.count("2026-01") == 1);
}

TEST_CASE("the undo journal restores fields and undoes structural changes in reverse order",
          "[rules]") {
  domain::Journal journal;
  int64_t balance = 100;
  bool open = false;
  std::vector<std::string> list;
  std::string undone;

  journal.Set(balance, int64_t{150});
  journal.OnUndo([&] { undone += "a"; });
  const uint64_t committed = journal.Position();
  journal.Set(open, true);
  list.push_back("x");
  journal.OnUndo([&] {
    list.pop_back();
    undone += "b";
  });
  journal.Set(balance, int64_t{175});
  const uint64_t middle = journal.Position();
  journal.OnUndo([&] { undone += "c"; });
  journal.Set(balance, int64_t{200});
  journal.Set(balance, int64_t{200});  // unchanged: nothing to undo

  journal.RollbackTo(middle);
  CHECK(balance == 175);
  CHECK(undone == "c");
  CHECK(open);

  // What is committed is forgotten: rolling back stops there.
  journal.CommitUpTo(committed);
  journal.RollbackTo(committed);
  CHECK(balance == 150);
  CHECK_FALSE(open);
  CHECK(list.empty());
  CHECK(undone == "cb");
  CHECK(journal.Position() == committed);

  // Entries after a commit still pair each structural change with its undo.
  journal.OnUndo([&] { undone += "d"; });
  journal.Set(balance, int64_t{10});
  journal.RollbackTo(committed);
  CHECK(balance == 150);
  CHECK(undone == "cbd");
}
