#include <chrono>
#include <cstdio>
#include <iostream>

#include <nlohmann/json.hpp>

#include "lumbung/ledger/event_json.h"

#include "cli.h"
#include <pwd.h>
#include <unistd.h>

namespace lumbung::cli {

int ExitCodeFor(const Status& status) {
  if (status.ok()) return kExitOk;
  switch (status.code()) {
    case Code::kRejected:
    case Code::kCorruption: return kExitRejected;
    default: return kExitError;
  }
}

int ReportError(const Status& status) {
  nlohmann::ordered_json error = {{"code", std::string(status.reason())},
                                  {"field", std::string(status.field())},
                                  {"message", std::string(status.message())}};
  if (status.index() >= 0) error["index"] = status.index();
  if (status.seq() >= 0) error["seq"] = status.seq();
  std::cout << DumpJson(nlohmann::ordered_json{{"error", error}}) << std::endl;
  std::string human = "lumbung: " + std::string(status.message());
  if (status.index() >= 0) human += " (event " + std::to_string(status.index()) + ")";
  std::cerr << human << std::endl;
  return ExitCodeFor(status);
}

Result<std::unique_ptr<Ledger>> OpenLedger(const Context& ctx, bool read_only) {
  LedgerOptions options;
  options.read_only = read_only;
  return Ledger::Open(ctx.data_dir, options);
}

std::string CliActor() {
  const passwd* pw = getpwuid(geteuid());
  return std::string("cli:") + (pw != nullptr ? pw->pw_name : std::to_string(geteuid()));
}

namespace {
int64_t NowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Progress::Progress(std::string what) : what_(std::move(what)), enabled_(isatty(STDERR_FILENO)) {}

Progress::~Progress() {
  Done();
}

void Progress::Update(uint64_t done, uint64_t total) {
  if (!enabled_) return;
  const int64_t now = NowMs();
  if (now - last_ms_ < 100 && done != total) return;  // at most 10 redraws a second
  last_ms_ = now;
  const unsigned percent = total == 0 ? 100 : static_cast<unsigned>(done * 100 / total);
  std::fprintf(stderr, "\r%s: %llu/%llu (%u%%)", what_.c_str(),
               static_cast<unsigned long long>(done), static_cast<unsigned long long>(total),
               percent);
  std::fflush(stderr);
  printed_ = true;
}

void Progress::Done() {
  if (enabled_ && printed_) std::fputs("\n", stderr);
  printed_ = false;
}

}  // namespace lumbung::cli
