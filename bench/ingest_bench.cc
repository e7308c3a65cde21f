// ingest_bench: the demo workload (a kelurahan's programmes and KUBE loan
// books, every domain rule and projection on) recorded durably, against raw
// RocksDB writing the very same entry bytes in the same run; then rebuild
// throughput (replaying the whole log through the rules) and the latency of
// a `balance` query.
//
// The demo generator's events are decoded before the clock starts (the
// library takes decoded events; JSON parsing is the caller's) and recorded
// in commit groups of G events, each group one synced WAL write. The raw
// baseline writes the stored entry bytes G per synced WriteBatch.
//
// Usage: ingest_bench [--households N] [--groups N] [--months N] [--group G]
//                     [--balance-queries N]

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "lumbung/demo/generator.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/query.h"

#include "bench_ledger.h"
#include "bench_util.h"

using namespace lumbung;

using bench::Arg;

namespace {

// Every event of the demo, in order, for a ledger whose entry 0 is
// LedgerOpened (so the first event gets seq 1).
std::vector<EventInput> DemoEvents(const demo::DemoOptions& base) {
  demo::DemoOptions options = base;
  options.assume_first_seq = 1;
  demo::DemoGenerator gen(options);
  std::vector<EventInput> events;
  demo::DemoBatch batch;
  while (gen.NextBatch(&batch) == demo::DemoGenerator::Next::kBatch) {
    for (const std::string& line : batch.events) {
      events.push_back(DecodeEventJson(line));
      if (!events.back().decode_error.ok()) std::abort();
    }
  }
  return events;
}

struct IngestResult {
  std::map<std::string, double> thread_cpu_seconds;  // by thread name, during the ingest
  double seconds = 0;
  double cpu_seconds = 0;  // every thread's, background folds and compactions included
  uint64_t bytes = 0;
};

// Records `events` in groups of `group`, keeping a few groups in flight as
// concurrent clients would, and collects the stored entry bytes.
bool g_no_fold = false;  // --no-fold: measure without background folds

IngestResult RunLumbung(const std::string& dir, const std::vector<EventInput>& events, size_t group,
                        std::vector<std::string>* stored) {
  if (!Ledger::Init(dir, "lumbung.example/jakarta-timur/duren-sawit").ok()) std::abort();
  LedgerOptions options;
  options.group_events_max = group;
  if (g_no_fold) {
    options.fold_rows_threshold = options.fold_deltas_threshold = UINT64_MAX / 2;
    options.unfolded_rows_max = UINT64_MAX;
  }
  auto ledger = Ledger::Open(dir, options);
  if (!ledger.ok()) std::abort();
  std::vector<std::vector<EventInput>> batches;
  for (size_t i = 0; i < events.size(); i += group) {
    batches.emplace_back(
        events.begin() + static_cast<ptrdiff_t>(i),
        events.begin() + static_cast<ptrdiff_t>(std::min(events.size(), i + group)));
  }
  IngestResult r;
  const double cpu_before = bench::ProcessCpuSeconds();
  const auto threads_before = bench::ThreadCpuSeconds();
  r.seconds = bench::AppendWindowed(**ledger, std::move(batches));
  r.cpu_seconds = bench::ProcessCpuSeconds() - cpu_before;
  r.thread_cpu_seconds = bench::ThreadCpuSeconds();
  for (const auto& [name, seconds] : threads_before) r.thread_cpu_seconds[name] -= seconds;
  auto snap = (*ledger)->Snapshot();
  (void)snap->ScanEntries(1, events.size(), [&](uint64_t, std::string_view bytes) {
    stored->emplace_back(bytes);
    r.bytes += bytes.size();
    return Status();
  });
  return r;
}

void Rebuild(const std::string& dir) {
  auto ledger = Ledger::Open(dir);
  if (!ledger.ok()) std::abort();
  auto snap = (*ledger)->Snapshot();
  // The replay alone (entries read and checked on one thread, applied on
  // another), then `rebuild` as the CLI runs it: the replay with the stored
  // projection digested meanwhile, and the rebuilt state's digest after.
  bench::Stopwatch watch;
  if (!ReplayProjection(*snap, snap->size()).ok()) std::abort();
  const double replay_s = watch.seconds();
  auto report = RebuildAndCompare(*snap);
  if (!report.ok() || !report->equal()) std::abort();
  const double total_s = report->total_seconds;
  std::printf(
      "rebuild: %llu entries replayed through the rules in %.2f s = %.0f entries/s; "
      "rebuild with both digests %.2f s = %.0f entries/s (digests equal)\n",
      static_cast<unsigned long long>(snap->size()), replay_s,
      static_cast<double>(snap->size()) / replay_s, total_s,
      static_cast<double>(snap->size()) / total_s);
}

void BalanceLatency(const std::string& dir, size_t queries) {
  auto ledger = Ledger::Open(dir);
  if (!ledger.ok()) std::abort();
  auto all = query::Balances(*(*ledger)->Snapshot());
  if (!all.ok() || all->empty()) std::abort();
  std::mt19937_64 rng(7);
  std::vector<double> micros;
  micros.reserve(queries);
  for (size_t i = 0; i < queries; ++i) {
    const auto& account = (*all)[rng() % all->size()].account;
    bench::Stopwatch watch;
    auto snap = (*ledger)->Snapshot();
    auto b = query::Balance(*snap, account);
    micros.push_back(watch.seconds() * 1e6);
    if (!b.ok()) std::abort();
  }
  std::sort(micros.begin(), micros.end());
  std::printf(
      "balance: %zu queries over %zu accounts (snapshot + lookup each): p50 %.1f us, "
      "p99 %.1f us, max %.1f us\n",
      queries, all->size(), micros[queries / 2], micros[queries * 99 / 100], micros.back());
}

}  // namespace

