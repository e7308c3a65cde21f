// WriteBundle: the files of audit/bundle.h, written into a temporary folder
// and published by rename (out_file.h).

#include <filesystem>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/note.h"
#include "lumbung/export/bundle.h"
#include "lumbung/export/embedded_schemas.h"
#include "lumbung/export/entry_json.h"

#include "identity.h"
#include "out_file.h"

namespace lumbung::exports {
namespace {

namespace fs = std::filesystem;
namespace files = audit::bundle_files;

constexpr uint64_t kProgressEvery = 16384;

template <size_t N>
std::string_view Text(const unsigned char (&bytes)[N]) {
  return std::string_view(reinterpret_cast<const char*>(bytes), N);
}

std::string Readme(const BundleInfo& info) {
  // Appends only: GCC 12 warns falsely (-Wrestrict) on "literal" + string.
  std::string text = "lumbung auditor bundle\n======================\n\n";
  for (const auto& [label, value] :
       {std::pair<std::string_view, std::string>{"Ledger:      ", info.origin},
        {"Entries:     ",
         std::to_string(info.size) + " (seq 0 to " + std::to_string(info.size - 1) + ")"},
        {"Merkle root: ", audit::ToHex(info.root)},
        {"Signed by:   ", info.verifier_key}}) {
    text += label;
    text += value;
    text += '\n';
  }
  text += '\n';
  text +=
      "This folder is a complete copy of a lumbung ledger as of one signed checkpoint.\n"
      "Checking it needs no database, server or network.\n\n"
      "Files\n"
      "  entries.bin        every entry in seq order, each as a 4-byte big-endian length\n"
      "                     followed by the exact bytes that were hashed\n"
      "  entries.jsonl      the same entries decoded, one JSON object per line (the shape\n"
      "                     of `lumbung log`), for reading; not used by the checks\n"
      "  checkpoint.txt     the signed checkpoint covering exactly these entries\n"
      "                     (C2SP tlog-checkpoint in a C2SP signed note, Ed25519)\n"
      "  verifier-key.txt   the ledger's public key, as signed-note tools read it\n"
      "  balances.csv       every account's balance at this size: account,unit,balance\n"
      "  schema/*.fbs       the FlatBuffers schemas the entries are encoded with\n"
      "  SHA256SUMS         the SHA-256 of every other file\n\n"
      "How to verify\n"
      "  1. sha256sum -c SHA256SUMS\n"
      "     finds damaged files. It is not signed: it does not prove who wrote them.\n"
      "  2. lumbung verify --bundle . --vkey '<the ledger's key, obtained separately>'\n"
      "     checks every entry (FlatBuffer, seq run, prev_hash chain), the Merkle root\n"
      "     against the signed checkpoint, the signature, and the balances. Add\n"
      "     --since OLD-CHECKPOINT-FILE to prove that the log only grew since an earlier\n"
      "     audit (RFC 9162 consistency). It names the first entry or file that fails.\n"
      "  Get the key from the operator by another channel (a letter, a website, a\n"
      "  witness): the key in this folder only shows the folder agrees with itself.\n\n"
      "Without lumbung\n"
      "  leaf hash  = SHA-256(0x00 || entry bytes); node = SHA-256(0x01 || left || right)\n"
      "  (RFC 6962 section 2.1). Each entry's prev_hash is the leaf hash of the entry\n"
      "  before it (32 zero bytes for seq 0). The checkpoint's lines are the ledger's\n"
      "  name, the number of entries and base64(Merkle root); its signature line\n"
      "  verifies with signed-note tools such as golang.org/x/mod/sumdb/note.\n";
  return text;
}

// Writes the files of a bundle into one folder, keeping their SHA-256s.
class BundleWriter {
 public:
  explicit BundleWriter(std::string dir) : dir_(std::move(dir)) {}

  Status WriteFile(std::string_view name, std::string_view data) {
    LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash sha, internal::WriteNewFile(Path(name), data));
    sums_.push_back(audit::SumsLine{sha, std::string(name)});
    return Status();
  }
  Status WriteEntries(const LedgerSnapshot& snapshot, const SignedCheckpoint& checkpoint,
                      const BundleOptions& options, BundleInfo* info);
  Status WriteSums() {
    return internal::WriteNewFile(Path(files::kSums), audit::FormatSha256Sums(sums_)).status();
  }
  std::string Path(std::string_view name) const { return dir_ + "/" + std::string(name); }

