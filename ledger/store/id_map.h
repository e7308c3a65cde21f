// IdMap: event_id fingerprints (64-bit hashes) -> seq, for the event ids
// whose index rows are not yet folded into RocksDB keys. Open addressing
// with linear probing: 24 bytes an id, no allocation per id, which is what
// made the writer's apply stage fast enough (a std::unordered_map of
// strings cost ~1 us an event, measured).
//
// A fingerprint may collide: lookups return every seq filed under it, and
// the caller confirms each against the stored entry's event_id. The map
// never decides on its own that two ids are equal.
//
// Thread safety: thread-compatible (the writer's apply thread).

#ifndef LUMBUNG_LEDGER_STORE_ID_MAP_H_
#define LUMBUNG_LEDGER_STORE_ID_MAP_H_

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

namespace lumbung::store {

uint64_t IdFingerprint(std::string_view event_id);

class IdMap {
 public:
  IdMap() { Resize(1024); }

  void Insert(uint64_t fingerprint, uint64_t seq, uint64_t group_end_seq);
  // Appends to `seqs` every seq filed under `fingerprint`.
  void Find(uint64_t fingerprint, std::vector<uint64_t>* seqs) const;
  // Keeps only ids whose group ended after `folded_seq`.
  void DropFolded(uint64_t folded_seq);
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t fingerprint = 0;  // 0 marks an empty slot (real ones are never 0)
    uint64_t seq = 0;
    uint64_t group_end_seq = 0;
  };
  void Resize(size_t capacity);
  void Place(const Slot& slot);

  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace lumbung::store

#endif  // LUMBUNG_LEDGER_STORE_ID_MAP_H_
