#include "lumbung/api/tokens.h"

#include <chrono>
#include <fstream>

#include <nlohmann/json.hpp>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "lumbung/audit/hash.h"
#include "lumbung/base/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung::api {
namespace {

std::string HashHex(std::string_view token) {
  return audit::ToHex(audit::Sha256(token));
}

// base64url without padding, from the standard alphabet OpenSSL produces.
std::string Base64Url(std::span<const uint8_t> bytes) {
  std::string s = audit::Base64Encode(bytes);
  while (!s.empty() && s.back() == '=') s.pop_back();
  for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return s;
}

int64_t MtimeNs(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kPublic: return "public";
    case Role::kAuditor: return "auditor";
    case Role::kOfficer: return "officer";
  }
  return "public";
}

std::optional<Role> RoleFromName(std::string_view name) {
  if (name == "public") return Role::kPublic;
  if (name == "auditor") return Role::kAuditor;
  if (name == "officer") return Role::kOfficer;
  return std::nullopt;
}

Status TokenStore::Load() {
  entries_.clear();
  loaded_mtime_ns_ = MtimeNs(path_);
  std::ifstream in(path_);
  if (!in) return Status();  // no tokens yet
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object() || !j.contains("sha256") || !j.contains("role") ||
        !j["sha256"].is_string() || !j["role"].is_string()) {
      return Status::Corruption("a line of " + path_ + " is not a token record");
    }
    const auto role = RoleFromName(j["role"].get<std::string>());
    if (!role) return Status::Corruption("unknown role in " + path_);
    entries_.push_back(
        Entry{j["sha256"].get<std::string>(), TokenInfo{*role, j.value("name", std::string())}});
  }
  return Status();
}

Status TokenStore::Refresh() {
  std::lock_guard<std::mutex> lock(mu_);
  if (MtimeNs(path_) == loaded_mtime_ns_) return Status();
  return Load();
}

Status TokenStore::Rewrite(const std::vector<Entry>& entries) {
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot write " + tmp);
  std::string text;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const Entry& e : entries) {
    nlohmann::ordered_json j = {{"sha256", e.sha256_hex},
                                {"role", std::string(RoleName(e.info.role))},
                                {"name", e.info.name},
                                {"created_ms", now_ms}};
    text += j.dump() + "\n";
  }
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                  ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path_.c_str()) != 0) {
    return Status::IOError("cannot write " + path_);
  }
  return Status();
}

Result<std::string> TokenStore::Add(Role role, std::string_view name) {
  uint8_t random[32];
  if (RAND_bytes(random, sizeof random) != 1) return Status::Internal("no randomness available");
  const std::string token = "lmb_" + Base64Url(random);
  std::lock_guard<std::mutex> lock(mu_);
  LUMBUNG_RETURN_IF_ERROR(Load());
  std::vector<Entry> entries = entries_;
  entries.push_back(Entry{HashHex(token), TokenInfo{role, std::string(name)}});
  LUMBUNG_RETURN_IF_ERROR(Rewrite(entries));
  LUMBUNG_RETURN_IF_ERROR(Load());
  return token;
}

Result<size_t> TokenStore::RemoveByName(std::string_view name) {
  std::lock_guard<std::mutex> lock(mu_);
  LUMBUNG_RETURN_IF_ERROR(Load());
  std::vector<Entry> kept;
  for (const Entry& e : entries_) {
    if (e.info.name != name) kept.push_back(e);
  }
  const size_t removed = entries_.size() - kept.size();
  if (removed > 0) {
    LUMBUNG_RETURN_IF_ERROR(Rewrite(kept));
    LUMBUNG_RETURN_IF_ERROR(Load());
  }
  return removed;
}

std::optional<TokenInfo> TokenStore::Lookup(std::string_view token) {
  const std::string hash = HashHex(token);
  std::lock_guard<std::mutex> lock(mu_);
  std::optional<TokenInfo> found;
  // Compare against every entry in constant time, so timing says nothing
  // about how much of a guessed token's hash matched.
  for (const Entry& e : entries_) {
    if (e.sha256_hex.size() == hash.size() &&
        CRYPTO_memcmp(e.sha256_hex.data(), hash.data(), hash.size()) == 0) {
      found = e.info;
    }
  }
  return found;
}

}  // namespace lumbung::api
