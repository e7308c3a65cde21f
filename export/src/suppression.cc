// SuppressSmallAreas: the area tree built from the codes, then the rule of
// suppression.h applied top-down, one parent at a time.

#include "lumbung/export/suppression.h"

#include <algorithm>
#include <map>

#include "lumbung/base/assert.h"
#include "lumbung/base/checked.h"

namespace lumbung::exports {
namespace {

constexpr size_t kSegmentsMin = 4;  // a kelurahan
constexpr size_t kSegmentsMax = 6;  // an RT

Status Overflow() {
  return Status::InvalidArgument("area figures overflow a 64-bit sum");
}

Status AddFigures(AreaFigures* sum, const AreaFigures& more) {
  if (!AddTo(&sum->recipients, more.recipients) || !AddTo(&sum->paid_count, more.paid_count) ||
      !AddTo(&sum->paid_amount, more.paid_amount)) {
    return Overflow();
  }
  return Status();
}

// a - b, which must not go below zero in any figure: children never hold
// more than their parent.
Result<AreaFigures> Rest(const AreaFigures& a, const AreaFigures& b, std::string_view parent) {
  AreaFigures out{a.recipients - b.recipients, a.paid_count - b.paid_count,
                  a.paid_amount - b.paid_amount};
  if (out.recipients < 0 || out.paid_count < 0 || out.paid_amount < 0) {
    return Status::InvalidArgument("the areas under " + std::string(parent) +
                                   " add up to more than it holds");
  }
  return out;
}

// Segments of a region code, or 0 when it is not one (digits, 4 to 6
// dot-separated segments, none empty).
size_t SegmentCount(std::string_view code) {
  size_t segments = 1;
  bool empty = true;
  for (char c : code) {
    if (c == '.') {
      if (empty) return 0;
      ++segments;
      empty = true;
    } else if (c >= '0' && c <= '9') {
      empty = false;
    } else {
      return 0;
    }
  }
  if (empty || segments < kSegmentsMin || segments > kSegmentsMax) return 0;
  return segments;
}

struct Node {
  const AreaInput* input = nullptr;
  AreaLevel level = AreaLevel::kKelurahan;
  std::string parent;
  std::vector<size_t> children;  // indices into the node list, code order
};

struct Tree {
  std::vector<Node> nodes;  // code order
  std::vector<size_t> top;  // kelurahan
};

Status CheckFigures(const AreaInput& area) {
  const AreaFigures& f = area.figures;
  if (f.recipients < 0 || f.paid_count < 0 || f.paid_amount < 0) {
    return Status::InvalidArgument("area " + area.code + " has a negative figure");
  }
  if (f.recipients == 0 && (f.paid_count != 0 || f.paid_amount != 0)) {
    return Status::InvalidArgument("area " + area.code + " has payments but no recipients");
  }
  return Status();
}

// The areas with recipients, linked to their parents. Inputs are sorted by
// code first, so a parent ("…1005.03") comes before its children
// ("…1005.03.005") and siblings come in code order.
Result<Tree> BuildTree(std::span<const AreaInput> areas) {
  std::vector<const AreaInput*> sorted;
  sorted.reserve(areas.size());
  for (const AreaInput& area : areas) {
    if (SegmentCount(area.code) == 0) {
      return Status::InvalidArgument("\"" + area.code + "\" is not a kelurahan, RW or RT code");
    }
    LUMBUNG_RETURN_IF_ERROR(CheckFigures(area));
    sorted.push_back(&area);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const AreaInput* a, const AreaInput* b) { return a->code < b->code; });
  Tree tree;
  std::map<std::string_view, size_t> index;  // code -> node; areas without recipients: absent
  std::map<std::string_view, bool> seen;
  for (const AreaInput* area : sorted) {
    if (!seen.emplace(area->code, true).second) {
      return Status::InvalidArgument("area " + area->code + " is listed twice");
    }
    const size_t segments = SegmentCount(area->code);
    Node node{area, static_cast<AreaLevel>(segments), "", {}};
    if (segments > kSegmentsMin) {
      node.parent = area->code.substr(0, area->code.rfind('.'));
      if (!seen.contains(node.parent)) {
        return Status::InvalidArgument("area " + area->code + " has no parent area " + node.parent);
      }
    }
    if (area->figures.recipients == 0) continue;  // nothing to show or hide
    const size_t at = tree.nodes.size();
    if (node.parent.empty()) {
      tree.top.push_back(at);
    } else {
      const auto parent = index.find(node.parent);
      // A parent with no recipients cannot have a child with some: the
      // child would hold more than its parent.
      if (parent == index.end()) return Rest({}, area->figures, node.parent).status();
      tree.nodes[parent->second].children.push_back(at);
    }
    index.emplace(area->code, at);
    tree.nodes.push_back(std::move(node));
  }
  return tree;
}

// Hides children of one parent by the rule; returns the hidden aggregate
// and marks `visible`.
Result<HiddenFigures> HideChildren(const Tree& tree, const std::vector<size_t>& children,
                                   const AreaFigures& rest, int64_t k, std::vector<bool>* visible) {
  HiddenFigures hidden{0, rest};
  std::vector<size_t> shown;
  for (size_t child : children) {
    const AreaFigures& f = tree.nodes[child].input->figures;
    if (f.recipients < k) {
      LUMBUNG_RETURN_IF_ERROR(AddFigures(&hidden.figures, f));
      ++hidden.areas;
    } else {
      shown.push_back(child);
    }
  }
  // Complementary suppression, smallest first: hides as few recipients as
  // the rule allows.
  std::stable_sort(shown.begin(), shown.end(), [&tree](size_t a, size_t b) {
    return tree.nodes[a].input->figures.recipients < tree.nodes[b].input->figures.recipients;
  });
  size_t next = 0;
  while (hidden.figures.recipients > 0 && hidden.figures.recipients < k && next < shown.size()) {
    LUMBUNG_RETURN_IF_ERROR(AddFigures(&hidden.figures, tree.nodes[shown[next]].input->figures));
    ++hidden.areas;
    ++next;
  }
  for (; next < shown.size(); ++next) (*visible)[shown[next]] = true;
  return hidden;
}

// The listed children of a listed parent, and their own, depth first.
Status ListChildren(const Tree& tree, const std::vector<size_t>& children,
                    const AreaFigures& parent_figures, std::string_view parent_code, int64_t k,
                    std::vector<bool>* visible, std::vector<ListedArea>* out,
                    HiddenFigures* parent_hidden) {
  AreaFigures children_sum;
  for (size_t child : children) {
    LUMBUNG_RETURN_IF_ERROR(AddFigures(&children_sum, tree.nodes[child].input->figures));
  }
  LUMBUNG_ASSIGN_OR_RETURN(const AreaFigures rest, Rest(parent_figures, children_sum, parent_code));
  LUMBUNG_ASSIGN_OR_RETURN(*parent_hidden, HideChildren(tree, children, rest, k, visible));
  for (size_t child : children) {
    if (!(*visible)[child]) continue;
    const Node& node = tree.nodes[child];
    const size_t at = out->size();
    out->push_back(ListedArea{node.input->code, node.level, node.parent, node.input->figures, {}});
    if (node.children.empty()) continue;  // no sub-areas: lists none, hides none
    HiddenFigures hidden;
    LUMBUNG_RETURN_IF_ERROR(ListChildren(tree, node.children, node.input->figures, node.input->code,
                                         k, visible, out, &hidden));
    (*out)[at].hidden = hidden;
  }
  return Status();
}

}  // namespace

std::string_view AreaLevelName(AreaLevel level) {
  switch (level) {
    case AreaLevel::kKelurahan: return "kelurahan";
    case AreaLevel::kRw: return "rw";
    case AreaLevel::kRt: return "rt";
  }
  LUMBUNG_ASSERT(false && "unknown area level");
  return "";
}

Result<SuppressedAreas> SuppressSmallAreas(const AreaFigures& total,
                                           std::span<const AreaInput> areas, int64_t k) {
  if (k < 1 || k > kSuppressionKMax) {
    return Status::InvalidArgument("k must be between 1 and " + std::to_string(kSuppressionKMax));
  }
  if (total.recipients < 0 || total.paid_count < 0 || total.paid_amount < 0) {
    return Status::InvalidArgument("the programme has a negative figure");
  }
  LUMBUNG_ASSIGN_OR_RETURN(const Tree tree, BuildTree(areas));
  std::vector<bool> visible(tree.nodes.size(), false);
  SuppressedAreas out;
  LUMBUNG_RETURN_IF_ERROR(
      ListChildren(tree, tree.top, total, "the programme", k, &visible, &out.areas, &out.hidden));
  return out;
}

}  // namespace lumbung::exports
