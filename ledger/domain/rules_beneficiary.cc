// Rules for beneficiaries: enrolment, exit, erasure of personal data, and
// disbursements with their returns.

#include <algorithm>

#include "rules.h"

namespace lumbung {

using namespace domain;

RegionRec& DomainRules::Region(ProgramRec& p, const std::string& code) {
  auto it = p.regions.find(code);
  if (it == p.regions.end()) {
    it = p.regions.emplace(code, RegionRec{}).first;
    it->second.code = code;
    d_.journal_.OnUndo([&p, code] { p.regions.erase(code); });
  }
  return it->second;
}

Status DomainRules::BeneficiaryEnrolled(const fb::BeneficiaryEnrolled& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  const std::string id = e.beneficiary_id()->str();
  BeneficiaryRec* b = FindBeneficiary(*p, id);
  if (b != nullptr && b->status == BeneficiaryStatus::kEnrolled) {
    return Reject("already_exists", "beneficiary_id", id + " is already enrolled in " + p->id);
  }
  if (b == nullptr) {
    auto [it, inserted] = p->beneficiaries.emplace(id, BeneficiaryRec{});
    d_.journal_.OnUndo([p, id] { p->beneficiaries.erase(id); });
    b = &it->second;
    b->SetId(it->first);
  }
  // A new enrolment, or a return after an exit: the record takes the
  // enrolment's details and starts counting again.
  Set(b->region_code, s_.strings.Intern(e.region_code()->string_view()));
  SetString(b->household_id, e.household_id() ? e.household_id()->str() : std::string());
  Set(b->source, s_.strings.Intern(e.source()->string_view()));
  Set(b->status, BeneficiaryStatus::kEnrolled);
  Set(b->enrolled_seq, seq_);
  Set(b->exit_reason, uint8_t{0});
  Set(b->exited_seq, uint64_t{0});
  // A return with new personal data (its commitment) after an erasure: that
  // data is held again, and may itself be erased.
  if (e.pii_commitment() != nullptr) Set(b->erased, false);
  RegionRec& r = Region(*p, b->region_code);
  LUMBUNG_RETURN_IF_ERROR(Add(r.enrolled, 1, "beneficiary_id"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->enrolled, 1, "beneficiary_id"));
  Post(Account::kBeneficiary, p, b, b->balance);  // the statement lists the enrolment
  Touch(Kind::kBeneficiary, p, b);
  Touch(Kind::kRegion, p, &r);
  Touch(Kind::kProgram, nullptr, p);
  return Status();
}

Status DomainRules::BeneficiaryExited(const fb::BeneficiaryExited& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  BeneficiaryRec* b = FindBeneficiary(*p, e.beneficiary_id()->string_view());
  if (b == nullptr || b->status != BeneficiaryStatus::kEnrolled) {
    return Reject("not_enrolled", "beneficiary_id",
                  e.beneficiary_id()->str() + " is not enrolled in " + p->id);
  }
  Set(b->status, BeneficiaryStatus::kExited);
  Set(b->exit_reason, static_cast<uint8_t>(e.reason()));
  Set(b->exited_seq, seq_);
  RegionRec& r = Region(*p, b->region_code);
  LUMBUNG_RETURN_IF_ERROR(Add(r.enrolled, -1, "beneficiary_id"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->enrolled, -1, "beneficiary_id"));
  Post(Account::kBeneficiary, p, b, b->balance);
  Touch(Kind::kBeneficiary, p, b);
  Touch(Kind::kRegion, p, &r);
  Touch(Kind::kProgram, nullptr, p);
  return Status();
}

Status DomainRules::PersonalDataErased(const fb::PersonalDataErased& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  BeneficiaryRec* b = FindBeneficiary(*p, e.beneficiary_id()->string_view());
  if (b == nullptr) {
    return Reject("not_enrolled", "beneficiary_id",
                  e.beneficiary_id()->str() + " was never enrolled in " + p->id);
  }
  if (b->erased) {
    return Reject("already_erased", "beneficiary_id",
                  "the personal data of " + b->id() + " was already erased");
  }
  Set(b->erased, true);
  Post(Account::kBeneficiary, p, b, b->balance);
  Touch(Kind::kBeneficiary, p, b);
  return Status();
}

namespace {

// Whether `b` has an active payment made while it lived in `region`.
bool PaidIn(const BeneficiaryRec& b, const std::string& region) {
  return std::any_of(b.paid.begin(), b.paid.end(),
                     [&region](const PaidRec& q) { return q.region() == region; });
}

}  // namespace

// Makes a disbursement active: the money moves from the programme to the
// beneficiary and the (programme, beneficiary, cycle) slot is taken. The
// payment counts in `region`, where the beneficiary lived when paid; region
// recipients are beneficiaries with an active payment made in that region.
Status DomainRules::Activate(const Disbursement& d, uint64_t slot_seq, const std::string& region) {
  ProgramRec& p = *d.program;
  BeneficiaryRec& b = *d.ben;
  CycleRec& c = p.cycles.find(d.cycle)->second;
  const bool first = b.paid.empty();
  const bool first_in_region = !PaidIn(b, region);
  LUMBUNG_RETURN_IF_ERROR(Add(p.balance, -d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.disbursed, d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(b.balance, d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(c.paid_count, 1, "cycle"));
  LUMBUNG_RETURN_IF_ERROR(Add(c.paid_amount, d.amount, "amount"));
  RegionRec& r = Region(p, region);
  LUMBUNG_RETURN_IF_ERROR(Add(r.paid_count, 1, "cycle"));
  LUMBUNG_RETURN_IF_ERROR(Add(r.paid_amount, d.amount, "amount"));
  if (first) LUMBUNG_RETURN_IF_ERROR(Add(p.recipients, 1, "beneficiary_id"));
  if (first_in_region) LUMBUNG_RETURN_IF_ERROR(Add(r.recipients, 1, "beneficiary_id"));
  b.AddPaid(PaidRec{s_.strings.Place(d.cycle, region), slot_seq, d.amount});
  d_.journal_.OnUndo([&b] { b.paid.pop_back(); });
  Post(Account::kProgram, nullptr, &p, p.balance);
  Post(Account::kBeneficiary, &p, &b, b.balance);
  Touch(Kind::kProgram, nullptr, &p);
  Touch(Kind::kCycle, &p, &c);
  Touch(Kind::kBeneficiary, &p, &b);
  Touch(Kind::kRegion, &p, &r);
  Touch(Kind::kPaid, &p, &b, std::string(d.cycle));
  return Status();
}

// The reverse of Activate: a return (counted as returned) or a correction.
Status DomainRules::Deactivate(const Disbursement& d, bool returned) {
  ProgramRec& p = *d.program;
  BeneficiaryRec& b = *d.ben;
  CycleRec& c = p.cycles.find(d.cycle)->second;
  const auto slot = std::find_if(b.paid.begin(), b.paid.end(),
                                 [&](const PaidRec& q) { return q.cycle() == d.cycle; });
  LUMBUNG_ASSERT(slot != b.paid.end());
  const size_t index = static_cast<size_t>(slot - b.paid.begin());
  const PaidRec removed = *slot;
  b.paid.erase(slot);
  d_.journal_.OnUndo([&b, index, removed] {
    b.paid.insert(b.paid.begin() + static_cast<ptrdiff_t>(index), removed);
  });
  LUMBUNG_RETURN_IF_ERROR(Add(p.balance, d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p.disbursed, -d.amount, "amount"));
  if (returned) LUMBUNG_RETURN_IF_ERROR(Add(p.disbursements_returned, d.amount, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(b.balance, -d.amount, "amount"));
  LUMBUNG_ASSERT(b.balance >= 0);  // the disbursement being undone was counted in it
  LUMBUNG_RETURN_IF_ERROR(Add(c.paid_count, -1, "cycle"));
  LUMBUNG_RETURN_IF_ERROR(Add(c.paid_amount, -d.amount, "amount"));
  if (returned) {
    LUMBUNG_RETURN_IF_ERROR(Add(c.returned_count, 1, "cycle"));
    LUMBUNG_RETURN_IF_ERROR(Add(c.returned_amount, d.amount, "amount"));
  }
  // The payment leaves the region where it was made, wherever the
  // beneficiary lives now.
  RegionRec& r = Region(p, removed.region());
  LUMBUNG_RETURN_IF_ERROR(Add(r.paid_count, -1, "cycle"));
  LUMBUNG_RETURN_IF_ERROR(Add(r.paid_amount, -d.amount, "amount"));
  if (b.paid.empty()) LUMBUNG_RETURN_IF_ERROR(Add(p.recipients, -1, "beneficiary_id"));
  if (!PaidIn(b, removed.region()))
    LUMBUNG_RETURN_IF_ERROR(Add(r.recipients, -1, "beneficiary_id"));
  if (returned) {
    // A return can itself be corrected away; the payment then counts again
    // where it was made, so remember where that was.
    auto& regions = s_.returned_regions;
    regions[removed.seq] = removed.region();
    d_.journal_.OnUndo([&regions, seq = removed.seq] { regions.erase(seq); });
    Touch(Kind::kReturned, nullptr, nullptr, std::to_string(removed.seq));
  }
  Post(Account::kProgram, nullptr, &p, p.balance);
  Post(Account::kBeneficiary, &p, &b, b.balance);
  Touch(Kind::kProgram, nullptr, &p);
  Touch(Kind::kCycle, &p, &c);
  Touch(Kind::kBeneficiary, &p, &b);
  Touch(Kind::kRegion, &p, &r);
  Touch(Kind::kPaid, &p, &b, std::string(d.cycle));
  return Status();
}

Status DomainRules::AidDisbursed(const fb::AidDisbursed& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  const auto cycle = p->cycles.find(e.cycle()->string_view());
  if (cycle == p->cycles.end()) {
    return Reject("cycle_not_open", "cycle",
                  "cycle " + e.cycle()->str() + " of " + p->id + " has not been opened");
  }
  BeneficiaryRec* b = FindBeneficiary(*p, e.beneficiary_id()->string_view());
  if (b == nullptr || b->status != BeneficiaryStatus::kEnrolled) {
    return Reject("not_enrolled", "beneficiary_id",
                  e.beneficiary_id()->str() +
                      (b == nullptr ? " is not enrolled in " : " has exited ") + p->id);
  }
  const CycleRec& c = cycle->second;
  if (c.closed) return Reject("cycle_closed", "cycle", "cycle " + c.cycle + " is closed");
  for (const PaidRec& q : b->paid) {
    if (q.cycle() == c.cycle) {
      return Reject("already_disbursed", "beneficiary_id",
                    b->id() + " was already paid in cycle " + c.cycle + " (seq " +
                        std::to_string(q.seq) + ")");
    }
  }
  const int64_t a = e.amount();
  if (p->entitlement_per_cycle && a > *p->entitlement_per_cycle) {
    return Reject("over_entitlement", "amount",
                  FormatAmount(a, p->unit) + " is above the entitlement of " +
                      FormatAmount(*p->entitlement_per_cycle, p->unit) + " per cycle");
  }
  if (c.paid_count + 1 > c.planned_count) {
    return Reject("over_plan", "cycle",
                  "cycle " + c.cycle + " planned " + std::to_string(c.planned_count) +
                      " payments and all are made");
  }
  if (a > c.planned_amount - c.paid_amount) {
    return Reject("over_plan", "amount",
                  "cycle " + c.cycle + " has " +
                      FormatAmount(c.planned_amount - c.paid_amount, p->unit) +
                      " of its plan left");
  }
  if (p->balance < a) {
    return Reject("insufficient_funds", "amount",
                  "programme " + p->id + " has " + FormatAmount(p->balance, p->unit) +
                      " unspent; cannot pay " + FormatAmount(a, p->unit));
  }
  return Activate(Disbursement{p, b, c.cycle, a}, seq_, b->region_code);
}

Status DomainRules::FindDisbursement(uint64_t seq, const std::string& field, Disbursement* out) {
  audit::VerifiedEntry target;
  LUMBUNG_RETURN_IF_ERROR(ReadEntry(seq, field, &target));
  const fb::EventBody& body = target.body();
  const fb::AidDisbursed* e = body.event_as_AidDisbursed();
  if (e == nullptr && body.event_type() == fb::Event::EventCorrected) {
    e = body.event_as_EventCorrected()->replacement_as_AidDisbursed();
  }
  if (e == nullptr) {
    return Reject("not_a_disbursement", field,
                  "entry " + std::to_string(seq) + " is not a disbursement");
  }
  ProgramRec* p = FindProgram(e->program_id()->string_view());
  BeneficiaryRec* b =
      p != nullptr ? FindBeneficiary(*p, e->beneficiary_id()->string_view()) : nullptr;
  LUMBUNG_ASSERT(b != nullptr && p->cycles.contains(e->cycle()->string_view()));
  out->program = p;
  out->ben = b;
  out->cycle = p->cycles.find(e->cycle()->string_view())->first;
  out->amount = e->amount();
  return Status();
}

Status DomainRules::DisbursementReturned(const fb::DisbursementReturned& e) {
  Disbursement d;
  LUMBUNG_RETURN_IF_ERROR(FindDisbursement(e.disbursed_seq(), "disbursed_seq", &d));
  const bool active = std::any_of(d.ben->paid.begin(), d.ben->paid.end(), [&](const PaidRec& q) {
    return q.cycle() == d.cycle && q.seq == e.disbursed_seq();
  });
  if (!active) {
    return Reject("already_returned", "disbursed_seq",
                  "the disbursement at seq " + std::to_string(e.disbursed_seq()) +
                      " was already returned or corrected");
  }
  // Accepted after the cycle closed: banks return transfers late.
  return Deactivate(d, /*returned=*/true);
}

}  // namespace lumbung
