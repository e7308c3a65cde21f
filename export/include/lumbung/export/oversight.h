// The public oversight export (DESIGN §8; the format, `lumbung-oversight/1`,
// is docs/oversight.md): a folder of static files a citizen opens from
// file:// to check a receipt against the signed checkpoint, and a
// journalist loads into a spreadsheet.
//
// It is made at one signed checkpoint of size N: every figure is the
// ledger after entries [0, N). Programme figures are the query layer's
// (query::Program at as_of_seq N, as `lumbung program` prints them); areas
// go through small-cell suppression (suppression.h); disbursements appear
// under a keyed pseudonym (secrets.h), never under a beneficiary id. The
// only place a beneficiary id is found is inside the shipped entry bytes,
// which are the exact stored bytes so that their hashes verify.
//
// One pass over the log replays it through the domain rules (for each
// disbursement's status at N) and writes the blocks as it goes; each block
// is checked against the checkpoint's root before it is written, so an
// export whose receipts would not verify is never published.
//
// Writing is crash-safe like the bundle's (bundle.h): a temporary sibling
// folder, renamed to OUT once complete and synced; on failure the temporary
// folder is removed and OUT never appears.
//
// Thread safety: functions are thread-safe; they read one snapshot.

#ifndef LUMBUNG_EXPORT_OVERSIGHT_H_
#define LUMBUNG_EXPORT_OVERSIGHT_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lumbung/base/result.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/secrets.h"

namespace lumbung::exports {

inline constexpr std::string_view kOversightFormat = "lumbung-oversight/1";
// Entries per data/blocks/B.js: a phone loads one block (about 10 KiB of
// leaf hashes plus the block's receipt entries) per receipt it checks. A
// power of two, so that every block is a node of the RFC 6962 tree.
inline constexpr uint64_t kOversightBlockEntries = 256;
static_assert((kOversightBlockEntries & (kOversightBlockEntries - 1)) == 0);
// The k of small-cell suppression when none is given (DESIGN §8).
inline constexpr int64_t kOversightDefaultK = 5;

struct OversightOptions {
  int64_t k = kOversightDefaultK;  // 1 to kSuppressionKMax
  std::string program_id;          // only this programme; empty: every programme
  Secret pseudonym_key{};          // keys/pseudonym.key of the ledger
  // Called every few thousand entries and at the end: (entries, N).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct OversightInfo {
  uint64_t size = 0;  // N
  audit::Hash root{};
  uint64_t programs = 0;
  uint64_t disbursements = 0;    // rows of data/disbursements.csv
  uint64_t codes = 0;            // receipt codes in data/codes/
  uint64_t code_collisions = 0;  // rows whose code a lower seq already holds
  uint64_t blocks = 0;
  uint64_t files = 0;
  uint64_t bytes = 0;               // of all files
  int64_t last_recorded_at_ms = 0;  // of entry N-1; the tar's file times
};

// Writes the export of `checkpoint` (whose size must be within `snapshot`)
// into the folder `out_dir`, which must not exist yet. NotFound (reason
// unknown_program, field "program") for a programme the ledger does not
// have at N; InvalidArgument for k out of range.
Result<OversightInfo> WriteOversight(const LedgerSnapshot& snapshot,
                                     const SignedCheckpoint& checkpoint, const std::string& out_dir,
                                     const OversightOptions& options);

// The page's files compiled into the binary (export/web/ at build time):
// (name relative to the export's folder, bytes).
std::vector<std::pair<std::string_view, std::string_view>> OversightPageFiles();

// Streams a written oversight folder as a tar (POSIX pax), as WriteBundleTar
// does a bundle: the folder entry `prefix`/, then every file and folder in
// it, sorted by path, folders before what they hold.
Status WriteOversightTar(const std::string& dir, std::string_view prefix, int64_t mtime_seconds,
                         const std::function<Status(std::string_view)>& write);
Status WriteOversightTarFile(const std::string& dir, std::string_view prefix, int64_t mtime_seconds,
                             const std::string& tar_path);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_OVERSIGHT_H_
