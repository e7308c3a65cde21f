// Rules for the ledger's opening, programmes, their budgets and cycles, and
// capital grants to groups.

#include "rules.h"

namespace lumbung {

using namespace domain;

Status DomainRules::LedgerOpened(const fb::LedgerOpened& e) {
  if (seq_ != 0) {
    return Reject("invalid_ledger_opened", "type",
                  "LedgerOpened can only be the first entry of a ledger");
  }
  if (e.origin()->string_view() != d_.identity().origin) {
    return Reject("invalid_ledger_opened", "origin", "origin does not match this ledger's name");
  }
  if (e.verifier_key()->string_view() != d_.identity().verifier_key) {
    return Reject("invalid_ledger_opened", "verifier_key",
                  "verifier_key is not this ledger's checkpoint key");
  }
  return Status();
}

Status DomainRules::ProgramOpened(const fb::ProgramOpened& e) {
  const std::string id = e.program_id()->str();
  if (id.find(':') != std::string::npos) {
    // Account names put the programme between colons
    // (beneficiary:<program>:<beneficiary>): a colon in it would be ambiguous.
    return Reject("invalid_field", "program_id", "a programme id cannot contain ':'");
  }
  if (FindProgram(id) != nullptr) {
    return Reject("already_exists", "program_id", "programme " + id + " is already open");
  }
  auto [it, inserted] = s_.programs.emplace(id, ProgramRec{});
  d_.journal_.OnUndo([&s = s_, id] { s.programs.erase(id); });
  ProgramRec& p = it->second;
  p.id = id;
  p.name = e.name()->str();
  p.kind = static_cast<uint8_t>(e.kind());
  p.unit = e.unit()->str();
  if (e.entitlement_per_cycle()) p.entitlement_per_cycle = *e.entitlement_per_cycle();
  p.legal_basis = e.legal_basis()->str();
  p.opened_seq = seq_;
  Touch(Kind::kProgram, nullptr, &p);
  return Status();
}

Status DomainRules::FundsAllocated(const fb::FundsAllocated& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  const auto existing = s_.funders.find(e.funder()->string_view());
  if (existing != s_.funders.end() && existing->second.unit != p->unit) {
    return Reject("unit_mismatch", "funder",
                  "funder " + e.funder()->str() + " counts " + existing->second.unit +
                      " but programme " + p->id + " counts " + p->unit +
                      "; record this funder under a separate id");
  }
  FunderRec& f = Funder(e.funder()->string_view(), p->unit);
  const int64_t a = e.amount();
  LUMBUNG_RETURN_IF_ERROR(Add(f.balance, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->balance, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->allocated, a, "amount"));
  auto provided = p->provided_by.find(e.funder()->string_view());
  if (provided == p->provided_by.end()) {
    provided = p->provided_by.emplace(f.id, 0).first;
    d_.journal_.OnUndo([p, key = f.id] { p->provided_by.erase(key); });
  }
  LUMBUNG_RETURN_IF_ERROR(Add(provided->second, a, "amount"));
  Post(Account::kFunder, nullptr, &f, f.balance);
  Post(Account::kProgram, nullptr, p, p->balance);
  Touch(Kind::kFunder, nullptr, &f);
  Touch(Kind::kProgram, nullptr, p);
  Touch(Kind::kProvided, p, nullptr, f.id);
  return Status();
}

Status DomainRules::FundsReturned(const fb::FundsReturned& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  const int64_t a = e.amount();
  const auto provided = p->provided_by.find(e.funder()->string_view());
  const int64_t net = provided == p->provided_by.end() ? 0 : provided->second;
  if (a > net) {
    return Reject("return_exceeds_allocation", "amount",
                  "funder " + e.funder()->str() + " provided " + FormatAmount(net, p->unit) +
                      " net to programme " + p->id + "; " + FormatAmount(a, p->unit) +
                      " cannot be returned to it");
  }
  if (p->balance < a) {
    return Reject("insufficient_funds", "amount",
                  "programme " + p->id + " has " + FormatAmount(p->balance, p->unit) +
                      " unspent; cannot return " + FormatAmount(a, p->unit));
  }
  FunderRec& f = s_.funders.find(e.funder()->string_view())->second;
  LUMBUNG_RETURN_IF_ERROR(Add(p->balance, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->funds_returned, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(provided->second, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(f.balance, a, "amount"));
  Post(Account::kProgram, nullptr, p, p->balance);
  Post(Account::kFunder, nullptr, &f, f.balance);
  Touch(Kind::kFunder, nullptr, &f);
  Touch(Kind::kProgram, nullptr, p);
  Touch(Kind::kProvided, p, nullptr, f.id);
  return Status();
}

Status DomainRules::CycleOpened(const fb::CycleOpened& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  const std::string cycle = e.cycle()->str();
  if (p->cycles.contains(cycle)) {
    return Reject("already_exists", "cycle",
                  "cycle " + cycle + " of " + p->id + " was already opened");
  }
  auto [it, inserted] = p->cycles.emplace(cycle, CycleRec{});
  d_.journal_.OnUndo([p, cycle] { p->cycles.erase(cycle); });
  CycleRec& c = it->second;
  c.cycle = cycle;
  c.planned_count = e.planned_count();
  c.planned_amount = e.planned_amount();
  c.opened_seq = seq_;
  Touch(Kind::kCycle, p, &c);
  return Status();
}

Status DomainRules::CycleClosed(const fb::CycleClosed& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  auto it = p->cycles.find(e.cycle()->string_view());
  if (it == p->cycles.end()) {
    return Reject("unknown_cycle", "cycle",
                  "cycle " + e.cycle()->str() + " of " + p->id + " was never opened");
  }
  CycleRec& c = it->second;
  if (c.closed) return Reject("cycle_closed", "cycle", "cycle " + c.cycle + " is already closed");
  Set(c.closed, true);
  Set(c.closed_seq, seq_);
  Touch(Kind::kCycle, p, &c);
  return Status();
}

Status DomainRules::CapitalGranted(const fb::CapitalGranted& e) {
  ProgramRec* p = FindProgram(e.program_id()->string_view());
  if (p == nullptr)
    return Reject("unknown_program", "program_id", "no programme " + e.program_id()->str());
  GroupRec* g = FindGroup(e.group_id()->string_view());
  if (g == nullptr) return Reject("unknown_group", "group_id", "no group " + e.group_id()->str());
  if (!g->unit.empty() && g->unit != p->unit) {
    return Reject("unit_mismatch", "group_id",
                  "group " + g->id + "'s fund counts " + g->unit + " but programme " + p->id +
                      " counts " + p->unit);
  }
  const int64_t a = e.amount();
  if (p->balance < a) {
    return Reject("insufficient_funds", "amount",
                  "programme " + p->id + " has " + FormatAmount(p->balance, p->unit) +
                      " unspent; cannot grant " + FormatAmount(a, p->unit));
  }
  if (g->unit.empty()) SetString(g->unit, p->unit);
  LUMBUNG_RETURN_IF_ERROR(Add(p->balance, -a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(p->granted, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(g->fund, a, "amount"));
  LUMBUNG_RETURN_IF_ERROR(Add(g->granted, a, "amount"));
  Post(Account::kProgram, nullptr, p, p->balance);
  Post(Account::kGroup, nullptr, g, g->fund);
  Touch(Kind::kProgram, nullptr, p);
  Touch(Kind::kGroup, nullptr, g);
  return Status();
}

}  // namespace lumbung
