#include "runtime/plugins.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "config/connector_config.h"
#include "config/postgres_connector_def.h"
#include "convert/converter.h"

namespace walrelay::runtime {

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

namespace {

rest::ConfigKeyInfo KeyInfo(const config::PropertyDef& d) {
  rest::ConfigKeyInfo k;
  k.name = d.name;
  k.type = config::ConfigTypeName(d.type);
  std::transform(k.type.begin(), k.type.end(), k.type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  k.required = d.required;
  k.default_value = d.default_value;
  k.importance = d.required ? "HIGH" : "MEDIUM";
  k.documentation = d.doc;
  k.display_name = d.name;
  return k;
}

}  // namespace

std::vector<rest::PluginInfo> PluginInfos() {
  std::vector<rest::PluginInfo> out;
  for (const Plugin& p : Plugins())
    out.push_back({p.class_name, ConnectorTypeName(p.type), p.version});
  for (const std::string& c : convert::SupportedConverterClasses()) {
    out.push_back({c, "converter", ""});
  }
  return out;
}

rest::HerderResult<std::vector<rest::ConfigKeyInfo>> PluginConfigKeys(const std::string& plugin) {
  auto p = FindPlugin(plugin);
  const config::ConfigDef* def = p.ok() ? config::FindConnectorDef((*p)->class_name) : nullptr;
  if (def == nullptr) return rest::HerderError::NotFound("Unknown plugin " + plugin + ".");
  std::vector<rest::ConfigKeyInfo> out;
  for (const config::PropertyDef& d : def->properties()) out.push_back(KeyInfo(d));
  return out;
}

rest::HerderResult<rest::ConfigInfos> ValidateConfig(const rest::ConnectorConfig& config,
                                                     bool in_worker) {
  auto cls = config.find("connector.class");
  if (cls == config.end()) {
    return rest::HerderError::BadRequest("Connector config {} contains no connector type");
  }
  auto plugin = FindPlugin(cls->second);
  if (!plugin.ok()) return rest::HerderError::BadRequest(plugin.status().message());
  const config::ConfigDef* def = config::FindConnectorDef((*plugin)->class_name);
  rest::ConfigInfos infos;
  infos.name = (*plugin)->class_name;
  config::ConnectorConfig cfg{config.count("name") ? config.at("name") : "", "validation", config};
  std::vector<std::string> warnings;
  Status s = config::ValidateConnector(cfg, &warnings, in_worker);
  // The property an error names ("property 'x' has invalid value ...").
  std::string failed_key;
  if (!s.ok()) {
    size_t a = s.message().find("property '");
    if (a != std::string::npos) {
      size_t b = s.message().find('\'', a + 10);
      failed_key = s.message().substr(a + 10, b - a - 10);
    }
  }
  bool attributed = false;
  if (def != nullptr) {
    for (const config::PropertyDef& d : def->properties()) {
      rest::ConfigInfo info;
      info.definition = KeyInfo(d);
      info.value.name = d.name;
      if (auto it = config.find(d.name); it != config.end()) info.value.value = it->second;
      if (d.name == failed_key) {
        info.value.errors.push_back(s.message());
        attributed = true;
      }
      infos.configs.push_back(std::move(info));
    }
  }
  if (!s.ok() && !attributed) {
    rest::ConfigInfo info;
    info.value.name = failed_key.empty() ? "connector.class" : failed_key;
    info.value.errors.push_back(s.message());
    infos.configs.push_back(std::move(info));
  }
  infos.error_count = s.ok() ? 0 : 1;
  return infos;
}

rest::ConnectorType ConnectorTypeOf(const std::map<std::string, std::string>& config) {
  auto it = config.find("connector.class");
  if (it == config.end()) return rest::ConnectorType::kUnknown;
  auto plugin = FindPlugin(it->second);
  if (!plugin.ok()) return rest::ConnectorType::kUnknown;
  return (*plugin)->type == ConnectorType::kSource ? rest::ConnectorType::kSource
                                                   : rest::ConnectorType::kSink;
}

std::string ConnectorVersionOf(const std::map<std::string, std::string>& config) {
  auto it = config.find("connector.class");
  if (it == config.end()) return "";
  auto plugin = FindPlugin(it->second);
  return plugin.ok() ? (*plugin)->version : "";
}

}  // namespace walrelay::runtime
