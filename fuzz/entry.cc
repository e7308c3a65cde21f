// Fuzz target: the entry FlatBuffer reader (audit::VerifiedEntry), one step
// of the chain walk (audit::ChainVerifier), and what every reader of an
// entry does next: shape validation and the JSON view of its body. The
// input is the bytes of one stored entry (as `lumbung log` prints them in
// base64, or one frame of a bundle's entries.bin without its header).
//
// The same bytes are also read as a stored value of the entries column
// family (store::RunReader: a run of entries, or one bare entry).
//
// Properties checked besides "no crash, no sanitizer report":
//   - Load keeps exactly the input bytes, and fails without leaving a view;
//   - the chain accepts the entry as entry 0 exactly when it loads, carries
//     seq 0 and has an all-zero prev_hash;
//   - the JSON view is JSON, and for a body that passes ValidateEventBody it
//     decodes back to a body with the same JSON view;
//   - a run that opens hands out `count` entries with consecutive seqs ending
//     at its key, each inside the value, which they and the header fill.

#include <algorithm>
#include <cstring>
#include <span>
#include <string>

#include "lumbung/audit/chain.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/event_json.h"

#include "../ledger/store/entry_runs.h"
#include "fuzz.h"

namespace {

using lumbung::audit::VerifiedEntry;

void CheckBody(const lumbung::fb::EventBody& body) {
  const bool valid = lumbung::ValidateEventBody(body).ok();
  const std::string json = lumbung::EventBodyToJson(body);
  FUZZ_CHECK(lumbung::ParseStrictJson(json).ok());
  if (!valid) return;
  const lumbung::EventInput again = lumbung::DecodeEventJson(json);
  FUZZ_CHECK(again.event_id_error.ok());
  // The entry's body need not be canonical, so its re-encoding may differ in
  // bytes, and be larger: only a body past the limit may be refused.
  if (again.decode_error.reason() == "too_long" && again.decode_error.field().empty()) return;
  FUZZ_CHECK(again.decode_error.ok());
  std::string scratch;
  lumbung::Status verified;
  const lumbung::fb::EventBody* body2 = lumbung::VerifyEventBody(again.body, &scratch, &verified);
  FUZZ_CHECK(body2 != nullptr);
  FUZZ_CHECK(lumbung::ValidateEventBody(*body2).ok());
  FUZZ_CHECK(lumbung::EventBodyToJson(*body2) == json);
}

void CheckStoredValue(std::span<const uint8_t> bytes) {
  constexpr uint64_t kKey = 40;
  const std::string_view value(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  lumbung::store::RunReader run;
  if (!run.Open(kKey, value).ok()) return;
  uint64_t seq = 0, expected = run.first_seq();
  std::string_view entry;
  size_t count = 0, total = 0;
  while (run.Next(&seq, &entry)) {
    FUZZ_CHECK(seq == expected++);
    FUZZ_CHECK(entry.data() >= value.data() &&
               entry.data() + entry.size() <= value.data() + value.size());
    total += entry.size();
    ++count;
  }
  FUZZ_CHECK(count == run.count() && seq == kKey);
  FUZZ_CHECK(count == 1 ? total == value.size() : total + 8 + 4 * count == value.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> bytes(data, size);
  CheckStoredValue(bytes);
  VerifiedEntry entry;
  const lumbung::Status loaded = entry.Load(bytes);
  FUZZ_CHECK(loaded.ok() == entry.loaded());

  bool first_in_chain = false;
  if (loaded.ok()) {
    FUZZ_CHECK(std::equal(bytes.begin(), bytes.end(), entry.bytes().begin(), entry.bytes().end()));
    const std::string_view body_bytes = entry.body_bytes();
    FUZZ_CHECK(!body_bytes.empty());
    FUZZ_CHECK(body_bytes.data() >= reinterpret_cast<const char*>(entry.bytes().data()) &&
               body_bytes.data() + body_bytes.size() <=
                   reinterpret_cast<const char*>(entry.bytes().data() + entry.bytes().size()));
    const auto* prev = entry.entry().prev_hash()->bytes();
    first_in_chain = entry.entry().seq() == 0 &&
                     std::all_of(prev->begin(), prev->end(), [](uint8_t b) { return b == 0; });
    (void)entry.entry().recorded_at_ms();
    (void)entry.entry().actor()->string_view();
    CheckBody(entry.body());
  }

  lumbung::audit::ChainVerifier chain;
  const bool accepted = chain.Add(0, bytes);
  FUZZ_CHECK(accepted == first_in_chain);
  FUZZ_CHECK(accepted == chain.ok());
  FUZZ_CHECK(chain.size() == 1);
  chain.Finish(1);
  FUZZ_CHECK(accepted == chain.ok());
  if (accepted) {
    FUZZ_CHECK(chain.Root() == lumbung::audit::LeafHash(bytes));
    // The same entry again at seq 1 breaks the chain: its prev_hash is zeros.
    FUZZ_CHECK(!chain.Add(1, bytes));
  }
  return 0;
}
