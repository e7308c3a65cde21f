// verify_bench: how fast a 1M-entry ledger is verified, live and as an
// exported auditor bundle, next to OpenSSL SHA-256 over the very same entry
// bytes measured in the same run; how long the bundle takes to write; and
// how long inclusion and consistency proofs take at that size.
//
// Baselines (single thread, the OpenSSL calls audit/ makes, the entry bytes as
// read from the ledger):
//   sha256/entry   one SHA-256 per entry: the least any verifier must do,
//                  since every entry is hashed on its own (its leaf hash)
//   sha256/stream  one SHA-256 over all entry bytes back to back: raw
//                  hashing speed, without the per-digest cost
// Verification does more than either (leaf and Merkle node hashes,
// FlatBuffers verification, event shapes, the manifest's digests), so the
// ratios say what that costs; the target is verify >= 70% of sha256/entry.
//
// Each of --rounds rounds (3) times the baselines and then the live verify,
// and the medians are reported: on a shared host the speed of the machine
// drifts within a run, and a single baseline taken first skewed the ratio
// by up to 10 points either way.
//
// The ledger is built the way a busy office fills it: disbursements in
// batches of 1,000 (one commit group each), four batches in flight.
//
// Usage: verify_bench [--entries N] [--proofs N] [--ledger DIR] [--verify-only]
//                     [--rounds N] [--phases]

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "lumbung/audit/bundle_verify.h"
#include "lumbung/audit/chain.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/export/bundle.h"
#include "lumbung/export/bundle_replay.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/verify.h"

#include "bench_util.h"

using namespace lumbung;

using bench::Arg;

namespace {

constexpr size_t kBatch = 1000;
constexpr size_t kWindow = 4;
constexpr size_t kBeneficiaries = 50000;

void Check(const Status& status, const char* what) {
  if (status.ok()) return;
  std::fprintf(stderr, "verify_bench: %s: %s\n", what, status.ToString().c_str());
  std::abort();
}

// The month (1-based) in which event n is paid: every household once a month.
size_t Month(size_t n) {
  return 1 + n / kBeneficiaries;
}

void AddSetup(std::vector<EventInput>* out, size_t events) {
  auto add = [out](const std::string& json) { out->push_back(DecodeEventJson(json)); };
  add(R"({"type":"ProgramOpened","event_id":"open-blt","effective_date":"2026-01-01","program_id":"blt-dd","name":"BLT Dana Desa","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"Permendes 7/2023"})");
  add(R"({"type":"FundsAllocated","event_id":"alloc-blt","effective_date":"2026-01-02","program_id":"blt-dd","funder":"apbdes","amount":9000000000000000,"reference":"APBDes 2026"})");
  char json[512];
  for (size_t m = 1; m <= Month(events); ++m) {
    const size_t year = 2026 + (m - 1) / 12, month = 1 + (m - 1) % 12;
    std::snprintf(
        json, sizeof json,
        R"({"type":"CycleOpened","event_id":"cycle-%04zu-%02zu","effective_date":"%04zu-%02zu-01","program_id":"blt-dd","cycle":"%04zu-%02zu","planned_count":%zu,"planned_amount":900000000000000})",
        year, month, year, month, year, month, kBeneficiaries);
    add(json);
  }
  for (size_t b = 0; b < std::min(events, kBeneficiaries); ++b) {
    std::snprintf(
        json, sizeof json,
        R"({"type":"BeneficiaryEnrolled","event_id":"enrol-%06zu","effective_date":"2026-01-05","program_id":"blt-dd","beneficiary_id":"hh-3175071005-%06zu","region_code":"31.75.07.1005.%02zu.%03zu","source":"DTSEN"})",
        b, b, 1 + b % 12, 1 + b % 15);
    add(json);
  }
}

