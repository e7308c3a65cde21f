#include "lumbung/ledger/domain/domain.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "lumbung/base/assert.h"
#include "lumbung/base/checked.h"
#include "lumbung/base/text.h"

#include "rules.h"

namespace lumbung {

using namespace domain;

Domain::Domain(LedgerIdentity identity, EntryReader* reader, bool live)
    : identity_(std::move(identity)), reader_(reader), journal_(live), live_(live) {}

Status Domain::Apply(const fb::Entry& entry, const fb::EventBody& body) {
  LUMBUNG_ASSERT(entry.seq() == state_.applied);
  const auto day = ParseDate(body.effective_date()->string_view());
  LUMBUNG_ASSERT(day.has_value());  // shape validation ran first
  DomainRules rules(*this, entry.seq(), *day);
  LUMBUNG_RETURN_IF_ERROR(rules.Apply(body));
  journal_.Set(state_.applied, state_.applied + 1);
  return Status();
}

Domain::Mark Domain::GetMark() const {
  return Mark{journal_.Position(), epoch_, dirty_.size(), postings_.size()};
}

void Domain::RollbackTo(const Mark& mark) {
  journal_.RollbackTo(mark.journal);
  if (mark.epoch == epoch_) {
    dirty_.resize(std::min(dirty_.size(), mark.dirty));
    postings_.resize(std::min(postings_.size(), mark.history));
  } else {
    // The mark is from a group whose rows were already taken: everything
    // recorded since belongs to later groups, now undone.
    dirty_.clear();
    postings_.clear();
  }
}

void Domain::CommitUpTo(const Mark& mark) {
  journal_.CommitUpTo(mark.journal);
}

void Domain::TakeRows(const RowSink& sink) {
  for (const Dirty& d : dirty_) {
    switch (d.kind) {
      case Kind::kProgram: {
        const auto* p = static_cast<const ProgramRec*>(d.rec);
        sink(ProgramKey(p->id), EncodeProgram(*p));
        break;
      }
      case Kind::kCycle: {
        const auto* p = static_cast<const ProgramRec*>(d.owner);
        const auto* c = static_cast<const CycleRec*>(d.rec);
        sink(CycleKey(p->id, c->cycle), EncodeCycle(*c));
        break;
      }
      case Kind::kBeneficiary: {
        const auto* p = static_cast<const ProgramRec*>(d.owner);
        const auto* b = static_cast<const BeneficiaryRec*>(d.rec);
        sink(BeneficiaryKey(p->id, b->id()), EncodeBeneficiary(*b));
        break;
      }
      case Kind::kPaid: {
        const auto* p = static_cast<const ProgramRec*>(d.owner);
        const auto* b = static_cast<const BeneficiaryRec*>(d.rec);
        const PaidRec* slot = nullptr;
        for (const PaidRec& q : b->paid) slot = q.cycle() == d.key ? &q : slot;
        sink(PaidKey(p->id, b->id(), d.key),
             slot != nullptr ? std::optional<std::string>(EncodePaid(*slot)) : std::nullopt);
        break;
      }
      case Kind::kRegion: {
        const auto* p = static_cast<const ProgramRec*>(d.owner);
        const auto* r = static_cast<const RegionRec*>(d.rec);
        sink(RegionKey(p->id, r->code), EncodeRegion(*r));
        break;
      }
      case Kind::kProvided: {
        const auto* p = static_cast<const ProgramRec*>(d.owner);
        const auto it = p->provided_by.find(d.key);
        sink(ProvidedKey(p->id, d.key),
             it != p->provided_by.end()
                 ? std::optional<std::string>(EncodeProvided(d.key, it->second))
                 : std::nullopt);
        break;
      }
      case Kind::kFunder:
        sink(FunderKey(static_cast<const FunderRec*>(d.rec)->id),
             EncodeFunder(*static_cast<const FunderRec*>(d.rec)));
        break;
      case Kind::kGroup:
        sink(GroupKey(static_cast<const GroupRec*>(d.rec)->id),
             EncodeGroup(*static_cast<const GroupRec*>(d.rec)));
        break;
      case Kind::kMember:
        sink(MemberKey(static_cast<const GroupRec*>(d.owner)->id,
                       static_cast<const MemberRec*>(d.rec)->id),
             EncodeMember(*static_cast<const MemberRec*>(d.rec)));
        break;
      case Kind::kLoan:
        sink(LoanKey(static_cast<const LoanRec*>(d.rec)->id),
             EncodeLoan(*static_cast<const LoanRec*>(d.rec)));
        break;
      case Kind::kReversed: {
        const uint64_t seq = std::stoull(d.key);
        const auto it = state_.reversed.find(seq);
        sink(ReversedKey(seq), it != state_.reversed.end()
                                   ? std::optional<std::string>(EncodeReversed(it->second))
                                   : std::nullopt);
        break;
      }
      case Kind::kReturned: {
        const uint64_t seq = std::stoull(d.key);
        const auto it = state_.returned_regions.find(seq);
        sink(ReturnedKey(seq), it != state_.returned_regions.end()
                                   ? std::optional<std::string>(EncodeReturned(it->second))
                                   : std::nullopt);
        break;
      }
    }
  }
  TakeHistoryRows(sink);
  dirty_.clear();
  postings_.clear();
  ++epoch_;
}

// History: one row per account posted to in this group, items in seq order,
// rows in the order of each account's first posting. Postings are grouped by
// the account's identity (its kind and record) rather than by its name, so a
// name is made once per account, not once per posting (a std::map keyed by
// names made per posting was a tenth of the apply thread's time).
void Domain::TakeHistoryRows(const RowSink& sink) {
  std::vector<uint32_t> order(postings_.size());
  std::iota(order.begin(), order.end(), 0u);
  const auto same_account = [this](uint32_t a, uint32_t b) {
    return postings_[a].account == postings_[b].account && postings_[a].rec == postings_[b].rec;
  };
  // Pointers compare through std::less, the total order the standard
  // guarantees for unrelated objects; stable keeps each run in seq order.
  std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    const Posting& pa = postings_[a];
    const Posting& pb = postings_[b];
    if (pa.account != pb.account) return pa.account < pb.account;
    return std::less<const void*>()(pa.rec, pb.rec);
  });
  std::vector<std::pair<uint32_t, uint32_t>> runs;  // [begin, end) in `order`
  for (uint32_t i = 0; i < order.size();) {
    uint32_t end = i + 1;
    while (end < order.size() && same_account(order[i], order[end])) ++end;
    runs.emplace_back(i, end);
    i = end;
  }
  std::sort(runs.begin(), runs.end(),
            [&order](const auto& a, const auto& b) { return order[a.first] < order[b.first]; });
  std::string name, unit;
  std::vector<HistoryItem> items;
  for (const auto& [begin, end] : runs) {
    NameAccount(postings_[order[begin]], &name, &unit);
    items.clear();
    for (uint32_t i = begin; i < end; ++i) {
      items.push_back(HistoryItem{postings_[order[i]].seq, postings_[order[i]].balance});
    }
    sink(HistoryKey(name, items.front().seq), EncodeHistory(unit, items));
  }
}

