// The `lumbung` command: shared context and the registration function of
// each subcommand group. Every subcommand returns its process exit status:
// 0 success, 1 a rejected event or a failed check, 2 a usage or system error.

#ifndef LUMBUNG_CLI_CLI_H_
#define LUMBUNG_CLI_CLI_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "lumbung/base/status.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitRejected = 1;
inline constexpr int kExitError = 2;

struct Context {
  std::string data_dir = "./lumbung-data";
  // Set by the chosen subcommand's callback; run after parsing.
  std::function<int()> run;
};

// Prints a failure the way every subcommand does: the JSON error object on
// stdout (for scripts), one human sentence on stderr. Returns the exit code.
int ReportError(const Status& status);
// Exit code for a failure: 1 for rejections and failed checks, 2 otherwise.
int ExitCodeFor(const Status& status);

Result<std::unique_ptr<Ledger>> OpenLedger(const Context& ctx, bool read_only);
// "cli:<user>": the principal recorded as the actor of CLI writes.
std::string CliActor();

// Progress for long work: a single updating line on a terminal's stderr,
// nothing at all when stderr is a pipe or file.
class Progress {
 public:
  explicit Progress(std::string what);
  ~Progress();
  void Update(uint64_t done, uint64_t total);
  void Done();

 private:
  std::string what_;
  bool enabled_;
  int64_t last_ms_ = 0;
  bool printed_ = false;
};

void AddInitCommands(CLI::App& app, Context& ctx);     // init
void AddRecordCommands(CLI::App& app, Context& ctx);   // record
void AddLogCommands(CLI::App& app, Context& ctx);      // log
void AddVerifyCommands(CLI::App& app, Context& ctx);   // verify
void AddRebuildCommands(CLI::App& app, Context& ctx);  // rebuild
void AddServeCommands(CLI::App& app, Context& ctx);    // serve
void AddTokenCommands(CLI::App& app, Context& ctx);    // token add/remove
void AddEraseCommands(CLI::App& app, Context& ctx);    // erase

}  // namespace lumbung::cli

#endif  // LUMBUNG_CLI_CLI_H_
