// Signed checkpoints: signing and storing them (checkpoint.h), reading them
// back, and the live verifier's checks of them (checkpoint_check.h).

#include <filesystem>
#include <fstream>
#include <mutex>

#include <openssl/crypto.h>
#include <rocksdb/iterator.h>

#include "lumbung/audit/chain.h"
#include "lumbung/audit/note.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/checkpoint.h"

#include "checkpoint_check.h"
#include "db.h"
#include "snapshot_impl.h"

namespace lumbung {
namespace {

// A private key file holds one line of about 100 characters.
constexpr std::streamsize kKeyFileBytesMax = 4096;

// Serialises "is a note stored for this size? if not, store one" within the
// one process that holds the ledger for writing.
std::mutex& SigningMutex() {
  static std::mutex mutex;
  return mutex;
}

// The ledger's identity as entry 0 (or the ledger's metadata) records it.
struct LedgerKey {
  audit::NoteVerifierKey key;
  std::string origin;
};

Status CheckpointProblem(std::string_view reason, uint64_t size, std::string_view what) {
  std::string message = "checkpoint of size " + std::to_string(size);
  message += ": ";
  message += what;
  return Status::Make(Code::kCorruption, reason, "", message);
}

Result<LedgerKey> ParseLedgerKey(std::string_view key_text, std::string origin) {
  Result<audit::NoteVerifierKey> key = audit::NoteVerifierKey::Parse(key_text);
  if (!key.ok()) {
    return Status::Corruption("the ledger's verifier key does not parse: " +
                              std::string(key.status().message()));
  }
  return LedgerKey{std::move(*key), std::move(origin)};
}

Result<LedgerKey> ReadLedgerKey(const LedgerSnapshot& snapshot) {
  audit::VerifiedEntry entry;
  LUMBUNG_RETURN_IF_ERROR(snapshot.GetEntry(0, &entry));
  const fb::LedgerOpened* opened = entry.body().event_as_LedgerOpened();
  if (opened == nullptr) return Status::Corruption("entry 0 is not LedgerOpened").WithSeq(0);
  return ParseLedgerKey(opened->verifier_key()->string_view(), opened->origin()->str());
}

// Checks a stored note: it opens with the ledger's key, holds a checkpoint
// of this ledger for `size`, and (when `root` is known) signs that root.
Status CheckNote(std::string_view note, const LedgerKey& ledger, uint64_t size,
                 const std::optional<audit::Hash>& root) {
  Result<audit::OpenedNote> opened =
      audit::OpenNote(note, std::span<const audit::NoteVerifierKey>(&ledger.key, 1));
  if (!opened.ok()) {
    return CheckpointProblem("invalid_checkpoint", size,
                             "the stored note does not open with the ledger's key: " +
                                 std::string(opened.status().message()));
  }
  Result<audit::Checkpoint> checkpoint = audit::ParseCheckpoint(opened->text);
  if (!checkpoint.ok()) {
    return CheckpointProblem(
        "invalid_checkpoint", size,
        "the stored note is not a checkpoint: " + std::string(checkpoint.status().message()));
  }
  if (checkpoint->origin != ledger.origin || checkpoint->size != size) {
    return CheckpointProblem("invalid_checkpoint", size,
                             "the stored note is of " + checkpoint->origin + " at size " +
                                 std::to_string(checkpoint->size));
  }
  if (root.has_value() && checkpoint->root != *root) {
    return CheckpointProblem("checkpoint_mismatch", size,
                             "it signs the root " + audit::ToHex(checkpoint->root) +
                                 " but the log's root at that size is " + audit::ToHex(*root) +
                                 ": the log was altered after the checkpoint was signed");
  }
  return Status();
}

Status PastTheEnd(uint64_t size, uint64_t log_size) {
  return CheckpointProblem("checkpoint_past_end", size,
                           "it lies past the end of the log (" + std::to_string(log_size) +
                               " entries): entries were removed after it was signed");
}

Result<SignedCheckpoint> CheckStored(const LedgerSnapshot& snapshot, uint64_t size,
                                     std::string note) {
  if (size > snapshot.size()) return PastTheEnd(size, snapshot.size());
  LUMBUNG_ASSIGN_OR_RETURN(const LedgerKey ledger, ReadLedgerKey(snapshot));
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash root, snapshot.Root(size));
  LUMBUNG_RETURN_IF_ERROR(CheckNote(note, ledger, size, root));
  return SignedCheckpoint{size, root, std::move(note)};
}

Result<audit::NoteSigner> LoadSigner(const Ledger& ledger) {
  const std::string path =
      (std::filesystem::path(ledger.dir()) / "keys" / "checkpoint.key").string();
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(kKeyFileBytesMax), '\0');
  in.read(text.data(), kKeyFileBytesMax);
  text.resize(static_cast<size_t>(in.gcount()));
  if (!text.empty() && text.back() == '\n') text.pop_back();
  Result<audit::NoteSigner> signer = audit::NoteSigner::ParsePrivateKey(text);
  OPENSSL_cleanse(text.data(), text.size());  // the seed must not linger in freed memory
  if (!signer.ok()) {
    return Status::FailedPrecondition("the checkpoint key " + path +
                                      " cannot be used: " + std::string(signer.status().message()));
  }
  if (signer->verifier().ToString() != ledger.verifier_key()) {
    return Status::Make(Code::kFailedPrecondition, "key_mismatch", "",
                        "the checkpoint key " + path +
                            " is not the key this ledger was opened "
                            "with (" +
                            ledger.verifier_key() + ")");
  }
  return signer;
}

