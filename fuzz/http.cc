// Fuzz target: HTTP request handling (api/api.h), without a socket. The
// input is one raw HTTP/1.1 request; Beast's parser reads it, with the
// server's header limit, and it goes to Api::Handle as the server hands it
// over (method, target, Authorization, body). The ledger behind the API is
// a small one in a temporary folder: two programmes, a beneficiary paid
// once, a group with a loan, and a signed checkpoint. Requests may append
// to it; once it passes kLedgerEntriesMax entries it is made afresh, so that
// exports and replays stay fast. Fixed tokens for the three roles are
// "Bearer lmb_fuzz_officer", "Bearer lmb_fuzz_auditor", "Bearer lmb_fuzz_public".
//
// Properties checked besides "no crash, no sanitizer report":
//   - every request is answered within a minute, and only once by then;
//   - the status is a valid HTTP status, header names and values hold no
//     line breaks (no response splitting);
//   - a JSON response is strict JSON; an error response is the documented
//     {"error": {"code": ...}} object with a non-empty code;
//   - a file response (the bundle export) names an existing file.

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "lumbung/api/api.h"
#include "lumbung/api/metrics.h"
#include "lumbung/api/tokens.h"
#include "lumbung/audit/hash.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/event.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/ledger.h"

#include "../tests/seed_events.h"
#include "fuzz.h"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using lumbung::api::Response;

constexpr uint64_t kLedgerEntriesMax = 400;
constexpr size_t kHeaderBytesMax = 16 * 1024;  // ServerOptions::header_bytes_max
constexpr size_t kBodyBytesMax = 1 << 20;
constexpr auto kAnswerTimeout = std::chrono::seconds(60);

constexpr std::string_view kTokens[][2] = {{"officer", "lmb_fuzz_officer"},
                                           {"auditor", "lmb_fuzz_auditor"},
                                           {"public", "lmb_fuzz_public"}};

// The ledger, its tokens and the API in front of them.
class World {
 public:
  World() {
    FUZZ_CHECK(lumbung::Ledger::Init(dir_.path(), "lumbung.example/fuzz-http").ok());
    lumbung::LedgerOptions options;
    options.sync = false;  // nothing here needs to survive a power cut
    auto ledger = lumbung::Ledger::Open(dir_.path(), std::move(options));
    FUZZ_CHECK(ledger.ok());
    ledger_ = std::move(*ledger);

    const std::string tokens_path = dir_.path() + "/keys/tokens";
    std::string lines;
    for (const auto& [role, token] : kTokens) {
      lines += lumbung::DumpJson({{"sha256", lumbung::audit::ToHex(lumbung::audit::Sha256(token))},
                                  {"role", std::string(role)},
                                  {"name", std::string(role)}});
      lines += '\n';
    }
    lumbung::fuzz::WriteFile(tokens_path, lines);
    tokens_ = std::make_unique<lumbung::api::TokenStore>(tokens_path);
    FUZZ_CHECK(tokens_->Refresh().ok());
    api_ = std::make_unique<lumbung::api::Api>(*ledger_, *tokens_, metrics_,
                                               lumbung::api::ApiLimits{});

    std::vector<lumbung::EventInput> events;
    for (std::string_view e : lumbung::testing::kSeedEvents)
      events.push_back(lumbung::DecodeEventJson(e));
    FUZZ_CHECK(ledger_->Append(std::move(events), "seed").ok());
    FUZZ_CHECK(lumbung::SignCheckpoint(*ledger_).ok());
  }
  ~World() {
    api_.reset();
    ledger_.reset();
  }
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  lumbung::api::Api& api() { return *api_; }
  lumbung::api::Metrics& metrics() { return metrics_; }
  uint64_t entries() const { return ledger_->size(); }

 private:
  lumbung::fuzz::TempDir dir_;
  std::unique_ptr<lumbung::Ledger> ledger_;
  std::unique_ptr<lumbung::api::TokenStore> tokens_;
  lumbung::api::Metrics metrics_;
  std::unique_ptr<lumbung::api::Api> api_;
};