// A kelurahan's monthly cash transfer to a household, Rp 200,000 to
// Rp 900,000 in steps of Rp 50,000.
std::vector<EventInput> Disbursements(size_t count, size_t offset) {
  std::vector<EventInput> out;
  char json[512];
  for (size_t n = offset; n < offset + count; ++n) {
    const size_t year = 2026 + (Month(n) - 1) / 12, month = 1 + (Month(n) - 1) % 12;
    std::snprintf(json, sizeof json,
                  R"({"type":"AidDisbursed","event_id":"blt-%04zu-%02zu-3175071005-%07zu",)"
                  R"("effective_date":"%04zu-%02zu-%02zu","program_id":"blt-dd",)"
                  R"("beneficiary_id":"hh-3175071005-%06zu","cycle":"%04zu-%02zu","amount":%zu,)"
                  R"("channel":"%s","batch_id":"sp2d-%03zu"})",
                  year, month, n, year, month, 1 + n % 28, n % kBeneficiaries, year, month,
                  200000 + (n % 15) * 50000, n % 3 == 0 ? "CASH" : "BANK", n / 1000);
    out.push_back(DecodeEventJson(json));
  }
  return out;
}

double BuildLedger(const std::string& dir, size_t events) {
  if (!Ledger::Init(dir, "lumbung.example/jakarta-timur/duren-sawit").ok()) std::abort();
  LedgerOptions options;
  options.group_events_max = kBatch;
  auto ledger = Ledger::Open(dir, options);
  Check(ledger.status(), "opening the ledger");
  std::vector<EventInput> setup;
  AddSetup(&setup, events);
  Check((*ledger)->Append(std::move(setup), "bench-setup").status(), "recording the setup");
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;
  bench::Stopwatch watch;
  for (size_t i = 0; i < events; i += kBatch) {
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return in_flight < kWindow; });
      ++in_flight;
    }
    (*ledger)->AppendAsync(Disbursements(std::min(kBatch, events - i), i), "bench",
                           [&](Result<std::vector<Receipt>> r) {
                             Check(r.status(), "appending");
                             std::lock_guard<std::mutex> lock(mu);
                             --in_flight;
                             cv.notify_all();
                           });
  }
  std::unique_lock<std::mutex> lock(mu);
  cv.wait(lock, [&] { return in_flight == 0; });
  return watch.seconds();
}

struct Baseline {
  double per_entry_seconds = 0;
  double stream_seconds = 0;
  uint64_t bytes = 0;
  uint8_t digest_bits = 0;  // printed, so that no hash is optimised away
};

std::vector<std::string> ReadAllEntries(const LedgerSnapshot& snapshot) {
  std::vector<std::string> entries;
  entries.reserve(snapshot.size());
  Check(snapshot.ScanEntries(0, snapshot.size(),
                             [&](uint64_t, std::string_view bytes) {
                               entries.emplace_back(bytes);
                               return Status();
                             }),
        "reading entries");
  return entries;
}

Baseline HashBaseline(const std::vector<std::string>& entries) {
  Baseline b;
  uint8_t sink = 0;  // keeps the digests from being optimised away
  bench::Stopwatch per_entry;
  for (const std::string& e : entries) sink ^= audit::Sha256(e)[0];
  b.per_entry_seconds = per_entry.seconds();
  bench::Stopwatch stream;
  audit::Sha256Stream digest;
  for (const std::string& e : entries) digest.Update(e);
  sink ^= digest.Final()[0];
  b.stream_seconds = stream.seconds();
  for (const std::string& e : entries) b.bytes += e.size();
  b.digest_bits = sink;
  return b;
}

