#include "group_book.h"

#include <algorithm>
#include <climits>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::demo::internal {
namespace {

constexpr std::string_view kNames[] = {
    "Mawar",      "Melati",      "Anggrek",       "Kenanga",  "Cempaka",  "Dahlia",
    "Teratai",    "Flamboyan",   "Kamboja",       "Seruni",   "Tulip",    "Bougenville",
    "Asoka",      "Lili",        "Sedap Malam",   "Kemuning", "Soka",     "Matahari",
    "Nusa Indah", "Kaca Piring", "Wijaya Kusuma", "Bakung",   "Alamanda", "Gardenia"};
constexpr int kNameCount = sizeof kNames / sizeof kNames[0];

constexpr std::string_view kPurposes[] = {"modal warung sembako", "bahan baku kue basah",
                                          "gerobak bakso",        "mesin jahit",
                                          "bibit tanaman hias",   "stok pulsa dan token listrik",
                                          "peralatan laundry",    "bahan kerajinan anyaman",
                                          "kolam ternak lele",    "etalase kaca"};
constexpr int kPurposeCount = sizeof kPurposes / sizeof kPurposes[0];

constexpr int64_t kMaxLoan = 3'000'000;
constexpr int32_t kMaxInstallments = 25;
constexpr int32_t kWeek = 7;

std::string IdOf(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ' ') {
      out.push_back('-');
    } else {
      out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
    }
  }
  return out;
}

}  // namespace

GroupBook::GroupBook(const DemoOptions& options, const Calendar& calendar, const Kelurahan& area,
                     Sink& sink)
    : options_(options),
      calendar_(calendar),
      area_(area),
      sink_(sink),
      engine_(Key(options.seed, Salt::kEngine)),
      program_id_("kube-" + std::to_string(options.start_year)) {
  for (int g = 0; g < options.groups; ++g) Form(g);
}

void GroupBook::Form(int index) {
  Group g;
  const std::string name(kNames[index % kNameCount]);
  const int round = index / kNameCount;
  g.name = "KUBE " + name + (round > 0 ? " " + std::to_string(round + 1) : std::string());
  g.id = "kube-" + IdOf(name) + (round > 0 ? "-" + std::to_string(round + 1) : std::string());
  g.region = std::string(kVillageCode) + "." + Padded(index % kRwCount + 1, 2);
  g.weekday = index % 5;  // Monday to Friday
  const int size = 10 + static_cast<int>(Pick(Key(options_.seed, Salt::kGroupSize, index), 21));
  for (int i = 0; i < size; ++i) AddMember(g);
  // Seed capital of Rp 1.250.000 a member, rounded down to Rp 500.000.
  g.grant = int64_t{size} * 1'250'000 / 500'000 * 500'000;
  groups_.push_back(std::move(g));
}

// Members are drawn from the kelurahan's households in a fixed shuffled
// order, each at most once; once all are drawn (a tiny kelurahan), from
// households numbered past them, who get no aid. So member ids never repeat.
// About one member in twenty leaves at some day of the demo.
void GroupBook::AddMember(Group& g) {
  const int64_t position = next_position_++;
  std::string id = area_.Id(position < area_.count() ? area_.Permuted(position) : position);
  Member m;
  m.id = std::move(id);
  m.leaves = INT32_MAX;
  const int32_t first = calendar_.Day(0, 1);
  const int64_t span = calendar_.Day(calendar_.months(), 1) - first;
  if (Below(engine_, 20) == 0) m.leaves = first + static_cast<int32_t>(Below(engine_, span));
  g.members.push_back(std::move(m));
}

void GroupBook::PlanMonth(int m, std::vector<Step>* steps) const {
  if (groups_.empty()) return;
  if (m == 0) {
    steps->push_back({calendar_.Day(0, 2), 1, StepKind::kGroupSetup});
    steps->push_back({calendar_.Day(0, 5), 0, StepKind::kGrants});
  }
  const int weekdays = std::min<int>(5, static_cast<int>(groups_.size()));
  for (int d = m == 0 ? 6 : 1; d <= calendar_.DaysIn(m); ++d) {
    const int32_t day = calendar_.Day(m, d);
    if (Weekday(day) < weekdays) steps->push_back({day, 7, StepKind::kMeeting, Weekday(day)});
  }
}

