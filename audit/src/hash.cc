// SHA-256 and base64 on top of OpenSSL 3.
//
// The hot paths (Sha256, LeafHash, NodeHash) run once per entry written and
// verified, and once per Merkle node, so they must not allocate. OpenSSL 3.0's
// EVP_DigestInit_ex2 frees and re-creates the provider's digest state on
// every call (openssl/openssl#18105; 3.1 and later reuse it): one malloc and
// one cleanse per hash, measured at 80 of the 200 ns a Merkle node costs. So
// on 3.0 the one-shot hashes call SHA256_Init/Update/Final, the same
// implementation (sha256_block_data_order) without the provider round trip;
// they are deprecated in 3.0 but present in every 3.x. On 3.1 and later, and
// for streams everywhere, each thread keeps one EVP_MD_CTX that
// EVP_DigestInit_ex2 re-initialises in place.

#include <openssl/opensslv.h>
#if OPENSSL_VERSION_NUMBER < 0x30100000L
#define LUMBUNG_SHA256_LOW_LEVEL 1
#include <openssl/sha.h>
#endif

#include <algorithm>
#include <climits>

#include <openssl/evp.h>

#include "lumbung/audit/hash.h"
#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::audit {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kNodePrefix = 0x01;

// EVP_MD_fetch takes a lock and searches the provider store; doing it once
// keeps that off the hot path. The method is immutable, so every thread may
// share it, and it lives as long as the process (it is never freed).
const EVP_MD* Sha256Method() {
  static const EVP_MD* const method = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    LUMBUNG_ASSERT(fetched != nullptr);  // the default provider always has SHA-256
    return fetched;
  }();
  return method;
}

#ifndef LUMBUNG_SHA256_LOW_LEVEL
// One digest context per thread, created on the thread's first hash and
// freed when the thread exits.
class ThreadDigest {
 public:
  ThreadDigest() : ctx_(EVP_MD_CTX_new()) { LUMBUNG_ASSERT(ctx_ != nullptr); }
  ~ThreadDigest() { EVP_MD_CTX_free(ctx_); }
  ThreadDigest(const ThreadDigest&) = delete;
  ThreadDigest& operator=(const ThreadDigest&) = delete;

  EVP_MD_CTX* Begin() {
    const int initialised = EVP_DigestInit_ex2(ctx_, Sha256Method(), nullptr);
    LUMBUNG_ASSERT(initialised == 1);
    return ctx_;
  }

 private:
  EVP_MD_CTX* ctx_;
};

EVP_MD_CTX* BeginThreadDigest() {
  thread_local ThreadDigest digest;
  return digest.Begin();
}
#endif

void Absorb(EVP_MD_CTX* ctx, const void* data, size_t size) {
  const int absorbed = EVP_DigestUpdate(ctx, data, size);
  LUMBUNG_ASSERT(absorbed == 1);
}

Hash Finish(EVP_MD_CTX* ctx) {
  Hash out;
  unsigned int size = 0;
  const int finished = EVP_DigestFinal_ex(ctx, out.data(), &size);
  LUMBUNG_ASSERT(finished == 1);
  LUMBUNG_ASSERT(size == kHashBytes);
  return out;
}

// One hash over a few pieces, started, fed and finished on one thread.
#ifdef LUMBUNG_SHA256_LOW_LEVEL
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"  // SHA256_*, on 3.0 only
#endif
class OneShotDigest {
 public:
#ifdef LUMBUNG_SHA256_LOW_LEVEL
  OneShotDigest() {
    const int initialised = SHA256_Init(&ctx_);
    LUMBUNG_ASSERT(initialised == 1);
  }
  void Absorb(const void* data, size_t size) {
    const int absorbed = SHA256_Update(&ctx_, data, size);
    LUMBUNG_ASSERT(absorbed == 1);
  }
  Hash Finish() {
    Hash out;
    const int finished = SHA256_Final(out.data(), &ctx_);
    LUMBUNG_ASSERT(finished == 1);
    return out;
  }

 private:
  SHA256_CTX ctx_;
#else
  OneShotDigest() : ctx_(BeginThreadDigest()) {}
  void Absorb(const void* data, size_t size) {
    audit::Absorb(ctx_, data, size);
  }
  Hash Finish() {
    return audit::Finish(ctx_);
  }

 private:
  EVP_MD_CTX* ctx_;
#endif
};
#ifdef LUMBUNG_SHA256_LOW_LEVEL
#pragma GCC diagnostic pop
#endif

// EVP_EncodeBlock and EVP_DecodeBlock take int lengths, so long inputs go
// through in chunks: whole 3-byte groups when encoding, whole 4-character
// groups when decoding, so that only the last chunk can carry padding.
constexpr size_t kEncodeChunkBytes = 3 * 16 * 1024;
constexpr size_t kDecodeChunkChars = 4 * 16 * 1024;
static_assert(kEncodeChunkBytes % 3 == 0 && kEncodeChunkBytes / 3 * 4 < INT_MAX);
static_assert(kDecodeChunkChars % 4 == 0 && kDecodeChunkChars < INT_MAX);

