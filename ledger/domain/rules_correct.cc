// EventCorrected: reverses a money event's postings and effects, then
// applies the replacement (an event of the same type) against the state the
// reversal left. Nothing is edited in place: the target stays in the log,
// marked reversed by the correcting seq.
//
// A correction may target another correction that carried a replacement;
// that reverses the replacement (the correction's own reversal stands).

#include <algorithm>

#include "rules.h"

namespace lumbung {

using namespace domain;

namespace {

bool IsMoneyEvent(fb::Event type) {
  switch (type) {
    case fb::Event::FundsAllocated:
    case fb::Event::FundsReturned:
    case fb::Event::AidDisbursed:
    case fb::Event::DisbursementReturned:
    case fb::Event::CapitalGranted:
    case fb::Event::LoanIssued:
    case fb::Event::LoanRepaid:
    case fb::Event::LoanWrittenOff: return true;
    default: return false;
  }
}

}  // namespace

Status DomainRules::EventCorrected(const fb::EventCorrected& e) {
  const uint64_t target_seq = e.target_seq();
  audit::VerifiedEntry target;
  LUMBUNG_RETURN_IF_ERROR(ReadEntry(target_seq, "target_seq", &target));
  fb::Event type = target.body().event_type();
  const void* table = target.body().event();
  if (type == fb::Event::EventCorrected) {
    // Correcting a correction means correcting its replacement.
    const auto* earlier = target.body().event_as_EventCorrected();
    type = earlier->replacement_type();
    table = earlier->replacement();
  }
  if (!IsMoneyEvent(type)) {
    return Reject("not_correctable", "target_seq",
                  "entry " + std::to_string(target_seq) +
                      " moved no money; only money events can be corrected");
  }
  if (const auto it = s_.reversed.find(target_seq); it != s_.reversed.end()) {
    return Reject("already_reversed", "target_seq",
                  "entry " + std::to_string(target_seq) + " was already reversed by entry " +
                      std::to_string(it->second));
  }
  if (e.replacement_type() != fb::Event::NONE && e.replacement_type() != type) {
    return Reject("invalid_correction", "replacement.type",
                  "the replacement must be an event of the corrected entry's type");
  }
  LUMBUNG_RETURN_IF_ERROR(Reverse(type, table, target_seq));
  s_.reversed.emplace(target_seq, seq_);
  d_.journal_.OnUndo([&s = s_, target_seq] { s.reversed.erase(target_seq); });
  Touch(Kind::kReversed, nullptr, nullptr, std::to_string(target_seq));
  if (e.replacement_type() == fb::Event::NONE) return Status();
  prefix_ = "replacement.";
  Status st = ApplyEvent(e.replacement_type(), e.replacement());
  prefix_.clear();
  return st;
}

Status DomainRules::Reverse(fb::Event type, const void* table, uint64_t target_seq) {
  switch (type) {
    case fb::Event::FundsAllocated:
      return ReverseAllocated(*static_cast<const fb::FundsAllocated*>(table));
    case fb::Event::FundsReturned:
      return ReverseFundsReturned(*static_cast<const fb::FundsReturned*>(table));
    case fb::Event::CapitalGranted:
      return ReverseCapital(*static_cast<const fb::CapitalGranted*>(table));
    case fb::Event::LoanIssued:
      return ReverseLoanIssued(*static_cast<const fb::LoanIssued*>(table));
    case fb::Event::LoanRepaid:
      return ReverseRepaid(*static_cast<const fb::LoanRepaid*>(table), target_seq);
    case fb::Event::LoanWrittenOff:
      return ReverseWrittenOff(*static_cast<const fb::LoanWrittenOff*>(table), target_seq);
    case fb::Event::DisbursementReturned:
      return ReverseReturn(*static_cast<const fb::DisbursementReturned*>(table));
    case fb::Event::AidDisbursed: {
      Disbursement d;
      LUMBUNG_RETURN_IF_ERROR(FindDisbursement(target_seq, "target_seq", &d));
      const bool active = std::any_of(
          d.ben->paid.begin(), d.ben->paid.end(),
          [&](const PaidRec& q) { return q.cycle() == d.cycle && q.seq == target_seq; });
      if (!active) {
        return Reject("already_reversed", "target_seq",
                      "the disbursement at seq " + std::to_string(target_seq) + " was returned");
      }
      return Deactivate(d, /*returned=*/false);
    }
    default: LUMBUNG_ASSERT(false && "not a money event"); return Status();
  }
}

Status DomainRules::ReverseAllocated(const fb::FundsAllocated& e) {
  ProgramRec& p = *FindProgram(e.program_id()->string_view());
  FunderRec& f = s_.funders.find(e.funder()->string_view())->second;
  int64_t& provided = p.provided_by.find(e.funder()->string_view())->second;
  const int64_t a = e.amount();
  if (provided < a) {
    return Reject(
        "invalid_correction", "target_seq",
        "funds were returned to " + f.id + " from this allocation; correct the return first");
  }
  if (p.balance < a) {
    return Reject("insufficient_funds", "target_seq",
                  "programme " + p.id + " has " + FormatAmount(p.balance, p.unit) +
                      " unspent; the allocation of " + FormatAmount(a, p.unit) +
                      " cannot be taken back");
  }
  LUMBUNG_RETURN_IF_ERROR(Add(p.balance, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.allocated, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(provided, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(f.balance, a, "amount"));
  Post(Account::kProgram, nullptr, &p, p.balance);
  Post(Account::kFunder, nullptr, &f, f.balance);
  Touch(Kind::kProgram, nullptr, &p);
  Touch(Kind::kFunder, nullptr, &f);
  Touch(Kind::kProvided, &p, nullptr, f.id);
  return Status();
}

Status DomainRules::ReverseFundsReturned(const fb::FundsReturned& e) {
  ProgramRec& p = *FindProgram(e.program_id()->string_view());
  FunderRec& f = s_.funders.find(e.funder()->string_view())->second;
  int64_t& provided = p.provided_by.find(e.funder()->string_view())->second;
  const int64_t a = e.amount();
  LUMBUNG_RETURN_IF_ERROR(Add(p.balance, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.funds_returned, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(provided, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(f.balance, -a, "amount"));
  Post(Account::kProgram, nullptr, &p, p.balance);
  Post(Account::kFunder, nullptr, &f, f.balance);
  Touch(Kind::kProgram, nullptr, &p);
  Touch(Kind::kFunder, nullptr, &f);
  Touch(Kind::kProvided, &p, nullptr, f.id);
  return Status();
}

Status DomainRules::ReverseCapital(const fb::CapitalGranted& e) {
  ProgramRec& p = *FindProgram(e.program_id()->string_view());
  GroupRec& g = *FindGroup(e.group_id()->string_view());
  const int64_t a = e.amount();
  if (g.fund < a) {
    return Reject("insufficient_funds", "target_seq",
                  "group " + g.id + "'s fund holds " + FormatAmount(g.fund, g.unit) +
                      "; the grant of " + FormatAmount(a, g.unit) + " cannot be taken back");
  }
  LUMBUNG_RETURN_IF_ERROR(Add(g.fund, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(g.granted, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.balance, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.granted, -a, "amount"));
  Post(Account::kGroup, nullptr, &g, g.fund);
  Post(Account::kProgram, nullptr, &p, p.balance);
  Touch(Kind::kGroup, nullptr, &g);
  Touch(Kind::kProgram, nullptr, &p);
  return Status();
}

Status DomainRules::ReverseLoanIssued(const fb::LoanIssued& e) {
  LoanRec& l = *FindLoan(e.loan_id()->string_view());
  if (l.status == LoanStatus::kReversed) {
    return Reject("already_reversed", "target_seq", "loan " + l.id + " was already reversed");
  }
  if (l.repaid != 0 || l.written_off != 0) {
    return Reject("invalid_correction", "target_seq",
                  "loan " + l.id + " has repayments or a write-off; correct those first");
  }
  GroupRec& g = s_.groups.find(l.group_id)->second;
  const int64_t p = l.principal;
  LUMBUNG_RETURN_IF_ERROR(Add(l.outstanding, -p, "principal"));
  LUMBUNG_RETURN_IF_ERROR(Add(g.fund, p, "principal"));
  Set(l.status, LoanStatus::kReversed);
  LUMBUNG_RETURN_IF_ERROR(MemberOpenLoan(g, l.member_id, ""));
  Post(Account::kLoan, nullptr, &l, l.outstanding);
  Post(Account::kGroup, nullptr, &g, g.fund);
  Touch(Kind::kLoan, nullptr, &l);
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

Status DomainRules::ReverseRepaid(const fb::LoanRepaid& e, uint64_t target_seq) {
  LoanRec& l = *FindLoan(e.loan_id()->string_view());
  GroupRec& g = s_.groups.find(l.group_id)->second;
  const int64_t a = e.amount();
  if (g.fund < a) {
    return Reject("insufficient_funds", "target_seq",
                  "group " + g.id + "'s fund holds " + FormatAmount(g.fund, g.unit) +
                      "; the repayment of " + FormatAmount(a, g.unit) + " cannot be taken back");
  }
  const bool recovery = l.status == LoanStatus::kWrittenOff && target_seq > l.written_off_seq;
  if (recovery) {
    LUMBUNG_RETURN_IF_ERROR(Add(l.recovered, -a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(g.loss, a, "amount"));
    Post(Account::kLoss, nullptr, &g, g.loss);
  } else {
    if (l.status == LoanStatus::kWrittenOff) {
      return Reject(
          "invalid_correction", "target_seq",
          "loan " + l.id + " was written off after this repayment; correct the write-off first");
    }
    if (l.status == LoanStatus::kRepaid) {
      LUMBUNG_RETURN_IF_ERROR(MemberOpenLoan(g, l.member_id, l.id));
      Set(l.status, LoanStatus::kOpen);
    }
    LUMBUNG_RETURN_IF_ERROR(Add(l.outstanding, a, "amount"));
    LUMBUNG_RETURN_IF_ERROR(Add(l.repaid, -a, "amount"));
    // A repayment made before the schedule in force goes back onto it.
    const int64_t paid = l.schedule.paid_on_schedule - a;
    Set(l.schedule.paid_on_schedule, std::max<int64_t>(paid, 0));
    if (paid < 0) LUMBUNG_RETURN_IF_ERROR(Add(l.schedule.base, -paid, "amount"));
  }
  LUMBUNG_RETURN_IF_ERROR(Add(g.fund, -a, "amount"));
  Post(Account::kLoan, nullptr, &l, l.outstanding);
  Post(Account::kGroup, nullptr, &g, g.fund);
  Touch(Kind::kLoan, nullptr, &l);
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

Status DomainRules::ReverseWrittenOff(const fb::LoanWrittenOff& e, uint64_t target_seq) {
  LoanRec& l = *FindLoan(e.loan_id()->string_view());
  if (l.status != LoanStatus::kWrittenOff || l.written_off_seq != target_seq) {
    return Reject("already_reversed", "target_seq",
                  "loan " + l.id + " is not written off by this entry");
  }
  if (l.recovered != 0) {
    return Reject("invalid_correction", "target_seq",
                  "loan " + l.id + " has recoveries since the write-off; correct those first");
  }
  GroupRec& g = s_.groups.find(l.group_id)->second;
  LUMBUNG_RETURN_IF_ERROR(MemberOpenLoan(g, l.member_id, l.id));
  const int64_t w = l.written_off;
  LUMBUNG_RETURN_IF_ERROR(Add(g.loss, -w, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(l.outstanding, w, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(l.written_off, -w, "amount"));
  Set(l.status, LoanStatus::kOpen);
  Set(l.written_off_seq, uint64_t{0});
  Post(Account::kLoan, nullptr, &l, l.outstanding);
  Post(Account::kLoss, nullptr, &g, g.loss);
  Touch(Kind::kLoan, nullptr, &l);
  Touch(Kind::kGroup, nullptr, &g);
  return Status();
}

// Undoing a return makes the disbursement active again, which must still be
// allowed: its slot free, the cycle's plan not exceeded, the budget there.
Status DomainRules::ReverseReturn(const fb::DisbursementReturned& e) {
  Disbursement d;
  LUMBUNG_RETURN_IF_ERROR(FindDisbursement(e.disbursed_seq(), "target_seq", &d));
  for (const PaidRec& q : d.ben->paid) {
    if (q.cycle() == d.cycle) {
      return Reject("already_disbursed", "target_seq",
                    d.ben->id() + " was paid again in cycle " + std::string(d.cycle) + " (seq " +
                        std::to_string(q.seq) + ")");
    }
  }
  CycleRec& c = d.program->cycles.find(d.cycle)->second;
  if (c.paid_count + 1 > c.planned_count || d.amount > c.planned_amount - c.paid_amount) {
    return Reject("over_plan", "target_seq", "cycle " + c.cycle + "'s plan is used up");
  }
  if (d.program->balance < d.amount) {
    return Reject("insufficient_funds", "target_seq",
                  "programme " + d.program->id + " has " +
                      FormatAmount(d.program->balance, d.program->unit) + " unspent");
  }
  LUMBUNG_RETURN_IF_ERROR(Add(d.program->disbursements_returned, -d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(c.returned_count, -1, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(c.returned_amount, -d.amount, "amount"));
  // The payment counts again where it was made, not where the beneficiary
  // lives now (projections written before regions were kept: the latter).
  const uint64_t paid_seq = e.disbursed_seq();
  auto& regions = s_.returned_regions;
  const auto it = regions.find(paid_seq);
  const std::string region = it != regions.end() ? it->second : d.ben->region_code;
  if (it != regions.end()) {
    regions.erase(it);
    d_.journal_.OnUndo([&regions, paid_seq, region] { regions[paid_seq] = region; });
    Touch(Kind::kReturned, nullptr, nullptr, std::to_string(paid_seq));
  }
  return Activate(d, paid_seq, region);
}

}  // namespace lumbung
