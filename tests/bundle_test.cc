// The auditor bundle end to end: `lumbung export bundle` and
// `lumbung verify --bundle`, the tamper matrix of issue 5 (each tamper
// detected, the seq or file named, exit 1), --since against rolled-back and
// rewritten logs, the replay hook, and hostile entries.bin files.

#include "lumbung/audit/bundle.h"

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <archive.h>
#include <archive_entry.h>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "lumbung/audit/bundle_verify.h"
#include "lumbung/audit/note.h"
#include "lumbung/export/bundle.h"
#include "lumbung/ledger/checkpoint.h"

#include "audit_fixture.h"
#include <sys/stat.h>

using namespace lumbung;
namespace fs = std::filesystem;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;
const std::string kSchemaSourceDir = LUMBUNG_SCHEMA_SOURCE_DIR;

testing::CommandResult Cli(std::vector<std::string> args) {
  args.insert(args.begin(), kCli);
  return testing::RunCommand(args);
}

testing::CommandResult Export(const std::string& data, const std::string& out,
                              std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"export", "bundle", "--out", out, "--data", data};
  args.insert(args.end(), extra.begin(), extra.end());
  return Cli(args);
}

testing::CommandResult VerifyCli(const std::string& bundle, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"verify", "--bundle", bundle};
  args.insert(args.end(), extra.begin(), extra.end());
  return Cli(args);
}

// A ledger of a programme with 150 households (304 entries) and its bundle.
struct Exported {
  testing::TempDir dir;
  std::string data = dir / "data";
  std::string bundle = dir / "bundle";
  std::string vkey;
  audit::Hash root{};
  uint64_t size = 0;

