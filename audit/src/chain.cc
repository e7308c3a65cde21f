#include "lumbung/audit/chain.h"

#include <cstring>

#include "lumbung/base/assert.h"

namespace lumbung::audit {

namespace {

Status CheckEntrySize(size_t size) {
  if (size > 0 && size <= kEntryBytesMax) return Status();
  return Status::Corruption("entry has " + std::to_string(size) +
                            " bytes; a valid entry has 1 to " + std::to_string(kEntryBytesMax));
}

}  // namespace

Result<const fb::Entry*> VerifyEntryBytes(std::span<const uint8_t> bytes) {
  LUMBUNG_RETURN_IF_ERROR(CheckEntrySize(bytes.size()));
  LUMBUNG_ASSERT(reinterpret_cast<uintptr_t>(bytes.data()) % 8 == 0);
  flatbuffers::Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 64;
  flatbuffers::Verifier verifier(bytes.data(), bytes.size(), options);
  if (!fb::VerifyEntryBuffer(verifier)) {
    return Status::Corruption("not a valid FlatBuffer Entry");
  }
  const fb::Entry* entry = fb::GetEntry(bytes.data());
  LUMBUNG_ASSERT(entry->body_nested_root() != nullptr);  // the Verifier checked the nested buffer
  return entry;
}

Status VerifiedEntry::Load(std::span<const uint8_t> bytes) {
  entry_ = nullptr;
  body_ = nullptr;
  size_ = 0;
  // Checked before the copy too, so that an oversized input grows nothing.
  LUMBUNG_RETURN_IF_ERROR(CheckEntrySize(bytes.size()));
  // Growing only: a long walk reuses one allocation.
  if (storage_.size() < bytes.size()) storage_.resize(bytes.size());
  std::memcpy(storage_.data(), bytes.data(), bytes.size());
  size_ = bytes.size();
  auto entry = VerifyEntryBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(storage_.data()), size_));
  if (!entry.ok()) return std::move(entry).TakeStatus();
  entry_ = *entry;
  body_ = entry_->body_nested_root();
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
  CheckedEntry checked;
  checked.leaf = leaf;
  checked.problem = current_.Load(bytes);
  if (checked.problem.ok()) checked.entry = &current_.entry();
  return AddChecked(seq, checked, stored_leaf);
}

bool ChainVerifier::AddChecked(uint64_t seq, const CheckedEntry& checked, const Hash* stored_leaf) {
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
  const fb::Entry* entry = checked.entry;
  LUMBUNG_ASSERT((entry != nullptr) == checked.problem.ok());
  if (entry == nullptr) {
    Problem(seq, std::string(checked.problem.message()));
  } else if (entry->seq() != seq) {
    Problem(seq, "entry carries seq " + std::to_string(entry->seq()));
  }
  if (stored_leaf != nullptr && *stored_leaf != checked.leaf) {
    Problem(seq,
            "entry bytes were altered: they no longer match the leaf hash recorded when "
            "the entry was written");
  }
  if (entry != nullptr && last_known_ &&
      std::memcmp(entry->prev_hash()->bytes()->data(), last_leaf_.data(), kHashBytes) != 0) {
    Problem(seq, seq == 0 ? "prev_hash of entry 0 must be all zeros"
                          : "prev_hash does not match the leaf hash of entry " +
                                std::to_string(seq - 1) + " (one of the two was altered)");
  }
  range_.Append(checked.leaf, visitor_);
  last_leaf_ = checked.leaf;
  last_known_ = entry != nullptr;
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
