// The event catalogue as data: for every event type, its fields in schema
// order with the kind of value each holds. One table drives JSON decoding,
// canonical encoding, shape validation and JSON output, so the four cannot
// disagree; a test checks the table against the binary schema (bfbs), so the
// table cannot drift from events.fbs either.

#ifndef LUMBUNG_LEDGER_DOMAIN_EVENT_SPEC_H_
#define LUMBUNG_LEDGER_DOMAIN_EVENT_SPEC_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "lumbung/fb/entry_generated.h"

namespace lumbung::spec {

enum class Kind : uint8_t {
  kId,           // string [A-Za-z0-9._:-]{1,64}
  kText,         // string, 1..256 code points, no control characters
  kUnit,         // string [A-Z][A-Z0-9_]{0,15}
  kSource,       // string [A-Z][A-Z0-9_]{0,31}
  kRegion,       // string pp.kk.cc.dddd[.rw[.rt]]
  kDate,         // string YYYY-MM-DD
  kCycle,        // string YYYY-MM or YYYY-Qn
  kOrigin,       // string: checkpoint origin / key name
  kVerifierKey,  // string: signed-note verifier key
  kAmount,       // int64 in minor units, > 0
  kInt32,        // int32 within [min, max]
  kSeq,          // uint64 entry seq
  kEnum,         // uint8 enum, named in JSON, 0 (UNSPECIFIED) refused
  kHash,         // Hash256 struct, lowercase hex in JSON
  kEvent,        // nested Event union (EventCorrected.replacement)
};

struct Field {
  std::string_view name;
  Kind kind;
  uint16_t voffset;
  bool required;
  // kEnum: generated names, indexed by value; count = number of values.
  const char* const* enum_names = nullptr;
  uint8_t enum_count = 0;
  // kInt32 bounds (inclusive).
  int32_t min = 0;
  int32_t max = 0;
  // kEvent: vtable offset of the union's type field.
  uint16_t type_voffset = 0;
};

struct EventSpec {
  std::string_view name;
  fb::Event type;
  std::span<const Field> fields;
};

// The catalogue, in union order (index = enum value - 1).
std::span<const EventSpec> Catalogue();
// nullptr for NONE or a value this build does not know.
const EventSpec* FindSpec(fb::Event type);
const EventSpec* FindSpec(std::string_view name);

}  // namespace lumbung::spec

#endif  // LUMBUNG_LEDGER_DOMAIN_EVENT_SPEC_H_
