#include "aid_book.h"

#include <algorithm>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::demo::internal {
namespace {

struct Spec {
  std::string_view base;  // programme id without the year
  std::string_view tag;   // event id prefix
  std::string_view name;
  std::string_view kind;
  std::string_view unit;
  std::string_view funder;  // one unit per funder: packages have their own
  int64_t entitlement;
  std::string_view legal_basis;  // the year is appended
  std::string_view source;       // of enrolments from the yearly list
  int pay_day;                   // day of the month of the cycle list
  int64_t allocation_step;       // allocations are rounded up to this
};

constexpr Spec kSpecs[kAidCount] = {
    {"blt-dd", "blt", "BLT Dana Desa", "CASH_TRANSFER", "IDR", "kemenkeu-dana-desa", 300'000,
     "Keputusan Lurah tentang Penetapan KPM BLT Dana Desa Tahun ", "MUSDES", 10, 10'000'000},
    {"pkh", "pkh", "Program Keluarga Harapan", "CONDITIONAL_CASH", "IDR", "kemensos-pkh", 3'000'000,
     "SK Direktur Jaminan Sosial Keluarga tentang Penetapan KPM PKH Tahun ", "DTSEN", 20,
     10'000'000},
    {"bpnt", "bpnt", "Bantuan Pangan Sembako", "FOOD", "PKG_SEMBAKO", "kemensos-sembako-pkg", 1,
     "SK Dirjen Penanganan Fakir Miskin tentang Penyaluran Bantuan Pangan Tahun ", "DTSEN", 15,
     100},
    {"ukm", "ukm", "Bantuan Modal Usaha Mikro", "MICRO_GRANT", "IDR", "apbd-dki", 2'500'000,
     "SK Lurah Duren Sawit tentang Penerima Bantuan Modal Usaha Mikro Tahun ", "PROPOSAL", 20,
     10'000'000},
};

const Spec& SpecOf(Aid aid) {
  return kSpecs[static_cast<int>(aid)];
}

constexpr int64_t kBltAmount = 300'000;

int64_t RoundUp(int64_t amount, int64_t step) {
  LUMBUNG_ASSERT(amount > 0 && step > 0);
  return (amount + step - 1) / step * step;
}

std::string Upper(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  return out;
}

}  // namespace

AidBook::AidBook(const DemoOptions& options, const Calendar& calendar, const Kelurahan& area,
                 Sink& sink)
    : options_(options), calendar_(calendar), area_(area), sink_(sink) {}

void AidBook::StartYear(int m) {
  // Everything pending finishes inside its fiscal year (the last second
  // payment falls in December), so nothing refers to last year's cycles.
  LUMBUNG_ASSERT(corrections_.empty() && returns_.empty() && retries_.empty());
  const int y = calendar_.Year(m);
  const int last = std::min(calendar_.months() - 1, m + (12 - calendar_.MonthOfYear(m)));
  for (int a = 0; a < kAidCount; ++a) {
    years_[a] = Year{std::string(kSpecs[a].base) + "-" + std::to_string(y), y, m, last, 0, false};
  }
  quarters_.clear();
  monthly_plans_.clear();
  for (Aid aid : {Aid::kPkh, Aid::kUkm}) {
    const int first_q = aid == Aid::kPkh ? 0 : 1;  // grants go out in Q2 and Q3
    const int last_q = aid == Aid::kPkh ? 3 : 2;
    for (int q = first_q; q <= last_q; ++q) {
      const int first_month = calendar_.IndexOf(y, 3 * q + 1);
      Quarter c;
      c.aid = aid;
      c.quarter = q;
      c.cycle = std::to_string(y) + "-Q" + std::to_string(q + 1);
      c.tag = std::to_string(y) + "-q" + std::to_string(q + 1);
      c.pay_m = first_month + 1;  // paid in the quarter's second month
      c.open_m = std::max(first_month, m);
      c.close_m = first_month + 2;
      if (c.pay_m >= m && c.pay_m <= last) quarters_.push_back(std::move(c));
    }
  }
  PlanQuarters();
}

