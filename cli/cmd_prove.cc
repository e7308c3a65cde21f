#include <iostream>
#include <optional>

#include "lumbung/ledger/proof.h"

#include "cli_audit.h"

namespace lumbung::cli {
namespace {

std::optional<uint64_t> IfGiven(const CLI::Option* option, uint64_t value) {
  return option->count() > 0 ? std::optional<uint64_t>(value) : std::nullopt;
}

int Inclusion(const Context& ctx, uint64_t seq, std::optional<uint64_t> size) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto proof = ProveInclusion(*(*ledger)->Snapshot(), seq, size);
  if (!proof.ok()) return ReportError(proof.status());
  std::cout << InclusionProofJson(*proof) << std::endl;
  return kExitOk;
}

int Consistency(const Context& ctx, uint64_t old_size, std::optional<uint64_t> new_size) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto proof = ProveConsistency(*(*ledger)->Snapshot(), old_size, new_size);
  if (!proof.ok()) return ReportError(proof.status());
  std::cout << ConsistencyProofJson(*proof) << std::endl;
  return kExitOk;
}

void AddInclusion(CLI::App& prove, Context& ctx) {
  auto* cmd = prove.add_subcommand("inclusion", "prove that an entry is in the log (RFC 9162)");
  auto seq = std::make_shared<uint64_t>(0);
  auto size = std::make_shared<uint64_t>(0);
  cmd->add_option("--seq", *seq, "the entry's seq")->required();
  auto* size_option = cmd->add_option("--size", *size, "tree size (default: the head)");
  cmd->callback([&ctx, seq, size, size_option] {
    const std::optional<uint64_t> chosen = IfGiven(size_option, *size);
    ctx.run = [&ctx, seq, chosen] { return Inclusion(ctx, *seq, chosen); };
  });
}

void AddConsistency(CLI::App& prove, Context& ctx) {
  auto* cmd = prove.add_subcommand(
      "consistency", "prove that the log at an older size is a prefix of it now (RFC 9162)");
  auto old_size = std::make_shared<uint64_t>(0);
  auto new_size = std::make_shared<uint64_t>(0);
  cmd->add_option("--old", *old_size, "the older tree size")->required();
  auto* new_option = cmd->add_option("--new", *new_size, "the newer tree size (default: the head)");
  cmd->callback([&ctx, old_size, new_size, new_option] {
    const std::optional<uint64_t> chosen = IfGiven(new_option, *new_size);
    ctx.run = [&ctx, old_size, chosen] { return Consistency(ctx, *old_size, chosen); };
  });
}

}  // namespace

void AddProveCommands(CLI::App& app, Context& ctx) {
  auto* prove = app.add_subcommand("prove", "print Merkle proofs as JSON");
  prove->require_subcommand(1);
  AddInclusion(*prove, ctx);
  AddConsistency(*prove, ctx);
}

}  // namespace lumbung::cli
