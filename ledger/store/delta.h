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
// Receipt values likewise, one per entry, folded into the receipt index
// rows 'c' BE64(value) BE64(seq) (receipt_index.h). Both were per-entry
// keys in the synced write before; the receipt rows' random keys alone cost
// the commit thread 2.6 ms of skiplist insertion per group of 1,000.
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

#include "lumbung/base/result.h"
#include "lumbung/base/status.h"

struct ZSTD_CCtx_s;

namespace lumbung::store {

inline constexpr char kIndexRowPrefix = 'e';
inline constexpr char kReceiptRowPrefix = 'c';  // receipt_index.h

// The derived rows of one group, keys and values side by side in one
// buffer. A group's rows are made together, kept while the group is
// unfolded (LiveRows) and freed together; as one string per key and value
// they were ~8,000 small blocks a group, freed a fold later between the
// projection's long-lived records, which left the allocator holding some
// 200 MB of partly used pages at 10M demo entries (bench/scale prints
// "mapped but free").
//
// Thread safety: thread-compatible.
class RowBlock {
 public:
  void Put(std::string_view key, std::string_view value) { Append(key, value, true); }
  void Delete(std::string_view key) { Append(key, {}, false); }
  size_t size() const { return refs_.size(); }
  std::string_view key(size_t i) const {
    return {bytes_.data() + refs_[i].key_offset, refs_[i].key_size};
  }
  // nullopt: the row is deleted.
  std::optional<std::string_view> value(size_t i) const {
    if (refs_[i].value_size < 0) return std::nullopt;
    return std::string_view(bytes_.data() + refs_[i].key_offset + refs_[i].key_size,
                            static_cast<size_t>(refs_[i].value_size));
  }
  // Drops the rows after the first `n`.
  void Truncate(size_t n);
  void Reserve(size_t rows, size_t bytes) {
    refs_.reserve(rows);
    bytes_.reserve(bytes);
  }
  size_t bytes() const { return bytes_.size(); }

 private:
  struct Ref {
    uint32_t key_offset;
    uint32_t key_size;
    int32_t value_size;  // the value follows the key; < 0: deleted
  };
  void Append(std::string_view key, std::string_view value, bool present);
  // A vector, not a string: moving it never moves its bytes (a short
  // string's would), so views into a held block stay valid.
  std::vector<char> bytes_;
  std::vector<Ref> refs_;
};

class DeltaBuilder {
 public:
  void Put(std::string_view key, std::string_view value) { rows_.Put(key, value); }
  void Delete(std::string_view key) { rows_.Delete(key); }
  void Reserve(size_t rows, size_t bytes) { rows_.Reserve(rows, bytes); }
  // The next appended entry's event_id and receipt value (entries are
  // added in seq order).
  void AddEntry(std::string_view event_id, uint64_t receipt_value) {
    ids_.emplace_back(event_id);
    receipts_.push_back(receipt_value);
  }
  size_t row_count() const { return rows_.size(); }
  size_t id_count() const { return ids_.size(); }
  const RowBlock& rows() const { return rows_; }
  const std::vector<std::string_view>& ids() const { return ids_; }
  const std::vector<uint64_t>& receipts() const { return receipts_; }
  // Drops what was added after the marks (a request was rolled back).
  void Truncate(size_t rows, size_t ids) {
    rows_.Truncate(rows);
    ids_.resize(ids);
    receipts_.resize(ids);
  }
  // The encoded GroupDelta (the builder keeps its rows).
  std::string Finish(uint64_t end_seq) const;
  // Moves the rows out (after Finish; the builder is done with them).
  RowBlock TakeRows() { return std::move(rows_); }

 private:
  RowBlock rows_;
  std::vector<std::string_view> ids_;  // views into requests, alive until Finish
  std::vector<uint64_t> receipts_;     // one per id
};

// Deltas are stored compressed with zstd at level 1: the ~500 KB of rows of
// a group of 1,000 disbursements become ~60 KB, so the synced write, the
// WAL's CRC (the portable RocksDB's software CRC32C, ~2 ns a byte, on the
// commit thread), the memtable flush and the fold's read all handle an
// eighth of the bytes, for ~0.6 ms of compression per group.
//
// Thread safety: thread-compatible (one per thread).
class DeltaCompressor {
 public:
  DeltaCompressor();
  ~DeltaCompressor();
  DeltaCompressor(const DeltaCompressor&) = delete;
  DeltaCompressor& operator=(const DeltaCompressor&) = delete;
  // The stored form of an encoded GroupDelta.
  std::string Compress(std::string_view delta);

 private:
  ZSTD_CCtx_s* ctx_;
};

// The encoded GroupDelta of a stored delta: `stored` itself if it was
// written uncompressed (by an older version), else its decompressed bytes,
// held in `buffer`. Corruption if the compressed form is damaged or claims
// more than limits::kGroupDeltaBytesMax.
Result<std::string_view> InflateDelta(std::string_view stored, std::string* buffer);

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
struct DeltaEntry {
  std::string_view event_id;
  uint64_t seq;
  // nullopt in a delta written before receipts moved into deltas.
  std::optional<uint64_t> receipt_value;
};
// The entries the group appended, in seq order. Same view rule.
Status ForEachDeltaEntry(std::string_view blob, uint64_t* end_seq,
                         const std::function<void(const DeltaEntry&)>& fn);

// Whether a derived row's key belongs to the index family (event_id and
// receipt rows) rather than to the projection rows of the state family.
// Projection row keys start with an upper-case kind letter.
inline bool IsIndexRowKey(std::string_view key) {
  return !key.empty() && (key[0] == kIndexRowPrefix || key[0] == kReceiptRowPrefix);
}

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_DELTA_H_
