// The privacy scan (DESIGN §8, issue 7): personal data given at enrolment
// never reaches the log or anything made from it, and after `lumbung erase`
// its sealed row is gone from every file of the data folder.
//
// A few hundred people with distinctive names, 16-digit NIKs, addresses and
// phones are enrolled (and paid) through `lumbung record`. Then every byte
// of `lumbung log` (and every stored entry in it), the auditor bundle, the
// journal and the oversight export is scanned for every name and NIK, and
// for the SHA-256 of each (raw and hex): an unkeyed hash of a NIK is as good
// as the NIK, since the NIK space can be enumerated.

#include <cstring>
#include <filesystem>
#include <set>
#include <unordered_map>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/base/text.h"
#include "lumbung/ledger/pii.h"

#include "../ledger/store/db.h"
#include "../ledger/store/pii_vault.h"
#include "test_util.h"

using namespace lumbung;
using nlohmann::json;
using testing::Lines;
using testing::RunCommand;

namespace {

namespace fs = std::filesystem;
namespace vault = lumbung::store::vault;

const std::string kCli = LUMBUNG_CLI_PATH;
constexpr int kPeople = 300;
constexpr int64_t kAmount = 600000;
const char* kProgram = "pkh-2026";

// Finds many needles in a haystack in one pass: needles are indexed by
// their first 8 bytes, so each haystack position costs one hash lookup.
class Scanner {
 public:
  void Add(std::string needle, std::string label) {
    REQUIRE(needle.size() >= kPrefixBytes);
    index_[Prefix(needle.data())].push_back(needles_.size());
    needles_.push_back({std::move(needle), std::move(label)});
  }
  // The labels of the needles that occur in `haystack`.
  std::set<std::string> Find(std::string_view haystack) const {
    std::set<std::string> found;
    for (size_t i = 0; i + kPrefixBytes <= haystack.size(); ++i) {
      const auto it = index_.find(Prefix(haystack.data() + i));
      if (it == index_.end()) continue;
      for (size_t k : it->second) {
        if (haystack.substr(i).starts_with(needles_[k].text)) found.insert(needles_[k].label);
      }
    }
    return found;
  }
  size_t size() const { return needles_.size(); }

