#include "convert/byte_array_converter.h"

namespace walrelay::convert {
namespace {

// The Java class of a schemaless Connect value, as Connect's messages name it.
const char* JavaClassOf(const data::Value& value) {
  if (value.is_bool()) return "class java.lang.Boolean";
  if (value.is_int()) return "class java.lang.Long";
  if (value.is_double()) return "class java.lang.Double";
  if (value.is_string()) return "class java.lang.String";
  if (value.is_array()) return "class java.util.ArrayList";
  if (value.is_map()) return "class java.util.HashMap";
  return "class org.apache.kafka.connect.data.Struct";
}

// Connect's Schema.Type constant names, as Type.toString() prints them.
const char* JavaTypeName(data::Type type) {
  switch (type) {
    case data::Type::kInt8:
      return "INT8";
    case data::Type::kInt16:
      return "INT16";
    case data::Type::kInt32:
      return "INT32";
    case data::Type::kInt64:
      return "INT64";
    case data::Type::kFloat32:
      return "FLOAT32";
    case data::Type::kFloat64:
      return "FLOAT64";
    case data::Type::kBoolean:
      return "BOOLEAN";
    case data::Type::kString:
      return "STRING";
    case data::Type::kBytes:
      return "BYTES";
    case data::Type::kArray:
      return "ARRAY";
    case data::Type::kMap:
      return "MAP";
    case data::Type::kStruct:
      return "STRUCT";
  }
  return "UNKNOWN";
}

}  // namespace

Result<bool> ByteArrayConverter::Serialize(std::string_view /*topic*/, bool /*is_key*/,
                                           const data::SchemaPtr& schema, const data::Value& value,
                                           std::string* out) {
  if (schema != nullptr && schema->type != data::Type::kBytes) {
    return DataError(std::string("Invalid schema type for ByteArrayConverter: ") +
                     JavaTypeName(schema->type));
  }
  if (value.is_null()) return false;
  if (!value.is_bytes()) {
    return DataError(std::string("ByteArrayConverter is not compatible with objects of type ") +
                     JavaClassOf(value));
  }
  out->append(value.as_bytes().data);
  return true;
}

Result<SchemaAndValue> ByteArrayConverter::Deserialize(std::string_view /*topic*/, bool /*is_key*/,
                                                       std::optional<std::string_view> bytes) {
  SchemaAndValue out{data::PrimitiveSchema(data::Type::kBytes, /*optional=*/true), data::Value()};
  if (bytes) out.value = data::Value(data::Bytes{std::string(*bytes)});
  return out;
}

}  // namespace walrelay::convert
