#include "bundle_entries.h"

#include <cerrno>
#include <cstring>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "lumbung/audit/bundle.h"
#include "lumbung/audit/bundle_verify.h"
#include "lumbung/base/assert.h"

#include "bundle_files.h"
#include <unistd.h>

namespace lumbung::audit::internal {
namespace {

// Bytes read per batch: about 6,000 typical entries, so the cost of handing
// a batch to the hashing thread (starting it) stays under 1% of the work,
// and a batch always holds at least one whole frame (kEntryBytesMax + 4).
constexpr size_t kBatchBytes = 2 << 20;
static_assert(kBatchBytes > kFrameHeaderBytes + kEntryBytesMax);
constexpr uint64_t kProgressEvery = 16384;

struct Frame {
  size_t offset;  // of the entry bytes, within Batch::bytes
  size_t size;
};

// Consecutive bytes of the file. The buffer is allocated once, uninitialised
// (a std::string would zero 2 MiB on every resize), and reused.
class Bytes {
 public:
  Bytes() : data_(new char[kCapacity]) {}
  static constexpr size_t kCapacity = kBatchBytes + kFrameHeaderBytes + kEntryBytesMax;
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  size_t size() const { return size_; }
  void resize(size_t size) {
    LUMBUNG_ASSERT(size <= kCapacity);
    size_ = size;
  }
  std::string_view view() const { return std::string_view(data_.get(), size_); }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
};

struct Batch {
  Bytes bytes;
  std::vector<Frame> frames;
  std::vector<Hash> leaves;  // one per frame, filled by the hashing thread
  uint64_t first_seq = 0;
  uint64_t file_offset = 0;  // of bytes.data()[0]
};

uint32_t ReadBigEndian32(const char* bytes) {
  const auto* b = reinterpret_cast<const uint8_t*>(bytes);
  return uint32_t{b[0]} << 24 | uint32_t{b[1]} << 16 | uint32_t{b[2]} << 8 | uint32_t{b[3]};
}

// Cuts entries.bin into batches of whole frames. After a framing problem
// the rest of the file still comes, as bytes without frames, so that the
// file's digest covers all of it.
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}

  // The next bytes of the file; false once it is exhausted.
  Result<bool> Next(Batch* batch) {
    // The batch starts with the incomplete frame the last read left.
    std::memcpy(batch->bytes.data(), carry_.data(), carry_.size());
    batch->bytes.resize(carry_.size());
    carry_.clear();
    batch->frames.clear();
    batch->first_seq = next_seq_;
    batch->file_offset = offset_;
    const size_t start = batch->bytes.size();
    if (!eof_) {
      batch->bytes.resize(start + kBatchBytes);
      const ssize_t n = ReadFull(fd_, batch->bytes.data() + start, kBatchBytes);
      if (n < 0) return Status::IOError("entries.bin cannot be read");
      batch->bytes.resize(start + static_cast<size_t>(n));
      eof_ = static_cast<size_t>(n) < kBatchBytes;
    }
    if (batch->bytes.size() == 0) return false;
    Cut(batch);
    return true;
  }

  uint64_t frames() const { return next_seq_; }
  const Status& framing() const { return framing_; }

 private:
  void Cut(Batch* batch) {
    const size_t size = batch->bytes.size();
    size_t pos = 0;
    while (!broken() && size - pos >= kFrameHeaderBytes) {
      const uint32_t length = ReadBigEndian32(batch->bytes.data() + pos);
      if (length == 0 || length > kEntryBytesMax) {
        Break(pos, "its length prefix says " + std::to_string(length) +
                       " bytes; an entry has 1 to " + std::to_string(kEntryBytesMax) +
                       ", so the rest of the file cannot be read");
        break;
      }
      if (size - pos - kFrameHeaderBytes < length) break;  // completed by the next read
      batch->frames.push_back(Frame{pos + kFrameHeaderBytes, length});
      pos += kFrameHeaderBytes + length;
      ++next_seq_;
    }
    if (!broken() && pos < size) {
      if (eof_) {
        Break(pos, "the file ends inside this entry's frame: entries.bin is truncated");
      } else {
        carry_.assign(batch->bytes.data() + pos, size - pos);
        batch->bytes.resize(pos);
      }
    }
    offset_ += batch->bytes.size();
  }

  bool broken() const { return !framing_.ok(); }

  void Break(size_t pos, const std::string& what) {
    std::string message = "seq " + std::to_string(next_seq_);
    message += " (byte ";
    message += std::to_string(offset_ + pos);
    message += "): ";
    message += what;
    framing_ = BundleProblem(kBundleReasonFraming, bundle_files::kEntries, message)
                   .WithSeq(static_cast<int64_t>(next_seq_));
  }

  int fd_;
  std::string carry_;
  bool eof_ = false;
  uint64_t next_seq_ = 0;
  uint64_t offset_ = 0;  // file offset of the next batch's first byte
  Status framing_;
};

void HashBatch(Batch* batch, Sha256Stream* file_digest) {
  file_digest->Update(batch->bytes.view());
  batch->leaves.resize(batch->frames.size());
  const auto* data = reinterpret_cast<const uint8_t*>(batch->bytes.data());
  for (size_t i = 0; i < batch->frames.size(); ++i) {
    const Frame& frame = batch->frames[i];
    batch->leaves[i] = LeafHash(std::span<const uint8_t>(data + frame.offset, frame.size));
  }
}

void WalkBatch(const Batch& batch, ChainVerifier& chain, const EntryWalkHooks& hooks) {
  LUMBUNG_ASSERT(batch.leaves.size() == batch.frames.size());
  const auto* data = reinterpret_cast<const uint8_t*>(batch.bytes.data());
  for (size_t i = 0; i < batch.frames.size() && !chain.full(); ++i) {
    const uint64_t seq = batch.first_seq + i;
    const Frame& frame = batch.frames[i];
    const std::span<const uint8_t> bytes(data + frame.offset, frame.size);
    if (chain.AddHashed(seq, bytes, batch.leaves[i]) && hooks.on_entry) {
      hooks.on_entry(seq, chain.last(), batch.file_offset + frame.offset);
    }
    if (hooks.on_progress && (seq + 1) % kProgressEvery == 0) hooks.on_progress(seq + 1);
  }
}

}  // namespace

Result<EntryWalk> WalkEntries(int fd, ChainVerifier& chain, const EntryWalkHooks& hooks) {
  FrameReader reader(fd);
  Sha256Stream file_digest;
  auto next = std::make_unique<Batch>();
  auto hashing = std::make_unique<Batch>();
  auto ready = std::make_unique<Batch>();
  // At most one hashing task runs at a time, so the file digest sees the
  // batches in order. async|deferred: if no thread can be started, the task
  // runs on this thread at get() instead.
  std::future<void> pending;
  bool more = true;
  while (more || pending.valid()) {
    Result<bool> read = more ? reader.Next(next.get()) : Result<bool>(false);
    if (!read.ok()) {
      if (pending.valid()) pending.wait();
      return std::move(read).TakeStatus();
    }
    more = *read;
    const bool walk = pending.valid();
    if (walk) {
      pending.get();
      std::swap(ready, hashing);
    }
    if (more) {
      std::swap(hashing, next);
      pending =
          std::async(std::launch::async | std::launch::deferred,
                     [batch = hashing.get(), &file_digest] { HashBatch(batch, &file_digest); });
    }
    if (walk) WalkBatch(*ready, chain, hooks);
  }
  EntryWalk result;
  result.file_sha256 = file_digest.Final();
  result.frames = reader.frames();
  result.framing = reader.framing();
  return result;
}

}  // namespace lumbung::audit::internal