bool AidBook::Eligible(Aid aid, int64_t h, int m) const {
  const Year& y = year(aid);
  if (m < y.first_m || m > y.last_m || area_.ExitMonth(h) <= m) return false;
  const int c = area_.Class(h);
  switch (aid) {
    case Aid::kPkh: return c < 100;
    case Aid::kBpnt: return c < 250 || (c < 265 && area_.LateMonth(h) <= m);
    case Aid::kBlt:
      return (c >= 265 && c < 385) || (c >= 385 && c < 400 && area_.LateMonth(h) <= m);
    case Aid::kUkm: {
      if (!area_.MicroGrant(h)) return false;
      const Quarter* round = MicroGrantRound(area_.MicroGrantRound(h));
      return round != nullptr && round->open_m <= m;
    }
  }
  return false;
}

bool AidBook::Payable(const Quarter& q, int64_t h, int m) const {
  if (!Eligible(q.aid, h, m)) return false;
  return q.aid != Aid::kUkm || area_.MicroGrantRound(h) == q.quarter - 1;
}

const AidBook::Quarter* AidBook::MicroGrantRound(int round) const {
  for (const Quarter& q : quarters_) {
    if (q.aid == Aid::kUkm && q.quarter == round + 1) return &q;
  }
  return nullptr;
}

int64_t AidBook::Amount(Aid aid, int64_t h) const {
  switch (aid) {
    case Aid::kBlt: return kBltAmount;
    case Aid::kPkh: return area_.PkhAmount(h);
    case Aid::kBpnt: return 1;
    case Aid::kUkm: return area_.MicroGrantAmount(h);
  }
  return 0;
}

void AidBook::PlanQuarters() {
  for (Quarter& q : quarters_) {
    for (int64_t h = 0; h < area_.count(); ++h) {
      if (!Payable(q, h, q.open_m)) continue;
      ++q.planned_count;
      q.planned_amount += Amount(q.aid, h);
    }
    // One guaranteed correction (PKH) and return per cycle, in the first
    // half of the list so that exits before payday cannot skip them.
    const int64_t half = std::max<int64_t>(1, q.planned_count / 2);
    const uint64_t which = QuarterKey(q);
    q.correct_at =
        q.aid == Aid::kPkh ? Pick(Key(area_.seed(), Salt::kPosition, which, 1), half) : -1;
    q.return_at = q.correct_at + 1 + Pick(Key(area_.seed(), Salt::kPosition, which, 2), half);
  }
}

void AidBook::PlanMonthly(int first_m, int last_m) {
  std::vector<int> months;
  for (int m = first_m; m <= last_m; ++m) {
    if (!monthly_plans_.contains({static_cast<int>(Aid::kBlt), m})) months.push_back(m);
  }
  if (months.empty()) return;
  std::vector<Plan> blt(months.size()), bpnt(months.size());
  for (int64_t h = 0; h < area_.count(); ++h) {
    for (size_t i = 0; i < months.size(); ++i) {
      if (Eligible(Aid::kBlt, h, months[i])) ++blt[i].count;
      if (Eligible(Aid::kBpnt, h, months[i])) ++bpnt[i].count;
    }
  }
  for (size_t i = 0; i < months.size(); ++i) {
    blt[i].amount = blt[i].count * kBltAmount;
    bpnt[i].amount = bpnt[i].count;
    monthly_plans_[{static_cast<int>(Aid::kBlt), months[i]}] = blt[i];
    monthly_plans_[{static_cast<int>(Aid::kBpnt), months[i]}] = bpnt[i];
  }
}

