#include "lumbung/ledger/secrets.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung {

namespace fs = std::filesystem;

std::string PiiKeyPath(const std::string& data_dir) {
  return (fs::path(data_dir) / "keys" / "pii.key").string();
}
std::string PseudonymKeyPath(const std::string& data_dir) {
  return (fs::path(data_dir) / "keys" / "pseudonym.key").string();
}

Status WriteSecretFile(const std::string& path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  const ssize_t n = ::write(fd, contents.data(), contents.size());
  const bool ok = n == static_cast<ssize_t>(contents.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return Status::IOError("cannot write " + path);
  return Status();
}

void RandomBytes(uint8_t* out, size_t size) {
  LUMBUNG_ASSERT(RAND_bytes(out, static_cast<int>(size)) == 1);
}

Result<Secret> LoadSecret(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return Status::NotFound(path + " does not exist");
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  if ((st.st_mode & 077) != 0) {
    return Status::FailedPrecondition(path + " may be read by others; chmod 600 it");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return Status::IOError("cannot read " + path);
  std::string hex = text.str();
  while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) hex.pop_back();
  Secret secret{};
  if (!HexDecode(hex, secret)) return Status::Corruption(path + " is not 64 hex digits");
  return secret;
}

Result<Secret> LoadOrCreateSecret(const std::string& path) {
  auto loaded = LoadSecret(path);
  if (loaded.ok() || !loaded.status().IsNotFound()) return loaded;
  Secret secret{};
  RandomBytes(secret.data(), secret.size());
  LUMBUNG_RETURN_IF_ERROR(WriteSecretFile(path, HexEncode(secret) + "\n"));
  return secret;
}

std::string Pseudonym(const Secret& key, std::string_view program_id,
                      std::string_view beneficiary_id) {
  std::string message;
  message.reserve(program_id.size() + 1 + beneficiary_id.size());
  message.append(program_id).push_back('\0');
  message.append(beneficiary_id);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  LUMBUNG_ASSERT(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                      reinterpret_cast<const uint8_t*>(message.data()), message.size(), mac,
                      &mac_len) != nullptr);
  return "p" + HexEncode(std::span<const uint8_t>(mac, 8));
}

}  // namespace lumbung
