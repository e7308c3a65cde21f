// The public oversight endpoints of the HTTP API: GET /v1/receipts/{code}
// (the entry a typed code names, with a proof that verifies against the
// signed checkpoint) and GET /v1/exports/oversight (the export as a tar).

#include <filesystem>
#include <future>
#include <utility>  // before Boost.Asio, whose awaitable.hpp uses std::exchange

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/api/server.h"
#include "lumbung/audit/chain.h"
#include "lumbung/audit/merkle.h"
#include "lumbung/ledger/receipt.h"

#include "api_fixture.h"

using namespace lumbung;
using namespace lumbung::api;
using nlohmann::json;
using testing::ApiFixture;

namespace {

constexpr uint64_t kPaymentSeq = 5;  // seed-5, the AidDisbursed of ApiFixture::Seed

std::string CodeOf(ApiFixture& f, uint64_t seq) {
  audit::VerifiedEntry entry;
  REQUIRE(f.ledger().Snapshot()->GetEntry(seq, &entry).ok());
  return ReceiptCode(audit::LeafHash(entry.bytes()));
}

// The tar's bytes: read before the file is removed, which the fixture's
// Call does at once.
std::string FetchTar(ApiFixture& f, const std::string& target, const std::string& token) {
  std::promise<Response> promise;
  auto future = promise.get_future();
  f.api().Handle(Request{"GET", target, "Bearer " + token, ""},
                 [&promise](Response r) { promise.set_value(std::move(r)); });
  const Response r = future.get();
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/x-tar");
  REQUIRE(!r.file_path.empty());
  std::string tar = testing::ReadFile(r.file_path);
  std::error_code ec;
  std::filesystem::remove_all(r.remove_after_send, ec);
  return tar;
}

// One request over a real socket: the status, content type and body.
struct Reply {
  unsigned status = 0;
  std::string content_type;
  std::string body;
};

Reply HttpGet(uint16_t port, const std::string& target, const std::string& token) {
  namespace net = boost::asio;
  namespace http = boost::beast::http;
  net::io_context ioc;
  boost::beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  http::write(stream, req);
  boost::beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  return Reply{parser.get().result_int(), std::string(parser.get()[http::field::content_type]),
               parser.get().body()};
}

}  // namespace

TEST_CASE("server: the oversight routes over HTTP", "[server][oversight]") {
  ApiFixture f;
  f.Seed();
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = Server::Start(f.ledger(), f.token_store(), options);
  REQUIRE(server.ok());
  const uint16_t port = (*server)->port();
  const std::string& public_token = f.tokens().at(Role::kPublic);
  const Reply receipt = HttpGet(port, "/v1/receipts/" + CodeOf(f, kPaymentSeq), public_token);
  CHECK(receipt.status == 200);
  CHECK(json::parse(receipt.body)["seq"] == kPaymentSeq);
  const Reply bad = HttpGet(port, "/v1/receipts/not-a-code", public_token);
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["code"] == "invalid_receipt_code");
  CHECK(HttpGet(port, "/v1/receipts/" + CodeOf(f, kPaymentSeq), "").status == 401);
  const Reply tar = HttpGet(port, "/v1/exports/oversight", public_token);
  CHECK(tar.status == 200);
  CHECK(tar.content_type == "application/x-tar");
  REQUIRE(tar.body.size() > 512);
  CHECK(tar.body.substr(257, 5) == "ustar");
  CHECK(tar.body.find("/data/summary.json") != std::string::npos);
  CHECK(HttpGet(port, "/v1/exports/oversight", "").status == 401);
}

