#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay registry schema-registry.properties`: a Confluent-Schema-Registry-compatible registry
// over Kafka (docs/schema-registry.md), serving its REST API until SIGINT/SIGTERM. Exit status:
// 0 after a clean stop, 1 on a failure, 2 for a bad properties file.
int RegistryCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
