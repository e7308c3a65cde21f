// The small ledger the API tests and the HTTP fuzz target both start from:
// two programmes (one paid beneficiary), a KUBE group with its capital and
// one open loan. Kept in one place so the fuzz target explores the routes the
// tests exercise.

#ifndef LUMBUNG_TESTS_SEED_EVENTS_H_
#define LUMBUNG_TESTS_SEED_EVENTS_H_

#include <string_view>

namespace lumbung::testing {

// clang-format off
inline constexpr std::string_view kSeedEvents[] = {
    R"({"type":"ProgramOpened","event_id":"seed-1","effective_date":"2026-01-02","program_id":"pkh","name":"PKH","kind":"CONDITIONAL_CASH","unit":"IDR","legal_basis":"SK 1"})",
    R"({"type":"FundsAllocated","event_id":"seed-2","effective_date":"2026-01-03","program_id":"pkh","funder":"apbn","amount":10000000,"reference":"DIPA 1"})",
    R"({"type":"CycleOpened","event_id":"seed-3","effective_date":"2026-01-04","program_id":"pkh","cycle":"2026-01","planned_count":100,"planned_amount":9000000})",
    R"({"type":"BeneficiaryEnrolled","event_id":"seed-4","effective_date":"2026-01-05","program_id":"pkh","beneficiary_id":"hh-1","region_code":"31.75.07.1005.03.005","source":"DTSEN"})",
    R"({"type":"AidDisbursed","event_id":"seed-5","effective_date":"2026-01-06","program_id":"pkh","beneficiary_id":"hh-1","cycle":"2026-01","amount":750000,"channel":"BANK"})",
    R"({"type":"ProgramOpened","event_id":"seed-6","effective_date":"2026-01-02","program_id":"uep","name":"UEP","kind":"ROTATING_CAPITAL","unit":"IDR","legal_basis":"SK 2"})",
    R"({"type":"FundsAllocated","event_id":"seed-7","effective_date":"2026-01-03","program_id":"uep","funder":"apbd","amount":5000000,"reference":"DPA 1"})",
    R"({"type":"GroupFormed","event_id":"seed-8","effective_date":"2026-01-04","group_id":"kube","name":"KUBE Mawar","region_code":"31.75.07.1005.03"})",
    R"({"type":"CapitalGranted","event_id":"seed-9","effective_date":"2026-01-05","program_id":"uep","group_id":"kube","amount":3000000})",
    R"({"type":"MemberJoined","event_id":"seed-10","effective_date":"2026-01-05","group_id":"kube","member_id":"m1","role":"CHAIR"})",
    R"({"type":"LoanIssued","event_id":"seed-11","effective_date":"2026-01-06","loan_id":"l1","group_id":"kube","member_id":"m1","principal":1000000,"installments":10,"period_days":7,"first_due_date":"2026-01-13","purpose":"warung"})",
};
// clang-format on

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_SEED_EVENTS_H_
