// lumbung: the command-line interface to a ledger (DESIGN §7.1).

#include <iostream>

#include "cli.h"
#include "cli_audit.h"
#include "cli_data.h"
#include "cli_query.h"

int main(int argc, char** argv) {
  using namespace lumbung::cli;
  CLI::App app{"lumbung: a verifiable ledger for social aid and community funds"};
  app.require_subcommand(1);
  // --data (and other top-level options) may follow the subcommand too.
  app.fallthrough();
  app.set_version_flag("--version", "lumbung 0.1.0");
  Context ctx;
  app.add_option("--data", ctx.data_dir, "ledger folder")->capture_default_str();
  AddInitCommands(app, ctx);
  AddRecordCommands(app, ctx);
  AddLogCommands(app, ctx);
  AddQueryCommands(app, ctx);
  AddVerifyCommands(app, ctx);
  AddRebuildCommands(app, ctx);
  AddServeCommands(app, ctx);
  AddTokenCommands(app, ctx);
  AddCheckpointCommands(app, ctx);
  AddProveCommands(app, ctx);
  AddReceiptCommands(app, ctx);
  AddExportCommands(app, ctx);
  AddDemoCommands(app, ctx);
  AddImportCommands(app, ctx);
  AddEraseCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitError;
  }
  return ctx.run ? ctx.run() : kExitError;
}
