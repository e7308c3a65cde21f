// Shared query machinery: metrics, loading the state a query answers from,
// account history and statement lines.

#include <algorithm>

#include "lumbung/audit/hash.h"
#include "lumbung/base/checked.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/receipt.h"

#include "query_internal.h"

namespace lumbung::query {

// 128-bit intermediate: numerator * 10,000 overflows int64 for large sums.
__extension__ using Int128 = __int128;

std::optional<int64_t> BasisPoints(int64_t numerator, int64_t denominator) {
  if (denominator == 0) return std::nullopt;
  Int128 n = static_cast<Int128>(numerator) * 10000;
  Int128 d = denominator;
  if (d < 0) {
    n = -n;
    d = -d;
  }
  const bool negative = n < 0;
  if (negative) n = -n;
  Int128 q = (2 * n + d) / (2 * d);  // half up on the magnitude
  if (negative) q = -q;
  if (q > INT64_MAX || q < INT64_MIN) return std::nullopt;
  return static_cast<int64_t>(q);
}

std::string FormatBasisPoints(int64_t basis_points) {
  const uint64_t magnitude = basis_points < 0 ? uint64_t{0} - static_cast<uint64_t>(basis_points)
                                              : static_cast<uint64_t>(basis_points);
  std::string out = basis_points < 0 ? "-" : "";
  out += std::to_string(magnitude / 100);
  out += '.';
  const uint64_t cents = magnitude % 100;
  if (cents < 10) out += '0';
  out += std::to_string(cents);
  out += '%';
  return out;
}

namespace internal {

namespace {

Json AsOfJson(const Stamp& stamp) {
  return stamp.as_of.empty() ? Json(nullptr) : Json(stamp.as_of);
}

}  // namespace

Json AmountMetric(int64_t value, std::string_view unit, std::string_view formula,
                  const Stamp& stamp) {
  return Json{{"value", value},
              {"unit", std::string(unit)},
              {"formula", std::string(formula)},
              {"as_of", AsOfJson(stamp)},
              {"as_of_seq", stamp.as_of_seq}};
}

Json CountMetric(int64_t value, std::string_view unit, std::string_view formula,
                 const Stamp& stamp) {
  return AmountMetric(value, unit, formula, stamp);
}

Json RatioMetric(int64_t numerator, int64_t denominator, std::string_view unit,
                 std::string_view formula, const Stamp& stamp) {
  const std::optional<int64_t> bp = BasisPoints(numerator, denominator);
  std::string text(formula);
  text += "; percent to 2 decimals, rounded half up (null when the denominator is 0)";
  return Json{{"value", bp ? Json(FormatBasisPoints(*bp)) : Json(nullptr)},
              {"basis_points", bp ? Json(*bp) : Json(nullptr)},
              {"numerator", numerator},
              {"denominator", denominator},
              {"unit", std::string(unit)},
              {"formula", text},
              {"as_of", AsOfJson(stamp)},
              {"as_of_seq", stamp.as_of_seq}};
}

Status SumInto(int64_t* acc, int64_t v, std::string_view what) {
  if (AddTo(acc, v)) return Status();
  std::string message = "the sum of ";
  message.append(what);
  message += " overflows; the projection rows are inconsistent";
  return Status::Corruption(message);
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) out.append(part);
  return out;
}

Status Unknown(std::string_view reason, std::string_view field, const std::string& message) {
  return Status::Make(Code::kNotFound, reason, field, message);
}

Result<uint64_t> ResolveSeq(const LedgerSnapshot& snapshot, const Options& options) {
  const uint64_t size = snapshot.size();
  if (!options.as_of_seq) return size;
  if (*options.as_of_seq > size) {
    return Status::InvalidArgument(
        Cat({"as-of seq ", std::to_string(*options.as_of_seq), " is past the end of the log (",
             std::to_string(size), " entries)"}));
  }
  return *options.as_of_seq;
}

Result<std::string> EntryDate(const LedgerSnapshot& snapshot, uint64_t seq) {
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
  return entry.body().effective_date()->str();
}

Status LoadRows(const LedgerSnapshot& snapshot, const RowSet& rows, domain::State* state) {
  for (const std::string& key : rows.keys) {
    LUMBUNG_ASSIGN_OR_RETURN(const std::optional<std::string> value,
                             GetProjectionRow(snapshot, key));
    if (value) LUMBUNG_RETURN_IF_ERROR(domain::LoadRow(*state, key, *value));
  }
  for (const std::string& prefix : rows.prefixes) {
    // An empty prefix would load every row; no query needs that by accident.
    LUMBUNG_ASSERT(!prefix.empty());
    LUMBUNG_RETURN_IF_ERROR(
        ScanProjectionRows(snapshot, prefix, [state](std::string_view key, std::string_view value) {
          return domain::LoadRow(*state, key, value);
        }));
  }
  domain::FinishLoad(*state, snapshot.size());
  return Status();
}

Result<View> LoadView(const LedgerSnapshot& snapshot, const Options& options, const RowSet& rows) {
  LUMBUNG_ASSIGN_OR_RETURN(const uint64_t seq, ResolveSeq(snapshot, options));
  View view;
  if (seq == snapshot.size()) {
    LUMBUNG_RETURN_IF_ERROR(LoadRows(snapshot, rows, &view.state));
  } else {
    ReplayOptions replay;
    replay.validate_shape = true;
    LUMBUNG_ASSIGN_OR_RETURN(view.state, ReplayProjection(snapshot, seq, replay));
  }
  view.stamp.as_of_seq = seq;
  if (seq > 0) {
    LUMBUNG_ASSIGN_OR_RETURN(view.stamp.as_of, EntryDate(snapshot, seq - 1));
  }
  return view;
}

Result<DateStamp> ResolveDate(const Options& options, const Stamp& stamp) {
  DateStamp out;
  if (options.as_of_date) {
    const std::optional<int32_t> day = ParseDate(*options.as_of_date);
    if (!day) {
      return Status::InvalidArgument(
          Cat({"as-of date \"", *options.as_of_date, "\" is not a date YYYY-MM-DD"}));
    }
    out.day = *day;
    out.date = *options.as_of_date;
    out.source = "given";
    return out;
  }
  const std::optional<int32_t> day = ParseDate(stamp.as_of);
  if (!day) {
    return Status::InvalidArgument(Cat({"no entry is counted as of seq ",
                                        std::to_string(stamp.as_of_seq), "; give an as-of date"}));
  }
  out.day = *day;
  out.date = stamp.as_of;
  out.source = "last_entry";
  return out;
}

bool ParseHistoryKey(std::string_view key, std::string_view* account, uint64_t* first_seq) {
  // "H/" account "/" 8 bytes; the seq bytes may hold any value, so parse
  // from the end.
  if (key.size() < 2 + 1 + 1 + 8 || key[0] != domain::kHistoryPrefix || key[1] != '/') {
    return false;
  }
  if (key[key.size() - 9] != '/') return false;
  *account = key.substr(2, key.size() - 2 - 9);
  *first_seq = GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data() + key.size() - 8));
  return true;
}

