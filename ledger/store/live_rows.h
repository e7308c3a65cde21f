// LiveRows: the derived rows of the group deltas not yet folded, kept in
// memory by the process that writes them, so that reads do not rebuild an
// overlay from the deltas for every snapshot.
//
// Each row keeps its versions, tagged with the end seq of the group that
// wrote it. A snapshot of size S reads the newest version with end seq <= S,
// else the folded row. The commit thread adds a group's rows before its
// RocksDB write (so no snapshot can contain a group whose rows are missing
// here) and removes them if the write fails.
//
// The cache owns each group's rows as the writer made them (one RowBlock,
// moved in, never copied) and indexes them by key; an index key points into
// the oldest group still holding that key. Before, every key and value was
// copied into the index: with ~256k unfolded rows that was ~40 MB and most
// of the 2 ms a group that Add cost the commit thread. The index's nodes
// come from a pool of its own, so that they do not scatter between the
// projection's long-lived records.
//
// A snapshot may use the cache only if it sees the same fold watermark as
// the cache's base: after a fold, the cache drops the versions the fold
// made readable as folded rows, and snapshots taken before the fold was
// recorded fall back to reading the deltas themselves.
//
// Thread safety: thread-safe (a shared mutex: many readers, one writer).

#ifndef LUMBUNG_LEDGER_STORE_LIVE_ROWS_H_
#define LUMBUNG_LEDGER_STORE_LIVE_ROWS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory_resource>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "delta.h"

namespace lumbung::store {

class LiveRows {
 public:
  explicit LiveRows(uint64_t base_fold_seq) : base_(base_fold_seq) {}

  // The receipt values of a group's entries, in seq order from first_seq.
  struct Receipts {
    const std::vector<uint64_t>& values;
    uint64_t first_seq;
  };

  // The rows of a group that ends at `end_seq` (newer than every group
  // added), and its entries' receipt values.
  void Add(uint64_t end_seq, RowBlock rows, Receipts receipts);
  // Adds the rows of the stored delta of the group ending at `end_seq` (at
  // open: groups written and not yet folded). How many rows it holds.
  Result<uint64_t> AddDelta(uint64_t end_seq, std::string_view blob);
  // Undoes Add of the group ending at `end_seq` (its write failed).
  void Remove(uint64_t end_seq);
  // A fold made every group up to `fold_seq` readable as folded rows.
  void Folded(uint64_t fold_seq);

  uint64_t base() const;

  enum class Lookup { kAbsent, kFound, kDeleted };
  // The newest version of `key` with end seq <= `size`, if the cache may
  // answer for a snapshot whose fold watermark is `fold_seq`. nullopt: the
  // cache cannot answer (use the slow path).
  std::optional<Lookup> Get(uint64_t fold_seq, uint64_t size, std::string_view key,
                            std::string* value) const;
  // Calls fn for every key starting with `prefix` whose newest version at
  // `size` exists (value or deletion), in key order. False: cannot answer.
  bool Scan(uint64_t fold_seq, uint64_t size, std::string_view prefix,
            const std::function<void(std::string_view, std::optional<std::string_view>)>& fn) const;
  // Calls fn(seq) for every entry with end seq <= `size` whose receipt
  // value is `value`. False: cannot answer.
  bool FindReceipt(uint64_t fold_seq, uint64_t size, uint64_t value,
                   const std::function<void(uint64_t)>& fn) const;

  // What a fold of the groups ending at `end_seqs` (in order, the oldest
  // unfolded ones) writes, already in key order: the cache's index keeps
  // its keys sorted, so the fold need not read, inflate and sort the
  // deltas again. Views point into the groups' rows, which stay until
  // Folded() passes them (only a failed, hence newer, group is removed).
  struct FoldRows {
    uint64_t end_seq = 0;  // the newest group taken
    size_t groups = 0;     // how many of end_seqs were taken (a prefix)
    // For each key, its newest version in the groups taken (nullopt value:
    // deleted). Projection rows and event id rows alike, in key order.
    std::vector<std::pair<std::string_view, std::optional<std::string_view>>> rows;
    std::vector<std::pair<uint64_t, uint64_t>> receipts;  // (value, seq), sorted
  };
  // Takes groups from the front of `end_seqs` while their rows stay within
  // `rows_max` (at least one group). False: the cache cannot answer (its
  // base is not `fold_seq`, or it lacks one of the groups).
  bool CollectFold(uint64_t fold_seq, const std::vector<uint64_t>& end_seqs, size_t rows_max,
                   FoldRows* out) const;

 private:
  struct Version {
    uint64_t end_seq;
    const RowBlock* block;  // groups_[end_seq]
    size_t index;           // of the row in block
    std::string_view key() const { return block->key(index); }
    std::optional<std::string_view> value() const { return block->value(index); }
  };
  // Erases the versions `drop` selects from every key; a key left with
  // none goes, and a key whose oldest version went is re-pointed at the
  // oldest left (its own copy may be freed next).
  template <typename Drop>
  void EraseVersions(Drop drop);
  const Version* Newest(const std::pmr::vector<Version>& versions, uint64_t size) const;

  mutable std::shared_mutex mu_;
  uint64_t base_;  // guarded by mu_
  // Every unfolded group's rows, by end seq. A block's bytes stay where
  // they are while its group is here.
  std::map<uint64_t, RowBlock> groups_;          // guarded by mu_
  std::pmr::unsynchronized_pool_resource pool_;  // rows_'s nodes; guarded by mu_
  // Keys view rows in groups_: the row of the key's oldest version.
  std::pmr::map<std::string_view, std::pmr::vector<Version>> rows_{&pool_};  // guarded by mu_
  // Per group (by end seq): (receipt value, seq), sorted. Not in rows_:
  // a thousand random keys a group made Add cost twice as much there, and
  // a lookup searches at most the few dozen unfolded groups.
  std::map<uint64_t, std::vector<std::pair<uint64_t, uint64_t>>> receipts_;  // guarded by mu_
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_LIVE_ROWS_H_
