// The event codec: JSON in, canonical bytes, shape validation, JSON out.

#include <catch2/catch.hpp>
#include <flatbuffers/reflection.h>

#include "lumbung/ledger/event.h"
#include "lumbung/ledger/event_json.h"

#include "../ledger/domain/event_spec.h"
#include "test_util.h"

using namespace lumbung;
using nlohmann::ordered_json;

namespace {

const fb::EventBody& BodyOf(const EventInput& in, std::string* scratch) {
  Status st;
  const fb::EventBody* body = VerifyEventBody(in.body, scratch, &st);
  REQUIRE(body != nullptr);
  return *body;
}

// The first problem with an event, in the order the writer reports them.
Status FirstProblem(const std::string& json) {
  EventInput in = DecodeEventJson(json);
  if (!in.event_id_error.ok()) return in.event_id_error;
  if (!in.decode_error.ok()) return in.decode_error;
  std::string scratch;
  return ValidateEventBody(BodyOf(in, &scratch));
}

std::string Disbursement(const std::string& replace_from = "", const std::string& to = "") {
  std::string json =
      R"({"type":"AidDisbursed","event_id":"pkh-2026-11-000017","effective_date":"2026-11-03",)"
      R"("program_id":"pkh-2026","beneficiary_id":"hh-000017","cycle":"2026-11","amount":750000,)"
      R"("channel":"BANK"})";
  if (!replace_from.empty()) {
    const auto at = json.find(replace_from);
    REQUIRE(at != std::string::npos);
    json.replace(at, replace_from.size(), to);
  }
  return json;
}

}  // namespace

TEST_CASE("every event type round-trips JSON -> entry bytes -> JSON", "[codec]") {
  const auto samples = testing::SampleEventOfEveryType();
  REQUIRE(samples.size() == spec::Catalogue().size());
  for (const std::string& json : samples) {
    INFO(json);
    EventInput in = DecodeEventJson(json);
    REQUIRE(in.event_id_error.ok());
    REQUIRE(in.decode_error.ok());
    std::string scratch;
    const fb::EventBody& body = BodyOf(in, &scratch);
    CHECK(ValidateEventBody(body).ok());
    CHECK(ordered_json::parse(EventBodyToJson(body)) == ordered_json::parse(json));
  }
}

TEST_CASE("the catalogue covers every union member, in order", "[codec]") {
  const auto samples = testing::SampleEventOfEveryType();
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto type = ordered_json::parse(samples[i])["type"].get<std::string>();
    CHECK(EventTypeName(static_cast<fb::Event>(i + 1)) == type);
    CHECK(EventTypeFromName(type) == static_cast<fb::Event>(i + 1));
  }
  CHECK(EventTypeName(fb::Event::NONE).empty());
  CHECK_FALSE(EventTypeFromName("AidDisbursement").has_value());
}

TEST_CASE("the catalogue's field tables match the compiled schema exactly", "[codec]") {
  const std::string bfbs = testing::ReadFile(std::string(LUMBUNG_BFBS_DIR) + "/events.bfbs");
  REQUIRE_FALSE(bfbs.empty());
  flatbuffers::Verifier verifier(reinterpret_cast<const uint8_t*>(bfbs.data()), bfbs.size());
  REQUIRE(reflection::VerifySchemaBuffer(verifier));
  const reflection::Schema* schema = reflection::GetSchema(bfbs.data());
  size_t tables_checked = 0;
  for (const spec::EventSpec& event : spec::Catalogue()) {
    INFO(event.name);
    const auto* object =
        schema->objects()->LookupByKey(("lumbung.fb." + std::string(event.name)).c_str());
    REQUIRE(object != nullptr);
    size_t schema_fields = 0;
    for (const reflection::Field* field : *object->fields()) {
      if (field->type()->base_type() == reflection::UType) continue;  // the union's _type
      ++schema_fields;
      INFO(field->name()->str());
      const auto it =
          std::find_if(event.fields.begin(), event.fields.end(),
                       [&](const spec::Field& f) { return f.name == field->name()->str(); });
      REQUIRE(it != event.fields.end());
      CHECK(it->voffset == field->offset());
      if (field->required()) CHECK(it->required);
    }
    CHECK(schema_fields == event.fields.size());
    ++tables_checked;
  }
  CHECK(tables_checked == 20);
}

