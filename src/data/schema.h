#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace walrelay::data {

// Kafka Connect's schema types. Integer widths matter for converters; values of every integer
// type are held as int64 and every float as double (see Value).
enum class Type {
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kFloat32,
  kFloat64,
  kBoolean,
  kString,
  kBytes,
  kArray,
  kMap,
  kStruct
};

// Kafka Connect's lower-case type name ("int32", "struct", ...).
const char* TypeName(Type type);

class Schema;
using SchemaPtr = std::shared_ptr<const Schema>;
class Value;

struct Field {
  std::string name;
  SchemaPtr schema;
};

// An immutable Kafka Connect schema. Built once per relation (or per transform output shape) and
// shared by every record of that shape; records never copy schemas. Logical types are carried by
// `name` (e.g. "org.apache.kafka.connect.data.Decimal") and `parameters`, exactly as in Connect.
class Schema {
 public:
  Type type = Type::kStruct;
  bool optional = false;
  std::string name;  // empty when unnamed
  std::optional<int32_t> version;
  std::string doc;                                              // empty when none
  std::vector<std::pair<std::string, std::string>> parameters;  // in insertion order
  std::vector<Field> fields;                                    // kStruct
  SchemaPtr key_schema;                                         // kMap
  SchemaPtr value_schema;                                       // kArray (items) and kMap (values)
  std::shared_ptr<const Value> default_value;                   // nullptr when none

  // Index of the field called `field_name`, or -1.
  int FieldIndex(std::string_view field_name) const;
  const Field* FindField(std::string_view field_name) const;
  // Parameter value or nullptr.
  const std::string* Parameter(std::string_view key) const;
  // Structural equality (type, optional, name, version, parameters, fields recursively).
  bool Equals(const Schema& other) const;
};

// Fluent builder: SchemaBuilder(Type::kStruct).Name("x").Field("id", Int32()).Build().
class SchemaBuilder {
 public:
  explicit SchemaBuilder(Type type) { schema_.type = type; }
  SchemaBuilder& Optional(bool optional = true) {
    schema_.optional = optional;
    return *this;
  }
  SchemaBuilder& Name(std::string name) {
    schema_.name = std::move(name);
    return *this;
  }
  SchemaBuilder& Version(int32_t v) {
    schema_.version = v;
    return *this;
  }
  SchemaBuilder& Doc(std::string doc) {
    schema_.doc = std::move(doc);
    return *this;
  }
  SchemaBuilder& Parameter(std::string k, std::string v) {
    schema_.parameters.emplace_back(std::move(k), std::move(v));
    return *this;
  }
  SchemaBuilder& AddField(std::string name, SchemaPtr schema) {
    schema_.fields.push_back({std::move(name), std::move(schema)});
    return *this;
  }
  SchemaBuilder& Items(SchemaPtr items) {
    schema_.value_schema = std::move(items);
    return *this;
  }
  SchemaBuilder& Keys(SchemaPtr keys) {
    schema_.key_schema = std::move(keys);
    return *this;
  }
  SchemaBuilder& Values(SchemaPtr values) {
    schema_.value_schema = std::move(values);
    return *this;
  }
  SchemaBuilder& Default(std::shared_ptr<const Value> v) {
    schema_.default_value = std::move(v);
    return *this;
  }
  SchemaPtr Build() const { return std::make_shared<const Schema>(schema_); }

 private:
  Schema schema_;
};

// Shared primitive schemas (required and optional) so hot paths do not allocate.
SchemaPtr PrimitiveSchema(Type type, bool optional);
// A copy of `schema` with optional set as given (returns `schema` itself when already so).
SchemaPtr WithOptional(const SchemaPtr& schema, bool optional);

}  // namespace walrelay::data
