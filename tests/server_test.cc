// The HTTP server over real sockets on an ephemeral loopback port: happy
// paths, limits, timeouts, the connection cap, concurrency on one event_id,
// backpressure, and TLS with a certificate made in the test.

#include "lumbung/api/server.h"

#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <thread>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "api_fixture.h"

using namespace lumbung;
using namespace lumbung::api;
using nlohmann::json;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

struct Reply {
  unsigned status = 0;
  std::string body;
  std::string content_type;
  std::string retry_after;
};

template <class Stream>
Reply Exchange(Stream& stream, const std::string& method, const std::string& target,
               const std::string& token, const std::string& body) {
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(stream, buffer, parser);
  auto& res = parser.get();
  return Reply{res.result_int(), res.body(), std::string(res[http::field::content_type]),
               std::string(res[http::field::retry_after])};
}

// What the server sends on its own (a timeout's 408), without a request.
template <class Stream>
http::response<http::string_body> ReadUnasked(Stream& stream) {
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  beast::error_code ec;
  http::read(stream, buffer, res, ec);
  REQUIRE_FALSE(ec);
  return res;
}

Reply Http(uint16_t port, const std::string& method, const std::string& target,
           const std::string& token = "", const std::string& body = "") {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  return Exchange(stream, method, target, token, body);
}

std::unique_ptr<Server> StartServer(testing::ApiFixture& f, ServerOptions options = {}) {
  options.listen = "127.0.0.1:0";
  auto server = Server::Start(f.ledger(), f.token_store(), options);
  REQUIRE(server.ok());
  return std::move(*server);
}

std::string Allocation(const std::string& id) {
  return R"({"type":"FundsAllocated","event_id":")" + id +
         R"(","effective_date":"2026-01-07","program_id":"pkh","funder":"apbn","amount":1,"reference":"r"})";
}

}  // namespace

TEST_CASE("server: happy paths over HTTP", "[server]") {
  testing::ApiFixture f;
  f.Seed();
  auto server = StartServer(f);
  const uint16_t port = server->port();
  const auto& t = f.tokens();
  CHECK(Http(port, "GET", "/healthz").status == 200);
  const Reply posted = Http(port, "POST", "/v1/events", t.at(Role::kOfficer), Allocation("h-1"));
  CHECK(posted.status == 201);
  CHECK(json::parse(posted.body)["seq"] == f.ledger().size() - 1);
  const Reply account = Http(port, "GET", "/v1/accounts/program:pkh", t.at(Role::kAuditor));
  CHECK(account.status == 200);
  CHECK(json::parse(account.body)["balance"] == 10000000 - 750000 + 1);
  const Reply note = Http(port, "GET", "/v1/checkpoint", t.at(Role::kPublic));
  CHECK(note.status == 200);
  CHECK(note.content_type.rfind("text/plain", 0) == 0);
  CHECK(note.body.rfind("lumbung.example/api-test\n", 0) == 0);
  const Reply bundle = Http(port, "GET", "/v1/exports/bundle", t.at(Role::kAuditor));
  CHECK(bundle.status == 200);
  CHECK(bundle.content_type == "application/x-tar");
  REQUIRE(bundle.body.size() > 512);
  CHECK(bundle.body.substr(257, 5) == "ustar");  // a POSIX tar header
  const Reply metrics = Http(port, "GET", "/metrics", t.at(Role::kAuditor));
  CHECK(metrics.body.find("route=\"POST /v1/events\",status=\"201\"} 1") != std::string::npos);
}

TEST_CASE("server: an oversized body is refused with 413 and writes nothing", "[server]") {
  testing::ApiFixture f;
  f.Seed();
  ServerOptions options;
  options.body_bytes_max = 1024;
  auto server = StartServer(f, options);
  const uint64_t size = f.ledger().size();
  std::string batch = "[";
  for (int i = 0; i < 20; ++i) batch += (i ? "," : "") + Allocation("big-" + std::to_string(i));
  batch += "]";
  const Reply r = Http(server->port(), "POST", "/v1/events", f.tokens().at(Role::kOfficer), batch);
  CHECK(r.status == 413);
  CHECK(json::parse(r.body)["error"]["code"] == "payload_too_large");
  CHECK(f.ledger().size() == size);
}

