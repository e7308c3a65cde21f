// Queries over a ledger's projections (DESIGN §6): account balances, programme
// summaries, cycles, beneficiary statements, groups, loans and the loan
// portfolio, as JSON that the CLI prints and the HTTP API serves.
//
// As of a seq. Every query answers for the state after entries [0, N): the
// ledger as it was when the log held N entries. N defaults to the snapshot's
// size (the head) and may not exceed it. At the head a query reads only the
// projection rows it needs; below the head, `balance` and `balances` read the
// accounts' history rows (H/<account>/...: every entry that posted to the
// account with its balance after), and every other query replays [0, N)
// into a fresh state.
//
// As of a date. Loan metrics (loan, group, portfolio) also take a calendar
// date T, which decides which installments are due: an installment due on
// day D is past due from D+1, and its days past due on T are T - D. The
// repayments counted are those recorded in entries [0, N), whatever their
// effective dates. T defaults to the effective date of entry N-1, the last
// entry counted; nothing reads the wall clock. Each answer says which
// ("as_of_source": "given" or "last_entry").
//
// Metrics. Every derived figure is an object naming its formula, its as-of
// date ("as_of", for programme figures the effective date of entry N-1), its
// as-of seq and its unit. Ratios are computed in integers: basis points,
// rounded half up, shown as a fixed-point percentage ("12.34%"); a ratio
// with a zero denominator has "value": null. There is no floating point.
//
// Errors. An unknown id is NotFound with a stable reason (unknown_account,
// unknown_program, unknown_cycle, unknown_beneficiary, unknown_group,
// unknown_loan) and a sentence naming it; a malformed request (an as-of seq
// past the head, a bad date, an account name of no known kind) is
// InvalidArgument; rows that do not decode are Corruption.
//
// Thread safety: pure functions of the snapshot.

#ifndef LUMBUNG_LEDGER_QUERY_H_
#define LUMBUNG_LEDGER_QUERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumbung/base/result.h"
#include "lumbung/ledger/domain/state.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/secrets.h"

