#include "audit_fixture.h"

#include <cstdio>

#include <catch2/catch.hpp>

namespace lumbung::testing {

std::vector<std::string> ProgrammeSetup() {
  return {
      R"({"type":"ProgramOpened","event_id":"prog-pkh-2026","effective_date":"2026-01-02",)"
      R"("program_id":"pkh-2026","name":"Program Keluarga Harapan 2026","kind":"CONDITIONAL_CASH",)"
      R"("unit":"IDR","entitlement_per_cycle":750000,"legal_basis":"SK Mensos 12/HUK/2026"})",
      R"({"type":"FundsAllocated","event_id":"alloc-pkh-001","effective_date":"2026-01-05",)"
      R"("program_id":"pkh-2026","funder":"apbn-kemensos","amount":1500000000,)"
      R"("reference":"DIPA 027.04.1.2026"})",
      R"({"type":"CycleOpened","event_id":"cyc-pkh-2026-11","effective_date":"2026-10-25",)"
      R"("program_id":"pkh-2026","cycle":"2026-11","planned_count":1000,)"
      R"("planned_amount":750000000})",
  };
}

std::vector<std::string> Households(int first, int count) {
  std::vector<std::string> events;
  char json[512];
  for (int i = first; i < first + count; ++i) {
    std::snprintf(json, sizeof json,
                  R"({"type":"BeneficiaryEnrolled","event_id":"enr-pkh-hh-%06d",)"
                  R"("effective_date":"2026-10-%02d","program_id":"pkh-2026",)"
                  R"("beneficiary_id":"hh-%06d","region_code":"31.75.07.1005.%02d.%03d",)"
                  R"("household_id":"kk-31750710050%05d","source":"DTSEN"})",
                  i, 1 + i % 24, i, 1 + i % 9, 1 + i % 17, i);
    events.emplace_back(json);
    std::snprintf(json, sizeof json,
                  R"({"type":"AidDisbursed","event_id":"pkh-2026-11-%06d",)"
                  R"("effective_date":"2026-11-%02d","program_id":"pkh-2026",)"
                  R"("beneficiary_id":"hh-%06d","cycle":"2026-11","amount":750000,)"
                  R"("channel":"%s","batch_id":"sp2d-2026-11-%02d"})",
                  i, 1 + i % 28, i, i % 3 == 0 ? "POST" : "BANK", i / 100);
    events.emplace_back(json);
  }
  return events;
}

void AppendEvents(Ledger& ledger, const std::vector<std::string>& events, size_t batch) {
  for (size_t i = 0; i < events.size(); i += batch) {
    std::vector<EventInput> inputs;
    for (size_t j = i; j < std::min(events.size(), i + batch); ++j) {
      inputs.push_back(DecodeEventJson(events[j]));
    }
    auto receipts = ledger.Append(std::move(inputs), "officer:test");
    INFO(receipts.status().ToString());
    REQUIRE(receipts.ok());
  }
}

void MakeProgrammeLedger(const std::string& dir, int households) {
  REQUIRE(Ledger::Init(dir, kAuditOrigin).ok());
  auto ledger = OpenForTest(dir);
  AppendEvents(*ledger, ProgrammeSetup());
  AppendEvents(*ledger, Households(1, households));
  REQUIRE(ledger->size() == static_cast<uint64_t>(4 + 2 * households));
}

std::unique_ptr<Ledger> OpenForTest(const std::string& dir, bool read_only) {
  LedgerOptions options;
  options.read_only = read_only;
  auto ledger = Ledger::Open(dir, options);
  INFO(ledger.status().ToString());
  REQUIRE(ledger.ok());
  return std::move(*ledger);
}

}  // namespace lumbung::testing
