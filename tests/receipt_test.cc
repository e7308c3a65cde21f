// Receipts: the receipt index (every entry one seek away from its code,
// built once for older ledgers) and `lumbung receipt SEQ`, the slip a
// finance officer hands over; and `lumbung export oversight` from the CLI.

#include "lumbung/ledger/receipt.h"

#include <filesystem>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <rocksdb/db.h>

#include "lumbung/audit/chain.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/receipt_index.h"
#include "lumbung/ledger/secrets.h"

#include "../ledger/store/db.h"
#include "../ledger/store/receipt_index.h"
#include "test_util.h"

using namespace lumbung;
using nlohmann::json;
using testing::Has;
using testing::RunCommand;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kEvents = {
    R"({"type":"ProgramOpened","event_id":"p1","effective_date":"2026-01-02","program_id":"blt-dd-2026","name":"BLT Dana Desa 2026","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"Permendes 7/2025"})",
    R"({"type":"FundsAllocated","event_id":"p2","effective_date":"2026-01-03","program_id":"blt-dd-2026","funder":"dana-desa","amount":90000000,"reference":"APBDes 2026"})",
    R"({"type":"CycleOpened","event_id":"p3","effective_date":"2026-01-04","program_id":"blt-dd-2026","cycle":"2026-01","planned_count":10,"planned_amount":3000000})",
    R"({"type":"BeneficiaryEnrolled","event_id":"p4","effective_date":"2026-01-05","program_id":"blt-dd-2026","beneficiary_id":"hh-000017","region_code":"31.75.07.1005.03.005","source":"DTSEN"})",
    R"({"type":"AidDisbursed","event_id":"p5","effective_date":"2026-01-10","program_id":"blt-dd-2026","beneficiary_id":"hh-000017","cycle":"2026-01","amount":1234567,"channel":"CASH"})",
    R"({"type":"ProgramOpened","event_id":"p6","effective_date":"2026-01-02","program_id":"sembako","name":"Sembako","kind":"FOOD","unit":"PKG_SEMBAKO","legal_basis":"SK 3"})",
    R"({"type":"FundsAllocated","event_id":"p7","effective_date":"2026-01-03","program_id":"sembako","funder":"baznas","amount":100,"reference":"B1"})",
    R"({"type":"CycleOpened","event_id":"p8","effective_date":"2026-01-04","program_id":"sembako","cycle":"2026-02","planned_count":10,"planned_amount":50})",
    R"({"type":"BeneficiaryEnrolled","event_id":"p9","effective_date":"2026-01-05","program_id":"sembako","beneficiary_id":"hh-000018","region_code":"31.75.07.1005.03.005","source":"DTSEN"})",
    R"({"type":"AidDisbursed","event_id":"p10","effective_date":"2026-02-03","program_id":"sembako","beneficiary_id":"hh-000018","cycle":"2026-02","amount":3,"channel":"IN_KIND"})",
};
constexpr uint64_t kCashSeq = 5;
constexpr uint64_t kFoodSeq = 10;

void Record(Ledger& ledger, const std::vector<std::string>& events) {
  std::vector<EventInput> batch;
  for (const std::string& e : events) batch.push_back(DecodeEventJson(e));
  REQUIRE(ledger.Append(std::move(batch), "test").ok());
}

// A new ledger in `path` holding kEvents, closed again.
void MakeRecordedLedger(const std::string& path) {
  REQUIRE(Ledger::Init(path, "lumbung.example/receipts").ok());
  auto ledger = Ledger::Open(path);
  REQUIRE(ledger.ok());
  Record(**ledger, kEvents);
}

std::string CodeOf(const LedgerSnapshot& snapshot, uint64_t seq) {
  audit::VerifiedEntry entry;
  REQUIRE(snapshot.GetEntry(seq, &entry).ok());
  return ReceiptCode(audit::LeafHash(entry.bytes()));
}

// A well-formed code that no entry of a small ledger has.
std::string UnusedCode() {
  return ReceiptCode(audit::Sha256(std::string_view("no entry hashes to this")));
}

