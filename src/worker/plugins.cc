#include "worker/plugins.h"

#include <charconv>

#include "config/postgres_connector_def.h"

namespace walrelay::worker {

const char* ConnectorTypeName(ConnectorType type) {
  return type == ConnectorType::kSource ? "source" : "sink";
}

const std::vector<Plugin>& Plugins() {
  static const std::vector<Plugin> plugins = {
      {"io.confluent.connect.jdbc.JdbcSinkConnector", ConnectorType::kSink, "10.7.6",
       "io.confluent.connect.jdbc.sink.JdbcSinkTask"},
      {"io.debezium.connector.jdbc.JdbcSinkConnector", ConnectorType::kSink, "2.7.3.Final",
       "io.debezium.connector.jdbc.JdbcSinkConnectorTask"},
      {config::kPostgresConnectorClass, ConnectorType::kSource, "2.7.3.Final",
       "io.debezium.connector.postgresql.PostgresConnectorTask"},
  };
  return plugins;
}

namespace {

std::string_view SimpleName(std::string_view class_name) {
  size_t dot = class_name.rfind('.');
  return dot == std::string_view::npos ? class_name : class_name.substr(dot + 1);
}

}  // namespace

Result<const Plugin*> FindPlugin(std::string_view name) {
  std::vector<const Plugin*> matches;
  for (const Plugin& p : Plugins()) {
    if (p.class_name == name) return &p;
  }
  for (const Plugin& p : Plugins()) {
    std::string_view simple = SimpleName(p.class_name);
    std::string_view stem = simple;
    if (stem.size() > 9 && stem.substr(stem.size() - 9) == "Connector") {
      stem = stem.substr(0, stem.size() - 9);
    }
    if (name == simple || name == stem) matches.push_back(&p);
  }
  if (matches.size() == 1) return matches[0];
  std::string all;
  for (const Plugin& p : Plugins()) all += (all.empty() ? "" : ", ") + p.class_name;
  if (matches.size() > 1) {
    return InvalidArgument(
        "More than one connector matches alias " + std::string(name) +
        ". Please use full package and class name instead. Classes found: " + all);
  }
  return InvalidArgument(
      "Failed to find any class that implements Connector and which name "
      "matches " +
      std::string(name) + ", available connectors are: " + all);
}

Result<std::vector<std::map<std::string, std::string>>> TaskConfigs(
    const std::map<std::string, std::string>& props) {
  auto cls = props.find("connector.class");
  if (cls == props.end() || cls->second.empty()) {
    return InvalidArgument("Connector config contains no connector type (connector.class)");
  }
  WR_ASSIGN_OR_RETURN(const Plugin* plugin, FindPlugin(cls->second));
  int tasks = 1;
  if (auto it = props.find("tasks.max"); it != props.end()) {
    const std::string& v = it->second;
    auto res = std::from_chars(v.data(), v.data() + v.size(), tasks);
    if (res.ec != std::errc() || res.ptr != v.data() + v.size() || tasks < 1) {
      return InvalidArgument("Invalid value " + v +
                             " for configuration tasks.max: must be an integer of at least 1");
    }
  }
  if (plugin->type == ConnectorType::kSource) tasks = 1;  // Debezium's PostgreSQL connector
  std::vector<std::map<std::string, std::string>> out;
  for (int i = 0; i < tasks; ++i) {
    auto task = props;
    task["task.class"] = plugin->task_class;
    out.push_back(std::move(task));
  }
  return out;
}

}  // namespace walrelay::worker
