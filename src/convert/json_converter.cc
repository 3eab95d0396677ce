#include "convert/json_converter.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <limits>
#include <mutex>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/java_format.h"
#include "convert/json_reader.h"
#include "convert/json_writer.h"

namespace walrelay::convert {

using data::Schema;
using data::SchemaPtr;
using data::Type;
using data::Value;

namespace {

constexpr std::string_view kDecimalName = "org.apache.kafka.connect.data.Decimal";
constexpr size_t kSchemaCacheSize = 1000;  // Connect's schemas.cache.size default

// ---------------------------------------------------------------------------------------------
// Decimal helpers. Connect's Decimal holds the unscaled value as big-endian two's-complement
// bytes (BigInteger.toByteArray); decimal.format=NUMERIC writes BigDecimal.toString. The
// conversions themselves are in common/java_format.h.

Result<int32_t> DecimalScale(const Schema& schema) {
  const std::string* scale = schema.Parameter("scale");
  int32_t v = 0;
  if (scale == nullptr || std::from_chars(scale->data(), scale->data() + scale->size(), v).ptr !=
                              scale->data() + scale->size()) {
    return DataError("Decimal schema has no valid \"scale\" parameter");
  }
  return v;
}

// Unscaled two's-complement bytes of the JSON number `text` at `scale`. Fails when the number has
// more fraction digits than the scale allows (Connect would fail later on the scale mismatch).
Result<std::string> DecimalTextToUnscaled(std::string_view text, int32_t scale) {
  bool negative = false;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) negative = text[i++] == '-';
  std::string digits;
  int64_t exponent = 0;
  bool seen_digit = false;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, seen_digit = true) {
    digits.push_back(text[i]);
  }
  if (i < text.size() && text[i] == '.') {
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i, seen_digit = true) {
      digits.push_back(text[i]);
      --exponent;
    }
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    int64_t e = 0;
    ++i;
    if (i < text.size() && text[i] == '+') ++i;
    auto res = std::from_chars(text.data() + i, text.data() + text.size(), e);
    // Java's BigDecimal takes any int exponent; so does a Decimal's scale, and JsonConverter's
    // numeric format prints such a scale as an exponent that must read back.
    if (res.ec != std::errc() || e > std::numeric_limits<int32_t>::max() ||
        e < std::numeric_limits<int32_t>::min()) {
      return DataError("invalid Decimal number " + std::string(text));
    }
    i = static_cast<size_t>(res.ptr - text.data());
    exponent += e;
  }
  if (!seen_digit || i != text.size())
    return DataError("invalid Decimal number " + std::string(text));
  const int64_t shift = exponent + scale;  // unscaled = digits * 10^shift
  if (shift >= 0) {
    if (shift > 100000) return DataError("Decimal number out of range: " + std::string(text));
    digits.append(static_cast<size_t>(shift), '0');
  } else {
    const size_t drop = static_cast<size_t>(-shift);
    const size_t keep = digits.size() > drop ? digits.size() - drop : 0;
    if (digits.find_first_not_of('0', keep) != std::string::npos) {
      return DataError("Decimal number " + std::string(text) + " has more than " +
                       std::to_string(scale) + " fraction digits");
    }
    digits.resize(keep);
  }
  return DigitsToUnscaled(negative, digits);
}

// ---------------------------------------------------------------------------------------------
// Serialization.

const char* KindName(const Value& v) {
  switch (v.storage().index()) {
    case 0:
      return "null";
    case 1:
      return "boolean";
    case 2:
      return "integer";
    case 3:
      return "floating point";
    case 4:
      return "string";
    case 5:
      return "bytes";
    case 6:
      return "array";
    case 7:
      return "map";
    default:
      return "struct";
  }
}

Status InvalidType(const Schema& schema, const Value& v) {
  return DataError(std::string("invalid value for ") + data::TypeName(schema.type) +
                   (schema.name.empty() ? "" : " (" + schema.name + ")") + ": " + KindName(v));
}

bool SameSchema(const Schema* a, const Schema* b) {
  return a == b || (a != nullptr && b != nullptr && a->Equals(*b));
}

class Encoder {
 public:
  Encoder(bool decimal_numeric, std::string* out) : decimal_numeric_(decimal_numeric), out_(out) {}

  // Connect's asJsonSchema.
  Status WriteSchema(const Schema* schema) {
    if (schema == nullptr) {
      out_->append("null");
      return Status::Ok();
    }
    WR_RETURN_IF_ERROR(WriteSchemaMembers(*schema));
    out_->push_back('}');
    return Status::Ok();
  }

