// LUMBUNG_ASSERT: invariants that must never break. Unlike assert(), it stays
// on in release builds: a ledger that continues past a broken invariant can
// write a wrong entry into a log that can never be edited, which is worse
// than stopping. Bad input is never asserted on; it gets a Status.

#ifndef LUMBUNG_BASE_ASSERT_H_
#define LUMBUNG_BASE_ASSERT_H_

namespace lumbung {
[[noreturn]] void AssertFail(const char* expression, const char* file, int line);
}  // namespace lumbung

#define LUMBUNG_ASSERT(cond)                            \
  do {                                                  \
    if (!(cond)) [[unlikely]] {                         \
      ::lumbung::AssertFail(#cond, __FILE__, __LINE__); \
    }                                                   \
  } while (0)

#endif  // LUMBUNG_BASE_ASSERT_H_
