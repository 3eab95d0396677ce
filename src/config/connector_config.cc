#include "config/connector_config.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "config/config_strings.h"

namespace walrelay::config {
namespace {

using nlohmann::json;

constexpr char kHidden[] = "[hidden]";

Status Invalid(const std::string& source, const std::string& what) {
  return InvalidArgument(source + ": " + what);
}

// Kafka Connect stores every property as a string; JSON files in the wild also use numbers and
// booleans (e.g. "heartbeat.interval.ms": 15000), which Kafka's REST layer coerces to text.
Result<std::string> PropertyText(const std::string& source, const std::string& key,
                                 const json& value) {
  switch (value.type()) {
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::number_integer:
      return std::to_string(value.get<int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value.get<uint64_t>());
    case json::value_t::number_float:
      return value.dump();
    case json::value_t::boolean:
      return std::string(value.get<bool>() ? "true" : "false");
    default:
      return Invalid(source, "property '" + key + "' must be a string, number or boolean, got " +
                                 value.type_name());
  }
}

// Parses `text`, reporting the parse position and the first duplicate key (nlohmann silently
// keeps the last duplicate, which would hide a copy-paste mistake in a config file).
Result<json> ParseJson(std::string_view text, const std::string& source) {
  std::vector<std::set<std::string>> open_objects;
  std::string duplicate;
  json::parser_callback_t callback = [&](int /*depth*/, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string() &&
            !open_objects.back().insert(parsed.get<std::string>()).second && duplicate.empty()) {
          duplicate = parsed.get<std::string>();
        }
        break;
      default:
        break;
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), callback);
  } catch (const json::exception& e) {
    // e.what() is "[json.exception.parse_error.101] parse error at line 3, column 5: ...", or
    // "[json.exception.out_of_range.406] number overflow parsing '1e999'" (not a parse_error).
    std::string what = e.what();
    size_t bracket = what.find("] ");
    if (what.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    return Invalid(source, "not valid JSON: " + what);
  }
  if (!duplicate.empty()) return Invalid(source, "duplicate key '" + duplicate + "'");
  return root;
}

Result<std::string> ConnectorName(const json& object, const std::string& source) {
  auto it = object.find("name");
  if (it == object.end()) return Invalid(source, "missing \"name\"");
  if (!it->is_string()) {
    return Invalid(source, std::string("\"name\" must be a string, got ") + it->type_name());
  }
  std::string name = it->get<std::string>();
  if (Trim(name).empty()) return Invalid(source, "\"name\" must not be empty");
  return name;
}

// Builds the config from a property object. `name` is authoritative: a "name" property inside
// must agree with it (Kafka Connect rejects the same mismatch between URL and body).
Result<ConnectorConfig> FromProps(const json& props, std::string name, std::string source,
                                  bool name_in_props_is_outer) {
  ConnectorConfig config;
  config.name = std::move(name);
  config.file = std::move(source);
  for (const auto& [key, value] : props.items()) {
    if (Trim(key).empty()) return Invalid(config.file, "empty property name");
    WR_ASSIGN_OR_RETURN(std::string text, PropertyText(config.file, key, value));
    config.props.emplace(key, std::move(text));
  }
  auto it = config.props.find("name");
  if (it == config.props.end()) {
    config.props.emplace("name", config.name);
  } else if (!name_in_props_is_outer && it->second != config.name) {
    return Invalid(config.file, "\"config\" has name '" + it->second + "' but \"name\" is '" +
                                    config.name + "'");
  }
  return config;
}

}  // namespace

std::string ConnectorConfig::Get(const std::string& key, const std::string& default_value) const {
  auto it = props.find(key);
  return it == props.end() ? default_value : it->second;
}

bool ConnectorConfig::Has(const std::string& key) const { return props.count(key) > 0; }

Result<int64_t> ConnectorConfig::GetInt(const std::string& key, int64_t default_value) const {
  auto it = props.find(key);
  if (it == props.end()) return default_value;
  std::optional<int64_t> value = ParseInt64(it->second);
  if (!value) return InvalidValue(key, "must be an integer");
  return *value;
}

Result<bool> ConnectorConfig::GetBool(const std::string& key, bool default_value) const {
  auto it = props.find(key);
  if (it == props.end()) return default_value;
  std::string_view text = Trim(it->second);
  if (EqualsIgnoreCase(text, "true")) return true;
  if (EqualsIgnoreCase(text, "false")) return false;
  return InvalidValue(key, "must be true or false");
}

std::vector<std::string> ConnectorConfig::GetList(const std::string& key) const {
  auto it = props.find(key);
  if (it == props.end()) return {};
  return SplitTrimmed(it->second, ',');
}

Status ConnectorConfig::InvalidValue(const std::string& key, std::string_view allowed) const {
  std::string shown = IsSecretKey(key) ? kHidden : Get(key, "");
  return InvalidArgument(file + ": property '" + key + "' has invalid value '" + shown +
                         "': " + std::string(allowed));
}

