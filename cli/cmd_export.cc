#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "lumbung/export/bundle.h"
#include "lumbung/export/bundle_replay.h"
#include "lumbung/export/journal.h"
#include "lumbung/export/oversight.h"
#include "lumbung/export/suppression.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/secrets.h"

#include "cli_audit.h"

namespace lumbung::cli {
namespace {

struct ExportArgs {
  std::string out;
  std::string tar;  // empty: no tar; "-": standard output
  std::optional<uint64_t> size;
};

// A ledger open for writing can sign the checkpoint the bundle needs. If
// another process (e.g. `serve`) holds it, a read-only view can still
// export the latest checkpoint that process stored.
Result<std::unique_ptr<Ledger>> OpenForExport(const Context& ctx, bool* read_only) {
  auto writable = OpenLedger(ctx, /*read_only=*/false);
  *read_only = !writable.ok();
  if (writable.ok()) return writable;
  auto view = OpenLedger(ctx, /*read_only=*/true);
  return view.ok() ? std::move(view) : std::move(writable);
}

// The tar's top folder: the bundle folder's own name when it is a plain one.
std::string TarPrefix(const std::string& out) {
  const std::string name = std::filesystem::path(out).lexically_normal().filename().string();
  return audit::IsValidBundleFileName(name) && name.find('/') == std::string::npos
             ? name
             : std::string("lumbung-bundle");
}

Status WriteTar(const ExportArgs& args, const exports::BundleInfo& info) {
  const int64_t mtime = info.last_recorded_at_ms / 1000;
  if (args.tar != "-") {
    return exports::WriteBundleTarFile(args.out, TarPrefix(args.out), mtime, args.tar);
  }
  return exports::WriteBundleTar(args.out, TarPrefix(args.out), mtime, [](std::string_view data) {
    if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size()) {
      return Status::IOError("cannot write the tar to standard output");
    }
    return Status();
  });
}

int ExportBundle(const Context& ctx, const ExportArgs& args) {
  bool read_only = false;
  auto ledger = OpenForExport(ctx, &read_only);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto checkpoint = exports::ChooseBundleCheckpoint(**ledger, args.size);
  if (!checkpoint.ok()) return ReportError(checkpoint.status());
  if (read_only) {
    std::cerr << "lumbung: the ledger is in use by another process; exporting its stored "
              << "checkpoint of size " << checkpoint->size << std::endl;
  }
  Progress progress("export");
  exports::BundleOptions options;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  options.balances = exports::LedgerBalances();
  auto info = exports::WriteBundle(*(*ledger)->Snapshot(), *checkpoint, args.out, options);
  progress.Done();
  if (!info.ok()) return ReportError(info.status());
  if (!args.tar.empty()) {
    Status tar = WriteTar(args, *info);
    if (!tar.ok()) return ReportError(tar);
  }
  if (args.tar == "-") return kExitOk;  // stdout carries the tar
  nlohmann::ordered_json summary = {{"bundle", args.out},
                                    {"size", info->size},
                                    {"root", audit::ToHex(info->root)},
                                    {"entries_bytes", info->entries_bytes},
                                    {"balance_rows", info->balance_rows}};
  if (!args.tar.empty()) summary["tar"] = args.tar;
  std::cout << DumpJson(summary) << std::endl;
  return kExitOk;
}

struct OversightArgs {
  std::string out;
  std::string program;  // empty: every programme
  int64_t k = exports::kOversightDefaultK;
};

// `export oversight`: at the checkpoint the bundle would be made at, so the
// page's receipts verify against the same signed root.
int ExportOversight(const Context& ctx, const OversightArgs& args) {
  bool read_only = false;
  auto ledger = OpenForExport(ctx, &read_only);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto key = LoadSecret(PseudonymKeyPath(ctx.data_dir));
  if (!key.ok()) return ReportError(key.status());
  auto checkpoint = exports::ChooseBundleCheckpoint(**ledger, std::nullopt);
  if (!checkpoint.ok()) return ReportError(checkpoint.status());
  if (read_only) {
    std::cerr << "lumbung: the ledger is in use by another process; exporting its stored "
              << "checkpoint of size " << checkpoint->size << std::endl;
  }
  Progress progress("export");
  exports::OversightOptions options;
  options.k = args.k;
  options.program_id = args.program;
  options.pseudonym_key = *key;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto info = exports::WriteOversight(*(*ledger)->Snapshot(), *checkpoint, args.out, options);
  progress.Done();
  if (!info.ok()) return ReportError(info.status());
  std::cout << DumpJson(nlohmann::ordered_json{{"oversight", args.out},
                                               {"tree_size", info->size},
                                               {"root", audit::ToHex(info->root)},
                                               {"programs", info->programs},
                                               {"disbursements", info->disbursements},
                                               {"codes", info->codes},
                                               {"blocks", info->blocks},
                                               {"files", info->files},
                                               {"bytes", info->bytes}})
            << std::endl;
  return kExitOk;
}

struct JournalArgs {
  std::string out;  // empty: standard output
  std::optional<uint64_t> as_of_seq;
};

// `export journal`: reads a snapshot only, so it also runs beside `serve`.
int ExportJournal(const Context& ctx, const JournalArgs& args) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  const std::unique_ptr<LedgerSnapshot> snapshot = (*ledger)->Snapshot();
  Progress progress("export");
  exports::JournalOptions options;
  options.as_of_seq = args.as_of_seq;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  if (args.out.empty()) {
    // Written as it is made; a failure midway leaves a partial journal
    // (ending with a whole transaction) followed by the error line.
    auto info = exports::WriteJournal(*snapshot, options, [](std::string_view data) {
      if (std::fwrite(data.data(), 1, data.size(), stdout) != data.size()) {
        return Status::IOError("cannot write the journal to standard output");
      }
      return Status();
    });
    progress.Done();
    if (!info.ok()) return ReportError(info.status());
    if (std::fflush(stdout) != 0) {
      return ReportError(Status::IOError("cannot write the journal to standard output"));
    }
    return kExitOk;
  }
  auto info = exports::WriteJournalFile(*snapshot, options, args.out);
  progress.Done();
  if (!info.ok()) return ReportError(info.status());
  std::cout << DumpJson(nlohmann::ordered_json{{"journal", args.out},
                                               {"as_of_seq", info->size},
                                               {"transactions", info->transactions},
                                               {"accounts", info->accounts}})
            << std::endl;
  return kExitOk;
}

}  // namespace