// Calls fn(size, note) for each stored checkpoint, in increasing size.
Status ForEachStored(const LedgerSnapshot& snapshot,
                     const std::function<void(uint64_t, std::string_view)>& fn) {
  const auto& impl = snapshot.impl();
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->db()->NewIterator(impl.Read(), impl.db->checkpoints()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().size() != 8) {
      return Status::Corruption("a key in the checkpoints column family is not a tree size");
    }
    fn(GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data())),
       std::string_view(it->value().data(), it->value().size()));
  }
  return store::FromRocks(it->status(), "reading checkpoints");
}

}  // namespace

Result<SignedCheckpoint> SignCheckpoint(const Ledger& ledger, std::optional<uint64_t> size) {
  const std::unique_ptr<LedgerSnapshot> snapshot = ledger.Snapshot();
  store::Db* db = snapshot->impl().db;
  if (db->read_only()) {
    return Status::Make(Code::kFailedPrecondition, kCheckpointReadOnlyReason, "",
                        "signing a checkpoint needs the ledger open for writing");
  }
  const uint64_t tree_size = size.value_or(snapshot->size());
  if (tree_size == 0 || tree_size > snapshot->size()) {
    return Status::Make(Code::kInvalidArgument, "out_of_range", "size",
                        "a checkpoint covers 1 to " + std::to_string(snapshot->size()) +
                            " entries (the log's size), not " + std::to_string(tree_size));
  }
  LUMBUNG_ASSIGN_OR_RETURN(const audit::Hash root, snapshot->Root(tree_size));
  LUMBUNG_ASSIGN_OR_RETURN(const LedgerKey ledger_key,
                           ParseLedgerKey(ledger.verifier_key(), ledger.origin()));
  const std::string key = store::keys::Checkpoint(tree_size);

  std::lock_guard<std::mutex> lock(SigningMutex());
  std::string stored;
  const rocksdb::Status read =
      db->db()->Get(rocksdb::ReadOptions(), db->checkpoints(), key, &stored);
  if (read.ok()) {
    Status same = CheckNote(stored, ledger_key, tree_size, root);
    if (!same.ok()) {
      return Status::Make(
          Code::kCorruption, "checkpoint_conflict", "",
          std::string(same.message()) + "; refusing to sign a second checkpoint for this size");
    }
    return SignedCheckpoint{tree_size, root, std::move(stored)};
  }
  if (!read.IsNotFound()) return store::FromRocks(read, "reading checkpoints");
  LUMBUNG_ASSIGN_OR_RETURN(const audit::NoteSigner signer, LoadSigner(ledger));
  LUMBUNG_ASSIGN_OR_RETURN(
      std::string note,
      signer.Sign(audit::FormatCheckpoint({ledger.origin(), tree_size, root, {}})));
  rocksdb::WriteOptions write_options;
  write_options.sync = true;  // a checkpoint handed out is a checkpoint kept
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(
      db->db()->Put(write_options, db->checkpoints(), key, note), "storing the checkpoint"));
  return SignedCheckpoint{tree_size, root, std::move(note)};
}

Result<SignedCheckpoint> LatestCheckpoint(const LedgerSnapshot& snapshot) {
  const auto& impl = snapshot.impl();
  std::unique_ptr<rocksdb::Iterator> it(
      impl.db->db()->NewIterator(impl.Read(), impl.db->checkpoints()));
  it->SeekToLast();
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(it->status(), "reading checkpoints"));
  if (!it->Valid()) return Status::NotFound("no checkpoint has been signed yet");
  if (it->key().size() != 8) {
    return Status::Corruption("a key in the checkpoints column family is not a tree size");
  }
  const uint64_t size = GetBigEndian64(reinterpret_cast<const uint8_t*>(it->key().data()));
  return CheckStored(snapshot, size, it->value().ToString());
}

Result<SignedCheckpoint> CheckpointAt(const LedgerSnapshot& snapshot, uint64_t size) {
  const auto& impl = snapshot.impl();
  std::string note;
  const rocksdb::Status read =
      impl.db->db()->Get(impl.Read(), impl.db->checkpoints(), store::keys::Checkpoint(size), &note);
  if (read.IsNotFound()) {
    return Status::NotFound("no checkpoint of size " + std::to_string(size) + " is stored");
  }
  LUMBUNG_RETURN_IF_ERROR(store::FromRocks(read, "reading checkpoints"));
  return CheckStored(snapshot, size, std::move(note));
}

namespace store {

CheckpointAudit::CheckpointAudit(const LedgerSnapshot& snapshot, audit::ChainVerifier* chain)
    : snapshot_(snapshot), chain_(chain) {
  // A listing error shows again, and is reported, when Check lists them.
  ForEachStored(snapshot_, [this](uint64_t size, std::string_view) {
    watcher_.WantRoot(size);
  }).IgnoreError();
  chain_->SetNodeVisitor(watcher_.Visitor());
}

void CheckpointAudit::Check() {
  // Without entry 0 there is no key to check with; the walk has reported it.
  Result<LedgerKey> ledger = ReadLedgerKey(snapshot_);
  if (!ledger.ok()) return;
  Status listed = ForEachStored(snapshot_, [&](uint64_t size, std::string_view note) {
    if (size > snapshot_.size()) {
      chain_->AddProblem(PastTheEnd(size, snapshot_.size()));
    } else {
      chain_->AddProblem(CheckNote(note, *ledger, size, watcher_.RootAt(size)));
    }
  });
  chain_->AddProblem(std::move(listed));
}

}  // namespace store
}  // namespace lumbung
