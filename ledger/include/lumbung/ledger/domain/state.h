// The projection state: every record the rules need and the queries read.
//
// Accounts (DESIGN §7.1) live inside the records that own them:
//   funder:<f>            FunderRec::balance     (minus what it provided, net)
//   program:<p>           ProgramRec::balance    (unspent budget)
//   beneficiary:<p>:<b>   BeneficiaryRec::balance (what they received, net)
//   group:<g>             GroupRec::fund         (the fund's cash)
//   loss:<g>              GroupRec::loss         (written off, net of recoveries)
//   loan:<l>              LoanRec::outstanding   (what the member owes)
// Per unit, all balances sum to zero (checked by tests after every commit).
//
// Records live in node-based maps, so their addresses are stable while they
// exist; the undo log and the dirty list hold plain pointers.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_LEDGER_DOMAIN_STATE_H_
#define LUMBUNG_LEDGER_DOMAIN_STATE_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lumbung/fb/entry_generated.h"

namespace lumbung::domain {

// Heterogeneous lookup: find by string_view without building a string.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
};
template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

// A string held once per State and referred to by pointer: the few cycle
// and region codes that millions of payment records repeat (a std::string
// of a 20-character region code is 32 bytes plus a heap block of 32).
// Reads, converts and compares like the string it points to. Trivially
// copyable, so the undo journal records it like a number.
class Interned {
 public:
  Interned() : s_(&Empty()) {}
  const std::string& str() const { return *s_; }
  operator const std::string&() const { return *s_; }  // NOLINT(google-explicit-constructor)
  operator std::string_view() const { return *s_; }    // NOLINT(google-explicit-constructor)
  bool empty() const { return s_->empty(); }
  friend bool operator==(Interned a, std::string_view b) { return *a.s_ == b; }
  friend bool operator==(Interned a, Interned b) { return a.s_ == b.s_ || *a.s_ == *b.s_; }
  friend bool operator<(Interned a, Interned b) { return *a.s_ < *b.s_; }

 private:
  friend class InternPool;
  explicit Interned(const std::string* s) : s_(s) {}
  static const std::string& Empty() {
    static const std::string empty;
    return empty;
  }
  const std::string* s_;
};

// Where a payment counts: its cycle and the beneficiary's region code when
// paid. A State holds each pair once (InternPool::Place; cycles times
// regions, a few thousand), so a payment slot is 24 bytes, not 32: at 10M
// demo events the slots were the second largest use of memory.
struct PaidPlace {
  Interned cycle;
  Interned region;
  static const PaidPlace* None() {
    static const PaidPlace none;
    return &none;
  }
};

// The strings a State's Interned values point to. Node-based, so the
// pointers survive rehashing and moving the State; never copied (a copy's
// records would point into the original's pool). Strings are never removed:
// there are as many as distinct codes the ledger has seen.
class InternPool {
 public:
  InternPool() = default;
  InternPool(InternPool&&) = default;
  InternPool& operator=(InternPool&&) = default;
  InternPool(const InternPool&) = delete;
  InternPool& operator=(const InternPool&) = delete;

  Interned Intern(std::string_view s) {
    if (s.empty()) return Interned();
    auto it = strings_.find(s);
    if (it == strings_.end()) it = strings_.emplace(s).first;
    return Interned(&*it);
  }
  // The one PaidPlace of (cycle, region); it lives as long as the pool.
  // Called for every disbursement: a hash lookup by the interned pointers.
  const PaidPlace* Place(std::string_view cycle, std::string_view region) {
    const Interned c = Intern(cycle), r = Intern(region);
    auto [it, inserted] = places_.try_emplace({c.s_, r.s_});
    if (inserted) it->second = PaidPlace{c, r};
    return &it->second;
  }

 private:
  using PlaceKey = std::pair<const std::string*, const std::string*>;
  struct PlaceHash {
    size_t operator()(const PlaceKey& k) const {
      const std::hash<const void*> h;
      return h(k.first) * 31 + h(k.second);
    }
  };
  std::unordered_set<std::string, StringHash, std::equal_to<>> strings_;
  std::unordered_map<PlaceKey, PaidPlace, PlaceHash> places_;  // node-based: stable addresses
};

enum class BeneficiaryStatus : uint8_t { kEnrolled = 1, kExited = 2 };
enum class LoanStatus : uint8_t { kOpen = 1, kRepaid = 2, kWrittenOff = 3, kReversed = 4 };

struct CycleRec {
  std::string cycle;
  int64_t planned_count = 0;
  int64_t planned_amount = 0;
  bool closed = false;
  int64_t paid_count = 0;  // active disbursements (returned/corrected away excluded)
  int64_t paid_amount = 0;
  int64_t returned_count = 0;
  int64_t returned_amount = 0;
  uint64_t opened_seq = 0;
  uint64_t closed_seq = 0;
  uint64_t dirty = 0;  // group epoch in which it was last marked dirty
};

// An active disbursement of a beneficiary in one cycle: the slot that makes
// a second payment in that cycle `already_disbursed`.
struct PaidRec {
  const PaidPlace* place = PaidPlace::None();  // never null
  uint64_t seq = 0;
  int64_t amount = 0;
  Interned cycle() const { return place->cycle; }
  Interned region() const { return place->region; }
};
static_assert(sizeof(PaidRec) == 24, "a payment slot is held per payment: keep it small");

