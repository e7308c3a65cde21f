// WriteOversight: the files of docs/oversight.md, written into a temporary
// folder and published by rename (out_file.h).

#include <filesystem>
#include <map>

#include <csv.h>

#include "lumbung/audit/merkle.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/checked.h"
#include "lumbung/export/embedded_web.h"
#include "lumbung/export/oversight.h"
#include "lumbung/export/suppression.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/query.h"

#include "identity.h"
#include "out_file.h"
#include "oversight_data.h"

namespace lumbung::exports {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;
using internal::DisbursementRow;

// Crockford base32, as receipt codes are written: the first two characters
// of a code name its codes file, so there are 32 * 32 of them.
constexpr std::string_view kCodeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
static_assert(kCodeAlphabet.size() == 32);

// JSON inside a script: ASCII only, so the page reads it the same whatever
// encoding the browser assumes for a file:// script.
std::string ScriptJson(const Json& value) {
  return value.dump(-1, ' ', /*ensure_ascii=*/true, Json::error_handler_t::strict);
}

// The files of one export, in a folder; counts what it writes.
class ExportFolder {
 public:
  explicit ExportFolder(std::string dir) : dir_(std::move(dir)) {}

  Status MakeFolder(std::string_view name) {
    std::error_code ec;
    const std::string path = Path(name);
    if (!fs::create_directories(path, ec) && ec) {
      return Status::IOError("cannot create " + path + ": " + ec.message());
    }
    return Status();
  }
  Status Write(std::string_view name, std::string_view data) {
    internal::OutFile file;
    LUMBUNG_RETURN_IF_ERROR(file.Open(Path(name)));
    LUMBUNG_RETURN_IF_ERROR(file.Write(data));
    return Close(file);
  }
  // Durability comes from one SyncFileSystem before the folder is published.
  Status Close(internal::OutFile& file) {
    bytes_ += file.bytes();
    ++files_;
    return file.CloseUnsynced();
  }
  std::string Path(std::string_view name) const { return dir_ + "/" + std::string(name); }
  uint64_t files() const { return files_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::string dir_;
  uint64_t files_ = 0;
  uint64_t bytes_ = 0;
};

// --- CSV (RFC 4180): text through libcsv's quoting, integers as digits ---

void CsvText(std::string_view text, std::string* line) {
  if (!line->empty() && line->back() != '\n') line->push_back(',');
  // csv_write wraps the field in quotes and doubles the quotes inside; at
  // most 2 * size + 2 bytes.
  const size_t at = line->size();
  line->resize(at + 2 * text.size() + 2);
  const size_t written = csv_write(line->data() + at, line->size() - at, text.data(), text.size());
  LUMBUNG_ASSERT(written <= 2 * text.size() + 2);
  line->resize(at + written);
}

void CsvInt(int64_t value, std::string* line) {
  if (!line->empty() && line->back() != '\n') line->push_back(',');
  line->append(std::to_string(value));
}

// One row from JSON values: strings quoted, integers bare.
void CsvRow(const std::vector<const Json*>& cells, std::string* out) {
  for (const Json* cell : cells) {
    if (cell->is_string()) {
      CsvText(cell->get_ref<const std::string&>(), out);
    } else {
      LUMBUNG_ASSERT(cell->is_number_integer());
      CsvInt(cell->get<int64_t>(), out);
    }
  }
  out->append("\r\n");
}

void CsvHeader(std::initializer_list<std::string_view> names, std::string* out) {
  for (std::string_view name : names) CsvText(name, out);
  out->append("\r\n");
}

// --- blocks ---

// ceil(log2(leaves)): the levels of a block's own subtree, which the
// inclusion proof of its first leaf climbs before it leaves the block.
size_t InnerLevels(uint64_t leaves) {
  size_t levels = 0;
  while ((uint64_t{1} << levels) < leaves) ++levels;
  return levels;
}

struct BlockContext {
  const LedgerSnapshot& snapshot;
  const SignedCheckpoint& checkpoint;
  uint64_t blocks_total = 0;
  ExportFolder& folder;
};

// The block's upper inclusion path, checked: its leaves' root carried by
// the path must be the checkpoint's root.
Result<std::vector<audit::Hash>> UpperPath(const BlockContext& c, const internal::Block& block) {
  LUMBUNG_ASSIGN_OR_RETURN(InclusionProofResult full,
                           ProveInclusion(c.snapshot, block.first_seq, c.checkpoint.size));
  const size_t inner = InnerLevels(block.leaves.size());
  LUMBUNG_ASSERT(full.proof.size() >= inner);
  std::vector<audit::Hash> upper(full.proof.begin() + static_cast<ptrdiff_t>(inner),
                                 full.proof.end());
  audit::CompactRange range;
  for (const audit::Hash& leaf : block.leaves) range.Append(leaf);
  Status verified =
      audit::VerifyInclusion(block.index, c.blocks_total, range.Root(), upper, c.checkpoint.root);
  if (!verified.ok()) {
    return Status::Corruption("block " + std::to_string(block.index) +
                              " of the log does not verify against the checkpoint: " +
                              std::string(verified.message()))
        .WithSeq(static_cast<int64_t>(block.first_seq));
  }
  return upper;
}

Status WriteBlock(const BlockContext& c, const internal::Block& block) {
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<audit::Hash> upper, UpperPath(c, block));
  std::string leaves;
  leaves.reserve(block.leaves.size() * sizeof(audit::Hash));
  for (const audit::Hash& leaf : block.leaves) leaves.append(leaf.begin(), leaf.end());
  Json proof = Json::array();
  for (const audit::Hash& h : upper) proof.push_back(audit::ToHex(h));
  Json entries = Json::object();
  for (const auto& [seq, bytes] : block.entries) {
    entries[std::to_string(seq)] = audit::Base64Encode(bytes);
  }
  const Json body = {{"first_seq", block.first_seq},
                     {"leaves", audit::Base64Encode(leaves)},
                     {"proof", std::move(proof)},
                     {"entries", std::move(entries)}};
  const std::string index = std::to_string(block.index);
  return c.folder.Write("data/blocks/" + index + ".js",
                        "lumbungBlock(" + index + ", " + ScriptJson(body) + ");\n");
}

// --- disbursements and codes ---

struct Rows {
  std::vector<DisbursementRow> rows;
  std::map<std::string, std::string> units;             // programme -> unit
  std::map<std::string, std::set<std::string>> listed;  // programme -> listed areas
};

// What the codes file says about a row (docs/oversight.md).
Json CodeJson(const DisbursementRow& row, const Rows& all) {
  return Json{{"seq", row.seq},
              {"program_id", row.program_id},
              {"cycle", row.cycle},
              {"effective_date", row.effective_date},
              {"amount", row.amount},
              {"unit", all.units.at(row.program_id)},
              {"channel", row.channel},
              {"area", internal::ListedArea(row.region, all.listed.at(row.program_id))},
              {"status", std::string(internal::RowStatusName(row.status))}};
}

Json RowJson(const DisbursementRow& row, const Rows& all, const Secret& key) {
  Json out = {{"pseudonym", Pseudonym(key, row.program_id, row.beneficiary_id)},
              {"receipt", row.receipt}};
  out.update(CodeJson(row, all));
  return out;
}

Status WriteDisbursements(ExportFolder& folder, const Rows& all, const Secret& key) {
  internal::OutFile csv, json;
  LUMBUNG_RETURN_IF_ERROR(csv.Open(folder.Path("data/disbursements.csv")));
  LUMBUNG_RETURN_IF_ERROR(json.Open(folder.Path("data/disbursements.json")));
  std::string line;
  CsvHeader({"pseudonym", "receipt", "seq", "program_id", "cycle", "effective_date", "amount",
             "unit", "channel", "area", "status"},
            &line);
  LUMBUNG_RETURN_IF_ERROR(csv.Write(line));
  LUMBUNG_RETURN_IF_ERROR(json.Write("["));
  bool first = true;
  for (const DisbursementRow& row : all.rows) {
    const Json j = RowJson(row, all, key);
    line.clear();
    CsvRow(
        {&j["pseudonym"], &j["receipt"], &j["seq"], &j["program_id"], &j["cycle"],
         &j["effective_date"], &j["amount"], &j["unit"], &j["channel"], &j["area"], &j["status"]},
        &line);
    LUMBUNG_RETURN_IF_ERROR(csv.Write(line));
    LUMBUNG_RETURN_IF_ERROR(json.Write(first ? "\n" : ",\n"));
    LUMBUNG_RETURN_IF_ERROR(json.Write(DumpJson(j)));
    first = false;
  }
  LUMBUNG_RETURN_IF_ERROR(json.Write("\n]\n"));
  LUMBUNG_RETURN_IF_ERROR(folder.Close(csv));
  return folder.Close(json);
}

// Every one of the 1024 codes files is written, most of them non-empty on
// a real ledger: a missing file can then only mean a damaged export.
Status WriteCodes(ExportFolder& folder, const Rows& all, OversightInfo* info) {
  std::map<std::string, Json> files;  // "XY" -> {code: ...}
  for (const DisbursementRow& row : all.rows) {
    Json& file = files[row.receipt.substr(0, 2)];
    if (file.contains(row.receipt)) {
      ++info->code_collisions;  // rows are in seq order: the lower seq keeps the code
      continue;
    }
    file[row.receipt] = CodeJson(row, all);
    ++info->codes;
  }
  for (char a : kCodeAlphabet) {
    for (char b : kCodeAlphabet) {
      const std::string prefix{a, b};
      const auto it = files.find(prefix);
      const Json codes = it == files.end() ? Json::object() : it->second;
      LUMBUNG_RETURN_IF_ERROR(
          folder.Write("data/codes/" + prefix + ".js",
                       "lumbungCodes(\"" + prefix + "\", " + ScriptJson(codes) + ");\n"));
    }
  }
  return Status();
}

// --- summary ---

struct Ledger0 {
  internal::Identity identity;
  const SignedCheckpoint& checkpoint;
  std::string as_of;
};

Result<Json> TotalsJson(const std::vector<internal::ProgramSummary>& programs) {
  std::map<std::string, std::pair<int64_t, int64_t>> units;  // disbursed, recipients
  for (const internal::ProgramSummary& p : programs) {
    auto& [disbursed, recipients] = units[p.unit];
    if (!AddTo(&disbursed, p.disbursed) || !AddTo(&recipients, p.recipients)) {
      return Status::Corruption("the totals of unit " + p.unit + " overflow");
    }
  }
  Json out = Json::array();
  for (const auto& [unit, sums] : units) {
    out.push_back(Json{{"unit", unit}, {"disbursed", sums.first}, {"recipients", sums.second}});
  }
  return out;
}

Result<Json> SummaryJson(const Ledger0& ledger, int64_t k,
                         const std::vector<internal::ProgramSummary>& programs) {
  Json list = Json::array();
  for (const internal::ProgramSummary& p : programs) list.push_back(p.json);
  LUMBUNG_ASSIGN_OR_RETURN(Json totals, TotalsJson(programs));
  return Json{{"format", std::string(kOversightFormat)},
              {"origin", ledger.identity.origin},
              {"tree_size", ledger.checkpoint.size},
              {"root", audit::ToHex(ledger.checkpoint.root)},
              {"as_of", ledger.as_of},
              {"k", k},
              {"block_size", kOversightBlockEntries},
              {"checkpoint", ledger.checkpoint.note},
              {"verifier_key", ledger.identity.verifier_key},
              {"totals", std::move(totals)},
              {"programs", std::move(list)}};
}

void HiddenCells(const Json& hidden, std::vector<const Json*>* cells) {
  for (const char* name : {"areas", "recipients", "paid_count", "paid_amount"}) {
    cells->push_back(&hidden.at(name));
  }
}

// programs.csv, cycles.csv and areas.csv: the summary's tables, flat.
Status WriteTables(ExportFolder& folder, const Json& summary) {
  std::string programs, cycles, areas;
  CsvHeader(
      {"program_id", "name", "kind", "unit", "legal_basis", "allocated", "funds_returned",
       "disbursed", "disbursements_returned", "granted", "remaining", "enrolled", "recipients",
       "hidden_areas", "hidden_recipients", "hidden_paid_count", "hidden_paid_amount"},
      &programs);
  CsvHeader({"program_id", "cycle", "status", "planned_count", "planned_amount", "paid_count",
             "paid_amount", "returned_count", "returned_amount"},
            &cycles);
  CsvHeader({"program_id", "code", "level", "parent", "recipients", "paid_count", "paid_amount",
             "hidden_areas", "hidden_recipients", "hidden_paid_count", "hidden_paid_amount"},
            &areas);
  for (const Json& p : summary.at("programs")) {
    std::vector<const Json*> cells;
    for (const char* name : {"program_id", "name", "kind", "unit", "legal_basis", "allocated",
                             "funds_returned", "disbursed", "disbursements_returned", "granted",
                             "remaining", "enrolled", "recipients"}) {
      cells.push_back(&p.at(name));
    }
    HiddenCells(p.at("hidden"), &cells);
    CsvRow(cells, &programs);
    for (const Json& c : p.at("cycles")) {
      cells = {&p.at("program_id")};
      for (const char* name : {"cycle", "status", "planned_count", "planned_amount", "paid_count",
                               "paid_amount", "returned_count", "returned_amount"}) {
        cells.push_back(&c.at(name));
      }
      CsvRow(cells, &cycles);
    }
    for (const Json& a : p.at("areas")) {
      cells = {&p.at("program_id")};
      for (const char* name :
           {"code", "level", "parent", "recipients", "paid_count", "paid_amount"}) {
        cells.push_back(&a.at(name));
      }
      HiddenCells(a.at("hidden"), &cells);
      CsvRow(cells, &areas);
    }
  }
  LUMBUNG_RETURN_IF_ERROR(folder.Write("data/programs.csv", programs));
  LUMBUNG_RETURN_IF_ERROR(folder.Write("data/cycles.csv", cycles));
  return folder.Write("data/areas.csv", areas);
}

Status WritePage(ExportFolder& folder) {
  for (const auto& [name, bytes] : OversightPageFiles()) {
    const fs::path parent = fs::path(name).parent_path();
    if (!parent.empty()) LUMBUNG_RETURN_IF_ERROR(folder.MakeFolder(parent.string()));
    LUMBUNG_RETURN_IF_ERROR(folder.Write(name, bytes));
  }
  return Status();
}

Status CheckOptions(const LedgerSnapshot& snapshot, uint64_t size,
                    const OversightOptions& options) {
  if (options.k < 1 || options.k > kSuppressionKMax) {
    return Status::Make(Code::kInvalidArgument, "out_of_range", "k",
                        "k must be between 1 and " + std::to_string(kSuppressionKMax));
  }
  if (options.program_id.empty()) return Status();
  // Before the pass over the log, so a mistyped programme fails at once.
  query::Options at_size;
  at_size.as_of_seq = size;
  Result<Json> program = query::Program(snapshot, options.program_id, at_size);
  if (program.status().IsNotFound()) {
    return Status::Make(Code::kNotFound, "unknown_program", "program",
                        std::string(program.status().message()));
  }
  return program.status();
}

// The rows with their status, the programmes' summaries, and what a row
// needs from them.
Result<Rows> Summarize(const LedgerSnapshot& snapshot, const OversightOptions& options,
                       uint64_t size, internal::LogScan& scan,
                       std::vector<internal::ProgramSummary>* summaries) {
  LUMBUNG_RETURN_IF_ERROR(internal::ResolveRows(scan.state, &scan.rows));
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<std::string> ids,
                           internal::ExportedPrograms(scan.state, options.program_id));
  Rows all;
  for (const std::string& id : ids) {
    LUMBUNG_ASSIGN_OR_RETURN(internal::ProgramSummary summary,
                             internal::SummarizeProgram(snapshot, id, size, options.k, scan.rows));
    all.units[id] = summary.unit;
    all.listed[id] = summary.listed;
    summaries->push_back(std::move(summary));
  }
  for (const DisbursementRow& row : scan.rows) {
    if (!all.units.contains(row.program_id)) {
      return Status::Corruption("the disbursement at seq " + std::to_string(row.seq) +
                                " is of a programme the ledger does not list")
          .WithSeq(static_cast<int64_t>(row.seq));
    }
  }
  all.rows = std::move(scan.rows);
  return all;
}

