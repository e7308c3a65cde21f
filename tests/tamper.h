// Changing stored entries behind the ledger's back, as someone holding the
// database files could: the runs of entry_runs.h are rewritten so that only
// the entry named changes.

#ifndef LUMBUNG_TESTS_TAMPER_H_
#define LUMBUNG_TESTS_TAMPER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <rocksdb/db.h>
#include <rocksdb/options.h>

#include "../ledger/store/db.h"

namespace lumbung::testing {

// The stored bytes of entry `seq` (REQUIREs that it is there).
std::string StoredEntry(store::Db& db, uint64_t seq);
// Replaces the bytes of entry `seq` inside its run; the rest stays as stored.
void ReplaceStoredEntry(store::Db& db, uint64_t seq, std::string_view bytes);
// Removes entry `seq`: its run is stored again as the runs before and after it.
void DeleteStoredEntry(store::Db& db, uint64_t seq);
// The entries (seq, bytes) of the run holding `seq`, in order.
std::vector<std::pair<uint64_t, std::string>> RunOf(store::Db& db, uint64_t seq);
// Stores `run` (from RunOf) again as it was, removing any key within it.
void RestoreRun(store::Db& db, const std::vector<std::pair<uint64_t, std::string>>& run);

// A ledger's RocksDB opened bare, every family with the same options, as
// someone holding the files (or an older lumbung) could. The tree family's
// merge operands in the WAL are replayed with a merge operator that never
// merges: nothing may flush or compact that family while open. Nothing is
// flushed at open or close.
class BareDb {
 public:
  BareDb(const std::string& db_path, rocksdb::ColumnFamilyOptions cf);
  ~BareDb();
  rocksdb::DB* db() const { return db_; }
  // The handle of family `name` (REQUIREs that it exists).
  rocksdb::ColumnFamilyHandle* family(const std::string& name) const;

 private:
  rocksdb::DB* db_ = nullptr;
  std::vector<std::string> names_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_TAMPER_H_