TEST_CASE("server: a slow client gets 408 when its header does not arrive in time", "[server]") {
  testing::ApiFixture f;
  ServerOptions options;
  options.header_timeout_ms = 300;
  auto server = StartServer(f, options);
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  net::write(socket, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));  // no end
  const auto res = ReadUnasked(socket);
  CHECK(res.result_int() == 408);
  CHECK(json::parse(res.body())["error"]["code"] == "request_timeout");
}

TEST_CASE("server: connections beyond the cap are answered 503, idle ones are closed", "[server]") {
  testing::ApiFixture f;
  ServerOptions options;
  options.connections_max = 4;
  options.header_timeout_ms = 1500;
  auto server = StartServer(f, options);
  net::io_context ioc;
  std::vector<tcp::socket> idle;
  for (int i = 0; i < 4; ++i) {
    idle.emplace_back(ioc);
    idle.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the server count them
  const Reply refused = Http(server->port(), "GET", "/healthz");
  CHECK(refused.status == 503);
  CHECK(json::parse(refused.body)["error"]["code"] == "too_many_connections");
  CHECK(refused.retry_after == "1");
  // The idle ones time out (408) and free their places.
  for (auto& s : idle) {
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    beast::error_code ec;
    http::read(s, buffer, res, ec);
    CHECK(res.result_int() == 408);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(Http(server->port(), "GET", "/healthz").status == 200);
}

TEST_CASE("server: a keep-alive client that keeps asking is not timed out, and a quiet one is",
          "[server]") {
  testing::ApiFixture f;
  ServerOptions options;
  options.header_timeout_ms = 300;
  auto server = StartServer(f, options);
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  // Eight requests 120 ms apart: 960 ms in all, each within the timeout.
  for (int i = 0; i < 8; ++i) {
    CHECK(Exchange(stream, "GET", "/healthz", "", "").status == 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(120));
  }
  // Then quiet: the server answers 408 on its own.
  const auto start = std::chrono::steady_clock::now();
  CHECK(ReadUnasked(stream).result_int() == 408);
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("server: a closed connection frees its place at once, not at its timeout", "[server]") {
  testing::ApiFixture f;
  ServerOptions options;
  options.connections_max = 2;
  options.header_timeout_ms = 20000;
  auto server = StartServer(f, options);
  for (int round = 0; round < 3; ++round) {
    net::io_context ioc;
    std::vector<beast::tcp_stream> clients;
    for (int i = 0; i < 2; ++i) {
      clients.emplace_back(ioc);
      clients.back().connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
      CHECK(Exchange(clients.back(), "GET", "/healthz", "", "").status == 200);
    }
    for (auto& c : clients) c.socket().close();
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  CHECK(Http(server->port(), "GET", "/healthz").status == 200);
}

TEST_CASE("server: the same event_id posted by 16 clients at once is recorded exactly once",
          "[server]") {
  testing::ApiFixture f;
  f.Seed();
  auto server = StartServer(f);
  const uint64_t size = f.ledger().size();
  std::vector<std::thread> clients;
  std::vector<Reply> replies(16);
  for (int i = 0; i < 16; ++i) {
    clients.emplace_back([&, i] {
      replies[i] = Http(server->port(), "POST", "/v1/events", f.tokens().at(Role::kOfficer),
                        Allocation("same-id"));
    });
  }
  for (auto& c : clients) c.join();
  CHECK(f.ledger().size() == size + 1);
  for (const Reply& r : replies) {
    REQUIRE(r.status == 201);
    CHECK(json::parse(r.body)["seq"] == size);
  }
}

TEST_CASE("server: a full writer queue answers 503 with Retry-After, never waits", "[server]") {
  std::mutex mu;
  std::condition_variable cv;
  bool stalled = false, release = false;
  LedgerOptions options;
  options.queue_requests_max = 1;
  // The writer reads the clock at the start of each group: holding it holds
  // the writer, so the queue fills deterministically.
  options.clock_ms = [&] {
    std::unique_lock<std::mutex> lock(mu);
    stalled = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return int64_t{1'800'000'000'000};
  };
  testing::ApiFixture f({}, options);
  auto server = StartServer(f);
  const std::string officer = f.tokens().at(Role::kOfficer);
  std::thread first([&] { Http(server->port(), "POST", "/v1/events", officer, Allocation("q1")); });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return stalled; });
  }
  std::thread second(
      [&] { Http(server->port(), "POST", "/v1/events", officer, Allocation("q2")); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // q2 now fills the queue
  const Reply busy = Http(server->port(), "POST", "/v1/events", officer, Allocation("q3"));
  CHECK(busy.status == 503);
  CHECK(json::parse(busy.body)["error"]["code"] == "busy");
  CHECK(busy.retry_after == "1");
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  first.join();
  second.join();
}

// A stop (SIGTERM) while a POST waits on the writer: the request is
// answered before the server's threads end. The bug this catches: the I/O
// threads ran out of work and ended while the writer still held the
// request, so the answer was posted to a destroyed io_context and the
// session was freed on the writer thread afterwards (a crash on shutdown
// under load).
TEST_CASE("server: a stop while a POST waits on the writer answers it first", "[server]") {
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false, stalled = false, release = false;
  LedgerOptions options;
  options.clock_ms = [&] {
    std::unique_lock<std::mutex> lock(mu);
    if (!hold) return int64_t{1'800'000'000'000};
    stalled = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    return int64_t{1'800'000'000'000};
  };
  testing::ApiFixture f({}, options);
  f.Seed();  // the programme the allocation goes to
  {
    std::lock_guard<std::mutex> lock(mu);
    hold = true;
  }
  auto server = StartServer(f);
  const uint16_t port = server->port();
  const std::string officer = f.tokens().at(Role::kOfficer);
  Reply reply;
  std::string client_error;
  std::thread client([&] {
    try {
      reply = Http(port, "POST", "/v1/events", officer, Allocation("stop-1"));
    } catch (const std::exception& e) {
      client_error = e.what();
    }
  });
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return stalled; });
  }
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->Stop();
    server->Wait();
    stopped = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK_FALSE(stopped.load());  // still waiting for the request in flight
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  stopper.join();
  server.reset();
  client.join();
  CHECK(client_error.empty());
  CHECK(reply.status == 201);
}

