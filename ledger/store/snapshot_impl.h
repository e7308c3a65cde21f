// Internals of LedgerSnapshot, shared by the snapshot reads and the
// verifier (which walks the snapshot's RocksDB iterators directly).

#ifndef LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_
#define LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_

#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "lumbung/ledger/ledger.h"

#include "db.h"
#include "live_rows.h"
#include "tiles.h"

namespace lumbung {

// One RocksDB snapshot and what was read with it. Immutable once made (the
// overlay is built once, under its once_flag), so several LedgerSnapshots
// of the same database state share one Impl from several threads.
struct LedgerSnapshot::Impl {
  Impl() = default;
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl();

  store::Db* db = nullptr;
  const rocksdb::Snapshot* snapshot = nullptr;
  uint64_t size = 0;
  // The writing process's cache of unfolded rows (null in read-only opens),
  // usable while it is based on this snapshot's fold watermark.
  const store::LiveRows* live = nullptr;
  uint64_t fold_seq = 0;
  std::unique_ptr<store::TileReader> tiles;

  // Rows of deltas not yet folded, newest version of each key; built on
  // first use (most snapshots never need it).
  mutable std::once_flag overlay_once;
  mutable std::map<std::string, std::optional<std::string>> overlay;  // ordered: prefix scans
  mutable Status overlay_status;

  rocksdb::ReadOptions Read() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot;
    return ro;
  }
};

namespace store {
std::unique_ptr<LedgerSnapshot> MakeSnapshot(Db* db, const LiveRows* live = nullptr);
// A new view of the database as it is now.
std::shared_ptr<const LedgerSnapshot::Impl> MakeSnapshotImpl(Db* db, const LiveRows* live);
// A derived row (index or projection) as of the snapshot: the newest
// unfolded delta holding `key`, else the folded row; nullopt if absent.
Result<std::optional<std::string>> GetRow(const LedgerSnapshot::Impl& impl, std::string_view key);
// Builds the overlay of unfolded delta rows on first use.
Status EnsureOverlay(const LedgerSnapshot::Impl& impl);
}  // namespace store

}  // namespace lumbung

#endif  // LUMBUNG_LEDGER_STORE_SNAPSHOT_IMPL_H_