void Domain::NameAccount(const Posting& p, std::string* name, std::string* unit) {
  switch (p.account) {
    case Account::kFunder: {
      const auto* f = static_cast<const FunderRec*>(p.rec);
      *name = FunderAccount(f->id);
      *unit = f->unit;
      break;
    }
    case Account::kProgram: {
      const auto* pr = static_cast<const ProgramRec*>(p.rec);
      *name = ProgramAccount(pr->id);
      *unit = pr->unit;
      break;
    }
    case Account::kBeneficiary: {
      const auto* pr = static_cast<const ProgramRec*>(p.owner);
      *name = BeneficiaryAccount(pr->id, static_cast<const BeneficiaryRec*>(p.rec)->id());
      *unit = pr->unit;
      break;
    }
    case Account::kGroup:
    case Account::kLoss: {
      const auto* g = static_cast<const GroupRec*>(p.rec);
      *name = p.account == Account::kGroup ? GroupAccount(g->id) : LossAccount(g->id);
      *unit = g->unit;
      break;
    }
    case Account::kLoan: {
      const auto* l = static_cast<const LoanRec*>(p.rec);
      *name = LoanAccount(l->id);
      *unit = l->unit;
      break;
    }
  }
}

Status Domain::LoadRow(std::string_view key, std::string_view value) {
  return domain::LoadRow(state_, key, value);
}