  Exported() {
    testing::MakeProgrammeLedger(data, 150);
    {
      auto ledger = testing::OpenForTest(data, /*read_only=*/true);
      vkey = ledger->verifier_key();
      size = ledger->size();
      root = ledger->Snapshot()->Root(size).value();
    }
    const auto r = Export(data, bundle);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  std::string Copy(const std::string& name) const {
    const std::string to = dir / name;
    fs::copy(bundle, to, fs::copy_options::recursive);
    return to;
  }
};

std::vector<std::string> ReadFrames(const std::string& path) {
  const std::string bytes = testing::ReadFile(path);
  std::vector<std::string> frames;
  for (size_t at = 0; at + 4 <= bytes.size();) {
    const auto* b = reinterpret_cast<const uint8_t*>(bytes.data() + at);
    const size_t length = size_t{b[0]} << 24 | size_t{b[1]} << 16 | size_t{b[2]} << 8 | b[3];
    frames.push_back(bytes.substr(at + 4, length));
    at += 4 + length;
  }
  return frames;
}

void WriteFrames(const std::string& path, const std::vector<std::string>& frames) {
  std::string out;
  for (const std::string& frame : frames) audit::AppendEntryFrame(frame, &out);
  testing::WriteFile(path, out);
}

// Recomputes SHA256SUMS over the files it lists, as a forger would.
void FixSums(const std::string& dir) {
  auto lines = audit::ParseSha256Sums(testing::ReadFile(dir + "/SHA256SUMS"));
  REQUIRE(lines.ok());
  for (audit::SumsLine& line : *lines) {
    line.sha256 = audit::Sha256(testing::ReadFile(dir + "/" + line.name));
  }
  testing::WriteFile(dir + "/SHA256SUMS", audit::FormatSha256Sums(*lines));
}

// checkpoint.txt's body and its signature lines.
std::pair<std::string, std::string> SplitNote(const std::string& note) {
  const size_t blank = note.rfind("\n\n");
  return {note.substr(0, blank + 1), note.substr(blank + 2)};
}

void Resign(const std::string& dir, const audit::NoteSigner& signer) {
  const auto [body, signatures] = SplitNote(testing::ReadFile(dir + "/checkpoint.txt"));
  testing::WriteFile(dir + "/checkpoint.txt", signer.Sign(body).value());
}

bool Contains(const std::string& text, const std::string& what) {
  return text.find(what) != std::string::npos;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("bundle: export then verify --bundle passes and reports the ledger", "[bundle]") {
  Exported e;
  const auto r = VerifyCli(e.bundle);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Contains(r.out, "entries: " + std::to_string(e.size) + "\n"));
  CHECK(Contains(r.out, "tree size: " + std::to_string(e.size) + "\n"));
  CHECK(Contains(r.out, "root: " + audit::ToHex(e.root) + "\n"));
  // The replay through the domain rules reproduced balances.csv, and the
  // totals are reported: 150 households paid 750,000 each.
  CHECK(Contains(r.out, "equal to the replay of the entries"));
  CHECK(Contains(r.out,
                 "IDR: 1,500,000,000 funded, 1,387,500,000 held by programmes, "
                 "112,500,000 received"));
  const auto key = audit::NoteVerifierKey::Parse(e.vkey).value();
  char key_id[9];
  std::snprintf(key_id, sizeof key_id, "%08x", key.key_id());
  CHECK(Contains(r.out, std::string("signer: ") + testing::kAuditOrigin + " (key id " + key_id));
  CHECK(Contains(r.out, "origin: " + std::string(testing::kAuditOrigin)));
  CHECK(Contains(r.out, "effective dates: "));
  CHECK(Contains(r.out, " .. "));
  CHECK(r.err.empty());  // no progress line when stderr is not a terminal

  // The auditor's own copy of the key, as text or as a file.
  CHECK(VerifyCli(e.bundle, {"--vkey", e.vkey}).exit_code == 0);
  testing::WriteFile(e.dir / "ledger.vkey", e.vkey + "\n");
  CHECK(VerifyCli(e.bundle, {"--vkey", e.dir / "ledger.vkey"}).exit_code == 0);
}

TEST_CASE("bundle: the files are what the format says", "[bundle]") {
  Exported e;
  auto sums = audit::ParseSha256Sums(testing::ReadFile(e.bundle + "/SHA256SUMS"));
  REQUIRE(sums.ok());
  std::vector<std::string> names;
  for (const auto& line : *sums) names.push_back(line.name);
  CHECK(names ==
        std::vector<std::string>(std::begin(audit::kBundleFiles), std::end(audit::kBundleFiles)));
  // entries.bin: the stored bytes, in seq order.
  const std::vector<std::string> frames = ReadFrames(e.bundle + "/entries.bin");
  REQUIRE(frames.size() == e.size);
  {
    auto ledger = testing::OpenForTest(e.data, /*read_only=*/true);
    REQUIRE(ledger->Snapshot()
                ->ScanEntries(0, e.size,
                              [&](uint64_t seq, std::string_view bytes) {
                                REQUIRE(frames[seq] == bytes);
                                return Status();
                              })
                .ok());
  }
  // entries.jsonl: exactly what `lumbung log` prints.
  const auto log = Cli({"log", "--limit", "1000", "--data", e.data});
  REQUIRE(log.exit_code == 0);
  CHECK(testing::ReadFile(e.bundle + "/entries.jsonl") == log.out);
  CHECK(testing::ReadFile(e.bundle + "/schema/entry.fbs") ==
        testing::ReadFile(kSchemaSourceDir + "/entry.fbs"));
  CHECK(testing::ReadFile(e.bundle + "/schema/events.fbs") ==
        testing::ReadFile(kSchemaSourceDir + "/events.fbs"));
  CHECK(testing::ReadFile(e.bundle + "/verifier-key.txt") == e.vkey + "\n");
  // balances.csv: what `lumbung balances` says at the checkpoint's size.
  {
    auto rows = audit::ParseBalancesCsv(testing::ReadFile(e.bundle + "/balances.csv"));
    REQUIRE(rows.ok());
    const auto listed = Cli({"balances", "--data", e.data, "--as-of-seq", std::to_string(e.size)});
    REQUIRE(listed.exit_code == 0);
    std::vector<audit::BalanceRow> expected;
    std::istringstream lines(listed.out);
    for (std::string line; std::getline(lines, line);) {
      const auto j = nlohmann::json::parse(line);
      expected.push_back({j["account"], j["unit"], j["balance"]});
    }
    REQUIRE(audit::SortBalanceRows(&expected).ok());
    CHECK(*rows == expected);
    CHECK(rows->size() > 3);
  }
  CHECK(Contains(testing::ReadFile(e.bundle + "/README.txt"), testing::kAuditOrigin));
  const auto key = audit::NoteVerifierKey::Parse(e.vkey).value();
  const auto opened =
      audit::OpenNote(testing::ReadFile(e.bundle + "/checkpoint.txt"), std::span(&key, 1));
  REQUIRE(opened.ok());
  CHECK(audit::ParseCheckpoint(opened->text)->root == e.root);
  // coreutils checks the manifest too.
  if (fs::exists("/usr/bin/sha256sum")) {
    const auto check =
        testing::RunCommand({"/bin/sh", "-c", "cd '" + e.bundle + "' && sha256sum -c SHA256SUMS"});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 0);
  }
  // An existing folder is never overwritten, and nothing is left behind.
  const auto again = Export(e.data, e.bundle);
  CHECK(again.exit_code == 2);
  CHECK(Contains(again.out, "already exists"));
  for (const auto& entry : fs::directory_iterator(e.dir.path())) {
    CHECK_FALSE(Contains(entry.path().filename().string(), ".tmp-"));
  }
}

