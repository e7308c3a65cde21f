// A ledger, tokens for every role and an Api, for tests of the HTTP API.

#ifndef LUMBUNG_TESTS_API_FIXTURE_H_
#define LUMBUNG_TESTS_API_FIXTURE_H_

#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "lumbung/api/api.h"
#include "lumbung/api/tokens.h"
#include "lumbung/ledger/ledger.h"

#include "test_util.h"

namespace lumbung::testing {

class ApiFixture {
 public:
  explicit ApiFixture(api::ApiLimits limits = {}, LedgerOptions options = {});
  ~ApiFixture();

  // Records a programme with budget, cycle, beneficiary and a payment, a
  // group with capital, a member and a loan, and signs a checkpoint.
  void Seed();

  api::Response Call(const std::string& method, const std::string& target, const std::string& token,
                     const std::string& body = "");
  api::Response CallRaw(const std::string& method, const std::string& target,
                        const std::string& authorization, const std::string& body = "");

  struct RouteCase {
    std::string method;
    std::string target;  // a concrete target for the seeded ledger
    std::set<api::Role> roles;
    bool open = false;
    std::function<std::string()> body = [] { return std::string(); };
  };
  // One case per registered route.
  std::vector<RouteCase> Cases();

  const std::map<api::Role, std::string>& tokens() const { return tokens_; }
  Ledger& ledger() { return *ledger_; }
  api::Api& api() { return *api_; }
  api::TokenStore& token_store() { return *token_store_; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<api::TokenStore> token_store_;
  api::Metrics metrics_;
  std::unique_ptr<api::Api> api_;
  std::map<api::Role, std::string> tokens_;
  int next_event_ = 0;
};

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_API_FIXTURE_H_