std::unique_ptr<World>& WorldSlot() {
  static std::unique_ptr<World> world;
  return world;
}

World& TheWorld() {
  std::unique_ptr<World>& world = WorldSlot();
  if (world == nullptr || world->entries() > kLedgerEntriesMax) {
    const bool first = world == nullptr;
    world.reset();
    world = std::make_unique<World>();
    // Closed at exit before RocksDB's own statics (made while the first
    // ledger opened, so destroyed before a plain static World would be).
    if (first) std::atexit([] { WorldSlot().reset(); });
  }
  return *world;
}

// What the API answered, and how many times.
struct Answer {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Response> response;
  int calls = 0;
};

std::optional<lumbung::api::Request> ParseRequest(const uint8_t* data, size_t size) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(kHeaderBytesMax));
  parser.body_limit(kBodyBytesMax);
  parser.eager(true);
  beast::error_code ec;
  size_t offset = 0;
  while (offset < size && !parser.is_done()) {
    const size_t used = parser.put(boost::asio::const_buffer(data + offset, size - offset), ec);
    if (ec == http::error::need_more) ec = {};
    if (ec || used == 0) break;
    offset += used;
  }
  if (!ec && !parser.is_done()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return std::nullopt;
  auto& req = parser.get();
  lumbung::api::Request request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.authorization = std::string(req[http::field::authorization]);
  request.body = std::move(req.body());
  return request;
}

bool HasLineBreak(std::string_view s) {
  return s.find_first_of("\r\n") != std::string_view::npos;
}

void CheckResponse(const Response& r) {
  FUZZ_CHECK(r.status >= 100 && r.status <= 599);
  FUZZ_CHECK(!HasLineBreak(r.content_type));
  for (const auto& [name, value] : r.headers) {
    FUZZ_CHECK(!name.empty() && !HasLineBreak(name) && !HasLineBreak(value));
  }
  if (!r.file_path.empty()) {
    FUZZ_CHECK(r.status == 200);
    std::error_code ec;
    FUZZ_CHECK(std::filesystem::is_regular_file(r.file_path, ec));
    return;
  }
  if (r.content_type.starts_with("application/json")) {
    const auto json = lumbung::ParseStrictJson(r.body);
    FUZZ_CHECK(json.ok());
    if (r.status >= 300) {
      FUZZ_CHECK(json->is_object() && json->contains("error"));
      const auto& error = (*json)["error"];
      FUZZ_CHECK(error.is_object() && error.contains("code") && error["code"].is_string());
      FUZZ_CHECK(!error["code"].get_ref<const std::string&>().empty());
    }
  }
  // The response as the server would send it.
  http::response<http::string_body> res;
  res.version(11);
  res.result(r.status);
  res.set(http::field::server, "lumbung");
  res.set(http::field::content_type, r.content_type);
  for (const auto& [name, value] : r.headers) res.set(name, value);
  res.body() = r.body;
  res.prepare_payload();
  std::ostringstream out;
  out << res;
  FUZZ_CHECK(out.good());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::optional<lumbung::api::Request> request = ParseRequest(data, size);
  if (!request) return 0;
  World& world = TheWorld();

  auto answer = std::make_shared<Answer>();
  world.api().Handle(*request, [answer](Response r) {
    std::lock_guard<std::mutex> lock(answer->mu);
    ++answer->calls;
    if (!answer->response) answer->response = std::move(r);
    answer->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(answer->mu);
  const bool answered =
      answer->cv.wait_for(lock, kAnswerTimeout, [&] { return answer->response.has_value(); });
  FUZZ_CHECK(answered);
  FUZZ_CHECK(answer->calls == 1);
  const Response response = *answer->response;
  lock.unlock();

  CheckResponse(response);
  world.metrics().RecordRequest(response.route.empty() ? "unmatched" : response.route,
                                response.status, 0);
  if (!response.remove_after_send.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(response.remove_after_send, ec);
  }
  return 0;
}