testing::CommandResult Cli(const std::string& data, std::vector<std::string> args) {
  args.insert(args.begin(), LUMBUNG_CLI_PATH);
  args.push_back("--data");
  args.push_back(data);
  return RunCommand(args);
}

}  // namespace

TEST_CASE("receipt index: every entry is found by its code, however it is typed", "[receipt]") {
  TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), "lumbung.example/receipts").ok());
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  Record(**ledger, kEvents);
  auto snapshot = (*ledger)->Snapshot();
  for (uint64_t seq = 0; seq < snapshot->size(); ++seq) {
    const std::string code = CodeOf(*snapshot, seq);
    auto found = FindReceipt(*snapshot, code);
    REQUIRE(found.ok());
    REQUIRE(found->size() == 1);
    CHECK((*found)[0].seq == seq);
    // As a person types it: lower case, no hyphens, O for 0 and l for 1.
    std::string typed;
    for (char c : code) {
      if (c == '-') continue;
      typed += c == '0' ? 'O' : c == '1' ? 'l' : static_cast<char>(std::tolower(c));
    }
    auto again = FindReceipt(*snapshot, typed);
    REQUIRE(again.ok());
    REQUIRE(again->size() == 1);
    CHECK((*again)[0].seq == seq);
  }
  auto none = FindReceipt(*snapshot, UnusedCode());
  REQUIRE(none.ok());
  CHECK(none->empty());
  std::string mistyped = CodeOf(*snapshot, kCashSeq);
  mistyped[1] = mistyped[1] == 'X' ? 'Y' : 'X';
  auto bad = FindReceipt(*snapshot, mistyped);
  CHECK(bad.status().reason() == "invalid_receipt_code");
  CHECK(bad.status().field() == "code");
}