TEST_CASE("api: a receipt code answers its entry and a proof against the checkpoint",
          "[api][oversight]") {
  ApiFixture f;
  f.Seed();
  const std::string code = CodeOf(f, kPaymentSeq);
  // As a citizen types it: lower case, a space instead of the hyphens.
  std::string typed;
  for (char c : code) typed += c == '-' ? ' ' : static_cast<char>(std::tolower(c));
  std::string target = "/v1/receipts/";
  for (char c : typed) target += c == ' ' ? std::string("%20") : std::string(1, c);
  const Response r = f.Call("GET", target, f.tokens().at(Role::kPublic));
  REQUIRE(r.status == 200);
  const json j = json::parse(r.body);
  CHECK(j["seq"] == kPaymentSeq);
  CHECK(j["receipt"] == code);
  CHECK(j["event"]["type"] == "AidDisbursed");
  CHECK(j["event"]["amount"] == 750000);
  const auto entry = audit::Base64Decode(j["entry"].get<std::string>());
  REQUIRE(entry.has_value());
  const audit::Hash leaf =
      audit::LeafHash(std::span(reinterpret_cast<const uint8_t*>(entry->data()), entry->size()));
  CHECK(audit::ToHex(leaf) == j["leaf_hash"]);
  std::vector<audit::Hash> proof;
  for (const json& h : j["proof"]) proof.push_back(*audit::HashFromHex(h.get<std::string>()));
  const auto root = audit::HashFromHex(j["root"].get<std::string>());
  REQUIRE(root.has_value());
  CHECK(audit::VerifyInclusion(kPaymentSeq, j["tree_size"], leaf, proof, *root).ok());
  CHECK(j["checkpoint"].get<std::string>().rfind("lumbung.example/api-test\n", 0) == 0);
}

TEST_CASE("api: an entry no checkpoint covers yet is answered without a proof",
          "[api][oversight]") {
  ApiFixture f;
  f.Seed();
  const Response posted = f.Call(
      "POST", "/v1/events", f.tokens().at(Role::kOfficer),
      R"({"type":"FundsAllocated","event_id":"late","effective_date":"2026-01-07","program_id":"pkh","funder":"apbn","amount":1,"reference":"r"})");
  REQUIRE(posted.status == 201);
  const json receipt = json::parse(posted.body);
  const Response r = f.Call("GET", "/v1/receipts/" + receipt["receipt"].get<std::string>(),
                            f.tokens().at(Role::kAuditor));
  REQUIRE(r.status == 200);
  const json j = json::parse(r.body);
  CHECK(j["seq"] == receipt["seq"]);
  CHECK(j["proof"].is_null());
  CHECK(j["checkpoint"].is_null());
  CHECK(j["pending"].is_string());
}

TEST_CASE("api: bad and unknown receipt codes, and no token", "[api][oversight]") {
  ApiFixture f;
  f.Seed();
  std::string mistyped = CodeOf(f, kPaymentSeq);
  mistyped[2] = mistyped[2] == 'Z' ? 'Y' : 'Z';
  const Response bad = f.Call("GET", "/v1/receipts/" + mistyped, f.tokens().at(Role::kPublic));
  CHECK(bad.status == 400);
  CHECK(json::parse(bad.body)["error"]["code"] == "invalid_receipt_code");
  CHECK(json::parse(bad.body)["error"]["field"] == "code");
  const std::string unused = ReceiptCode(audit::Sha256(std::string_view("not an entry")));
  const Response unknown = f.Call("GET", "/v1/receipts/" + unused, f.tokens().at(Role::kPublic));
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body)["error"]["code"] == "unknown_receipt");
  CHECK(f.Call("GET", "/v1/receipts/" + CodeOf(f, kPaymentSeq), "").status == 401);
  CHECK(f.Call("GET", "/v1/exports/oversight", "").status == 401);
  CHECK(f.Call("GET", "/v1/exports/oversight", "lmb_not_a_token").status == 401);
}

TEST_CASE("api: the oversight export is served as a tar to the public", "[api][oversight]") {
  ApiFixture f;
  f.Seed();
  const std::string tar = FetchTar(f, "/v1/exports/oversight", f.tokens().at(Role::kPublic));
  REQUIRE(tar.size() > 512);
  CHECK(tar.substr(257, 5) == "ustar");
  const std::string prefix = "lumbung-oversight-" + std::to_string(f.ledger().size());
  CHECK(tar.find(prefix + "/data/summary.js") != std::string::npos);
  CHECK(tar.find(prefix + "/index.html") != std::string::npos);
  CHECK(tar.find("hh-1\"") == std::string::npos);  // no beneficiary id outside entry bytes
  const Response one =
      f.Call("GET", "/v1/exports/oversight?program=pkh", f.tokens().at(Role::kPublic));
  CHECK(one.status == 200);
  const Response unknown =
      f.Call("GET", "/v1/exports/oversight?program=nope", f.tokens().at(Role::kPublic));
  CHECK(unknown.status == 404);
  CHECK(json::parse(unknown.body)["error"]["code"] == "unknown_program");
  const Response k = f.Call("GET", "/v1/exports/oversight?k=1", f.tokens().at(Role::kPublic));
  CHECK(k.status == 400);  // the public may not lower the threshold
}