void Domain::FinishLoad(uint64_t applied) {
  domain::FinishLoad(state_, applied);
}

namespace domain {
std::string FunderAccount(std::string_view f) {
  return "funder:" + std::string(f);
}
std::string ProgramAccount(std::string_view p) {
  return "program:" + std::string(p);
}
std::string BeneficiaryAccount(std::string_view p, std::string_view b) {
  std::string name = "beneficiary:";
  name.append(p);
  name += ':';
  name.append(b);
  return name;
}
std::string GroupAccount(std::string_view g) {
  return "group:" + std::string(g);
}
std::string LoanAccount(std::string_view l) {
  return "loan:" + std::string(l);
}
std::string LossAccount(std::string_view g) {
  return "loss:" + std::string(g);
}
}  // namespace domain

// ---------------------------------------------------------------------------
// DomainRules: dispatch and helpers.

Status DomainRules::Apply(const fb::EventBody& body) {
  const bool opening = body.event_type() == fb::Event::LedgerOpened;
  if (seq_ == 0 && !opening) {
    return Reject("invalid_ledger_opened", "type",
                  "the first entry of a ledger must be LedgerOpened");
  }
  return ApplyEvent(body.event_type(), body.event());
}

Status DomainRules::ApplyEvent(fb::Event type, const void* table) {
#define LUMBUNG_DISPATCH(T) \
  case fb::Event::T: return T(*static_cast<const fb::T*>(table));
  switch (type) {
    LUMBUNG_DISPATCH(LedgerOpened)
    LUMBUNG_DISPATCH(ProgramOpened)
    LUMBUNG_DISPATCH(FundsAllocated)
    LUMBUNG_DISPATCH(FundsReturned)
    LUMBUNG_DISPATCH(CycleOpened)
    LUMBUNG_DISPATCH(CycleClosed)
    LUMBUNG_DISPATCH(BeneficiaryEnrolled)
    LUMBUNG_DISPATCH(BeneficiaryExited)
    LUMBUNG_DISPATCH(AidDisbursed)
    LUMBUNG_DISPATCH(DisbursementReturned)
    LUMBUNG_DISPATCH(GroupFormed)
    LUMBUNG_DISPATCH(MemberJoined)
    LUMBUNG_DISPATCH(MemberLeft)
    LUMBUNG_DISPATCH(CapitalGranted)
    LUMBUNG_DISPATCH(LoanIssued)
    LUMBUNG_DISPATCH(LoanRepaid)
    LUMBUNG_DISPATCH(LoanRescheduled)
    LUMBUNG_DISPATCH(LoanWrittenOff)
    LUMBUNG_DISPATCH(EventCorrected)
    LUMBUNG_DISPATCH(PersonalDataErased)
    case fb::Event::NONE: break;
  }
#undef LUMBUNG_DISPATCH
  return Reject("unknown_type", "type", "type is not a known event");
}

Status DomainRules::Add(int64_t& field, int64_t delta, std::string_view name) {
  const auto sum = CheckedAdd(field, delta);
  if (!sum) return Reject("invalid_amount", name, "the amount would overflow a balance");
  Set(field, *sum);
  return Status();
}

