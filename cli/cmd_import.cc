// `lumbung import disbursements|enrolments FILE.csv`: a recipient list as
// programme staff receive it, recorded as one atomic batch, or not at all
// with every bad row named by its line.

#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "lumbung/import/csv_import.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/receipt.h"

#include "cli.h"
#include "cli_data.h"
#include <unistd.h>

namespace lumbung::cli {
namespace {

struct ImportArgs {
  std::string file;
  std::string program;
  std::string cycle;
  std::string effective_date;  // empty: today
  std::string batch_id;
  std::string source;
};

// Today in the machine's local time zone: the date the office works in.
std::string Today() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char text[16];
  return std::string(text, std::strftime(text, sizeof text, "%Y-%m-%d", &local));
}

// On a terminal only, like Progress: a note of what a long step is doing.
void Note(const std::string& text) {
  if (isatty(STDERR_FILENO)) std::cerr << "lumbung: " << text << std::endl;
}

int ReportRows(const import::ImportResult& result, size_t rows) {
  for (const import::RowProblem& p : result.problems) {
    nlohmann::ordered_json error = {{"code", std::string(p.status.reason())},
                                    {"field", std::string(p.status.field())},
                                    {"message", std::string(p.status.message())}};
    std::cout << DumpJson(nlohmann::ordered_json{{"line", p.line}, {"error", error}}) << '\n';
  }
  std::cout.flush();
  const import::RowProblem& first = result.problems.front();
  std::cerr << "lumbung: " << result.problems.size() << " of " << rows
            << (rows == 1 ? " row is" : " rows are") << " bad; nothing was recorded (first: line "
            << first.line << ": " << first.status.message() << ")" << std::endl;
  return kExitRejected;
}

int ReportReceipts(const import::ImportResult& result, const std::vector<size_t>& lines,
                   const std::string& what) {
  for (size_t i = 0; i < result.receipts.size(); ++i) {
    const Receipt& r = result.receipts[i];
    nlohmann::ordered_json j = {{"seq", r.seq},
                                {"event_id", r.event_id},
                                {"leaf_hash", audit::ToHex(r.leaf_hash)},
                                {"receipt", ReceiptCode(r.leaf_hash)},
                                {"line", i < lines.size() ? lines[i] : 0}};
    std::cout << DumpJson(j) << '\n';
  }
  std::cout.flush();
  const size_t n = result.receipts.size();
  if (result.replayed == n) {
    std::cerr << "lumbung: all " << n << " rows were recorded before; their original receipts "
              << "are shown and nothing new was written" << std::endl;
  } else {
    std::cerr << "lumbung: recorded " << n - result.replayed << " " << what << " as one batch (seq "
              << result.receipts.front().seq << ".." << result.receipts.back().seq << ")";
    if (result.replayed > 0) std::cerr << "; " << result.replayed << " were recorded before";
    std::cerr << std::endl;
  }
  return kExitOk;
}

using Parser =
    std::function<Result<import::ParsedFile>(std::istream&, uint64_t, const import::ProgressFn&)>;

int Import(const Context& ctx, const ImportArgs& args, const Parser& parse,
           const std::string& what) {
  std::ifstream in(args.file, std::ios::binary);
  if (!in) return ReportError(Status::InvalidArgument("cannot open " + args.file));
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(args.file, ec);
  Progress reading("reading " + args.file + " (bytes)");
  auto parsed =
      parse(in, ec ? 0 : size, [&](uint64_t done, uint64_t total) { reading.Update(done, total); });
  reading.Done();
  if (!parsed.ok()) return ReportError(parsed.status());
  if (!parsed->ignored_columns.empty()) {
    std::string names;
    for (const std::string& c : parsed->ignored_columns) names += (names.empty() ? "" : ", ") + c;
    std::cerr << "lumbung: columns not used, which do not enter the ledger: " << names << std::endl;
  }
  const size_t rows = parsed->rows;
  const std::vector<size_t> lines = parsed->lines;
  auto ledger = OpenLedger(ctx, /*read_only=*/false);
  if (!ledger.ok()) return ReportError(ledger.status());
  Note("checking " + std::to_string(rows) + " rows against the rules, then recording them");
  auto result = import::ImportRows(**ledger, std::move(*parsed), CliActor());
  if (!result.ok()) return ReportError(result.status());
  if (!result->problems.empty()) return ReportRows(*result, rows);
  return ReportReceipts(*result, lines, what);
}

int Disbursements(const Context& ctx, const ImportArgs& args) {
  import::DisbursementOptions o{args.program, args.cycle,
                                args.effective_date.empty() ? Today() : args.effective_date,
                                args.batch_id};
  Status valid = import::CheckDisbursementOptions(o);
  if (!valid.ok()) return ReportError(valid);
  const std::string what = "disbursements of " + o.program_id + " cycle " + o.cycle;
  return Import(
      ctx, args,
      [&o](std::istream& in, uint64_t size, const import::ProgressFn& progress) {
        return import::ParseDisbursements(in, o, size, progress);
      },
      what);
}

int Enrolments(const Context& ctx, const ImportArgs& args) {
  import::EnrolmentOptions o{
      args.program, args.effective_date.empty() ? Today() : args.effective_date, args.source};
  Status valid = import::CheckEnrolmentOptions(o);
  if (!valid.ok()) return ReportError(valid);
  return Import(
      ctx, args,
      [&o](std::istream& in, uint64_t size, const import::ProgressFn& progress) {
        return import::ParseEnrolments(in, o, size, progress);
      },
      "enrolments in " + o.program_id);
}

}  // namespace

void AddImportCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "import", "record a recipient list (CSV) as one atomic batch, or report every bad row");
  cmd->require_subcommand(1);
  cmd->fallthrough();  // --data may follow the file
  auto args = std::make_shared<ImportArgs>();

  auto* pay = cmd->add_subcommand(
      "disbursements", "rows of beneficiary id, amount, channel and optional provider reference");
  pay->add_option("file", args->file, "the CSV file")->required();
  pay->add_option("--program", args->program, "programme id")->required();
  pay->add_option("--cycle", args->cycle, "cycle, YYYY-MM or YYYY-Qn")->required();
  pay->add_option("--effective-date", args->effective_date,
                  "date the money moved, YYYY-MM-DD (default: today)");
  pay->add_option("--batch-id", args->batch_id, "batch id recorded on every row");
  pay->callback([&ctx, args] { ctx.run = [&ctx, args] { return Disbursements(ctx, *args); }; });

  auto* enrol = cmd->add_subcommand(
      "enrolments", "rows of beneficiary id, region code, optional household id and source");
  enrol->add_option("file", args->file, "the CSV file")->required();
  enrol->add_option("--program", args->program, "programme id")->required();
  enrol->add_option("--effective-date", args->effective_date,
                    "date of the enrolment, YYYY-MM-DD (default: today)");
  enrol->add_option("--source", args->source,
                    "source for rows without one, e.g. DTSEN, MUSDES or APPEAL");
  enrol->callback([&ctx, args] { ctx.run = [&ctx, args] { return Enrolments(ctx, *args); }; });
}

}  // namespace lumbung::cli
