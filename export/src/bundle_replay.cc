#include "lumbung/export/bundle_replay.h"

#include <map>
#include <memory>
#include <string>

#include "lumbung/base/checked.h"
#include "lumbung/ledger/domain/domain.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/query.h"

namespace lumbung::exports {
namespace {

// Earlier entries for the domain (corrections and returns refer to them by
// seq), read back from entries.bin by the verifier.
class BundleEntries : public EntryReader {
 public:
  Status Read(uint64_t seq, audit::VerifiedEntry* out) override {
    if (!read_) return Status::NotFound("no earlier entries");
    return read_(seq, out);
  }
  audit::EarlierEntry read_;
};

struct ReplayState {
  BundleEntries entries;
  std::unique_ptr<Domain> domain;
};

// The domain's identity is what entry 0 says; until then nothing applies.
Status StartDomain(ReplayState& state, const audit::VerifiedEntry& entry) {
  const auto* opened = entry.body().event_as_LedgerOpened();
  if (opened == nullptr) {
    return Status::Rejected("invalid_ledger_opened", "type", "entry 0 is not LedgerOpened");
  }
  state.domain = std::make_unique<Domain>(
      LedgerIdentity{opened->origin()->str(), opened->verifier_key()->str()}, &state.entries,
      /*live=*/false);
  return Status();
}

Status ApplyEntry(ReplayState& state, uint64_t seq, const audit::VerifiedEntry& entry) {
  LUMBUNG_RETURN_IF_ERROR(ValidateEventBody(entry.body()));
  if (seq == 0) LUMBUNG_RETURN_IF_ERROR(StartDomain(state, entry));
  if (!state.domain) return Status::Rejected("invalid_ledger_opened", "seq", "no entry 0");
  return state.domain->Apply(entry.entry(), entry.body());
}

std::vector<audit::BalanceRow> ToRows(const std::vector<query::AccountBalance>& balances) {
  std::vector<audit::BalanceRow> rows;
  rows.reserve(balances.size());
  for (const auto& b : balances) {
    if (b.unit.empty()) continue;  // an account that never held anything
    rows.push_back({b.account, b.unit, b.balance});
  }
  return rows;
}

// 1234567 -> "1,234,567"; negative values keep their sign.
std::string Grouped(int64_t v) {
  const uint64_t magnitude =
      v < 0 ? uint64_t{0} - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
  const std::string digits = std::to_string(magnitude);
  std::string out = v < 0 ? "-" : "";
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

audit::BundleReplay MakeBundleReplay() {
  auto state = std::make_shared<ReplayState>();
  audit::BundleReplay replay;
  replay.start = [state](audit::EarlierEntry read) { state->entries.read_ = std::move(read); };
  replay.on_entry = [state](uint64_t seq, const audit::VerifiedEntry& entry) {
    return ApplyEntry(*state, seq, entry);
  };
  replay.finish = [state]() -> Result<audit::BundleReplay::Outcome> {
    audit::BundleReplay::Outcome outcome;
    if (state->domain) outcome.balances = ToRows(query::BalancesOfState(state->domain->state()));
    outcome.summary = SummariseBalances(outcome.balances);
    return outcome;
  };
  return replay;
}

BalancesSource LedgerBalances() {
  return
      [](const LedgerSnapshot& snapshot, uint64_t size) -> Result<std::vector<audit::BalanceRow>> {
        query::Options options;
        options.as_of_seq = size;
        LUMBUNG_ASSIGN_OR_RETURN(auto balances, query::Balances(snapshot, options));
        return ToRows(balances);
      };
}

std::vector<std::string> SummariseBalances(const std::vector<audit::BalanceRow>& rows) {
  // Account kinds in the order money flows (DESIGN §7.1). Funders' accounts
  // are credited as they give, so what they funded is minus their balance.
  static constexpr std::pair<std::string_view, std::string_view> kKinds[] = {
      {"funder:", "funded"},        {"program:", "held by programmes"},
      {"beneficiary:", "received"}, {"group:", "held by groups"},
      {"loan:", "lent out"},        {"loss:", "written off"}};
  std::map<std::string, std::map<std::string_view, int64_t>> totals;
  for (const auto& row : rows) {
    for (const auto& [prefix, label] : kKinds) {
      if (!row.account.starts_with(prefix)) continue;
      int64_t& t = totals[row.unit][label];
      const auto v = prefix == "funder:" ? CheckedSub(0, row.balance) : row.balance;
      if (!v || !AddTo(&t, *v)) t = INT64_MAX;  // impossible in a valid ledger; never wrap
    }
  }
  std::vector<std::string> lines;
  for (const auto& [unit, by_kind] : totals) {
    std::string line = unit + ":";
    const char* sep = " ";
    for (const auto& [prefix, label] : kKinds) {
      auto it = by_kind.find(label);
      if (it == by_kind.end()) continue;
      line += sep + Grouped(it->second) + " " + std::string(label);
      sep = ", ";
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace lumbung::exports
