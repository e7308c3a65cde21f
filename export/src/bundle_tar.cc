// A bundle or oversight folder as a tar stream, through libarchive (POSIX
// pax format, which is plain ustar whenever the names fit, as they do here).

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include <archive.h>
#include <archive_entry.h>

#include "lumbung/export/bundle.h"
#include "lumbung/export/oversight.h"

#include "out_file.h"
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace lumbung::exports {
namespace {

namespace files = audit::bundle_files;

constexpr size_t kChunkBytes = 1 << 20;

struct ArchiveFree {
  void operator()(archive* a) const { archive_write_free(a); }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;

// Where libarchive's output goes; keeps the sink's first error.
struct Sink {
  const std::function<Status(std::string_view)>* write;
  Status error;
};

la_ssize_t WriteCallback(archive* a, void* context, const void* buffer, size_t length) {
  auto* sink = static_cast<Sink*>(context);
  if (!sink->error.ok()) return -1;  // the receiver failed once; never call it again
  sink->error = (*sink->write)(std::string_view(static_cast<const char*>(buffer), length));
  if (!sink->error.ok()) {
    archive_set_error(a, EIO, "the tar stream's receiver failed");
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

Status ArchiveError(archive* a, const Sink& sink, std::string_view what) {
  if (!sink.error.ok()) return sink.error;
  const char* detail = archive_error_string(a);
  std::string message = "writing the tar: ";
  message += what;
  message += ": ";
  message += detail != nullptr ? detail : "unknown error";
  return Status::IOError(message);
}

// Names in the tar, sorted: the bundle files, SHA256SUMS and the folder
// that holds the schemas (a folder entry before its files).
std::vector<std::string> TarNames() {
  std::vector<std::string> names(std::begin(audit::kBundleFiles), std::end(audit::kBundleFiles));
  names.emplace_back(files::kSums);
  names.push_back(std::string(files::kSchemaDir) + "/");
  std::sort(names.begin(), names.end());
  return names;
}

EntryPtr NewEntry(const std::string& path, int64_t size, bool folder, int64_t mtime) {
  EntryPtr entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), path.c_str());
  archive_entry_set_filetype(entry.get(), folder ? AE_IFDIR : AE_IFREG);
  archive_entry_set_perm(entry.get(), folder ? 0755 : 0644);
  archive_entry_set_size(entry.get(), folder ? 0 : size);
  archive_entry_set_mtime(entry.get(), mtime, 0);
  archive_entry_set_uid(entry.get(), 0);
  archive_entry_set_gid(entry.get(), 0);
  return entry;
}

// Copies one file of the folder into the archive.
Status AddFile(archive* a, const Sink& sink, const std::string& dir, const std::string& name,
               const std::string& path, int64_t mtime) {
  const std::string source = dir + "/" + name;
  const int fd = ::open(source.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return Status::IOError("cannot open " + source + ": " + std::strerror(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::IOError(source + " is not a regular file");
  }
  EntryPtr entry = NewEntry(path, st.st_size, /*folder=*/false, mtime);
  Status status;
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
    status = ArchiveError(a, sink, name);
  }
  std::vector<char> buffer(kChunkBytes);
  int64_t copied = 0;
  while (status.ok()) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n < 0) status = Status::IOError("cannot read " + source);
      break;
    }
    if (archive_write_data(a, buffer.data(), static_cast<size_t>(n)) != n) {
      status = ArchiveError(a, sink, name);
    }
    copied += n;
  }
  ::close(fd);
  if (status.ok() && copied != st.st_size) status = Status::IOError(source + " changed while read");
  return status;
}

// Every file and folder under `dir`, relative to it, sorted; a folder's
// name ends in '/' (and so sorts before what it holds).
Result<std::vector<std::string>> FolderNames(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().lexically_relative(dir).string();
    if (it->is_directory(ec) && !it->is_symlink(ec)) name += '/';
    names.push_back(std::move(name));
  }
  if (ec) return Status::IOError("cannot list " + dir + ": " + ec.message());
  std::sort(names.begin(), names.end());
  return names;
}

