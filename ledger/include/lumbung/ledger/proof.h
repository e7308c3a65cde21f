// Inclusion and consistency proofs of a ledger's Merkle tree (RFC 9162),
// built from the stored tiles in O(log n) reads, and their JSON form, the
// contract of DESIGN §7.1 (CLI `prove` and the HTTP API):
//
//   inclusion:   {"leaf_index":N,"tree_size":M,"leaf_hash":"<hex>","root":"<hex>",
//                 "proof":["<hex>",...]}
//   consistency: {"old_size":M,"new_size":N,"old_root":"<hex>","new_root":"<hex>",
//                 "proof":["<hex>",...]}
//
// Hex is lowercase. Every proof is verified with audit/'s verifier before it
// is returned: a proof that would not verify (stored tree and entries
// disagree) is Corruption, never handed out.
//
// Thread safety: thread-compatible per snapshot (the snapshot's tile reader
// is used); distinct snapshots may be used concurrently.

#ifndef LUMBUNG_LEDGER_PROOF_H_
#define LUMBUNG_LEDGER_PROOF_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung {

struct InclusionProofResult {
  uint64_t leaf_index = 0;
  uint64_t tree_size = 0;
  audit::Hash leaf_hash{};  // of the stored entry bytes
  audit::Hash root{};
  std::vector<audit::Hash> proof;
};

struct ConsistencyProofResult {
  uint64_t old_size = 0;
  uint64_t new_size = 0;
  audit::Hash old_root{};
  audit::Hash new_root{};
  std::vector<audit::Hash> proof;
};

// Proof that entry `seq` is leaf `seq` of the tree of `tree_size` leaves
// (the snapshot's head when absent). InvalidArgument (reason out_of_range,
// field "seq" or "size") when seq >= tree_size or tree_size is past the head.
Result<InclusionProofResult> ProveInclusion(const LedgerSnapshot& snapshot, uint64_t seq,
                                            std::optional<uint64_t> tree_size = std::nullopt);

// Proof that the tree of `old_size` leaves is a prefix of the tree of
// `new_size` (the head when absent). InvalidArgument (out_of_range, field
// "old" or "new") for old_size 0, old_size > new_size, or a size past the head.
Result<ConsistencyProofResult> ProveConsistency(const LedgerSnapshot& snapshot, uint64_t old_size,
                                                std::optional<uint64_t> new_size = std::nullopt);

// The JSON objects above, on one line, without a newline.
std::string InclusionProofJson(const InclusionProofResult& proof);
std::string ConsistencyProofJson(const ConsistencyProofResult& proof);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_PROOF_H_
