#include "oversight_routes.h"

#include <atomic>
#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/export/bundle.h"
#include "lumbung/export/oversight.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/receipt.h"
#include "lumbung/ledger/receipt_index.h"
#include "lumbung/ledger/secrets.h"

#include <stdlib.h>

namespace lumbung::api {
namespace {

using nlohmann::ordered_json;

Response JsonResponse(const ordered_json& body) {
  Response r;
  r.body = DumpJson(body);
  return r;
}

// Writes the export and its tar into a fresh temporary folder, which the
// response removes once sent.
Response OversightTar(Ledger& ledger, const std::string& program) {
  auto key = LoadSecret(PseudonymKeyPath(ledger.dir()));
  if (!key.ok()) return FromStatus(key.status());
  auto cp = exports::ChooseBundleCheckpoint(ledger, std::nullopt);
  if (!cp.ok()) return FromStatus(cp.status());
  auto dir = MakeExportDir("lumbung-oversight");
  if (!dir.ok()) return FromStatus(dir.status());
  exports::OversightOptions options;
  options.program_id = program;
  options.pseudonym_key = *key;
  auto info = exports::WriteOversight(*ledger.Snapshot(), *cp, *dir + "/oversight", options);
  const std::string prefix = "lumbung-oversight-" + std::to_string(cp->size);
  const Status st = info.ok() ? exports::WriteOversightTarFile(*dir + "/oversight", prefix,
                                                               info->last_recorded_at_ms / 1000,
                                                               *dir + "/oversight.tar")
                              : info.status();
  return TarFileResponse(*dir, *dir + "/oversight.tar", prefix, st);
}

// The entry's proof against `cp`, or nulls and why when `cp` does not
// cover the entry.
Status AddProof(const LedgerSnapshot& snapshot, uint64_t seq, const Result<SignedCheckpoint>& cp,
                ordered_json* out) {
  if (!cp.ok() && !cp.status().IsNotFound()) return cp.status();
  if (!cp.ok() || cp->size <= seq) {
    for (const char* name : {"tree_size", "root", "proof", "checkpoint"}) (*out)[name] = nullptr;
    (*out)["pending"] =
        "no signed checkpoint covers this entry yet; it will be proved once the office signs one";
    return Status();
  }
  LUMBUNG_ASSIGN_OR_RETURN(const InclusionProofResult proof,
                           ProveInclusion(snapshot, seq, cp->size));
  ordered_json path = ordered_json::array();
  for (const audit::Hash& h : proof.proof) path.push_back(audit::ToHex(h));
  (*out)["tree_size"] = proof.tree_size;
  (*out)["root"] = audit::ToHex(proof.root);
  (*out)["proof"] = std::move(path);
  (*out)["checkpoint"] = cp->note;
  return Status();
}

Result<ordered_json> ReceiptAnswer(const LedgerSnapshot& snapshot, const std::string& code) {
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<ReceiptMatch> matches, FindReceipt(snapshot, code));
  if (matches.empty()) {
    return Status::Make(Code::kNotFound, "unknown_receipt", "code",
                        "no entry of this ledger has the receipt code " + code);
  }
  const ReceiptMatch& match = matches.front();
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(match.seq, &entry));
  ordered_json out = {{"seq", match.seq},
                      {"receipt", code},
                      {"leaf_hash", audit::ToHex(match.leaf_hash)},
                      {"entry", audit::Base64Encode(entry.bytes())},
                      {"event", EventBodyToJsonValue(entry.body())}};
  LUMBUNG_RETURN_IF_ERROR(AddProof(snapshot, match.seq, LatestCheckpoint(snapshot), &out));
  if (matches.size() > 1) {
    ordered_json others = ordered_json::array();
    for (size_t i = 1; i < matches.size(); ++i) others.push_back(matches[i].seq);
    out["other_seqs"] = std::move(others);
  }
  return out;
}

}  // namespace

void GetOversight(Call& c) {
  static std::atomic<bool> running{false};
  if (running.exchange(true)) {
    return c.respond(FromStatus(Status::Busy("an export is already being written; retry shortly")));
  }
  const std::string* program = c.params.Get("program");
  std::thread([&ledger = ApiLedger(c.api), respond = c.respond,
               program = program != nullptr ? *program : std::string()] {
    Response r = OversightTar(ledger, program);
    running.store(false);
    respond(std::move(r));
  }).detach();
}

void GetReceipt(Call& c) {
  const std::optional<std::string> code = NormalizeReceiptCode(c.path("code"));
  if (!code) {
    return c.respond(ErrorResponse(400, "invalid_receipt_code",
                                   "a receipt code is 11 characters, XXXXX-XXXXX-C, whose last "
                                   "one checks the others; this one does not",
                                   "code"));
  }
  auto answer = ReceiptAnswer(*ApiLedger(c.api).Snapshot(), *code);
  c.respond(answer.ok() ? JsonResponse(*answer) : FromStatus(answer.status()));
}

}  // namespace lumbung::api
