// Fuzz target: the auditor bundle reader and verifier (audit/bundle.h,
// audit/bundle_verify.h): entries.bin framing, SHA256SUMS and balances.csv
// parsing, and VerifyBundle with the domain's replay over a folder written
// from the input.
//
// The input is the bundle's files, in this order, separated by "@@@@\n":
//
//   entries.bin  checkpoint.txt  balances.csv  verifier-key.txt  SHA256SUMS  since
//
// Missing parts are empty. A part that is exactly "!" leaves its file out.
// An empty part is filled in by the harness, so that mutated entries still
// reach the checks that come after the signature and the manifest:
//   checkpoint.txt    a checkpoint of every whole frame of entries.bin,
//                     signed with the key of the ledger the seeds come from
//   verifier-key.txt  that ledger's verifier key
//   SHA256SUMS        the digests of the files as written
//   since             no older checkpoint (a decimal N: one of size N,
//                     signed as above, over the first N frames if there are
//                     that many, else over all of them)
// balances.csv is taken as it is. README.txt, entries.jsonl and the schemas
// are short fixed files.
//
// Properties checked besides "no crash, no sanitizer report":
//   - the report counts the whole frames the harness counts;
//   - a bundle that verifies has exactly the entries its checkpoint signs:
//     their number and Merkle root, computed here independently;
//   - ParseBalancesCsv is strict (what it accepts formats back byte for
//     byte) and ParseSha256Sums reads back what FormatSha256Sums writes.

#include "lumbung/audit/bundle.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/bundle_verify.h"
#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/audit/note.h"
#include "lumbung/export/bundle_replay.h"

#include "fuzz.h"

