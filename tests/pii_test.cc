// Personal data off the log (DESIGN §8): the vault's sealed rows, the
// commitment in the enrolment entry, idempotent enrolments with personal
// data, rollback of a rejected batch, and erasure.

#include "lumbung/ledger/pii.h"

#include <algorithm>
#include <future>

#include <catch2/catch.hpp>
#include <rocksdb/db.h>

#include "lumbung/base/text.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/verify.h"

#include "../ledger/store/db.h"
#include "../ledger/store/pii_vault.h"
#include "../ledger/store/snapshot_impl.h"
#include "tamper.h"
#include "test_util.h"

using namespace lumbung;
namespace vault = lumbung::store::vault;

namespace {

const char* kOrigin = "lumbung.example/jakarta-timur/duren-sawit";
const char* kProgram = "pkh-2026";

PersonalData Person(int i) {
  PersonalData d;
  d.name = "Siti Nurhaliza Kusumawardani " + std::to_string(i);
  d.nik = "3175074512" + std::to_string(880000 + i);
  d.address = "Jl. Kenanga Gg. III No. " + std::to_string(i) + ", RT 005/RW 03, Duren Sawit";
  d.phone = "+62812" + std::to_string(55500000 + i);
  REQUIRE(d.nik.size() == 16);
  return d;
}

Secret Key(uint8_t fill) {
  Secret key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(fill + i);
  return key;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string Json(const nlohmann::ordered_json& j) {
  return j.dump();
}

nlohmann::ordered_json PiiJson(const PersonalData& d) {
  return {{"name", d.name}, {"nik", d.nik}, {"address", d.address}, {"phone", d.phone}};
}

std::string Enrolment(const std::string& event_id, const std::string& beneficiary,
                      const std::optional<PersonalData>& pii,
                      const std::string& extra_commitment = "") {
  nlohmann::ordered_json e = {{"type", "BeneficiaryEnrolled"},
                              {"event_id", event_id},
                              {"effective_date", "2026-01-08"},
                              {"program_id", kProgram},
                              {"beneficiary_id", beneficiary},
                              {"region_code", "31.75.07.1005.03.005"},
                              {"source", "DTSEN"}};
  if (!extra_commitment.empty()) e["pii_commitment"] = extra_commitment;
  if (pii) e["pii"] = PiiJson(*pii);
  return Json(e);
}

std::string Erasure(const std::string& event_id, const std::string& beneficiary) {
  return Json({{"type", "PersonalDataErased"},
               {"event_id", event_id},
               {"effective_date", "2026-12-01"},
               {"program_id", kProgram},
               {"beneficiary_id", beneficiary},
               {"reason", "permintaan penghapusan data"}});
}

std::string Exit(const std::string& event_id, const std::string& beneficiary) {
  return Json({{"type", "BeneficiaryExited"},
               {"event_id", event_id},
               {"effective_date", "2026-06-30"},
               {"program_id", kProgram},
               {"beneficiary_id", beneficiary},
               {"reason", "MOVED"}});
}

std::vector<EventInput> Events(const std::vector<std::string>& lines) {
  std::vector<EventInput> out;
  for (const auto& line : lines) out.push_back(DecodeEventJson(line));
  return out;
}

struct Fixture {
  testing::TempDir dir;
  std::unique_ptr<Ledger> ledger;
  Secret key{};

  Fixture() {
    REQUIRE(Ledger::Init(dir.path(), kOrigin).ok());
    Reopen();
    auto loaded = LoadSecret(PiiKeyPath(dir.path()));
    REQUIRE(loaded.ok());
    key = *loaded;
    Append({Json({{"type", "ProgramOpened"},
                  {"event_id", "prog-pkh-2026"},
                  {"effective_date", "2026-01-02"},
                  {"program_id", kProgram},
                  {"name", "PKH 2026"},
                  {"kind", "CONDITIONAL_CASH"},
                  {"unit", "IDR"},
                  {"legal_basis", "SK 1/2026"}})});
  }
  void Reopen() {
    ledger.reset();
    auto opened = Ledger::Open(dir.path());
    REQUIRE(opened.ok());
    ledger = std::move(*opened);
  }
  Result<std::vector<Receipt>> Try(const std::vector<std::string>& lines) {
    return ledger->Append(Events(lines), "test");
  }
  std::vector<Receipt> Append(const std::vector<std::string>& lines) {
    auto r = Try(lines);
    INFO(r.status().ToString());
    REQUIRE(r.ok());
    return *r;
  }
  std::optional<HeldPersonalData> Held(const std::string& beneficiary) {
    auto held = ReadPersonalData(*ledger->Snapshot(), key, kProgram, beneficiary);
    INFO(held.status().ToString());
    REQUIRE(held.ok());
    return *held;
  }
  std::optional<std::string> RawRow(const std::string& beneficiary) {
    const auto snapshot = ledger->Snapshot();
    auto row =
        vault::ReadRow(*snapshot->impl().db, snapshot->impl().snapshot, kProgram, beneficiary);
    REQUIRE(row.ok());
    return *row;
  }
  audit::VerifiedEntry Entry(uint64_t seq) {
    audit::VerifiedEntry e;
    REQUIRE(ledger->Snapshot()->GetEntry(seq, &e).ok());
    return e;
  }
};

audit::Hash CommitmentOf(const audit::VerifiedEntry& e) {
  const auto* enrolment = e.body().event_as_BeneficiaryEnrolled();
  REQUIRE(enrolment != nullptr);
  REQUIRE(enrolment->pii_commitment() != nullptr);
  audit::Hash out{};
  std::copy_n(enrolment->pii_commitment()->bytes()->begin(), 32, out.begin());
  return out;
}

}  // namespace

TEST_CASE("decoder: pii is checked and leaves a zero placeholder commitment in the body", "[pii]") {
  const PersonalData d = Person(4);
  const EventInput in = DecodeEventJson(Enrolment("enr-4", "hh-4", d));
  REQUIRE(in.decode_error.ok());
  REQUIRE(in.pii.has_value());
  CHECK(*in.pii == d);
  for (const std::string* field : {&d.name, &d.nik, &d.address, &d.phone}) {
    CHECK_FALSE(Contains(in.body, *field));
  }
  std::string scratch;
  Status st;
  const fb::EventBody* body = VerifyEventBody(in.body, &scratch, &st);
  REQUIRE(body != nullptr);
  const auto* enrolment = body->event_as_BeneficiaryEnrolled();
  REQUIRE(enrolment != nullptr);
  REQUIRE(enrolment->pii_commitment() != nullptr);
  const auto* bytes = enrolment->pii_commitment()->bytes();
  CHECK(std::all_of(bytes->begin(), bytes->end(), [](uint8_t b) { return b == 0; }));
  // Without pii there is no commitment at all.
  const EventInput none = DecodeEventJson(Enrolment("enr-4", "hh-4", std::nullopt));
  REQUIRE(none.decode_error.ok());
  CHECK_FALSE(none.pii.has_value());
  CHECK(
      VerifyEventBody(none.body, &scratch, &st)->event_as_BeneficiaryEnrolled()->pii_commitment() ==
      nullptr);
  // Both, a bad NIK, pii on another event type.
  const EventInput both = DecodeEventJson(Enrolment("enr-4", "hh-4", d, std::string(64, 'b')));
  CHECK(both.decode_error.reason() == "invalid_field");
  CHECK(both.decode_error.field() == "pii_commitment");
  PersonalData bad = d;
  bad.nik = "31750747128100";
  CHECK(DecodeEventJson(Enrolment("enr-4", "hh-4", bad)).decode_error.field() == "pii.nik");
  nlohmann::ordered_json exit = nlohmann::ordered_json::parse(Exit("exit-4", "hh-4"));
  exit["pii"] = PiiJson(d);
  const Status on_exit = DecodeEventJson(exit.dump()).decode_error;
  CHECK(on_exit.reason() == "invalid_field");
  CHECK(on_exit.field() == "pii");
}

TEST_CASE("vault: a sealed row opens to the same data, salt and commitment", "[pii]") {
  const Secret key = Key(7);
  const PersonalData d = Person(1);
  const vault::SealedRow row = vault::Seal(key, kProgram, "hh-000001", d);
  CHECK(row.value.size() ==
        vault::kRowOverheadBytes + kPiiSaltBytes + CanonicalPersonalData(d).size());
  CHECK(static_cast<uint8_t>(row.value[0]) == vault::kRowVersion);
  for (const std::string* field : {&d.name, &d.nik, &d.address, &d.phone}) {
    CHECK_FALSE(Contains(row.value, *field));
  }
  auto opened = vault::Open(key, kProgram, "hh-000001", row.value);
  REQUIRE(opened.ok());
  CHECK(opened->data == d);
  CHECK(PiiCommitment(opened->salt, opened->data) == row.commitment);
  CHECK_FALSE(Contains(
      row.value,
      std::string_view(reinterpret_cast<const char*>(opened->salt.data()), opened->salt.size())));
  // Fresh salt, data key and IVs each time: nothing repeats between two
  // seals of the same data.
  const vault::SealedRow again = vault::Seal(key, kProgram, "hh-000001", d);
  CHECK(again.commitment != row.commitment);
  CHECK(again.value.substr(1, 12) != row.value.substr(1, 12));
  CHECK(again.value.substr(vault::kDataIvOffset) != row.value.substr(vault::kDataIvOffset));
  // Empty optional fields round-trip too.
  PersonalData minimal;
  minimal.name = "Budi";
  minimal.nik = "3175070101900001";
  auto small =
      vault::Open(key, kProgram, "hh-2", vault::Seal(key, kProgram, "hh-2", minimal).value);
  REQUIRE(small.ok());
  CHECK(small->data == minimal);
}

TEST_CASE("vault: a wrong master key, any flipped byte, swapped ids or a spliced key fail",
          "[pii]") {
  const Secret key = Key(7);
  const vault::SealedRow row = vault::Seal(key, kProgram, "hh-000001", Person(1));
  REQUIRE(vault::Open(key, kProgram, "hh-000001", row.value).ok());
  CHECK(vault::Open(Key(8), kProgram, "hh-000001", row.value).status().IsCorruption());
  Secret one_bit = key;
  one_bit[31] ^= 0x01;
  CHECK(vault::Open(one_bit, kProgram, "hh-000001", row.value).status().IsCorruption());
  for (size_t i = 0; i < row.value.size(); ++i) {
    std::string flipped = row.value;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x20);
    INFO("byte " << i);
    CHECK(vault::Open(key, kProgram, "hh-000001", flipped).status().IsCorruption());
  }
  CHECK(vault::Open(key, kProgram, "hh-000002", row.value).status().IsCorruption());
  CHECK(vault::Open(key, "pkh-2027", "hh-000001", row.value).status().IsCorruption());
  CHECK(vault::Open(key, "hh-000001", kProgram, row.value).status().IsCorruption());
  // The length prefixes keep ("pkh-2026", "hh-1") and ("pkh-2026h", "h-1") apart.
  const vault::SealedRow short_ids = vault::Seal(key, "pkh-2026", "hh-1", Person(3));
  CHECK(vault::Open(key, "pkh-2026h", "h-1", short_ids.value).status().IsCorruption());
  // Person 2's wrapped key spliced into person 1's row (same ids): the data
  // key no longer matches the data.
  const vault::SealedRow other = vault::Seal(key, kProgram, "hh-000001", Person(2));
  std::string spliced = row.value;
  spliced.replace(vault::kWrappedKeyOffset, vault::kWrappedKeyBytes,
                  other.value.substr(vault::kWrappedKeyOffset, vault::kWrappedKeyBytes));
  CHECK(vault::Open(key, kProgram, "hh-000001", spliced).status().IsCorruption());
  CHECK(vault::Open(key, kProgram, "hh-000001", row.value.substr(0, row.value.size() - 1))
            .status()
            .IsCorruption());
  CHECK(vault::Open(key, kProgram, "hh-000001", "").status().IsCorruption());
}