Status WriteSummary(ExportFolder& folder, const Json& summary) {
  LUMBUNG_RETURN_IF_ERROR(
      folder.Write("data/summary.js", "window.LUMBUNG_SUMMARY = " + ScriptJson(summary) + ";\n"));
  LUMBUNG_RETURN_IF_ERROR(folder.Write("data/summary.json", DumpJson(summary) + "\n"));
  return WriteTables(folder, summary);
}

// Everything but the blocks, which the pass over the log writes.
Status WriteFolder(const LedgerSnapshot& snapshot, const SignedCheckpoint& checkpoint,
                   const OversightOptions& options, ExportFolder& folder,
                   const internal::Identity& identity, OversightInfo* info) {
  for (const char* name : {"data", "data/codes", "data/blocks"}) {
    LUMBUNG_RETURN_IF_ERROR(folder.MakeFolder(name));
  }
  LUMBUNG_RETURN_IF_ERROR(WritePage(folder));
  LUMBUNG_RETURN_IF_ERROR(folder.Write("checkpoint.txt", checkpoint.note));
  LUMBUNG_RETURN_IF_ERROR(folder.Write("verifier.key", identity.verifier_key + "\n"));
  const uint64_t size = checkpoint.size;
  const BlockContext blocks{snapshot, checkpoint,
                            (size + kOversightBlockEntries - 1) / kOversightBlockEntries, folder};
  internal::ScanOptions scan_options;
  scan_options.size = size;
  scan_options.block_entries = kOversightBlockEntries;
  scan_options.program_id = options.program_id;
  scan_options.progress = options.progress;
  scan_options.on_block = [&blocks](const internal::Block& block) {
    return WriteBlock(blocks, block);
  };
  LUMBUNG_ASSIGN_OR_RETURN(internal::LogScan scan, internal::ScanLog(snapshot, scan_options));
  info->blocks = blocks.blocks_total;
  info->last_recorded_at_ms = scan.last_recorded_at_ms;
  std::vector<internal::ProgramSummary> summaries;
  LUMBUNG_ASSIGN_OR_RETURN(const Rows all, Summarize(snapshot, options, size, scan, &summaries));
  info->programs = summaries.size();
  info->disbursements = all.rows.size();
  LUMBUNG_RETURN_IF_ERROR(WriteDisbursements(folder, all, options.pseudonym_key));
  LUMBUNG_RETURN_IF_ERROR(WriteCodes(folder, all, info));
  LUMBUNG_ASSIGN_OR_RETURN(
      const Json summary,
      SummaryJson(Ledger0{identity, checkpoint, scan.as_of}, options.k, summaries));
  return WriteSummary(folder, summary);
}

}  // namespace

