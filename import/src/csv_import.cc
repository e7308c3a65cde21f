#include "lumbung/import/csv_import.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/base/limits.h"
#include "lumbung/ledger/event_json.h"

#include "csv_rows.h"

namespace lumbung::import {
namespace {

using internal::CsvRow;
using nlohmann::ordered_json;

enum Column : int {
  kBeneficiary,
  kAmount,
  kChannel,
  kProviderRef,
  kRegion,
  kHousehold,
  kSource,
  kColumnCount,
};

constexpr std::string_view kColumnNames[kColumnCount] = {
    "beneficiary_id", "amount", "channel", "provider_ref", "region_code", "household_id", "source"};

struct Alias {
  std::string_view name;
  Column column;
};

constexpr Alias kBeneficiaryAliases[] = {
    {"beneficiary_id", kBeneficiary}, {"beneficiary", kBeneficiary}, {"id_penerima", kBeneficiary},
    {"penerima", kBeneficiary},       {"id_kpm", kBeneficiary},
};
constexpr Alias kDisbursementAliases[] = {
    {"amount", kAmount},
    {"nominal", kAmount},
    {"jumlah", kAmount},
    {"nilai", kAmount},
    {"channel", kChannel},
    {"saluran", kChannel},
    {"metode", kChannel},
    {"cara_bayar", kChannel},
    {"provider_ref", kProviderRef},
    {"provider_reference", kProviderRef},
    {"referensi", kProviderRef},
    {"reference", kProviderRef},
    {"ref", kProviderRef},
};
constexpr Alias kEnrolmentAliases[] = {
    {"region_code", kRegion},     {"region", kRegion},
    {"kode_wilayah", kRegion},    {"wilayah", kRegion},
    {"household_id", kHousehold}, {"household", kHousehold},
    {"id_keluarga", kHousehold},  {"id_rumah_tangga", kHousehold},
    {"source", kSource},          {"sumber", kSource},
};

struct Channel {
  std::string_view written;
  std::string_view name;
};
constexpr Channel kChannels[] = {
    {"CASH", "CASH"},       {"TUNAI", "CASH"},     {"BANK", "BANK"},
    {"TRANSFER", "BANK"},   {"POST", "POST"},      {"POS", "POST"},
    {"IN_KIND", "IN_KIND"}, {"NATURA", "IN_KIND"}, {"BARANG", "IN_KIND"},
};

std::string_view Trim(std::string_view s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// "Nominal (Rp)" stays unmatched; "ID Penerima" and "id-penerima" read as
// id_penerima.
std::string NormalizeHeader(std::string_view name) {
  std::string out;
  for (char c : Trim(name)) {
    if (c == ' ' || c == '-') {
      out.push_back('_');
    } else {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '-') {
      out.push_back('_');
    } else {
      out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    }
  }
  return out;
}

Status RowError(std::string_view reason, std::string_view field, const std::string& message) {
  return Status::Rejected(reason, field, message);
}

// Which column of the file holds each field; -1 when none does.
struct Layout {
  std::array<int, kColumnCount> index;
  std::vector<std::string> ignored;
};

std::string AliasList(Column column, std::initializer_list<std::span<const Alias>> tables) {
  std::string out;
  for (const auto& table : tables) {
    for (const Alias& a : table) {
      if (a.column != column || a.name == kColumnNames[column]) continue;
      out += out.empty() ? "" : ", ";
      out += a.name;
    }
  }
  return out;
}

Result<Layout> MapHeader(const CsvRow& header, std::span<const Alias> aliases,
                         std::initializer_list<Column> required) {
  if (!header.error.ok()) {
    return RowError(
        "malformed_header", "",
        "line " + std::to_string(header.line) + ": " + std::string(header.error.message()));
  }
  Layout layout;
  layout.index.fill(-1);
  for (size_t i = 0; i < header.fields.size(); ++i) {
    const std::string name = NormalizeHeader(header.fields[i]);
    std::optional<Column> column;
    for (const auto& table : {std::span<const Alias>(kBeneficiaryAliases), aliases}) {
      for (const Alias& a : table) {
        if (a.name == name) column = a.column;
      }
    }
    if (!column) {
      if (!name.empty()) layout.ignored.push_back(header.fields[i]);
      continue;
    }
    if (layout.index[*column] >= 0) {
      return RowError("duplicate_column", kColumnNames[*column],
                      "two columns give " + std::string(kColumnNames[*column]) + ": \"" +
                          header.fields[layout.index[*column]] + "\" and \"" + header.fields[i] +
                          "\"");
    }
    layout.index[*column] = static_cast<int>(i);
  }
  for (Column c : required) {
    if (layout.index[c] >= 0) continue;
    return RowError("missing_column", kColumnNames[c],
                    "the header has no " + std::string(kColumnNames[c]) + " column (also read as " +
                        AliasList(c, {kBeneficiaryAliases, aliases}) + ")");
  }
  return layout;
}

// A cell's trimmed text; empty when the row is shorter than the header.
std::string_view Cell(const CsvRow& row, const Layout& layout, Column column) {
  const int i = layout.index[column];
  if (i < 0 || static_cast<size_t>(i) >= row.fields.size()) return {};
  return Trim(row.fields[static_cast<size_t>(i)]);
}

Status CheckWidth(const CsvRow& row, size_t header_width) {
  for (size_t i = header_width; i < row.fields.size(); ++i) {
    if (!Trim(row.fields[i]).empty()) {
      return RowError("malformed_row", "",
                      "the row has " + std::to_string(row.fields.size()) +
                          " fields but the header names " + std::to_string(header_width) +
                          " columns");
    }
  }
  return Status();
}

Status ParseBeneficiary(std::string_view text, std::string* out) {
  if (text.empty()) return RowError("missing_field", "beneficiary_id", "beneficiary_id is empty");
  if (!ValidateEventId(text).ok()) {
    return RowError("invalid_field", "beneficiary_id",
                    "beneficiary id \"" + std::string(text.substr(0, 80)) +
                        "\" must be 1-64 characters of A-Z a-z 0-9 . _ : -");
  }
  *out = std::string(text);
  return Status();
}

// "300.000" or "1,250,000": digits grouped by threes.
bool IsGrouped(std::string_view s) {
  size_t digits = 0;
  size_t group = 0;
  bool separated = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      ++digits;
      ++group;
      continue;
    }
    if ((c != '.' && c != ',') || group == 0 || (separated && group != 3) || group > 3) {
      return false;
    }
    separated = true;
    group = 0;
  }
  return separated && group == 3 && digits > 0;
}

Status ParseAmount(std::string_view text, int64_t* out) {
  if (text.empty()) return RowError("missing_field", "amount", "amount is empty");
  const std::string quoted = "amount \"" + std::string(text.substr(0, 40)) + "\"";
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t value = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    if (r.ec != std::errc() || r.ptr != text.data() + text.size()) {
      return RowError("invalid_amount", "amount", quoted + " is too large");
    }
    if (value == 0) return RowError("invalid_amount", "amount", "amount must be more than zero");
    *out = value;
    return Status();
  }
  if (IsGrouped(text)) {
    std::string digits;
    for (char c : text) {
      if (c >= '0' && c <= '9') digits.push_back(c);
    }
    return RowError("invalid_amount", "amount",
                    quoted + " has a thousands separator; write digits only, e.g. " + digits);
  }
  if (text.find_first_of(".,") != std::string_view::npos) {
    return RowError("invalid_amount", "amount",
                    quoted +
                        " has a decimal point or separator; amounts are whole numbers of "
                        "the unit written with digits only");
  }
  if (text.front() == '-') {
    return RowError("invalid_amount", "amount", quoted + " is negative; amounts are positive");
  }
  return RowError("invalid_amount", "amount",
                  quoted + " must be written with digits only (no currency sign or spaces)");
}

