#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/connector_config.h"

namespace walrelay::config {

// The value types of Kafka's ConfigDef, plus kChoice for Debezium's enumerated properties.
enum class ConfigType { kString, kInt, kLong, kDouble, kBoolean, kList, kChoice, kPassword };
const char* ConfigTypeName(ConfigType type);

// A check on one value that already passed its type check. Returns "" when the value is fine,
// else what is allowed; the caller prints "property '<key>' has invalid value '<v>': <that>".
using ValueCheck = std::function<std::string(std::string_view value)>;
// A check across properties (required-one-of, mutually exclusive lists). Returns the error.
using ConfigRule = std::function<Status(const ConnectorConfig& config)>;

// How a value is shown in messages. Passwords are always hidden.
enum class Redaction {
  kNone,
  kAll,          // "[hidden]"
  kUrlPassword,  // a URL with a password= parameter or user:password@ part: hide only those
};

// A property walrelay accepts but does not act on yet. Kept in the ConfigDef itself so
// `walrelay properties` and docs/properties.md say so, and Validate() tells the user at start.
struct Unimplemented {
  // What happens instead, e.g. "signals are not read; an execute-snapshot row starts nothing".
  std::string instead;
  // True: a set (non-blank) value is refused, because ignoring it could lose data or change
  // bytes. False: a set value draws a warning naming the property.
  bool refused = false;
  // When set, only values for which this returns true are unimplemented (tasks.max above 1);
  // other values work as documented. `values` names them for the docs ("above 1").
  std::function<bool(std::string_view value)> applies;
  std::string values;
  // True: distributed mode implements it (`walrelay worker` validates without the note); only
  // `walrelay run` does not.
  bool works_in_workers = false;
};

// One property: name, type, default and documentation, with optional extra checks.
struct PropertyDef {
  std::string name;
  ConfigType type = ConfigType::kString;
  std::optional<std::string> default_value;  // nullopt: no default
  std::string doc;
  // kChoice: the accepted values, compared case-insensitively as Debezium does.
  // kList: the accepted items (case-insensitive); empty means any item.
  std::vector<std::string> allowed;
  bool required = false;  // absent or blank is an error
  ValueCheck check;       // optional, runs after the type check
  std::string check_doc;  // what `check` allows, for Describe()
  Redaction redaction = Redaction::kNone;
  std::optional<config::Unimplemented> unimplemented;  // accepted, not acted on yet

  PropertyDef&& Required() &&;
  PropertyDef&& WithCheck(ValueCheck c, std::string what) &&;
  PropertyDef&& Redact(Redaction r) &&;
  // Accepted, not implemented yet: a set value is warned about ("<key> is accepted, not
  // implemented yet: <instead>").
  PropertyDef&& NotImplemented(std::string instead) &&;
  // The same, only for the values `applies` picks, described by `values` (other values work).
  PropertyDef&& NotImplementedFor(std::function<bool(std::string_view)> applies, std::string values,
                                  std::string instead) &&;
  // Not implemented, and a set (non-blank) value is refused: "has invalid value '<v>': not
  // supported yet (<why>); allowed: empty".
  PropertyDef&& Refused(std::string why) &&;
  // The note above does not apply in distributed workers, which implement the property.
  PropertyDef&& InWorkers() &&;

