// Small pieces the demo generator is built from: keyed randomness, the
// calendar of the demo's months, the writer of one event JSON line, and the
// sink that collects a batch and the seqs later events will name.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_DEMO_SRC_SUPPORT_H_
#define LUMBUNG_DEMO_SRC_SUPPORT_H_

#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "lumbung/demo/generator.h"

namespace lumbung::demo::internal {

// --- randomness ---

// splitmix64's finaliser: a bijection of 64-bit words in which every input
// bit flips each output bit with probability about one half.
constexpr uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// What a keyed attribute is about; each salt gives an independent stream.
enum class Salt : uint64_t {
  kClass = 1,
  kExit,
  kExitMonth,
  kExitReason,
  kLate,
  kPkhFirst,
  kPkhSecond,
  kPkhTwo,
  kUkm,
  kUkmRound,
  kUkmAmount,
  kBank,
  kReturn,
  kReturnReason,
  kCorrect,
  kPosition,
  kRt,
  kPermutation,
  kGroupSize,
  kEngine,
};

// A keyed hash: the demo's "random" attribute `salt` of thing (a, b), the
// same whenever and in whatever order it is asked for. This is what lets
// the generator keep no per-household state.
constexpr uint64_t Key(uint64_t seed, Salt salt, uint64_t a = 0, uint64_t b = 0) {
  return Mix64(Mix64(Mix64(seed ^ Mix64(static_cast<uint64_t>(salt))) + a) + b);
}

// hash % n. The bias (at most n / 2^64) is far below anything a demo shows.
constexpr int64_t Pick(uint64_t hash, int64_t n) {
  return static_cast<int64_t>(hash % static_cast<uint64_t>(n));
}

// Uniform in [0, n) from the engine's raw 64-bit output by rejection, so the
// result is the same with every standard library (n > 0).
uint64_t Below(std::mt19937_64& engine, uint64_t n);
// Uniform in [low, high] (low <= high).
int64_t Between(std::mt19937_64& engine, int64_t low, int64_t high);

// --- calendar ---

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
// days_from_civil).
int32_t DaysFromCivil(int year, int month, int day);

// The demo's months, indexed 0..months-1 from the start month.
class Calendar {
 public:
  Calendar(int start_year, int start_month, int months);
  int months() const { return months_; }
  int Year(int m) const { return (base_ + m) / 12; }
  int MonthOfYear(int m) const { return (base_ + m) % 12 + 1; }  // 1..12
  // Demo index of (year, month); may fall outside 0..months-1.
  int IndexOf(int year, int month) const { return year * 12 + (month - 1) - base_; }
  int32_t Day(int m, int day_of_month) const;  // days since the epoch
  int DaysIn(int m) const;
  std::string MonthCycle(int m) const;  // "2026-03"

 private:
  int base_;  // year * 12 + (month - 1) of month 0
  int months_;
};

// Monday = 0 ... Sunday = 6 (1970-01-01 was a Thursday).
inline int Weekday(int32_t day) {
  return static_cast<int>(((day % 7) + 7 + 3) % 7);
}

// --- text ---

// `value` in decimal, zero-padded to `width` digits, appended to *out.
void AppendPadded(std::string* out, int64_t value, int width);
std::string Padded(int64_t value, int width);

// One event JSON line (DESIGN §7.1), keys written in the order added. Keys
// are literals of the catalogue; values are escaped.
class EventLine {
 public:
  // A top-level event with its id and effective date.
  EventLine(std::string_view type, std::string_view event_id, int32_t day);
  // A nested event (a correction's replacement): type only.
  explicit EventLine(std::string_view type);

  EventLine& Str(std::string_view key, std::string_view value);
  EventLine& Int(std::string_view key, int64_t value);
  EventLine& Object(std::string_view key, EventLine nested);
  std::string Take();

 private:
  void AddKey(std::string_view key);
  std::string text_;
};

// --- the office's calendar of work ---

// One piece of the office's work in a month; most make one batch, the long
// lists several (cursor and ordinal carry their place between batches).
enum class StepKind : uint8_t {
  kProgrammes,     // a fiscal year's programmes opened
  kGroupSetup,     // the rotating-capital programme, its groups and members
  kEnrolment,      // enrolments and exits
  kBudget,         // allocations and cycles opened
  kAllocationFix,  // a mistyped allocation corrected
  kGrants,         // seed capital granted to the groups
  kPayMonthly,     // a monthly cycle list (arg: the programme)
  kPayQuarter,     // a quarterly cycle list (arg: the quarter cycle)
  kCorrections,    // mistyped disbursements corrected
  kReturns,        // transfers the banks sent back
  kRetries,        // returned transfers paid again
  kMeeting,        // the KUBE groups meeting that day (arg: weekday)
  kClosings,       // cycles closed
  kYearEnd,        // unspent money returned to the funders
};

struct Step {
  int32_t day = 0;  // days since the epoch; every event of the step has it
  int order = 0;    // among steps of one day
  StepKind kind = StepKind::kProgrammes;
  int arg = 0;
  int64_t cursor = 0;   // next household or group of a long list
  int64_t ordinal = 0;  // payments made so far in a quarterly list
  int parts = 0;        // batches made so far
};

// --- the batch being made, and seqs ---

class Sink {
 public:
  explicit Sink(std::optional<uint64_t> assume_first_seq) : next_seq_(assume_first_seq) {}

  void Start(DemoBatch* out, uint64_t number, std::string label, int32_t day);
  void Add(std::string line) { out_->events.push_back(std::move(line)); }
  // An event whose seq a later event will name (by its event_id).
  void AddWatched(std::string line, const std::string& event_id);
  size_t size() const { return out_->events.size(); }
  int32_t day() const { return day_; }
  // Ends the batch: its watched events wait for Recorded() (or, assuming
  // seqs, get theirs now).
  void Finish();

  void Recorded(uint64_t number, std::span<const uint64_t> seqs);
  std::optional<uint64_t> Seq(const std::string& event_id) const;
  void Forget(const std::string& event_id) { seqs_.erase(event_id); }

 private:
  using Watch = std::pair<size_t, std::string>;  // index in batch, event_id
  DemoBatch* out_ = nullptr;
  int32_t day_ = 0;
  std::vector<Watch> watch_;
  std::unordered_map<uint64_t, std::vector<Watch>> awaiting_;  // by batch number
  std::unordered_map<std::string, uint64_t> seqs_;
  std::optional<uint64_t> next_seq_;
};

}  // namespace lumbung::demo::internal

#endif  // LUMBUNG_DEMO_SRC_SUPPORT_H_
