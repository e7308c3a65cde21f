// The domain state machine: checks each entry's event against the state left
// by the entries before it (DESIGN §3.3) and applies its effects. The same
// Apply runs for live writes, for `rebuild` and for bundle replays, so the
// three cannot disagree.
//
// Apply may leave partial changes behind when it fails (a correction that
// reversed its target and then found the replacement invalid); every change
// is recorded in an undo log, and the caller rolls back to a Mark taken
// before the event (or the whole request).
//
// Thread safety: thread-compatible; owned by the writer thread.

#ifndef LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_
#define LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_

#include <cstdint>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "lumbung/base/status.h"
#include "lumbung/fb/entry_generated.h"

namespace lumbung {

struct LedgerIdentity {
  std::string origin;        // checkpoint origin, the ledger's name
  std::string verifier_key;  // signed-note verifier key of the checkpoint key
};

class Domain {
 public:
  explicit Domain(LedgerIdentity identity) : identity_(std::move(identity)) {}

  // Checks and applies `entry` (already verified and shape-validated).
  Status Apply(const fb::Entry& entry, const fb::EventBody& body);

  // Marks are absolute positions in the undo log: they stay valid while
  // older changes are committed away beneath them (the writer keeps one
  // group in flight while applying the next).
  uint64_t Mark() const { return undo_base_ + undo_.size(); }
  void RollbackTo(uint64_t mark);
  // Forgets undo records below `mark`: those changes are durable.
  void CommitUpTo(uint64_t mark);

  uint64_t applied() const { return applied_; }
  // Positions a fresh state after `applied` entries already on disk.
  void Restore(uint64_t applied) { applied_ = applied; }

 private:
  struct Undo {
    uint64_t applied;
  };

  LedgerIdentity identity_;
  uint64_t applied_ = 0;  // number of entries applied
  std::deque<Undo> undo_;
  uint64_t undo_base_ = 0;  // absolute position of undo_.front()
};

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_DOMAIN_DOMAIN_H_
