// scale_bench: one ledger filled with the demo workload to 1M, 3M and 10M
// events (DESIGN §9), measured at each size: ingest rate of the stretch
// since the previous size, peak and current RSS, bytes on disk per event,
// `rebuild` (replay through the rules + both digests), `verify` (chain,
// Merkle tree, shapes), `balance` latency and inclusion-proof latency. The
// last table shows how the per-event costs grow from the first size to the
// last: flat is the goal (targets: RSS < 1 GiB at 10M; ingest and verify
// cost per event at 10M within 20% of 1M).
//
// Events are generated, decoded and recorded as a stream (commit groups of
// --group events, four in flight), so the benchmark's own memory does not
// grow with the ledger: RSS is the ledger's (projection state, RocksDB
// memtables and caches) plus a bounded generator.
//
// Usage: scale_bench [--sizes 1000000,3000000,10000000] [--group 1000]
//                    [--queries 20000] [--csv FILE]
// $LUMBUNG_BENCH_DIR chooses the disk (default: the system temp folder).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "lumbung/audit/merkle.h"
#include "lumbung/demo/generator.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/verify.h"

#include "bench_ledger.h"
#include "bench_util.h"

using namespace lumbung;

namespace {

void Check(const Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "scale_bench: %s: %s\n", what, status.ToString().c_str());
  std::exit(1);
}

std::vector<uint64_t> ParseSizes(int argc, char** argv) {
  const char* given = bench::Flag(argc, argv, "--sizes");
  std::string text = given != nullptr ? given : "1000000,3000000,10000000";
  std::vector<uint64_t> sizes;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) sizes.push_back(std::stoull(item));
  std::sort(sizes.begin(), sizes.end());
  return sizes;
}

std::string CsvPath(int argc, char** argv) {
  const char* path = bench::Flag(argc, argv, "--csv");
  return path != nullptr ? path : "";
}

// Feeds demo events into the ledger until it holds a given number of
// entries. The generator is sized so that the largest size is reached
// within its year: ~5.7 events per household per year, so households =
// largest / 5.5 leaves a margin.
class Feeder {
 public:
  Feeder(Ledger& ledger, uint64_t largest_size, size_t group)
      : appender_(ledger, 4), generator_(Options(largest_size)), group_(group) {}

  // Appends events until the ledger's size is `target` (entry 0 included).
  void FillTo(uint64_t target) {
    while (next_seq_ < target) {
      if (cursor_ == lines_.size()) Refill();
      const uint64_t room = std::min<uint64_t>(group_, target - next_seq_);
      std::vector<EventInput> batch;
      while (batch.size() < room && cursor_ < lines_.size()) {
        batch.push_back(DecodeEventJson(lines_[cursor_++]));
        Check(batch.back().decode_error, "decoding a demo event");
      }
      next_seq_ += batch.size();
      appender_.Submit(std::move(batch));
    }
    appender_.Drain();
  }

 private:
  static demo::DemoOptions Options(uint64_t largest_size) {
    demo::DemoOptions o;
    o.households = static_cast<int64_t>(largest_size / 5 + 3000);
    o.groups = 12;
    o.months = 12;
    o.assume_first_seq = 1;
    return o;
  }
  void Refill() {
    demo::DemoBatch batch;
    if (generator_.NextBatch(&batch) != demo::DemoGenerator::Next::kBatch) {
      std::fprintf(stderr, "scale_bench: the demo ran out of events at %llu\n",
                   static_cast<unsigned long long>(next_seq_));
      std::exit(1);
    }
    lines_ = std::move(batch.events);
    cursor_ = 0;
  }

  bench::WindowedAppender appender_;
  demo::DemoGenerator generator_;
  size_t group_;
  std::vector<std::string> lines_;
  size_t cursor_ = 0;
  uint64_t next_seq_ = 1;  // entry 0 is LedgerOpened
};

struct Row {
  uint64_t size = 0;
  double ingest_eps = 0;  // of the stretch since the previous size
  double rss_mb = 0, peak_rss_mb = 0;
  double disk_bytes_per_event = 0;
  double rebuild_s = 0, verify_s = 0;
  bench::Latency balance, proof;
};

double RebuildSeconds(const LedgerSnapshot& snap) {
  auto report = RebuildAndCompare(snap);
  Check(report.status(), "rebuild");
  if (!report->equal()) Check(Status::Corruption("digests differ"), "rebuild");
  return report->total_seconds;
}

double VerifySeconds(const LedgerSnapshot& snap) {
  bench::Stopwatch watch;
  auto report = VerifyLedger(snap, {});
  Check(report.status(), "verify");
  if (!report->ok()) Check(report->problems.front(), "verify");
  return watch.seconds();
}

