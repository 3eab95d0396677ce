#include "transforms/cast.h"

#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/java_format.h"
#include "transforms/java_text.h"

namespace walrelay::transforms {

namespace {

using data::Type;

std::optional<Type> ParseOutputType(const std::string& text) {
  static const std::pair<const char*, Type> kTypes[] = {
      {"int8", Type::kInt8},       {"int16", Type::kInt16},     {"int32", Type::kInt32},
      {"int64", Type::kInt64},     {"float32", Type::kFloat32}, {"float64", Type::kFloat64},
      {"boolean", Type::kBoolean}, {"string", Type::kString}};
  std::string lower = ToLower(text);
  for (const auto& [name, type] : kTypes) {
    if (lower == name) return type;
  }
  return std::nullopt;
}

const char* UpperTypeName(Type t) {
  switch (t) {
    case Type::kInt8:
      return "INT8";
    case Type::kInt16:
      return "INT16";
    case Type::kInt32:
      return "INT32";
    case Type::kInt64:
      return "INT64";
    case Type::kFloat32:
      return "FLOAT32";
    case Type::kFloat64:
      return "FLOAT64";
    case Type::kBoolean:
      return "BOOLEAN";
    case Type::kString:
      return "STRING";
    case Type::kBytes:
      return "BYTES";
    case Type::kArray:
      return "ARRAY";
    case Type::kMap:
      return "MAP";
    case Type::kStruct:
      return "STRUCT";
  }
  return "?";
}

// Java's saturating double -> long / int conversions.
int64_t JavaD2L(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return std::numeric_limits<int64_t>::max();
  if (d <= -9223372036854775808.0) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(d);
}
int32_t JavaD2I(double d) {
  if (std::isnan(d)) return 0;
  if (d >= 2147483647.0) return std::numeric_limits<int32_t>::max();
  if (d <= -2147483648.0) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(d);
}

// Two's-complement narrowing, as Java's (byte) / (short) / (int) casts of a long.
int64_t Narrow(int64_t v, Type t) {
  switch (t) {
    case Type::kInt8:
      return static_cast<int8_t>(static_cast<uint8_t>(v & 0xff));
    case Type::kInt16:
      return static_cast<int16_t>(static_cast<uint16_t>(v & 0xffff));
    case Type::kInt32:
      return static_cast<int32_t>(static_cast<uint32_t>(v & 0xffffffff));
    default:
      return v;
  }
}

// Byte.parseByte / Short.parseShort / Integer.parseInt / Long.parseLong.
std::optional<int64_t> JavaParseInt(const std::string& s, Type t) {
  size_t i = 0;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    v = v * 10 + (s[i] - '0');
    if (v > (static_cast<__int128>(1) << 64)) return std::nullopt;
  }
  if (negative) v = -v;
  __int128 lo, hi;
  switch (t) {
    case Type::kInt8:
      lo = -128, hi = 127;
      break;
    case Type::kInt16:
      lo = -32768, hi = 32767;
      break;
    case Type::kInt32:
      lo = std::numeric_limits<int32_t>::min(), hi = std::numeric_limits<int32_t>::max();
      break;
    default:
      lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  }
  if (v < lo || v > hi) return std::nullopt;
  return static_cast<int64_t>(v);
}

// Double.parseDouble: surrounding whitespace allowed, optional f/F/d/D suffix, "NaN" and
// "Infinity" spelled as Java spells them.
std::optional<double> JavaParseDouble(const std::string& text) {
  std::string s(Trim(text));
  if (s == "NaN" || s == "+NaN" || s == "-NaN") return std::nan("");
  if (s == "Infinity" || s == "+Infinity") return std::numeric_limits<double>::infinity();
  if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (!s.empty() && std::string_view("fFdD").find(s.back()) != std::string_view::npos) s.pop_back();
  if (s.empty()) return std::nullopt;
  for (char c : s) {
    if (std::string_view("0123456789+-.eExXpPabcdefABCDEF").find(c) == std::string_view::npos) {
      return std::nullopt;
    }
  }
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return d;
}

bool IsLogicalDateTime(const data::Schema* schema) {
  return schema &&
         (schema->name == kDateName || schema->name == kTimeName || schema->name == kTimestampName);
}

// Values.dateFormatFor: the ISO format is chosen by the value, not the schema.
std::string FormatDateValue(int64_t ms) {
  static const DateFormat kDate = DateFormat::Compile("yyyy-MM-dd").value();
  static const DateFormat kTime = DateFormat::Compile("HH:mm:ss.SSS'Z'").value();
  static const DateFormat kTimestamp = DateFormat::Compile("yyyy-MM-dd'T'HH:mm:ss.SSS'Z'").value();
  if (ms < kMillisPerDay) return kTime.Format(ms);
  if (ms % kMillisPerDay == 0) return kDate.Format(ms);
  return kTimestamp.Format(ms);
}

int64_t LogicalMillis(const data::Schema& schema, int64_t raw) {
  return schema.name == kDateName ? raw * kMillisPerDay : raw;
}

int ScaleOf(const data::Schema& schema) {
  const std::string* s = schema.Parameter("scale");
  return s ? std::atoi(s->c_str()) : 0;
}

}  // namespace

