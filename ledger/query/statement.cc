// Beneficiary statements, and the statement lines that loan answers share:
// every entry that posted to an account, read from the account's history
// rows, with the entry's date, type, receipt code and the balance after.

#include <algorithm>
#include <array>

#include "lumbung/audit/hash.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/pii.h"
#include "lumbung/ledger/receipt.h"

#include "query_internal.h"

namespace lumbung::query {

using internal::Json;

namespace internal {
namespace {

// Event fields a statement may show. Everything else stays out: ids of other
// people, provider references (bank accounts), commitments and free-text
// memos, which may carry personal data.
constexpr std::array<std::string_view, 15> kDetailKeys = {
    "cycle",         "channel",        "amount",        "principal", "reason",
    "disbursed_seq", "target_seq",     "region_code",   "source",    "installments",
    "period_days",   "first_due_date", "next_due_date", "purpose",   "funder"};

Json Details(const Json& event) {
  Json out = Json::object();
  for (const auto& [key, value] : event.items()) {
    if (key == "replacement" && value.is_object()) {
      Json nested = Details(value);
      nested["type"] = value.value("type", "");
      out[key] = std::move(nested);
      continue;
    }
    for (std::string_view allowed : kDetailKeys) {
      if (key == allowed) out[key] = value;
    }
  }
  return out;
}

}  // namespace

Result<Json> StatementLines(const LedgerSnapshot& snapshot, const History& history) {
  Json lines = Json::array();
  int64_t before = 0;
  audit::VerifiedEntry entry;
  for (const domain::HistoryItem& item : history.items) {
    LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(item.seq, &entry));
    const fb::EventBody& body = entry.body();
    int64_t change = 0;
    if (__builtin_sub_overflow(item.balance, before, &change)) {
      return Status::Corruption(
          Cat({"history balances of entry ", std::to_string(item.seq), " overflow"}));
    }
    lines.push_back(Json{{"seq", item.seq},
                         {"date", body.effective_date()->str()},
                         {"type", std::string(EventTypeName(body.event_type()))},
                         {"amount", change},
                         {"balance", item.balance},
                         {"receipt", ReceiptCode(audit::LeafHash(entry.bytes()))},
                         {"details", Details(EventBodyToJsonValue(body))}});
    before = item.balance;
  }
  return lines;
}

}  // namespace internal

namespace {

using internal::Unknown;

Json ActivePayments(const domain::BeneficiaryRec& b) {
  std::vector<const domain::PaidRec*> paid;
  for (const domain::PaidRec& q : b.paid) paid.push_back(&q);
  std::sort(paid.begin(), paid.end(), [](auto* x, auto* y) { return x->cycle() < y->cycle(); });
  Json out = Json::array();
  for (const domain::PaidRec* q : paid) {
    out.push_back(Json{{"cycle", q->cycle().str()}, {"seq", q->seq}, {"amount", q->amount}});
  }
  return out;
}

Json Enrolment(const domain::ProgramRec& p, const domain::BeneficiaryRec& b) {
  Json out{{"program_id", p.id},
           {"beneficiary_id", b.id()},
           {"unit", p.unit},
           {"region_code", b.region_code.str()},
           {"household_id", b.household_id},
           {"source", b.source.str()},
           {"status", b.status == domain::BeneficiaryStatus::kEnrolled ? "enrolled" : "exited"},
           {"enrolled_seq", b.enrolled_seq}};
  if (b.status == domain::BeneficiaryStatus::kExited) {
    out["exit_reason"] = std::string(internal::ExitReasonName(b.exit_reason));
    out["exited_seq"] = b.exited_seq;
  }
  out["personal_data_erased"] = b.erased;
  return out;
}

// Whether the commitment in the enrolment entry at `seq` is the one the
// held salt and data give.
Result<bool> CommitmentVerified(const LedgerSnapshot& snapshot, uint64_t seq,
                                const HeldPersonalData& held) {
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
  const fb::BeneficiaryEnrolled* enrolment = entry.body().event_as_BeneficiaryEnrolled();
  if (enrolment == nullptr || enrolment->pii_commitment() == nullptr) return false;
  const audit::Hash recomputed = PiiCommitment(held.salt, held.data);
  return std::equal(recomputed.begin(), recomputed.end(),
                    enrolment->pii_commitment()->bytes()->begin());
}

// The last PersonalDataErased among the statement's entries.
Result<Json> Erasure(const LedgerSnapshot& snapshot, const Json& lines) {
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    if ((*it)["type"] != "PersonalDataErased") continue;
    const uint64_t seq = (*it)["seq"].get<uint64_t>();
    audit::VerifiedEntry entry;
    LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
    return Json{
        {"seq", seq}, {"date", (*it)["date"]}, {"recorded_at_ms", entry.entry().recorded_at_ms()}};
  }
  return Status::Corruption(
      "the beneficiary is marked erased, but no PersonalDataErased entry "
      "is in its statement");
}

