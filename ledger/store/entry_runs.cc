#include "entry_runs.h"

#include <cstring>
#include <memory>

#include <rocksdb/iterator.h>

#include "lumbung/audit/chain.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::store {
namespace {

static_assert(kRunMagic.size() == 4);
// The magic read as a FlatBuffer's root offset (u32 LE) lies past the end of
// any entry, so no bare entry begins with it.
static_assert((uint32_t{static_cast<uint8_t>(kRunMagic[0])} |
               uint32_t{static_cast<uint8_t>(kRunMagic[1])} << 8 |
               uint32_t{static_cast<uint8_t>(kRunMagic[2])} << 16 |
               uint32_t{static_cast<uint8_t>(kRunMagic[3])} << 24) > audit::kEntryBytesMax);

void PutU32(uint32_t v, std::string* out) {
  const char b[4] = {static_cast<char>(v), static_cast<char>(v >> 8), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 24)};
  out->append(b, 4);
}

uint32_t GetU32(const char* p) {
  const auto* b = reinterpret_cast<const uint8_t*>(p);
  return uint32_t{b[0]} | uint32_t{b[1]} << 8 | uint32_t{b[2]} << 16 | uint32_t{b[3]} << 24;
}

Status Damaged(uint64_t key_seq, const std::string& why) {
  return Status::Corruption("the entries stored under seq " + std::to_string(key_seq) +
                            " are damaged: " + why)
      .WithSeq(static_cast<int64_t>(key_seq));
}

}  // namespace

void AppendRunHeader(size_t count, std::string* out) {
  LUMBUNG_ASSERT(count >= 2 && count <= kRunEntriesMax);
  out->append(kRunMagic);
  PutU32(static_cast<uint32_t>(count), out);
}

void AppendRunEntry(std::string_view bytes, std::string* out) {
  LUMBUNG_ASSERT(!bytes.empty() && bytes.size() <= audit::kEntryBytesMax);
  PutU32(static_cast<uint32_t>(bytes.size()), out);
  out->append(bytes);
}

Status RunReader::Open(uint64_t key_seq, std::string_view value) {
  key_seq_ = key_seq;
  read_ = 0;
  if (value.size() < kRunMagic.size() || value.substr(0, kRunMagic.size()) != kRunMagic) {
    count_ = 1;  // a bare entry
    bare_ = true;
    rest_ = value;
    return Status();
  }
  count_ = 0;
  bare_ = false;
  rest_ = {};
  if (value.size() < 8) return Damaged(key_seq, "the run header is cut short");
  const uint32_t count = GetU32(value.data() + 4);
  if (count < 2 || count > kRunEntriesMax || count - 1 > key_seq) {
    return Damaged(key_seq, "the run header gives " + std::to_string(count) + " entries");
  }
  // Every size must fit before any entry is handed out: a damaged size
  // would otherwise shift every entry after it.
  std::string_view rest = value.substr(8);
  for (uint32_t i = 0; i < count; ++i) {
    if (rest.size() < 4) return Damaged(key_seq, "the run is cut short");
    const uint32_t size = GetU32(rest.data());
    if (size == 0 || size > rest.size() - 4) {
      return Damaged(key_seq, "entry " + std::to_string(i + 1) + " of the run has a bad size");
    }
    rest.remove_prefix(4 + size);
  }
  if (!rest.empty()) return Damaged(key_seq, "bytes follow the run's last entry");
  count_ = count;
  rest_ = value.substr(8);
  return Status();
}

bool RunReader::Next(uint64_t* seq, std::string_view* bytes) {
  if (read_ == count_) return false;
  *seq = first_seq() + read_;
  if (bare_) {
    *bytes = rest_;
  } else {
    const uint32_t size = GetU32(rest_.data());
    *bytes = rest_.substr(4, size);
    rest_.remove_prefix(4 + size);
  }
  ++read_;
  return true;
}

Status ReadStoredEntry(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                       const rocksdb::ReadOptions& options, uint64_t seq, std::string* bytes) {
  // The run holding `seq` is the first key at or after it, and below
  // seq + kRunEntriesMax: the bound lets the iterator skip the tables
  // (recent L0 files, mostly) whose keys all lie beyond it.
  const std::string upper = keys::Entry(seq + kRunEntriesMax);
  const rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions bounded = options;
  bounded.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(bounded, cf));
  it->Seek(keys::Entry(seq));
  if (!it->Valid()) {
    LUMBUNG_RETURN_IF_ERROR(FromRocks(it->status(), "reading entry " + std::to_string(seq)));
    return Status::NotFound("no entry " + std::to_string(seq));
  }
  const rocksdb::Slice key = it->key();
  if (key.size() != 8) return Status::NotFound("no entry " + std::to_string(seq));
  RunReader run;
  LUMBUNG_RETURN_IF_ERROR(run.Open(GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data())),
                                   std::string_view(it->value().data(), it->value().size())));
  if (seq < run.first_seq()) return Status::NotFound("no entry " + std::to_string(seq));
  uint64_t at = 0;
  std::string_view found;
  while (run.Next(&at, &found)) {
    if (at == seq) {
      bytes->assign(found);
      return Status();
    }
  }
  LUMBUNG_ASSERT(false);  // first_seq <= seq <= key: the run holds it
  return Status::NotFound("no entry " + std::to_string(seq));
}

}  // namespace lumbung::store