// Every entry of the tar, up to (not including) its end-of-archive blocks.
Status WriteEntries(archive* a, Sink* sink, const std::string& bundle_dir, std::string_view prefix,
                    int64_t mtime_seconds, const std::vector<std::string>& names) {
  if (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
      archive_write_open(a, sink, nullptr, WriteCallback, nullptr) != ARCHIVE_OK) {
    return ArchiveError(a, *sink, "starting");
  }
  const std::string top = std::string(prefix) + "/";
  EntryPtr folder = NewEntry(top, 0, /*folder=*/true, mtime_seconds);
  if (archive_write_header(a, folder.get()) != ARCHIVE_OK) return ArchiveError(a, *sink, top);
  for (const std::string& name : names) {
    if (name.ends_with('/')) {
      EntryPtr sub = NewEntry(top + name, 0, /*folder=*/true, mtime_seconds);
      if (archive_write_header(a, sub.get()) != ARCHIVE_OK) return ArchiveError(a, *sink, name);
      continue;
    }
    LUMBUNG_RETURN_IF_ERROR(AddFile(a, *sink, bundle_dir, name, top + name, mtime_seconds));
  }
  return Status();
}

Status WriteTar(const std::string& bundle_dir, std::string_view prefix, int64_t mtime_seconds,
                const std::vector<std::string>& names,
                const std::function<Status(std::string_view)>& write) {
  if (!audit::IsValidBundleFileName(prefix)) {
    std::string message(prefix);  // appends only: GCC 12's false -Wrestrict on "a" + string
    message += " cannot name the tar's folder";
    return Status::InvalidArgument(message);
  }
  // The sink outlives the archive: freeing an archive that is still open
  // flushes its last block through the sink.
  Sink sink{&write, Status()};
  ArchivePtr a(archive_write_new());
  if (a == nullptr) return Status::Internal("libarchive could not start a tar");
  Status status = WriteEntries(a.get(), &sink, bundle_dir, prefix, mtime_seconds, names);
  if (!status.ok()) {
    // Close all the same: after a failure libarchive's free() skips the
    // close that releases its buffers. The sink is shut first, so no
    // end-of-archive blocks make a broken stream look complete.
    if (sink.error.ok()) sink.error = status;
    archive_write_close(a.get());
    return status;
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) return ArchiveError(a.get(), sink, "finishing");
  return Status();
}

using TarWriter = Status (*)(const std::string&, std::string_view, int64_t,
                             const std::function<Status(std::string_view)>&);

Status WriteTarFile(TarWriter tar, const std::string& dir, std::string_view prefix,
                    int64_t mtime_seconds, const std::string& tar_path) {
  internal::OutFile out;
  LUMBUNG_ASSIGN_OR_RETURN(const std::string temp, out.OpenTempSibling(tar_path));
  internal::TempGuard guard(temp);
  LUMBUNG_RETURN_IF_ERROR(
      tar(dir, prefix, mtime_seconds, [&out](std::string_view data) { return out.Write(data); }));
  LUMBUNG_RETURN_IF_ERROR(out.Close().status());
  LUMBUNG_RETURN_IF_ERROR(internal::Publish(temp, tar_path));
  guard.Release();
  return Status();
}

}  // namespace

Status WriteBundleTar(const std::string& bundle_dir, std::string_view prefix, int64_t mtime_seconds,
                      const std::function<Status(std::string_view)>& write) {
  return WriteTar(bundle_dir, prefix, mtime_seconds, TarNames(), write);
}

Status WriteBundleTarFile(const std::string& bundle_dir, std::string_view prefix,
                          int64_t mtime_seconds, const std::string& tar_path) {
  return WriteTarFile(WriteBundleTar, bundle_dir, prefix, mtime_seconds, tar_path);
}

Status WriteOversightTar(const std::string& dir, std::string_view prefix, int64_t mtime_seconds,
                         const std::function<Status(std::string_view)>& write) {
  LUMBUNG_ASSIGN_OR_RETURN(const std::vector<std::string> names, FolderNames(dir));
  return WriteTar(dir, prefix, mtime_seconds, names, write);
}

Status WriteOversightTarFile(const std::string& dir, std::string_view prefix, int64_t mtime_seconds,
                             const std::string& tar_path) {
  return WriteTarFile(WriteOversightTar, dir, prefix, mtime_seconds, tar_path);
}

}  // namespace lumbung::exports