 private:
  static constexpr size_t kPrefixBytes = 8;
  static uint64_t Prefix(const char* p) {
    uint64_t v = 0;
    std::memcpy(&v, p, sizeof v);
    return v;
  }
  struct Needle {
    std::string text;
    std::string label;
  };
  std::vector<Needle> needles_;
  std::unordered_map<uint64_t, std::vector<size_t>> index_;
};

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

std::string Raw(const audit::Hash& h) {
  return std::string(reinterpret_cast<const char*>(h.data()), h.size());
}

// A value and its SHA-256, raw and in hex of both cases.
void AddWithHashes(Scanner* scanner, const std::string& value, const std::string& label) {
  const audit::Hash h = audit::Sha256(value);
  scanner->Add(value, label);
  scanner->Add(Raw(h), "sha256(" + label + ")");
  scanner->Add(audit::ToHex(h), "hex sha256(" + label + ")");
  scanner->Add(Upper(audit::ToHex(h)), "HEX sha256(" + label + ")");
}

std::string BeneficiaryId(int i) {
  const std::string digits = std::to_string(i);
  return "hh-" + std::string(4 - std::min<size_t>(4, digits.size()), '0') + digits;
}

PersonalData Person(int i) {
  static const char* kFirst[] = {"Sulastri", "Wahyuningsih", "Kusnadi",  "Rohimah",  "Suparjono",
                                 "Ngatiyem", "Darsono",      "Maesaroh", "Tukiran",  "Sumiyati",
                                 "Jumadi",   "Kartinah",     "Paimin",   "Sukarsih", "Waginem",
                                 "Slamet",   "Rusminah",     "Tarmuji",  "Painem",   "Mujiyono"};
  static const char* kFamily[] = {
      "Prawirodihardjo", "Kartasasmita",  "Wiryosuwarno",  "Siswomihardjo", "Tjokroaminoto",
      "Mangunkusumo",    "Hadiwidjojo",   "Soerjopranoto", "Notosoesanto",  "Purbonegoro",
      "Djojohadikusumo", "Sastrowardoyo", "Reksodiputro",  "Wongsokarto",   "Atmodirono"};
  PersonalData d;
  d.name = std::string(kFirst[i % 20]) + " " + kFamily[(i / 20) % 15] + " binti Sastro";
  d.nik = "3175074712" + std::to_string(810000 + i);  // 16 digits
  REQUIRE(d.nik.size() == 16);
  d.address = "Jl. Melati Raya Gg. H. Ridi No. " + std::to_string(i) +
              " RT 005/RW 03 Kel. Pondok Kopi, Duren Sawit";
  d.phone = "+62813" + std::to_string(40000000 + 7 * i);
  return d;
}

std::string Events() {
  std::string out;
  const auto line = [&out](const json& j) { out += j.dump() + "\n"; };
  line({{"type", "ProgramOpened"},
        {"event_id", "prog-pkh-2026"},
        {"effective_date", "2026-01-02"},
        {"program_id", kProgram},
        {"name", "PKH 2026"},
        {"kind", "CONDITIONAL_CASH"},
        {"unit", "IDR"},
        {"legal_basis", "SK Mensos 12/HUK/2026"}});
  line({{"type", "FundsAllocated"},
        {"event_id", "alloc-1"},
        {"effective_date", "2026-01-05"},
        {"program_id", kProgram},
        {"funder", "apbn-kemensos"},
        {"amount", kPeople * kAmount},
        {"reference", "DIPA 027.04.1.2026"}});
  line({{"type", "CycleOpened"},
        {"event_id", "cycle-2026-11"},
        {"effective_date", "2026-11-01"},
        {"program_id", kProgram},
        {"cycle", "2026-11"},
        {"planned_count", kPeople},
        {"planned_amount", kPeople * kAmount}});
  for (int i = 0; i < kPeople; ++i) {
    const PersonalData d = Person(i);
    line({{"type", "BeneficiaryEnrolled"},
          {"event_id", "enr-" + BeneficiaryId(i)},
          {"effective_date", "2026-01-08"},
          {"program_id", kProgram},
          {"beneficiary_id", BeneficiaryId(i)},
          {"region_code", "31.75.07.1005.03." + std::string(i % 2 ? "005" : "006")},
          {"source", "DTSEN"},
          {"pii", {{"name", d.name}, {"nik", d.nik}, {"address", d.address}, {"phone", d.phone}}}});
  }
  for (int i = 0; i < kPeople; ++i) {
    line({{"type", "AidDisbursed"},
          {"event_id", "pay-2026-11-" + BeneficiaryId(i)},
          {"effective_date", "2026-11-03"},
          {"program_id", kProgram},
          {"beneficiary_id", BeneficiaryId(i)},
          {"cycle", "2026-11"},
          {"amount", kAmount},
          {"channel", "BANK"}});
  }
  return out;
}

// Every regular file under `dir`, recursively.
std::vector<std::string> FilesUnder(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path().string());
  }
  return out;
}

// What the scanner finds in each file under `dir`, as "file: label".
std::set<std::string> ScanFolder(const Scanner& scanner, const std::string& dir) {
  std::set<std::string> hits;
  for (const std::string& path : FilesUnder(dir)) {
    for (const std::string& label : scanner.Find(testing::ReadFile(path))) {
      hits.insert(fs::relative(path, dir).string() + ": " + label);
    }
  }
  return hits;
}