  // Connect's convertToJson. `schema` null means schemaless.
  Status WriteValue(const Schema* schema, const Value& value) {
    if (value.is_null()) return WriteNull(schema);
    if (schema == nullptr) return WriteSchemaless(value);
    if (!schema->name.empty() && schema->name == kDecimalName) return WriteDecimal(*schema, value);
    switch (schema->type) {
      case Type::kInt8:
        return WriteInt(*schema, value, INT8_MIN, INT8_MAX);
      case Type::kInt16:
        return WriteInt(*schema, value, INT16_MIN, INT16_MAX);
      case Type::kInt32:
        return WriteInt(*schema, value, INT32_MIN, INT32_MAX);
      case Type::kInt64:
        return WriteInt(*schema, value, INT64_MIN, INT64_MAX);
      case Type::kFloat32:
        if (!value.is_double()) return InvalidType(*schema, value);
        AppendJsonFloat(out_, static_cast<float>(value.as_double()));
        return Status::Ok();
      case Type::kFloat64:
        if (!value.is_double()) return InvalidType(*schema, value);
        AppendJsonDouble(out_, value.as_double());
        return Status::Ok();
      case Type::kBoolean:
        if (!value.is_bool()) return InvalidType(*schema, value);
        AppendJsonBool(out_, value.as_bool());
        return Status::Ok();
      case Type::kString:
        if (!value.is_string()) return InvalidType(*schema, value);
        AppendJsonString(out_, value.as_string());
        return Status::Ok();
      case Type::kBytes:
        if (!value.is_bytes()) return InvalidType(*schema, value);
        WriteBase64(value.as_bytes().data);
        return Status::Ok();
      case Type::kArray:
        return WriteArray(schema, value);
      case Type::kMap:
        return WriteMap(schema, value);
      case Type::kStruct:
        return WriteStruct(*schema, value);
    }
    return InvalidType(*schema, value);
  }

 private:
  // Everything of the schema object but its closing brace, so a struct field can append "field".
  Status WriteSchemaMembers(const Schema& s) {
    out_->append("{\"type\":\"");
    out_->append(data::TypeName(s.type));
    out_->push_back('"');
    switch (s.type) {
      case Type::kStruct:
        out_->append(",\"fields\":[");
        for (size_t i = 0; i < s.fields.size(); ++i) {
          const data::Field& f = s.fields[i];
          if (!f.schema) return DataError("struct field " + f.name + " has no schema");
          if (i > 0) out_->push_back(',');
          WR_RETURN_IF_ERROR(WriteSchemaMembers(*f.schema).WithContext("field " + f.name));
          out_->append(",\"field\":");
          AppendJsonString(out_, f.name);
          out_->push_back('}');
        }
        out_->push_back(']');
        break;
      case Type::kArray:
        out_->append(",\"items\":");
        WR_RETURN_IF_ERROR(WriteSchema(s.value_schema.get()));
        break;
      case Type::kMap:
        out_->append(",\"keys\":");
        WR_RETURN_IF_ERROR(WriteSchema(s.key_schema.get()));
        out_->append(",\"values\":");
        WR_RETURN_IF_ERROR(WriteSchema(s.value_schema.get()));
        break;
      default:
        break;
    }
    out_->append(s.optional ? ",\"optional\":true" : ",\"optional\":false");
    if (!s.name.empty()) {
      out_->append(",\"name\":");
      AppendJsonString(out_, s.name);
    }
    if (s.version) {
      out_->append(",\"version\":");
      AppendJsonInt(out_, *s.version);
    }
    if (!s.doc.empty()) {
      out_->append(",\"doc\":");
      AppendJsonString(out_, s.doc);
    }
    if (!s.parameters.empty()) {
      out_->append(",\"parameters\":{");
      for (size_t i = 0; i < s.parameters.size(); ++i) {
        if (i > 0) out_->push_back(',');
        AppendJsonString(out_, s.parameters[i].first);
        out_->push_back(':');
        AppendJsonString(out_, s.parameters[i].second);
      }
      out_->push_back('}');
    }
    if (s.default_value && !s.default_value->is_null()) {
      out_->append(",\"default\":");
      WR_RETURN_IF_ERROR(WriteValue(&s, *s.default_value).WithContext("default value"));
    }
    return Status::Ok();
  }

