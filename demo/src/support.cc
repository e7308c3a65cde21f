#include "support.h"

#include <charconv>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::demo::internal {

uint64_t Below(std::mt19937_64& engine, uint64_t n) {
  LUMBUNG_ASSERT(n > 0);
  // 2^64 mod n values at the top of the range would make the low results
  // more likely; they are drawn again.
  const uint64_t excess = (UINT64_MAX % n + 1) % n;
  const uint64_t limit = UINT64_MAX - excess;  // accept x <= limit
  for (;;) {
    const uint64_t x = engine();
    if (excess == 0 || x <= limit) return x % n;
  }
}

int64_t Between(std::mt19937_64& engine, int64_t low, int64_t high) {
  LUMBUNG_ASSERT(low <= high);
  return low + static_cast<int64_t>(Below(engine, static_cast<uint64_t>(high - low) + 1));
}

int32_t DaysFromCivil(int year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int era = (year >= 0 ? year : year - 399) / 400;
  const int yoe = year - era * 400;
  const int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Calendar::Calendar(int start_year, int start_month, int months)
    : base_(start_year * 12 + (start_month - 1)), months_(months) {}

int32_t Calendar::Day(int m, int day_of_month) const {
  return DaysFromCivil(Year(m), MonthOfYear(m), day_of_month);
}

int Calendar::DaysIn(int m) const {
  return Day(m + 1, 1) - Day(m, 1);
}

std::string Calendar::MonthCycle(int m) const {
  std::string out = Padded(Year(m), 4);
  out += '-';
  AppendPadded(&out, MonthOfYear(m), 2);
  return out;
}

void AppendPadded(std::string* out, int64_t value, int width) {
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, value);
  const int length = static_cast<int>(r.ptr - digits);
  for (int i = length; i < width; ++i) out->push_back('0');
  out->append(digits, r.ptr);
}

std::string Padded(int64_t value, int width) {
  std::string out;
  AppendPadded(&out, value, width);
  return out;
}

namespace {

void AppendEscaped(std::string* out, std::string_view value) {
  out->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out->append("\\u00");
      out->push_back(kHex[(c >> 4) & 0xf]);
      out->push_back(kHex[c & 0xf]);
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

}  // namespace

EventLine::EventLine(std::string_view type, std::string_view event_id, int32_t day) {
  text_.reserve(256);
  text_ = "{";
  Str("type", type);
  Str("event_id", event_id);
  Str("effective_date", FormatDate(day));
}

EventLine::EventLine(std::string_view type) {
  text_ = "{";
  Str("type", type);
}

void EventLine::AddKey(std::string_view key) {
  if (text_.size() > 1) text_.push_back(',');
  AppendEscaped(&text_, key);
  text_.push_back(':');
}

EventLine& EventLine::Str(std::string_view key, std::string_view value) {
  AddKey(key);
  AppendEscaped(&text_, value);
  return *this;
}

EventLine& EventLine::Int(std::string_view key, int64_t value) {
  AddKey(key);
  char digits[24];
  const auto r = std::to_chars(digits, digits + sizeof digits, value);
  text_.append(digits, r.ptr);
  return *this;
}

EventLine& EventLine::Object(std::string_view key, EventLine nested) {
  AddKey(key);
  text_ += nested.Take();
  return *this;
}

std::string EventLine::Take() {
  text_.push_back('}');
  return std::move(text_);
}

void Sink::Start(DemoBatch* out, uint64_t number, std::string label, int32_t day) {
  out_ = out;
  out_->number = number;
  out_->label = std::move(label);
  out_->effective_date = FormatDate(day);
  out_->events.clear();
  day_ = day;
  watch_.clear();
}

void Sink::AddWatched(std::string line, const std::string& event_id) {
  watch_.emplace_back(out_->events.size(), event_id);
  out_->events.push_back(std::move(line));
}

void Sink::Finish() {
  if (next_seq_) {
    for (const auto& [index, id] : watch_) seqs_[id] = *next_seq_ + index;
    *next_seq_ += out_->events.size();
  } else if (!watch_.empty()) {
    awaiting_[out_->number] = std::move(watch_);
  }
  watch_.clear();
}

void Sink::Recorded(uint64_t number, std::span<const uint64_t> seqs) {
  const auto it = awaiting_.find(number);
  if (it == awaiting_.end()) return;
  for (const auto& [index, id] : it->second) {
    if (index < seqs.size()) seqs_[id] = seqs[index];
  }
  awaiting_.erase(it);
}

std::optional<uint64_t> Sink::Seq(const std::string& event_id) const {
  const auto it = seqs_.find(event_id);
  if (it == seqs_.end()) return std::nullopt;
  return it->second;
}

}  // namespace lumbung::demo::internal
