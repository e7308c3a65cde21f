// Writing auditor bundles (the format is audit/bundle.h; the offline
// verifier is audit/bundle_verify.h).
//
// A bundle is made at one signed checkpoint: its entries are exactly seq 0
// to size-1 of that checkpoint, and everything else in it (balances, the
// JSON view) is of that size too. The writer verifies what it writes as it
// goes (the same ChainVerifier walk, and the root against the checkpoint),
// so a bundle that would not verify is never published.
//
// Writing is crash-safe: the files go into a temporary sibling folder
// (OUT.tmp-XXXXXX), each is synced, the folder is renamed to OUT, and the
// parent is synced; a crash leaves OUT either complete or absent (plus at
// worst a stray .tmp- folder).
//
// Thread safety: functions are thread-safe; they read one snapshot.

#ifndef LUMBUNG_EXPORT_BUNDLE_H_
#define LUMBUNG_EXPORT_BUNDLE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/bundle.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::exports {

// The rows of balances.csv: every account's balance after entries 0 to
// size-1, in any order (the writer sorts them). Implemented by the domain's
// projections; an empty function writes balances.csv with its header only.
using BalancesSource = std::function<Result<std::vector<audit::BalanceRow>>(
    const LedgerSnapshot& snapshot, uint64_t size)>;

struct BundleOptions {
  BalancesSource balances;
  // Called every few thousand entries and at the end: (entries, size).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct BundleInfo {
  uint64_t size = 0;
  audit::Hash root{};
  std::string origin;
  std::string verifier_key;
  uint64_t entries_bytes = 0;       // of entries.bin
  int64_t last_recorded_at_ms = 0;  // of entry size-1; the tar's file times
  size_t balance_rows = 0;
};

// The checkpoint to make a bundle at. On a ledger open for writing: signs
// (or returns the stored) checkpoint at `size`, the head when absent. On a
// read-only ledger: the stored checkpoint at `size`, else the latest stored
// one (NotFound if none was ever signed).
Result<SignedCheckpoint> ChooseBundleCheckpoint(const Ledger& ledger, std::optional<uint64_t> size);

// Writes the bundle of `checkpoint` (whose size must be within `snapshot`)
// into the folder `out_dir`, which must not exist yet.
Result<BundleInfo> WriteBundle(const LedgerSnapshot& snapshot, const SignedCheckpoint& checkpoint,
                               const std::string& out_dir, const BundleOptions& options);

// Streams a written bundle folder as a tar (POSIX pax): a folder entry
// `prefix`/ and every bundle file under it, sorted by name, mode 0644
// (folders 0755), owner 0, all times `mtime_seconds`. The same folder gives
// the same bytes. `write` receives the stream in pieces; its first error
// stops the stream and is returned.
Status WriteBundleTar(const std::string& bundle_dir, std::string_view prefix, int64_t mtime_seconds,
                      const std::function<Status(std::string_view)>& write);
// WriteBundleTar into the file `tar_path`, crash-safe (temporary + rename).
Status WriteBundleTarFile(const std::string& bundle_dir, std::string_view prefix,
                          int64_t mtime_seconds, const std::string& tar_path);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_BUNDLE_H_
