// VerifyBundle: the steps of bundle_verify.h, each a function of its own,
// tied together at the bottom of this file.

#include "lumbung/audit/bundle_verify.h"

#include <algorithm>
#include <filesystem>
#include <future>

#include "lumbung/audit/note.h"
#include "lumbung/audit/tree_watch.h"
#include "lumbung/base/text.h"

#include "bundle_entries.h"
#include "bundle_files.h"
#include <unistd.h>

namespace lumbung::audit {
namespace {

using internal::BundleProblem;
namespace files = bundle_files;

constexpr std::string_view kVkeyArgument = "--vkey";
constexpr std::string_view kSinceArgument = "--since";

// Problems grouped by the step that finds them, reported in step order
// (bundle_verify.h) whatever order the steps run in.
struct Findings {
  std::vector<Status> manifest, key, checkpoint, entries, tree, since, balances;

  std::vector<Status> Ordered(size_t problems_max) && {
    std::vector<Status> all;
    for (std::vector<Status>* step :
         {&manifest, &key, &checkpoint, &entries, &tree, &since, &balances}) {
      for (Status& problem : *step) {
        if (all.size() < problems_max) all.push_back(std::move(problem));
      }
    }
    return all;
  }
};

struct OpenedCheckpoint {
  Checkpoint checkpoint;
  size_t cosignatures = 0;
};

std::string KeyName(const NoteVerifierKey& key) {
  std::string name = key.name();
  name += '+';
  name += HexEncode(std::array<uint8_t, 4>{
      static_cast<uint8_t>(key.key_id() >> 24), static_cast<uint8_t>(key.key_id() >> 16),
      static_cast<uint8_t>(key.key_id() >> 8), static_cast<uint8_t>(key.key_id())});
  return name;
}

bool SameKey(const NoteVerifierKey& a, const NoteVerifierKey& b) {
  return a.name() == b.name() && a.key_id() == b.key_id() && a.public_key() == b.public_key();
}

std::string Range(uint64_t size) {
  return size == 0 ? std::string("no entries") : "entries 0 to " + std::to_string(size - 1);
}

// --- the verifier key -------------------------------------------------------

Result<NoteVerifierKey> ReadKeyFile(const std::string& dir) {
  LUMBUNG_ASSIGN_OR_RETURN(std::string text,
                           internal::ReadBundleFile(dir, files::kVerifierKey, kKeyFileBytesMax));
  if (text.ends_with('\n')) text.pop_back();
  Result<NoteVerifierKey> key = NoteVerifierKey::Parse(text);
  if (!key.ok()) {
    return BundleProblem(kBundleReasonBadKey, files::kVerifierKey,
                         "not a verifier key: " + std::string(key.status().message()));
  }
  return key;
}

// The key the bundle is checked against: the caller's, else the bundle's.
std::optional<NoteVerifierKey> ResolveKey(const std::string& dir,
                                          const BundleVerifyOptions& options,
                                          const internal::Manifest& manifest,
                                          std::vector<Status>* problems) {
  std::optional<NoteVerifierKey> file_key;
  if (manifest.missing.count(std::string(files::kVerifierKey)) == 0) {
    Result<NoteVerifierKey> read = ReadKeyFile(dir);
    if (read.ok()) {
      file_key = std::move(*read);
    } else {
      problems->push_back(read.status());
    }
  }
  if (options.verifier_key.empty()) return file_key;
  Result<NoteVerifierKey> given = NoteVerifierKey::Parse(options.verifier_key);
  if (!given.ok()) {
    problems->push_back(
        BundleProblem(kBundleReasonBadKey, kVkeyArgument,
                      "not a verifier key: " + std::string(given.status().message())));
    return std::nullopt;
  }
  if (file_key.has_value() && !SameKey(*file_key, *given)) {
    problems->push_back(BundleProblem(
        kBundleReasonKeyMismatch, files::kVerifierKey,
        "holds the key " + KeyName(*file_key) + ", not the expected " + KeyName(*given) +
            " given with --vkey: this bundle is not from the ledger you expect"));
  }
  return std::move(*given);
}

// --- checkpoints ------------------------------------------------------------

Status NoteProblem(const Status& status, const NoteVerifierKey& key, std::string_view field) {
  std::string what;
  if (status.reason() == "unverified_note") {
    what = "not signed by the ledger's key " + KeyName(key) + " (signed by another key or none)";
  } else if (status.reason() == "invalid_signature") {
    what = "the signature by " + KeyName(key) +
           " does not verify: the checkpoint was altered after it was signed";
  } else {
    what = "not a valid signed note: " + std::string(status.message());
  }
  return BundleProblem(kBundleReasonBadCheckpoint, field, what);
}

std::optional<OpenedCheckpoint> OpenCheckpointNote(std::string_view note,
                                                   const NoteVerifierKey& key,
                                                   std::string_view field,
                                                   std::vector<Status>* problems) {
  Result<OpenedNote> opened = OpenNote(note, std::span<const NoteVerifierKey>(&key, 1));
  if (!opened.ok()) {
    problems->push_back(NoteProblem(opened.status(), key, field));
    return std::nullopt;
  }
  Result<Checkpoint> checkpoint = ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) {
    problems->push_back(BundleProblem(
        kBundleReasonBadCheckpoint, field,
        "signed, but not a checkpoint: " + std::string(checkpoint.status().message())));
    return std::nullopt;
  }
  return OpenedCheckpoint{std::move(*checkpoint), opened->unverified.size()};
}

std::optional<OpenedCheckpoint> ReadCheckpoint(const std::string& dir,
                                               const internal::Manifest& manifest,
                                               const NoteVerifierKey& key,
                                               std::vector<Status>* problems) {
  if (manifest.missing.count(std::string(files::kCheckpoint)) != 0) return std::nullopt;
  Result<std::string> note = internal::ReadBundleFile(dir, files::kCheckpoint, kNoteBytesMax);
  if (!note.ok()) {
    problems->push_back(note.status());
    return std::nullopt;
  }
  auto opened = OpenCheckpointNote(*note, key, files::kCheckpoint, problems);
  if (opened.has_value() && opened->checkpoint.size == 0) {
    // Every ledger holds entry 0 (LedgerOpened, which names the key); a
    // bundle of no entries would prove nothing about any ledger.
    problems->push_back(BundleProblem(kBundleReasonBadCheckpoint, files::kCheckpoint,
                                      "signs an empty log; a ledger always holds entry 0"));
    return std::nullopt;
  }
  return opened;
}

// --- the entry walk ---------------------------------------------------------

Status EntryProblem(std::string_view reason, uint64_t seq, std::string_view what) {
  std::string message = "seq " + std::to_string(seq);
  message += ": ";
  message += what;
  return BundleProblem(reason, files::kEntries, message).WithSeq(static_cast<int64_t>(seq));
}

// Entries already walked, read back from entries.bin by seq for a replay
// (a correction names the entry it reverses). The walk records where each
// entry's bytes start; reading checks the frame and the entry again, since
// the file is untrusted and could change under us.
class EarlierEntries {
 public:
  EarlierEntries() = default;
  ~EarlierEntries() {
    if (fd_ >= 0) ::close(fd_);
  }
  EarlierEntries(const EarlierEntries&) = delete;
  EarlierEntries& operator=(const EarlierEntries&) = delete;