Status AddPersonalData(const LedgerSnapshot& snapshot, const Secret& key,
                       const domain::ProgramRec& p, const domain::BeneficiaryRec& b, Json* out) {
  LUMBUNG_ASSIGN_OR_RETURN(const std::optional<HeldPersonalData> held,
                           ReadPersonalData(snapshot, key, p.id, b.id()));
  if (held) {
    LUMBUNG_ASSIGN_OR_RETURN(const bool verified,
                             CommitmentVerified(snapshot, b.enrolled_seq, *held));
    (*out)["pii_status"] = "held";
    (*out)["pii"] = Json{{"name", held->data.name},
                         {"nik", held->data.nik},
                         {"address", held->data.address},
                         {"phone", held->data.phone}};
    (*out)["pii_commitment_verified"] = verified;
    return Status();
  }
  (*out)["pii_status"] = b.erased ? "erased" : "not_held";
  (*out)["pii"] = nullptr;
  if (b.erased) {
    LUMBUNG_ASSIGN_OR_RETURN((*out)["pii_erased"], Erasure(snapshot, (*out)["entries"]));
  }
  return Status();
}

}  // namespace

Result<Json> Beneficiary(const LedgerSnapshot& snapshot, std::string_view program_id,
                         std::string_view beneficiary_id, const Options& options) {
  const std::string p_id(program_id), b_id(beneficiary_id);
  if (options.pii_master_key != nullptr && options.as_of_seq &&
      *options.as_of_seq != snapshot.size()) {
    return Status::InvalidArgument(
        "personal data is shown only for the present ledger, not as of an earlier seq");
  }
  internal::RowSet rows;
  rows.keys = {domain::ProgramKey(p_id), domain::BeneficiaryKey(p_id, b_id)};
  rows.prefixes = {domain::PaidKey(p_id, b_id, "")};  // "Q/<p>/<b>/": the active slots
  LUMBUNG_ASSIGN_OR_RETURN(internal::View view, internal::LoadView(snapshot, options, rows));
  const auto p = view.state.programs.find(p_id);
  if (p == view.state.programs.end()) {
    return Unknown("unknown_program", "program_id", internal::Cat({"no programme ", p_id}));
  }
  const auto b = p->second.beneficiaries.find(b_id);
  if (b == p->second.beneficiaries.end()) {
    return Unknown("unknown_beneficiary", "beneficiary_id",
                   internal::Cat({b_id, " was never enrolled in programme ", p_id}));
  }
  const std::string account = domain::BeneficiaryAccount(p_id, b_id);
  LUMBUNG_ASSIGN_OR_RETURN(const internal::History history,
                           internal::ReadHistory(snapshot, account, view.stamp.as_of_seq));
  LUMBUNG_ASSIGN_OR_RETURN(Json lines, internal::StatementLines(snapshot, history));
  Json out = Enrolment(p->second, b->second);
  out["as_of_seq"] = view.stamp.as_of_seq;
  out["as_of"] = view.stamp.as_of;
  out["account"] = account;
  out["received"] = internal::AmountMetric(
      b->second.balance, p->second.unit,
      internal::Cat(
          {"balance of ", account, ": active disbursements, net of returns and corrections"}),
      view.stamp);
  out["active_payments"] = ActivePayments(b->second);
  out["entries"] = std::move(lines);
  if (options.pii_master_key != nullptr) {
    LUMBUNG_RETURN_IF_ERROR(
        AddPersonalData(snapshot, *options.pii_master_key, p->second, b->second, &out));
  }
  return out;
}

}  // namespace lumbung::query
