#include "oversight_data.h"

#include <algorithm>

#include "lumbung/audit/chain.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/checked.h"
#include "lumbung/export/suppression.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/receipt.h"

namespace lumbung::exports::internal {
namespace {

using Json = nlohmann::ordered_json;

// The disbursement an entry records, if it records one.
const fb::AidDisbursed* DisbursementOf(const fb::EventBody& body) {
  if (const fb::AidDisbursed* d = body.event_as_AidDisbursed()) return d;
  if (const fb::EventCorrected* c = body.event_as_EventCorrected()) {
    return c->replacement_as_AidDisbursed();
  }
  return nullptr;
}

DisbursementRow MakeRow(uint64_t seq, const audit::Hash& leaf, const fb::EventBody& body,
                        const fb::AidDisbursed& d) {
  DisbursementRow row;
  row.seq = seq;
  row.receipt = ReceiptCode(leaf);
  row.program_id = d.program_id()->str();
  row.beneficiary_id = d.beneficiary_id()->str();
  row.cycle = d.cycle()->str();
  row.effective_date = body.effective_date()->str();
  row.amount = d.amount();
  row.channel = fb::EnumNameChannel(d.channel());
  return row;
}

// Collects one block at a time and hands it on when complete.
class BlockCollector {
 public:
  explicit BlockCollector(const ScanOptions& options) : options_(options) {}

  Status Add(uint64_t seq, const audit::Hash& leaf, std::span<const uint8_t> bytes, bool keep) {
    if (seq != next_seq_) {
      return Status::Corruption("entry " + std::to_string(next_seq_) + " carries seq " +
                                std::to_string(seq))
          .WithSeq(static_cast<int64_t>(next_seq_));
    }
    if (block_.leaves.empty()) {
      block_.index = seq / options_.block_entries;
      block_.first_seq = seq;
    }
    block_.leaves.push_back(leaf);
    if (keep) block_.entries.emplace(seq, std::string(bytes.begin(), bytes.end()));
    ++next_seq_;
    const bool full = block_.leaves.size() == options_.block_entries;
    if (!full && next_seq_ != options_.size) return Status();
    LUMBUNG_RETURN_IF_ERROR(options_.on_block(block_));
    block_ = Block();
    return Status();
  }
  uint64_t next_seq() const { return next_seq_; }

