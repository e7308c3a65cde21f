// The receipt index's rows (lumbung/ledger/receipt_index.h): their keys,
// and the one-time build for ledgers made before the index.
//
// Thread safety: BuildReceiptIndex must run before the writer starts; the
// key functions are pure.

#ifndef LUMBUNG_LEDGER_STORE_RECEIPT_INDEX_H_
#define LUMBUNG_LEDGER_STORE_RECEIPT_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"
#include "lumbung/base/status.h"

#include "db.h"
#include "delta.h"

namespace lumbung::store {

// Rows 'c' (kReceiptRowPrefix, delta.h) are written by the fold from the
// group deltas, like the event_id rows ('e'); the writer puts no rows in the
// index family, so an ingested file never overlaps its memtable (which
// would force a flush).
inline constexpr size_t kReceiptRowBytes = 1 + 8 + 8;
inline constexpr std::string_view kMetaReceiptIndex = "receipt_index";

// 'c' BE64(value) BE64(seq); the prefix of every row of one code is the
// first 9 bytes.
std::string ReceiptRowKey(uint64_t receipt_value, uint64_t seq);
std::string ReceiptRowPrefix(uint64_t receipt_value);
// The row of the entry at `seq` whose leaf hash is `leaf_hash`.
std::string ReceiptRowKey(const audit::Hash& leaf_hash, uint64_t seq);

// Writes a row for every stored entry and then the meta mark, unless the
// mark is there. Idempotent: a crash midway leaves rows that are rewritten
// the same on the next open.
Status BuildReceiptIndex(Db& db);

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_RECEIPT_INDEX_H_
