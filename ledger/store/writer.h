// The single writer thread: validate -> sequence -> hash -> project -> one
// RocksDB write per commit group.
//
// Group commit (LevelDB's BuildBatchGroup, with one owner thread instead of a
// leader election): the thread takes the first queued request and then
// whatever else is queued, up to group_events_max events and
// group_bytes_max bytes (a larger single request forms a group of its own;
// requests are never split). Each request is applied in turn against the
// state the earlier ones left; a request that fails is rolled back alone
// (WriteBatch savepoint + domain undo mark) and the rest of the group goes
// on. The group is then written with one synced WriteBatch, and only after
// that write returns are the requests acknowledged.
//
// If the write fails (disk full, I/O error), every request of the group is
// failed, all in-memory state is rolled back to the group's start, and the
// writer goes on serving the next group.

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

#include "../domain/domain.h"
#include "db.h"
#include "lumbung/ledger/ledger.h"
#include "tiles.h"

namespace lumbung::store {

struct WriteRequest {
  std::vector<EventInput> events;
  std::string actor;
  Ledger::Done done;
  size_t bytes = 0;
};

class Writer {
 public:
  // Reads the ledger's head from `db` and starts the thread.
  static Result<std::unique_ptr<Writer>> Start(Db* db, LedgerIdentity identity,
                                               const LedgerOptions& options);
  // Drains the queue, then joins the thread.
  ~Writer();

  void Submit(std::unique_ptr<WriteRequest> request);
  uint64_t committed_size() const { return committed_size_.load(std::memory_order_acquire); }
  WriterStats stats() const;

 private:
  struct Pending {  // an event appended earlier in the current group
    uint64_t seq;
    audit::Hash leaf;
    std::string body;
  };
  struct RequestOutcome {
    Result<std::vector<Receipt>> result = Status::Internal("not applied");
    bool touches_group = false;  // appended, or replayed an event of this group
  };

  Writer(Db* db, LedgerIdentity identity, const LedgerOptions& options);
  Status LoadHead();
  void Run();
  std::vector<std::unique_ptr<WriteRequest>> NextGroup();
  void CommitGroup(std::vector<std::unique_ptr<WriteRequest>>& group);
  Status WriteGroup();
  void RollbackGroup(uint64_t seq, const audit::Hash& leaf, const audit::CompactRange& range,
                     size_t domain_mark);
  RequestOutcome ApplyRequest(const WriteRequest& request, int64_t now_ms);
  Status ApplyEvent(const EventInput& event, const std::string& actor, int64_t now_ms,
                    std::optional<uint64_t> prior_seq, std::vector<Receipt>* receipts,
                    bool* touches_group);
  Status Replay(const EventInput& event, uint64_t seq, const audit::Hash* leaf,
                const std::string* body, std::vector<Receipt>* receipts);
  std::vector<std::optional<uint64_t>> LookupEventIds(const WriteRequest& request);
  void BuildEntry(uint64_t seq, int64_t now_ms, const std::string& actor,
                  const std::string& body);

  Db* db_;
  const LedgerOptions options_;
  std::function<int64_t()> clock_ms_;

  // Queue, shared with submitting threads.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<WriteRequest>> queue_;  // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_

  // Writer-thread state.
  uint64_t next_seq_ = 0;
  audit::Hash last_leaf_{};
  int64_t last_recorded_ms_ = 0;
  audit::CompactRange range_;
  TileAppender tiles_{0};
  Domain domain_;
  rocksdb::WriteBatch batch_;
  std::vector<std::pair<std::string, uint64_t>> index_keys_;  // sorted before the write
  std::vector<audit::Hash> group_leaves_;
  std::unordered_map<std::string, Pending> pending_;
  std::vector<std::string> request_ids_;  // pending_ keys added by the current request
  flatbuffers::FlatBufferBuilder fbb_{1024};
  bool needs_resume_ = false;

  std::atomic<uint64_t> committed_size_{0};
  std::atomic<uint64_t> groups_{0};
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> last_group_events_{0};
  std::thread thread_;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_WRITER_H_
