// `lumbung verify --bundle DIR`: an auditor's offline check of an exported
// bundle. No ledger folder is opened; the domain's checks come through
// exports::MakeBundleReplay, the rest is audit::VerifyBundle.

#include <cstdio>
#include <fstream>
#include <iostream>

#include "lumbung/audit/bundle_verify.h"
#include "lumbung/audit/note.h"
#include "lumbung/base/text.h"
#include "lumbung/export/bundle_replay.h"

#include "cli_audit.h"

namespace lumbung::cli {
namespace {

Result<std::string> ReadSmallFile(const std::string& path, size_t bytes_max) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument("cannot read " + path);
  std::string text(bytes_max + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > bytes_max) return Status::InvalidArgument(path + " is too large");
  return text;
}

// --vkey takes the key text itself or a file that holds it.
Result<std::string> KeyText(const std::string& vkey) {
  if (audit::NoteVerifierKey::Parse(vkey).ok()) return vkey;
  auto text = ReadSmallFile(vkey, audit::kKeyFileBytesMax);
  if (!text.ok()) {
    return Status::InvalidArgument("--vkey is neither a verifier key nor a readable key file: " +
                                   vkey);
  }
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
  return text;
}

std::string KeyId(uint32_t key_id) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", key_id);
  return hex;
}

void PrintReport(const audit::BundleReport& report, const std::string& dir) {
  std::cout << "ok: bundle " << dir
            << " verified (manifest, every entry's FlatBuffer, shape and rules, "
            << "seq run, prev_hash chain, Merkle root, signature"
            << (report.since_size ? ", consistency with the older checkpoint" : "")
            << (report.balances_replayed ? ", balances replay" : "") << ")\n"
            << "origin: " << report.origin << '\n'
            << "entries: " << report.entries << '\n'
            << "tree size: " << report.tree_size << '\n'
            << "root: " << audit::ToHex(report.root) << '\n'
            << "signer: " << report.signer << " (key id " << KeyId(report.key_id) << ")";
  if (report.cosignatures > 0) {
    std::cout << ", and " << report.cosignatures << " cosignature(s) by other keys, not checked";
  }
  std::cout << '\n'
            << "effective dates: " << report.first_effective_date << " .. "
            << report.last_effective_date << '\n';
  if (report.since_size) {
    std::cout << "since: the checkpoint of size " << *report.since_size
              << " is a prefix of this one (RFC 9162 consistency proof verified)\n";
  }
  std::cout << "balances: " << report.balance_rows << " rows, "
            << (report.balances_replayed ? "equal to the replay of the entries" : "not replayed")
            << '\n';
  if (!report.summary.empty()) std::cout << "totals per unit:\n";
  for (const std::string& line : report.summary) std::cout << "  " << line << '\n';
  std::cout.flush();
}

}  // namespace

int VerifyBundleCommand(const BundleVerifyArgs& args) {
  audit::BundleVerifyOptions options;
  if (!args.vkey.empty()) {
    auto key = KeyText(args.vkey);
    if (!key.ok()) return ReportError(key.status());
    options.verifier_key = std::move(*key);
  }
  if (!args.since_file.empty()) {
    auto since = ReadSmallFile(args.since_file, audit::kNoteBytesMax);
    if (!since.ok()) return ReportError(since.status());
    options.since_note = std::move(*since);
  }
  options.replay = exports::MakeBundleReplay();
  Progress progress("verify");
  options.progress = [&progress](uint64_t done, uint64_t total) {
    progress.Update(done, std::max(done, total));
  };
  auto report = audit::VerifyBundle(args.dir, options);
  progress.Done();
  if (!report.ok()) return ReportError(report.status());
  if (!report->ok()) {
    for (const Status& problem : report->problems)
      std::cout << "FAIL " << problem.message() << '\n';
    std::cout.flush();
    std::cerr << "lumbung: bundle verification failed: " << report->problems.front().message()
              << std::endl;
    return kExitRejected;
  }
  PrintReport(*report, args.dir);
  return kExitOk;
}

}  // namespace lumbung::cli
