#include "lumbung/ledger/projection.h"

#include <unordered_map>

#include <rocksdb/iterator.h>

#include "lumbung/ledger/domain/domain.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/event.h"

#include "delta.h"
#include "snapshot_impl.h"

namespace lumbung {
namespace {

// The first key after every key that starts with `prefix` ("" if none).
std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

class SnapshotEntries : public EntryReader {
 public:
  explicit SnapshotEntries(const LedgerSnapshot& snapshot) : snapshot_(snapshot) {}
  Status Read(uint64_t seq, audit::VerifiedEntry* out) override {
    return snapshot_.GetEntry(seq, out);
  }

 private:
  const LedgerSnapshot& snapshot_;
};

void Frame(audit::Sha256Stream& digest, std::string_view key, std::string_view value) {
  uint8_t len[8];
  const uint32_t k = static_cast<uint32_t>(key.size());
  const uint32_t v = static_cast<uint32_t>(value.size());
  for (int i = 0; i < 4; ++i) {
    len[i] = static_cast<uint8_t>(k >> (24 - 8 * i));
    len[4 + i] = static_cast<uint8_t>(v >> (24 - 8 * i));
  }
  digest.Update(std::span<const uint8_t>(len, 4));
  digest.Update(key);
  digest.Update(std::span<const uint8_t>(len + 4, 4));
  digest.Update(value);
}

}  // namespace

Result<std::optional<std::string>> GetProjectionRow(const LedgerSnapshot& snapshot,
                                                    std::string_view key) {
  return store::GetRow(snapshot.impl(), key);
}

// Merges the folded rows (state CF, 'r' + key) with the overlay of unfolded
// deltas, in key order; on equal keys the overlay wins (a deletion hides).
namespace {

// Merges the folded rows (state CF, 'r' + key) with `overlay` (the newest
// unfolded version of each key), in key order; on equal keys the overlay
// wins and a deletion hides the row.
Status MergeRows(const LedgerSnapshot::Impl& impl, std::string_view prefix,
                 const std::map<std::string, std::optional<std::string>>& overlay,
                 const std::function<Status(std::string_view, std::string_view)>& fn) {
  const std::string first = store::keys::StateRow(prefix);
  const std::string end = PrefixEnd(first);
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro = impl.Read();
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl.db->db()->NewIterator(ro, impl.db->state()));
  it->Seek(first);
  auto ov = overlay.lower_bound(std::string(prefix));
  auto ov_in = [&] {
    // Unfolded event-id rows share the overlay but belong to the index.
    while (ov != overlay.end() && !ov->first.empty() && ov->first[0] == store::kIndexRowPrefix &&
           ov->first.starts_with(prefix)) {
      ++ov;
    }
    return ov != overlay.end() && ov->first.starts_with(prefix);
  };
  while (it->Valid() || ov_in()) {
    const bool have_row = it->Valid();
    const std::string_view row_key =
        have_row ? std::string_view(it->key().data() + 1, it->key().size() - 1)
                 : std::string_view();
    if (ov_in() && (!have_row || ov->first <= row_key)) {
      if (have_row && ov->first == row_key) it->Next();
      if (ov->second) LUMBUNG_RETURN_IF_ERROR(fn(ov->first, *ov->second));
      ++ov;
      continue;
    }
    LUMBUNG_RETURN_IF_ERROR(fn(row_key, std::string_view(it->value().data(), it->value().size())));
    it->Next();
  }
  return store::FromRocks(it->status(), "reading projection rows");
}

}  // namespace

Status ScanProjectionRows(const LedgerSnapshot& snapshot, std::string_view prefix,
                          const std::function<Status(std::string_view, std::string_view)>& fn) {
  const auto& impl = snapshot.impl();
  if (impl.live != nullptr) {
    // The live cache holds only this prefix's unfolded rows: a small overlay.
    std::map<std::string, std::optional<std::string>> overlay;
    const bool usable =
        impl.live->Scan(impl.fold_seq, impl.size, prefix,
                        [&overlay](std::string_view key, const std::optional<std::string>& value) {
                          overlay.emplace(std::string(key), value);
                        });
    if (usable) return MergeRows(impl, prefix, overlay, fn);
  }
  LUMBUNG_RETURN_IF_ERROR(store::EnsureOverlay(impl));
  return MergeRows(impl, prefix, impl.overlay, fn);
}

