// The auditor bundle format (DESIGN §5): what an exported bundle holds and
// the exact bytes of its machine-read files. The writer (export/) and the
// verifier (VerifyBundle, bundle_verify.h) both use these definitions, so
// the two cannot drift apart.
//
// A bundle is a folder (or a tar of one) of exactly these files:
//
//   README.txt         what each file is and how to verify the bundle
//   SHA256SUMS         "<sha256 hex>  <name>\n" for every other file, sorted
//                      by name: the format of coreutils `sha256sum`, so
//                      `sha256sum -c SHA256SUMS` checks it too
//   balances.csv       projections at the bundle's size (see below)
//   checkpoint.txt     C2SP signed note of the checkpoint of exactly the
//                      bundle's size (other cosignatures may follow)
//   entries.bin        every entry, seq 0 to size-1, in seq order, each as
//                      BE32(length) || the exact stored bytes (the bytes
//                      hashed: leaf = SHA-256(0x00 || bytes))
//   entries.jsonl      the same entries decoded, one JSON line each, in the
//                      shape of `lumbung log` (for people, not checked)
//   schema/entry.fbs   the FlatBuffers schemas the entries are encoded with
//   schema/events.fbs
//   verifier-key.txt   the ledger's note verifier key, one line
//
//   entries.bin   = *frame
//   frame         = length:BE32 bytes[length]      ; 1 <= length <= 20,480
//
//   balances.csv  = "account,unit,balance\n" *row
//   row           = account "," unit "," balance "\n"
//   account       = 1*256(ALPHA / DIGIT / "." / "_" / ":" / "-")
//   unit          = 1*16(ALPHA / DIGIT / "_")
//   balance       = ["-"] 1*19DIGIT                 ; int64, no leading zeros
//   rows strictly increasing by (account, unit), compared bytewise
//
// Accounts are built from identifiers (DESIGN §7.1), which never hold a
// comma, a quote or a newline, so balances.csv needs no quoting.
//
// SHA256SUMS is not signed: it catches damaged or edited files, but anyone
// who edits a file can rewrite it. What binds a bundle to the ledger is the
// signed checkpoint (over entries.bin) and the replay (over balances.csv).
//
// Thread safety: pure functions.

#ifndef LUMBUNG_AUDIT_BUNDLE_H_
#define LUMBUNG_AUDIT_BUNDLE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"

namespace lumbung::audit {

namespace bundle_files {
inline constexpr std::string_view kReadme = "README.txt";
inline constexpr std::string_view kSums = "SHA256SUMS";
inline constexpr std::string_view kBalances = "balances.csv";
inline constexpr std::string_view kCheckpoint = "checkpoint.txt";
inline constexpr std::string_view kEntries = "entries.bin";
inline constexpr std::string_view kEntriesJson = "entries.jsonl";
inline constexpr std::string_view kSchemaEntry = "schema/entry.fbs";
inline constexpr std::string_view kSchemaEvents = "schema/events.fbs";
inline constexpr std::string_view kVerifierKey = "verifier-key.txt";
inline constexpr std::string_view kSchemaDir = "schema";
}  // namespace bundle_files

// Every file a bundle holds besides SHA256SUMS, sorted as SHA256SUMS lists
// them (bytewise, so upper case first).
inline constexpr std::string_view kBundleFiles[] = {
    bundle_files::kReadme,       bundle_files::kBalances,    bundle_files::kCheckpoint,
    bundle_files::kEntries,      bundle_files::kEntriesJson, bundle_files::kSchemaEntry,
    bundle_files::kSchemaEvents, bundle_files::kVerifierKey,
};

// --- bounds on what a verifier reads into memory (entries.bin and
// entries.jsonl are streamed, never held whole) ---

// The frame header: a 4-byte big-endian length.
inline constexpr size_t kFrameHeaderBytes = 4;
// SHA256SUMS of a bundle lists 8 files in under 1 KiB; 64 KiB leaves room
// for later additions and still refuses a hostile multi-gigabyte file.
inline constexpr size_t kSumsBytesMax = 64 * 1024;
inline constexpr size_t kSumsLinesMax = 256;
// A signed note: a checkpoint body and at most 100 signature lines (Go's
// note.Open bound) of about 100 bytes each.
inline constexpr size_t kNoteBytesMax = 64 * 1024;
// One verifier key line (limits::kVerifierKeyCharsMax, plus the newline).
inline constexpr size_t kKeyFileBytesMax = 1024;
// balances.csv: one row per account, about 64 bytes each; 256 MiB is four
// million accounts, beyond any single operator's ledger (DESIGN §9).
inline constexpr size_t kBalancesBytesMax = 256 * 1024 * 1024;
inline constexpr size_t kBalanceAccountCharsMax = 256;
inline constexpr size_t kBalanceUnitCharsMax = 16;
// Files and folders looked at when searching a bundle folder for files that
// SHA256SUMS does not list. A bundle has 10; more than this is not a bundle.
inline constexpr size_t kBundleDirEntriesMax = 1024;

// --- entries.bin ---

// Appends one frame (BE32 length, then `entry`) to `out`. The entry must be
// 1..kEntryBytesMax bytes (an invariant of stored entries; asserted).
void AppendEntryFrame(std::string_view entry, std::string* out);

// --- balances.csv ---

struct BalanceRow {
  std::string account;
  std::string unit;
  int64_t balance = 0;
  friend bool operator==(const BalanceRow&, const BalanceRow&) = default;
};

inline constexpr std::string_view kBalancesHeader = "account,unit,balance\n";

// Sorts rows by (account, unit); InvalidArgument if an account or unit is
// outside the grammar or a (account, unit) pair repeats.
Status SortBalanceRows(std::vector<BalanceRow>* rows);
// The file text of rows already sorted by SortBalanceRows.
std::string FormatBalancesCsv(std::span<const BalanceRow> rows);
// Strict parse of the grammar above; Corruption naming the line otherwise.
Result<std::vector<BalanceRow>> ParseBalancesCsv(std::string_view text);

// --- SHA256SUMS ---

struct SumsLine {
  Hash sha256{};
  std::string name;  // relative, '/'-separated, no "." or ".." component
  friend bool operator==(const SumsLine&, const SumsLine&) = default;
};

// "<hex>  <name>\n" per line, sorted by name. Names must be valid (asserted).
std::string FormatSha256Sums(std::vector<SumsLine> lines);
// Strict parse: lowercase or uppercase hex, two spaces (coreutils' text
// mode) or a space and '*' (binary mode), a valid name, unique names.
// Corruption naming the line otherwise.
Result<std::vector<SumsLine>> ParseSha256Sums(std::string_view text);
// A name a bundle may list: 1..255 chars of [A-Za-z0-9._-] in '/'-separated
// components, none empty, "." or "..". Keeps a hostile SHA256SUMS from
// pointing the verifier outside the bundle folder.
bool IsValidBundleFileName(std::string_view name);

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_BUNDLE_H_
