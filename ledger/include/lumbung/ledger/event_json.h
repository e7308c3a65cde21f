// JSON-value forms of the event codec, for code that already holds parsed
// JSON (the HTTP batch endpoint, exports) and wants no second parse. Kept
// apart from event.h because nlohmann/json is heavy to compile.
//
// Thread safety: pure functions.

#ifndef LUMBUNG_LEDGER_EVENT_JSON_H_
#define LUMBUNG_LEDGER_EVENT_JSON_H_

#include <string_view>

#include <nlohmann/json.hpp>

#include "lumbung/base/result.h"
#include "lumbung/ledger/event.h"

namespace lumbung {

// Parses one JSON text strictly: any syntax error, invalid UTF-8 or a
// duplicate key in any object is malformed_json. Never throws.
Result<nlohmann::ordered_json> ParseStrictJson(std::string_view text);

// Decodes one parsed event object (see DecodeEventJson).
EventInput DecodeEventObject(const nlohmann::ordered_json& value);

// The event JSON object of a body, keys in catalogue order.
nlohmann::ordered_json EventBodyToJsonValue(const fb::EventBody& body);

// Dumps JSON on one line; invalid UTF-8 is replaced, never thrown on.
std::string DumpJson(const nlohmann::ordered_json& value);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_EVENT_JSON_H_