TEST_CASE("commitment: SHA-256 of the tag, the salt and the length-prefixed fields", "[pii]") {
  PiiSalt salt{};
  for (size_t i = 0; i < salt.size(); ++i) salt[i] = static_cast<uint8_t>(0xA0 + i);
  PersonalData d;
  d.name = "Ani";
  d.nik = "3175074512880001";
  d.address = "";
  d.phone = "0812";
  // Built by hand, apart from the code under test.
  std::string preimage = "lumbung.pii_commitment.v1";
  preimage.append(reinterpret_cast<const char*>(salt.data()), salt.size());
  preimage += std::string("\0\0\0\3", 4) + "Ani";
  preimage += std::string("\0\0\0\x10", 4) + "3175074512880001";
  preimage += std::string("\0\0\0\0", 4);
  preimage += std::string("\0\0\0\4", 4) + "0812";
  CHECK(PiiCommitment(salt, d) == audit::Sha256(preimage));
  // Moving a character between fields changes the commitment.
  PersonalData moved = d;
  moved.name = "An";
  moved.nik = "i3175074512880001";
  CHECK(PiiCommitment(salt, moved) != PiiCommitment(salt, d));
  PiiSalt other = salt;
  other[0] ^= 1;
  CHECK(PiiCommitment(other, d) != PiiCommitment(salt, d));
}

