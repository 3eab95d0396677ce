#include "transforms/timestamp_converter.h"

#include "common/java_format.h"

namespace walrelay::transforms {

namespace {

data::SchemaPtr LogicalSchema(std::string_view name, data::Type type, bool optional) {
  return data::SchemaBuilder(type).Name(std::string(name)).Version(1).Optional(optional).Build();
}

}  // namespace

Result<std::unique_ptr<Transform>> TimestampConverter::Create(const TransformConfig& config,
                                                              Operand operand) {
  auto t = std::unique_ptr<TimestampConverter>(new TimestampConverter());
  t->operand_ = operand;
  t->field_ = config.GetString("field", "");
  WR_ASSIGN_OR_RETURN(
      std::string target,
      config.GetRequired("target.type", "one of string, unix, Date, Time, Timestamp"));
  if (target == "string") {
    t->target_ = Kind::kString;
  } else if (target == "unix") {
    t->target_ = Kind::kUnix;
  } else if (target == "Date") {
    t->target_ = Kind::kDate;
  } else if (target == "Time") {
    t->target_ = Kind::kTime;
  } else if (target == "Timestamp") {
    t->target_ = Kind::kTimestamp;
  } else {
    return config.Invalid("target.type", target,
                          "must be one of string, unix, Date, Time, Timestamp");
  }
  std::string format = config.GetString("format", "");
  if (t->target_ == Kind::kString && format.empty()) {
    return config.Invalid("format", format,
                          "TimestampConverter requires format option to be specified when using "
                          "string timestamps");
  }
  if (!format.empty()) {
    auto f = DateFormat::Compile(format);
    if (!f.ok()) return config.Invalid("format", format, f.status().message());
    t->format_ = std::move(f).value();
  }
  WR_ASSIGN_OR_RETURN(t->precision_,
                      config.GetEnum("unix.precision", "milliseconds",
                                     {"nanoseconds", "microseconds", "milliseconds", "seconds"}));
  return std::unique_ptr<Transform>(std::move(t));
}

Result<int64_t> TimestampConverter::ToMillis(const data::Value& value, Kind kind) const {
  switch (kind) {
    case Kind::kString:
      if (!value.is_string()) {
        return DataError("Expected string timestamp to be a String, but found " +
                         ValueTypeName(value));
      }
      if (!format_) {
        return DataError("TimestampConverter requires format option to parse string timestamps");
      }
      return format_->Parse(value.as_string());
    case Kind::kUnix: {
      if (!value.is_int()) {
        return DataError("Expected Unix timestamp to be a Long, but found " + ValueTypeName(value));
      }
      int64_t v = value.as_int();
      if (precision_ == "seconds") return v * 1000;
      if (precision_ == "microseconds") return v / 1000;
      if (precision_ == "nanoseconds") return v / 1000000;
      return v;
    }
    case Kind::kDate:
      if (!value.is_int()) return DataError("Expected Date to be an integer number of days");
      return value.as_int() * kMillisPerDay;
    case Kind::kTime:
    case Kind::kTimestamp:
      if (!value.is_int()) return DataError("Expected Time/Timestamp to be an integer of millis");
      return value.as_int();
  }
  return DataError("unknown timestamp kind");
}

data::Value TimestampConverter::FromMillis(int64_t ms) const {
  switch (target_) {
    case Kind::kString:
      return data::Value(format_->Format(ms));
    case Kind::kUnix:
      if (precision_ == "seconds") return data::Value(ms / 1000);
      if (precision_ == "microseconds") return data::Value(ms * 1000);
      if (precision_ == "nanoseconds") return data::Value(ms * 1000000);
      return data::Value(ms);
    case Kind::kDate:
      return data::Value(FloorDiv(ms, kMillisPerDay));
    case Kind::kTime:
      return data::Value(FloorMod(ms, kMillisPerDay));
    case Kind::kTimestamp:
      return data::Value(ms);
  }
  return data::Value();
}

data::SchemaPtr TimestampConverter::TargetSchema(bool optional) const {
  switch (target_) {
    case Kind::kString:
      return data::PrimitiveSchema(data::Type::kString, optional);
    case Kind::kUnix:
      return data::PrimitiveSchema(data::Type::kInt64, optional);
    case Kind::kDate:
      return LogicalSchema(kDateName, data::Type::kInt32, optional);
    case Kind::kTime:
      return LogicalSchema(kTimeName, data::Type::kInt32, optional);
    case Kind::kTimestamp:
      return LogicalSchema(kTimestampName, data::Type::kInt64, optional);
  }
  return nullptr;
}

Result<data::Value> TimestampConverter::Convert(const data::Schema* schema,
                                                const data::Value& value) const {
  if (value.is_null()) return data::Value();
  Kind kind;
  if (schema) {
    if (schema->name == kTimestampName) {
      kind = Kind::kTimestamp;
    } else if (schema->name == kDateName) {
      kind = Kind::kDate;
    } else if (schema->name == kTimeName) {
      kind = Kind::kTime;
    } else if (schema->type == data::Type::kString) {
      kind = Kind::kString;
    } else if (schema->type == data::Type::kInt64) {
      kind = Kind::kUnix;
    } else {
      return DataError(std::string("Schema ") + data::TypeName(schema->type) +
                       (schema->name.empty() ? "" : " " + schema->name) +
                       " does not correspond to a known timestamp type format");
    }
  } else if (value.is_int()) {
    kind = Kind::kUnix;
  } else if (value.is_string()) {
    kind = Kind::kString;
  } else {
    return DataError("TimestampConverter does not support " + ValueTypeName(value) +
                     " objects as timestamps");
  }
  WR_ASSIGN_OR_RETURN(int64_t ms, ToMillis(value, kind));
  return FromMillis(ms);
}

Status TimestampConverter::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (!schema) {
    if (value.is_null() || field_.empty()) {
      WR_ASSIGN_OR_RETURN(value, Convert(nullptr, value));
      return Status::Ok();
    }
    if (!value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [converting timestamp "
          "formats], found: " +
          ValueTypeName(value));
    }
    data::Map map = value.as_map();
    const data::Value* v = MapGet(map, field_);
    WR_ASSIGN_OR_RETURN(data::Value converted, Convert(nullptr, v ? *v : data::Value()));
    MapPut(&map, field_, std::move(converted));
    value = data::Value(std::move(map));
    return Status::Ok();
  }
  if (field_.empty()) {
    WR_ASSIGN_OR_RETURN(data::Value converted, Convert(schema.get(), value));
    value = std::move(converted);
    schema = TargetSchema(schema->optional);
    return Status::Ok();
  }
  if (!value.is_null() && !value.is_struct()) {
    return DataError("Only Struct objects supported for [converting timestamp formats], found: " +
                     ValueTypeName(value));
  }
  const data::SchemaPtr* cached = cache_.Find(schema);
  data::SchemaPtr out_schema;
  if (cached) {
    out_schema = *cached;
  } else {
    data::Schema out = CopySchemaBasics(*schema, data::Type::kStruct);
    for (const auto& f : schema->fields) {
      out.fields.push_back(f.name == field_ ? data::Field{f.name, TargetSchema(f.schema->optional)}
                                            : f);
    }
    out.optional = schema->optional;
    out_schema = cache_.Put(schema, std::make_shared<const data::Schema>(std::move(out)));
  }
  if (!value.is_null()) {
    const data::Struct& in = value.as_struct();
    data::Struct out{out_schema, in.values};
    int i = schema->FieldIndex(field_);
    if (i >= 0 && static_cast<size_t>(i) < out.values.size()) {
      auto idx = static_cast<size_t>(i);
      WR_ASSIGN_OR_RETURN(out.values[idx],
                          Convert(schema->fields[idx].schema.get(), in.values[idx]));
    }
    value = data::Value(std::move(out));
  }
  schema = out_schema;
  return Status::Ok();
}

}  // namespace walrelay::transforms
