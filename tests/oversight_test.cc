// The public oversight export (export/oversight.h, docs/oversight.md)
// checked against the ledger it was made from: every receipt code verifies
// the way the page verifies it (entry bytes -> leaf -> block root -> upper
// path -> checkpoint root, the note's signature), the figures are the query
// layer's, every disbursement has a row, small areas are hidden, and no
// beneficiary id appears outside the shipped entry bytes.

#include "lumbung/export/oversight.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/merkle.h"
#include "lumbung/audit/note.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/receipt.h"
#include "lumbung/ledger/secrets.h"

#include "test_util.h"

using namespace lumbung;
using nlohmann::json;
using testing::ReadFile;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {

constexpr char kOrigin[] = "lumbung.example/jakarta-timur/oversight-test";

std::string Event(const std::string& fields) {
  return "{" + fields + "}";
}

// Where beneficiary i of the cash programme lives: 96 in eight RTs of RW 01
// and 9 in RW 02 (RT 001 has 3: hidden, so RT 002 goes with it), 3 in
// kelurahan 1002 (hidden, so 1003's 10 go with them into the programme's
// hidden aggregate), 22 in kelurahan 1004 with no RW recorded.
std::string CashRegion(int i) {
  char rt[4];
  if (i < 96) {
    std::snprintf(rt, sizeof rt, "%03d", 1 + i % 8);
    return std::string("31.75.07.1001.01.") + rt;
  }
  if (i < 99) return "31.75.07.1001.02.001";
  if (i < 105) return "31.75.07.1001.02.002";
  if (i < 108) return "31.75.07.1002.01.001";
  if (i < 118) return "31.75.07.1003.05.002";
  return "31.75.07.1004";
}

std::string CashId(int i) {
  char id[16];
  std::snprintf(id, sizeof id, "warga-%04d", i);
  return id;
}

constexpr int kCashPeople = 140;
constexpr int kFoodPeople = 12;

std::vector<std::string> SetupEvents() {
  std::vector<std::string> e = {
      R"({"type":"ProgramOpened","event_id":"tunai-open","effective_date":"2026-01-02","program_id":"bansos-tunai","name":"Bansos Tunai Kelurahan","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"Perwal 7/2026"})",
      R"({"type":"FundsAllocated","event_id":"tunai-alloc","effective_date":"2026-01-03","program_id":"bansos-tunai","funder":"apbd","amount":100000000,"reference":"DPA 1"})",
      R"({"type":"CycleOpened","event_id":"tunai-c1","effective_date":"2026-01-04","program_id":"bansos-tunai","cycle":"2026-01","planned_count":200,"planned_amount":60000000})",
      R"({"type":"ProgramOpened","event_id":"sembako-open","effective_date":"2026-01-02","program_id":"sembako","name":"Paket Sembako","kind":"FOOD","unit":"PKG_SEMBAKO","legal_basis":"SK 3"})",
      R"({"type":"FundsAllocated","event_id":"sembako-alloc","effective_date":"2026-01-03","program_id":"sembako","funder":"baznas","amount":500,"reference":"BAZNAS 1"})",
      R"({"type":"CycleOpened","event_id":"sembako-c1","effective_date":"2026-01-04","program_id":"sembako","cycle":"2026-02","planned_count":50,"planned_amount":100})",
  };
  for (int i = 0; i < kCashPeople; ++i) {
    e.push_back(
        Event(R"("type":"BeneficiaryEnrolled","event_id":"enrol-)" + CashId(i) +
              R"(","effective_date":"2026-01-05","program_id":"bansos-tunai","beneficiary_id":")" +
              CashId(i) + R"(","region_code":")" + CashRegion(i) + R"(","source":"DTSEN")"));
  }
  for (int i = 0; i < kCashPeople; ++i) {
    // Event ids that carry the beneficiary id: they must not leak either.
    e.push_back(Event(R"("type":"AidDisbursed","event_id":"pay-)" + CashId(i) +
                      R"(","effective_date":")" + (i % 2 == 0 ? "2026-01-15" : "2026-02-10") +
                      R"(","program_id":"bansos-tunai","beneficiary_id":")" + CashId(i) +
                      R"(","cycle":"2026-01","amount":300000,"channel":")" +
                      (i % 2 == 0 ? "BANK" : "CASH") + R"(")"));
  }
  for (int i = 0; i < kFoodPeople; ++i) {
    const std::string id = "keluarga-" + std::to_string(100 + i);
    e.push_back(
        Event(R"("type":"BeneficiaryEnrolled","event_id":"enrol-)" + id +
              R"(","effective_date":"2026-02-01","program_id":"sembako","beneficiary_id":")" + id +
              R"(","region_code":"31.75.07.1001.01.001","source":"MUSDES")"));
    e.push_back(
        Event(R"("type":"AidDisbursed","event_id":"paket-)" + id +
              R"(","effective_date":"2026-02-03","program_id":"sembako","beneficiary_id":")" + id +
              R"(","cycle":"2026-02","amount":2,"channel":"IN_KIND")"));
  }
  return e;
}

