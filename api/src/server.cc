// The Beast server: acceptor, sessions (plain or TLS), timeouts, limits and
// the graceful stop. Request logic lives in Api (api.cc); this file only
// moves bytes. Shape follows Beast's advanced server example: one session
// object per connection, owned by its pending handlers. Each I/O thread
// runs its own io_context and the acceptor deals connections out in turn,
// so a session's handlers all run on one thread without a strand, and the
// threads share no scheduler lock (measured: a shared io_context with a
// strand per session spent a fifth of its time in locks and hand-offs).

#include "lumbung/api/server.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace lumbung::api {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  virtual void Stop() = 0;  // posts to the session's thread
};

struct Server::Impl {
  Impl(Ledger& l, TokenStore& t, const ServerOptions& o)
      : ledger(l),
        tokens(t),
        options(o),
        contexts(MakeContexts(o.io_threads)),
        acceptor(*contexts.front()),
        token_timer(*contexts.front()) {}

  static std::vector<std::unique_ptr<net::io_context>> MakeContexts(size_t n) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (size_t i = 0; i < std::max<size_t>(1, n); ++i) {
      v.push_back(std::make_unique<net::io_context>(1));  // one thread each
    }
    return v;
  }

  Ledger& ledger;
  TokenStore& tokens;
  ServerOptions options;
  Metrics metrics;
  std::unique_ptr<Api> api;
  std::vector<std::unique_ptr<net::io_context>> contexts;  // one per I/O thread
  // Keep every thread running while no session is on it; released by Stop.
  std::vector<net::executor_work_guard<net::io_context::executor_type>> idle_guards;
  size_t next_context = 0;  // the acceptor's round robin; on contexts[0]'s thread
  std::optional<ssl::context> tls;
  tcp::acceptor acceptor;
  net::steady_timer token_timer;
  std::vector<std::thread> threads;
  std::atomic<size_t> open{0};
  std::atomic<bool> stopping{false};
  std::mutex sessions_mu;
  std::vector<std::weak_ptr<SessionBase>> sessions;  // guarded by sessions_mu

  void Register(const std::shared_ptr<SessionBase>& s) {
    std::lock_guard<std::mutex> lock(sessions_mu);
    // Drop the expired ones now and then so the list stays bounded.
    if (sessions.size() > 2 * options.connections_max) {
      std::erase_if(sessions, [](const auto& w) { return w.expired(); });
    }
    sessions.push_back(s);
  }
  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void RefreshTokens();
};

namespace {

// Session<Stream>: Stream is beast::tcp_stream or ssl_stream<tcp_stream>.
template <class Stream>
class Session : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
 public:
  template <class... Args>
  Session(Server::Impl& server, bool refuse, Args&&... args)
      : server_(server),
        stream_(std::forward<Args>(args)...),
        timer_(stream_.get_executor()),
        refuse_(refuse) {
    server_.open.fetch_add(1);
  }
  ~Session() override { server_.open.fetch_sub(1); }

