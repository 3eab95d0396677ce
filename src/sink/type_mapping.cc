#include "sink/type_mapping.h"

#include <charconv>
#include <cmath>
#include <string_view>

#include "common/java_format.h"
#include "common/strings.h"

namespace walrelay::sink {
namespace {

using data::Schema;
using data::Type;
using data::Value;

constexpr std::string_view kConnectDecimal = "org.apache.kafka.connect.data.Decimal";
constexpr std::string_view kConnectDate = "org.apache.kafka.connect.data.Date";
constexpr std::string_view kConnectTime = "org.apache.kafka.connect.data.Time";
constexpr std::string_view kConnectTimestamp = "org.apache.kafka.connect.data.Timestamp";
constexpr std::string_view kDbzDate = "io.debezium.time.Date";
constexpr std::string_view kDbzTime = "io.debezium.time.Time";
constexpr std::string_view kDbzMicroTime = "io.debezium.time.MicroTime";
constexpr std::string_view kDbzNanoTime = "io.debezium.time.NanoTime";
constexpr std::string_view kDbzTimestamp = "io.debezium.time.Timestamp";
constexpr std::string_view kDbzMicroTimestamp = "io.debezium.time.MicroTimestamp";
constexpr std::string_view kDbzNanoTimestamp = "io.debezium.time.NanoTimestamp";
constexpr std::string_view kDbzZonedTimestamp = "io.debezium.time.ZonedTimestamp";
constexpr std::string_view kDbzZonedTime = "io.debezium.time.ZonedTime";
constexpr std::string_view kDbzYear = "io.debezium.time.Year";
constexpr std::string_view kDbzMicroDuration = "io.debezium.time.MicroDuration";
constexpr std::string_view kDbzInterval = "io.debezium.time.Interval";
constexpr std::string_view kDbzJson = "io.debezium.data.Json";
constexpr std::string_view kDbzUuid = "io.debezium.data.Uuid";
constexpr std::string_view kDbzXml = "io.debezium.data.Xml";
constexpr std::string_view kDbzEnum = "io.debezium.data.Enum";
constexpr std::string_view kDbzEnumSet = "io.debezium.data.EnumSet";
constexpr std::string_view kDbzVariableScaleDecimal = "io.debezium.data.VariableScaleDecimal";

Status Mismatch(const Schema& schema, const Value& value) {
  std::string type = schema.name.empty() ? data::TypeName(schema.type) : schema.name;
  return DataError("value " + value.DebugString() + " does not match schema type " + type);
}

int64_t Pow10(int digits) {
  int64_t p = 1;
  for (int i = 0; i < digits; ++i) p *= 10;
  return p;
}

void AppendPadded(std::string& out, int64_t v, int width) {
  std::string digits = std::to_string(v);
  if (static_cast<int>(digits.size()) < width) out.append(width - digits.size(), '0');
  out += digits;
}

// "HH:MM:SS" plus `digits` fraction digits of `frac`.
void AppendClock(std::string& out, int64_t seconds, int64_t frac, int digits) {
  AppendPadded(out, seconds / 3600, 2);
  out += ':';
  AppendPadded(out, seconds / 60 % 60, 2);
  out += ':';
  AppendPadded(out, seconds % 60, 2);
  if (digits > 0) {
    out += '.';
    AppendPadded(out, frac, digits);
  }
}

std::string FormatFloat(double v, bool single) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto res = single ? std::to_chars(buf, buf + sizeof(buf), static_cast<float>(v))
                    : std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

// Quotes one element of an array literal: "..." with \ and " escaped.
void AppendArrayElement(std::string& out, const std::string& text) {
  out += '"';
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

Result<int32_t> DecimalScale(const Schema& schema) {
  const std::string* s = schema.Parameter("scale");
  if (!s) return 0;
  int32_t scale = 0;
  auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), scale);
  if (ec != std::errc() || p != s->data() + s->size()) {
    return DataError("Decimal schema has a malformed scale parameter '" + *s + "'");
  }
  return scale;
}

Result<std::string> RenderNonNull(const Schema& schema, const Value& v);

Result<std::string> RenderArray(const Schema& schema, const Value& v) {
  if (!v.is_array()) return Mismatch(schema, v);
  if (!schema.value_schema) return DataError("array schema without an item schema");
  const Schema& item = *schema.value_schema;
  std::string out = "{";
  bool first = true;
  for (const Value& e : v.as_array()) {
    if (!first) out += ',';
    first = false;
    if (e.is_null()) {
      out += "NULL";
      continue;
    }
    WR_ASSIGN_OR_RETURN(std::string text, RenderNonNull(item, e));
    if (item.type == Type::kArray) {
      out += text;  // a nested dimension: its braces are syntax, not data
    } else {
      AppendArrayElement(out, text);
    }
  }
  out += '}';
  return out;
}

Result<std::string> RenderNonNull(const Schema& schema, const Value& v) {
  const std::string& name = schema.name;
  if (!name.empty()) {
    if (name == kConnectDecimal) {
      if (!v.is_bytes()) return Mismatch(schema, v);
      WR_ASSIGN_OR_RETURN(int32_t scale, DecimalScale(schema));
      return JavaBigDecimalToPlainString(v.as_bytes().data, scale);
    }
    if (name == kDbzVariableScaleDecimal) {
      if (!v.is_struct()) return Mismatch(schema, v);
      const data::Struct& s = v.as_struct();
      const Value* scale = s.Get("scale");
      const Value* unscaled = s.Get("value");
      if (!scale || !unscaled || !scale->is_int() || !unscaled->is_bytes()) {
        return DataError("VariableScaleDecimal value " + v.DebugString() +
                         " lacks an int scale and bytes value");
      }
      return JavaBigDecimalToPlainString(unscaled->as_bytes().data,
                                         static_cast<int32_t>(scale->as_int()));
    }
    if (v.is_int()) {
      int64_t n = v.as_int();
      if (name == kConnectDate || name == kDbzDate) return FormatDate(n);
      if (name == kConnectTime || name == kDbzTime) return FormatTime(n, 3);
      if (name == kDbzMicroTime) return FormatTime(n, 6);
      if (name == kDbzNanoTime) return FormatTime(n, 9);
      if (name == kConnectTimestamp || name == kDbzTimestamp) return FormatTimestamp(n, 3);
      if (name == kDbzMicroTimestamp) return FormatTimestamp(n, 6);
      if (name == kDbzNanoTimestamp) return FormatTimestamp(n, 9);
      if (name == kDbzMicroDuration) return std::to_string(n) + " microseconds";
    }
  }
  switch (schema.type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      if (!v.is_int()) return Mismatch(schema, v);
      return std::to_string(v.as_int());
    case Type::kFloat32:
    case Type::kFloat64:
      if (v.is_double()) return FormatFloat(v.as_double(), schema.type == Type::kFloat32);
      if (v.is_int()) return std::to_string(v.as_int());
      return Mismatch(schema, v);
    case Type::kBoolean:
      if (!v.is_bool()) return Mismatch(schema, v);
      return std::string(v.as_bool() ? "true" : "false");
    case Type::kString:
      if (!v.is_string()) return Mismatch(schema, v);
      // libpq passes text parameters as C strings: a NUL would silently truncate the value.
      if (v.as_string().find('\0') != std::string::npos) {
        return DataError(
            "string value contains a NUL character, which PostgreSQL text cannot "
            "store");
      }
      return v.as_string();
    case Type::kBytes: {
      if (!v.is_bytes()) return Mismatch(schema, v);
      static constexpr char kHex[] = "0123456789abcdef";
      const std::string& b = v.as_bytes().data;
      std::string out = "\\x";
      out.reserve(2 + b.size() * 2);
      for (unsigned char c : b) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out;
    }
    case Type::kArray:
      return RenderArray(schema, v);
    case Type::kMap:
    case Type::kStruct:
      break;
  }
  return DataError("cannot write a " + std::string(data::TypeName(schema.type)) +
                   (name.empty() ? "" : " (" + name + ")") + " value to a PostgreSQL column");
}

}  // namespace