  Status WriteNull(const Schema* schema) {
    if (schema != nullptr && schema->default_value && !schema->default_value->is_null()) {
      return WriteValue(schema, *schema->default_value);
    }
    if (schema != nullptr && !schema->optional) {
      return DataError(std::string("null value for a required ") + data::TypeName(schema->type) +
                       " without a default value");
    }
    out_->append("null");
    return Status::Ok();
  }

  Status WriteInt(const Schema& schema, const Value& value, int64_t min, int64_t max) {
    if (!value.is_int()) return InvalidType(schema, value);
    const int64_t v = value.as_int();
    if (v < min || v > max) {
      return DataError(std::to_string(v) + " is out of range for " + data::TypeName(schema.type));
    }
    AppendJsonInt(out_, v);
    return Status::Ok();
  }

  void WriteBase64(std::string_view bytes) {
    out_->push_back('"');
    AppendBase64(out_, bytes);
    out_->push_back('"');
  }

  Status WriteDecimal(const Schema& schema, const Value& value) {
    if (!value.is_bytes()) return InvalidType(schema, value);
    const std::string& bytes = value.as_bytes().data;
    if (!decimal_numeric_) {
      WriteBase64(bytes);
      return Status::Ok();
    }
    WR_ASSIGN_OR_RETURN(int32_t scale, DecimalScale(schema));
    if (bytes.empty()) return DataError("Decimal value has no bytes");
    bool negative = false;
    const std::string digits = UnscaledToDigits(bytes, &negative);
    AppendJavaBigDecimal(out_, negative, digits, scale);
    return Status::Ok();
  }

  Status WriteArray(const Schema* schema, const Value& value) {
    if (!value.is_array()) return InvalidType(*schema, value);
    const Schema* items = schema->value_schema.get();
    out_->push_back('[');
    const data::Array& array = value.as_array();
    for (size_t i = 0; i < array.size(); ++i) {
      if (i > 0) out_->push_back(',');
      WR_RETURN_IF_ERROR(WriteValue(items, array[i]).WithContext("element " + std::to_string(i)));
    }
    out_->push_back(']');
    return Status::Ok();
  }

  // A map with string keys is a JSON object, any other a JSON array of [key, value] pairs.
  Status WriteMap(const Schema* schema, const Value& value) {
    if (!value.is_map()) return InvalidType(*schema, value);
    const data::Map& map = value.as_map();
    const Schema* keys = schema ? schema->key_schema.get() : nullptr;
    const Schema* values = schema ? schema->value_schema.get() : nullptr;
    bool object_mode = true;
    if (keys != nullptr) {
      object_mode = keys->type == Type::kString;
    } else {
      for (const auto& [k, v] : map) {
        if (!k.is_string()) {
          object_mode = false;
          break;
        }
      }
    }
    out_->push_back(object_mode ? '{' : '[');
    for (size_t i = 0; i < map.size(); ++i) {
      const auto& [k, v] = map[i];
      if (i > 0) out_->push_back(',');
      if (object_mode) {
        // Connect uses the key's JSON node asText(): the string itself, "null" for a null key.
        if (k.is_string()) {
          AppendJsonString(out_, k.as_string());
        } else if (k.is_null()) {
          std::string key_text;
          Encoder key_encoder(decimal_numeric_, &key_text);
          WR_RETURN_IF_ERROR(key_encoder.WriteNull(keys).WithContext("map key"));
          if (key_text == "null") {
            AppendJsonString(out_, "null");
          } else {
            out_->append(key_text);  // the key schema's default, already a JSON string
          }
        } else {
          return DataError(std::string("map key must be a string, found ") + KindName(k));
        }
        out_->push_back(':');
        WR_RETURN_IF_ERROR(WriteValue(values, v).WithContext("map value"));
      } else {
        out_->push_back('[');
        WR_RETURN_IF_ERROR(WriteValue(keys, k).WithContext("map key"));
        out_->push_back(',');
        WR_RETURN_IF_ERROR(WriteValue(values, v).WithContext("map value"));
        out_->push_back(']');
      }
    }
    out_->push_back(object_mode ? '}' : ']');
    return Status::Ok();
  }

