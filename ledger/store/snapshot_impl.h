// Internals of LedgerSnapshot, shared by the snapshot reads and the
// verifier (which walks the snapshot's RocksDB iterators directly).

#ifndef LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_
#define LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_

#include <memory>

#include "lumbung/ledger/ledger.h"

#include "db.h"
#include "tiles.h"

namespace lumbung {

struct LedgerSnapshot::Impl {
  store::Db* db = nullptr;
  const rocksdb::Snapshot* snapshot = nullptr;
  std::unique_ptr<store::TileReader> tiles;

  rocksdb::ReadOptions Read() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    return ro;
  }
};

namespace store {
std::unique_ptr<LedgerSnapshot> MakeSnapshot(Db* db);
}  // namespace store

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_