std::string FormatDate(int64_t days) {
  const CivilDate date = CivilFromDays(days);
  const int64_t y = date.year;
  std::string out;
  AppendPadded(out, y > 0 ? y : 1 - y, 4);  // no year 0: 1 BC precedes 1 AD
  out += '-';
  AppendPadded(out, date.month, 2);
  out += '-';
  AppendPadded(out, date.day, 2);
  if (y <= 0) out += " BC";
  return out;
}

std::string FormatTimestamp(int64_t ticks, int digits) {
  const int64_t per_second = Pow10(digits);
  const int64_t per_day = per_second * 86400;
  int64_t days = FloorDiv(ticks, per_day);
  int64_t in_day = ticks - days * per_day;
  std::string date = FormatDate(days);
  bool bc = date.size() > 3 && date.compare(date.size() - 3, 3, " BC") == 0;
  if (bc) date.resize(date.size() - 3);
  std::string out = std::move(date);
  out += ' ';
  AppendClock(out, in_day / per_second, in_day % per_second, digits);
  if (bc) out += " BC";
  return out;
}

std::string FormatTime(int64_t ticks, int digits) {
  const int64_t per_second = Pow10(digits);
  if (ticks < 0) ticks = 0;
  std::string out;
  AppendClock(out, ticks / per_second, ticks % per_second, digits);
  return out;
}

