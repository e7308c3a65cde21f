// The generator's month loop: each month is a list of steps (the office's
// work, dated), sorted by day; each step makes one batch or, for long
// lists, several. The aid book and the group book fill the batches.

#include "lumbung/demo/generator.h"

#include <algorithm>
#include <climits>
#include <tuple>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include "aid_book.h"
#include "group_book.h"
#include "kelurahan.h"
#include "support.h"

namespace lumbung::demo {

using namespace internal;

Status ValidateDemoOptions(const DemoOptions& o) {
  const auto bad = [](const std::string& message) { return Status::InvalidArgument(message); };
  if (o.households < 1 || o.households > 10'000'000) {
    return bad("households must be between 1 and 10,000,000");
  }
  if (o.groups < 0 || o.groups > 500) return bad("groups must be between 0 and 500");
  if (o.months < 1 || o.months > 120) return bad("months must be between 1 and 120");
  if (o.start_year < 2000 || o.start_year > 2900) {
    return bad("the start year must be between 2000 and 2900");
  }
  if (o.start_month < 1 || o.start_month > 12) return bad("the start month must be 1 to 12");
  if (o.batch_events_max < 64 || o.batch_events_max > 1'000'000) {
    return bad("batch_events_max must be between 64 and 1,000,000");
  }
  return Status();
}

struct DemoGenerator::Impl {
  explicit Impl(const DemoOptions& o)
      : options(o),
        calendar(o.start_year, o.start_month, o.months),
        area(o.seed, o.households, o.months),
        sink(o.assume_first_seq),
        aid(options, calendar, area, sink),
        groups(options, calendar, area, sink) {}

  void BeginMonth(int m);
  Next Make(DemoBatch* out);
  static bool IsGroupStep(StepKind kind) {
    return kind == StepKind::kGroupSetup || kind == StepKind::kGrants || kind == StepKind::kMeeting;
  }

  const DemoOptions options;
  const Calendar calendar;
  const Kelurahan area;
  Sink sink;
  AidBook aid;
  GroupBook groups;
  int month = -1;
  int months_done = 0;
  std::vector<Step> steps;  // this month's, in date order
  size_t next_step = 0;
  uint64_t batches = 0;
  uint64_t events = 0;
  int32_t last_day = INT32_MIN;
};

void DemoGenerator::Impl::BeginMonth(int m) {
  month = m;
  if (m == 0 || calendar.MonthOfYear(m) == 1) aid.StartYear(m);
  steps.clear();
  aid.PlanMonth(m, &steps);
  groups.PlanMonth(m, &steps);
  std::stable_sort(steps.begin(), steps.end(), [](const Step& a, const Step& b) {
    return std::tie(a.day, a.order, a.arg) < std::tie(b.day, b.order, b.arg);
  });
  next_step = 0;
}

DemoGenerator::Next DemoGenerator::Impl::Make(DemoBatch* out) {
  if (month < 0) BeginMonth(0);
  for (;;) {
    if (next_step == steps.size()) {
      months_done = month + 1;
      if (month + 1 >= options.months) return Next::kDone;
      BeginMonth(month + 1);
      continue;
    }
    Step& step = steps[next_step];
    const bool group_step = IsGroupStep(step.kind);
    if (!(group_step ? groups.Ready(step) : aid.Ready(step))) return Next::kNeedReceipts;
    LUMBUNG_ASSERT(step.day >= last_day);  // effective dates never decrease
    const std::string what = group_step ? groups.Describe(step) : aid.Describe(step);
    sink.Start(out, batches, FormatDate(step.day) + " " + what, step.day);
    const bool finished = group_step ? groups.Run(step) : aid.Run(month, step);
    if (finished) ++next_step;
    if (out->events.empty()) {
      LUMBUNG_ASSERT(finished);  // an unfinished list stopped because its batch was full
      continue;
    }
    if (++step.parts > 1 || !finished) out->label += " (part " + std::to_string(step.parts) + ")";
    last_day = step.day;
    sink.Finish();
    ++batches;
    events += out->events.size();
    return Next::kBatch;
  }
}

DemoGenerator::DemoGenerator(const DemoOptions& options) {
  LUMBUNG_ASSERT(ValidateDemoOptions(options).ok());
  impl_ = std::make_unique<Impl>(options);
}

DemoGenerator::~DemoGenerator() = default;

DemoGenerator::Next DemoGenerator::NextBatch(DemoBatch* out) {
  return impl_->Make(out);
}

void DemoGenerator::Recorded(uint64_t number, std::span<const uint64_t> seqs) {
  impl_->sink.Recorded(number, seqs);
}

const DemoOptions& DemoGenerator::options() const {
  return impl_->options;
}

int DemoGenerator::months_done() const {
  return impl_->months_done;
}

uint64_t DemoGenerator::events_made() const {
  return impl_->events;
}

uint64_t DemoGenerator::batches_made() const {
  return impl_->batches;
}

}  // namespace lumbung::demo
