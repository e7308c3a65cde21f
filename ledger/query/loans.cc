// One loan on one day: its schedule in force, what is paid, overdue and
// outstanding, days past due (DESIGN §3.3 settled details, §6).
//
// Worked example: 1,000,000 in 3 installments every 7 days from day D:
// 333,333 due D, 333,333 due D+7, 333,334 due D+14. After repayments of
// 400,000 on this schedule, installment 1 is paid and 66,667 of installment
// 2 is; on day D+8, installment 2 is overdue by 266,666 with 1 day past due,
// installment 3 is upcoming, and 600,000 is outstanding.

#include <algorithm>

#include "lumbung/base/limits.h"
#include "lumbung/base/text.h"

#include "query_internal.h"

namespace lumbung::query {

using internal::Cat;
using internal::Json;

std::string_view InstallmentStatusName(InstallmentStatus status) {
  switch (status) {
    case InstallmentStatus::kPaid: return "paid";
    case InstallmentStatus::kOverdue: return "overdue";
    case InstallmentStatus::kDueToday: return "due_today";
    case InstallmentStatus::kUpcoming: return "upcoming";
    case InstallmentStatus::kWrittenOff: return "written_off";
    case InstallmentStatus::kReversed: return "reversed";
  }
  return "unknown";
}

namespace {

// Rows come from disk: a schedule that would divide by zero or run past
// the calendar is reported, never computed with.
Status CheckSchedule(const domain::LoanRec& loan) {
  const domain::Schedule& s = loan.schedule;
  const bool shape = s.installments >= 1 && s.installments <= limits::kInstallmentsMax &&
                     s.period_days >= 1 && s.period_days <= limits::kPeriodDaysMax && s.base >= 0 &&
                     s.paid_on_schedule >= 0 && s.paid_on_schedule <= s.base;
  // Invariant of the rules: an open loan owes exactly what its schedule has
  // not yet received.
  const bool open_consistent =
      loan.status != domain::LoanStatus::kOpen || s.base - s.paid_on_schedule == loan.outstanding;
  if (shape && open_consistent) return Status();
  return Status::Corruption(
      Cat({"loan ", loan.id, "'s schedule is inconsistent (base ", std::to_string(s.base),
           ", paid on schedule ", std::to_string(s.paid_on_schedule), ", outstanding ",
           std::to_string(loan.outstanding), ")"}));
}

InstallmentStatus UnpaidStatus(const domain::LoanRec& loan, int64_t due_day, int32_t as_of_day) {
  switch (loan.status) {
    case domain::LoanStatus::kWrittenOff: return InstallmentStatus::kWrittenOff;
    case domain::LoanStatus::kReversed: return InstallmentStatus::kReversed;
    default: break;
  }
  if (due_day < as_of_day) return InstallmentStatus::kOverdue;
  if (due_day == as_of_day) return InstallmentStatus::kDueToday;
  return InstallmentStatus::kUpcoming;
}

}  // namespace

Result<LoanPosition> ComputeLoanPosition(const domain::LoanRec& loan, int32_t as_of_day) {
  LUMBUNG_RETURN_IF_ERROR(CheckSchedule(loan));
  const domain::Schedule& s = loan.schedule;
  const int64_t each = s.base / s.installments;
  const int64_t last = s.base - each * (s.installments - 1);  // the remainder goes last
  int64_t unapplied = s.paid_on_schedule;
  LoanPosition out;
  out.schedule.reserve(static_cast<size_t>(s.installments));
  for (int32_t i = 0; i < s.installments; ++i) {
    // Bounded by the checks above: < 2^31 days.
    const int64_t due = int64_t{s.first_due_day} + int64_t{i} * s.period_days;
    Installment item;
    item.number = i + 1;
    item.due_day = static_cast<int32_t>(due);
    item.amount = i + 1 == s.installments ? last : each;
    item.paid = std::min(item.amount, unapplied);  // oldest first
    unapplied -= item.paid;
    if (item.paid == item.amount) {
      item.status = InstallmentStatus::kPaid;
      ++out.installments_paid;
    } else {
      item.status = UnpaidStatus(loan, due, as_of_day);
    }
    if (item.status == InstallmentStatus::kOverdue) {
      item.days_past_due = static_cast<int32_t>(as_of_day - due);
      out.overdue += item.amount - item.paid;  // <= base: no overflow
      ++out.installments_in_arrears;
      if (out.days_past_due == 0) out.days_past_due = item.days_past_due;  // the oldest
    }
    out.schedule.push_back(item);
  }
  LUMBUNG_ASSERT(unapplied == 0);  // paid_on_schedule <= base, checked above
  if (loan.status == domain::LoanStatus::kOpen) out.outstanding = loan.outstanding;
  return out;
}

namespace {

Json ScheduleJson(const domain::LoanRec& loan, const LoanPosition& position) {
  const domain::Schedule& s = loan.schedule;
  Json items = Json::array();
  for (const Installment& i : position.schedule) {
    items.push_back(Json{{"number", i.number},
                         {"due_date", FormatDate(i.due_day)},
                         {"amount", i.amount},
                         {"paid", i.paid},
                         {"status", std::string(InstallmentStatusName(i.status))},
                         {"days_past_due", i.days_past_due}});
  }
  return Json{{"base", s.base},
              {"paid_on_schedule", s.paid_on_schedule},
              {"installments", s.installments},
              {"period_days", s.period_days},
              {"first_due_date", FormatDate(s.first_due_day)},
              {"rule",
               "base split into equal installments, remainder on the last, due every period_days "
               "from first_due_date; repayments settle the oldest installment first; a "
               "reschedule re-bases the schedule on what was outstanding"},
              {"items", std::move(items)}};
}

}  // namespace

namespace internal {

// The figures of one loan that group and loan answers share.
Json LoanFigures(const domain::LoanRec& loan, const LoanPosition& position, const Stamp& stamp) {
  return Json{
      {"outstanding",
       AmountMetric(position.outstanding, loan.unit,
                    "principal - repaid - written off, net of corrections (0 unless open)", stamp)},
      {"overdue", AmountMetric(position.overdue, loan.unit,
                               "unpaid part of the installments due before the as-of date", stamp)},
      {"days_past_due",
       CountMetric(position.days_past_due, "days",
                   "as-of date - due date of the oldest installment not fully paid, if it fell "
                   "due before the as-of date; else 0",
                   stamp)},
      {"installments_in_arrears",
       CountMetric(position.installments_in_arrears, "installments",
                   "installments due before the as-of date and not fully paid", stamp)}};
}

}  // namespace internal

Result<Json> Loan(const LedgerSnapshot& snapshot, std::string_view loan_id,
                  const Options& options) {
  const std::string id(loan_id);
  LUMBUNG_ASSIGN_OR_RETURN(const internal::View view,
                           internal::LoadView(snapshot, options, {{domain::LoanKey(id)}, {}}));
  const auto it = view.state.loans.find(id);
  if (it == view.state.loans.end()) {
    return internal::Unknown("unknown_loan", "loan_id", Cat({"no loan ", id}));
  }
  const domain::LoanRec& loan = it->second;
  LUMBUNG_ASSIGN_OR_RETURN(const internal::DateStamp date,
                           internal::ResolveDate(options, view.stamp));
  const internal::Stamp stamp{view.stamp.as_of_seq, date.date};
  LUMBUNG_ASSIGN_OR_RETURN(const LoanPosition position, ComputeLoanPosition(loan, date.day));
  Json out{{"loan_id", loan.id},
           {"group_id", loan.group_id},
           {"member_id", loan.member_id},
           {"unit", loan.unit},
           {"status", std::string(internal::LoanStatusName(loan.status))},
           {"restructured", loan.restructured},
           {"issued_seq", loan.issued_seq},
           {"issued_date", FormatDate(loan.issued_day)},
           {"as_of", date.date},
           {"as_of_source", date.source},
           {"as_of_seq", view.stamp.as_of_seq},
           {"principal", loan.principal},
           {"repaid", loan.repaid},
           {"written_off", loan.written_off},
           {"recovered", loan.recovered}};
  out.update(internal::LoanFigures(loan, position, stamp));
  out["installments_paid"] = position.installments_paid;
  out["schedule"] = ScheduleJson(loan, position);
  const std::string account = domain::LoanAccount(id);
  LUMBUNG_ASSIGN_OR_RETURN(const internal::History history,
                           internal::ReadHistory(snapshot, account, view.stamp.as_of_seq));
  LUMBUNG_ASSIGN_OR_RETURN(out["entries"], internal::StatementLines(snapshot, history));
  return out;
}

}  // namespace lumbung::query