  void Run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->Start(); });
  }

  void Stop() override {
    net::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->stopping_ = true;
      // An idle connection (waiting for a request) closes now; one with a
      // request in flight closes after its response.
      if (self->waiting_) self->Cancel();
    });
  }

 private:
  static constexpr bool kTls = !std::is_same_v<Stream, beast::tcp_stream>;

  void Start() {
    if constexpr (kTls) {
      Arm(server_.options.header_timeout_ms);
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->Disarm();
                                if (ec) return self->Close();
                                self->AfterHandshake();
                              });
    } else {
      AfterHandshake();
    }
  }

  void AfterHandshake() {
    if (refuse_) {
      server_.metrics.RecordConnectionRefused();
      Response r = ErrorResponse(503, "too_many_connections",
                                 "the server has too many open connections; retry shortly");
      r.headers.emplace_back("Retry-After", "1");
      return Send(std::move(r), /*keep_alive=*/false, 11);
    }
    DoRead();
  }

  // Timeouts: one deadline per session and one timer that trails it. A
  // later deadline (the usual case: the next request's) only moves
  // `deadline_`; the timer is re-armed when it fires early or when a
  // deadline comes before its expiry. So a keep-alive request costs no
  // timer operation, where arming and cancelling per read and write cost
  // two handler completions each.
  void Arm(uint32_t ms) {
    timed_out_ = false;
    deadline_ = Clock::now() + std::chrono::milliseconds(ms);
    if (timer_armed_ && timer_expiry_ <= deadline_) return;
    StartTimer();
  }
  // The operation finished in time: no deadline until the next Arm.
  void Disarm() { deadline_ = Clock::time_point::max(); }

  void StartTimer() {
    timer_armed_ = true;
    timer_expiry_ = deadline_;
    timer_.expires_at(deadline_);  // a pending wait completes as aborted
    timer_.async_wait([self = this->shared_from_this()](beast::error_code ec) {
      if (ec) return;  // replaced by an earlier expiry, or the session closed
      self->OnTimer();
    });
  }

  void OnTimer() {
    timer_armed_ = false;
    if (closed_ || deadline_ == Clock::time_point::max()) return;
    if (Clock::now() < deadline_) return StartTimer();  // the deadline moved on
    timed_out_ = true;
    Cancel();
  }

  void Cancel() {
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().cancel(ignored);
  }

  void DoRead() {
    if (stopping_) return Close();
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.header_bytes_max));
    parser_->body_limit(server_.options.body_bytes_max);
    waiting_ = true;
    Arm(server_.options.header_timeout_ms);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Maps a read failure to the answer the client gets, if any.
  bool AnswerReadError(beast::error_code ec, const char* phase) {
    if (timed_out_ && !stopping_) {
      server_.metrics.RecordTimeout();
      Send(ErrorResponse(408, "request_timeout",
                         std::string("the request ") + phase + " did not arrive in time"),
           false, 0);
      return true;
    }
    if (ec == http::error::body_limit) {
      Send(ErrorResponse(413, "payload_too_large",
                         "the request body is larger than " +
                             std::to_string(server_.options.body_bytes_max) + " bytes"),
           false, 0);
      return true;
    }
    if (ec == http::error::header_limit) {
      Send(ErrorResponse(431, "header_too_large", "the request header is too large"), false, 0);
      return true;
    }
    // Any other HTTP parse error is the client's malformed request.
    static const auto& http_category = http::make_error_code(http::error::bad_method).category();
    if (ec.category() == http_category && ec != http::error::end_of_stream &&
        ec != http::error::partial_message) {
      Send(ErrorResponse(400, "bad_request", "the request is not valid HTTP/1.1"), false, 0);
      return true;
    }
    return false;
  }

  void OnHeader(beast::error_code ec) {
    Disarm();
    waiting_ = false;
    if (ec) {
      if (!AnswerReadError(ec, "header")) Close();
      return;
    }
    started_ = std::chrono::steady_clock::now();
    if (parser_->is_done()) return Process();
    Arm(server_.options.body_timeout_ms);
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code e, size_t) {
                       self->Disarm();
                       if (e) {
                         if (!self->AnswerReadError(e, "body")) self->Close();
                         return;
                       }
                       self->Process();
                     });
  }

  void Process() {
    auto& req = parser_->get();
    Request request;
    request.method = std::string(req.method_string());
    request.target = std::string(req.target());
    request.authorization = std::string(req[http::field::authorization]);
    request.body = std::move(req.body());
    const bool keep_alive = req.keep_alive();
    version_ = req.version();
    // The answer may come from another thread (the ledger's writer) after
    // a stop has closed everything else: the work guard keeps the I/O
    // threads, and so the io_context, alive until it is posted back, and
    // the session is released before the guard (members are destroyed in
    // reverse order), never after the io_context is gone.
    struct InFlight {
      net::executor_work_guard<net::any_io_executor> work;
      std::shared_ptr<Session> self;
    };
    auto in_flight = std::make_shared<InFlight>(
        InFlight{net::make_work_guard(stream_.get_executor()), this->shared_from_this()});
    server_.api->Handle(request, [in_flight, keep_alive](Response response) {
      auto self = in_flight->self;
      // Inline when answered on the session's thread (reads); posted
      // when the writer's thread answers.
      net::dispatch(self->stream_.get_executor(),
                    [self, keep_alive, r = std::move(response)]() mutable {
                      self->Send(std::move(r), keep_alive, self->version_);
                    });
    });
  }

  // Sends `r`: a string body, or a file streamed from disk (large exports).
  void Send(Response r, bool keep_alive, unsigned version) {
    if (!r.file_path.empty()) return SendFile(std::move(r), keep_alive, version);
    auto res = std::make_shared<http::response<http::string_body>>();
    Prepare(*res, r, keep_alive, version);
    res->body() = std::move(r.body);
    res->prepare_payload();
    Write(res, std::move(r.remove_after_send));
  }

  void SendFile(Response r, bool keep_alive, unsigned version) {
    http::file_body::value_type file;
    beast::error_code ec;
    file.open(r.file_path.c_str(), beast::file_mode::scan, ec);
    if (ec) {
      RemoveNow(r.remove_after_send);
      return Send(ErrorResponse(500, "io_error", "the export could not be read back"), false,
                  version);
    }
    auto res = std::make_shared<http::response<http::file_body>>();
    Prepare(*res, r, keep_alive, version);
    res->body() = std::move(file);
    res->prepare_payload();
    Write(res, std::move(r.remove_after_send));
  }

  template <class Body>
  void Prepare(http::response<Body>& res, const Response& r, bool keep_alive, unsigned version) {
    res.version(version == 0 ? 11 : version);
    res.result(r.status);
    res.set(http::field::server, "lumbung");
    res.set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res.set(name, value);
    res.keep_alive(keep_alive && !stopping_ && !server_.stopping.load());
    if (started_.time_since_epoch().count() != 0) {
      const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started_)
                          .count();
      server_.metrics.RecordRequest(r.route.empty() ? "unmatched" : r.route, r.status,
                                    static_cast<uint64_t>(us));
    }
  }

  static void RemoveNow(const std::string& path) {
    if (path.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }

  template <class Message>
  void Write(const std::shared_ptr<Message>& res, std::string remove_after) {
    Arm(server_.options.write_timeout_ms);
    http::async_write(stream_, *res,
                      [self = this->shared_from_this(), res,
                       remove_after = std::move(remove_after)](beast::error_code ec, size_t) {
                        self->Disarm();
                        RemoveNow(remove_after);
                        self->started_ = {};
                        if (ec || res->need_eof()) return self->Close();
                        self->DoRead();
                      });
  }

  void Close() {
    if constexpr (kTls) {
      Arm(server_.options.write_timeout_ms);
      stream_.async_shutdown([self = this->shared_from_this()](beast::error_code) {
        self->Finish();
        beast::error_code ignored;
        beast::get_lowest_layer(self->stream_).socket().close(ignored);
      });
    } else {
      Finish();
      beast::error_code ignored;
      stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
      stream_.socket().close(ignored);
    }
  }

  // The last step of every session: the timer's pending wait (which holds
  // the session) ends now, not at its expiry.
  void Finish() {
    closed_ = true;
    Disarm();
    timer_.cancel();
  }

  Server::Impl& server_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  net::steady_timer timer_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point timer_expiry_{};  // of the pending wait, if timer_armed_
  bool timer_armed_ = false;
  bool closed_ = false;
  std::chrono::steady_clock::time_point started_{};
  unsigned version_ = 11;
  bool refuse_ = false;
  bool waiting_ = false;
  bool stopping_ = false;
  bool timed_out_ = false;
};