std::string GroupBook::Describe(const Step& step) const {
  switch (step.kind) {
    case StepKind::kGroupSetup: return "KUBE groups formed";
    case StepKind::kGrants: return "KUBE seed capital granted";
    default: break;
  }
  static constexpr std::string_view kDays[] = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                               "Friday"};
  return "KUBE meetings (" + std::string(kDays[step.arg]) + ")";
}

bool GroupBook::Ready(const Step& step) const {
  if (step.kind != StepKind::kMeeting) return true;
  return std::all_of(groups_.begin(), groups_.end(), [&](const Group& g) {
    return g.weekday != step.arg || !g.fix || sink_.Seq(g.fix->target).has_value();
  });
}

bool GroupBook::Run(Step& step) {
  switch (step.kind) {
    case StepKind::kGroupSetup: return Setup(step);
    case StepKind::kGrants: Grants(); return true;
    case StepKind::kMeeting: Meeting(step.arg); return true;
    default: LUMBUNG_ASSERT(false && "not a group step"); return true;
  }
}

bool GroupBook::Setup(Step& step) {
  if (step.cursor == 0) {
    int64_t grants = 0;
    for (const Group& g : groups_) grants += g.grant;
    const std::string year = std::to_string(options_.start_year);
    sink_.Add(
        EventLine("ProgramOpened", "open-" + program_id_, sink_.day())
            .Str("program_id", program_id_)
            .Str("name", "Dana Bergulir KUBE " + year)
            .Str("kind", "ROTATING_CAPITAL")
            .Str("unit", "IDR")
            .Str("legal_basis", "SK Kepala Dinas Sosial tentang Dana Bergulir KUBE Tahun " + year)
            .Take());
    sink_.Add(EventLine("FundsAllocated", "alloc-" + program_id_, sink_.day())
                  .Str("program_id", program_id_)
                  .Str("funder", "apbd-dki")
                  .Int("amount", (grants + 9'999'999) / 10'000'000 * 10'000'000)
                  .Str("reference", "DPA SKPD 1.06.01 Dinas Sosial/" + year)
                  .Take());
  }
  while (step.cursor < static_cast<int64_t>(groups_.size()) &&
         sink_.size() < options_.batch_events_max) {
    const Group& g = groups_[static_cast<size_t>(step.cursor++)];
    sink_.Add(EventLine("GroupFormed", "form-" + g.id, sink_.day())
                  .Str("group_id", g.id)
                  .Str("name", g.name)
                  .Str("region_code", g.region)
                  .Int("max_loan", kMaxLoan)
                  .Int("max_installments", kMaxInstallments)
                  .Take());
    for (size_t i = 0; i < g.members.size(); ++i) {
      sink_.Add(EventLine("MemberJoined", "join-" + g.id + "-" + g.members[i].id, sink_.day())
                    .Str("group_id", g.id)
                    .Str("member_id", g.members[i].id)
                    .Str("role", i == 0   ? "CHAIR"
                                 : i == 1 ? "TREASURER"
                                          : "MEMBER")
                    .Take());
    }
  }
  return step.cursor >= static_cast<int64_t>(groups_.size());
}

void GroupBook::Grants() {
  for (Group& g : groups_) {
    sink_.Add(EventLine("CapitalGranted", "grant-" + g.id, sink_.day())
                  .Str("program_id", program_id_)
                  .Str("group_id", g.id)
                  .Int("amount", g.grant)
                  .Take());
    g.fund += g.grant;
    for (Member& m : g.members) m.ready = sink_.day();
  }
}

void GroupBook::Meeting(int weekday) {
  for (size_t i = 0; i < groups_.size(); ++i) {
    if (groups_[i].weekday == weekday) MeetingOf(i, groups_[i]);
  }
}

