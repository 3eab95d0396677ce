#pragma once

// Avro schemas as the Avro 1.11 specification defines them and Avro Java's Schema.Parser reads
// them: the parsed tree (`Node`), its owner (`Schema`), the text Schema.toString() writes
// (`Schema::ToJson`, the exact text Confluent's schema registry stores and returns), the Parsing
// Canonical Form and its CRC-64-AVRO fingerprint.
//
// Everything here is pure and thread-safe once built: a Schema is immutable after ParseSchema and
// is shared as std::shared_ptr<const Schema> between threads.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace walrelay::avro {

// Attributes and defaults keep their key order (Avro Java keeps them in a LinkedHashMap and
// writes them back in that order), so they are ordered_json, not nlohmann::json's sorted map.
using Json = nlohmann::ordered_json;
// Extra attributes of a schema or field, in the order the schema text gave them.
using Props = std::vector<std::pair<std::string, Json>>;

enum class AvroType {
  kNull,
  kBoolean,
  kInt,
  kLong,
  kFloat,
  kDouble,
  kBytes,
  kString,
  kRecord,
  kEnum,
  kArray,
  kMap,
  kUnion,
  kFixed,
};

// The type's name in schema text: "null", "boolean", ..., "record", "union".
const char* AvroTypeName(AvroType type);
// True for record, enum and fixed.
constexpr bool IsNamedType(AvroType t) {
  return t == AvroType::kRecord || t == AvroType::kEnum || t == AvroType::kFixed;
}

enum class FieldOrder { kAscending, kDescending, kIgnore };

class Node;

// One field of a record. `schema` points into the Schema that owns the record.
struct Field {
  std::string name;
  const Node* schema = nullptr;
  std::optional<Json> default_value;  // as written in the schema text
  std::optional<std::string> doc;
  std::vector<std::string> aliases;  // as written (field aliases have no namespace)
  FieldOrder order = FieldOrder::kAscending;
  Props props;  // attributes other than name, type, default, doc, aliases, order
  size_t position = 0;

  const Json* Prop(std::string_view key) const;
};

// One node of a parsed schema. Nodes are owned by their Schema and refer to each other by plain
// pointer (a recursive record refers to itself), so a Node is valid as long as its Schema is.
class Node {
 public:
  AvroType type() const { return type_; }
  bool is_named() const { return IsNamedType(type_); }
  // A record declared as "error" (Avro IDL's error type): the same as a record but for its name
  // in ToJson.
  bool is_error() const { return is_error_; }

  // Named types (record, enum, fixed). full_name is "namespace.name" or "name".
  const std::string& full_name() const { return full_name_; }
  const std::string& name() const { return name_; }
  const std::string& name_space() const { return namespace_; }  // "" when none
  const std::optional<std::string>& doc() const { return doc_; }
  const std::vector<std::string>& aliases() const { return aliases_; }  // full names

  // Records.
  const std::vector<Field>& fields() const { return fields_; }
  // The field named `name`, or nullptr.
  const Field* FindField(std::string_view name) const;

  // Enums.
  const std::vector<std::string>& symbols() const { return symbols_; }
  const std::optional<std::string>& enum_default() const { return enum_default_; }
  // The index of `symbol`, or -1.
  int SymbolIndex(std::string_view symbol) const;

  // Fixed.
  size_t fixed_size() const { return fixed_size_; }

  // Arrays and maps. Requires the matching type.
  const Node& items() const { return *child_; }
  const Node& values() const { return *child_; }

  // Unions.
  const std::vector<const Node*>& branches() const { return branches_; }

  // "logicalType" ("" when absent) and every other attribute, in schema text order (logicalType
  // among them, where it was written).
  const std::string& logical_type() const { return logical_type_; }
  const Props& props() const { return props_; }
  const Json* Prop(std::string_view key) const;

  // The name a union branch of this type has in Avro's JSON encoding and in union matching: the
  // full name for named types, the type name otherwise ("int", "array", "map").
  const std::string& TypeName() const;

 private:
  friend class SchemaBuilder;

  AvroType type_ = AvroType::kNull;
  bool is_error_ = false;
  std::string full_name_, name_, namespace_;
  std::optional<std::string> doc_;
  std::vector<std::string> aliases_;
  std::vector<Field> fields_;
  std::vector<std::string> symbols_;
  std::optional<std::string> enum_default_;
  size_t fixed_size_ = 0;
  const Node* child_ = nullptr;
  std::vector<const Node*> branches_;
  std::string logical_type_;
  Props props_;
  std::string type_name_;
};

// A parsed schema: owns every node. Immutable; share as std::shared_ptr<const Schema>.
class Schema {
 public:
  const Node& root() const { return *root_; }
  // The named type with this full name, or nullptr.
  const Node* FindNamed(std::string_view full_name) const;

  // The compact text Avro Java's Schema.toString() writes: attributes in its order (type, name,
  // namespace, doc, fields / symbols / items / values / size, then props, then aliases), a
  // namespace only where it differs from the enclosing one, a named type in full the first time
  // and by name afterwards.
  std::string ToJson() const;
  // The specification's Parsing Canonical Form.
  std::string CanonicalForm() const;

 private:
  friend class SchemaBuilder;
  std::vector<std::unique_ptr<Node>> nodes_;
  const Node* root_ = nullptr;
};

// Parses schema text as Avro Java's Schema.Parser does (with validateDefaults on; comments
// allowed, as Jackson is told to). Errors are kInvalidArgument with Avro Java's message where it
// has one ("Undefined name: \"Foo\"", "Duplicate enum symbol: A", "Invalid default for field f:
// \"x\" not a \"int\"") and "malformed schema JSON: ..." for text that is not JSON.
Result<std::shared_ptr<const Schema>> ParseSchema(std::string_view json_text);

struct ParseOptions {
  // Schema.Parser.setValidateDefaults. Confluent's registry validates the defaults of a schema
  // being registered, not those of schemas it already stores (AvroSchema's isNew), so that a
  // schema registered before validation existed still loads; a default that does not match is
  // then kept as written (and fails only where it is used, e.g. in resolution).
  bool validate_defaults = true;
};
Result<std::shared_ptr<const Schema>> ParseSchema(std::string_view json_text,
                                                  const ParseOptions& options);

// CRC-64-AVRO of `data` (the specification's 64-bit Rabin fingerprint), as
// SchemaNormalization.fingerprint64 computes it; apply it to CanonicalForm().
uint64_t Fingerprint64(std::string_view data);

}  // namespace walrelay::avro
