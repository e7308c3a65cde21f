// erase: a data-protection request. Appends PersonalDataErased, whose
// writer deletes the person's vault row in the same batch, then purges the
// storage so the sealed row's bytes leave the disk (Ledger::
// PurgeErasedPersonalData). Every entry, hash, proof and checkpoint stays
// valid: the log never held the data.

#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/base/limits.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/receipt.h"

#include "cli.h"

namespace lumbung::cli {
namespace {

struct EraseArgs {
  std::string program_id;
  std::string beneficiary_id;
  std::string reason;
  std::string event_id;  // empty: DefaultEventId
};

// "erase:<program>:<beneficiary>", or, when that is over the 64 characters
// an event_id may have, "erase:" and 32 hex digits of SHA-256(program 0x00
// beneficiary). Both are made of event_id characters, and the two forms
// never collide: the hashed one has no second ':'. Derived, so that running
// the same request again answers the original receipt.
std::string DefaultEventId(const std::string& program_id, const std::string& beneficiary_id) {
  std::string id = "erase:" + program_id + ":" + beneficiary_id;
  if (id.size() <= limits::kIdCharsMax) return id;
  std::string both = program_id;
  both.push_back('\0');
  both.append(beneficiary_id);
  return "erase:" + audit::ToHex(audit::Sha256(both)).substr(0, 32);
}

std::string TodayUtc() {
  using namespace std::chrono;
  const auto days =
      duration_cast<duration<int64_t, std::ratio<86400>>>(system_clock::now().time_since_epoch());
  return FormatDate(static_cast<int32_t>(days.count()));
}

// The effective date of the erasure: today, or, when this event_id already
// recorded an erasure, that entry's date, so that a retry on another day is
// still the same event (and gets the original receipt).
std::string EffectiveDate(const Ledger& ledger, const std::string& event_id) {
  const auto snapshot = ledger.Snapshot();
  const auto seq = snapshot->FindEventId(event_id);
  audit::VerifiedEntry entry;
  if (seq.ok() && snapshot->GetEntry(*seq, &entry).ok() &&
      entry.body().event_type() == fb::Event::PersonalDataErased) {
    return entry.body().effective_date()->str();
  }
  return TodayUtc();
}

int Erase(const Context& ctx, const EraseArgs& args) {
  auto ledger = OpenLedger(ctx, /*read_only=*/false);
  if (!ledger.ok()) return ReportError(ledger.status());
  const std::string event_id =
      args.event_id.empty() ? DefaultEventId(args.program_id, args.beneficiary_id) : args.event_id;
  const nlohmann::ordered_json event = {{"type", "PersonalDataErased"},
                                        {"event_id", event_id},
                                        {"effective_date", EffectiveDate(**ledger, event_id)},
                                        {"program_id", args.program_id},
                                        {"beneficiary_id", args.beneficiary_id},
                                        {"reason", args.reason}};
  std::vector<EventInput> batch;
  batch.push_back(DecodeEventObject(event));
  auto receipts = (*ledger)->Append(std::move(batch), CliActor());
  if (!receipts.ok()) {
    std::cerr << "lumbung: nothing was erased" << std::endl;
    return ReportError(receipts.status());
  }
  const Receipt& r = receipts->front();
  std::cout << DumpJson(nlohmann::ordered_json{{"seq", r.seq},
                                               {"event_id", r.event_id},
                                               {"leaf_hash", audit::ToHex(r.leaf_hash)},
                                               {"receipt", ReceiptCode(r.leaf_hash)}})
            << std::endl;
  Status purged = (*ledger)->PurgeErasedPersonalData();
  if (!purged.ok()) {
    return ReportError(std::move(purged).Annotate(
        "the erasure is recorded (seq " + std::to_string(r.seq) +
        "), but purging the old bytes from storage failed; run the same erase again"));
  }
  std::cerr << "lumbung: the personal data of " << args.beneficiary_id << " in " << args.program_id
            << " is erased (seq " << r.seq << ")"
            << (r.replayed ? ", as recorded before; storage purged again" : "") << std::endl;
  return kExitOk;
}

}  // namespace

void AddEraseCommands(CLI::App& app, Context& ctx) {
  auto args = std::make_shared<EraseArgs>();
  auto* cmd =
      app.add_subcommand("erase",
                         "erase a beneficiary's personal data (a data-protection request): records "
                         "PersonalDataErased and purges the sealed data from storage");
  cmd->add_option("program", args->program_id, "programme id")->required();
  cmd->add_option("beneficiary", args->beneficiary_id, "beneficiary id")->required();
  cmd->add_option("--reason", args->reason, "why (recorded in the log: no personal data here)")
      ->required();
  cmd->add_option("--event-id", args->event_id,
                  "idempotency key (default: derived from the ids, so a retry is safe)");
  cmd->callback([&ctx, args] { ctx.run = [&ctx, args] { return Erase(ctx, *args); }; });
}

}  // namespace lumbung::cli
