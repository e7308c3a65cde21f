// SHA-256 and the RFC 6962 hashes of lumbung's log, computed by OpenSSL,
// plus base64 (OpenSSL-backed, strict on input).
//
//   leaf hash  = SHA-256(0x00 || entry_bytes)
//   node hash  = SHA-256(0x01 || left || right)
//   empty root = SHA-256("")
//
// The 0x00/0x01 prefixes separate the leaf and node domains, so no leaf can
// be passed off as an interior node (RFC 6962 §2.1, second-preimage
// resistance).
//
// Thread safety: all functions are thread-safe, and the one-shot hashes
// allocate nothing. A Sha256Stream is used by one thread at a time.

#ifndef LUMBUNG_AUDIT_HASH_H_
#define LUMBUNG_AUDIT_HASH_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lumbung::audit {

inline constexpr size_t kHashBytes = 32;
using Hash = std::array<uint8_t, kHashBytes>;

Hash Sha256(std::span<const uint8_t> data);
Hash Sha256(std::string_view data);

// Incremental SHA-256 for data that arrives in pieces (files, digests of
// many rows). Not copyable.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void Update(std::span<const uint8_t> data);
  void Update(std::string_view data);
  // Finishes the digest; the stream must not be used afterwards.
  Hash Final();

 private:
  void* ctx_;  // EVP_MD_CTX*, kept opaque so this header needs no OpenSSL
  bool finished_ = false;
};

Hash LeafHash(std::span<const uint8_t> entry_bytes);
Hash NodeHash(const Hash& left, const Hash& right);
Hash EmptyRootHash();

// Lowercase hex; HashFromHex accepts exactly 64 hex digits.
std::string ToHex(const Hash& hash);
std::optional<Hash> HashFromHex(std::string_view hex);

// Standard base64 with padding (RFC 4648 §4).
std::string Base64Encode(std::span<const uint8_t> data);
std::string Base64Encode(std::string_view data);
// Strict: standard alphabet, correct padding, no whitespace, canonical
// trailing bits; nullopt otherwise.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_HASH_H_
