#pragma once

#include <cstddef>
#include <functional>
#include <string>

#include "rest/herder.h"
#include "rest/http_message.h"

namespace walrelay::rest {

struct ConnectApiOptions {
  // Larger request bodies get a 400 naming the limit.
  size_t max_body_bytes = 1 << 20;
  // Kafka Connect's topic.tracking.enable and topic.tracking.allow.reset (403 when off).
  bool topic_tracking_enabled = true;
  bool topic_tracking_reset_enabled = true;
};

// Kafka Connect 4.x's REST API as a pure function from Request to Response over a Herder: the
// paths, methods, status codes, JSON shapes and field order of ConnectorsResource,
// ConnectorPluginsResource, RootResource and LoggingResource. It does no I/O itself: when the
// herder answers "forward to the leader", the Forwarder given at construction sends the request
// on (rest/http_server.h supplies one over HTTP), with Kafka Connect's `forward` query parameter
// so a request makes at most two hops.
//
// Errors are {"error_code": N, "message": "..."}: 404 for an unknown path (and an unknown
// connector, from the herder), 405 for a method a path does not serve, 415 for a body that is not
// declared application/json, 400 for a body that is empty where one is needed, not JSON, too
// large, of the wrong shape or with unknown fields, naming the problem.
//
// Immutable after construction; Handle may run on many threads at once (the herder must be
// thread-safe). The herder and the forwarder must outlive it.
class ConnectApi {
 public:
  // Sends `request` (path, query with `forward` set, headers, body) to base_url ("http://h:p")
  // and returns the peer's response; a transport failure is a 500 response naming it.
  using Forwarder = std::function<Response(const std::string& base_url, const Request& request)>;

  ConnectApi(Herder* herder, ConnectApiOptions options, Forwarder forwarder = nullptr);

  Response Handle(const Request& request) const;

 private:
  Herder* herder_;
  ConnectApiOptions options_;
  Forwarder forwarder_;
};

// {"error_code": status, "message": message} with status `status`.
Response ErrorResponse(int status, const std::string& message);

}  // namespace walrelay::rest