// CPU of the stretch just ingested, per event, by thread: where a growing
// per-event cost goes (rules, commit, fold, RocksDB's compactions, the
// generator).
void PrintThreadCpu(const std::map<std::string, double>& before, uint64_t events) {
  std::printf("  ingest CPU by thread (us/event):");
  for (const auto& [name, seconds] : bench::ThreadCpuSeconds()) {
    const auto was = before.find(name);
    const double us =
        (seconds - (was == before.end() ? 0 : was->second)) * 1e6 / static_cast<double>(events);
    if (us >= 0.05) std::printf(" %s %.1f", name.c_str(), us);
  }
  std::printf("\n");
}

// Waits (at most two minutes) until no compaction runs or is pending.
double SettleSeconds(const Ledger& ledger) {
  bench::Stopwatch watch;
  while (watch.seconds() < 120) {
    const StorageStats s = ledger.storage_stats();
    if (s.compactions_running == 0 && s.compactions_pending == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return watch.seconds();
}

Row Measure(Ledger& ledger, const std::string& dir, uint64_t size, double ingest_s,
            uint64_t stretch, size_t queries) {
  Row row;
  row.size = size;
  row.ingest_eps = static_cast<double>(stretch) / ingest_s;
  row.rss_mb = static_cast<double>(bench::RssBytes()) / (1 << 20);
  row.peak_rss_mb = static_cast<double>(bench::PeakRssBytes()) / (1 << 20);
  const StorageStats m = ledger.storage_stats();
  auto mib = [](uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); };
  std::printf(
      "  memory at %llu: RSS %.0f MiB = RocksDB memtables %.0f + table readers %.0f + "
      "block cache %.0f + the rest (projection state, live rows, allocator) %.0f\n",
      static_cast<unsigned long long>(size), row.rss_mb, mib(m.memtables), mib(m.table_readers),
      mib(m.block_cache),
      row.rss_mb - mib(m.memtables) - mib(m.table_readers) - mib(m.block_cache));
  const bench::AllocatorBytes heap = bench::AllocatorStats();
  if (heap.allocated > 0) {
    std::printf(
        "  allocator: %.0f MiB allocated, %.0f MiB mapped but free (%.0f in whole pages, %.0f in "
        "cached small blocks)\n",
        mib(heap.allocated), mib(heap.free_mapped), mib(heap.free_pages),
        mib(heap.free_mapped - heap.free_pages));
  }
  row.disk_bytes_per_event =
      static_cast<double>(bench::DirectoryBytes(dir)) / static_cast<double>(size);
  // Rebuild and verify are what an operator or auditor runs on a ledger at
  // rest: RocksDB first finishes compacting what the ingest just wrote, so
  // its background work does not take CPU from them (on 2 cores it took up
  // to half of verify's).
  const double settle_s = SettleSeconds(ledger);
  if (settle_s > 0.05) std::printf("  waited %.1f s for RocksDB's compactions\n", settle_s);
  auto snap = ledger.Snapshot();
  row.rebuild_s = RebuildSeconds(*snap);
  row.verify_s = VerifySeconds(*snap);
  auto accounts = query::Balances(*snap);
  Check(accounts.status(), "listing accounts");
  std::mt19937_64 rng(size);
  row.balance = bench::Measure(queries, [&](size_t) {
    auto s = ledger.Snapshot();
    Check(query::Balance(*s, (*accounts)[rng() % accounts->size()].account).status(), "balance");
  });
  row.proof = bench::Measure(queries, [&](size_t) {
    Check(ProveInclusion(*snap, rng() % size).status(), "inclusion proof");
  });
  return row;
}

void PrintRow(const Row& r) {
  std::printf("%10llu %10.0f %8.0f %8.0f %9.0f %9.2f %9.2f %8.1f %8.1f %8.1f %8.1f\n",
              static_cast<unsigned long long>(r.size), r.ingest_eps, r.rss_mb, r.peak_rss_mb,
              r.disk_bytes_per_event, r.rebuild_s, r.verify_s, r.balance.p50_us, r.balance.p99_us,
              r.proof.p50_us, r.proof.p99_us);
  std::fflush(stdout);
}

void PrintGrowth(const std::vector<Row>& rows) {
  const Row& a = rows.front();
  const Row& b = rows.back();
  auto per_event = [](double seconds, uint64_t n) {
    return seconds * 1e6 / static_cast<double>(n);
  };
  const double ingest_a = 1e6 / a.ingest_eps, ingest_b = 1e6 / b.ingest_eps;
  const double verify_a = per_event(a.verify_s, a.size), verify_b = per_event(b.verify_s, b.size);
  const double rebuild_a = per_event(a.rebuild_s, a.size);
  const double rebuild_b = per_event(b.rebuild_s, b.size);
  std::printf("\ncost per event, %llu -> %llu entries (target: within +20%%):\n",
              static_cast<unsigned long long>(a.size), static_cast<unsigned long long>(b.size));
  std::printf("  ingest   %6.2f -> %6.2f us  (%+.0f%%)\n", ingest_a, ingest_b,
              100 * (ingest_b / ingest_a - 1));
  std::printf("  verify   %6.2f -> %6.2f us  (%+.0f%%)\n", verify_a, verify_b,
              100 * (verify_b / verify_a - 1));
  std::printf("  rebuild  %6.2f -> %6.2f us  (%+.0f%%)\n", rebuild_a, rebuild_b,
              100 * (rebuild_b / rebuild_a - 1));
  std::printf("  disk     %6.0f -> %6.0f bytes (%+.0f%%)\n", a.disk_bytes_per_event,
              b.disk_bytes_per_event, 100 * (b.disk_bytes_per_event / a.disk_bytes_per_event - 1));
  std::printf("peak RSS at %llu entries: %.0f MiB (target < 1024)\n",
              static_cast<unsigned long long>(b.size), b.peak_rss_mb);
}

void WriteCsv(const std::string& path, const std::vector<Row>& rows) {
  std::ofstream out(path, std::ios::trunc);
  out << "entries,ingest_events_per_s,rss_mib,peak_rss_mib,disk_bytes_per_event,rebuild_s,"
         "verify_s,balance_p50_us,balance_p99_us,proof_p50_us,proof_p99_us\n";
  for (const Row& r : rows) {
    out << r.size << ',' << static_cast<uint64_t>(r.ingest_eps) << ',' << r.rss_mb << ','
        << r.peak_rss_mb << ',' << r.disk_bytes_per_event << ',' << r.rebuild_s << ',' << r.verify_s
        << ',' << r.balance.p50_us << ',' << r.balance.p99_us << ',' << r.proof.p50_us << ','
        << r.proof.p99_us << '\n';
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<uint64_t> sizes = ParseSizes(argc, argv);
  const size_t group = bench::Arg(argc, argv, "--group", 1000);
  const size_t queries = bench::Arg(argc, argv, "--queries", 20000);
  if (sizes.empty() || sizes.front() < 2 || group == 0 || queries == 0) {
    std::fprintf(stderr, "scale_bench: invalid options\n");
    return 2;
  }
  bench::ScratchDir scratch("scale");
  const std::string dir = scratch.path() + "/ledger";
  Check(Ledger::Init(dir, "lumbung.example/scale").status(), "init");
  LedgerOptions options;
  options.group_events_max = group;
  auto ledger = Ledger::Open(dir, options);
  Check(ledger.status(), "open");
  std::printf("scale_bench (%s build): demo workload in commit groups of %zu, %zu queries each\n",
#ifdef NDEBUG
              "release",
#else
              "debug",
#endif
              group, queries);
  std::printf("%10s %10s %8s %8s %9s %9s %9s %8s %8s %8s %8s\n", "entries", "ingest/s", "RSS MiB",
              "peak MiB", "disk B/ev", "rebuild s", "verify s", "bal p50", "bal p99", "prf p50",
              "prf p99");
  Feeder feeder(**ledger, sizes.back(), group);
  std::vector<Row> rows;
  uint64_t done = 1;
  std::atomic<bool> sampling{true};
  std::atomic<uint64_t> peak_allocated{0};
  std::thread sampler([&] {
    while (sampling.load()) {
      const uint64_t a = bench::AllocatorStats().allocated;
      if (a > peak_allocated.load()) peak_allocated.store(a);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  for (uint64_t size : sizes) {
    bench::Stopwatch watch;
    const auto threads_before = bench::ThreadCpuSeconds();
    feeder.FillTo(size);
    PrintThreadCpu(threads_before, size - done);
    std::printf("  peak allocated %.0f MiB\n",
                static_cast<double>(peak_allocated.load()) / (1 << 20));
    rows.push_back(Measure(**ledger, dir, size, watch.seconds(), size - done, queries));
    done = size;
    PrintRow(rows.back());
  }
  sampling = false;
  sampler.join();
  if (rows.size() > 1) PrintGrowth(rows);
  if (const std::string csv = CsvPath(argc, argv); !csv.empty()) WriteCsv(csv, rows);
  return 0;
}
