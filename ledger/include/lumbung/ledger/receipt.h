// Receipt codes: short, typeable references to an entry, derived from its
// leaf hash, that a citizen can read aloud and type into the oversight page.
//
//   code = 10 Crockford base32 digits of the leaf hash's first 50 bits,
//          then one Luhn mod 32 check digit, shown as XXXXX-XXXXX-C
//
// Crockford's alphabet leaves out I, L, O and U; on input I and L read as 1,
// O as 0, case and hyphens are ignored. The Luhn mod 32 check catches every
// single mistyped character and every swap of two adjacent ones. 50 bits
// keep codes unique among millions of entries in practice; a lookup still
// confirms against the full leaf hash.
//
// Thread safety: pure functions.

#ifndef LUMBUNG_LEDGER_RECEIPT_H_
#define LUMBUNG_LEDGER_RECEIPT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"

namespace lumbung {

inline constexpr size_t kReceiptDigits = 10;

std::string ReceiptCode(const audit::Hash& leaf_hash);
// Canonical form (XXXXX-XXXXX-C) of a typed code, or nullopt if it is not a
// well-formed code (wrong length, bad character, wrong check digit).
std::optional<std::string> NormalizeReceiptCode(std::string_view typed);

// The 50 bits a code stands for: the leaf hash's first 50 bits, as a
// number below 2^50. Equal values, equal codes.
uint64_t ReceiptValue(const audit::Hash& leaf_hash);
// The value of a typed code, or nullopt if it is not well formed.
std::optional<uint64_t> ReceiptCodeValue(std::string_view typed);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_RECEIPT_H_
