// Signed notes (c2sp.org/signed-note) and checkpoints (c2sp.org/tlog-checkpoint),
// following golang.org/x/mod/sumdb/note byte for byte, with Ed25519 from
// OpenSSL's EVP interface.
//
//   signed note = text "\n" 1*100(signature line)
//   text        = 1*(line "\n")        ; valid UTF-8, no control characters but "\n"
//   signature   = U+2014 " " name " " base64(key_id[4] || ed25519_signature[64]) "\n"
//
// The text is separated from the signatures by the last blank line, so the
// text itself may contain blank lines.

#include "lumbung/audit/note.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

namespace lumbung::audit {
namespace {

constexpr size_t kSeedBytes = 32;
constexpr size_t kSignatureBytes = 64;
constexpr size_t kKeyIdBytes = 4;
// Go's note.Open stops at 100 signatures so that a hostile note cannot make
// the verifier spend forever; C2SP asks verifiers to accept at least 16.
constexpr size_t kNoteSignaturesMax = 100;
// U+2014 EM DASH and a space open every signature line.
constexpr std::string_view kSignaturePrefix = "\xE2\x80\x94 ";
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";

// --- statuses, with stable reasons callers can match on ---

Status BadKey(std::string_view message) {
  return Status::Make(Code::kInvalidArgument, "invalid_key", "", message);
}
Status MalformedNote(std::string_view message) {
  return Status::Make(Code::kCorruption, "malformed_note", "", message);
}
Status MalformedCheckpoint(std::string_view message) {
  return Status::Make(Code::kCorruption, "malformed_checkpoint", "", message);
}
Status CryptoFailure(std::string_view what) {
  // Clears OpenSSL's thread error queue so that a later call does not report
  // this failure as its own.
  ERR_clear_error();
  return Status::Internal(std::string("OpenSSL failed: ") + std::string(what));
}

// --- OpenSSL handles ---

struct PkeyFree {
  void operator()(EVP_PKEY* pkey) const { EVP_PKEY_free(pkey); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

// --- names and text ---

// Unicode White_Space characters outside ASCII (Go's unicode.IsSpace), as
// UTF-8. In valid UTF-8 a byte search for them finds exactly those code
// points, because no encoded character starts inside another.
constexpr std::string_view kUnicodeSpaces[] = {
    "\xC2\x85",     "\xC2\xA0",     "\xE1\x9A\x80", "\xE2\x80\x80", "\xE2\x80\x81",
    "\xE2\x80\x82", "\xE2\x80\x83", "\xE2\x80\x84", "\xE2\x80\x85", "\xE2\x80\x86",
    "\xE2\x80\x87", "\xE2\x80\x88", "\xE2\x80\x89", "\xE2\x80\x8A", "\xE2\x80\xA8",
    "\xE2\x80\xA9", "\xE2\x80\xAF", "\xE2\x81\x9F", "\xE3\x80\x80",
};

// Key names: non-empty UTF-8 without spaces (Unicode ones included), '+'
// (the key text separator) or control characters.
bool IsValidName(std::string_view name) {
  if (name.empty() || !Utf8Chars(name, /*allow_newlines=*/false).has_value()) return false;
  if (name.find_first_of(" +") != std::string_view::npos) return false;
  return std::none_of(std::begin(kUnicodeSpaces), std::end(kUnicodeSpaces),
                      [&](std::string_view space) { return name.find(space) != name.npos; });
}

// Valid UTF-8 with no control characters (U+0000 to U+001F, U+007F) except '\n'.
bool IsValidNoteBytes(std::string_view bytes) {
  return Utf8Chars(bytes, /*allow_newlines=*/true).has_value() &&
         bytes.find('\t') == std::string_view::npos;
}

bool IsValidNoteText(std::string_view text) {
  return !text.empty() && text.back() == '\n' && IsValidNoteBytes(text);
}

// Splits `text` at the first `separator`, like Go's note.chop: without one,
// everything is `before` and `after` is empty.
std::pair<std::string_view, std::string_view> Chop(std::string_view text, char separator) {
  const size_t at = text.find(separator);
  if (at == std::string_view::npos) return {text, {}};
  return {text.substr(0, at), text.substr(at + 1)};
}

// --- key ids ---

uint32_t ReadBigEndian32(const uint8_t* bytes) {
  return uint32_t{bytes[0]} << 24 | uint32_t{bytes[1]} << 16 | uint32_t{bytes[2]} << 8 |
         uint32_t{bytes[3]};
}

std::array<uint8_t, kKeyIdBytes> BigEndian32(uint32_t value) {
  return {static_cast<uint8_t>(value >> 24), static_cast<uint8_t>(value >> 16),
          static_cast<uint8_t>(value >> 8), static_cast<uint8_t>(value)};
}

// SHA-256(name || "\n" || material), first 4 bytes big-endian, where the
// material is the algorithm byte followed by the public key.
uint32_t KeyId(std::string_view name, std::span<const uint8_t> material) {
  Sha256Stream stream;
  stream.Update(name);
  stream.Update(std::string_view("\n"));
  stream.Update(material);
  return ReadBigEndian32(stream.Final().data());
}

// 0x01 || key: the key material of key ids, verifier keys and private keys.
std::array<uint8_t, 1 + 32> Ed25519Material(std::span<const uint8_t, 32> key) {
  std::array<uint8_t, 1 + 32> material;
  material[0] = kAlgEd25519;
  std::copy(key.begin(), key.end(), material.begin() + 1);
  return material;
}

std::string Hex8(uint32_t key_id) {
  return HexEncode(BigEndian32(key_id));
}

// Reads 8 hex digits (either case, as Go's strconv.ParseUint(s, 16, 32)).
std::optional<uint32_t> ParseHex8(std::string_view text) {
  std::array<uint8_t, kKeyIdBytes> bytes;
  if (!HexDecode(text, bytes)) return std::nullopt;
  return ReadBigEndian32(bytes.data());
}

// Decoded key material, wiped when dropped since it may be a private seed.
class KeyMaterial {
 public:
  explicit KeyMaterial(std::string bytes) : bytes_(std::move(bytes)) {}
  ~KeyMaterial() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }
  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;

  std::span<const uint8_t> all() const { return Bytes(bytes_); }
  std::span<const uint8_t> key() const { return all().subspan(1); }
  // Go's order: the algorithm byte is checked first, then the length.
  Status CheckEd25519() const {
    if (all()[0] != kAlgEd25519) return BadKey("unknown key algorithm (only 0x01, Ed25519)");
    if (key().size() != 32) return BadKey("an Ed25519 key has 32 bytes");
    return Status();
  }

 private:
  std::string bytes_;
};

// Splits "<name>+<hex8>+<base64>" (the base64 may itself hold '+') and
// decodes it; Go's NewVerifier and NewSigner accept exactly these shapes.
struct KeyText {
  std::string_view name;
  uint32_t key_id = 0;
  std::unique_ptr<KeyMaterial> material;  // non-empty
};

Result<KeyText> SplitKeyText(std::string_view text) {
  const auto [name, rest] = Chop(text, '+');
  const auto [hex, base64] = Chop(rest, '+');
  if (!IsValidName(name)) return BadKey("invalid key name");
  const std::optional<uint32_t> key_id = ParseHex8(hex);
  if (!key_id.has_value()) return BadKey("key id is not 8 hex digits");
  std::optional<std::string> decoded = Base64Decode(base64);
  if (!decoded.has_value() || decoded->empty()) return BadKey("key material is not base64");
  return KeyText{name, *key_id, std::make_unique<KeyMaterial>(std::move(*decoded))};
}

// --- Ed25519 through EVP ---

Result<std::array<uint8_t, 32>> PublicKeyFromSeed(std::span<const uint8_t> seed) {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
  if (pkey == nullptr) return CryptoFailure("loading an Ed25519 private key");
  std::array<uint8_t, 32> public_key;
  size_t size = public_key.size();
  if (EVP_PKEY_get_raw_public_key(pkey.get(), public_key.data(), &size) != 1 ||
      size != public_key.size()) {
    return CryptoFailure("deriving an Ed25519 public key");
  }
  return public_key;
}

Status InvalidSignature(std::string_view message) {
  return Status::Make(Code::kCorruption, "invalid_signature", "", message);
}

// --- signature lines ---

struct SignatureLine {
  NoteSignature signature;            // name, key id and base64 as in the note
  std::vector<uint8_t> signed_bytes;  // the signature after the key id
};

// "— <name> <base64(key_id || signature)>", without the newline.
Result<SignatureLine> ParseSignatureLine(std::string_view line) {
  if (!line.starts_with(kSignaturePrefix)) {
    return MalformedNote("a signature line must start with an em dash and a space");
  }
  const auto [name, base64] = Chop(line.substr(kSignaturePrefix.size()), ' ');
  const std::optional<std::string> decoded = Base64Decode(base64);
  // A key id and at least one byte of signature, as Go requires.
  if (!IsValidName(name) || !decoded.has_value() || decoded->size() < kKeyIdBytes + 1) {
    return MalformedNote("malformed signature line");
  }
  const std::span<const uint8_t> bytes = Bytes(*decoded);
  SignatureLine parsed;
  parsed.signature =
      NoteSignature{std::string(name), ReadBigEndian32(bytes.data()), std::string(base64)};
  parsed.signed_bytes.assign(bytes.begin() + kKeyIdBytes, bytes.end());
  return parsed;
}

// The known key with this name and id, or nullptr. Several different keys
// matching is a configuration error (Go: "ambiguous key").
Result<const NoteVerifierKey*> FindKnownKey(std::span<const NoteVerifierKey> known,
                                            std::string_view name, uint32_t key_id) {
  const NoteVerifierKey* found = nullptr;
  for (const NoteVerifierKey& key : known) {
    if (key.name() != name || key.key_id() != key_id) continue;
    if (found != nullptr && found->public_key() != key.public_key()) {
      return Status::InvalidArgument("ambiguous known keys for " + std::string(name) + "+" +
                                     Hex8(key_id));
    }
    found = &key;
  }
  return found;
}

// --- checkpoints ---

// The tree size line: decimal, no sign, no leading zeros unless "0", and it
// must fit in 64 bits.
std::optional<uint64_t> ParseTreeSize(std::string_view text) {
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  uint64_t size = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return size;
}

bool IsCheckpointLine(std::string_view line) {
  return !line.empty() && line.find('\n') == std::string_view::npos;
}

}  // namespace

// ---------------------------------------------------------------------------
// NoteVerifierKey

Result<NoteVerifierKey> NoteVerifierKey::Parse(std::string_view text) {
  LUMBUNG_ASSIGN_OR_RETURN(const KeyText parts, SplitKeyText(text));
  // Go checks the key id over the material before looking at the algorithm.
  if (KeyId(parts.name, parts.material->all()) != parts.key_id) {
    return BadKey("key id does not match the key");
  }
  LUMBUNG_RETURN_IF_ERROR(parts.material->CheckEd25519());
  NoteVerifierKey verifier;
  verifier.name_ = std::string(parts.name);
  verifier.key_id_ = parts.key_id;
  std::copy(parts.material->key().begin(), parts.material->key().end(),
            verifier.public_key_.begin());
  return verifier;
}

std::string NoteVerifierKey::ToString() const {
  return name_ + "+" + Hex8(key_id_) + "+" + Base64Encode(Ed25519Material(public_key_));
}

Status NoteVerifierKey::Verify(std::string_view message, std::span<const uint8_t> signature) const {
  if (signature.size() != kSignatureBytes) {
    return InvalidSignature("an Ed25519 signature has 64 bytes, not " +
                            std::to_string(signature.size()));
  }
  PkeyPtr pkey(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, public_key_.data(),
                                           public_key_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr) return CryptoFailure("loading an Ed25519 public key");
  // Ed25519 hashes the message itself (PureEdDSA), so no digest is named.
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return CryptoFailure("starting Ed25519 verification");
  }
  const std::span<const uint8_t> bytes = Bytes(message);
  if (EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), bytes.data(), bytes.size()) !=
      1) {
    ERR_clear_error();  // a bad signature is our answer, not an OpenSSL error to keep
    return InvalidSignature("signature by " + name_ + " does not verify");
  }
  return Status();
}

