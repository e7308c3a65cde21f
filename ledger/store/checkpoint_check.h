// The live verifier's checks of stored checkpoints (used by verify.cc):
// every note in the `checkpoints` column family must open with the key
// entry 0 records, be a checkpoint of this ledger for the size it is stored
// under, lie within the log, and sign the root recomputed from the entries
// at that size. The roots come from the verifier's own walk (a TreeWatcher
// on its ChainVerifier), never from the stored tree, which is what is being
// checked. Memory: about 48 bytes per stored checkpoint.
//
// Thread safety: thread-compatible; one per verification.

#ifndef LUMBUNG_LEDGER_STORE_CHECKPOINT_CHECK_H_
#define LUMBUNG_LEDGER_STORE_CHECKPOINT_CHECK_H_

#include "lumbung/audit/chain.h"
#include "lumbung/audit/tree_watch.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::store {

class CheckpointAudit {
 public:
  // Lists the stored checkpoints' sizes and has `chain`'s walk keep the
  // roots at those sizes. Construct before the walk's first Add.
  CheckpointAudit(const LedgerSnapshot& snapshot, audit::ChainVerifier* chain);
  CheckpointAudit(const CheckpointAudit&) = delete;  // the chain's visitor points here
  CheckpointAudit& operator=(const CheckpointAudit&) = delete;
  // After the walk: records a problem in the chain for each checkpoint that
  // fails a check.
  void Check();

 private:
  const LedgerSnapshot& snapshot_;
  audit::ChainVerifier* chain_;
  audit::TreeWatcher watcher_;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_CHECKPOINT_CHECK_H_
