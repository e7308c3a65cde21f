// Routing for the API: path patterns with {params}, strict query-string
// parsing, bearer-token authentication and the role check of each route.

#ifndef LUMBUNG_API_SRC_ROUTES_H_
#define LUMBUNG_API_SRC_ROUTES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lumbung/api/api.h"
#include "lumbung/base/result.h"

namespace lumbung::api {

using Roles = uint8_t;  // a set of Role bits; kOpen: no token needed
inline constexpr Roles kOpen = 0;
inline constexpr Roles kPublic = static_cast<Roles>(Role::kPublic);
inline constexpr Roles kAuditor = static_cast<Roles>(Role::kAuditor);
inline constexpr Roles kOfficer = static_cast<Roles>(Role::kOfficer);

Result<uint64_t> ParseUint(std::string_view text, std::string_view name);
// The role and name of a bearer token (defined with Api::Impl in api.cc).
std::optional<TokenInfo> TokenLookup(Api::Impl& api, std::string_view token);
// The ledger the API serves (defined with Api::Impl in api.cc).
Ledger& ApiLedger(Api::Impl& api);

// A fresh temporary folder for an export, or IOError.
Result<std::string> MakeExportDir(std::string_view name_prefix);
// The answer to an export written into `dir`: the tar file at `tar_path`
// (downloaded as `prefix`.tar) when `written` is OK, else the error. `dir`
// is removed once the answer is sent, or at once on error.
Response TarFileResponse(const std::string& dir, const std::string& tar_path,
                         const std::string& prefix, const Status& written);

// Query parameters. Unknown names are refused by the router (a typo must
// not silently become a default).
class Params {
 public:
  static Result<Params> Parse(std::string_view query);
  const std::string* Get(const std::string& name) const;
  Result<std::optional<uint64_t>> Uint(const std::string& name) const;
  const std::map<std::string, std::string>& all() const { return values_; }

 private:
  std::map<std::string, std::string> values_;
};

struct Call {
  Api::Impl& api;
  const Request& request;
  Params params;
  std::map<std::string, std::string> path_params;
  Respond respond;
  Role role = Role::kPublic;
  std::string token_name;
  const std::string& path(const std::string& name) const { return path_params.at(name); }
  Metrics::Gauges gauges() const;
};

using Handler = std::function<void(Call&)>;

class Router {
 public:
  // `params` lists the query parameters the route accepts.
  void Add(std::string method, std::string pattern, Roles roles, Handler handler,
           std::vector<std::string> params = {});
  void Dispatch(Api::Impl& api, const Request& request, Respond respond) const;
  std::vector<std::string> Patterns() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Roles roles;
    Handler handler;
    std::vector<std::string> params;
  };
  bool Match(const Route& route, const std::vector<std::string>& segments,
             std::map<std::string, std::string>* out) const;
  std::vector<Route> routes_;
};

}  // namespace lumbung::api

#endif  // LUMBUNG_API_SRC_ROUTES_H_