 private:
  std::string dir_;
  std::vector<audit::SumsLine> sums_;
};

// entries.bin and entries.jsonl in one pass, each entry verified by the
// same ChainVerifier an auditor runs, and the whole against the checkpoint.
Status BundleWriter::WriteEntries(const LedgerSnapshot& snapshot,
                                  const SignedCheckpoint& checkpoint, const BundleOptions& options,
                                  BundleInfo* info) {
  internal::OutFile bin, json;
  LUMBUNG_RETURN_IF_ERROR(bin.Open(Path(files::kEntries)));
  LUMBUNG_RETURN_IF_ERROR(json.Open(Path(files::kEntriesJson)));
  audit::ChainVerifier chain(/*problems_max=*/1);
  std::string frame, line;
  Status scanned =
      snapshot.ScanEntries(0, checkpoint.size, [&](uint64_t seq, std::string_view bytes) {
        const std::span<const uint8_t> span(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            bytes.size());
        const audit::Hash leaf = audit::LeafHash(span);
        if (!chain.AddHashed(seq, span, leaf)) return chain.problems().front();
        frame.clear();
        audit::AppendEntryFrame(bytes, &frame);
        LUMBUNG_RETURN_IF_ERROR(bin.Write(frame));
        line = EntryJsonLine(seq, leaf, chain.last());
        line += '\n';
        LUMBUNG_RETURN_IF_ERROR(json.Write(line));
        info->last_recorded_at_ms = chain.last().entry().recorded_at_ms();
        if (options.progress && (seq + 1) % kProgressEvery == 0)
          options.progress(seq + 1, info->size);
        return Status();
      });
  if (!scanned.ok()) return std::move(scanned).Annotate("the ledger does not verify; no bundle");
  chain.Finish(checkpoint.size);
  if (!chain.ok() || chain.Root() != checkpoint.root) {
    return Status::Corruption("the entries' Merkle root is not the checkpoint's; no bundle");
  }
  info->entries_bytes = bin.bytes();
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash bin_sha, bin.Close());
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash json_sha, json.Close());
  sums_.push_back(audit::SumsLine{bin_sha, std::string(files::kEntries)});
  sums_.push_back(audit::SumsLine{json_sha, std::string(files::kEntriesJson)});
  if (options.progress) options.progress(checkpoint.size, checkpoint.size);
  return Status();
}

Result<std::string> BalancesText(const LedgerSnapshot& snapshot, uint64_t size,
                                 const BundleOptions& options, BundleInfo* info) {
  std::vector<audit::BalanceRow> rows;
  if (options.balances) {
    LUMBUNG_ASSIGN_OR_RETURN(rows, options.balances(snapshot, size));
  }
  LUMBUNG_RETURN_IF_ERROR(audit::SortBalanceRows(&rows));
  info->balance_rows = rows.size();
  return audit::FormatBalancesCsv(rows);
}

Status WriteFiles(const LedgerSnapshot& snapshot, const SignedCheckpoint& checkpoint,
                  const BundleOptions& options, BundleWriter& writer, BundleInfo* info) {
  LUMBUNG_RETURN_IF_ERROR(writer.WriteEntries(snapshot, checkpoint, options, info));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kCheckpoint, checkpoint.note));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kVerifierKey, info->verifier_key + "\n"));
  const std::string schema_dir = writer.Path(files::kSchemaDir);
  std::error_code ec;
  if (!fs::create_directory(schema_dir, ec)) {
    return Status::IOError("cannot create " + schema_dir + ": " + ec.message());
  }
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kSchemaEntry, Text(embedded::kEntryFbs)));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kSchemaEvents, Text(embedded::kEventsFbs)));
  LUMBUNG_ASSIGN_OR_RETURN(const std::string balances,
                           BalancesText(snapshot, checkpoint.size, options, info));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kBalances, balances));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteFile(files::kReadme, Readme(*info)));
  LUMBUNG_RETURN_IF_ERROR(writer.WriteSums());
  LUMBUNG_RETURN_IF_ERROR(internal::SyncFolder(schema_dir));
  return Status();
}

}  // namespace

Result<SignedCheckpoint> ChooseBundleCheckpoint(const Ledger& ledger,
                                                std::optional<uint64_t> size) {
  Result<SignedCheckpoint> signed_now = SignCheckpoint(ledger, size);
  if (signed_now.ok() || signed_now.status().reason() != kCheckpointReadOnlyReason)
    return signed_now;
  const std::unique_ptr<LedgerSnapshot> snapshot = ledger.Snapshot();
  return size.has_value() ? CheckpointAt(*snapshot, *size) : LatestCheckpoint(*snapshot);
}

Result<BundleInfo> WriteBundle(const LedgerSnapshot& snapshot, const SignedCheckpoint& checkpoint,
                               const std::string& out_dir, const BundleOptions& options) {
  LUMBUNG_ASSIGN_OR_RETURN(const internal::Identity identity, internal::ReadIdentity(snapshot));
  LUMBUNG_RETURN_IF_ERROR(internal::CheckCheckpoint(snapshot, identity, checkpoint));
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out_dir, ec))) {
    return Status::FailedPrecondition(out_dir + " already exists");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const std::string temp, internal::MakeTempSibling(out_dir));
  internal::TempGuard guard(temp);
  BundleInfo info;
  info.size = checkpoint.size;
  info.root = checkpoint.root;
  info.origin = identity.origin;
  info.verifier_key = identity.verifier_key;
  BundleWriter writer(temp);
  LUMBUNG_RETURN_IF_ERROR(WriteFiles(snapshot, checkpoint, options, writer, &info));
  LUMBUNG_RETURN_IF_ERROR(internal::SyncFolder(temp));
  LUMBUNG_RETURN_IF_ERROR(internal::Publish(temp, out_dir));
  guard.Release();
  return info;
}

}  // namespace lumbung::exports
