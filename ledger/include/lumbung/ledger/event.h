// Events in and out: the event JSON of DESIGN §7.1 decoded into the canonical
// EventBody bytes the writer stores, the shape validation every entry passes
// (live writes, rebuilds and bundle replays alike), and the JSON view of a
// stored event.
//
// Error codes (Status::reason) for a malformed event, each stable:
//   malformed_json   the text is not one JSON object (or array, for batches)
//   unknown_type     `type` names no event of the catalogue
//   missing_field    a required key is absent
//   wrong_type       a key's JSON type is wrong (e.g. "750000" for an amount)
//   too_long         a string is over its bound (ids 64, text 256, memo 1,024)
//   invalid_amount   an amount or count that is zero, negative or out of range
//   invalid_date     not a real calendar date "YYYY-MM-DD"
//   invalid_field    anything else about a field: an unknown key, a null, a
//                    bad identifier, enum name, region code or cycle
// The field is named in JSON terms ("amount", "replacement.amount").
//
// Thread safety: pure functions.

#ifndef LUMBUNG_LEDGER_EVENT_H_
#define LUMBUNG_LEDGER_EVENT_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/status.h"
#include "lumbung/fb/entry_generated.h"

namespace lumbung {

// Personal data given at enrolment. It never enters the log (DESIGN §8).
struct PersonalData {
  std::string name;
  std::string nik;  // 16-digit national id
  std::string address;
  std::string phone;
  friend bool operator==(const PersonalData&, const PersonalData&) = default;
};

// One event on its way to the writer. The writer reports problems in the
// order DESIGN §3.3 fixes: event_id shape, then idempotency, then
// `decode_error`, then the shape of the body, then the domain rules.
struct EventInput {
  std::string event_id;             // as submitted
  Status event_id_error;            // missing, wrong type, bad characters, too long
  Status decode_error;              // any other JSON-level problem; body is empty then
  std::string body;                 // canonical EventBody FlatBuffer bytes
  std::optional<PersonalData> pii;  // only on BeneficiaryEnrolled
};

// Decodes one event object. Never throws; problems are recorded in the input.
EventInput DecodeEventJson(std::string_view json_text);
// Decodes a JSON array of event objects, or a single object as a batch of
// one. A text that is neither is one input carrying malformed_json.
std::vector<EventInput> DecodeEventBatchJson(std::string_view json_text);

// The event's name as in DESIGN §3.2 ("AidDisbursed"); "" for NONE or an
// unknown value.
std::string_view EventTypeName(fb::Event type);
std::optional<fb::Event> EventTypeFromName(std::string_view name);

// Runs the FlatBuffers Verifier over body bytes (any alignment) and returns
// the root, or Corruption. `scratch` holds an aligned copy when needed and
// must outlive the returned pointer.
const fb::EventBody* VerifyEventBody(std::string_view bytes, std::string* scratch, Status* status);

// Shape validation of a verified body (DESIGN §3.3 "field shape"): every
// required field present, identifiers, dates, cycles, region codes, units,
// enums, bounded strings, positive amounts. Domain rules are not checked here.
Status ValidateEventBody(const fb::EventBody& body);
// Only the event_id rule; used first, before idempotency.
Status ValidateEventId(std::string_view event_id);

// Event JSON (DESIGN §7.1) of a stored body, as one line without newline.
std::string EventBodyToJson(const fb::EventBody& body);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_EVENT_H_
