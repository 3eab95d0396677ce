#pragma once

// The records of Confluent Schema Registry's compacted `_schemas` topic, as JSON both ways, byte
// for byte as Confluent's Jackson writes them (field order, omitted defaults), so a walrelay
// registry and a Confluent one can share the topic. Pure and thread-safe.
//
// Keys:   {"keytype":"SCHEMA","subject":"s","version":1,"magic":1}
//         {"keytype":"CONFIG","subject":null,"magic":0}   (null subject: the global config)
//         {"keytype":"MODE","subject":"s","magic":0}
//         {"keytype":"DELETE_SUBJECT","subject":"s","magic":0}
//         {"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}
//         {"keytype":"NOOP","magic":0}
// Values: the SchemaValue, ConfigValue, ModeValue, DeleteSubjectValue and ClearSubjectValue
// below; a null value (a tombstone) removes what the key names.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::registry {

inline constexpr std::string_view kAvroType = "AVRO";

enum class KeyType {
  kSchema,
  kConfig,
  kMode,
  kDeleteSubject,
  kClearSubject,
  kNoop,
  kUnknown,  // a key type this registry does not manage (ASSOC, CONTEXT, newer ones): skipped
};

struct RecordKey {
  KeyType type = KeyType::kNoop;
  std::string type_name;               // the keytype as read ("SCHEMA", "CONTEXT", ...)
  std::optional<std::string> subject;  // absent or null for global CONFIG / MODE and NOOP
  int version = 0;                     // SCHEMA only
  int magic = 0;
};

// Another schema a schema refers to by name (Confluent's SchemaReference).
struct SchemaReference {
  std::string name;
  std::string subject;
  int version = 0;
  bool operator==(const SchemaReference&) const = default;
};

struct SchemaValue {
  std::string subject;
  int version = 0;
  int id = 0;
  std::string schema_type = std::string(kAvroType);
  std::vector<SchemaReference> references;
  std::string schema;
  bool deleted = false;
};

struct ConfigValue {
  std::optional<std::string> subject;
  std::optional<std::string> compatibility_level;  // upper case
};

struct ModeValue {
  std::optional<std::string> subject;
  std::string mode;  // READWRITE, READONLY, READONLY_OVERRIDE, IMPORT, FORWARD
};

struct DeleteSubjectValue {
  std::string subject;
  int version = 0;  // every version up to this one is soft deleted
};

struct ClearSubjectValue {
  std::string subject;
};

// Key JSON. A null subject is written as `"subject":null`, as Confluent does.
std::string SchemaKeyJson(std::string_view subject, int version);
std::string ConfigKeyJson(const std::optional<std::string>& subject);
std::string ModeKeyJson(const std::optional<std::string>& subject);
std::string DeleteSubjectKeyJson(std::string_view subject);
std::string ClearSubjectKeyJson(std::string_view subject);
std::string NoopKeyJson();

// Value JSON. `schemaType` is left out for AVRO and `references` when empty, as Confluent does.
std::string ToJson(const SchemaValue& value);
std::string ToJson(const ConfigValue& value);
std::string ToJson(const ModeValue& value);
std::string ToJson(const DeleteSubjectValue& value);
std::string ToJson(const ClearSubjectValue& value);

// Parsers. Unknown fields are ignored, as Confluent's Jackson mapping does. Fail (kDataError)
// naming the field that is missing or of the wrong type, or the text that is not JSON.
Result<RecordKey> ParseRecordKey(std::string_view json);
Result<SchemaValue> ParseSchemaValue(std::string_view json);
Result<ConfigValue> ParseConfigValue(std::string_view json);
Result<ModeValue> ParseModeValue(std::string_view json);
Result<DeleteSubjectValue> ParseDeleteSubjectValue(std::string_view json);
Result<ClearSubjectValue> ParseClearSubjectValue(std::string_view json);

}  // namespace walrelay::registry
