#include "delta.h"

#include <algorithm>
#include <cstdint>
#include <memory>

#include <flatbuffers/flatbuffers.h>

#include "lumbung/base/assert.h"
#include "lumbung/base/limits.h"
#include "lumbung/base/result.h"
#include "lumbung/base/text.h"
#include "lumbung/fb/state_generated.h"
#include "lumbung/ledger/domain/rows.h"

#include <zstd.h>

namespace lumbung::store {

void RowBlock::Append(std::string_view key, std::string_view value, bool present) {
  // A group is bounded far below this (limits::kGroupDeltaBytesMax).
  LUMBUNG_ASSERT(bytes_.size() + key.size() + value.size() < (uint64_t{1} << 31));
  refs_.push_back(Ref{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(key.size()),
                      present ? static_cast<int32_t>(value.size()) : -1});
  bytes_.insert(bytes_.end(), key.begin(), key.end());
  bytes_.insert(bytes_.end(), value.begin(), value.end());
}

void RowBlock::Truncate(size_t n) {
  if (n >= refs_.size()) return;
  bytes_.resize(refs_[n].key_offset);
  refs_.resize(n);
}

std::string DeltaBuilder::Finish(uint64_t end_seq) const {
  // Room for everything at once: a builder that grows copies what it holds
  // at each doubling (a fifth of this function's cost when it started at
  // 64 bytes a row). A row costs its bytes plus its table, vtable and two
  // length-prefixed, padded vectors: under 40 bytes.
  size_t id_bytes = 0;
  for (std::string_view id : ids_) id_bytes += id.size();
  flatbuffers::FlatBufferBuilder fbb(256 + rows_.bytes() + rows_.size() * 40 + id_bytes +
                                     ids_.size() * 24);
  std::vector<flatbuffers::Offset<fb::Row>> rows;
  rows.reserve(rows_.size());
  for (size_t i = 0; i < rows_.size(); ++i) {
    const std::string_view key = rows_.key(i);
    const std::optional<std::string_view> value = rows_.value(i);
    const auto k = fbb.CreateVector(reinterpret_cast<const uint8_t*>(key.data()), key.size());
    flatbuffers::Offset<flatbuffers::Vector<uint8_t>> v;
    if (value) v = fbb.CreateVector(reinterpret_cast<const uint8_t*>(value->data()), value->size());
    rows.push_back(fb::CreateRow(fbb, k, v));
  }
  const auto vec = fbb.CreateVector(rows);
  std::vector<flatbuffers::Offset<flatbuffers::String>> ids;
  ids.reserve(ids_.size());
  for (std::string_view id : ids_) ids.push_back(fbb.CreateString(id.data(), id.size()));
  const auto id_vec = fbb.CreateVector(ids);
  const auto receipt_vec = fbb.CreateVector(receipts_);
  fb::FinishGroupDeltaBuffer(fbb, fb::CreateGroupDelta(fbb, end_seq, vec, id_vec, receipt_vec));
  return std::string(reinterpret_cast<const char*>(fbb.GetBufferPointer()), fbb.GetSize());
}

namespace {

// A zstd frame starts with these bytes; an encoded GroupDelta starts with
// its root offset, a small number, so the two never look alike.
constexpr uint8_t kZstdMagic[4] = {0x28, 0xB5, 0x2F, 0xFD};
constexpr int kDeltaCompressionLevel = 1;

bool IsCompressed(std::string_view stored) {
  return stored.size() >= sizeof kZstdMagic &&
         std::memcmp(stored.data(), kZstdMagic, sizeof kZstdMagic) == 0;
}

}  // namespace

DeltaCompressor::DeltaCompressor() : ctx_(ZSTD_createCCtx()) {
  // Out of memory at startup: nothing sensible to do but stop.
  LUMBUNG_ASSERT(ctx_ != nullptr);
  // The frame carries its content size (readers bound their buffer by it)
  // and a checksum of the content, checked on decompression.
  LUMBUNG_ASSERT(
      !ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_compressionLevel, kDeltaCompressionLevel)));
  LUMBUNG_ASSERT(!ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_checksumFlag, 1)));
  LUMBUNG_ASSERT(!ZSTD_isError(ZSTD_CCtx_setParameter(ctx_, ZSTD_c_contentSizeFlag, 1)));
}

DeltaCompressor::~DeltaCompressor() {
  ZSTD_freeCCtx(ctx_);
}

std::string DeltaCompressor::Compress(std::string_view delta) {
  std::string out(ZSTD_compressBound(delta.size()), '\0');
  const size_t n = ZSTD_compress2(ctx_, out.data(), out.size(), delta.data(), delta.size());
  // With a buffer of ZSTD_compressBound bytes compression cannot fail.
  LUMBUNG_ASSERT(!ZSTD_isError(n));
  out.resize(n);
  LUMBUNG_ASSERT(IsCompressed(out));
  return out;
}

