// Small helpers shared by the benchmark programs.

#ifndef LUMBUNG_BENCH_BENCH_UTIL_H_
#define LUMBUNG_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

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

uint64_t DirectoryBytes(const std::string& path);
// Resident set size of this process, in bytes.
uint64_t RssBytes();
uint64_t PeakRssBytes();

}  // namespace lumbung::bench

#endif  // LUMBUNG_BENCH_BENCH_UTIL_H_
