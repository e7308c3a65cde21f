#include "live_rows.h"

#include <algorithm>
#include <mutex>

#include "lumbung/base/assert.h"

namespace lumbung::store {

void LiveRows::Add(uint64_t end_seq, RowBlock rows, Receipts receipts) {
  std::vector<std::pair<uint64_t, uint64_t>> sorted;
  sorted.reserve(receipts.values.size());
  uint64_t seq = receipts.first_seq;
  for (const uint64_t value : receipts.values) sorted.emplace_back(value, seq++);
  std::sort(sorted.begin(), sorted.end());
  std::unique_lock lock(mu_);
  LUMBUNG_ASSERT(groups_.empty() || groups_.rbegin()->first < end_seq);
  if (!sorted.empty()) receipts_[end_seq] = std::move(sorted);
  const RowBlock& held = groups_.emplace(end_seq, std::move(rows)).first->second;
  for (size_t i = 0; i < held.size(); ++i) {
    auto& versions = rows_[held.key(i)];
    // Within one group a key may appear more than once; the last wins.
    if (!versions.empty() && versions.back().end_seq == end_seq) {
      versions.back().index = i;
    } else {
      versions.push_back(Version{end_seq, &held, i});
    }
  }
}

template <typename Drop>
void LiveRows::EraseVersions(Drop drop) {
  for (auto it = rows_.begin(); it != rows_.end();) {
    auto& versions = it->second;
    const RowBlock* keyed = versions.front().block;
    std::erase_if(versions, drop);
    if (versions.empty()) {
      it = rows_.erase(it);
    } else if (versions.front().block != keyed) {
      // Same key, same order: the node goes back where it was.
      auto node = rows_.extract(it++);
      node.key() = versions.front().key();
      rows_.insert(it, std::move(node));
    } else {
      ++it;
    }
  }
}

void LiveRows::Remove(uint64_t end_seq) {
  std::unique_lock lock(mu_);
  receipts_.erase(receipts_.lower_bound(end_seq), receipts_.end());
  EraseVersions([end_seq](const Version& v) { return v.end_seq >= end_seq; });
  groups_.erase(groups_.lower_bound(end_seq), groups_.end());
}

void LiveRows::Folded(uint64_t fold_seq) {
  std::unique_lock lock(mu_);
  if (fold_seq <= base_) return;
  receipts_.erase(receipts_.begin(), receipts_.upper_bound(fold_seq));
  EraseVersions([fold_seq](const Version& v) { return v.end_seq <= fold_seq; });
  groups_.erase(groups_.begin(), groups_.upper_bound(fold_seq));
  base_ = fold_seq;
}

uint64_t LiveRows::base() const {
  std::shared_lock lock(mu_);
  return base_;
}

const LiveRows::Version* LiveRows::Newest(const std::pmr::vector<Version>& versions,
                                          uint64_t size) const {
  for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
    if (it->end_seq <= size) return &*it;
  }
  return nullptr;
}

std::optional<LiveRows::Lookup> LiveRows::Get(uint64_t fold_seq, uint64_t size,
                                              std::string_view key, std::string* value) const {
  std::shared_lock lock(mu_);
  if (fold_seq != base_) return std::nullopt;
  const auto it = rows_.find(key);
  if (it == rows_.end()) return Lookup::kAbsent;
  const Version* v = Newest(it->second, size);
  if (v == nullptr) return Lookup::kAbsent;
  const std::optional<std::string_view> found = v->value();
  if (!found) return Lookup::kDeleted;
  value->assign(found->data(), found->size());
  return Lookup::kFound;
}

bool LiveRows::Scan(
    uint64_t fold_seq, uint64_t size, std::string_view prefix,
    const std::function<void(std::string_view, std::optional<std::string_view>)>& fn) const {
  std::shared_lock lock(mu_);
  if (fold_seq != base_) return false;
  for (auto it = rows_.lower_bound(prefix); it != rows_.end() && it->first.starts_with(prefix);
       ++it) {
    if (const Version* v = Newest(it->second, size)) fn(it->first, v->value());
  }
  return true;
}

bool LiveRows::FindReceipt(uint64_t fold_seq, uint64_t size, uint64_t value,
                           const std::function<void(uint64_t)>& fn) const {
  std::shared_lock lock(mu_);
  if (fold_seq != base_) return false;
  for (const auto& [end_seq, sorted] : receipts_) {
    if (end_seq > size) break;
    auto it = std::lower_bound(sorted.begin(), sorted.end(), std::make_pair(value, uint64_t{0}));
    for (; it != sorted.end() && it->first == value; ++it) fn(it->second);
  }
  return true;
}

}  // namespace lumbung::store