void AddExportCommands(CLI::App& app, Context& ctx) {
  auto* exp = app.add_subcommand("export", "write exports of the ledger");
  exp->require_subcommand(1);
  auto* bundle = exp->add_subcommand(
      "bundle", "write an auditor bundle (entries, signed checkpoint, key, schemas, balances)");
  auto args = std::make_shared<ExportArgs>();
  auto size = std::make_shared<uint64_t>(0);
  bundle->add_option("--out", args->out, "the bundle folder to create (must not exist)")
      ->required();
  bundle->add_option("--tar", args->tar, "also write the bundle as a tar file (- for stdout)");
  auto* size_option = bundle->add_option(
      "--size", *size, "tree size to export (default: the head, or the latest checkpoint)");
  bundle->callback([&ctx, args, size, size_option] {
    if (size_option->count() > 0) args->size = *size;
    ctx.run = [&ctx, args] { return ExportBundle(ctx, *args); };
  });

  auto* oversight = exp->add_subcommand(
      "oversight", "write the public oversight folder (static page, figures, receipt proofs)");
  auto oversight_args = std::make_shared<OversightArgs>();
  oversight->add_option("--out", oversight_args->out, "the folder to create (must not exist)")
      ->required();
  oversight->add_option("--program", oversight_args->program,
                        "only this programme (default: every programme)");
  oversight
      ->add_option("--k", oversight_args->k,
                   "hide areas with fewer recipients than this (small-cell suppression)")
      ->capture_default_str()
      ->check(CLI::Range(int64_t{1}, exports::kSuppressionKMax));
  oversight->callback([&ctx, oversight_args] {
    ctx.run = [&ctx, oversight_args] { return ExportOversight(ctx, *oversight_args); };
  });

  auto* journal = exp->add_subcommand(
      "journal", "write an hledger / ledger-cli journal of the ledger's postings");
  auto journal_args = std::make_shared<JournalArgs>();
  auto as_of_seq = std::make_shared<uint64_t>(0);
  journal->add_option("--out", journal_args->out,
                      "the journal file to create (must not exist; default: standard output)");
  auto* as_of_option = journal->add_option("--as-of-seq", *as_of_seq,
                                           "the journal of the ledger's first N entries (seq < N)");
  journal->callback([&ctx, journal_args, as_of_seq, as_of_option] {
    if (as_of_option->count() > 0) journal_args->as_of_seq = *as_of_seq;
    ctx.run = [&ctx, journal_args] { return ExportJournal(ctx, *journal_args); };
  });
}

}  // namespace lumbung::cli
