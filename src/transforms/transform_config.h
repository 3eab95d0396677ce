#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "data/record.h"

namespace walrelay::transforms {

// The properties of one transform or predicate: a view over the connector config under a prefix
// ("transforms.<alias>." or "predicates.<name>."). Values are trimmed, as Kafka's ConfigDef does.
// Errors name the full property, the value and what is allowed.
class TransformConfig {
 public:
  TransformConfig(const std::map<std::string, std::string>* props, std::string prefix)
      : props_(props), prefix_(std::move(prefix)) {}

  // "transforms.<alias>.<key>".
  std::string Name(std::string_view key) const { return prefix_ + std::string(key); }
  bool Has(std::string_view key) const { return Get(key).has_value(); }
  std::optional<std::string> Get(std::string_view key) const;
  std::string GetString(std::string_view key, std::string_view default_value) const;
  // A required, non-blank string.
  Result<std::string> GetRequired(std::string_view key, std::string_view what) const;
  // "true"/"false", case-insensitive.
  Result<bool> GetBool(std::string_view key, bool default_value) const;
  // A comma-separated list; items trimmed, empty items skipped.
  std::vector<std::string> GetList(std::string_view key) const;
  // The value lower-cased when it is one of `allowed` (case-insensitive), else an error.
  Result<std::string> GetEnum(std::string_view key, std::string_view default_value,
                              const std::vector<std::string>& allowed) const;

  // kInvalidArgument: "Invalid value '<value>' for configuration <name>: <allowed>".
  Status Invalid(std::string_view key, std::string_view value, std::string_view allowed) const;

  // The full names of the properties under the prefix that no getter has asked for so far: after
  // a transform is created from this config, the keys it does not know (typos) or ignores with
  // the settings given. Copies of a TransformConfig share what was read.
  std::vector<std::string> Unread() const;

 private:
  const std::map<std::string, std::string>* props_;
  std::string prefix_;
  std::shared_ptr<std::set<std::string, std::less<>>> read_ =
      std::make_shared<std::set<std::string, std::less<>>>();
};

// Splits on `sep`, trimming each item; empty items are kept (callers decide).
// Trim and ToLower come from common/strings.h.
std::vector<std::string> SplitTrim(std::string_view text, char sep);

// Which half of a record a $Key / $Value transform works on.
enum class Operand { kKey, kValue };

inline data::SchemaPtr& OperandSchema(data::Record* record, Operand operand) {
  return operand == Operand::kKey ? record->key_schema : record->value_schema;
}
inline data::Value& OperandValue(data::Record* record, Operand operand) {
  return operand == Operand::kKey ? record->key : record->value;
}

// A schema with Connect's SchemaUtil.copySchemaBasics applied: name, version, doc and parameters
// of `source` on a new schema of `type` (not optional, no fields, no default).
data::Schema CopySchemaBasics(const data::Schema& source, data::Type type);

// Connect's logical type names.
inline constexpr std::string_view kDecimalName = "org.apache.kafka.connect.data.Decimal";
inline constexpr std::string_view kDateName = "org.apache.kafka.connect.data.Date";
inline constexpr std::string_view kTimeName = "org.apache.kafka.connect.data.Time";
inline constexpr std::string_view kTimestampName = "org.apache.kafka.connect.data.Timestamp";

// Debezium's SmtManager.isValidEnvelope: a struct value whose schema name ends in ".Envelope".
bool IsDebeziumEnvelope(const data::Record& record);

// Java's name for a value's runtime type in Connect errors ("Struct", "String", "null", ...).
std::string ValueTypeName(const data::Value& value);

// Finds a string-keyed entry of a schemaless map value; nullptr when absent.
const data::Value* MapGet(const data::Map& map, std::string_view key);
// Sets (replacing or appending) a string-keyed entry of a schemaless map value.
void MapPut(data::Map* map, std::string_view key, data::Value value);

// Output schemas derived from input schemas, built once per input schema and reused. Keyed by
// the input SchemaPtr's address; each entry holds the input so that address cannot be reused by
// a different schema while cached. Bounded: cleared when it grows past kMaxEntries (schemas only
// change on DDL, so a refill is rare).
template <typename V = data::SchemaPtr>
class SchemaCache {
 public:
  static constexpr size_t kMaxEntries = 512;

  // The cached value for `key`, or nullptr.
  const V* Find(const data::SchemaPtr& key) const {
    auto it = entries_.find(key.get());
    return it == entries_.end() ? nullptr : &it->second.second;
  }
  V* FindMutable(const data::SchemaPtr& key) {
    auto it = entries_.find(key.get());
    return it == entries_.end() ? nullptr : &it->second.second;
  }
  V& Put(const data::SchemaPtr& key, V value) {
    if (entries_.size() >= kMaxEntries) entries_.clear();
    auto& slot = entries_[key.get()];
    slot = {key, std::move(value)};
    return slot.second;
  }
  size_t size() const { return entries_.size(); }

 private:
  std::unordered_map<const data::Schema*, std::pair<data::SchemaPtr, V>> entries_;
};

}  // namespace walrelay::transforms
