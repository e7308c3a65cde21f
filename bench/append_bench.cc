// append_bench: durable append throughput of the event log against raw
// RocksDB writing the very same entry bytes, in the same run.
//
// For each commit-group size G, lumbung appends N disbursement events in
// batches of G (each batch one commit group, one synced WAL write). Then the
// exact entry bytes lumbung stored are written into a fresh database with the
// same options, G entries per WriteBatch, each write synced: the physical
// floor for storing those bytes durably. The ratio lumbung/raw shows what the
// ledger's work (validation, hashing, Merkle tiles, index) costs.
//
// Usage: append_bench [--events-1 N] [--events-100 N] [--events-1000 N]

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "lumbung/ledger/ledger.h"

#include "bench_ledger.h"
#include "bench_util.h"

using namespace lumbung;

using bench::Arg;

namespace {

struct RunResult {
  double seconds = 0;
  uint64_t bytes = 0;
};

constexpr size_t kBeneficiaries = 50000;

// Realistic shape: a kelurahan's monthly cash transfer to a household,
// amounts between Rp 200,000 and Rp 900,000 in steps of Rp 50,000. Event n
// pays household n % 50,000 in month n / 50,000, so every (household,
// cycle) pair is paid once, as the rules require.
std::vector<EventInput> MakeEvents(size_t count, size_t offset) {
  std::vector<EventInput> out;
  out.reserve(count);
  char json[512];
  for (size_t i = 0; i < count; ++i) {
    const size_t n = offset + i;
    const size_t month = 1 + n / kBeneficiaries;
    std::snprintf(json, sizeof json,
                  R"({"type":"AidDisbursed","event_id":"blt-%04zu-%02zu-3175071005-%07zu",)"
                  R"("effective_date":"%04zu-%02zu-%02zu","program_id":"blt-dd",)"
                  R"("beneficiary_id":"hh-3175071005-%06zu","cycle":"%04zu-%02zu","amount":%zu,)"
                  R"("channel":"%s","batch_id":"sp2d-%03zu"})",
                  2026 + (month - 1) / 12, 1 + (month - 1) % 12, n, 2026 + (month - 1) / 12,
                  1 + (month - 1) % 12, 1 + n % 28, n % kBeneficiaries, 2026 + (month - 1) / 12,
                  1 + (month - 1) % 12, 200000 + (n % 15) * 50000, n % 3 == 0 ? "CASH" : "BANK",
                  n / 1000);
    out.push_back(DecodeEventJson(json));
  }
  return out;
}

// The programme, its budget, enough monthly cycles and the enrolments the
// disbursements need; recorded before timing starts.
void RecordSetup(Ledger& ledger, size_t events) {
  std::vector<EventInput> setup;
  auto add = [&setup](const std::string& json) { setup.push_back(DecodeEventJson(json)); };
  add(R"({"type":"ProgramOpened","event_id":"open-blt","effective_date":"2026-01-01","program_id":"blt-dd","name":"BLT Dana Desa","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"Permendes 7/2023"})");
  add(R"({"type":"FundsAllocated","event_id":"alloc-blt","effective_date":"2026-01-02","program_id":"blt-dd","funder":"apbdes","amount":9000000000000000,"reference":"APBDes 2026"})");
  const size_t months = events / kBeneficiaries + 1;
  char json[512];
  for (size_t m = 1; m <= months; ++m) {
    std::snprintf(
        json, sizeof json,
        R"({"type":"CycleOpened","event_id":"cycle-%04zu-%02zu","effective_date":"%04zu-%02zu-01","program_id":"blt-dd","cycle":"%04zu-%02zu","planned_count":%zu,"planned_amount":900000000000000})",
        2026 + (m - 1) / 12, 1 + (m - 1) % 12, 2026 + (m - 1) / 12, 1 + (m - 1) % 12,
        2026 + (m - 1) / 12, 1 + (m - 1) % 12, kBeneficiaries);
    add(json);
  }
  for (size_t b = 0; b < std::min(events, kBeneficiaries); ++b) {
    std::snprintf(
        json, sizeof json,
        R"({"type":"BeneficiaryEnrolled","event_id":"enrol-%06zu","effective_date":"2026-01-05","program_id":"blt-dd","beneficiary_id":"hh-3175071005-%06zu","region_code":"31.75.07.1005.%02zu.%03zu","source":"DTSEN"})",
        b, b, 1 + b % 12, 1 + b % 15);
    add(json);
  }
  if (!ledger.Append(std::move(setup), "bench-setup").ok()) std::abort();
}

