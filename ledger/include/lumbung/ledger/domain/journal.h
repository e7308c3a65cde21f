// Journal: the undo log of the domain state.
//
// Every change to the state goes through it: a scalar field write records
// the field's address and old value; a structural change (a record created,
// an element added to or removed from a list) records how to undo it. The
// writer rolls back a rejected request, or a group whose write failed, to a
// position taken before it; changes below a durable group's end are then
// forgotten (CommitUpTo).
//
// Positions are absolute (they survive CommitUpTo of older entries), because
// the writer keeps one group in flight while applying the next.
//
// Invariant: records are never destroyed except by undoing their creation,
// so the addresses held here stay valid until the entry is undone or
// committed.
//
// Thread safety: thread-compatible.

#ifndef LUMBUNG_LEDGER_DOMAIN_JOURNAL_H_
#define LUMBUNG_LEDGER_DOMAIN_JOURNAL_H_

#include <cstdint>
#include <cstring>
#include <deque>
#include <functional>
#include <string>
#include <type_traits>

#include "lumbung/base/assert.h"

namespace lumbung::domain {

class Journal {
 public:
  // When disabled (rebuilds and replays, which never roll back), changes
  // are applied without being recorded.
  explicit Journal(bool enabled = true) : enabled_(enabled) {}

  template <typename T>
  void Set(T& field, T value) {
    static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8);
    if (enabled_ && field != value) {
      Entry e;
      e.ptr = &field;
      e.size = sizeof(T);
      std::memcpy(&e.old, &field, sizeof(T));
      entries_.push_back(e);
    }
    field = value;
  }
  void SetString(std::string& field, std::string value) {
    if (enabled_ && field != value) {
      OnUndo([&field, old = field]() { field = old; });
    }
    field = std::move(value);
  }
  // Runs `undo` if this position is rolled back.
  void OnUndo(std::function<void()> undo) {
    if (!enabled_) return;
    entries_.push_back(Entry{});
    undos_.push_back(std::move(undo));
  }

  uint64_t Position() const { return base_ + entries_.size(); }
  void RollbackTo(uint64_t position) {
    LUMBUNG_ASSERT(position >= base_ && position <= Position());
    while (Position() > position) {
      const Entry& e = entries_.back();
      if (e.size == 0) {
        undos_.back()();
        undos_.pop_back();
      } else {
        std::memcpy(e.ptr, &e.old, e.size);
      }
      entries_.pop_back();
    }
  }
  void CommitUpTo(uint64_t position) {
    LUMBUNG_ASSERT(position >= base_ && position <= Position());
    while (base_ < position) {
      if (entries_.front().size == 0) undos_.pop_front();
      entries_.pop_front();
      ++base_;
    }
  }

 private:
  // A field write (size > 0) or a structural change (size 0), whose undo
  // is the next one in `undos_`: most entries are field writes, and without
  // a std::function beside each, an entry is 24 bytes rather than 56.
  struct Entry {
    void* ptr = nullptr;
    uint64_t old = 0;
    uint8_t size = 0;
  };
  bool enabled_;
  std::deque<Entry> entries_;
  std::deque<std::function<void()>> undos_;  // one per structural change, in order
  uint64_t base_ = 0;
};

}  // namespace lumbung::domain

#endif  // LUMBUNG_LEDGER_DOMAIN_JOURNAL_H_
