#include "lumbung/ledger/projection.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>

#include <rocksdb/iterator.h>

#include "lumbung/base/assert.h"
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

constexpr uint64_t kNoSeq = UINT64_MAX;

// Entries [first_seq, first_seq + count), loaded and checked by the reader.
// failure: the reader stopped after these, at failed_seq (kNoSeq: a read
// error not tied to one entry).
struct EntryChunk {
  uint64_t first_seq = 0;
  size_t count = 0;
  std::vector<audit::VerifiedEntry> entries;  // sized once; reused when recycled
  Status failure;
  uint64_t failed_seq = kNoSeq;
};

// Replay in two stages: a reader thread scans the entries, copies and
// verifies each (FlatBuffers Verifier) and checks its shape, while the
// caller applies them through the rules in seq order. The rules are
// sequential; reading and checking are not, and were half of a replay's
// time. At most kChunksMax chunks exist at once, so memory is bounded.
class EntryPipeline {
 public:
  static constexpr size_t kChunkEntries = 4096;
  static constexpr size_t kChunksMax = 4;

  EntryPipeline(const LedgerSnapshot& snapshot, uint64_t upto, bool validate_shape)
      : thread_([this, &snapshot, upto, validate_shape] { Read(snapshot, upto, validate_shape); }) {
  }
  ~EntryPipeline() { Stop(); }

  // The next chunk in seq order; nullptr when the reader is done.
  std::unique_ptr<EntryChunk> Next() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return !full_.empty() || done_; });
    if (full_.empty()) return nullptr;
    auto chunk = std::move(full_.front());
    full_.pop_front();
    cv_.notify_all();
    return chunk;
  }
  void Recycle(std::unique_ptr<EntryChunk> chunk) {
    std::lock_guard lock(mu_);
    free_.push_back(std::move(chunk));
    cv_.notify_all();
  }
  // Stops the reader (early, if the caller failed) and waits for it.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  // A chunk to fill: a recycled one, a new one while fewer than kChunksMax
  // exist, else wait. nullptr: stop.
  std::unique_ptr<EntryChunk> Empty() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stop_ || !free_.empty() || made_ < kChunksMax; });
    if (stop_) return nullptr;
    if (!free_.empty()) {
      auto chunk = std::move(free_.back());
      free_.pop_back();
      return chunk;
    }
    ++made_;
    auto chunk = std::make_unique<EntryChunk>();
    chunk->entries.resize(kChunkEntries);
    return chunk;
  }
  void Publish(std::unique_ptr<EntryChunk> chunk) {
    std::lock_guard lock(mu_);
    full_.push_back(std::move(chunk));
    cv_.notify_all();
  }

  void Read(const LedgerSnapshot& snapshot, uint64_t upto, bool validate_shape) {
    std::unique_ptr<EntryChunk> chunk = Empty();
    const auto start = [&chunk](uint64_t seq) {
      chunk->first_seq = seq;
      chunk->count = 0;
      chunk->failure = Status();
      chunk->failed_seq = kNoSeq;
    };
    if (chunk != nullptr) start(0);
    Status scanned = snapshot.ScanEntries(0, upto, [&](uint64_t seq, std::string_view bytes) {
      if (chunk == nullptr) return Status::Internal("the replay stopped");
      audit::VerifiedEntry& entry = chunk->entries[chunk->count];
      Status st = entry.Load(bytes);
      if (st.ok() && validate_shape) st = ValidateEventBody(entry.body());
      if (!st.ok()) {
        chunk->failure = st;
        chunk->failed_seq = seq;
        return Status::Internal("an entry failed");
      }
      if (++chunk->count == kChunkEntries) {
        Publish(std::move(chunk));
        chunk = Empty();
        if (chunk != nullptr) start(seq + 1);
      }
      return Status();
    });
    if (chunk != nullptr) {
      if (!scanned.ok() && chunk->failure.ok()) chunk->failure = scanned;
      Publish(std::move(chunk));
    }
    std::lock_guard lock(mu_);
    done_ = true;
    cv_.notify_all();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<EntryChunk>> full_;   // guarded by mu_; seq order
  std::vector<std::unique_ptr<EntryChunk>> free_;  // guarded by mu_
  size_t made_ = 0;                                // guarded by mu_
  bool stop_ = false;                              // guarded by mu_
  bool done_ = false;                              // guarded by mu_
  std::thread thread_;                             // last: starts after the rest
};

// The digest's input, framed row by row:
//   for each row: BE32(len key) key BE32(len value) value
// and handed to SHA-256 in blocks of up to 64 KiB: four small updates a
// row cost more than hashing the bytes (SHA-NI hashes 16 KiB at 1.4 GB/s,
// 128 bytes at 0.45 GB/s). The digest is the same as unbuffered.
class FramedDigest {
 public:
  void Add(std::string_view key, std::string_view value) {
    PutLength(key.size());
    buffer_.append(key);
    PutLength(value.size());
    buffer_.append(value);
    if (buffer_.size() >= kFlushBytes) Flush();
  }
  audit::Hash Final() {
    Flush();
    return digest_.Final();
  }

