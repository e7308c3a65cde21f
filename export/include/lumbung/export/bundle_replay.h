// The domain's part of verifying a bundle (audit::BundleReplay), for
// `lumbung verify --bundle`: the checks the live verifier makes of each
// event beyond the chain, run on the bundle's entries by the same code.
//
// Now: every event's shape (ValidateEventBody), as the live verifier checks.
// To come with the domain rules and projections (issue 4): replaying each
// entry through the domain and returning, from `finish`, the balance rows
// the replay arrives at (compared with balances.csv) and the totals per
// unit for the report.
//
// Thread safety: each BundleReplay returned owns its state; use one per
// verification.

#ifndef LUMBUNG_EXPORT_BUNDLE_REPLAY_H_
#define LUMBUNG_EXPORT_BUNDLE_REPLAY_H_

#include "lumbung/audit/bundle_verify.h"

namespace lumbung::exports {

audit::BundleReplay MakeBundleReplay();

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_BUNDLE_REPLAY_H_
