// Verifying a live ledger: the same chain walk (audit::ChainVerifier) that an
// auditor runs on an exported bundle, plus the checks only a live ledger
// allows: each entry against the leaf hash stored when it was written (so an
// altered entry is named exactly), the stored Merkle tree's root against the
// one recomputed from the entries, and every event's shape.
//
// Thread safety: pure function of the snapshot.

#ifndef LUMBUNG_LEDGER_VERIFY_H_
#define LUMBUNG_LEDGER_VERIFY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung {

struct VerifyOptions {
  // Called every few thousand entries and at the end: (entries done, total).
  std::function<void(uint64_t, uint64_t)> progress;
  size_t problems_max = 16;
};

struct VerifyReport {
  uint64_t entries = 0;  // the log's size
  audit::Hash root{};    // recomputed from the entries
  std::string first_effective_date;
  std::string last_effective_date;
  std::vector<Status> problems;  // in seq order of discovery; empty when all holds
  bool ok() const { return problems.empty(); }
};

// Fails only if the walk itself cannot run (I/O); findings go in the report.
Result<VerifyReport> VerifyLedger(const LedgerSnapshot& snapshot, const VerifyOptions& options);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_VERIFY_H_
