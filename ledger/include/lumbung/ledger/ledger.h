// Ledger: one ledger directory, opened by one process. Appends go through a
// single writer thread (group commit: one RocksDB WriteBatch and one WAL sync
// per group); reads come from RocksDB snapshots on any thread.
//
// Directory layout:
//   DIR/db/                    RocksDB (entries, index, tree, state, checkpoints, meta,
//                              and pii: the vault of sealed personal data)
//   DIR/keys/checkpoint.key    Ed25519 signing key, "PRIVATE+KEY+..." (mode 0600)
//   DIR/keys/pii.key, DIR/keys/pseudonym.key   per-ledger secrets (secrets.h)
//
// An acknowledged append is durable (its WAL record was synced). A batch is
// atomic: all of its events are appended, in order, or none is. A rejected
// event consumes no seq and leaves no trace.
//
// Thread safety: Ledger and LedgerSnapshot are thread-safe.

#ifndef LUMBUNG_LEDGER_LEDGER_H_
#define LUMBUNG_LEDGER_LEDGER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/base/limits.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/event.h"

namespace lumbung {

struct Receipt {
  uint64_t seq = 0;
  std::string event_id;
  audit::Hash leaf_hash{};
  bool replayed = false;  // the event_id was recorded before with this same event
};

struct LedgerOptions {
  bool read_only = false;
  // Sync the WAL once per commit group. Only tests of the queue turn it off.
  bool sync = true;
  size_t queue_requests_max = limits::kWriterQueueRequestsMax;
  size_t group_events_max = limits::kGroupEventsMax;
  size_t group_bytes_max = limits::kGroupBytesMax;
  // Fold group deltas into per-key rows once this many rows or deltas wait
  // (see ledger/store/fold.h). Tests lower them to fold often.
  uint64_t fold_rows_threshold = limits::kFoldRowsThreshold;
  uint64_t fold_deltas_threshold = limits::kFoldDeltasThreshold;
  // The most rows one fold step takes; a longer backlog folds in steps.
  uint64_t fold_step_rows_max = limits::kFoldStepRowsMax;
  // Past this many unfolded rows the writer asks for a fold and holds new
  // groups until one brings them under it, up to fold_wait_ms; then it
  // refuses them as Busy. UINT64_MAX: no bound.
  uint64_t unfolded_rows_max = limits::kUnfoldedRowsMax;
  int64_t fold_wait_ms = limits::kFoldWaitMs;
  // Milliseconds since the epoch; the system clock when empty. The writer
  // never lets recorded_at_ms decrease, whatever the clock does.
  std::function<int64_t()> clock_ms;
};

struct WriterStats {
  uint64_t groups = 0;  // commit groups written
  uint64_t events = 0;  // entries appended
  uint64_t last_group_events = 0;
  uint64_t queue_depth = 0;  // requests waiting now
  uint64_t folds = 0;        // background folds completed
};

// What RocksDB holds and does for the ledger (its own estimates). Memory in
// bytes; the rest of a process's memory is the writer's projection state,
// the live rows and whatever the caller keeps.
struct StorageStats {
  uint64_t memtables = 0;      // all column families, flushing ones included
  uint64_t table_readers = 0;  // index and filter blocks held outside the cache
  uint64_t block_cache = 0;    // in use in the shared block cache
  uint64_t compactions_running = 0;
  uint64_t compactions_pending = 0;  // families whose LSM shape asks for one
};

class LedgerSnapshot;

class Ledger {
 public:
  // Creates a ledger in `dir` (which must not hold one): the database, a new
  // Ed25519 checkpoint key, and entry 0 (LedgerOpened). Returns the verifier
  // key text. `origin` is the ledger's name in checkpoints.
  static Result<std::string> Init(const std::string& dir, std::string_view origin);
  static Result<std::unique_ptr<Ledger>> Open(const std::string& dir, LedgerOptions options = {});
  // Finishes queued appends, then stops the writer.
  ~Ledger();

  using Done = std::function<void(Result<std::vector<Receipt>>)>;
  // Appends `events` as one atomic batch and waits until it is durable or
  // rejected. A rejection names the offending event's index.
  Result<std::vector<Receipt>> Append(std::vector<EventInput> events, std::string actor);
  // Queues the batch and returns at once. `done` runs on the writer thread
  // (or, when the queue is full, at once on this thread with Busy).
  void AppendAsync(std::vector<EventInput> events, std::string actor, Done done);

  // Checks `events` as if appended as one batch, but writes nothing: each
  // event is checked against the state the valid events before it leave
  // (an invalid one is skipped), so every problem of a batch is found in
  // one pass. One status per event, in order.
  Result<std::vector<Status>> Check(std::vector<EventInput> events, std::string actor);

  // After a PersonalDataErased has committed (its writer deleted the
  // person's vault row in the same batch), makes the storage drop the old
  // bytes: flushes every column family so no live WAL still holds the
  // sealed row, compacts the vault to its bottom level, deletes the files
  // that made obsolete. Takes about as long as rewriting the vault (every
  // enrolled person's row, a few hundred bytes each). Safe to call at any
  // time and from any thread, concurrently with appends and reads; a read
  // snapshot older than the erasure keeps the row alive, and the purge then
  // answers Busy (call it again). FailedPrecondition when read-only.
  Status PurgeErasedPersonalData();

  // Entries durable now.
  uint64_t size() const;
  std::unique_ptr<LedgerSnapshot> Snapshot() const;
  WriterStats stats() const;
  StorageStats storage_stats() const;

  const std::string& dir() const;
  const std::string& origin() const;
  const std::string& verifier_key() const;

  struct Impl;

 private:
  explicit Ledger(std::unique_ptr<Impl> impl);
  // Releases the reused view (Snapshot() makes a new one when next asked).
  void DropCachedView() const;
  std::unique_ptr<Impl> impl_;
};

// A consistent read view: every read sees the ledger as of one commit group.
// A snapshot must be destroyed before the Ledger it came from.
class LedgerSnapshot {
 public:
  ~LedgerSnapshot();
  uint64_t size() const { return size_; }

  // Reads and verifies entry `seq`: NotFound past the end, Corruption
  // (naming the seq) if the stored bytes are not a valid entry.
  Status GetEntry(uint64_t seq, audit::VerifiedEntry* out) const;
  // Calls fn(seq, bytes) for each stored entry with seq in [from, from+limit)
  // and seq < size(), in order, stopping at the first non-OK fn result. The
  // bytes are the stored bytes, unverified. Keys that skip a seq are
  // reported as Corruption naming the missing seq.
  Status ScanEntries(uint64_t from, uint64_t limit,
                     const std::function<Status(uint64_t, std::string_view)>& fn) const;
  Result<uint64_t> FindEventId(std::string_view event_id) const;

  // Complete Merkle nodes as of this snapshot.
  audit::NodeSource& tree() const;
  Result<audit::Hash> Root(uint64_t tree_size) const;

  struct Impl;  // opaque outside the ledger library; shared by equal views
  LedgerSnapshot(std::shared_ptr<const Impl> impl, uint64_t size);
  const Impl& impl() const { return *impl_; }

 private:
  std::shared_ptr<const Impl> impl_;
  uint64_t size_;
};

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_LEDGER_H_
