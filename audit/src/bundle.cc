#include "lumbung/audit/bundle.h"

#include <algorithm>
#include <charconv>

#include "lumbung/audit/chain.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::audit {
namespace {

constexpr size_t kBundleFileNameCharsMax = 255;

bool IsAccountChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '-';
}

bool IsUnitChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

bool IsFileNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool IsAccount(std::string_view s) {
  return !s.empty() && s.size() <= kBalanceAccountCharsMax &&
         std::all_of(s.begin(), s.end(), IsAccountChar);
}

bool IsUnit(std::string_view s) {
  return !s.empty() && s.size() <= kBalanceUnitCharsMax &&
         std::all_of(s.begin(), s.end(), IsUnitChar);
}

bool RowLess(const BalanceRow& a, const BalanceRow& b) {
  return a.account != b.account ? a.account < b.account : a.unit < b.unit;
}

// A canonical int64: optional '-', digits without leading zeros ("0" alone
// is zero; "-0" is not canonical).
std::optional<int64_t> ParseCanonicalInt64(std::string_view text) {
  const std::string_view digits = text.starts_with('-') ? text.substr(1) : text;
  if (digits.empty() || (digits.size() > 1 && digits[0] == '0') || text == "-0")
    return std::nullopt;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Status BadLine(std::string_view file, size_t line, std::string_view what) {
  std::string message(file);
  message += ": line ";
  message += std::to_string(line);
  message += ": ";
  message += what;
  return Status::Make(Code::kCorruption, "malformed_file", file, message);
}

// Splits `text` into lines, each of which must end in '\n'.
Result<std::vector<std::string_view>> SplitLines(std::string_view file, std::string_view text,
                                                 size_t lines_max) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    if (end == std::string_view::npos) {
      return BadLine(file, lines.size() + 1, "the last line does not end in a newline");
    }
    if (lines.size() == lines_max) return BadLine(file, lines.size() + 1, "too many lines");
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

Result<BalanceRow> ParseBalanceRow(std::string_view line, size_t number) {
  const size_t first = line.find(',');
  const size_t second = first == std::string_view::npos ? first : line.find(',', first + 1);
  if (second == std::string_view::npos || line.find(',', second + 1) != std::string_view::npos) {
    return BadLine(bundle_files::kBalances, number, "a row has exactly three fields");
  }
  BalanceRow row;
  row.account = std::string(line.substr(0, first));
  row.unit = std::string(line.substr(first + 1, second - first - 1));
  if (!IsAccount(row.account)) return BadLine(bundle_files::kBalances, number, "invalid account");
  if (!IsUnit(row.unit)) return BadLine(bundle_files::kBalances, number, "invalid unit");
  const std::optional<int64_t> balance = ParseCanonicalInt64(line.substr(second + 1));
  if (!balance.has_value()) {
    return BadLine(bundle_files::kBalances, number,
                   "the balance is not a canonical 64-bit integer");
  }
  row.balance = *balance;
  return row;
}

Result<SumsLine> ParseSumsLine(std::string_view line, size_t number) {
  // "<64 hex><space><space or '*'><name>"
  constexpr size_t kHexChars = 2 * kHashBytes;
  if (line.size() < kHexChars + 3 || line[kHexChars] != ' ' ||
      (line[kHexChars + 1] != ' ' && line[kHexChars + 1] != '*')) {
    return BadLine(bundle_files::kSums, number, "expected \"<sha256 hex>  <file name>\"");
  }
  SumsLine parsed;
  if (!HexDecode(line.substr(0, kHexChars), parsed.sha256)) {
    return BadLine(bundle_files::kSums, number, "the SHA-256 is not 64 hex digits");
  }
  parsed.name = std::string(line.substr(kHexChars + 2));
  if (!IsValidBundleFileName(parsed.name)) {
    return BadLine(bundle_files::kSums, number, "the file name is not a plain relative name");
  }
  return parsed;
}

}  // namespace

void AppendEntryFrame(std::string_view entry, std::string* out) {
  LUMBUNG_ASSERT(!entry.empty() && entry.size() <= kEntryBytesMax);
  const auto size = static_cast<uint32_t>(entry.size());
  const char header[kFrameHeaderBytes] = {static_cast<char>(size >> 24),
                                          static_cast<char>(size >> 16),
                                          static_cast<char>(size >> 8), static_cast<char>(size)};
  out->append(header, kFrameHeaderBytes);
  out->append(entry);
}