// ---------------------------------------------------------------------------
// NoteSigner

Result<NoteSigner> NoteSigner::Generate(std::string_view name) {
  std::array<uint8_t, kSeedBytes> seed;
  if (RAND_priv_bytes(seed.data(), static_cast<int>(seed.size())) != 1) {
    return CryptoFailure("drawing a random Ed25519 seed");
  }
  Result<NoteSigner> signer = FromSeed(name, seed);
  OPENSSL_cleanse(seed.data(), seed.size());
  return signer;
}

Result<NoteSigner> NoteSigner::ParsePrivateKey(std::string_view text) {
  if (!text.starts_with(kPrivateKeyPrefix)) return BadKey("not a PRIVATE+KEY+ text");
  LUMBUNG_ASSIGN_OR_RETURN(const KeyText parts,
                           SplitKeyText(text.substr(kPrivateKeyPrefix.size())));
  LUMBUNG_RETURN_IF_ERROR(parts.material->CheckEd25519());
  LUMBUNG_ASSIGN_OR_RETURN(NoteSigner signer, FromSeed(parts.name, parts.material->key()));
  // The key id names the public key, so it is checked once that is derived.
  if (signer.verifier().key_id() != parts.key_id) return BadKey("key id does not match the key");
  return signer;
}

Result<NoteSigner> NoteSigner::FromSeed(std::string_view name, std::span<const uint8_t> seed) {
  if (!IsValidName(name)) return BadKey("invalid key name");
  if (seed.size() != kSeedBytes) return BadKey("an Ed25519 seed has 32 bytes");
  LUMBUNG_ASSIGN_OR_RETURN(const auto public_key, PublicKeyFromSeed(seed));
  const uint32_t key_id = KeyId(name, Ed25519Material(public_key));
  // The verifier is built through its own parser, which re-derives and
  // checks the key id: the two sides cannot drift apart.
  const std::string verifier_text =
      std::string(name) + "+" + Hex8(key_id) + "+" + Base64Encode(Ed25519Material(public_key));
  Result<NoteVerifierKey> verifier = NoteVerifierKey::Parse(verifier_text);
  LUMBUNG_ASSERT(verifier.ok());
  NoteSigner signer;
  signer.verifier_ = std::move(verifier).value();
  std::copy(seed.begin(), seed.end(), signer.seed_.begin());
  return signer;
}

