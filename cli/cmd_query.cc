// balance, balances, program, cycle, beneficiary, group, loan, portfolio.

#include <iostream>
#include <memory>
#include <optional>

#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/secrets.h"

#include "cli_query.h"
#include "query_table.h"

namespace lumbung::cli {
namespace {

using Json = nlohmann::ordered_json;

struct QueryArgs {
  std::vector<std::string> ids;  // positional: account, or programme/cycle/... ids
  uint64_t as_of_seq = 0;
  CLI::Option* as_of_seq_option = nullptr;
  std::string as_of_date;
  CLI::Option* as_of_date_option = nullptr;
  std::string format = "json";
  std::string region;
  std::string group;
  bool show_pii = false;
};

query::Options ToOptions(const QueryArgs& args) {
  query::Options options;
  if (args.as_of_seq_option->count() > 0) options.as_of_seq = args.as_of_seq;
  if (args.as_of_date_option != nullptr && args.as_of_date_option->count() > 0) {
    options.as_of_date = args.as_of_date;
  }
  options.region_prefix = args.region;
  options.group_id = args.group;
  return options;
}

// What one subcommand computes from a snapshot, and how it is drawn as a table.
using Compute = std::function<Result<Json>(const LedgerSnapshot&, const QueryArgs&)>;
using Draw = std::string (*)(const Json&);

int RunQuery(const Context& ctx, const QueryArgs& args, const Compute& compute, Draw draw) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  const std::unique_ptr<LedgerSnapshot> snapshot = (*ledger)->Snapshot();
  Result<Json> answer = compute(*snapshot, args);
  if (!answer.ok()) return ReportError(answer.status());
  if (args.format == "table") {
    Result<std::string> text = RenderTable(draw, *answer);
    if (!text.ok()) return ReportError(text.status());
    std::cout << *text << std::flush;
  } else {
    std::cout << DumpJson(*answer) << std::endl;
  }
  return kExitOk;
}

int RunBalances(const Context& ctx, const QueryArgs& args) {
  auto ledger = OpenLedger(ctx, /*read_only=*/true);
  if (!ledger.ok()) return ReportError(ledger.status());
  const std::unique_ptr<LedgerSnapshot> snapshot = (*ledger)->Snapshot();
  auto balances = query::Balances(*snapshot, ToOptions(args));
  if (!balances.ok()) return ReportError(balances.status());
  if (args.format == "table") {
    Json rows = Json::array();
    for (const query::AccountBalance& b : *balances) rows.push_back(query::BalanceJson(b));
    Result<std::string> text = RenderTable(DrawBalances, rows);
    if (!text.ok()) return ReportError(text.status());
    std::cout << *text << std::flush;
    return kExitOk;
  }
  for (const query::AccountBalance& b : *balances) {
    std::cout << DumpJson(query::BalanceJson(b)) << '\n';
  }
  std::cout.flush();
  return kExitOk;
}

// A subcommand with its positional ids, --as-of-seq and --format; `dated`
// adds --as-of DATE for loan metrics.
CLI::App* AddQuery(CLI::App& app, const std::string& name, const std::string& help,
                   const std::vector<std::pair<std::string, std::string>>& positionals, bool dated,
                   const std::shared_ptr<QueryArgs>& args) {
  auto* cmd = app.add_subcommand(name, help);
  args->ids.resize(positionals.size());
  for (size_t i = 0; i < positionals.size(); ++i) {
    cmd->add_option(positionals[i].first, args->ids[i], positionals[i].second)->required();
  }
  args->as_of_seq_option = cmd->add_option(
      "--as-of-seq", args->as_of_seq, "answer for the ledger after its first N entries (seq < N)");
  if (dated) {
    args->as_of_date_option =
        cmd->add_option("--as-of", args->as_of_date,
                        "date YYYY-MM-DD for loan metrics (default: the last entry's date)");
  }
  cmd->add_option("--format", args->format, "json or table")
      ->capture_default_str()
      ->check(CLI::IsMember({"json", "table"}));
  return cmd;
}

void Register(CLI::App* cmd, Context& ctx, const std::shared_ptr<QueryArgs>& args, Compute compute,
              Draw draw) {
  cmd->callback([&ctx, args, compute = std::move(compute), draw] {
    ctx.run = [&ctx, args, compute, draw] { return RunQuery(ctx, *args, compute, draw); };
  });
}

void AddBalanceCommands(CLI::App& app, Context& ctx) {
  auto one = std::make_shared<QueryArgs>();
  auto* cmd = AddQuery(app, "balance", "one account's balance (JSON)",
                       {{"account",
                         "funder:F, program:P, beneficiary:P:B, group:G, loss:G, "
                         "loan:L"}},
                       false, one);
  Register(
      cmd, ctx, one,
      [](const LedgerSnapshot& s, const QueryArgs& a) -> Result<Json> {
        const query::Options options = ToOptions(a);
        LUMBUNG_ASSIGN_OR_RETURN(const query::AccountBalance b,
                                 query::Balance(s, a.ids[0], options));
        return query::BalanceJson(b, options.as_of_seq.value_or(s.size()));
      },
      DrawBalance);
  auto all = std::make_shared<QueryArgs>();
  auto* every = AddQuery(app, "balances", "every account's balance (JSON lines)", {}, false, all);
  every->callback([&ctx, all] { ctx.run = [&ctx, all] { return RunBalances(ctx, *all); }; });
}

void AddProgramCommands(CLI::App& app, Context& ctx) {
  auto program = std::make_shared<QueryArgs>();
  auto* cmd = AddQuery(app, "program", "a programme's totals, cycles and regions",
                       {{"program", "programme id"}}, false, program);
  cmd->add_option("--region", program->region,
                  "region code prefix for the region totals (e.g. 31.75.07.1005.03)");
  Register(
      cmd, ctx, program,
      [](const LedgerSnapshot& s, const QueryArgs& a) {
        return query::Program(s, a.ids[0], ToOptions(a));
      },
      DrawProgram);
  auto cycle = std::make_shared<QueryArgs>();
  cmd = AddQuery(app, "cycle", "a cycle's plan against what was paid",
                 {{"program", "programme id"}, {"cycle", "cycle (YYYY-MM or YYYY-Qn)"}}, false,
                 cycle);
  Register(
      cmd, ctx, cycle,
      [](const LedgerSnapshot& s, const QueryArgs& a) {
        return query::Cycle(s, a.ids[0], a.ids[1], ToOptions(a));
      },
      DrawCycle);
  auto ben = std::make_shared<QueryArgs>();
  cmd = AddQuery(app, "beneficiary", "a beneficiary's statement with receipt codes",
                 {{"program", "programme id"}, {"beneficiary", "beneficiary id"}}, false, ben);
  cmd->add_flag("--show-pii", ben->show_pii,
                "add the personal data held for them (decrypted with keys/pii.key) and "
                "whether it matches the enrolment's commitment");
  Register(
      cmd, ctx, ben,
      [&ctx](const LedgerSnapshot& s, const QueryArgs& a) -> Result<Json> {
        query::Options options = ToOptions(a);
        Secret key{};
        if (a.show_pii) {
          LUMBUNG_ASSIGN_OR_RETURN(key, LoadSecret(PiiKeyPath(ctx.data_dir)));
          options.pii_master_key = &key;
        }
        return query::Beneficiary(s, a.ids[0], a.ids[1], options);
      },
      DrawBeneficiary);
}

void AddLoanCommands(CLI::App& app, Context& ctx) {
  auto group = std::make_shared<QueryArgs>();
  auto* cmd = AddQuery(app, "group", "a group's fund, members, loans and portfolio metrics",
                       {{"group", "group id"}}, true, group);
  Register(
      cmd, ctx, group,
      [](const LedgerSnapshot& s, const QueryArgs& a) {
        return query::Group(s, a.ids[0], ToOptions(a));
      },
      DrawGroup);
  auto loan = std::make_shared<QueryArgs>();
  cmd = AddQuery(app, "loan", "a loan's schedule, payments and arrears", {{"loan", "loan id"}},
                 true, loan);
  Register(
      cmd, ctx, loan,
      [](const LedgerSnapshot& s, const QueryArgs& a) {
        return query::Loan(s, a.ids[0], ToOptions(a));
      },
      DrawLoan);
  auto portfolio = std::make_shared<QueryArgs>();
  cmd = AddQuery(app, "portfolio", "loan portfolio metrics (PAR, arrears, repayment rate, aging)",
                 {}, true, portfolio);
  cmd->add_option("--group", portfolio->group, "one group only");
  Register(
      cmd, ctx, portfolio,
      [](const LedgerSnapshot& s, const QueryArgs& a) { return query::Portfolio(s, ToOptions(a)); },
      DrawPortfolio);
}

}  // namespace

void AddQueryCommands(CLI::App& app, Context& ctx) {
  AddBalanceCommands(app, ctx);
  AddProgramCommands(app, ctx);
  AddLoanCommands(app, ctx);
}

}  // namespace lumbung::cli
