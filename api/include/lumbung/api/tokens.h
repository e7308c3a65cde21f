// Bearer tokens and their roles.
//
//   officer  write events, sign checkpoints, read everything
//   auditor  read everything, proofs, bundles
//   public   checkpoint, proofs, the oversight export, receipts
//
// A token is shown once, when it is created; only its SHA-256 is stored, in
// DIR/keys/tokens (one JSON object a line: {"sha256", "role", "name",
// "created_ms"}), mode 0600. The server re-reads the file when it changes,
// so `lumbung token add` works while a server runs.
//
// Thread safety: TokenStore is thread-safe.

#ifndef LUMBUNG_API_TOKENS_H_
#define LUMBUNG_API_TOKENS_H_

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/base/result.h"

namespace lumbung::api {

enum class Role : uint8_t { kPublic = 1, kAuditor = 2, kOfficer = 4 };
std::string_view RoleName(Role role);
std::optional<Role> RoleFromName(std::string_view name);

struct TokenInfo {
  Role role;
  std::string name;
};

class TokenStore {
 public:
  explicit TokenStore(std::string path) : path_(std::move(path)) {}

  // Creates a token for `role`, stores its hash and returns the token text
  // ("lmb_" + 43 base64url characters of 32 random bytes).
  Result<std::string> Add(Role role, std::string_view name);
  // Removes every token with this name; returns how many were removed.
  Result<size_t> RemoveByName(std::string_view name);
  // The role of `token`, or nullopt. Constant time in the token's bytes.
  std::optional<TokenInfo> Lookup(std::string_view token);
  // Re-reads the file if it changed on disk since the last read.
  Status Refresh();

 private:
  struct Entry {
    std::string sha256_hex;
    TokenInfo info;
  };
  Status Load();  // REQUIRES: mu_ held
  Status Rewrite(const std::vector<Entry>& entries);

  const std::string path_;
  std::mutex mu_;
  std::vector<Entry> entries_;    // guarded by mu_
  int64_t loaded_mtime_ns_ = -1;  // guarded by mu_
};

}  // namespace lumbung::api

#endif  // LUMBUNG_API_TOKENS_H_
