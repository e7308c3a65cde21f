// Reading a bundle folder's files as untrusted input, and the SHA256SUMS
// checks of VerifyBundle. Internal to the audit library.
//
// Every file is opened without following a final symbolic link and must be
// a regular file; small files are read with a size bound; names come only
// from IsValidBundleFileName, so nothing outside the folder is read.

#ifndef LUMBUNG_AUDIT_SRC_BUNDLE_FILES_H_
#define LUMBUNG_AUDIT_SRC_BUNDLE_FILES_H_

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "lumbung/audit/bundle.h"
#include "lumbung/base/result.h"

namespace lumbung::audit::internal {

// read(2) until `size` bytes or the end of the file (EINTR retried);
// the bytes read, or -1 on an error.
ssize_t ReadFull(int fd, char* data, size_t size);

// A bundle problem: Corruption with `reason`, field() = `file`, and a
// message that starts with the file's name.
Status BundleProblem(std::string_view reason, std::string_view file, std::string_view what);

// A file name fit for a message: bytes outside printable ASCII become '?'
// (names on disk are untrusted and end up on a terminal).
std::string Printable(std::string_view name);

// Opens dir/name for reading: a regular file, not a symbolic link.
// NotFound if absent, Corruption (a bundle problem) if not a regular file.
Result<int> OpenBundleFile(const std::string& dir, std::string_view name);
// Reads all of dir/name, at most `bytes_max` bytes (Corruption beyond).
Result<std::string> ReadBundleFile(const std::string& dir, std::string_view name, size_t bytes_max);
// SHA-256 of all of dir/name, streamed.
Result<Hash> HashBundleFile(const std::string& dir, std::string_view name);

struct Manifest {
  std::vector<SumsLine> lines;    // as listed (empty if SHA256SUMS is unusable)
  std::set<std::string> missing;  // bundle files found missing on disk
  std::vector<Status> problems;   // listing problems, in a stable order
};

// Reads SHA256SUMS and compares what it lists with what the folder holds:
// every bundle file present and listed, every listed file present, no file
// present that is not listed. Digests are not checked here.
Manifest ReadManifest(const std::string& dir);

// Checks the digest of every listed file except `skip` (entries.bin, which
// the entry walk hashes as it reads). Files already in `missing` are
// skipped. Problems in listing order.
std::vector<Status> CheckListedDigests(const std::string& dir, const Manifest& manifest,
                                       std::string_view skip);

}  // namespace lumbung::audit::internal

#endif  // LUMBUNG_AUDIT_SRC_BUNDLE_FILES_H_