 private:
  static constexpr size_t kFlushBytes = 64 << 10;
  void PutLength(size_t n) {
    LUMBUNG_ASSERT(n <= UINT32_MAX);
    const auto v = static_cast<uint32_t>(n);
    const char be[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                        static_cast<char>(v >> 8), static_cast<char>(v)};
    buffer_.append(be, 4);
  }
  void Flush() {
    digest_.Update(buffer_);
    buffer_.clear();
  }
  audit::Sha256Stream digest_;
  std::string buffer_;
};

}  // namespace

Result<std::optional<std::string>> GetProjectionRow(const LedgerSnapshot& snapshot,
                                                    std::string_view key) {
  return store::GetRow(snapshot.impl(), key);
}

namespace {

using Overlay = std::map<std::string, std::optional<std::string>>;

// Keys in [lo, hi) (hi empty: no upper bound), except those that start
// with `skip` (if not empty).
struct RowRange {
  std::string lo;
  std::string hi;
  std::string skip;
  bool Below(std::string_view key) const { return hi.empty() || key < hi; }
  bool Skips(std::string_view key) const { return !skip.empty() && key.starts_with(skip); }
};

// Merges the folded rows (state CF, 'r' + key) in `range` with `overlay`
// (the newest unfolded version of each key), in key order; on equal keys
// the overlay wins and a deletion hides the row. The skipped rows are
// passed over by seeking past them, not read.
Status MergeRows(const LedgerSnapshot::Impl& impl, const RowRange& range, const Overlay& overlay,
                 const std::function<Status(std::string_view, std::string_view)>& fn) {
  const std::string first = store::keys::StateRow(range.lo);
  const std::string end =
      range.hi.empty() ? PrefixEnd(store::keys::StateRow("")) : store::keys::StateRow(range.hi);
  const std::string past_skip =
      range.skip.empty() ? std::string() : store::keys::StateRow(PrefixEnd(range.skip));
  rocksdb::Slice upper(end);
  rocksdb::ReadOptions ro = impl.Read();
  ro.iterate_upper_bound = &upper;
  // A scan of everything (the digest) would push the whole family through
  // the block cache, evicting what point reads use, for no reuse.
  if (range.lo.empty() || range.hi.empty()) {
    ro.fill_cache = false;
    ro.readahead_size = 2 << 20;
  }
  std::unique_ptr<rocksdb::Iterator> it(impl.db->db()->NewIterator(ro, impl.db->state()));
  it->Seek(first);
  auto ov = overlay.lower_bound(range.lo);
  auto ov_in = [&] {
    // Unfolded event-id and receipt rows share the overlay but belong to
    // the index.
    while (ov != overlay.end() && range.Below(ov->first) &&
           (store::IsIndexRowKey(ov->first) || range.Skips(ov->first))) {
      ++ov;
    }
    return ov != overlay.end() && range.Below(ov->first);
  };
  for (;;) {
    const std::string_view row_key =
        it->Valid() ? std::string_view(it->key().data() + 1, it->key().size() - 1)
                    : std::string_view();
    if (it->Valid() && range.Skips(row_key)) {
      it->Seek(past_skip);
      continue;
    }
    const bool have_row = it->Valid();
    if (!have_row && !ov_in()) break;
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

// The unfolded rows under `prefix` a scan merges with the folded ones: the
// live cache's if it can answer for this snapshot (copied into `local`;
// for one prefix it is a small overlay), else the snapshot's overlay of
// its own deltas.
Result<const Overlay*> OverlayFor(const LedgerSnapshot::Impl& impl, std::string_view prefix,
                                  Overlay* local) {
  if (impl.live != nullptr &&
      impl.live->Scan(impl.fold_seq, impl.size, prefix,
                      [local](std::string_view key, std::optional<std::string_view> value) {
                        local->emplace(std::string(key),
                                       value ? std::optional<std::string>(*value) : std::nullopt);
                      })) {
    return local;
  }
  LUMBUNG_RETURN_IF_ERROR(store::EnsureOverlay(impl));
  return &impl.overlay;
}

}  // namespace

Status ScanProjectionRows(const LedgerSnapshot& snapshot, std::string_view prefix,
                          const std::function<Status(std::string_view, std::string_view)>& fn) {
  Overlay local;
  LUMBUNG_ASSIGN_OR_RETURN(const Overlay* overlay, OverlayFor(snapshot.impl(), prefix, &local));
  const std::string lo(prefix);
  return MergeRows(snapshot.impl(), RowRange{lo, PrefixEnd(lo), ""}, *overlay, fn);
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
  EntryPipeline pipeline(snapshot, upto, options.validate_shape);
  const auto fail = [](uint64_t seq, const Status& why) {
    return Status::Corruption("seq " + std::to_string(seq) + ": " + why.ToString())
        .WithSeq(static_cast<int64_t>(seq));
  };
  Status st;
  while (st.ok()) {
    std::unique_ptr<EntryChunk> chunk = pipeline.Next();
    if (chunk == nullptr) break;
    for (size_t i = 0; i < chunk->count && st.ok(); ++i) {
      const uint64_t seq = chunk->first_seq + i;
      const audit::VerifiedEntry& entry = chunk->entries[i];
      Status applied = domain.Apply(entry.entry(), entry.body());
      if (!applied.ok()) {
        st = fail(seq, applied);
      } else if (options.on_entry) {
        if (!posting_error.ok()) {
          st = fail(seq, posting_error);
        } else {
          st = options.on_entry(entry, postings);
          postings.clear();
        }
      }
      if (st.ok() && options.progress && (seq + 1) % 65536 == 0) options.progress(seq + 1, upto);
    }
    // The reader stops at the first entry it cannot load: everything before
    // it has been applied, so the first failing seq is reported, as a
    // sequential replay would.
    if (st.ok() && !chunk->failure.ok()) {
      st = chunk->failed_seq == kNoSeq ? chunk->failure : fail(chunk->failed_seq, chunk->failure);
    }
    pipeline.Recycle(std::move(chunk));
  }
  LUMBUNG_RETURN_IF_ERROR(st);
  if (options.progress) options.progress(upto, upto);
  return domain.TakeState();
}

namespace {

// The two halves' digests, combined.
audit::Hash CombineHalves(const audit::Hash& before_split, const audit::Hash& from_split) {
  std::array<uint8_t, 2 * sizeof(audit::Hash)> both;
  std::copy(before_split.begin(), before_split.end(), both.begin());
  std::copy(from_split.begin(), from_split.end(), both.begin() + sizeof(audit::Hash));
  return audit::Sha256(std::span<const uint8_t>(both));
}

audit::Hash DigestRows(const domain::State& state, domain::StateRows which) {
  FramedDigest digest;
  domain::ForEachStateRow(
      state,
      [&digest](const std::string& key, const std::string& value) { digest.Add(key, value); },
      which);
  return digest.Final();
}

}  // namespace

audit::Hash DigestState(const domain::State& state) {
  // The rows from the split on a second thread: after a replay nothing else
  // runs, and encoding the rows, not hashing them, is what takes the time.
  auto from_split = std::async(
      std::launch::async, [&state] { return DigestRows(state, domain::StateRows::kFromSplit); });
  const audit::Hash before_split = DigestRows(state, domain::StateRows::kBeforeSplit);
  return CombineHalves(before_split, from_split.get());
}

Result<audit::Hash> DigestStoredProjection(const LedgerSnapshot& snapshot) {
  Overlay local;
  LUMBUNG_ASSIGN_OR_RETURN(const Overlay* overlay, OverlayFor(snapshot.impl(), "", &local));
  FramedDigest before_split, from_split;
  // History rows are not part of the state (DigestState has none), and
  // they are about half of all rows: the scan seeks past them rather than
  // reading each one to drop it.
  LUMBUNG_RETURN_IF_ERROR(
      MergeRows(snapshot.impl(), RowRange{"", "", std::string(1, domain::kHistoryPrefix)}, *overlay,
                [&](std::string_view key, std::string_view value) {
                  const bool before =
                      key.empty() || static_cast<unsigned char>(key[0]) <
                                         static_cast<unsigned char>(domain::kStateRowsSplitKey);
                  (before ? before_split : from_split).Add(key, value);
                  return Status();
                }));
  return CombineHalves(before_split.Final(), from_split.Final());
}

Result<RebuildReport> RebuildAndCompare(const LedgerSnapshot& snapshot,
                                        const ReplayOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto since = [&start] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  // Independent of the replay; joined before returning on every path.
  auto stored =
      std::async(std::launch::async, [&snapshot] { return DigestStoredProjection(snapshot); });
  RebuildReport report;
  report.entries = snapshot.size();
  auto state = ReplayProjection(snapshot, snapshot.size(), options);
  report.replay_seconds = since();
  if (state.ok()) report.rebuilt = DigestState(*state);
  auto stored_digest = stored.get();
  LUMBUNG_RETURN_IF_ERROR(state.status());
  LUMBUNG_RETURN_IF_ERROR(stored_digest.status());
  report.stored = *stored_digest;
  report.total_seconds = since();
  return report;
}

}  // namespace lumbung
