// Entries in runs: consecutive entries of one commit group stored as one
// RocksDB value, keyed by the seq of the run's last entry.
//
// Why: a verify, an export and a rebuild walk every entry, and RocksDB's
// iterator costs ~270 ns a key on the reference machine whatever the value
// holds (bench/verify_bench, 1M entries of ~320 bytes), about as much as
// hashing the entry. Sixteen entries a key bring that to ~100 ns an entry,
// and ingest writes one memtable key in sixteen (DESIGN §4: every key per
// event costs about a microsecond).
//
// Value layout:
//   one entry:        the entry bytes, bare (as ledgers of format 1 store
//                     every entry)
//   2..16 entries:    kRunMagic (4 bytes) | count (u32 LE) |
//                     count x (size (u32 LE) | entry bytes)
// A run's entries have seqs key - count + 1 .. key. The magic read as a
// FlatBuffer's root offset (u32 LE) points past any entry (kEntryBytesMax),
// so no bare entry begins with it.
//
// Invariants (asserted by the writer): a run never spans two commit groups,
// so a snapshot sees whole runs; runs cover 0..size-1 without overlap.

#ifndef LUMBUNG_LEDGER_STORE_ENTRY_RUNS_H_
#define LUMBUNG_LEDGER_STORE_ENTRY_RUNS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include "lumbung/base/status.h"

#include "db.h"

namespace lumbung::store {

inline constexpr std::string_view kRunMagic = "\xffRUN";
inline constexpr size_t kRunEntriesMax = 16;
// A run closes once it holds this many bytes, so that reading one entry
// never reads much more than a block.
inline constexpr size_t kRunBytesMax = 12 * 1024;

// The entries of one stored value, in seq order.
class RunReader {
 public:
  // Corruption (naming `key_seq`) if the value is a damaged run. A bare
  // value is one entry and is not looked into here.
  Status Open(uint64_t key_seq, std::string_view value);
  uint64_t first_seq() const { return key_seq_ + 1 - count_; }
  uint64_t last_seq() const { return key_seq_; }
  uint32_t count() const { return count_; }
  // The next entry; false after the last.
  bool Next(uint64_t* seq, std::string_view* bytes);

 private:
  uint64_t key_seq_ = 0;
  uint32_t count_ = 0;
  uint32_t read_ = 0;
  bool bare_ = false;
  std::string_view rest_;
};

// Appends the stored value of `count` entries (each from `entry(i)`) to *out.
template <typename EntryAt>
void EncodeRun(size_t count, const EntryAt& entry, std::string* out);

// Puts entries first_seq .. first_seq + count - 1 into `batch` as runs.
template <typename EntryAt>
void PutEntryRuns(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, uint64_t first_seq,
                  size_t count, const EntryAt& entry);

// Reads entry `seq` into *bytes: NotFound if no run holds it, Corruption if
// the run holding it is damaged.
Status ReadStoredEntry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                       const rocksdb::ReadOptions& options, uint64_t seq, std::string* bytes);

// --- implementation of the templates ---

void AppendRunHeader(size_t count, std::string* out);
void AppendRunEntry(std::string_view bytes, std::string* out);

template <typename EntryAt>
void EncodeRun(size_t count, const EntryAt& entry, std::string* out) {
  if (count == 1) {
    const std::string_view bytes = entry(0);
    out->append(bytes.data(), bytes.size());
    return;
  }
  AppendRunHeader(count, out);
  for (size_t i = 0; i < count; ++i) AppendRunEntry(entry(i), out);
}

template <typename EntryAt>
void PutEntryRuns(rocksdb::WriteBatch* batch, rocksdb::ColumnFamilyHandle* cf, uint64_t first_seq,
                  size_t count, const EntryAt& entry) {
  std::string value;
  size_t start = 0;
  while (start < count) {
    size_t end = start, bytes = 0;
    while (end < count && end - start < kRunEntriesMax && bytes < kRunBytesMax) {
      bytes += entry(end).size();
      ++end;
    }
    value.clear();
    EncodeRun(
        end - start, [&](size_t i) { return entry(start + i); }, &value);
    batch->Put(cf, keys::Entry(first_seq + end - 1), value).PermitUncheckedError();
    start = end;
  }
}

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_ENTRY_RUNS_H_