// What each part of a verify costs on one thread, per entry: reading the
// entries from RocksDB, FlatBuffers verification, the event shape, the leaf
// hash and the Merkle nodes. Verify runs these on two threads; the sum says
// how far from hashing-bound it is.
void PrintPhases(const LedgerSnapshot& snapshot) {
  const double n = static_cast<double>(snapshot.size());
  auto per_entry = [n](const bench::Stopwatch& w) { return 1e9 * w.seconds() / n; };
  std::string aligned(audit::kEntryBytesMax + 16, '\0');
  auto* buffer = reinterpret_cast<uint8_t*>(aligned.data());
  uint64_t bytes = 0, bad = 0;
  std::vector<audit::Hash> leaves;
  leaves.reserve(snapshot.size());
  double read_ns = 0, flatbuffers_ns = 0, shape_ns = 0, leaf_ns = 0;
  {
    bench::Stopwatch w;
    Check(snapshot.ScanEntries(0, snapshot.size(),
                               [&](uint64_t, std::string_view e) {
                                 bytes += e.size();
                                 return Status();
                               }),
          "reading entries");
    read_ns = per_entry(w);
  }
  {
    bench::Stopwatch w;
    Check(snapshot.ScanEntries(0, snapshot.size(),
                               [&](uint64_t, std::string_view e) {
                                 std::memcpy(buffer, e.data(), e.size());
                                 bad += !audit::VerifyEntryBytes({buffer, e.size()}).ok();
                                 return Status();
                               }),
          "reading entries");
    flatbuffers_ns = per_entry(w) - read_ns;
  }
  {
    bench::Stopwatch w;
    Check(snapshot.ScanEntries(0, snapshot.size(),
                               [&](uint64_t, std::string_view e) {
                                 std::memcpy(buffer, e.data(), e.size());
                                 auto entry = audit::VerifyEntryBytes({buffer, e.size()});
                                 bad += !ValidateEventBody(*(*entry)->body_nested_root()).ok();
                                 return Status();
                               }),
          "reading entries");
    shape_ns = per_entry(w) - read_ns - flatbuffers_ns;
  }
  {
    bench::Stopwatch w;
    Check(snapshot.ScanEntries(0, snapshot.size(),
                               [&](uint64_t, std::string_view e) {
                                 leaves.push_back(audit::LeafHash(
                                     {reinterpret_cast<const uint8_t*>(e.data()), e.size()}));
                                 return Status();
                               }),
          "reading entries");
    leaf_ns = per_entry(w) - read_ns;
  }
  bench::Stopwatch w;
  audit::CompactRange range;
  for (const audit::Hash& leaf : leaves) range.Append(leaf);
  const double node_ns = per_entry(w);
  std::printf(
      "one thread, ns per entry: read %.0f, FlatBuffers %.0f, shape %.0f, leaf hash %.0f, "
      "Merkle nodes %.0f; sum %.0f (root %s..., %llu invalid)\n",
      read_ns, flatbuffers_ns, shape_ns, leaf_ns, node_ns,
      read_ns + flatbuffers_ns + shape_ns + leaf_ns + node_ns,
      audit::ToHex(range.Root()).substr(0, 8).c_str(), static_cast<unsigned long long>(bad));
}

void PrintRate(const char* what, uint64_t entries, double seconds, const Baseline& base) {
  const double eps = static_cast<double>(entries) / seconds;
  const double per_entry = static_cast<double>(entries) / base.per_entry_seconds;
  const double stream = static_cast<double>(entries) / base.stream_seconds;
  std::printf(
      "%-36s %10.0f entries/s  %7.3f s  %5.0f%% of sha256/entry  %5.0f%% of sha256/stream\n", what,
      eps, seconds, 100 * eps / per_entry, 100 * eps / stream);
}

