// Groups and the loan portfolio: the microfinance metrics of DESIGN §6 over
// the open loans of a group, or of every group, on an as-of date.
//
// Settled definitions (DESIGN §3.3, §6):
//   more than n days past due  days past due > n
//   PAR-n        outstanding of loans with days past due > n / outstanding,
//                over loans not restructured; restructured loans have their
//                own PAR-n (against their new schedule) and their share
//   arrears rate overdue / outstanding (zero interest: all of it principal)
//   repayment rate (outstanding - outstanding of loans with >= 3
//                installments in arrears) / outstanding
//   aging        outstanding by days past due: 0, 1-30, 31-60, 61-90, > 90

#include <algorithm>
#include <array>
#include <map>

#include "lumbung/base/text.h"

#include "query_internal.h"

namespace lumbung::query {

using internal::Cat;
using internal::Json;
using internal::Stamp;

namespace internal {

Status AddToBook(const domain::LoanRec& loan, const LoanPosition& position, LoanBook* book) {
  switch (loan.status) {
    case domain::LoanStatus::kOpen: book->open.emplace_back(&loan, position); break;
    case domain::LoanStatus::kRepaid: ++book->repaid_loans; break;
    case domain::LoanStatus::kWrittenOff: ++book->written_off_loans; break;
    case domain::LoanStatus::kReversed: break;
  }
  LUMBUNG_RETURN_IF_ERROR(SumInto(&book->written_off_amount, loan.written_off, "write-offs"));
  return SumInto(&book->recovered, loan.recovered, "recoveries");
}

namespace {

constexpr std::array<int32_t, 3> kParDays = {1, 30, 90};

struct Bucket {
  std::string_view label;
  int32_t min_days;
  int32_t max_days;  // inclusive; INT32_MAX for the last
  int64_t loans = 0;
  int64_t outstanding = 0;
};

// Sums over the open loans of one book. Every sum is bounded by the
// outstanding total, itself checked.
struct Sums {
  int64_t outstanding = 0, overdue = 0, plain = 0, restructured = 0, three_or_more = 0;
  int64_t in_arrears = 0, restructured_loans = 0;
  std::array<int64_t, kParDays.size()> par{}, par_restructured{};
  std::array<Bucket, 5> aging{{{"current", 0, 0},
                               {"1-30", 1, 30},
                               {"31-60", 31, 60},
                               {"61-90", 61, 90},
                               {"over_90", 91, INT32_MAX}}};
};

Status AddLoan(const domain::LoanRec& loan, const LoanPosition& p, Sums* s) {
  const int64_t out = p.outstanding;
  LUMBUNG_RETURN_IF_ERROR(SumInto(&s->outstanding, out, "outstanding"));
  LUMBUNG_RETURN_IF_ERROR(SumInto(&s->overdue, p.overdue, "overdue"));
  LUMBUNG_RETURN_IF_ERROR(
      SumInto(loan.restructured ? &s->restructured : &s->plain, out, "outstanding"));
  if (loan.restructured) ++s->restructured_loans;
  if (p.days_past_due > 0) ++s->in_arrears;
  if (p.installments_in_arrears >= 3) {
    LUMBUNG_RETURN_IF_ERROR(SumInto(&s->three_or_more, out, "outstanding"));
  }
  for (size_t i = 0; i < kParDays.size(); ++i) {
    if (p.days_past_due <= kParDays[i]) continue;
    auto& sums = loan.restructured ? s->par_restructured : s->par;
    LUMBUNG_RETURN_IF_ERROR(SumInto(&sums[i], out, "outstanding"));
  }
  for (Bucket& b : s->aging) {
    if (p.days_past_due < b.min_days || p.days_past_due > b.max_days) continue;
    ++b.loans;
    LUMBUNG_RETURN_IF_ERROR(SumInto(&b.outstanding, out, "outstanding"));
  }
  return Status();
}

Json ParMetrics(const std::array<int64_t, kParDays.size()>& numerators, int64_t denominator,
                std::string_view unit, std::string_view which, const Stamp& stamp) {
  Json out = Json::object();
  for (size_t i = 0; i < kParDays.size(); ++i) {
    const std::string n = std::to_string(kParDays[i]);
    out[Cat({"par_", n})] =
        RatioMetric(numerators[i], denominator, unit,
                    Cat({"outstanding of ", which, " with an installment more than ", n,
                         " days past due (days past due > ", n, ") / outstanding of ", which}),
                    stamp);
  }
  return out;
}

Json AgingJson(const Sums& s, std::string_view unit, const Stamp& stamp) {
  Json buckets = Json::array();
  for (const Bucket& b : s.aging) {
    buckets.push_back(Json{{"label", std::string(b.label)},
                           {"min_days", b.min_days},
                           {"max_days", b.max_days == INT32_MAX ? Json(nullptr) : Json(b.max_days)},
                           {"loans", b.loans},
                           {"outstanding", b.outstanding}});
  }
  return Json{{"unit", std::string(unit)},
              {"formula",
               "outstanding of open loans by days past due of their oldest overdue installment "
               "(current: 0; over_90: more than 90); the buckets sum to the outstanding total"},
              {"as_of", stamp.as_of},
              {"as_of_seq", stamp.as_of_seq},
              {"buckets", std::move(buckets)}};
}

}  // namespace

Result<Json> BookMetrics(const LoanBook& book, const Stamp& stamp) {
  Sums s;
  for (const auto& [loan, position] : book.open) {
    LUMBUNG_RETURN_IF_ERROR(AddLoan(*loan, position, &s));
  }
  const std::string& u = book.unit;
  Json out{{"unit", u},
           {"as_of", stamp.as_of},
           {"as_of_seq", stamp.as_of_seq},
           {"loans", Json{{"open", static_cast<int64_t>(book.open.size())},
                          {"in_arrears", s.in_arrears},
                          {"restructured", s.restructured_loans},
                          {"repaid", book.repaid_loans},
                          {"written_off", book.written_off_loans}}},
           {"outstanding", AmountMetric(s.outstanding, u, "sum of open loans' outstanding", stamp)},
           {"overdue", AmountMetric(s.overdue, u,
                                    "sum over open loans of the unpaid part of installments due "
                                    "before the as-of date",
                                    stamp)}};
  out.update(ParMetrics(s.par, s.plain, u, "open loans not restructured", stamp));
  Json restructured{
      {"loans", s.restructured_loans},
      {"outstanding",
       AmountMetric(s.restructured, u, "outstanding of restructured open loans", stamp)},
      {"share",
       RatioMetric(s.restructured, s.outstanding, u,
                   "outstanding of restructured loans / outstanding of all open loans", stamp)}};
  restructured.update(
      ParMetrics(s.par_restructured, s.restructured, u, "restructured open loans", stamp));
  out["restructured"] = std::move(restructured);
  out["arrears_rate"] =
      RatioMetric(s.overdue, s.outstanding, u, "overdue principal / outstanding principal", stamp);
  out["repayment_rate"] = RatioMetric(
      s.outstanding - s.three_or_more, s.outstanding, u,
      "(outstanding - outstanding of loans with 3 or more installments in arrears) / outstanding",
      stamp);
  out["aging"] = AgingJson(s, u, stamp);
  out["written_off"] = AmountMetric(book.written_off_amount, u,
                                    "sum of amounts written off, net of corrections", stamp);
  out["recovered"] =
      AmountMetric(book.recovered, u, "sum of repayments after write-off (recoveries)", stamp);
  return out;
}

}  // namespace internal

namespace {

Json MemberList(const domain::GroupRec& g) {
  std::map<std::string, const domain::MemberRec*> members;
  for (const auto& [id, m] : g.members) members.emplace(id, &m);
  Json out = Json::array();
  for (const auto& [id, m] : members) {
    Json line{{"member_id", id},
              {"role", std::string(internal::MemberRoleName(m->role))},
              {"active", m->active},
              {"open_loan", m->open_loan.empty() ? Json(nullptr) : Json(m->open_loan)},
              {"joined_seq", m->joined_seq}};
    if (!m->active) line["left_seq"] = m->left_seq;
    out.push_back(std::move(line));
  }
  return out;
}

Json LoanLine(const domain::LoanRec& loan, const LoanPosition& p) {
  return Json{{"loan_id", loan.id},
              {"member_id", loan.member_id},
              {"status", std::string(internal::LoanStatusName(loan.status))},
              {"restructured", loan.restructured},
              {"principal", loan.principal},
              {"outstanding", p.outstanding},
              {"overdue", p.overdue},
              {"days_past_due", p.days_past_due},
              {"installments_in_arrears", p.installments_in_arrears}};
}

// Loans sorted by id, so every answer lists them in the same order.
std::map<std::string, const domain::LoanRec*> SortedLoans(const domain::State& state) {
  std::map<std::string, const domain::LoanRec*> out;
  for (const auto& [id, l] : state.loans) out.emplace(id, &l);
  return out;
}

Json GroupHeader(const domain::GroupRec& g) {
  return Json{
      {"group_id", g.id}, {"name", g.name}, {"region_code", g.region_code}, {"unit", g.unit}};
}

}  // namespace

Result<Json> Group(const LedgerSnapshot& snapshot, std::string_view group_id,
                   const Options& options) {
  const std::string id(group_id);
  internal::RowSet rows{{domain::GroupKey(id)}, {domain::MemberKey(id, ""), "L/"}};
  LUMBUNG_ASSIGN_OR_RETURN(const internal::View view, internal::LoadView(snapshot, options, rows));
  const auto it = view.state.groups.find(id);
  if (it == view.state.groups.end() || it->second.formed_seq == 0) {
    return internal::Unknown("unknown_group", "group_id", Cat({"no group ", id}));
  }
  const domain::GroupRec& g = it->second;
  LUMBUNG_ASSIGN_OR_RETURN(const internal::DateStamp date,
                           internal::ResolveDate(options, view.stamp));
  const Stamp stamp{view.stamp.as_of_seq, date.date};
  internal::LoanBook book;
  book.unit = g.unit;
  Json loans = Json::array();
  for (const auto& [loan_id, loan] : SortedLoans(view.state)) {
    if (loan->group_id != id) continue;
    LUMBUNG_ASSIGN_OR_RETURN(const LoanPosition position, ComputeLoanPosition(*loan, date.day));
    loans.push_back(LoanLine(*loan, position));
    LUMBUNG_RETURN_IF_ERROR(internal::AddToBook(*loan, position, &book));
  }
  Json out = GroupHeader(g);
  out["max_loan"] = g.max_loan ? Json(*g.max_loan) : Json(nullptr);
  out["max_installments"] = g.max_installments ? Json(*g.max_installments) : Json(nullptr);
  out["formed_seq"] = g.formed_seq;
  out["as_of"] = date.date;
  out["as_of_source"] = date.source;
  out["as_of_seq"] = view.stamp.as_of_seq;
  out["fund"] = internal::AmountMetric(
      g.fund, g.unit,
      Cat({"balance of ", domain::GroupAccount(id),
           ": capital granted + repayments + recoveries - loans issued, net of corrections"}),
      stamp);
  out["loss"] = internal::AmountMetric(
      g.loss, g.unit, Cat({"balance of ", domain::LossAccount(id), ": written off - recovered"}),
      stamp);
  out["granted"] = internal::AmountMetric(
      g.granted, g.unit, "capital granted to the group, net of corrections", stamp);
  out["members_active"] = g.members_active;
  out["members"] = MemberList(g);
  out["loans"] = std::move(loans);
  out["loans_legend"] =
      "per loan as of the as-of date: outstanding = principal - repaid - written off (0 unless "
      "open); overdue = unpaid part of installments due before the as-of date; days_past_due of "
      "the oldest such installment";
  LUMBUNG_ASSIGN_OR_RETURN(out["portfolio"], internal::BookMetrics(book, stamp));
  return out;
}

namespace {

// The groups a portfolio covers: one, or every group.
Result<std::map<std::string, const domain::GroupRec*>> SelectGroups(const domain::State& state,
                                                                    const std::string& only) {
  std::map<std::string, const domain::GroupRec*> out;
  for (const auto& [id, g] : state.groups) {
    if (only.empty() || id == only) out.emplace(id, &g);
  }
  if (!only.empty() && out.empty()) {
    return internal::Unknown("unknown_group", "group_id", Cat({"no group ", only}));
  }
  return out;
}

}  // namespace

Result<Json> Portfolio(const LedgerSnapshot& snapshot, const Options& options) {
  const std::string& only = options.group_id;
  internal::RowSet rows;
  if (only.empty()) {
    rows.prefixes = {"G/", "L/"};
  } else {
    rows = {{domain::GroupKey(only)}, {"L/"}};
  }
  LUMBUNG_ASSIGN_OR_RETURN(const internal::View view, internal::LoadView(snapshot, options, rows));
  LUMBUNG_ASSIGN_OR_RETURN(const auto groups, SelectGroups(view.state, only));
  LUMBUNG_ASSIGN_OR_RETURN(const internal::DateStamp date,
                           internal::ResolveDate(options, view.stamp));
  const Stamp stamp{view.stamp.as_of_seq, date.date};
  std::map<std::string, internal::LoanBook> by_group, by_unit;
  for (const auto& [id, g] : groups) {
    by_group[id].unit = g->unit;
    if (!g->unit.empty()) by_unit[g->unit].unit = g->unit;
  }
  for (const auto& [loan_id, loan] : SortedLoans(view.state)) {
    const auto book = by_group.find(loan->group_id);
    if (book == by_group.end()) {
      if (only.empty()) return Status::Corruption(Cat({"loan ", loan_id, " has no group"}));
      continue;  // another group's loan
    }
    LUMBUNG_ASSIGN_OR_RETURN(const LoanPosition position, ComputeLoanPosition(*loan, date.day));
    LUMBUNG_RETURN_IF_ERROR(internal::AddToBook(*loan, position, &book->second));
    internal::LoanBook& unit_book = by_unit[loan->unit];
    unit_book.unit = loan->unit;
    LUMBUNG_RETURN_IF_ERROR(internal::AddToBook(*loan, position, &unit_book));
  }
  Json out{{"as_of", date.date},
           {"as_of_source", date.source},
           {"as_of_seq", view.stamp.as_of_seq},
           {"group", only.empty() ? Json(nullptr) : Json(only)}};
  Json totals = Json::array();
  for (const auto& [unit, book] : by_unit) {
    LUMBUNG_ASSIGN_OR_RETURN(Json metrics, internal::BookMetrics(book, stamp));
    totals.push_back(std::move(metrics));
  }
  out["totals"] = std::move(totals);
  Json group_list = Json::array();
  for (const auto& [id, g] : groups) {
    Json line = GroupHeader(*g);
    LUMBUNG_ASSIGN_OR_RETURN(line["portfolio"], internal::BookMetrics(by_group[id], stamp));
    group_list.push_back(std::move(line));
  }
  out["groups"] = std::move(group_list);
  return out;
}

}  // namespace lumbung::query