namespace {

constexpr std::string_view kSourceColumnType = "__debezium.source.column.type";
constexpr std::string_view kSourceColumnLength = "__debezium.source.column.length";
constexpr std::string_view kSourceColumnScale = "__debezium.source.column.scale";
constexpr int64_t kMaxVarcharLength = 10485760;  // PostgreSQL's limit for varchar(n)

// The integer value of parameter `key`, or nullopt when absent or not an integer.
std::optional<int64_t> IntParameter(const Schema& schema, std::string_view key) {
  const std::string* text = schema.Parameter(key);
  if (text == nullptr) return std::nullopt;
  int64_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size()) return std::nullopt;
  return v;
}

// The column type Debezium's JDBC sink derives from the source column's type that Debezium's
// source connectors put in a field's parameters with column.propagate.source.type or
// datatype.propagate.source.type; nullopt when there is none or it changes nothing. As Debezium
// resolves a type: a logical type by its name first, then the source type, then the Connect type.
std::optional<std::string> PropagatedColumnType(const Schema& schema) {
  const std::string* type = schema.Parameter(kSourceColumnType);
  if (type == nullptr) return std::nullopt;
  const std::string source = ToUpper(*type);
  const std::string& n = schema.name;
  const int64_t length = IntParameter(schema, kSourceColumnLength).value_or(0);
  if (n.empty() && schema.type == Type::kString) {
    if (source == "INET" || source == "CIDR" || source == "MACADDR") return ToLower(source);
    if (source == "CHAR" || source == "CHARACTER" || source == "BPCHAR") {
      return "char(" + std::to_string(length > 0 ? length : 1) + ")";
    }
    if ((source == "VARCHAR" || source == "CHARACTER VARYING") && length > 0 &&
        length <= kMaxVarcharLength) {
      return "varchar(" + std::to_string(length) + ")";
    }
    return std::nullopt;
  }
  if (n == kDbzJson) {
    if (source == "JSONB") return std::string("jsonb");
    return std::nullopt;
  }
  // Temporal types keep the source's fractional digits (the scale, else the length) when they
  // are 1 to 6; 0 and anything else leave PostgreSQL's default, 6, as Debezium does.
  const char* temporal = nullptr;
  if (n == kConnectTime || n == kDbzTime || n == kDbzMicroTime || n == kDbzNanoTime) {
    temporal = "time";
  } else if (n == kConnectTimestamp || n == kDbzTimestamp || n == kDbzMicroTimestamp ||
             n == kDbzNanoTimestamp) {
    temporal = "timestamp";
  } else if (n == kDbzZonedTimestamp) {
    temporal = "timestamptz";
  } else if (n == kDbzZonedTime) {
    temporal = "timetz";
  }
  if (temporal == nullptr) return std::nullopt;
  const int64_t precision = IntParameter(schema, kSourceColumnScale).value_or(length);
  if (precision < 1 || precision > 6) return std::nullopt;
  return std::string(temporal) + "(" + std::to_string(precision) + ")";
}

}  // namespace

