// A ledger's identity as entry 0 records it, and the check every export
// makes of the checkpoint it is made at.
//
// Thread safety: pure functions of the snapshot.

#ifndef LUMBUNG_EXPORT_SRC_IDENTITY_H_
#define LUMBUNG_EXPORT_SRC_IDENTITY_H_

#include <string>

#include "lumbung/base/result.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::exports::internal {

struct Identity {
  std::string origin;
  std::string verifier_key;
};

// From entry 0 (LedgerOpened); Corruption if entry 0 is anything else.
Result<Identity> ReadIdentity(const LedgerSnapshot& snapshot);

// The checkpoint must be this ledger's, signed by its key, of its size and
// root, non-empty and within the snapshot: an export never carries a note
// that its own verifier would refuse.
Status CheckCheckpoint(const LedgerSnapshot& snapshot, const Identity& identity,
                       const SignedCheckpoint& checkpoint);

}  // namespace lumbung::exports::internal

#endif  // LUMBUNG_EXPORT_SRC_IDENTITY_H_
