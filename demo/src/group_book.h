// The rotating-capital programme and its KUBE groups: groups formed with
// 10-30 members, seed capital granted, then weekly meetings at which members
// repay their zero-interest loans, borrow again as the fund revolves, fall
// behind and catch up or are rescheduled, default and are written off (and
// once in a while pay something back later), leave and are replaced.
//
// Validity is kept by tracking what the rules check: the group's fund (a
// loan is issued only when the fund, less what a pending correction will
// take back, covers it), each loan's outstanding and schedule (a repayment
// never exceeds the outstanding), one open loan per member, no member
// leaving with an open loan, the group's limits (Rp 3.000.000, 25
// installments) and due dates never before the meeting.
//
// Guaranteed in every demo with groups (so tests and readers always find
// them): the first group's first loan defaults, is written off and is
// partly recovered; its second is rescheduled; its third is paid late and
// caught up; and the second group's first loan has a mistyped repayment
// corrected at the next meeting.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_DEMO_SRC_GROUP_BOOK_H_
#define LUMBUNG_DEMO_SRC_GROUP_BOOK_H_

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "kelurahan.h"
#include "support.h"

namespace lumbung::demo::internal {

class GroupBook {
 public:
  GroupBook(const DemoOptions& options, const Calendar& calendar, const Kelurahan& area,
            Sink& sink);

  void PlanMonth(int m, std::vector<Step>* steps) const;
  std::string Describe(const Step& step) const;
  bool Ready(const Step& step) const;
  bool Run(Step& step);  // true when the step is finished

 private:
  enum class Behaviour : uint8_t { kOnTime, kLate, kReschedule, kDefault };
  struct Loan {
    std::string id;  // "kube-mawar-0012"
    int serial = 0;
    size_t member = 0;
    int64_t outstanding = 0;
    // The schedule in force: base split into n weekly installments from
    // first_due, as the ledger splits it (remainder on the last).
    int64_t base = 0;
    int64_t paid_on_schedule = 0;
    int32_t installments = 0;
    int32_t first_due = 0;
    int32_t issued = 0;
    Behaviour behaviour = Behaviour::kOnTime;
    int gap_start = 0;  // week (since issue) from which payments stop
    int gap_weeks = 0;
    int stop_after = 0;  // defaulters: repayments made before they stop
    bool recover = false;
    bool mistype = false;
    bool rescheduled = false;
    int repayments = 0;
    int last_paid_week = 0;
  };
  struct Member {
    std::string id;
    bool active = true;
    bool blocked = false;  // defaulted: no new loan
    int serial = 0;        // open loan's serial, 0 when none
    int32_t ready = 0;     // first meeting day at which the member may borrow
    int32_t leaves = 0;    // day from which the member leaves (INT32_MAX: stays)
  };
  struct Fix {  // a mistyped repayment waiting for its correction
    std::string target;
    int serial = 0;
    int64_t wrong = 0;
    int64_t right = 0;
  };
  struct Recovery {
    std::string loan_id;
    int64_t amount = 0;
    int32_t day = 0;
  };
  struct Group {
    std::string id;
    std::string name;
    std::string region;
    int weekday = 0;
    int64_t grant = 0;
    int64_t fund = 0;     // group:<id>, tracked exactly
    int64_t reserve = 0;  // part of the fund a pending correction will take back
    std::vector<Member> members;
    std::map<int, Loan> loans;  // open loans by serial
    int serials = 0;
    std::optional<Fix> fix;
    std::vector<Recovery> recoveries;
  };

  void Form(int index);
  void AddMember(Group& g);
  bool Setup(Step& step);
  void Grants();
  void Meeting(int weekday);
  void MeetingOf(size_t index, Group& g);
  void Correct(Group& g);
  bool Process(Group& g, Loan& loan);  // true when the loan closed
  void Repay(Group& g, Loan& loan, int64_t amount);
  void Reschedule(Loan& loan);
  void WriteOff(Group& g, Loan& loan);
  void Membership(Group& g);
  int32_t Installments(int64_t principal);
  void Lend(size_t index, Group& g);
  void Issue(size_t index, Group& g, size_t member, int64_t principal, int32_t installments);

  const DemoOptions& options_;
  const Calendar& calendar_;
  const Kelurahan& area_;
  Sink& sink_;
  std::mt19937_64 engine_;
  std::string program_id_;
  std::vector<Group> groups_;
  int64_t next_position_ = 0;  // next household, in Kelurahan::Permuted order
};

}  // namespace lumbung::demo::internal

#endif  // LUMBUNG_DEMO_SRC_GROUP_BOOK_H_
