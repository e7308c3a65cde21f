// `lumbung demo`: a demo ledger of the kelurahan in lumbung/demo (made when
// the folder holds none), verified, and summarised the way a finance
// officer reads it.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

#include "lumbung/demo/generator.h"
#include "lumbung/demo/record.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/verify.h"

#include "cli.h"
#include "cli_data.h"

namespace lumbung::cli {
namespace {

struct DemoArgs {
  demo::DemoOptions options;
  bool print = false;
  bool options_given = false;  // any of --households --seed --groups --months
};

// "Rp 1.250.000" for rupiah, "1.250 PKG_SEMBAKO" for other units: the
// grouping finance officers in Indonesia write.
std::string Amount(int64_t amount, std::string_view unit) {
  const bool negative = amount < 0;
  uint64_t magnitude =
      negative ? static_cast<uint64_t>(-(amount + 1)) + 1 : static_cast<uint64_t>(amount);
  std::string digits = std::to_string(magnitude);
  std::string grouped;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back('.');
    grouped.push_back(digits[i]);
  }
  std::string out = negative ? "-" : "";
  if (unit == "IDR") {
    out.insert(0, "Rp ");
    return out + grouped;
  }
  out += grouped;
  out += ' ';
  out += unit;
  return out;
}

// Columns padded to their widest cell; numbers right-aligned.
class Table {
 public:
  Table(std::vector<std::string> header, std::vector<bool> right)
      : right_(std::move(right)), widths_(header.size(), 0) {
    Row(std::move(header));
  }
  void Row(std::vector<std::string> cells) {
    for (size_t i = 0; i < cells.size() && i < widths_.size(); ++i) {
      widths_[i] = std::max(widths_[i], cells[i].size());
    }
    rows_.push_back(std::move(cells));
  }
  void Print(std::ostream& out) const {
    for (const auto& cells : rows_) {
      std::string line = " ";
      for (size_t i = 0; i < cells.size() && i < widths_.size(); ++i) {
        const std::string pad(widths_[i] - cells[i].size(), ' ');
        line += "  ";
        line += right_[i] ? pad + cells[i] : cells[i] + pad;
      }
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out << line << '\n';
    }
  }

 private:
  std::vector<bool> right_;
  std::vector<size_t> widths_;
  std::vector<std::vector<std::string>> rows_;
};

template <typename Map>
std::vector<std::string> SortedKeys(const Map& map) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : map) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  return keys;
}

void PrintProgrammes(const domain::State& state, std::ostream& out) {
  Table table({"programme", "kind", "allocated", "paid out", "returned to funder", "remaining",
               "recipients"},
              {false, false, true, true, true, true, true});
  std::map<std::string, int64_t> groups_granted;  // rotating capital goes to groups
  for (const auto& [id, g] : state.groups) groups_granted[g.unit] += g.granted > 0 ? 1 : 0;
  for (const std::string& id : SortedKeys(state.programs)) {
    const domain::ProgramRec& p = state.programs.at(id);
    const bool capital = p.kind == static_cast<uint8_t>(fb::ProgramKind::ROTATING_CAPITAL);
    table.Row({id, fb::EnumNameProgramKind(static_cast<fb::ProgramKind>(p.kind)),
               Amount(p.allocated, p.unit), Amount(p.disbursed + p.granted, p.unit),
               Amount(p.funds_returned, p.unit), Amount(p.balance, p.unit),
               capital && p.recipients == 0 && p.granted > 0
                   ? std::to_string(groups_granted[p.unit]) + " groups"
                   : std::to_string(p.recipients)});
  }
  out << "\nprogrammes (paid out: disbursed to households, or granted to groups)\n";
  table.Print(out);
}

void PrintGroups(const domain::State& state, std::ostream& out) {
  struct Book {
    int64_t open = 0;
    int64_t outstanding = 0;
  };
  std::map<std::string, Book> books;
  for (const auto& [id, loan] : state.loans) {
    if (loan.status != domain::LoanStatus::kOpen) continue;
    books[loan.group_id].open += 1;
    books[loan.group_id].outstanding += loan.outstanding;
  }
  Table table({"group", "name", "members", "fund", "open loans", "outstanding", "written off"},
              {false, false, true, true, true, true, true});
  for (const std::string& id : SortedKeys(state.groups)) {
    const domain::GroupRec& g = state.groups.at(id);
    const Book& book = books[id];
    table.Row({id, g.name, std::to_string(g.members_active), Amount(g.fund, g.unit),
               std::to_string(book.open), Amount(book.outstanding, g.unit),
               Amount(g.loss, g.unit)});
  }
  if (state.groups.empty()) return;
  out << "\ngroups (fund: cash in hand; written off: net of recoveries)\n";
  table.Print(out);
}