Status ParseChannel(std::string_view text, std::string* out) {
  if (text.empty()) return RowError("missing_field", "channel", "channel is empty");
  const std::string upper = Upper(text);
  for (const Channel& c : kChannels) {
    if (c.written == upper) {
      *out = std::string(c.name);
      return Status();
    }
  }
  return RowError("invalid_field", "channel",
                  "channel \"" + std::string(text.substr(0, 40)) +
                      "\" must be CASH, BANK, POST or IN_KIND (or TUNAI, TRANSFER, POS, NATURA)");
}

std::string DerivedId(std::string_view natural, std::string_view program, std::string_view scope,
                      std::string_view beneficiary) {
  if (natural.size() <= limits::kIdCharsMax) return std::string(natural);
  std::string key(program);
  key += '\n';
  key += scope;
  key += '\n';
  key += beneficiary;
  return "imp-" + audit::ToHex(audit::Sha256(key)).substr(0, 40);
}

// Rows are read until the file ends; rows past the limit make the whole
// file too large (checked by the caller through `rows`).
template <typename RowFn>
Result<ParsedFile> ReadFile(std::istream& in, std::span<const Alias> aliases,
                            std::initializer_list<Column> required, uint64_t size_bytes,
                            const ProgressFn& progress, RowFn&& row_fn) {
  ParsedFile file;
  std::optional<Layout> layout;
  size_t header_width = 0;
  Status header_error;
  bool too_many = false;
  const Status read = internal::ReadCsvRows(
      in,
      [&](CsvRow& row) {
        if (!layout) {
          auto mapped = MapHeader(row, aliases, required);
          if (!mapped.ok()) {
            header_error = mapped.status();
            return false;
          }
          layout = std::move(*mapped);
          header_width = row.fields.size();
          return true;
        }
        if (++file.rows > limits::kLibraryBatchEventsMax) {
          too_many = true;
          return false;
        }
        if (!row.error.ok()) {
          file.problems.push_back(RowProblem{row.line, row.error});
          return true;
        }
        Status st = CheckWidth(row, header_width);
        if (st.ok()) st = row_fn(row, *layout, file);
        if (!st.ok()) file.problems.push_back(RowProblem{row.line, std::move(st)});
        return true;
      },
      [&](uint64_t done) {
        if (progress) progress(done, size_bytes);
      });
  LUMBUNG_RETURN_IF_ERROR(read);
  LUMBUNG_RETURN_IF_ERROR(header_error);
  if (!layout) return RowError("empty_file", "", "the file has no header row");
  if (too_many) {
    return RowError("too_many_rows", "",
                    "the file has more than " + std::to_string(limits::kLibraryBatchEventsMax) +
                        " rows, more than one batch may hold; split it into several files");
  }
  file.ignored_columns = std::move(layout->ignored);
  return file;
}

