#include "api_fixture.h"

#include <filesystem>
#include <future>

#include <catch2/catch.hpp>

#include "lumbung/audit/chain.h"
#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/receipt.h"

#include "seed_events.h"

namespace lumbung::testing {

using api::Role;

namespace {

// The receipt code of entry `seq`.
std::string ReceiptOf(const Ledger& ledger, uint64_t seq) {
  audit::VerifiedEntry entry;
  REQUIRE(ledger.Snapshot()->GetEntry(seq, &entry).ok());
  return ReceiptCode(audit::LeafHash(entry.bytes()));
}

}  // namespace

ApiFixture::ApiFixture(api::ApiLimits limits, LedgerOptions options) {
  REQUIRE(Ledger::Init(dir_.path(), "lumbung.example/api-test").ok());
  auto ledger = Ledger::Open(dir_.path(), std::move(options));
  REQUIRE(ledger.ok());
  ledger_ = std::move(*ledger);
  token_store_ = std::make_unique<api::TokenStore>(dir_.path() + "/keys/tokens");
  for (Role role : {Role::kOfficer, Role::kAuditor, Role::kPublic}) {
    auto token = token_store_->Add(role, std::string(api::RoleName(role)));
    REQUIRE(token.ok());
    tokens_[role] = *token;
  }
  api_ = std::make_unique<api::Api>(*ledger_, *token_store_, metrics_, limits);
}

ApiFixture::~ApiFixture() {
  api_.reset();
  ledger_.reset();
}

void ApiFixture::Seed() {
  std::vector<EventInput> batch;
  for (std::string_view e : testing::kSeedEvents) batch.push_back(DecodeEventJson(e));
  REQUIRE(ledger_->Append(std::move(batch), "seed").ok());
  REQUIRE(SignCheckpoint(*ledger_).ok());
}

api::Response ApiFixture::CallRaw(const std::string& method, const std::string& target,
                                  const std::string& authorization, const std::string& body) {
  std::promise<api::Response> promise;
  auto future = promise.get_future();
  api_->Handle(api::Request{method, target, authorization, body},
               [&promise](api::Response r) { promise.set_value(std::move(r)); });
  api::Response r = future.get();
  if (!r.remove_after_send.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(r.remove_after_send, ec);
  }
  return r;
}

api::Response ApiFixture::Call(const std::string& method, const std::string& target,
                               const std::string& token, const std::string& body) {
  return CallRaw(method, target, token.empty() ? "" : "Bearer " + token, body);
}

std::vector<ApiFixture::RouteCase> ApiFixture::Cases() {
  const std::set<Role> all = {Role::kOfficer, Role::kAuditor, Role::kPublic};
  const std::set<Role> readers = {Role::kOfficer, Role::kAuditor};
  const std::set<Role> officer = {Role::kOfficer};
  std::vector<RouteCase> cases = {
      {"GET", "/healthz", {}, true},
      {"GET", "/metrics", readers},
      {"GET", "/v1/entries?from=0&limit=5", readers},
      {"GET", "/v1/entries/3", readers},
      {"GET", "/v1/accounts/program:pkh?as_of_seq=4", readers},
      {"GET", "/v1/accounts/beneficiary:pkh:hh-1/history", readers},
      {"GET", "/v1/programs/pkh", readers},
      {"GET", "/v1/programs/pkh/cycles/2026-01", readers},
      {"GET", "/v1/beneficiaries/pkh/hh-1", readers},
      {"GET", "/v1/groups/kube?as_of=2026-02-01", readers},
      {"GET", "/v1/loans/l1?as_of=2026-02-01", readers},
      {"GET", "/v1/portfolio?as_of=2026-02-01", readers},
      {"GET", "/v1/checkpoint", all},
      {"POST", "/v1/checkpoints", officer},
      {"GET", "/v1/proofs/inclusion?seq=2", all},
      {"GET", "/v1/proofs/consistency?old=2", all},
      {"GET", "/v1/exports/bundle", readers},
      {"GET", "/v1/exports/oversight", all},
      {"GET", "/v1/receipts/" + ReceiptOf(*ledger_, 5), all},
  };
  RouteCase post{"POST", "/v1/events", officer};
  post.body = [this] {
    return R"({"type":"FundsAllocated","event_id":"route-)" + std::to_string(next_event_++) +
           R"(","effective_date":"2026-01-07","program_id":"pkh","funder":"apbn","amount":1,"reference":"r"})";
  };
  cases.push_back(post);
  return cases;
}

}  // namespace lumbung::testing
