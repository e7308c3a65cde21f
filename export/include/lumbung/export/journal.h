// The ledger as a plain-text accounting journal (DESIGN §7, exports) that
// hledger and ledger-cli read, so finance staff can use the tools they know.
//
// The postings are not re-derived here: the log is replayed through the
// same domain rules the writer applies (ReplayProjection with on_entry),
// and each entry's balance changes become its postings. So for every
// account, `hledger balance` of the journal of entries [0, N) equals
// `lumbung balances --as-of-seq N`.
//
// Layout:
//   a header comment: the ledger's origin, the entries covered and their
//   Merkle root (ties the journal to a signed checkpoint of that size);
//
//   one transaction per entry that moved money, in seq order:
//     2026-11-03 AidDisbursed pkh-2026 hh-000017 2026-11  ; seq:1234, event_id:pkh-2026-11-000017
//         program:pkh-2026                 -750000 IDR
//         beneficiary:pkh-2026:hh-000017    750000 IDR
//   dated by the entry's effective date; the description is the event
//   type and the ids it concerns (a correction or return names the seq it
//   refers to); seq and event_id are tags. Postings are listed as the
//   rules make them: a correction shows the reversal of its target, then
//   its replacement. Entries that moved nothing (enrolments, cycles,
//   memberships, reschedules) have no transaction. Free text (memos,
//   references, reasons, provider references) is left out: it may carry
//   personal data (DESIGN §8), and the log keeps it for those who need it;
//
//   declarations as of N: a commodity directive per unit and an account
//   directive per account, also those that hold nothing (with `hledger
//   balance --declared --empty` every account of `lumbung balances` shows).
//
// Accounts are the ledger's own names (DESIGN §7.1): funder:F, program:P,
// beneficiary:P:B, group:G, loss:G, loan:L. They are colon-separated
// already, so hledger shows them as a tree (program:pkh-2026 under
// program), and identifiers ([A-Za-z0-9._:-]) hold no space, tab or ';',
// so each name is a valid hledger account name as it is. Their signs are
// the ledger's: an account holds its balance (a programme's unspent budget,
// what a beneficiary received, what a borrower owes), a funder's is minus
// what it provided; every transaction sums to zero per unit.
//
// Amounts are the ledger's integers (IDR has no minor unit: whole rupiah;
// in-kind units count items), written as plain digits and never through
// floating point. Units are commodities, each declared as
// `commodity 1.000, IDR`: no decimals and '.' grouping thousands, as
// Indonesian finance staff write amounts (hledger prints 750.000 IDR;
// ledger-cli reads the journal but keeps its own display). A symbol is
// quoted when it holds a digit ("KG2"), as both tools require.
//
// Thread safety: functions are thread-safe; they read one snapshot.

#ifndef LUMBUNG_EXPORT_JOURNAL_H_
#define LUMBUNG_EXPORT_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "lumbung/base/result.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::exports {

struct JournalOptions {
  // The journal of entries [0, as_of_seq); default: the snapshot's size.
  // Past the size is InvalidArgument.
  std::optional<uint64_t> as_of_seq;
  // Called now and then during the replay and at the end: (entries, total).
  std::function<void(uint64_t, uint64_t)> progress;
};

struct JournalInfo {
  uint64_t size = 0;          // entries covered: [0, size)
  uint64_t transactions = 0;  // entries that moved money
  uint64_t accounts = 0;      // accounts declared
};

// Writes the journal to `write`, in pieces; the first error of `write`
// stops it and is returned. A failure midway leaves a partial journal
// behind in whatever `write` wrote to.
Result<JournalInfo> WriteJournal(const LedgerSnapshot& snapshot, const JournalOptions& options,
                                 const std::function<Status(std::string_view)>& write);
// WriteJournal into the new file `path` (which must not exist), crash-safe:
// written to a temporary sibling, synced, then renamed into place.
Result<JournalInfo> WriteJournalFile(const LedgerSnapshot& snapshot, const JournalOptions& options,
                                     const std::string& path);

// Whether `name` can be written as an hledger (and ledger-cli) account
// name: printable ASCII, no whitespace (a name ends at two spaces or a
// tab), no ';' (a comment), not wrapped in () or [] (virtual postings).
bool IsJournalAccountName(std::string_view name);
// A unit as a commodity symbol: as it is, or in double quotes when it
// holds anything but letters and '_' (e.g. "KG2").
std::string JournalCommodity(std::string_view unit);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_JOURNAL_H_