  Status Open(const std::string& dir) {
    LUMBUNG_ASSIGN_OR_RETURN(fd_, internal::OpenBundleFile(dir, files::kEntries));
    return Status();
  }
  // Entries are recorded in seq order, without gaps.
  void Record(uint64_t seq, uint64_t offset) {
    if (seq == offsets_.size()) offsets_.push_back(offset);
  }
  Status Read(uint64_t seq, VerifiedEntry* out) const {
    if (seq >= offsets_.size() || fd_ < 0) {
      return Status::NotFound("entry " + std::to_string(seq) + " has not been walked yet");
    }
    const uint64_t offset = offsets_[seq];
    uint8_t header[kFrameHeaderBytes];
    if (::pread(fd_, header, sizeof header, static_cast<off_t>(offset - sizeof header)) !=
        static_cast<ssize_t>(sizeof header)) {
      return EntryProblem(kBundleReasonFraming, seq, "cannot be read again");
    }
    const size_t size = size_t{header[0]} << 24 | size_t{header[1]} << 16 | size_t{header[2]} << 8 |
                        size_t{header[3]};
    std::string bytes(std::min(size, kEntryBytesMax), '\0');
    if (size > kEntryBytesMax ||
        ::pread(fd_, bytes.data(), bytes.size(), static_cast<off_t>(offset)) !=
            static_cast<ssize_t>(bytes.size())) {
      return EntryProblem(kBundleReasonFraming, seq, "changed while it was being verified");
    }
    LUMBUNG_RETURN_IF_ERROR(out->Load(bytes));
    if (out->entry().seq() != seq) {
      return EntryProblem(kBundleReasonFraming, seq, "changed while it was being verified");
    }
    return Status();
  }