std::string NoteSigner::PrivateKeyText() const {
  std::array<uint8_t, 1 + kSeedBytes> material = Ed25519Material(seed_);
  std::string text = std::string(kPrivateKeyPrefix) + name() + "+" + Hex8(verifier_.key_id()) +
                     "+" + Base64Encode(material);
  OPENSSL_cleanse(material.data(), material.size());
  return text;
}

Result<std::string> NoteSigner::Sign(std::string_view text) const {
  if (!IsValidNoteText(text)) {
    return Status::InvalidArgument(
        "note text must be UTF-8 without control characters other than newline, ending in a "
        "newline");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const auto signature, SignBytes(text));
  std::array<uint8_t, kKeyIdBytes + kSignatureBytes> line_bytes;
  const auto key_id = BigEndian32(verifier_.key_id());
  std::copy(key_id.begin(), key_id.end(), line_bytes.begin());
  std::copy(signature.begin(), signature.end(), line_bytes.begin() + kKeyIdBytes);
  std::string note(text);
  note += "\n";
  note += kSignaturePrefix;
  note += name() + " " + Base64Encode(line_bytes) + "\n";
  return note;
}

Result<std::array<uint8_t, 64>> NoteSigner::SignBytes(std::string_view message) const {
  PkeyPtr pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed_.data(), seed_.size()));
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (pkey == nullptr || ctx == nullptr) return CryptoFailure("loading an Ed25519 private key");
  if (EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, pkey.get()) != 1) {
    return CryptoFailure("starting Ed25519 signing");
  }
  std::array<uint8_t, kSignatureBytes> signature;
  size_t size = signature.size();
  const std::span<const uint8_t> bytes = Bytes(message);
  if (EVP_DigestSign(ctx.get(), signature.data(), &size, bytes.data(), bytes.size()) != 1 ||
      size != signature.size()) {
    return CryptoFailure("Ed25519 signing");
  }
  return signature;
}

