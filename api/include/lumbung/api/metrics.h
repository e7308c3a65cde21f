// Server metrics in the Prometheus text exposition format (version 0.0.4):
// requests by route and status, request latency histograms by route, and
// ledger gauges sampled at scrape time (writer queue depth, commit groups,
// entries, last checkpoint size and age). Emitted directly: the format is a
// few lines of text, and prometheus-cpp is not packaged for Debian 12.
//
// Thread safety: thread-safe.

#ifndef LUMBUNG_API_METRICS_H_
#define LUMBUNG_API_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "lumbung/ledger/ledger.h"

namespace lumbung::api {

class Metrics {
 public:
  // Latency bucket upper bounds, in microseconds (last is +Inf).
  static constexpr std::array<uint64_t, 12> kBucketsUs = {
      100, 250, 500, 1000, 2500, 5000, 10000, 25000, 100000, 250000, 1000000, UINT64_MAX};

  void RecordRequest(const std::string& route, unsigned status, uint64_t latency_us);
  void RecordConnectionRefused() { refused_.fetch_add(1); }
  void RecordTimeout() { timeouts_.fetch_add(1); }

  struct Gauges {
    uint64_t writer_queue_depth = 0;
    uint64_t commit_groups = 0;
    uint64_t last_group_events = 0;
    uint64_t entries = 0;
    uint64_t folds = 0;
    uint64_t last_checkpoint_size = 0;
    int64_t last_checkpoint_age_seconds = -1;  // -1: no checkpoint yet
    uint64_t open_connections = 0;
    StorageStats storage;  // RocksDB's memory and compactions
  };
  std::string Render(const Gauges& gauges);

 private:
  struct RouteStats {
    std::map<unsigned, uint64_t> by_status;
    std::array<uint64_t, kBucketsUs.size()> buckets{};
    uint64_t count = 0;
    uint64_t sum_us = 0;
  };
  std::mutex mu_;
  std::map<std::string, RouteStats> routes_;  // guarded by mu_
  std::atomic<uint64_t> refused_{0};
  std::atomic<uint64_t> timeouts_{0};
};

}  // namespace lumbung::api

#endif  // LUMBUNG_API_METRICS_H_