void AidBook::PlanMonth(int m, std::vector<Step>* steps) const {
  const auto day = [&](int d) { return calendar_.Day(m, d); };
  if (m == years_[0].first_m) steps->push_back({day(2), 0, StepKind::kProgrammes});
  steps->push_back({day(2), 2, StepKind::kEnrolment});
  steps->push_back({day(2), 3, StepKind::kBudget});
  if (m == 0) steps->push_back({day(3), 0, StepKind::kAllocationFix});
  steps->push_back({day(5), 1, StepKind::kReturns});  // late returns of closed cycles
  steps->push_back({day(8), 1, StepKind::kRetries});
  for (Aid aid : {Aid::kBlt, Aid::kBpnt}) {
    steps->push_back({day(SpecOf(aid).pay_day), 1, StepKind::kPayMonthly, static_cast<int>(aid)});
  }
  for (size_t i = 0; i < quarters_.size(); ++i) {
    if (quarters_[i].pay_m != m) continue;
    const int order = 1 + static_cast<int>(quarters_[i].aid);
    steps->push_back({day(20), order, StepKind::kPayQuarter, static_cast<int>(i)});
  }
  steps->push_back({day(24), 1, StepKind::kCorrections});
  steps->push_back({day(27), 1, StepKind::kReturns});
  steps->push_back({day(28), 8, StepKind::kClosings});
  if (calendar_.MonthOfYear(m) == 12) {
    steps->push_back({day(calendar_.DaysIn(m)), 9, StepKind::kYearEnd});
  }
}

std::string AidBook::Describe(const Step& step) const {
  switch (step.kind) {
    case StepKind::kProgrammes: return "programmes of " + std::to_string(years_[0].year);
    case StepKind::kEnrolment: return "enrolments and exits";
    case StepKind::kBudget: return "allocations and cycles opened";
    case StepKind::kAllocationFix: return "allocation corrected";
    case StepKind::kPayMonthly: {
      const Aid aid = static_cast<Aid>(step.arg);
      return std::string(SpecOf(aid).name) + " list " + year(aid).id;
    }
    case StepKind::kPayQuarter: {
      const Quarter& q = quarters_[static_cast<size_t>(step.arg)];
      return std::string(SpecOf(q.aid).name) + " list " + q.cycle;
    }
    case StepKind::kCorrections: return "disbursements corrected";
    case StepKind::kReturns: return "transfers returned by the banks";
    case StepKind::kRetries: return "returned transfers paid again";
    case StepKind::kClosings: return "cycles closed";
    case StepKind::kYearEnd: return "unspent funds returned";
    default: return "aid";
  }
}

bool AidBook::Ready(const Step& step) const {
  const auto known = [&](const std::vector<Pending>& list) {
    return std::all_of(list.begin(), list.end(), [&](const Pending& p) {
      return p.day != step.day || sink_.Seq(p.target).has_value();
    });
  };
  switch (step.kind) {
    case StepKind::kAllocationFix:
      return !allocation_fix_ || sink_.Seq(allocation_fix_->target).has_value();
    case StepKind::kCorrections: return known(corrections_);
    case StepKind::kReturns: return known(returns_);
    default: return true;
  }
}

bool AidBook::Run(int m, Step& step) {
  switch (step.kind) {
    case StepKind::kProgrammes: Programmes(); return true;
    case StepKind::kEnrolment: return Enrolment(m, step);
    case StepKind::kBudget: Budget(m); return true;
    case StepKind::kAllocationFix: AllocationFix(); return true;
    case StepKind::kPayMonthly: return PayMonthly(m, step);
    case StepKind::kPayQuarter: return PayQuarter(step);
    case StepKind::kCorrections: Corrections(); return true;
    case StepKind::kReturns: Returns(); return true;
    case StepKind::kRetries: Retries(); return true;
    case StepKind::kClosings: Closings(m); return true;
    case StepKind::kYearEnd: YearEnd(m); return true;
    default: LUMBUNG_ASSERT(false && "not an aid step"); return true;
  }
}

void AidBook::Programmes() {
  for (int a = 0; a < kAidCount; ++a) {
    const Spec& s = kSpecs[a];
    const std::string year_text = std::to_string(years_[a].year);
    sink_.Add(EventLine("ProgramOpened", "open-" + years_[a].id, sink_.day())
                  .Str("program_id", years_[a].id)
                  .Str("name", std::string(s.name) + " " + year_text)
                  .Str("kind", s.kind)
                  .Str("unit", s.unit)
                  .Int("entitlement_per_cycle", s.entitlement)
                  .Str("legal_basis", std::string(s.legal_basis) + year_text)
                  .Take());
  }
}

bool AidBook::Enrolment(int m, Step& step) {
  while (step.cursor < area_.count() && sink_.size() < options_.batch_events_max) {
    EnrolmentOf(step.cursor++, m);
  }
  return step.cursor >= area_.count();
}