TEST_CASE(
    "ledger: an enrolment with pii keeps it in the vault and only its commitment in the entry",
    "[pii]") {
  Fixture f;
  const PersonalData d = Person(17);
  const auto receipts = f.Append({Enrolment("enr-17", "hh-000017", d)});
  const audit::VerifiedEntry e = f.Entry(receipts[0].seq);
  const std::string_view bytes(reinterpret_cast<const char*>(e.bytes().data()), e.bytes().size());
  for (const std::string* field : {&d.name, &d.nik, &d.address, &d.phone}) {
    INFO(*field);
    CHECK_FALSE(Contains(bytes, *field));
    const audit::Hash h = audit::Sha256(*field);
    CHECK_FALSE(Contains(bytes, std::string_view(reinterpret_cast<const char*>(h.data()), 32)));
  }
  const auto held = f.Held("hh-000017");
  REQUIRE(held.has_value());
  CHECK(held->data == d);
  const audit::Hash commitment = CommitmentOf(e);
  CHECK(commitment != audit::Hash{});
  CHECK(PiiCommitment(held->salt, held->data) == commitment);
  // The receipt's leaf hash is the hash of the patched entry.
  CHECK(audit::LeafHash(e.bytes()) == receipts[0].leaf_hash);
  // What replays from the log (verify, rebuild) agrees with the writer.
  auto report = VerifyLedger(*f.ledger->Snapshot(), {});
  REQUIRE(report.ok());
  CHECK(report->ok());
  // An enrolment without pii has no row and no commitment.
  f.Append({Enrolment("enr-18", "hh-000018", std::nullopt)});
  CHECK_FALSE(f.Held("hh-000018").has_value());
}