// Seqs: entry 0, 6 setup events, 140 enrolments (7..146), 140 payments
// (147..286), 24 sembako events (287..310); then 311 a return, 312 a
// correction without replacement, 313 one with a replacement.
constexpr uint64_t kFirstPaymentSeq = 147;

std::vector<std::string> ChangeEvents() {
  const auto seq = [](int i) { return std::to_string(kFirstPaymentSeq + i); };
  return {
      Event(
          R"("type":"DisbursementReturned","event_id":"return-warga-0005","effective_date":"2026-02-12","disbursed_seq":)" +
          seq(5) + R"(,"reason":"ACCOUNT_NOT_FOUND")"),
      Event(
          R"("type":"EventCorrected","event_id":"fix-warga-0010","effective_date":"2026-02-13","target_seq":)" +
          seq(10) + R"(,"reason":"dobel")"),
      Event(
          R"("type":"EventCorrected","event_id":"fix-warga-0020","effective_date":"2026-02-14","target_seq":)" +
          seq(20) +
          R"(,"reason":"nominal","replacement":{"type":"AidDisbursed","program_id":"bansos-tunai","beneficiary_id":"warga-0020","cycle":"2026-01","amount":250000,"channel":"CASH"})"),
  };
}

void Append(Ledger& ledger, const std::vector<std::string>& events) {
  std::vector<EventInput> batch;
  for (const std::string& e : events) batch.push_back(DecodeEventJson(e));
  auto receipts = ledger.Append(std::move(batch), "test");
  INFO((receipts.ok() ? std::string() : receipts.status().ToString()));
  REQUIRE(receipts.ok());
}

struct Made {
  TempDir dir;
  std::unique_ptr<Ledger> ledger;
  SignedCheckpoint checkpoint;
  Secret key{};
};

// The ledger above, signed, then a few more entries past the checkpoint
// that the export must not show.
std::unique_ptr<Made> MakeLedger() {
  auto made = std::make_unique<Made>();
  REQUIRE(Ledger::Init(made->dir.path(), kOrigin).ok());
  auto ledger = Ledger::Open(made->dir.path());
  REQUIRE(ledger.ok());
  made->ledger = std::move(*ledger);
  Append(*made->ledger, SetupEvents());
  Append(*made->ledger, ChangeEvents());
  auto cp = SignCheckpoint(*made->ledger);
  REQUIRE(cp.ok());
  made->checkpoint = *cp;
  Append(
      *made->ledger,
      {R"({"type":"BeneficiaryEnrolled","event_id":"late","effective_date":"2026-03-01","program_id":"bansos-tunai","beneficiary_id":"warga-late","region_code":"31.75.07.1004","source":"DTSEN"})"});
  auto key = LoadSecret(PseudonymKeyPath(made->dir.path()));
  REQUIRE(key.ok());
  made->key = *key;
  return made;
}

// The JSON inside a script file: from its first '{' to its last '}'.
json ScriptJson(const std::string& path) {
  const std::string text = ReadFile(path);
  const size_t open = text.find('{');
  const size_t close = text.rfind('}');
  REQUIRE(open != std::string::npos);
  REQUIRE(close != std::string::npos);
  return json::parse(text.substr(open, close - open + 1));
}

std::vector<uint8_t> Bytes(const std::string& base64) {
  const auto text = audit::Base64Decode(base64);
  REQUIRE(text.has_value());
  return std::vector<uint8_t>(text->begin(), text->end());
}