TEST_CASE("bundle: the tar holds the same files, and the same folder gives the same bytes",
          "[bundle][tar]") {
  Exported e;
  const std::string out = e.dir / "b2";
  const std::string tar = e.dir / "b2.tar";
  const auto r = Export(e.data, out, {"--tar", tar});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  archive* a = archive_read_new();
  archive_read_support_format_tar(a);
  REQUIRE(archive_read_open_filename(a, tar.c_str(), 1 << 16) == ARCHIVE_OK);
  std::vector<std::string> files;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(a, &entry) == ARCHIVE_OK) {
    const std::string path = archive_entry_pathname(entry);
    REQUIRE(path.rfind("b2/", 0) == 0);
    if (archive_entry_filetype(entry) != AE_IFREG) continue;
    std::string contents(static_cast<size_t>(archive_entry_size(entry)), '\0');
    REQUIRE(archive_read_data(a, contents.data(), contents.size()) ==
            static_cast<la_ssize_t>(contents.size()));
    CHECK(contents == testing::ReadFile(out + "/" + path.substr(3)));
    CHECK((archive_entry_perm(entry) & 0777) == 0644);
    files.push_back(path.substr(3));
  }
  archive_read_free(a);
  CHECK(files.size() == std::size(audit::kBundleFiles) + 1);  // and SHA256SUMS
  CHECK(std::is_sorted(files.begin(), files.end()));

  auto stream = [&] {
    std::string bytes;
    REQUIRE(exports::WriteBundleTar(out, "b2", 1'700'000'000, [&](std::string_view d) {
              bytes.append(d);
              return Status();
            }).ok());
    return bytes;
  };
  CHECK(stream() == stream());
  const auto refused = exports::WriteBundleTar(
      out, "b2", 0, [](std::string_view) { return Status::IOError("client went away"); });
  CHECK(refused.message() == "client went away");
}

