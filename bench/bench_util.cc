#include "bench_util.h"

#include <cstdlib>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace lumbung::bench {

namespace fs = std::filesystem;

ScratchDir::ScratchDir(const std::string& name) {
  const char* base = std::getenv("LUMBUNG_BENCH_DIR");
  fs::path root = base != nullptr ? fs::path(base) : fs::temp_directory_path();
  path_ = (root / ("lumbung-bench-" + name + "-" + std::to_string(getpid()))).string();
  fs::remove_all(path_);
  fs::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

size_t Arg(int argc, char** argv, const char* name, size_t fallback) {
  const char* text = Flag(argc, argv, name);
  return text != nullptr ? std::stoull(text) : fallback;
}

const char* Flag(int argc, char** argv, const char* name) {
  const char* value = nullptr;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) value = argv[i + 1];
  }
  return value;
}

bool HasFlag(int argc, char** argv, const char* name) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], name) == 0) return true;
  }
  return false;
}

uint64_t DirectoryBytes(const std::string& path) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(path, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

namespace {
uint64_t StatusField(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(field) + ":";
  while (std::getline(in, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size())) * 1024;
  }
  return 0;
}
}  // namespace

uint64_t RssBytes() {
  return StatusField("VmRSS");
}
uint64_t PeakRssBytes() {
  return StatusField("VmHWM");
}

}  // namespace lumbung::bench