// The checkpoint as the page checks it: signature under verifier.key.
audit::Checkpoint OpenCheckpoint(const std::string& out) {
  auto key = audit::NoteVerifierKey::Parse(
      ReadFile(out + "/verifier.key").substr(0, ReadFile(out + "/verifier.key").find('\n')));
  REQUIRE(key.ok());
  auto opened = audit::OpenNote(ReadFile(out + "/checkpoint.txt"), std::span(&*key, 1));
  REQUIRE(opened.ok());
  auto checkpoint = audit::ParseCheckpoint(opened->text);
  REQUIRE(checkpoint.ok());
  return *checkpoint;
}

// Steps 2 and 3 of the page's check for one code: entry -> leaf -> block
// root -> checkpoint root. Returns the entry's decoded body's disbursement.
void VerifyCode(const std::string& out, const std::string& code, const json& listed,
                const audit::Checkpoint& checkpoint, std::map<uint64_t, json>* blocks) {
  INFO("code " << code);
  REQUIRE(NormalizeReceiptCode(code) == code);
  const uint64_t seq = listed.at("seq").get<uint64_t>();
  const uint64_t index = seq / exports::kOversightBlockEntries;
  if (!blocks->contains(index)) {
    (*blocks)[index] = ScriptJson(out + "/data/blocks/" + std::to_string(index) + ".js");
  }
  const json& block = (*blocks)[index];
  const std::vector<uint8_t> leaves = Bytes(block.at("leaves"));
  REQUIRE(leaves.size() % 32 == 0);
  const uint64_t first = block.at("first_seq").get<uint64_t>();
  CHECK(first == index * exports::kOversightBlockEntries);
  audit::Hash leaf;
  std::copy_n(leaves.begin() + static_cast<ptrdiff_t>((seq - first) * 32), 32, leaf.begin());
  const std::vector<uint8_t> entry = Bytes(block.at("entries").at(std::to_string(seq)));
  CHECK(audit::LeafHash(entry) == leaf);
  CHECK(ReceiptCode(leaf) == code);
  audit::CompactRange range;
  for (size_t i = 0; i < leaves.size(); i += 32) {
    audit::Hash h;
    std::copy_n(leaves.begin() + static_cast<ptrdiff_t>(i), 32, h.begin());
    range.Append(h);
  }
  std::vector<audit::Hash> proof;
  for (const json& hex : block.at("proof"))
    proof.push_back(*audit::HashFromHex(hex.get<std::string>()));
  const uint64_t blocks_total =
      (checkpoint.size + exports::kOversightBlockEntries - 1) / exports::kOversightBlockEntries;
  CHECK(audit::VerifyInclusion(index, blocks_total, range.Root(), proof, checkpoint.root).ok());
  // Step 5: the entry says what the codes file says.
  audit::VerifiedEntry verified;
  REQUIRE(verified.Load(std::span(entry.data(), entry.size())).ok());
  const fb::AidDisbursed* d = verified.body().event_as_AidDisbursed();
  if (d == nullptr) d = verified.body().event_as_EventCorrected()->replacement_as_AidDisbursed();
  REQUIRE(d != nullptr);
  CHECK(d->program_id()->str() == listed.at("program_id"));
  CHECK(d->cycle()->str() == listed.at("cycle"));
  CHECK(d->amount() == listed.at("amount").get<int64_t>());
  CHECK(verified.body().effective_date()->str() == listed.at("effective_date"));
}

std::map<std::string, json> AllCodes(const std::string& out) {
  std::map<std::string, json> codes;
  size_t files = 0;
  for (const auto& file : fs::directory_iterator(out + "/data/codes")) {
    ++files;
    const std::string prefix = file.path().stem().string();
    const json listed = ScriptJson(file.path().string());
    for (const auto& [code, value] : listed.items()) {
      CHECK(code.substr(0, 2) == prefix);
      codes[code] = value;
    }
  }
  CHECK(files == 32 * 32);
  return codes;
}

