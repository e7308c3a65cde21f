// Event JSON (DESIGN §7.1) <-> canonical EventBody bytes.
//
// Canonical means: one builder, fields added in catalogue order, every
// present field written (ForceDefaults) and nothing else. Two submissions of
// the same event therefore encode to the same bytes, which is what
// idempotency compares.

#include "lumbung/ledger/event_json.h"

#include <array>
#include <set>
#include <string>
#include <vector>

#include "lumbung/base/limits.h"
#include "lumbung/base/text.h"

#include "event_spec.h"

namespace lumbung {
namespace {

using nlohmann::ordered_json;
using spec::Field;
using spec::Kind;

Status Bad(std::string_view reason, const std::string& field, const std::string& message) {
  return Status::Rejected(reason, field, message);
}

// Longest string, in bytes, the decoder copies before refusing it: four
// bytes per allowed code point. The validator then counts code points.
size_t MaxBytes(Kind kind) {
  switch (kind) {
    case Kind::kText: return 4 * limits::kTextCharsMax;
    case Kind::kOrigin: return limits::kOriginCharsMax;
    case Kind::kVerifierKey: return limits::kVerifierKeyCharsMax;
    default: return limits::kIdCharsMax;
  }
}

std::string EnumChoices(const Field& f) {
  std::string out;
  for (uint8_t i = 1; i < f.enum_count; ++i) {
    out += i > 1 ? ", " : "";
    out += f.enum_names[i];
  }
  return out;
}

// Keys not in the event's catalogue entry (nor in `extra`) and null values
// are refused first, in input order: a misspelt key is the likeliest cause of
// any later "missing field", so it is the more useful error to report.
Status CheckKeys(const ordered_json& obj, const spec::EventSpec& event,
                 std::initializer_list<std::string_view> extra, const std::string& prefix) {
  for (const auto& [key, value] : obj.items()) {
    bool known = false;
    for (std::string_view e : extra) known = known || key == e;
    for (const Field& f : event.fields) known = known || key == f.name;
    const std::string name = prefix + key;
    if (!known) {
      return Bad("invalid_field", name,
                 "unknown field \"" + name + "\" for " + std::string(event.name));
    }
    if (value.is_null()) return Bad("invalid_field", name, name + " must not be null");
  }
  return Status();
}

Result<const spec::EventSpec*> EventTypeOf(const ordered_json& obj, const std::string& prefix) {
  const std::string name = prefix + "type";
  const auto it = obj.find("type");
  if (it == obj.end()) return Bad("missing_field", name, name + " is required");
  if (!it->is_string()) return Bad("wrong_type", name, name + " must be a string");
  const spec::EventSpec* event = spec::FindSpec(it->get_ref<const std::string&>());
  if (event == nullptr || event->type == fb::Event::NONE) {
    return Bad("unknown_type", name, "unknown event type \"" + it->get<std::string>() + "\"");
  }
  return event;
}

class Encoder {
 public:
  explicit Encoder(flatbuffers::FlatBufferBuilder* fbb) : fbb_(fbb) {}

  // Encodes the catalogue fields of `event` found in `obj` as one table.
  Status Table(const ordered_json& obj, const spec::EventSpec& event, const std::string& prefix,
               int depth, flatbuffers::uoffset_t* out);
  // Encodes a nested event object ({"type": ..., fields}) as a union value.
  Status Nested(const ordered_json& obj, const std::string& prefix, int depth, uint8_t* type,
                flatbuffers::uoffset_t* out);

 private:
  struct Prepared {
    const Field* field = nullptr;
    flatbuffers::uoffset_t offset = 0;  // strings and nested tables
    int64_t i64 = 0;
    uint64_t u64 = 0;
    fb::Hash256 hash;
    uint8_t nested_type = 0;
  };

  Status Prepare(const Field& f, const ordered_json& v, const std::string& name, int depth,
                 Prepared* p);
  Status PrepareScalar(const Field& f, const ordered_json& v, const std::string& name, Prepared* p);
  Status PrepareEnum(const Field& f, const ordered_json& v, const std::string& name, Prepared* p);
  void Add(const Prepared& p);

