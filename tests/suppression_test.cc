// Small-cell suppression of the oversight export (export/suppression.h):
// hand-built area trees with known answers, then random trees checked for
// the rule's invariants at every level.

#include "lumbung/export/suppression.h"

#include <map>
#include <random>

#include <catch2/catch.hpp>

using namespace lumbung;
using namespace lumbung::exports;

namespace {

constexpr char kKel[] = "31.75.07.1005";
constexpr char kRw[] = "31.75.07.1005.03";

AreaInput Area(std::string code, int64_t recipients) {
  // Two payments a recipient, 300.000 each: distinct from the recipients,
  // so a sum taken from the wrong figure shows.
  return AreaInput{std::move(code), {recipients, 2 * recipients, 600000 * recipients}};
}

AreaFigures Sum(const std::vector<AreaInput>& areas, size_t segments) {
  AreaFigures sum;
  for (const AreaInput& a : areas) {
    if (std::count(a.code.begin(), a.code.end(), '.') + 1 != static_cast<long>(segments)) continue;
    sum.recipients += a.figures.recipients;
    sum.paid_count += a.figures.paid_count;
    sum.paid_amount += a.figures.paid_amount;
  }
  return sum;
}

// RW 03 of one kelurahan with the given RTs, and the sums above them.
std::vector<AreaInput> OneRw(const std::vector<std::pair<std::string, int64_t>>& rts) {
  std::vector<AreaInput> areas;
  int64_t total = 0;
  for (const auto& [rt, n] : rts) {
    areas.push_back(Area(std::string(kRw) + "." + rt, n));
    total += n;
  }
  areas.push_back(Area(kRw, total));
  areas.push_back(Area(kKel, total));
  return areas;
}

const ListedArea* Find(const SuppressedAreas& s, const std::string& code) {
  for (const ListedArea& a : s.areas) {
    if (a.code == code) return &a;
  }
  return nullptr;
}

AreaFigures Plus(AreaFigures a, const AreaFigures& b) {
  a.recipients += b.recipients;
  a.paid_count += b.paid_count;
  a.paid_amount += b.paid_amount;
  return a;
}

// The rule's invariants: what is listed is at least k, every hidden
// aggregate is empty or at least k (the programme's may be smaller only
// when nothing at all is listed), parents are listed, and at every level
// figures = listed children + hidden.
void CheckInvariants(const SuppressedAreas& s, const AreaFigures& total, int64_t k) {
  std::map<std::string, AreaFigures> children_sum;
  std::map<std::string, const ListedArea*> listed;
  for (const ListedArea& a : s.areas) {
    INFO("area " << a.code);
    CHECK(a.figures.recipients >= k);
    CHECK((a.hidden.figures.recipients == 0 || a.hidden.figures.recipients >= k));
    CHECK(a.hidden.areas >= 0);
    if (!a.parent.empty()) CHECK(listed.contains(a.parent));
    listed[a.code] = &a;
    children_sum[a.parent] = Plus(children_sum[a.parent], a.figures);
  }
  for (const ListedArea& a : s.areas) {
    INFO("area " << a.code);
    const AreaFigures listed_children = children_sum[a.code];
    if (listed_children.recipients == 0 && a.hidden.areas == 0 &&
        a.hidden.figures == AreaFigures{}) {
      continue;  // no sub-areas
    }
    CHECK(Plus(listed_children, a.hidden.figures) == a.figures);
  }
  CHECK(Plus(children_sum[""], s.hidden.figures) == total);
  if (!s.areas.empty()) {
    CHECK((s.hidden.figures.recipients == 0 || s.hidden.figures.recipients >= k));
  }
}

}  // namespace

