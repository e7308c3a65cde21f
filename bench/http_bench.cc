// http_bench: the HTTP API under load, against the library in the same run.
//
//  1. GET /v1/accounts/{id} on 64 keep-alive connections for a few seconds:
//     requests/s and latency p50/p99 (target >= 50k req/s, p99 < 2 ms).
//  2. POST /v1/events in batches of 1,000 on 4 connections: events/s,
//     next to library-level ingest (Ledger::AppendAsync, 4 batches in
//     flight) of the same kind of events into a fresh ledger in the same run
//     (target >= 50 % of it).
//
// The load client runs in this process on one thread (async, one socket a
// connection), the server on its own two I/O threads: on a 2-core machine
// client and server share the CPU, as wrk on the same machine would.
//
// Usage: http_bench [--seconds N] [--connections N] [--batches N]

// <utility> first: Boost 1.74's asio uses std::exchange without including it.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "lumbung/api/server.h"
#include "lumbung/api/tokens.h"
#include "lumbung/ledger/ledger.h"

#include "bench_ledger.h"
#include "bench_util.h"

using namespace lumbung;
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

using lumbung::bench::Arg;

namespace {

constexpr size_t kBeneficiaries = 20000;

std::string Disbursement(size_t n) {
  char json[512];
  const size_t month = 1 + n / kBeneficiaries;
  std::snprintf(json, sizeof json,
                R"({"type":"AidDisbursed","event_id":"blt-%07zu","effective_date":"2026-%02zu-05",)"
                R"("program_id":"blt-dd","beneficiary_id":"hh-%06zu","cycle":"2026-%02zu",)"
                R"("amount":%zu,"channel":"BANK"})",
                n, month, n % kBeneficiaries, month, 200000 + (n % 15) * 50000);
  return json;
}

// A programme with budget, 12 monthly cycles and the enrolments.
void Setup(Ledger& ledger) {
  std::vector<EventInput> events;
  auto add = [&events](const std::string& json) { events.push_back(DecodeEventJson(json)); };
  add(R"({"type":"ProgramOpened","event_id":"open","effective_date":"2026-01-01","program_id":"blt-dd","name":"BLT Dana Desa","kind":"CASH_TRANSFER","unit":"IDR","legal_basis":"Permendes 7/2023"})");
  add(R"({"type":"FundsAllocated","event_id":"alloc","effective_date":"2026-01-02","program_id":"blt-dd","funder":"apbdes","amount":900000000000000,"reference":"APBDes 2026"})");
  char json[512];
  for (int m = 1; m <= 12; ++m) {
    std::snprintf(
        json, sizeof json,
        R"({"type":"CycleOpened","event_id":"cycle-%02d","effective_date":"2026-%02d-01","program_id":"blt-dd","cycle":"2026-%02d","planned_count":%zu,"planned_amount":90000000000000})",
        m, m, m, kBeneficiaries);
    add(json);
  }
  for (size_t b = 0; b < kBeneficiaries; ++b) {
    std::snprintf(
        json, sizeof json,
        R"({"type":"BeneficiaryEnrolled","event_id":"enrol-%06zu","effective_date":"2026-01-03","program_id":"blt-dd","beneficiary_id":"hh-%06zu","region_code":"31.75.07.1005.%02zu.%03zu","source":"DTSEN"})",
        b, b, 1 + b % 12, 1 + b % 15);
    add(json);
  }
  if (!ledger.Append(std::move(events), "bench").ok()) std::abort();
}

// One keep-alive connection sending the same kind of request until the
// deadline, recording each request's latency.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  Conn(net::io_context& ioc, tcp::endpoint ep,
       std::function<http::request<http::string_body>()> make, Clock::time_point deadline,
       std::vector<uint32_t>* latencies_us, std::atomic<uint64_t>* errors)
      : stream_(ioc),
        ep_(ep),
        make_(std::move(make)),
        deadline_(deadline),
        latencies_(latencies_us),
        errors_(errors) {}
  void Start() {
    stream_.async_connect(ep_, [self = shared_from_this()](beast::error_code ec) {
      if (!ec) self->Send();
    });
  }

 private:
  void Send() {
    if (Clock::now() >= deadline_) return;
    req_ = make_();
    started_ = Clock::now();
    http::async_write(stream_, req_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return;
      self->res_ = {};
      http::async_read(self->stream_, self->buffer_, self->res_,
                       [self](beast::error_code e, size_t) { self->Done(e); });
    });
  }
  void Done(beast::error_code ec) {
    if (ec) return;
    if (res_.result_int() >= 300) errors_->fetch_add(1);
    latencies_->push_back(static_cast<uint32_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started_).count()));
    Send();
  }

  beast::tcp_stream stream_;
  tcp::endpoint ep_;
  std::function<http::request<http::string_body>()> make_;
  Clock::time_point deadline_;
  std::vector<uint32_t>* latencies_;
  std::atomic<uint64_t>* errors_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  beast::flat_buffer buffer_;
  Clock::time_point started_;
};