Result<tcp::endpoint> ParseListen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("--listen must be host:port");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  beast::error_code ec;
  const auto address = net::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("--listen: \"" + host + "\" is not an IP address");
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (...) {
    port = 70000;
  }
  if (port > 65535) return Status::InvalidArgument("--listen: bad port");
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

void Server::Impl::Accept() {
  net::io_context& context = *contexts[next_context++ % contexts.size()];
  acceptor.async_accept(
      context, [this](beast::error_code ec, tcp::socket s) { OnAccept(ec, std::move(s)); });
}

void Server::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec || stopping.load()) return;  // the acceptor was closed: stopping
  const bool refuse = open.load() >= options.connections_max;
  if (tls) {
    auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
        *this, refuse, std::move(socket), *tls);
    Register(s);
    s->Run();
  } else {
    auto s = std::make_shared<Session<beast::tcp_stream>>(*this, refuse, std::move(socket));
    Register(s);
    s->Run();
  }
  Accept();
}

void Server::Impl::RefreshTokens() {
  tokens.Refresh().IgnoreError();  // a bad edit keeps the tokens already loaded
  token_timer.expires_after(std::chrono::seconds(1));
  token_timer.async_wait([this](beast::error_code ec) {
    if (!ec && !stopping.load()) RefreshTokens();
  });
}

