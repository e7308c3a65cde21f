#include <rocksdb/iterator.h>

#include "lumbung/base/text.h"

#include "entry_runs.h"
#include "fold.h"
#include "receipt_index.h"
#include "snapshot_impl.h"

namespace lumbung {

namespace store {

std::unique_ptr<LedgerSnapshot> MakeSnapshot(Db* db, const LiveRows* live) {
  auto impl = MakeSnapshotImpl(db, live);
  const uint64_t size = impl->size;
  return std::make_unique<LedgerSnapshot>(std::move(impl), size);
}

std::shared_ptr<const LedgerSnapshot::Impl> MakeSnapshotImpl(Db* db, const LiveRows* live) {
  auto impl = std::make_shared<LedgerSnapshot::Impl>();
  impl->db = db;
  impl->snapshot = db->db()->GetSnapshot();
  impl->tiles = std::make_unique<TileReader>(db->db(), db->tree(), impl->snapshot);
  auto size = db->GetMeta(keys::kMetaSize, impl->snapshot);
  const uint64_t n = size.ok() && size->size() == 8
                         ? GetBigEndian64(reinterpret_cast<const uint8_t*>(size->data()))
                         : 0;
  impl->size = n;
  if (live != nullptr) {
    auto fold_seq = ReadFoldSeq(*db, impl->snapshot);
    if (fold_seq.ok()) {
      impl->live = live;
      impl->fold_seq = *fold_seq;
    }
  }
  return impl;
}

Status EnsureOverlay(const LedgerSnapshot::Impl& impl) {
  std::call_once(impl.overlay_once, [&impl] {
    impl.overlay_status =
        ForEachUnfoldedDelta(*impl.db, impl.snapshot, [&impl](uint64_t, std::string_view blob) {
          uint64_t end_seq = 0;
          LUMBUNG_RETURN_IF_ERROR(ForEachDeltaEntry(blob, &end_seq, [&impl](const DeltaEntry& e) {
            impl.overlay[keys::EventId(e.event_id)] = BigEndian64(e.seq);
            if (e.receipt_value)
              impl.overlay[ReceiptRowKey(*e.receipt_value, e.seq)] = std::string();
          }));
          return ForEachDeltaRow(blob, &end_seq, [&impl](const DeltaRow& row) {
            impl.overlay[std::string(row.key)] =
                row.value ? std::optional<std::string>(std::string(*row.value)) : std::nullopt;
          });
        });
  });
  return impl.overlay_status;
}

Result<std::optional<std::string>> GetRow(const LedgerSnapshot::Impl& impl, std::string_view key) {
  std::string cached;
  const auto hit =
      impl.live != nullptr ? impl.live->Get(impl.fold_seq, impl.size, key, &cached) : std::nullopt;
  if (hit == LiveRows::Lookup::kFound) return std::optional<std::string>(std::move(cached));
  if (hit == LiveRows::Lookup::kDeleted) return std::optional<std::string>();
  if (!hit) {
    // No usable cache: build the overlay from the snapshot's own deltas.
    LUMBUNG_RETURN_IF_ERROR(EnsureOverlay(impl));
    if (const auto it = impl.overlay.find(std::string(key)); it != impl.overlay.end()) {
      return it->second;
    }
  }
  const bool index = IsIndexRowKey(key);
  std::string value;
  rocksdb::Status s = impl.db->db()->Get(impl.Read(), index ? impl.db->index() : impl.db->state(),
                                         index ? std::string(key) : keys::StateRow(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  LUMBUNG_RETURN_IF_ERROR(FromRocks(s, "reading a derived row"));
  return std::optional<std::string>(std::move(value));
}

}  // namespace store

LedgerSnapshot::Impl::~Impl() {
  if (snapshot != nullptr) db->db()->ReleaseSnapshot(snapshot);
}

LedgerSnapshot::LedgerSnapshot(std::shared_ptr<const Impl> impl, uint64_t size)
    : impl_(std::move(impl)), size_(size) {}

LedgerSnapshot::~LedgerSnapshot() = default;

Status LedgerSnapshot::GetEntry(uint64_t seq, audit::VerifiedEntry* out) const {
  if (seq >= size_) {
    return Status::NotFound("no entry " + std::to_string(seq) + " (the log has " +
                            std::to_string(size_) + " entries)");
  }
  std::string bytes;
  Status s =
      store::ReadStoredEntry(impl_->db->db(), impl_->db->entries(), impl_->Read(), seq, &bytes);
  if (s.code() == Code::kNotFound) {
    return Status::Corruption("entry " + std::to_string(seq) + " is missing")
        .WithSeq(static_cast<int64_t>(seq));
  }
  LUMBUNG_RETURN_IF_ERROR(std::move(s));
  Status st = out->Load(bytes);
  if (!st.ok()) {
    return Status::Corruption("entry " + std::to_string(seq) + ": " + std::string(st.message()))
        .WithSeq(static_cast<int64_t>(seq));
  }
  if (out->entry().seq() != seq) {
    return Status::Corruption("entry " + std::to_string(seq) + " carries seq " +
                              std::to_string(out->entry().seq()))
        .WithSeq(static_cast<int64_t>(seq));
  }
  return Status();
}

Status LedgerSnapshot::ScanEntries(
    uint64_t from, uint64_t limit,
    const std::function<Status(uint64_t, std::string_view)>& fn) const {
  if (from >= size_ || limit == 0) return Status();
  const uint64_t end = std::min(size_, from + std::min(limit, size_ - from));
  // The run holding end - 1 is stored under a key below end + kRunEntriesMax.
  const std::string upper = store::keys::Entry(end - 1 + store::kRunEntriesMax);
  rocksdb::Slice upper_slice(upper);
  rocksdb::ReadOptions ro = impl_->Read();
  ro.iterate_upper_bound = &upper_slice;
  ro.readahead_size = 2 << 20;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->db()->NewIterator(ro, impl_->db->entries()));
  uint64_t expected = from;
  store::RunReader run;
  // The run holding `from` is the first key at or after it.
  for (it->Seek(store::keys::Entry(from)); it->Valid() && expected < end; it->Next()) {
    const rocksdb::Slice key = it->key();
    if (key.size() != 8) break;  // not a seq: the entries from `expected` on are missing
    LUMBUNG_RETURN_IF_ERROR(run.Open(GetBigEndian64(reinterpret_cast<const uint8_t*>(key.data())),
                                     std::string_view(it->value().data(), it->value().size())));
    uint64_t seq = 0;
    std::string_view bytes;
    while (run.Next(&seq, &bytes) && seq < end) {
      if (seq < from) continue;  // the first run may begin before `from`
      if (seq < expected) {
        return Status::Corruption("entry " + std::to_string(seq) + " is stored twice")
            .WithSeq(static_cast<int64_t>(seq));
      }
      if (seq != expected) {
        return Status::Corruption("entry " + std::to_string(expected) + " is missing")
            .WithSeq(static_cast<int64_t>(expected));
      }
      LUMBUNG_RETURN_IF_ERROR(fn(seq, bytes));
      ++expected;
    }
  }
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(it->status(), "reading entries"));
  if (expected != end) {
    return Status::Corruption("entry " + std::to_string(expected) + " is missing")
        .WithSeq(static_cast<int64_t>(expected));
  }
  return Status();
}

Result<uint64_t> LedgerSnapshot::FindEventId(std::string_view event_id) const {
  LUMBUNG_ASSIGN_OR_RETURN(const auto value, store::GetRow(*impl_, store::keys::EventId(event_id)));
  if (!value) return Status::NotFound("no event with event_id " + std::string(event_id));
  if (value->size() != 8) return Status::Corruption("bad event_id index value");
  const uint64_t seq = GetBigEndian64(reinterpret_cast<const uint8_t*>(value->data()));
  if (seq >= size_) return Status::NotFound("no event with event_id " + std::string(event_id));
  return seq;
}

audit::NodeSource& LedgerSnapshot::tree() const {
  return *impl_->tiles;
}

Result<audit::Hash> LedgerSnapshot::Root(uint64_t tree_size) const {
  if (tree_size > size_) {
    return Status::InvalidArgument("tree size " + std::to_string(tree_size) +
                                   " is past the end of the log (" + std::to_string(size_) + ")");
  }
  return audit::RootAt(tree_size, *impl_->tiles);
}

}  // namespace lumbung
