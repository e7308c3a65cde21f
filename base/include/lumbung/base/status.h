// Status: the outcome of an operation that can fail for expected reasons
// (bad input, a broken rule, I/O, corrupt bytes).
//
// A Status carries a coarse Code for control flow, a stable machine-readable
// `reason` (e.g. "insufficient_funds") that clients and tests match on, the
// field at fault, the index of the event in its batch, the entry seq it is
// about, and a message a finance officer can read. OK allocates nothing.
//
// Programmer errors are not Statuses: they are LUMBUNG_ASSERT failures.
//
// Thread safety: a Status is a value; distinct objects may be used from
// distinct threads without synchronisation.

#ifndef LUMBUNG_BASE_STATUS_H_
#define LUMBUNG_BASE_STATUS_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace lumbung {

enum class Code : uint8_t {
  kOk = 0,
  kRejected = 1,            // the input broke a shape or domain rule; nothing was written
  kNotFound = 2,            // the thing asked for does not exist
  kCorruption = 3,          // stored or supplied bytes do not verify
  kIOError = 4,             // the operating system or RocksDB failed
  kBusy = 5,                // a bounded queue is full; try again later
  kInvalidArgument = 6,     // the caller's request (not an event) is malformed
  kFailedPrecondition = 7,  // e.g. ledger not initialised, already initialised
  kInternal = 8,            // should not happen; a bug report is warranted
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;
  ~Status() = default;

  // A rejected event: `reason` is the stable code, `field` the JSON key at
  // fault (may be empty), `message` a sentence for people.
  static Status Rejected(std::string_view reason, std::string_view field, std::string_view message);
  static Status NotFound(std::string_view message);
  static Status Corruption(std::string_view message);
  static Status IOError(std::string_view message);
  static Status Busy(std::string_view message);
  static Status InvalidArgument(std::string_view message);
  static Status FailedPrecondition(std::string_view message);
  static Status Internal(std::string_view message);
  // General form, for a Code with a specific stable reason.
  static Status Make(Code code, std::string_view reason, std::string_view field,
                     std::string_view message);

  bool ok() const { return state_ == nullptr; }
  Code code() const { return ok() ? Code::kOk : state_->code; }
  bool IsRejected() const { return code() == Code::kRejected; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsCorruption() const { return code() == Code::kCorruption; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsBusy() const { return code() == Code::kBusy; }

  // Stable machine code: "ok", or e.g. "insufficient_funds", "io_error".
  std::string_view reason() const;
  std::string_view field() const;
  std::string_view message() const;
  // Index of the offending event in its batch; -1 when not about a batch.
  int64_t index() const { return ok() ? -1 : state_->index; }
  // The entry seq the failure is about; -1 when not about an entry.
  int64_t seq() const { return ok() ? -1 : state_->seq; }

  Status WithIndex(int64_t index) &&;
  Status WithSeq(int64_t seq) &&;
  Status WithField(std::string_view field) &&;
  // Prepends context to the message ("opening ledger: ...").
  Status Annotate(std::string_view context) &&;

  // "reason: message (field=..., index=..., seq=...)".
  std::string ToString() const;

  // Marks a deliberately ignored Status, so swallowing is greppable.
  void IgnoreError() const {}

 private:
  struct State {
    Code code;
    std::string reason;
    std::string field;
    std::string message;
    int64_t index = -1;
    int64_t seq = -1;
  };
  std::unique_ptr<State> state_;  // null means OK
};

}  // namespace lumbung

#define LUMBUNG_STATUS_CONCAT_INNER_(a, b) a##b
#define LUMBUNG_STATUS_CONCAT_(a, b) LUMBUNG_STATUS_CONCAT_INNER_(a, b)

// Returns the Status of `expr` if it is not OK. Each expansion names its
// temporary uniquely, so the macro nests (e.g. inside a lambda argument).
#define LUMBUNG_RETURN_IF_ERROR(expr) \
  LUMBUNG_RETURN_IF_ERROR_IMPL_(LUMBUNG_STATUS_CONCAT_(_lumbung_st_, __COUNTER__), expr)
#define LUMBUNG_RETURN_IF_ERROR_IMPL_(tmp, expr) \
  do {                                           \
    ::lumbung::Status tmp = (expr);              \
    if (!tmp.ok()) {                             \
      return tmp;                                \
    }                                            \
  } while (0)

#endif  // LUMBUNG_BASE_STATUS_H_