// Every file of the export, with each block's entry bytes blanked: those
// are the stored bytes, where a beneficiary id legitimately is.
std::map<std::string, std::string> PublicText(const std::string& out) {
  std::map<std::string, std::string> text;
  for (const auto& file : fs::recursive_directory_iterator(out)) {
    if (!file.is_regular_file()) continue;
    const std::string path = file.path().string();
    if (path.find("/data/blocks/") != std::string::npos) {
      json block = ScriptJson(path);
      block.erase("entries");
      text[path] = block.dump();
    } else {
      text[path] = ReadFile(path);
    }
  }
  return text;
}

exports::OversightInfo Export(Made& made, const std::string& out,
                              exports::OversightOptions options = {}) {
  options.pseudonym_key = made.key;
  auto info = exports::WriteOversight(*made.ledger->Snapshot(), made.checkpoint, out, options);
  INFO((info.ok() ? std::string() : info.status().ToString()));
  REQUIRE(info.ok());
  return *info;
}

}  // namespace

TEST_CASE("oversight: every receipt code verifies against the signed checkpoint", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  const exports::OversightInfo info = Export(*made, out);
  CHECK(info.size == made->checkpoint.size);
  CHECK(info.size < made->ledger->size());  // the entry after the checkpoint is not in it
  CHECK(info.blocks == 2);
  const audit::Checkpoint checkpoint = OpenCheckpoint(out);
  CHECK(checkpoint.size == made->checkpoint.size);
  CHECK(checkpoint.root == made->checkpoint.root);
  const std::map<std::string, json> codes = AllCodes(out);
  CHECK(codes.size() == info.codes);
  CHECK(codes.size() == kCashPeople + kFoodPeople + 1);  // and the correction's replacement
  std::map<uint64_t, json> blocks;
  for (const auto& [code, listed] : codes) VerifyCode(out, code, listed, checkpoint, &blocks);
  // Entry 0 travels in block 0, with the key the checkpoint is checked with.
  const json block0 = ScriptJson(out + "/data/blocks/0.js");
  audit::VerifiedEntry entry0;
  const std::vector<uint8_t> bytes0 = Bytes(block0.at("entries").at("0"));
  REQUIRE(entry0.Load(std::span(bytes0.data(), bytes0.size())).ok());
  CHECK(entry0.body().event_as_LedgerOpened()->verifier_key()->str() + "\n" ==
        ReadFile(out + "/verifier.key"));
  // The last block is partial; its proof climbs from its own subtree.
  const json block1 = ScriptJson(out + "/data/blocks/1.js");
  CHECK(Bytes(block1.at("leaves")).size() == 32 * (checkpoint.size - 256));
}

TEST_CASE("oversight: the summary's figures are the query layer's", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  Export(*made, out);
  const json summary = json::parse(ReadFile(out + "/data/summary.json"));
  CHECK(summary.at("format") == "lumbung-oversight/1");
  CHECK(summary.at("origin") == kOrigin);
  CHECK(summary.at("tree_size") == made->checkpoint.size);
  CHECK(summary.at("root") == audit::ToHex(made->checkpoint.root));
  CHECK(summary.at("checkpoint") == made->checkpoint.note);
  CHECK(summary.at("as_of") == "2026-02-14");
  CHECK(summary.at("k") == 5);
  CHECK(ScriptJson(out + "/data/summary.js") == summary);
  REQUIRE(summary.at("programs").size() == 2);
  query::Options at_n;
  at_n.as_of_seq = made->checkpoint.size;
  for (const json& p : summary.at("programs")) {
    const std::string id = p.at("program_id");
    INFO("programme " << id);
    auto q = query::Program(*made->ledger->Snapshot(), id, at_n);
    REQUIRE(q.ok());
    for (const char* name : {"allocated", "funds_returned", "disbursed", "disbursements_returned",
                             "granted", "remaining", "enrolled", "recipients"}) {
      CHECK(p.at(name) == (*q)["totals"][name]["value"]);
    }
    CHECK(p.at("name") == (*q)["name"]);
    REQUIRE(p.at("cycles").size() == (*q)["cycles"].size());
    CHECK(p.at("cycles")[0].at("paid_amount") == (*q)["cycles"][0]["paid"]["amount"]);
    // The months add up to what was paid.
    int64_t by_month = 0;
    for (const json& m : p.at("months")) by_month += m.at("paid_amount").get<int64_t>();
    CHECK(by_month == p.at("disbursed").get<int64_t>());
    // Listed kelurahan plus the hidden: the programme's.
    int64_t recipients = p.at("hidden").at("recipients").get<int64_t>();
    int64_t paid = p.at("hidden").at("paid_amount").get<int64_t>();
    for (const json& a : p.at("areas")) {
      if (a.at("level") != "kelurahan") continue;
      recipients += a.at("recipients").get<int64_t>();
      paid += a.at("paid_amount").get<int64_t>();
    }
    CHECK(recipients == p.at("recipients").get<int64_t>());
    CHECK(paid == p.at("disbursed").get<int64_t>());
  }
  const json& cash = summary.at("programs")[0];
  CHECK(cash.at("program_id") == "bansos-tunai");
  // 140 paid, one returned, one reversed; one replaced at 250.000.
  CHECK(cash.at("disbursed") == 137 * 300000 + 250000);
  CHECK(cash.at("months").size() == 2);
  CHECK(summary.at("totals").size() == 2);  // IDR and PKG_SEMBAKO
}

