// Fault injection (DESIGN §4): the disk filling up in the middle of a commit
// group, a torn or truncated WAL tail, a corrupted SST block, SIGKILL during
// `rebuild`, `export bundle` and `checkpoint`, and a second process on the
// same folder. After each, the ledger verifies, every acknowledged event is
// there and nothing that was not acknowledged is.
//
// Faults that change process-wide state (a file size limit, a private mount
// namespace) or that must die in the middle of a write run in a child: this
// program executed again on the hidden test case "fault child", which reads
// its scenario from the environment. A fresh process rather than a bare
// fork, so that RocksDB's background threads exist in the child.

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "lumbung/ledger/checkpoint.h"
#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/verify.h"

#include "../ledger/store/db.h"
#include "test_util.h"
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace lumbung;
namespace fs = std::filesystem;

namespace {

const std::string kCli = LUMBUNG_CLI_PATH;
constexpr const char* kChildTest = "fault child";
constexpr const char* kScenarioVar = "LUMBUNG_FAULT_SCENARIO";
constexpr const char* kDirVar = "LUMBUNG_FAULT_DIR";
constexpr const char* kSkipMarker = "fault child skipped: ";
constexpr const char* kOrigin = "lumbung.example/fault";

// ---------------------------------------------------------------- processes

// A child with its standard output and error on one pipe. One that is not
// reaped by Finish (a failed REQUIRE) is killed on destruction.
struct Process {
  pid_t pid = -1;
  int out = -1;
  std::string unread;  // read from `out`, not yet returned as a line

  Process(pid_t p, int fd) : pid(p), out(fd) {}
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() {
    if (out >= 0) close(out);
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

std::string SelfPath() {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  REQUIRE(n > 0);
  return std::string(buf, static_cast<size_t>(n));
}

// Starts argv[0] (a path) with `env` added to this process's environment.
Process Spawn(const std::vector<std::string>& argv, const std::vector<std::string>& env = {}) {
  std::vector<std::string> env_strings = env;  // first: getenv takes the first match
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env_strings) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  int fds[2];
  REQUIRE(pipe2(fds, O_CLOEXEC) == 0);  // no other child inherits the write end
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    dup2(fds[1], 1);
    dup2(fds[1], 2);
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    execve(args[0], args.data(), envp.data());
    _exit(127);
  }
  close(fds[1]);
  return Process(pid, fds[0]);
}

// The next line of the child's output; false at the end of it.
bool ReadLine(Process& p, std::string* line) {
  for (;;) {
    const size_t nl = p.unread.find('\n');
    if (nl != std::string::npos) {
      *line = p.unread.substr(0, nl);
      p.unread.erase(0, nl + 1);
      return true;
    }
    char buf[4096];
    const ssize_t n = read(p.out, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p.unread.append(buf, static_cast<size_t>(n));
  }
}

// Reads the rest of the output and reaps the child: exit code, or 128 +
// the signal that ended it.
testing::CommandResult Finish(Process& p) {
  char buf[65536];
  for (;;) {
    const ssize_t n = read(p.out, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    p.unread.append(buf, static_cast<size_t>(n));
  }
  close(p.out);
  p.out = -1;
  int status = 0;
  while (waitpid(p.pid, &status, 0) < 0 && errno == EINTR) {
  }
  p.pid = -1;
  testing::CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = std::move(p.unread);
  return r;
}

constexpr int kKilled = 128 + SIGKILL;

testing::CommandResult RunChild(const std::string& scenario, const std::string& dir) {
  Process p = Spawn({SelfPath(), kChildTest},
                    {std::string(kScenarioVar) + "=" + scenario, std::string(kDirVar) + "=" + dir});
  return Finish(p);
}

testing::CommandResult Cli(std::vector<std::string> args, const std::string& input = "") {
  args.insert(args.begin(), kCli);
  return testing::RunCommand(args, input);
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `lumbung verify`: the hash chain, the Merkle tree, stored checkpoints.
void CheckLedgerVerifies(const std::string& data) {
  auto verified = Cli({"verify", "--data", data});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
}

// `lumbung rebuild`: the stored projections equal a replay of the log.
void CheckRebuildAgrees(const std::string& data) {
  auto rebuilt = Cli({"rebuild", "--data", data});
  INFO(rebuilt.out << rebuilt.err);
  CHECK(rebuilt.exit_code == 0);
}

void SleepMs(double ms) {
  std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(ms * 1000)));
}

double ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

// ------------------------------------------------------------------- events

// A self-contained event (it opens its own programme), valid in any order.
// `pad` characters of name and legal basis (each at most 240) size it.
std::string ProgramJson(const std::string& id, size_t pad) {
  const std::string filler(std::min<size_t>(pad, 240), 'x');
  return R"({"type":"ProgramOpened","event_id":")" + id +
         R"(","effective_date":"2026-11-03","program_id":"p-)" + id + R"(","name":"Program )" +
         filler + R"(","kind":"FOOD","unit":"PKG_SEMBAKO","legal_basis":"SK 1/2026 )" + filler +
         R"("})";
}

std::vector<EventInput> Batch(const std::string& tag, int count, size_t pad = 0) {
  std::vector<EventInput> out;
  for (int i = 0; i < count; ++i) {
    out.push_back(DecodeEventJson(ProgramJson(tag + "-" + std::to_string(i), pad)));
  }
  return out;
}

