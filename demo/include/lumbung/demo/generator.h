// The demo kelurahan: a deterministic generator of a realistic year (or
// several) of a village office's books, as event JSON lines (DESIGN §7.1),
// in the batches the office records them.
//
// What it makes, for kelurahan 31.75.07.1005 (RW 01..12, 8-15 RT each):
//   - five programmes per fiscal year: BLT Dana Desa (monthly cash,
//     Rp 300.000, capped by entitlement_per_cycle), PKH (quarterly bank
//     transfers, Rp 225.000-1.500.000 by family component), sembako/BPNT
//     (one PKG_SEMBAKO package a month, in kind, its own funder id), micro-
//     business grants (one-off Rp 1-2,5 juta to ~3% of households, two
//     rounds) and, once, a rotating-capital programme for the KUBE groups;
//   - allocations with SP2D/DIPA references each quarter (one PKH allocation
//     mistyped and corrected), cycles opened with exact planned totals and
//     closed, unspent cash returned to the funders at year end;
//   - enrolments from DTSEN and village deliberation (MUSDES), late
//     enrolments on appeal, exits (DECEASED, MOVED) that stop payment;
//   - ~0.5% of bank transfers returned (BANK_REJECT, ACCOUNT_NOT_FOUND) and
//     paid again later in the cycle, the third-quarter grant returns arriving
//     after the cycle closed; a few amounts mistyped and corrected with a
//     replacement;
//   - `groups` KUBE groups of 10-30 members meeting weekly: seed capital,
//     zero-interest loans of Rp 500.000-3.000.000 over 10-25 weekly
//     installments, on-time and late payers (some catch up, some are
//     rescheduled), write-offs and a recovery, a mistyped repayment
//     corrected, members leaving and joining.
//
// Volume: about 5.7 events per household per year from the aid programmes
// (mostly monthly sembako and BLT payments), plus about 1,000 per group per
// year from the loan books (weekly repayments). The default demo (3,000
// households, 12 groups, 12 months) is about 29,000 events; 300,000
// households make about 1.7 million.
//
// Memory is bounded by the number of groups and by batch_events_max, never by
// households or events: a household's circumstances (programmes, amounts,
// region, exit) are a pure function of (seed, household), recomputed when
// needed, and cycle lists are cut into batches of at most batch_events_max.
//
// Seqs. A DisbursementReturned or EventCorrected names its target by seq,
// which only the ledger assigns. The caller reports the seqs of each batch
// it recorded with Recorded(); when a batch would need a seq not yet
// reported, Next() answers kNeedReceipts and the caller reports the batches
// it has in flight first. Such waits are rare (a few a month), so callers can
// keep several batches in flight. A caller that records every event in order
// into a ledger whose next seq it knows (or writes them to a file) sets
// `assume_first_seq` instead and never waits.
//
// Determinism: the same options give the same lines, byte for byte, on every
// platform: all randomness comes from a keyed 64-bit mixer (splitmix64's
// finaliser) and std::mt19937_64, whose output the standard fixes, and
// integers are derived from their raw output here, never through the
// standard library's distributions (which differ between libraries). No
// floating point is used anywhere.
//
// Thread safety: a DemoGenerator is thread-compatible (one thread at a time).

#ifndef LUMBUNG_DEMO_GENERATOR_H_
#define LUMBUNG_DEMO_GENERATOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "lumbung/base/status.h"

namespace lumbung::demo {

struct DemoOptions {
  uint64_t seed = 1;
  int64_t households = 3000;
  int months = 12;
  int groups = 12;
  int start_year = 2026;
  int start_month = 1;  // 1..12
  // Longest batch the generator makes; longer cycle and enrolment lists are
  // cut into several batches (a batch may pass it by the few events of one
  // household). Bounds the generator's memory.
  size_t batch_events_max = 4096;
  // When set, the generator takes each event it makes to receive the next
  // seq from this one on, and needs no Recorded() calls.
  std::optional<uint64_t> assume_first_seq;
};

// Refuses options outside what the generator supports (it never asserts on
// options): households 1..10,000,000, groups 0..500, months 1..120,
// start_year 2000..2900, start_month 1..12, batch_events_max 64..1,000,000.
Status ValidateDemoOptions(const DemoOptions& options);

struct DemoBatch {
  uint64_t number = 0;         // 0, 1, 2... in the order Next() makes them
  std::string label;           // what the office records, e.g. "2026-03-10 BLT Dana Desa 2026-03"
  std::string effective_date;  // every event of the batch has this date
  std::vector<std::string> events;  // event JSON lines, never empty
};

class DemoGenerator {
 public:
  enum class Next { kBatch, kNeedReceipts, kDone };

  // `options` must pass ValidateDemoOptions (asserted).
  explicit DemoGenerator(const DemoOptions& options);
  ~DemoGenerator();
  DemoGenerator(const DemoGenerator&) = delete;
  DemoGenerator& operator=(const DemoGenerator&) = delete;

  // Makes the next batch into *out. kNeedReceipts: the next batch names an
  // event of a batch whose seqs were not reported yet; report them and call
  // again. kDone: every month is generated. Effective dates never decrease
  // from one event to the next, across batches too.
  Next NextBatch(DemoBatch* out);

  // The seqs the ledger gave the events of batch `number`, one per event in
  // order. Batches may be reported in any order, each once.
  void Recorded(uint64_t number, std::span<const uint64_t> seqs);

  const DemoOptions& options() const;
  // Months fully generated so far (for progress).
  int months_done() const;
  // Events and batches made so far.
  uint64_t events_made() const;
  uint64_t batches_made() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumbung::demo

#endif  // LUMBUNG_DEMO_GENERATOR_H_
