// The subcommands of `lumbung` that bring data into a ledger: the demo
// kelurahan and CSV imports of recipient lists. Kept apart from cli.h so
// each group stays one file, as the others are.

#ifndef LUMBUNG_CLI_CLI_DATA_H_
#define LUMBUNG_CLI_CLI_DATA_H_

#include "cli.h"

namespace lumbung::cli {

void AddDemoCommands(CLI::App& app, Context& ctx);    // demo
void AddImportCommands(CLI::App& app, Context& ctx);  // import disbursements|enrolments

}  // namespace lumbung::cli

#endif  // LUMBUNG_CLI_CLI_DATA_H_