Result<data::Value> Cast::CastValue(const data::Schema* schema, const data::Value& value,
                                    Type target) {
  if (value.is_null()) return data::Value();
  Type inferred;
  if (schema) {
    inferred = schema->type;
  } else if (value.is_bool()) {
    inferred = Type::kBoolean;
  } else if (value.is_int()) {
    inferred = Type::kInt64;
  } else if (value.is_double()) {
    inferred = Type::kFloat64;
  } else if (value.is_string()) {
    inferred = Type::kString;
  } else if (value.is_bytes()) {
    inferred = Type::kBytes;
  } else if (value.is_array()) {
    inferred = Type::kArray;
  } else if (value.is_map()) {
    inferred = Type::kMap;
  } else {
    inferred = Type::kStruct;
  }
  if (inferred == Type::kArray || inferred == Type::kMap || inferred == Type::kStruct) {
    return DataError(std::string("Cast transformation does not support casting from ") +
                     UpperTypeName(inferred) +
                     "; supported types are [INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, "
                     "BOOLEAN, STRING, BYTES]");
  }
  auto out_of_range = [&](const std::string& shown) {
    return DataError("Value (" + shown + ") was out of range for requested data type");
  };

  // Reduce the input to one of: integer, floating, boolean, string, bytes.
  bool is_decimal = schema && schema->name == kDecimalName && value.is_bytes();
  if (target == Type::kString) {
    if (IsLogicalDateTime(schema) && value.is_int()) {
      return data::Value(FormatDateValue(LogicalMillis(*schema, value.as_int())));
    }
    if (is_decimal)
      return data::Value(JavaBigDecimalToString(value.as_bytes().data, ScaleOf(*schema)));
    if (value.is_bytes()) return data::Value(Base64Encode(value.as_bytes().data));
    if (value.is_bool()) return data::Value(value.as_bool() ? "true" : "false");
    if (value.is_int()) return data::Value(std::to_string(value.as_int()));
    if (value.is_double()) {
      bool is_float = schema && schema->type == Type::kFloat32;
      return data::Value(is_float ? JavaFloatToString(static_cast<float>(value.as_double()))
                                  : JavaDoubleToString(value.as_double()));
    }
    return value;  // string
  }

  if (is_decimal) {
    // BigDecimal's Number conversions: via its decimal text.
    std::string text = JavaBigDecimalToString(value.as_bytes().data, ScaleOf(*schema));
    double d = std::strtod(text.c_str(), nullptr);
    if (target == Type::kFloat32) return data::Value(static_cast<double>(static_cast<float>(d)));
    if (target == Type::kFloat64) return data::Value(d);
    if (target == Type::kBoolean) return data::Value(JavaD2L(d) != 0);
    return data::Value(Narrow(JavaD2L(std::trunc(d)), target));
  }
  if (value.is_bytes()) {
    return DataError("Unexpected type in Cast transformation: class [B");
  }
  if (value.is_int()) {
    int64_t v = value.as_int();
    switch (target) {
      case Type::kFloat32:
        return data::Value(static_cast<double>(static_cast<float>(v)));
      case Type::kFloat64:
        return data::Value(static_cast<double>(v));
      case Type::kBoolean:
        return data::Value(v != 0);
      default:
        return data::Value(Narrow(v, target));
    }
  }
  if (value.is_double()) {
    double d = value.as_double();
    switch (target) {
      case Type::kFloat32:
        return data::Value(static_cast<double>(static_cast<float>(d)));
      case Type::kFloat64:
        return data::Value(d);
      case Type::kBoolean:
        return data::Value(JavaD2L(d) != 0);
      case Type::kInt64:
        return data::Value(JavaD2L(d));
      default:
        return data::Value(Narrow(JavaD2I(d), target));
    }
  }
  if (value.is_bool()) {
    bool b = value.as_bool();
    switch (target) {
      case Type::kFloat32:
      case Type::kFloat64:
        return data::Value(b ? 1.0 : 0.0);
      case Type::kBoolean:
        return value;
      default:
        return data::Value(int64_t{b ? 1 : 0});
    }
  }
  // String input.
  const std::string& s = value.as_string();
  switch (target) {
    case Type::kBoolean:
      return data::Value(ToLower(s) == "true");
    case Type::kFloat32:
    case Type::kFloat64: {
      auto d = JavaParseDouble(s);
      if (!d) return out_of_range(s);
      return data::Value(target == Type::kFloat32 ? static_cast<double>(static_cast<float>(*d))
                                                  : *d);
    }
    default: {
      auto v = JavaParseInt(s, target);
      if (!v) return out_of_range(s);
      return data::Value(*v);
    }
  }
}