// Rows naming a beneficiary already named on an earlier line.
class Duplicates {
 public:
  Status Check(const std::string& beneficiary, size_t line) {
    const auto [it, inserted] = first_.emplace(beneficiary, line);
    if (inserted) return Status();
    return RowError("duplicate_row", "beneficiary_id",
                    beneficiary + " is already on line " + std::to_string(it->second) +
                        "; a beneficiary appears once in a list");
  }

 private:
  std::unordered_map<std::string, size_t> first_;
};

void AddEvent(ParsedFile& file, const ordered_json& event, size_t line) {
  file.events.push_back(DecodeEventObject(event));
  file.lines.push_back(line);
}

}  // namespace

std::string DisbursementEventId(std::string_view program, std::string_view cycle,
                                std::string_view beneficiary) {
  std::string natural(program);
  natural += '-';
  natural += cycle;
  natural += '-';
  natural += beneficiary;
  return DerivedId(natural, program, cycle, beneficiary);
}

std::string EnrolmentEventId(std::string_view program, std::string_view beneficiary) {
  std::string natural = "enr-";
  natural += program;
  natural += '-';
  natural += beneficiary;
  return DerivedId(natural, program, "enrolment", beneficiary);
}

Result<ParsedFile> ParseDisbursements(std::istream& in, const DisbursementOptions& options,
                                      uint64_t size_bytes, const ProgressFn& progress) {
  Duplicates duplicates;
  return ReadFile(
      in, kDisbursementAliases, {kBeneficiary, kAmount, kChannel}, size_bytes, progress,
      [&](const CsvRow& row, const Layout& layout, ParsedFile& file) {
        std::string beneficiary, channel;
        int64_t amount = 0;
        LUMBUNG_RETURN_IF_ERROR(ParseBeneficiary(Cell(row, layout, kBeneficiary), &beneficiary));
        LUMBUNG_RETURN_IF_ERROR(ParseAmount(Cell(row, layout, kAmount), &amount));
        LUMBUNG_RETURN_IF_ERROR(ParseChannel(Cell(row, layout, kChannel), &channel));
        LUMBUNG_RETURN_IF_ERROR(duplicates.Check(beneficiary, row.line));
        ordered_json e = {
            {"type", "AidDisbursed"},
            {"event_id", DisbursementEventId(options.program_id, options.cycle, beneficiary)},
            {"effective_date", options.effective_date},
            {"program_id", options.program_id},
            {"beneficiary_id", beneficiary},
            {"cycle", options.cycle},
            {"amount", amount},
            {"channel", channel}};
        if (!options.batch_id.empty()) e["batch_id"] = options.batch_id;
        const std::string_view ref = Cell(row, layout, kProviderRef);
        if (!ref.empty()) e["provider_ref"] = std::string(ref);
        AddEvent(file, e, row.line);
        return Status();
      });
}

Result<ParsedFile> ParseEnrolments(std::istream& in, const EnrolmentOptions& options,
                                   uint64_t size_bytes, const ProgressFn& progress) {
  Duplicates duplicates;
  return ReadFile(
      in, kEnrolmentAliases, {kBeneficiary, kRegion}, size_bytes, progress,
      [&](const CsvRow& row, const Layout& layout, ParsedFile& file) {
        std::string beneficiary;
        LUMBUNG_RETURN_IF_ERROR(ParseBeneficiary(Cell(row, layout, kBeneficiary), &beneficiary));
        const std::string_view region = Cell(row, layout, kRegion);
        if (region.empty()) return RowError("missing_field", "region_code", "region_code is empty");
        std::string source = Upper(Cell(row, layout, kSource));
        if (source.empty()) source = Upper(options.source);
        if (source.empty()) {
          return RowError("missing_field", "source",
                          "source is empty and the import gives no default source");
        }
        LUMBUNG_RETURN_IF_ERROR(duplicates.Check(beneficiary, row.line));
        ordered_json e = {{"type", "BeneficiaryEnrolled"},
                          {"event_id", EnrolmentEventId(options.program_id, beneficiary)},
                          {"effective_date", options.effective_date},
                          {"program_id", options.program_id},
                          {"beneficiary_id", beneficiary},
                          {"region_code", std::string(region)}};
        const std::string_view household = Cell(row, layout, kHousehold);
        if (!household.empty()) e["household_id"] = std::string(household);
        e["source"] = source;
        AddEvent(file, e, row.line);
        return Status();
      });
}

}  // namespace lumbung::import