// The bundle without its JSON view: entries.jsonl emptied, SHA256SUMS
// rewritten to match. Isolates what checking the entries costs from what
// hashing the (larger) human-readable copy of them costs.
void EmptyJsonView(const std::string& bundle) {
  std::ofstream(bundle + "/entries.jsonl", std::ios::trunc).close();
  std::ifstream in(bundle + "/SHA256SUMS");
  auto lines = audit::ParseSha256Sums(
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  Check(lines.status(), "reading SHA256SUMS");
  for (audit::SumsLine& line : *lines) {
    if (line.name == "entries.jsonl") line.sha256 = audit::Sha256(std::string_view());
  }
  std::ofstream(bundle + "/SHA256SUMS", std::ios::trunc) << audit::FormatSha256Sums(*lines);
}

void VerifyBundleRow(const char* what, const std::string& bundle, bool with_shapes, uint64_t size,
                     const Baseline& base) {
  audit::BundleVerifyOptions verify_options;
  if (with_shapes) verify_options.replay = exports::MakeBundleReplay();
  bench::Stopwatch watch;
  const auto verified = audit::VerifyBundle(bundle, verify_options);
  const double seconds = watch.seconds();
  if (!verified.ok()) Check(verified.status(), what);
  if (!verified->ok()) Check(verified->problems.front(), what);
  if (verified->entries != size) Check(Status::Corruption("entries missing"), what);
  PrintRate(what, size, seconds, base);
}

void RunProofs(const LedgerSnapshot& snapshot, size_t count) {
  const uint64_t size = snapshot.size();
  std::mt19937_64 rng(9162);
  std::vector<uint64_t> seqs(count);
  for (uint64_t& s : seqs) s = rng() % size;
  const bench::Latency entry_only = bench::Measure(count, [&](size_t i) {
    audit::VerifiedEntry entry;
    Check(snapshot.GetEntry(seqs[i], &entry), "reading an entry");
  });
  const bench::Latency tree_only = bench::Measure(count, [&](size_t i) {
    Check(audit::InclusionProof(seqs[i], size, snapshot.tree()).status(), "inclusion proof");
  });
  const bench::Latency full = bench::Measure(count, [&](size_t i) {
    Check(ProveInclusion(snapshot, seqs[i]).status(), "prove inclusion");
  });
  const size_t consistency_count = std::max<size_t>(1, count / 10);
  const bench::Latency consistency = bench::Measure(consistency_count, [&](size_t i) {
    Check(ProveConsistency(snapshot, 1 + seqs[i] % (size - 1)).status(), "prove consistency");
  });
  std::printf("proofs at size %llu (%zu random seqs), microseconds:\n",
              static_cast<unsigned long long>(size), count);
  auto line = [](const char* what, const bench::Latency& l) {
    std::printf("  %-58s p50 %6.1f  p99 %6.1f  mean %6.1f\n", what, l.p50_us, l.p99_us, l.mean_us);
  };
  line("one entry, read from its run and verified", entry_only);
  line("inclusion path from the stored tiles", tree_only);
  line("prove inclusion (entry, root, path, self-check)", full);
  line("prove consistency to the head (roots, path, self-check)", consistency);
}

}  // namespace