// A household's changes this month: newly eligible -> enrolled; no longer
// eligible (it exited) -> exited. At a year's first month every eligible
// household is enrolled in the new year's programmes.
void AidBook::EnrolmentOf(int64_t h, int m) {
  for (int a = 0; a < kAidCount; ++a) {
    const Aid aid = static_cast<Aid>(a);
    const bool before = m > years_[a].first_m && Eligible(aid, h, m - 1);
    const bool now = Eligible(aid, h, m);
    if (before == now) continue;
    std::string beneficiary = area_.Id(h);
    if (now) {
      const bool appeal = aid == Aid::kBpnt && area_.Class(h) >= 250;
      sink_.Add(
          EventLine("BeneficiaryEnrolled", "enr-" + years_[a].id + "-" + beneficiary, sink_.day())
              .Str("program_id", years_[a].id)
              .Str("beneficiary_id", beneficiary)
              .Str("region_code", area_.Region(h))
              .Str("household_id", beneficiary)
              .Str("source", appeal ? "APPEAL" : kSpecs[a].source)
              .Take());
    } else {
      sink_.Add(
          EventLine("BeneficiaryExited", "exit-" + years_[a].id + "-" + beneficiary, sink_.day())
              .Str("program_id", years_[a].id)
              .Str("beneficiary_id", beneficiary)
              .Str("reason", area_.ExitDeceased(h) ? "DECEASED" : "MOVED")
              .Take());
    }
  }
}

void AidBook::Budget(int m) {
  const int y = years_[0].year;
  for (int q = 0; q < 4; ++q) {
    // Each quarter's money arrives at its start (or the demo's): exactly
    // what its cycles plan, rounded up as budget documents are.
    const int first = std::max(calendar_.IndexOf(y, 3 * q + 1), years_[0].first_m);
    const int last = std::min(calendar_.IndexOf(y, 3 * q + 3), years_[0].last_m);
    if (first != m || first > last) continue;
    PlanMonthly(first, last);
    for (Aid aid : {Aid::kBlt, Aid::kBpnt}) {
      int64_t total = 0;
      for (int mm = first; mm <= last; ++mm) {
        total += monthly_plans_.at({static_cast<int>(aid), mm}).amount;
      }
      if (total > 0) Allocate(aid, q, RoundUp(total, SpecOf(aid).allocation_step));
    }
    for (const Quarter& c : quarters_) {
      if (c.aid == Aid::kPkh && c.quarter == q && c.planned_amount > 0) {
        Allocate(Aid::kPkh, q, RoundUp(c.planned_amount, SpecOf(Aid::kPkh).allocation_step));
      }
    }
  }
  if (m == years_[0].first_m) {
    int64_t grants = 0;
    for (const Quarter& c : quarters_) grants += c.aid == Aid::kUkm ? c.planned_amount : 0;
    if (grants > 0) Allocate(Aid::kUkm, -1, RoundUp(grants, SpecOf(Aid::kUkm).allocation_step));
  }
  OpenCycles(m);
}

void AidBook::Allocate(Aid aid, int quarter, int64_t amount) {
  const Spec& s = SpecOf(aid);
  Year& y = year(aid);
  const std::string year_text = std::to_string(y.year);
  const std::string part = quarter < 0 ? std::string() : "-q" + std::to_string(quarter + 1);
  const std::string id = "alloc-" + y.id + part;
  std::string reference;
  switch (aid) {
    case Aid::kBlt: reference = "SP2D No. " + Padded(quarter + 1, 4) + "/LS/BLT-DD/"; break;
    case Aid::kPkh: reference = "DIPA-027.04.1.690475/" + year_text + " tahap "; break;
    case Aid::kBpnt: reference = "BAST No. " + Padded(quarter + 1, 3) + "/BAST-SEMBAKO/"; break;
    case Aid::kUkm: reference = "DPA SKPD 3.31.01 Dinas PPKUKM/"; break;
  }
  reference += aid == Aid::kPkh ? std::to_string(quarter + 1) : year_text;
  // The office's first PKH allocation is mistyped (two digits swapped, or
  // half the amount) and corrected the next day, before any payment.
  int64_t recorded = amount;
  const bool mistype = aid == Aid::kPkh && y.first_m == 0 && !allocation_fix_ && !fixed_;
  if (mistype) recorded = amount >= 100'000'000 ? amount - 90'000'000 : amount / 2;
  std::string line = EventLine("FundsAllocated", id, sink_.day())
                         .Str("program_id", y.id)
                         .Str("funder", s.funder)
                         .Int("amount", recorded)
                         .Str("reference", reference)
                         .Take();
  y.balance += recorded;
  if (!mistype) {
    sink_.Add(std::move(line));
    return;
  }
  sink_.AddWatched(std::move(line), id);
  fixed_ = true;
  allocation_fix_ = Pending{id, aid, -1, amount, recorded, 0, sink_.day() + 1, false, kNever};
  allocation_fix_reference_ = reference;
}

