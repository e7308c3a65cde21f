// The audit-facing subcommands of `lumbung` (DESIGN §7.1): checkpoint,
// prove, export (bundle, oversight, journal), receipt, and verify --bundle.
// Kept apart from cli.h so each group stays one file, as the others are.

#ifndef LUMBUNG_CLI_CLI_AUDIT_H_
#define LUMBUNG_CLI_CLI_AUDIT_H_

#include <string>

#include "cli.h"

namespace lumbung::cli {

void AddCheckpointCommands(CLI::App& app, Context& ctx);  // checkpoint
void AddProveCommands(CLI::App& app, Context& ctx);       // prove inclusion|consistency
void AddExportCommands(CLI::App& app, Context& ctx);      // export bundle|oversight|journal
void AddReceiptCommands(CLI::App& app, Context& ctx);     // receipt SEQ

// `verify --bundle DIR [--vkey KEY] [--since NOTE_FILE]`; needs no ledger.
struct BundleVerifyArgs {
  std::string dir;
  std::string vkey;        // key text or a file holding it; empty: the bundle's
  std::string since_file;  // an older signed checkpoint; empty: none
};
int VerifyBundleCommand(const BundleVerifyArgs& args);

}  // namespace lumbung::cli

#endif  // LUMBUNG_CLI_CLI_AUDIT_H_