  Status WriteStruct(const Schema& schema, const Value& value) {
    if (!value.is_struct()) return InvalidType(schema, value);
    const data::Struct& st = value.as_struct();
    if (!SameSchema(st.schema.get(), &schema)) {
      return DataError("mismatching schema: struct value of schema '" +
                       (st.schema ? st.schema->name : std::string("null")) + "' where schema '" +
                       schema.name + "' is expected");
    }
    out_->push_back('{');
    const Value kNull;
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      const data::Field& f = schema.fields[i];
      if (i > 0) out_->push_back(',');
      AppendJsonString(out_, f.name);
      out_->push_back(':');
      const Value& v = i < st.values.size() ? st.values[i] : kNull;
      WR_RETURN_IF_ERROR(WriteValue(f.schema.get(), v).WithContext("field " + f.name));
    }
    out_->push_back('}');
    return Status::Ok();
  }

  // Connect infers the type from the Java class; a struct without a schema is an error there.
  Status WriteSchemaless(const Value& value) {
    if (value.is_bool()) {
      AppendJsonBool(out_, value.as_bool());
    } else if (value.is_int()) {
      AppendJsonInt(out_, value.as_int());
    } else if (value.is_double()) {
      AppendJsonDouble(out_, value.as_double());
    } else if (value.is_string()) {
      AppendJsonString(out_, value.as_string());
    } else if (value.is_bytes()) {
      WriteBase64(value.as_bytes().data);
    } else if (value.is_array()) {
      out_->push_back('[');
      const data::Array& array = value.as_array();
      for (size_t i = 0; i < array.size(); ++i) {
        if (i > 0) out_->push_back(',');
        WR_RETURN_IF_ERROR(WriteValue(nullptr, array[i]));
      }
      out_->push_back(']');
    } else if (value.is_map()) {
      return WriteMap(nullptr, value);
    } else {
      return DataError("mismatching schema: a struct value needs a schema");
    }
    return Status::Ok();
  }

  bool decimal_numeric_;
  std::string* out_;
};

// ---------------------------------------------------------------------------------------------
// JSON -> Connect (Connect's asConnectSchema and convertToConnect).

Result<Type> TypeFromName(std::string_view name) {
  static constexpr Type kTypes[] = {Type::kInt8,    Type::kInt16,   Type::kInt32,   Type::kInt64,
                                    Type::kFloat32, Type::kFloat64, Type::kBoolean, Type::kString,
                                    Type::kBytes,   Type::kArray,   Type::kMap,     Type::kStruct};
  for (Type t : kTypes) {
    if (name == data::TypeName(t)) return t;
  }
  return DataError("unknown schema type: " + std::string(name));
}

Result<Value> ToValue(const SchemaPtr& schema, const JsonNode* node);

Result<SchemaPtr> ToSchema(const JsonNode& node) {
  if (node.kind == JsonNode::Kind::kNull) return SchemaPtr();
  const JsonNode* type_node = node.Get("type");
  if (node.kind != JsonNode::Kind::kObject || type_node == nullptr ||
      type_node->kind != JsonNode::Kind::kString) {
    return DataError("schema must contain 'type' field");
  }
  WR_ASSIGN_OR_RETURN(Type type, TypeFromName(type_node->text));
  data::SchemaBuilder builder(type);
  bool plain = true;  // a bare primitive can use the shared PrimitiveSchema instances
  switch (type) {
    case Type::kArray: {
      const JsonNode* items = node.Get("items");
      if (items == nullptr || items->kind == JsonNode::Kind::kNull) {
        return DataError("array schema did not specify the element type");
      }
      WR_ASSIGN_OR_RETURN(SchemaPtr items_schema, ToSchema(*items));
      builder.Items(std::move(items_schema));
      plain = false;
      break;
    }
    case Type::kMap: {
      const JsonNode* keys = node.Get("keys");
      const JsonNode* values = node.Get("values");
      if (keys == nullptr) return DataError("map schema did not specify the key type");
      if (values == nullptr) return DataError("map schema did not specify the value type");
      WR_ASSIGN_OR_RETURN(SchemaPtr key_schema, ToSchema(*keys));
      WR_ASSIGN_OR_RETURN(SchemaPtr value_schema, ToSchema(*values));
      builder.Keys(std::move(key_schema)).Values(std::move(value_schema));
      plain = false;
      break;
    }
    case Type::kStruct: {
      const JsonNode* fields = node.Get("fields");
      if (fields == nullptr || fields->kind != JsonNode::Kind::kArray) {
        return DataError("struct schema's \"fields\" argument is not an array");
      }
      std::unordered_set<std::string_view> names;
      for (const JsonNode& field : fields->items) {
        const JsonNode* name = field.Get("field");
        if (name == nullptr || name->kind != JsonNode::Kind::kString) {
          return DataError("struct schema's field name not specified properly");
        }
        // Connect's SchemaBuilder refuses an empty name and a second field of a name (the payload
        // could not say which value is whose).
        if (name->text.empty()) return DataError("fieldName cannot be null.");
        if (!names.insert(name->text).second) {
          return DataError("Cannot create field because of field name duplication " + name->text);
        }
        auto field_schema = ToSchema(field);
        if (!field_schema.ok()) return field_schema.status().WithContext("field " + name->text);
        builder.AddField(name->text, std::move(field_schema).value());
      }
      plain = false;
      break;
    }
    default:
      break;
  }
  const JsonNode* optional = node.Get("optional");
  const bool is_optional =
      optional != nullptr && optional->kind == JsonNode::Kind::kBool && optional->boolean;
  builder.Optional(is_optional);
  if (const JsonNode* n = node.Get("name"); n != nullptr && n->kind == JsonNode::Kind::kString) {
    builder.Name(n->text);
    plain = false;
  }
  if (const JsonNode* n = node.Get("version"); n != nullptr && n->kind == JsonNode::Kind::kInt) {
    builder.Version(static_cast<int32_t>(n->int_value));
    plain = false;
  }
  if (const JsonNode* n = node.Get("doc"); n != nullptr && n->kind == JsonNode::Kind::kString) {
    builder.Doc(n->text);
    plain = false;
  }
  if (const JsonNode* n = node.Get("parameters");
      n != nullptr && n->kind == JsonNode::Kind::kObject) {
    for (const auto& [k, v] : n->members) {
      if (v.kind != JsonNode::Kind::kString) {
        return DataError("schema parameters must have string values");
      }
      builder.Parameter(k, v.text);
    }
    plain = false;
  }
  const JsonNode* default_node = node.Get("default");
  if (default_node == nullptr) {
    return plain ? data::PrimitiveSchema(type, is_optional) : builder.Build();
  }
  // The default is read through the schema being built, as Connect does with its builder.
  auto default_value = ToValue(builder.Build(), default_node);
  if (!default_value.ok()) return default_value.status().WithContext("default value");
  if (!default_value->is_null()) {
    builder.Default(std::make_shared<const Value>(std::move(default_value).value()));
  }
  return builder.Build();
}

