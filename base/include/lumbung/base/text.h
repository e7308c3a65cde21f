// Small text utilities with no dependencies: hex, dates, UTF-8, big-endian
// integers. (Base64 lives in audit/, on top of OpenSSL.)
//
// Thread safety: pure functions.

#ifndef LUMBUNG_BASE_TEXT_H_
#define LUMBUNG_BASE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lumbung {

// Lowercase hex of `bytes`.
std::string HexEncode(std::span<const uint8_t> bytes);
// Decodes hex (either case) into exactly `out.size()` bytes; false on any
// other length or a non-hex character.
bool HexDecode(std::string_view hex, std::span<uint8_t> out);

// Days since 1970-01-01 of a proleptic Gregorian "YYYY-MM-DD" date between
// years 1900 and 2999; nullopt for any other text, including 2026-02-30.
std::optional<int32_t> ParseDate(std::string_view text);
// Inverse of ParseDate.
std::string FormatDate(int32_t days_since_epoch);

// Counts code points of valid UTF-8 without control characters (U+0000 to
// U+001F and U+007F); nullopt if `text` is not such UTF-8. `allow_newlines`
// admits '\n' and '\t' (memos).
std::optional<size_t> Utf8Chars(std::string_view text, bool allow_newlines);

// 8-byte big-endian encoding, so that RocksDB's bytewise order is numeric.
void PutBigEndian64(uint64_t value, uint8_t out[8]);
uint64_t GetBigEndian64(const uint8_t in[8]);
std::string BigEndian64(uint64_t value);

}  // namespace lumbung

#endif  // LUMBUNG_BASE_TEXT_H_