namespace {

// One tamper of the matrix: what is done to a copy of the bundle, extra
// arguments for `verify --bundle`, and what the output must name.
struct TamperCase {
  std::string name;
  std::function<void(const std::string&)> tamper;
  std::vector<std::string> args;
  std::vector<std::string> named;  // each must appear in the output ("a|b": either)
};

const std::string kEntries = "/entries.bin";

// Changes 150's beneficiary id: the entry stays a valid FlatBuffer.
void FlipInId(const std::string& dir) {
  auto frames = ReadFrames(dir + kEntries);
  const size_t at = frames[150].find("hh-0000");
  REQUIRE(at != std::string::npos);
  frames[150][at + 4] ^= 0x01;
  WriteFrames(dir + kEntries, frames);
}

// Tampers with entries.bin (of 304 entries).
std::vector<TamperCase> EntryTampers() {
  return {
      {"byte flip in an entry, manifest fixed",
       [=](const std::string& d) {
         FlipInId(d);
         FixSums(d);
       },
       {},
       {"seq 151", "entry 150"}},
      {"byte flip in an entry, manifest not fixed",
       FlipInId,
       {},
       {"entries.bin: does not match its SHA-256", "entry 150"}},
      {"byte flip in an entry's structure, manifest fixed",
       [=](const std::string& d) {
         auto frames = ReadFrames(d + kEntries);
         frames[77][8] ^= 0x40;
         WriteFrames(d + kEntries, frames);
         FixSums(d);
       },
       {},
       {"seq 77|entry 77"}},
      {"deleted entry",
       [=](const std::string& d) {
         auto frames = ReadFrames(d + kEntries);
         frames.erase(frames.begin() + 100);
         WriteFrames(d + kEntries, frames);
         FixSums(d);
       },
       {},
       {"seq 100"}},
      {"two entries swapped",
       [=](const std::string& d) {
         auto frames = ReadFrames(d + kEntries);
         std::swap(frames[200], frames[201]);
         WriteFrames(d + kEntries, frames);
         FixSums(d);
       },
       {},
       {"seq 200"}},
      {"truncated tail against the checkpoint",
       [=](const std::string& d) {
         auto frames = ReadFrames(d + kEntries);
         frames.resize(frames.size() - 4);
         WriteFrames(d + kEntries, frames);
         FixSums(d);
       },
       {},
       {"seq 300", "missing"}},
      {"file cut inside the last entry",
       [=](const std::string& d) {
         const std::string bytes = testing::ReadFile(d + kEntries);
         testing::WriteFile(d + kEntries, bytes.substr(0, bytes.size() - 10));
         FixSums(d);
       },
       {},
       {"entries.bin: seq 303", "truncated"}},
      {"a length prefix out of bounds",
       [=](const std::string& d) {
         std::string bytes = testing::ReadFile(d + kEntries);
         bytes.replace(0, 4, "\xff\xff\xff\xff");
         testing::WriteFile(d + kEntries, bytes);
         FixSums(d);
       },
       {},
       {"entries.bin: seq 0", "length prefix"}},
  };
}

// Tampers with the checkpoint, the key and the other files.
std::vector<TamperCase> FileTampers(const std::string& vkey, const audit::NoteSigner& other) {
  return {
      {"forged checkpoint: root changed, signature kept",
       [=](const std::string& d) {
         auto [body, signatures] = SplitNote(testing::ReadFile(d + "/checkpoint.txt"));
         auto cp = audit::ParseCheckpoint(body).value();
         cp.root[0] ^= 0x01;
         testing::WriteFile(d + "/checkpoint.txt", audit::FormatCheckpoint(cp) + "\n" + signatures);
         FixSums(d);
       },
       {},
       {"checkpoint.txt", "does not verify"}},
      {"an empty log, signed by a key of the forger's own",
       [=](const std::string& d) {
         WriteFrames(d + kEntries, {});
         auto [body, signatures] = SplitNote(testing::ReadFile(d + "/checkpoint.txt"));
         auto cp = audit::ParseCheckpoint(body).value();
         cp.size = 0;
         cp.root = audit::EmptyRootHash();
         testing::WriteFile(d + "/checkpoint.txt", other.Sign(audit::FormatCheckpoint(cp)).value());
         testing::WriteFile(d + "/verifier-key.txt", other.verifier().ToString() + "\n");
         testing::WriteFile(d + "/balances.csv", std::string(audit::kBalancesHeader));
         FixSums(d);
       },
       {},
       {"checkpoint.txt: signs an empty log"}},
      {"checkpoint signed by another key",
       [=](const std::string& d) {
         Resign(d, other);
         FixSums(d);
       },
       {},
       {"checkpoint.txt: not signed by the ledger's key"}},
      {"another key for checkpoint and verifier-key.txt",
       [=](const std::string& d) {
         Resign(d, other);
         testing::WriteFile(d + "/verifier-key.txt", other.verifier().ToString() + "\n");
         FixSums(d);
       },
       {},
       {"entries.bin: seq 0: entry 0 records the verifier key"}},
      {"another key in the bundle, the auditor's own key given",
       [=](const std::string& d) {
         Resign(d, other);
         testing::WriteFile(d + "/verifier-key.txt", other.verifier().ToString() + "\n");
         FixSums(d);
       },
       {"--vkey", vkey},
       {"verifier-key.txt: holds the key", "checkpoint.txt"}},
      {"edited balances.csv",
       [=](const std::string& d) {
         testing::WriteFile(d + "/balances.csv",
                            std::string(audit::kBalancesHeader) + "program:pkh-2026,IDR,1\n");
       },
       {},
       {"balances.csv: does not match its SHA-256"}},
      {"edited balances.csv with its SHA-256 fixed",
       [=](const std::string& d) {
         std::string csv = testing::ReadFile(d + "/balances.csv");
         const size_t at = csv.find("program:pkh-2026,IDR,");
         REQUIRE(at != std::string::npos);
         csv.insert(at + std::string("program:pkh-2026,IDR,").size(), "9");
         testing::WriteFile(d + "/balances.csv", csv);
         FixSums(d);
       },
       {},
       {"balances.csv", "gives program:pkh-2026 (IDR) a balance of 9",
        "the replay of the entries gives"}},
      {"an entry appended past the checkpoint",
       [=](const std::string& d) {
         auto frames = ReadFrames(d + kEntries);
         frames.push_back(frames.back());
         WriteFrames(d + kEntries, frames);
         FixSums(d);
       },
       {},
       {"seq 304", "past the recorded end"}},
      {"a FIFO instead of balances.csv",
       [=](const std::string& d) {
         fs::remove(d + "/balances.csv");
         REQUIRE(::mkfifo((d + "/balances.csv").c_str(), 0644) == 0);
       },
       {},
       {"balances.csv: not a regular file"}},
      {"a file added",
       [=](const std::string& d) { testing::WriteFile(d + "/extra.txt", "x"); },
       {},
       {"extra.txt: not listed in SHA256SUMS"}},
      {"a file removed",
       [=](const std::string& d) { fs::remove(d + "/schema/events.fbs"); },
       {},
       {"schema/events.fbs: missing"}},
      {"a manifest that points outside the bundle",
       [=](const std::string& d) {
         std::ofstream(d + "/SHA256SUMS", std::ios::app)
             << audit::ToHex(audit::Hash{}) << "  ../data/keys/checkpoint.key\n";
       },
       {},
       {"SHA256SUMS: line 9"}},
  };
}

}  // namespace