Status LoadProjection(const LedgerSnapshot& snapshot, const std::vector<std::string>& prefixes,
                      domain::State* state) {
  const std::vector<std::string> all = {std::string()};
  for (const std::string& prefix : prefixes.empty() ? all : prefixes) {
    LUMBUNG_RETURN_IF_ERROR(
        ScanProjectionRows(snapshot, prefix, [state](std::string_view key, std::string_view value) {
          return domain::LoadRow(*state, key, value);
        }));
  }
  domain::FinishLoad(*state, snapshot.size());
  return Status();
}

Result<domain::State> ReplayProjection(const LedgerSnapshot& snapshot, uint64_t upto,
                                       const ReplayOptions& options) {
  if (upto > snapshot.size()) {
    return Status::InvalidArgument("seq " + std::to_string(upto) + " is past the end of the log");
  }
  const auto& db = *snapshot.impl().db;
  LedgerIdentity identity;
  LUMBUNG_ASSIGN_OR_RETURN(identity.origin, db.GetMeta(store::keys::kMetaOrigin));
  LUMBUNG_ASSIGN_OR_RETURN(identity.verifier_key, db.GetMeta(store::keys::kMetaVerifierKey));
  SnapshotEntries reader(snapshot);
  Domain domain(identity, &reader, /*live=*/false);
  // For on_entry: each account's balance before the change being reported,
  // and the current entry's postings.
  std::unordered_map<std::string, int64_t> balances;
  std::vector<EntryPosting> postings;
  Status posting_error;
  if (options.on_entry) {
    domain.SetBalanceObserver([&](const Domain::BalanceChange& change) {
      int64_t& before = balances[std::string(change.account)];
      int64_t amount = 0;
      if (__builtin_sub_overflow(change.balance, before, &amount)) {
        posting_error = Status::Corruption("the change of " + std::string(change.account) +
                                           "'s balance overflows");
      }
      before = change.balance;
      if (amount != 0) {
        postings.push_back(
            EntryPosting{std::string(change.account), std::string(change.unit), amount});
      }
    });
  }
  audit::VerifiedEntry entry;
  Status st = snapshot.ScanEntries(0, upto, [&](uint64_t seq, std::string_view bytes) {
    auto fail = [seq](const Status& why) {
      return Status::Corruption("seq " + std::to_string(seq) + ": " + why.ToString())
          .WithSeq(static_cast<int64_t>(seq));
    };
    Status loaded = entry.Load(bytes);
    if (!loaded.ok()) return fail(loaded);
    if (options.validate_shape) {
      Status shape = ValidateEventBody(entry.body());
      if (!shape.ok()) return fail(shape);
    }
    Status applied = domain.Apply(entry.entry(), entry.body());
    if (!applied.ok()) return fail(applied);
    if (options.on_entry) {
      if (!posting_error.ok()) return fail(posting_error);
      LUMBUNG_RETURN_IF_ERROR(options.on_entry(entry, postings));
      postings.clear();
    }
    if (options.progress && (seq + 1) % 65536 == 0) options.progress(seq + 1, upto);
    return Status();
  });
  LUMBUNG_RETURN_IF_ERROR(st);
  if (options.progress) options.progress(upto, upto);
  return domain.TakeState();
}

audit::Hash DigestState(const domain::State& state) {
  audit::Sha256Stream digest;
  domain::ForEachStateRow(state, [&digest](const std::string& key, const std::string& value) {
    Frame(digest, key, value);
  });
  return digest.Final();
}

Result<audit::Hash> DigestStoredProjection(const LedgerSnapshot& snapshot) {
  audit::Sha256Stream digest;
  LUMBUNG_RETURN_IF_ERROR(
      ScanProjectionRows(snapshot, "", [&digest](std::string_view key, std::string_view value) {
        if (!key.empty() && key[0] != domain::kHistoryPrefix) Frame(digest, key, value);
        return Status();
      }));
  return digest.Final();
}

}  // namespace lumbung
