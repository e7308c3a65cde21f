// Crash safety: a writer killed with SIGKILL at a random moment loses
// nothing it acknowledged and leaves no partial batch.

#include <chrono>
#include <cstdio>
#include <random>
#include <set>
#include <thread>

#include <catch2/catch.hpp>

#include "lumbung/ledger/ledger.h"
#include "lumbung/ledger/verify.h"

#include "test_util.h"
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace lumbung;

namespace {

std::string EventId(int round, int batch, int i) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "r%02d-b%05d-e%03d", round, batch, i);
  return buf;
}

int BatchSize(int batch) {
  return 1 + (batch * 37) % 64;
}

std::vector<EventInput> MakeBatch(int round, int batch) {
  std::vector<EventInput> out;
  for (int i = 0; i < BatchSize(batch); ++i) {
    char json[512];
    // Opening a programme needs no other entry: any batch is valid alone.
    std::snprintf(json, sizeof json,
                  R"({"type":"ProgramOpened","event_id":"%s","effective_date":"2026-11-03",)"
                  R"("program_id":"p-%s","name":"Program %d","kind":"FOOD","unit":"PKG_SEMBAKO",)"
                  R"("legal_basis":"SK %d/2026"})",
                  EventId(round, batch, i).c_str(), EventId(round, batch, i).c_str(), batch, i);
    out.push_back(DecodeEventJson(json));
  }
  return out;
}

// The child: append batches forever, reporting each acknowledged batch.
[[noreturn]] void Writer(const std::string& dir, int round, int ack_fd) {
  auto ledger = Ledger::Open(dir);
  if (!ledger.ok()) _exit(3);
  for (int batch = 0;; ++batch) {
    auto r = (*ledger)->Append(MakeBatch(round, batch), "crash-test");
    if (!r.ok()) _exit(4);
    char line[32];
    const int n = std::snprintf(line, sizeof line, "%d\n", batch);
    if (write(ack_fd, line, static_cast<size_t>(n)) != n) _exit(5);
  }
}

std::set<int> ReadAcks(int fd) {
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) text.append(buf, static_cast<size_t>(n));
  std::set<int> acks;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) {
    acks.insert(std::stoi(text.substr(start, nl - start)));
  }
  return acks;
}

}  // namespace

TEST_CASE("SIGKILL at a random moment loses no acknowledged event and no batch is partial",
          "[crash]") {
  std::mt19937 rng(20261123);
  constexpr int kRounds = 24;
  int total_acked_batches = 0;
  for (int round = 0; round < kRounds; ++round) {
    testing::TempDir dir;
    REQUIRE(Ledger::Init(dir.path(), "lumbung.example/crash-test").ok());
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(fds[0]);
      Writer(dir.path(), round, fds[1]);
    }
    close(fds[1]);
    // The moment is random within the stream of appends, counted from the
    // first acknowledgement: how long opening takes varies (sanitizers, a
    // busy machine), and a kill before the first append proves little.
    pollfd first_ack{fds[0], POLLIN, 0};
    REQUIRE(poll(&first_ack, 1, 60'000) == 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 250));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(WIFSIGNALED(status));  // killed, not exited on an error
    const std::set<int> acks = ReadAcks(fds[0]);
    close(fds[0]);
    total_acked_batches += static_cast<int>(acks.size());

    auto ledger = Ledger::Open(dir.path());
    REQUIRE(ledger.ok());
    auto snap = (*ledger)->Snapshot();
    const int last_batch = acks.empty() ? 0 : *acks.rbegin() + 1;  // one may be in flight
    for (int batch = 0; batch <= last_batch; ++batch) {
      int present = 0;
      for (int i = 0; i < BatchSize(batch); ++i) {
        present += snap->FindEventId(EventId(round, batch, i)).ok() ? 1 : 0;
      }
      INFO("round " << round << " batch " << batch);
      if (acks.count(batch)) CHECK(present == BatchSize(batch));
      CHECK((present == 0 || present == BatchSize(batch)));
    }
    auto report = VerifyLedger(*snap, {});
    REQUIRE(report.ok());
    CHECK(report->ok());
    // And the ledger keeps working after the crash.
    CHECK((*ledger)->Append(MakeBatch(round, 100000), "after-crash").ok());
  }
  CHECK(total_acked_batches > kRounds);  // the kills did land mid-stream
}
