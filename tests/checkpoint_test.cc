// Signed checkpoints: signing, storing, returning the same note, refusing a
// second root for one size, cosignatures, and the live verifier's checks of
// every stored checkpoint.

#include "lumbung/ledger/checkpoint.h"

#include <catch2/catch.hpp>

#include "lumbung/audit/note.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/verify.h"

#include "../ledger/store/db.h"
#include "audit_fixture.h"
#include "tamper.h"

using namespace lumbung;

namespace {

audit::NoteSigner LedgerSigner(const std::string& dir) {
  std::string text = testing::ReadFile(dir + "/keys/checkpoint.key");
  if (!text.empty() && text.back() == '\n') text.pop_back();
  auto signer = audit::NoteSigner::ParsePrivateKey(text);
  REQUIRE(signer.ok());
  return std::move(*signer);
}

audit::Checkpoint OpenWith(const std::string& note, const std::string& vkey) {
  auto key = audit::NoteVerifierKey::Parse(vkey);
  REQUIRE(key.ok());
  auto opened = audit::OpenNote(note, std::span(&*key, 1));
  INFO(opened.status().ToString());
  REQUIRE(opened.ok());
  auto checkpoint = audit::ParseCheckpoint(opened->text);
  REQUIRE(checkpoint.ok());
  return *checkpoint;
}

// Writes a note straight into the checkpoints column family, as someone
// with access to the disk could.
void StoreRaw(const std::string& dir, uint64_t size, const std::string& note) {
  auto db = store::Db::Open(dir + "/db", store::OpenMode::kWrite);
  REQUIRE(db.ok());
  REQUIRE((*db)->db()->Put({}, (*db)->checkpoints(), store::keys::Checkpoint(size), note).ok());
}

std::vector<std::string> ProblemReasons(const std::string& dir) {
  auto ledger = testing::OpenForTest(dir, /*read_only=*/true);
  auto report = VerifyLedger(*ledger->Snapshot(), {});
  REQUIRE(report.ok());
  std::vector<std::string> reasons;
  for (const Status& p : report->problems) reasons.emplace_back(p.reason());
  return reasons;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("a checkpoint is signed at the head, stored, and returned the same way again",
          "[checkpoint]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 30);
  auto ledger = testing::OpenForTest(dir.path());
  const uint64_t head = ledger->size();
  auto first = SignCheckpoint(*ledger);
  REQUIRE(first.ok());
  CHECK(first->size == head);
  CHECK(first->root == ledger->Snapshot()->Root(head).value());
  const audit::Checkpoint parsed = OpenWith(first->note, ledger->verifier_key());
  CHECK(parsed.origin == testing::kAuditOrigin);
  CHECK(parsed.size == head);
  CHECK(parsed.root == first->root);

  auto again = SignCheckpoint(*ledger, head);
  REQUIRE(again.ok());
  CHECK(again->note == first->note);
  auto stored = CheckpointAt(*ledger->Snapshot(), head);
  REQUIRE(stored.ok());
  CHECK(stored->note == first->note);

  auto older = SignCheckpoint(*ledger, 10);
  REQUIRE(older.ok());
  CHECK(OpenWith(older->note, ledger->verifier_key()).size == 10);
  CHECK(older->root == ledger->Snapshot()->Root(10).value());
  auto latest = LatestCheckpoint(*ledger->Snapshot());
  REQUIRE(latest.ok());
  CHECK(latest->size == head);
  CHECK(CheckpointAt(*ledger->Snapshot(), 11).status().IsNotFound());
  ledger.reset();
  CHECK(ProblemReasons(dir.path()).empty());
}

TEST_CASE("signing refuses sizes outside the log and read-only ledgers", "[checkpoint]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 3);
  {
    auto ledger = testing::OpenForTest(dir.path());
    CHECK(SignCheckpoint(*ledger, 0).status().reason() == "out_of_range");
    CHECK(SignCheckpoint(*ledger, ledger->size() + 1).status().reason() == "out_of_range");
    CHECK(LatestCheckpoint(*ledger->Snapshot()).status().IsNotFound());
  }
  auto reader = testing::OpenForTest(dir.path(), /*read_only=*/true);
  const auto refused = SignCheckpoint(*reader);
  CHECK(refused.status().code() == Code::kFailedPrecondition);
  CHECK(refused.status().reason() == kCheckpointReadOnlyReason);
}

TEST_CASE("a second root for a signed size is refused", "[checkpoint]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 10);
  std::string vkey;
  {
    auto ledger = testing::OpenForTest(dir.path());
    vkey = ledger->verifier_key();
    REQUIRE(SignCheckpoint(*ledger, 12).ok());
  }
  // A note the ledger's own key signed over another root (a forked history),
  // stored under the same size.
  const audit::NoteSigner signer = LedgerSigner(dir.path());
  const std::string fork =
      signer
          .Sign(audit::FormatCheckpoint(
              {testing::kAuditOrigin, 12, audit::Sha256(std::string("fork")), {}}))
          .value();
  StoreRaw(dir.path(), 12, fork);
  {
    auto ledger = testing::OpenForTest(dir.path());
    const auto refused = SignCheckpoint(*ledger, 12);
    CHECK(refused.status().IsCorruption());
    CHECK(refused.status().reason() == "checkpoint_conflict");
    CHECK(CheckpointAt(*ledger->Snapshot(), 12).status().reason() == "checkpoint_mismatch");
    CHECK(SignCheckpoint(*ledger, 13).ok());  // other sizes are unaffected
  }
  CHECK(Has(ProblemReasons(dir.path()), "checkpoint_mismatch"));

  // A note whose signature no longer verifies.
  std::string broken = fork;
  broken[broken.find('\n') + 1] = '9';  // the size line changes under the signature
  StoreRaw(dir.path(), 12, broken);
  {
    auto ledger = testing::OpenForTest(dir.path());
    CHECK(SignCheckpoint(*ledger, 12).status().reason() == "checkpoint_conflict");
  }
  CHECK(Has(ProblemReasons(dir.path()), "invalid_checkpoint"));
}

TEST_CASE("a stored note with an extra cosignature is still the ledger's checkpoint",
          "[checkpoint]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 5);
  std::string note, vkey;
  {
    auto ledger = testing::OpenForTest(dir.path());
    vkey = ledger->verifier_key();
    note = SignCheckpoint(*ledger).value().note;
  }
  // A witness cosigns: its signature line is appended to the note.
  const auto witness = audit::NoteSigner::Generate("witness.example/w1");
  REQUIRE(witness.ok());
  const std::string body = note.substr(0, note.find("\n\n") + 1);
  const std::string witness_note = witness->Sign(body).value();
  const std::string cosigned = note + witness_note.substr(witness_note.find("\n\n") + 2);
  StoreRaw(dir.path(), 14, cosigned);
  {
    auto ledger = testing::OpenForTest(dir.path());
    auto returned = SignCheckpoint(*ledger, 14);
    REQUIRE(returned.ok());
    CHECK(returned->note == cosigned);
    auto key = audit::NoteVerifierKey::Parse(vkey);
    auto opened = audit::OpenNote(cosigned, std::span(&*key, 1));
    REQUIRE(opened.ok());
    CHECK(opened->verified.size() == 1);
    CHECK(opened->unverified.size() == 1);
    CHECK(opened->unverified[0].name == "witness.example/w1");
    // And the witness's key alone opens it too: a note for several verifiers.
    CHECK(audit::OpenNote(cosigned, std::span(&witness->verifier(), 1)).ok());
  }
  CHECK(ProblemReasons(dir.path()).empty());
}

TEST_CASE("the live verifier checks every stored checkpoint against the entries",
          "[checkpoint][verify]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 20);
  {
    auto ledger = testing::OpenForTest(dir.path());
    for (uint64_t size : {1u, 7u, 16u, 31u, 44u}) REQUIRE(SignCheckpoint(*ledger, size).ok());
  }
  CHECK(ProblemReasons(dir.path()).empty());

  // A checkpoint past the end: the log lost entries after it was signed.
  const audit::NoteSigner signer = LedgerSigner(dir.path());
  StoreRaw(
      dir.path(), 90,
      signer.Sign(audit::FormatCheckpoint({testing::kAuditOrigin, 90, audit::Hash{}, {}})).value());
  CHECK(Has(ProblemReasons(dir.path()), "checkpoint_past_end"));
  {
    auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    REQUIRE((*db)->db()->Delete({}, (*db)->checkpoints(), store::keys::Checkpoint(90)).ok());
  }
  CHECK(ProblemReasons(dir.path()).empty());

  // Rewriting an entry after checkpoints were signed: the checkpoints that
  // cover it no longer match the root recomputed from the entries.
  {
    auto db = store::Db::Open(dir / "db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    std::string bytes = testing::StoredEntry(**db, 20);
    const size_t id = bytes.find("hh-0000");  // a string, so the FlatBuffer stays valid
    REQUIRE(id != std::string::npos);
    bytes[id + 3] = '9';
    testing::ReplaceStoredEntry(**db, 20, bytes);
  }
  auto ledger = testing::OpenForTest(dir.path(), /*read_only=*/true);
  VerifyOptions options;
  options.problems_max = 64;
  auto report = VerifyLedger(*ledger->Snapshot(), options);
  REQUIRE(report.ok());
  std::vector<std::string> mismatched;
  for (const Status& p : report->problems) {
    if (p.reason() == "checkpoint_mismatch") mismatched.emplace_back(p.message());
  }
  // Sizes 31 and 44 cover entry 20; sizes 1, 7 and 16 do not.
  REQUIRE(mismatched.size() == 2);
  CHECK(mismatched[0].find("size 31") != std::string::npos);
  CHECK(mismatched[1].find("size 44") != std::string::npos);
}

TEST_CASE("signing refuses a key file that is not the ledger's key", "[checkpoint]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 2);
  const auto other = audit::NoteSigner::Generate(testing::kAuditOrigin);
  REQUIRE(other.ok());
  testing::WriteFile(dir / "keys/checkpoint.key", other->PrivateKeyText() + "\n");
  auto ledger = testing::OpenForTest(dir.path());
  const auto refused = SignCheckpoint(*ledger);
  CHECK(refused.status().code() == Code::kFailedPrecondition);
  CHECK(refused.status().reason() == "key_mismatch");
}

TEST_CASE("proofs from the stored tree verify for every seq and size pair", "[proof]") {
  testing::TempDir dir;
  testing::MakeProgrammeLedger(dir.path(), 33);  // 70 entries
  auto ledger = testing::OpenForTest(dir.path(), /*read_only=*/true);
  auto snapshot = ledger->Snapshot();
  const uint64_t head = snapshot->size();
  for (uint64_t size = 1; size <= head; ++size) {
    const audit::Hash root = snapshot->Root(size).value();
    for (uint64_t seq = 0; seq < size; ++seq) {
      auto proof = ProveInclusion(*snapshot, seq, size);
      REQUIRE(proof.ok());
      REQUIRE(proof->root == root);
      REQUIRE(audit::VerifyInclusion(seq, size, proof->leaf_hash, proof->proof, root).ok());
    }
    for (uint64_t old_size = 1; old_size <= size; ++old_size) {
      auto proof = ProveConsistency(*snapshot, old_size, size);
      REQUIRE(proof.ok());
      REQUIRE(audit::VerifyConsistency(old_size, size, proof->proof, proof->old_root, root).ok());
    }
  }
  CHECK(ProveInclusion(*snapshot, head).status().field() == "seq");
  CHECK(ProveInclusion(*snapshot, 0, head + 1).status().field() == "size");
  CHECK(ProveConsistency(*snapshot, 0).status().field() == "old");
  CHECK(ProveConsistency(*snapshot, 5, 4).status().field() == "old");
  CHECK(ProveConsistency(*snapshot, 5, head + 1).status().field() == "new");
}
