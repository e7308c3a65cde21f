#include "lumbung/base/status.h"

#include <cstdio>
#include <cstdlib>

#include "lumbung/base/assert.h"

namespace lumbung {

void AssertFail(const char* expression, const char* file, int line) {
  std::fprintf(stderr, "lumbung: invariant violated: %s (%s:%d)\n", expression, file, line);
  std::fflush(stderr);
  std::abort();
}

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "ok";
    case Code::kRejected: return "rejected";
    case Code::kNotFound: return "not_found";
    case Code::kCorruption: return "corruption";
    case Code::kIOError: return "io_error";
    case Code::kBusy: return "busy";
    case Code::kInvalidArgument: return "invalid_argument";
    case Code::kFailedPrecondition: return "failed_precondition";
    case Code::kInternal: return "internal";
  }
  return "internal";
}

Status::Status(const Status& other)
    : state_(other.state_ ? std::make_unique<State>(*other.state_) : nullptr) {}

Status& Status::operator=(const Status& other) {
  if (this != &other) {
    state_ = other.state_ ? std::make_unique<State>(*other.state_) : nullptr;
  }
  return *this;
}

Status Status::Make(Code code, std::string_view reason, std::string_view field,
                    std::string_view message) {
  LUMBUNG_ASSERT(code != Code::kOk);
  Status s;
  s.state_ = std::make_unique<State>();
  s.state_->code = code;
  s.state_->reason = reason.empty() ? std::string(CodeName(code)) : std::string(reason);
  s.state_->field = std::string(field);
  s.state_->message = std::string(message);
  return s;
}

Status Status::Rejected(std::string_view reason, std::string_view field, std::string_view message) {
  LUMBUNG_ASSERT(!reason.empty());
  return Make(Code::kRejected, reason, field, message);
}
Status Status::NotFound(std::string_view m) {
  return Make(Code::kNotFound, "", "", m);
}
Status Status::Corruption(std::string_view m) {
  return Make(Code::kCorruption, "", "", m);
}
Status Status::IOError(std::string_view m) {
  return Make(Code::kIOError, "", "", m);
}
Status Status::Busy(std::string_view m) {
  return Make(Code::kBusy, "", "", m);
}
Status Status::InvalidArgument(std::string_view m) {
  return Make(Code::kInvalidArgument, "", "", m);
}
Status Status::FailedPrecondition(std::string_view m) {
  return Make(Code::kFailedPrecondition, "", "", m);
}
Status Status::Internal(std::string_view m) {
  return Make(Code::kInternal, "", "", m);
}

std::string_view Status::reason() const {
  return ok() ? "ok" : std::string_view(state_->reason);
}
std::string_view Status::field() const {
  return ok() ? "" : std::string_view(state_->field);
}
std::string_view Status::message() const {
  return ok() ? "" : std::string_view(state_->message);
}

Status Status::WithIndex(int64_t index) && {
  if (state_) state_->index = index;
  return std::move(*this);
}
Status Status::WithSeq(int64_t seq) && {
  if (state_) state_->seq = seq;
  return std::move(*this);
}
Status Status::WithField(std::string_view field) && {
  if (state_) state_->field = std::string(field);
  return std::move(*this);
}
Status Status::Annotate(std::string_view context) && {
  if (state_) state_->message = std::string(context) + ": " + state_->message;
  return std::move(*this);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = state_->reason + ": " + state_->message;
  bool paren = false;
  auto add = [&](std::string_view k, const std::string& v) {
    out += paren ? ", " : " (";
    paren = true;
    out += k;
    out += '=';
    out += v;
  };
  if (!state_->field.empty()) add("field", state_->field);
  if (state_->index >= 0) add("index", std::to_string(state_->index));
  if (state_->seq >= 0) add("seq", std::to_string(state_->seq));
  if (paren) out += ')';
  return out;
}

}  // namespace lumbung