TEST_CASE("bundle: the tamper matrix: each tamper is detected and named", "[bundle][tamper]") {
  Exported e;
  const auto other = audit::NoteSigner::Generate(testing::kAuditOrigin).value();
  std::vector<TamperCase> cases = EntryTampers();
  for (TamperCase& c : FileTampers(e.vkey, other)) cases.push_back(std::move(c));
  int n = 0;
  for (const TamperCase& c : cases) {
    INFO(c.name);
    const std::string dir = e.Copy("t" + std::to_string(n++));
    c.tamper(dir);
    const auto r = VerifyCli(dir, c.args);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 1);
    for (const std::string& named : c.named) {
      INFO("names " << named);
      const size_t bar = named.find('|');
      CHECK((Contains(r.out, named.substr(0, bar)) ||
             (bar != std::string::npos && Contains(r.out, named.substr(bar + 1)))));
    }
    CHECK(Lines(r.err).size() == 1);
    CHECK(Contains(r.err, "bundle verification failed"));
  }
  // The untouched bundle still passes: the failures above are the tampers'.
  CHECK(VerifyCli(e.bundle).exit_code == 0);
}

TEST_CASE("bundle: --since proves the log only grew, and catches rolled-back or rewritten logs",
          "[bundle][since]") {
  testing::TempDir dir;
  const std::string data = dir / "data", fork = dir / "fork";
  testing::MakeProgrammeLedger(data, 80);  // 164 entries
  fs::copy(data, fork, fs::copy_options::recursive);
  {
    auto ledger = testing::OpenForTest(data);
    testing::AppendEvents(*ledger, testing::Households(81, 20));  // 204
  }
  REQUIRE(Export(data, dir / "a").exit_code == 0);
  const std::string old_note = dir / "a-checkpoint.txt";
  fs::copy(dir / "a/checkpoint.txt", old_note);
  {
    auto ledger = testing::OpenForTest(data);
    testing::AppendEvents(*ledger, testing::Households(101, 20));  // 244
  }
  REQUIRE(Export(data, dir / "b").exit_code == 0);
  const auto grown = VerifyCli(dir / "b", {"--since", old_note});
  INFO(grown.out << grown.err);
  CHECK(grown.exit_code == 0);
  CHECK(Contains(grown.out, "since: the checkpoint of size 204 is a prefix of this one"));

  // Rolled back: a bundle of the log as it was before the older checkpoint.
  REQUIRE(Export(data, dir / "c", {"--size", "150"}).exit_code == 0);
  const auto rolled_back = VerifyCli(dir / "c", {"--since", old_note});
  CHECK(rolled_back.exit_code == 1);
  CHECK(Contains(rolled_back.out, "--since: the older checkpoint covers 204 entries"));
  CHECK(Contains(rolled_back.out, "seq 150"));

  // Rewritten: the same key signed a log that forked at seq 164.
  {
    auto ledger = testing::OpenForTest(fork);
    testing::AppendEvents(*ledger, testing::Households(301, 40));  // 244, different
  }
  REQUIRE(Export(fork, dir / "f").exit_code == 0);
  CHECK(VerifyCli(dir / "f").exit_code == 0);  // consistent with itself
  const auto rewritten = VerifyCli(dir / "f", {"--since", old_note});
  CHECK(rewritten.exit_code == 1);
  CHECK(Contains(rewritten.out, "--since: the older checkpoint's root is not the root"));

  // An older checkpoint by another key proves nothing about this ledger.
  const auto stranger = audit::NoteSigner::Generate(testing::kAuditOrigin).value();
  const std::string strange_note = dir / "strange.txt";
  testing::WriteFile(strange_note,
                     stranger.Sign(SplitNote(testing::ReadFile(old_note)).first).value());
  const auto strange = VerifyCli(dir / "b", {"--since", strange_note});
  CHECK(strange.exit_code == 1);
  CHECK(Contains(strange.out, "--since: not signed by the ledger's key"));
}