void DomainRules::Post(Account account, const void* owner, const void* rec, int64_t balance) {
  const Domain::Posting posting{account, owner, rec, seq_, balance};
  if (d_.observer_) {
    std::string name, unit;
    Domain::NameAccount(posting, &name, &unit);
    d_.observer_(Domain::BalanceChange{name, unit, balance});
  }
  if (!d_.live_) return;
  d_.postings_.push_back(posting);
}

uint64_t* DomainRules::DirtyField(Kind kind, void* rec) {
  switch (kind) {
    case Kind::kProgram: return &static_cast<ProgramRec*>(rec)->dirty;
    case Kind::kCycle: return &static_cast<CycleRec*>(rec)->dirty;
    case Kind::kBeneficiary: return &static_cast<BeneficiaryRec*>(rec)->dirty;
    case Kind::kRegion: return &static_cast<RegionRec*>(rec)->dirty;
    case Kind::kFunder: return &static_cast<FunderRec*>(rec)->dirty;
    case Kind::kGroup: return &static_cast<GroupRec*>(rec)->dirty;
    case Kind::kMember: return &static_cast<MemberRec*>(rec)->dirty;
    case Kind::kLoan: return &static_cast<LoanRec*>(rec)->dirty;
    default: return nullptr;  // keyed rows (paid, provided, reversed): no flag
  }
}

void DomainRules::Touch(Kind kind, void* owner, void* rec, std::string key) {
  if (!d_.live_) return;
  uint64_t* dirty = DirtyField(kind, rec);
  if (dirty != nullptr) {
    if (*dirty == d_.epoch_) return;  // already listed in this group
    Set(*dirty, d_.epoch_);
  }
  d_.dirty_.push_back(Domain::Dirty{kind, owner, rec, std::move(key)});
}

ProgramRec* DomainRules::FindProgram(std::string_view id) {
  auto it = s_.programs.find(id);
  return it == s_.programs.end() ? nullptr : &it->second;
}

BeneficiaryRec* DomainRules::FindBeneficiary(ProgramRec& p, std::string_view id) {
  auto it = p.beneficiaries.find(id);
  return it == p.beneficiaries.end() ? nullptr : &it->second;
}

GroupRec* DomainRules::FindGroup(std::string_view id) {
  auto it = s_.groups.find(id);
  return it == s_.groups.end() ? nullptr : &it->second;
}

LoanRec* DomainRules::FindLoan(std::string_view id) {
  auto it = s_.loans.find(id);
  return it == s_.loans.end() ? nullptr : &it->second;
}

FunderRec& DomainRules::Funder(std::string_view id, const std::string& unit) {
  auto it = s_.funders.find(id);
  if (it != s_.funders.end()) return it->second;
  auto [inserted, ok] = s_.funders.emplace(std::string(id), FunderRec{});
  inserted->second.id = std::string(id);
  inserted->second.unit = unit;
  d_.journal_.OnUndo([&s = s_, key = std::string(id)] { s.funders.erase(key); });
  return inserted->second;
}

Status DomainRules::ReadEntry(uint64_t seq, const std::string& field, audit::VerifiedEntry* out) {
  if (seq >= seq_) {
    return Reject("unknown_entry", field, "there is no entry " + std::to_string(seq) + " yet");
  }
  if (d_.reader_ == nullptr) return Status::Internal("no entry reader to resolve seq references");
  return d_.reader_->Read(seq, out);
}

std::string FormatAmount(int64_t amount, std::string_view unit) {
  // Magnitude in unsigned arithmetic: -INT64_MIN does not fit an int64.
  const uint64_t magnitude =
      amount < 0 ? uint64_t{0} - static_cast<uint64_t>(amount) : static_cast<uint64_t>(amount);
  const std::string digits = std::to_string(magnitude);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped += '.';  // Indonesian thousands
    grouped += digits[i];
  }
  const std::string sign = amount < 0 ? "-" : "";
  if (unit == "IDR") return sign + "Rp " + grouped;
  return sign + grouped + " " + std::string(unit);
}

}  // namespace lumbung
