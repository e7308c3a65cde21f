// Importing recipient lists as programme staff receive them: a spreadsheet
// saved as CSV, one row per beneficiary, turned into one atomic batch of
// events: every row recorded, or none and a report of every bad row with
// its line number and reason.
//
// Files (untrusted input; nothing here asserts on them):
//   - parsed by libcsv in strict mode; comma, semicolon (Indonesian-locale
//     spreadsheets) or tab separated, guessed from the header line; an
//     optional UTF-8 byte-order mark; CRLF or LF; quoted fields may span
//     lines (a row's line number is the line it starts on, the header being
//     on line 1 when it is the first line);
//   - the header names columns case-insensitively, spaces and hyphens read
//     as underscores, with Indonesian aliases (below); other columns (e.g.
//     a name or NIK the office keeps) are ignored and never enter the log;
//   - at most limits::kLibraryBatchEventsMax rows, lines of at most 64 KiB.
//
// Disbursements (AidDisbursed, for --program and --cycle):
//   beneficiary_id  beneficiary, id_penerima, penerima, id_kpm      required
//   amount          nominal, jumlah, nilai                          required
//   channel         saluran, metode, cara_bayar                     required
//   provider_ref    provider_reference, referensi, reference, ref   optional
// Amounts are whole numbers of the programme's unit written with digits
// only: "300.000", "300,000" or "300000.00" is refused with its reason
// rather than guessed at. Channels CASH, BANK, POST, IN_KIND in any case,
// or TUNAI, TRANSFER, POS, NATURA/BARANG.
//
// Enrolments (BeneficiaryEnrolled, for --program):
//   beneficiary_id  (as above)                                      required
//   region_code     region, kode_wilayah, wilayah                   required
//   household_id    household, id_keluarga, id_rumah_tangga         optional
//   source          sumber                                          optional
// A row without a source takes the import's default source.
//
// Event ids are derived from what the row is about, so importing the same
// file again returns the original receipts and records nothing:
//   disbursement  <program>-<cycle>-<beneficiary>
//   enrolment     enr-<program>-<beneficiary>
// (an id over 64 characters becomes "imp-" and 40 hex digits of SHA-256).
//
// Thread safety: pure functions, except ImportRows, which uses the ledger.

#ifndef LUMBUNG_IMPORT_CSV_IMPORT_H_
#define LUMBUNG_IMPORT_CSV_IMPORT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/result.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::import {

// A row that cannot become an event, or that the rules refuse. The status
// carries a stable code (e.g. invalid_amount, not_enrolled), the column or
// field at fault and a sentence for the officer.
struct RowProblem {
  size_t line = 0;
  Status status;
};

struct ParsedFile {
  std::vector<EventInput> events;  // one per good row
  std::vector<size_t> lines;       // the line each event's row starts on
  std::vector<RowProblem> problems;
  size_t rows = 0;                           // data rows read (blank lines excepted)
  std::vector<std::string> ignored_columns;  // header names not used, as written
};

struct DisbursementOptions {
  std::string program_id;
  std::string cycle;           // "2026-11" or "2026-Q4"
  std::string effective_date;  // "YYYY-MM-DD"
  std::string batch_id;        // optional
};

struct EnrolmentOptions {
  std::string program_id;
  std::string effective_date;
  std::string source;  // for rows without one; may be empty when every row has one
};

// (bytes read, total bytes or 0 when unknown)
using ProgressFn = std::function<void(uint64_t, uint64_t)>;

// Checks the options once (so that a bad --cycle is one error, not one per
// row): InvalidArgument naming the option.
Status CheckDisbursementOptions(const DisbursementOptions& options);
Status CheckEnrolmentOptions(const EnrolmentOptions& options);

// Reads a whole file. A problem with the file itself (unreadable, no
// header, a required column missing or named twice, too many rows) is the
// returned Status (Rejected, or IOError); problems with rows are listed.
Result<ParsedFile> ParseDisbursements(std::istream& in, const DisbursementOptions& options,
                                      uint64_t size_bytes = 0, const ProgressFn& progress = {});
Result<ParsedFile> ParseEnrolments(std::istream& in, const EnrolmentOptions& options,
                                   uint64_t size_bytes = 0, const ProgressFn& progress = {});

std::string DisbursementEventId(std::string_view program, std::string_view cycle,
                                std::string_view beneficiary);
std::string EnrolmentEventId(std::string_view program, std::string_view beneficiary);

struct ImportResult {
  // Every bad row (from the file and from the rules), in line order. When
  // there is any, nothing was recorded.
  std::vector<RowProblem> problems;
  std::vector<Receipt> receipts;  // one per row, in file order, when recorded
  size_t replayed = 0;            // receipts of rows recorded before
};

// Checks every parsed row against the rules as one batch (Ledger::Check:
// not enrolled, already paid, over entitlement, over plan, insufficient
// funds...) and, if the file has no bad row at all, appends all rows as one
// atomic batch. The Status is for failures that are not about rows (the
// ledger is read-only, I/O).
Result<ImportResult> ImportRows(Ledger& ledger, ParsedFile file, const std::string& actor);

}  // namespace lumbung::import

#endif  // LUMBUNG_IMPORT_CSV_IMPORT_H_