TEST_CASE("ledger: giving both pii and pii_commitment is invalid_field pii_commitment", "[pii]") {
  Fixture f;
  auto r = f.Try({Enrolment("enr-1", "hh-1", Person(1), std::string(64, 'a'))});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "invalid_field");
  CHECK(r.status().field() == "pii_commitment");
  CHECK(Contains(r.status().message(), "not both"));
  CHECK(f.ledger->size() == 2);
  CHECK_FALSE(f.RawRow("hh-1").has_value());
}

TEST_CASE("ledger: a retried enrolment with the same pii answers its original receipt", "[pii]") {
  Fixture f;
  const std::string enrol = Enrolment("enr-1", "hh-1", Person(1));
  // In the same batch (the first is still pending in the writer).
  const auto both = f.Append({enrol, enrol});
  REQUIRE(both.size() == 2);
  CHECK(both[1].replayed);
  CHECK(both[1].seq == both[0].seq);
  CHECK(both[1].leaf_hash == both[0].leaf_hash);
  const std::string row = f.RawRow("hh-1").value();
  // Later, from the stored entry and vault row.
  f.Reopen();
  const auto later = f.Append({enrol});
  CHECK(later[0].replayed);
  CHECK(later[0].seq == both[0].seq);
  CHECK(later[0].leaf_hash == both[0].leaf_hash);
  // Nothing was written: the row was not resealed.
  CHECK(f.RawRow("hh-1").value() == row);
  CHECK(f.ledger->size() == 3);
}