void AidBook::OpenCycles(int m) {
  const auto open = [&](Aid aid, const std::string& cycle, const std::string& tag,
                        const Plan& plan) {
    if (plan.count == 0) return false;
    const Year& y = year(aid);
    sink_.Add(
        EventLine("CycleOpened", "open-" + std::string(SpecOf(aid).tag) + "-" + tag, sink_.day())
            .Str("program_id", y.id)
            .Str("cycle", cycle)
            .Int("planned_count", plan.count)
            .Int("planned_amount", plan.amount)
            .Take());
    return true;
  };
  const std::string month = calendar_.MonthCycle(m);
  for (Aid aid : {Aid::kBlt, Aid::kBpnt}) {
    year(aid).opened = open(aid, month, month, monthly_plans_.at({static_cast<int>(aid), m}));
  }
  for (Quarter& q : quarters_) {
    if (q.open_m == m) q.opened = open(q.aid, q.cycle, q.tag, {q.planned_count, q.planned_amount});
  }
}

void AidBook::AllocationFix() {
  if (!allocation_fix_) return;
  const Pending& fix = *allocation_fix_;
  Year& y = year(fix.aid);
  const uint64_t seq = *sink_.Seq(fix.target);
  sink_.Add(EventLine("EventCorrected", "fix-" + fix.target, sink_.day())
                .Int("target_seq", static_cast<int64_t>(seq))
                .Str("reason", "alokasi salah ketik: nominal tidak sesuai DIPA")
                .Object("replacement", EventLine("FundsAllocated")
                                           .Str("program_id", y.id)
                                           .Str("funder", SpecOf(fix.aid).funder)
                                           .Int("amount", fix.amount)
                                           .Str("reference", allocation_fix_reference_))
                .Take());
  y.balance += fix.amount - fix.wrong;
  sink_.Forget(fix.target);
  allocation_fix_.reset();
}

bool AidBook::PayMonthly(int m, Step& step) {
  const Aid aid = static_cast<Aid>(step.arg);
  Year& y = year(aid);
  if (!y.opened) return true;
  const Spec& s = SpecOf(aid);
  const std::string cycle = calendar_.MonthCycle(m);
  const std::string prefix = std::string(s.tag) + "-" + cycle + "-";
  const std::string_view channel = aid == Aid::kBlt ? "CASH" : "IN_KIND";
  std::string beneficiary;
  while (step.cursor < area_.count() && sink_.size() < options_.batch_events_max) {
    const int64_t h = step.cursor++;
    if (!Eligible(aid, h, m)) continue;
    beneficiary.clear();
    area_.AppendId(&beneficiary, h);
    const int64_t amount = Amount(aid, h);
    sink_.Add(EventLine("AidDisbursed", prefix + beneficiary, sink_.day())
                  .Str("program_id", y.id)
                  .Str("beneficiary_id", beneficiary)
                  .Str("cycle", cycle)
                  .Int("amount", amount)
                  .Str("channel", channel)
                  .Str("batch_id", std::string(s.tag) + "-" + cycle)
                  .Take());
    y.balance -= amount;
  }
  return step.cursor >= area_.count();
}

