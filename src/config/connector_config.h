#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::config {

// One connector's configuration as Kafka Connect holds it: a name and a flat map of string
// properties. Values keep the text the user wrote; typed access parses on demand and reports a
// bad value with the property, the value and what is allowed. Plain value type, no invariants
// beyond `props["name"] == name` after loading (ApplyOverride refuses to change "name").
struct ConnectorConfig {
  std::string name;
  std::string file;  // where the config came from ("conf/a.json", "REST PUT"), for messages
  std::map<std::string, std::string> props;

  // The value of `key`, or `default_value` when the property is absent. A property set to ""
  // is present: Kafka Connect passes empty strings through to the connector.
  std::string Get(const std::string& key, const std::string& default_value) const;
  bool Has(const std::string& key) const;
  // Parses a decimal integer (surrounding whitespace ignored, as Kafka's ConfigDef trims).
  // kInvalidArgument "<file>: property '<key>' has invalid value '<v>': must be an integer".
  Result<int64_t> GetInt(const std::string& key, int64_t default_value) const;
  // Accepts true/false in any case (Kafka's Boolean parsing); anything else is kInvalidArgument.
  Result<bool> GetBool(const std::string& key, bool default_value) const;
  // Comma-separated items, each trimmed; empty items dropped. Absent property: empty list.
  std::vector<std::string> GetList(const std::string& key) const;

  // The error every connector reports for a bad value:
  // "<file>: property '<key>' has invalid value '<value>': <allowed>". Secret-looking keys
  // (see IsSecretKey) print "[hidden]" instead of the value.
  Status InvalidValue(const std::string& key, std::string_view allowed) const;
};

// True for properties whose values must never be printed: names containing "password" or
// "secret" (Kafka's PASSWORD-typed properties follow that naming in every connector we support).
bool IsSecretKey(std::string_view key);

// Reads a Kafka Connect connector file. Two forms are accepted:
//  - the REST/standalone form {"name": "x", "config": {...}} (optional "initial_state", and the
//    "tasks"/"type" fields of a saved GET /connectors/x answer, which are ignored);
//  - the flat form of PUT /connectors/x/config: {"name": "x", "connector.class": ..., ...}.
//    It is recognized only when there is no "config" key and a top-level "connector.class"
//    string, so a wrapped file with a misspelled "config" key is reported, not misread.
// Property values may be strings, numbers (integers print without a decimal point: 15000 ->
// "15000") or booleans ("true"/"false"); objects, arrays and null are errors naming the property.
// If "config" holds a "name", it must equal the outer one; otherwise it is set from it.
// Errors: kNotFound when the file cannot be read, else kInvalidArgument, always one message
// starting with "<path>: ".
Result<ConnectorConfig> LoadConnectorFile(const std::string& path);

// The same, from text (for REST bodies); `source_label` stands in for the file in messages.
Result<ConnectorConfig> ParseConnectorJson(std::string_view json, std::string source_label);

// A flat property object with the name supplied by the caller, as in Kafka Connect's
// PUT /connectors/<name>/config. A "name" property, if present, must equal `name`.
Result<ConnectorConfig> ParseConnectorProps(std::string_view json, const std::string& name,
                                            std::string source_label);

// Applies one `--set [NAME:]KEY=VALUE` override. Without NAME, KEY is set on every connector;
// with NAME, only on that one. NAME is split off at the first ':' only when that ':' comes before
// the first '=' (keys never contain ':', values may contain ':' and '='), so a connector name
// cannot contain ':' or '='. Errors (kInvalidArgument): malformed spec, empty KEY, KEY "name",
// unknown NAME, or no connectors at all.
Status ApplyOverride(std::vector<ConnectorConfig>* configs, std::string_view spec);

}  // namespace walrelay::config