struct BeneficiaryRec {
  // The id is the key of the record's node in ProgramRec::beneficiaries,
  // which owns the string (nodes never move); whoever inserts the record
  // points it there with SetId. A copy of the id cost 32 bytes a record,
  // and there is a record per programme a household is enrolled in.
  const std::string& id() const { return *id_; }
  void SetId(const std::string& key) { id_ = &key; }
  Interned region_code;
  std::string household_id;
  Interned source;
  BeneficiaryStatus status = BeneficiaryStatus::kEnrolled;
  uint8_t exit_reason = 0;  // fb::ExitReason
  bool erased = false;      // personal data destroyed (PersonalDataErased)
  uint64_t enrolled_seq = 0;
  uint64_t exited_seq = 0;
  int64_t balance = 0;        // account beneficiary:<p>:<b>
  std::vector<PaidRec> paid;  // active disbursements, by cycle; add with AddPaid
  uint64_t dirty = 0;
  const std::string* id_ = &Interned().str();  // see id()

  // Appends a payment slot, growing `paid` by two slots at a time (by a
  // quarter once it is long) instead of doubling it. A beneficiary gains
  // one slot a cycle, and with doubling a third of every slot vector was
  // unused: the largest single use of memory at scale (a heap profile at 3M
  // demo events: ~57 bytes held per 32-byte slot).
  void AddPaid(const PaidRec& slot) {
    if (paid.size() == paid.capacity()) {
      paid.reserve(paid.size() + std::max<size_t>(2, paid.size() / 4));
    }
    paid.push_back(slot);
  }
};
static_assert(sizeof(BeneficiaryRec) <= 120, "a record per enrolment: keep it small");

// Per region code (with RW and RT) within a programme; region prefixes are
// summed from these at query time.
struct RegionRec {
  std::string code;
  int64_t recipients = 0;  // beneficiaries with at least one active disbursement
  int64_t paid_count = 0;
  int64_t paid_amount = 0;
  int64_t enrolled = 0;
  uint64_t dirty = 0;
};

struct ProgramRec {
  std::string id;
  std::string name;
  uint8_t kind = 0;  // fb::ProgramKind
  std::string unit;
  std::optional<int64_t> entitlement_per_cycle;
  std::string legal_basis;
  uint64_t opened_seq = 0;
  int64_t balance = 0;  // account program:<p>
  int64_t allocated = 0;
  int64_t funds_returned = 0;
  int64_t disbursed = 0;  // active disbursements
  int64_t disbursements_returned = 0;
  int64_t granted = 0;   // capital granted to groups, net
  int64_t enrolled = 0;  // currently enrolled (not exited)
  int64_t recipients = 0;
  StringMap<int64_t> provided_by;  // net allocated per funder (FundsReturned cap)
  StringMap<CycleRec> cycles;
  StringMap<BeneficiaryRec> beneficiaries;
  StringMap<RegionRec> regions;
  uint64_t dirty = 0;
};

struct FunderRec {
  std::string id;
  std::string unit;
  int64_t balance = 0;
  uint64_t dirty = 0;
};

struct MemberRec {
  std::string id;
  uint8_t role = 0;  // fb::MemberRole
  bool active = true;
  std::string open_loan;  // loan_id of the member's open loan, or empty
  uint64_t joined_seq = 0;
  uint64_t left_seq = 0;
  uint64_t dirty = 0;
};

struct GroupRec {
  std::string id;
  std::string name;
  std::string region_code;
  std::optional<int64_t> max_loan;
  std::optional<int32_t> max_installments;
  std::string unit;  // fixed by the first capital grant; empty before
  uint64_t formed_seq = 0;
  int64_t fund = 0;  // account group:<g>
  int64_t loss = 0;  // account loss:<g>
  int64_t granted = 0;
  int64_t members_active = 0;
  StringMap<MemberRec> members;
  uint64_t dirty = 0;
};

// The repayment schedule in force: `base` split into `installments` equal
// parts (remainder on the last), due every `period_days` from `first_due_day`.
// paid_on_schedule counts repayments made against this schedule.
struct Schedule {
  int64_t base = 0;
  int64_t paid_on_schedule = 0;
  int32_t installments = 0;
  int32_t period_days = 0;
  int32_t first_due_day = 0;  // days since 1970-01-01
};

struct LoanRec {
  std::string id;
  std::string group_id;
  std::string member_id;
  std::string unit;
  int64_t principal = 0;
  int64_t repaid = 0;  // before any write-off
  int64_t written_off = 0;
  int64_t recovered = 0;    // repaid after the write-off
  int64_t outstanding = 0;  // account loan:<l> = principal - repaid - written_off
  LoanStatus status = LoanStatus::kOpen;
  bool restructured = false;
  Schedule schedule;
  uint64_t issued_seq = 0;
  int32_t issued_day = 0;
  uint64_t written_off_seq = 0;
  uint64_t dirty = 0;
};

struct State {
  InternPool strings;  // first: the records below point into it
  StringMap<ProgramRec> programs;
  StringMap<FunderRec> funders;
  StringMap<GroupRec> groups;
  StringMap<LoanRec> loans;
  // Entries whose effects a correction reversed (targets of EventCorrected).
  std::map<uint64_t, uint64_t> reversed;  // target seq -> correcting seq
  // Where each returned disbursement was paid (disbursed seq -> region
  // code), so that undoing the return counts it there again even if the
  // beneficiary has moved since.
  std::map<uint64_t, std::string> returned_regions;
  uint64_t applied = 0;  // entries applied (the next seq)
};

// Account names, as DESIGN §7.1 spells them.
std::string FunderAccount(std::string_view funder);
std::string ProgramAccount(std::string_view program);
std::string BeneficiaryAccount(std::string_view program, std::string_view beneficiary);
std::string GroupAccount(std::string_view group);
std::string LoanAccount(std::string_view loan);
std::string LossAccount(std::string_view group);

}  // namespace lumbung::domain

#endif  // LUMBUNG_LEDGER_DOMAIN_STATE_H_
