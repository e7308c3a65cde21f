// Small helpers shared by the benchmark programs.

#ifndef LUMBUNG_BENCH_BENCH_UTIL_H_
#define LUMBUNG_BENCH_BENCH_UTIL_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace lumbung::bench {

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// A scratch folder under the system temp dir (or $LUMBUNG_BENCH_DIR),
// removed on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& name);
  ~ScratchDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The value after `--name` on the command line, else `fallback`.
size_t Arg(int argc, char** argv, const char* name, size_t fallback);
// The text after the last `--name` (later arguments override earlier ones),
// else nullptr.
const char* Flag(int argc, char** argv, const char* name);
// Whether `--name` (a switch without a value) is on the command line.
bool HasFlag(int argc, char** argv, const char* name);

// Latency of `count` calls of fn(i), one timed call at a time.
struct Latency {
  double p50_us = 0, p99_us = 0, mean_us = 0, max_us = 0;
};
template <typename Fn>
Latency Measure(size_t count, Fn&& fn) {
  std::vector<double> us(count);
  for (size_t i = 0; i < count; ++i) {
    Stopwatch watch;
    fn(i);
    us[i] = watch.seconds() * 1e6;
  }
  Latency l;
  if (count == 0) return l;
  for (double u : us) l.mean_us += u / static_cast<double>(count);
  std::sort(us.begin(), us.end());
  l.p50_us = us[count / 2];
  l.p99_us = us[count * 99 / 100];
  l.max_us = us.back();
  return l;
}

uint64_t DirectoryBytes(const std::string& path);
// Resident set size of this process, in bytes.
uint64_t RssBytes();
uint64_t PeakRssBytes();
// What the allocator reports, when it is gperftools' tcmalloc (the
// executables' default): bytes the program holds, and bytes the allocator
// keeps mapped but free (its page heap and thread caches). Both 0 with
// another allocator.
struct AllocatorBytes {
  uint64_t allocated = 0;
  uint64_t free_mapped = 0;
  uint64_t free_pages = 0;  // of free_mapped: whole free pages (the rest: cached small blocks)
};
AllocatorBytes AllocatorStats();
// CPU time (user + system) of every thread of this process so far.
double ProcessCpuSeconds();
// The median of `v` (the mean of the middle two for an even count); v is
// not empty.
double Median(std::vector<double> v);
// CPU seconds so far of the live threads of this process, summed by thread
// name (lumbung-apply, lumbung-commit, rocksdb:low, ...), from /proc.
std::map<std::string, double> ThreadCpuSeconds();

}  // namespace lumbung::bench

#endif  // LUMBUNG_BENCH_BENCH_UTIL_H_
