#include <iostream>

#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/ledger/event_json.h"

#include "cli.h"

namespace lumbung::cli {
namespace {

int Log(const Context& ctx, uint64_t from, uint64_t limit) {
  auto ledger = OpenLedger(ctx, true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto snapshot = (*ledger)->Snapshot();
  audit::VerifiedEntry entry;
  Status st = snapshot->ScanEntries(from, limit, [&](uint64_t seq, std::string_view bytes) {
    Status loaded = entry.Load(bytes);
    if (!loaded.ok()) {
      return Status::Corruption("entry " + std::to_string(seq) + ": " +
                                std::string(loaded.message()))
          .WithSeq(static_cast<int64_t>(seq));
    }
    const auto& e = entry.entry();
    nlohmann::ordered_json line = {{"seq", seq},
                                   {"leaf_hash", audit::ToHex(audit::LeafHash(entry.bytes()))},
                                   {"entry", audit::Base64Encode(entry.bytes())},
                                   {"event", EventBodyToJsonValue(entry.body())},
                                   {"recorded_at_ms", e.recorded_at_ms()},
                                   {"actor", e.actor()->str()}};
    std::cout << DumpJson(line) << '\n';
    return Status();
  });
  std::cout.flush();
  if (!st.ok()) return ReportError(st);
  return kExitOk;
}

}  // namespace

void AddLogCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("log", "print entries as JSON lines");
  auto from = std::make_shared<uint64_t>(0);
  auto limit = std::make_shared<uint64_t>(1000);
  cmd->add_option("--from", *from, "first seq")->capture_default_str();
  cmd->add_option("--limit", *limit, "number of entries")
      ->capture_default_str()
      ->check(CLI::Range(uint64_t{1}, uint64_t{limits::kLogReadLimitMax}));
  cmd->callback(
      [&ctx, from, limit] { ctx.run = [&ctx, from, limit] { return Log(ctx, *from, *limit); }; });
}

}  // namespace lumbung::cli