std::vector<std::pair<std::string_view, std::string_view>> OversightPageFiles() {
  std::vector<std::pair<std::string_view, std::string_view>> files;
  for (const embedded::WebFile& file : embedded::kWebFiles) {
    files.emplace_back(file.name,
                       std::string_view(reinterpret_cast<const char*>(file.bytes), file.size));
  }
  return files;
}

Result<OversightInfo> WriteOversight(const LedgerSnapshot& snapshot,
                                     const SignedCheckpoint& checkpoint, const std::string& out_dir,
                                     const OversightOptions& options) {
  LUMBUNG_ASSIGN_OR_RETURN(const internal::Identity identity, internal::ReadIdentity(snapshot));
  LUMBUNG_RETURN_IF_ERROR(internal::CheckCheckpoint(snapshot, identity, checkpoint));
  LUMBUNG_RETURN_IF_ERROR(CheckOptions(snapshot, checkpoint.size, options));
  std::error_code ec;
  if (fs::exists(fs::symlink_status(out_dir, ec))) {
    return Status::FailedPrecondition(out_dir + " already exists");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const std::string temp, internal::MakeTempSibling(out_dir));
  internal::TempGuard guard(temp);
  OversightInfo info;
  info.size = checkpoint.size;
  info.root = checkpoint.root;
  ExportFolder folder(temp);
  LUMBUNG_RETURN_IF_ERROR(WriteFolder(snapshot, checkpoint, options, folder, identity, &info));
  info.files = folder.files();
  info.bytes = folder.bytes();
  LUMBUNG_RETURN_IF_ERROR(internal::SyncFileSystem(temp));
  LUMBUNG_RETURN_IF_ERROR(internal::Publish(temp, out_dir));
  guard.Release();
  return info;
}

}  // namespace lumbung::exports