TEST_CASE("oversight: areas under k are hidden, with complementary suppression", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  Export(*made, out);
  const json cash = json::parse(ReadFile(out + "/data/summary.json")).at("programs")[0];
  std::map<std::string, json> areas;
  for (const json& a : cash.at("areas")) areas[a.at("code")] = a;
  for (const auto& [code, a] : areas) {
    INFO(code);
    CHECK(a.at("recipients").get<int64_t>() >= 5);
    const int64_t hidden = a.at("hidden").at("recipients").get<int64_t>();
    CHECK((hidden == 0 || hidden >= 5));
  }
  CHECK(!areas.contains("31.75.07.1001.02.001"));  // 3 recipients
  CHECK(!areas.contains("31.75.07.1001.02.002"));  // would give the 3 away
  CHECK(areas.at("31.75.07.1001.02").at("hidden").at("areas") == 2);
  CHECK(!areas.contains("31.75.07.1002"));  // 3 recipients
  CHECK(!areas.contains("31.75.07.1003"));  // would give the 3 away
  CHECK(!areas.contains("31.75.07.1003.05"));
  CHECK(cash.at("hidden").at("areas") == 2);
  CHECK(cash.at("hidden").at("recipients") == 13);
  CHECK(areas.contains("31.75.07.1004"));
  // Rows name the finest listed area, or none.
  const json rows = json::parse(ReadFile(out + "/data/disbursements.json"));
  for (const json& row : rows) {
    const std::string area = row.at("area");
    if (row.at("program_id") == "sembako" || area.empty()) continue;
    CHECK(areas.contains(area));
  }
}

TEST_CASE("oversight: one row per disbursement, active, returned or reversed", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  const exports::OversightInfo info = Export(*made, out);
  // Count the disbursements in the log itself.
  auto snapshot = made->ledger->Snapshot();
  uint64_t disbursements = 0;
  std::set<std::string> beneficiaries;
  for (uint64_t seq = 0; seq < made->checkpoint.size; ++seq) {
    audit::VerifiedEntry e;
    REQUIRE(snapshot->GetEntry(seq, &e).ok());
    const fb::AidDisbursed* d = e.body().event_as_AidDisbursed();
    if (d == nullptr && e.body().event_as_EventCorrected() != nullptr) {
      d = e.body().event_as_EventCorrected()->replacement_as_AidDisbursed();
    }
    if (d != nullptr) ++disbursements;
    if (d != nullptr) beneficiaries.insert(d->beneficiary_id()->str());
  }
  const json rows = json::parse(ReadFile(out + "/data/disbursements.json"));
  CHECK(rows.size() == disbursements);
  CHECK(info.disbursements == disbursements);
  std::map<std::string, int> statuses;
  std::map<uint64_t, std::string> by_seq;
  for (const json& row : rows) {
    ++statuses[row.at("status")];
    by_seq[row.at("seq")] = row.at("status");
    CHECK(row.at("pseudonym").get<std::string>().size() == 17);
  }
  CHECK(statuses["returned"] == 1);
  CHECK(statuses["reversed"] == 2);  // corrected away, and the one replaced
  CHECK(statuses["paid"] == static_cast<int>(disbursements) - 3);
  CHECK(by_seq.at(kFirstPaymentSeq + 5) == "returned");
  CHECK(by_seq.at(kFirstPaymentSeq + 10) == "reversed");
  CHECK(by_seq.at(kFirstPaymentSeq + 20) == "reversed");
  CHECK(by_seq.at(313) == "paid");  // the replacement
  // The CSV has the same rows, after its header.
  CHECK(testing::Lines(ReadFile(out + "/data/disbursements.csv")).size() == disbursements + 1);
  // Same beneficiary, same programme: same pseudonym, the key's.
  CHECK(rows[20].at("pseudonym") == Pseudonym(made->key, "bansos-tunai", "warga-0020"));
  // No beneficiary id (nor an event id that holds one) anywhere but in the entry bytes.
  for (const auto& [path, text] : PublicText(out)) {
    for (const std::string& id : beneficiaries) {
      INFO(path << " holds " << id);
      CHECK(text.find(id) == std::string::npos);
    }
  }
}

