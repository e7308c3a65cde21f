#include "routes.h"

#include <algorithm>

namespace lumbung::api {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Strict percent-decoding (RFC 3986); '+' means a space in queries only.
Result<std::string> Decode(std::string_view s, bool query) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const bool room = i + 2 < s.size();
      const int hi = room ? HexDigit(s[i + 1]) : -1;
      const int lo = room ? HexDigit(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Status::InvalidArgument("bad percent-encoding in the request target");
      }
      out += static_cast<char>(hi << 4 | lo);
      i += 2;
    } else if (query && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> out;
  size_t start = 1;  // past the leading '/'
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    out.emplace_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

Response Authenticate(Api::Impl& api, const Request& request, Roles roles, Role* role,
                      std::string* name, bool* ok);

}  // namespace

Result<uint64_t> ParseUint(std::string_view text, std::string_view name) {
  uint64_t v = 0;
  if (text.empty() || text.size() > 19) {
    return Status::Rejected("invalid_field", name, std::string(name) + " must be a whole number");
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Status::Rejected("invalid_field", name, std::string(name) + " must be a whole number");
    }
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

Result<Params> Params::Parse(std::string_view query) {
  Params p;
  size_t start = 0;
  while (start < query.size()) {
    const size_t amp = std::min(query.find('&', start), query.size());
    const std::string_view pair = query.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    LUMBUNG_ASSIGN_OR_RETURN(std::string key, Decode(pair.substr(0, eq), true));
    LUMBUNG_ASSIGN_OR_RETURN(std::string value,
                             Decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true));
    if (p.values_.contains(key)) {
      return Status::Rejected("invalid_field", key, "query parameter " + key + " appears twice");
    }
    p.values_.emplace(std::move(key), std::move(value));
  }
  return p;
}

const std::string* Params::Get(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

Result<std::optional<uint64_t>> Params::Uint(const std::string& name) const {
  const std::string* v = Get(name);
  if (v == nullptr) return std::optional<uint64_t>();
  LUMBUNG_ASSIGN_OR_RETURN(const uint64_t n, ParseUint(*v, name));
  return std::optional<uint64_t>(n);
}

void Router::Add(std::string method, std::string pattern, Roles roles, Handler handler,
                 std::vector<std::string> params) {
  Route r{std::move(method),  pattern,          SplitPath(pattern), roles,
          std::move(handler), std::move(params)};
  routes_.push_back(std::move(r));
}

std::vector<std::string> Router::Patterns() const {
  std::vector<std::string> out;
  for (const Route& r : routes_) out.push_back(r.method + " " + r.pattern);
  return out;
}

bool Router::Match(const Route& route, const std::vector<std::string>& segments,
                   std::map<std::string, std::string>* out) const {
  if (route.segments.size() != segments.size()) return false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const std::string& want = route.segments[i];
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (segments[i].empty()) return false;
      (*out)[want.substr(1, want.size() - 2)] = segments[i];
    } else if (want != segments[i]) {
      return false;
    }
  }
  return true;
}

void Router::Dispatch(Api::Impl& api, const Request& request, Respond respond) const {
  const size_t qmark = request.target.find('?');
  const std::string_view path = std::string_view(request.target).substr(0, qmark);
  const std::string_view query = qmark == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(request.target).substr(qmark + 1);
  if (path.empty() || path[0] != '/') {
    return respond(
        ErrorResponse(400, "bad_request", "the request target must be an absolute path"));
  }
  std::vector<std::string> segments;
  for (const std::string& raw : SplitPath(path)) {
    auto decoded = Decode(raw, false);
    if (!decoded.ok()) return respond(FromStatus(decoded.status()));
    segments.push_back(std::move(*decoded));
  }
  const Route* match = nullptr;
  bool path_matched = false;
  std::map<std::string, std::string> path_params;
  for (const Route& r : routes_) {
    std::map<std::string, std::string> found;
    if (!Match(r, segments, &found)) continue;
    path_matched = true;
    if (r.method == request.method) {
      match = &r;
      path_params = std::move(found);
      break;
    }
  }
  if (match == nullptr) {
    Response r = path_matched ? ErrorResponse(405, "method_not_allowed",
                                              "this path does not take " + request.method)
                              : ErrorResponse(404, "not_found", "no such endpoint");
    return respond(std::move(r));
  }
  const std::string route_name = match->method + " " + match->pattern;
  Respond tagged = [respond, route_name](Response r) {
    r.route = route_name;
    respond(std::move(r));
  };
  Role role = Role::kPublic;
  std::string token_name;
  bool authenticated = false;
  Response denied = Authenticate(api, request, match->roles, &role, &token_name, &authenticated);
  if (!authenticated) return tagged(std::move(denied));
  auto params = Params::Parse(query);
  if (!params.ok()) return tagged(FromStatus(params.status()));
  for (const auto& [name, value] : params->all()) {
    if (std::find(match->params.begin(), match->params.end(), name) == match->params.end()) {
      return tagged(ErrorResponse(400, "invalid_field", "unknown query parameter " + name, name));
    }
  }
  Call call{api,
            request,
            std::move(*params),
            std::move(path_params),
            std::move(tagged),
            role,
            std::move(token_name)};
  match->handler(call);
}

namespace {

Response Authenticate(Api::Impl& api, const Request& request, Roles roles, Role* role,
                      std::string* name, bool* ok) {
  *ok = false;
  if (roles == kOpen) {
    *ok = true;
    return Response();
  }
  constexpr std::string_view kBearer = "Bearer ";
  if (request.authorization.size() <= kBearer.size() ||
      request.authorization.compare(0, kBearer.size(), kBearer) != 0) {
    Response r = ErrorResponse(401, "unauthorized", "a bearer token is required");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const auto info = TokenLookup(api, request.authorization.substr(kBearer.size()));
  if (!info) {
    Response r = ErrorResponse(401, "unauthorized", "the bearer token is not valid");
    r.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    return r;
  }
  if ((roles & static_cast<Roles>(info->role)) == 0) {
    return ErrorResponse(
        403, "forbidden",
        "the " + std::string(RoleName(info->role)) + " role may not use this endpoint");
  }
  *role = info->role;
  *name = info->name;
  *ok = true;
  return Response();
}

}  // namespace

}  // namespace lumbung::api