TEST_CASE("bundle: the replay hook sees every entry and its balances are compared",
          "[bundle][replay]") {
  Exported e;
  uint64_t seen = 0;
  audit::BundleVerifyOptions options;
  std::vector<audit::BalanceRow> replayed =
      audit::ParseBalancesCsv(testing::ReadFile(e.bundle + "/balances.csv")).value();
  audit::EarlierEntry read_earlier;
  options.replay.start = [&](audit::EarlierEntry read) { read_earlier = std::move(read); };
  options.replay.on_entry = [&](uint64_t seq, const audit::VerifiedEntry& entry) {
    CHECK(seq == seen);
    CHECK(entry.entry().seq() == seq);
    ++seen;
    // Earlier entries read back are the ones this entry chains to.
    audit::VerifiedEntry earlier;
    if (seq > 0 && seq % 17 == 0) {
      REQUIRE(read_earlier(seq - 1, &earlier).ok());
      const audit::Hash leaf = audit::LeafHash(earlier.bytes());
      CHECK(std::equal(leaf.begin(), leaf.end(), entry.entry().prev_hash()->bytes()->begin()));
      REQUIRE(read_earlier(seq / 2, &earlier).ok());
      CHECK(earlier.entry().seq() == seq / 2);
      CHECK(read_earlier(seq + 1, &earlier).IsNotFound());
    }
    return Status();
  };
  options.replay.finish = [&]() -> Result<audit::BundleReplay::Outcome> {
    return audit::BundleReplay::Outcome{replayed, {"IDR: 112,500,000 disbursed"}};
  };
  auto report = audit::VerifyBundle(e.bundle, options);
  REQUIRE(report.ok());
  CHECK(report->ok());
  CHECK(seen == e.size);
  CHECK(report->balances_replayed);
  CHECK(report->summary == std::vector<std::string>{"IDR: 112,500,000 disbursed"});

  // A replay without the programme's account: balances.csv lists one too many.
  std::erase_if(replayed,
                [](const audit::BalanceRow& r) { return r.account == "program:pkh-2026"; });
  seen = 0;
  report = audit::VerifyBundle(e.bundle, options);
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].field() == "balances.csv");
  CHECK(report->problems[0].reason() == audit::kBundleReasonBalances);
  CHECK(Contains(std::string(report->problems[0].message()),
                 "lists program:pkh-2026 (IDR) = 1387500000"));

  // A replay that refuses an entry names its seq, and is not called again.
  seen = 0;
  bool finished = false;
  options.replay.on_entry = [&](uint64_t seq, const audit::VerifiedEntry&) {
    ++seen;
    return seq == 42 ? Status::Rejected("insufficient_funds", "amount", "overdraft") : Status();
  };
  options.replay.finish = [&]() -> Result<audit::BundleReplay::Outcome> {
    finished = true;
    return audit::BundleReplay::Outcome{};
  };
  report = audit::VerifyBundle(e.bundle, options);
  REQUIRE(report->problems.size() == 1);
  CHECK(report->problems[0].seq() == 42);
  CHECK(report->problems[0].reason() == "insufficient_funds");
  CHECK(report->problems[0].field() == "entries.bin");
  CHECK(seen == 43);
  CHECK_FALSE(finished);
}

