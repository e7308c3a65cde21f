// GroupDelta: the derived rows (index entries, projection rows) of one commit
// group, written as a single value in the group's atomic WriteBatch.
//
// Why not one RocksDB key per row: on the 2-core reference machine each
// extra key per event costs ~0.8-2.4 us of memtable insertion inside the
// synced write (measured; see docs/storage.md), which alone put the writer
// under 50 % of the raw baseline. A delta is one key per group; a background
// fold (fold.h) later turns deltas into per-key rows with SST ingestion,
// which inserts nothing into memtables.
//
// Event ids are kept as a list in seq order (the seq is implied); the fold
// turns them into index rows 'e' event_id -> BE64(seq) in the index CF.
// Other rows are projection rows, folded into the state CF under 'r' key.
//
// Thread safety: DeltaBuilder is thread-compatible; the functions are pure.

#ifndef LUMBUNG_LEDGER_STORE_DELTA_H_
#define LUMBUNG_LEDGER_STORE_DELTA_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/status.h"

namespace lumbung::store {

inline constexpr char kIndexRowPrefix = 'e';

class DeltaBuilder {
 public:
  void Put(std::string key, std::string value);
  void Delete(std::string key);
  // The next appended entry's event_id (entries are added in seq order).
  void AddEventId(std::string_view event_id) { ids_.emplace_back(event_id); }
  size_t row_count() const { return rows_.size(); }
  size_t id_count() const { return ids_.size(); }
  const std::vector<std::pair<std::string, std::optional<std::string>>>& rows() const {
    return rows_;
  }
  const std::vector<std::string_view>& ids() const { return ids_; }
  // Drops what was added after the marks (a request was rolled back).
  void Truncate(size_t rows, size_t ids) {
    rows_.resize(rows);
    ids_.resize(ids);
  }
  // The encoded GroupDelta (the builder keeps its rows).
  std::string Finish(uint64_t end_seq) const;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> rows_;
  std::vector<std::string_view> ids_;  // views into requests, alive until Finish
};

struct DeltaRow {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt: deleted
};

// Verifies `blob` as a GroupDelta and calls fn for each projection row in
// order (event ids come from ForEachDeltaEventId). Views point into `blob`
// if it is 8-byte aligned (any heap-allocated std::string is), else into a
// copy that dies when this returns.
Status ForEachDeltaRow(std::string_view blob, uint64_t* end_seq,
                       const std::function<void(const DeltaRow&)>& fn);
// The event ids, with their seqs: fn(event_id, seq). Same view rule.
Status ForEachDeltaEventId(std::string_view blob, uint64_t* end_seq,
                           const std::function<void(std::string_view, uint64_t)>& fn);

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_DELTA_H_