  // The note that applies to `value` (present in a config), or nullptr when the value works.
  const config::Unimplemented* UnimplementedFor(std::string_view value) const;
};

PropertyDef StringProp(std::string name, std::optional<std::string> default_value, std::string doc);
PropertyDef IntProp(std::string name, std::optional<int64_t> default_value, std::string doc);
PropertyDef LongProp(std::string name, std::optional<int64_t> default_value, std::string doc);
PropertyDef DoubleProp(std::string name, std::optional<std::string> default_value, std::string doc);
PropertyDef BoolProp(std::string name, bool default_value, std::string doc);
PropertyDef ChoiceProp(std::string name, std::vector<std::string> allowed,
                       std::optional<std::string> default_value, std::string doc);
PropertyDef ListProp(std::string name, std::optional<std::string> default_value, std::string doc,
                     std::vector<std::string> allowed_items = {});
PropertyDef PasswordProp(std::string name, std::string doc);

// Ready-made checks.
ValueCheck AtLeast(int64_t min);
ValueCheck Between(int64_t min, int64_t max);
// The value compiles as a regular expression (ECMAScript syntax, like TableFilter uses).
ValueCheck ValidRegex();
// Comma-separated regexes (Debezium's include/exclude list syntax), each must compile.
ValueCheck ValidRegexList();

class ConfigDef;

// Kafka Connect's framework properties that every connector accepts (name, connector.class,
// tasks.max, converters, transforms, predicates, errors.*, topic.creation.*, producer/consumer
// overrides, KIP-618's exactly-once properties, config.action.reload), with what walrelay does
// with each. Built on first use, immutable afterwards.
const ConfigDef& FrameworkDef();
// True when FrameworkDef() defines `key` or one of its prefixes covers it. Never reported as
// unknown.
bool IsFrameworkProperty(std::string_view key);

// A connector's property definitions, like Kafka's ConfigDef: checks a ConnectorConfig and
// documents the properties. Built once (see PostgresConnectorDef) and immutable afterwards, so
// it is safe to share between threads.
class ConfigDef {
 public:
  explicit ConfigDef(std::string connector_class) : connector_class_(std::move(connector_class)) {}

  ConfigDef& Define(PropertyDef def);
  // Keys starting with `prefix` are accepted without a definition. `doc` describes them in
  // Describe(); `unimplemented` marks them all as accepted, not implemented yet.
  ConfigDef& AllowPrefix(std::string prefix, std::string doc = "",
                         std::optional<Unimplemented> unimplemented = std::nullopt);
  // For each item of the list property `list_key` (e.g. converters=isbn), keys starting with
  // "<item>." are accepted.
  ConfigDef& AllowPrefixesNamedBy(std::string list_key);
  ConfigDef& AddRule(ConfigRule rule);

  const std::string& connector_class() const { return connector_class_; }
  const std::vector<PropertyDef>& properties() const { return properties_; }
  const PropertyDef* Find(std::string_view name) const;

  // A family of properties accepted by prefix ("producer.override.").
  struct Prefix {
    std::string prefix;
    std::string doc;
    std::optional<Unimplemented> unimplemented;
  };
  const std::vector<Prefix>& prefixes() const { return prefixes_; }
  // The prefix entry covering `key`, or nullptr.
  const Prefix* FindPrefix(std::string_view key) const;

  // Checks every defined property present in `config` (type, allowed values, checks), required
  // properties, then the rules. Returns the first problem as kInvalidArgument:
  //   "<file>: property '<key>' has invalid value '<value>': <what is allowed>"
  //   "<file>: property '<key>' is required"
  // A refused unimplemented property set to a non-blank value is such an invalid value.
  // Appends to `warnings` (may be null), in key order:
  //   "<file>: unknown property '<key>' (ignored)" for each property that is neither defined,
  //   framework, nor under an allowed prefix;
  //   "<file>: property '<key>' is accepted, not implemented yet: <instead>" for each property
  //   (or prefixed property) present whose definition says so.
  // With `with_framework`, the framework properties present are checked against FrameworkDef()
  // the same way (type, allowed values, unimplemented notes).
  // `in_worker`: the config runs in a distributed worker, where notes marked works_in_workers
  // do not apply.
  Status Validate(const ConnectorConfig& config, std::vector<std::string>* warnings,
                  bool with_framework = false, bool in_worker = false) const;

  // The value of `key` as it may appear in messages (passwords and URL secrets hidden).
  std::string Shown(const std::string& key, const std::string& value) const;

  // A Markdown table (Property | Type | Default | Allowed | Description) for the docs.
  std::string Describe() const;

 private:
  std::string CheckValue(const PropertyDef& def, std::string_view value) const;
  bool IsKnown(const ConnectorConfig& config, const std::string& key) const;
  // Checks the defined properties present in `config` and collects unimplemented notes.
  Status CheckDefined(const ConnectorConfig& config, std::vector<std::string>* warnings,
                      bool in_worker) const;

  std::string connector_class_;
  std::vector<PropertyDef> properties_;
  std::vector<Prefix> prefixes_;
  std::vector<std::string> prefix_lists_;
  std::vector<ConfigRule> rules_;
};

// Hides a password in a URL: "password=secret" parameters and "user:secret@" authorities.
std::string RedactUrl(std::string_view url);

}  // namespace walrelay::config