TEST_CASE("bundle: garbage and truncated entries.bin never crash the verifier", "[bundle][fuzz]") {
  Exported e;
  const std::string dir = e.Copy("fuzz");
  const std::string original = testing::ReadFile(e.bundle + "/entries.bin");
  std::mt19937_64 rng(20260311);
  auto run = [&](const std::string& bytes, bool fix_sums) {
    testing::WriteFile(dir + "/entries.bin", bytes);
    if (fix_sums) FixSums(dir);
    audit::BundleVerifyOptions options;
    options.problems_max = 4;
    const auto report = audit::VerifyBundle(dir, options);
    REQUIRE(report.ok());
    return report->ok();
  };
  // Cut at every few bytes through the first entries, and anywhere later.
  for (size_t cut = 0; cut < 900; cut += 11) CHECK_FALSE(run(original.substr(0, cut), true));
  for (int i = 0; i < 24; ++i) {
    CHECK_FALSE(run(original.substr(0, rng() % original.size()), i % 2 == 0));
  }
  for (int i = 0; i < 40; ++i) {  // random garbage, sometimes shaped like frames
    std::string garbage(rng() % 4096, '\0');
    for (char& c : garbage) c = static_cast<char>(rng());
    if (i % 3 == 0 && garbage.size() > 8) garbage.replace(0, 4, std::string("\0\0\x01\0", 4));
    CHECK_FALSE(run(garbage, i % 2 == 0));
  }
  for (int i = 0; i < 40; ++i) {  // a few flipped bytes anywhere
    std::string flipped = original;
    for (int k = 0; k < 1 + i % 5; ++k) {
      char& c = flipped[rng() % flipped.size()];
      c = static_cast<char>(c ^ static_cast<char>(1 + rng() % 255));
    }
    CHECK_FALSE(run(flipped, true));
  }
  CHECK(run(original, true));  // and the real one still verifies
}
