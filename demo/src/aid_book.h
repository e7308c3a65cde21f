// The social-aid programmes of one fiscal year and everything the office
// records about them: programmes, allocations, enrolments and exits, cycles
// with their planned totals, cycle lists, returned transfers and their
// second payment, corrections, closings and the year-end return of unspent
// money.
//
// Validity is kept by construction, not by checking afterwards:
//   - a cycle's planned totals are exactly what is due to the households
//     eligible when it opens; payments go only to households eligible on
//     the day of payment, a subset (households only leave a list mid-cycle);
//   - every allocation covers the plans of the months (or quarter) it funds;
//   - a mistyped disbursement is recorded below its amount, so the cycle's
//     plan still holds it, and corrected before the cycle closes;
//   - a returned transfer is paid again only while its cycle is open and
//     its household still enrolled;
//   - the year-end return is the programme's balance, tracked here exactly.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_DEMO_SRC_AID_BOOK_H_
#define LUMBUNG_DEMO_SRC_AID_BOOK_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kelurahan.h"
#include "support.h"

namespace lumbung::demo::internal {

enum class Aid : int { kBlt = 0, kPkh = 1, kBpnt = 2, kUkm = 3 };
inline constexpr int kAidCount = 4;

class AidBook {
 public:
  AidBook(const DemoOptions& options, const Calendar& calendar, const Kelurahan& area, Sink& sink);

  // At month m, the first of a fiscal year within the demo: the year's
  // programme ids, quarter cycles and their plans.
  void StartYear(int m);
  // This month's steps (appended).
  void PlanMonth(int m, std::vector<Step>* steps) const;
  std::string Describe(const Step& step) const;

  // A step is ready when every seq it names has been reported.
  bool Ready(const Step& step) const;
  // Each returns true when the step is finished (long lists take several
  // batches; each call fills at most one).
  bool Run(int m, Step& step);

 private:
  struct Year {
    std::string id;  // "blt-dd-2026"
    int year = 0;
    int first_m = 0;
    int last_m = 0;
    int64_t balance = 0;  // program:<id>, tracked exactly
    bool opened = false;  // this month's cycle (monthly programmes)
  };
  struct Quarter {
    Aid aid = Aid::kPkh;
    int quarter = 0;    // 0..3
    std::string cycle;  // "2026-Q1"
    std::string tag;    // "2026-q1", for event ids
    int open_m = 0;
    int pay_m = 0;
    int close_m = 0;  // may be past the demo's end
    int64_t planned_count = 0;
    int64_t planned_amount = 0;
    int64_t correct_at = -1;  // position in the list of the guaranteed correction
    int64_t return_at = -1;   // ... and return
    bool opened = false;
  };
  struct Pending {       // a transfer to return, correct or pay again
    std::string target;  // event_id of the disbursement
    Aid aid;
    int64_t household;
    int64_t amount;  // the right amount
    int64_t wrong;   // what was recorded, for corrections
    size_t quarter;  // index in quarters_
    int32_t day;
    bool account_not_found;
    int retry_m;  // month of the second payment, or kNever
  };
  struct Plan {
    int64_t count = 0;
    int64_t amount = 0;
  };

  Year& year(Aid aid) { return years_[static_cast<int>(aid)]; }
  const Year& year(Aid aid) const { return years_[static_cast<int>(aid)]; }
  bool Eligible(Aid aid, int64_t h, int m) const;
  bool Payable(const Quarter& q, int64_t h, int m) const;
  // Keys the quarter's random choices (which payments are mistyped or
  // returned): programme, year and quarter.
  uint64_t QuarterKey(const Quarter& q) const {
    return static_cast<uint64_t>(q.aid) * 100'000 + static_cast<uint64_t>(years_[0].year) * 10 +
           static_cast<uint64_t>(q.quarter);
  }
  int64_t Amount(Aid aid, int64_t h) const;
  const Quarter* MicroGrantRound(int round) const;
  void PlanQuarters();
  void PlanMonthly(int first_m, int last_m);

  void Programmes();
  bool Enrolment(int m, Step& step);
  void EnrolmentOf(int64_t h, int m);
  void Budget(int m);
  void Allocate(Aid aid, int quarter, int64_t amount);
  void OpenCycles(int m);
  void AllocationFix();
  bool PayMonthly(int m, Step& step);
  bool PayQuarter(Step& step);
  void PayOne(Quarter& q, size_t index, int64_t h, int64_t ordinal);
  void Corrections();
  void Returns();
  void Retries();
  void Closings(int m);
  void YearEnd(int m);
  std::string ProviderRef(const Quarter& q, int64_t h) const;
  std::string BatchId(const Quarter& q) const;
  std::string Disbursement(const Quarter& q, int64_t h, int64_t amount, std::string_view channel,
                           std::string_view event_id, std::string_view provider_ref,
                           std::string_view batch_id) const;

  const DemoOptions& options_;
  const Calendar& calendar_;
  const Kelurahan& area_;
  Sink& sink_;
  std::array<Year, kAidCount> years_;
  std::vector<Quarter> quarters_;                      // this year's quarterly cycles
  std::map<std::pair<int, int>, Plan> monthly_plans_;  // (aid, month) -> plan
  std::vector<Pending> corrections_;
  std::vector<Pending> returns_;
  std::vector<Pending> retries_;
  std::optional<Pending> allocation_fix_;
  std::string allocation_fix_reference_;
  bool fixed_ = false;  // the one mistyped allocation was made
};

}  // namespace lumbung::demo::internal

#endif  // LUMBUNG_DEMO_SRC_AID_BOOK_H_
