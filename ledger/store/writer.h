// The writer: validate -> sequence -> hash -> project -> one RocksDB write
// per commit group, in two pipelined stages.
//
// Group commit (LevelDB's BuildBatchGroup, with one owner thread instead of
// a leader election): the apply thread takes the first queued request and
// then whatever else is queued, up to group_events_max events and
// group_bytes_max bytes (a larger single request forms a group of its own;
// requests are never split). Each request is applied in turn against the
// state the earlier ones left; a request that fails is rolled back alone
// (WriteBatch savepoint + domain undo mark) and the rest of the group goes
// on. The group's WriteBatch is then handed to the commit thread, which
// writes it with one synced WAL write. Requests are acknowledged only after
// that write returns.
//
// Pipelining: while the commit thread writes group k, the apply thread
// applies group k+1 on top of k's in-memory state. At most one group is in
// flight:
//
//   apply:  [apply k] [apply k+1]          [apply k+2] ...
//   commit:           [write+sync k] ack k [write+sync k+1] ack k+1
//
// If the write of group k fails (disk full, I/O error), the in-memory state
// is rolled back to k's start, which also undoes k+1; every request of k and
// k+1 that appended (or replayed an event of k or k+1) fails with the I/O
// error, and the writer carries on with the next group.
//
// Thread safety: Submit and stats may be called from any thread. All other
// state belongs to the apply thread, except the in-flight handoff slot,
// which is guarded by commit_mu_.

#ifndef LUMBUNG_LEDGER_STORE_WRITER_H_
#define LUMBUNG_LEDGER_STORE_WRITER_H_

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <rocksdb/write_batch.h>

#include "lumbung/ledger/domain/domain.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/secrets.h"

#include "db.h"
#include "delta.h"
#include "fold.h"
#include "id_map.h"
#include "live_rows.h"
#include "tiles.h"

namespace lumbung::store {

struct WriteRequest {
  std::vector<EventInput> events;
  std::string actor;
  Ledger::Done done;
  size_t bytes = 0;
  // A dry run (Ledger::Check): every event is checked, nothing is kept.
  std::vector<Status>* check_results = nullptr;
};

class Writer : public EntryReader {
 public:
  // Reads the ledger's head from `db` and starts the threads.
  // `live` receives every group's derived rows before its write.
  // `pii_key` (keys/pii.key) seals the personal data given at enrolment.
  static Result<std::unique_ptr<Writer>> Start(Db* db, LiveRows* live, LedgerIdentity identity,
                                               const LedgerOptions& options, const Secret& pii_key);
  // Drains the queue and the pipeline, then joins the threads.
  ~Writer() override;

  // EntryReader: entries of groups not yet acknowledged come from memory.
  Status Read(uint64_t seq, audit::VerifiedEntry* out) override;

  void Submit(std::unique_ptr<WriteRequest> request);
  uint64_t committed_size() const { return committed_size_.load(std::memory_order_acquire); }
  WriterStats stats() const;

 private:
  // An event appended by a group that is not yet acknowledged; lets later
  // events (in this group or the next) see it for idempotency before its
  // index key is readable from RocksDB.
  struct Pending {
    uint64_t seq;
    audit::Hash leaf;
    std::string_view body;    // owned by the request, alive until its ack
    const PersonalData* pii;  // likewise; null when none was given
  };
  struct RequestOutcome {
    Result<std::vector<Receipt>> result = Status::Internal("not applied");
    bool touches_group = false;  // appended, or replayed an unacknowledged event
  };
  // One commit group, applied in memory and ready to be written.
  struct Group {
    std::vector<std::unique_ptr<WriteRequest>> requests;
    std::vector<RequestOutcome> outcomes;
    rocksdb::WriteBatch batch;
    uint64_t start_seq = 0;
    uint64_t end_seq = 0;
    audit::Hash start_leaf{};
    audit::CompactRange start_range;
    Domain::Mark start_domain_mark;
    Domain::Mark end_domain_mark;
    int64_t recorded_ms = 0;
    std::vector<std::string_view> pending_ids;  // keys this group added to pending_
    DeltaBuilder delta;                         // the group's derived rows
    uint64_t delta_rows = 0;
    Status written;  // set by the commit thread
  };

