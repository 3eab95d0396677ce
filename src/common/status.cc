#include "common/status.h"

namespace walrelay {

const char* ErrorKindName(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kOk:
      return "ok";
    case ErrorKind::kInvalidArgument:
      return "invalid argument";
    case ErrorKind::kDataError:
      return "data error";
    case ErrorKind::kRetry:
      return "retryable";
    case ErrorKind::kReconnect:
      return "connection lost";
    case ErrorKind::kNotFound:
      return "not found";
    case ErrorKind::kFatal:
      return "fatal";
    case ErrorKind::kStopped:
      return "stopped";
    case ErrorKind::kFenced:
      return "fenced";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  return std::string(ErrorKindName(kind_)) + ": " + message_;
}

Status Status::WithContext(const std::string& context) const {
  if (ok()) return *this;
  return Status(kind_, context + ": " + message_);
}

}  // namespace walrelay
