#include "live_rows.h"

#include <algorithm>
#include <mutex>

#include "lumbung/base/assert.h"
#include "lumbung/base/text.h"

#include "db.h"

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

Result<uint64_t> LiveRows::AddDelta(uint64_t end_seq, std::string_view blob) {
  uint64_t blob_seq = 0;
  RowBlock rows;
  std::vector<uint64_t> receipts;
  LUMBUNG_RETURN_IF_ERROR(ForEachDeltaEntry(blob, &blob_seq, [&](const DeltaEntry& e) {
    rows.Put(keys::EventId(e.event_id), BigEndian64(e.seq));
    if (e.receipt_value) receipts.push_back(*e.receipt_value);
  }));
  LUMBUNG_RETURN_IF_ERROR(ForEachDeltaRow(blob, &blob_seq, [&](const DeltaRow& row) {
    row.value ? rows.Put(row.key, *row.value) : rows.Delete(row.key);
  }));
  const uint64_t count = rows.size();
  Add(end_seq, std::move(rows), {receipts, end_seq - receipts.size()});
  return count;
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

bool LiveRows::CollectFold(uint64_t fold_seq, const std::vector<uint64_t>& end_seqs,
                           size_t rows_max, FoldRows* out) const {
  std::shared_lock lock(mu_);
  if (fold_seq != base_ || end_seqs.empty()) return false;
  size_t rows = 0;
  size_t taken = 0;
  for (const uint64_t end_seq : end_seqs) {
    const auto group = groups_.find(end_seq);
    if (group == groups_.end()) return false;
    const auto receipts = receipts_.find(end_seq);
    const size_t group_rows =
        group->second.size() + (receipts != receipts_.end() ? receipts->second.size() : 0);
    if (taken > 0 && rows + group_rows > rows_max) break;
    rows += group_rows;
    ++taken;
  }
  // The groups must be the oldest held: then "newest version with end
  // seq <= the last taken" is exactly what folding their deltas keeps.
  if (groups_.begin()->first != end_seqs.front()) return false;
  const uint64_t up_to = end_seqs[taken - 1];
  out->end_seq = up_to;
  out->groups = taken;
  out->rows.clear();
  out->rows.reserve(std::min(rows, rows_.size()));
  for (const auto& [key, versions] : rows_) {
    if (const Version* v = Newest(versions, up_to)) out->rows.emplace_back(v->key(), v->value());
  }
  out->receipts.clear();
  for (auto it = receipts_.begin(); it != receipts_.end() && it->first <= up_to; ++it) {
    out->receipts.insert(out->receipts.end(), it->second.begin(), it->second.end());
  }
  std::sort(out->receipts.begin(), out->receipts.end());
  return true;
}

}  // namespace lumbung::store