 private:
  int fd_ = -1;
  std::vector<uint64_t> offsets_;
};

// Everything the walk over entries.bin keeps, and its per-entry checks.
struct Walk {
  const BundleVerifyOptions& options;
  const NoteVerifierKey* key;          // null if no usable key
  const OpenedCheckpoint* checkpoint;  // null if none verified
  ChainVerifier chain;
  TreeWatcher watcher;
  bool replaying;
  BundleReport* report;
  EarlierEntries earlier;  // opened only for a replay that asks for it

  Walk(const BundleVerifyOptions& o, const NoteVerifierKey* k, const OpenedCheckpoint* c,
       BundleReport* r)
      : options(o),
        key(k),
        checkpoint(c),
        chain(o.problems_max),
        replaying(static_cast<bool>(o.replay.on_entry)),
        report(r) {}

  void CheckEntryZero(const VerifiedEntry& entry);
  void OnEntry(uint64_t seq, const VerifiedEntry& entry, uint64_t offset);
};

// Entry 0 (LedgerOpened) names the ledger: its key and origin must be the
// ones the checkpoint is checked with, or the bundle is another ledger's.
void Walk::CheckEntryZero(const VerifiedEntry& entry) {
  const fb::LedgerOpened* opened = entry.body().event_as_LedgerOpened();
  if (opened == nullptr) {
    chain.AddProblem(EntryProblem(kBundleReasonKeyMismatch, 0, "entry 0 is not LedgerOpened"));
    return;
  }
  Result<NoteVerifierKey> recorded = NoteVerifierKey::Parse(opened->verifier_key()->string_view());
  if (!recorded.ok()) {
    chain.AddProblem(
        EntryProblem(kBundleReasonKeyMismatch, 0, "entry 0 records no valid verifier key"));
  } else if (key != nullptr && !SameKey(*recorded, *key)) {
    chain.AddProblem(EntryProblem(kBundleReasonKeyMismatch, 0,
                                  "entry 0 records the verifier key " + KeyName(*recorded) +
                                      ", not " + KeyName(*key) +
                                      ", the key this bundle is checked with"));
  }
  if (checkpoint != nullptr && opened->origin()->string_view() != checkpoint->checkpoint.origin) {
    chain.AddProblem(EntryProblem(kBundleReasonKeyMismatch, 0,
                                  "entry 0 opens the ledger " + opened->origin()->str() +
                                      ", but the checkpoint is of " +
                                      checkpoint->checkpoint.origin));
  }
}

void Walk::OnEntry(uint64_t seq, const VerifiedEntry& entry, uint64_t offset) {
  if (seq == 0) CheckEntryZero(entry);
  if (options.replay.start) earlier.Record(seq, offset);
  const std::string_view date = entry.body().effective_date()->string_view();
  if (report->first_effective_date.empty() || date < report->first_effective_date) {
    report->first_effective_date = std::string(date);
  }
  if (date > report->last_effective_date) report->last_effective_date = std::string(date);
  replaying = replaying && chain.ok();
  if (!replaying) return;
  Status replayed = options.replay.on_entry(seq, entry);
  if (!replayed.ok()) {
    chain.AddProblem(EntryProblem(replayed.reason(), seq,
                                  "the replay refuses it: " + std::string(replayed.message())));
    replaying = false;
  }
}

// Asks the watcher for what the checks after the walk compare: the root at
// the checkpoint's size, and at the older checkpoint's with the nodes of a
// consistency proof between the two.
void WatchSizes(const OpenedCheckpoint* checkpoint, const OpenedCheckpoint* since,
                TreeWatcher* watcher) {
  if (checkpoint == nullptr) return;
  const uint64_t size = checkpoint->checkpoint.size;
  watcher->WantRoot(size);
  if (since == nullptr || since->checkpoint.size > size) return;
  watcher->WantRoot(since->checkpoint.size);
  Result<ProofPlan> plan = PlanConsistency(since->checkpoint.size, size);
  if (!plan.ok()) return;  // old size 0: nothing to prove
  for (const NodeId& id : plan->nodes) watcher->WantNode(id);
}

// Returns the SHA-256 of entries.bin, or nullopt if it could not be read.
std::optional<Hash> RunWalk(const std::string& dir, const internal::Manifest& manifest, Walk* walk,
                            std::vector<Status>* problems) {
  if (manifest.missing.count(std::string(files::kEntries)) != 0) return std::nullopt;
  Result<int> fd = internal::OpenBundleFile(dir, files::kEntries);
  if (!fd.ok()) {
    problems->push_back(fd.status());
    return std::nullopt;
  }
  const uint64_t expected = walk->checkpoint ? walk->checkpoint->checkpoint.size : 0;
  internal::EntryWalkHooks hooks;
  hooks.on_entry = [walk](uint64_t seq, const VerifiedEntry& entry, uint64_t offset) {
    walk->OnEntry(seq, entry, offset);
  };
  if (walk->options.replay.start) {
    Status opened = walk->earlier.Open(dir);
    if (!opened.ok()) problems->push_back(std::move(opened));
    const EarlierEntries* earlier = &walk->earlier;
    walk->options.replay.start(
        [earlier](uint64_t seq, VerifiedEntry* out) { return earlier->Read(seq, out); });
  }
  if (walk->options.progress) {
    hooks.on_progress = [&](uint64_t done) { walk->options.progress(done, expected); };
  }
  walk->chain.SetNodeVisitor(walk->watcher.Visitor());
  Result<internal::EntryWalk> result = internal::WalkEntries(*fd, walk->chain, hooks);
  ::close(*fd);
  if (!result.ok()) {
    problems->push_back(BundleProblem(kBundleReasonMissingFile, files::kEntries,
                                      std::string(result.status().message())));
    return std::nullopt;
  }
  walk->report->entries = result->frames;
  if (walk->checkpoint != nullptr && result->framing.ok() && !walk->chain.full()) {
    walk->chain.Finish(expected);
  }
  for (const Status& problem : walk->chain.problems()) {
    problems->push_back(problem.field().empty()
                            ? BundleProblem(problem.reason(), files::kEntries, problem.message())
                                  .WithSeq(problem.seq())
                            : problem);
  }
  if (!result->framing.ok()) problems->push_back(result->framing);
  if (walk->options.progress) walk->options.progress(result->frames, expected);
  return result->file_sha256;
}

// --- after the walk ---------------------------------------------------------

void CheckRoot(const OpenedCheckpoint& checkpoint, const TreeWatcher& watcher,
               std::vector<Status>* problems) {
  const std::optional<Hash> root = watcher.RootAt(checkpoint.checkpoint.size);
  if (!root.has_value()) return;  // the entries end early, already reported
  if (*root != checkpoint.checkpoint.root) {
    problems->push_back(BundleProblem(
        kBundleReasonRootMismatch, files::kEntries,
        "the Merkle root of " + Range(checkpoint.checkpoint.size) + " is " + ToHex(*root) +
            ", not the root the checkpoint signs (" + ToHex(checkpoint.checkpoint.root) +
            "): entries were altered, removed or reordered"));
  }
}

// The older checkpoint against this bundle's (RFC 9162 consistency).
void CheckSince(const OpenedCheckpoint& since, const OpenedCheckpoint& checkpoint,
                TreeWatcher& watcher, std::vector<Status>* problems) {
  const Checkpoint& old_cp = since.checkpoint;
  const Checkpoint& new_cp = checkpoint.checkpoint;
  auto problem = [&](std::string_view reason, const std::string& what) {
    problems->push_back(BundleProblem(reason, kSinceArgument, what));
  };
  if (old_cp.origin != new_cp.origin) {
    return problem(kBundleReasonInconsistent, "the older checkpoint is of " + old_cp.origin +
                                                  ", this bundle of " + new_cp.origin);
  }
  if (old_cp.size > new_cp.size) {
    problems->push_back(BundleProblem(kBundleReasonRolledBack, kSinceArgument,
                                      "the older checkpoint covers " + std::to_string(old_cp.size) +
                                          " entries but this bundle only " +
                                          std::to_string(new_cp.size) +
                                          ": the log was rolled back (entries from seq " +
                                          std::to_string(new_cp.size) + " on are gone)")
                            .WithSeq(static_cast<int64_t>(new_cp.size)));
    return;
  }
  const std::optional<Hash> old_root = watcher.RootAt(old_cp.size);
  if (!old_root.has_value()) return;  // the entries end early, already reported
  if (*old_root != old_cp.root) {
    return problem(kBundleReasonInconsistent,
                   "the older checkpoint's root is not the root of this bundle's " +
                       Range(old_cp.size) + ": the log was rewritten since it was signed");
  }
  if (old_cp.size == 0) return;  // the empty tree is a prefix of every tree
  Result<std::vector<Hash>> proof = ConsistencyProof(old_cp.size, new_cp.size, watcher);
  Status consistent =
      proof.ok() ? VerifyConsistency(old_cp.size, new_cp.size, *proof, old_cp.root, new_cp.root)
                 : proof.status();
  if (!consistent.ok()) {
    problem(kBundleReasonInconsistent,
            "no consistency proof from the older checkpoint to this one: " +
                std::string(consistent.message()));
  }
}

bool RowLess(const BalanceRow& a, const BalanceRow& b) {
  return a.account != b.account ? a.account < b.account : a.unit < b.unit;
}

std::string RowName(const BalanceRow& row) {
  return row.account + " (" + row.unit + ")";
}

// Both sides sorted by (account, unit).
std::optional<std::string> FirstDifference(const std::vector<BalanceRow>& bundled,
                                           const std::vector<BalanceRow>& replayed) {
  size_t b = 0, r = 0;
  while (b < bundled.size() || r < replayed.size()) {
    if (r == replayed.size() || (b < bundled.size() && RowLess(bundled[b], replayed[r]))) {
      return "lists " + RowName(bundled[b]) + " = " + std::to_string(bundled[b].balance) +
             ", an account the replay of the entries does not have";
    }
    if (b == bundled.size() || RowLess(replayed[r], bundled[b])) {
      return "lacks " + RowName(replayed[r]) + ", which the replay of the entries gives " +
             std::to_string(replayed[r].balance);
    }
    if (bundled[b].balance != replayed[r].balance) {
      return "gives " + RowName(bundled[b]) + " a balance of " +
             std::to_string(bundled[b].balance) + "; the replay of the entries gives " +
             std::to_string(replayed[r].balance);
    }
    ++b;
    ++r;
  }
  return std::nullopt;
}

void CheckBalances(const std::string& dir, const internal::Manifest& manifest,
                   const BundleReplay& replay, bool walk_clean, BundleReport* report,
                   std::vector<Status>* problems) {
  if (manifest.missing.count(std::string(files::kBalances)) != 0) return;
  Result<std::string> text = internal::ReadBundleFile(dir, files::kBalances, kBalancesBytesMax);
  Result<std::vector<BalanceRow>> rows =
      text.ok() ? ParseBalancesCsv(*text) : Result<std::vector<BalanceRow>>(text.status());
  if (!rows.ok()) return problems->push_back(rows.status());
  report->balance_rows = rows->size();
  if (!replay.finish || !walk_clean) return;
  Result<BundleReplay::Outcome> outcome = replay.finish();
  Status sorted = outcome.ok() ? SortBalanceRows(&outcome->balances) : outcome.status();
  if (!sorted.ok()) {
    return problems->push_back(
        BundleProblem(kBundleReasonReplay, files::kBalances,
                      "the replay failed: " + std::string(sorted.message())));
  }
  report->balances_replayed = true;
  report->summary = std::move(outcome->summary);
  if (const auto difference = FirstDifference(*rows, outcome->balances)) {
    problems->push_back(BundleProblem(kBundleReasonBalances, files::kBalances, *difference));
  }
}

void CheckEntriesDigest(const internal::Manifest& manifest, const std::optional<Hash>& digest,
                        std::vector<Status>* problems) {
  if (!digest.has_value()) return;
  for (const SumsLine& line : manifest.lines) {
    if (line.name == files::kEntries && line.sha256 != *digest) {
      problems->push_back(BundleProblem(kBundleReasonManifest, files::kEntries,
                                        "does not match its SHA-256 in SHA256SUMS (the file "
                                        "was altered or damaged)"));
    }
  }
}

}  // namespace

