// The fold: turns group deltas into per-key rows, off the writer's path.
//
// When enough rows sit in unfolded deltas, the fold thread reads them (from
// a snapshot), keeps the newest version of each key, writes the rows as
// sorted SST files and ingests them (no memtable inserts; after a failed
// write, a WriteBatch instead: see StopIngesting), then, in one synced
// WriteBatch, deletes the folded deltas and moves the fold watermark
// ("fold_seq" = end_seq of the last folded delta; both in Db::deltas()).
//
// Crash safety: if the process dies after ingesting but before the batch,
// the deltas are still there and still read first; the rows they hold are
// the same or newer than the ingested ones. Folding them again is harmless.
//
// Readers resolve a key as: the newest unfolded delta holding it, else the
// folded row. Unfolded deltas are bounded by the fold thresholds below.
//
// Thread safety: Folder's public methods may be called from any thread.

#ifndef LUMBUNG_LEDGER_STORE_FOLD_H_
#define LUMBUNG_LEDGER_STORE_FOLD_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "db.h"
#include "delta.h"
#include "live_rows.h"

namespace lumbung::store {

// The fold watermark visible in `snapshot` (0 before any fold).
Result<uint64_t> ReadFoldSeq(const Db& db, const rocksdb::Snapshot* snapshot);

// Calls fn(end_seq, blob) for each delta after the watermark, in order.
Status ForEachUnfoldedDelta(const Db& db, const rocksdb::Snapshot* snapshot,
                            const std::function<Status(uint64_t, std::string_view)>& fn);

class Folder {
 public:
  // `on_folded(seq)` runs on the fold thread after rows of every group with
  // end_seq <= seq are readable as folded rows. `live` (may be null): the
  // writer's cache of the unfolded rows, which the fold takes its rows
  // from when it holds the groups folded (see FoldLive).
  struct Thresholds {
    uint64_t rows;           // fold once this many rows wait
    uint64_t deltas;         // or this many deltas
    uint64_t step_rows_max;  // the most rows one step takes (>= 1)
  };
  Folder(Db* db, const LiveRows* live, Thresholds thresholds,
         std::function<void(uint64_t)> on_folded);
  ~Folder();

  // The writer reports what waits to be folded after each durable group.
  void Note(uint64_t unfolded_rows, uint64_t unfolded_deltas);
  // Asks for a fold of whatever waits, thresholds or not.
  void Want();
  // Folds everything waiting now, on the calling thread (tests, shutdown),
  // in steps of at most step_rows_max rows (and 256 MiB of deltas).
  Status FoldNow();
  // Called by the writer when one of its writes failed, before it calls
  // DB::Resume(): from then on, folds write their rows with a WriteBatch
  // instead of ingesting SST files. RocksDB 7.8 does not clear its "stopped"
  // flag when Resume recovers (ErrorHandler::ClearBGError; fixed upstream
  // in 8.9), and IngestExternalFile then goes on without reserving file
  // numbers: an assertion failure, or table files numbered from 0. Waits
  // for an ingestion in progress, so that none runs after the Resume.
  void StopIngesting();
  uint64_t folds() const { return folds_.load(); }

  // Rows for one family, in key order: `each` calls its argument once per
  // row (value nullopt: a deletion). Made on the fly from the deltas, so a
  // fold holds no second copy of its rows.
  struct SortedRows {
    size_t count = 0;
    using RowFn = std::function<Status(std::string_view key, std::optional<std::string_view>)>;
    std::function<Status(const RowFn&)> each;
  };

 private:
  void Run();
  // One step: the oldest deltas within the step's bounds. Whether more wait.
  Result<bool> FoldOnce();
  // The step from the live rows; nullopt if they cannot answer for it.
  Result<std::optional<bool>> FoldLive();
  Status Finish(const std::vector<uint64_t>& folded, const SortedRows& index_rows,
                const SortedRows& state_rows);
  Status FlushIfNotEmpty(rocksdb::ColumnFamilyHandle* cf);
  Status IngestRows(rocksdb::ColumnFamilyHandle* cf, const std::string& file,
                    const SortedRows& rows);

  Db* db_;
  const LiveRows* live_;
  const uint64_t rows_threshold_;
  const uint64_t deltas_threshold_;
  const uint64_t step_rows_max_;
  std::function<void(uint64_t)> on_folded_;
  std::mutex run_mu_;     // one fold at a time
  std::mutex ingest_mu_;  // held while ingesting
  bool ingest_ = true;    // guarded by ingest_mu_
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;  // guarded by mu_
  bool stop_ = false;    // guarded by mu_
  std::atomic<uint64_t> folds_{0};
  std::thread thread_;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_FOLD_H_
