// Durable output for exports: files written through a buffer, hashed as
// they are written and synced when closed; temporary sibling folders and
// files that are renamed into place once complete.
//
//   temp = MakeTempSibling(out)   ->  out.tmp-XXXXXX/   (mkdtemp)
//   write and Close() each file   ->  data synced
//   Publish(temp, out)            ->  folder synced, renamed (never over an
//                                     existing out), parent folder synced
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_EXPORT_SRC_OUT_FILE_H_
#define LUMBUNG_EXPORT_SRC_OUT_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "lumbung/audit/hash.h"
#include "lumbung/base/result.h"

namespace lumbung::exports::internal {

class OutFile {
 public:
  OutFile() = default;
  // Closes (without syncing) a file that Close was not called for.
  ~OutFile();
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;

  // Creates `path`, which must not exist, mode 0644.
  Status Open(const std::string& path);
  // Creates a new file `target`.tmp-XXXXXX (mkstemp), mode 0644; returns
  // its name.
  Result<std::string> OpenTempSibling(const std::string& target);
  Status Write(std::string_view data);
  // Flushes, syncs and closes; returns the SHA-256 of all bytes written.
  Result<audit::Hash> Close();
  // Flushes and closes without syncing: for exports of many small files,
  // made durable at once by SyncFileSystem before they are published.
  Status CloseUnsynced();
  uint64_t bytes() const { return bytes_; }

 private:
  Status Flush();

  int fd_ = -1;
  std::string path_;
  std::string buffer_;
  std::unique_ptr<audit::Sha256Stream> digest_;
  uint64_t bytes_ = 0;
};

// Writes `data` as the new file `path` (OutFile in one call).
Result<audit::Hash> WriteNewFile(const std::string& path, std::string_view data);

// Creates the folder `target`.tmp-XXXXXX next to `target` (mode 0755).
Result<std::string> MakeTempSibling(const std::string& target);
// Syncs `path` (a folder) so the names in it are durable.
Status SyncFolder(const std::string& path);
// Syncs the whole file system that holds `path` (syncfs): one call instead
// of one fsync per file, for a folder of a thousand small files.
Status SyncFileSystem(const std::string& path);
// Renames `temp` to `target` (which must not exist) and syncs the parent.
Status Publish(const std::string& temp, const std::string& target);

// Removes a temporary folder or file on destruction unless released.
class TempGuard {
 public:
  explicit TempGuard(std::string path) : path_(std::move(path)) {}
  ~TempGuard();
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;
  void Release() { path_.clear(); }

 private:
  std::string path_;
};

}  // namespace lumbung::exports::internal

#endif  // LUMBUNG_EXPORT_SRC_OUT_FILE_H_
