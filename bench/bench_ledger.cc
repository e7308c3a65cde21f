#include "bench_ledger.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "../ledger/store/db.h"
#include "bench_util.h"

namespace lumbung::bench {

void WindowedAppender::Submit(std::vector<EventInput> batch) {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_flight_ < window_; });
    ++in_flight_;
  }
  ledger_.AppendAsync(std::move(batch), "bench", [this](Result<std::vector<Receipt>> r) {
    if (!r.ok()) {
      std::fprintf(stderr, "bench: a batch was rejected: %s\n", r.status().ToString().c_str());
      std::abort();
    }
    std::lock_guard<std::mutex> lock(mu_);
    --in_flight_;
    cv_.notify_all();
  });
}

void WindowedAppender::Drain() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return in_flight_ == 0; });
}

double AppendWindowed(Ledger& ledger, std::vector<std::vector<EventInput>> batches, size_t window) {
  Stopwatch watch;
  WindowedAppender appender(ledger, window);
  for (auto& batch : batches) appender.Submit(std::move(batch));
  appender.Drain();
  return watch.seconds();
}

RawResult WriteRawEntries(const std::string& dir, const std::vector<std::string>& entries,
                          size_t group, uint64_t first_seq) {
  auto db = store::Db::Open(dir, store::OpenMode::kCreate);
  if (!db.ok()) std::abort();
  rocksdb::WriteOptions wo;
  wo.sync = true;
  RawResult r;
  Stopwatch watch;
  for (size_t i = 0; i < entries.size(); i += group) {
    rocksdb::WriteBatch batch;
    for (size_t j = i; j < std::min(entries.size(), i + group); ++j) {
      batch.Put((*db)->entries(), store::keys::Entry(first_seq + j), entries[j])
          .PermitUncheckedError();
      r.bytes += entries[j].size();
    }
    if (!(*db)->db()->Write(wo, &batch).ok()) std::abort();
  }
  r.seconds = watch.seconds();
  return r;
}

}  // namespace lumbung::bench
