// The HTTP API: request handling without sockets (roles, errors, every
// route's happy path) and the OpenAPI description kept equal to the routes.

#include "lumbung/api/api.h"

#include <fstream>
#include <future>
#include <regex>
#include <set>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "api_fixture.h"

using namespace lumbung;
using namespace lumbung::api;
using nlohmann::json;
using testing::ApiFixture;

TEST_CASE("api: the OpenAPI description lists exactly the registered routes", "[api]") {
  ApiFixture f;
  std::ifstream in(LUMBUNG_OPENAPI_PATH);
  REQUIRE(in);
  std::set<std::string> documented;
  std::string line, path;
  bool in_paths = false;
  const std::regex path_line(R"(^  (/[^:]*):\s*$)");
  const std::regex method_line(R"(^    (get|post|put|delete|patch):\s*$)");
  std::smatch m;
  while (std::getline(in, line)) {
    if (line == "paths:") {
      in_paths = true;
      continue;
    }
    if (!in_paths) continue;
    if (std::regex_match(line, m, path_line)) path = m[1];
    if (std::regex_match(line, m, method_line)) {
      std::string method = m[1];
      for (char& c : method) c = static_cast<char>(std::toupper(c));
      documented.insert(method + " " + path);
    }
  }
  const auto routes = f.api().Routes();
  const std::set<std::string> registered(routes.begin(), routes.end());
  CHECK(registered.size() >= 18);
  CHECK(documented == registered);
}

TEST_CASE(
    "api: every route answers 401 without a valid token, 403 to the wrong role, "
    "and its happy path to the right one",
    "[api]") {
  ApiFixture f;
  f.Seed();
  const auto tokens = f.tokens();
  int checked = 0;
  for (const ApiFixture::RouteCase& route : f.Cases()) {
    INFO(route.method << " " << route.target);
    // No token, a malformed header, an unknown token.
    if (!route.open) {
      CHECK(f.Call(route.method, route.target, "", route.body()).status == 401);
      CHECK(f.CallRaw(route.method, route.target, "Basic abc", route.body()).status == 401);
      CHECK(f.Call(route.method, route.target, "lmb_not_a_token", route.body()).status == 401);
    }
    for (const auto& [role, token] : tokens) {
      INFO("role " << RoleName(role));
      const Response r = f.Call(route.method, route.target, token, route.body());
      const bool allowed = route.open || route.roles.count(role) > 0;
      if (allowed) {
        CHECK(r.status >= 200);
        CHECK(r.status < 300);
      } else {
        CHECK(r.status == 403);
        CHECK(json::parse(r.body)["error"]["code"] == "forbidden");
      }
      ++checked;
    }
  }
  CHECK(checked >= 18 * 3);
}

TEST_CASE("api: bad input gets its status and error code and leaves the ledger unchanged",
          "[api]") {
  ApiFixture f;
  f.Seed();
  const std::string officer = f.tokens().at(Role::kOfficer);
  struct Case {
    std::string body;
    unsigned status;
    std::string code;
    std::string field;
  };
  const std::vector<Case> cases = {
      {"{not json", 400, "malformed_json", ""},
      {R"({"type":"FundsAllocated","event_id":"x1","effective_date":"2026-01-05","program_id":"pkh","funder":"apbn","amount":"5","reference":"r"})",
       422, "wrong_type", "amount"},
      {R"({"type":"FundsAllocated","event_id":"x2","effective_date":"2026-01-05","program_id":"pkh","funder":"apbn","amount":5,"reference":"r","colour":"red"})",
       422, "invalid_field", "colour"},
      {R"({"type":"FundsAllocated","event_id":"x3","effective_date":"2026-01-05","program_id":"nope","funder":"apbn","amount":5,"reference":"r"})",
       422, "unknown_program", "program_id"},
      {R"([{"type":"FundsAllocated","event_id":"x4","effective_date":"2026-01-05","program_id":"pkh","funder":"apbn","amount":5,"reference":"r"},{"type":"Nope","event_id":"x5","effective_date":"2026-01-05"}])",
       422, "unknown_type", "type"},
      {R"({"type":"ProgramOpened","event_id":"seed-1","effective_date":"2026-01-02","program_id":"other","name":"X","kind":"FOOD","unit":"IDR","legal_basis":"x"})",
       409, "event_id_conflict", "event_id"},
  };
  for (const Case& c : cases) {
    INFO(c.body);
    const uint64_t size = f.ledger().size();
    const Response r = f.Call("POST", "/v1/events", officer, c.body);
    CHECK(r.status == c.status);
    const json error = json::parse(r.body)["error"];
    CHECK(error["code"] == c.code);
    CHECK(error["field"] == c.field);
    CHECK(f.ledger().size() == size);
  }
  // The offending event's index is named in a batch.
  const Response batch = f.Call("POST", "/v1/events", officer, cases[4].body);
  CHECK(json::parse(batch.body)["error"]["index"] == 1);
}