TEST_CASE("suppression: an RT with 3 recipients is folded into its RW", "[suppression]") {
  const auto areas = OneRw({{"001", 3}, {"002", 4}, {"003", 10}});
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  CHECK(Find(*s, std::string(kRw) + ".001") == nullptr);
  CHECK(Find(*s, std::string(kRw) + ".002") == nullptr);
  const ListedArea* rt3 = Find(*s, std::string(kRw) + ".003");
  REQUIRE(rt3 != nullptr);
  CHECK(rt3->parent == kRw);
  CHECK(rt3->level == AreaLevel::kRt);
  const ListedArea* rw = Find(*s, kRw);
  REQUIRE(rw != nullptr);
  CHECK(rw->hidden.areas == 2);
  CHECK(rw->hidden.figures == AreaFigures{7, 14, 7 * 600000});
  CHECK(s->hidden == HiddenFigures{});
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: a hidden cell that could be subtracted out forces a second suppression",
          "[suppression]") {
  // Hiding RT 001 alone would leave it as RW - RT 002 - RT 003 = 3.
  const auto areas = OneRw({{"001", 3}, {"002", 12}, {"003", 10}});
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  CHECK(Find(*s, std::string(kRw) + ".001") == nullptr);
  CHECK(Find(*s, std::string(kRw) + ".003") == nullptr);  // the smallest visible sibling
  CHECK(Find(*s, std::string(kRw) + ".002") != nullptr);
  const ListedArea* rw = Find(*s, kRw);
  REQUIRE(rw != nullptr);
  CHECK(rw->hidden.areas == 2);
  CHECK(rw->hidden.figures.recipients == 13);
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: complementary suppression hides the smallest sibling, lowest code first",
          "[suppression]") {
  // RT 001 is under k; RTs 002 and 003 are the smallest visible ones.
  const auto areas = OneRw({{"001", 1}, {"002", 5}, {"003", 5}, {"004", 6}, {"005", 20}});
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  const ListedArea* rw = Find(*s, kRw);
  REQUIRE(rw != nullptr);
  CHECK(rw->hidden.areas == 2);
  CHECK(rw->hidden.figures.recipients == 6);
  CHECK(Find(*s, std::string(kRw) + ".002") == nullptr);
  CHECK(Find(*s, std::string(kRw) + ".003") != nullptr);
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: a hidden kelurahan goes into the programme's hidden aggregate",
          "[suppression]") {
  std::vector<AreaInput> areas = {Area("31.75.07.1001", 4),        Area("31.75.07.1001.01", 4),
                                  Area("31.75.07.1001.01.001", 4), Area("31.75.07.1002", 20),
                                  Area("31.75.07.1003", 30),       Area("31.75.07.1003.02", 30),
                                  Area("31.75.07.1003.02.007", 30)};
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  // 1001 is under k; alone it could be subtracted out, so 1002 goes too.
  CHECK(Find(*s, "31.75.07.1001") == nullptr);
  CHECK(Find(*s, "31.75.07.1001.01") == nullptr);  // its subtree with it
  CHECK(Find(*s, "31.75.07.1001.01.001") == nullptr);
  CHECK(Find(*s, "31.75.07.1002") == nullptr);
  CHECK(Find(*s, "31.75.07.1003.02.007") != nullptr);
  CHECK(s->hidden.areas == 2);
  CHECK(s->hidden.figures == AreaFigures{24, 48, 24 * 600000});
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: figures recorded at a parent's own code count as hidden", "[suppression]") {
  // The kelurahan holds 3 recipients enrolled with no RW: listed RWs would
  // give them away, so the smaller RW is hidden with them.
  std::vector<AreaInput> areas = {Area(kKel, 3 + 8 + 9), Area("31.75.07.1005.01", 8),
                                  Area("31.75.07.1005.02", 9)};
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  const ListedArea* kel = Find(*s, kKel);
  REQUIRE(kel != nullptr);
  CHECK(kel->hidden.areas == 1);
  CHECK(kel->hidden.figures.recipients == 11);
  CHECK(Find(*s, "31.75.07.1005.01") == nullptr);
  CHECK(Find(*s, "31.75.07.1005.02") != nullptr);
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: at every level parent = listed children + hidden, and the totals add up",
          "[suppression]") {
  std::vector<AreaInput> areas = {Area("31.75.07.1001", 40),        Area("31.75.07.1001.01", 22),
                                  Area("31.75.07.1001.01.001", 2),  Area("31.75.07.1001.01.002", 9),
                                  Area("31.75.07.1001.01.003", 11), Area("31.75.07.1001.02", 18),
                                  Area("31.75.07.1001.02.001", 18), Area("31.75.07.1002", 7),
                                  Area("31.75.07.1002.05", 7),      Area("31.75.07.1002.05.001", 3),
                                  Area("31.75.07.1002.05.002", 4)};
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  CheckInvariants(*s, total, 5);
  AreaFigures listed_kelurahan;
  for (const ListedArea& a : s->areas) {
    if (a.level == AreaLevel::kKelurahan) listed_kelurahan = Plus(listed_kelurahan, a.figures);
  }
  CHECK(Plus(listed_kelurahan, s->hidden.figures) == total);
  CHECK(total.recipients == 47);
  CHECK(total.paid_amount == 47 * 600000);
}