bool AidBook::PayQuarter(Step& step) {
  const size_t index = static_cast<size_t>(step.arg);
  Quarter& q = quarters_[index];
  if (!q.opened) return true;
  while (step.cursor < area_.count() && sink_.size() < options_.batch_events_max) {
    const int64_t h = step.cursor++;
    if (Payable(q, h, q.pay_m)) PayOne(q, index, h, step.ordinal++);
  }
  return step.cursor >= area_.count();
}

std::string AidBook::Disbursement(const Quarter& q, int64_t h, int64_t amount,
                                  std::string_view channel, std::string_view event_id,
                                  std::string_view provider_ref, std::string_view batch_id) const {
  EventLine line = event_id.empty() ? EventLine("AidDisbursed")
                                    : EventLine("AidDisbursed", event_id, sink_.day());
  return line.Str("program_id", year(q.aid).id)
      .Str("beneficiary_id", area_.Id(h))
      .Str("cycle", q.cycle)
      .Int("amount", amount)
      .Str("channel", channel)
      .Str("batch_id", batch_id)
      .Str("provider_ref", provider_ref)
      .Take();
}

std::string AidBook::ProviderRef(const Quarter& q, int64_t h) const {
  return std::string(area_.Bank(h)) + "/" + Upper(SpecOf(q.aid).tag) + "/" + q.cycle + "/" +
         area_.Id(h);
}

std::string AidBook::BatchId(const Quarter& q) const {
  return std::string(SpecOf(q.aid).tag) + "-" + q.tag;
}

// One transfer of a quarterly list. About 1 in 2,000 PKH amounts is typed a
// tenth of what it should be (corrected four days later) and about 1 in 200
// transfers comes back from the bank; each list has at least one of each.
void AidBook::PayOne(Quarter& q, size_t index, int64_t h, int64_t ordinal) {
  const uint64_t key = QuarterKey(q);
  const uint64_t seed = area_.seed();
  const bool correct = q.aid == Aid::kPkh && (ordinal == q.correct_at ||
                                              Pick(Key(seed, Salt::kCorrect, h, key), 2000) == 0);
  const bool returned =
      !correct && (ordinal == q.return_at || Pick(Key(seed, Salt::kReturn, h, key), 200) == 0);
  const int64_t amount = Amount(q.aid, h);
  const int64_t recorded = correct ? amount / 10 : amount;
  const std::string id = std::string(SpecOf(q.aid).tag) + "-" + q.tag + "-" + area_.Id(h);
  std::string line = Disbursement(q, h, recorded, "BANK", id, ProviderRef(q, h), BatchId(q));
  Year& y = year(q.aid);
  y.balance -= recorded;
  if (!correct && !returned) {
    sink_.Add(std::move(line));
    return;
  }
  sink_.AddWatched(std::move(line), id);
  if (correct) {
    corrections_.push_back(
        Pending{id, q.aid, h, amount, recorded, index, calendar_.Day(q.pay_m, 24), false, kNever});
    return;
  }
  // Third-quarter grants come back after their cycle closed: the money
  // stays with the programme. Other returns are paid again before closing.
  const bool late = q.aid == Aid::kUkm && q.quarter == 2 && q.close_m + 1 <= y.last_m;
  const int32_t day = late ? calendar_.Day(q.close_m + 1, 5) : calendar_.Day(q.pay_m, 27);
  const int retry_m = !late && q.close_m <= y.last_m ? q.close_m : kNever;
  // The guaranteed returns alternate their reason from quarter to quarter.
  const bool not_found = ordinal == q.return_at
                             ? q.quarter % 2 == 1
                             : Pick(Key(seed, Salt::kReturnReason, h, key), 2) == 0;
  returns_.push_back(Pending{id, q.aid, h, amount, amount, index, day, not_found, retry_m});
}