std::string JsonLines(const std::string& tag, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out += ProgramJson(tag + "-" + std::to_string(i), 0) + "\n";
  return out;
}

// Every append's outcome, to check the ledger against afterwards: each
// acknowledged event present, each failed one absent.
class Tracker {
 public:
  // Appends `batch` and records the outcome.
  Result<std::vector<Receipt>> Append(Ledger& ledger, std::vector<EventInput> batch) {
    std::vector<std::string> ids;
    for (const auto& e : batch) ids.push_back(e.event_id);
    auto r = ledger.Append(std::move(batch), "fault-test");
    Note(ids, r.status());
    return r;
  }
  void Note(const std::vector<std::string>& ids, const Status& status) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& id : ids) (status.ok() ? acked_ : failed_).insert(id);
  }
  size_t acked() const { return acked_.size(); }

  // Entry 0 (LedgerOpened) plus one entry per acknowledged event.
  void Check(const LedgerSnapshot& snap) const {
    CHECK(snap.size() == 1 + acked_.size());
    for (const auto& id : acked_) {
      INFO("acknowledged " << id);
      CHECK(snap.FindEventId(id).ok());
    }
    for (const auto& id : failed_) {
      if (acked_.count(id)) continue;  // failed once, acknowledged when retried
      INFO("failed " << id);
      CHECK(snap.FindEventId(id).status().IsNotFound());
    }
    auto report = VerifyLedger(snap, {});
    REQUIRE(report.ok());
    CHECK(report->ok());
  }

 private:
  std::mutex mu_;
  std::set<std::string> acked_;
  std::set<std::string> failed_;
};

// ----------------------------------------------------------------- the disk

std::string DbDir(const std::string& data) {
  return data + "/db";
}

// The WAL file RocksDB writes to now: the newest (highest numbered) *.log.
std::string NewestLog(const std::string& data) {
  std::string best;
  uint64_t best_number = 0;
  for (const auto& f : fs::directory_iterator(DbDir(data))) {
    const std::string name = f.path().filename().string();
    if (f.path().extension() != ".log") continue;
    const uint64_t number = std::strtoull(name.c_str(), nullptr, 10);
    if (best.empty() || number > best_number) {
      best = f.path().string();
      best_number = number;
    }
  }
  return best;
}

uint64_t FileSize(const std::string& path) {
  return static_cast<uint64_t>(fs::file_size(path));
}

// The soft limit only; the hard one stays unlimited so it can be raised again.
void SetFileSizeLimit(rlim_t bytes) {
  const rlimit limit{bytes, RLIM_INFINITY};
  REQUIRE(setrlimit(RLIMIT_FSIZE, &limit) == 0);
}

// Grows `path` until the filesystem is full, then gives back `leave` bytes.
void FillDisk(const std::string& path, off_t leave) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  REQUIRE(fd >= 0);
  const std::string chunk(1 << 16, 'f');
  for (;;) {
    const ssize_t n = write(fd, chunk.data(), chunk.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      REQUIRE(errno == ENOSPC);
      break;
    }
  }
  struct stat st {};
  REQUIRE(fstat(fd, &st) == 0);
  REQUIRE(st.st_size > leave);
  REQUIRE(ftruncate(fd, st.st_size - leave) == 0);
  close(fd);
}

void FreeDisk(const std::string& path, off_t bytes) {
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  REQUIRE(truncate(path.c_str(), std::max<off_t>(0, st.st_size - bytes)) == 0);
}

// Appends small groups until a fold completes (one runs every few groups
// with a low fold_deltas_threshold), so that one runs after a recovery.
void AppendUntilFolded(Ledger& ledger, Tracker& tracker, const std::string& tag) {
  const uint64_t folds = ledger.stats().folds;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; ledger.stats().folds == folds && ElapsedMs(start) < 30000; ++i) {
    REQUIRE(tracker.Append(ledger, Batch(tag + std::to_string(i), 2)).ok());
    SleepMs(1);
  }
  CHECK(ledger.stats().folds > folds);
}

void RequireIoFailure(const Result<std::vector<Receipt>>& r, const std::string& cause) {
  REQUIRE_FALSE(r.ok());
  INFO(r.status().ToString());
  CHECK(r.status().IsIOError());
  CHECK(Has(std::string(r.status().message()), "writing a commit group"));
  CHECK(Has(std::string(r.status().message()), cause));
}

// While writes fail, reads go on, and a dry run (which writes nothing) still
// answers: the writer serves everything but appends.
void CheckServingReads(Ledger& ledger, const Tracker& tracker, const std::string& failed_id) {
  auto snap = ledger.Snapshot();
  CHECK(snap->size() == ledger.size());
  CHECK(snap->FindEventId(failed_id).status().IsNotFound());
  tracker.Check(*snap);
  auto dry = ledger.Check(Batch("dry-run", 1), "fault-test");
  REQUIRE(dry.ok());
  CHECK(dry->at(0).ok());
}

// ------------------------------------------------------------ child scenarios

