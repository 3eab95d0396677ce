#include "rest/herder.h"

namespace walrelay::rest {

const char* ConnectorTypeName(ConnectorType type) {
  switch (type) {
    case ConnectorType::kSource:
      return "source";
    case ConnectorType::kSink:
      return "sink";
    case ConnectorType::kUnknown:
      break;
  }
  return "unknown";
}

HerderError HerderError::WithStatus(int http_status, std::string message) {
  HerderError error;
  error.http_status = http_status;
  error.message = std::move(message);
  return error;
}

HerderError HerderError::ConnectorNotFound(const std::string& name) {
  return NotFound("Connector " + name + " not found");
}

HerderError HerderError::ConnectorAlreadyExists(const std::string& name) {
  return Conflict("Connector " + name + " already exists");
}

HerderError HerderError::RebalanceInProgress() {
  return Conflict(
      "Cannot complete request momentarily due to stale configuration (typically "
      "caused by a concurrent config change)");
}

HerderError HerderError::ForwardTo(std::string leader_url, std::string why) {
  HerderError error = Conflict(std::move(why));
  error.forward = true;
  error.forward_url = std::move(leader_url);
  return error;
}

HerderError HerderError::FromStatus(const Status& status) {
  switch (status.kind()) {
    case ErrorKind::kInvalidArgument:
      return BadRequest(status.message());
    case ErrorKind::kNotFound:
      return NotFound(status.message());
    case ErrorKind::kRetry:
      return Conflict(status.message());
    default:
      return Internal(status.message());
  }
}

}  // namespace walrelay::rest
