// Recording the demo kelurahan (lumbung/demo/generator.h) into a ledger:
// used by `lumbung demo`, by tests and by benchmarks.
//
// Batches go to the writer through Ledger::AppendAsync with a small window
// in flight, so generating and decoding the next batches overlaps with the
// writer applying and syncing the earlier ones; receipts flow back to the
// generator, which names returned and corrected transfers by their seq.
//
// Thread safety: RecordDemo may run on any thread; `progress` is called on
// that thread.

#ifndef LUMBUNG_DEMO_RECORD_H_
#define LUMBUNG_DEMO_RECORD_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "lumbung/base/result.h"
#include "lumbung/demo/generator.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::demo {

// The demo ledger's name in checkpoints.
inline constexpr std::string_view kDemoOrigin = "lumbung.example/jakarta-timur/duren-sawit";

struct DemoProgress {
  int months_done = 0;
  int months = 0;
  uint64_t events = 0;   // recorded (acknowledged) so far
  uint64_t batches = 0;  // acknowledged so far
};

struct RecordOptions {
  // Batches handed to the writer and not yet acknowledged. A few are enough
  // to keep the writer busy; the writer queue holds far more (limits.h).
  size_t batches_in_flight = 4;
  std::string actor = "lumbung:demo";
  // Called after each acknowledged batch.
  std::function<void(const DemoProgress&)> progress;
};

struct RecordStats {
  uint64_t events = 0;
  uint64_t batches = 0;
  uint64_t first_seq = 0;  // seq of the demo's first event
  uint64_t end_seq = 0;    // one past the last
  // Times the generator waited for receipts before making the next batch.
  uint64_t receipt_waits = 0;
};

// Records the whole demo into `ledger` (normally a new one, holding only its
// LedgerOpened). Events already in the ledger with the same content are
// replays (DESIGN §3.3), so recording the same demo again adds nothing. On a
// rejection, the Status names the batch, the event and its event_id;
// batches recorded before it stay recorded.
Result<RecordStats> RecordDemo(Ledger& ledger, const DemoOptions& options,
                               const RecordOptions& record = {});

// Creates a ledger in `dir` (which must hold none) and records the demo.
Result<RecordStats> CreateDemoLedger(const std::string& dir, const DemoOptions& options,
                                     const RecordOptions& record = {},
                                     std::string_view origin = kDemoOrigin);

}  // namespace lumbung::demo

#endif  // LUMBUNG_DEMO_RECORD_H_
