#include <filesystem>
#include <iostream>

#include "lumbung/api/server.h"
#include "lumbung/api/tokens.h"

#include "cli.h"
#include <signal.h>

namespace lumbung::cli {
namespace {

struct ServeArgs {
  api::ServerOptions server;
  size_t queue_depth = limits::kWriterQueueRequestsMax;
  bool print_tokens = false;
};

std::string TokenPath(const Context& ctx) {
  return ctx.data_dir + "/keys/tokens";
}

// Replaces the tokens named serve-<role> with fresh ones and prints them:
// the quick start shows a working token for each role, and an old one from
// an earlier run stops working.
Status PrintFreshTokens(api::TokenStore& tokens, const std::string& url) {
  std::cout << "lumbung is serving " << url << "\n";
  for (api::Role role : {api::Role::kOfficer, api::Role::kAuditor, api::Role::kPublic}) {
    const std::string name = "serve-" + std::string(api::RoleName(role));
    LUMBUNG_RETURN_IF_ERROR(tokens.RemoveByName(name).status());
    LUMBUNG_ASSIGN_OR_RETURN(const std::string token, tokens.Add(role, name));
    std::cout << "  " << api::RoleName(role) << " token: " << token << "\n";
  }
  std::cout << "try: curl -H 'Authorization: Bearer <auditor token>' " << url << "/v1/checkpoint"
            << std::endl;
  return Status();
}

int Serve(const Context& ctx, const ServeArgs& args) {
  // Block the stop signals in every thread; this one waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  LedgerOptions options;
  options.queue_requests_max = args.queue_depth;
  auto ledger = Ledger::Open(ctx.data_dir, options);
  if (!ledger.ok()) return ReportError(ledger.status());
  api::TokenStore tokens(TokenPath(ctx));
  auto server = api::Server::Start(**ledger, tokens, args.server);
  if (!server.ok()) return ReportError(server.status());
  const std::string host = args.server.listen.substr(0, args.server.listen.rfind(':'));
  const std::string url = std::string((*server)->tls() ? "https" : "http") + "://" + host + ":" +
                          std::to_string((*server)->port());
  if (args.print_tokens) {
    Status st = PrintFreshTokens(tokens, url);
    if (!st.ok()) return ReportError(st);
  } else {
    std::cout << "lumbung is serving " << url << " (tokens: lumbung token add --role ROLE)"
              << std::endl;
  }
  int signal = 0;
  sigwait(&stop_signals, &signal);
  std::cerr << "lumbung: stopping (finishing requests in flight)" << std::endl;
  (*server)->Stop();
  (*server)->Wait();
  server->reset();
  ledger->reset();  // drains the writer: every acknowledged event is on disk
  std::cerr << "lumbung: stopped" << std::endl;
  return kExitOk;
}

}  // namespace

void AddServeCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("serve", "serve the ledger over HTTP (JSON API under /v1)");
  auto args = std::make_shared<ServeArgs>();
  api::ServerOptions& s = args->server;
  cmd->add_option("--listen", s.listen, "address:port to listen on")->capture_default_str();
  cmd->add_flag("--insecure-listen", s.insecure_listen,
                "allow plain HTTP on an address other than loopback");
  cmd->add_option("--tls-cert", s.tls_cert_file, "PEM certificate chain (enables TLS)");
  cmd->add_option("--tls-key", s.tls_key_file, "PEM private key");
  cmd->add_option("--threads", s.io_threads, "I/O threads")->capture_default_str();
  cmd->add_option("--max-connections", s.connections_max, "open connections")
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", s.body_bytes_max, "request body")->capture_default_str();
  cmd->add_option("--max-batch-events", s.api.batch_events_max, "events per POST /v1/events")
      ->capture_default_str();
  cmd->add_option("--header-timeout-ms", s.header_timeout_ms, "request header (and idle) timeout")
      ->capture_default_str();
  cmd->add_option("--body-timeout-ms", s.body_timeout_ms, "request body timeout")
      ->capture_default_str();
  cmd->add_option("--write-timeout-ms", s.write_timeout_ms, "response timeout")
      ->capture_default_str();
  cmd->add_option("--queue-depth", args->queue_depth, "writer queue; a full queue answers 503")
      ->capture_default_str();
  cmd->add_flag("--print-tokens", args->print_tokens,
                "issue and print a fresh token for each role (for the quick start)");
  cmd->callback([&ctx, args] {
    ctx.run = [&ctx, args] {
      if (args->server.tls_cert_file.has_value() != args->server.tls_key_file.has_value()) {
        return ReportError(Status::InvalidArgument("--tls-cert and --tls-key go together"));
      }
      return Serve(ctx, *args);
    };
  });
}

void AddTokenCommands(CLI::App& app, Context& ctx) {
  auto* cmd = app.add_subcommand("token", "manage API bearer tokens");
  cmd->require_subcommand(1);
  auto* add = cmd->add_subcommand("add", "create a token; it is printed once and stored hashed");
  auto role = std::make_shared<std::string>();
  auto name = std::make_shared<std::string>();
  add->add_option("--role", *role, "officer, auditor or public")
      ->required()
      ->check(CLI::IsMember({"officer", "auditor", "public"}));
  add->add_option("--name", *name, "a name to recognise the token by");
  add->callback([&ctx, role, name] {
    ctx.run = [&ctx, role, name] {
      if (!std::filesystem::exists(ctx.data_dir + "/keys")) {
        return ReportError(Status::FailedPrecondition("no ledger in " + ctx.data_dir));
      }
      api::TokenStore tokens(TokenPath(ctx));
      auto token = tokens.Add(*api::RoleFromName(*role), name->empty() ? *role : *name);
      if (!token.ok()) return ReportError(token.status());
      std::cout << *token << std::endl;
      std::cerr << "lumbung: " << *role << " token created; it is shown only now" << std::endl;
      return kExitOk;
    };
  });
  auto* remove = cmd->add_subcommand("remove", "revoke every token with this name");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("--name", *remove_name, "the token's name")->required();
  remove->callback([&ctx, remove_name] {
    ctx.run = [&ctx, remove_name] {
      api::TokenStore tokens(TokenPath(ctx));
      auto removed = tokens.RemoveByName(*remove_name);
      if (!removed.ok()) return ReportError(removed.status());
      std::cout << *removed << " token(s) removed" << std::endl;
      return kExitOk;
    };
  });
}

}  // namespace lumbung::cli
