// Personal data over HTTP: enrolment with pii through POST /v1/events,
// ?show_pii=true for officers only, and the server's purge after an
// erasure arrives over HTTP.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/ledger/pii.h"

#include "../ledger/store/pii_vault.h"
#include "../ledger/store/snapshot_impl.h"
#include "api_fixture.h"

using namespace lumbung;
using nlohmann::json;
using testing::ApiFixture;

namespace {

const char* kName = "Ngatiyem Prawirodihardjo binti Kromo";
const char* kNik = "3175074712810042";

std::string EnrolmentWithPii() {
  return json{
      {"type", "BeneficiaryEnrolled"},
      {"event_id", "enr-hh-77"},
      {"effective_date", "2026-01-08"},
      {"program_id", "pkh"},
      {"beneficiary_id", "hh-77"},
      {"region_code", "31.75.07.1005.03.005"},
      {"source", "DTSEN"},
      {"pii",
       {{"name", kName}, {"nik", kNik}, {"address", "Jl. Kenanga 7"}, {"phone", "+6281355500042"}}}}
      .dump();
}

// Whether any file under `dir` holds `bytes`.
bool AnyFileHolds(const std::string& dir, const std::string& bytes) {
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() &&
        testing::ReadFile(e.path().string()).find(bytes) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("api: show_pii is for officers, and an erasure over HTTP is purged from storage",
          "[api][pii]") {
  ApiFixture f;
  f.Seed();
  const auto& tokens = f.tokens();
  const std::string officer = tokens.at(api::Role::kOfficer);
  const std::string auditor = tokens.at(api::Role::kAuditor);
  const std::string pub = tokens.at(api::Role::kPublic);
  api::Response posted = f.Call("POST", "/v1/events", officer, EnrolmentWithPii());
  REQUIRE(posted.status == 201);
  CHECK(posted.body.find(kNik) == std::string::npos);

  const std::string target = "/v1/beneficiaries/pkh/hh-77";
  api::Response r = f.Call("GET", target + "?show_pii=true", officer);
  REQUIRE(r.status == 200);
  json body = json::parse(r.body);
  CHECK(body["pii_status"] == "held");
  CHECK(body["pii"]["name"] == kName);
  CHECK(body["pii"]["nik"] == kNik);
  CHECK(body["pii_commitment_verified"] == true);
  CHECK(std::find(r.headers.begin(), r.headers.end(),
                  std::pair<std::string, std::string>("Cache-Control", "no-store")) !=
        r.headers.end());

  for (const std::string& token : {auditor, pub}) {
    r = f.Call("GET", target + "?show_pii=true", token);
    CHECK(r.status == 403);
    CHECK(json::parse(r.body)["error"]["code"] == "forbidden");
    CHECK(r.body.find(kNik) == std::string::npos);
  }
  // Without the parameter (or false) an auditor sees the statement, and
  // no personal data.
  for (const char* query : {"", "?show_pii=false"}) {
    r = f.Call("GET", target + query, auditor);
    REQUIRE(r.status == 200);
    CHECK(r.body.find(kName) == std::string::npos);
    CHECK_FALSE(json::parse(r.body).contains("pii"));
  }
  r = f.Call("GET", target + "?show_pii=yes", officer);
  CHECK(r.status == 400);
  CHECK(json::parse(r.body)["error"]["field"] == "show_pii");

  // The sealed row, before the erasure: on disk somewhere in the folder.
  std::string wrapped_key;
  {
    const auto snapshot = f.ledger().Snapshot();
    auto row =
        store::vault::ReadRow(*snapshot->impl().db, snapshot->impl().snapshot, "pkh", "hh-77");
    REQUIRE(row.ok());
    REQUIRE(row->has_value());
    wrapped_key = (*row)->substr(store::vault::kWrappedKeyOffset, store::vault::kWrappedKeyBytes);
  }
  REQUIRE(AnyFileHolds(f.dir(), wrapped_key));

  posted = f.Call("POST", "/v1/events", officer,
                  json{{"type", "PersonalDataErased"},
                       {"event_id", "erase-hh-77"},
                       {"effective_date", "2026-12-01"},
                       {"program_id", "pkh"},
                       {"beneficiary_id", "hh-77"},
                       {"reason", "permintaan subjek data"}}
                      .dump());
  REQUIRE(posted.status == 201);
  const uint64_t erased_seq = json::parse(posted.body)["seq"].get<uint64_t>();
  r = f.Call("GET", target + "?show_pii=true", officer);
  REQUIRE(r.status == 200);
  body = json::parse(r.body);
  CHECK(body["pii_status"] == "erased");
  CHECK(body["pii_erased"]["seq"] == erased_seq);
  // The purge runs on the server's own thread after the commit.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (AnyFileHolds(f.dir(), wrapped_key) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK_FALSE(AnyFileHolds(f.dir(), wrapped_key));
}
