#include "db.h"

#include <filesystem>

#include <rocksdb/cache.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/table.h>

#include "lumbung/base/text.h"

namespace lumbung::store {
namespace {

// Tiles grow by appending the hashes of newly complete nodes; a merge
// operand is one commit group's additions to one tile, so a group writes a
// few small operands instead of rewriting whole tiles.
class AppendOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice& /*key*/, const rocksdb::Slice* existing,
             const rocksdb::Slice& value, std::string* new_value,
             rocksdb::Logger* /*logger*/) const override {
    new_value->clear();
    if (existing != nullptr) new_value->assign(existing->data(), existing->size());
    new_value->append(value.data(), value.size());
    return true;
  }
  const char* Name() const override { return "lumbung.AppendOperator"; }
};

// Order fixes the handle indexes used by Db's accessors.
constexpr const char* kCfNames[] = {"default", "entries",     "index", "tree",
                                    "state",   "checkpoints", "meta"};

rocksdb::ColumnFamilyOptions BaseCf(const std::shared_ptr<rocksdb::Cache>& cache, bool bloom) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  if (bloom) table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Writes are latency-critical and CPU is scarce (2 cores): no compression
  // in the upper levels; the bottom level, where most bytes end up, uses zstd.
  cf.compression = rocksdb::kNoCompression;
  cf.bottommost_compression = rocksdb::kZSTD;
  cf.write_buffer_size = 32 << 20;
  return cf;
}

std::vector<rocksdb::ColumnFamilyDescriptor> Families() {
  auto cache = rocksdb::NewLRUCache(64 << 20);
  std::vector<rocksdb::ColumnFamilyDescriptor> out;
  for (const char* name : kCfNames) {
    const std::string n = name;
    auto cf = BaseCf(cache, n == "index" || n == "state");
    if (n == "entries") cf.write_buffer_size = 64 << 20;
    if (n == "index") {
      // Idempotency looks up every new event_id, and almost all are absent:
      // a memtable bloom filter answers those without a skiplist search.
      cf.memtable_prefix_bloom_size_ratio = 0.05;
      cf.memtable_whole_key_filtering = true;
    }
    if (n == "tree") cf.merge_operator = std::make_shared<AppendOperator>();
    out.emplace_back(n, cf);
  }
  return out;
}

}  // namespace

Status FromRocks(const rocksdb::Status& s, std::string_view context) {
  if (s.ok()) return Status();
  const std::string msg = std::string(context) + ": " + s.ToString();
  if (s.IsNotFound()) return Status::NotFound(msg);
  if (s.IsCorruption()) return Status::Corruption(msg);
  if (s.IsBusy() || s.IsTryAgain()) return Status::Busy(msg);
  return Status::IOError(msg);
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path, OpenMode mode) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const bool exists = fs::exists(fs::path(path) / "CURRENT", ec);
  if (mode == OpenMode::kCreate && exists) {
    return Status::FailedPrecondition("a ledger already exists in " + path);
  }
  if (mode != OpenMode::kCreate && !exists) {
    return Status::FailedPrecondition("no ledger in " + path + " (run `lumbung init` first)");
  }
  rocksdb::DBOptions options;
  options.create_if_missing = mode == OpenMode::kCreate;
  options.create_missing_column_families = mode == OpenMode::kCreate;
  options.paranoid_checks = true;
  options.max_background_jobs = 2;
  options.bytes_per_sync = 1 << 20;
  options.keep_log_file_num = 4;
  auto db = std::unique_ptr<Db>(new Db());
  db->read_only_ = mode == OpenMode::kReadOnly;
  db->path_ = path;
  rocksdb::DB* raw = nullptr;
  const auto families = Families();
  rocksdb::Status s = db->read_only_
                          ? rocksdb::DB::OpenForReadOnly(options, path, families, &db->cfs_, &raw)
                          : rocksdb::DB::Open(options, path, families, &db->cfs_, &raw);
  if (!s.ok()) {
    if (s.IsIOError() && s.ToString().find("lock") != std::string::npos) {
      return Status::FailedPrecondition("the ledger in " + path +
                                        " is in use by another lumbung process");
    }
    return FromRocks(s, "opening the ledger database in " + path);
  }
  db->db_.reset(raw);
  return db;
}

Db::~Db() {
  for (auto* cf : cfs_) {
    if (db_ && cf != nullptr) db_->DestroyColumnFamilyHandle(cf).PermitUncheckedError();
  }
  if (db_ && !read_only_) db_->Close().PermitUncheckedError();
}

Result<std::string> Db::GetMeta(std::string_view key, const rocksdb::Snapshot* snap) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = snap;
  std::string value;
  rocksdb::Status s = db_->Get(ro, meta(), rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return Status::NotFound("no meta value " + std::string(key));
  LUMBUNG_RETURN_IF_ERROR(FromRocks(s, "reading meta"));
  return value;
}

namespace keys {
namespace {
// Built with append, not `"e" + std::string(...)`: GCC 12 issues a false
// -Wrestrict for that pattern at -O2 (GCC bug 105329).
std::string Prefixed(char prefix, std::string_view rest) {
  std::string key;
  key.reserve(1 + rest.size());
  key.push_back(prefix);
  key.append(rest);
  return key;
}
}  // namespace
std::string Entry(uint64_t seq) {
  return BigEndian64(seq);
}
std::string EventId(std::string_view event_id) {
  return Prefixed('e', event_id);
}
std::string StateDelta(uint64_t last_seq) {
  return Prefixed('d', BigEndian64(last_seq));
}
std::string StateRow(std::string_view row_key) {
  return Prefixed('r', row_key);
}
std::string Checkpoint(uint64_t size) {
  return BigEndian64(size);
}
}  // namespace keys

}  // namespace lumbung::store