Result<std::string_view> InflateDelta(std::string_view stored, std::string* buffer) {
  if (!IsCompressed(stored)) return stored;
  const unsigned long long size = ZSTD_getFrameContentSize(stored.data(), stored.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN ||
      size > limits::kGroupDeltaBytesMax) {
    return Status::Corruption("a stored group delta has a damaged or oversized zstd frame");
  }
  auto damaged = [](std::string_view why) {
    return Status::Corruption("a stored group delta does not decompress: " + std::string(why));
  };
  // The output grows with what the frame really holds, not with what its
  // header claims: a damaged header (found by fuzz/stored: 15 bytes that
  // claimed 792 MB) must not cost the open that much memory.
  const std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (ctx == nullptr) return Status::Internal("out of memory for a zstd decompressor");
  buffer->resize(std::min<uint64_t>(size, std::max<uint64_t>(64 << 10, 16 * stored.size())));
  ZSTD_inBuffer in{stored.data(), stored.size(), 0};
  size_t produced = 0;
  for (;;) {
    ZSTD_outBuffer out{buffer->data(), buffer->size(), produced};
    const size_t read_before = in.pos;
    const size_t left = ZSTD_decompressStream(ctx.get(), &out, &in);
    const bool progressed = out.pos > produced || in.pos > read_before;
    produced = out.pos;
    if (ZSTD_isError(left)) return damaged(ZSTD_getErrorName(left));
    if (left == 0) break;  // the frame is complete (and its checksum checked)
    if (produced < buffer->size()) {
      if (in.pos == in.size || !progressed) return damaged("short frame");
      continue;
    }
    if (buffer->size() >= size) return damaged("more bytes than its header claims");
    buffer->resize(std::min<uint64_t>(size, 2 * buffer->size()));
  }
  if (produced != size) return damaged("fewer bytes than its header claims");
  if (in.pos != in.size) return damaged("bytes after the frame");
  return std::string_view(buffer->data(), produced);
}

namespace {

Result<const fb::GroupDelta*> VerifyDelta(std::string_view blob, std::string* aligned) {
  // FlatBuffers reads scalars in place: copy only if the bytes are not
  // 8-byte aligned.
  const char* bytes = blob.data();
  if (reinterpret_cast<uintptr_t>(bytes) % 8 != 0) {
    aligned->assign(blob);
    bytes = aligned->data();
  }
  const auto* data = reinterpret_cast<const uint8_t*>(bytes);
  flatbuffers::Verifier verifier(data, blob.size());
  if (!fb::VerifyGroupDeltaBuffer(verifier)) {
    return Status::Corruption("a stored group delta is not a valid GroupDelta");
  }
  const fb::GroupDelta* delta = fb::GetGroupDelta(data);
  const uint64_t ids = delta->event_ids() != nullptr ? delta->event_ids()->size() : 0;
  if (ids > delta->end_seq()) return Status::Corruption("a group delta has too many event ids");
  if (delta->receipts() != nullptr && delta->receipts()->size() != ids) {
    return Status::Corruption("a group delta's receipts do not match its event ids");
  }
  // The receipts are read in place as uint64 (domain::ElementsAligned).
  if (delta->receipts() != nullptr &&
      !domain::ElementsAligned(delta->receipts()->data(), delta->receipts()->size(),
                               alignof(uint64_t))) {
    return Status::Corruption("a group delta's receipts are misaligned");
  }
  return delta;
}

}  // namespace

Status ForEachDeltaEntry(std::string_view blob, uint64_t* end_seq,
                         const std::function<void(const DeltaEntry&)>& fn) {
  std::string aligned;
  LUMBUNG_ASSIGN_OR_RETURN(const fb::GroupDelta* delta, VerifyDelta(blob, &aligned));
  *end_seq = delta->end_seq();
  if (delta->event_ids() == nullptr) return Status();
  const auto* receipts = delta->receipts();  // VerifyDelta: as many as ids, or none
  const uint64_t first_seq = delta->end_seq() - delta->event_ids()->size();
  for (flatbuffers::uoffset_t i = 0; i < delta->event_ids()->size(); ++i) {
    fn(DeltaEntry{delta->event_ids()->Get(i)->string_view(), first_seq + i,
                  receipts != nullptr ? std::optional<uint64_t>(receipts->Get(i)) : std::nullopt});
  }
  return Status();
}

Status ForEachDeltaRow(std::string_view blob, uint64_t* end_seq,
                       const std::function<void(const DeltaRow&)>& fn) {
  std::string aligned;
  LUMBUNG_ASSIGN_OR_RETURN(const fb::GroupDelta* delta, VerifyDelta(blob, &aligned));
  *end_seq = delta->end_seq();
  for (const fb::Row* row : *delta->rows()) {
    DeltaRow r;
    r.key = std::string_view(reinterpret_cast<const char*>(row->key()->data()), row->key()->size());
    if (row->value() != nullptr) {
      r.value = std::string_view(reinterpret_cast<const char*>(row->value()->data()),
                                 row->value()->size());
    }
    fn(r);
  }
  return Status();
}

}  // namespace lumbung::store
