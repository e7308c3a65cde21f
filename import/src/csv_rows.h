// Rows of a CSV file with the line each starts on, read through libcsv.
//
// The file is fed to libcsv one physical line at a time, so a row reported
// while feeding line L ended on L, and the row began on the first non-blank
// line fed since the previous row ended. A strict-mode parse error discards
// the row it is in and parsing resumes on the next line, so every bad row
// of a file is found, not only the first.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_IMPORT_SRC_CSV_ROWS_H_
#define LUMBUNG_IMPORT_SRC_CSV_ROWS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "lumbung/base/status.h"

namespace lumbung::import::internal {

// Longest physical line accepted: far above any recipient row, and a bound
// on what one field can make libcsv allocate.
inline constexpr size_t kLineBytesMax = 64 * 1024;

struct CsvRow {
  size_t line = 0;
  std::vector<std::string> fields;
  // Set when the row could not be read (a stray quote, a line too long);
  // fields are then empty.
  Status error;
};

// Calls `on_row` for each row, in order, blank rows skipped; stops early
// when it returns false. The first row's delimiter is guessed from its
// first line: ';' or '\t' when it has more of them than ','. A UTF-8
// byte-order mark before it is dropped. IOError if reading fails.
Status ReadCsvRows(std::istream& in, const std::function<bool(CsvRow&)>& on_row,
                   const std::function<void(uint64_t)>& bytes_read = {});

}  // namespace lumbung::import::internal

#endif  // LUMBUNG_IMPORT_SRC_CSV_ROWS_H_
