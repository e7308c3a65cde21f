// Entry decoding and the hash-chain walk.
//
// ChainVerifier takes entries in seq order, from a live ledger or from an
// exported bundle (the same code for both), and checks each one: it is a
// valid FlatBuffer (Verifier run before any read), it sits at the seq it
// carries, no seq is skipped, and its prev_hash is the leaf hash of the entry
// before. Where the caller has the leaf hash recorded when the entry was
// written (a live ledger's Merkle tree), a mismatch names the altered entry
// itself rather than only the broken link after it.
//
// It records problems and keeps going (up to a bound), so one walk reports
// both an altered entry and the prev_hash break it causes in the next one.
// It keeps the running Merkle compact range, so at the end it knows the root.
//
// Thread safety: thread-compatible (one thread at a time).

#ifndef LUMBUNG_AUDIT_CHAIN_H_
#define LUMBUNG_AUDIT_CHAIN_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/base/result.h"
#include "lumbung/base/status.h"
#include "lumbung/fb/entry_generated.h"

namespace lumbung::audit {

// Largest entry accepted anywhere: an event body (16 KiB at most) plus the
// envelope (seq, prev_hash, time, actor) and FlatBuffers overhead.
inline constexpr size_t kEntryBytesMax = 20 * 1024;

// Verifies `bytes` as an Entry where they lie (FlatBuffers Verifier, the
// nested body included) and returns it; Corruption if they are not one (bad
// FlatBuffer, wrong file identifier, oversize, bad nested body). FlatBuffers
// reads scalars in place, so `bytes` must start 8-byte aligned; the result
// points into them.
Result<const fb::Entry*> VerifyEntryBytes(std::span<const uint8_t> bytes);

// What ChainVerifier checks of one entry on its own, apart from its place in
// the chain: its leaf hash, and whether its bytes are an Entry. Independent
// of every other entry, so a caller may work these out ahead, on another
// thread, and hand them to AddChecked in seq order.
struct CheckedEntry {
  Hash leaf{};                       // LeafHash of the bytes
  const fb::Entry* entry = nullptr;  // from VerifyEntryBytes, or nullptr and
  Status problem;                    // why the bytes are not an Entry
};

// An entry's bytes held in 8-byte-aligned memory, verified, with its root.
// FlatBuffers reads scalars in place, so bytes from RocksDB or a file (any
// alignment) are copied here before they are read.
class VerifiedEntry {
 public:
  VerifiedEntry() = default;
  // Copies and verifies `bytes`; Corruption if they are not an Entry
  // (bad FlatBuffer, wrong file identifier, oversize, bad nested body).
  Status Load(std::span<const uint8_t> bytes);
  Status Load(std::string_view bytes);

  bool loaded() const { return entry_ != nullptr; }
  const fb::Entry& entry() const { return *entry_; }
  const fb::EventBody& body() const { return *body_; }
  std::span<const uint8_t> bytes() const;
  // The exact body bytes inside the entry.
  std::string_view body_bytes() const;

 private:
  std::string storage_;  // heap-allocated, so at least 16-byte aligned
  size_t size_ = 0;
  const fb::Entry* entry_ = nullptr;
  const fb::EventBody* body_ = nullptr;
};

class ChainVerifier {
 public:
  explicit ChainVerifier(size_t problems_max = 16) : problems_max_(problems_max) {}

  // Checks the entry found at `seq` (its key in the database, or its
  // position in a bundle). `stored_leaf`, if given, is the leaf hash the
  // writer recorded for that seq. Returns true if the entry passed every
  // check; last() is then valid until the next Add.
  bool Add(uint64_t seq, std::span<const uint8_t> bytes, const Hash* stored_leaf = nullptr);
  bool Add(uint64_t seq, std::string_view bytes, const Hash* stored_leaf = nullptr);
  // As Add, with `leaf_hash` = LeafHash(bytes) already computed by the
  // caller (e.g. on a second thread, ahead of the walk). Everything else is
  // checked here, exactly as Add does.
  bool AddHashed(uint64_t seq, std::span<const uint8_t> bytes, const Hash& leaf_hash,
                 const Hash* stored_leaf = nullptr);
  // As Add, with the entry's own checks done by the caller (CheckedEntry);
  // `checked.entry` must stay valid for the call. last() is not set.
  bool AddChecked(uint64_t seq, const CheckedEntry& checked, const Hash* stored_leaf = nullptr);
  // The source is exhausted; `expected_size` entries should have been seen.
  void Finish(uint64_t expected_size);

  // Records a problem found by the caller (e.g. a replay rule), in order.
  void AddProblem(Status problem);

  // Sees every node of the Merkle tree as the walk completes it (the
  // CompactRange visitor), e.g. to keep roots at checkpoint sizes
  // (TreeWatcher). Set it before the first Add.
  void SetNodeVisitor(CompactRange::Visitor visitor) { visitor_ = std::move(visitor); }

  bool ok() const { return problems_.empty(); }
  bool full() const { return problems_.size() >= problems_max_; }
  // Corruption statuses, each with seq() set, in the order found.
  const std::vector<Status>& problems() const { return problems_; }

  uint64_t size() const { return next_; }  // entries walked (next expected seq)
  // Root of the entries walked; meaningful only when ok().
  Hash Root() const { return range_.Root(); }
  const CompactRange& range() const { return range_; }
  const Hash& last_leaf_hash() const { return last_leaf_; }
  const VerifiedEntry& last() const { return current_; }

 private:
  void Problem(uint64_t seq, const std::string& what);

  size_t problems_max_;
  std::vector<Status> problems_;
  uint64_t next_ = 0;
  CompactRange range_;
  CompactRange::Visitor visitor_;  // may be empty
  Hash last_leaf_{};               // zeros before entry 0: the prev_hash entry 0 must carry
  bool last_known_ = true;         // false after a missing or unreadable entry
  VerifiedEntry current_;
};

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_CHAIN_H_
