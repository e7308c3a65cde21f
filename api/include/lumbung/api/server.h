// The HTTP server (Boost.Beast, async): a small fixed pool of I/O threads, a
// session per connection on its own strand, bounded request bodies and
// headers, a timeout on every read and write, a cap on open connections, and
// a graceful stop (stop accepting, finish in-flight requests, close idle
// connections). Optional TLS through OpenSSL (Beast's ssl_stream). Plain
// HTTP is refused on any address but loopback unless explicitly allowed.
//
// Thread safety: Start/Stop/Wait may be called from any one thread.

#ifndef LUMBUNG_API_SERVER_H_
#define LUMBUNG_API_SERVER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "lumbung/api/api.h"

namespace lumbung::api {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";     // host:port; port 0 picks a free one
  bool insecure_listen = false;              // allow plain HTTP on non-loopback addresses
  std::optional<std::string> tls_cert_file;  // PEM chain; with tls_key_file enables TLS
  std::optional<std::string> tls_key_file;
  size_t io_threads = 2;
  size_t connections_max = 512;
  size_t body_bytes_max = 8 * 1024 * 1024;  // a batch of 8,190 events fits in ~3 MiB
  size_t header_bytes_max = 16 * 1024;
  // Time to receive a complete request header (also bounds idle keep-alive
  // connections); time to receive the body; time to send the response.
  uint32_t header_timeout_ms = 10'000;
  uint32_t body_timeout_ms = 30'000;
  uint32_t write_timeout_ms = 30'000;
  ApiLimits api;
};

class Server {
 public:
  static Result<std::unique_ptr<Server>> Start(Ledger& ledger, TokenStore& tokens,
                                               const ServerOptions& options);
  ~Server();

  uint16_t port() const;
  bool tls() const;
  // Stops accepting, lets in-flight requests finish, closes idle connections.
  void Stop();
  // Blocks until every I/O thread has finished (after Stop).
  void Wait();
  Api& api();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lumbung::api

#endif  // LUMBUNG_API_SERVER_H_