  Writer(Db* db, LiveRows* live, LedgerIdentity identity, const LedgerOptions& options,
         const Secret& pii_key);
  RowBlock LiveRowsOf(Group& group) const;
  Status LoadHead();
  Status LoadState(uint64_t size);
  void ApplyLoop();
  void CommitLoop();
  std::vector<std::unique_ptr<WriteRequest>> NextRequests(bool block);
  std::unique_ptr<Group> Prepare(std::vector<std::unique_ptr<WriteRequest>> requests);
  void FinishBatch(Group& group);
  void StartCommit(std::unique_ptr<Group> group);
  std::unique_ptr<Group> WaitCommitted();
  void Acknowledge(Group& group, const Status& failure);
  void RollbackTo(const Group& group);
  void NoteDurable(const Group& group);
  void PruneFolded();
  // `prior`: for each event, the seq its event_id was recorded at before
  // (LookupEventIds).
  RequestOutcome ApplyRequest(Group& group, const WriteRequest& request,
                              const std::vector<std::optional<uint64_t>>& prior);
  RequestOutcome CheckRequest(Group& group, const WriteRequest& request,
                              const std::vector<std::optional<uint64_t>>& prior);
  // Where a request started in the group, to undo it (batch save point
  // included) if it fails or is a dry run.
  struct RequestMark {
    uint64_t seq;
    audit::Hash leaf;
    Domain::Mark domain;
    size_t rows, ids, leaves, pending;
  };
  RequestMark MarkRequest(Group& group);
  void RollbackRequest(Group& group, const RequestMark& mark);
  Status ApplyEvent(Group& group, const EventInput& event, const std::string& actor,
                    std::optional<uint64_t> prior_seq, std::vector<Receipt>* receipts,
                    bool* touches_group);
  Status Replay(const EventInput& event, uint64_t seq, const Pending* pending,
                std::vector<Receipt>* receipts);
  // Whether `event` is the event stored as `stored`; for an enrolment that
  // gave personal data, also compares that data with the vault's.
  Result<bool> SameAsStored(const EventInput& event, const audit::VerifiedEntry& stored);
  // The personal data side of an event about to be appended, whose entry
  // is in fbb_: an enrolment's data is sealed, its commitment patched into
  // the entry and its vault row added to the batch; an erasure deletes the
  // person's row in the same batch.
  Status CheckPersonalData(const EventInput& event, const fb::EventBody& body);
  void KeepPersonalData(Group& group, const EventInput& event, const fb::EventBody& body);
  Result<std::vector<std::optional<uint64_t>>> LookupEventIds(const WriteRequest& request);
  // Whether the unfolded rows are under options_.unfolded_rows_max, after
  // asking for a fold and waiting up to fold_wait_ms if they were not.
  bool FoldCaughtUp();
  Result<std::optional<uint64_t>> FindRecent(const std::string& event_id);
  // Builds entry `seq` around `body` in fbb_; false if the result does not
  // pass the FlatBuffers Verifier (a malformed body).
  bool BuildEntry(uint64_t seq, int64_t now_ms, const std::string& actor, const std::string& body);

  Db* db_;
  LiveRows* live_;
  size_t last_rows_ = 0, last_row_bytes_ = 0;  // the last group's derived rows (apply thread)
  const LedgerOptions options_;
  std::function<int64_t()> clock_ms_;
  const Secret pii_key_;

  // Request queue, shared with submitting threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WriteRequest>> queue_;  // guarded by mu_
  bool stopping_ = false;                            // guarded by mu_

  // Handoff to the commit thread: at most one group in flight.
  std::mutex commit_mu_;
  std::condition_variable commit_cv_;
  std::unique_ptr<Group> to_commit_;  // guarded by commit_mu_
  std::unique_ptr<Group> committed_;  // guarded by commit_mu_
  bool commit_stop_ = false;          // guarded by commit_mu_
  bool in_flight_ = false;            // apply thread only
  bool needs_resume_ = false;         // commit thread only

  // Apply-thread state: the head as the applied (not yet durable) groups
  // leave it.
  uint64_t next_seq_ = 0;
  audit::Hash last_leaf_{};
  int64_t last_recorded_ms_ = 0;
  audit::CompactRange range_;
  TileAppender tiles_{0};
  Domain domain_;
  std::vector<audit::Hash> group_leaves_;
  // Bytes of entries appended but not acknowledged, from seq unacked_base_.
  std::deque<std::string> unacked_;
  uint64_t unacked_base_ = 0;
  std::unordered_map<std::string_view, Pending> pending_;
  // Ids of durable groups whose deltas are not folded yet: their index rows
  // are only inside deltas, so the writer answers from memory.
  IdMap recent_;
  std::deque<std::pair<uint64_t, uint64_t>> unfolded_;  // (delta end_seq, rows), oldest first
  uint64_t unfolded_rows_ = 0;
  uint64_t pruned_to_seq_ = 0;
  std::atomic<uint64_t> folded_seq_{0};  // set by the fold thread
  std::mutex fold_mu_;                   // with fold_cv_: a fold finished
  std::condition_variable fold_cv_;
  std::unique_ptr<Folder> folder_;
  DeltaCompressor compressor_;  // commit thread only
  flatbuffers::FlatBufferBuilder fbb_{1024};

  std::atomic<uint64_t> committed_size_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> last_group_events_{0};
  std::thread apply_thread_;
  std::thread commit_thread_;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_WRITER_H_
