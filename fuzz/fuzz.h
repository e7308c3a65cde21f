// Shared by the fuzz targets and the corpus replay (replay_main.cc): the
// libFuzzer entry point each target defines, a check that turns a broken
// invariant into a crash the fuzzer records, and a temporary folder.

#ifndef LUMBUNG_FUZZ_FUZZ_H_
#define LUMBUNG_FUZZ_FUZZ_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include <stdlib.h>

// Runs one input. Returns 0 (libFuzzer reserves other values).
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

// Aborts, so that libFuzzer saves the input, when a property the code under
// test promises does not hold. Bad input alone must never trigger it.
#define FUZZ_CHECK(cond)                                       \
  do {                                                         \
    if (!(cond)) {                                             \
      ::lumbung::fuzz::CheckFailed(#cond, __FILE__, __LINE__); \
    }                                                          \
  } while (0)

namespace lumbung::fuzz {

[[noreturn]] inline void CheckFailed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "fuzz check failed: %s (%s:%d)\n", what, file, line);
  std::abort();
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return size == 0 ? std::string_view()
                   : std::string_view(reinterpret_cast<const char*>(data), size);
}

// A fresh folder under the system's temporary folder, removed with
// everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "lumbung-fuzz-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) CheckFailed("mkdtemp", __FILE__, __LINE__);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, std::string_view contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
  if (!out) CheckFailed("writing a file", __FILE__, __LINE__);
}

}  // namespace lumbung::fuzz

#endif  // LUMBUNG_FUZZ_FUZZ_H_
