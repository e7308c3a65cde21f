// Fuzz target: the event JSON codec and the shape validator (event.h,
// event_json.h). The input is one JSON text, decoded both as one event and
// as a batch.
//
// Properties checked besides "no crash, no sanitizer report":
//   - every body the decoder produces passes the FlatBuffers Verifier;
//   - a body that also passes ValidateEventBody, under a valid event_id,
//     survives JSON and back byte for byte (the encoding is canonical);
//   - a single object decodes the same way alone and as a batch of one.

#include "lumbung/ledger/event_json.h"

#include <string>
#include <vector>

#include "lumbung/ledger/event.h"

#include "fuzz.h"

namespace {

using lumbung::EventInput;

void CheckDecoded(const EventInput& in) {
  if (!in.decode_error.ok()) FUZZ_CHECK(in.body.empty());
  if (in.body.empty()) return;
  FUZZ_CHECK(in.decode_error.ok());
  std::string scratch;
  lumbung::Status verified;
  const lumbung::fb::EventBody* body = lumbung::VerifyEventBody(in.body, &scratch, &verified);
  FUZZ_CHECK(body != nullptr);
  const bool valid = lumbung::ValidateEventBody(*body).ok();
  const std::string json = lumbung::EventBodyToJson(*body);
  FUZZ_CHECK(lumbung::ParseStrictJson(json).ok());
  if (!valid || !in.event_id_error.ok()) return;
  const EventInput again = lumbung::DecodeEventJson(json);
  FUZZ_CHECK(again.event_id_error.ok());
  FUZZ_CHECK(again.decode_error.ok());
  FUZZ_CHECK(again.event_id == in.event_id);
  FUZZ_CHECK(again.body == in.body);
}

bool SameDecoding(const EventInput& a, const EventInput& b) {
  return a.event_id == b.event_id && a.body == b.body && a.pii == b.pii &&
         a.event_id_error.reason() == b.event_id_error.reason() &&
         a.decode_error.reason() == b.decode_error.reason() &&
         a.decode_error.field() == b.decode_error.field();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = lumbung::fuzz::AsText(data, size);
  const EventInput one = lumbung::DecodeEventJson(text);
  CheckDecoded(one);
  const std::vector<EventInput> batch = lumbung::DecodeEventBatchJson(text);
  for (const EventInput& in : batch) CheckDecoded(in);
  const auto parsed = lumbung::ParseStrictJson(text);
  if (!parsed.ok() || parsed->is_object()) {
    FUZZ_CHECK(batch.size() == 1);
    FUZZ_CHECK(SameDecoding(one, batch.front()));
  }
  return 0;
}
