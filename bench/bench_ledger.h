// What the benchmark programs share about driving a ledger: appending
// batches with a few in flight (as concurrent clients or a streaming import
// would), and the physical baseline of writing the same entry bytes into
// RocksDB alone.

#ifndef LUMBUNG_BENCH_BENCH_LEDGER_H_
#define LUMBUNG_BENCH_BENCH_LEDGER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lumbung/ledger/ledger.h"

namespace lumbung::bench {

// Appends every batch with at most `window` batches in flight and waits for
// the last acknowledgement; returns the seconds taken. A rejected batch is a
// bug in the benchmark: it is printed and the program aborts.
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