// A meeting, in the order the treasurer's book has it: last week's mistake
// put right, installments collected, arrears dealt with, recoveries, members
// leaving and joining, and new loans from what the fund holds.
void GroupBook::MeetingOf(size_t index, Group& g) {
  if (g.fix) Correct(g);
  for (auto it = g.loans.begin(); it != g.loans.end();) {
    it = Process(g, it->second) ? g.loans.erase(it) : std::next(it);
  }
  for (auto it = g.recoveries.begin(); it != g.recoveries.end();) {
    if (it->day > sink_.day()) {
      ++it;
      continue;
    }
    sink_.Add(EventLine("LoanRepaid", "rec-" + it->loan_id, sink_.day())
                  .Str("loan_id", it->loan_id)
                  .Int("amount", it->amount)
                  .Take());
    g.fund += it->amount;
    it = g.recoveries.erase(it);
  }
  Membership(g);
  Lend(index, g);
}

void GroupBook::Correct(Group& g) {
  const Fix& fix = *g.fix;
  Loan& loan = g.loans.at(fix.serial);
  const uint64_t seq = *sink_.Seq(fix.target);
  sink_.Add(EventLine("EventCorrected", "fix-" + fix.target, sink_.day())
                .Int("target_seq", static_cast<int64_t>(seq))
                .Str("reason", "angsuran salah ketik: kelebihan satu digit nol")
                .Object("replacement",
                        EventLine("LoanRepaid").Str("loan_id", loan.id).Int("amount", fix.right))
                .Take());
  // The ledger reverses the wrong repayment and applies the right one.
  loan.outstanding += fix.wrong - fix.right;
  loan.paid_on_schedule += fix.right - fix.wrong;
  g.fund += fix.right - fix.wrong;
  g.reserve -= fix.wrong;
  LUMBUNG_ASSERT(loan.outstanding > 0 && loan.paid_on_schedule >= 0 && g.reserve == 0);
  sink_.Forget(fix.target);
  g.fix.reset();
}

// One loan at a meeting. `week` counts meetings since the loan was issued
// (1 on its first due date); what is due is what the schedule in force
// expects by today less what was paid against it.
bool GroupBook::Process(Group& g, Loan& loan) {
  const int32_t today = sink_.day();
  const int week = (today - loan.issued) / kWeek;
  const int32_t reached = today < loan.first_due ? 0 : (today - loan.first_due) / kWeek + 1;
  const int32_t k = std::min(loan.installments, reached);
  const int64_t installment = loan.base / loan.installments;
  const int64_t expected = k == loan.installments ? loan.base : k * installment;
  const int64_t due = expected - loan.paid_on_schedule;
  int64_t pay = due;
  switch (loan.behaviour) {
    case Behaviour::kOnTime: break;
    case Behaviour::kLate: {
      // Misses a few weeks, then pays two installments a week until level.
      const bool gap = week >= loan.gap_start && week < loan.gap_start + loan.gap_weeks;
      pay = gap ? 0 : std::min(due, 2 * installment);
      break;
    }
    case Behaviour::kReschedule:
      if (!loan.rescheduled && week >= loan.gap_start) {
        if (week >= loan.gap_start + loan.gap_weeks) Reschedule(loan);
        pay = 0;
      }
      break;
    case Behaviour::kDefault:
      if (loan.repayments >= loan.stop_after) {
        if (week >= loan.last_paid_week + 8) {
          WriteOff(g, loan);
          return true;
        }
        pay = 0;
      }
      break;
  }
  if (pay <= 0) return false;
  Repay(g, loan, std::min(pay, loan.outstanding));
  if (loan.outstanding > 0) return false;
  Member& m = g.members[loan.member];
  m.serial = 0;
  m.ready = today + kWeek * static_cast<int32_t>(Between(engine_, 1, 3));
  return true;
}

