#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "rest/herder.h"

namespace walrelay::runtime {

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

// The REST answers every herder gives alike about plugins (GET /connector-plugins and
// /connector-plugins/{p}/config, PUT .../config/validate), from this catalog and config/'s
// definitions.
//
// Every connector plugin, then every converter class, as GET /connector-plugins lists them.
std::vector<rest::PluginInfo> PluginInfos();
// A connector plugin's property definitions, by class name or alias (404 for an unknown one).
rest::HerderResult<std::vector<rest::ConfigKeyInfo>> PluginConfigKeys(const std::string& plugin);
// Validates a connector config against its connector.class's definitions: 200-style ConfigInfos
// with the error attributed to the property it names; a missing or unknown class is a 400.
// `in_worker`: as a distributed worker validates it (config::ValidateConnector).
rest::HerderResult<rest::ConfigInfos> ValidateConfig(const rest::ConnectorConfig& config,
                                                     bool in_worker = false);
// The connector type a config's connector.class names (kUnknown when none or unknown).
rest::ConnectorType ConnectorTypeOf(const std::map<std::string, std::string>& config);
// The version of the plugin a config's connector.class names, as statuses report it ("" when
// none or unknown).
std::string ConnectorVersionOf(const std::map<std::string, std::string>& config);

}  // namespace walrelay::runtime