Result<int64_t> ToInt(const Schema& schema, const JsonNode& node, int64_t min, int64_t max) {
  if (node.kind != JsonNode::Kind::kInt || node.int_value < min || node.int_value > max) {
    return DataError(std::string("invalid value for ") + data::TypeName(schema.type) + ": " +
                     (node.is_number() ? node.NumberText() : JsonKindName(node)));
  }
  return node.int_value;
}

// A JSON number or one of Jackson's quoted non-finite values ("NaN", "Infinity", "-Infinity").
Result<double> ToFloating(const Schema& schema, const JsonNode& node) {
  const bool is_float32 = schema.type == Type::kFloat32;
  switch (node.kind) {
    case JsonNode::Kind::kInt:
      return is_float32 ? static_cast<double>(static_cast<float>(node.int_value))
                        : static_cast<double>(node.int_value);
    case JsonNode::Kind::kUint:
      return is_float32 ? static_cast<double>(static_cast<float>(node.uint_value))
                        : static_cast<double>(node.uint_value);
    case JsonNode::Kind::kFloat:
      if (is_float32) {
        // Rounded once from the decimal text, as Java's BigDecimal.floatValue does.
        float f = 0;
        auto res = std::from_chars(node.text.data(), node.text.data() + node.text.size(), f);
        if (res.ec == std::errc::result_out_of_range) f = static_cast<float>(node.float_value);
        return static_cast<double>(f);
      }
      return node.float_value;
    case JsonNode::Kind::kString:
      if (node.text == "NaN") return std::numeric_limits<double>::quiet_NaN();
      if (node.text == "Infinity") return std::numeric_limits<double>::infinity();
      if (node.text == "-Infinity") return -std::numeric_limits<double>::infinity();
      break;
    default:
      break;
  }
  return DataError(std::string("invalid value for ") + data::TypeName(schema.type) + ": " +
                   JsonKindName(node));
}