TEST_CASE("equal events encode to equal bytes whatever the key order", "[codec]") {
  const EventInput a = DecodeEventJson(Disbursement());
  const EventInput b = DecodeEventJson(
      R"({"amount":750000,"channel":"BANK","cycle":"2026-11","beneficiary_id":"hh-000017",)"
      R"("program_id":"pkh-2026","effective_date":"2026-11-03","event_id":"pkh-2026-11-000017",)"
      R"("type":"AidDisbursed"})");
  REQUIRE(a.decode_error.ok());
  REQUIRE(b.decode_error.ok());
  CHECK(a.body == b.body);
  const EventInput c = DecodeEventJson(Disbursement("750000", "750001"));
  CHECK(a.body != c.body);
}

TEST_CASE("each kind of malformed event has its own stable code and names the field", "[codec]") {
  struct Case {
    std::string json;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"type":"AidDisbursed",)", "malformed_json", ""},
      {R"([1,2])", "malformed_json", ""},
      {R"({"type":"AidDisbursed","type":"AidDisbursed"})", "malformed_json", "type"},
      {Disbursement("\"AidDisbursed\"", "\"AidDisbursement\""), "unknown_type", "type"},
      {Disbursement("\"type\":\"AidDisbursed\",", ""), "missing_field", "type"},
      {Disbursement(",\"amount\":750000", ""), "missing_field", "amount"},
      {Disbursement("\"event_id\":\"pkh-2026-11-000017\",", ""), "missing_field", "event_id"},
      {Disbursement("750000", "\"750000\""), "wrong_type", "amount"},
      {Disbursement("750000", "750000.5"), "wrong_type", "amount"},
      {Disbursement("\"hh-000017\"", "17"), "wrong_type", "beneficiary_id"},
      {Disbursement("\"pkh-2026-11-000017\"", "17"), "wrong_type", "event_id"},
      {Disbursement("\"hh-000017\"", "\"" + std::string(65, 'h') + "\""), "too_long",
       "beneficiary_id"},
      {Disbursement("\"channel\":\"BANK\"",
                    "\"channel\":\"BANK\",\"provider_ref\":\"" + std::string(257, 'r') + "\""),
       "too_long", "provider_ref"},
      {Disbursement("750000", "-750000"), "invalid_amount", "amount"},
      {Disbursement("750000", "0"), "invalid_amount", "amount"},
      {Disbursement("750000", "9223372036854775808"), "invalid_amount", "amount"},
      {Disbursement("2026-11-03", "2026-02-30"), "invalid_date", "effective_date"},
      {Disbursement("2026-11-03", "03-11-2026"), "invalid_date", "effective_date"},
      {Disbursement("\"BANK\"", "\"GOPAY\""), "invalid_field", "channel"},
      {Disbursement("\"2026-11\"", "\"2026-13\""), "invalid_field", "cycle"},
      {Disbursement("\"hh-000017\"", "\"hh 17\""), "invalid_field", "beneficiary_id"},
      {Disbursement("\"pkh-2026-11-000017\"", "\"\""), "invalid_field", "event_id"},
      {Disbursement("\"amount\"", "\"amout\""), "invalid_field", "amout"},
      {Disbursement("\"channel\":\"BANK\"", "\"channel\":\"BANK\",\"batch_id\":null"),
       "invalid_field", "batch_id"},
  };
  std::set<std::string> codes;
  for (const Case& c : cases) {
    INFO(c.json);
    const Status st = FirstProblem(c.json);
    CHECK(st.IsRejected());
    CHECK(st.reason() == c.code);
    CHECK(st.field() == c.field);
    CHECK_FALSE(st.message().empty());
    codes.insert(std::string(st.reason()));
  }
  // malformed JSON, unknown type, missing field, wrong type, too long,
  // invalid amount, invalid date, invalid field: eight distinct codes.
  CHECK(codes.size() == 8);
}