// The writer under a file size limit (EFBIG, SIGXFSZ ignored): a group that
// does not fit fails with an I/O error and is not acknowledged, reads go on,
// and once the limit is raised, writes are accepted again, also after a
// failure that comes right after a recovery and with groups in flight.
void ChildFileSizeLimit(const std::string& data) {
  REQUIRE(Ledger::Init(data, kOrigin).ok());
  REQUIRE(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
  Tracker tracker;
  {
    auto opened = Ledger::Open(data);
    REQUIRE(opened.ok());
    Ledger& ledger = **opened;
    for (int b = 0; b < 10; ++b) {
      REQUIRE(tracker.Append(ledger, Batch("pre" + std::to_string(b), 3)).ok());
    }
    // 1. A group of ~300 KB with 32 KB left below the limit.
    const uint64_t size = ledger.size();
    SetFileSizeLimit(FileSize(NewestLog(data)) + (32 << 10));
    RequireIoFailure(tracker.Append(ledger, Batch("x", 200, 240)), "File too large");
    CHECK(ledger.size() == size);
    CheckServingReads(ledger, tracker, "x-0");
    // Still limited: a small group may fail or land in a new WAL; either
    // way, its outcome is what the tracker checks at the end.
    (void)tracker.Append(ledger, Batch("s1", 2));

    // 2. The limit is raised: writes are accepted again, and the failed
    // group, appended again, gets the seqs it would have had.
    SetFileSizeLimit(RLIM_INFINITY);
    const uint64_t next = ledger.size();
    auto retried = tracker.Append(ledger, Batch("x", 200, 240));
    INFO(retried.status().ToString());
    REQUIRE(retried.ok());
    CHECK(retried->front().seq == next);
    CHECK_FALSE(retried->front().replayed);

    // 3. A failure right after a recovery: `v` fails; then the limit
    // leaves room for the recovery (which flushes every memtable) but not
    // for `y`, the first group written after it, which fails too; then the
    // limit is raised and writes must be accepted again.
    SetFileSizeLimit(FileSize(NewestLog(data)) + (16 << 10));
    RequireIoFailure(tracker.Append(ledger, Batch("v", 60, 240)), "File too large");
    SetFileSizeLimit(1 << 20);
    RequireIoFailure(tracker.Append(ledger, Batch("y", 1400, 240)), "File too large");
    SetFileSizeLimit(RLIM_INFINITY);
    auto after = tracker.Append(ledger, Batch("z", 2));
    INFO(after.status().ToString());
    REQUIRE(after.ok());
    REQUIRE(tracker.Append(ledger, Batch("v", 60, 240)).ok());
    REQUIRE(tracker.Append(ledger, Batch("y", 1400, 240)).ok());
    tracker.Check(*ledger.Snapshot());
  }
  {
    // 4. Groups in flight: small groups, many queued, so that the group
    // applied on top of the failing one is rolled back with it; and folds
    // (SST ingestion, then a write) every few groups, failing too.
    LedgerOptions options;
    options.group_bytes_max = 16 << 10;
    options.fold_deltas_threshold = 3;
    auto opened = Ledger::Open(data, options);
    REQUIRE(opened.ok());
    Ledger& ledger = **opened;
    SetFileSizeLimit(FileSize(NewestLog(data)) + (256 << 10));
    constexpr size_t kRequests = 32;
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> outcomes;  // Catch assertions stay on this thread
    for (size_t r = 0; r < kRequests; ++r) {
      auto batch = Batch("q" + std::to_string(r), 12, 240);
      std::vector<std::string> ids;
      for (const auto& e : batch) ids.push_back(e.event_id);
      ledger.AppendAsync(std::move(batch), "fault-test",
                         [&, ids](Result<std::vector<Receipt>> result) {
                           tracker.Note(ids, result.status());
                           std::lock_guard<std::mutex> lock(mu);
                           outcomes.push_back(result.status());
                           cv.notify_all();
                         });
    }
    {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return outcomes.size() == kRequests; });
    }
    int ok = 0, failed = 0;
    for (const Status& st : outcomes) {
      INFO(st.ToString());
      if (!st.ok()) CHECK(st.IsIOError());
      (st.ok() ? ok : failed) += 1;
    }
    CHECK(ok > 0);
    CHECK(failed > 0);
    SetFileSizeLimit(RLIM_INFINITY);
    auto after = tracker.Append(ledger, Batch("after-queue", 3));
    INFO(after.status().ToString());
    REQUIRE(after.ok());
    AppendUntilFolded(ledger, tracker, "fold");
    tracker.Check(*ledger.Snapshot());
  }
  // What is durable is what was acknowledged, after a reopen too.
  auto reopened = Ledger::Open(data);
  REQUIRE(reopened.ok());
  tracker.Check(*(*reopened)->Snapshot());
  REQUIRE(tracker.Append(**reopened, Batch("reopened", 2)).ok());
}

// A failed group, then SIGKILL before anything else is written: after the
// restart the failed group is absent and everything before it present.
void ChildFileSizeLimitThenKilled(const std::string& data) {
  REQUIRE(signal(SIGXFSZ, SIG_IGN) != SIG_ERR);
  auto opened = Ledger::Open(data);
  REQUIRE(opened.ok());
  for (int b = 0; b < 5; ++b) {
    REQUIRE((*opened)->Append(Batch("k" + std::to_string(b), 3), "t").ok());
  }
  SetFileSizeLimit(FileSize(NewestLog(data)) + (8 << 10));
  REQUIRE_FALSE((*opened)->Append(Batch("lost", 100, 240), "t").ok());
  std::fflush(stdout);
  raise(SIGKILL);
}