 private:
  const ScanOptions& options_;
  Block block_;
  uint64_t next_seq_ = 0;
};

Status Unknown(const DisbursementRow& row) {
  return Status::Corruption("the disbursement at seq " + std::to_string(row.seq) +
                            " names a beneficiary the replay does not know")
      .WithSeq(static_cast<int64_t>(row.seq));
}

}  // namespace

std::string_view RowStatusName(RowStatus status) {
  switch (status) {
    case RowStatus::kPaid: return "paid";
    case RowStatus::kReturned: return "returned";
    case RowStatus::kReversed: return "reversed";
  }
  LUMBUNG_ASSERT(false && "unknown row status");
  return "";
}

Result<LogScan> ScanLog(const LedgerSnapshot& snapshot, const ScanOptions& options) {
  LUMBUNG_ASSERT(options.block_entries > 0 && options.size > 0);
  LogScan scan;
  BlockCollector blocks(options);
  ReplayOptions replay;
  replay.validate_shape = false;  // checked when written; the blocks are checked against the root
  replay.progress = options.progress;
  replay.on_entry = [&](const audit::VerifiedEntry& entry, const std::vector<EntryPosting>&) {
    const uint64_t seq = entry.entry().seq();
    const audit::Hash leaf = audit::LeafHash(entry.bytes());
    const fb::EventBody& body = entry.body();
    const fb::AidDisbursed* d = DisbursementOf(body);
    const bool kept = d != nullptr && (options.program_id.empty() ||
                                       d->program_id()->string_view() == options.program_id);
    if (kept) scan.rows.push_back(MakeRow(seq, leaf, body, *d));
    scan.last_recorded_at_ms = entry.entry().recorded_at_ms();
    if (seq + 1 == options.size) scan.as_of = body.effective_date()->str();
    // Entry 0 travels too: it carries the verifier key the page checks.
    return blocks.Add(seq, leaf, entry.bytes(), kept || seq == 0);
  };
  LUMBUNG_ASSIGN_OR_RETURN(scan.state, ReplayProjection(snapshot, options.size, replay));
  if (blocks.next_seq() != options.size) {
    return Status::Corruption("the log ended at entry " + std::to_string(blocks.next_seq()) +
                              " before the checkpoint's " + std::to_string(options.size));
  }
  return scan;
}

Status ResolveRows(const domain::State& state, std::vector<DisbursementRow>* rows) {
  for (DisbursementRow& row : *rows) {
    const auto p = state.programs.find(row.program_id);
    if (p == state.programs.end()) return Unknown(row);
    const auto b = p->second.beneficiaries.find(row.beneficiary_id);
    if (b == p->second.beneficiaries.end()) return Unknown(row);
    const auto& paid = b->second.paid;
    const auto active = std::find_if(paid.begin(), paid.end(),
                                     [&row](const domain::PaidRec& q) { return q.seq == row.seq; });
    const auto returned = state.returned_regions.find(row.seq);
    if (active != paid.end()) {
      row.status = RowStatus::kPaid;
      row.region = active->region();
    } else if (returned != state.returned_regions.end()) {
      row.status = RowStatus::kReturned;
      row.region = returned->second;
    } else if (state.reversed.contains(row.seq)) {
      row.status = RowStatus::kReversed;
      row.region = b->second.region_code;
    } else {
      return Status::Corruption("the disbursement at seq " + std::to_string(row.seq) +
                                " is neither active, returned nor reversed")
          .WithSeq(static_cast<int64_t>(row.seq));
    }
  }
  return Status();
}

Result<std::vector<std::string>> ExportedPrograms(const domain::State& state,
                                                  std::string_view program_id) {
  std::vector<std::string> ids;
  for (const auto& [id, p] : state.programs) {
    // A record without a unit is a placeholder, as the queries treat it.
    if (p.unit.empty()) continue;
    if (program_id.empty() || id == program_id) ids.push_back(id);
  }
  if (!program_id.empty() && ids.empty()) {
    return Status::Make(Code::kNotFound, "unknown_program", "program",
                        "no programme " + std::string(program_id));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::string ListedArea(std::string_view region, const std::set<std::string>& listed) {
  std::string_view code = region;
  while (!code.empty()) {
    if (listed.contains(std::string(code))) return std::string(code);
    const size_t dot = code.rfind('.');
    if (dot == std::string_view::npos) break;
    code = code.substr(0, dot);
  }
  return "";
}

namespace {

int64_t Value(const Json& totals, const char* name) {
  return totals.at(name).at("value").get<int64_t>();
}

Json CyclesJson(const Json& cycles) {
  Json out = Json::array();
  for (const Json& c : cycles) {
    out.push_back(Json{{"cycle", c.at("cycle")},
                       {"status", c.at("status")},
                       {"planned_count", c.at("planned").at("count")},
                       {"planned_amount", c.at("planned").at("amount")},
                       {"paid_count", c.at("paid").at("count")},
                       {"paid_amount", c.at("paid").at("amount")},
                       {"returned_count", c.at("returned").at("count")},
                       {"returned_amount", c.at("returned").at("amount")}});
  }
  return out;
}

Result<Json> MonthsJson(const std::string& id, const std::vector<DisbursementRow>& rows) {
  std::map<std::string, std::pair<int64_t, int64_t>> months;  // count, amount
  for (const DisbursementRow& row : rows) {
    if (row.program_id != id || row.status != RowStatus::kPaid) continue;
    auto& [count, amount] = months[row.effective_date.substr(0, 7)];
    if (!AddTo(&count, 1) || !AddTo(&amount, row.amount)) {
      return Status::Corruption("the monthly sums of " + id + " overflow");
    }
  }
  Json out = Json::array();
  for (const auto& [month, sums] : months) {
    out.push_back(Json{{"month", month}, {"paid_count", sums.first}, {"paid_amount", sums.second}});
  }
  return out;
}

AreaFigures Figures(const Json& j) {
  return AreaFigures{j.at("recipients").get<int64_t>(), j.at("paid_count").get<int64_t>(),
                     j.at("paid_amount").get<int64_t>()};
}

Json FiguresJson(const HiddenFigures& h) {
  return Json{{"areas", h.areas},
              {"recipients", h.figures.recipients},
              {"paid_count", h.figures.paid_count},
              {"paid_amount", h.figures.paid_amount}};
}

// The "regions" answer of query::Program, suppressed.
Result<SuppressedAreas> Suppress(const Json& regions, int64_t k) {
  std::vector<AreaInput> areas;
  for (const char* level : {"kelurahan", "rw", "rt"}) {
    for (const Json& area : regions.at(level)) {
      areas.push_back(AreaInput{area.at("code").get<std::string>(), Figures(area)});
    }
  }
  return SuppressSmallAreas(Figures(regions.at("total")), areas, k);
}

Json AreasJson(const SuppressedAreas& suppressed) {
  Json out = Json::array();
  for (const exports::ListedArea& a : suppressed.areas) {
    out.push_back(Json{{"code", a.code},
                       {"level", std::string(AreaLevelName(a.level))},
                       {"parent", a.parent},
                       {"recipients", a.figures.recipients},
                       {"paid_count", a.figures.paid_count},
                       {"paid_amount", a.figures.paid_amount},
                       {"hidden", FiguresJson(a.hidden)}});
  }
  return out;
}

// The programme object of docs/oversight.md from query::Program's answer.
// Shape errors are bugs of one of the two, reported, not thrown.
Result<ProgramSummary> FromQuery(const Json& q, int64_t k, Json months) {
  try {
    const Json& totals = q.at("totals");
    ProgramSummary out;
    out.unit = q.at("unit").get<std::string>();
    out.disbursed = Value(totals, "disbursed");
    out.recipients = Value(totals, "recipients");
    out.json = Json{{"program_id", q.at("program_id")},
                    {"name", q.at("name")},
                    {"kind", q.at("kind")},
                    {"unit", q.at("unit")},
                    {"legal_basis", q.at("legal_basis")}};
    for (const char* name : {"allocated", "funds_returned", "disbursed", "disbursements_returned",
                             "granted", "remaining", "enrolled", "recipients"}) {
      out.json[name] = Value(totals, name);
    }
    out.json["cycles"] = CyclesJson(q.at("cycles"));
    out.json["months"] = std::move(months);
    LUMBUNG_ASSIGN_OR_RETURN(const SuppressedAreas suppressed, Suppress(q.at("regions"), k));
    out.json["areas"] = AreasJson(suppressed);
    out.json["hidden"] = FiguresJson(suppressed.hidden);
    for (const exports::ListedArea& a : suppressed.areas) out.listed.insert(a.code);
    return out;
  } catch (const nlohmann::json::exception& e) {
    return Status::Internal(std::string("the programme answer has an unexpected shape: ") +
                            e.what());
  }
}

}  // namespace

Result<ProgramSummary> SummarizeProgram(const LedgerSnapshot& snapshot, const std::string& id,
                                        uint64_t size, int64_t k,
                                        const std::vector<DisbursementRow>& rows) {
  query::Options options;
  options.as_of_seq = size;
  LUMBUNG_ASSIGN_OR_RETURN(const Json q, query::Program(snapshot, id, options));
  LUMBUNG_ASSIGN_OR_RETURN(Json months, MonthsJson(id, rows));
  return FromQuery(q, k, std::move(months));
}

}  // namespace lumbung::exports::internal
