// Signed checkpoints of a ledger (DESIGN §5): C2SP tlog-checkpoint bodies
// (origin, tree size, root) in C2SP signed notes, signed with the ledger's
// key (DIR/keys/checkpoint.key) and stored in the `checkpoints` column
// family under the tree size.
//
// The one rule: the ledger never signs two different roots for one size.
// Signing a size that already has a stored checkpoint returns the stored
// note, after checking that it still opens with the ledger's key and signs
// the tree's root at that size; if it does not, the log or the store was
// altered, and signing is refused with Corruption (checkpoint_conflict).
// Ed25519 is deterministic, so signing one body twice gives one note.
//
// Signing needs the ledger opened for writing: one process holds a ledger
// for writing at a time, and within it signing is serialised, so checking
// for a stored note and storing a new one cannot interleave.
//
// Thread safety: all functions are thread-safe.

#ifndef LUMBUNG_LEDGER_CHECKPOINT_H_
#define LUMBUNG_LEDGER_CHECKPOINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung {

// The reason SignCheckpoint gives when the ledger is open read-only, so a
// caller can fall back to a stored checkpoint.
inline constexpr std::string_view kCheckpointReadOnlyReason = "read_only";

struct SignedCheckpoint {
  uint64_t size = 0;
  audit::Hash root{};
  std::string note;  // the signed note text, exactly as stored
};

// Signs (or returns the stored) checkpoint of the log at `size`, the head
// when absent. FailedPrecondition if the ledger is open read-only (reason
// kCheckpointReadOnlyReason) or its key
// file does not hold the ledger's key; InvalidArgument for a size of 0 or
// past the head; Corruption if a stored note for that size does not open or
// signs another root.
Result<SignedCheckpoint> SignCheckpoint(const Ledger& ledger,
                                        std::optional<uint64_t> size = std::nullopt);

// The stored checkpoint of the largest size in `snapshot`; NotFound if none.
// Like CheckpointAt, it is checked before it is returned.
Result<SignedCheckpoint> LatestCheckpoint(const LedgerSnapshot& snapshot);
// The stored checkpoint of exactly `size`; NotFound if none. Corruption if
// it does not open with the key entry 0 records, is not of this ledger and
// size, signs a root other than the tree's, or lies past the log's end.
Result<SignedCheckpoint> CheckpointAt(const LedgerSnapshot& snapshot, uint64_t size);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_CHECKPOINT_H_
