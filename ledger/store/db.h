// The RocksDB database behind a ledger: column families, options, and the
// key layout of every column family.
//
//   CF           key                                   value
//   entries      BE64(seq of a run's last entry)       up to 16 entries of one commit group
//                                                      (the hashed bytes; entry_runs.h)
//   index        'e' event_id                          BE64(seq)
//                'c' BE64(receipt value) BE64(seq)     "" (receipt_index.h)
//   tree         level(1) BE64(tile index)             hashes of the tile's complete nodes,
//                                                      in completion order (merge-appended)
//   state        'r' row key                           folded row value (written only by
//                                                      the fold's ingested files)
//   checkpoints  BE64(tree size)                       signed note text
//   meta         "format", "origin", "verifier_key",   values
//                "size" (BE64), "receipt_index" ("1": built)
//                'd' BE64(last seq of group)           StateDelta: rows a commit group changed
//                "fold_seq"                            BE64 (ledgers of format 1 and 2 kept
//                                                      these two in `state`; see deltas())
//   pii          program_id 0x00 beneficiary_id        sealed personal data (pii_vault.h);
//                                                      added to older ledgers by their
//                                                      first writable open
//
// Thread safety: the handles are safe for concurrent use (RocksDB is).

#ifndef LUMBUNG_LEDGER_STORE_DB_H_
#define LUMBUNG_LEDGER_STORE_DB_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <rocksdb/db.h>

#include "lumbung/base/result.h"
#include "lumbung/base/status.h"

namespace lumbung::store {

// 3: group deltas and the fold watermark in `meta`, so that nothing but
// the fold's ingested files ever reaches `state` and `index` (fold.h).
// 2: the same in `state`; entries in runs (entry_runs.h). 1: one entry per
// key, which later formats read as runs of one. Opening a ledger of format
// 1 or 2 to write moves its deltas and relabels it (MoveDeltasToMeta).
inline constexpr std::string_view kFormatVersion = "3";
inline constexpr std::string_view kFormatVersionDeltasInState = "2";
inline constexpr std::string_view kFormatVersionOneEntryPerKey = "1";
// Whether a ledger of `format` keeps its group deltas in `state`: every
// older format this version reads.
constexpr bool DeltasInState(std::string_view format) {
  return format == kFormatVersionDeltasInState || format == kFormatVersionOneEntryPerKey;
}

enum class OpenMode { kCreate, kWrite, kReadOnly };

class Db {
 public:
  // Opens (or, with kCreate, creates; FailedPrecondition if one exists) the
  // database under `path`. A second writer on the same folder is refused
  // with FailedPrecondition naming the folder.
  static Result<std::unique_ptr<Db>> Open(const std::string& path, OpenMode mode);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* entries() const { return cfs_[1]; }
  rocksdb::ColumnFamilyHandle* index() const { return cfs_[2]; }
  rocksdb::ColumnFamilyHandle* tree() const { return cfs_[3]; }
  rocksdb::ColumnFamilyHandle* state() const { return cfs_[4]; }
  rocksdb::ColumnFamilyHandle* checkpoints() const { return cfs_[5]; }
  rocksdb::ColumnFamilyHandle* meta() const { return cfs_[6]; }
  // Null only in a read-only open of a ledger made before the vault existed.
  rocksdb::ColumnFamilyHandle* pii() const { return cfs_[7]; }
  // Where the group deltas and the fold watermark are: `meta`, or `state`
  // in a ledger of format 1 or 2 not yet opened to write.
  rocksdb::ColumnFamilyHandle* deltas() const { return deltas_in_state_ ? state() : meta(); }
  // Moves the deltas and the fold watermark from `state` to `meta` and
  // labels the ledger format 3, in one synced batch; then flushes `state`,
  // so that its memtable holds nothing older than the fold's next file.
  Status MoveDeltasToMeta();
  // Rows in `cf`'s active and immutable memtables; nullopt if RocksDB
  // does not say.
  std::optional<uint64_t> MemtableEntries(rocksdb::ColumnFamilyHandle* cf) const;
  // Every column family that is open, RocksDB's default one included.
  std::vector<rocksdb::ColumnFamilyHandle*> families() const;
  bool read_only() const { return read_only_; }
  const std::string& path() const { return path_; }

  // Keeps a memtable non-empty, so that DB::Resume() after a failed write
  // can move on to a new WAL. Resume (RocksDB 7.8) switches the WAL only
  // while flushing a non-empty memtable; when every memtable is empty (the
  // failed write came first after a flush: right after opening, after an
  // earlier Resume, after a flush of every column family), it keeps the WAL
  // file whose write failed, and every later write to it fails (and
  // asserts, in builds with assertions) until the database is reopened.
  // Adds a WAL-less tombstone to RocksDB's default column family, which
  // holds nothing, when its memtable is empty. The writer calls it before
  // each commit group's write.
  void KeepWalSwitchable();
  // Whether RocksDB reported a background error (a failed write, flush or
  // MANIFEST update, from any thread) since the last call. After one it
  // refuses every write until DB::Resume() succeeds.
  bool TakeStopped() { return stopped_->exchange(false, std::memory_order_acq_rel); }

  // Reads a meta value; NotFound if absent.
  Result<std::string> GetMeta(std::string_view key, const rocksdb::Snapshot* snap = nullptr) const;

 private:
  Db() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> cfs_;  // [0] is RocksDB's default CF
  // Set by the error listener (RocksDB's threads), taken by the writer;
  // shared because the listener may outlive the Db inside RocksDB.
  const std::shared_ptr<std::atomic<bool>> stopped_ = std::make_shared<std::atomic<bool>>(false);
  bool read_only_ = false;
  bool deltas_in_state_ = false;  // format 1 or 2
  std::string path_;
};

// Maps a RocksDB status to ours, prefixing `context`.
Status FromRocks(const rocksdb::Status& s, std::string_view context);

namespace keys {
std::string Entry(uint64_t seq);
std::string EventId(std::string_view event_id);
std::string StateDelta(uint64_t last_seq);
std::string StateRow(std::string_view row_key);
std::string Checkpoint(uint64_t size);
inline constexpr std::string_view kFoldSeq = "fold_seq";
// A key format 2 wrote to `state` and never read; dropped by the upgrade.
inline constexpr std::string_view kAppliedSeqOfFormat2 = "applied_seq";
inline constexpr std::string_view kMetaFormat = "format";
inline constexpr std::string_view kMetaOrigin = "origin";
inline constexpr std::string_view kMetaVerifierKey = "verifier_key";
inline constexpr std::string_view kMetaSize = "size";
}  // namespace keys

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_DB_H_
