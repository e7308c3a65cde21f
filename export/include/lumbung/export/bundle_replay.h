// The domain's part of an auditor bundle (DESIGN §5): the balances written
// into balances.csv, and the replay `lumbung verify --bundle` runs over the
// bundle's entries to check them.
//
// The replay runs every entry through the same Domain::Apply the writer and
// `rebuild` use, so a bundle whose entries break a rule (an overdraft, a
// second payment in a cycle) is refused at that seq, and the balances it
// arrives at are compared with balances.csv row for row. Entry 0's origin
// and verifier key are taken as the ledger's identity; the audit library
// checks them against the checkpoint and the auditor's key separately.
//
// Thread safety: each BundleReplay returned owns its state; use one per
// verification.

#ifndef LUMBUNG_EXPORT_BUNDLE_REPLAY_H_
#define LUMBUNG_EXPORT_BUNDLE_REPLAY_H_

#include <vector>

#include "lumbung/audit/bundle_verify.h"
#include "lumbung/export/bundle.h"

namespace lumbung::exports {

audit::BundleReplay MakeBundleReplay();

// balances.csv's rows from the ledger's projections at `size` (as
// `lumbung balances --as-of-seq size`). Accounts without a unit yet (a
// group before its first capital grant) hold nothing and are left out.
BalancesSource LedgerBalances();

// Totals per unit for the bundle report, from the balances: funded (what
// funders put in), held by programmes, paid or delivered to beneficiaries,
// held by groups, lent out, written off.
std::vector<std::string> SummariseBalances(const std::vector<audit::BalanceRow>& rows);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_BUNDLE_REPLAY_H_
