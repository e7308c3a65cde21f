#include <algorithm>
#include <fstream>
#include <iostream>

#include <nlohmann/json.hpp>

#include "lumbung/base/limits.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/pii.h"
#include "lumbung/ledger/receipt.h"

#include "cli.h"

namespace lumbung::cli {
namespace {

// Longest line `record` accepts: far above the largest legal event (16 KiB
// encoded), so a line this long is a mistake, not data.
constexpr size_t kLineBytesMax = 256 * 1024;

struct Lines {
  std::vector<EventInput> events;
  std::vector<size_t> line_numbers;  // 1-based, per event
};

Result<Lines> ReadEvents(std::istream& in) {
  Lines out;
  std::string line;
  size_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (out.events.size() >= limits::kLibraryBatchEventsMax) {
      return Status::Rejected(
          "batch_too_large", "",
          "a batch holds at most " + std::to_string(limits::kLibraryBatchEventsMax) + " events");
    }
    if (line.size() > kLineBytesMax) {
      EventInput bad;
      bad.event_id_error = Status::Rejected("malformed_json", "", "line is too long");
      out.events.push_back(std::move(bad));
    } else {
      out.events.push_back(DecodeEventJson(line));
    }
    out.line_numbers.push_back(number);
  }
  if (in.bad()) return Status::IOError("reading the events failed");
  return out;
}

std::string ReceiptLine(const Receipt& r) {
  nlohmann::ordered_json j = {{"seq", r.seq},
                              {"event_id", r.event_id},
                              {"leaf_hash", audit::ToHex(r.leaf_hash)},
                              {"receipt", ReceiptCode(r.leaf_hash)}};
  return DumpJson(j);
}

int Record(const Context& ctx, const std::string& file) {
  std::ifstream stream;
  std::istream* in = &std::cin;
  if (file != "-") {
    stream.open(file);
    if (!stream) return ReportError(Status::InvalidArgument("cannot open " + file));
    in = &stream;
  }
  auto lines = ReadEvents(*in);
  if (!lines.ok()) return ReportError(lines.status());
  if (lines->events.empty()) {
    return ReportError(Status::Rejected("empty_batch", "", "no events to record"));
  }
  auto ledger = OpenLedger(ctx, false);
  if (!ledger.ok()) return ReportError(ledger.status());
  const std::vector<size_t> numbers = lines->line_numbers;
  const bool erases = std::any_of(lines->events.begin(), lines->events.end(),
                                  [](const EventInput& e) { return IsPersonalDataErasure(e); });
  auto receipts = (*ledger)->Append(std::move(lines->events), CliActor());
  if (!receipts.ok()) {
    Status st = receipts.status();
    if (st.index() >= 0 && static_cast<size_t>(st.index()) < numbers.size()) {
      st = Status(st).Annotate("line " + std::to_string(numbers[static_cast<size_t>(st.index())]));
    }
    std::cerr << "lumbung: nothing was recorded" << std::endl;
    return ReportError(st);
  }
  size_t replayed = 0;
  for (const Receipt& r : *receipts) {
    std::cout << ReceiptLine(r) << '\n';
    replayed += r.replayed ? 1 : 0;
  }
  std::cout.flush();
  if (replayed > 0) {
    std::cerr << "lumbung: " << replayed << " of " << receipts->size()
              << " events were already recorded; their original receipts are shown" << std::endl;
  }
  // An erasure deleted vault rows; their old bytes leave the disk now, as
  // with `lumbung erase`.
  if (erases) {
    Status purged = (*ledger)->PurgeErasedPersonalData();
    if (!purged.ok()) {
      return ReportError(std::move(purged).Annotate(
          "the events are recorded, but purging erased personal data from storage failed; "
          "run `lumbung erase` for the same person to retry"));
    }
  }
  return kExitOk;
}

}  // namespace

void AddRecordCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand(
      "record", "append events (JSON lines) as one atomic batch and print their receipts");
  auto file = std::make_shared<std::string>("-");
  cmd->add_option("file", *file, "JSON lines file, or - for standard input")->capture_default_str();
  cmd->callback([&ctx, file] { ctx.run = [&ctx, file] { return Record(ctx, *file); }; });
}

}  // namespace lumbung::cli