// A real full filesystem (ENOSPC): the ledger on a small tmpfs, mounted in a
// private mount namespace, so the mount disappears with this process
// whatever happens. Skipped where mounting is not permitted.
void ChildFullDisk(const std::string& dir) {
  if (unshare(CLONE_NEWNS) != 0 ||
      mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      mount("lumbung-fault", dir.c_str(), "tmpfs", 0, "size=32m") != 0) {
    std::printf("%scannot mount a tmpfs here (%s)\n", kSkipMarker, std::strerror(errno));
    return;
  }
  const std::string data = dir + "/data";
  const std::string filler = dir + "/filler";
  REQUIRE(Ledger::Init(data, kOrigin).ok());
  Tracker tracker;
  {
    LedgerOptions options;
    options.fold_deltas_threshold = 3;  // folds every few groups
    auto opened = Ledger::Open(data, options);
    REQUIRE(opened.ok());
    Ledger& ledger = **opened;
    for (int b = 0; b < 10; ++b) {
      REQUIRE(tracker.Append(ledger, Batch("pre" + std::to_string(b), 3)).ok());
    }
    // 1. The disk fills up in the middle of a ~300 KB group.
    const uint64_t size = ledger.size();
    FillDisk(filler, 128 << 10);
    RequireIoFailure(tracker.Append(ledger, Batch("x", 200, 240)), "No space left on device");
    CHECK(ledger.size() == size);
    CheckServingReads(ledger, tracker, "x-0");
    // While the disk is full, every write fails with the same clear error.
    RequireIoFailure(tracker.Append(ledger, Batch("s1", 2)), "No space left on device");

    // 2. Space returns: writes are accepted at once.
    FreeDisk(filler, 4 << 20);
    auto resumed = tracker.Append(ledger, Batch("s2", 2));
    INFO(resumed.status().ToString());
    REQUIRE(resumed.ok());
    const uint64_t next = ledger.size();
    auto retried = tracker.Append(ledger, Batch("x", 200, 240));
    REQUIRE(retried.ok());
    CHECK(retried->front().seq == next);

    // 3. Full again; some space returns, enough to recover but not for the
    // next group, which is the first written after the recovery; then
    // all space returns.
    FillDisk(filler, 32 << 10);
    RequireIoFailure(tracker.Append(ledger, Batch("v", 60, 240)), "No space left on device");
    FreeDisk(filler, 1536 << 10);
    RequireIoFailure(tracker.Append(ledger, Batch("y", 2000, 240)), "No space left on device");
    REQUIRE(unlink(filler.c_str()) == 0);
    auto after = tracker.Append(ledger, Batch("z", 2));
    INFO(after.status().ToString());
    REQUIRE(after.ok());
    REQUIRE(tracker.Append(ledger, Batch("v", 60, 240)).ok());
    REQUIRE(tracker.Append(ledger, Batch("y", 2000, 240)).ok());
    AppendUntilFolded(ledger, tracker, "fold");
    tracker.Check(*ledger.Snapshot());
  }
  auto reopened = Ledger::Open(data);
  REQUIRE(reopened.ok());
  tracker.Check(*(*reopened)->Snapshot());
  REQUIRE(tracker.Append(**reopened, Batch("reopened", 2)).ok());
  reopened->reset();
  CheckLedgerVerifies(data);
  CheckRebuildAgrees(data);
}

// Batches of 1 to 9 events of varied sizes, so that WAL records vary and
// some span the WAL's 32 KB blocks.
std::vector<EventInput> WalBatch(int batch) {
  return Batch("w" + std::to_string(batch), 1 + (batch * 7) % 9, 40 + (batch * 53) % 200);
}

// Appends batches until killed: prints "start <WAL file> <its size>", then
// "ack <batch> <WAL file> <its size>" after each acknowledged batch.
[[noreturn]] void ChildAppendUntilKilled(const std::string& data) {
  auto opened = Ledger::Open(data);
  if (!opened.ok()) _exit(3);
  const std::string start = NewestLog(data);
  std::printf("start %s %llu\n", start.c_str(), static_cast<unsigned long long>(FileSize(start)));
  std::fflush(stdout);
  for (int b = 0;; ++b) {
    if (!(*opened)->Append(WalBatch(b), "fault-test").ok()) _exit(4);
    const std::string log = NewestLog(data);
    std::printf("ack %d %s %llu\n", b, log.c_str(), static_cast<unsigned long long>(FileSize(log)));
    std::fflush(stdout);
  }
}

}  // namespace

TEST_CASE("fault child", "[.fault-child]") {
  const char* scenario = std::getenv(kScenarioVar);
  const char* dir = std::getenv(kDirVar);
  if (scenario == nullptr || dir == nullptr) return;  // run by hand: nothing to do
  const std::string s = scenario;
  if (s == "file-size-limit") {
    ChildFileSizeLimit(dir);
  } else if (s == "file-size-limit-killed") {
    ChildFileSizeLimitThenKilled(dir);
  } else if (s == "full-disk") {
    ChildFullDisk(dir);
  } else if (s == "append-until-killed") {
    ChildAppendUntilKilled(dir);
  } else {
    FAIL("unknown scenario " << s);
  }
}

