#include "bundle_files.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "lumbung/audit/bundle_verify.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung::audit::internal {
namespace fs = std::filesystem;
namespace {

constexpr size_t kReadChunkBytes = 1 << 20;

// Closes a file descriptor on scope exit.
class FileCloser {
 public:
  explicit FileCloser(int fd) : fd_(fd) {}
  ~FileCloser() { ::close(fd_); }
  FileCloser(const FileCloser&) = delete;
  FileCloser& operator=(const FileCloser&) = delete;

 private:
  int fd_;
};

std::string JoinPath(const std::string& dir, std::string_view name) {
  std::string path = dir;
  path += '/';
  path += name;
  return path;
}

bool IsBundleFile(std::string_view name) {
  return std::find(std::begin(kBundleFiles), std::end(kBundleFiles), name) !=
         std::end(kBundleFiles);
}

bool IsListed(const std::vector<SumsLine>& lines, std::string_view name) {
  return std::any_of(lines.begin(), lines.end(), [&](const SumsLine& l) { return l.name == name; });
}

// Regular files under `dir` (relative names), except SHA256SUMS; links and
// other non-regular files are problems. Bounded by kBundleDirEntriesMax.
std::vector<std::string> ListFolder(const std::string& dir, std::vector<Status>* problems) {
  std::vector<std::string> files;
  std::error_code ec;
  size_t seen = 0;
  fs::recursive_directory_iterator it(dir, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (++seen > kBundleDirEntriesMax) {
      problems->push_back(BundleProblem(kBundleReasonUnlistedFile, ".",
                                        "the folder holds far more files than a bundle"));
      return files;
    }
    const std::string name = it->path().lexically_relative(dir).generic_string();
    const fs::file_status status = it->symlink_status(ec);
    if (ec) break;
    if (fs::is_directory(status)) continue;
    if (fs::is_symlink(status) || !fs::is_regular_file(status)) {
      problems->push_back(BundleProblem(kBundleReasonUnlistedFile, Printable(name),
                                        "not a regular file (a bundle holds regular files only)"));
      continue;
    }
    if (name != bundle_files::kSums) files.push_back(name);
  }
  if (ec) {
    problems->push_back(BundleProblem(kBundleReasonMissingFile, ".",
                                      "the folder cannot be listed: " + ec.message()));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

ssize_t ReadFull(int fd, char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::read(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return static_cast<ssize_t>(done);
}

Status BundleProblem(std::string_view reason, std::string_view file, std::string_view what) {
  std::string message(file);
  message += ": ";
  message += what;
  return Status::Make(Code::kCorruption, reason, file, message);
}

std::string Printable(std::string_view name) {
  std::string out(name.substr(0, 200));
  for (char& c : out) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return out;
}

Result<int> OpenBundleFile(const std::string& dir, std::string_view name) {
  const std::string path = JoinPath(dir, name);
  // O_NONBLOCK: opening a FIFO planted in a bundle must not wait for a
  // writer; it is then refused as not a regular file. Reads of regular
  // files ignore the flag.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT) return Status::NotFound(std::string(name) + " is missing");
  if (fd < 0 && errno == ELOOP) {
    return BundleProblem(kBundleReasonUnlistedFile, name, "is a symbolic link");
  }
  if (fd < 0) {
    return BundleProblem(kBundleReasonMissingFile, name,
                         std::string("cannot be opened: ") + std::strerror(errno));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return BundleProblem(kBundleReasonUnlistedFile, name, "is not a regular file");
  }
  return fd;
}

Result<std::string> ReadBundleFile(const std::string& dir, std::string_view name,
                                   size_t bytes_max) {
  LUMBUNG_ASSIGN_OR_RETURN(const int fd, OpenBundleFile(dir, name));
  FileCloser closer(fd);
  std::string text;
  // One byte more than allowed tells "too large" from "exactly at the bound".
  // Start from the file's size (which may still change under us), so small
  // files do not pay for zero-filling a large buffer.
  struct stat st {};
  const size_t expected =
      ::fstat(fd, &st) == 0 && st.st_size >= 0 ? static_cast<size_t>(st.st_size) : 0;
  text.resize(std::min({bytes_max + 1, kReadChunkBytes, expected + 1}));
  size_t size = 0;
  while (true) {
    const ssize_t n = ReadFull(fd, text.data() + size, text.size() - size);
    if (n < 0) return BundleProblem(kBundleReasonMissingFile, name, "cannot be read");
    size += static_cast<size_t>(n);
    if (size > bytes_max) {
      return BundleProblem(
          kBundleReasonMissingFile, name,
          "is larger than a bundle allows (" + std::to_string(bytes_max) + " bytes)");
    }
    if (size < text.size()) break;  // the end of the file
    text.resize(std::min(bytes_max + 1, text.size() * 2));
  }
  text.resize(size);
  return text;
}

Result<Hash> HashBundleFile(const std::string& dir, std::string_view name) {
  LUMBUNG_ASSIGN_OR_RETURN(const int fd, OpenBundleFile(dir, name));
  FileCloser closer(fd);
  struct stat st {};
  const size_t expected =
      ::fstat(fd, &st) == 0 && st.st_size >= 0 ? static_cast<size_t>(st.st_size) : 0;
  std::string buffer(std::min(kReadChunkBytes, expected + 1), '\0');
  Sha256Stream digest;
  while (true) {
    const ssize_t n = ReadFull(fd, buffer.data(), buffer.size());
    if (n < 0) return BundleProblem(kBundleReasonMissingFile, name, "cannot be read");
    digest.Update(std::string_view(buffer.data(), static_cast<size_t>(n)));
    if (static_cast<size_t>(n) < buffer.size()) break;
  }
  return digest.Final();
}

Manifest ReadManifest(const std::string& dir) {
  Manifest manifest;
  std::vector<Status>& problems = manifest.problems;
  Result<std::string> sums = ReadBundleFile(dir, bundle_files::kSums, kSumsBytesMax);
  if (sums.ok()) {
    Result<std::vector<SumsLine>> lines = ParseSha256Sums(*sums);
    if (lines.ok()) {
      manifest.lines = std::move(*lines);
    } else {
      problems.push_back(lines.status());
    }
  } else {
    problems.push_back(sums.status().IsNotFound()
                           ? BundleProblem(kBundleReasonMissingFile, bundle_files::kSums,
                                           "missing: the bundle has no manifest")
                           : sums.status());
  }
  const bool sums_usable = problems.empty();
  std::vector<Status> folder_problems;
  const std::vector<std::string> present = ListFolder(dir, &folder_problems);
  auto is_present = [&](std::string_view name) {
    return std::binary_search(present.begin(), present.end(), name);
  };
  for (std::string_view name : kBundleFiles) {
    if (!is_present(name)) {
      manifest.missing.emplace(name);
      problems.push_back(BundleProblem(kBundleReasonMissingFile, name, "missing from the bundle"));
    } else if (sums_usable && !IsListed(manifest.lines, name)) {
      problems.push_back(
          BundleProblem(kBundleReasonUnlistedFile, name, "not listed in SHA256SUMS"));
    }
  }
  for (const SumsLine& line : manifest.lines) {
    if (!IsBundleFile(line.name) && !is_present(line.name)) {
      manifest.missing.insert(line.name);
      problems.push_back(BundleProblem(kBundleReasonMissingFile, line.name,
                                       "listed in SHA256SUMS but missing from the bundle"));
    }
  }
  for (const std::string& name : present) {
    if (sums_usable && !IsBundleFile(name) && !IsListed(manifest.lines, name)) {
      problems.push_back(BundleProblem(kBundleReasonUnlistedFile, Printable(name),
                                       "not listed in SHA256SUMS (not part of a bundle)"));
    }
  }
  problems.insert(problems.end(), folder_problems.begin(), folder_problems.end());
  return manifest;
}

std::vector<Status> CheckListedDigests(const std::string& dir, const Manifest& manifest,
                                       std::string_view skip) {
  std::vector<Status> problems;
  for (const SumsLine& line : manifest.lines) {
    if (line.name == skip || manifest.missing.count(line.name) != 0) continue;
    Result<Hash> digest = HashBundleFile(dir, line.name);
    if (!digest.ok()) {
      problems.push_back(digest.status().IsNotFound()
                             ? BundleProblem(kBundleReasonMissingFile, line.name,
                                             "listed in SHA256SUMS but missing")
                             : digest.status());
    } else if (*digest != line.sha256) {
      problems.push_back(BundleProblem(kBundleReasonManifest, line.name,
                                       "does not match its SHA-256 in SHA256SUMS (the file "
                                       "was altered or damaged)"));
    }
  }
  return problems;
}

}  // namespace lumbung::audit::internal
