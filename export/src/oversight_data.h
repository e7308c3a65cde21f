// What the oversight export is made of, read from a ledger: the one pass
// over the log (blocks and disbursements), each disbursement's status at N,
// and the summary object of docs/oversight.md. The files themselves are
// written by oversight_writer.cc.
//
// Thread safety: pure functions of the snapshot.

#ifndef LUMBUNG_EXPORT_SRC_OVERSIGHT_DATA_H_
#define LUMBUNG_EXPORT_SRC_OVERSIGHT_DATA_H_

#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/domain/state.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::exports::internal {

enum class RowStatus : uint8_t { kPaid, kReturned, kReversed };
// "paid", "returned", "reversed".
std::string_view RowStatusName(RowStatus status);

// One disbursement: an AidDisbursed entry, or an EventCorrected whose
// replacement is one.
struct DisbursementRow {
  uint64_t seq = 0;
  std::string receipt;  // of the entry's leaf hash
  std::string program_id;
  std::string beneficiary_id;  // only to make the pseudonym; never written out
  std::string cycle;
  std::string effective_date;
  int64_t amount = 0;
  std::string channel;
  RowStatus status = RowStatus::kPaid;
  // Where it counts: the region it was paid in (paid, returned), else the
  // beneficiary's enrolment region at N (reversed).
  std::string region;
};

// Entries [first_seq, first_seq + leaves.size()) of the log.
struct Block {
  uint64_t index = 0;
  uint64_t first_seq = 0;
  std::vector<audit::Hash> leaves;
  std::map<uint64_t, std::string> entries;  // seq -> stored bytes, receipt entries and entry 0
};

struct LogScan {
  std::vector<DisbursementRow> rows;  // in seq order, status not yet resolved
  domain::State state;                // after entries [0, size)
  int64_t last_recorded_at_ms = 0;    // of entry size-1
  std::string as_of;                  // effective date of entry size-1
};

struct ScanOptions {
  uint64_t size = 0;           // N
  uint64_t block_entries = 0;  // a power of two
  std::string program_id;      // rows of this programme only; empty: all
  std::function<Status(const Block&)> on_block;
  std::function<void(uint64_t, uint64_t)> progress;
};

// Replays [0, size) through the domain rules, collecting the disbursement
// rows and handing each block to on_block as soon as it is complete.
Result<LogScan> ScanLog(const LedgerSnapshot& snapshot, const ScanOptions& options);

// Sets each row's status and region from the state at N. Corruption if the
// state does not know a row's programme or beneficiary.
Status ResolveRows(const domain::State& state, std::vector<DisbursementRow>* rows);

// The programmes of the export, sorted: `program_id` alone (NotFound,
// reason unknown_program, field "program", if the state lacks it), or every
// programme of the state.
Result<std::vector<std::string>> ExportedPrograms(const domain::State& state,
                                                  std::string_view program_id);

struct ProgramSummary {
  nlohmann::ordered_json json;   // one element of the summary's "programs"
  std::set<std::string> listed;  // area codes listed after suppression
  std::string unit;
  int64_t disbursed = 0;
  int64_t recipients = 0;
};

// The summary of one programme from query::Program at as_of_seq `size`,
// with its months from `rows` (its paid rows) and its areas suppressed.
Result<ProgramSummary> SummarizeProgram(const LedgerSnapshot& snapshot, const std::string& id,
                                        uint64_t size, int64_t k,
                                        const std::vector<DisbursementRow>& rows);

// The finest listed area holding `region`: the region cut to its nearest
// listed ancestor, "" when even its kelurahan is hidden.
std::string ListedArea(std::string_view region, const std::set<std::string>& listed);

}  // namespace lumbung::exports::internal

#endif  // LUMBUNG_EXPORT_SRC_OVERSIGHT_DATA_H_
