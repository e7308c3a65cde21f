#include "bench_ledger.h"

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "../ledger/store/db.h"
#include "bench_util.h"

namespace lumbung::bench {

double AppendWindowed(Ledger& ledger, std::vector<std::vector<EventInput>> batches, size_t window) {
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  Stopwatch watch;
  for (auto& batch : batches) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < window; });
      ++in_flight;
    }
    ledger.AppendAsync(std::move(batch), "bench", [&](Result<std::vector<Receipt>> r) {
      if (!r.ok()) {
        std::fprintf(stderr, "bench: a batch was rejected: %s\n", r.status().ToString().c_str());
        std::abort();
      }
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      cv.notify_all();
    });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
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