// Keeps four batches in flight, as concurrent clients or a streaming
// import would. group_events_max = G keeps every commit group exactly one
// batch of G events (one synced write per G), the same pattern as the raw
// run; the window only lets the writer apply the next group while the
// previous one is being written.
RunResult RunLumbung(const std::string& dir, size_t events, size_t group,
                     std::vector<std::string>* stored) {
  if (!Ledger::Init(dir, "lumbung.example/bench").ok()) std::abort();
  LedgerOptions options;
  options.group_events_max = group;
  auto ledger = Ledger::Open(dir, options);
  if (!ledger.ok()) std::abort();
  RecordSetup(**ledger, events);
  const uint64_t first = (*ledger)->size();
  const uint64_t groups_before = (*ledger)->stats().groups;
  std::vector<std::vector<EventInput>> batches;
  for (size_t i = 0; i < events; i += group) batches.push_back(MakeEvents(group, i));
  const size_t batch_count = batches.size();
  RunResult r;
  r.seconds = bench::AppendWindowed(**ledger, std::move(batches));
  if ((*ledger)->stats().groups - groups_before != batch_count) std::abort();  // group per batch
  auto snap = (*ledger)->Snapshot();
  (void)snap->ScanEntries(first, events, [&](uint64_t, std::string_view bytes) {
    stored->emplace_back(bytes);
    r.bytes += bytes.size();
    return Status();
  });
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  const std::pair<size_t, size_t> runs[] = {
      {1, Arg(argc, argv, "--events-1", 3000)},
      {100, Arg(argc, argv, "--events-100", 100000)},
      {1000, Arg(argc, argv, "--events-1000", 500000)},
  };
  // Disk and VM timing drift between runs, so lumbung and raw alternate and
  // the medians are compared.
  const size_t rounds = Arg(argc, argv, "--rounds", 3);
  std::printf(
      "append_bench: durable appends (WAL synced per group), %s build, "
      "median of %zu alternating rounds\n",
#ifdef NDEBUG
      "release",
#else
      "debug",
#endif
      rounds);
  std::printf("%-6s %9s %12s %9s %12s %9s %7s\n", "group", "events", "lumbung/s", "MB/s", "raw/s",
              "MB/s", "ratio");
  for (const auto& [group, events] : runs) {
    if (events == 0) continue;
    std::vector<double> lum_eps, raw_eps, lum_mbs, raw_mbs;
    for (size_t round = 0; round < rounds; ++round) {
      bench::ScratchDir dir("append");
      std::vector<std::string> stored;
      const RunResult lum = RunLumbung(dir.path() + "/ledger", events, group, &stored);
      const bench::RawResult raw =
          bench::WriteRawEntries(dir.path() + "/raw", stored, group, /*first_seq=*/1);
      lum_eps.push_back(static_cast<double>(events) / lum.seconds);
      raw_eps.push_back(static_cast<double>(events) / raw.seconds);
      lum_mbs.push_back(static_cast<double>(lum.bytes) / lum.seconds / 1e6);
      raw_mbs.push_back(static_cast<double>(raw.bytes) / raw.seconds / 1e6);
    }
    const double l = bench::Median(lum_eps), r = bench::Median(raw_eps);
    std::printf("%-6zu %9zu %12.0f %9.1f %12.0f %9.1f %6.0f%%\n", group, events, l,
                bench::Median(lum_mbs), r, bench::Median(raw_mbs), 100.0 * l / r);
  }
  return 0;
}
