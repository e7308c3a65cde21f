// Small-cell suppression of one programme's per-area figures for the public
// oversight export (docs/oversight.md, "Areas and small-cell protection").
//
// Areas form a tree under the programme, by their codes' segments:
//
//   programme
//   └─ kelurahan  pp.kk.cc.dddd          (4 segments)
//      └─ RW      pp.kk.cc.dddd.rw       (5)
//         └─ RT   pp.kk.cc.dddd.rw.rt    (6)
//
// Each input area carries everything recorded at its code or below it (the
// sums query::Program answers under "regions"); the programme carries the
// sum of all. A parent's figures may exceed the sum of its children's: the
// rest was recorded at the parent's own code (an enrolment with no RW, say).
// That rest is a cell too, one that is never listed.
//
// The rule, top-down, for each listed parent (the programme always is):
//   1. a child with fewer than k recipients is hidden;
//   2. while the hidden aggregate (hidden children + the parent's own rest)
//      holds between 1 and k-1 recipients, the visible child with the
//      fewest recipients (then the lowest code) is hidden too
//      (complementary suppression: no hidden cell can be recovered by
//      subtracting the listed ones from the parent);
//   3. a hidden area's own children are never looked at: hiding an area
//      hides its subtree.
// Areas with no recipients are left out altogether: they hold no payment,
// so there is nothing to show or to hide.
//
// What comes out: the listed areas in code order (a parent before its
// children), each with its `hidden` aggregate, and the programme's. For the
// programme and every listed area that has sub-areas:
//   figures = sum of listed children's figures + hidden.figures,
// and the sum of listed kelurahan plus the programme's hidden is the total.
// An area with no sub-areas (an RT, or a coarser code with nothing below
// it) lists none and hides none.
//
// All sums are checked int64 arithmetic; an overflow is InvalidArgument.
//
// Thread safety: pure function.

#ifndef LUMBUNG_EXPORT_SUPPRESSION_H_
#define LUMBUNG_EXPORT_SUPPRESSION_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/result.h"

namespace lumbung::exports {

// The largest k accepted: a threshold above it would hide every area of
// any real kelurahan, which is a mistake rather than a policy.
inline constexpr int64_t kSuppressionKMax = 1000;

struct AreaFigures {
  int64_t recipients = 0;
  int64_t paid_count = 0;
  int64_t paid_amount = 0;
  friend bool operator==(const AreaFigures&, const AreaFigures&) = default;
};

struct HiddenFigures {
  int64_t areas = 0;    // hidden child areas (the parent's own rest is no area)
  AreaFigures figures;  // hidden children and the parent's own rest
  friend bool operator==(const HiddenFigures&, const HiddenFigures&) = default;
};

enum class AreaLevel : uint8_t { kKelurahan = 4, kRw = 5, kRt = 6 };  // = segments
// "kelurahan", "rw", "rt".
std::string_view AreaLevelName(AreaLevel level);

struct AreaInput {
  std::string code;
  AreaFigures figures;  // recorded at `code` or below it
};

struct ListedArea {
  std::string code;
  AreaLevel level = AreaLevel::kKelurahan;
  std::string parent;  // "" for a kelurahan
  AreaFigures figures;
  HiddenFigures hidden;
};

struct SuppressedAreas {
  std::vector<ListedArea> areas;  // in code order
  HiddenFigures hidden;           // the programme's
};

// InvalidArgument if k is outside [1, kSuppressionKMax], a code is not a
// region code of 4 to 6 segments or appears twice, an area's parent is
// missing, a figure is negative, children add up to more than their
// parent (or kelurahan to more than `total`), an area without recipients
// has payments, or a sum overflows.
Result<SuppressedAreas> SuppressSmallAreas(const AreaFigures& total,
                                           std::span<const AreaInput> areas, int64_t k);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_SUPPRESSION_H_
