#include <iostream>
#include <optional>

#include "lumbung/ledger/checkpoint.h"

#include "cli_audit.h"

namespace lumbung::cli {
namespace {

int Checkpoint(const Context& ctx, std::optional<uint64_t> size) {
  // Signing writes the checkpoints column family: the ledger is opened for
  // writing, which also makes this the one process that may sign.
  auto ledger = OpenLedger(ctx, /*read_only=*/false);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto checkpoint = SignCheckpoint(**ledger, size);
  if (!checkpoint.ok()) return ReportError(checkpoint.status());
  std::cout << checkpoint->note << std::flush;
  return kExitOk;
}

}  // namespace

void AddCheckpointCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "checkpoint", "sign (or show the stored) checkpoint of the log and print the signed note");
  auto size = std::make_shared<uint64_t>(0);
  auto* size_option =
      cmd->add_option("--size", *size, "tree size to sign (default: every entry so far)");
  cmd->callback([&ctx, size, size_option] {
    const std::optional<uint64_t> chosen =
        size_option->count() > 0 ? std::optional<uint64_t>(*size) : std::nullopt;
    ctx.run = [&ctx, chosen] { return Checkpoint(ctx, chosen); };
  });
}

}  // namespace lumbung::cli