Result<History> ReadHistory(const LedgerSnapshot& snapshot, std::string_view account,
                            uint64_t as_of_seq) {
  History history;
  bool stopped = false;
  // Rows are in first-seq order: the scan stops at the first row that
  // starts at or after the as-of seq, so an old balance reads few rows.
  Status st = ScanProjectionRows(
      snapshot, domain::HistoryPrefix(account), [&](std::string_view key, std::string_view value) {
        std::string_view name;
        uint64_t first_seq = 0;
        if (!ParseHistoryKey(key, &name, &first_seq) || name != account) {
          return Status::Corruption(Cat({"malformed history key for account ", account}));
        }
        if (first_seq >= as_of_seq) {
          stopped = true;
          return Status::NotFound("stop");  // ends the scan; not an error
        }
        std::string unit;
        std::vector<domain::HistoryItem> items;
        LUMBUNG_RETURN_IF_ERROR(domain::DecodeHistory(value, &unit, &items));
        history.unit = unit;
        for (const domain::HistoryItem& item : items) {
          if (item.seq >= as_of_seq) break;
          if (!history.items.empty() && item.seq < history.items.back().seq) {
            return Status::Corruption(Cat({"history of ", account, " is out of order"}));
          }
          // Several postings in one entry (a correction that reverses and
          // replaces): the entry's balance is the last one.
          if (!history.items.empty() && item.seq == history.items.back().seq) {
            history.items.back() = item;
          } else {
            history.items.push_back(item);
          }
        }
        return Status();
      });
  if (!st.ok() && !stopped) return st;
  return history;
}

std::string_view ProgramKindName(uint8_t kind) {
  return fb::EnumNameProgramKind(static_cast<fb::ProgramKind>(kind));
}

std::string_view ExitReasonName(uint8_t reason) {
  return fb::EnumNameExitReason(static_cast<fb::ExitReason>(reason));
}

std::string_view MemberRoleName(uint8_t role) {
  return fb::EnumNameMemberRole(static_cast<fb::MemberRole>(role));
}

std::string_view LoanStatusName(domain::LoanStatus status) {
  switch (status) {
    case domain::LoanStatus::kOpen: return "open";
    case domain::LoanStatus::kRepaid: return "repaid";
    case domain::LoanStatus::kWrittenOff: return "written_off";
    case domain::LoanStatus::kReversed: return "reversed";
  }
  return "unknown";
}

}  // namespace internal
}  // namespace lumbung::query