void GroupBook::Repay(Group& g, Loan& loan, int64_t amount) {
  const std::string id = "rep-" + loan.id + "-" + Padded(loan.repayments + 1, 2);
  // The designated loan's treasurer types one zero too many, once, when
  // that still leaves something outstanding; it is corrected next week.
  int64_t recorded = amount;
  if (loan.mistype && loan.repayments >= 1 && amount * 10 < loan.outstanding) {
    recorded = amount * 10;
    loan.mistype = false;
    g.fix = Fix{id, loan.serial, recorded, amount};
    g.reserve += recorded;
  }
  std::string line = EventLine("LoanRepaid", id, sink_.day())
                         .Str("loan_id", loan.id)
                         .Int("amount", recorded)
                         .Take();
  if (recorded != amount) {
    sink_.AddWatched(std::move(line), id);
  } else {
    sink_.Add(std::move(line));
  }
  loan.outstanding -= recorded;
  loan.paid_on_schedule += recorded;
  g.fund += recorded;
  ++loan.repayments;
  loan.last_paid_week = (sink_.day() - loan.issued) / kWeek;
  LUMBUNG_ASSERT(loan.outstanding >= 0);
}

// What is outstanding is spread over the weeks it would still take, plus
// four, within the group's limit.
void GroupBook::Reschedule(Loan& loan) {
  const int64_t installment = std::max<int64_t>(1, loan.base / loan.installments);
  const int64_t weeks = (loan.outstanding + installment - 1) / installment + 4;
  const int32_t n =
      static_cast<int32_t>(std::min<int64_t>({kMaxInstallments, weeks, loan.outstanding}));
  const int32_t next_due = sink_.day() + kWeek;
  sink_.Add(EventLine("LoanRescheduled", "resch-" + loan.id, sink_.day())
                .Str("loan_id", loan.id)
                .Int("installments", n)
                .Int("period_days", kWeek)
                .Str("next_due_date", FormatDate(next_due))
                .Str("reason", "usaha sepi, jadwal diperpanjang (musyawarah kelompok)")
                .Take());
  loan.base = loan.outstanding;
  loan.paid_on_schedule = 0;
  loan.installments = n;
  loan.first_due = next_due;
  loan.rescheduled = true;
  loan.behaviour = Behaviour::kOnTime;
}

void GroupBook::WriteOff(Group& g, Loan& loan) {
  sink_.Add(EventLine("LoanWrittenOff", "wo-" + loan.id, sink_.day())
                .Str("loan_id", loan.id)
                .Str("reason", "anggota pindah tanpa kabar; tunggakan lebih dari 8 minggu")
                .Take());
  if (loan.recover) {
    // Family members pay back about half some weeks later.
    const int64_t half = loan.outstanding / 2 / 50'000 * 50'000;
    const int64_t amount = std::clamp<int64_t>(half, 1, loan.outstanding);
    const int32_t day = sink_.day() + kWeek * static_cast<int32_t>(Between(engine_, 6, 10));
    g.recoveries.push_back(Recovery{loan.id, amount, day});
  }
  Member& m = g.members[loan.member];
  m.serial = 0;
  m.blocked = true;
  loan.outstanding = 0;
}

// Members due to leave go once their loan is settled; each is replaced by
// a new member from the kelurahan, who may borrow after two weeks.
void GroupBook::Membership(Group& g) {
  const size_t count = g.members.size();
  for (size_t i = 0; i < count; ++i) {
    Member& m = g.members[i];
    if (!m.active || m.leaves > sink_.day() || m.serial != 0) continue;
    m.active = false;
    sink_.Add(EventLine("MemberLeft", "left-" + g.id + "-" + m.id, sink_.day())
                  .Str("group_id", g.id)
                  .Str("member_id", m.id)
                  .Take());
    AddMember(g);
    Member& joined = g.members.back();
    joined.ready = sink_.day() + 2 * kWeek;
    joined.leaves = INT32_MAX;  // newcomers stay for the rest of the demo
    sink_.Add(EventLine("MemberJoined", "join-" + g.id + "-" + joined.id, sink_.day())
                  .Str("group_id", g.id)
                  .Str("member_id", joined.id)
                  .Str("role", "MEMBER")
                  .Take());
  }
}

