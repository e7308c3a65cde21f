#include "event_spec.h"

#include <array>

#include "lumbung/base/limits.h"

namespace lumbung::spec {
namespace {

using K = Kind;

constexpr Field Req(std::string_view name, Kind kind, uint16_t vo) {
  return Field{name, kind, vo, true};
}
constexpr Field Opt(std::string_view name, Kind kind, uint16_t vo) {
  return Field{name, kind, vo, false};
}
template <typename E>
Field Enum(std::string_view name, uint16_t vo, const char* const* names, E max_value) {
  return Field{name, K::kEnum, vo,
               true, names,    static_cast<uint8_t>(static_cast<int>(max_value) + 1)};
}
constexpr Field Int(std::string_view name, uint16_t vo, bool required, int32_t min, int32_t max) {
  return Field{name, K::kInt32, vo, required, nullptr, 0, min, max};
}
constexpr Field Installments(uint16_t vo, bool required) {
  return Int("installments", vo, required, 1, limits::kInstallmentsMax);
}

#define VT(T, F) static_cast<uint16_t>(fb::T::VT_##F)

const Field kLedgerOpened[] = {
    Req("origin", K::kOrigin, VT(LedgerOpened, ORIGIN)),
    Req("verifier_key", K::kVerifierKey, VT(LedgerOpened, VERIFIER_KEY)),
};
const Field kProgramOpened[] = {
    Req("program_id", K::kId, VT(ProgramOpened, PROGRAM_ID)),
    Req("name", K::kText, VT(ProgramOpened, NAME)),
    Enum("kind", VT(ProgramOpened, KIND), fb::EnumNamesProgramKind(), fb::ProgramKind::MAX),
    Req("unit", K::kUnit, VT(ProgramOpened, UNIT)),
    Opt("entitlement_per_cycle", K::kAmount, VT(ProgramOpened, ENTITLEMENT_PER_CYCLE)),
    Req("legal_basis", K::kText, VT(ProgramOpened, LEGAL_BASIS)),
};
const Field kFundsAllocated[] = {
    Req("program_id", K::kId, VT(FundsAllocated, PROGRAM_ID)),
    Req("funder", K::kId, VT(FundsAllocated, FUNDER)),
    Req("amount", K::kAmount, VT(FundsAllocated, AMOUNT)),
    Req("reference", K::kText, VT(FundsAllocated, REFERENCE)),
};
const Field kFundsReturned[] = {
    Req("program_id", K::kId, VT(FundsReturned, PROGRAM_ID)),
    Req("funder", K::kId, VT(FundsReturned, FUNDER)),
    Req("amount", K::kAmount, VT(FundsReturned, AMOUNT)),
    Req("reference", K::kText, VT(FundsReturned, REFERENCE)),
    Req("reason", K::kText, VT(FundsReturned, REASON)),
};
const Field kCycleOpened[] = {
    Req("program_id", K::kId, VT(CycleOpened, PROGRAM_ID)),
    Req("cycle", K::kCycle, VT(CycleOpened, CYCLE)),
    Req("planned_count", K::kAmount, VT(CycleOpened, PLANNED_COUNT)),
    Req("planned_amount", K::kAmount, VT(CycleOpened, PLANNED_AMOUNT)),
};
const Field kCycleClosed[] = {
    Req("program_id", K::kId, VT(CycleClosed, PROGRAM_ID)),
    Req("cycle", K::kCycle, VT(CycleClosed, CYCLE)),
};
const Field kBeneficiaryEnrolled[] = {
    Req("program_id", K::kId, VT(BeneficiaryEnrolled, PROGRAM_ID)),
    Req("beneficiary_id", K::kId, VT(BeneficiaryEnrolled, BENEFICIARY_ID)),
    Req("region_code", K::kRegion, VT(BeneficiaryEnrolled, REGION_CODE)),
    Opt("household_id", K::kId, VT(BeneficiaryEnrolled, HOUSEHOLD_ID)),
    Req("source", K::kSource, VT(BeneficiaryEnrolled, SOURCE)),
    Opt("pii_commitment", K::kHash, VT(BeneficiaryEnrolled, PII_COMMITMENT)),
};
const Field kBeneficiaryExited[] = {
    Req("program_id", K::kId, VT(BeneficiaryExited, PROGRAM_ID)),
    Req("beneficiary_id", K::kId, VT(BeneficiaryExited, BENEFICIARY_ID)),
    Enum("reason", VT(BeneficiaryExited, REASON), fb::EnumNamesExitReason(), fb::ExitReason::MAX),
};
const Field kAidDisbursed[] = {
    Req("program_id", K::kId, VT(AidDisbursed, PROGRAM_ID)),
    Req("beneficiary_id", K::kId, VT(AidDisbursed, BENEFICIARY_ID)),
    Req("cycle", K::kCycle, VT(AidDisbursed, CYCLE)),
    Req("amount", K::kAmount, VT(AidDisbursed, AMOUNT)),
    Enum("channel", VT(AidDisbursed, CHANNEL), fb::EnumNamesChannel(), fb::Channel::MAX),
    Opt("batch_id", K::kId, VT(AidDisbursed, BATCH_ID)),
    Opt("provider_ref", K::kText, VT(AidDisbursed, PROVIDER_REF)),
};
const Field kDisbursementReturned[] = {
    Req("disbursed_seq", K::kSeq, VT(DisbursementReturned, DISBURSED_SEQ)),
    Enum("reason", VT(DisbursementReturned, REASON), fb::EnumNamesReturnReason(),
         fb::ReturnReason::MAX),
};
const Field kGroupFormed[] = {
    Req("group_id", K::kId, VT(GroupFormed, GROUP_ID)),
    Req("name", K::kText, VT(GroupFormed, NAME)),
    Req("region_code", K::kRegion, VT(GroupFormed, REGION_CODE)),
    Opt("max_loan", K::kAmount, VT(GroupFormed, MAX_LOAN)),
    Int("max_installments", VT(GroupFormed, MAX_INSTALLMENTS), false, 1, limits::kInstallmentsMax),
};
const Field kMemberJoined[] = {
    Req("group_id", K::kId, VT(MemberJoined, GROUP_ID)),
    Req("member_id", K::kId, VT(MemberJoined, MEMBER_ID)),
    Enum("role", VT(MemberJoined, ROLE), fb::EnumNamesMemberRole(), fb::MemberRole::MAX),
};
const Field kMemberLeft[] = {
    Req("group_id", K::kId, VT(MemberLeft, GROUP_ID)),
    Req("member_id", K::kId, VT(MemberLeft, MEMBER_ID)),
};
const Field kCapitalGranted[] = {
    Req("program_id", K::kId, VT(CapitalGranted, PROGRAM_ID)),
    Req("group_id", K::kId, VT(CapitalGranted, GROUP_ID)),
    Req("amount", K::kAmount, VT(CapitalGranted, AMOUNT)),
};
const Field kLoanIssued[] = {
    Req("loan_id", K::kId, VT(LoanIssued, LOAN_ID)),
    Req("group_id", K::kId, VT(LoanIssued, GROUP_ID)),
    Req("member_id", K::kId, VT(LoanIssued, MEMBER_ID)),
    Req("principal", K::kAmount, VT(LoanIssued, PRINCIPAL)),
    Installments(VT(LoanIssued, INSTALLMENTS), true),
    Int("period_days", VT(LoanIssued, PERIOD_DAYS), true, 1, limits::kPeriodDaysMax),
    Req("first_due_date", K::kDate, VT(LoanIssued, FIRST_DUE_DATE)),
    Req("purpose", K::kText, VT(LoanIssued, PURPOSE)),
};
const Field kLoanRepaid[] = {
    Req("loan_id", K::kId, VT(LoanRepaid, LOAN_ID)),
    Req("amount", K::kAmount, VT(LoanRepaid, AMOUNT)),
};
const Field kLoanRescheduled[] = {
    Req("loan_id", K::kId, VT(LoanRescheduled, LOAN_ID)),
    Installments(VT(LoanRescheduled, INSTALLMENTS), true),
    Int("period_days", VT(LoanRescheduled, PERIOD_DAYS), true, 1, limits::kPeriodDaysMax),
    Req("next_due_date", K::kDate, VT(LoanRescheduled, NEXT_DUE_DATE)),
    Req("reason", K::kText, VT(LoanRescheduled, REASON)),
};
const Field kLoanWrittenOff[] = {
    Req("loan_id", K::kId, VT(LoanWrittenOff, LOAN_ID)),
    Req("reason", K::kText, VT(LoanWrittenOff, REASON)),
};
const Field kEventCorrected[] = {
    Req("target_seq", K::kSeq, VT(EventCorrected, TARGET_SEQ)),
    Req("reason", K::kText, VT(EventCorrected, REASON)),
    Field{"replacement", K::kEvent, VT(EventCorrected, REPLACEMENT), false, nullptr, 0, 0, 0,
          VT(EventCorrected, REPLACEMENT_TYPE)},
};
const Field kPersonalDataErased[] = {
    Req("program_id", K::kId, VT(PersonalDataErased, PROGRAM_ID)),
    Req("beneficiary_id", K::kId, VT(PersonalDataErased, BENEFICIARY_ID)),
    Req("reason", K::kText, VT(PersonalDataErased, REASON)),
};

#undef VT

#define SPEC(T)            \
  EventSpec {              \
#T, fb::Event::T, k##T \
  }
const std::array<EventSpec, 20> kCatalogue = {
    SPEC(LedgerOpened),         SPEC(ProgramOpened),      SPEC(FundsAllocated),
    SPEC(FundsReturned),        SPEC(CycleOpened),        SPEC(CycleClosed),
    SPEC(BeneficiaryEnrolled),  SPEC(BeneficiaryExited),  SPEC(AidDisbursed),
    SPEC(DisbursementReturned), SPEC(GroupFormed),        SPEC(MemberJoined),
    SPEC(MemberLeft),           SPEC(CapitalGranted),     SPEC(LoanIssued),
    SPEC(LoanRepaid),           SPEC(LoanRescheduled),    SPEC(LoanWrittenOff),
    SPEC(EventCorrected),       SPEC(PersonalDataErased),
};
#undef SPEC

// The catalogue must list every union member, in order.
static_assert(static_cast<int>(fb::Event::MAX) == 20);

}  // namespace

std::span<const EventSpec> Catalogue() {
  return kCatalogue;
}

const EventSpec* FindSpec(fb::Event type) {
  const int index = static_cast<int>(type) - 1;
  if (index < 0 || index >= static_cast<int>(kCatalogue.size())) return nullptr;
  return &kCatalogue[static_cast<size_t>(index)];
}

const EventSpec* FindSpec(std::string_view name) {
  for (const EventSpec& spec : kCatalogue) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

}  // namespace lumbung::spec