Result<Value> ToSchemalessValue(const JsonNode& node) {
  switch (node.kind) {
    case JsonNode::Kind::kNull:
      return Value();
    case JsonNode::Kind::kBool:
      return Value(node.boolean);
    case JsonNode::Kind::kInt:
      return Value(node.int_value);
    case JsonNode::Kind::kUint:
      return DataError("integer out of int64 range: " + std::to_string(node.uint_value));
    case JsonNode::Kind::kFloat:
      return Value(node.float_value);
    case JsonNode::Kind::kString:
      return Value(node.text);
    case JsonNode::Kind::kArray: {
      data::Array array;
      array.reserve(node.items.size());
      for (const JsonNode& item : node.items) {
        WR_ASSIGN_OR_RETURN(Value v, ToSchemalessValue(item));
        array.push_back(std::move(v));
      }
      return Value(std::move(array));
    }
    case JsonNode::Kind::kObject: {
      data::Map map;
      map.reserve(node.members.size());
      for (const auto& [k, item] : node.members) {
        WR_ASSIGN_OR_RETURN(Value v, ToSchemalessValue(item));
        map.emplace_back(Value(k), std::move(v));
      }
      return Value(std::move(map));
    }
  }
  return DataError("unknown JSON node");
}

Result<Value> ToDecimal(const Schema& schema, const JsonNode& node) {
  // Connect's Decimal.toLogical needs the scale and at least one byte, in either form (a value
  // without them could not be written again).
  WR_ASSIGN_OR_RETURN(int32_t scale, DecimalScale(schema));
  if (node.kind == JsonNode::Kind::kString) {
    std::string bytes;
    if (!DecodeBase64(node.text, &bytes)) return DataError("invalid base64 for Decimal");
    if (bytes.empty()) return DataError("Decimal value has no bytes");
    return Value(data::Bytes{std::move(bytes)});
  }
  if (node.is_number()) {
    WR_ASSIGN_OR_RETURN(std::string bytes, DecimalTextToUnscaled(node.NumberText(), scale));
    return Value(data::Bytes{std::move(bytes)});
  }
  return DataError(std::string("invalid value for Decimal, expected a number or base64 bytes: ") +
                   JsonKindName(node));
}

