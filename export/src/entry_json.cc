#include "lumbung/export/entry_json.h"

#include <nlohmann/json.hpp>

#include "lumbung/ledger/event_json.h"

namespace lumbung::exports {

std::string EntryJsonLine(uint64_t seq, const audit::Hash& leaf_hash,
                          const audit::VerifiedEntry& entry) {
  const fb::Entry& e = entry.entry();
  const nlohmann::ordered_json line = {{"seq", seq},
                                       {"leaf_hash", audit::ToHex(leaf_hash)},
                                       {"entry", audit::Base64Encode(entry.bytes())},
                                       {"event", EventBodyToJsonValue(entry.body())},
                                       {"recorded_at_ms", e.recorded_at_ms()},
                                       {"actor", e.actor()->str()}};
  return DumpJson(line);
}

}  // namespace lumbung::exports
