// Checkpoints: C2SP tlog-checkpoint bodies inside C2SP signed-note
// envelopes, signed with Ed25519 through OpenSSL's EVP interface. This is the
// format of Go's golang.org/x/mod/sumdb/note and of the transparency-log
// witness ecosystem, so third parties can verify and cosign with their tools.
//
//   checkpoint body:  <origin>\n<size, decimal>\n<base64(root)>\n[extension lines]
//   signed note:      <body>\n— <name> <base64(key_id[4] || signature[64])>\n ...
//   key id:           first 4 bytes (big-endian) of
//                     SHA-256(name || 0x0A || 0x01 || public_key[32])
//   verifier key:     <name>+<hex8(key_id)>+<base64(0x01 || public_key)>
//   private key:      PRIVATE+KEY+<name>+<hex8(key_id)>+<base64(0x01 || seed)>
//
// The 0x01 algorithm byte is kept in keys and key ids so that another
// signature algorithm (e.g. a post-quantum one) can be added later.
//
// Thread safety: all types are immutable after construction and may be
// shared across threads.

#ifndef LUMBUNG_AUDIT_NOTE_H_
#define LUMBUNG_AUDIT_NOTE_H_

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"
#include "lumbung/base/status.h"

namespace lumbung::audit {

inline constexpr uint8_t kAlgEd25519 = 0x01;

// A public key that can check signatures in notes.
class NoteVerifierKey {
 public:
  // Parses "<name>+<hex8>+<base64(0x01||pubkey)>"; InvalidArgument naming
  // the problem (bad name, wrong key id, unknown algorithm, bad length).
  static Result<NoteVerifierKey> Parse(std::string_view text);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  std::string ToString() const;
  // OK iff `signature` (64 bytes) is a valid Ed25519 signature of `message`.
  Status Verify(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  std::string name_;
  uint32_t key_id_ = 0;
  std::array<uint8_t, 32> public_key_{};
};

// A private key that signs notes.
class NoteSigner {
 public:
  // A new key from OpenSSL's CSPRNG. `name` must be a valid key name:
  // non-empty, no whitespace, no '+'.
  static Result<NoteSigner> Generate(std::string_view name);
  // Parses "PRIVATE+KEY+<name>+<hex8>+<base64(0x01||seed)>".
  static Result<NoteSigner> ParsePrivateKey(std::string_view text);
  // From a 32-byte Ed25519 seed (RFC 8032 private key); for known-answer tests.
  static Result<NoteSigner> FromSeed(std::string_view name, std::span<const uint8_t> seed);

  const std::string& name() const { return verifier_.name(); }
  const NoteVerifierKey& verifier() const { return verifier_; }
  std::string PrivateKeyText() const;
  // Signs `text` (which must end in '\n' and be valid note text) and returns
  // the signed note: text, a blank line, and one signature line.
  Result<std::string> Sign(std::string_view text) const;
  // Raw 64-byte Ed25519 signature of `message`.
  Result<std::array<uint8_t, 64>> SignBytes(std::string_view message) const;

 private:
  NoteVerifierKey verifier_;
  std::array<uint8_t, 32> seed_{};
};

struct NoteSignature {
  std::string name;
  uint32_t key_id = 0;
  std::string base64;  // base64(key_id || signature), as in the note
};

struct OpenedNote {
  std::string text;                       // the signed body, ending in '\n'
  std::vector<NoteSignature> verified;    // by a known key, and valid
  std::vector<NoteSignature> unverified;  // by keys we do not know (ignored)
};

// Parses and verifies a signed note against `known` keys. Accepts several
// signatures and ignores those by unknown keys; fails (Corruption) if the
// note is malformed, if a known key's signature does not verify, or if no
// known key signed it.
Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifierKey> known);

struct Checkpoint {
  std::string origin;
  uint64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extra non-empty lines, kept verbatim
};

std::string FormatCheckpoint(const Checkpoint& checkpoint);
// Strict C2SP tlog-checkpoint parse: decimal size without leading zeros,
// base64 root of exactly 32 bytes, origin non-empty.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

}  // namespace lumbung::audit

#endif  // LUMBUNG_AUDIT_NOTE_H_
