// The public oversight endpoints (docs/oversight.md): the export as a tar,
// and one receipt code's entry with its inclusion proof.

#ifndef LUMBUNG_API_SRC_OVERSIGHT_ROUTES_H_
#define LUMBUNG_API_SRC_OVERSIGHT_ROUTES_H_

#include "routes.h"

namespace lumbung::api {

// GET /v1/exports/oversight[?program=P]: the folder of `lumbung export
// oversight` as a tar, written off the I/O threads, one at a time (a second
// request meanwhile is answered 503).
void GetOversight(Call& c);

// GET /v1/receipts/{code}: {seq, receipt, leaf_hash, entry, event,
// tree_size, root, proof, checkpoint} against the newest signed checkpoint
// covering the entry; tree_size, root, proof and checkpoint are null (and
// "pending" says why) while none covers it yet. 400 invalid_receipt_code
// (field "code") for a mistyped code, 404 unknown_receipt for a code no
// entry has. Should two entries share a code, the lower seq is answered
// and "other_seqs" lists the rest.
void GetReceipt(Call& c);

}  // namespace lumbung::api

#endif  // LUMBUNG_API_SRC_OVERSIGHT_ROUTES_H_