TEST_CASE("receipt index: a ledger made before it gets it on its first writable open",
          "[receipt]") {
  TempDir dir;
  MakeRecordedLedger(dir.path());
  std::string code;
  {
    // Back to how an older ledger looks: no receipt rows, no mark.
    auto db = store::Db::Open(dir.path() + "/db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    rocksdb::WriteBatch batch;
    REQUIRE(batch
                .DeleteRange((*db)->index(), std::string(1, store::kReceiptRowPrefix),
                             std::string(1, store::kReceiptRowPrefix + 1))
                .ok());
    REQUIRE(batch.Delete((*db)->meta(), std::string(store::kMetaReceiptIndex)).ok());
    REQUIRE((*db)->db()->Write(rocksdb::WriteOptions(), &batch).ok());
  }
  {
    LedgerOptions read_only;
    read_only.read_only = true;
    auto ledger = Ledger::Open(dir.path(), read_only);
    REQUIRE(ledger.ok());
    auto snapshot = (*ledger)->Snapshot();
    code = CodeOf(*snapshot, kCashSeq);
    CHECK(FindReceipt(*snapshot, code).status().reason() == "receipt_index_missing");
  }
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  auto found = FindReceipt(*(*ledger)->Snapshot(), code);
  REQUIRE(found.ok());
  REQUIRE(found->size() == 1);
  CHECK((*found)[0].seq == kCashSeq);
}

TEST_CASE("receipt index: a row that points at an entry of another code is corruption",
          "[receipt]") {
  TempDir dir;
  MakeRecordedLedger(dir.path());
  const std::string unused = UnusedCode();
  {
    auto db = store::Db::Open(dir.path() + "/db", store::OpenMode::kWrite);
    REQUIRE(db.ok());
    const uint64_t value = *ReceiptCodeValue(unused);
    REQUIRE((*db)
                ->db()
                ->Put(rocksdb::WriteOptions(), (*db)->index(),
                      store::ReceiptRowKey(value, kCashSeq), "")
                .ok());
  }
  auto ledger = Ledger::Open(dir.path());
  REQUIRE(ledger.ok());
  auto found = FindReceipt(*(*ledger)->Snapshot(), unused);
  CHECK(found.status().code() == Code::kCorruption);
  CHECK(found.status().seq() == static_cast<int64_t>(kCashSeq));
}

TEST_CASE("cli: receipt prints the slip of a disbursement, and refuses other entries",
          "[receipt][cli]") {
  TempDir dir;
  REQUIRE(Ledger::Init(dir.path(), "lumbung.example/receipts").ok());
  std::string cash_code, food_code;
  {
    auto ledger = Ledger::Open(dir.path());
    REQUIRE(ledger.ok());
    Record(**ledger, kEvents);
    cash_code = CodeOf(*(*ledger)->Snapshot(), kCashSeq);
    food_code = CodeOf(*(*ledger)->Snapshot(), kFoodSeq);
  }
  auto key = LoadSecret(PseudonymKeyPath(dir.path()));
  REQUIRE(key.ok());
  const std::string pseudonym = Pseudonym(*key, "blt-dd-2026", "hh-000017");

  // Before any checkpoint: the slip says none covers it yet.
  auto slip = Cli(dir.path(), {"receipt", std::to_string(kCashSeq)});
  REQUIRE(slip.exit_code == 0);
  CHECK(Has(slip.out, "lumbung.example/receipts"));
  CHECK(Has(slip.out, cash_code));
  CHECK(Has(slip.out, "Rp 1.234.567"));
  CHECK(Has(slip.out, "BLT Dana Desa 2026"));
  CHECK(Has(slip.out, "2026-01-10"));
  CHECK(Has(slip.out, pseudonym));
  CHECK(Has(slip.out, "none covers this entry yet"));
  CHECK(!Has(slip.out, "hh-000017"));

  REQUIRE(Cli(dir.path(), {"checkpoint"}).exit_code == 0);
  auto as_json = Cli(dir.path(), {"receipt", std::to_string(kFoodSeq), "--format", "json"});
  REQUIRE(as_json.exit_code == 0);
  const json j = json::parse(as_json.out);
  CHECK(j["receipt"] == food_code);
  CHECK(j["seq"] == kFoodSeq);
  CHECK(j["amount"] == 3);
  CHECK(j["amount_text"] == "3 PKG_SEMBAKO");
  CHECK(j["channel"] == "IN_KIND");
  CHECK(j["status"] == "active");
  CHECK(j["checkpoint"]["tree_size"] == kFoodSeq + 1);
  CHECK(j["pseudonym"] == Pseudonym(*key, "sembako", "hh-000018"));
  CHECK(!Has(as_json.out, "hh-000018"));

  auto refused = Cli(dir.path(), {"receipt", "2"});
  CHECK(refused.exit_code == 2);
  CHECK(json::parse(refused.out)["error"]["code"] == "not_a_disbursement");
  CHECK(Has(refused.err, "FundsAllocated"));
  CHECK(Cli(dir.path(), {"receipt", "99"}).exit_code == 2);
}

TEST_CASE("cli: export oversight signs the head and writes the folder", "[receipt][cli]") {
  TempDir dir;
  MakeRecordedLedger(dir.path());
  const std::string out = dir / "public";
  auto unknown = Cli(dir.path(), {"export", "oversight", "--out", out, "--program", "nope"});
  CHECK(unknown.exit_code == 2);
  CHECK(json::parse(unknown.out)["error"]["code"] == "unknown_program");
  CHECK(!fs::exists(out));
  CHECK(Cli(dir.path(), {"export", "oversight", "--out", out, "--k", "0"}).exit_code != 0);

  auto done = Cli(dir.path(), {"export", "oversight", "--out", out});
  REQUIRE(done.exit_code == 0);
  const json info = json::parse(done.out);
  CHECK(info["tree_size"] == kEvents.size() + 1);  // the head, signed for the export
  CHECK(info["disbursements"] == 2);
  CHECK(testing::ReadFile(out + "/checkpoint.txt") == Cli(dir.path(), {"checkpoint"}).out);
  CHECK(fs::exists(out + "/data/summary.js"));
  for (const auto& file : fs::directory_iterator(dir.path())) {
    CHECK(file.path().filename().string().find(".tmp-") == std::string::npos);
  }
  auto again = Cli(dir.path(), {"export", "oversight", "--out", out});
  CHECK(again.exit_code == 2);  // never over an existing folder
}
