// A small but realistic programme for the audit tests (checkpoints, proofs,
// bundles): a PKH programme funded and opened for a cycle, then households
// enrolled and paid, in the order a kelurahan office records them, so the
// log stays valid once the domain rules are enforced.

#ifndef LUMBUNG_TESTS_AUDIT_FIXTURE_H_
#define LUMBUNG_TESTS_AUDIT_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "lumbung/ledger/ledger.h"

#include "test_util.h"

namespace lumbung::testing {

inline constexpr const char* kAuditOrigin = "lumbung.example/jakarta-timur/duren-sawit";

// ProgramOpened, FundsAllocated and CycleOpened of programme pkh-2026.
std::vector<std::string> ProgrammeSetup();
// For households first..first+count-1: BeneficiaryEnrolled, then
// AidDisbursed in cycle 2026-11 (dates spread over the month).
std::vector<std::string> Households(int first, int count);

// Appends event JSON lines in batches of `batch` events; REQUIREs success.
void AppendEvents(Ledger& ledger, const std::vector<std::string>& events, size_t batch = 50);

// Creates a ledger in `dir` with the setup and `households` households
// (2 * households + 4 entries in all) and closes it.
void MakeProgrammeLedger(const std::string& dir, int households);

std::unique_ptr<Ledger> OpenForTest(const std::string& dir, bool read_only = false);

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_AUDIT_FIXTURE_H_
