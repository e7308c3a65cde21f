#include "csv_rows.h"

#include <algorithm>
#include <string_view>

#include <csv.h>

namespace lumbung::import::internal {
namespace {

constexpr size_t kChunkBytes = 64 * 1024;
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// ';' (spreadsheets in locales whose decimal mark is a comma, such as
// Indonesia's) or tab when the header line has more of them than commas.
unsigned char GuessDelimiter(std::string_view line) {
  const auto count = [&](char c) { return std::count(line.begin(), line.end(), c); };
  const auto commas = count(',');
  const auto semicolons = count(';');
  const auto tabs = count('\t');
  if (semicolons > commas && semicolons >= tabs) return ';';
  if (tabs > commas) return '\t';
  return ',';
}

class Reader {
 public:
  explicit Reader(const std::function<bool(CsvRow&)>& on_row) : on_row_(on_row) {}
  ~Reader() {
    if (initialised_) csv_free(&parser_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // Feeds one physical line (with its '\n', except maybe the last).
  void Line(std::string_view line, size_t number);
  void TooLong(size_t number);
  void Finish();
  bool stopped() const { return stopped_; }

 private:
  static void OnField(void* data, size_t size, void* self);
  static void OnRowEnd(int terminator, void* self);
  void Reset();
  void Deliver(CsvRow& row);
  void Bad(size_t line, std::string_view reason, const std::string& message);

  const std::function<bool(CsvRow&)>& on_row_;
  csv_parser parser_{};
  bool initialised_ = false;
  unsigned char delimiter_ = ',';
  bool in_row_ = false;
  size_t row_line_ = 0;
  size_t line_ = 0;
  std::vector<std::string> fields_;
  bool stopped_ = false;
};

void Reader::Reset() {
  if (initialised_) csv_free(&parser_);
  // Strict: a quote inside an unquoted field or text after a closing quote
  // is an error, not silently kept; an unclosed quote at the end too.
  csv_init(&parser_, CSV_STRICT | CSV_STRICT_FINI);
  csv_set_delim(&parser_, delimiter_);
  initialised_ = true;
  in_row_ = false;
  fields_.clear();
}

void Reader::OnField(void* data, size_t size, void* self) {
  auto* r = static_cast<Reader*>(self);
  r->fields_.emplace_back(data == nullptr ? "" : static_cast<const char*>(data), size);
}

void Reader::OnRowEnd(int terminator, void* self) {
  (void)terminator;
  auto* r = static_cast<Reader*>(self);
  CsvRow row;
  row.line = r->in_row_ ? r->row_line_ : r->line_;
  row.fields = std::move(r->fields_);
  r->fields_.clear();
  r->in_row_ = false;
  r->Deliver(row);
}

void Reader::Deliver(CsvRow& row) {
  if (stopped_) return;
  const bool empty = row.error.ok() && std::all_of(row.fields.begin(), row.fields.end(),
                                                   [](const std::string& f) { return f.empty(); });
  if (empty) return;  // a row of empty cells, as spreadsheets leave below the data
  stopped_ = !on_row_(row);
}

void Reader::Bad(size_t line, std::string_view reason, const std::string& message) {
  CsvRow row;
  row.line = line;
  row.error = Status::Rejected(reason, "", message);
  Deliver(row);
}

void Reader::Line(std::string_view line, size_t number) {
  line_ = number;
  if (!initialised_) {
    if (IsBlank(line)) return;
    delimiter_ = GuessDelimiter(line);
    Reset();
  }
  if (!in_row_ && !IsBlank(line)) {
    in_row_ = true;
    row_line_ = number;
  }
  const size_t parsed = csv_parse(&parser_, line.data(), line.size(), OnField, OnRowEnd, this);
  if (parsed == line.size()) return;
  const int error = csv_error(&parser_);
  const size_t start = in_row_ ? row_line_ : number;
  Bad(start, "malformed_row",
      error == CSV_EPARSE
          ? "the row is not valid CSV: a quote inside an unquoted field, or text after a "
            "closing quote"
          : std::string("the row cannot be read: ") + csv_strerror(error));
  Reset();  // the rest of this line is dropped; the next row starts afresh
}

void Reader::TooLong(size_t number) {
  line_ = number;
  Bad(in_row_ ? row_line_ : number, "line_too_long",
      "the line is longer than " + std::to_string(kLineBytesMax) + " bytes");
  if (initialised_) Reset();
}

void Reader::Finish() {
  if (!initialised_) return;
  if (csv_fini(&parser_, OnField, OnRowEnd, this) != 0) {
    Bad(row_line_, "malformed_row", "a quoted field is not closed before the end of the file");
  }
}

}  // namespace

Status ReadCsvRows(std::istream& in, const std::function<bool(CsvRow&)>& on_row,
                   const std::function<void(uint64_t)>& bytes_read) {
  Reader reader(on_row);
  std::string chunk(kChunkBytes, '\0');
  std::string line;
  bool too_long = false;
  size_t number = 1;
  uint64_t total = 0;
  bool first = true;
  const auto deliver = [&] {
    if (first && std::string_view(line).starts_with(kByteOrderMark)) {
      line.erase(0, kByteOrderMark.size());
    }
    first = false;
    if (too_long) {
      reader.TooLong(number);
    } else {
      reader.Line(line, number);
    }
    line.clear();
    too_long = false;
    ++number;
  };
  while (!reader.stopped() && in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    const size_t got = static_cast<size_t>(in.gcount());
    total += got;
    for (size_t start = 0; start < got && !reader.stopped();) {
      const size_t newline = std::string_view(chunk.data() + start, got - start).find('\n');
      const size_t end = newline == std::string_view::npos ? got : start + newline + 1;
      if (!too_long) line.append(chunk.data() + start, end - start);
      if (line.size() > kLineBytesMax) {
        too_long = true;
        line.clear();
      }
      start = end;
      if (newline != std::string_view::npos) deliver();
    }
    if (bytes_read) bytes_read(total);
  }
  if (in.bad()) return Status::IOError("reading the file failed");
  if (!reader.stopped() && (!line.empty() || too_long)) deliver();
  if (!reader.stopped()) reader.Finish();
  return Status();
}

}  // namespace lumbung::import::internal
