// The demo generator streams: making a million event lines takes no more
// memory than making a hundred thousand. Its own program, because under
// AddressSanitizer freed memory sits in a quarantine that would make any
// process's resident size grow with work done; here the quarantine is kept
// small so that resident size measures what the generator holds.

#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "lumbung/demo/generator.h"

#if defined(__SANITIZE_ADDRESS__)
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
// GCC links the same sanitizer runtime but Debian ships its headers with
// clang only; this is the runtime's public interface.
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#endif
extern "C" const char* __asan_default_options();
extern "C" const char* __asan_default_options() {
  return "quarantine_size_mb=4:thread_local_quarantine_size_kb=64";
}
#else
#include <malloc.h>
#endif

using namespace lumbung;

namespace {

// Resident set size in KiB, from /proc/self/status.
int64_t ResidentKib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// Bytes the program has allocated and not freed.
int64_t LiveHeapBytes() {
#if defined(__SANITIZE_ADDRESS__)
  return static_cast<int64_t>(__sanitizer_get_current_allocated_bytes());
#else
  return static_cast<int64_t>(mallinfo2().uordblks);
#endif
}

}  // namespace

TEST_CASE("demo: a million event lines stream in bounded memory", "[demo][memory]") {
  demo::DemoOptions options;
  options.households = 200'000;  // about 1.15 million events over 12 months
  options.assume_first_seq = 1;
  demo::DemoGenerator generator(options);
  demo::DemoBatch batch;
  uint64_t events = 0;
  uint64_t bytes = 0;
  int64_t rss_early = 0;
  int64_t heap_early = 0;
  int64_t rss_peak = 0;
  int64_t heap_peak = 0;
  while (events < 1'000'000) {
    const auto next = generator.NextBatch(&batch);
    REQUIRE(next == demo::DemoGenerator::Next::kBatch);
    REQUIRE(batch.events.size() <= options.batch_events_max + 8);
    events += batch.events.size();
    for (const std::string& line : batch.events) bytes += line.size();
    if (rss_early == 0 && events >= 100'000) {
      rss_early = ResidentKib();
      heap_early = LiveHeapBytes();
    }
    rss_peak = std::max(rss_peak, ResidentKib());
    heap_peak = std::max(heap_peak, LiveHeapBytes());
  }
  INFO("events " << events << ", " << bytes / (1024 * 1024) << " MiB of lines; RSS " << rss_early
                 << " -> " << rss_peak << " KiB; live heap " << heap_early << " -> " << heap_peak);
  REQUIRE(rss_early > 0);
  // The lines made are over 200 MiB; what stays is one batch and the
  // generator's bookkeeping (groups, pending returns, a few plans).
  CHECK(bytes > 200ull * 1024 * 1024);
  CHECK(heap_peak - heap_early < 8 * 1024 * 1024);
  CHECK(rss_peak - rss_early < 32 * 1024);
}
