// Ledgers for the query tests, built from event sequences written out by
// hand, entry by entry, with the seq each event gets: a conditional cash
// programme (PKH) and a community group's rotating-capital fund (KUBE).
// The expected numbers live in the tests, worked out by hand from these.

#ifndef LUMBUNG_TESTS_QUERY_FIXTURE_H_
#define LUMBUNG_TESTS_QUERY_FIXTURE_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/receipt.h"

#include "test_util.h"

namespace lumbung::testing {

inline constexpr const char* kQueryOrigin = "lumbung.example/jakarta-timur/duren-sawit";

// Programme PKH 2026: two funders, two quarterly cycles, four households in
// RW 03, RW 030 (a distinct RW whose code starts with "03") and RW 04, a
// returned transfer, a corrected amount, an exit and unspent funds returned.
// Entry 0 is LedgerOpened; the comment before each event is its seq.
inline std::vector<std::string> PkhEvents() {
  return {
      // 1
      R"({"type":"ProgramOpened","event_id":"pkh-open","effective_date":"2026-01-02","program_id":"pkh-2026","name":"Program Keluarga Harapan 2026","kind":"CONDITIONAL_CASH","unit":"IDR","entitlement_per_cycle":750000,"legal_basis":"SK Mensos 12/HUK/2026"})",
      // 2
      R"({"type":"FundsAllocated","event_id":"pkh-alloc-1","effective_date":"2026-01-05","program_id":"pkh-2026","funder":"apbn-kemensos","amount":10000000,"reference":"DIPA 027.04.1.2026"})",
      // 3
      R"({"type":"FundsAllocated","event_id":"pkh-alloc-2","effective_date":"2026-01-06","program_id":"pkh-2026","funder":"apbd-dki","amount":2000000,"reference":"DPA 1.06.01.2026"})",
      // 4
      R"({"type":"CycleOpened","event_id":"pkh-q1","effective_date":"2026-01-10","program_id":"pkh-2026","cycle":"2026-Q1","planned_count":4,"planned_amount":3000000})",
      // 5
      R"({"type":"BeneficiaryEnrolled","event_id":"pkh-enr-001","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-001","region_code":"31.75.07.1005.03.005","household_id":"kk-001","source":"DTSEN"})",
      // 6
      R"({"type":"BeneficiaryEnrolled","event_id":"pkh-enr-002","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-002","region_code":"31.75.07.1005.03.007","household_id":"kk-002","source":"DTSEN"})",
      // 7
      R"({"type":"BeneficiaryEnrolled","event_id":"pkh-enr-003","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-003","region_code":"31.75.07.1005.04.001","household_id":"kk-003","source":"MUSDES"})",
      // 8
      R"({"type":"BeneficiaryEnrolled","event_id":"pkh-enr-004","effective_date":"2026-01-08","program_id":"pkh-2026","beneficiary_id":"hh-004","region_code":"31.75.07.1005.030.001","household_id":"kk-004","source":"APPEAL"})",
      // 9
      R"({"type":"AidDisbursed","event_id":"pkh-q1-001","effective_date":"2026-02-03","program_id":"pkh-2026","beneficiary_id":"hh-001","cycle":"2026-Q1","amount":750000,"channel":"BANK","provider_ref":"BRI 8812-0031"})",
      // 10
      R"({"type":"AidDisbursed","event_id":"pkh-q1-002","effective_date":"2026-02-03","program_id":"pkh-2026","beneficiary_id":"hh-002","cycle":"2026-Q1","amount":750000,"channel":"BANK"})",
      // 11
      R"({"type":"AidDisbursed","event_id":"pkh-q1-003","effective_date":"2026-02-03","program_id":"pkh-2026","beneficiary_id":"hh-003","cycle":"2026-Q1","amount":750000,"channel":"POST"})",
      // 12: mis-keyed, corrected at 14
      R"({"type":"AidDisbursed","event_id":"pkh-q1-004","effective_date":"2026-02-03","program_id":"pkh-2026","beneficiary_id":"hh-004","cycle":"2026-Q1","amount":600000,"channel":"CASH"})",
      // 13: the bank sends hh-002's transfer back
      R"({"type":"DisbursementReturned","event_id":"pkh-q1-002-ret","effective_date":"2026-02-09","disbursed_seq":10,"reason":"ACCOUNT_NOT_FOUND"})",
      // 14
      R"({"type":"EventCorrected","event_id":"pkh-q1-004-fix","effective_date":"2026-02-10","target_seq":12,"reason":"nominal salah ketik","replacement":{"type":"AidDisbursed","program_id":"pkh-2026","beneficiary_id":"hh-004","cycle":"2026-Q1","amount":700000,"channel":"CASH"}})",
      // 15
      R"({"type":"CycleClosed","event_id":"pkh-q1-close","effective_date":"2026-03-31","program_id":"pkh-2026","cycle":"2026-Q1"})",
      // 16
      R"({"type":"CycleOpened","event_id":"pkh-q2","effective_date":"2026-04-01","program_id":"pkh-2026","cycle":"2026-Q2","planned_count":4,"planned_amount":3000000})",
      // 17
      R"({"type":"AidDisbursed","event_id":"pkh-q2-001","effective_date":"2026-05-04","program_id":"pkh-2026","beneficiary_id":"hh-001","cycle":"2026-Q2","amount":750000,"channel":"BANK"})",
      // 18
      R"({"type":"BeneficiaryExited","event_id":"pkh-exit-003","effective_date":"2026-05-10","program_id":"pkh-2026","beneficiary_id":"hh-003","reason":"MOVED"})",
      // 19
      R"({"type":"FundsReturned","event_id":"pkh-ret-dki","effective_date":"2026-12-20","program_id":"pkh-2026","funder":"apbd-dki","amount":500000,"reference":"STS 2026/12/001","reason":"sisa dana"})",
  };
}

// KUBE Mawar: a rotating-capital programme grants 10,000,000 to a group of
// four; five zero-interest loans: mawar-001 repaid on time, mawar-002 paid
// twice (one amount corrected) then stopped, mawar-003 rescheduled after a
// flood, mawar-004 never paid, written off and partly recovered, mawar-005
// (m01's second loan) repaid on time.
inline std::vector<std::string> KubeEvents() {
  return {
      // 1
      R"({"type":"ProgramOpened","event_id":"uep-open","effective_date":"2026-01-15","program_id":"uep-2026","name":"Usaha Ekonomi Produktif 2026","kind":"ROTATING_CAPITAL","unit":"IDR","legal_basis":"Perwal 45/2026"})",
      // 2
      R"({"type":"FundsAllocated","event_id":"uep-alloc","effective_date":"2026-01-20","program_id":"uep-2026","funder":"apbd-dki","amount":20000000,"reference":"DPA 1.06.02.2026"})",
      // 3
      R"({"type":"GroupFormed","event_id":"kube-form","effective_date":"2026-02-01","group_id":"kube-mawar","name":"KUBE Mawar RW 03","region_code":"31.75.07.1005.03","max_loan":5000000,"max_installments":52})",
      // 4
      R"({"type":"MemberJoined","event_id":"kube-m01","effective_date":"2026-02-01","group_id":"kube-mawar","member_id":"m01","role":"CHAIR"})",
      // 5
      R"({"type":"MemberJoined","event_id":"kube-m02","effective_date":"2026-02-01","group_id":"kube-mawar","member_id":"m02","role":"TREASURER"})",
      // 6
      R"({"type":"MemberJoined","event_id":"kube-m03","effective_date":"2026-02-01","group_id":"kube-mawar","member_id":"m03","role":"MEMBER"})",
      // 7
      R"({"type":"MemberJoined","event_id":"kube-m04","effective_date":"2026-02-01","group_id":"kube-mawar","member_id":"m04","role":"MEMBER"})",
      // 8
      R"({"type":"CapitalGranted","event_id":"kube-capital","effective_date":"2026-02-10","program_id":"uep-2026","group_id":"kube-mawar","amount":10000000})",
      // 9: 4 x 300,000 due 02-19, 02-26, 03-05, 03-12
      R"({"type":"LoanIssued","event_id":"mawar-001","effective_date":"2026-02-12","loan_id":"mawar-001","group_id":"kube-mawar","member_id":"m01","principal":1200000,"installments":4,"period_days":7,"first_due_date":"2026-02-19","purpose":"modal warung"})",
      // 10: 10 x 100,000 weekly from 02-19 to 04-23
      R"({"type":"LoanIssued","event_id":"mawar-002","effective_date":"2026-02-12","loan_id":"mawar-002","group_id":"kube-mawar","member_id":"m02","principal":1000000,"installments":10,"period_days":7,"first_due_date":"2026-02-19","purpose":"jahit"})",
      // 11: 10 x 200,000 fortnightly from 02-26
      R"({"type":"LoanIssued","event_id":"mawar-003","effective_date":"2026-02-12","loan_id":"mawar-003","group_id":"kube-mawar","member_id":"m03","principal":2000000,"installments":10,"period_days":14,"first_due_date":"2026-02-26","purpose":"gerobak"})",
      // 12
      R"({"type":"LoanRepaid","event_id":"mawar-001-r1","effective_date":"2026-02-19","loan_id":"mawar-001","amount":300000})",
      // 13
      R"({"type":"LoanRepaid","event_id":"mawar-002-r1","effective_date":"2026-02-19","loan_id":"mawar-002","amount":100000})",
      // 14
      R"({"type":"LoanRepaid","event_id":"mawar-001-r2","effective_date":"2026-02-26","loan_id":"mawar-001","amount":300000})",
      // 15
      R"({"type":"LoanRepaid","event_id":"mawar-003-r1","effective_date":"2026-02-26","loan_id":"mawar-003","amount":200000})",
      // 16: the receipt says 100,000; corrected at 17
      R"({"type":"LoanRepaid","event_id":"mawar-002-r2","effective_date":"2026-03-01","loan_id":"mawar-002","amount":150000})",
      // 17
      R"({"type":"EventCorrected","event_id":"mawar-002-r2-fix","effective_date":"2026-03-02","target_seq":16,"reason":"kuitansi Rp 100.000","replacement":{"type":"LoanRepaid","loan_id":"mawar-002","amount":100000}})",
      // 18
      R"({"type":"LoanRepaid","event_id":"mawar-001-r3","effective_date":"2026-03-05","loan_id":"mawar-001","amount":300000})",
      // 19: 5 x 200,000 every 30 days: 04-10, 05-10, 06-09, 07-09, 08-08
      R"({"type":"LoanIssued","event_id":"mawar-004","effective_date":"2026-03-10","loan_id":"mawar-004","group_id":"kube-mawar","member_id":"m04","principal":1000000,"installments":5,"period_days":30,"first_due_date":"2026-04-10","purpose":"bibit"})",
      // 20: mawar-001 fully repaid
      R"({"type":"LoanRepaid","event_id":"mawar-001-r4","effective_date":"2026-03-12","loan_id":"mawar-001","amount":300000})",
      // 21: 6 x 100,000 weekly from 03-19 to 04-23
      R"({"type":"LoanIssued","event_id":"mawar-005","effective_date":"2026-03-12","loan_id":"mawar-005","group_id":"kube-mawar","member_id":"m01","principal":600000,"installments":6,"period_days":7,"first_due_date":"2026-03-19","purpose":"modal warung"})",
      // 22
      R"({"type":"LoanRepaid","event_id":"mawar-005-r1","effective_date":"2026-03-19","loan_id":"mawar-005","amount":100000})",
      // 23
      R"({"type":"LoanRepaid","event_id":"mawar-005-r2","effective_date":"2026-03-26","loan_id":"mawar-005","amount":100000})",
      // 24: 1,800,000 outstanding over 6 x 300,000 fortnightly from 04-15
      R"({"type":"LoanRescheduled","event_id":"mawar-003-resched","effective_date":"2026-04-01","loan_id":"mawar-003","installments":6,"period_days":14,"next_due_date":"2026-04-15","reason":"usaha terdampak banjir"})",
      // 25
      R"({"type":"LoanRepaid","event_id":"mawar-005-r3","effective_date":"2026-04-02","loan_id":"mawar-005","amount":100000})",
      // 26
      R"({"type":"LoanRepaid","event_id":"mawar-005-r4","effective_date":"2026-04-09","loan_id":"mawar-005","amount":100000})",
      // 27
      R"({"type":"LoanRepaid","event_id":"mawar-003-r2","effective_date":"2026-04-15","loan_id":"mawar-003","amount":300000})",
      // 28
      R"({"type":"LoanRepaid","event_id":"mawar-005-r5","effective_date":"2026-04-16","loan_id":"mawar-005","amount":100000})",
      // 29: mawar-005 fully repaid
      R"({"type":"LoanRepaid","event_id":"mawar-005-r6","effective_date":"2026-04-23","loan_id":"mawar-005","amount":100000})",
      // 30
      R"({"type":"LoanRepaid","event_id":"mawar-003-r3","effective_date":"2026-04-29","loan_id":"mawar-003","amount":300000})",
      // 31
      R"({"type":"LoanWrittenOff","event_id":"mawar-004-wo","effective_date":"2026-08-01","loan_id":"mawar-004","reason":"anggota pindah tanpa kabar"})",
      // 32: a recovery
      R"({"type":"LoanRepaid","event_id":"mawar-004-rec","effective_date":"2026-09-01","loan_id":"mawar-004","amount":250000})",
  };
}

// A ledger in a temporary folder, appended to one event (one commit group)
// at a time so that history rows span many groups.
class QueryLedger {
 public:
  // `fold_often`: fold group deltas into rows after every group, so reads
  // go through folded rows rather than the overlay of recent deltas.
  explicit QueryLedger(bool fold_often = false) {
    REQUIRE(Ledger::Init(dir_.path(), kQueryOrigin).ok());
    LedgerOptions options;
    if (fold_often) {
      options.fold_rows_threshold = 1;
      options.fold_deltas_threshold = 1;
    }
    auto opened = Ledger::Open(dir_.path(), std::move(options));
    REQUIRE(opened.ok());
    ledger_ = std::move(*opened);
  }

