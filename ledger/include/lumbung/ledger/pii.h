// Personal data kept off the log (DESIGN §8). The name, NIK, address and
// phone given at enrolment go into the ledger's vault (the `pii` column
// family, sealed under a per-person key; the row format is in
// ledger/store/pii_vault.h); the enrolment entry carries only a salted
// commitment to them:
//
//   pii_commitment = SHA-256("lumbung.pii_commitment.v1" || salt || canonical)
//   canonical      = for each of name, nik, address, phone, in this order:
//                    u32 big-endian byte length || the UTF-8 bytes
//
// The salt is 32 random bytes per enrolment, kept (sealed) beside the data:
// without it the commitment cannot be tested against guesses of a NIK, and
// once the row is erased nobody can open the commitment again. The
// length prefixes make the encoding injective ("ab"+"c" and "a"+"bc" differ),
// and the tag keeps this hash from ever equalling a hash made for another
// purpose.
//
// Thread safety: pure functions, apart from the snapshot read.

#ifndef LUMBUNG_LEDGER_PII_H_
#define LUMBUNG_LEDGER_PII_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/secrets.h"

namespace lumbung {

inline constexpr size_t kPiiSaltBytes = 32;
using PiiSalt = std::array<uint8_t, kPiiSaltBytes>;

inline constexpr std::string_view kPiiCommitmentTag = "lumbung.pii_commitment.v1";

// The canonical encoding above (no tag, no salt).
std::string CanonicalPersonalData(const PersonalData& data);
audit::Hash PiiCommitment(const PiiSalt& salt, const PersonalData& data);

// A person's data as held in the vault, opened.
struct HeldPersonalData {
  PersonalData data;
  PiiSalt salt{};
};

// Reads and opens the vault row of (program_id, beneficiary_id) as of the
// snapshot. nullopt when there is none (never given, or erased). Corruption
// when the row does not open: a wrong master key, altered bytes, or a row
// moved to another person's key.
Result<std::optional<HeldPersonalData>> ReadPersonalData(const LedgerSnapshot& snapshot,
                                                         const Secret& master_key,
                                                         std::string_view program_id,
                                                         std::string_view beneficiary_id);

// Whether a decoded event is a PersonalDataErased: callers that append one
// run Ledger::PurgeErasedPersonalData after it commits.
bool IsPersonalDataErasure(const EventInput& event);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_PII_H_