Result<std::unique_ptr<Server>> Server::Start(Ledger& ledger, TokenStore& tokens,
                                              const ServerOptions& options) {
  auto impl = std::make_unique<Impl>(ledger, tokens, options);
  LUMBUNG_ASSIGN_OR_RETURN(const tcp::endpoint endpoint, ParseListen(options.listen));
  const bool tls = options.tls_cert_file.has_value() && options.tls_key_file.has_value();
  if (!tls && !endpoint.address().is_loopback() && !options.insecure_listen) {
    return Status::FailedPrecondition(
        "plain HTTP is only served on loopback; give --tls-cert and --tls-key, or "
        "--insecure-listen to accept the risk");
  }
  if (tls) {
    impl->tls.emplace(ssl::context::tls_server);
    impl->tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                           ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                           ssl::context::no_tlsv1_1);
    beast::error_code ec;
    impl->tls->use_certificate_chain_file(*options.tls_cert_file, ec);
    if (!ec) impl->tls->use_private_key_file(*options.tls_key_file, ssl::context::pem, ec);
    if (ec) return Status::InvalidArgument("TLS certificate or key: " + ec.message());
  }
  impl->api = std::make_unique<Api>(ledger, tokens, impl->metrics, options.api);
  beast::error_code ec;
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + options.listen + ": " + ec.message());
  LUMBUNG_RETURN_IF_ERROR(tokens.Refresh());
  impl->Accept();
  impl->RefreshTokens();
  for (const auto& context : impl->contexts) {
    impl->idle_guards.push_back(net::make_work_guard(*context));
    impl->threads.emplace_back([io = context.get()] { io->run(); });
  }
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() {
  Stop();
  Wait();
}

uint16_t Server::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

bool Server::tls() const {
  return impl_->tls.has_value();
}
Api& Server::api() {
  return *impl_->api;
}

void Server::Stop() {
  if (impl_->stopping.exchange(true)) return;
  net::post(impl_->acceptor.get_executor(), [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  net::post(impl_->token_timer.get_executor(),
            [impl = impl_.get()] { impl->token_timer.cancel(); });
  {
    std::lock_guard<std::mutex> lock(impl_->sessions_mu);
    for (const auto& weak : impl_->sessions) {
      if (auto s = weak.lock()) s->Stop();
    }
  }
  // Last: each thread now ends when its sessions and posted stops are done.
  for (auto& guard : impl_->idle_guards) guard.reset();
}

void Server::Wait() {
  for (auto& t : impl_->threads) {
    if (t.joinable()) t.join();
  }
}

}  // namespace lumbung::api
