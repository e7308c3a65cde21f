// Account balances (DESIGN §7.1): at the head from the records that own the
// accounts, below it from the accounts' history rows, never by replaying.
//
// When an account exists: a programme's from its ProgramOpened, a group's
// fund and loss accounts from its GroupFormed, every other account from its
// first posting (the allocation that names a funder, the enrolment, the
// loan's issue). A group's accounts take their unit from its first capital
// grant; before it the unit is empty (and the balance necessarily 0).

#include <algorithm>
#include <map>
#include <tuple>

#include "lumbung/ledger/projection.h"

#include "query_internal.h"

namespace lumbung::query {

using internal::Cat;
using internal::Json;

namespace {

enum class Kind { kFunder, kProgram, kBeneficiary, kGroup, kLoss, kLoan };

struct Parsed {
  Kind kind;
  std::string id;  // after "<kind>:"
};

Result<Parsed> ParseAccount(std::string_view account) {
  static constexpr std::pair<std::string_view, Kind> kKinds[] = {
      {"funder:", Kind::kFunder},
      {"program:", Kind::kProgram},
      {"beneficiary:", Kind::kBeneficiary},
      {"group:", Kind::kGroup},
      {"loss:", Kind::kLoss},
      {"loan:", Kind::kLoan}};
  for (const auto& [prefix, kind] : kKinds) {
    if (account.starts_with(prefix) && account.size() > prefix.size()) {
      return Parsed{kind, std::string(account.substr(prefix.size()))};
    }
  }
  return Status::InvalidArgument(
      Cat({"\"", account,
           "\" is not an account: expected funder:F, program:P, beneficiary:P:B, group:G, "
           "loss:G or loan:L"}));
}

// The record owning an account, as of the head.
struct Owner {
  std::string unit;
  int64_t balance = 0;
  uint64_t opened_seq = 0;  // programmes and groups: the entry that opened the account
  bool opened_by_posting = true;
  std::string group_account;  // group:/loss: the fund account, whose first posting fixes the unit
};

Status UnknownAccount(std::string_view account) {
  return internal::Unknown("unknown_account", "account", Cat({"no account ", account}));
}

// beneficiary:P:B, where ids may themselves hold ':': every split is tried.
Result<Owner> FindBeneficiary(const LedgerSnapshot& snapshot, std::string_view account,
                              const std::string& rest) {
  std::vector<Owner> found;
  for (size_t colon = rest.find(':'); colon != std::string::npos;
       colon = rest.find(':', colon + 1)) {
    const std::string p = rest.substr(0, colon), b = rest.substr(colon + 1);
    if (p.empty() || b.empty()) continue;
    domain::State state;
    LUMBUNG_RETURN_IF_ERROR(internal::LoadRows(
        snapshot, {{domain::ProgramKey(p), domain::BeneficiaryKey(p, b)}, {}}, &state));
    const auto program = state.programs.find(p);
    if (program == state.programs.end() || program->second.unit.empty()) continue;
    const auto ben = program->second.beneficiaries.find(b);
    if (ben == program->second.beneficiaries.end()) continue;
    found.push_back(Owner{program->second.unit, ben->second.balance, 0, true, {}});
  }
  if (found.empty()) return UnknownAccount(account);
  if (found.size() > 1) {
    return Status::InvalidArgument(
        Cat({"account ", account, " names more than one beneficiary (ids contain ':')"}));
  }
  return found.front();
}

Result<Owner> FindOwner(const LedgerSnapshot& snapshot, std::string_view account,
                        const Parsed& parsed) {
  if (parsed.kind == Kind::kBeneficiary) return FindBeneficiary(snapshot, account, parsed.id);
  domain::State state;
  internal::RowSet rows;
  switch (parsed.kind) {
    case Kind::kFunder: rows.keys = {domain::FunderKey(parsed.id)}; break;
    case Kind::kProgram: rows.keys = {domain::ProgramKey(parsed.id)}; break;
    case Kind::kGroup:
    case Kind::kLoss: rows.keys = {domain::GroupKey(parsed.id)}; break;
    case Kind::kLoan: rows.keys = {domain::LoanKey(parsed.id)}; break;
    case Kind::kBeneficiary: break;
  }
  LUMBUNG_RETURN_IF_ERROR(internal::LoadRows(snapshot, rows, &state));
  if (const auto f = state.funders.find(parsed.id); f != state.funders.end()) {
    return Owner{f->second.unit, f->second.balance, 0, true, {}};
  }
  if (const auto p = state.programs.find(parsed.id); p != state.programs.end()) {
    return Owner{p->second.unit, p->second.balance, p->second.opened_seq, false, {}};
  }
  if (const auto g = state.groups.find(parsed.id); g != state.groups.end()) {
    const int64_t balance = parsed.kind == Kind::kGroup ? g->second.fund : g->second.loss;
    return Owner{g->second.unit, balance, g->second.formed_seq, false,
                 domain::GroupAccount(parsed.id)};
  }
  if (const auto l = state.loans.find(parsed.id); l != state.loans.end()) {
    return Owner{l->second.unit, l->second.outstanding, 0, true, {}};
  }
  return UnknownAccount(account);
}

// Whether `account` was posted to by an entry before `as_of_seq`: its first
// history row says so, without reading the rest.
Result<bool> PostedBefore(const LedgerSnapshot& snapshot, std::string_view account,
                          uint64_t as_of_seq) {
  bool posted = false, seen = false;
  Status st = ScanProjectionRows(snapshot, domain::HistoryPrefix(account),
                                 [&](std::string_view key, std::string_view) {
                                   std::string_view name;
                                   uint64_t first_seq = 0;
                                   if (!internal::ParseHistoryKey(key, &name, &first_seq)) {
                                     return Status::Corruption("malformed history key");
                                   }
                                   posted = first_seq < as_of_seq;
                                   seen = true;
                                   return Status::NotFound("stop");  // the first row is enough
                                 });
  if (!st.ok() && !seen) return st;
  return posted;
}

}  // namespace

Result<AccountBalance> Balance(const LedgerSnapshot& snapshot, std::string_view account,
                               const Options& options) {
  LUMBUNG_ASSIGN_OR_RETURN(const Parsed parsed, ParseAccount(account));
  LUMBUNG_ASSIGN_OR_RETURN(const uint64_t seq, internal::ResolveSeq(snapshot, options));
  LUMBUNG_ASSIGN_OR_RETURN(const Owner owner, FindOwner(snapshot, account, parsed));
  AccountBalance out{std::string(account), owner.unit, owner.balance};
  if (seq == snapshot.size()) return out;
  LUMBUNG_ASSIGN_OR_RETURN(const internal::History history,
                           internal::ReadHistory(snapshot, account, seq));
  const bool exists = owner.opened_by_posting ? !history.items.empty() : owner.opened_seq < seq;
  if (!exists) {
    return internal::Unknown(
        "unknown_account", "account",
        Cat({"account ", account, " did not exist yet as of seq ", std::to_string(seq)}));
  }
  out.balance = history.items.empty() ? 0 : history.items.back().balance;
  if (!owner.group_account.empty()) {
    LUMBUNG_ASSIGN_OR_RETURN(const bool granted, PostedBefore(snapshot, owner.group_account, seq));
    if (!granted) out.unit.clear();
  }
  return out;
}

std::vector<AccountBalance> BalancesOfState(const domain::State& state) {
  std::vector<AccountBalance> out;
  for (const auto& [id, f] : state.funders) {
    out.push_back({domain::FunderAccount(id), f.unit, f.balance});
  }
  for (const auto& [id, p] : state.programs) {
    out.push_back({domain::ProgramAccount(id), p.unit, p.balance});
    for (const auto& [bid, b] : p.beneficiaries) {
      out.push_back({domain::BeneficiaryAccount(id, bid), p.unit, b.balance});
    }
  }
  for (const auto& [id, g] : state.groups) {
    out.push_back({domain::GroupAccount(id), g.unit, g.fund});
    out.push_back({domain::LossAccount(id), g.unit, g.loss});
  }
  for (const auto& [id, l] : state.loans) {
    out.push_back({domain::LoanAccount(id), l.unit, l.outstanding});
  }
  std::sort(out.begin(), out.end(), [](const AccountBalance& a, const AccountBalance& b) {
    return std::tie(a.account, a.unit) < std::tie(b.account, b.unit);
  });
  return out;
}

namespace {

// Balances below the head: the last history item before the as-of seq of
// every account, plus the accounts opened without a posting (programmes,
// group funds and loss accounts) that had none by then.
Result<std::vector<AccountBalance>> BalancesFromHistory(const LedgerSnapshot& snapshot,
                                                        uint64_t seq) {
  std::map<std::string, AccountBalance, std::less<>> posted;
  Status st = ScanProjectionRows(snapshot, "H/", [&](std::string_view key, std::string_view value) {
    std::string_view account;
    uint64_t first_seq = 0;
    if (!internal::ParseHistoryKey(key, &account, &first_seq)) {
      return Status::Corruption("malformed history key");
    }
    if (first_seq >= seq) return Status();  // this account's later rows; others follow
    std::string unit;
    std::vector<domain::HistoryItem> items;
    LUMBUNG_RETURN_IF_ERROR(domain::DecodeHistory(value, &unit, &items));
    for (const domain::HistoryItem& item : items) {
      if (item.seq >= seq) break;
      posted.insert_or_assign(std::string(account),
                              AccountBalance{std::string(account), unit, item.balance});
    }
    return Status();
  });
  LUMBUNG_RETURN_IF_ERROR(st);
  domain::State heads;
  LUMBUNG_RETURN_IF_ERROR(internal::LoadRows(snapshot, {{}, {"P/", "G/"}}, &heads));
  for (const auto& [id, p] : heads.programs) {
    const std::string account = domain::ProgramAccount(id);
    if (p.opened_seq < seq && !posted.contains(account)) {
      posted.emplace(account, AccountBalance{account, p.unit, 0});
    }
  }
  for (const auto& [id, g] : heads.groups) {
    if (g.formed_seq >= seq) continue;
    const std::string fund = domain::GroupAccount(id), loss = domain::LossAccount(id);
    // No posting to the fund yet means no capital grant yet: no unit.
    const bool granted = posted.contains(fund);
    if (!granted) posted.emplace(fund, AccountBalance{fund, "", 0});
    if (!posted.contains(loss)) {
      posted.emplace(loss, AccountBalance{loss, granted ? g.unit : std::string(), 0});
    }
  }
  std::vector<AccountBalance> out;
  out.reserve(posted.size());
  for (auto& [account, balance] : posted) out.push_back(std::move(balance));
  std::sort(out.begin(), out.end(), [](const AccountBalance& a, const AccountBalance& b) {
    return std::tie(a.account, a.unit) < std::tie(b.account, b.unit);
  });
  return out;
}

}  // namespace

Result<std::vector<AccountBalance>> Balances(const LedgerSnapshot& snapshot,
                                             const Options& options) {
  LUMBUNG_ASSIGN_OR_RETURN(const uint64_t seq, internal::ResolveSeq(snapshot, options));
  if (seq < snapshot.size()) return BalancesFromHistory(snapshot, seq);
  domain::State state;
  LUMBUNG_RETURN_IF_ERROR(
      internal::LoadRows(snapshot, {{}, {"F/", "P/", "B/", "G/", "L/"}}, &state));
  return BalancesOfState(state);
}

Json BalanceJson(const AccountBalance& balance, std::optional<uint64_t> as_of_seq) {
  Json out{{"account", balance.account}, {"unit", balance.unit}, {"balance", balance.balance}};
  if (as_of_seq) out["as_of_seq"] = *as_of_seq;
  return out;
}

}  // namespace lumbung::query
