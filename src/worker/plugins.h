#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::worker {

enum class ConnectorType { kSource, kSink };
const char* ConnectorTypeName(ConnectorType type);  // "source" / "sink", as Kafka Connect

// A connector class walrelay runs in a worker, as `GET /connector-plugins` lists it.
struct Plugin {
  std::string class_name;
  ConnectorType type;
  std::string version;     // the version of the Java connector whose behaviour walrelay follows
  std::string task_class;  // the `task.class` Kafka Connect writes into each task config
};

// Every connector plugin, in the order Kafka Connect lists them (by class name).
const std::vector<Plugin>& Plugins();

// The plugin named by `name`: the full class name, or an alias Kafka Connect accepts (the simple
// class name, or the simple name without a "Connector" suffix) when exactly one plugin has it.
// kInvalidArgument with Kafka Connect's message otherwise.
Result<const Plugin*> FindPlugin(std::string_view name);

// The task configs Kafka Connect would write for a connector with these properties: the
// PostgreSQL source runs one task; a JDBC sink `tasks.max` (default 1), each task with the
// connector's properties. Each carries `task.class`, as Kafka Connect's Worker adds it.
// kInvalidArgument naming a missing or unknown connector.class or a bad tasks.max.
Result<std::vector<std::map<std::string, std::string>>> TaskConfigs(
    const std::map<std::string, std::string>& connector_props);

}  // namespace walrelay::worker