Result<std::unique_ptr<Transform>> Cast::Create(const TransformConfig& config, Operand operand) {
  auto t = std::unique_ptr<Cast>(new Cast());
  t->operand_ = operand;
  std::string spec = config.GetString("spec", "");
  auto items = config.GetList("spec");
  if (items.empty()) {
    return config.Invalid("spec", spec, "Must specify at least one field to cast.");
  }
  const char* allowed =
      "expected field:type pairs or a single type; types are int8, int16, "
      "int32, int64, float32, float64, boolean, string";
  for (const auto& item : items) {
    auto parts = SplitTrim(item, ':');
    if (parts.size() > 2) return config.Invalid("spec", spec, allowed);
    auto type = ParseOutputType(parts.back());
    if (!type) {
      return config.Invalid("spec", spec,
                            "Invalid type found in casting spec: " + parts.back() + "; " + allowed);
    }
    if (parts.size() == 1) {
      t->whole_value_ = *type;
    } else {
      t->casts_[parts[0]] = *type;
    }
  }
  if (t->whole_value_ && items.size() > 1) {
    return config.Invalid("spec", spec,
                          "Cast transformations that specify a type to cast the entire value to "
                          "may only specify a single cast in their spec");
  }
  return std::unique_ptr<Transform>(std::move(t));
}

Result<data::SchemaPtr> Cast::BuildSchema(const data::Schema& input) const {
  data::Schema out;
  if (whole_value_) {
    out = CopySchemaBasics(input, *whole_value_);
  } else {
    if (input.type != Type::kStruct) {
      return DataError(std::string("Only Struct objects supported for [cast types], found: ") +
                       data::TypeName(input.type));
    }
    out = CopySchemaBasics(input, Type::kStruct);
    for (const auto& f : input.fields) {
      auto it = casts_.find(f.name);
      if (it == casts_.end()) {
        out.fields.push_back(f);
        continue;
      }
      data::Schema fs;
      fs.type = it->second;
      fs.optional = f.schema->optional;
      if (f.schema->default_value) {
        WR_ASSIGN_OR_RETURN(data::Value d,
                            CastValue(f.schema.get(), *f.schema->default_value, it->second));
        fs.default_value = std::make_shared<const data::Value>(std::move(d));
      }
      out.fields.push_back({f.name, std::make_shared<const data::Schema>(std::move(fs))});
    }
  }
  out.optional = input.optional;
  if (input.default_value) {
    if (whole_value_) {
      WR_ASSIGN_OR_RETURN(data::Value d, CastValue(&input, *input.default_value, *whole_value_));
      out.default_value = std::make_shared<const data::Value>(std::move(d));
    } else {
      out.default_value = input.default_value;
    }
  }
  return std::make_shared<const data::Schema>(std::move(out));
}

Status Cast::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (value.is_null()) return Status::Ok();
  if (!schema) {
    if (whole_value_) {
      WR_ASSIGN_OR_RETURN(value, CastValue(nullptr, value, *whole_value_));
      return Status::Ok();
    }
    if (!value.is_map()) {
      return DataError("Only Map objects supported in absence of schema for [cast types], found: " +
                       ValueTypeName(value));
    }
    data::Map map = value.as_map();
    for (const auto& [field, type] : casts_) {
      const data::Value* v = MapGet(map, field);
      WR_ASSIGN_OR_RETURN(data::Value cast, CastValue(nullptr, v ? *v : data::Value(), type));
      MapPut(&map, field, std::move(cast));
    }
    value = data::Value(std::move(map));
    return Status::Ok();
  }
  const data::SchemaPtr* cached = cache_.Find(schema);
  data::SchemaPtr out_schema;
  if (cached) {
    out_schema = *cached;
  } else {
    WR_ASSIGN_OR_RETURN(out_schema, BuildSchema(*schema));
    cache_.Put(schema, out_schema);
  }
  if (whole_value_) {
    WR_ASSIGN_OR_RETURN(data::Value cast, CastValue(schema.get(), value, *whole_value_));
    value = std::move(cast);
    schema = out_schema;
    return Status::Ok();
  }
  if (!value.is_struct()) {
    return DataError("Only Struct objects supported for [cast types], found: " +
                     ValueTypeName(value));
  }
  const data::Struct& in = value.as_struct();
  data::Struct out{out_schema, in.values};
  for (size_t i = 0; i < schema->fields.size() && i < out.values.size(); ++i) {
    auto it = casts_.find(schema->fields[i].name);
    if (it == casts_.end()) continue;
    WR_ASSIGN_OR_RETURN(out.values[i],
                        CastValue(schema->fields[i].schema.get(), in.values[i], it->second));
  }
  schema = out_schema;
  value = data::Value(std::move(out));
  return Status::Ok();
}

}  // namespace walrelay::transforms