int main(int argc, char** argv) {
  const size_t events = Arg(argc, argv, "--entries", 1'000'000);
  const size_t proofs = Arg(argc, argv, "--proofs", 100'000);
  bench::ScratchDir scratch("verify");
  // --ledger DIR: build the ledger there once and reuse it on later runs
  // (for profiling one phase); --verify-only: stop after the live verify.
  const char* kept = bench::Flag(argc, argv, "--ledger");
  const bool verify_only = bench::HasFlag(argc, argv, "--verify-only");
  const std::string dir = kept != nullptr ? std::string(kept) : scratch.path() + "/ledger";
  std::printf("verify_bench: %s build\n",
#ifdef NDEBUG
              "release"
#else
              "debug (numbers are not meaningful)"
#endif
  );
  if (kept == nullptr || !std::filesystem::exists(dir)) {
    const double build_seconds = BuildLedger(dir, events);
    std::printf("built: %zu disbursements in %.1f s (batches of %zu, %zu in flight)\n", events,
                build_seconds, kBatch, kWindow);
  }

  // Read-only, as `lumbung verify` opens it: no writer, no fold thread.
  LedgerOptions read_only;
  read_only.read_only = true;
  auto ledger = Ledger::Open(dir, read_only);
  Check(ledger.status(), "reopening the ledger");
  auto snapshot = (*ledger)->Snapshot();
  const uint64_t size = snapshot->size();
  // Rounds of (baseline, verify), so that both see the same state of a
  // shared host; the medians are reported, and each round's ratio.
  const std::vector<std::string> entries = ReadAllEntries(*snapshot);
  if (bench::HasFlag(argc, argv, "--phases")) PrintPhases(*snapshot);
  const size_t rounds = std::max<size_t>(1, Arg(argc, argv, "--rounds", 3));
  std::vector<double> per_entry_s, stream_s, verify_s, cpu_s;
  uint64_t bytes = 0;
  uint8_t digest_bits = 0;
  for (size_t round = 0; round < rounds; ++round) {
    const Baseline b = HashBaseline(entries);
    bytes = b.bytes;
    digest_bits ^= b.digest_bits;
    const double cpu_before = bench::ProcessCpuSeconds();
    bench::Stopwatch live;
    auto report = VerifyLedger(*snapshot, {});
    verify_s.push_back(live.seconds());
    cpu_s.push_back(bench::ProcessCpuSeconds() - cpu_before);
    if (!report.ok() || !report->ok()) std::abort();
    per_entry_s.push_back(b.per_entry_seconds);
    stream_s.push_back(b.stream_seconds);
    std::printf("round %zu: sha256/entry %.3f s, verify %.3f s (%.0f%%), CPU %.3f s (%.2f cores)\n",
                round + 1, b.per_entry_seconds, verify_s.back(),
                100 * b.per_entry_seconds / verify_s.back(), cpu_s.back(),
                cpu_s.back() / verify_s.back());
  }
  std::printf("(digest bits %02x)\n", digest_bits);
  Baseline base;
  base.per_entry_seconds = bench::Median(per_entry_s);
  base.stream_seconds = bench::Median(stream_s);
  base.bytes = bytes;
  std::printf(
      "ledger: %llu entries, %.1f MB of entry bytes (%.0f bytes each); medians of %zu rounds:\n",
      static_cast<unsigned long long>(size), static_cast<double>(base.bytes) / 1e6,
      static_cast<double>(base.bytes) / static_cast<double>(size), rounds);
  PrintRate("baseline sha256/entry (OpenSSL)", size, base.per_entry_seconds, base);
  PrintRate("baseline sha256/stream (OpenSSL)", size, base.stream_seconds, base);
  const double verify_seconds = bench::Median(verify_s), cpu_seconds = bench::Median(cpu_s);
  PrintRate("verify (live ledger, RocksDB)", size, verify_seconds, base);
  std::printf("  CPU %.3f s (%.2f cores busy), %.0f ns per entry\n", cpu_seconds,
              cpu_seconds / verify_seconds, 1e9 * cpu_seconds / static_cast<double>(size));
  if (verify_only) return 0;

  snapshot.reset();
  (*ledger).reset();
  ledger = Ledger::Open(dir, LedgerOptions());  // writable: the bundle's checkpoint is signed
  Check(ledger.status(), "reopening the ledger to write");
  snapshot = (*ledger)->Snapshot();
  const SignedCheckpoint checkpoint = SignCheckpoint(**ledger).value();
  const std::string bundle = scratch.path() + "/bundle";
  bench::Stopwatch export_watch;
  exports::BundleOptions bundle_options;
  bundle_options.balances = exports::LedgerBalances();
  const auto info = exports::WriteBundle(*snapshot, checkpoint, bundle, bundle_options);
  Check(info.status(), "writing the bundle");
  const double export_seconds = export_watch.seconds();
  std::printf("%-36s %10.0f entries/s  %7.3f s  (%.0f MB on disk, synced)\n", "export bundle",
              static_cast<double>(size) / export_seconds, export_seconds,
              static_cast<double>(bench::DirectoryBytes(bundle)) / 1e6);

  VerifyBundleRow("verify --bundle (as the CLI, with replay)", bundle, true, size, base);
  VerifyBundleRow("  chain, tree and signature only", bundle, false, size, base);
  EmptyJsonView(bundle);
  VerifyBundleRow("  the same, entries.jsonl emptied", bundle, false, size, base);
  RunProofs(*snapshot, proofs);
  return 0;
}
