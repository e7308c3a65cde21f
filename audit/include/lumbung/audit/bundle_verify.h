// Verifying an auditor bundle (bundle.h) with no database: the offline half
// of DESIGN §5's "one code path". Entries go through the same ChainVerifier
// the live verifier uses; everything else a bundle holds is checked against
// what the entries and the signed checkpoint say.
//
// What is checked, in the order problems are reported:
//   1. SHA256SUMS: every bundle file is listed; every listed file exists, is
//      a regular file (not a link) and matches its SHA-256; no file is there
//      that it does not list.
//   2. The verifier key (the caller's, else verifier-key.txt) parses, and
//      equals the key and origin entry 0 (LedgerOpened) records. A key given
//      by the caller that differs from verifier-key.txt is a failure.
//   3. checkpoint.txt is a signed note the key signed (other signatures are
//      ignored), holding a checkpoint of the ledger's origin.
//   4. entries.bin: framing (length bounds, no truncated frame), then every
//      entry through ChainVerifier (FlatBuffer, seq run, prev_hash chain),
//      then the caller's per-entry consumer (e.g. event shapes, replay).
//   5. The number of entries and their Merkle root against the checkpoint.
//   6. With an older checkpoint (`since`): signed by the key, same origin,
//      not larger than the bundle's (else the log was rolled back), its
//      root equal to the root of the bundle's first old-size entries, and an
//      RFC 9162 consistency proof built from the walk verifying between the
//      two signed roots.
//   7. The caller's replay result (balance rows) against balances.csv.
//
// Problems are Corruption statuses: field() names the bundle file (or
// "--since" / "--vkey"), seq() the entry when there is one, reason() is
// stable (see kBundleReason*), and message() starts with the file name.
//
// Entries are hashed on a second thread ahead of the chain walk (the walk
// itself, and the caller's hooks, stay on the calling thread), and the other
// files' digests are computed on a third, so a two-core machine is kept busy.
//
// Thread safety: VerifyBundle may run concurrently on different bundles.

#ifndef LUMBUNG_AUDIT_BUNDLE_VERIFY_H_
#define LUMBUNG_AUDIT_BUNDLE_VERIFY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lumbung/audit/bundle.h"
#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"

namespace lumbung::audit {

// Stable reasons of bundle problems (besides ChainVerifier's "corruption").
inline constexpr std::string_view kBundleReasonManifest = "manifest_mismatch";
inline constexpr std::string_view kBundleReasonMissingFile = "missing_file";
inline constexpr std::string_view kBundleReasonUnlistedFile = "unlisted_file";
inline constexpr std::string_view kBundleReasonBadKey = "invalid_key";
inline constexpr std::string_view kBundleReasonKeyMismatch = "key_mismatch";
inline constexpr std::string_view kBundleReasonBadCheckpoint = "invalid_checkpoint";
inline constexpr std::string_view kBundleReasonFraming = "bad_framing";
inline constexpr std::string_view kBundleReasonRootMismatch = "root_mismatch";
inline constexpr std::string_view kBundleReasonRolledBack = "rolled_back";
inline constexpr std::string_view kBundleReasonInconsistent = "inconsistent_checkpoints";
inline constexpr std::string_view kBundleReasonBalances = "balances_mismatch";
inline constexpr std::string_view kBundleReasonReplay = "replay_failed";

// Reads an entry the walk has already passed (say, the target of a
// correction) back from entries.bin, verified; NotFound for a seq not yet
// passed.
using EarlierEntry = std::function<Status(uint64_t seq, VerifiedEntry* out)>;

// The domain's part of verification, plugged in by the caller (the audit
// library knows nothing of events' meaning). The hooks run on the thread
// that called VerifyBundle.
struct BundleReplay {
  // Called once before the walk, if set, with a reader of earlier entries
  // that stays valid until VerifyBundle returns. It keeps 8 bytes per entry.
  std::function<void(EarlierEntry read)> start;

  // Called for each entry that passed every chain check, in seq order,
  // until the first problem anywhere in the walk (a replay past a broken
  // entry proves nothing). A non-OK status is recorded as a problem of that
  // seq, and the walk goes on without calling it again.
  std::function<Status(uint64_t seq, const VerifiedEntry& entry)> on_entry;

  struct Outcome {
    // The projections the replay arrived at, in any order; compared with
    // balances.csv row for row.
    std::vector<BalanceRow> balances;
    // Lines for the report, e.g. "IDR: 1,500,000,000 allocated".
    std::vector<std::string> summary;
  };
  // Called once after a walk with no problem at all. Empty: balances.csv
  // is checked for its grammar only, and the report says it was not replayed.
  std::function<Result<Outcome>()> finish;
};

struct BundleVerifyOptions {
  // The auditor's expected verifier key text; empty: use verifier-key.txt.
  std::string verifier_key;
  // An older signed checkpoint of the same ledger (note text), to prove the
  // log only grew since; empty: none.
  std::string since_note;
  BundleReplay replay;
  // Called every few thousand entries and at the end: (entries, expected
  // entries), the latter being the checkpoint's size once known.
  std::function<void(uint64_t, uint64_t)> progress;
  size_t problems_max = 16;
};

struct BundleReport {
  uint64_t entries = 0;     // entries read from entries.bin
  uint64_t tree_size = 0;   // the checkpoint's size
  Hash root{};              // the checkpoint's root (equal to the entries' when ok())
  std::string origin;       // the checkpoint's origin
  std::string signer;       // the verifier key's name
  uint32_t key_id = 0;      // and its id
  size_t cosignatures = 0;  // signatures by other keys, not checked
  std::string first_effective_date;
  std::string last_effective_date;
  std::optional<uint64_t> since_size;  // the older checkpoint's size, if given
  bool balances_replayed = false;
  size_t balance_rows = 0;
  std::vector<std::string> summary;  // from the replay
  std::vector<Status> problems;      // empty when everything holds
  bool ok() const { return problems.empty(); }
};

// Fails (InvalidArgument) only if `dir` is not a folder; every finding about
// its contents goes in the report.
Result<BundleReport> VerifyBundle(const std::string& dir, const BundleVerifyOptions& options);

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_BUNDLE_VERIFY_H_