struct Fixture {
  testing::TempDir dir;
  std::string data = dir / "data";
  Fixture() {
    auto r = RunCommand({kCli, "init", "--origin", "lumbung.example/test", "--data", data});
    REQUIRE(r.exit_code == 0);
  }
  testing::CommandResult Run(std::vector<std::string> args, const std::string& input = "") {
    args.insert(args.begin(), kCli);
    args.push_back("--data");
    args.push_back(data);
    return RunCommand(args, input);
  }
  testing::CommandResult Ok(std::vector<std::string> args, const std::string& input = "") {
    auto r = Run(std::move(args), input);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

// The decoded bytes of every stored entry, from `lumbung log`.
std::string EntriesOf(const std::string& log) {
  std::string out;
  for (const std::string& line : Lines(log)) {
    const auto bytes = audit::Base64Decode(json::parse(line)["entry"].get<std::string>());
    REQUIRE(bytes.has_value());
    out += *bytes;
  }
  return out;
}

// Person `i`'s sealed row, read while no process holds the ledger. The row
// is all the vault keeps: salt, data key (wrapped) and data, sealed. The
// raw data key never touches the disk (it exists only in memory while a
// row is sealed or opened), so it cannot be scanned for; the wrapped key
// can.
struct SealedParts {
  std::string wrapped_key;  // key IV, wrapped data key, tag
  std::string sealed_data;  // data IV, ciphertext of salt || data, tag
  PiiSalt salt{};
};

SealedParts ReadSealedRow(const std::string& data, int i) {
  auto db = store::Db::Open(data + "/db", store::OpenMode::kReadOnly);
  REQUIRE(db.ok());
  auto row = vault::ReadRow(**db, nullptr, kProgram, BeneficiaryId(i));
  REQUIRE(row.ok());
  REQUIRE(row->has_value());
  auto key = LoadSecret(PiiKeyPath(data));
  REQUIRE(key.ok());
  auto opened = vault::Open(*key, kProgram, BeneficiaryId(i), **row);
  REQUIRE(opened.ok());
  CHECK(opened->data == Person(i));
  SealedParts parts;
  parts.wrapped_key = (*row)->substr(vault::kWrappedKeyOffset, vault::kWrappedKeyBytes);
  parts.sealed_data = (*row)->substr(vault::kDataIvOffset);
  parts.salt = opened->salt;
  return parts;
}

}  // namespace

TEST_CASE(
    "privacy: no name or NIK (nor their hashes) in the log, the exports or the data "
    "folder, and an erased row leaves every file",
    "[privacy]") {
  Fixture f;
  const std::string events = Events();
  const auto recorded = f.Ok({"record", "-"}, events);
  REQUIRE(Lines(recorded.out).size() == static_cast<size_t>(3 + 2 * kPeople));

  Scanner personal;
  for (int i = 0; i < kPeople; ++i) {
    const PersonalData d = Person(i);
    const std::string who = BeneficiaryId(i);
    AddWithHashes(&personal, d.name, "name of " + who);
    AddWithHashes(&personal, d.nik, "nik of " + who);
    personal.Add(d.address, "address of " + who);
    personal.Add(d.phone, "phone of " + who);
  }
  // The scan can fail: every name, NIK, address and phone is found in the
  // input that carried them (their hashes are not).
  CHECK(personal.Find(events).size() == static_cast<size_t>(4 * kPeople));

  SECTION("the log, every stored entry and every export") {
    const auto log = f.Ok({"log", "--limit", "100000"});
    REQUIRE(Lines(log.out).size() == static_cast<size_t>(4 + 2 * kPeople));
    CHECK(personal.Find(log.out).empty());
    CHECK(personal.Find(EntriesOf(log.out)).empty());

    f.Ok({"export", "bundle", "--out", f.dir / "bundle"});
    REQUIRE(FilesUnder(f.dir / "bundle").size() >= 4);
    CHECK(ScanFolder(personal, f.dir / "bundle").empty());

    const auto journal = f.Ok({"export", "journal"});
    REQUIRE(journal.out.size() > 1000);
    CHECK(personal.Find(journal.out).empty());

    // The public oversight export (issue 7, point 3).
    f.Ok({"export", "oversight", "--out", f.dir / "oversight"});
    REQUIRE(FilesUnder(f.dir / "oversight").size() >= 2);
    CHECK(ScanFolder(personal, f.dir / "oversight").empty());

    // The data folder holds the data only sealed.
    CHECK(ScanFolder(personal, f.data).empty());

    // And it is there: the officer sees it, matching the commitment.
    const auto shown = f.Ok({"beneficiary", kProgram, BeneficiaryId(42), "--show-pii"});
    const json answer = json::parse(shown.out);
    CHECK(answer["pii_status"] == "held");
    CHECK(answer["pii"]["name"] == Person(42).name);
    CHECK(answer["pii"]["nik"] == Person(42).nik);
    CHECK(answer["pii_commitment_verified"] == true);
    // Without the flag, none of it.
    const auto plain = f.Ok({"beneficiary", kProgram, BeneficiaryId(42)});
    CHECK(personal.Find(plain.out).empty());
  }

  SECTION("erasure removes the sealed row from every file, and hashes and proofs stay valid") {
    constexpr int kErased = 123;
    const SealedParts parts = ReadSealedRow(f.data, kErased);
    Scanner sealed;
    sealed.Add(parts.wrapped_key, "wrapped data key");
    sealed.Add(parts.sealed_data, "sealed data");
    const std::string salt = std::string(reinterpret_cast<const char*>(parts.salt.data()), 32);
    sealed.Add(salt, "salt");
    sealed.Add(HexEncode(parts.salt), "hex salt");
    // Before: the sealed row is on disk (so this scan can fail); its salt
    // is only ever stored sealed.
    const std::set<std::string> before = ScanFolder(sealed, f.data);
    std::set<std::string> labels;
    for (const std::string& hit : before) labels.insert(hit.substr(hit.find(": ") + 2));
    CHECK(labels == std::set<std::string>{"sealed data", "wrapped data key"});

    f.Ok({"checkpoint"});
    const std::string log_before = f.Ok({"log", "--limit", "100000"}).out;
    const std::string balances_before = f.Ok({"balances"}).out;
    const uint64_t size_before = Lines(log_before).size();

    const auto erased =
        f.Ok({"erase", kProgram, BeneficiaryId(kErased), "--reason", "permintaan subjek data"});
    const json receipt = json::parse(Lines(erased.out).at(0));
    CHECK(receipt["seq"] == size_before);
    CHECK(receipt["event_id"] == "erase:" + std::string(kProgram) + ":" + BeneficiaryId(kErased));

    const std::set<std::string> after = ScanFolder(sealed, f.data);
    INFO("found after erasure: " << (after.empty() ? "" : *after.begin()));
    CHECK(after.empty());

    CHECK(f.Run({"verify"}).exit_code == 0);
    const std::string log_after = f.Ok({"log", "--limit", "100000"}).out;
    REQUIRE(Lines(log_after).size() == size_before + 1);
    for (size_t seq = 0; seq < size_before; ++seq) {
      CHECK(Lines(log_after)[seq] == Lines(log_before)[seq]);
    }
    CHECK(f.Ok({"balances"}).out == balances_before);
    f.Ok({"prove", "consistency", "--old", std::to_string(size_before), "--new",
          std::to_string(size_before + 1)});
    f.Ok({"prove", "inclusion", "--seq", "7"});

    const json gone =
        json::parse(f.Ok({"beneficiary", kProgram, BeneficiaryId(kErased), "--show-pii"}).out);
    CHECK(gone["pii_status"] == "erased");
    CHECK(gone["pii"].is_null());
    CHECK(gone["pii_erased"]["seq"] == size_before);
    CHECK(gone["personal_data_erased"] == true);
    // Everyone else's row survived the purge's compaction.
    for (int i : {0, kErased - 1, kErased + 1, kPeople - 1}) {
      const json held =
          json::parse(f.Ok({"beneficiary", kProgram, BeneficiaryId(i), "--show-pii"}).out);
      CHECK(held["pii"]["name"] == Person(i).name);
      CHECK(held["pii_commitment_verified"] == true);
    }
    // Running the same request again answers the original receipt.
    const auto again =
        f.Ok({"erase", kProgram, BeneficiaryId(kErased), "--reason", "permintaan subjek data"});
    CHECK(json::parse(Lines(again.out).at(0))["seq"] == size_before);
    CHECK(f.Ok({"log", "--limit", "100000"}).out == log_after);
  }
}