// Verifies the chain and the Merkle tree, replays the projections, and
// prints the summary. Exit 1 when anything does not hold.
int VerifyAndSummarise(const Context& ctx) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto snapshot = (*ledger)->Snapshot();
  Progress verifying("verify");
  VerifyOptions options;
  options.progress = [&](uint64_t done, uint64_t total) { verifying.Update(done, total); };
  auto report = VerifyLedger(*snapshot, options);
  verifying.Done();
  if (!report.ok()) return ReportError(report.status());
  if (!report->ok()) {
    for (const Status& problem : report->problems)
      std::cout << "FAIL " << problem.message() << '\n';
    std::cerr << "lumbung: verification failed: " << report->problems.front().message()
              << std::endl;
    return kExitRejected;
  }
  Progress replaying("replay projections");
  ReplayOptions replay;
  replay.progress = [&](uint64_t done, uint64_t total) { replaying.Update(done, total); };
  auto rebuilt = RebuildAndCompare(*snapshot, replay);
  replaying.Done();
  if (!rebuilt.ok()) return ReportError(rebuilt.status());
  if (!rebuilt->equal()) {
    return ReportError(Status::Corruption("the projections differ from a replay of the log"));
  }
  domain::State state;
  Status loaded = LoadProjection(*snapshot, {"P/", "G/", "L/"}, &state);
  if (!loaded.ok()) return ReportError(loaded);
  std::cout << "ok: " << report->entries << " entries verified (hash chain, Merkle tree, event "
            << "shapes); projections match a replay of the log\n"
            << "origin: " << (*ledger)->origin() << '\n'
            << "root: " << audit::ToHex(report->root) << '\n'
            << "effective dates: " << report->first_effective_date << " .. "
            << report->last_effective_date << '\n';
  PrintProgrammes(state, std::cout);
  PrintGroups(state, std::cout);
  std::cout.flush();
  return kExitOk;
}

int Record(const Context& ctx, const DemoArgs& args) {
  const demo::DemoOptions& o = args.options;
  std::cerr << "lumbung: recording the demo kelurahan (" << o.households << " households, "
            << o.groups << " groups, " << o.months << " months, seed " << o.seed << ") into "
            << ctx.data_dir << std::endl;
  const auto start = std::chrono::steady_clock::now();
  Progress progress("demo months recorded");
  demo::RecordOptions record;
  record.progress = [&](const demo::DemoProgress& p) {
    progress.Update(static_cast<uint64_t>(p.months_done), static_cast<uint64_t>(p.months));
  };
  auto stats = demo::CreateDemoLedger(ctx.data_dir, o, record);
  progress.Done();
  if (!stats.ok()) {
    std::cerr << "lumbung: the demo stopped; remove " << ctx.data_dir << " to start again"
              << std::endl;
    return ReportError(stats.status());
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  std::cerr << "lumbung: recorded " << stats->events << " events in " << stats->batches
            << " batches in " << ms << " ms" << std::endl;
  // A signed checkpoint of the whole demo, so that GET /v1/checkpoint, proofs
  // and bundles work from the start.
  auto ledger = OpenLedger(ctx, /*read_only=*/false);
  if (!ledger.ok()) return ReportError(ledger.status());
  auto checkpoint = SignCheckpoint(**ledger);
  if (!checkpoint.ok()) return ReportError(checkpoint.status());
  std::cerr << "lumbung: signed the checkpoint of size " << checkpoint->size << std::endl;
  return kExitOk;
}

// The demo's event JSON lines, for other tools: seqs in corrections and
// returns assume a new ledger, where the first event after LedgerOpened is
// seq 1.
int Print(const DemoArgs& args) {
  demo::DemoOptions o = args.options;
  o.assume_first_seq = 1;
  demo::DemoGenerator generator(o);
  demo::DemoBatch batch;
  while (generator.NextBatch(&batch) == demo::DemoGenerator::Next::kBatch) {
    for (const std::string& line : batch.events) std::cout << line << '\n';
  }
  std::cout.flush();
  return std::cout ? kExitOk : ReportError(Status::IOError("cannot write standard output"));
}

int Demo(const Context& ctx, const DemoArgs& args) {
  Status valid = demo::ValidateDemoOptions(args.options);
  if (!valid.ok()) return ReportError(valid);
  if (args.print) return Print(args);
  std::error_code ec;
  const bool exists =
      std::filesystem::exists(std::filesystem::path(ctx.data_dir) / "db" / "CURRENT", ec);
  if (!exists) {
    const int code = Record(ctx, args);
    if (code != kExitOk) return code;
  } else if (args.options_given) {
    std::cerr << "lumbung: " << ctx.data_dir << " already holds a ledger; showing it (the "
              << "demo options apply to a new folder only)" << std::endl;
  }
  return VerifyAndSummarise(ctx);
}

}  // namespace

void AddDemoCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "demo",
      "record a demo kelurahan's year of aid and KUBE loans (if the folder holds no "
      "ledger), verify it and summarise it");
  auto args = std::make_shared<DemoArgs>();
  demo::DemoOptions& o = args->options;
  std::vector<CLI::Option*> given = {
      cmd->add_option("--households", o.households, "households in the kelurahan")
          ->capture_default_str(),
      cmd->add_option("--seed", o.seed, "seed of the demo's randomness")->capture_default_str(),
      cmd->add_option("--groups", o.groups, "KUBE groups")->capture_default_str(),
      cmd->add_option("--months", o.months, "months, from January 2026")->capture_default_str()};
  cmd->add_flag("--print", args->print,
                "print the demo's event JSON lines instead (seqs assume a new ledger)");
  cmd->callback([&ctx, args, given] {
    for (const CLI::Option* option : given) args->options_given |= option->count() > 0;
    ctx.run = [&ctx, args] { return Demo(ctx, *args); };
  });
}

}  // namespace lumbung::cli