// Groups lend over 10, 12, 15, 20 or 25 weeks, choosing a term whose weekly
// installment is whole thousands of rupiah (10 and 25 always are, since
// principals are multiples of Rp 250.000).
int32_t GroupBook::Installments(int64_t principal) {
  static constexpr int32_t kTerms[] = {10, 12, 15, 20, 25};
  for (;;) {
    const int32_t n = kTerms[Below(engine_, sizeof kTerms / sizeof kTerms[0])];
    if (principal % (int64_t{n} * 1000) == 0) return n;
  }
}

// Members without a loan ask for one (two in three at any meeting); the
// group lends while its fund, less what a correction will take back,
// covers the amount.
void GroupBook::Lend(size_t index, Group& g) {
  for (size_t i = 0; i < g.members.size(); ++i) {
    const Member& m = g.members[i];
    if (!m.active || m.blocked || m.serial != 0 || m.ready > sink_.day()) continue;
    if (m.leaves <= sink_.day() || Below(engine_, 3) == 0) continue;
    const int64_t principal = 500'000 + 250'000 * static_cast<int64_t>(Below(engine_, 11));
    const int32_t installments = Installments(principal);
    if (g.fund - g.reserve < principal) continue;
    Issue(index, g, i, principal, installments);
  }
}

void GroupBook::Issue(size_t index, Group& g, size_t member, int64_t principal,
                      int32_t installments) {
  Loan loan;
  const int serial = ++g.serials;
  loan.id = g.id + "-" + Padded(serial, 4);
  loan.serial = serial;
  loan.member = member;
  loan.outstanding = principal;
  loan.base = principal;
  loan.installments = installments;
  loan.issued = sink_.day();
  loan.first_due = sink_.day() + kWeek;
  // The scenarios every demo shows (see the header), then chance: 88% on
  // time, 8% late but catching up, 3% rescheduled, 1% written off.
  const uint64_t roll = Below(engine_, 100);
  loan.behaviour = roll < 88   ? Behaviour::kOnTime
                   : roll < 96 ? Behaviour::kLate
                   : roll < 99 ? Behaviour::kReschedule
                               : Behaviour::kDefault;
  loan.recover = Below(engine_, 3) == 0;
  const size_t mistyped = groups_.size() > 1 ? 1 : 0;
  if (index == 0 && serial == 1) {
    loan.behaviour = Behaviour::kDefault;
    loan.recover = true;
  }
  if (index == 0 && serial == 2) loan.behaviour = Behaviour::kReschedule;
  if (index == 0 && serial == 3) loan.behaviour = Behaviour::kLate;
  if (index == mistyped && serial == (mistyped == 0 ? 4 : 1)) {
    loan.behaviour = Behaviour::kOnTime;
    loan.mistype = true;
  }
  loan.gap_start = static_cast<int>(Between(engine_, 2, 5));
  loan.gap_weeks = static_cast<int>(loan.behaviour == Behaviour::kLate ? Between(engine_, 2, 4)
                                                                       : Between(engine_, 4, 6));
  loan.stop_after = static_cast<int>(Between(engine_, 2, 4));
  sink_.Add(EventLine("LoanIssued", "loan-" + loan.id, sink_.day())
                .Str("loan_id", loan.id)
                .Str("group_id", g.id)
                .Str("member_id", g.members[member].id)
                .Int("principal", principal)
                .Int("installments", installments)
                .Int("period_days", kWeek)
                .Str("first_due_date", FormatDate(loan.first_due))
                .Str("purpose", kPurposes[Below(engine_, kPurposeCount)])
                .Take());
  g.fund -= principal;
  g.members[member].serial = serial;
  g.loans.emplace(serial, std::move(loan));
}

}  // namespace lumbung::demo::internal
