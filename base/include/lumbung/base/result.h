// Result<T>: either a value or a non-OK Status, shaped like absl::StatusOr.
// A Result never holds an OK status: constructing one from Status::OK is a
// programmer error (asserted).
//
// Thread safety: a value type; no internal synchronisation.

#ifndef LUMBUNG_BASE_RESULT_H_
#define LUMBUNG_BASE_RESULT_H_

#include <type_traits>
#include <utility>
#include <variant>

#include "lumbung/base/assert.h"
#include "lumbung/base/status.h"

namespace lumbung {

template <typename T>
class [[nodiscard]] Result {
  static_assert(!std::is_same_v<T, Status>, "Result<Status> makes no sense");

 public:
  Result(T value) : v_(std::in_place_index<1>, std::move(value)) {}        // NOLINT
  Result(Status status) : v_(std::in_place_index<0>, std::move(status)) {  // NOLINT
    LUMBUNG_ASSERT(!std::get<0>(v_).ok());
  }

  bool ok() const { return v_.index() == 1; }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<0>(v_);
  }
  Status TakeStatus() && {
    LUMBUNG_ASSERT(!ok());
    return std::move(std::get<0>(v_));
  }

  T& value() & {
    LUMBUNG_ASSERT(ok());
    return std::get<1>(v_);
  }
  const T& value() const& {
    LUMBUNG_ASSERT(ok());
    return std::get<1>(v_);
  }
  T&& value() && {
    LUMBUNG_ASSERT(ok());
    return std::move(std::get<1>(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace lumbung

#define LUMBUNG_CONCAT_INNER_(a, b) a##b
#define LUMBUNG_CONCAT_(a, b) LUMBUNG_CONCAT_INNER_(a, b)

// LUMBUNG_ASSIGN_OR_RETURN(auto x, Foo()); returns Foo()'s Status on error.
#define LUMBUNG_ASSIGN_OR_RETURN(lhs, expr) \
  LUMBUNG_ASSIGN_OR_RETURN_IMPL_(LUMBUNG_CONCAT_(_lumbung_r_, __COUNTER__), lhs, expr)
#define LUMBUNG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    return std::move(tmp).TakeStatus();                \
  }                                                    \
  lhs = std::move(tmp).value()

#endif  // LUMBUNG_BASE_RESULT_H_
