#include "receipt_index.h"

#include <algorithm>

#include <rocksdb/iterator.h>
#include <rocksdb/write_batch.h>

#include "lumbung/audit/chain.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/receipt.h"
#include "lumbung/ledger/receipt_index.h"

#include "snapshot_impl.h"

namespace lumbung {
namespace store {
namespace {

// Rows per WriteBatch of the one-time build: about 1 MiB of keys and
// values with RocksDB's overhead, so a large log is indexed in bounded
// memory.
constexpr size_t kBuildBatchRows = 32 * 1024;

}  // namespace

std::string ReceiptRowPrefix(uint64_t receipt_value) {
  std::string key;
  key.reserve(kReceiptRowBytes);
  key.push_back(kReceiptRowPrefix);
  key.append(BigEndian64(receipt_value));
  return key;
}

std::string ReceiptRowKey(uint64_t receipt_value, uint64_t seq) {
  std::string key = ReceiptRowPrefix(receipt_value);
  key.append(BigEndian64(seq));
  return key;
}

std::string ReceiptRowKey(const audit::Hash& leaf_hash, uint64_t seq) {
  return ReceiptRowKey(ReceiptValue(leaf_hash), seq);
}

Status BuildReceiptIndex(Db& db) {
  auto mark = db.GetMeta(kMetaReceiptIndex);
  if (mark.ok()) return Status();
  if (!mark.status().IsNotFound()) return mark.status();
  rocksdb::ReadOptions ro;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.entries()));
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions wo;
  wo.sync = false;  // the last batch, with the mark, is synced: it makes all durable
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) return Status::Corruption("an entry key is not 8 bytes");
    const uint64_t seq = GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data()));
    const audit::Hash leaf = audit::LeafHash(
        std::span(reinterpret_cast<const uint8_t*>(it->value().data()), it->value().size()));
    batch.Put(db.index(), ReceiptRowKey(leaf, seq), rocksdb::Slice()).PermitUncheckedError();
    if (static_cast<size_t>(batch.Count()) < kBuildBatchRows) continue;
    LUMBUNG_RETURN_IF_ERROR(FromRocks(db.db()->Write(wo, &batch), "building the receipt index"));
    batch.Clear();
  }
  LUMBUNG_RETURN_IF_ERROR(FromRocks(it->status(), "reading entries for the receipt index"));
  batch.Put(db.meta(), std::string(kMetaReceiptIndex), "1").PermitUncheckedError();
  wo.sync = true;
  return FromRocks(db.db()->Write(wo, &batch), "building the receipt index");
}

}  // namespace store

namespace {

// Two matches for one code are possible; more than this many would mean
// the index is broken, not that hashes collided.
constexpr size_t kMatchesMax = 16;

// Adds the seqs of the receipt rows under `prefix` that are still in group
// deltas (not yet folded): from the writer's live rows if they can answer
// for this snapshot, else from the snapshot's own deltas. A row is never
// deleted.
Status UnfoldedSeqs(const LedgerSnapshot::Impl& impl, uint64_t value, const std::string& prefix,
                    std::vector<uint64_t>* seqs) {
  // One past the cap is enough for the caller to see the index is broken.
  const auto push = [seqs](uint64_t seq) {
    if (seqs->size() <= kMatchesMax) seqs->push_back(seq);
  };
  if (impl.live != nullptr && impl.live->FindReceipt(impl.fold_seq, impl.size, value, push)) {
    return Status();
  }
  LUMBUNG_RETURN_IF_ERROR(store::EnsureOverlay(impl));
  for (auto it = impl.overlay.lower_bound(prefix);
       it != impl.overlay.end() && it->first.starts_with(prefix); ++it) {
    if (it->second && it->first.size() == store::kReceiptRowBytes) {
      push(GetBigEndian64(reinterpret_cast<const uint8_t*>(it->first.data()) + 9));
    }
  }
  return Status();
}

// The seqs of the index rows under one code's prefix, as of the snapshot.
Result<std::vector<uint64_t>> IndexedSeqs(const LedgerSnapshot::Impl& impl, uint64_t value) {
  const std::string prefix = store::ReceiptRowPrefix(value);
  std::string upper = store::ReceiptRowPrefix(value + 1);  // value < 2^50: no overflow
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = impl.Read();
  ro.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(impl.db->db()->NewIterator(ro, impl.db->index()));
  std::vector<uint64_t> seqs;
  for (it->Seek(prefix); it->Valid() && seqs.size() <= kMatchesMax; it->Next()) {
    if (it->key().size() != store::kReceiptRowBytes) {
      return Status::Corruption("a receipt index row has a key of the wrong size");
    }
    seqs.push_back(GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data()) + 9));
  }
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(it->status(), "reading the receipt index"));
  LUMBUNG_RETURN_IF_ERROR(UnfoldedSeqs(impl, value, prefix, &seqs));
  // A fold's file may be visible to a snapshot taken before the fold was
  // recorded, which still reads the same rows from its deltas.
  std::sort(seqs.begin(), seqs.end());
  seqs.erase(std::unique(seqs.begin(), seqs.end()), seqs.end());
  if (seqs.size() > kMatchesMax) {
    return Status::Corruption("the receipt index holds more than " + std::to_string(kMatchesMax) +
                              " entries for one code");
  }
  return seqs;
}

}  // namespace

Result<std::vector<ReceiptMatch>> FindReceipt(const LedgerSnapshot& snapshot,
                                              std::string_view code) {
  const std::optional<uint64_t> value = ReceiptCodeValue(code);
  if (!value) {
    return Status::Make(Code::kInvalidArgument, "invalid_receipt_code", "code",
                        "\"" + std::string(code) +
                            "\" is not a receipt code (XXXXX-XXXXX-C, with its check digit)");
  }
  const LedgerSnapshot::Impl& impl = snapshot.impl();
  auto mark = impl.db->GetMeta(store::kMetaReceiptIndex, impl.snapshot);
  if (mark.status().IsNotFound()) {
    return Status::Make(Code::kFailedPrecondition, "receipt_index_missing", "",
                        "this ledger's receipt index is built the first time it is opened "
                        "for writing (e.g. by `lumbung checkpoint`)");
  }
  LUMBUNG_RETURN_IF_ERROR(mark.status());
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<uint64_t> seqs, IndexedSeqs(impl, *value));
  std::vector<ReceiptMatch> matches;
  for (uint64_t seq : seqs) {
    if (seq >= snapshot.size()) continue;  // written after the snapshot's size was read
    audit::VerifiedEntry entry;
    LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(seq, &entry));
    const audit::Hash leaf = audit::LeafHash(entry.bytes());
    if (ReceiptValue(leaf) != *value) {
      return Status::Corruption("the receipt index points at entry " + std::to_string(seq) +
                                ", whose code is " + ReceiptCode(leaf))
          .WithSeq(static_cast<int64_t>(seq));
    }
    matches.push_back(ReceiptMatch{seq, leaf});
  }
  return matches;
}

}  // namespace lumbung
