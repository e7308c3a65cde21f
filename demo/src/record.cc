#include "lumbung/demo/record.h"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <vector>

#include "lumbung/base/assert.h"
#include "lumbung/ledger/event.h"

namespace lumbung::demo {
namespace {

// Acknowledgements come back on the writer thread; they are queued here and
// handled on the recording thread, which alone touches the generator.
class Acks {
 public:
  struct Ack {
    uint64_t number;
    Result<std::vector<Receipt>> result;
  };

  Ledger::Done Callback(uint64_t number) {
    return [this, number](Result<std::vector<Receipt>> result) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        queue_.push_back(Ack{number, std::move(result)});
      }
      cv_.notify_one();
    };
  }
  Ack Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return !queue_.empty(); });
    Ack ack = std::move(queue_.front());
    queue_.pop_front();
    return ack;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Ack> queue_;
};

class Recorder {
 public:
  Recorder(Ledger& ledger, const DemoOptions& options, const RecordOptions& record)
      : ledger_(ledger), generator_(options), record_(record) {}

  Result<RecordStats> Run();

 private:
  // Waits for one acknowledgement and hands its seqs to the generator.
  void Absorb();
  void Submit(DemoBatch batch);

  Ledger& ledger_;
  DemoGenerator generator_;
  const RecordOptions& record_;
  Acks acks_;
  // Batches in flight, kept to name the event of a rejection.
  std::map<uint64_t, DemoBatch> in_flight_;
  Status failure_;
  RecordStats stats_;
};

void Recorder::Submit(DemoBatch batch) {
  std::vector<EventInput> inputs;
  inputs.reserve(batch.events.size());
  for (const std::string& line : batch.events) inputs.push_back(DecodeEventJson(line));
  const uint64_t number = batch.number;
  in_flight_.emplace(number, std::move(batch));
  ledger_.AppendAsync(std::move(inputs), record_.actor, acks_.Callback(number));
}

void Recorder::Absorb() {
  LUMBUNG_ASSERT(!in_flight_.empty());
  Acks::Ack ack = acks_.Wait();
  const auto it = in_flight_.find(ack.number);
  LUMBUNG_ASSERT(it != in_flight_.end());
  const DemoBatch batch = std::move(it->second);
  in_flight_.erase(it);
  if (!ack.result.ok()) {
    if (!failure_.ok()) return;  // the first failure is the one to report
    Status st = ack.result.status();
    std::string where = "demo batch " + std::to_string(batch.number) + " (" + batch.label + ")";
    if (st.index() >= 0 && static_cast<size_t>(st.index()) < batch.events.size()) {
      where += ", event: " + batch.events[static_cast<size_t>(st.index())];
    }
    failure_ = std::move(st).Annotate(where);
    return;
  }
  std::vector<uint64_t> seqs;
  seqs.reserve(ack.result->size());
  for (const Receipt& r : *ack.result) seqs.push_back(r.seq);
  generator_.Recorded(ack.number, seqs);
  stats_.events += seqs.size();
  stats_.batches += 1;
  if (!seqs.empty()) stats_.end_seq = std::max(stats_.end_seq, seqs.back() + 1);
  if (record_.progress) {
    record_.progress(DemoProgress{generator_.months_done(), generator_.options().months,
                                  stats_.events, stats_.batches});
  }
}

Result<RecordStats> Recorder::Run() {
  stats_.first_seq = ledger_.size();
  stats_.end_seq = stats_.first_seq;
  const size_t window = std::max<size_t>(1, record_.batches_in_flight);
  for (;;) {
    if (!failure_.ok()) break;
    DemoBatch batch;
    const DemoGenerator::Next next = generator_.NextBatch(&batch);
    if (next == DemoGenerator::Next::kDone) break;
    if (next == DemoGenerator::Next::kNeedReceipts) {
      if (in_flight_.empty()) {
        failure_ = Status::Internal("the demo generator waits for seqs no batch will report");
        break;
      }
      ++stats_.receipt_waits;
      Absorb();
      continue;
    }
    while (in_flight_.size() >= window && failure_.ok()) Absorb();
    if (!failure_.ok()) break;
    Submit(std::move(batch));
  }
  while (!in_flight_.empty()) Absorb();
  if (!failure_.ok()) return failure_;
  return stats_;
}

}  // namespace

Result<RecordStats> RecordDemo(Ledger& ledger, const DemoOptions& options,
                               const RecordOptions& record) {
  LUMBUNG_RETURN_IF_ERROR(ValidateDemoOptions(options));
  // Seqs come from the ledger's receipts, never from assumptions.
  DemoOptions exact = options;
  exact.assume_first_seq.reset();
  Recorder recorder(ledger, exact, record);
  return recorder.Run();
}

Result<RecordStats> CreateDemoLedger(const std::string& dir, const DemoOptions& options,
                                     const RecordOptions& record, std::string_view origin) {
  LUMBUNG_RETURN_IF_ERROR(ValidateDemoOptions(options));
  LUMBUNG_ASSIGN_OR_RETURN(const std::string vkey, Ledger::Init(dir, origin));
  (void)vkey;
  LUMBUNG_ASSIGN_OR_RETURN(auto ledger, Ledger::Open(dir));
  return RecordDemo(*ledger, options, record);
}

}  // namespace lumbung::demo
