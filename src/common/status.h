#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace walrelay {

// What a caller can do about a failure. The data path returns these instead of throwing.
enum class ErrorKind {
  kOk,
  kInvalidArgument,  // bad config value or malformed input: fix the input, retrying will not help
  kDataError,        // a message or row we cannot decode or apply: give up on this connector
  kRetry,            // transient: try the same thing again after a backoff
  kReconnect,        // the connection is gone: reconnect, then resume from the last offset
  kNotFound,         // a slot, table, relation or file that should exist does not
  kFatal,            // anything else: stop the connector
  kStopped,          // a stop was requested: the work was abandoned and is redone after a restart
  kFenced,           // a newer owner took over (a fenced Kafka producer, a consumer whose group
                     // generation is gone): stop writing at once; never retry as the same owner
};

const char* ErrorKindName(ErrorKind kind);

// Status is the result of an operation that returns nothing: ok, or a kind plus a message.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return kind_ == ErrorKind::kOk; }
  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }
  // "<kind>: <message>", for logs.
  std::string ToString() const;
  // Returns a copy whose message is prefixed by `context: `.
  Status WithContext(const std::string& context) const;

 private:
  ErrorKind kind_ = ErrorKind::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {ErrorKind::kInvalidArgument, std::move(m)}; }
inline Status DataError(std::string m) { return {ErrorKind::kDataError, std::move(m)}; }
inline Status RetryError(std::string m) { return {ErrorKind::kRetry, std::move(m)}; }
inline Status ReconnectError(std::string m) { return {ErrorKind::kReconnect, std::move(m)}; }
inline Status NotFound(std::string m) { return {ErrorKind::kNotFound, std::move(m)}; }
inline Status FatalError(std::string m) { return {ErrorKind::kFatal, std::move(m)}; }
inline Status StoppedError(std::string m) { return {ErrorKind::kStopped, std::move(m)}; }
inline Status FencedError(std::string m) { return {ErrorKind::kFenced, std::move(m)}; }

// Result<T> holds a T or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace walrelay

// Returns the status from the enclosing function when `expr` is not ok.
#define WR_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::walrelay::Status wr_status_ = (expr);  \
    if (!wr_status_.ok()) return wr_status_; \
  } while (0)

#define WR_CONCAT_INNER(a, b) a##b
#define WR_CONCAT(a, b) WR_CONCAT_INNER(a, b)
// WR_ASSIGN_OR_RETURN(auto x, MakeX()): assigns the value or returns the error status.
#define WR_ASSIGN_OR_RETURN(lhs, expr) \
  WR_ASSIGN_OR_RETURN_IMPL(WR_CONCAT(wr_result_, __LINE__), lhs, expr)
#define WR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