namespace {

namespace audit = lumbung::audit;
namespace files = audit::bundle_files;

constexpr std::string_view kSeparator = "@@@@\n";
constexpr std::string_view kAbsent = "!";

// The checkpoint key of the throwaway ledger the seed bundles in
// fuzz/corpus/bundle were exported from. It signs nothing but fuzz inputs.
constexpr std::string_view kSeedLedgerKey =
    "PRIVATE+KEY+lumbung.example/fuzz+1e66ee9f+ATnF87Q6rDkFMMtRLxPfrMkWtY1q004SDAeczh5iYt9J";

enum Part { kEntries, kCheckpoint, kBalances, kKey, kSums, kSince, kParts };

std::vector<std::string_view> Split(std::string_view input) {
  std::vector<std::string_view> parts;
  while (parts.size() + 1 < kParts) {
    const size_t at = input.find(kSeparator);
    if (at == std::string_view::npos) break;
    parts.push_back(input.substr(0, at));
    input.remove_prefix(at + kSeparator.size());
  }
  parts.push_back(input);
  parts.resize(kParts);
  return parts;
}

const audit::NoteSigner& Signer() {
  static const audit::NoteSigner* signer = [] {
    auto parsed = audit::NoteSigner::ParsePrivateKey(kSeedLedgerKey);
    FUZZ_CHECK(parsed.ok());
    return new audit::NoteSigner(*parsed);
  }();
  return *signer;
}

// The whole frames at the start of entries.bin, cut as bundle.h defines
// them, and the Merkle tree over them.
struct Frames {
  std::vector<audit::Hash> roots;  // roots[n]: the root of the first n frames
};

Frames CutFrames(std::string_view bytes) {
  Frames frames;
  audit::CompactRange range;
  frames.roots.push_back(range.Root());
  while (bytes.size() >= audit::kFrameHeaderBytes) {
    const auto* b = reinterpret_cast<const uint8_t*>(bytes.data());
    const size_t length = size_t{b[0]} << 24 | size_t{b[1]} << 16 | size_t{b[2]} << 8 | b[3];
    if (length == 0 || length > audit::kEntryBytesMax) break;
    if (bytes.size() - audit::kFrameHeaderBytes < length) break;
    range.Append(audit::LeafHash(std::span<const uint8_t>(b + audit::kFrameHeaderBytes, length)));
    frames.roots.push_back(range.Root());
    bytes.remove_prefix(audit::kFrameHeaderBytes + length);
  }
  return frames;
}

std::string SignedCheckpoint(uint64_t size, const audit::Hash& root) {
  audit::Checkpoint checkpoint;
  checkpoint.origin = Signer().name();
  checkpoint.size = size;
  checkpoint.root = root;
  auto note = Signer().Sign(audit::FormatCheckpoint(checkpoint));
  FUZZ_CHECK(note.ok());
  return *note;
}

std::optional<uint64_t> SmallDecimal(std::string_view text) {
  if (text.empty() || text.size() > 6) return std::nullopt;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

void CheckBalancesParser(std::string_view text) {
  const auto rows = audit::ParseBalancesCsv(text);
  if (!rows.ok()) return;
  FUZZ_CHECK(audit::FormatBalancesCsv(*rows) == text);
  std::vector<audit::BalanceRow> sorted = *rows;
  FUZZ_CHECK(audit::SortBalanceRows(&sorted).ok());
  FUZZ_CHECK(sorted == *rows);
}

void CheckSumsParser(std::string_view text) {
  const auto lines = audit::ParseSha256Sums(text);
  if (!lines.ok()) return;
  std::vector<audit::SumsLine> sorted = *lines;
  std::sort(sorted.begin(), sorted.end(),
            [](const audit::SumsLine& a, const audit::SumsLine& b) { return a.name < b.name; });
  const auto again = audit::ParseSha256Sums(audit::FormatSha256Sums(*lines));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == sorted);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<std::string_view> parts = Split(lumbung::fuzz::AsText(data, size));
  CheckBalancesParser(parts[kBalances]);
  CheckSumsParser(parts[kSums]);

  lumbung::fuzz::TempDir dir;
  const std::string root = dir.path() + "/bundle";
  std::filesystem::create_directories(root + "/" + std::string(files::kSchemaDir));
  std::vector<audit::SumsLine> sums;
  auto write = [&](std::string_view name, std::string_view contents) {
    if (contents == kAbsent) return;
    lumbung::fuzz::WriteFile(root + "/" + std::string(name), contents);
    sums.push_back({audit::Sha256(contents), std::string(name)});
  };

  const Frames frames = CutFrames(parts[kEntries]);
  const uint64_t frame_count = frames.roots.size() - 1;
  write(files::kReadme, "A bundle written by a fuzz test.\n");
  write(files::kEntriesJson, "");
  write(files::kSchemaEntry, "// entry.fbs\n");
  write(files::kSchemaEvents, "// events.fbs\n");
  write(files::kEntries, parts[kEntries]);
  write(files::kBalances, parts[kBalances]);
  write(files::kCheckpoint, parts[kCheckpoint].empty()
                                ? SignedCheckpoint(frame_count, frames.roots.back())
                                : std::string(parts[kCheckpoint]));
  write(files::kVerifierKey,
        parts[kKey].empty() ? Signer().verifier().ToString() + "\n" : std::string(parts[kKey]));
  if (parts[kSums].empty()) {
    lumbung::fuzz::WriteFile(root + "/" + std::string(files::kSums), audit::FormatSha256Sums(sums));
  } else if (parts[kSums] != kAbsent) {
    lumbung::fuzz::WriteFile(root + "/" + std::string(files::kSums), parts[kSums]);
  }

  audit::BundleVerifyOptions options;
  if (const auto since = SmallDecimal(parts[kSince])) {
    options.since_note = SignedCheckpoint(*since, frames.roots[std::min(*since, frame_count)]);
  } else {
    options.since_note = std::string(parts[kSince]);
  }
  options.replay = lumbung::exports::MakeBundleReplay();
  const auto report = audit::VerifyBundle(root, options);
  FUZZ_CHECK(report.ok());

  if (parts[kEntries] != kAbsent) FUZZ_CHECK(report->entries == frame_count);
  if (report->ok()) {
    FUZZ_CHECK(parts[kEntries] != kAbsent);
    FUZZ_CHECK(report->tree_size == frame_count);
    FUZZ_CHECK(report->root == frames.roots.back());
    FUZZ_CHECK(report->balances_replayed);
  }
  return 0;
}
