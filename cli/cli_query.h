// The query subcommands of `lumbung` (DESIGN §6, §7.1): balance, balances,
// program, cycle, beneficiary, group, loan, portfolio. Each prints JSON by
// default (JSON lines for `balances`) or, with --format table, a table a
// finance officer reads; each takes --as-of-seq N (the ledger after its
// first N entries). Kept apart from cli.h so each group stays one file.

#ifndef LUMBUNG_CLI_CLI_QUERY_H_
#define LUMBUNG_CLI_CLI_QUERY_H_

#include "cli.h"

namespace lumbung::cli {

void AddQueryCommands(CLI::App& app, Context& ctx);

}  // namespace lumbung::cli

#endif  // LUMBUNG_CLI_CLI_QUERY_H_