int main(int argc, char** argv) {
  demo::DemoOptions options;
  options.households = static_cast<int64_t>(Arg(argc, argv, "--households", 60000));
  options.groups = static_cast<int>(Arg(argc, argv, "--groups", 12));
  options.months = static_cast<int>(Arg(argc, argv, "--months", 12));
  const size_t group = Arg(argc, argv, "--group", 1000);
  const size_t queries = Arg(argc, argv, "--balance-queries", 20000);
  g_no_fold = bench::HasFlag(argc, argv, "--no-fold");
  if (!demo::ValidateDemoOptions(options).ok() || group == 0) {
    std::fprintf(stderr, "ingest_bench: invalid options\n");
    return 2;
  }
  bench::Stopwatch gen_watch;
  const std::vector<EventInput> events = DemoEvents(options);
  std::printf(
      "ingest_bench (%s build): demo workload, %lld households, %d groups, %d months = %zu "
      "events (generated and decoded in %.1f s)\n",
#ifdef NDEBUG
      "release",
#else
      "debug",
#endif
      static_cast<long long>(options.households), options.groups, options.months, events.size(),
      gen_watch.seconds());
  bench::ScratchDir dir("ingest");
  std::vector<std::string> stored;
  const IngestResult lum = RunLumbung(dir.path() + "/ledger", events, group, &stored);
  const double raw_cpu_before = bench::ProcessCpuSeconds();
  const bench::RawResult raw =
      bench::WriteRawEntries(dir.path() + "/raw", stored, group, /*first_seq=*/1);
  const double raw_cpu = bench::ProcessCpuSeconds() - raw_cpu_before;
  const double l = static_cast<double>(events.size()) / lum.seconds;
  const double r = static_cast<double>(events.size()) / raw.seconds;
  std::printf("ingest, groups of %zu, WAL synced per group, all rules and projections on:\n",
              group);
  std::printf("  lumbung %10.0f events/s  %7.1f MB/s of entries\n", l,
              static_cast<double>(lum.bytes) / lum.seconds / 1e6);
  std::printf("  raw     %10.0f events/s  %7.1f MB/s (same entry bytes, RocksDB alone)\n", r,
              static_cast<double>(raw.bytes) / raw.seconds / 1e6);
  std::printf("  ratio   %9.0f%%\n", 100.0 * l / r);
  // CPU time is steadier than wall time on a shared machine, and says what
  // the throughput is bound by: two cores busy means no idle core is left.
  const double n = static_cast<double>(events.size());
  std::printf("  cpu     lumbung %.1f us/event on %.2f cores, raw %.1f us/event on %.2f cores\n",
              lum.cpu_seconds / n * 1e6, lum.cpu_seconds / lum.seconds, raw_cpu / n * 1e6,
              raw_cpu / raw.seconds);
  std::printf("  cpu by thread (us/event):");
  for (const auto& [name, seconds] : lum.thread_cpu_seconds) {
    if (seconds / n * 1e6 >= 0.05) std::printf(" %s %.1f", name.c_str(), seconds / n * 1e6);
  }
  std::printf("\n");
  Rebuild(dir.path() + "/ledger");
  BalanceLatency(dir.path() + "/ledger", queries);
  return 0;
}
