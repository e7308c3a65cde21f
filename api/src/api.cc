// Request handling for the HTTP API: authentication, routing and endpoints.

#include "lumbung/api/api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include <nlohmann/json.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/base/text.h"
#include "lumbung/export/bundle.h"
#include "lumbung/export/bundle_replay.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/domain/rows.h"
#include "lumbung/ledger/event_json.h"
#include "lumbung/ledger/pii.h"
#include "lumbung/ledger/projection.h"
#include "lumbung/ledger/proof.h"
#include "lumbung/ledger/query.h"
#include "lumbung/ledger/receipt.h"

#include "oversight_routes.h"
#include "routes.h"
#include <stdlib.h>

namespace lumbung::api {

using nlohmann::ordered_json;

Response ErrorResponse(unsigned status, std::string_view code, std::string_view message,
                       std::string_view field, int64_t index) {
  ordered_json error = {{"code", std::string(code)},
                        {"message", std::string(message)},
                        {"field", std::string(field)}};
  if (index >= 0) error["index"] = index;
  Response r;
  r.status = status;
  r.body = DumpJson(ordered_json{{"error", error}});
  return r;
}

unsigned HttpStatus(const Status& status) {
  switch (status.code()) {
    case Code::kOk: return 200;
    case Code::kRejected:
      if (status.reason() == "event_id_conflict") return 409;
      if (status.reason() == "malformed_json" || status.reason() == "batch_too_large" ||
          status.reason() == "empty_batch") {
        return 400;
      }
      return 422;  // understood, but it breaks a shape or domain rule
    case Code::kNotFound: return 404;
    case Code::kInvalidArgument: return 400;
    case Code::kBusy: return 503;
    case Code::kFailedPrecondition: return 409;
    case Code::kCorruption:
    case Code::kIOError:
    case Code::kInternal: return 500;
  }
  return 500;
}

Response FromStatus(const Status& status) {
  Response r = ErrorResponse(HttpStatus(status), status.reason(), status.message(), status.field(),
                             status.index());
  if (status.IsBusy()) r.headers.emplace_back("Retry-After", "1");
  return r;
}

namespace {

// Runs Ledger::PurgeErasedPersonalData on its own thread, off the I/O
// threads, after an erasure posted over HTTP has committed. Requests that
// arrive while a purge runs fold into one more run. The writer's
// completion callbacks hold only the shared Signal, which outlives the
// worker harmlessly: the ledger may finish queued appends after the Api is
// gone (an erasure acknowledged then is purged by the next purge).
class PurgeWorker {
 public:
  struct Signal {
    std::mutex mu;
    std::condition_variable cv;
    bool requested = false;  // guarded by mu
    bool stopping = false;   // guarded by mu
    void Request() {
      {
        std::lock_guard<std::mutex> lock(mu);
        requested = true;
      }
      cv.notify_all();
    }
  };

  explicit PurgeWorker(Ledger& ledger)
      : ledger_(ledger), signal_(std::make_shared<Signal>()), thread_([this] { Loop(); }) {}
  ~PurgeWorker() {
    {
      std::lock_guard<std::mutex> lock(signal_->mu);
      signal_->stopping = true;
    }
    signal_->cv.notify_all();
    thread_.join();
  }
  PurgeWorker(const PurgeWorker&) = delete;
  PurgeWorker& operator=(const PurgeWorker&) = delete;

  const std::shared_ptr<Signal>& signal() const { return signal_; }

 private:
  // A purge answers Busy while a reader holds a view from before the
  // erasure; a few spaced attempts outlast any request's snapshot.
  static constexpr int kAttemptsMax = 10;
  static constexpr auto kRetryDelay = std::chrono::seconds(1);

  void Loop() {
    std::unique_lock<std::mutex> lock(signal_->mu);
    for (;;) {
      signal_->cv.wait(lock, [this] { return signal_->requested || signal_->stopping; });
      if (!signal_->requested) return;  // stopping, nothing asked
      signal_->requested = false;
      lock.unlock();
      Purge();
      lock.lock();
    }
  }

  void Purge() {
    Status st;
    for (int attempt = 1; attempt <= kAttemptsMax; ++attempt) {
      st = ledger_.PurgeErasedPersonalData();
      if (!st.IsBusy()) break;
      std::unique_lock<std::mutex> lock(signal_->mu);
      if (signal_->cv.wait_for(lock, kRetryDelay, [this] { return signal_->stopping; })) break;
    }
    if (!st.ok()) {
      std::cerr << "lumbung: purging erased personal data from storage failed: " << st.ToString()
                << std::endl;
    }
  }