TEST_CASE("ledger: the same event_id with different (or no) pii is event_id_conflict", "[pii]") {
  Fixture f;
  f.Append({Enrolment("enr-1", "hh-1", Person(1))});
  // What a retry of (event_id, beneficiary, person) may wrongly look like.
  const auto variants = [](const std::string& id, const std::string& ben, int person) {
    PersonalData changed = Person(person);
    changed.phone = "+6281299999999";
    const std::string zero(64, '0');
    return std::vector<std::string>{
        Enrolment(id, ben, changed),               // other pii
        Enrolment(id, ben, std::nullopt),          // none
        Enrolment(id, ben, std::nullopt, zero),    // the placeholder's bytes, no pii
        Enrolment(id, ben, Person(person), zero),  // pii and a commitment
    };
  };
  SECTION("against an enrolment pending in the same batch") {
    for (const std::string& retry : variants("enr-9", "hh-9", 9)) {
      INFO(retry);
      auto r = f.Try({Enrolment("enr-9", "hh-9", Person(9)), retry});
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().reason() == "event_id_conflict");
      CHECK(r.status().index() == 1);
    }
    CHECK_FALSE(f.RawRow("hh-9").has_value());
  }
  SECTION("against a stored enrolment") {
    f.Reopen();
    for (const std::string& retry : variants("enr-1", "hh-1", 1)) {
      INFO(retry);
      auto r = f.Try({retry});
      REQUIRE_FALSE(r.ok());
      CHECK(r.status().reason() == "event_id_conflict");
    }
  }
  CHECK(f.Held("hh-1")->data == Person(1));
  CHECK(f.ledger->size() == 3);
}

