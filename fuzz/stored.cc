// Fuzz target: what a ledger reads back from its own state at open, which
// someone holding the database files could have changed: stored group
// deltas (store::InflateDelta, ForEachDeltaEntry, ForEachDeltaRow, and the
// unfolded-rows cache LiveRows that reads and the fold use) and projection
// rows (domain::LoadRow, DecodeHistory).
//
// Input: the first byte picks the reader.
//   'D' stored-delta       the value of a 'd' key: a zstd frame of a
//                          GroupDelta, or a bare GroupDelta (older ledgers)
//   'R' len key value      one row of the state family: a key of `len` bytes
//                          (rows.h), then its value
//
// Properties checked besides "no crash, no sanitizer report":
//   - a delta's two readers agree on whether it is valid and on end_seq; its
//     entries have consecutive seqs ending just below end_seq;
//   - LiveRows holding the delta answers Get, Scan and FindReceipt as the
//     delta says (event id rows first, then its rows, the last one of a key
//     winning), and CollectFold gives the same rows, in key order;
//   - a projection row either loads or is refused as corruption, and a
//     refused row leaves the state empty; a loaded record is written back
//     under the key it came from, and the rows a loaded state writes back
//     load into a fresh state that writes back the same rows;
//   - a history row that decodes encodes to a row that decodes the same.

#include <algorithm>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lumbung/base/limits.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/domain/state.h"

#include "../ledger/store/db.h"
#include "../ledger/store/delta.h"
#include "../ledger/store/live_rows.h"
#include "fuzz.h"