  Ledger& ledger_;
  std::shared_ptr<Signal> signal_;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace

struct Api::Impl {
  Impl(Ledger& l, TokenStore& t, Metrics& m, ApiLimits lim)
      : ledger(l), tokens(t), metrics(m), limits(lim), purge(l) {}
  Ledger& ledger;
  TokenStore& tokens;
  Metrics& metrics;
  ApiLimits limits;
  PurgeWorker purge;
  Router router;
  Api* api = nullptr;
  std::function<uint64_t()> connections;
  void Register();
};

namespace {

Response Json(const ordered_json& body, unsigned status = 200) {
  Response r;
  r.status = status;
  r.body = DumpJson(body);
  return r;
}

Response Text(std::string body) {
  Response r;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

Response JsonOrError(Result<ordered_json> result) {
  return result.ok() ? Json(*result) : FromStatus(result.status());
}

// Query options from ?as_of_seq= and ?as_of=.
Result<query::Options> QueryOptions(const Params& p) {
  query::Options o;
  if (auto seq = p.Uint("as_of_seq"); !seq.ok()) {
    return seq.status();
  } else if (seq->has_value()) {
    o.as_of_seq = **seq;
  }
  if (const auto* date = p.Get("as_of")) {
    if (!ParseDate(*date)) {
      return Status::Rejected("invalid_date", "as_of", "as_of must be a date YYYY-MM-DD");
    }
    o.as_of_date = *date;
  }
  if (const auto* region = p.Get("region")) o.region_prefix = *region;
  if (const auto* group = p.Get("group")) o.group_id = *group;
  return o;
}

ordered_json ReceiptJson(const Receipt& r) {
  return {{"seq", r.seq},
          {"event_id", r.event_id},
          {"leaf_hash", audit::ToHex(r.leaf_hash)},
          {"receipt", ReceiptCode(r.leaf_hash)}};
}

ordered_json EntryJson(uint64_t seq, const audit::VerifiedEntry& e) {
  return {{"seq", seq},
          {"leaf_hash", audit::ToHex(audit::LeafHash(e.bytes()))},
          {"entry", audit::Base64Encode(e.bytes())},
          {"event", EventBodyToJsonValue(e.body())},
          {"recorded_at_ms", e.entry().recorded_at_ms()},
          {"actor", e.entry().actor()->str()}};
}

void PostEvents(Call& c) {
  std::vector<EventInput> events = DecodeEventBatchJson(c.request.body);
  const bool single = !c.request.body.empty() &&
                      c.request.body.find_first_not_of(" \t\r\n") != std::string::npos &&
                      c.request.body[c.request.body.find_first_not_of(" \t\r\n")] == '{';
  if (events.size() > c.api.limits.batch_events_max) {
    return c.respond(ErrorResponse(
        413, "batch_too_large",
        "a batch holds at most " + std::to_string(c.api.limits.batch_events_max) + " events"));
  }
  const std::string actor = "token:" + c.token_name;
  auto respond = c.respond;
  // An erasure deleted a vault row; its bytes leave the disk once the
  // batch has committed, on the purge worker.
  std::shared_ptr<PurgeWorker::Signal> purge;
  if (std::any_of(events.begin(), events.end(),
                  [](const EventInput& e) { return IsPersonalDataErasure(e); })) {
    purge = c.api.purge.signal();
  }
  c.api.ledger.AppendAsync(std::move(events), actor,
                           [respond, single, purge](Result<std::vector<Receipt>> result) {
                             if (!result.ok()) return respond(FromStatus(result.status()));
                             if (purge) purge->Request();
                             if (single && result->size() == 1) {
                               return respond(Json(ReceiptJson(result->front()), 201));
                             }
                             ordered_json out = ordered_json::array();
                             for (const Receipt& r : *result) out.push_back(ReceiptJson(r));
                             respond(Json(out, 201));
                           });
}

// A beneficiary's statement; with ?show_pii=true (officers only) also the
// personal data held for them (query::Beneficiary).
void GetBeneficiary(Call& c) {
  auto o = QueryOptions(c.params);
  if (!o.ok()) return c.respond(FromStatus(o.status()));
  const std::string* show = c.params.Get("show_pii");
  if (show != nullptr && *show != "true" && *show != "false") {
    return c.respond(
        ErrorResponse(400, "invalid_field", "show_pii must be true or false", "show_pii"));
  }
  Secret key{};
  if (show != nullptr && *show == "true") {
    if (c.role != Role::kOfficer) {
      return c.respond(ErrorResponse(403, "forbidden",
                                     "only the officer role may see personal data", "show_pii"));
    }
    auto loaded = LoadSecret(PiiKeyPath(c.api.ledger.dir()));
    if (!loaded.ok()) return c.respond(FromStatus(loaded.status()));
    key = *loaded;
    o->pii_master_key = &key;
  }
  Response r = JsonOrError(
      query::Beneficiary(*c.api.ledger.Snapshot(), c.path("program"), c.path("id"), *o));
  // Personal data must not linger in a proxy's or browser's cache.
  if (o->pii_master_key != nullptr) r.headers.emplace_back("Cache-Control", "no-store");
  c.respond(std::move(r));
}

void GetEntries(Call& c) {
  auto from = c.params.Uint("from");
  auto limit = c.params.Uint("limit");
  if (!from.ok()) return c.respond(FromStatus(from.status()));
  if (!limit.ok()) return c.respond(FromStatus(limit.status()));
  const uint64_t n = std::min<uint64_t>(limit->value_or(100), c.api.limits.entries_page_max);
  auto snapshot = c.api.ledger.Snapshot();
  ordered_json out = ordered_json::array();
  audit::VerifiedEntry e;
  Status st =
      snapshot->ScanEntries(from->value_or(0), n, [&](uint64_t seq, std::string_view bytes) {
        Status loaded = e.Load(bytes);
        if (!loaded.ok()) return std::move(loaded).WithSeq(static_cast<int64_t>(seq));
        out.push_back(EntryJson(seq, e));
        return Status();
      });
  c.respond(st.ok() ? Json(out) : FromStatus(st));
}

void GetHistory(Call& c) {
  auto o = QueryOptions(c.params);
  if (!o.ok()) return c.respond(FromStatus(o.status()));
  const std::string& account = c.path("id");
  auto snapshot = c.api.ledger.Snapshot();
  const uint64_t upto = o->as_of_seq.value_or(snapshot->size());
  ordered_json items = ordered_json::array();
  std::string unit;
  Status st = ScanProjectionRows(
      *snapshot, domain::HistoryPrefix(account), [&](std::string_view, std::string_view value) {
        std::vector<domain::HistoryItem> rows;
        LUMBUNG_RETURN_IF_ERROR(domain::DecodeHistory(value, &unit, &rows));
        for (const auto& item : rows) {
          if (item.seq >= upto) break;
          items.push_back({{"seq", item.seq}, {"balance", item.balance}});
        }
        return Status();
      });
  if (!st.ok()) return c.respond(FromStatus(st));
  if (items.empty()) {
    return c.respond(FromStatus(Status::NotFound("no entry has touched account " + account)));
  }
  c.respond(Json({{"account", account}, {"unit", unit}, {"as_of_seq", upto}, {"entries", items}}));
}

void GetInclusion(Call& c) {
  auto seq = c.params.Uint("seq");
  auto size = c.params.Uint("size");
  if (!seq.ok()) return c.respond(FromStatus(seq.status()));
  if (!size.ok()) return c.respond(FromStatus(size.status()));
  if (!seq->has_value()) {
    return c.respond(ErrorResponse(400, "missing_field", "seq is required", "seq"));
  }
  auto proof = ProveInclusion(*c.api.ledger.Snapshot(), **seq, *size);
  if (!proof.ok()) return c.respond(FromStatus(proof.status()));
  Response r;
  r.body = InclusionProofJson(*proof);
  c.respond(std::move(r));
}

void GetConsistency(Call& c) {
  auto old_size = c.params.Uint("old");
  auto new_size = c.params.Uint("new");
  if (!old_size.ok()) return c.respond(FromStatus(old_size.status()));
  if (!new_size.ok()) return c.respond(FromStatus(new_size.status()));
  if (!old_size->has_value()) {
    return c.respond(ErrorResponse(400, "missing_field", "old is required", "old"));
  }
  auto proof = ProveConsistency(*c.api.ledger.Snapshot(), **old_size, *new_size);
  if (!proof.ok()) return c.respond(FromStatus(proof.status()));
  Response r;
  r.body = ConsistencyProofJson(*proof);
  c.respond(std::move(r));
}

}  // namespace

Result<std::string> MakeExportDir(std::string_view name_prefix) {
  std::string dir =
      (std::filesystem::temp_directory_path() / (std::string(name_prefix) + "-XXXXXX")).string();
  if (::mkdtemp(dir.data()) == nullptr) return Status::IOError("cannot make a temporary folder");
  return dir;
}

Response TarFileResponse(const std::string& dir, const std::string& tar_path,
                         const std::string& prefix, const Status& written) {
  if (!written.ok()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return FromStatus(written);
  }
  Response r;
  r.content_type = "application/x-tar";
  r.headers.emplace_back("Content-Disposition", "attachment; filename=\"" + prefix + ".tar\"");
  r.file_path = tar_path;
  r.remove_after_send = dir;
  return r;
}

namespace {

// The auditor bundle as a tar. Written off the I/O threads (a large ledger
// takes seconds), one export at a time: a second request meanwhile is told
// to retry (503).
Response BundleTar(Ledger& ledger) {
  auto cp = exports::ChooseBundleCheckpoint(ledger, std::nullopt);
  if (!cp.ok()) return FromStatus(cp.status());
  auto dir = MakeExportDir("lumbung-bundle");
  if (!dir.ok()) return FromStatus(dir.status());
  exports::BundleOptions options;
  options.balances = exports::LedgerBalances();
  auto info = exports::WriteBundle(*ledger.Snapshot(), *cp, *dir + "/bundle", options);
  const std::string prefix = "lumbung-bundle-" + std::to_string(cp->size);
  const Status st = info.ok() ? exports::WriteBundleTarFile(*dir + "/bundle", prefix,
                                                            info->last_recorded_at_ms / 1000,
                                                            *dir + "/bundle.tar")
                              : info.status();
  return TarFileResponse(*dir, *dir + "/bundle.tar", prefix, st);
}

void GetBundle(Call& c) {
  static std::atomic<bool> running{false};
  if (running.exchange(true)) {
    return c.respond(FromStatus(Status::Busy("an export is already being written; retry shortly")));
  }
  std::thread([&ledger = c.api.ledger, respond = c.respond] {
    Response r = BundleTar(ledger);
    running.store(false);
    respond(std::move(r));
  }).detach();
}

// How long ago the newest entry a checkpoint covers was recorded: how stale
// the signed view of the log is (the note itself carries no time).
int64_t CheckpointAgeSeconds(const LedgerSnapshot& snapshot, const SignedCheckpoint& cp) {
  audit::VerifiedEntry last;
  if (cp.size == 0 || !snapshot.GetEntry(cp.size - 1, &last).ok()) return -1;
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  return std::max<int64_t>(0, (now_ms - last.entry().recorded_at_ms()) / 1000);
}

}  // namespace

Api::Api(Ledger& ledger, TokenStore& tokens, Metrics& metrics, ApiLimits limits)
    : impl_(std::make_unique<Impl>(ledger, tokens, metrics, limits)) {
  impl_->api = this;
  impl_->Register();
}

Api::~Api() = default;

void Api::Handle(const Request& request, Respond respond) {
  impl_->router.Dispatch(*impl_, request, std::move(respond));
}

std::vector<std::string> Api::Routes() const {
  return impl_->router.Patterns();
}

Metrics::Gauges Api::SampleGauges() const {
  Metrics::Gauges g;
  const WriterStats s = impl_->ledger.stats();
  g.writer_queue_depth = s.queue_depth;
  g.commit_groups = s.groups;
  g.last_group_events = s.last_group_events;
  g.folds = s.folds;
  g.entries = impl_->ledger.size();
  auto snapshot = impl_->ledger.Snapshot();
  auto cp = LatestCheckpoint(*snapshot);
  if (cp.ok()) {
    g.last_checkpoint_size = cp->size;
    g.last_checkpoint_age_seconds = CheckpointAgeSeconds(*snapshot, *cp);
  }
  g.open_connections = impl_->connections ? impl_->connections() : 0;
  g.storage = impl_->ledger.storage_stats();
  return g;
}

void Api::SetConnectionCounter(std::function<uint64_t()> counter) {
  impl_->connections = std::move(counter);
}

std::optional<TokenInfo> TokenLookup(Api::Impl& api, std::string_view token) {
  return api.tokens.Lookup(token);
}

Ledger& ApiLedger(Api::Impl& api) {
  return api.ledger;
}

Metrics::Gauges Call::gauges() const {
  return api.api->SampleGauges();
}

void Api::Impl::Register() {
  constexpr Roles kAll = kOfficer | kAuditor | kPublic;
  constexpr Roles kReaders = kOfficer | kAuditor;
  Router& r = router;
  r.Add("GET", "/healthz", kOpen, [](Call& c) {
    c.respond(Json({{"status", "ok"}, {"entries", c.api.ledger.size()}}));
  });
  r.Add("GET", "/metrics", kReaders, [](Call& c) {
    Response resp;
    resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
    resp.body = c.api.metrics.Render(c.gauges());
    c.respond(std::move(resp));
  });
  r.Add("POST", "/v1/events", kOfficer, [](Call& c) { PostEvents(c); });
  r.Add("GET", "/v1/entries", kReaders, [](Call& c) { GetEntries(c); }, {"from", "limit"});
  r.Add("GET", "/v1/entries/{seq}", kReaders, [](Call& c) {
    auto seq = ParseUint(c.path("seq"), "seq");
    if (!seq.ok()) return c.respond(FromStatus(seq.status()));
    audit::VerifiedEntry e;
    Status st = c.api.ledger.Snapshot()->GetEntry(*seq, &e);
    c.respond(st.ok() ? Json(EntryJson(*seq, e)) : FromStatus(st));
  });
  r.Add("GET", "/v1/accounts/{id}", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          auto b = query::Balance(*c.api.ledger.Snapshot(), c.path("id"), *o);
          c.respond(b.ok() ? Json(query::BalanceJson(*b, o->as_of_seq)) : FromStatus(b.status()));
        },
        {"as_of_seq"});
  r.Add("GET", "/v1/accounts/{id}/history", kReaders, [](Call& c) { GetHistory(c); },
        {"as_of_seq"});
  r.Add("GET", "/v1/programs/{id}", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          c.respond(JsonOrError(query::Program(*c.api.ledger.Snapshot(), c.path("id"), *o)));
        },
        {"as_of_seq", "region"});
  r.Add("GET", "/v1/programs/{id}/cycles/{cycle}", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          c.respond(JsonOrError(
              query::Cycle(*c.api.ledger.Snapshot(), c.path("id"), c.path("cycle"), *o)));
        },
        {"as_of_seq"});
  r.Add("GET", "/v1/beneficiaries/{program}/{id}", kReaders, [](Call& c) { GetBeneficiary(c); },
        {"as_of_seq", "show_pii"});
  r.Add("GET", "/v1/groups/{id}", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          c.respond(JsonOrError(query::Group(*c.api.ledger.Snapshot(), c.path("id"), *o)));
        },
        {"as_of_seq", "as_of"});
  r.Add("GET", "/v1/loans/{id}", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          c.respond(JsonOrError(query::Loan(*c.api.ledger.Snapshot(), c.path("id"), *o)));
        },
        {"as_of_seq", "as_of"});
  r.Add("GET", "/v1/portfolio", kReaders,
        [](Call& c) {
          auto o = QueryOptions(c.params);
          if (!o.ok()) return c.respond(FromStatus(o.status()));
          c.respond(JsonOrError(query::Portfolio(*c.api.ledger.Snapshot(), *o)));
        },
        {"as_of_seq", "as_of", "group"});
  r.Add("GET", "/v1/checkpoint", kAll, [](Call& c) {
    auto cp = LatestCheckpoint(*c.api.ledger.Snapshot());
    c.respond(cp.ok() ? Text(cp->note) : FromStatus(cp.status()));
  });
  r.Add("POST", "/v1/checkpoints", kOfficer, [](Call& c) {
    auto cp = SignCheckpoint(c.api.ledger);
    if (!cp.ok()) return c.respond(FromStatus(cp.status()));
    Response resp = Text(cp->note);
    resp.status = 201;
    c.respond(std::move(resp));
  });
  r.Add("GET", "/v1/proofs/inclusion", kAll, [](Call& c) { GetInclusion(c); }, {"seq", "size"});
  r.Add("GET", "/v1/proofs/consistency", kAll, [](Call& c) { GetConsistency(c); }, {"old", "new"});
  r.Add("GET", "/v1/exports/bundle", kReaders, [](Call& c) { GetBundle(c); });
  r.Add("GET", "/v1/exports/oversight", kAll, [](Call& c) { GetOversight(c); }, {"program"});
  r.Add("GET", "/v1/receipts/{code}", kAll, [](Call& c) { GetReceipt(c); });
}

}  // namespace lumbung::api