namespace lumbung::query {

struct Options {
  // The state after entries [0, as_of_seq); default: the snapshot's size.
  std::optional<uint64_t> as_of_seq;
  // "YYYY-MM-DD": the date loan metrics are computed for; default: the
  // effective date of entry as_of_seq - 1.
  std::optional<std::string> as_of_date;
  // Program: restricts the region aggregates to this region code prefix
  // (whole segments: "31.75.07.1005.03" covers RW 03, not RW 030).
  std::string region_prefix;
  // Portfolio: one group only; empty for every group.
  std::string group_id;
  // Beneficiary: when set, the answer adds the person's personal data,
  // opened from the vault with this master key (keys/pii.key). The vault
  // holds only the present, so as_of_seq may then not be below the head.
  const Secret* pii_master_key = nullptr;
};

// --- balances (DESIGN §7.1 accounts) ---

struct AccountBalance {
  std::string account;  // e.g. "beneficiary:pkh-2026:hh-000017"
  std::string unit;     // empty for a group's accounts before its first capital grant
  int64_t balance = 0;
  friend bool operator==(const AccountBalance&, const AccountBalance&) = default;
};

// One account's balance. An account exists from the entry that opens it
// (ProgramOpened, GroupFormed for group:/loss:, the first posting for the
// others); asked for before that, it is NotFound.
Result<AccountBalance> Balance(const LedgerSnapshot& snapshot, std::string_view account,
                               const Options& options = {});
// Every account, sorted by account name (then unit).
Result<std::vector<AccountBalance>> Balances(const LedgerSnapshot& snapshot,
                                             const Options& options = {});
// Every account of a state (loaded or replayed), sorted as Balances.
std::vector<AccountBalance> BalancesOfState(const domain::State& state);
// {"account", "unit", "balance"}, plus "as_of_seq" when given.
nlohmann::ordered_json BalanceJson(const AccountBalance& balance,
                                   std::optional<uint64_t> as_of_seq = std::nullopt);

// --- programmes and beneficiaries ---

// {program_id, name, kind, unit, ..., totals{allocated, funds_returned,
// disbursed, disbursements_returned, granted, remaining, enrolled,
// recipients}, absorption, funders[], cycles[], regions{kelurahan, rw, rt}}
Result<nlohmann::ordered_json> Program(const LedgerSnapshot& snapshot, std::string_view program_id,
                                       const Options& options = {});
// Planned vs paid count and amount, returned, recipients reached, absorption.
Result<nlohmann::ordered_json> Cycle(const LedgerSnapshot& snapshot, std::string_view program_id,
                                     std::string_view cycle, const Options& options = {});
// Enrolment (no personal data), status, active payments, and every entry
// that touched the beneficiary's account with its receipt code.
//
// With options.pii_master_key, also "pii_status" and:
//   "held"      "pii": {name, nik, address, phone}, and
//               "pii_commitment_verified": whether the commitment recomputed
//               from the held salt and data equals the one in the
//               enrolment entry (enrolled_seq)
//   "erased"    "pii": null, "pii_erased": {seq, date, recorded_at_ms} of
//               the PersonalDataErased entry
//   "not_held"  "pii": null: none was given to this ledger
// A row that does not open (wrong key, altered bytes) is Corruption.
Result<nlohmann::ordered_json> Beneficiary(const LedgerSnapshot& snapshot,
                                           std::string_view program_id,
                                           std::string_view beneficiary_id,
                                           const Options& options = {});

// --- groups, loans, portfolio ---

Result<nlohmann::ordered_json> Group(const LedgerSnapshot& snapshot, std::string_view group_id,
                                     const Options& options = {});
Result<nlohmann::ordered_json> Loan(const LedgerSnapshot& snapshot, std::string_view loan_id,
                                    const Options& options = {});
// Per group and in total per unit.
Result<nlohmann::ordered_json> Portfolio(const LedgerSnapshot& snapshot,
                                         const Options& options = {});

// --- pure computations, shared with tests ---

// kWrittenOff and kReversed: unpaid installments of a loan written off, or
// of a loan whose issue a correction reversed.
enum class InstallmentStatus : uint8_t {
  kPaid,
  kOverdue,
  kDueToday,
  kUpcoming,
  kWrittenOff,
  kReversed
};
std::string_view InstallmentStatusName(InstallmentStatus status);

struct Installment {
  int32_t number = 0;   // 1-based
  int32_t due_day = 0;  // days since 1970-01-01
  int64_t amount = 0;
  int64_t paid = 0;  // settled oldest first from the repayments on this schedule
  InstallmentStatus status = InstallmentStatus::kUpcoming;
  int32_t days_past_due = 0;  // as_of_day - due_day when overdue, else 0
};

// A loan on one day. For a loan that is not open (repaid, written off,
// reversed) nothing is outstanding or overdue.
struct LoanPosition {
  int64_t outstanding = 0;              // principal still owed (zero interest: all of it principal)
  int64_t overdue = 0;                  // unpaid part of the installments due before as_of_day
  int32_t days_past_due = 0;            // of the oldest such installment; 0 if none
  int32_t installments_in_arrears = 0;  // installments due before as_of_day, not fully paid
  int32_t installments_paid = 0;
  std::vector<Installment> schedule;  // the schedule in force
};

// The schedule in force splits `base` into equal installments (remainder on
// the last), due every period_days from first_due_day; the repayments made
// on it settle the oldest first. Corruption if the stored schedule is
// impossible (no installments, base below what was paid on it).
Result<LoanPosition> ComputeLoanPosition(const domain::LoanRec& loan, int32_t as_of_day);

// numerator / denominator in basis points, rounded half up (away from zero
// for negative ratios); nullopt when the denominator is zero.
std::optional<int64_t> BasisPoints(int64_t numerator, int64_t denominator);
// 1234 -> "12.34%", -5 -> "-0.05%".
std::string FormatBasisPoints(int64_t basis_points);

}  // namespace lumbung::query

#endif  // LUMBUNG_LEDGER_QUERY_H_