  // Appends one event, which must be accepted; returns its seq.
  uint64_t Add(const std::string& event_json) {
    INFO(event_json);
    return AddAsOneBatch({event_json}).at(0);
  }
  void AddAll(const std::vector<std::string>& events) {
    for (const std::string& e : events) Add(e);
  }
  // Appends the events as one request (one commit group), which must be
  // accepted; returns their seqs. One group then posts to the same
  // accounts many times.
  std::vector<uint64_t> AddAsOneBatch(const std::vector<std::string>& events) {
    std::vector<EventInput> batch;
    for (const std::string& e : events) batch.push_back(DecodeEventJson(e));
    auto receipts = ledger_->Append(std::move(batch), "test:officer");
    INFO(receipts.status().ToString());
    REQUIRE(receipts.ok());
    REQUIRE(receipts->size() == events.size());
    std::vector<uint64_t> seqs;
    for (const Receipt& r : *receipts) {
      receipts_[r.seq] = ReceiptCode(r.leaf_hash);
      seqs.push_back(r.seq);
    }
    return seqs;
  }

  std::unique_ptr<LedgerSnapshot> Snapshot() const { return ledger_->Snapshot(); }
  // The receipt code the writer's receipt for `seq` gives.
  const std::string& ReceiptOf(uint64_t seq) const { return receipts_.at(seq); }
  const std::string& dir() const { return dir_.path(); }
  // Closes the ledger (for a CLI subprocess to open it).
  void Close() { ledger_.reset(); }

 private:
  TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::map<uint64_t, std::string> receipts_;
};

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_QUERY_FIXTURE_H_
