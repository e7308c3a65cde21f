#include <catch2/catch.hpp>

#include "lumbung/base/checked.h"
#include "lumbung/base/result.h"
#include "lumbung/base/status.h"
#include "lumbung/base/text.h"

using namespace lumbung;

TEST_CASE("an OK status allocates nothing and says ok", "[status]") {
  Status s;
  CHECK(s.ok());
  CHECK(s.reason() == "ok");
  CHECK(s.index() == -1);
  CHECK(sizeof(Status) == sizeof(void*));
}

TEST_CASE("a rejection carries its stable code, field, index and message", "[status]") {
  Status s = Status::Rejected("insufficient_funds", "amount", "not enough budget").WithIndex(3);
  CHECK(s.IsRejected());
  CHECK(s.reason() == "insufficient_funds");
  CHECK(s.field() == "amount");
  CHECK(s.index() == 3);
  CHECK(s.ToString() == "insufficient_funds: not enough budget (field=amount, index=3)");
  Status copy = s;
  CHECK(copy.reason() == "insufficient_funds");
  CHECK(Status::IOError("disk").reason() == "io_error");
}

TEST_CASE("Result holds a value or a failure, never OK", "[status]") {
  Result<int> good(7);
  REQUIRE(good.ok());
  CHECK(*good == 7);
  Result<int> bad(Status::NotFound("nope"));
  CHECK_FALSE(bad.ok());
  CHECK(bad.status().IsNotFound());
}

TEST_CASE("checked arithmetic reports overflow instead of wrapping", "[checked]") {
  CHECK(CheckedAdd(1, 2) == 3);
  CHECK_FALSE(CheckedAdd(INT64_MAX, 1).has_value());
  CHECK_FALSE(CheckedSub(INT64_MIN, 1).has_value());
  CHECK_FALSE(CheckedMul(INT64_MAX / 2 + 1, 2).has_value());
  int64_t acc = INT64_MAX - 1;
  CHECK(AddTo(&acc, 1));
  CHECK_FALSE(AddTo(&acc, 1));
  CHECK(acc == INT64_MAX);
}

TEST_CASE("dates are strict calendar dates", "[text]") {
  CHECK(ParseDate("1970-01-01") == 0);
  CHECK(ParseDate("1900-01-01") == -25567);
  CHECK(ParseDate("2999-12-31") == 376199);
  CHECK_FALSE(ParseDate("3000-01-01").has_value());
  CHECK(ParseDate("2026-11-03").has_value());
  CHECK(ParseDate("2024-02-29").has_value());
  CHECK_FALSE(ParseDate("2026-02-29").has_value());
  CHECK_FALSE(ParseDate("2026-13-01").has_value());
  CHECK_FALSE(ParseDate("2026-1-01").has_value());
  CHECK_FALSE(ParseDate("26-11-03").has_value());
  CHECK_FALSE(ParseDate("2026/11/03").has_value());
  CHECK_FALSE(ParseDate("2026-11-03 ").has_value());
  for (int32_t d = -25567; d <= 376199; d += 37) {  // 1900-01-01 .. 2999-12-31
    CHECK(ParseDate(FormatDate(d)) == d);
  }
}

TEST_CASE("UTF-8 is validated and counted in code points", "[text]") {
  CHECK(Utf8Chars("abc", false) == 3);
  CHECK(Utf8Chars("Bu Siti Rahayu — RT 005", false) == 23);
  CHECK_FALSE(Utf8Chars("a\nb", false).has_value());
  CHECK(Utf8Chars("a\nb", true) == 3);
  CHECK_FALSE(Utf8Chars("\xC0\xAF", false).has_value());      // overlong '/'
  CHECK_FALSE(Utf8Chars("\xED\xA0\x80", false).has_value());  // surrogate
  CHECK_FALSE(Utf8Chars("\xE2\x82", false).has_value());      // truncated
  CHECK_FALSE(Utf8Chars(std::string_view("a\0b", 3), false).has_value());
}

TEST_CASE("hex and big-endian round trip", "[text]") {
  uint8_t bytes[3] = {0x00, 0xab, 0xff};
  CHECK(HexEncode(bytes) == "00abff");
  uint8_t back[3];
  CHECK(HexDecode("00ABff", back));
  CHECK(back[1] == 0xab);
  CHECK_FALSE(HexDecode("00abf", back));
  CHECK_FALSE(HexDecode("00abfg", back));
  CHECK(GetBigEndian64(reinterpret_cast<const uint8_t*>(BigEndian64(0x0102030405060708).data())) ==
        0x0102030405060708ULL);
  CHECK(BigEndian64(1) < BigEndian64(256));
}