TEST_CASE("field shapes: regions, cycles, units, enums and nested replacements", "[codec]") {
  auto enrol = [](const std::string& region) {
    return R"({"type":"BeneficiaryEnrolled","event_id":"e1","effective_date":"2026-01-08",)"
           R"("program_id":"pkh-2026","beneficiary_id":"hh-1","region_code":")" +
           region + R"(","source":"DTSEN"})";
  };
  CHECK(FirstProblem(enrol("31.75.07.1005")).ok());
  CHECK(FirstProblem(enrol("31.75.07.1005.03")).ok());
  CHECK(FirstProblem(enrol("31.75.07.1005.03.005")).ok());
  CHECK(FirstProblem(enrol("31.75.07")).reason() == "invalid_field");
  CHECK(FirstProblem(enrol("31.75.7.1005")).reason() == "invalid_field");
  CHECK(FirstProblem(enrol("31.75.07.1005.03.005.1")).reason() == "invalid_field");
  CHECK(FirstProblem(enrol("31.75.07.1005.")).reason() == "invalid_field");
  CHECK(FirstProblem(Disbursement("\"2026-11\"", "\"2026-Q4\"")).ok());
  CHECK(FirstProblem(Disbursement("\"2026-11\"", "\"2026-Q5\"")).reason() == "invalid_field");
  CHECK(FirstProblem(Disbursement("\"BANK\"", "\"UNSPECIFIED\"")).reason() == "invalid_field");
  const std::string correction =
      R"({"type":"EventCorrected","event_id":"c1","effective_date":"2026-11-04","target_seq":42,)"
      R"("reason":"salah ketik","replacement":{"type":"AidDisbursed","program_id":"pkh-2026",)"
      R"("beneficiary_id":"hh-1","cycle":"2026-11","amount":-5,"channel":"BANK"}})";
  const Status st = FirstProblem(correction);
  CHECK(st.reason() == "invalid_amount");
  CHECK(st.field() == "replacement.amount");
  std::string nested_id = correction;
  nested_id.replace(nested_id.find("\"program_id\":\"pkh-2026\","), 0, "\"event_id\":\"x\",");
  CHECK(FirstProblem(nested_id).field() == "replacement.event_id");
  std::string unit_event = testing::SampleEventOfEveryType()[1];
  unit_event.replace(unit_event.find("\"IDR\""), 5, "\"idr\"");
  CHECK(FirstProblem(unit_event).field() == "unit");
}

TEST_CASE("ids take exactly A-Z a-z 0-9 . _ : - in every position", "[codec]") {
  for (int c = 0; c < 256; ++c) {
    const bool allowed = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-';
    INFO("character " << c);
    // Alone, and inside a longer id (the check runs 16 characters a step).
    const std::string one(1, static_cast<char>(c));
    std::string long_id(40, 'a');
    long_id[c % 40] = static_cast<char>(c);
    CHECK(ValidateEventId(one).ok() == allowed);
    CHECK(ValidateEventId(long_id).ok() == allowed);
  }
  CHECK(ValidateEventId(std::string(64, 'z')).ok());
  CHECK(ValidateEventId(std::string(65, 'z')).reason() == "too_long");
  CHECK(ValidateEventId("").reason() == "invalid_field");
}

TEST_CASE("memo and text bounds are counted in characters, not bytes", "[codec]") {
  const std::string indonesian_a = "\xC3\xA1";  // á: 2 bytes, 1 character
  std::string name;
  for (int i = 0; i < 256; ++i) name += indonesian_a;
  std::string ok = testing::SampleEventOfEveryType()[1];
  ok.replace(ok.find("Program Keluarga Harapan 2026"), 29, name);
  CHECK(FirstProblem(ok).ok());
  std::string too_long = ok;
  too_long.replace(too_long.find(name), 0, "x");
  CHECK(FirstProblem(too_long).reason() == "too_long");
  const std::string memo = Disbursement(
      "\"channel\":\"BANK\"", "\"channel\":\"BANK\",\"memo\":\"" + std::string(1025, 'm') + "\"");
  CHECK(FirstProblem(memo).reason() == "too_long");
  CHECK(FirstProblem(memo).field() == "memo");
}

TEST_CASE("a batch decodes arrays, single objects, and reports non-batches", "[codec]") {
  CHECK(DecodeEventBatchJson("[" + Disbursement() + "," + Disbursement() + "]").size() == 2);
  CHECK(DecodeEventBatchJson(Disbursement()).size() == 1);
  const auto bad = DecodeEventBatchJson("42");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0].event_id_error.reason() == "malformed_json");
}

TEST_CASE("a corrupted body fails verification instead of being read", "[codec]") {
  EventInput in = DecodeEventJson(Disbursement());
  REQUIRE(in.decode_error.ok());
  std::string scratch;
  Status st;
  for (size_t i = 0; i < in.body.size(); ++i) {
    std::string bytes = in.body;
    bytes[i] = static_cast<char>(bytes[i] ^ 0xFF);
    const fb::EventBody* body = VerifyEventBody(bytes, &scratch, &st);
    if (body != nullptr) {
      // Still a valid FlatBuffer: then reading it must be safe, and the
      // validator decides.
      (void)ValidateEventBody(*body);
      (void)EventBodyToJson(*body);
    } else {
      CHECK(st.IsCorruption());
    }
  }
  CHECK(VerifyEventBody("", &scratch, &st) == nullptr);
  CHECK(VerifyEventBody("garbage!", &scratch, &st) == nullptr);
}
