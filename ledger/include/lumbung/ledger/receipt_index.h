// Finding an entry by its receipt code (receipt.h) without reading the log:
// the writer keeps one row per entry in the `index` column family, written
// in the same WriteBatch as the entry itself,
//
//   'c' BE64(receipt value: the leaf hash's first 50 bits) BE64(seq) -> ""
//
// so every entry whose code is typed is one prefix seek away. Two entries
// whose codes collide (50 bits: about one pair in 2^51 / n^2 ledgers) get
// two rows under one prefix; both are found. Ledgers made before the index
// get it built once, the first time they are opened for writing (meta
// "receipt_index" = "1" marks it done).
//
// Thread safety: pure functions of the snapshot.

#ifndef LUMBUNG_LEDGER_RECEIPT_INDEX_H_
#define LUMBUNG_LEDGER_RECEIPT_INDEX_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung {

struct ReceiptMatch {
  uint64_t seq = 0;
  audit::Hash leaf_hash{};
};

// The entries, in seq order, whose receipt code is `code` (canonical form,
// NormalizeReceiptCode). Each is confirmed by hashing the stored entry: an
// index row that points at an entry of another code is Corruption naming
// its seq. Empty when no entry has the code. InvalidArgument (reason
// invalid_receipt_code, field "code") for a code that is not well formed;
// FailedPrecondition (reason receipt_index_missing) on a read-only open of
// a ledger whose index was never built.
Result<std::vector<ReceiptMatch>> FindReceipt(const LedgerSnapshot& snapshot,
                                              std::string_view code);

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_RECEIPT_INDEX_H_
