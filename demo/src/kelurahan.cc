#include "kelurahan.h"

#include <algorithm>
#include <numeric>

#include "lumbung/base/assert.h"

namespace lumbung::demo::internal {
namespace {

// PKH components per quarter (a quarter of the yearly index): pregnant
// mother, early childhood, primary, junior and senior secondary pupil,
// elderly, severe disability.
constexpr int64_t kPkhComponents[] = {750'000, 750'000, 225'000, 375'000,
                                      500'000, 600'000, 600'000};
constexpr int64_t kPkhComponentCount = sizeof kPkhComponents / sizeof kPkhComponents[0];

constexpr std::string_view kBanks[] = {"BRI", "BNI", "MANDIRI", "BSI"};

int Digits(int64_t n) {
  int d = 1;
  while (n >= 10) {
    n /= 10;
    ++d;
  }
  return d;
}

}  // namespace

Kelurahan::Kelurahan(uint64_t seed, int64_t households, int months)
    : seed_(seed),
      households_(households),
      months_(months),
      id_width_(std::max(6, Digits(households))) {
  LUMBUNG_ASSERT(households > 0 && months > 0);
  // Each RW has 8-15 RT; households are spread evenly over all of them.
  std::vector<std::pair<int, int>> layout;
  for (int rw = 1; rw <= kRwCount; ++rw) {
    const int rt_count = 8 + static_cast<int>(Pick(Key(seed, Salt::kRt, rw), 8));
    for (int rt = 1; rt <= rt_count; ++rt) layout.emplace_back(rw, rt);
  }
  const int64_t total = static_cast<int64_t>(layout.size());
  for (int64_t t = 0; t < total; ++t) {
    rts_.push_back(Rt{layout[t].first, layout[t].second, t * households / total});
  }
  multiplier_ = (Key(seed, Salt::kPermutation, 1) % static_cast<uint64_t>(households)) | 1;
  while (std::gcd(multiplier_, static_cast<uint64_t>(households)) != 1) ++multiplier_;
  offset_ = Key(seed, Salt::kPermutation, 2) % static_cast<uint64_t>(households);
}

const Kelurahan::Rt& Kelurahan::RtOf(int64_t h) const {
  // The last RT whose first household is <= h.
  auto it = std::upper_bound(rts_.begin(), rts_.end(), h,
                             [](int64_t v, const Rt& rt) { return v < rt.begin; });
  LUMBUNG_ASSERT(it != rts_.begin());
  return *(it - 1);
}

void Kelurahan::AppendId(std::string* out, int64_t h) const {
  out->append("hh-");
  AppendPadded(out, h + 1, id_width_);
}

std::string Kelurahan::Id(int64_t h) const {
  std::string out;
  AppendId(&out, h);
  return out;
}

std::string Kelurahan::Region(int64_t h) const {
  const Rt& rt = RtOf(h);
  std::string out(kVillageCode);
  out += '.';
  AppendPadded(&out, rt.rw, 2);
  out += '.';
  AppendPadded(&out, rt.rt, 3);
  return out;
}

int Kelurahan::Rw(int64_t h) const {
  return RtOf(h).rw;
}

int Kelurahan::ExitMonth(int64_t h) const {
  if (months_ < 2) return kNever;
  // About 15 in 1,000 households a year; never in the first month, whose
  // books open with the enrolment lists.
  const int64_t per_mille = std::min<int64_t>(900, 15 * int64_t{months_} / 12);
  if (Pick(Key(seed_, Salt::kExit, h), 1000) >= per_mille) return kNever;
  return 1 + static_cast<int>(Pick(Key(seed_, Salt::kExitMonth, h), months_ - 1));
}

int Kelurahan::LateMonth(int64_t h) const {
  if (months_ < 2) return 0;
  return 1 + static_cast<int>(Pick(Key(seed_, Salt::kLate, h), months_ - 1));
}

int64_t Kelurahan::PkhAmount(int64_t h) const {
  const int64_t first = Pick(Key(seed_, Salt::kPkhFirst, h), kPkhComponentCount);
  int64_t amount = kPkhComponents[first];
  if (Pick(Key(seed_, Salt::kPkhTwo, h), 10) < 4) {
    const int64_t offset = 1 + Pick(Key(seed_, Salt::kPkhSecond, h), kPkhComponentCount - 1);
    amount += kPkhComponents[(first + offset) % kPkhComponentCount];
  }
  return amount;
}

std::string_view Kelurahan::Bank(int64_t h) const {
  return kBanks[Pick(Key(seed_, Salt::kBank, h), 4)];
}

int64_t Kelurahan::Permuted(int64_t position) const {
  LUMBUNG_ASSERT(position >= 0 && position < households_);
  const uint64_t n = static_cast<uint64_t>(households_);
  const uint64_t p = static_cast<uint64_t>(position);
  // (a * p + b) mod n with gcd(a, n) = 1 is a bijection of 0..n-1. The
  // product stays below 2^64: a, p < n <= 10^7.
  return static_cast<int64_t>((multiplier_ * p + offset_) % n);
}

}  // namespace lumbung::demo::internal
