#include <iostream>

#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/verify.h"

#include "cli.h"
#include "cli_audit.h"

namespace lumbung::cli {
namespace {

// The rebuild check of `verify`: the stored projections (what `balance`,
// `program` and the API answer) must equal a replay of the log.
int CheckProjections(const LedgerSnapshot& snapshot) {
  Progress progress("replay projections");
  ReplayOptions options;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto report = RebuildAndCompare(snapshot, options);
  progress.Done();
  if (report.status().IsCorruption()) {
    // An entry that breaks a rule, or an unreadable one: a finding, named
    // by seq like the chain's.
    std::cout << "FAIL " << report.status().message() << std::endl;
    std::cerr << "lumbung: verification failed: " << report.status().message() << std::endl;
    return kExitRejected;
  }
  if (!report.ok()) return ReportError(report.status());
  if (!report->equal()) {
    std::cout << "FAIL the stored projections do not equal a replay of the log" << std::endl;
    std::cerr << "lumbung: verification failed: the stored projections differ from a replay "
                 "of the log (run `lumbung rebuild` for both digests)"
              << std::endl;
    return kExitRejected;
  }
  return kExitOk;
}

int VerifyLive(const Context& ctx, bool chain_only) {
  auto ledger = OpenLedger(ctx, true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto snapshot = (*ledger)->Snapshot();
  Progress progress("verify");
  VerifyOptions options;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto report = VerifyLedger(*snapshot, options);
  progress.Done();
  if (!report.ok()) return ReportError(report.status());
  if (!report->ok()) {
    for (const Status& problem : report->problems) {
      std::cout << "FAIL " << problem.message() << '\n';
    }
    std::cout.flush();
    std::cerr << "lumbung: verification failed: " << report->problems.front().message()
              << std::endl;
    return kExitRejected;
  }
  if (!chain_only) {
    const int projections = CheckProjections(*snapshot);
    if (projections != kExitOk) return projections;
  }
  std::cout << "ok: " << report->entries << " entries verified (hash chain, Merkle tree, "
            << (chain_only ? "event shapes)\n"
                           : "event shapes; projections equal a replay of the log)\n")
            << "origin: " << (*ledger)->origin() << '\n'
            << "root: " << audit::ToHex(report->root) << '\n'
            << "effective dates: " << report->first_effective_date << " .. "
            << report->last_effective_date << std::endl;
  return kExitOk;
}

}  // namespace

void AddVerifyCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("verify", "check that nothing in the ledger was altered");
  auto bundle = std::make_shared<BundleVerifyArgs>();
  auto* dir = cmd->add_option("--bundle", bundle->dir,
                              "verify an exported auditor bundle folder instead (no database)");
  cmd->add_option("--vkey", bundle->vkey, "the ledger's verifier key (text or file) to expect")
      ->needs(dir);
  cmd->add_option("--since", bundle->since_file,
                  "an older signed checkpoint the bundle must be consistent with")
      ->needs(dir);
  auto chain_only = std::make_shared<bool>(false);
  cmd->add_flag("--chain-only", *chain_only,
                "skip replaying the log into fresh projections (the hash chain, Merkle tree and "
                "event shapes only)")
      ->excludes(dir);
  cmd->callback([&ctx, bundle, chain_only] {
    ctx.run = [&ctx, bundle, chain_only] {
      return bundle->dir.empty() ? VerifyLive(ctx, *chain_only) : VerifyBundleCommand(*bundle);
    };
  });
}

}  // namespace lumbung::cli
