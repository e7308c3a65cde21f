#include "id_map.h"

#include "lumbung/base/assert.h"

namespace lumbung::store {

uint64_t IdFingerprint(std::string_view event_id) {
  // FNV-1a, then a final avalanche (splitmix64) so that sequential ids
  // ("...-000017", "...-000018") spread over the whole table.
  uint64_t h = 14695981039346656037ULL;
  for (unsigned char c : event_id) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  h ^= h >> 31;
  return h == 0 ? 1 : h;
}

void IdMap::Resize(size_t capacity) {
  LUMBUNG_ASSERT((capacity & (capacity - 1)) == 0);
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  size_ = 0;
  for (const Slot& s : old) {
    if (s.fingerprint != 0) Place(s);
  }
}

void IdMap::Place(const Slot& slot) {
  size_t i = slot.fingerprint & mask_;
  while (slots_[i].fingerprint != 0) i = (i + 1) & mask_;
  slots_[i] = slot;
  ++size_;
}

void IdMap::Insert(uint64_t fingerprint, uint64_t seq, uint64_t group_end_seq) {
  LUMBUNG_ASSERT(fingerprint != 0);
  // Keep the load under 1/2: probes stay short.
  if ((size_ + 1) * 2 > slots_.size()) Resize(slots_.size() * 2);
  Place(Slot{fingerprint, seq, group_end_seq});
}

void IdMap::Find(uint64_t fingerprint, std::vector<uint64_t>* seqs) const {
  for (size_t i = fingerprint & mask_; slots_[i].fingerprint != 0; i = (i + 1) & mask_) {
    if (slots_[i].fingerprint == fingerprint) seqs->push_back(slots_[i].seq);
  }
}

void IdMap::DropFolded(uint64_t folded_seq) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size(), Slot{});
  size_ = 0;
  for (const Slot& s : old) {
    if (s.fingerprint != 0 && s.group_end_seq > folded_seq) Place(s);
  }
  size_t capacity = 1024;
  while (capacity < size_ * 2) capacity *= 2;
  if (capacity < slots_.size()) Resize(capacity);
}

}  // namespace lumbung::store