TEST_CASE("api: a batch over the limit is refused whole", "[api]") {
  ApiLimits limits;
  limits.batch_events_max = 3;
  ApiFixture f(limits);
  f.Seed();
  std::string batch = "[";
  for (int i = 0; i < 4; ++i) {
    batch +=
        std::string(i ? "," : "") + R"({"type":"FundsAllocated","event_id":"big-)" +
        std::to_string(i) +
        R"(","effective_date":"2026-01-05","program_id":"pkh","funder":"apbn","amount":5,"reference":"r"})";
  }
  batch += "]";
  const uint64_t size = f.ledger().size();
  const Response r = f.Call("POST", "/v1/events", f.tokens().at(Role::kOfficer), batch);
  CHECK(r.status == 413);
  CHECK(json::parse(r.body)["error"]["code"] == "batch_too_large");
  CHECK(f.ledger().size() == size);
}

TEST_CASE("api: unknown paths, methods and query parameters are answered in JSON", "[api]") {
  ApiFixture f;
  const std::string auditor = f.tokens().at(Role::kAuditor);
  auto code = [](const Response& r) { return json::parse(r.body)["error"]["code"]; };
  const Response missing = f.Call("GET", "/v1/nothing", auditor);
  CHECK(missing.status == 404);
  CHECK(code(missing) == "not_found");
  const Response method = f.Call("DELETE", "/v1/entries", auditor);
  CHECK(method.status == 405);
  CHECK(code(method) == "method_not_allowed");
  const Response param = f.Call("GET", "/v1/entries?limt=5", auditor);
  CHECK(param.status == 400);
  CHECK(code(param) == "invalid_field");
  const Response bad = f.Call("GET", "/v1/entries?from=abc", auditor);
  CHECK(bad.status == 422);
  const Response encoded = f.Call("GET", "/v1/entries/%zz", auditor);
  CHECK(encoded.status == 400);
}

TEST_CASE("api: metrics count requests by route and status", "[api]") {
  ApiFixture f;
  const std::string auditor = f.tokens().at(Role::kAuditor);
  f.Call("GET", "/v1/checkpoint", auditor);  // 404: none signed yet
  f.Call("GET", "/healthz", "");
  const Response m = f.Call("GET", "/metrics", auditor);
  REQUIRE(m.status == 200);
  CHECK(m.content_type.rfind("text/plain; version=0.0.4", 0) == 0);
  CHECK(m.body.find("lumbung_writer_queue_depth") != std::string::npos);
  CHECK(m.body.find("lumbung_entries 1") != std::string::npos);
  // Entry 0 sits in a memtable: RocksDB's memory is reported, not zero.
  const size_t memtable = m.body.find("\nlumbung_storage_memtable_bytes ");
  REQUIRE(memtable != std::string::npos);
  CHECK(std::stoll(m.body.substr(memtable + 32)) > 0);
  CHECK(m.body.find("\nlumbung_storage_compactions_pending ") != std::string::npos);
}
