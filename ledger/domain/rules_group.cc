// Rules for community groups, their members and zero-interest loans.

#include "lumbung/base/text.h"

#include "rules.h"

namespace lumbung {

using namespace domain;

Status DomainRules::GroupFormed(const fb::GroupFormed& e) {
  const std::string id = e.group_id()->str();
  if (FindGroup(id) != nullptr)
    return Reject("already_exists", "group_id", "group " + id + " already exists");
  auto [it, inserted] = s_.groups.emplace(id, GroupRec{});
  d_.journal_.OnUndo([&s = s_, id] { s.groups.erase(id); });
  GroupRec& g = it->second;
  g.id = id;
  g.name = e.name()->str();
  g.region_code = e.region_code()->str();
  if (e.max_loan()) g.max_loan = *e.max_loan();
  if (e.max_installments()) g.max_installments = *e.max_installments();
  g.formed_seq = seq_;
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

Status DomainRules::MemberJoined(const fb::MemberJoined& e) {
  GroupRec* g = FindGroup(e.group_id()->string_view());
  if (g == nullptr) return Reject("unknown_group", "group_id", "no group " + e.group_id()->str());
  const std::string id = e.member_id()->str();
  auto it = g->members.find(id);
  if (it != g->members.end() && it->second.active) {
    return Reject("already_exists", "member_id", id + " is already a member of " + g->id);
  }
  if (it == g->members.end()) {
    it = g->members.emplace(id, MemberRec{}).first;
    d_.journal_.OnUndo([g, id] { g->members.erase(id); });
    it->second.id = id;
  }
  MemberRec& m = it->second;
  Set(m.active, true);
  Set(m.role, static_cast<uint8_t>(e.role()));
  Set(m.joined_seq, seq_);
  Set(m.left_seq, uint64_t{0});
  LUMBUNG_RETURN_IF_ERROR(Add(g->members_active, 1, "member_id"));
  Touch(Kind::kMember, g, &m);
  Touch(Kind::kGroup, nullptr, g);
  return Status();
}

Status DomainRules::MemberLeft(const fb::MemberLeft& e) {
  GroupRec* g = FindGroup(e.group_id()->string_view());
  if (g == nullptr) return Reject("unknown_group", "group_id", "no group " + e.group_id()->str());
  auto it = g->members.find(e.member_id()->string_view());
  if (it == g->members.end() || !it->second.active) {
    return Reject("not_a_member", "member_id",
                  e.member_id()->str() + " is not a member of " + g->id);
  }
  MemberRec& m = it->second;
  if (!m.open_loan.empty()) {
    return Reject("open_loan_exists", "member_id",
                  m.id + " still owes on loan " + m.open_loan + " and cannot leave");
  }
  Set(m.active, false);
  Set(m.left_seq, seq_);
  LUMBUNG_RETURN_IF_ERROR(Add(g->members_active, -1, "member_id"));
  Touch(Kind::kMember, g, &m);
  Touch(Kind::kGroup, nullptr, g);
  return Status();
}

Status DomainRules::LoanIssued(const fb::LoanIssued& e) {
  const std::string id = e.loan_id()->str();
  LoanRec* existing = FindLoan(id);
  if (existing != nullptr && existing->status != LoanStatus::kReversed) {
    return Reject("already_exists", "loan_id", "loan " + id + " already exists");
  }
  GroupRec* g = FindGroup(e.group_id()->string_view());
  if (g == nullptr) return Reject("unknown_group", "group_id", "no group " + e.group_id()->str());
  auto mit = g->members.find(e.member_id()->string_view());
  if (mit == g->members.end() || !mit->second.active) {
    return Reject("not_a_member", "member_id",
                  e.member_id()->str() + " is not a member of " + g->id);
  }
  MemberRec& m = mit->second;
  if (!m.open_loan.empty()) {
    return Reject("open_loan_exists", "member_id", m.id + " already has open loan " + m.open_loan);
  }
  const int64_t principal = e.principal();
  if (g->max_loan && principal > *g->max_loan) {
    return Reject("over_group_limit", "principal",
                  "group " + g->id + " lends at most " + FormatAmount(*g->max_loan, g->unit));
  }
  if (g->max_installments && e.installments() > *g->max_installments) {
    return Reject("over_group_limit", "installments",
                  "group " + g->id + " allows at most " + std::to_string(*g->max_installments) +
                      " installments");
  }
  const int32_t first_due = *ParseDate(e.first_due_date()->string_view());
  if (first_due < day_) {
    return Reject("invalid_schedule", "first_due_date",
                  "the first installment cannot fall due before the loan is issued");
  }
  if (g->fund < principal) {
    return Reject("insufficient_funds", "principal",
                  "group " + g->id + "'s fund holds " + FormatAmount(g->fund, g->unit) +
                      "; cannot lend " + FormatAmount(principal, g->unit));
  }
  if (existing != nullptr) {
    d_.journal_.OnUndo([existing, old = *existing] { *existing = old; });
  } else {
    existing = &s_.loans.emplace(id, LoanRec{}).first->second;
    d_.journal_.OnUndo([&s = s_, id] { s.loans.erase(id); });
  }
  LoanRec& l = *existing;
  l = LoanRec{};
  l.id = id;
  l.group_id = g->id;
  l.member_id = m.id;
  l.unit = g->unit;
  l.principal = principal;
  l.outstanding = principal;
  l.status = LoanStatus::kOpen;
  l.schedule = Schedule{principal, 0, e.installments(), e.period_days(), first_due};
  l.issued_seq = seq_;
  l.issued_day = day_;
  LUMBUNG_RETURN_IF_ERROR(Add(g->fund, -principal, "principal"));
  SetString(m.open_loan, id);
  Post(Account::kGroup, nullptr, g, g->fund);
  Post(Account::kLoan, nullptr, &l, l.outstanding);
  Touch(Kind::kLoan, nullptr, &l);
  Touch(Kind::kGroup, nullptr, g);
  Touch(Kind::kMember, g, &m);
  return Status();
}

Status DomainRules::MemberOpenLoan(GroupRec& g, const std::string& member_id,
                                   const std::string& loan_id) {
  MemberRec& m = g.members.find(member_id)->second;
  if (!loan_id.empty() && !m.open_loan.empty() && m.open_loan != loan_id) {
    return Reject("open_loan_exists", "loan_id",
                  m.id + " has taken loan " + m.open_loan + " since; it must be settled first");
  }
  SetString(m.open_loan, loan_id);
  Touch(Kind::kMember, &g, &m);
  return Status();
}

Status DomainRules::LoanRepaid(const fb::LoanRepaid& e) {
  LoanRec* l = FindLoan(e.loan_id()->string_view());
  if (l == nullptr || l->status == LoanStatus::kReversed) {
    return Reject("unknown_loan", "loan_id", "no loan " + e.loan_id()->str());
  }
  if (l->status == LoanStatus::kRepaid) {
    return Reject("loan_not_open", "loan_id", "loan " + l->id + " is already fully repaid");
  }
  GroupRec& g = s_.groups.find(l->group_id)->second;
  const int64_t a = e.amount();
  if (l->status == LoanStatus::kWrittenOff) {
    // A recovery: never more than was written off and not yet recovered.
    if (a > l->written_off - l->recovered) {
      return Reject("over_recovery", "amount",
                    "only " + FormatAmount(l->written_off - l->recovered, l->unit) + " of loan " +
                        l->id + " is written off and unrecovered");
    }
    LUMBUNG_RETURN_IF_ERROR(Add(g.loss, -a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(l->recovered, a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(g.fund, a, "amount"));
    Post(Account::kLoss, nullptr, &g, g.loss);
    Post(Account::kLoan, nullptr, l, l->outstanding);  // on the loan's statement
  } else {
    if (a > l->outstanding) {
      return Reject(
          "over_repayment", "amount",
          "loan " + l->id + " has " + FormatAmount(l->outstanding, l->unit) + " outstanding");
    }
    LUMBUNG_RETURN_IF_ERROR(Add(l->outstanding, -a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(l->repaid, a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(l->schedule.paid_on_schedule, a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(g.fund, a, "amount"));
    if (l->outstanding == 0) {
      Set(l->status, LoanStatus::kRepaid);
      LUMBUNG_RETURN_IF_ERROR(MemberOpenLoan(g, l->member_id, ""));
    }
    Post(Account::kLoan, nullptr, l, l->outstanding);
  }
  Post(Account::kGroup, nullptr, &g, g.fund);
  Touch(Kind::kLoan, nullptr, l);
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

Status DomainRules::LoanRescheduled(const fb::LoanRescheduled& e) {
  LoanRec* l = FindLoan(e.loan_id()->string_view());
  if (l == nullptr || l->status == LoanStatus::kReversed) {
    return Reject("unknown_loan", "loan_id", "no loan " + e.loan_id()->str());
  }
  if (l->status != LoanStatus::kOpen) {
    return Reject("loan_not_open", "loan_id", "loan " + l->id + " is no longer open");
  }
  const GroupRec& g = s_.groups.find(l->group_id)->second;
  if (g.max_installments && e.installments() > *g.max_installments) {
    return Reject("over_group_limit", "installments",
                  "group " + g.id + " allows at most " + std::to_string(*g.max_installments) +
                      " installments");
  }
  const int32_t next_due = *ParseDate(e.next_due_date()->string_view());
  if (next_due < day_) {
    return Reject("invalid_schedule", "next_due_date",
                  "the next installment cannot fall due before the reschedule");
  }
  // What is outstanding now is spread over the new schedule.
  Set(l->schedule.base, l->outstanding);
  Set(l->schedule.paid_on_schedule, int64_t{0});
  Set(l->schedule.installments, e.installments());
  Set(l->schedule.period_days, e.period_days());
  Set(l->schedule.first_due_day, next_due);
  Set(l->restructured, true);
  Post(Account::kLoan, nullptr, l, l->outstanding);
  Touch(Kind::kLoan, nullptr, l);
  return Status();
}

Status DomainRules::LoanWrittenOff(const fb::LoanWrittenOff& e) {
  LoanRec* l = FindLoan(e.loan_id()->string_view());
  if (l == nullptr || l->status == LoanStatus::kReversed) {
    return Reject("unknown_loan", "loan_id", "no loan " + e.loan_id()->str());
  }
  if (l->status != LoanStatus::kOpen) {
    return Reject("loan_not_open", "loan_id", "loan " + l->id + " is no longer open");
  }
  GroupRec& g = s_.groups.find(l->group_id)->second;
  const int64_t w = l->outstanding;
  LUMBUNG_RETURN_IF_ERROR(Add(l->outstanding, -w, "loan_id"));
  LUMBUNG_RETURN_IF_ERROR(Add(l->written_off, w, "loan_id"));
  LUMBUNG_RETURN_IF_ERROR(Add(g.loss, w, "loan_id"));
  Set(l->status, LoanStatus::kWrittenOff);
  Set(l->written_off_seq, seq_);
  // A written-off loan is closed: the member may borrow again.
  LUMBUNG_RETURN_IF_ERROR(MemberOpenLoan(g, l->member_id, ""));
  Post(Account::kLoan, nullptr, l, l->outstanding);
  Post(Account::kLoss, nullptr, &g, g.loss);
  Touch(Kind::kLoan, nullptr, l);
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

}  // namespace lumbung