TEST_CASE("oversight: the page's files are embedded as they are", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  Export(*made, out);
  const auto files = exports::OversightPageFiles();
  CHECK(std::any_of(files.begin(), files.end(),
                    [](const auto& file) { return file.first == "index.html"; }));
  for (const auto& [name, bytes] : files) {
    INFO(name);
    CHECK(ReadFile(out + "/" + std::string(name)) == bytes);
  }
  CHECK(ReadFile(out + "/checkpoint.txt") == made->checkpoint.note);
}

TEST_CASE("oversight: one programme only", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  exports::OversightOptions options;
  options.program_id = "sembako";
  const exports::OversightInfo info = Export(*made, out, options);
  CHECK(info.programs == 1);
  CHECK(info.disbursements == kFoodPeople);
  const json summary = json::parse(ReadFile(out + "/data/summary.json"));
  REQUIRE(summary.at("programs").size() == 1);
  CHECK(summary.at("programs")[0].at("unit") == "PKG_SEMBAKO");
  // Blocks carry only that programme's entries (and entry 0).
  size_t entries = 0;
  for (uint64_t b = 0; b < info.blocks; ++b) {
    entries += ScriptJson(out + "/data/blocks/" + std::to_string(b) + ".js").at("entries").size();
  }
  CHECK(entries == kFoodPeople + 1);
}

TEST_CASE("oversight: refusals leave nothing behind", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  exports::OversightOptions options;
  options.pseudonym_key = made->key;
  options.program_id = "no-such-programme";
  auto unknown = exports::WriteOversight(*made->ledger->Snapshot(), made->checkpoint, out, options);
  CHECK(unknown.status().code() == Code::kNotFound);
  CHECK(unknown.status().reason() == "unknown_program");
  CHECK(unknown.status().field() == "program");
  options.program_id.clear();
  options.k = 0;
  CHECK(exports::WriteOversight(*made->ledger->Snapshot(), made->checkpoint, out, options)
            .status()
            .code() == Code::kInvalidArgument);
  for (const auto& file : fs::directory_iterator(made->dir.path())) {
    CHECK(file.path().filename().string().rfind("oversight", 0) == std::string::npos);
  }
  options.k = 5;
  fs::create_directory(out);
  CHECK(exports::WriteOversight(*made->ledger->Snapshot(), made->checkpoint, out, options)
            .status()
            .code() == Code::kFailedPrecondition);
}

TEST_CASE("oversight: the tar holds every file under one folder", "[oversight]") {
  auto made = MakeLedger();
  const std::string out = made->dir / "oversight";
  Export(*made, out);
  std::string tar;
  REQUIRE(exports::WriteOversightTar(out, "lumbung-oversight", 0, [&tar](std::string_view data) {
            tar.append(data);
            return Status();
          }).ok());
  REQUIRE(tar.size() > 512);
  CHECK(tar.substr(257, 5) == "ustar");
  for (const char* name :
       {"lumbung-oversight/checkpoint.txt", "lumbung-oversight/data/summary.js",
        "lumbung-oversight/data/codes/00.js", "lumbung-oversight/data/blocks/1.js"}) {
    CHECK(tar.find(name) != std::string::npos);
  }
}