bool IsSecretKey(std::string_view key) {
  std::string lower = ToLower(key);
  return lower.find("password") != std::string::npos || lower.find("secret") != std::string::npos;
}

Result<ConnectorConfig> ParseConnectorJson(std::string_view text, std::string source_label) {
  WR_ASSIGN_OR_RETURN(json root, ParseJson(text, source_label));
  if (!root.is_object()) {
    return Invalid(source_label, std::string("expected a JSON object {\"name\": ..., \"config\": "
                                             "{...}}, got ") +
                                     root.type_name());
  }
  auto config_it = root.find("config");
  if (config_it != root.end()) {
    for (const auto& [key, value] : root.items()) {
      // "tasks" and "type" appear in a saved GET /connectors/<name> answer; "initial_state" in
      // POST /connectors (Kafka 3.5+). They carry no connector properties and are ignored.
      if (key != "name" && key != "config" && key != "tasks" && key != "type" &&
          key != "initial_state") {
        return Invalid(source_label, "unexpected top-level key '" + key +
                                         "' (connector properties belong inside \"config\")");
      }
    }
    WR_ASSIGN_OR_RETURN(std::string name, ConnectorName(root, source_label));
    if (!config_it->is_object()) {
      return Invalid(source_label,
                     std::string("\"config\" must be an object, got ") + config_it->type_name());
    }
    return FromProps(*config_it, std::move(name), std::move(source_label), false);
  }
  auto class_it = root.find("connector.class");
  if (class_it == root.end() || !class_it->is_string()) {
    return Invalid(source_label,
                   "missing \"config\" (expected {\"name\": ..., \"config\": {...}}, or a flat "
                   "property object with \"name\" and \"connector.class\")");
  }
  WR_ASSIGN_OR_RETURN(std::string name, ConnectorName(root, source_label));
  return FromProps(root, std::move(name), std::move(source_label), true);
}

Result<ConnectorConfig> ParseConnectorProps(std::string_view text, const std::string& name,
                                            std::string source_label) {
  WR_ASSIGN_OR_RETURN(json root, ParseJson(text, source_label));
  if (!root.is_object()) {
    return Invalid(source_label,
                   std::string("expected a JSON object of properties, got ") + root.type_name());
  }
  auto it = root.find("name");
  if (it != root.end() && !(it->is_string() && it->get<std::string>() == name)) {
    return Invalid(source_label, "property 'name' (" + it->dump() +
                                     ") does not match the connector name '" + name + "'");
  }
  return FromProps(root, name, std::move(source_label), false);
}

Result<ConnectorConfig> LoadConnectorFile(const std::string& path) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return NotFound(path + ": cannot open: " + std::strerror(errno));
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    // A directory opens fine on Linux and fails here with EISDIR.
    return InvalidArgument(path + ": cannot read: " + std::strerror(errno));
  }
  return ParseConnectorJson(text, path);
}

Status ApplyOverride(std::vector<ConnectorConfig>* configs, std::string_view spec) {
  // A spec without '=' may still be a mistyped secret ("database.password:hunter2").
  const std::string quoted =
      IsSecretKey(spec) ? "--set [hidden]" : "--set '" + std::string(spec) + "'";
  size_t eq = spec.find('=');
  if (eq == std::string_view::npos) {
    return InvalidArgument(quoted + ": expected [NAME:]KEY=VALUE");
  }
  std::string_view head = spec.substr(0, eq);
  std::string value(spec.substr(eq + 1));
  std::string_view name;
  bool has_name = false;
  size_t colon = head.find(':');
  if (colon != std::string_view::npos) {
    has_name = true;
    name = Trim(head.substr(0, colon));
    head = head.substr(colon + 1);
  }
  std::string key(Trim(head));
  // From here on, messages must not echo a secret value.
  const std::string shown = "--set '" + (has_name ? std::string(name) + ":" : "") + key + "=" +
                            (IsSecretKey(key) ? std::string(kHidden) : value) + "'";
  if (has_name && name.empty()) return InvalidArgument(shown + ": empty connector name before ':'");
  if (key.empty()) return InvalidArgument(shown + ": empty property name");
  if (key == "name") {
    return InvalidArgument(shown + ": the connector name cannot be overridden");
  }
  if (configs->empty()) return InvalidArgument(shown + ": no connector configuration is loaded");
  bool applied = false;
  for (ConnectorConfig& config : *configs) {
    if (has_name && config.name != name) continue;
    config.props[key] = value;
    applied = true;
  }
  if (!applied) {
    std::vector<std::string> names;
    for (const ConnectorConfig& config : *configs) names.push_back(config.name);
    return InvalidArgument(shown + ": no connector named '" + std::string(name) +
                           "' (loaded: " + Join(names, ", ") + ")");
  }
  return Status::Ok();
}

}  // namespace walrelay::config
