// Helpers shared by the test programs: temporary folders, running the CLI as
// a subprocess, and a realistic sample of every event type.

#ifndef LUMBUNG_TESTS_TEST_UTIL_H_
#define LUMBUNG_TESTS_TEST_UTIL_H_

#include <string>
#include <vector>

namespace lumbung::testing {

// A fresh temporary folder, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` (argv[0] a path) with `input` on standard input.
CommandResult RunCommand(const std::vector<std::string>& argv, const std::string& input = "");

// One event of every type of the catalogue, as event JSON, each valid in
// shape (not necessarily against domain rules), in catalogue order.
std::vector<std::string> SampleEventOfEveryType();

// The lines of `text`, each without its '\n'; a last line without one is
// left out (command output always ends its lines).
std::vector<std::string> Lines(const std::string& text);
// Whether `text` contains `part`.
bool Has(const std::string& text, const std::string& part);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);

}  // namespace lumbung::testing

#endif  // LUMBUNG_TESTS_TEST_UTIL_H_