Result<BundleReport> VerifyBundle(const std::string& dir, const BundleVerifyOptions& options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return Status::InvalidArgument(dir + " is not a folder");
  }
  BundleReport report;
  Findings findings;
  internal::Manifest manifest = internal::ReadManifest(dir);
  findings.manifest = std::move(manifest.problems);
  // The other files' digests, on a thread of their own (entries.jsonl is
  // the largest file of a bundle).
  std::future<std::vector<Status>> digests =
      std::async(std::launch::async | std::launch::deferred,
                 [&] { return internal::CheckListedDigests(dir, manifest, files::kEntries); });

  const std::optional<NoteVerifierKey> key = ResolveKey(dir, options, manifest, &findings.key);
  std::optional<OpenedCheckpoint> checkpoint, since;
  if (key.has_value()) {
    report.signer = key->name();
    report.key_id = key->key_id();
    checkpoint = ReadCheckpoint(dir, manifest, *key, &findings.checkpoint);
    if (!options.since_note.empty()) {
      since = OpenCheckpointNote(options.since_note, *key, kSinceArgument, &findings.since);
    }
  }
  if (checkpoint.has_value()) {
    report.tree_size = checkpoint->checkpoint.size;
    report.root = checkpoint->checkpoint.root;
    report.origin = checkpoint->checkpoint.origin;
    report.cosignatures = checkpoint->cosignatures;
  }
  if (since.has_value()) report.since_size = since->checkpoint.size;

  Walk walk(options, key ? &*key : nullptr, checkpoint ? &*checkpoint : nullptr, &report);
  WatchSizes(walk.checkpoint, since ? &*since : nullptr, &walk.watcher);
  const std::optional<Hash> entries_digest = RunWalk(dir, manifest, &walk, &findings.entries);
  if (checkpoint.has_value()) {
    CheckRoot(*checkpoint, walk.watcher, &findings.tree);
    if (since.has_value()) CheckSince(*since, *checkpoint, walk.watcher, &findings.since);
  }
  const bool walk_clean = entries_digest.has_value() && findings.entries.empty() &&
                          findings.tree.empty() && checkpoint.has_value();
  CheckBalances(dir, manifest, options.replay, walk_clean, &report, &findings.balances);

  std::vector<Status> digest_problems = digests.get();
  findings.manifest.insert(findings.manifest.end(),
                           std::make_move_iterator(digest_problems.begin()),
                           std::make_move_iterator(digest_problems.end()));
  CheckEntriesDigest(manifest, entries_digest, &findings.manifest);
  report.problems = std::move(findings).Ordered(options.problems_max);
  return report;
}

}  // namespace lumbung::audit