Result<std::string> PgColumnType(const Schema& schema, bool use_source_type) {
  if (use_source_type) {
    if (std::optional<std::string> propagated = PropagatedColumnType(schema)) return *propagated;
  }
  const std::string& n = schema.name;
  if (!n.empty()) {
    if (n == kConnectDecimal) {
      const std::string* precision = schema.Parameter("connect.decimal.precision");
      const std::string* scale = schema.Parameter("scale");
      if (precision && scale) return "numeric(" + *precision + "," + *scale + ")";
      // As Debezium's JDBC sink (ConnectDecimalType): a scale without a precision (money, say)
      // gets the dialect's default precision, 38 for PostgreSQL, so the scale is kept.
      if (scale && *scale != "0") return "numeric(38," + *scale + ")";
      return std::string("numeric");
    }
    if (n == kDbzVariableScaleDecimal) return std::string("numeric");
    if (n == kConnectDate || n == kDbzDate) return std::string("date");
    if (n == kConnectTime || n == kDbzTime || n == kDbzMicroTime || n == kDbzNanoTime) {
      return std::string("time");
    }
    if (n == kConnectTimestamp || n == kDbzTimestamp || n == kDbzMicroTimestamp ||
        n == kDbzNanoTimestamp) {
      return std::string("timestamp");
    }
    if (n == kDbzZonedTimestamp) return std::string("timestamptz");
    if (n == kDbzZonedTime) return std::string("timetz");
    if (n == kDbzYear) return std::string("integer");
    if (n == kDbzMicroDuration || n == kDbzInterval) return std::string("interval");
    // json, not jsonb, as Debezium's JDBC sink creates for both: the text is kept as written.
    if (n == kDbzJson) return std::string("json");
    if (n == kDbzUuid) return std::string("uuid");
    if (n == kDbzXml) return std::string("xml");
    if (n == kDbzEnum || n == kDbzEnumSet) return std::string("text");
  }
  switch (schema.type) {
    case Type::kInt8:
    case Type::kInt16:
      return std::string("smallint");
    case Type::kInt32:
      return std::string("integer");
    case Type::kInt64:
      return std::string("bigint");
    case Type::kFloat32:
      return std::string("real");
    case Type::kFloat64:
      return std::string("double precision");
    case Type::kBoolean:
      return std::string("boolean");
    case Type::kString:
      return std::string("text");
    case Type::kBytes:
      return std::string("bytea");
    case Type::kArray: {
      if (!schema.value_schema) return DataError("array schema without an item schema");
      WR_ASSIGN_OR_RETURN(std::string item, PgColumnType(*schema.value_schema, use_source_type));
      return item + "[]";
    }
    case Type::kMap:
    case Type::kStruct:
      break;
  }
  return DataError("no PostgreSQL column type for a Connect " +
                   std::string(data::TypeName(schema.type)) + (n.empty() ? "" : " (" + n + ")") +
                   " field");
}

Result<std::optional<std::string>> RenderValue(const Schema& schema, const Value& value) {
  if (value.is_null()) return std::optional<std::string>();
  WR_ASSIGN_OR_RETURN(std::string text, RenderNonNull(schema, value));
  return std::optional<std::string>(std::move(text));
}

}  // namespace walrelay::sink