void AidBook::Corrections() {
  for (auto it = corrections_.begin(); it != corrections_.end();) {
    if (it->day != sink_.day()) {
      ++it;
      continue;
    }
    const Quarter& q = quarters_[it->quarter];
    const uint64_t seq = *sink_.Seq(it->target);
    sink_.Add(EventLine("EventCorrected", "fix-" + it->target, sink_.day())
                  .Int("target_seq", static_cast<int64_t>(seq))
                  .Str("reason", "nominal salah ketik: satu digit nol terlewat")
                  .Object("replacement", EventLine("AidDisbursed")
                                             .Str("program_id", year(q.aid).id)
                                             .Str("beneficiary_id", area_.Id(it->household))
                                             .Str("cycle", q.cycle)
                                             .Int("amount", it->amount)
                                             .Str("channel", "BANK")
                                             .Str("batch_id", BatchId(q))
                                             .Str("provider_ref", ProviderRef(q, it->household)))
                  .Take());
    year(q.aid).balance += it->wrong - it->amount;
    sink_.Forget(it->target);
    it = corrections_.erase(it);
  }
}

void AidBook::Returns() {
  for (auto it = returns_.begin(); it != returns_.end();) {
    if (it->day != sink_.day()) {
      ++it;
      continue;
    }
    const uint64_t seq = *sink_.Seq(it->target);
    sink_.Add(EventLine("DisbursementReturned", "ret-" + it->target, sink_.day())
                  .Int("disbursed_seq", static_cast<int64_t>(seq))
                  .Str("reason", it->account_not_found ? "ACCOUNT_NOT_FOUND" : "BANK_REJECT")
                  .Take());
    year(it->aid).balance += it->amount;
    sink_.Forget(it->target);
    if (it->retry_m != kNever) {
      Pending retry = *it;
      retry.day = calendar_.Day(it->retry_m, 8);
      retries_.push_back(std::move(retry));
    }
    it = returns_.erase(it);
  }
}

// A transfer rejected by the bank is sent again; one to an account that
// does not exist is paid in cash through the post office instead.
void AidBook::Retries() {
  for (auto it = retries_.begin(); it != retries_.end();) {
    if (it->day != sink_.day()) {
      ++it;
      continue;
    }
    const Quarter& q = quarters_[it->quarter];
    if (Eligible(q.aid, it->household, it->retry_m)) {
      const std::string ref = it->account_not_found
                                  ? "POS/" + q.cycle + "/" + area_.Id(it->household)
                                  : ProviderRef(q, it->household) + "/ULANG";
      sink_.Add(Disbursement(q, it->household, it->amount, it->account_not_found ? "POST" : "BANK",
                             it->target + "-r1", ref, BatchId(q) + "-ulang"));
      year(q.aid).balance -= it->amount;
    }
    it = retries_.erase(it);
  }
}

void AidBook::Closings(int m) {
  const auto close = [&](Aid aid, const std::string& cycle, const std::string& tag) {
    sink_.Add(
        EventLine("CycleClosed", "close-" + std::string(SpecOf(aid).tag) + "-" + tag, sink_.day())
            .Str("program_id", year(aid).id)
            .Str("cycle", cycle)
            .Take());
  };
  const std::string month = calendar_.MonthCycle(m);
  for (Aid aid : {Aid::kBlt, Aid::kBpnt}) {
    if (year(aid).opened) close(aid, month, month);
  }
  for (const Quarter& q : quarters_) {
    if (q.close_m == m && q.opened) close(q.aid, q.cycle, q.tag);
  }
}

// What is left of the year's cash goes back to the funders (SiLPA); the
// sembako packages stay in stock for next year.
void AidBook::YearEnd(int m) {
  for (Aid aid : {Aid::kBlt, Aid::kPkh, Aid::kUkm}) {
    Year& y = year(aid);
    LUMBUNG_ASSERT(y.balance >= 0);
    if (y.balance == 0 || m != y.last_m) continue;
    const std::string year_text = std::to_string(y.year);
    sink_.Add(EventLine("FundsReturned", "refund-" + y.id, sink_.day())
                  .Str("program_id", y.id)
                  .Str("funder", SpecOf(aid).funder)
                  .Int("amount", y.balance)
                  .Str("reference",
                       "STS No. " + Padded(static_cast<int>(aid) + 1, 3) + "/STS/" + year_text)
                  .Str("reason", "sisa dana tahun anggaran " + year_text + " disetor kembali")
                  .Take());
    y.balance = 0;
  }
}

}  // namespace lumbung::demo::internal