TEST_CASE("server: plain HTTP is refused on a non-loopback address unless allowed", "[server]") {
  testing::ApiFixture f;
  ServerOptions options;
  options.listen = "0.0.0.0:0";
  auto refused = Server::Start(f.ledger(), f.token_store(), options);
  CHECK(refused.status().code() == Code::kFailedPrecondition);
  options.insecure_listen = true;
  auto allowed = Server::Start(f.ledger(), f.token_store(), options);
  CHECK(allowed.ok());
}

namespace {

// A self-signed P-256 certificate for 127.0.0.1, written as PEM files.
void MakeCertificate(const std::string& cert_path, const std::string& key_path) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  REQUIRE(key != nullptr);
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
  FILE* c = std::fopen(cert_path.c_str(), "w");
  FILE* k = std::fopen(key_path.c_str(), "w");
  REQUIRE((c != nullptr && k != nullptr));
  PEM_write_X509(c, cert);
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(c);
  std::fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
}

}  // namespace

TEST_CASE("server: TLS handshake and request with a certificate made in the test", "[server]") {
  testing::ApiFixture f;
  const std::string cert = f.dir() + "/cert.pem", key = f.dir() + "/key.pem";
  MakeCertificate(cert, key);
  ServerOptions options;
  options.tls_cert_file = cert;
  options.tls_key_file = key;
  auto server = StartServer(f, options);
  CHECK(server->tls());
  net::io_context ioc;
  net::ssl::context ctx(net::ssl::context::tls_client);
  ctx.load_verify_file(cert);  // trust exactly this certificate
  ctx.set_verify_mode(net::ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  beast::get_lowest_layer(stream).connect(
      tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  stream.handshake(net::ssl::stream_base::client);
  const Reply r = Exchange(stream, "GET", "/v1/checkpoint", f.tokens().at(Role::kPublic), "");
  CHECK(r.status == 404);  // reached the API over TLS: no checkpoint signed yet
  CHECK(json::parse(r.body)["error"]["code"] == "not_found");
  // Plain HTTP to the TLS port does not get an answer from the API.
  beast::error_code ec;
  net::io_context ioc2;
  beast::tcp_stream plain(ioc2);
  plain.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  http::request<http::string_body> req{http::verb::get, "/healthz", 11};
  http::write(plain, req, ec);
  beast::flat_buffer buffer;
  http::response<http::string_body> res;
  http::read(plain, buffer, res, ec);
  CHECK(ec);
}
