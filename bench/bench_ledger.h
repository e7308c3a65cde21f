// What the benchmark programs share about driving a ledger: appending
// batches with a few in flight (as concurrent clients or a streaming import
// would), and the physical baseline of writing the same entry bytes into
// RocksDB alone.

#ifndef LUMBUNG_BENCH_BENCH_LEDGER_H_
#define LUMBUNG_BENCH_BENCH_LEDGER_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "lumbung/ledger/ledger.h"

namespace lumbung::bench {

// Keeps at most `window` batches in flight on one ledger, as concurrent
// clients or a streaming import would. A rejected batch is a bug in the
// benchmark: it is printed and the program aborts.
class WindowedAppender {
 public:
  WindowedAppender(Ledger& ledger, size_t window) : ledger_(ledger), window_(window) {}
  ~WindowedAppender() { Drain(); }
  // Waits for a free slot, then queues the batch.
  void Submit(std::vector<EventInput> batch);
  // Waits until every submitted batch is acknowledged.
  void Drain();

 private:
  Ledger& ledger_;
  const size_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  size_t in_flight_ = 0;
};

// Appends every batch through a WindowedAppender and waits for the last
// acknowledgement; returns the seconds taken.
double AppendWindowed(Ledger& ledger, std::vector<std::vector<EventInput>> batches,
                      size_t window = 4);

struct RawResult {
  double seconds = 0;
  uint64_t bytes = 0;
};

// Writes `entries` into a new RocksDB database in `dir` (the ledger's own
// options and column families), `group` per WriteBatch with the WAL synced
// once per batch, under keys from `first_seq` on.
RawResult WriteRawEntries(const std::string& dir, const std::vector<std::string>& entries,
                          size_t group, uint64_t first_seq);

}  // namespace lumbung::bench

#endif  // LUMBUNG_BENCH_BENCH_LEDGER_H_
