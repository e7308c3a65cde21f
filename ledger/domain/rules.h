// DomainRules: applies one entry's event to a Domain. One object per entry;
// the rules for each family of events live in rules_*.cc.
//
// Every mutation goes through the helpers below, which record undo in the
// journal, mark the record dirty (its row is rewritten at the end of the
// commit group) and, for balances, record the posting in the account's
// history. Money arithmetic is checked: an overflow is a rejection.
//
// Rejection codes (stable; DESIGN §3.3):
//   unknown_program unknown_cycle unknown_group unknown_loan unknown_entry
//   already_exists not_enrolled cycle_not_open cycle_closed already_disbursed
//   over_entitlement over_plan unit_mismatch not_a_member open_loan_exists
//   loan_not_open over_repayment over_recovery over_group_limit invalid_schedule
//   not_a_disbursement already_returned return_exceeds_allocation
//   not_correctable already_reversed invalid_correction invalid_ledger_opened
//   invalid_amount (overflow) insufficient_funds

#ifndef LUMBUNG_LEDGER_DOMAIN_RULES_H_
#define LUMBUNG_LEDGER_DOMAIN_RULES_H_

#include <string>
#include <string_view>

#include "lumbung/ledger/domain/domain.h"

namespace lumbung {

class DomainRules {
 public:
  DomainRules(Domain& domain, uint64_t seq, int32_t effective_day)
      : d_(domain), s_(domain.state_), seq_(seq), day_(effective_day) {}

  Status Apply(const fb::EventBody& body);

 private:
  using Account = Domain::Account;
  using Kind = Domain::Kind;

  // Dispatch of one event of `type` (the entry's own, or a replacement).
  Status ApplyEvent(fb::Event type, const void* table);

  // rules_program.cc
  Status LedgerOpened(const fb::LedgerOpened& e);
  Status ProgramOpened(const fb::ProgramOpened& e);
  Status FundsAllocated(const fb::FundsAllocated& e);
  Status FundsReturned(const fb::FundsReturned& e);
  Status CycleOpened(const fb::CycleOpened& e);
  Status CycleClosed(const fb::CycleClosed& e);
  Status CapitalGranted(const fb::CapitalGranted& e);
  // rules_beneficiary.cc
  Status BeneficiaryEnrolled(const fb::BeneficiaryEnrolled& e);
  Status BeneficiaryExited(const fb::BeneficiaryExited& e);
  Status PersonalDataErased(const fb::PersonalDataErased& e);
  Status AidDisbursed(const fb::AidDisbursed& e);
  Status DisbursementReturned(const fb::DisbursementReturned& e);
  // rules_group.cc
  Status GroupFormed(const fb::GroupFormed& e);
  Status MemberJoined(const fb::MemberJoined& e);
  Status MemberLeft(const fb::MemberLeft& e);
  Status LoanIssued(const fb::LoanIssued& e);
  Status LoanRepaid(const fb::LoanRepaid& e);
  Status LoanRescheduled(const fb::LoanRescheduled& e);
  Status LoanWrittenOff(const fb::LoanWrittenOff& e);
  // rules_correct.cc
  Status EventCorrected(const fb::EventCorrected& e);
  Status Reverse(fb::Event type, const void* table, uint64_t target_seq);
  Status ReverseAllocated(const fb::FundsAllocated& e);
  Status ReverseFundsReturned(const fb::FundsReturned& e);
  Status ReverseCapital(const fb::CapitalGranted& e);
  Status ReverseLoanIssued(const fb::LoanIssued& e);
  Status ReverseRepaid(const fb::LoanRepaid& e, uint64_t target_seq);
  Status ReverseWrittenOff(const fb::LoanWrittenOff& e, uint64_t target_seq);
  Status ReverseReturn(const fb::DisbursementReturned& e);

  // Shared by disbursement, return and their reversals (rules_beneficiary.cc).
  struct Disbursement {
    domain::ProgramRec* program;
    domain::BeneficiaryRec* ben;
    std::string_view cycle;
    int64_t amount;
  };
  // The disbursement made by entry `seq` (an AidDisbursed, or a correction
  // whose replacement is one): unknown_entry / not_a_disbursement otherwise.
  Status FindDisbursement(uint64_t seq, const std::string& field, Disbursement* out);
  // `region`: where the payment counts (the beneficiary's region when paid).
  Status Activate(const Disbursement& d, uint64_t slot_seq, const std::string& region);
  Status Deactivate(const Disbursement& d, bool returned);
  domain::RegionRec& Region(domain::ProgramRec& program, const std::string& code);

  // Earlier entries, for returns and corrections.
  Status ReadEntry(uint64_t seq, const std::string& field, audit::VerifiedEntry* out);

  // --- helpers ---
  Status Reject(std::string_view code, std::string_view field, const std::string& message) const {
    return Status::Rejected(code, prefix_ + std::string(field), message);
  }
  template <typename T>
  void Set(T& field, T value) {
    d_.journal_.Set(field, value);
  }
  void SetString(std::string& field, std::string value) {
    d_.journal_.SetString(field, std::move(value));
  }
  // field += delta, checked: an overflow rejects with invalid_amount.
  Status Add(int64_t& field, int64_t delta, std::string_view name);
  // Records that `rec`'s balance changed to its current value at this seq.
  void Post(Account account, const void* owner, const void* rec, int64_t balance);
  void Touch(Kind kind, void* owner, void* rec, std::string key = std::string());
  uint64_t* DirtyField(Kind kind, void* rec);

  domain::ProgramRec* FindProgram(std::string_view id);
  domain::BeneficiaryRec* FindBeneficiary(domain::ProgramRec& p, std::string_view id);
  domain::GroupRec* FindGroup(std::string_view id);
  domain::LoanRec* FindLoan(std::string_view id);
  domain::FunderRec& Funder(std::string_view id, const std::string& unit);
  Status MemberOpenLoan(domain::GroupRec& g, const std::string& member_id,
                        const std::string& loan_id);

  Domain& d_;
  domain::State& s_;
  const uint64_t seq_;
  const int32_t day_;
  std::string prefix_;  // "replacement." while applying a correction's replacement
};

// Money as finance officers read it: "Rp 1.250.000" for IDR, "12 PKG_SEMBAKO"
// for in-kind units.
std::string FormatAmount(int64_t amount, std::string_view unit);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_DOMAIN_RULES_H_
