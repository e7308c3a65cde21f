// Checked int64 arithmetic for money. Overflow is reported, never wrapped:
// a ledger that wraps a balance is a ledger that has created money.

#ifndef LUMBUNG_BASE_CHECKED_H_
#define LUMBUNG_BASE_CHECKED_H_

#include <cstdint>
#include <optional>

namespace lumbung {

inline std::optional<int64_t> CheckedAdd(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

inline std::optional<int64_t> CheckedSub(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

inline std::optional<int64_t> CheckedMul(int64_t a, int64_t b) {
  int64_t out;
  if (__builtin_mul_overflow(a, b, &out)) return std::nullopt;
  return out;
}

// In-place forms; return false (leaving *acc unchanged) on overflow.
inline bool AddTo(int64_t* acc, int64_t delta) {
  int64_t out;
  if (__builtin_add_overflow(*acc, delta, &out)) return false;
  *acc = out;
  return true;
}

}  // namespace lumbung

#endif  // LUMBUNG_BASE_CHECKED_H_
