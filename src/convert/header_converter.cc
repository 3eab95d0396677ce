#include "convert/header_converter.h"

#include "common/java_format.h"

namespace walrelay::convert {
namespace {

constexpr int64_t kMillisPerDay = 86400000;

void AppendQuoted(std::string* out, std::string_view s) {
  *out += '"';
  for (char c : s) {
    if (c == '\\' || c == '"') *out += '\\';
    *out += c;
  }
  *out += '"';
}

// java.util.Date as Values.dateFormatFor picks the pattern: a time before the first day's end,
// a date on a midnight, else a timestamp.
void AppendJavaDate(std::string* out, int64_t millis) {
  const int64_t day = FloorDiv(millis, kMillisPerDay);
  const int64_t ms_of_day = FloorMod(millis, kMillisPerDay);
  if (millis >= 0 && millis < kMillisPerDay) {
    AppendIsoTime(out, ms_of_day * 1000000, 3);
    *out += 'Z';
  } else if (ms_of_day == 0) {
    AppendIsoDate(out, CivilFromDays(day));
  } else {
    AppendIsoDate(out, CivilFromDays(day));
    *out += 'T';
    AppendIsoTime(out, ms_of_day * 1000000, 3);
    *out += 'Z';
  }
}

Status Append(std::string* out, const data::Schema* schema, const data::Value& value,
              bool embedded) {
  using data::Type;
  if (value.is_null()) {
    *out += "null";
    return Status::Ok();
  }
  const std::string empty;
  const std::string& name = schema != nullptr ? schema->name : empty;
  if (name == "org.apache.kafka.connect.data.Decimal" && value.is_bytes()) {
    const std::string* scale = schema->Parameter("scale");
    int32_t s = scale != nullptr ? std::atoi(scale->c_str()) : 0;
    *out += JavaBigDecimalToString(value.as_bytes().data, s);
    return Status::Ok();
  }
  if (value.is_int() && (name == "org.apache.kafka.connect.data.Date" ||
                         name == "org.apache.kafka.connect.data.Time" ||
                         name == "org.apache.kafka.connect.data.Timestamp")) {
    int64_t millis = value.as_int();
    if (name == "org.apache.kafka.connect.data.Date") millis *= kMillisPerDay;
    AppendJavaDate(out, millis);
    return Status::Ok();
  }
  if (value.is_bool()) {
    *out += value.as_bool() ? "true" : "false";
  } else if (value.is_int()) {
    *out += std::to_string(value.as_int());
  } else if (value.is_double()) {
    if (schema != nullptr && schema->type == Type::kFloat32) {
      AppendJavaFloat(out, static_cast<float>(value.as_double()));
    } else {
      AppendJavaDouble(out, value.as_double());
    }
  } else if (value.is_string()) {
    if (embedded) {
      AppendQuoted(out, value.as_string());
    } else {
      *out += value.as_string();
    }
  } else if (value.is_bytes()) {
    std::string b64 = Base64Encode(value.as_bytes().data);
    *out += embedded ? "\"" + b64 + "\"" : b64;
  } else if (value.is_array()) {
    const data::Schema* items = schema != nullptr ? schema->value_schema.get() : nullptr;
    *out += '[';
    bool first = true;
    for (const data::Value& v : value.as_array()) {
      if (!first) *out += ',';
      first = false;
      WR_RETURN_IF_ERROR(Append(out, items, v, true));
    }
    *out += ']';
  } else if (value.is_map()) {
    const data::Schema* keys = schema != nullptr ? schema->key_schema.get() : nullptr;
    const data::Schema* values = schema != nullptr ? schema->value_schema.get() : nullptr;
    *out += '{';
    bool first = true;
    for (const auto& [k, v] : value.as_map()) {
      if (!first) *out += ',';
      first = false;
      WR_RETURN_IF_ERROR(Append(out, keys, k, true));
      *out += ':';
      WR_RETURN_IF_ERROR(Append(out, values, v, true));
    }
    *out += '}';
  } else if (value.is_struct()) {
    const data::Struct& st = value.as_struct();
    if (st.schema == nullptr || st.schema->fields.size() != st.values.size()) {
      return DataError("header struct value does not match its schema");
    }
    *out += '{';
    for (size_t i = 0; i < st.values.size(); ++i) {
      if (i > 0) *out += ',';
      AppendQuoted(out, st.schema->fields[i].name);
      *out += ':';
      WR_RETURN_IF_ERROR(Append(out, st.schema->fields[i].schema.get(), st.values[i], true));
    }
    *out += '}';
  } else {
    return DataError("Failed to serialize unexpected header value " + value.DebugString());
  }
  return Status::Ok();
}

}  // namespace

Result<std::optional<std::string>> SimpleHeaderBytes(const data::Header& header) {
  if (header.value.is_null()) return std::optional<std::string>();
  std::string out;
  Status s = Append(&out, header.schema.get(), header.value, false);
  if (!s.ok()) return s.WithContext("header " + header.key);
  return std::optional<std::string>(std::move(out));
}

}  // namespace walrelay::convert
