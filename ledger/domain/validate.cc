// Shape validation of an EventBody view. Runs on every entry before it is
// written and on every entry a rebuild or bundle replay reads, so the rules
// for what a well-formed event is live in exactly one place.

#include <algorithm>
#include <array>
#include <string>

#include "lumbung/audit/note.h"
#include "lumbung/base/limits.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/event.h"

#include "event_spec.h"

namespace lumbung {
namespace {

using spec::Field;
using spec::Kind;

// A table, not a chain of comparisons: ids are most of an event's bytes, and
// every entry of every verify and rebuild is checked again.
constexpr std::array<bool, 256> kIdChars = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) {
    table[static_cast<size_t>(c)] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
                                    c == '-';
  }
  return table;
}();

bool IsIdChar(char c) {
  return kIdChars[static_cast<unsigned char>(c)];
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// [A-Z][A-Z0-9_]{0,max-1}
bool IsToken(std::string_view s, size_t max_chars) {
  if (s.empty() || s.size() > max_chars || s[0] < 'A' || s[0] > 'Z') return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// Kemendagri code pp.kk.cc.dddd, optionally .rw (2-3 digits) and .rt (2-3).
bool IsRegionCode(std::string_view s) {
  static constexpr size_t kWidths[] = {2, 2, 2, 4};
  size_t part = 0;
  size_t start = 0;
  while (start <= s.size()) {
    size_t dot = s.find('.', start);
    if (dot == std::string_view::npos) dot = s.size();
    const std::string_view piece = s.substr(start, dot - start);
    if (!IsDigits(piece)) return false;
    if (part < 4 && piece.size() != kWidths[part]) return false;
    if (part >= 4 && (piece.size() < 2 || piece.size() > 3)) return false;
    ++part;
    if (part > 6) return false;
    start = dot + 1;
    if (dot == s.size()) break;
  }
  return part >= 4;
}

bool IsCycle(std::string_view s) {
  if (s.size() != 7 || s[4] != '-' || !IsDigits(s.substr(0, 4))) return false;
  const int year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
  if (year < 1900 || year > 2999) return false;
  if (s[5] == 'Q') return s[6] >= '1' && s[6] <= '4';
  if (!IsDigits(s.substr(5, 2))) return false;
  const int month = (s[5] - '0') * 10 + (s[6] - '0');
  return month >= 1 && month <= 12;
}

// Checkpoint origins double as signed-note key names: printable ASCII with
// no space and no '+'.
bool IsOrigin(std::string_view s) {
  if (s.empty() || s.size() > limits::kOriginCharsMax) return false;
  for (char c : s) {
    if (c <= ' ' || c > '~' || c == '+') return false;
  }
  return true;
}

// A field's dotted name ("amount", "replacement.amount"), made into a
// string only when an error names it: every entry of every rebuild and
// verify is validated, so the valid path must not allocate.
class FieldName {
 public:
  FieldName(const char* name) : name_(name) {}  // NOLINT: a plain field name
  FieldName(std::string_view prefix, std::string_view name) : prefix_(prefix), name_(name) {}
  std::string str() const {
    std::string out(prefix_);
    out += name_;
    return out;
  }

 private:
  std::string_view prefix_;
  std::string_view name_;
};

std::string operator+(const FieldName& field, std::string_view text) {
  std::string out = field.str();
  out += text;
  return out;
}

Status Bad(std::string_view reason, const FieldName& field, const std::string& message) {
  return Status::Rejected(reason, field.str(), message);
}

Status CheckText(std::string_view value, const FieldName& name, size_t max_chars,
                 bool allow_newlines) {
  const auto chars = Utf8Chars(value, allow_newlines);
  if (!chars) {
    return Bad("invalid_field", name, name + " must be UTF-8 text without control characters");
  }
  if (*chars > max_chars) {
    return Bad("too_long", name,
               name + " is longer than " + std::to_string(max_chars) + " characters");
  }
  if (*chars == 0 && !allow_newlines) {
    return Bad("invalid_field", name, name + " must not be empty");
  }
  return Status();
}

Status CheckString(Kind kind, std::string_view v, const FieldName& name) {
  switch (kind) {
    case Kind::kId:
      if (v.size() > limits::kIdCharsMax) {
        return Bad("too_long", name, name + " is longer than 64 characters");
      }
      if (v.empty() || !std::all_of(v.begin(), v.end(), IsIdChar)) {
        return Bad("invalid_field", name, name + " must be 1-64 characters of A-Z a-z 0-9 . _ : -");
      }
      return Status();
    case Kind::kText: return CheckText(v, name, limits::kTextCharsMax, false);
    case Kind::kUnit:
      if (IsToken(v, limits::kUnitCharsMax)) return Status();
      return Bad("invalid_field", name, name + " must be a unit code such as IDR or PKG_SEMBAKO");
    case Kind::kSource:
      if (IsToken(v, 32)) return Status();
      return Bad("invalid_field", name, name + " must be a code such as DTSEN, MUSDES or APPEAL");
    case Kind::kRegion:
      if (IsRegionCode(v)) return Status();
      return Bad("invalid_field", name,
                 name + " must be a Kemendagri code pp.kk.cc.dddd, optionally .RW.RT");
    case Kind::kDate:
      if (ParseDate(v)) return Status();
      return Bad("invalid_date", name, name + " must be a calendar date YYYY-MM-DD");
    case Kind::kCycle:
      if (IsCycle(v)) return Status();
      return Bad("invalid_field", name, name + " must be a cycle YYYY-MM or YYYY-Qn");
    case Kind::kOrigin:
      if (IsOrigin(v)) return Status();
      return Bad("invalid_field", name, name + " must be printable ASCII without spaces or '+'");
    case Kind::kVerifierKey:
      if (v.size() <= limits::kVerifierKeyCharsMax && audit::NoteVerifierKey::Parse(v).ok()) {
        return Status();
      }
      return Bad("invalid_field", name, name + " must be a signed-note verifier key");
    default: break;
  }
  LUMBUNG_ASSERT(false && "not a string kind");
  return Status();
}

bool IsStringKind(Kind kind) {
  switch (kind) {
    case Kind::kAmount:
    case Kind::kInt32:
    case Kind::kSeq:
    case Kind::kEnum:
    case Kind::kHash:
    case Kind::kEvent: return false;
    default: return true;
  }
}

Status ValidateTable(const flatbuffers::Table& table, const spec::EventSpec& event,
                     std::string_view prefix, int depth);

Status CheckScalar(const flatbuffers::Table& t, const Field& f, const FieldName& name) {
  switch (f.kind) {
    case Kind::kAmount: {
      const int64_t v = t.GetField<int64_t>(f.voffset, 0);
      if (v > 0) return Status();
      return Bad("invalid_amount", name, name + " must be a positive whole number");
    }
    case Kind::kInt32: {
      const int32_t v = t.GetField<int32_t>(f.voffset, 0);
      if (v >= f.min && v <= f.max) return Status();
      return Bad(
          "invalid_amount", name,
          name + " must be between " + std::to_string(f.min) + " and " + std::to_string(f.max));
    }
    case Kind::kSeq: return Status();  // any seq is well-formed; whether it exists is a rule
    case Kind::kEnum: {
      const uint8_t v = t.GetField<uint8_t>(f.voffset, 0);
      if (v >= 1 && v < f.enum_count) return Status();
      return Bad("invalid_field", name, name + " has no valid value");
    }
    case Kind::kHash: return Status();  // fixed-size struct: any 32 bytes are well-formed
    default: break;
  }
  LUMBUNG_ASSERT(false && "not a scalar kind");
  return Status();
}

Status CheckNested(const flatbuffers::Table& t, const Field& f, const FieldName& name, int depth) {
  if (depth >= limits::kEventNestingMax) {
    return Bad("invalid_field", name, name + " cannot be nested this deep");
  }
  const auto type = static_cast<fb::Event>(t.GetField<uint8_t>(f.type_voffset, 0));
  const spec::EventSpec* nested = spec::FindSpec(type);
  if (nested == nullptr) {
    const std::string type_name = name + ".type";
    return Bad("unknown_type", FieldName("", type_name), name + " has an unknown event type");
  }
  const auto* inner = t.GetPointer<const flatbuffers::Table*>(f.voffset);
  if (inner == nullptr) return Bad("missing_field", name, name + " is missing");
  return ValidateTable(*inner, *nested, name + ".", depth + 1);  // rare: one string
}

Status ValidateTable(const flatbuffers::Table& t, const spec::EventSpec& event,
                     std::string_view prefix, int depth) {
  for (const Field& f : event.fields) {
    const FieldName name(prefix, f.name);
    const bool present = f.kind == Kind::kEvent ? t.CheckField(f.type_voffset) &&
                                                      t.GetField<uint8_t>(f.type_voffset, 0) != 0
                                                : t.CheckField(f.voffset);
    if (!present) {
      if (f.required) return Bad("missing_field", name, name + " is required");
      continue;
    }
    Status st;
    if (f.kind == Kind::kEvent) {
      st = CheckNested(t, f, name, depth);
    } else if (IsStringKind(f.kind)) {
      const auto* s = t.GetPointer<const flatbuffers::String*>(f.voffset);
      st = s == nullptr ? Bad("missing_field", name, name + " is required")
                        : CheckString(f.kind, s->string_view(), name);
    } else {
      st = CheckScalar(t, f, name);
    }
    if (!st.ok()) return st;
  }
  return Status();
}

}  // namespace

Status ValidateEventId(std::string_view event_id) {
  return CheckString(Kind::kId, event_id, "event_id");
}

Status ValidateEventBody(const fb::EventBody& body) {
  // Required offsets are guaranteed present by the Verifier; check anyway,
  // since a caller may pass an unverified view by mistake.
  if (body.event_id() == nullptr) return Bad("missing_field", "event_id", "event_id is required");
  LUMBUNG_RETURN_IF_ERROR(ValidateEventId(body.event_id()->string_view()));
  if (body.effective_date() == nullptr) {
    return Bad("missing_field", "effective_date", "effective_date is required");
  }
  LUMBUNG_RETURN_IF_ERROR(
      CheckString(Kind::kDate, body.effective_date()->string_view(), "effective_date"));
  if (body.memo() != nullptr) {
    LUMBUNG_RETURN_IF_ERROR(
        CheckText(body.memo()->string_view(), "memo", limits::kMemoCharsMax, true));
  }
  const spec::EventSpec* event = spec::FindSpec(body.event_type());
  if (body.event_type() == fb::Event::NONE) {
    return Bad("missing_field", "type", "type is required");
  }
  if (event == nullptr) return Bad("unknown_type", "type", "type is not a known event");
  const auto* table = static_cast<const flatbuffers::Table*>(body.event());
  if (table == nullptr) return Bad("missing_field", "type", "the event is missing");
  return ValidateTable(*table, *event, "", 0);
}

}  // namespace lumbung
