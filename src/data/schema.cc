#include "data/schema.h"

#include <array>

#include "data/value.h"

namespace walrelay::data {

const char* TypeName(Type type) {
  switch (type) {
    case Type::kInt8:
      return "int8";
    case Type::kInt16:
      return "int16";
    case Type::kInt32:
      return "int32";
    case Type::kInt64:
      return "int64";
    case Type::kFloat32:
      return "float";
    case Type::kFloat64:
      return "double";
    case Type::kBoolean:
      return "boolean";
    case Type::kString:
      return "string";
    case Type::kBytes:
      return "bytes";
    case Type::kArray:
      return "array";
    case Type::kMap:
      return "map";
    case Type::kStruct:
      return "struct";
  }
  return "unknown";
}

int Schema::FieldIndex(std::string_view field_name) const {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == field_name) return static_cast<int>(i);
  }
  return -1;
}

const Field* Schema::FindField(std::string_view field_name) const {
  int i = FieldIndex(field_name);
  return i < 0 ? nullptr : &fields[static_cast<size_t>(i)];
}

const std::string* Schema::Parameter(std::string_view key) const {
  for (const auto& [k, v] : parameters) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {
bool SameSchema(const SchemaPtr& a, const SchemaPtr& b) {
  if (a == b) return true;
  if (!a || !b) return false;
  return a->Equals(*b);
}
}  // namespace

bool Schema::Equals(const Schema& o) const {
  if (type != o.type || optional != o.optional || name != o.name || version != o.version ||
      parameters != o.parameters || fields.size() != o.fields.size()) {
    return false;
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name != o.fields[i].name || !SameSchema(fields[i].schema, o.fields[i].schema)) {
      return false;
    }
  }
  return SameSchema(key_schema, o.key_schema) && SameSchema(value_schema, o.value_schema);
}

SchemaPtr PrimitiveSchema(Type type, bool optional) {
  static const auto table = [] {
    std::array<std::array<SchemaPtr, 2>, 9> t;
    for (int i = 0; i <= static_cast<int>(Type::kBytes); ++i) {
      for (int o = 0; o < 2; ++o) {
        t[static_cast<size_t>(i)][static_cast<size_t>(o)] =
            SchemaBuilder(static_cast<Type>(i)).Optional(o == 1).Build();
      }
    }
    return t;
  }();
  if (static_cast<int>(type) > static_cast<int>(Type::kBytes)) {
    return SchemaBuilder(type).Optional(optional).Build();
  }
  return table[static_cast<size_t>(type)][optional ? 1 : 0];
}

SchemaPtr WithOptional(const SchemaPtr& schema, bool optional) {
  if (!schema || schema->optional == optional) return schema;
  auto copy = std::make_shared<Schema>(*schema);
  copy->optional = optional;
  return copy;
}

}  // namespace walrelay::data
