#include <iostream>

#include "lumbung/ledger/projection.h"

#include "cli.h"

namespace lumbung::cli {
namespace {

// Replays the whole log into a fresh projection state with the same rules
// the writer applies, and compares its digest with the stored projection's.
int Rebuild(const Context& ctx) {
  auto ledger = OpenLedger(ctx, true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto snapshot = (*ledger)->Snapshot();
  Progress progress("rebuild");
  ReplayOptions options;
  options.progress = [&progress](uint64_t done, uint64_t total) { progress.Update(done, total); };
  auto report = RebuildAndCompare(*snapshot, options);
  progress.Done();
  if (!report.ok()) return ReportError(report.status());
  std::cout << "entries replayed: " << report->entries << " in " << report->replay_seconds
            << " s (with both digests " << report->total_seconds << " s)\n"
            << "rebuilt projection digest: " << audit::ToHex(report->rebuilt) << '\n'
            << "stored projection digest:  " << audit::ToHex(report->stored) << '\n';
  if (!report->equal()) {
    std::cout << "FAIL the stored projections do not equal a replay of the log" << std::endl;
    std::cerr << "lumbung: the stored projections differ from a replay of the log" << std::endl;
    return kExitRejected;
  }
  std::cout << "ok: the stored projections equal a replay of the log" << std::endl;
  return kExitOk;
}

}  // namespace

void AddRebuildCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "rebuild", "replay the whole log into fresh projections and compare with the stored ones");
  cmd->callback([&ctx] { ctx.run = [&ctx] { return Rebuild(ctx); }; });
}

}  // namespace lumbung::cli