// ---------------------------------------------------------------- 1. disk full

TEST_CASE(
    "disk full mid-group (file size limit): the group fails with an I/O error, nothing "
    "of it is kept, reads go on and writes resume once space returns",
    "[fault]") {
  testing::TempDir dir;
  const std::string data = dir / "data";
  auto child = RunChild("file-size-limit", data);
  INFO(child.out);
  REQUIRE(child.exit_code == 0);
  // Another process finds the ledger whole, and its stored projections
  // equal a replay of the log: no failed group left rows behind.
  CheckLedgerVerifies(data);
  CheckRebuildAgrees(data);
}

TEST_CASE("disk full mid-group, then SIGKILL: after the restart the failed group is absent",
          "[fault]") {
  testing::TempDir dir;
  const std::string data = dir / "data";
  REQUIRE(Ledger::Init(data, kOrigin).ok());
  auto child = RunChild("file-size-limit-killed", data);
  INFO(child.out);
  REQUIRE(child.exit_code == kKilled);
  auto ledger = Ledger::Open(data);
  REQUIRE(ledger.ok());
  auto snap = (*ledger)->Snapshot();
  CHECK(snap->size() == 1 + 5 * 3);
  for (int b = 0; b < 5; ++b) CHECK(snap->FindEventId("k" + std::to_string(b) + "-2").ok());
  CHECK(snap->FindEventId("lost-0").status().IsNotFound());
  auto report = VerifyLedger(*snap, {});
  REQUIRE(report.ok());
  CHECK(report->ok());
  auto again = (*ledger)->Append(Batch("lost", 100, 240), "t");
  REQUIRE(again.ok());
  CHECK(again->front().seq == 16);
  snap.reset();  // before its ledger
  ledger->reset();
  CheckRebuildAgrees(data);
}

TEST_CASE(
    "disk full mid-group (a full tmpfs): the group fails with ENOSPC and writes resume "
    "once space returns",
    "[fault]") {
  testing::TempDir dir;
  auto child = RunChild("full-disk", dir.path());
  INFO(child.out);
  REQUIRE(child.exit_code == 0);
  if (Has(child.out, kSkipMarker)) WARN(child.out);
}

// ------------------------------------------------------------ 2. the WAL tail