namespace {

namespace store = lumbung::store;
namespace domain = lumbung::domain;

using Rows = std::map<std::string, std::optional<std::string>>;

// What the delta says every key holds after it, and its receipts.
struct Expected {
  uint64_t end_seq = 0;
  Rows rows;
  std::vector<std::pair<uint64_t, uint64_t>> receipts;  // (value, seq)
};

std::optional<Expected> ReadDelta(std::string_view blob) {
  Expected want;
  uint64_t entries_end = 0, rows_end = 0, next_seq = 0;
  size_t entries = 0;
  const lumbung::Status by_entry =
      store::ForEachDeltaEntry(blob, &entries_end, [&](const store::DeltaEntry& e) {
        FUZZ_CHECK(entries == 0 || e.seq == next_seq);
        next_seq = e.seq + 1;
        ++entries;
        want.rows[store::keys::EventId(e.event_id)] = lumbung::BigEndian64(e.seq);
        if (e.receipt_value) want.receipts.emplace_back(*e.receipt_value, e.seq);
      });
  const lumbung::Status by_row =
      store::ForEachDeltaRow(blob, &rows_end, [&](const store::DeltaRow& row) {
        FUZZ_CHECK(row.key.data() != nullptr || row.key.empty());
        want.rows[std::string(row.key)] =
            row.value ? std::optional<std::string>(std::string(*row.value)) : std::nullopt;
      });
  FUZZ_CHECK(by_entry.ok() == by_row.ok());
  if (!by_entry.ok()) {
    FUZZ_CHECK(by_entry.IsCorruption());
    return std::nullopt;
  }
  FUZZ_CHECK(entries_end == rows_end);
  FUZZ_CHECK(entries == 0 || next_seq == entries_end);
  want.end_seq = entries_end;
  std::sort(want.receipts.begin(), want.receipts.end());
  return want;
}

void CheckLiveRows(std::string_view blob, const Expected& want) {
  store::LiveRows live(/*base_fold_seq=*/0);
  const auto added = live.AddDelta(want.end_seq, blob);
  FUZZ_CHECK(added.ok());
  std::string value;
  for (const auto& [key, row] : want.rows) {
    const auto found = live.Get(0, want.end_seq, key, &value);
    FUZZ_CHECK(found.has_value());
    if (row) {
      FUZZ_CHECK(*found == store::LiveRows::Lookup::kFound && value == *row);
    } else {
      FUZZ_CHECK(*found == store::LiveRows::Lookup::kDeleted);
    }
  }
  auto next = want.rows.begin();
  FUZZ_CHECK(live.Scan(0, want.end_seq, "", [&](std::string_view key, auto row) {
    FUZZ_CHECK(next != want.rows.end() && key == next->first);
    FUZZ_CHECK(row.has_value() == next->second.has_value());
    if (row) FUZZ_CHECK(*row == *next->second);
    ++next;
  }));
  FUZZ_CHECK(next == want.rows.end());
  for (const std::pair<uint64_t, uint64_t>& receipt : want.receipts) {
    bool seen = false;
    FUZZ_CHECK(live.FindReceipt(0, want.end_seq, receipt.first,
                                [&](uint64_t seq) { seen |= seq == receipt.second; }));
    FUZZ_CHECK(seen);
  }
  store::LiveRows::FoldRows fold;
  FUZZ_CHECK(live.CollectFold(0, {want.end_seq}, want.rows.size() + 1, &fold));
  FUZZ_CHECK(fold.groups == 1 && fold.end_seq == want.end_seq);
  FUZZ_CHECK(fold.rows.size() == want.rows.size());
  size_t i = 0;
  for (const auto& [key, row] : want.rows) {
    FUZZ_CHECK(fold.rows[i].first == key);
    FUZZ_CHECK(fold.rows[i].second.has_value() == row.has_value());
    if (row) FUZZ_CHECK(*fold.rows[i].second == *row);
    ++i;
  }
  FUZZ_CHECK(fold.receipts == want.receipts);
}

void CheckDelta(std::string_view stored) {
  std::string buffer;
  const auto blob = store::InflateDelta(stored, &buffer);
  if (!blob.ok()) {
    FUZZ_CHECK(blob.status().IsCorruption());
    return;
  }
  FUZZ_CHECK(blob->size() <= lumbung::limits::kGroupDeltaBytesMax);
  const std::optional<Expected> want = ReadDelta(*blob);
  if (want) CheckLiveRows(*blob, *want);
}

Rows WriteBack(const domain::State& state) {
  Rows rows;
  domain::ForEachStateRow(state, [&](const std::string& key, const std::string& value) {
    FUZZ_CHECK(rows.emplace(key, value).second);  // each key once
  });
  return rows;
}

void CheckHistory(std::string_view value) {
  std::string unit;
  std::vector<domain::HistoryItem> items;
  const lumbung::Status decoded = domain::DecodeHistory(value, &unit, &items);
  if (!decoded.ok()) {
    FUZZ_CHECK(decoded.IsCorruption());
    return;
  }
  std::string unit2;
  std::vector<domain::HistoryItem> items2;
  FUZZ_CHECK(domain::DecodeHistory(domain::EncodeHistory(unit, items), &unit2, &items2).ok());
  FUZZ_CHECK(unit2 == unit && items2.size() == items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    FUZZ_CHECK(items2[i].seq == items[i].seq && items2[i].balance == items[i].balance);
  }
}

void CheckRow(std::string_view key, std::string_view value) {
  if (!key.empty() && key[0] == domain::kHistoryPrefix) CheckHistory(value);
  domain::State state;
  const lumbung::Status loaded = domain::LoadRow(state, key, value);
  if (!loaded.ok()) {
    FUZZ_CHECK(loaded.IsCorruption());
    FUZZ_CHECK(WriteBack(state).empty());  // a refused row changes nothing
    return;
  }
  domain::FinishLoad(state, /*applied=*/0);
  const Rows first = WriteBack(state);
  // The record is written back under the key it was loaded from.
  if (key[0] != domain::kHistoryPrefix) FUZZ_CHECK(first.count(std::string(key)) == 1);
  domain::State again;
  for (const auto& [k, v] : first) FUZZ_CHECK(domain::LoadRow(again, k, *v).ok());
  domain::FinishLoad(again, /*applied=*/0);
  FUZZ_CHECK(WriteBack(again) == first);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] == 'D') {
    CheckDelta(rest);
  } else if (data[0] == 'R' && !rest.empty()) {
    const size_t key_size = static_cast<uint8_t>(rest[0]);
    if (rest.size() - 1 < key_size) return 0;
    CheckRow(rest.substr(1, key_size), rest.substr(1 + key_size));
  }
  return 0;
}