bool IsBase64Alphabet(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

// Checks what EVP_DecodeBlock does not: it skips leading whitespace, drops
// trailing whitespace and '-', and decodes '=' anywhere as zero bits. Returns
// the number of '=' padding characters, or -1 if `text` is not strict
// base64 in shape (length, alphabet, padding only at the end).
int StrictPaddingOrMinusOne(std::string_view text) {
  if (text.size() % 4 != 0) return -1;
  size_t padding = 0;
  while (padding < text.size() && padding < 3 && text[text.size() - 1 - padding] == '=') {
    ++padding;
  }
  if (padding > 2) return -1;
  const std::string_view data = text.substr(0, text.size() - padding);
  if (!std::all_of(data.begin(), data.end(), IsBase64Alphabet)) return -1;
  return static_cast<int>(padding);
}

}  // namespace

Hash Sha256(std::span<const uint8_t> data) {
  OneShotDigest digest;
  digest.Absorb(data.data(), data.size());
  return digest.Finish();
}

Hash Sha256(std::string_view data) {
  OneShotDigest digest;
  digest.Absorb(data.data(), data.size());
  return digest.Finish();
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  LUMBUNG_ASSERT(ctx_ != nullptr);
  const int initialised =
      EVP_DigestInit_ex2(static_cast<EVP_MD_CTX*>(ctx_), Sha256Method(), nullptr);
  LUMBUNG_ASSERT(initialised == 1);
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256Stream::Update(std::span<const uint8_t> data) {
  LUMBUNG_ASSERT(!finished_);
  Absorb(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

void Sha256Stream::Update(std::string_view data) {
  LUMBUNG_ASSERT(!finished_);
  Absorb(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

Hash Sha256Stream::Final() {
  LUMBUNG_ASSERT(!finished_);
  finished_ = true;
  return Finish(static_cast<EVP_MD_CTX*>(ctx_));
}

Hash LeafHash(std::span<const uint8_t> entry_bytes) {
  OneShotDigest digest;
  digest.Absorb(&kLeafPrefix, 1);
  digest.Absorb(entry_bytes.data(), entry_bytes.size());
  return digest.Finish();
}

Hash NodeHash(const Hash& left, const Hash& right) {
  // One 65-byte update is cheaper than three small ones.
  std::array<uint8_t, 1 + 2 * kHashBytes> input;
  input[0] = kNodePrefix;
  std::copy(left.begin(), left.end(), input.begin() + 1);
  std::copy(right.begin(), right.end(), input.begin() + 1 + kHashBytes);
  OneShotDigest digest;
  digest.Absorb(input.data(), input.size());
  return digest.Finish();
}

Hash EmptyRootHash() {
  return Sha256(std::string_view());
}

std::string ToHex(const Hash& hash) {
  return HexEncode(hash);
}

std::optional<Hash> HashFromHex(std::string_view hex) {
  Hash hash;
  if (!HexDecode(hex, hash)) return std::nullopt;
  return hash;
}

std::string Base64Encode(std::span<const uint8_t> data) {
  const size_t size = (data.size() + 2) / 3 * 4;
  // EVP_EncodeBlock writes a NUL after each chunk's characters: the next chunk
  // overwrites it, and the spare byte at the end takes the last one.
  std::string out(size + 1, '\0');
  for (size_t done = 0; done < data.size(); done += kEncodeChunkBytes) {
    const size_t chunk = std::min(kEncodeChunkBytes, data.size() - done);
    auto* target = reinterpret_cast<unsigned char*>(out.data() + done / 3 * 4);
    const int written = EVP_EncodeBlock(target, data.data() + done, static_cast<int>(chunk));
    LUMBUNG_ASSERT(written >= 0 && static_cast<size_t>(written) == (chunk + 2) / 3 * 4);
  }
  out.resize(size);
  return out;
}

std::string Base64Encode(std::string_view data) {
  return Base64Encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(data.data()), data.size()));
}

std::optional<std::string> Base64Decode(std::string_view text) {
  const int padding = StrictPaddingOrMinusOne(text);
  if (padding < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes of the padded final group too ('='
  // decodes as zero bits), so every group yields exactly 3 bytes here.
  std::string out(text.size() / 4 * 3, '\0');
  for (size_t done = 0; done < text.size(); done += kDecodeChunkChars) {
    const size_t chunk = std::min(kDecodeChunkChars, text.size() - done);
    auto* target = reinterpret_cast<unsigned char*>(out.data() + done / 4 * 3);
    const auto* source = reinterpret_cast<const unsigned char*>(text.data() + done);
    const int written = EVP_DecodeBlock(target, source, static_cast<int>(chunk));
    if (written < 0 || static_cast<size_t>(written) != chunk / 4 * 3) return std::nullopt;
  }
  // The bytes that stand for padding hold the unused low bits of the last
  // data character; canonical base64 leaves them zero.
  const size_t size = out.size() - static_cast<size_t>(padding);
  if (std::any_of(out.begin() + static_cast<std::ptrdiff_t>(size), out.end(),
                  [](char c) { return c != '\0'; })) {
    return std::nullopt;
  }
  out.resize(size);
  return out;
}

}  // namespace lumbung::audit
