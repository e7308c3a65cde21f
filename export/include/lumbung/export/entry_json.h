// One entry as a JSON line, the shape `lumbung log` prints (DESIGN §7.1):
//   {"seq":N,"leaf_hash":"<hex>","entry":"<base64 of the stored bytes>",
//    "event":{<event JSON>},"recorded_at_ms":T,"actor":"<principal>"}
// Used for a bundle's entries.jsonl.
//
// Thread safety: pure function.

#ifndef LUMBUNG_EXPORT_ENTRY_JSON_H_
#define LUMBUNG_EXPORT_ENTRY_JSON_H_

#include <cstdint>
#include <string>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/hash.h"

namespace lumbung::exports {

// `leaf_hash` must be LeafHash(entry.bytes()). No trailing newline.
std::string EntryJsonLine(uint64_t seq, const audit::Hash& leaf_hash,
                          const audit::VerifiedEntry& entry);

}  // namespace lumbung::exports

#endif  // LUMBUNG_EXPORT_ENTRY_JSON_H_
