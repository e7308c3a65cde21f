#include "domain.h"

#include "lumbung/base/assert.h"

namespace lumbung {

Status Domain::Apply(const fb::Entry& entry, const fb::EventBody& body) {
  LUMBUNG_ASSERT(entry.seq() == applied_);
  const bool opening = body.event_type() == fb::Event::LedgerOpened;
  if (entry.seq() == 0 && !opening) {
    return Status::Rejected("invalid_ledger_opened", "type",
                            "the first entry of a ledger must be LedgerOpened");
  }
  if (opening) {
    if (entry.seq() != 0) {
      return Status::Rejected("invalid_ledger_opened", "type",
                              "LedgerOpened can only be the first entry of a ledger");
    }
    const auto* e = body.event_as_LedgerOpened();
    if (e->origin()->string_view() != identity_.origin) {
      return Status::Rejected("invalid_ledger_opened", "origin",
                              "origin does not match this ledger's name");
    }
    if (e->verifier_key()->string_view() != identity_.verifier_key) {
      return Status::Rejected("invalid_ledger_opened", "verifier_key",
                              "verifier_key is not this ledger's checkpoint key");
    }
  }
  undo_.push_back(Undo{applied_});
  ++applied_;
  return Status();
}

void Domain::RollbackTo(uint64_t mark) {
  LUMBUNG_ASSERT(mark >= undo_base_ && mark <= Mark());
  while (Mark() > mark) {
    applied_ = undo_.back().applied;
    undo_.pop_back();
  }
}

void Domain::CommitUpTo(uint64_t mark) {
  LUMBUNG_ASSERT(mark >= undo_base_ && mark <= Mark());
  while (undo_base_ < mark) {
    undo_.pop_front();
    ++undo_base_;
  }
}

}  // namespace lumbung