Status SortBalanceRows(std::vector<BalanceRow>* rows) {
  for (const BalanceRow& row : *rows) {
    if (!IsAccount(row.account) || !IsUnit(row.unit)) {
      return Status::InvalidArgument("balance row (" + row.account + ", " + row.unit +
                                     ") cannot be written to balances.csv");
    }
  }
  std::sort(rows->begin(), rows->end(), RowLess);
  const auto repeated = std::adjacent_find(
      rows->begin(), rows->end(),
      [](const auto& a, const auto& b) { return a.account == b.account && a.unit == b.unit; });
  if (repeated != rows->end()) {
    return Status::InvalidArgument("balance of " + repeated->account + " in " + repeated->unit +
                                   " given twice");
  }
  return Status();
}

std::string FormatBalancesCsv(std::span<const BalanceRow> rows) {
  std::string text(kBalancesHeader);
  for (size_t i = 0; i < rows.size(); ++i) {
    LUMBUNG_ASSERT(IsAccount(rows[i].account) && IsUnit(rows[i].unit));
    LUMBUNG_ASSERT(i == 0 || RowLess(rows[i - 1], rows[i]));  // SortBalanceRows ran
    text += rows[i].account;
    text += ',';
    text += rows[i].unit;
    text += ',';
    text += std::to_string(rows[i].balance);
    text += '\n';
  }
  return text;
}

Result<std::vector<BalanceRow>> ParseBalancesCsv(std::string_view text) {
  if (text.size() > kBalancesBytesMax) {
    return BadLine(bundle_files::kBalances, 1, "the file is larger than a bundle allows");
  }
  if (!text.starts_with(kBalancesHeader)) {
    return BadLine(bundle_files::kBalances, 1, "the header must be \"account,unit,balance\"");
  }
  LUMBUNG_ASSIGN_OR_RETURN(
      const std::vector<std::string_view> lines,
      SplitLines(bundle_files::kBalances, text.substr(kBalancesHeader.size()), SIZE_MAX));
  std::vector<BalanceRow> rows;
  rows.reserve(lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t number = i + 2;  // line 1 is the header
    LUMBUNG_ASSIGN_OR_RETURN(BalanceRow row, ParseBalanceRow(lines[i], number));
    if (!rows.empty() && !RowLess(rows.back(), row)) {
      return BadLine(bundle_files::kBalances, number,
                     "rows must be sorted by account and unit, each once");
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string FormatSha256Sums(std::vector<SumsLine> lines) {
  std::sort(lines.begin(), lines.end(),
            [](const SumsLine& a, const SumsLine& b) { return a.name < b.name; });
  std::string text;
  for (const SumsLine& line : lines) {
    LUMBUNG_ASSERT(IsValidBundleFileName(line.name));
    text += ToHex(line.sha256);
    text += "  ";
    text += line.name;
    text += '\n';
  }
  return text;
}

Result<std::vector<SumsLine>> ParseSha256Sums(std::string_view text) {
  if (text.size() > kSumsBytesMax) {
    return BadLine(bundle_files::kSums, 1, "the file is larger than a bundle allows");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<std::string_view> lines,
                           SplitLines(bundle_files::kSums, text, kSumsLinesMax));
  std::vector<SumsLine> parsed;
  for (size_t i = 0; i < lines.size(); ++i) {
    LUMBUNG_ASSIGN_OR_RETURN(SumsLine line, ParseSumsLine(lines[i], i + 1));
    const bool repeated = std::any_of(parsed.begin(), parsed.end(),
                                      [&](const SumsLine& seen) { return seen.name == line.name; });
    if (repeated)
      return BadLine(bundle_files::kSums, i + 1, "the file " + line.name + " is listed twice");
    parsed.push_back(std::move(line));
  }
  return parsed;
}

bool IsValidBundleFileName(std::string_view name) {
  if (name.empty() || name.size() > kBundleFileNameCharsMax) return false;
  while (true) {
    const size_t slash = name.find('/');
    const std::string_view component = name.substr(0, slash);
    if (component.empty() || component == "." || component == "..") return false;
    if (!std::all_of(component.begin(), component.end(), IsFileNameChar)) return false;
    if (slash == std::string_view::npos) return true;
    name.remove_prefix(slash + 1);
  }
}

}  // namespace lumbung::audit
