// Reading the projections (DESIGN §6) of a ledger: rows as of a snapshot,
// partial or full state loaded from them, replay of the log into a fresh
// state (for --as-of-seq and for `rebuild`), and the digest that proves live
// and rebuilt projections agree.
//
// Thread safety: pure functions of the snapshot.

#ifndef LUMBUNG_LEDGER_PROJECTION_H_
#define LUMBUNG_LEDGER_PROJECTION_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/domain/state.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung {

// One projection row (see lumbung/ledger/domain/rows.h for keys): the newest
// unfolded delta holding it, else the folded row; nullopt when absent.
Result<std::optional<std::string>> GetProjectionRow(const LedgerSnapshot& snapshot,
                                                    std::string_view key);
// Rows whose key starts with `prefix`, in key order.
Status ScanProjectionRows(const LedgerSnapshot& snapshot, std::string_view prefix,
                          const std::function<Status(std::string_view, std::string_view)>& fn);
// Loads the rows under each prefix into `state` (e.g. {"P/pkh-2026", "C/pkh-2026/"}).
// An empty prefix list loads everything.
Status LoadProjection(const LedgerSnapshot& snapshot, const std::vector<std::string>& prefixes,
                      domain::State* state);

// One posting of an entry: what it added to one account (DESIGN §7.1
// names), in that account's unit. Positive adds to what the account holds
// (a programme's budget, what a beneficiary received, what a borrower owes);
// a funder's postings are negative when it provides. An entry's postings sum
// to zero per unit.
struct EntryPosting {
  std::string account;
  std::string unit;
  int64_t amount = 0;
  friend bool operator==(const EntryPosting&, const EntryPosting&) = default;
};

struct ReplayOptions {
  std::function<void(uint64_t, uint64_t)> progress;  // (entries done, total)
  // Also check every event's shape (as the writer did); rebuild turns it on.
  bool validate_shape = true;
  // Called after each entry is applied, with the entry and its postings:
  // each balance change the domain rules made (Domain::BalanceObserver),
  // as the difference from the account's previous balance, in the order
  // the rules posted (a correction lists its reversal, then its
  // replacement). Changes of zero (an enrolment, a reschedule, which the
  // account's statement lists but which move nothing) are left out, so an
  // entry that moved no money has no postings. The sum of an account's
  // postings over entries [0, N) is its balance as of N, as `balances`
  // reports it. A non-OK status stops the replay and is returned as is.
  std::function<Status(const audit::VerifiedEntry& entry,
                       const std::vector<EntryPosting>& postings)>
      on_entry;
};
// Replays entries [0, upto) through the domain rules into a fresh state.
// Corruption naming the seq if an entry is unreadable or breaks a rule.
Result<domain::State> ReplayProjection(const LedgerSnapshot& snapshot, uint64_t upto,
                                       const ReplayOptions& options = {});

// SHA-256 over every state row (all but the history index) in key order,
// in two halves split at the paid slots (domain::kStateRowsSplitKey), so
// that the rebuilt state's two halves are encoded on two threads:
//   half(rows) = SHA-256( for each row: BE32(len key) key BE32(len value) value )
//   digest     = SHA-256( half(rows below 'Q') || half(rows from 'Q') )
audit::Hash DigestState(const domain::State& state);
// The same digest over the rows stored for `snapshot`.
Result<audit::Hash> DigestStoredProjection(const LedgerSnapshot& snapshot);

// The rebuild check (`rebuild`, and part of `verify`): replays the whole
// snapshot into a fresh state and compares its digest with the stored
// projection's, which is computed on a second thread meanwhile.
struct RebuildReport {
  uint64_t entries = 0;
  double replay_seconds = 0;  // the replay alone
  double total_seconds = 0;   // with both digests
  audit::Hash rebuilt{};
  audit::Hash stored{};
  bool equal() const { return rebuilt == stored; }
};
Result<RebuildReport> RebuildAndCompare(const LedgerSnapshot& snapshot,
                                        const ReplayOptions& options = {});

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_PROJECTION_H_
