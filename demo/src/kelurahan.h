// The households of the demo kelurahan (31.75.07.1005, 12 RW of 8-15 RT)
// and each one's circumstances, all pure functions of (seed, household).
//
// Households are numbered in area order, so an RT is a contiguous range of
// numbers and a cycle list walks the kelurahan RW by RW, RT by RT.
//
// Shares of households (class = Key(kClass) % 1000):
//   [0, 100)    PKH families (also sembako)      from DTSEN
//   [0, 250)    sembako/BPNT                      from DTSEN
//   [250, 265)  sembako, enrolled later on appeal
//   [265, 385)  BLT Dana Desa                     from MUSDES
//   [385, 400)  BLT Dana Desa, enrolled later     from MUSDES
// Independently, 3% get a micro-business grant and about 1.5% a year exit
// (deceased or moved), from whatever they are enrolled in.
//
// Thread safety: immutable after construction.

#ifndef LUMBUNG_DEMO_SRC_KELURAHAN_H_
#define LUMBUNG_DEMO_SRC_KELURAHAN_H_

#include <climits>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "support.h"

namespace lumbung::demo::internal {

inline constexpr std::string_view kVillageCode = "31.75.07.1005";
inline constexpr int kRwCount = 12;
inline constexpr int kNever = INT_MAX;  // a month index that never comes

class Kelurahan {
 public:
  Kelurahan(uint64_t seed, int64_t households, int months);

  int64_t count() const { return households_; }
  uint64_t seed() const { return seed_; }

  // "hh-001234" (numbered from 1, at least six digits).
  void AppendId(std::string* out, int64_t h) const;
  std::string Id(int64_t h) const;
  // "31.75.07.1005.03.005"
  std::string Region(int64_t h) const;
  int Rw(int64_t h) const;

  int Class(int64_t h) const { return static_cast<int>(Pick(Key(seed_, Salt::kClass, h), 1000)); }
  // Demo month from which the household is gone, or kNever.
  int ExitMonth(int64_t h) const;
  bool ExitDeceased(int64_t h) const { return Pick(Key(seed_, Salt::kExitReason, h), 5) < 2; }
  // Month of a late enrolment (classes [250,265) and [385,400)).
  int LateMonth(int64_t h) const;

  // PKH's quarterly amount: one or two family components.
  int64_t PkhAmount(int64_t h) const;
  bool MicroGrant(int64_t h) const { return Pick(Key(seed_, Salt::kUkm, h), 1000) < 30; }
  int MicroGrantRound(int64_t h) const {
    return static_cast<int>(Pick(Key(seed_, Salt::kUkmRound, h), 2));
  }
  int64_t MicroGrantAmount(int64_t h) const {
    return 1'000'000 + 250'000 * Pick(Key(seed_, Salt::kUkmAmount, h), 7);
  }
  // The family's bank for transfers (the state banks that pay social aid).
  std::string_view Bank(int64_t h) const;

  // A fixed permutation of the households (position in [0, count())): the
  // order in which KUBE groups draw their members.
  int64_t Permuted(int64_t position) const;

 private:
  struct Rt {
    int rw;
    int rt;
    int64_t begin;  // first household; the RT ends where the next begins
  };
  const Rt& RtOf(int64_t h) const;

  uint64_t seed_;
  int64_t households_;
  int months_;
  int id_width_;
  std::vector<Rt> rts_;
  uint64_t multiplier_;  // coprime with households_
  uint64_t offset_;
};

}  // namespace lumbung::demo::internal

#endif  // LUMBUNG_DEMO_SRC_KELURAHAN_H_
