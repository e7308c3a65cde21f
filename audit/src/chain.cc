#include "lumbung/audit/chain.h"

#include <cstring>

#include "lumbung/base/assert.h"

namespace lumbung::audit {

Status VerifiedEntry::Load(std::span<const uint8_t> bytes) {
  entry_ = nullptr;
  body_ = nullptr;
  size_ = 0;
  if (bytes.empty() || bytes.size() > kEntryBytesMax) {
    return Status::Corruption("entry has " + std::to_string(bytes.size()) +
                              " bytes; a valid entry has 1 to " + std::to_string(kEntryBytesMax));
  }
  // Growing only: a long walk reuses one allocation.
  if (storage_.size() < bytes.size()) storage_.resize(bytes.size());
  std::memcpy(storage_.data(), bytes.data(), bytes.size());
  size_ = bytes.size();
  const auto* data = reinterpret_cast<const uint8_t*>(storage_.data());
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 64;
  flatbuffers::Verifier verifier(data, size_, options);
  if (!fb::VerifyEntryBuffer(verifier)) {
    return Status::Corruption("not a valid FlatBuffer Entry");
  }
  entry_ = fb::GetEntry(data);
  body_ = entry_->body_nested_root();
  LUMBUNG_ASSERT(body_ != nullptr);  // the Verifier checked the nested buffer
  return Status();
}

Status VerifiedEntry::Load(std::string_view bytes) {
  return Load(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

std::span<const uint8_t> VerifiedEntry::bytes() const {
  return std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage_.data()), size_);
}

std::string_view VerifiedEntry::body_bytes() const {
  const auto* v = entry_->body();
  return std::string_view(reinterpret_cast<const char*>(v->data()), v->size());
}

void ChainVerifier::Problem(uint64_t seq, const std::string& what) {
  if (full()) return;
  problems_.push_back(Status::Corruption("seq " + std::to_string(seq) + ": " + what)
                          .WithSeq(static_cast<int64_t>(seq)));
}

void ChainVerifier::AddProblem(Status problem) {
  if (!full() && !problem.ok()) problems_.push_back(std::move(problem));
}

bool ChainVerifier::Add(uint64_t seq, std::span<const uint8_t> bytes, const Hash* stored_leaf) {
  return AddHashed(seq, bytes, LeafHash(bytes), stored_leaf);
}

bool ChainVerifier::AddHashed(uint64_t seq, std::span<const uint8_t> bytes, const Hash& leaf,
                              const Hash* stored_leaf) {
  const size_t problems_before = problems_.size();
  if (seq < next_) {
    Problem(seq, "entry appears twice or out of order");
    return false;
  }
  if (seq > next_) {
    Problem(next_, seq == next_ + 1 ? "entry is missing"
                                    : "entries " + std::to_string(next_) + " to " +
                                          std::to_string(seq - 1) + " are missing");
    next_ = seq;
    last_known_ = false;
  }
  Status loaded = current_.Load(bytes);
  if (!loaded.ok()) {
    Problem(seq, std::string(loaded.message()));
  } else if (current_.entry().seq() != seq) {
    Problem(seq, "entry carries seq " + std::to_string(current_.entry().seq()));
  }
  if (stored_leaf != nullptr && *stored_leaf != leaf) {
    Problem(seq,
            "entry bytes were altered: they no longer match the leaf hash recorded when "
            "the entry was written");
  }
  if (loaded.ok() && last_known_ &&
      std::memcmp(current_.entry().prev_hash()->bytes()->data(), last_leaf_.data(), kHashBytes) !=
          0) {
    Problem(seq, seq == 0 ? "prev_hash of entry 0 must be all zeros"
                          : "prev_hash does not match the leaf hash of entry " +
                                std::to_string(seq - 1) + " (one of the two was altered)");
  }
  range_.Append(leaf, visitor_);
  last_leaf_ = leaf;
  last_known_ = loaded.ok();
  ++next_;
  return problems_.size() == problems_before;
}

bool ChainVerifier::Add(uint64_t seq, std::string_view bytes, const Hash* stored_leaf) {
  return Add(seq,
             std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()),
             stored_leaf);
}

void ChainVerifier::Finish(uint64_t expected_size) {
  if (next_ < expected_size) {
    Problem(next_, next_ + 1 == expected_size ? "entry is missing (the log ends early)"
                                              : "entries " + std::to_string(next_) + " to " +
                                                    std::to_string(expected_size - 1) +
                                                    " are missing (the log ends early)");
  } else if (next_ > expected_size) {
    Problem(expected_size, "entries found past the recorded end of the log");
  }
}

}  // namespace lumbung::audit
