// `lumbung receipt SEQ [--format text|json]`: the slip a finance officer
// prints and hands to the person paid. It carries the receipt code (which
// the person types into the public oversight page, docs/oversight.md) and
// what the page will show for it; no name, NIK or beneficiary id, only the
// person's pseudonym in the programme.

#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/receipt.h"
#include "lumbung/ledger/secrets.h"

#include "cli_audit.h"
#include "query_table.h"

namespace lumbung::cli {
namespace {

using Json = nlohmann::ordered_json;

struct Slip {
  std::string origin;
  uint64_t seq = 0;
  std::string receipt;
  std::string program_id, program_name, unit;
  std::string cycle, effective_date, channel;
  int64_t amount = 0;
  bool active = false;  // not returned, not corrected away
  std::string pseudonym;
  audit::Hash leaf_hash{};
  std::optional<SignedCheckpoint> checkpoint;  // the newest, if it covers the entry
};

const fb::AidDisbursed* DisbursementOf(const fb::EventBody& body) {
  if (const fb::AidDisbursed* d = body.event_as_AidDisbursed()) return d;
  if (const fb::EventCorrected* c = body.event_as_EventCorrected()) {
    return c->replacement_as_AidDisbursed();
  }
  return nullptr;
}

// Name, unit, and whether the payment is still active, from the queries.
Status AddProgramme(const LedgerSnapshot& snapshot, std::string_view beneficiary_id, Slip* slip) {
  LUMBUNG_ASSIGN_OR_RETURN(const Json program, query::Program(snapshot, slip->program_id));
  slip->program_name = program.at("name").get<std::string>();
  slip->unit = program.at("unit").get<std::string>();
  LUMBUNG_ASSIGN_OR_RETURN(const Json beneficiary,
                           query::Beneficiary(snapshot, slip->program_id, beneficiary_id));
  for (const Json& payment : beneficiary.at("active_payments")) {
    if (payment.at("seq").get<uint64_t>() == slip->seq) slip->active = true;
  }
  return Status();
}

Result<Slip> MakeSlip(const Ledger& ledger, const LedgerSnapshot& snapshot, uint64_t seq,
                      const Secret& key) {
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
  const fb::AidDisbursed* d = DisbursementOf(entry.body());
  if (d == nullptr) {
    const std::string type(EventTypeName(entry.body().event_type()));
    return Status::Make(Code::kInvalidArgument, "not_a_disbursement", "seq",
                        "entry " + std::to_string(seq) + " is " + type +
                            ", not a disbursement: only disbursements have a receipt slip")
        .WithSeq(static_cast<int64_t>(seq));
  }
  Slip slip;
  slip.origin = ledger.origin();
  slip.seq = seq;
  slip.leaf_hash = audit::LeafHash(entry.bytes());
  slip.receipt = ReceiptCode(slip.leaf_hash);
  slip.program_id = d->program_id()->str();
  slip.cycle = d->cycle()->str();
  slip.effective_date = entry.body().effective_date()->str();
  slip.channel = fb::EnumNameChannel(d->channel());
  slip.amount = d->amount();
  slip.pseudonym = Pseudonym(key, slip.program_id, d->beneficiary_id()->string_view());
  LUMBUNG_RETURN_IF_ERROR(AddProgramme(snapshot, d->beneficiary_id()->string_view(), &slip));
  auto latest = LatestCheckpoint(snapshot);
  if (latest.ok() && latest->size > seq) slip.checkpoint = *latest;
  if (!latest.ok() && !latest.status().IsNotFound()) return latest.status();
  return slip;
}

Json SlipJson(const Slip& s) {
  Json checkpoint = nullptr;
  if (s.checkpoint) {
    checkpoint = Json{{"tree_size", s.checkpoint->size},
                      {"root", audit::ToHex(s.checkpoint->root)},
                      {"note", s.checkpoint->note}};
  }
  return Json{{"origin", s.origin},
              {"seq", s.seq},
              {"receipt", s.receipt},
              {"program_id", s.program_id},
              {"program_name", s.program_name},
              {"cycle", s.cycle},
              {"effective_date", s.effective_date},
              {"amount", s.amount},
              {"unit", s.unit},
              {"amount_text", FormatMoney(s.amount, s.unit)},
              {"channel", s.channel},
              {"status", s.active ? "active" : "inactive"},
              {"pseudonym", s.pseudonym},
              {"leaf_hash", audit::ToHex(s.leaf_hash)},
              {"checkpoint", std::move(checkpoint)}};
}

// "4K7Q2-9MX3P-H" as "4 K 7 Q 2 - 9 M X 3 P - H" in a box: read aloud and
// typed without guessing where one character ends.
std::string BigCode(std::string_view code) {
  std::string spaced;
  for (char c : code) {
    if (!spaced.empty()) spaced += ' ';
    spaced += c;
  }
  const std::string rule = "+" + std::string(spaced.size() + 6, '-') + "+";
  return "      " + rule + "\n      |   " + spaced + "   |\n      " + rule + "\n      (" +
         std::string(code) + ")\n";
}

std::string Line(std::string_view label, std::string_view value) {
  std::string out = "  ";
  out += label;
  out.append(label.size() < 26 ? 26 - label.size() : 1, ' ');
  out += value;
  out += '\n';
  return out;
}

std::string CheckpointLines(const Slip& s) {
  if (!s.checkpoint) {
    return Line("Checkpoint:", "belum ada yang mencakup entri ini; minta petugas menandatangani") +
           Line("", "none covers this entry yet; ask the office to sign one");
  }
  return Line("Checkpoint:", "ukuran / size " + std::to_string(s.checkpoint->size)) +
         Line("", "akar / root " + audit::ToHex(s.checkpoint->root));
}

std::string SlipText(const Slip& s) {
  const std::string rule(64, '=');
  std::string out =
      rule + "\n  BUKTI PENYALURAN BANTUAN / AID DISBURSEMENT RECEIPT\n" + rule + "\n";
  out += Line("Buku besar / Ledger:", s.origin);
  out += Line("Nomor entri / Entry:", std::to_string(s.seq));
  out += "\n  KODE BUKTI / RECEIPT CODE\n\n" + BigCode(s.receipt) + "\n";
  out += Line("Program / Programme:", s.program_id + " (" + s.program_name + ")");
  out += Line("Siklus / Cycle:", s.cycle);
  out += Line("Tanggal / Date:", s.effective_date);
  out += Line("Jumlah / Amount:", FormatMoney(s.amount, s.unit));
  out += Line("Saluran / Channel:", s.channel);
  out += Line("Status:", s.active ? "aktif / active"
                                  : "tidak aktif: dikembalikan atau dikoreksi / "
                                    "inactive: returned or corrected");
  out += Line("Pseudonim / Pseudonym:", s.pseudonym);
  out += Line("Hash daun / Leaf hash:", audit::ToHex(s.leaf_hash));
  out += CheckpointLines(s);
  out +=
      "\n  Ketik kode ini di halaman pengawasan publik; ponsel Anda memeriksanya\n"
      "  sendiri terhadap checkpoint yang ditandatangani.\n"
      "  Type this code into the public oversight page; your own phone checks it\n"
      "  against the signed checkpoint.\n";
  out += rule + "\n";
  return out;
}

int PrintReceipt(const Context& ctx, uint64_t seq, const std::string& format) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto key = LoadSecret(PseudonymKeyPath(ctx.data_dir));
  if (!key.ok()) return ReportError(key.status());
  auto slip = MakeSlip(**ledger, *(*ledger)->Snapshot(), seq, *key);
  if (!slip.ok()) return ReportError(slip.status());
  if (format == "json") {
    std::cout << DumpJson(SlipJson(*slip)) << std::endl;
  } else {
    std::cout << SlipText(*slip) << std::flush;
  }
  return kExitOk;
}

}  // namespace

void AddReceiptCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("receipt", "print the receipt slip of a disbursement");
  auto seq = std::make_shared<uint64_t>(0);
  auto format = std::make_shared<std::string>("text");
  cmd->add_option("seq", *seq, "the disbursement's seq")->required();
  cmd->add_option("--format", *format, "text (the slip) or json")
      ->capture_default_str()
      ->check(CLI::IsMember({"text", "json"}));
  cmd->callback([&ctx, seq, format] {
    ctx.run = [&ctx, seq, format] { return PrintReceipt(ctx, *seq, *format); };
  });
}

}  // namespace lumbung::cli
