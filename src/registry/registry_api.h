#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "registry/schema_registry.h"
#include "rest/http_message.h"

namespace walrelay::registry {

// The media type every answer carries, and the first one Confluent's clients send.
inline constexpr const char* kSchemaRegistryV1Json = "application/vnd.schemaregistry.v1+json";

// Confluent Schema Registry's REST API as a pure function from Request to Response over a
// SchemaRegistry: the paths, query parameters, status codes, error codes and JSON shapes of
// Confluent's SubjectsResource, SubjectVersionsResource, SchemasResource, ConfigResource,
// ModeResource, CompatibilityResource and RootResource (docs: "Schema Registry API Reference").
//
// Errors are {"error_code": N, "message": "..."}: the registry's 404xx/409xx/422xx/500xx, and
// Jersey's own 404 (unknown path), 405 (method not served), 415 (a body declared as something
// other than JSON). A body that is not JSON or of the wrong shape (a field of another type) is a
// 400 naming the problem, as the JSON mappers of Confluent's rest-utils answer; a missing body is
// a 422 (a required entity); unknown fields are ignored, as Confluent's request entities do.
//
// Writes (registering, deleting, PUT/DELETE of config and mode) are served only by the leader
// (LeaderView): on another instance a registration the subject already holds is answered locally,
// and every other write goes to the leader through the Forwarder; 50004 when no leader is known,
// 50003 when forwarding fails. A forwarded request carries kForwardedHeader, so it makes at most
// one hop.
//
// Immutable after construction; Handle may run on many threads at once. The registry, leader
// view and forwarder must outlive it.
class RegistryApi {
 public:
  // Sends `request` to base_url ("http://h:p") and returns the leader's response; a transport
  // failure is an error status.
  using Forwarder =
      std::function<Result<rest::Response>(const std::string& base_url, const rest::Request&)>;
  static constexpr const char* kForwardedHeader = "X-Walrelay-Registry-Forwarded";

  RegistryApi(SchemaRegistry* registry, const LeaderView* leader, Forwarder forwarder = nullptr);

  rest::Response Handle(const rest::Request& request) const;

 private:
  SchemaRegistry* registry_;
  const LeaderView* leader_;
  Forwarder forwarder_;
};

// {"error_code": code, "message": message} with the code's HTTP status.
rest::Response RegistryErrorResponse(const RegistryError& error);

}  // namespace walrelay::registry
