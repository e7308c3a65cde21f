// The domain state machine: checks each entry's event against the state left
// by the entries before it (DESIGN §3.3) and applies its effects and
// postings. The same Apply runs for live writes, for `rebuild` and for
// bundle replays, so the three cannot disagree.
//
// Order of checks inside Apply (after event_id, idempotency and shape, which
// the writer checks first): references (unknown_*), then the state and the
// event's own rules, then no-overdraft (insufficient_funds) last.
//
// Apply may leave partial changes behind when it fails (a correction that
// reversed its target and then found its replacement invalid); every change
// goes through the journal, and the caller rolls back to a Mark taken before
// the event (or the whole request, or the whole group).
//
// Thread safety: thread-compatible; owned by one thread.

#ifndef LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_
#define LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "lumbung/audit/chain.h"
#include "lumbung/base/status.h"
#include "lumbung/fb/entry_generated.h"
#include "lumbung/ledger/domain/journal.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/domain/state.h"

namespace lumbung {

struct LedgerIdentity {
  std::string origin;        // checkpoint origin, the ledger's name
  std::string verifier_key;  // signed-note verifier key of the checkpoint key
};

// Gives the domain earlier entries, which corrections and returned
// disbursements refer to by seq.
class EntryReader {
 public:
  virtual ~EntryReader() = default;
  // Reads entry `seq` (already applied) into `out`.
  virtual Status Read(uint64_t seq, audit::VerifiedEntry* out) = 0;
};

class Domain {
 public:
  // `live` false (rebuild, replay): changes are neither recorded for undo
  // nor collected as rows to persist, which keeps replays fast and flat.
  Domain(LedgerIdentity identity, EntryReader* reader, bool live = true);

  // Checks and applies `entry` (verified and shape-validated), whose seq must
  // be applied().
  Status Apply(const fb::Entry& entry, const fb::EventBody& body);

  struct Mark {
    uint64_t journal = 0;
    uint64_t epoch = 0;
    size_t dirty = 0;
    size_t history = 0;
  };
  Mark GetMark() const;
  void RollbackTo(const Mark& mark);
  // Changes before `mark` are durable: forget how to undo them.
  void CommitUpTo(const Mark& mark);

  using RowSink = std::function<void(std::string key, std::optional<std::string> value)>;
  // Emits the rows of records changed since the last call (deleted rows as
  // nullopt) and the history rows of the accounts posted to, then starts a
  // new epoch. Called once per commit group.
  void TakeRows(const RowSink& sink);

  // Restores persisted rows (any order), then positions after `applied`.
  Status LoadRow(std::string_view key, std::string_view value);
  void FinishLoad(uint64_t applied);

  // Every balance change as the rules make it: the account (DESIGN §7.1
  // name), its unit and its balance after the change, in the order the
  // rules post (a correction posts its reversal, then its replacement). An
  // entry's account history holds only the last balance of each account;
  // this shows each step. Also called for entries that post without moving
  // money (an enrolment, a reschedule) and for changes a rollback later
  // undoes, so it is meant for replays, where nothing is rolled back; see
  // ReplayOptions::on_entry (lumbung/ledger/projection.h). Unset, it costs
  // nothing.
  struct BalanceChange {
    std::string_view account;
    std::string_view unit;
    int64_t balance = 0;
  };
  using BalanceObserver = std::function<void(const BalanceChange&)>;
  void SetBalanceObserver(BalanceObserver observer) { observer_ = std::move(observer); }

  const domain::State& state() const { return state_; }
  // Moves the state out (the domain is then empty); for replays.
  domain::State TakeState() { return std::move(state_); }
  uint64_t applied() const { return state_.applied; }
  const LedgerIdentity& identity() const { return identity_; }

 private:
  friend class DomainRules;
  enum class Kind : uint8_t {
    kProgram,
    kCycle,
    kBeneficiary,
    kPaid,
    kRegion,
    kProvided,
    kFunder,
    kGroup,
    kMember,
    kLoan,
    kReversed,
    kReturned
  };
  struct Dirty {
    Kind kind;
    void* owner;  // ProgramRec* or GroupRec* for nested records
    void* rec;
    std::string key;  // cycle (kPaid), funder (kProvided); seq as text (kReversed, kReturned)
  };
  enum class Account : uint8_t { kFunder, kProgram, kBeneficiary, kGroup, kLoss, kLoan };
  struct Posting {
    Account account;
    const void* owner;
    const void* rec;
    uint64_t seq;
    int64_t balance;
  };
  // The account's DESIGN §7.1 name and its unit, as of now.
  static void NameAccount(const Posting& posting, std::string* name, std::string* unit);
  void TakeHistoryRows(const RowSink& sink);

  LedgerIdentity identity_;
  EntryReader* reader_;
  domain::State state_;
  domain::Journal journal_;
  const bool live_;
  uint64_t epoch_ = 1;
  std::vector<Dirty> dirty_;
  std::vector<Posting> postings_;
  BalanceObserver observer_;
};

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_
