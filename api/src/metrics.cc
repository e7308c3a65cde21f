#include "lumbung/api/metrics.h"

#include <sstream>

namespace lumbung::api {

void Metrics::RecordRequest(const std::string& route, unsigned status, uint64_t latency_us) {
  std::lock_guard<std::mutex> lock(mu_);
  RouteStats& r = routes_[route];
  ++r.by_status[status];
  ++r.count;
  r.sum_us += latency_us;
  for (size_t i = 0; i < kBucketsUs.size(); ++i) {
    if (latency_us <= kBucketsUs[i]) {
      ++r.buckets[i];
      break;
    }
  }
}

namespace {

void Gauge(std::ostringstream& out, const char* name, const char* help, int64_t value) {
  out << "# HELP " << name << ' ' << help << "\n# TYPE " << name << " gauge\n"
      << name << ' ' << value << '\n';
}

}  // namespace

std::string Metrics::Render(const Gauges& g) {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  out << "# HELP lumbung_http_requests_total HTTP requests by route and status.\n"
      << "# TYPE lumbung_http_requests_total counter\n";
  for (const auto& [route, r] : routes_) {
    for (const auto& [status, n] : r.by_status) {
      out << "lumbung_http_requests_total{route=\"" << route << "\",status=\"" << status << "\"} "
          << n << '\n';
    }
  }
  out << "# HELP lumbung_http_request_duration_seconds Request latency by route.\n"
      << "# TYPE lumbung_http_request_duration_seconds histogram\n";
  for (const auto& [route, r] : routes_) {
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBucketsUs.size(); ++i) {
      cumulative += r.buckets[i];
      out << "lumbung_http_request_duration_seconds_bucket{route=\"" << route << "\",le=\"";
      if (kBucketsUs[i] == UINT64_MAX) {
        out << "+Inf";
      } else {
        // Seconds as an exact decimal of the microsecond bound.
        out << kBucketsUs[i] / 1000000 << '.'
            << std::to_string(1000000 + kBucketsUs[i] % 1000000).substr(1);
      }
      out << "\"} " << cumulative << '\n';
    }
    out << "lumbung_http_request_duration_seconds_sum{route=\"" << route << "\"} "
        << r.sum_us / 1000000 << '.' << std::to_string(1000000 + r.sum_us % 1000000).substr(1)
        << '\n'
        << "lumbung_http_request_duration_seconds_count{route=\"" << route << "\"} " << r.count
        << '\n';
  }
  out << "# HELP lumbung_http_connections_refused_total Connections refused at the limit.\n"
      << "# TYPE lumbung_http_connections_refused_total counter\n"
      << "lumbung_http_connections_refused_total " << refused_.load() << '\n'
      << "# HELP lumbung_http_timeouts_total Requests that timed out.\n"
      << "# TYPE lumbung_http_timeouts_total counter\n"
      << "lumbung_http_timeouts_total " << timeouts_.load() << '\n';
  Gauge(out, "lumbung_writer_queue_depth", "Requests waiting for the writer.",
        static_cast<int64_t>(g.writer_queue_depth));
  Gauge(out, "lumbung_commit_groups_total", "Commit groups written since start.",
        static_cast<int64_t>(g.commit_groups));
  Gauge(out, "lumbung_last_commit_group_events", "Events in the last commit group.",
        static_cast<int64_t>(g.last_group_events));
  Gauge(out, "lumbung_entries", "Entries in the log.", static_cast<int64_t>(g.entries));
  Gauge(out, "lumbung_folds_total", "Background folds completed since start.",
        static_cast<int64_t>(g.folds));
  Gauge(out, "lumbung_last_checkpoint_size", "Tree size of the latest signed checkpoint.",
        static_cast<int64_t>(g.last_checkpoint_size));
  Gauge(out, "lumbung_last_checkpoint_age_seconds",
        "Seconds since the latest checkpoint was signed (-1: none).",
        g.last_checkpoint_age_seconds);
  Gauge(out, "lumbung_http_open_connections", "Open HTTP connections.",
        static_cast<int64_t>(g.open_connections));
  // The ledger's RocksDB: what it holds in memory besides the projection
  // state, and whether compactions (the cost that grows with size) lag.
  Gauge(out, "lumbung_storage_memtable_bytes", "RocksDB memtables, all column families.",
        static_cast<int64_t>(g.storage.memtables));
  Gauge(out, "lumbung_storage_table_reader_bytes",
        "RocksDB index and filter blocks held outside the block cache.",
        static_cast<int64_t>(g.storage.table_readers));
  Gauge(out, "lumbung_storage_block_cache_bytes", "RocksDB block cache in use.",
        static_cast<int64_t>(g.storage.block_cache));
  Gauge(out, "lumbung_storage_compactions_running", "RocksDB compactions running.",
        static_cast<int64_t>(g.storage.compactions_running));
  Gauge(out, "lumbung_storage_compactions_pending",
        "Column families whose shape asks for a compaction.",
        static_cast<int64_t>(g.storage.compactions_pending));
  return out.str();
}

}  // namespace lumbung::api
