// Signed notes, keys and checkpoints, against Go's sumdb/note and C2SP.

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/hash.h"
#include "lumbung/audit/note.h"
#include "lumbung/base/text.h"

using namespace lumbung;
using namespace lumbung::audit;

namespace {

// Concatenates text by appending. (GCC 12 at -O3 warns falsely, with
// -Wrestrict, on "literal" + a temporary std::string.)
template <typename... Parts>
std::string Cat(const Parts&... parts) {
  std::string text;
  ((text += parts), ...);
  return text;
}

nlohmann::json LoadSample() {
  std::ifstream in(std::string(LUMBUNG_TEST_VECTORS_DIR) + "/rfc6962-sample.json");
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

// The sample's Go KAT: PeterNeumann's key from golang.org/x/mod/sumdb/note.
struct GoKat {
  std::string vkey;
  std::string skey;
  std::string text;
  std::string signed_note;
};

GoKat LoadGoKat() {
  const nlohmann::json sample = LoadSample();
  const auto& kat = sample.at("signed_note_kats").at(0);
  return {kat.at("vkey").get<std::string>(), kat.at("skey").get<std::string>(),
          kat.at("text").get<std::string>(), kat.at("signed_note").get<std::string>()};
}

NoteSigner MustGenerate(std::string_view name) {
  Result<NoteSigner> signer = NoteSigner::Generate(name);
  REQUIRE(signer.ok());
  return std::move(signer).value();
}

std::string MustSign(const NoteSigner& signer, std::string_view text) {
  Result<std::string> note = signer.Sign(text);
  REQUIRE(note.ok());
  return std::move(note).value();
}

// The signature line(s) of a note signed by one key: everything after the
// text and its blank line.
std::string SignatureLines(const std::string& note, std::string_view text) {
  REQUIRE(note.size() > text.size() + 1);
  return note.substr(text.size() + 1);
}

// "— <name> <base64>\n" with the given name and raw key id || signature bytes.
std::string SignatureLine(std::string_view name, const std::string& bytes) {
  return Cat("\xE2\x80\x94 ", name, " ", Base64Encode(bytes), "\n");
}

std::string DecodeSignature(const std::string& line) {
  const size_t space = line.rfind(' ');
  const std::optional<std::string> bytes =
      Base64Decode(line.substr(space + 1, line.size() - space - 2));
  REQUIRE(bytes.has_value());
  return *bytes;
}

// A verifier key text for arbitrary material, with a correct key id, to
// reach the checks that come after the key id's.
std::string VerifierTextFor(std::string_view name, const std::string& material) {
  Sha256Stream stream;
  stream.Update(name);
  stream.Update(std::string_view("\n"));
  stream.Update(material);
  const Hash hash = stream.Final();
  return std::string(name) + "+" + HexEncode(std::span<const uint8_t>(hash.data(), 4)) + "+" +
         Base64Encode(material);
}

}  // namespace

// ---------------------------------------------------------------------------
// Known answers

TEST_CASE("Go's sumdb/note key signs its known note byte for byte", "[note][kat]") {
  const GoKat kat = LoadGoKat();
  const Result<NoteSigner> signer = NoteSigner::ParsePrivateKey(kat.skey);
  REQUIRE(signer.ok());
  CHECK(signer->name() == "PeterNeumann");
  CHECK(signer->verifier().key_id() == 0xc74f20a3);
  CHECK(signer->verifier().ToString() == kat.vkey);
  CHECK(signer->PrivateKeyText() == kat.skey);
  const Result<std::string> note = signer->Sign(kat.text);
  REQUIRE(note.ok());
  CHECK(*note == kat.signed_note);
}

TEST_CASE("Go's known note opens with its verifier key", "[note][kat]") {
  const GoKat kat = LoadGoKat();
  const Result<NoteVerifierKey> key = NoteVerifierKey::Parse(kat.vkey);
  REQUIRE(key.ok());
  CHECK(key->ToString() == kat.vkey);
  const std::vector<NoteVerifierKey> known = {*key};
  const Result<OpenedNote> opened = OpenNote(kat.signed_note, known);
  REQUIRE(opened.ok());
  CHECK(opened->text == kat.text);
  REQUIRE(opened->verified.size() == 1);
  CHECK(opened->verified[0].name == "PeterNeumann");
  CHECK(opened->verified[0].key_id == 0xc74f20a3);
  CHECK(opened->unverified.empty());
}

TEST_CASE("the C2SP signed-note example verifies with its verifier key", "[note][kat]") {
  // C2SP publishes only the verifier key and the signed note of this example,
  // not the private key, so there is no byte-for-byte signing check for it.
  const nlohmann::json sample = LoadSample();
  const auto& kat = sample.at("signed_note_kats").at(1);
  const Result<NoteVerifierKey> key = NoteVerifierKey::Parse(kat.at("vkey").get<std::string>());
  REQUIRE(key.ok());
  CHECK(key->name() == "example.com/foo");
  CHECK(key->key_id() == 0x530d903a);
  CHECK(key->ToString() == kat.at("vkey").get<std::string>());
  const std::vector<NoteVerifierKey> known = {*key};
  const Result<OpenedNote> opened = OpenNote(kat.at("signed_note").get<std::string>(), known);
  REQUIRE(opened.ok());
  CHECK(opened->text == kat.at("text").get<std::string>());
  CHECK(opened->verified.size() == 1);
}

TEST_CASE("Ed25519 signing matches RFC 8032's first test vector", "[note][kat]") {
  // RFC 8032 §7.1, TEST 1: the empty message.
  std::array<uint8_t, 32> seed;
  REQUIRE(HexDecode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", seed));
  const Result<NoteSigner> signer = NoteSigner::FromSeed("rfc8032", seed);
  REQUIRE(signer.ok());
  CHECK(HexEncode(signer->verifier().public_key()) ==
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const Result<std::array<uint8_t, 64>> signature = signer->SignBytes("");
  REQUIRE(signature.ok());
  CHECK(HexEncode(*signature) ==
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39"
        "701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  CHECK(signer->verifier().Verify("", *signature).ok());
  CHECK(signer->verifier().Verify("x", *signature).IsCorruption());
  CHECK(signer->verifier().Verify("", std::span(*signature).first(63)).IsCorruption());
}

TEST_CASE("Go's sumdb tree note parses as a checkpoint", "[checkpoint][kat]") {
  const nlohmann::json sample = LoadSample();
  const auto& kat = sample.at("sumdb_tlog_kats").at(0);
  const Result<Checkpoint> checkpoint = ParseCheckpoint(kat.at("tree_note").get<std::string>());
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->origin == "go.sum database tree");
  CHECK(checkpoint->size == 123456789012u);
  CHECK(Base64Encode(checkpoint->root) == kat.at("want_b64").get<std::string>());
  CHECK(checkpoint->extensions.empty());
  CHECK(FormatCheckpoint(*checkpoint) == kat.at("tree_note").get<std::string>());
}

// ---------------------------------------------------------------------------
// Signing and opening

TEST_CASE("a generated key signs notes that open with its verifier", "[note]") {
  const NoteSigner signer = MustGenerate("lumbung.example/log");
  const std::string text = Cat("lumbung.example/log\n42\n", Base64Encode(EmptyRootHash()), "\n");
  const std::string note = MustSign(signer, text);
  const std::vector<NoteVerifierKey> known = {signer.verifier()};
  const Result<OpenedNote> opened = OpenNote(note, known);
  REQUIRE(opened.ok());
  CHECK(opened->text == text);
  REQUIRE(opened->verified.size() == 1);
  CHECK(opened->verified[0].name == "lumbung.example/log");
  CHECK(opened->verified[0].key_id == signer.verifier().key_id());
  // Two keys never share a seed.
  CHECK(MustGenerate("lumbung.example/log").verifier().public_key() !=
        signer.verifier().public_key());
}

TEST_CASE("a note text may contain blank lines, the last one separates the signatures", "[note]") {
  const NoteSigner signer = MustGenerate("poet");
  const std::string text = "Ognuno sta solo\n\ned \xC3\xA8 subito sera.\n";
  const std::vector<NoteVerifierKey> known = {signer.verifier()};
  const Result<OpenedNote> opened = OpenNote(MustSign(signer, text), known);
  REQUIRE(opened.ok());
  CHECK(opened->text == text);
}

TEST_CASE("a note with several signatures verifies and lists the unknown ones", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const NoteSigner witness = MustGenerate("witness.example");
  const std::string text = "several signers\n";
  const std::string note = MustSign(log, text) + SignatureLines(MustSign(witness, text), text);

  const std::vector<NoteVerifierKey> only_log = {log.verifier()};
  const Result<OpenedNote> opened = OpenNote(note, only_log);
  REQUIRE(opened.ok());
  REQUIRE(opened->verified.size() == 1);
  CHECK(opened->verified[0].name == "log.example");
  REQUIRE(opened->unverified.size() == 1);
  CHECK(opened->unverified[0].name == "witness.example");
  CHECK(opened->unverified[0].key_id == witness.verifier().key_id());

  const std::vector<NoteVerifierKey> both = {witness.verifier(), log.verifier()};
  const Result<OpenedNote> all = OpenNote(note, both);
  REQUIRE(all.ok());
  CHECK(all->verified.size() == 2);
  CHECK(all->unverified.empty());
}

TEST_CASE("a signature matching a known key's name or id, but not both, is ignored", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const std::string text = "name and id\n";
  const std::string note = MustSign(log, text);
  const std::string bytes = DecodeSignature(SignatureLines(note, text));
  std::string other_id = bytes;
  other_id[0] = static_cast<char>(other_id[0] ^ 0x01);
  const std::string forged =
      note + SignatureLine("log.example", other_id) + SignatureLine("impostor.example", bytes);
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  const Result<OpenedNote> opened = OpenNote(forged, known);
  REQUIRE(opened.ok());
  CHECK(opened->verified.size() == 1);
  CHECK(opened->unverified.size() == 2);
}

TEST_CASE("a note signed only by unknown keys is rejected", "[note]") {
  const NoteSigner stranger = MustGenerate("stranger.example");
  const NoteSigner log = MustGenerate("log.example");
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  const Result<OpenedNote> opened = OpenNote(MustSign(stranger, "hello\n"), known);
  CHECK(opened.status().IsCorruption());
  CHECK(opened.status().reason() == "unverified_note");
  CHECK(OpenNote(MustSign(log, "hello\n"), {}).status().reason() == "unverified_note");
}

TEST_CASE("a known key's corrupted signature rejects the whole note", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const NoteSigner witness = MustGenerate("witness.example");
  const std::string text = "corrupted\n";
  const std::string bytes = DecodeSignature(SignatureLines(MustSign(witness, text), text));
  for (const size_t at : {size_t{4}, size_t{30}, bytes.size() - 1}) {
    std::string corrupted = bytes;
    corrupted[at] = static_cast<char>(corrupted[at] ^ 0x20);
    // A valid signature by another known key does not save it.
    const std::string note = MustSign(log, text) + SignatureLine("witness.example", corrupted);
    const std::vector<NoteVerifierKey> known = {log.verifier(), witness.verifier()};
    const Result<OpenedNote> opened = OpenNote(note, known);
    INFO("byte " << at);
    CHECK(opened.status().IsCorruption());
    CHECK(opened.status().reason() == "invalid_signature");
  }
  // A signature of the wrong length by a known key is a bad signature too.
  const std::string shortened = bytes.substr(0, bytes.size() - 1);
  const std::vector<NoteVerifierKey> known = {witness.verifier()};
  CHECK(OpenNote(text + "\n" + SignatureLine("witness.example", shortened), known)
            .status()
            .reason() == "invalid_signature");
}

TEST_CASE("a checkpoint whose root was changed under its signature is rejected", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  Checkpoint checkpoint{"log.example", 7, Sha256(std::string_view("root")), {}};
  const std::string note = MustSign(log, FormatCheckpoint(checkpoint));
  const std::string signatures = SignatureLines(note, FormatCheckpoint(checkpoint));
  checkpoint.root = Sha256(std::string_view("another root"));
  const std::string forged = FormatCheckpoint(checkpoint) + "\n" + signatures;
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  CHECK(OpenNote(note, known).ok());
  CHECK(OpenNote(forged, known).status().reason() == "invalid_signature");
}

TEST_CASE("repeated signatures are counted once", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const NoteSigner stranger = MustGenerate("stranger.example");
  const std::string text = "repeats\n";
  const std::string log_line = SignatureLines(MustSign(log, text), text);
  const std::string stranger_line = SignatureLines(MustSign(stranger, text), text);
  const std::string note = text + "\n" + log_line + stranger_line + log_line + stranger_line;
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  const Result<OpenedNote> opened = OpenNote(note, known);
  REQUIRE(opened.ok());
  CHECK(opened->verified.size() == 1);
  CHECK(opened->unverified.size() == 1);
}

TEST_CASE("a note may carry up to 100 signatures, not more", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const std::string note = MustSign(log, "many signatures\n");
  // Distinct unknown signatures, so that none is dropped as a repeat.
  const auto strangers = [](int count) {
    std::string lines;
    for (int i = 0; i < count; ++i) {
      lines += SignatureLine(Cat("stranger", std::to_string(i)), std::string(68, 'x'));
    }
    return lines;
  };
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  const Result<OpenedNote> hundred = OpenNote(note + strangers(99), known);
  REQUIRE(hundred.ok());
  CHECK(hundred->unverified.size() == 99);
  const Result<OpenedNote> too_many = OpenNote(note + strangers(100), known);
  CHECK(too_many.status().reason() == "malformed_note");
}

TEST_CASE("malformed notes are rejected", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const std::string text = "malformed\n";
  const std::string note = MustSign(log, text);
  const std::string line = SignatureLines(note, text);
  const std::string body = line.substr(4, line.size() - 5);  // "<name> <base64>"
  const std::vector<NoteVerifierKey> known = {log.verifier()};
  REQUIRE(OpenNote(note, known).ok());

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"no blank line", text + line},
      {"no signature", text + "\n"},
      {"nothing at all", ""},
      {"no final newline", note.substr(0, note.size() - 1)},
      {"text not ending in a blank line", "malformed\n" + line},
      {"hyphen instead of em dash", text + "\n- " + body + "\n"},
      {"en dash instead of em dash", text + "\n\xE2\x80\x93 " + body + "\n"},
      {"no space after the dash", text + "\n\xE2\x80\x94" + body + "\n"},
      {"two spaces after the dash", text + "\n\xE2\x80\x94  " + body + "\n"},
      {"no signature after the name", text + "\n\xE2\x80\x94 log.example\n"},
      {"empty signature", text + "\n\xE2\x80\x94 log.example \n"},
      {"bad base64", text + "\n\xE2\x80\x94 log.example AAAA*AAA\n"},
      {"unpadded base64", text + "\n\xE2\x80\x94 log.example AAAAAAA\n"},
      {"signature of 4 bytes", text + "\n\xE2\x80\x94 log.example AAAAAA==\n"},
      {"blank line among signatures", note + "\n" + line},
      {"trailing text after signatures", note + "hello\n"},
      {"not UTF-8", "caf\xE9\n\n" + line},
      {"overlong UTF-8", "\xC0\xAF\n\n" + line},
      {"tab", "a\tb\n\n" + line},
      {"carriage return", "a\r\n\n" + line},
      {"NUL", std::string("a\0b\n\n", 5) + line},
      {"escape", "a\x1b[0m\n\n" + line},
      {"carriage return in signatures", note.substr(0, note.size() - 1) + "\r\n"},
  };
  for (const auto& [what, malformed] : bad) {
    INFO(what);
    const Result<OpenedNote> opened = OpenNote(malformed, known);
    CHECK_FALSE(opened.ok());
    CHECK(opened.status().IsCorruption());
  }
}

TEST_CASE("signing refuses text that is not note text", "[note]") {
  const NoteSigner log = MustGenerate("log.example");
  const std::vector<std::string> bad = {"",          "no newline", "a\tb\n",
                                        "caf\xE9\n", "a\rb\n",     std::string("\0\n", 2)};
  for (const std::string& text : bad) {
    INFO(text);
    CHECK(log.Sign(text).status().code() == Code::kInvalidArgument);
  }
  CHECK(log.Sign("\n").ok());
  CHECK(log.Sign("unicode \xE2\x9C\x93\n").ok());
}

// ---------------------------------------------------------------------------
// Keys

TEST_CASE("a private key text parses back to the same key", "[note][key]") {
  const NoteSigner signer = MustGenerate("lumbung.example/round-trip");
  const std::string text = signer.PrivateKeyText();
  CHECK(text.starts_with("PRIVATE+KEY+lumbung.example/round-trip+"));
  const Result<NoteSigner> parsed = NoteSigner::ParsePrivateKey(text);
  REQUIRE(parsed.ok());
  CHECK(parsed->verifier().ToString() == signer.verifier().ToString());
  CHECK(parsed->PrivateKeyText() == text);
  // Ed25519 is deterministic: the same key signs the same note.
  CHECK(MustSign(*parsed, "same\n") == MustSign(signer, "same\n"));
  const Result<NoteVerifierKey> verifier = NoteVerifierKey::Parse(signer.verifier().ToString());
  REQUIRE(verifier.ok());
  CHECK(verifier->public_key() == signer.verifier().public_key());
}

TEST_CASE("verifier keys with a bad name, id, algorithm or length are refused", "[note][key]") {
  const GoKat kat = LoadGoKat();
  const std::string material =
      *Base64Decode(kat.vkey.substr(std::string_view("PeterNeumann+c74f20a3+").size()));
  REQUIRE(material.size() == 33);
  const std::string pub = material.substr(1);
  const auto refuses = [](const std::string& text, std::string_view about) {
    const Result<NoteVerifierKey> key = NoteVerifierKey::Parse(text);
    INFO(text);
    REQUIRE_FALSE(key.ok());
    CHECK(key.status().code() == Code::kInvalidArgument);
    CHECK(key.status().reason() == "invalid_key");
    CHECK(key.status().message().find(about) != std::string_view::npos);
  };
  refuses("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match");
  refuses("PeterNeumanN+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "does not match");
  refuses("PeterNeumann+c74f20a+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex");
  refuses("PeterNeumann+c74f20a3x+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW", "hex");
  refuses("PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10T", "base64");
  refuses("PeterNeumann+c74f20a3+", "base64");
  refuses("PeterNeumann+c74f20a3", "base64");
  refuses("PeterNeumann", "hex");
  refuses(VerifierTextFor("PeterNeumann", "\x02" + pub), "algorithm");
  refuses(VerifierTextFor("PeterNeumann", Cat("\x01", pub.substr(1))), "32 bytes");
  refuses(VerifierTextFor("PeterNeumann", "\x01" + pub + "x"), "32 bytes");
  for (const std::string name :
       {"", "Peter Neumann", "Peter\tNeumann", "Peter\xC2\xA0Neumann", "Peter\xE3\x80\x80Neumann",
        "Peter\xE2\x80\xA8Neumann", "caf\xE9", "a\x01"}) {
    refuses(VerifierTextFor(name, material), "name");
  }
  // Upper-case hex is accepted, as Go's strconv does; the key text is then
  // written back in lower case.
  const Result<NoteVerifierKey> upper =
      NoteVerifierKey::Parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW");
  REQUIRE(upper.ok());
  CHECK(upper->ToString() == kat.vkey);
}

TEST_CASE("private keys with a bad prefix, name, id or algorithm are refused", "[note][key]") {
  const GoKat kat = LoadGoKat();
  const auto refuses = [](const std::string& text, std::string_view about) {
    const Result<NoteSigner> signer = NoteSigner::ParsePrivateKey(text);
    INFO(text);
    REQUIRE_FALSE(signer.ok());
    CHECK(signer.status().reason() == "invalid_key");
    CHECK(signer.status().message().find(about) != std::string_view::npos);
  };
  // The base64 itself holds a '+', so the prefix is cut by its length.
  const std::string seed64 =
      kat.skey.substr(std::string_view("PRIVATE+KEY+PeterNeumann+c74f20a3+").size());
  std::string seed_material = *Base64Decode(seed64);
  refuses("PRIVATE+KEY+PeterNeumann+c74f20a4+" + seed64, "does not match");
  refuses("PRIVATE+KEY+EnochRoot+c74f20a3+" + seed64, "does not match");
  refuses("PRIVATE+KEY+Peter Neumann+c74f20a3+" + seed64, "name");
  refuses("PRIVATE+KEYS+PeterNeumann+c74f20a3+" + seed64, "PRIVATE+KEY+");
  refuses("PRIVATE+PeterNeumann+c74f20a3+" + seed64, "PRIVATE+KEY+");
  refuses("private+key+PeterNeumann+c74f20a3+" + seed64, "PRIVATE+KEY+");
  refuses(kat.vkey, "PRIVATE+KEY+");
  refuses(
      Cat("PRIVATE+KEY+PeterNeumann+c74f20a3+", Base64Encode(Cat("\x02", seed_material.substr(1)))),
      "algorithm");
  refuses(Cat("PRIVATE+KEY+PeterNeumann+c74f20a3+", Base64Encode(seed_material.substr(0, 32))),
          "32 bytes");
  refuses("PRIVATE+KEY+PeterNeumann+c74f20a3+" + seed64.substr(1), "base64");
}

TEST_CASE("keys need a valid name and a 32-byte seed", "[note][key]") {
  CHECK(NoteSigner::Generate("").status().code() == Code::kInvalidArgument);
  CHECK(NoteSigner::Generate("with space").status().code() == Code::kInvalidArgument);
  CHECK(NoteSigner::Generate("with+plus").status().code() == Code::kInvalidArgument);
  CHECK(NoteSigner::Generate("nbsp\xC2\xA0").status().code() == Code::kInvalidArgument);
  CHECK(NoteSigner::Generate("example.com/ok-name_1").ok());
  CHECK(NoteSigner::Generate("\xE2\x9C\x93").ok());  // non-space Unicode is fine
  const std::array<uint8_t, 31> short_seed{};
  CHECK(NoteSigner::FromSeed("name", short_seed).status().code() == Code::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// Checkpoints

TEST_CASE("checkpoints round-trip through their text", "[checkpoint]") {
  const std::vector<Checkpoint> checkpoints = {
      {"example.com/log", 0, EmptyRootHash(), {}},
      {"example.com/log", 1, Sha256(std::string_view("one")), {}},
      {"lumbung.example/desa-sukamaju",
       UINT64_MAX,
       Sha256(std::string_view("max")),
       {"extension one", "\xE2\x80\x94 two"}},
  };
  for (const Checkpoint& checkpoint : checkpoints) {
    const std::string text = FormatCheckpoint(checkpoint);
    INFO(text);
    const Result<Checkpoint> parsed = ParseCheckpoint(text);
    REQUIRE(parsed.ok());
    CHECK(parsed->origin == checkpoint.origin);
    CHECK(parsed->size == checkpoint.size);
    CHECK(parsed->root == checkpoint.root);
    CHECK(parsed->extensions == checkpoint.extensions);
    CHECK(FormatCheckpoint(*parsed) == text);
  }
  CHECK(FormatCheckpoint(checkpoints[1]) ==
        Cat("example.com/log\n1\n", Base64Encode(Sha256(std::string_view("one"))), "\n"));
}

TEST_CASE("checkpoint parsing is strict", "[checkpoint]") {
  const std::string root = Base64Encode(EmptyRootHash());
  const std::string root31 = Base64Encode(std::string(31, 'r'));
  const std::string root33 = Base64Encode(std::string(33, 'r'));
  REQUIRE(ParseCheckpoint("o\n10\n" + root + "\n").ok());
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"leading zero", "o\n010\n" + root + "\n"},
      {"zero with a leading zero", "o\n00\n" + root + "\n"},
      {"plus sign", "o\n+1\n" + root + "\n"},
      {"negative", "o\n-1\n" + root + "\n"},
      {"not a number", "o\n1a\n" + root + "\n"},
      {"hex", "o\n0x10\n" + root + "\n"},
      {"space before size", "o\n 1\n" + root + "\n"},
      {"empty size", "o\n\n" + root + "\n"},
      {"size past 64 bits", "o\n18446744073709551616\n" + root + "\n"},
      {"root of 31 bytes", "o\n1\n" + root31 + "\n"},
      {"root of 33 bytes", "o\n1\n" + root33 + "\n"},
      {"root not base64", Cat("o\n1\n*", root.substr(1), "\n")},
      {"root in hex", Cat("o\n1\n", ToHex(EmptyRootHash()), "\n")},
      {"root without padding", Cat("o\n1\n", root.substr(0, root.size() - 1), "\n")},
      {"root with a space", "o\n1\n" + root + " \n"},
      {"empty origin", "\n1\n" + root + "\n"},
      {"no trailing newline", "o\n1\n" + root},
      {"no root", "o\n1\n"},
      {"empty", ""},
      {"empty extension line", "o\n1\n" + root + "\n\next\n"},
      {"blank line at the end", "o\n1\n" + root + "\n\n"},
      {"tab in origin", "o\tx\n1\n" + root + "\n"},
      {"carriage return", "o\n1\r\n" + root + "\n"},
      {"not UTF-8", "o\xFF\n1\n" + root + "\n"},
  };
  for (const auto& [what, text] : bad) {
    INFO(what);
    const Result<Checkpoint> parsed = ParseCheckpoint(text);
    CHECK_FALSE(parsed.ok());
    CHECK(parsed.status().reason() == "malformed_checkpoint");
  }
  const Result<Checkpoint> max = ParseCheckpoint("o\n18446744073709551615\n" + root + "\n");
  REQUIRE(max.ok());
  CHECK(max->size == UINT64_MAX);
  const Result<Checkpoint> zero = ParseCheckpoint("o\n0\n" + root + "\next 1\next 2\n");
  REQUIRE(zero.ok());
  CHECK(zero->size == 0);
  CHECK(zero->extensions == std::vector<std::string>{"ext 1", "ext 2"});
}