namespace {

struct Ack {
  int batch;
  uint64_t end;  // the WAL's size once the batch was acknowledged
};

// How the newest WAL is damaged, and which batches must then survive.
struct Damage {
  std::string name;
  uint64_t truncate_to;
  std::optional<uint64_t> flip_at;
  std::optional<std::pair<uint64_t, uint64_t>> zero;  // [from, to)
  size_t garbage = 0;                                 // bytes appended
  int last_whole;                                     // batches up to this one survive
};

void ApplyDamage(const std::string& log, const Damage& d) {
  fs::resize_file(log, d.truncate_to);
  std::fstream f(log, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  if (d.flip_at) {
    f.seekg(static_cast<std::streamoff>(*d.flip_at));
    const char c = static_cast<char>(f.get());
    f.seekp(static_cast<std::streamoff>(*d.flip_at));
    f.put(static_cast<char>(c ^ 0x5a));
  }
  if (d.zero) {
    f.seekp(static_cast<std::streamoff>(d.zero->first));
    const std::string zeros(d.zero->second - d.zero->first, '\0');
    f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  if (d.garbage > 0) {
    f.seekp(0, std::ios::end);
    std::string garbage(d.garbage, '\0');
    for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = static_cast<char>(i * 131 + 7);
    f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
  }
  f.close();
  REQUIRE(f);
}

// Each batch is there whole or not at all; `expected` says which.
void CheckBatches(const LedgerSnapshot& snap, int batches,
                  const std::function<int(int)>& expected) {
  uint64_t entries = 1;
  for (int b = 0; b < batches; ++b) {
    const auto batch = WalBatch(b);
    int present = 0;
    for (const auto& e : batch) present += snap.FindEventId(e.event_id).ok() ? 1 : 0;
    INFO("batch " << b << ": " << present << " of " << batch.size() << " events present");
    CHECK((present == 0 || present == static_cast<int>(batch.size())));
    const int want = expected(b);  // 1 present, 0 absent, -1 either
    if (want == 1) CHECK(present == static_cast<int>(batch.size()));
    if (want == 0) CHECK(present == 0);
    entries += static_cast<uint64_t>(present);
  }
  CHECK(snap.size() == entries);
}

}  // namespace

TEST_CASE(
    "a torn or truncated WAL tail: the reopened ledger holds every group written whole "
    "before the damage and none after it (point-in-time recovery), and verifies",
    "[fault]") {
  // db.cc leaves wal_recovery_mode at RocksDB's default,
  // kPointInTimeRecovery: replay stops at the first record that is torn,
  // truncated or fails its checksum, and keeps everything before it. Every
  // group is one WAL record (one WriteBatch), so a group is replayed whole
  // or not at all, and the ledger opens at the last whole group.
  testing::TempDir dir;
  const std::string data = dir / "data";
  REQUIRE(Ledger::Init(data, kOrigin).ok());
  Process child = Spawn(
      {SelfPath(), kChildTest},
      {std::string(kScenarioVar) + "=append-until-killed", std::string(kDirVar) + "=" + data});
  std::string wal;
  uint64_t start = 0;
  std::vector<Ack> acks;
  auto parse = [&](const std::string& line) {
    char path[PATH_MAX];
    unsigned long long size = 0;
    int batch = 0;
    if (std::sscanf(line.c_str(), "start %4095s %llu", path, &size) == 2) {
      wal = path;
      start = size;
    } else if (std::sscanf(line.c_str(), "ack %d %4095s %llu", &batch, path, &size) == 3) {
      CHECK(path == wal);  // no WAL switch: every group is in this one file
      CHECK(batch == static_cast<int>(acks.size()));
      acks.push_back(Ack{batch, size});
    }
  };
  constexpr size_t kAcks = 40;
  std::string line;
  while (acks.size() < kAcks && ReadLine(child, &line)) parse(line);
  kill(child.pid, SIGKILL);
  const auto ended = Finish(child);  // acks printed before the kill landed
  INFO(ended.out);
  REQUIRE(ended.exit_code == kKilled);
  for (size_t at = 0, nl; (nl = ended.out.find('\n', at)) != std::string::npos; at = nl + 1) {
    parse(ended.out.substr(at, nl - at));
  }
  REQUIRE(acks.size() >= kAcks);
  REQUIRE(NewestLog(data) == wal);
  const uint64_t wal_size = FileSize(wal);
  REQUIRE(wal_size >= acks.back().end);

  auto begin = [&](int k) { return k == 0 ? start : acks[static_cast<size_t>(k) - 1].end; };
  const int last = static_cast<int>(acks.size()) - 1;
  const int mid = last / 2;
  const uint64_t last_begin = begin(last), last_end = acks.back().end;
  const uint64_t last_middle = last_begin + (last_end - last_begin) / 2;
  REQUIRE(last_end - last_begin > 64);
  const std::vector<Damage> damages = {
      {"cut at the end of the last acknowledged group", last_end, {}, {}, 0, last},
      {"cut at the end of an earlier group", acks[static_cast<size_t>(mid)].end, {}, {}, 0, mid},
      {"cut in the middle of the last group", last_middle, {}, {}, 0, last - 1},
      {"last group one byte short", last_end - 1, {}, {}, 0, last - 1},
      {"cut inside the last record's header", last_begin + 3, {}, {}, 0, last - 1},
      {"a flipped byte in the last record", last_end, last_middle, {}, 0, last - 1},
      {"the last record zeroed", last_end, {}, std::make_pair(last_begin, last_end), 0, last - 1},
      {"garbage after the last record", wal_size, {}, {}, 1000, last},
  };
  const std::string pristine = dir / "pristine";
  fs::copy(data, pristine, fs::copy_options::recursive);
  const std::string wal_name = fs::path(wal).filename().string();
  for (size_t i = 0; i < damages.size(); ++i) {
    const Damage& d = damages[i];
    INFO(d.name);
    const std::string copy = dir / ("case-" + std::to_string(i));
    fs::copy(pristine, copy, fs::copy_options::recursive);
    ApplyDamage(DbDir(copy) + "/" + wal_name, d);
    {
      auto ledger = Ledger::Open(copy);
      INFO(ledger.status().ToString());
      REQUIRE(ledger.ok());
      auto snap = (*ledger)->Snapshot();
      CheckBatches(*snap, last + 2, [&](int b) {
        if (b <= d.last_whole) return 1;
        if (b <= last) return 0;
        return d.truncate_to >= wal_size ? -1 : 0;  // the group in flight at the kill
      });
      auto report = VerifyLedger(*snap, {});
      REQUIRE(report.ok());
      CHECK(report->ok());
      // The ledger goes on from there.
      const uint64_t size = snap->size();
      snap.reset();
      auto next = (*ledger)->Append(Batch("after", 2), "t");
      REQUIRE(next.ok());
      CHECK(next->front().seq == size);
    }
    CheckLedgerVerifies(copy);
    CheckRebuildAgrees(copy);
  }
}

// ------------------------------------------------------- 3. a corrupted SST

TEST_CASE(
    "a corrupted SST block: verify (library and CLI) reports the corruption, naming the "
    "file, with exit code 1",
    "[fault]") {
  testing::TempDir dir;
  const std::string data = dir / "data";
  REQUIRE(Ledger::Init(data, kOrigin).ok());
  {
    auto ledger = Ledger::Open(data);
    REQUIRE(ledger.ok());
    for (int b = 0; b < 20; ++b) {
      REQUIRE((*ledger)->Append(Batch("b" + std::to_string(b), 100, 200), "t").ok());
    }
  }
  // Opening for writing replays the WAL into SST files (one per column
  // family); the entries are then in an SST, not in the WAL.
  REQUIRE(Ledger::Open(data).ok());
  std::string sst;
  uint64_t sst_size = 0;
  {
    auto db = store::Db::Open(DbDir(data), store::OpenMode::kReadOnly);
    REQUIRE(db.ok());
    std::vector<rocksdb::LiveFileMetaData> files;
    (*db)->db()->GetLiveFilesMetaData(&files);
    for (const auto& f : files) {
      if (f.column_family_name == "entries" && f.size > sst_size) {
        sst = f.db_path + f.name;
        sst_size = f.size;
      }
    }
  }
  REQUIRE_FALSE(sst.empty());
  REQUIRE(sst_size > (1 << 20));
  REQUIRE(Cli({"verify", "--data", data}).exit_code == 0);

  {
    // 64 bytes in the middle of the file: inside a data block.
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    std::string bytes(64, '\0');
    f.seekg(static_cast<std::streamoff>(sst_size / 2));
    f.read(bytes.data(), 64);
    for (char& c : bytes) c = static_cast<char>(~c);
    f.seekp(static_cast<std::streamoff>(sst_size / 2));
    f.write(bytes.data(), 64);
    REQUIRE(f);
  }
  const std::string sst_name = fs::path(sst).filename().string();

  LedgerOptions read_only;
  read_only.read_only = true;
  auto ledger = Ledger::Open(data, read_only);
  REQUIRE(ledger.ok());
  auto report = VerifyLedger(*(*ledger)->Snapshot(), {});
  // The walk cannot read past the damaged block: the corruption is the
  // result itself or a finding in the report.
  const Status found = !report.ok()   ? report.status()
                       : report->ok() ? Status()
                                      : report->problems.front();
  INFO(found.ToString());
  CHECK(found.IsCorruption());
  CHECK((Has(std::string(found.message()), sst_name) || found.seq() >= 0));
  ledger->reset();

  auto cli = Cli({"verify", "--data", data});
  INFO(cli.out << cli.err);
  CHECK(cli.exit_code == 1);
  CHECK((Has(cli.err, sst_name) || Has(cli.err, "seq")));
  CHECK(Has(cli.err, "orruption"));
}

// ------------------------------------------------- 4. SIGKILL during commands

namespace {

// A ledger of half a year of a demo kelurahan (aid, returns, loans), so that
// rebuild, export and checkpoint have real work to do.
std::string DemoLedger(const testing::TempDir& dir) {
  const std::string data = dir / "data";
  auto demo = Cli({"demo", "--data", data, "--households", "100", "--months", "6"});
  INFO(demo.out << demo.err);
  REQUIRE(demo.exit_code == 0);
  return data;
}

// Runs `args` once to the end (returning its duration) ...
double TimeCommand(const std::vector<std::string>& args, const std::string& expect_out) {
  const auto start = std::chrono::steady_clock::now();
  auto r = Cli(args);
  const double ms = ElapsedMs(start);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(Has(r.out, expect_out));
  return ms;
}

// ... and kills it after `delay_ms`; true if it was still running then.
bool KillAfter(std::vector<std::string> args, double delay_ms) {
  args.insert(args.begin(), kCli);
  Process p = Spawn(args);
  SleepMs(delay_ms);
  kill(p.pid, SIGKILL);
  const auto r = Finish(p);
  INFO(r.out);
  CHECK((r.exit_code == kKilled || r.exit_code == 0));
  return r.exit_code == kKilled;
}

constexpr int kKillRounds = 6;

// Delays spread over the command's run, from its start to its end.
double KillDelay(double full_ms, int round) {
  return full_ms * (round + 0.5) / kKillRounds;
}

}  // namespace

TEST_CASE("SIGKILL during rebuild leaves the ledger verifiable and a second rebuild works",
          "[fault]") {
  testing::TempDir dir;
  const std::string data = DemoLedger(dir);
  const double full = TimeCommand({"rebuild", "--data", data}, "ok:");
  int killed = 0;
  for (int round = 0; round < kKillRounds; ++round) {
    killed += KillAfter({"rebuild", "--data", data}, KillDelay(full, round)) ? 1 : 0;
    CheckLedgerVerifies(data);
  }
  CHECK(killed > 0);
  TimeCommand({"rebuild", "--data", data}, "ok: the stored projections equal a replay");
}

TEST_CASE("SIGKILL during checkpoint leaves the ledger verifiable and a second checkpoint works",
          "[fault]") {
  testing::TempDir dir;
  const std::string data = DemoLedger(dir);
  auto append_one = [&](int round) {
    auto ledger = Ledger::Open(data);
    REQUIRE(ledger.ok());
    REQUIRE((*ledger)->Append(Batch("cp" + std::to_string(round), 1), "t").ok());
  };
  append_one(-1);  // a new head, so that the command signs rather than shows
  const double full = TimeCommand({"checkpoint", "--data", data}, "— ");
  int killed = 0;
  for (int round = 0; round < kKillRounds; ++round) {
    append_one(round);
    killed += KillAfter({"checkpoint", "--data", data}, KillDelay(full, round)) ? 1 : 0;
    CheckLedgerVerifies(data);  // also checks every stored checkpoint
  }
  CHECK(killed > 0);
  auto signed_now = Cli({"checkpoint", "--data", data});
  INFO(signed_now.out << signed_now.err);
  REQUIRE(signed_now.exit_code == 0);
  auto ledger = Ledger::Open(data);
  REQUIRE(ledger.ok());
  CHECK(Has(signed_now.out, "\n" + std::to_string((*ledger)->size()) + "\n"));
  auto stored = LatestCheckpoint(*(*ledger)->Snapshot());
  REQUIRE(stored.ok());
  CHECK(stored->size == (*ledger)->size());
}

TEST_CASE(
    "SIGKILL during export bundle leaves no partial bundle under the bundle's name, and a "
    "second export works",
    "[fault]") {
  testing::TempDir dir;
  const std::string data = DemoLedger(dir);
  auto bundle = [&](int round) { return dir / ("bundle-" + std::to_string(round)); };
  // The temporary folder a killed export left behind, if any.
  auto stray_temp = [&](int round) -> std::string {
    const std::string prefix = "bundle-" + std::to_string(round) + ".tmp-";
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().filename().string().rfind(prefix, 0) == 0) return f.path().string();
    }
    return "";
  };
  auto check_round = [&](int round) {
    // A bundle folder under its name is a complete one; a killed export
    // leaves at most its temporary sibling.
    if (fs::exists(bundle(round))) {
      auto verified = Cli({"verify", "--bundle", bundle(round)});
      INFO(verified.out << verified.err);
      CHECK(verified.exit_code == 0);
    }
    CheckLedgerVerifies(data);
  };
  const double full =
      TimeCommand({"export", "bundle", "--out", dir / "bundle-full", "--data", data}, "\"root\"");
  // Round 0: killed as soon as the temporary folder appears, i.e. while the
  // files are being written.
  {
    Process p = Spawn({kCli, "export", "bundle", "--out", bundle(0), "--data", data});
    const auto start = std::chrono::steady_clock::now();
    while (stray_temp(0).empty() && !fs::exists(bundle(0)) && ElapsedMs(start) < 60000) {
      SleepMs(0.2);
    }
    kill(p.pid, SIGKILL);
    const auto r = Finish(p);
    INFO(r.out);
    CHECK(r.exit_code == kKilled);
    CHECK_FALSE(fs::exists(bundle(0)));
    const std::string temp = stray_temp(0);
    REQUIRE_FALSE(temp.empty());
    // What it holds is not a bundle: the verifier refuses it.
    auto partial = Cli({"verify", "--bundle", temp});
    INFO(partial.out << partial.err);
    CHECK(partial.exit_code != 0);
    CHECK(partial.exit_code < 128);
    check_round(0);
  }
  // Then at moments spread over a run: before, while and after the files
  // are written.
  for (int round = 1; round <= kKillRounds; ++round) {
    KillAfter({"export", "bundle", "--out", bundle(round), "--data", data},
              KillDelay(full, round - 1));
    check_round(round);
  }
  // A second export to the same name works despite the stray temporary.
  auto again = Cli({"export", "bundle", "--out", bundle(0), "--data", data});
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  auto verified = Cli({"verify", "--bundle", bundle(0)});
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
}

