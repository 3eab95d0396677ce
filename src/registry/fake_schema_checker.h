#pragma once

// Test support: a SchemaChecker for the registry's unit tests, which test the registry's own
// logic (subjects, versions, ids, records, HTTP) and not a schema language. The real checkers
// live with their languages (avro/).

#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "registry/schema_checker.h"

namespace walrelay::registry {

// Schemas are JSON text: stored and canonical text are the minified JSON. Types "AVRO" and
// "JSON". A toy compatibility rule over the "fields" array of {"name", "default"?} objects:
// BACKWARD refuses a field added without a default, FORWARD a field removed; FULL both;
// non-transitive levels look at the last existing schema only.
class FakeSchemaChecker : public SchemaChecker {
 public:
  std::vector<std::string> Types() const override { return {"AVRO", "JSON"}; }

  Result<ParsedSchema> Parse(std::string_view schema_type,
                             std::string_view schema_text) const override {
    nlohmann::json json = nlohmann::json::parse(schema_text, nullptr, false);
    if (json.is_discarded()) {
      return InvalidArgument("Invalid schema: not JSON: " + std::string(schema_text));
    }
    std::string minified = json.dump();
    return ParsedSchema{std::string(schema_type), minified, minified, nullptr};
  }

  Result<std::vector<std::string>> Check(
      std::string_view level, const ParsedSchema& proposed,
      const std::vector<ParsedSchema>& existing_oldest_first) const override {
    std::string lvl(level);
    bool transitive = lvl.ends_with("_TRANSITIVE");
    bool backward = lvl.starts_with("BACKWARD") || lvl.starts_with("FULL");
    bool forward = lvl.starts_with("FORWARD") || lvl.starts_with("FULL");
    std::vector<std::string> messages;
    size_t first =
        transitive || existing_oldest_first.empty() ? 0 : existing_oldest_first.size() - 1;
    for (size_t i = first; i < existing_oldest_first.size(); ++i) {
      auto old_fields = Fields(existing_oldest_first[i]);
      auto new_fields = Fields(proposed);
      if (backward) {
        for (const auto& [name, has_default] : new_fields) {
          if (!old_fields.count({name, true}) && !old_fields.count({name, false}) && !has_default) {
            messages.push_back("field '" + name + "' added without a default");
          }
        }
      }
      if (forward) {
        for (const auto& [name, has_default] : old_fields) {
          if (!new_fields.count({name, true}) && !new_fields.count({name, false})) {
            messages.push_back("field '" + name + "' removed");
          }
        }
      }
    }
    // Confluent's list ends with the settings the check ran under, as the Avro checker's does.
    if (!messages.empty()) {
      messages.push_back("{validateFields: 'false', compatibility: '" + lvl + "'}");
    }
    return messages;
  }

 private:
  static std::set<std::pair<std::string, bool>> Fields(const ParsedSchema& schema) {
    std::set<std::pair<std::string, bool>> out;
    nlohmann::json json = nlohmann::json::parse(schema.text, nullptr, false);
    if (!json.is_object() || !json.contains("fields") || !json["fields"].is_array()) return out;
    for (const auto& field : json["fields"]) {
      if (field.is_object() && field.contains("name") && field["name"].is_string()) {
        out.insert({field["name"].get<std::string>(), field.contains("default")});
      }
    }
    return out;
  }
};

}  // namespace walrelay::registry
