#include <iostream>

#include "lumbung/ledger/verify.h"

#include "cli.h"
#include "cli_audit.h"

namespace lumbung::cli {
namespace {

int VerifyLive(const Context& ctx) {
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
  std::cout << "ok: " << report->entries << " entries verified (hash chain, Merkle tree, "
            << "event shapes)\n"
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
  cmd->callback([&ctx, bundle] {
    ctx.run = [&ctx, bundle] {
      return bundle->dir.empty() ? VerifyLive(ctx) : VerifyBundleCommand(*bundle);
    };
  });
}

}  // namespace lumbung::cli