TEST_CASE("ledger: a rejected batch, or a dry run, leaves no vault row behind", "[pii]") {
  Fixture f;
  // The enrolment is sealed and its row put in the group's batch; the
  // second event is then rejected and the request rolls back to its save
  // point.
  auto r = f.Try({Enrolment("enr-1", "hh-1", Person(1)), Json({{"type", "AidDisbursed"},
                                                               {"event_id", "pay-1"},
                                                               {"effective_date", "2026-01-09"},
                                                               {"program_id", kProgram},
                                                               {"beneficiary_id", "hh-404"},
                                                               {"cycle", "2026-01"},
                                                               {"amount", 1000},
                                                               {"channel", "CASH"}})});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().index() == 1);
  // Other requests of the same commit group commit while this one rolls
  // back: submit both at once.
  std::promise<Result<std::vector<Receipt>>> good, bad;
  f.ledger->AppendAsync(Events({Enrolment("enr-2", "hh-2", Person(2))}), "test",
                        [&good](auto result) { good.set_value(std::move(result)); });
  f.ledger->AppendAsync(Events({Enrolment("enr-3", "hh-3", Person(3)),
                                Enrolment("enr-4", "hh-2", Person(4))}),  // already_exists
                        "test", [&bad](auto result) { bad.set_value(std::move(result)); });
  REQUIRE(good.get_future().get().ok());
  CHECK(bad.get_future().get().status().reason() == "already_exists");
  auto dry = f.ledger->Check(Events({Enrolment("enr-5", "hh-5", Person(5))}), "test");
  REQUIRE(dry.ok());
  CHECK(dry->at(0).ok());
  f.Reopen();
  CHECK_FALSE(f.RawRow("hh-1").has_value());
  CHECK_FALSE(f.RawRow("hh-3").has_value());
  CHECK_FALSE(f.RawRow("hh-5").has_value());
  REQUIRE(f.Held("hh-2").has_value());
  CHECK(f.Held("hh-2")->data == Person(2));
  // The event_ids of the rejected events are free again.
  f.Append({Enrolment("enr-1", "hh-1", Person(1))});
  CHECK(f.Held("hh-1")->data == Person(1));
}

TEST_CASE("ledger: an erasure deletes the row in its batch, and hashes, proofs, balances stay",
          "[pii]") {
  Fixture f;
  f.Append({Enrolment("enr-1", "hh-1", Person(1)), Enrolment("enr-2", "hh-2", Person(2))});
  const uint64_t size_before = f.ledger->size();
  const auto root_before = f.ledger->Snapshot()->Root(size_before);
  REQUIRE(root_before.ok());
  // Rolled back with its batch: the row stays.
  auto rejected = f.Try({Erasure("erase-1", "hh-1"), Erasure("erase-404", "hh-404")});
  REQUIRE_FALSE(rejected.ok());
  CHECK(rejected.status().reason() == "not_enrolled");
  CHECK(f.Held("hh-1").has_value());
  const auto receipts = f.Append({Erasure("erase-1", "hh-1")});
  CHECK_FALSE(f.RawRow("hh-1").has_value());
  CHECK(f.Held("hh-2")->data == Person(2));
  REQUIRE(f.ledger->PurgeErasedPersonalData().ok());
  CHECK_FALSE(f.RawRow("hh-1").has_value());
  CHECK(f.Held("hh-2")->data == Person(2));
  const auto snapshot = f.ledger->Snapshot();
  CHECK(snapshot->Root(size_before).value() == *root_before);
  auto proof = ProveConsistency(*snapshot, size_before, snapshot->size());
  REQUIRE(proof.ok());
  auto report = VerifyLedger(*snapshot, {});
  REQUIRE(report.ok());
  CHECK(report->ok());
  // The statement says so, with the erasure's seq.
  query::Options options;
  options.pii_master_key = &f.key;
  auto statement = query::Beneficiary(*snapshot, kProgram, "hh-1", options);
  REQUIRE(statement.ok());
  CHECK((*statement)["pii_status"] == "erased");
  CHECK((*statement)["pii"].is_null());
  CHECK((*statement)["pii_erased"]["seq"] == receipts[0].seq);
  CHECK((*statement)["pii_erased"]["date"] == "2026-12-01");
  auto held = query::Beneficiary(*snapshot, kProgram, "hh-2", options);
  REQUIRE(held.ok());
  CHECK((*held)["pii_status"] == "held");
  CHECK((*held)["pii"]["nik"] == Person(2).nik);
  CHECK((*held)["pii_commitment_verified"] == true);
  // Without the key the statement has no personal data at all.
  auto plain = query::Beneficiary(*snapshot, kProgram, "hh-2");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->contains("pii"));
  CHECK_FALSE(Contains(plain->dump(), Person(2).name));
  // A second erasure is refused; a retry of the first answers its receipt.
  CHECK(f.Try({Erasure("erase-1b", "hh-1")}).status().reason() == "already_erased");
  CHECK(f.Append({Erasure("erase-1", "hh-1")})[0].replayed);
  // And the retry of the erased enrolment cannot be matched any more.
  CHECK(f.Try({Enrolment("enr-1", "hh-1", Person(1))}).status().reason() == "event_id_conflict");
}

