#include "convert/string_converter.h"

#include <cstdint>

#include "common/java_format.h"
#include "convert/json_converter.h"
#include "convert/json_writer.h"

namespace walrelay::convert {
namespace {

using data::Schema;
using data::Type;
using data::Value;

constexpr std::string_view kDecimal = "org.apache.kafka.connect.data.Decimal";
constexpr std::string_view kDate = "org.apache.kafka.connect.data.Date";
constexpr std::string_view kTime = "org.apache.kafka.connect.data.Time";
constexpr std::string_view kTimestamp = "org.apache.kafka.connect.data.Timestamp";

void AppendTwoDigits(std::string* out, int64_t v) {
  out->push_back(static_cast<char>('0' + v / 10));
  out->push_back(static_cast<char>('0' + v % 10));
}

// java.util.Date.toString ("EEE MMM dd HH:mm:ss zzz yyyy") of `epoch_ms`, in UTC.
void AppendJavaDate(std::string* out, int64_t epoch_ms) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const int64_t days = FloorDiv(epoch_ms, 86'400'000);
  const int64_t ms_of_day = epoch_ms - days * 86'400'000;
  const CivilDate date = CivilFromDays(days);
  const int64_t day = date.day, month = date.month, year = date.year;
  const int64_t weekday = days - FloorDiv(days + 4, 7) * 7 + 4;  // 1970-01-01 was a Thursday
  out->append(kDays[weekday % 7]);
  out->push_back(' ');
  out->append(kMonths[month - 1]);
  out->push_back(' ');
  AppendTwoDigits(out, day);
  out->push_back(' ');
  AppendTwoDigits(out, ms_of_day / 3'600'000);
  out->push_back(':');
  AppendTwoDigits(out, ms_of_day / 60'000 % 60);
  out->push_back(':');
  AppendTwoDigits(out, ms_of_day / 1000 % 60);
  out->append(" UTC ");
  out->append(std::to_string(year));
}

}  // namespace

Status AppendJavaToString(const Schema* schema, const Value& value, std::string* out) {
  if (value.is_null()) {
    out->append("null");
    return Status::Ok();
  }
  const std::string_view name = schema != nullptr ? std::string_view(schema->name) : "";
  if (value.is_bool()) {
    AppendJsonBool(out, value.as_bool());
  } else if (value.is_int()) {
    if (name == kDate) {
      AppendJavaDate(out, value.as_int() * 86'400'000);
    } else if (name == kTime || name == kTimestamp) {
      AppendJavaDate(out, value.as_int());
    } else {
      AppendJsonInt(out, value.as_int());
    }
  } else if (value.is_double()) {
    if (schema != nullptr && schema->type == Type::kFloat32) {
      AppendJavaFloat(out, static_cast<float>(value.as_double()));
    } else {
      AppendJavaDouble(out, value.as_double());
    }
  } else if (value.is_string()) {
    out->append(value.as_string());
  } else if (value.is_bytes()) {
    if (name == kDecimal) {
      // decimal.format=NUMERIC writes BigDecimal.toString, the text wanted here. The schema is
      // borrowed for the call (an aliasing pointer that owns nothing).
      const JsonConverter numeric(/*schemas_enable=*/false, /*decimal_format_numeric=*/true);
      return numeric.Serialize(data::SchemaPtr(data::SchemaPtr(), schema), value, out);
    }
    const std::string n = std::to_string(value.as_bytes().data.size());
    out->append("java.nio.HeapByteBuffer[pos=0 lim=" + n + " cap=" + n + "]");
  } else if (value.is_array()) {
    const Schema* items = schema != nullptr ? schema->value_schema.get() : nullptr;
    out->push_back('[');
    bool first = true;
    for (const Value& v : value.as_array()) {
      if (!first) out->append(", ");
      first = false;
      WR_RETURN_IF_ERROR(AppendJavaToString(items, v, out));
    }
    out->push_back(']');
  } else if (value.is_map()) {
    const Schema* keys = schema != nullptr ? schema->key_schema.get() : nullptr;
    const Schema* values = schema != nullptr ? schema->value_schema.get() : nullptr;
    out->push_back('{');
    bool first = true;
    for (const auto& [k, v] : value.as_map()) {
      if (!first) out->append(", ");
      first = false;
      WR_RETURN_IF_ERROR(AppendJavaToString(keys, k, out));
      out->push_back('=');
      WR_RETURN_IF_ERROR(AppendJavaToString(values, v, out));
    }
    out->push_back('}');
  } else {
    const data::Struct& s = value.as_struct();
    out->append("Struct{");
    bool first = true;
    for (size_t i = 0; i < s.values.size(); ++i) {
      if (s.values[i].is_null()) continue;
      if (!first) out->push_back(',');
      first = false;
      const data::Field* field =
          s.schema != nullptr && i < s.schema->fields.size() ? &s.schema->fields[i] : nullptr;
      out->append(field != nullptr ? field->name : std::to_string(i));
      out->push_back('=');
      WR_RETURN_IF_ERROR(
          AppendJavaToString(field != nullptr ? field->schema.get() : nullptr, s.values[i], out));
    }
    out->push_back('}');
  }
  return Status::Ok();
}

Result<bool> StringConverter::Serialize(std::string_view /*topic*/, bool /*is_key*/,
                                        const data::SchemaPtr& schema, const Value& value,
                                        std::string* out) {
  if (value.is_null()) return false;
  WR_RETURN_IF_ERROR(AppendJavaToString(schema.get(), value, out));
  return true;
}

std::string DecodeUtf8Lossy(std::string_view bytes) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char b = p[i];
    if (b < 0x80) {
      out.push_back(static_cast<char>(b));
      ++i;
      continue;
    }
    // The sequence length the lead byte announces, and the range its second byte must fall in
    // (narrower after E0, ED, F0, F4: no overlong forms, surrogates or values past U+10FFFF).
    size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      len = 2;
    } else if (b >= 0xE0 && b <= 0xEF) {
      len = 3;
      if (b == 0xE0) lo = 0xA0;
      if (b == 0xED) hi = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      len = 4;
      if (b == 0xF0) lo = 0x90;
      if (b == 0xF4) hi = 0x8F;
    }
    if (len == 0) {  // a continuation byte or a lead byte no valid sequence starts with
      out.append(kReplacement);
      ++i;
      continue;
    }
    // The maximal subpart: as many bytes as still form a valid prefix.
    size_t k = 1;
    while (k < len && i + k < n) {
      const unsigned char c = p[i + k];
      const bool ok = k == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
      if (!ok) break;
      ++k;
    }
    if (k == len) {
      out.append(bytes.substr(i, len));
    } else {
      out.append(kReplacement);
    }
    i += k;
  }
  return out;
}

Result<SchemaAndValue> StringConverter::Deserialize(std::string_view /*topic*/, bool /*is_key*/,
                                                    std::optional<std::string_view> bytes) {
  SchemaAndValue out{data::PrimitiveSchema(Type::kString, /*optional=*/true), Value()};
  if (bytes) out.value = Value(DecodeUtf8Lossy(*bytes));
  return out;
}

}  // namespace walrelay::convert
