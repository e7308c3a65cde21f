// Internals shared by the query files: where a query reads its state (rows
// at the head, a replay below it), the metric objects every answer is made
// of, and the account history behind statements and past balances.

#ifndef LUMBUNG_LEDGER_QUERY_QUERY_INTERNAL_H_
#define LUMBUNG_LEDGER_QUERY_QUERY_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumbung/base/result.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/domain/state.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/query.h"

namespace lumbung::query::internal {

using Json = nlohmann::ordered_json;

// What every metric of one answer is stamped with.
struct Stamp {
  uint64_t as_of_seq = 0;
  std::string as_of;  // "YYYY-MM-DD"; empty when no entry is counted
};

// {"value", "unit", "formula", "as_of", "as_of_seq"}
Json AmountMetric(int64_t value, std::string_view unit, std::string_view formula,
                  const Stamp& stamp);
// As AmountMetric, for counts ("beneficiaries", "payments", "loans").
Json CountMetric(int64_t value, std::string_view unit, std::string_view formula,
                 const Stamp& stamp);
// {"value": "12.34%" or null, "basis_points", "numerator", "denominator",
//  "formula", "as_of", "as_of_seq", "unit"}; the formula text gets the
// rounding rule appended.
Json RatioMetric(int64_t numerator, int64_t denominator, std::string_view unit,
                 std::string_view formula, const Stamp& stamp);

// acc += v, or Corruption: sums of consistent balances never overflow.
Status SumInto(int64_t* acc, int64_t v, std::string_view what);

// The rows a query needs at the head: exact keys and key prefixes.
struct RowSet {
  std::vector<std::string> keys;
  std::vector<std::string> prefixes;
};

// The state a query answers from, and the seq and date it is as of.
struct View {
  domain::State state;
  Stamp stamp;  // as_of: the effective date of entry as_of_seq - 1
};

// The as-of seq the options ask for: InvalidArgument past the head.
Result<uint64_t> ResolveSeq(const LedgerSnapshot& snapshot, const Options& options);
// The effective date of entry `seq`.
Result<std::string> EntryDate(const LedgerSnapshot& snapshot, uint64_t seq);
// At the head, loads `rows`; below it, replays [0, as_of_seq).
Result<View> LoadView(const LedgerSnapshot& snapshot, const Options& options, const RowSet& rows);
// Loads exact keys and prefixes into `state` (ids of parents filled in).
Status LoadRows(const LedgerSnapshot& snapshot, const RowSet& rows, domain::State* state);

// The date loan metrics are computed for.
struct DateStamp {
  int32_t day = 0;
  std::string date;
  std::string source;  // "given" or "last_entry"
};
Result<DateStamp> ResolveDate(const Options& options, const Stamp& stamp);

// One account's history as of `as_of_seq`: one item per entry that posted
// to it (the last balance of that entry), in seq order, seq < as_of_seq.
struct History {
  std::string unit;
  std::vector<domain::HistoryItem> items;
};
Result<History> ReadHistory(const LedgerSnapshot& snapshot, std::string_view account,
                            uint64_t as_of_seq);
// Splits a history key "H/<account>/<BE64 first seq>"; false if malformed.
bool ParseHistoryKey(std::string_view key, std::string_view* account, uint64_t* first_seq);

// Statement lines for history items: {seq, date, type, amount (the change
// to the account), balance (after), receipt, details{...}}. Details keep
// only fields that carry no personal data.
Result<Json> StatementLines(const LedgerSnapshot& snapshot, const History& history);

// Concatenates text. (GCC 12 reports a false -Wrestrict at -O2 for
// "literal" + std::string, so messages are built with this instead.)
std::string Cat(std::initializer_list<std::string_view> parts);

// NotFound with a stable reason and the field at fault.
Status Unknown(std::string_view reason, std::string_view field, const std::string& message);

std::string_view ProgramKindName(uint8_t kind);
std::string_view ExitReasonName(uint8_t reason);
std::string_view MemberRoleName(uint8_t role);
std::string_view LoanStatusName(domain::LoanStatus status);

// outstanding, overdue, days_past_due, installments_in_arrears (loans.cc).
Json LoanFigures(const domain::LoanRec& loan, const LoanPosition& position, const Stamp& stamp);

// Loans of one unit and what the portfolio metrics are computed from
// (portfolio.cc), shared by group and portfolio answers.
struct LoanBook {
  std::string unit;
  std::vector<std::pair<const domain::LoanRec*, LoanPosition>> open;  // status open
  int64_t repaid_loans = 0;
  int64_t written_off_loans = 0;
  int64_t written_off_amount = 0;  // net of corrections, before recoveries
  int64_t recovered = 0;
};
// Adds a loan of any status, with its position on the as-of date.
Status AddToBook(const domain::LoanRec& loan, const LoanPosition& position, LoanBook* book);
// PAR-1/30/90 (restructured apart), arrears rate, repayment rate, aging
// buckets and counts; `stamp.as_of` is the as-of date.
Result<Json> BookMetrics(const LoanBook& book, const Stamp& stamp);

}  // namespace lumbung::query::internal

#endif  // LUMBUNG_LEDGER_QUERY_QUERY_INTERNAL_H_