TEST_CASE("ledger: a row that is not the enrolment's, or a wrong key, is reported", "[pii]") {
  Fixture f;
  f.Append({Enrolment("enr-1", "hh-1", Person(1))});
  query::Options options;
  options.pii_master_key = &f.key;
  // A return without pii keeps the earlier row, which the new enrolment
  // does not commit to.
  f.Append({Exit("exit-1", "hh-1"), Enrolment("enr-1b", "hh-1", std::nullopt)});
  auto statement = query::Beneficiary(*f.ledger->Snapshot(), kProgram, "hh-1", options);
  REQUIRE(statement.ok());
  CHECK((*statement)["pii_status"] == "held");
  CHECK((*statement)["pii_commitment_verified"] == false);
  // A return with new pii after an erasure: held again, and erasable again.
  f.Append({Erasure("erase-1", "hh-1"), Exit("exit-1b", "hh-1"),
            Enrolment("enr-1c", "hh-1", Person(5))});
  statement = query::Beneficiary(*f.ledger->Snapshot(), kProgram, "hh-1", options);
  REQUIRE(statement.ok());
  CHECK((*statement)["pii"]["name"] == Person(5).name);
  CHECK((*statement)["pii_commitment_verified"] == true);
  CHECK((*statement)["personal_data_erased"] == false);
  f.Append({Erasure("erase-1c", "hh-1")});
  CHECK_FALSE(f.RawRow("hh-1").has_value());
  // The wrong master key: Corruption, not wrong data.
  f.Append({Enrolment("enr-2", "hh-2", Person(2))});
  const Secret wrong = Key(1);
  options.pii_master_key = &wrong;
  CHECK(
      query::Beneficiary(*f.ledger->Snapshot(), kProgram, "hh-2", options).status().IsCorruption());
  // Personal data is only for the present.
  options.pii_master_key = &f.key;
  options.as_of_seq = 2;
  CHECK(query::Beneficiary(*f.ledger->Snapshot(), kProgram, "hh-2", options).status().code() ==
        Code::kInvalidArgument);
}

TEST_CASE("ledger: a ledger made before the vault opens read-only without it, and gets it",
          "[pii]") {
  Fixture f;
  f.Append({Enrolment("enr-1", "hh-1", std::nullopt)});
  f.ledger.reset();
  {
    // Make it an older ledger: drop the `pii` column family. No flush or
    // compaction while it is open (BareDb).
    rocksdb::ColumnFamilyOptions cf;
    cf.disable_auto_compactions = true;
    testing::BareDb bare(f.dir / "db", cf);
    REQUIRE(bare.db()->DropColumnFamily(bare.family("pii")).ok());
  }
  LedgerOptions read_only;
  read_only.read_only = true;
  auto old = Ledger::Open(f.dir.path(), read_only);
  REQUIRE(old.ok());
  auto none = ReadPersonalData(*(*old)->Snapshot(), f.key, kProgram, "hh-1");
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
  old->reset();
  f.Reopen();
  f.Append({Enrolment("enr-2", "hh-2", Person(2))});
  CHECK(f.Held("hh-2")->data == Person(2));
}

TEST_CASE("ledger: IsPersonalDataErasure tells erasures from other events", "[pii]") {
  CHECK(IsPersonalDataErasure(DecodeEventJson(Erasure("erase-1", "hh-1"))));
  CHECK_FALSE(IsPersonalDataErasure(DecodeEventJson(Exit("exit-1", "hh-1"))));
  CHECK_FALSE(IsPersonalDataErasure(DecodeEventJson("{")));
}
