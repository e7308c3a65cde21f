// Fuzz target: signed notes, keys and checkpoints (audit/note.h). The input
// is one text, read as a verifier key, a private key, a signed note (opened
// with a few known keys) and a checkpoint body.
//
// Properties checked besides "no crash, no sanitizer report":
//   - a parsed key prints as a key that parses to the same key;
//   - ParseCheckpoint is strict: what it accepts, FormatCheckpoint gives
//     back byte for byte;
//   - a note that opens returns text that ends in a newline and is a prefix
//     of the note;
//   - any text Sign accepts opens again, with the signer's key, to itself.

#include "lumbung/audit/note.h"

#include <array>
#include <span>
#include <string>
#include <vector>

#include "fuzz.h"

namespace {

using lumbung::audit::NoteSigner;
using lumbung::audit::NoteVerifierKey;

// Go's sumdb/note test key (public in golang.org/x/mod) and the C2SP
// example key: the notes of tests/vectors open with them.
constexpr std::string_view kGoPrivateKey =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr std::string_view kC2spVerifierKey =
    "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k";

struct Keys {
  NoteSigner signer;
  std::vector<NoteVerifierKey> known;
};

const Keys& TheKeys() {
  static const Keys* keys = [] {
    auto signer = NoteSigner::ParsePrivateKey(kGoPrivateKey);
    auto c2sp = NoteVerifierKey::Parse(kC2spVerifierKey);
    // A second key under the signer's name: same name, another key id.
    const std::array<uint8_t, 32> seed{1, 2, 3};
    auto twin = NoteSigner::FromSeed("PeterNeumann", seed);
    FUZZ_CHECK(signer.ok() && c2sp.ok() && twin.ok());
    auto* k = new Keys{*signer, {signer->verifier(), *c2sp, twin->verifier()}};
    return k;
  }();
  return *keys;
}

void CheckVerifierKey(std::string_view text) {
  const auto key = NoteVerifierKey::Parse(text);
  if (!key.ok()) return;
  const auto again = NoteVerifierKey::Parse(key->ToString());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->name() == key->name() && again->key_id() == key->key_id() &&
             again->public_key() == key->public_key());
}

void CheckPrivateKey(std::string_view text) {
  const auto signer = NoteSigner::ParsePrivateKey(text);
  if (!signer.ok()) return;
  const auto again = NoteSigner::ParsePrivateKey(signer->PrivateKeyText());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->verifier().ToString() == signer->verifier().ToString());
  FUZZ_CHECK(NoteVerifierKey::Parse(signer->verifier().ToString()).ok());
}

void CheckOpen(std::string_view text) {
  const auto opened = lumbung::audit::OpenNote(text, TheKeys().known);
  if (!opened.ok()) return;
  FUZZ_CHECK(!opened->verified.empty());
  FUZZ_CHECK(!opened->text.empty() && opened->text.back() == '\n');
  FUZZ_CHECK(text.starts_with(opened->text));
  const auto checkpoint = lumbung::audit::ParseCheckpoint(opened->text);
  if (checkpoint.ok()) FUZZ_CHECK(lumbung::audit::FormatCheckpoint(*checkpoint) == opened->text);
}

void CheckCheckpoint(std::string_view text) {
  const auto checkpoint = lumbung::audit::ParseCheckpoint(text);
  if (!checkpoint.ok()) return;
  FUZZ_CHECK(!checkpoint->origin.empty());
  FUZZ_CHECK(lumbung::audit::FormatCheckpoint(*checkpoint) == text);
}

void CheckSignAndOpen(std::string_view text) {
  const Keys& keys = TheKeys();
  const auto note = keys.signer.Sign(text);
  if (!note.ok()) return;
  const auto opened = lumbung::audit::OpenNote(*note, keys.known);
  FUZZ_CHECK(opened.ok());
  FUZZ_CHECK(opened->text == text);
  FUZZ_CHECK(opened->verified.size() == 1);
  FUZZ_CHECK(opened->verified[0].name == keys.signer.name());
  // A note is refused once its text changes, whatever the change.
  std::string altered = *note;
  altered[0] = altered[0] == 'x' ? 'y' : 'x';
  FUZZ_CHECK(!lumbung::audit::OpenNote(altered, keys.known).ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text = lumbung::fuzz::AsText(data, size);
  CheckVerifierKey(text);
  CheckPrivateKey(text);
  CheckOpen(text);
  CheckCheckpoint(text);
  CheckSignAndOpen(text);
  return 0;
}