// -------------------------------------------- 5. a second process, via the CLI

TEST_CASE("a second process on the same folder is refused with a clear message (CLI)", "[fault]") {
  testing::TempDir dir;
  const std::string data = dir / "data";
  REQUIRE(Cli({"init", "--origin", kOrigin, "--data", data}).exit_code == 0);
  auto refused = [&](const testing::CommandResult& r) {
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(Has(r.err, "is in use by another lumbung process"));
    CHECK(Has(r.err, data));
    CHECK(Has(r.out, "\"error\""));
  };

  SECTION("held by `lumbung serve`") {
    Process serve = Spawn({kCli, "serve", "--data", data, "--listen", "127.0.0.1:0"});
    std::string line;
    bool serving = false;
    while (!serving && ReadLine(serve, &line)) serving = Has(line, "lumbung is serving");
    REQUIRE(serving);
    refused(Cli({"record", "-", "--data", data}, JsonLines("refused", 1)));
    refused(Cli({"checkpoint", "--data", data}));
    auto library = Ledger::Open(data);
    CHECK(library.status().code() == Code::kFailedPrecondition);
    CHECK(Has(std::string(library.status().message()), "in use by another lumbung process"));
    // Reading beside the writer is fine.
    CheckLedgerVerifies(data);
    // A server stopped cleanly releases the folder...
    kill(serve.pid, SIGTERM);
    CHECK(Finish(serve).exit_code == 0);
    CHECK(Cli({"record", "-", "--data", data}, JsonLines("after-stop", 1)).exit_code == 0);
    // ... and so does one that is killed.
    Process again = Spawn({kCli, "serve", "--data", data, "--listen", "127.0.0.1:0"});
    serving = false;
    while (!serving && ReadLine(again, &line)) serving = Has(line, "lumbung is serving");
    REQUIRE(serving);
    refused(Cli({"record", "-", "--data", data}, JsonLines("refused-2", 1)));
    kill(again.pid, SIGKILL);
    CHECK(Finish(again).exit_code == kKilled);
    CHECK(Cli({"record", "-", "--data", data}, JsonLines("after-kill", 1)).exit_code == 0);
    CheckLedgerVerifies(data);
  }

  SECTION("held by a library user") {
    auto ledger = Ledger::Open(data);
    REQUIRE(ledger.ok());
    refused(Cli({"record", "-", "--data", data}, JsonLines("refused", 1)));
    refused(Cli({"checkpoint", "--data", data}));
    CheckLedgerVerifies(data);
    ledger->reset();
    CHECK(Cli({"record", "-", "--data", data}, JsonLines("after-close", 1)).exit_code == 0);
  }
}
