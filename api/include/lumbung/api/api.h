// The HTTP API's request handling, apart from any socket (Beast's
// handle_request): authentication, routing, limits and every endpoint under
// /v1. The server feeds it parsed requests; tests call it directly.
//
// Every non-2xx answer has a JSON body {"error":{"code","message","field",
// "index"}}; `code` is the stable reason of the Status (or an HTTP-level one:
// unauthorized, forbidden, not_found, method_not_allowed,
// payload_too_large, batch_too_large, busy, ...).
//
// Thread safety: Handle may be called concurrently from any thread.

#ifndef LUMBUNG_API_API_H_
#define LUMBUNG_API_API_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "lumbung/api/metrics.h"
#include "lumbung/api/tokens.h"
#include "lumbung/base/limits.h"
#include "lumbung/base/status.h"
#include "lumbung/ledger/ledger.h"

namespace lumbung::api {

struct Request {
  std::string method;         // "GET", "POST", ...
  std::string target;         // path and query: "/v1/accounts/program:pkh?as_of_seq=9"
  std::string authorization;  // the Authorization header, verbatim
  std::string body;
};

struct Response {
  std::string route;  // the matched route pattern, for metrics (not sent)
  unsigned status = 200;
  std::string content_type = "application/json";
  std::string body;
  // When set, the body is this file's contents (streamed, not loaded):
  // large exports. `remove_after_send` (a file or folder) is deleted once
  // the response is sent or abandoned.
  std::string file_path;
  std::string remove_after_send;
  std::vector<std::pair<std::string, std::string>> headers;
};

// Called exactly once per request, from any thread.
using Respond = std::function<void(Response)>;

struct ApiLimits {
  size_t batch_events_max = limits::kBatchEventsMax;  // events in one POST /v1/events
  size_t entries_page_max = 1000;                     // entries in one GET /v1/entries
  uint32_t retry_after_seconds = 1;                   // advised on 503 busy
};

Response ErrorResponse(unsigned status, std::string_view code, std::string_view message,
                       std::string_view field = "", int64_t index = -1);
// The HTTP status for a failed Status (rejections 400/409/422, busy 503, ...).
unsigned HttpStatus(const Status& status);
Response FromStatus(const Status& status);

class Api {
 public:
  Api(Ledger& ledger, TokenStore& tokens, Metrics& metrics, ApiLimits limits);
  ~Api();

  void Handle(const Request& request, Respond respond);

  // Every route as "METHOD /path/{param}", for the OpenAPI check and docs.
  std::vector<std::string> Routes() const;
  // Sampled for /metrics.
  Metrics::Gauges SampleGauges() const;
  // The server's count of open connections, reported on /metrics.
  void SetConnectionCounter(std::function<uint64_t()> counter);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumbung::api

#endif  // LUMBUNG_API_API_H_