Result<Value> ToValue(const SchemaPtr& schema_ptr, const JsonNode* node) {
  if (!schema_ptr) return node ? ToSchemalessValue(*node) : Result<Value>(Value());
  const Schema& schema = *schema_ptr;
  if (node == nullptr || node->kind == JsonNode::Kind::kNull) {
    if (schema.default_value) return *schema.default_value;
    if (schema.optional) return Value();
    return DataError(std::string("invalid null value for required ") + data::TypeName(schema.type) +
                     " field");
  }
  if (schema.name == kDecimalName) return ToDecimal(schema, *node);
  auto mismatch = [&schema, node]() -> Status {
    return DataError(std::string("invalid value for ") + data::TypeName(schema.type) + ": " +
                     JsonKindName(*node));
  };
  switch (schema.type) {
    case Type::kInt8: {
      WR_ASSIGN_OR_RETURN(int64_t v, ToInt(schema, *node, INT8_MIN, INT8_MAX));
      return Value(v);
    }
    case Type::kInt16: {
      WR_ASSIGN_OR_RETURN(int64_t v, ToInt(schema, *node, INT16_MIN, INT16_MAX));
      return Value(v);
    }
    case Type::kInt32: {
      WR_ASSIGN_OR_RETURN(int64_t v, ToInt(schema, *node, INT32_MIN, INT32_MAX));
      return Value(v);
    }
    case Type::kInt64: {
      WR_ASSIGN_OR_RETURN(int64_t v, ToInt(schema, *node, INT64_MIN, INT64_MAX));
      return Value(v);
    }
    case Type::kFloat32:
    case Type::kFloat64: {
      WR_ASSIGN_OR_RETURN(double v, ToFloating(schema, *node));
      return Value(v);
    }
    case Type::kBoolean:
      if (node->kind != JsonNode::Kind::kBool) return mismatch();
      return Value(node->boolean);
    case Type::kString:
      if (node->kind != JsonNode::Kind::kString) return mismatch();
      return Value(node->text);
    case Type::kBytes: {
      if (node->kind != JsonNode::Kind::kString) return mismatch();
      std::string bytes;
      if (!DecodeBase64(node->text, &bytes)) return DataError("invalid base64 for bytes");
      return Value(data::Bytes{std::move(bytes)});
    }
    case Type::kArray: {
      if (node->kind != JsonNode::Kind::kArray) return mismatch();
      data::Array array;
      array.reserve(node->items.size());
      for (size_t i = 0; i < node->items.size(); ++i) {
        auto v = ToValue(schema.value_schema, &node->items[i]);
        if (!v.ok()) return v.status().WithContext("element " + std::to_string(i));
        array.push_back(std::move(v).value());
      }
      return Value(std::move(array));
    }
    case Type::kMap: {
      data::Map map;
      if (schema.key_schema == nullptr || schema.key_schema->type == Type::kString) {
        if (node->kind != JsonNode::Kind::kObject) {
          return DataError(std::string("maps with string keys should be JSON objects, found ") +
                           JsonKindName(*node));
        }
        map.reserve(node->members.size());
        for (const auto& [k, item] : node->members) {
          auto v = ToValue(schema.value_schema, &item);
          if (!v.ok()) return v.status().WithContext("map value " + k);
          map.emplace_back(Value(k), std::move(v).value());
        }
        return Value(std::move(map));
      }
      if (node->kind != JsonNode::Kind::kArray) {
        return DataError(std::string("maps with non-string keys should be JSON arrays, found ") +
                         JsonKindName(*node));
      }
      map.reserve(node->items.size());
      for (const JsonNode& entry : node->items) {
        if (entry.kind != JsonNode::Kind::kArray || entry.items.size() != 2) {
          return DataError("invalid map entry: expected a [key, value] array");
        }
        auto k = ToValue(schema.key_schema, &entry.items[0]);
        if (!k.ok()) return k.status().WithContext("map key");
        auto v = ToValue(schema.value_schema, &entry.items[1]);
        if (!v.ok()) return v.status().WithContext("map value");
        map.emplace_back(std::move(k).value(), std::move(v).value());
      }
      return Value(std::move(map));
    }
    case Type::kStruct: {
      if (node->kind != JsonNode::Kind::kObject) {
        return DataError(std::string("structs should be JSON objects, found ") +
                         JsonKindName(*node));
      }
      data::Struct st;
      st.schema = schema_ptr;
      st.values.reserve(schema.fields.size());
      for (const data::Field& f : schema.fields) {
        auto v = ToValue(f.schema, node->Get(f.name));
        if (!v.ok()) return v.status().WithContext("field " + f.name);
        st.values.push_back(std::move(v).value());
      }
      return Value(std::move(st));
    }
  }
  return mismatch();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

// The JSON text of recently serialized top-level schemas, keyed by address. The weak_ptr tells a
// live entry from one whose schema was freed (and whose address may have been reused).
struct JsonConverter::SchemaCache {
  struct Entry {
    std::weak_ptr<const Schema> schema;
    std::string json;
  };
  std::mutex mu;
  std::unordered_map<const Schema*, Entry> entries;
  // The other way: schemas deserialized, keyed by their JSON text, so the records of one topic
  // share one schema object (what a sink caches its table shapes by) and each schema is built once.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, SchemaPtr, TextHash, std::equal_to<>> parsed;
  // The last few distinct schema texts deserialized with their schemas, most recent first: a
  // consumer's records mostly repeat a few (a topic's, in batches), and the reader then takes
  // such a text without checking it again.
  struct Known {
    std::string text;
    SchemaPtr schema;
  };
  static constexpr size_t kRecent = 8;
  using Recent = std::array<std::shared_ptr<const Known>, kRecent>;
  Recent recent;

  Recent GetRecent() {
    std::lock_guard<std::mutex> lock(mu);
    return recent;
  }

  // Puts `known` first (in when new, the least recent out when full).
  void Touch(std::shared_ptr<const Known> known) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = std::find(recent.begin(), recent.end(), known);
    if (it == recent.end()) it = recent.end() - 1;
    std::move_backward(recent.begin(), it, it + 1);
    recent.front() = std::move(known);
  }

  SchemaPtr FindParsed(std::string_view text) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = parsed.find(text);
    return it == parsed.end() ? nullptr : it->second;
  }

  void PutParsed(std::string_view text, SchemaPtr schema) {
    std::lock_guard<std::mutex> lock(mu);
    if (parsed.size() >= kSchemaCacheSize) parsed.clear();
    parsed.emplace(std::string(text), std::move(schema));
  }

  bool AppendCached(const SchemaPtr& schema, std::string* out) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = entries.find(schema.get());
    if (it == entries.end() || it->second.schema.expired()) return false;
    out->append(it->second.json);
    return true;
  }

  void Put(const SchemaPtr& schema, std::string json) {
    std::lock_guard<std::mutex> lock(mu);
    if (entries.size() >= kSchemaCacheSize) {
      std::erase_if(entries, [](const auto& e) { return e.second.schema.expired(); });
      if (entries.size() >= kSchemaCacheSize) entries.clear();
    }
    entries[schema.get()] = Entry{schema, std::move(json)};
  }
};

