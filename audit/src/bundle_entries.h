// Walking a bundle's entries.bin through ChainVerifier, with the hashing
// done on a second thread one batch ahead. Internal to the audit library.
//
//   calling thread:  read k+1 | walk k   | read k+2 | walk k+1 | ...
//   hashing thread:           | hash k+1 |          | hash k+2 | ...
//
// "hash" is the leaf hash of every entry in the batch plus the running
// SHA-256 of the file's bytes (SHA256SUMS). "walk" is everything else:
// ChainVerifier (FlatBuffers verification, seq and prev_hash checks, the
// Merkle compact range) and the caller's hook. Batches hold whole frames,
// at most two are in flight, so memory stays bounded whatever the file size.

#ifndef LUMBUNG_AUDIT_SRC_BUNDLE_ENTRIES_H_
#define LUMBUNG_AUDIT_SRC_BUNDLE_ENTRIES_H_

#include <cstdint>
#include <functional>
#include <optional>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"

namespace lumbung::audit::internal {

struct EntryWalkHooks {
  // Each entry that passed ChainVerifier's checks, in seq order, with the
  // file offset of its bytes (after the frame header).
  std::function<void(uint64_t seq, const VerifiedEntry& entry, uint64_t offset)> on_entry;
  // Every few thousand entries: entries walked so far.
  std::function<void(uint64_t entries)> on_progress;
};

struct EntryWalk {
  Hash file_sha256{};   // of every byte of the file, for SHA256SUMS
  uint64_t frames = 0;  // whole frames read
  Status framing;       // the first framing problem (OK if none)
};

// Reads `fd` (entries.bin) to its end. Entries are fed to `chain` until it
// is full; the file is hashed to its last byte regardless. Fails only on a
// read error.
Result<EntryWalk> WalkEntries(int fd, ChainVerifier& chain, const EntryWalkHooks& hooks);

}  // namespace lumbung::audit::internal

#endif  // LUMBUNG_AUDIT_SRC_BUNDLE_ENTRIES_H_
