// The ledger side of an import: options checked once, every row checked
// against the rules in one dry run, then one atomic append.

#include <algorithm>

#include <nlohmann/json.hpp>

#include "lumbung/import/csv_import.h"
#include "lumbung/ledger/event_json.h"

namespace lumbung::import {
namespace {

using nlohmann::ordered_json;

struct OptionName {
  std::string_view field;
  std::string_view option;
};

// Runs the event codec's shape checks over an event made of the options
// and a harmless row, and names the option at fault.
Status CheckProbe(const ordered_json& probe, std::initializer_list<OptionName> names) {
  const EventInput input = DecodeEventObject(probe);
  Status st = input.decode_error;
  if (st.ok()) {
    std::string scratch;
    Status verified;
    const fb::EventBody* body = VerifyEventBody(input.body, &scratch, &verified);
    st = body == nullptr ? std::move(verified) : ValidateEventBody(*body);
  }
  if (st.ok()) return st;
  for (const OptionName& n : names) {
    if (st.field() == n.field) {
      return Status::InvalidArgument(std::string(n.option) + ": " + std::string(st.message()));
    }
  }
  return Status::InvalidArgument(st.message());
}

// The writer's sentence for a reused event_id speaks of ids; an officer
// re-importing a list needs to know what it means for the row.
Status ForRow(const Status& st) {
  if (st.reason() == "event_id_conflict") {
    return Status::Rejected(
        st.reason(), "beneficiary_id",
        "this row was recorded before with different details (" + std::string(st.message()) +
            "); a list is re-imported with the same rows and the same effective date");
  }
  return Status::Make(st.code(), st.reason(), st.field(), st.message());
}

}  // namespace

Status CheckDisbursementOptions(const DisbursementOptions& o) {
  ordered_json probe = {{"type", "AidDisbursed"},
                        {"event_id", "probe"},
                        {"effective_date", o.effective_date},
                        {"program_id", o.program_id},
                        {"beneficiary_id", "probe"},
                        {"cycle", o.cycle},
                        {"amount", 1},
                        {"channel", "CASH"}};
  if (!o.batch_id.empty()) probe["batch_id"] = o.batch_id;
  return CheckProbe(probe, {{"program_id", "--program"},
                            {"cycle", "--cycle"},
                            {"effective_date", "--effective-date"},
                            {"batch_id", "--batch-id"}});
}

Status CheckEnrolmentOptions(const EnrolmentOptions& o) {
  ordered_json probe = {{"type", "BeneficiaryEnrolled"},
                        {"event_id", "probe"},
                        {"effective_date", o.effective_date},
                        {"program_id", o.program_id},
                        {"beneficiary_id", "probe"},
                        {"region_code", "31.75.07.1005"},
                        {"source", o.source.empty() ? std::string("DTSEN") : o.source}};
  return CheckProbe(probe, {{"program_id", "--program"},
                            {"effective_date", "--effective-date"},
                            {"source", "--source"}});
}

Result<ImportResult> ImportRows(Ledger& ledger, ParsedFile file, const std::string& actor) {
  ImportResult out;
  out.problems = std::move(file.problems);
  const std::vector<size_t> lines = std::move(file.lines);
  if (!file.events.empty()) {
    // The dry run sees the state a real append would, each row after the
    // ones before it, so every rule violation of the file shows at once.
    std::vector<EventInput> copy = file.events;
    LUMBUNG_ASSIGN_OR_RETURN(const std::vector<Status> checked,
                             ledger.Check(std::move(copy), actor));
    for (size_t i = 0; i < checked.size(); ++i) {
      if (!checked[i].ok()) out.problems.push_back(RowProblem{lines[i], ForRow(checked[i])});
    }
  }
  std::stable_sort(out.problems.begin(), out.problems.end(),
                   [](const RowProblem& a, const RowProblem& b) { return a.line < b.line; });
  if (!out.problems.empty()) return out;
  if (file.events.empty()) return Status::Rejected("empty_file", "", "the file has no rows");
  auto receipts = ledger.Append(std::move(file.events), actor);
  if (!receipts.ok()) {
    // Someone else's write between the check and the append can still
    // make a row fail; it is reported like any other bad row.
    const Status& st = receipts.status();
    const int64_t index = st.index();
    if (!st.IsRejected() || index < 0 || static_cast<size_t>(index) >= lines.size()) return st;
    out.problems.push_back(RowProblem{lines[static_cast<size_t>(index)], ForRow(st)});
    return out;
  }
  out.receipts = std::move(*receipts);
  for (const Receipt& r : out.receipts) out.replayed += r.replayed ? 1 : 0;
  return out;
}

}  // namespace lumbung::import