void ReadLoad(uint16_t port, const std::string& token, size_t connections, size_t seconds) {
  net::io_context ioc;
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), port);
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::seconds(seconds);
  std::vector<std::vector<uint32_t>> latencies(connections);
  std::atomic<uint64_t> errors{0};
  uint64_t counter = 0;
  for (size_t i = 0; i < connections; ++i) {
    auto make = [&token, &counter] {
      char target[96];
      std::snprintf(target, sizeof target, "/v1/accounts/beneficiary:blt-dd:hh-%06zu",
                    static_cast<size_t>(counter++ % kBeneficiaries));
      http::request<http::string_body> req{http::verb::get, target, 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::authorization, "Bearer " + token);
      return req;
    };
    std::make_shared<Conn>(ioc, ep, make, deadline, &latencies[i], &errors)->Start();
  }
  ioc.run();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<uint32_t> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  const auto pct = [&all](double p) {
    return all.empty() ? 0u : all[static_cast<size_t>(p * static_cast<double>(all.size() - 1))];
  };
  std::printf(
      "GET /v1/accounts/{id}  %zu connections, %zu s: %.0f req/s, p50 %.2f ms, p99 %.2f ms, "
      "errors %llu\n",
      connections, seconds, static_cast<double>(all.size()) / elapsed, pct(0.50) / 1000.0,
      pct(0.99) / 1000.0, static_cast<unsigned long long>(errors.load()));
}

// Sends `batches` POSTs of 1,000 events on `connections` connections.
double WriteLoad(uint16_t port, const std::string& token, size_t batches, size_t first_event) {
  std::vector<std::string> bodies;
  for (size_t b = 0; b < batches; ++b) {
    std::string body = "[";
    for (size_t i = 0; i < 1000; ++i)
      body += (i ? "," : "") + Disbursement(first_event + b * 1000 + i);
    bodies.push_back(body + "]");
  }
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      net::io_context ioc;
      beast::tcp_stream stream(ioc);
      stream.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      for (size_t b; (b = next.fetch_add(1)) < bodies.size();) {
        http::request<http::string_body> req{http::verb::post, "/v1/events", 11};
        req.set(http::field::host, "127.0.0.1");
        req.set(http::field::authorization, "Bearer " + token);
        req.body() = bodies[b];
        req.prepare_payload();
        http::write(stream, req);
        beast::flat_buffer buffer;
        http::response<http::string_body> res;
        http::read(stream, buffer, res);
        if (res.result_int() != 201) failures.fetch_add(1);
      }
    });
  }
  for (auto& c : clients) c.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  if (failures.load() > 0)
    std::printf("  (%llu batches failed)\n", static_cast<unsigned long long>(failures.load()));
  return static_cast<double>(batches * 1000) / elapsed;
}

double LibraryLoad(Ledger& ledger, size_t batches, size_t first_event) {
  std::vector<std::vector<EventInput>> prepared;
  for (size_t b = 0; b < batches; ++b) {
    std::vector<EventInput> batch;
    for (size_t i = 0; i < 1000; ++i)
      batch.push_back(DecodeEventJson(Disbursement(first_event + b * 1000 + i)));
    prepared.push_back(std::move(batch));
  }
  return static_cast<double>(batches * 1000) /
         lumbung::bench::AppendWindowed(ledger, std::move(prepared));
}

}  // namespace

int main(int argc, char** argv) {
  const size_t seconds = Arg(argc, argv, "--seconds", 5);
  const size_t connections = Arg(argc, argv, "--connections", 64);
  const size_t batches = Arg(argc, argv, "--batches", 100);
  bench::ScratchDir dir("http");
  const std::string data = dir.path() + "/ledger";
  if (!Ledger::Init(data, "lumbung.example/http-bench").ok()) return 1;
  auto ledger = Ledger::Open(data);
  if (!ledger.ok()) return 1;
  Setup(**ledger);
  // Balances to read: one disbursement to every beneficiary.
  if (LibraryLoad(**ledger, kBeneficiaries / 1000, 0) <= 0) return 1;
  api::TokenStore tokens(data + "/keys/tokens");
  const std::string officer = *tokens.Add(api::Role::kOfficer, "bench");
  const std::string auditor = *tokens.Add(api::Role::kAuditor, "bench-read");
  api::ServerOptions options;
  options.listen = "127.0.0.1:0";
  auto server = api::Server::Start(**ledger, tokens, options);
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("http_bench (%s build), server with %zu I/O threads, client in the same process\n",
#ifdef NDEBUG
              "release",
#else
              "debug",
#endif
              options.io_threads);
  ReadLoad((*server)->port(), auditor, connections, seconds);
  const size_t first = kBeneficiaries;  // month 2 onwards: new (beneficiary, cycle) pairs
  const double http_eps = WriteLoad((*server)->port(), officer, batches, first);
  server->reset();
  ledger->reset();
  // The library baseline: the same events into a fresh ledger, same process.
  const std::string data2 = dir.path() + "/ledger2";
  if (!Ledger::Init(data2, "lumbung.example/http-bench").ok()) return 1;
  auto ledger2 = Ledger::Open(data2);
  Setup(**ledger2);
  LibraryLoad(**ledger2, kBeneficiaries / 1000, 0);
  const double lib_eps = LibraryLoad(**ledger2, batches, first);
  std::printf(
      "POST /v1/events  batches of 1,000 on 4 connections: %.0f events/s; library %.0f "
      "events/s; ratio %.0f%%\n",
      http_eps, lib_eps, 100.0 * http_eps / lib_eps);
  return 0;
}