TEST_CASE("suppression: k = 1 hides nothing", "[suppression]") {
  const auto areas = OneRw({{"001", 1}, {"002", 2}, {"003", 1}});
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 1);
  REQUIRE(s.ok());
  CHECK(s->areas.size() == areas.size());
  for (const ListedArea& a : s->areas) CHECK(a.hidden == HiddenFigures{});
  CHECK(s->hidden == HiddenFigures{});
  CheckInvariants(*s, total, 1);
}

TEST_CASE("suppression: areas without recipients are left out", "[suppression]") {
  auto areas = OneRw({{"001", 0}, {"002", 6}});
  const AreaFigures total = Sum(areas, 4);
  auto s = SuppressSmallAreas(total, areas, 5);
  REQUIRE(s.ok());
  CHECK(Find(*s, std::string(kRw) + ".001") == nullptr);
  CHECK(Find(*s, kRw)->hidden == HiddenFigures{});
  CheckInvariants(*s, total, 5);
}

TEST_CASE("suppression: malformed input is refused", "[suppression]") {
  const auto good = OneRw({{"001", 6}});
  const AreaFigures total = Sum(good, 4);
  CHECK(SuppressSmallAreas(total, good, 0).status().code() == Code::kInvalidArgument);
  CHECK(SuppressSmallAreas(total, good, kSuppressionKMax + 1).status().code() ==
        Code::kInvalidArgument);
  auto orphan = good;
  orphan.push_back(Area("31.75.07.1009.01", 1));  // no kelurahan 1009
  CHECK(!SuppressSmallAreas(total, orphan, 5).ok());
  auto twice = good;
  twice.push_back(good.front());
  CHECK(!SuppressSmallAreas(total, twice, 5).ok());
  auto bad_code = good;
  bad_code.push_back(Area("31.75.07", 1));
  CHECK(!SuppressSmallAreas(total, bad_code, 5).ok());
  auto too_big = good;
  too_big.front().figures.recipients = 7;  // the RT holds more than its RW
  CHECK(!SuppressSmallAreas(total, too_big, 5).ok());
  CHECK(!SuppressSmallAreas(AreaFigures{1, 1, 1}, good, 5).ok());  // kelurahan above the total
  auto overflow = OneRw({{"001", 6}, {"002", 6}});
  overflow[0].figures.paid_amount = INT64_MAX;
  overflow[1].figures.paid_amount = INT64_MAX;
  overflow[2].figures.paid_amount = INT64_MAX;
  overflow[3].figures.paid_amount = INT64_MAX;
  CHECK(!SuppressSmallAreas(AreaFigures{12, 24, INT64_MAX}, overflow, 5).ok());
}

TEST_CASE("suppression: random area trees keep every invariant", "[suppression]") {
  for (uint32_t seed = 1; seed <= 200; ++seed) {
    INFO("seed " << seed);
    std::mt19937 rng(seed);
    auto pick = [&rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::vector<AreaInput> areas;
    AreaFigures total;
    const int kelurahan = pick(1, 4);
    for (int kel = 0; kel < kelurahan; ++kel) {
      const std::string kel_code = "31.75.07." + std::to_string(1001 + kel);
      AreaFigures kel_sum{pick(0, 3), 0, 0};  // recorded at the kelurahan itself
      kel_sum.paid_count = kel_sum.recipients;
      kel_sum.paid_amount = 1000 * kel_sum.recipients;
      const int rws = pick(0, 4);
      for (int rw = 0; rw < rws; ++rw) {
        const std::string rw_code = kel_code + ".0" + std::to_string(rw + 1);
        AreaFigures rw_sum;
        const int rts = pick(0, 5);
        for (int rt = 0; rt < rts; ++rt) {
          AreaInput a = Area(rw_code + ".00" + std::to_string(rt + 1), pick(0, 12));
          rw_sum = Plus(rw_sum, a.figures);
          areas.push_back(std::move(a));
        }
        rw_sum = Plus(rw_sum, AreaFigures{1, 1, 7});  // one enrolled with no RT
        areas.push_back(AreaInput{rw_code, rw_sum});
        kel_sum = Plus(kel_sum, rw_sum);
      }
      areas.push_back(AreaInput{kel_code, kel_sum});
      total = Plus(total, kel_sum);
    }
    const int64_t k = pick(1, 10);
    auto s = SuppressSmallAreas(total, areas, k);
    REQUIRE(s.ok());
    CheckInvariants(*s, total, k);
  }
}