JsonConverter::JsonConverter(bool schemas_enable, bool decimal_format_numeric)
    : schemas_enable_(schemas_enable),
      decimal_format_numeric_(decimal_format_numeric),
      cache_(std::make_unique<SchemaCache>()) {}

JsonConverter::~JsonConverter() = default;
JsonConverter::JsonConverter(JsonConverter&&) noexcept = default;
JsonConverter& JsonConverter::operator=(JsonConverter&&) noexcept = default;

Status JsonConverter::AppendSchemaJson(const SchemaPtr& schema, std::string* out) const {
  if (!schema) {
    out->append("null");
    return Status::Ok();
  }
  if (cache_->AppendCached(schema, out)) return Status::Ok();
  std::string json;
  Encoder encoder(decimal_format_numeric_, &json);
  WR_RETURN_IF_ERROR(encoder.WriteSchema(schema.get()));
  out->append(json);
  cache_->Put(schema, std::move(json));
  return Status::Ok();
}

Status JsonConverter::Serialize(const SchemaPtr& schema, const Value& value,
                                std::string* out) const {
  if (IsNullRecord(schema, value)) {
    out->append("null");
    return Status::Ok();
  }
  Encoder encoder(decimal_format_numeric_, out);
  if (!schemas_enable_) return encoder.WriteValue(schema.get(), value);
  out->append("{\"schema\":");
  WR_RETURN_IF_ERROR(AppendSchemaJson(schema, out));
  out->append(",\"payload\":");
  WR_RETURN_IF_ERROR(encoder.WriteValue(schema.get(), value));
  out->push_back('}');
  return Status::Ok();
}

Result<std::pair<SchemaPtr, Value>> JsonConverter::Deserialize(std::string_view json) const {
  // The schema's text is the cache's key: its tree is built only when the cache lacks it, and
  // the texts of the last few schemas are not even checked again.
  SchemaCache::Recent recent;
  std::array<std::string_view, SchemaCache::kRecent> known;
  size_t known_count = 0;
  if (schemas_enable_) {
    recent = cache_->GetRecent();
    for (const auto& k : recent) {
      if (k != nullptr) known[known_count++] = k->text;
    }
  }
  auto parsed = ParseJson(json, 512, schemas_enable_ ? "schema" : "",
                          std::span<const std::string_view>(known.data(), known_count));
  if (!parsed.ok()) {
    return DataError("Converting byte[] to Kafka Connect data failed due to serialization error: " +
                     parsed.status().message());
  }
  JsonNode root = std::move(parsed).value();
  if (!schemas_enable_) {
    WR_ASSIGN_OR_RETURN(Value v, ToSchemalessValue(root));
    return std::pair<SchemaPtr, Value>(nullptr, std::move(v));
  }
  const JsonNode* schema_node = root.Get("schema");
  const JsonNode* payload_node = root.Get("payload");
  if (root.kind != JsonNode::Kind::kObject || root.members.size() != 2 || schema_node == nullptr ||
      payload_node == nullptr) {
    return DataError(
        "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not "
        "contain additional fields. If you are trying to deserialize plain JSON data, set "
        "schemas.enable=false in your converter configuration.");
  }
  const std::string_view schema_text =
      json.substr(schema_node->begin, schema_node->end - schema_node->begin);
  SchemaPtr schema;
  for (size_t i = 0; i < recent.size() && recent[i] != nullptr; ++i) {
    if (recent[i]->text != schema_text) continue;
    schema = recent[i]->schema;
    if (i > 0) cache_->Touch(recent[i]);
    break;
  }
  if (schema == nullptr) {
    schema = cache_->FindParsed(schema_text);
    if (schema == nullptr) {
      auto schema_tree = ParseJson(schema_text);
      if (!schema_tree.ok()) return schema_tree.status().WithContext("schema");
      auto built = ToSchema(*schema_tree);
      if (!built.ok()) return built.status().WithContext("schema");
      schema = std::move(built).value();
      if (schema != nullptr) cache_->PutParsed(schema_text, schema);
    }
    if (schema != nullptr) {
      cache_->Touch(std::make_shared<const SchemaCache::Known>(
          SchemaCache::Known{std::string(schema_text), schema}));
    }
  }
  auto value = ToValue(schema, payload_node);
  if (!value.ok()) return value.status().WithContext("payload");
  return std::pair<SchemaPtr, Value>(std::move(schema), std::move(value).value());
}

}  // namespace walrelay::convert