// ---------------------------------------------------------------------------
// Opening notes (Go's note.Open)

Result<OpenedNote> OpenNote(std::string_view note, std::span<const NoteVerifierKey> known) {
  if (!IsValidNoteBytes(note)) {
    return MalformedNote("a note is UTF-8 without control characters other than newline");
  }
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) return MalformedNote("no blank line before signatures");
  OpenedNote opened;
  opened.text = std::string(note.substr(0, split + 1));
  std::string_view lines = note.substr(split + 2);
  if (lines.empty() || lines.back() != '\n') return MalformedNote("no signature lines");

  std::vector<std::string_view> unverified_lines;  // to drop repeats, as Go does
  size_t count = 0;
  while (!lines.empty()) {
    const size_t end = lines.find('\n');  // found: `lines` ends in '\n'
    const std::string_view line = lines.substr(0, end);
    lines.remove_prefix(end + 1);
    LUMBUNG_ASSIGN_OR_RETURN(SignatureLine parsed, ParseSignatureLine(line));
    if (++count > kNoteSignaturesMax) return MalformedNote("more than 100 signatures");
    const NoteSignature& signature = parsed.signature;
    LUMBUNG_ASSIGN_OR_RETURN(const NoteVerifierKey* key,
                             FindKnownKey(known, signature.name, signature.key_id));
    if (key == nullptr) {
      if (std::find(unverified_lines.begin(), unverified_lines.end(), line) !=
          unverified_lines.end()) {
        continue;
      }
      unverified_lines.push_back(line);
      opened.unverified.push_back(std::move(parsed.signature));
      continue;
    }
    // A known key's repeated signature is dropped unchecked, as Go does.
    const bool repeated =
        std::any_of(opened.verified.begin(), opened.verified.end(), [&](const NoteSignature& seen) {
          return seen.name == signature.name && seen.key_id == signature.key_id;
        });
    if (repeated) continue;
    LUMBUNG_RETURN_IF_ERROR(key->Verify(opened.text, parsed.signed_bytes));
    opened.verified.push_back(std::move(parsed.signature));
  }
  if (opened.verified.empty()) {
    return Status::Make(Code::kCorruption, "unverified_note", "", "no known key signed the note");
  }
  return opened;
}

