#include "out_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung::exports::internal {
namespace fs = std::filesystem;
namespace {

// Large enough that writing a bundle's entries costs few system calls.
constexpr size_t kBufferBytes = 1 << 20;

Status Errno(std::string_view what, const std::string& path) {
  std::string message(what);
  message += ' ';
  message += path;
  message += ": ";
  message += std::strerror(errno);
  return Status::IOError(message);
}

std::string ParentOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

OutFile::~OutFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status OutFile::Open(const std::string& path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) return Errno("cannot create", path);
  path_ = path;
  buffer_.reserve(kBufferBytes);
  digest_ = std::make_unique<audit::Sha256Stream>();
  return Status();
}

Result<std::string> OutFile::OpenTempSibling(const std::string& target) {
  std::string path = target + ".tmp-XXXXXX";
  fd_ = ::mkostemp(path.data(), O_CLOEXEC);
  if (fd_ < 0) return Errno("cannot create a file next to", target);
  if (::fchmod(fd_, 0644) != 0) return Errno("cannot set the mode of", path);
  path_ = path;
  buffer_.reserve(kBufferBytes);
  digest_ = std::make_unique<audit::Sha256Stream>();
  return path;
}

Status OutFile::Write(std::string_view data) {
  digest_->Update(data);
  bytes_ += data.size();
  if (buffer_.size() + data.size() > kBufferBytes) LUMBUNG_RETURN_IF_ERROR(Flush());
  if (data.size() >= kBufferBytes) {
    buffer_.assign(data);
    return Flush();
  }
  buffer_.append(data);
  return Status();
}

Status OutFile::Flush() {
  size_t done = 0;
  while (done < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write", path_);
    done += static_cast<size_t>(n);
  }
  buffer_.clear();
  return Status();
}

Result<audit::Hash> OutFile::Close() {
  LUMBUNG_RETURN_IF_ERROR(Flush());
  if (::fsync(fd_) != 0) return Errno("cannot sync", path_);
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("cannot close", path_);
  return digest_->Final();
}

Status OutFile::CloseUnsynced() {
  LUMBUNG_RETURN_IF_ERROR(Flush());
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return Errno("cannot close", path_);
  return Status();
}

Result<audit::Hash> WriteNewFile(const std::string& path, std::string_view data) {
  OutFile file;
  LUMBUNG_RETURN_IF_ERROR(file.Open(path));
  LUMBUNG_RETURN_IF_ERROR(file.Write(data));
  return file.Close();
}

Result<std::string> MakeTempSibling(const std::string& target) {
  std::string templ = target;
  while (templ.size() > 1 && templ.back() == '/') templ.pop_back();
  templ += ".tmp-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) return Errno("cannot create a folder next to", target);
  if (::chmod(templ.c_str(), 0755) != 0) return Errno("cannot set the mode of", templ);
  return templ;
}

Status SyncFolder(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const int synced = ::fsync(fd);
  ::close(fd);
  if (synced != 0) return Errno("cannot sync", path);
  return Status();
}

Status SyncFileSystem(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open", path);
  const int synced = ::syncfs(fd);
  ::close(fd);
  if (synced != 0) return Errno("cannot sync the file system of", path);
  return Status();
}

Status Publish(const std::string& temp, const std::string& target) {
  // RENAME_NOREPLACE: an existing target (even an empty folder, which a
  // plain rename would replace) is never overwritten.
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) != 0) {
    if (errno == EEXIST) return Status::FailedPrecondition(target + " already exists");
    return Errno("cannot rename into", target);
  }
  return SyncFolder(ParentOf(target));
}

TempGuard::~TempGuard() {
  if (path_.empty()) return;
  std::error_code ec;
  fs::remove_all(path_, ec);  // best effort: a stray .tmp- folder is harmless
}

}  // namespace lumbung::exports::internal