  flatbuffers::FlatBufferBuilder* fbb_;
};

Status Encoder::PrepareScalar(const Field& f, const ordered_json& v, const std::string& name,
                              Prepared* p) {
  if (!v.is_number_integer()) return Bad("wrong_type", name, name + " must be a whole number");
  if (f.kind == Kind::kSeq) {
    if (!v.is_number_unsigned()) return Bad("invalid_field", name, name + " must be a seq >= 0");
    p->u64 = v.get<uint64_t>();
    return Status();
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Bad("invalid_amount", name, name + " is out of range");
  }
  p->i64 = v.get<int64_t>();
  if (f.kind == Kind::kInt32 && (p->i64 < INT32_MIN || p->i64 > INT32_MAX)) {
    return Bad("invalid_amount", name, name + " is out of range");
  }
  return Status();
}

Status Encoder::PrepareEnum(const Field& f, const ordered_json& v, const std::string& name,
                            Prepared* p) {
  if (!v.is_string()) return Bad("wrong_type", name, name + " must be a string");
  const auto& s = v.get_ref<const std::string&>();
  for (uint8_t i = 1; i < f.enum_count; ++i) {
    if (s == f.enum_names[i]) {
      p->i64 = i;
      return Status();
    }
  }
  return Bad("invalid_field", name, name + " must be one of " + EnumChoices(f));
}

Status Encoder::Prepare(const Field& f, const ordered_json& v, const std::string& name, int depth,
                        Prepared* p) {
  p->field = &f;
  switch (f.kind) {
    case Kind::kAmount:
    case Kind::kInt32:
    case Kind::kSeq: return PrepareScalar(f, v, name, p);
    case Kind::kEnum: return PrepareEnum(f, v, name, p);
    case Kind::kHash: {
      if (!v.is_string()) return Bad("wrong_type", name, name + " must be a string");
      std::array<uint8_t, 32> bytes;
      if (!HexDecode(v.get_ref<const std::string&>(), bytes)) {
        return Bad("invalid_field", name, name + " must be 64 hex digits");
      }
      p->hash = fb::Hash256(flatbuffers::span<const uint8_t, 32>(bytes.data(), 32));
      return Status();
    }
    case Kind::kEvent:
      if (!v.is_object()) return Bad("wrong_type", name, name + " must be an event object");
      return Nested(v, name + ".", depth + 1, &p->nested_type, &p->offset);
    default: break;
  }
  if (!v.is_string()) return Bad("wrong_type", name, name + " must be a string");
  const auto& s = v.get_ref<const std::string&>();
  if (s.size() > MaxBytes(f.kind)) return Bad("too_long", name, name + " is too long");
  p->offset = fbb_->CreateString(s).o;
  return Status();
}

void Encoder::Add(const Prepared& p) {
  const Field& f = *p.field;
  switch (f.kind) {
    case Kind::kAmount: fbb_->AddElement<int64_t>(f.voffset, p.i64, 0); break;
    case Kind::kInt32: fbb_->AddElement<int32_t>(f.voffset, static_cast<int32_t>(p.i64), 0); break;
    case Kind::kSeq: fbb_->AddElement<uint64_t>(f.voffset, p.u64, 0); break;
    case Kind::kEnum: fbb_->AddElement<uint8_t>(f.voffset, static_cast<uint8_t>(p.i64), 0); break;
    case Kind::kHash: fbb_->AddStruct(f.voffset, &p.hash); break;
    case Kind::kEvent:
      fbb_->AddElement<uint8_t>(f.type_voffset, p.nested_type, 0);
      fbb_->AddOffset(f.voffset, flatbuffers::Offset<void>(p.offset));
      break;
    default: fbb_->AddOffset(f.voffset, flatbuffers::Offset<flatbuffers::String>(p.offset)); break;
  }
}

Status Encoder::Table(const ordered_json& obj, const spec::EventSpec& event,
                      const std::string& prefix, int depth, flatbuffers::uoffset_t* out) {
  // Strings and nested tables must be built before the table that points at
  // them, so everything is prepared first and added second.
  std::vector<Prepared> prepared;
  prepared.reserve(event.fields.size());
  for (const Field& f : event.fields) {
    const std::string name = prefix + std::string(f.name);
    const auto it = obj.find(std::string(f.name));
    if (it == obj.end()) {
      if (f.required) return Bad("missing_field", name, name + " is required");
      continue;
    }
    Prepared p;
    LUMBUNG_RETURN_IF_ERROR(Prepare(f, *it, name, depth, &p));
    prepared.push_back(p);
  }
  const auto start = fbb_->StartTable();
  for (const Prepared& p : prepared) Add(p);
  *out = fbb_->EndTable(start);
  return Status();
}

Status Encoder::Nested(const ordered_json& obj, const std::string& prefix, int depth, uint8_t* type,
                       flatbuffers::uoffset_t* out) {
  if (depth > limits::kEventNestingMax) {
    return Bad("invalid_field", prefix + "type", "events cannot be nested this deep");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const spec::EventSpec* event, EventTypeOf(obj, prefix));
  LUMBUNG_RETURN_IF_ERROR(CheckKeys(obj, *event, {"type"}, prefix));
  *type = static_cast<uint8_t>(event->type);
  return Table(obj, *event, prefix, depth, out);
}

bool IsNik(const std::string& s) {
  if (s.size() != 16) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// pii: {name, nik, address?, phone?}. Checked fully here, since it never
// reaches an entry where the validator would see it.
Status DecodePii(const ordered_json& v, PersonalData* out) {
  if (!v.is_object()) return Bad("wrong_type", "pii", "pii must be an object");
  static constexpr std::string_view kKeys[] = {"name", "nik", "address", "phone"};
  std::string* targets[] = {&out->name, &out->nik, &out->address, &out->phone};
  for (const auto& [key, value] : v.items()) {
    const auto* k = std::find(std::begin(kKeys), std::end(kKeys), key);
    if (k == std::end(kKeys)) return Bad("invalid_field", "pii." + key, "unknown field pii." + key);
    if (!value.is_string())
      return Bad("wrong_type", "pii." + key, "pii." + key + " must be a string");
    const auto& s = value.get_ref<const std::string&>();
    const auto chars = Utf8Chars(s, false);
    if (!chars) return Bad("invalid_field", "pii." + key, "pii." + key + " must be UTF-8 text");
    if (*chars > limits::kTextCharsMax)
      return Bad("too_long", "pii." + key, "pii." + key + " is too long");
    *targets[k - std::begin(kKeys)] = s;
  }
  if (out->name.empty()) return Bad("missing_field", "pii.name", "pii.name is required");
  if (out->nik.empty()) return Bad("missing_field", "pii.nik", "pii.nik is required");
  if (!IsNik(out->nik)) return Bad("invalid_field", "pii.nik", "pii.nik must be 16 digits");
  return Status();
}

Status EncodeBody(const ordered_json& obj, std::string* body, std::optional<PersonalData>* pii) {
  LUMBUNG_ASSIGN_OR_RETURN(const spec::EventSpec* event, EventTypeOf(obj, ""));
  const bool enrolment = event->type == fb::Event::BeneficiaryEnrolled;
  LUMBUNG_RETURN_IF_ERROR(
      enrolment ? CheckKeys(obj, *event, {"type", "event_id", "effective_date", "memo", "pii"}, "")
                : CheckKeys(obj, *event, {"type", "event_id", "effective_date", "memo"}, ""));
  const auto date = obj.find("effective_date");
  if (date == obj.end())
    return Bad("missing_field", "effective_date", "effective_date is required");
  if (!date->is_string())
    return Bad("wrong_type", "effective_date", "effective_date must be a string");
  const auto memo = obj.find("memo");
  if (memo != obj.end() && !memo->is_string())
    return Bad("wrong_type", "memo", "memo must be a string");
  if (memo != obj.end() && memo->get_ref<const std::string&>().size() > 4 * limits::kMemoCharsMax) {
    return Bad("too_long", "memo", "memo is too long");
  }
  // With pii, the body carries a placeholder commitment of 32 zero bytes:
  // the writer seals the data and patches the real commitment into its copy
  // (it needs the vault's fresh salt, which the decoder cannot know).
  ordered_json with_placeholder;
  const ordered_json* fields = &obj;
  if (enrolment && obj.contains("pii")) {
    if (obj.contains("pii_commitment")) {
      return Bad("invalid_field", "pii_commitment",
                 "give either pii (the ledger computes the commitment) or pii_commitment, "
                 "not both");
    }
    PersonalData data;
    LUMBUNG_RETURN_IF_ERROR(DecodePii(obj["pii"], &data));
    *pii = std::move(data);
    with_placeholder = obj;
    with_placeholder["pii_commitment"] = std::string(2 * 32, '0');
    fields = &with_placeholder;
  }
  flatbuffers::FlatBufferBuilder fbb(512);
  fbb.ForceDefaults(true);
  Encoder encoder(&fbb);
  flatbuffers::uoffset_t table = 0;
  LUMBUNG_RETURN_IF_ERROR(encoder.Table(*fields, *event, "", 0, &table));
  // event_id was checked by the caller; a non-string here only ever happens
  // together with an event_id_error, which is reported first.
  const auto id = obj.find("event_id");
  const std::string event_id = id != obj.end() && id->is_string() ? id->get<std::string>() : "";
  const auto id_off = fbb.CreateString(event_id);
  const auto date_off = fbb.CreateString(date->get_ref<const std::string&>());
  const auto memo_off = memo != obj.end() ? fbb.CreateString(memo->get_ref<const std::string&>())
                                          : flatbuffers::Offset<flatbuffers::String>();
  fb::EventBodyBuilder b(fbb);
  b.add_event_id(id_off);
  b.add_effective_date(date_off);
  if (!memo_off.IsNull()) b.add_memo(memo_off);
  b.add_event_type(event->type);
  b.add_event(flatbuffers::Offset<void>(table));
  fbb.Finish(b.Finish());
  if (fbb.GetSize() > limits::kEventBodyBytesMax)
    return Bad("too_long", "", "the event is too large");
  body->assign(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
  return Status();
}

ordered_json TableToJson(const flatbuffers::Table& t, const spec::EventSpec& event);

ordered_json FieldToJson(const flatbuffers::Table& t, const Field& f) {
  switch (f.kind) {
    case Kind::kAmount: return t.GetField<int64_t>(f.voffset, 0);
    case Kind::kInt32: return t.GetField<int32_t>(f.voffset, 0);
    case Kind::kSeq: return t.GetField<uint64_t>(f.voffset, 0);
    case Kind::kEnum: {
      const uint8_t v = t.GetField<uint8_t>(f.voffset, 0);
      return v < f.enum_count ? ordered_json(f.enum_names[v]) : ordered_json(int{v});
    }
    case Kind::kHash: {
      const auto* h = t.GetStruct<const fb::Hash256*>(f.voffset);
      return HexEncode(std::span<const uint8_t>(h->bytes()->data(), 32));
    }
    case Kind::kEvent: {
      const auto type = static_cast<fb::Event>(t.GetField<uint8_t>(f.type_voffset, 0));
      const spec::EventSpec* nested = spec::FindSpec(type);
      const auto* inner = t.GetPointer<const flatbuffers::Table*>(f.voffset);
      if (nested == nullptr || inner == nullptr) return ordered_json(nullptr);
      return TableToJson(*inner, *nested);
    }
    default: return t.GetPointer<const flatbuffers::String*>(f.voffset)->str();
  }
}

ordered_json TableToJson(const flatbuffers::Table& t, const spec::EventSpec& event) {
  ordered_json out = ordered_json::object();
  out["type"] = event.name;
  for (const Field& f : event.fields) {
    const bool present = f.kind == Kind::kEvent ? t.GetField<uint8_t>(f.type_voffset, 0) != 0
                                                : t.CheckField(f.voffset);
    if (present) out[std::string(f.name)] = FieldToJson(t, f);
  }
  return out;
}

// Records duplicate keys during a parse; nlohmann would keep the last one
// silently, and a silently dropped value is what strict input exists to stop.
struct DuplicateKeyGuard {
  std::vector<std::set<std::string>> open;
  bool duplicate = false;
  std::string key;
};

}  // namespace

Result<ordered_json> ParseStrictJson(std::string_view text) {
  DuplicateKeyGuard guard;
  auto callback = [&guard](int /*depth*/, ordered_json::parse_event_t event, ordered_json& parsed) {
    using E = ordered_json::parse_event_t;
    if (event == E::object_start) guard.open.emplace_back();
    if (event == E::object_end && !guard.open.empty()) guard.open.pop_back();
    if (event == E::key && !guard.open.empty() && !guard.duplicate) {
      const auto& k = parsed.get_ref<const std::string&>();
      if (!guard.open.back().insert(k).second) {
        guard.duplicate = true;
        guard.key = k;
      }
    }
    return true;
  };
  ordered_json value = ordered_json::parse(text.begin(), text.end(), callback,
                                           /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Bad("malformed_json", "", "the text is not valid JSON");
  }
  if (guard.duplicate) {
    return Bad("malformed_json", guard.key, "the key \"" + guard.key + "\" appears twice");
  }
  return value;
}

EventInput DecodeEventObject(const ordered_json& value) {
  EventInput in;
  if (!value.is_object()) {
    in.event_id_error = Bad("malformed_json", "", "each event must be a JSON object");
    return in;
  }
  const auto id = value.find("event_id");
  if (id == value.end()) {
    in.event_id_error = Bad("missing_field", "event_id", "event_id is required");
  } else if (!id->is_string()) {
    in.event_id_error = Bad("wrong_type", "event_id", "event_id must be a string");
  } else {
    in.event_id = id->get<std::string>();
    in.event_id_error = ValidateEventId(in.event_id);
  }
  in.decode_error = EncodeBody(value, &in.body, &in.pii);
  if (!in.decode_error.ok()) in.body.clear();
  return in;
}

EventInput DecodeEventJson(std::string_view json_text) {
  auto parsed = ParseStrictJson(json_text);
  if (!parsed.ok()) {
    EventInput in;
    in.event_id_error = parsed.status();
    return in;
  }
  return DecodeEventObject(*parsed);
}

std::vector<EventInput> DecodeEventBatchJson(std::string_view json_text) {
  std::vector<EventInput> out;
  auto parsed = ParseStrictJson(json_text);
  if (!parsed.ok() || !(parsed->is_array() || parsed->is_object())) {
    EventInput in;
    in.event_id_error =
        parsed.ok() ? Bad("malformed_json", "", "expected an event or an array") : parsed.status();
    out.push_back(std::move(in));
    return out;
  }
  if (parsed->is_object()) {
    out.push_back(DecodeEventObject(*parsed));
    return out;
  }
  out.reserve(parsed->size());
  for (const auto& item : *parsed) out.push_back(DecodeEventObject(item));
  return out;
}

ordered_json EventBodyToJsonValue(const fb::EventBody& body) {
  const spec::EventSpec* event = spec::FindSpec(body.event_type());
  ordered_json out = ordered_json::object();
  out["type"] = event != nullptr ? std::string(event->name) : std::string("unknown");
  out["event_id"] = body.event_id() ? body.event_id()->str() : "";
  out["effective_date"] = body.effective_date() ? body.effective_date()->str() : "";
  if (body.memo() != nullptr) out["memo"] = body.memo()->str();
  const auto* table = static_cast<const flatbuffers::Table*>(body.event());
  if (event == nullptr || table == nullptr) return out;
  const ordered_json fields = TableToJson(*table, *event);
  for (const auto& [key, value] : fields.items()) {
    if (key != "type") out[key] = value;
  }
  return out;
}

std::string DumpJson(const ordered_json& value) {
  return value.dump(-1, ' ', false, ordered_json::error_handler_t::replace);
}

std::string EventBodyToJson(const fb::EventBody& body) {
  return DumpJson(EventBodyToJsonValue(body));
}

std::string_view EventTypeName(fb::Event type) {
  const spec::EventSpec* event = spec::FindSpec(type);
  return event != nullptr ? event->name : std::string_view();
}

std::optional<fb::Event> EventTypeFromName(std::string_view name) {
  const spec::EventSpec* event = spec::FindSpec(name);
  if (event == nullptr) return std::nullopt;
  return event->type;
}

const fb::EventBody* VerifyEventBody(std::string_view bytes, std::string* scratch, Status* status) {
  const char* data = bytes.data();
  // FlatBuffers reads scalars in place, so the buffer must be aligned for
  // the widest scalar (int64).
  if (reinterpret_cast<uintptr_t>(data) % 8 != 0) {
    scratch->assign(bytes.data(), bytes.size());
    data = scratch->data();
  }
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 64;
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(data), bytes.size(), options);
  if (bytes.empty() || bytes.size() > limits::kEventBodyBytesMax ||
      !verifier.VerifyBuffer<fb::EventBody>(nullptr)) {
    *status = Status::Corruption("the event body is not a valid FlatBuffer");
    return nullptr;
  }
  *status = Status();
  return flatbuffers::GetRoot<fb::EventBody>(data);
}

}  // namespace lumbung
