#include "bench_util.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include <dlfcn.h>
#include <sys/resource.h>
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

AllocatorBytes AllocatorStats() {
  // Looked up at run time so that builds with glibc's malloc (sanitizers,
  // heap profiling) need no gperftools headers or library.
  using GetProperty = int (*)(const char*, size_t*);
  static const auto get =
      reinterpret_cast<GetProperty>(dlsym(RTLD_DEFAULT, "MallocExtension_GetNumericProperty"));
  AllocatorBytes bytes;
  if (get == nullptr) return bytes;
  size_t allocated = 0, heap = 0, unmapped = 0, free_pages = 0;
  if (get("generic.current_allocated_bytes", &allocated) != 0) bytes.allocated = allocated;
  if (get("generic.heap_size", &heap) != 0 &&
      get("tcmalloc.pageheap_unmapped_bytes", &unmapped) != 0 && heap >= unmapped + allocated) {
    bytes.free_mapped = heap - unmapped - allocated;
  }
  if (get("tcmalloc.pageheap_free_bytes", &free_pages) != 0) bytes.free_pages = free_pages;
  return bytes;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::map<std::string, double> ThreadCpuSeconds() {
  std::map<std::string, double> out;
  const double tick = static_cast<double>(sysconf(_SC_CLK_TCK));
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // pid (comm) state ... : comm may hold spaces, so split at the last ')'.
    const size_t open = stat.find('(');
    const size_t close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos || close < open) continue;
    const std::string name = stat.substr(open + 1, close - open - 1);
    std::istringstream fields(stat.substr(close + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
      if (i == 14) utime = std::strtod(field.c_str(), nullptr);
      if (i == 15) stime = std::strtod(field.c_str(), nullptr);
    }
    out[name] += (utime + stime) / tick;
  }
  return out;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

}  // namespace lumbung::bench
