#include "tamper.h"

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>
#include <rocksdb/iterator.h>
#include <rocksdb/merge_operator.h>

#include "lumbung/base/text.h"

#include "../ledger/store/entry_runs.h"

namespace lumbung::testing {
namespace {

using Run = std::vector<std::pair<uint64_t, std::string>>;

void PutRun(store::Db& db, const Run& run, size_t begin, size_t end) {
  if (begin == end) return;
  std::string value;
  store::EncodeRun(
      end - begin, [&](size_t i) { return std::string_view(run[begin + i].second); }, &value);
  REQUIRE(db.db()
              ->Put(rocksdb::WriteOptions(), db.entries(), store::keys::Entry(run[end - 1].first),
                    value)
              .ok());
}

// Replays the tree family's merge operands; never asked to merge them.
class NeverMerges : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice*, const rocksdb::Slice&, std::string*,
             rocksdb::Logger*) const override {
    return false;
  }
  const char* Name() const override { return "NeverMerges"; }
};

}  // namespace

BareDb::BareDb(const std::string& db_path, rocksdb::ColumnFamilyOptions cf) {
  // Without a merge operator, recovery drops the rest of the WAL from the
  // tree family's first merge operand on; any operator will do for that.
  rocksdb::DBOptions options;
  options.avoid_flush_during_recovery = true;
  options.avoid_flush_during_shutdown = true;
  cf.merge_operator = std::make_shared<NeverMerges>();
  REQUIRE(rocksdb::DB::ListColumnFamilies(options, db_path, &names_).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names_) families.emplace_back(name, cf);
  REQUIRE(rocksdb::DB::Open(options, db_path, families, &handles_, &db_).ok());
}

BareDb::~BareDb() {
  for (auto* h : handles_) db_->DestroyColumnFamilyHandle(h).PermitUncheckedError();
  delete db_;
}

rocksdb::ColumnFamilyHandle* BareDb::family(const std::string& name) const {
  const auto it = std::find(names_.begin(), names_.end(), name);
  REQUIRE(it != names_.end());
  return handles_[static_cast<size_t>(it - names_.begin())];
}

Run RunOf(store::Db& db, uint64_t seq) {
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.entries()));
  it->Seek(store::keys::Entry(seq));
  REQUIRE(it->Valid());
  REQUIRE(it->key().size() == 8);
  store::RunReader reader;
  REQUIRE(reader
              .Open(GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data())),
                    std::string_view(it->value().data(), it->value().size()))
              .ok());
  REQUIRE(reader.first_seq() <= seq);
  Run run;
  uint64_t at = 0;
  std::string_view bytes;
  while (reader.Next(&at, &bytes)) run.emplace_back(at, std::string(bytes));
  return run;
}

std::string StoredEntry(store::Db& db, uint64_t seq) {
  for (auto& [at, bytes] : RunOf(db, seq)) {
    if (at == seq) return bytes;
  }
  FAIL("entry " << seq << " is not stored");
  return {};
}

void ReplaceStoredEntry(store::Db& db, uint64_t seq, std::string_view bytes) {
  Run run = RunOf(db, seq);
  for (auto& [at, stored] : run) {
    if (at == seq) stored = std::string(bytes);
  }
  PutRun(db, run, 0, run.size());
}

void RestoreRun(store::Db& db, const Run& run) {
  for (const auto& [at, bytes] : run) {
    REQUIRE(db.db()->Delete(rocksdb::WriteOptions(), db.entries(), store::keys::Entry(at)).ok());
  }
  PutRun(db, run, 0, run.size());
}

void DeleteStoredEntry(store::Db& db, uint64_t seq) {
  const Run run = RunOf(db, seq);
  REQUIRE(db.db()
              ->Delete(rocksdb::WriteOptions(), db.entries(), store::keys::Entry(run.back().first))
              .ok());
  const size_t at = seq - run.front().first;
  PutRun(db, run, 0, at);
  PutRun(db, run, at + 1, run.size());
}

}  // namespace lumbung::testing