// ---------------------------------------------------------------------------
// Checkpoints

std::string FormatCheckpoint(const Checkpoint& checkpoint) {
  // A checkpoint we format must parse back to itself; an origin or extension
  // line that breaks the line structure is a bug in our caller.
  LUMBUNG_ASSERT(IsCheckpointLine(checkpoint.origin));
  std::string text = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                     Base64Encode(checkpoint.root) + "\n";
  for (const std::string& extension : checkpoint.extensions) {
    LUMBUNG_ASSERT(IsCheckpointLine(extension));
    text += extension + "\n";
  }
  return text;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (!IsValidNoteText(text)) {
    return MalformedCheckpoint("a checkpoint is note text: UTF-8 lines, each ending in a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const size_t end = rest.find('\n');  // found: `text` ends in '\n'
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) return MalformedCheckpoint("a checkpoint has origin, size and root lines");
  Checkpoint checkpoint;
  if (lines[0].empty()) return MalformedCheckpoint("empty origin");
  checkpoint.origin = std::string(lines[0]);
  const std::optional<uint64_t> size = ParseTreeSize(lines[1]);
  if (!size.has_value()) return MalformedCheckpoint("tree size is not a canonical decimal");
  checkpoint.size = *size;
  const std::optional<std::string> root = Base64Decode(lines[2]);
  if (!root.has_value() || root->size() != kHashBytes) {
    return MalformedCheckpoint("root is not the base64 of 32 bytes");
  }
  std::copy(root->begin(), root->end(), checkpoint.root.begin());
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) return MalformedCheckpoint("empty extension line");
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

}  // namespace lumbung::audit
