#include "transforms/mask_field.h"

#include "transforms/cast.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Transform>> MaskField::Create(const TransformConfig& config,
                                                     Operand operand) {
  auto t = std::unique_ptr<MaskField>(new MaskField());
  t->operand_ = operand;
  for (const auto& f : config.GetList("fields")) t->fields_.insert(f);
  if (t->fields_.empty()) {
    return config.Invalid("fields", config.GetString("fields", ""),
                          "a non-empty list of field names to mask");
  }
  if (auto r = config.Get("replacement")) {
    if (r->empty()) return config.Invalid("replacement", *r, "String must be non-empty");
    t->replacement_ = *r;
  }
  return std::unique_ptr<Transform>(std::move(t));
}

Result<data::Value> MaskField::Mask(const data::Schema* schema, const data::Value& value) const {
  if (value.is_null()) return data::Value();
  bool decimal = schema && schema->name == kDecimalName;
  if (!replacement_) {
    if (value.is_bool()) return data::Value(false);
    if (value.is_int()) return data::Value(int64_t{0});
    if (value.is_double()) return data::Value(0.0);
    if (value.is_string()) return data::Value("");
    if (value.is_bytes()) return data::Value(data::Bytes{decimal ? std::string(1, '\0') : ""});
    if (value.is_array()) return data::Value(data::Array{});
    if (value.is_map()) return data::Value(data::Map{});
    return DataError("Cannot mask value of type: class org.apache.kafka.connect.data.Struct");
  }
  if (value.is_string()) return data::Value(*replacement_);
  if ((value.is_int() || value.is_double()) && !decimal) {
    // Parsed as the value's own type; schemaless integers are Longs, floats Doubles.
    data::Type type =
        schema ? schema->type : (value.is_int() ? data::Type::kInt64 : data::Type::kFloat64);
    auto parsed = Cast::CastValue(nullptr, data::Value(*replacement_), type);
    if (!parsed.ok()) {
      return DataError("Unable to convert " + *replacement_ + " (" + *replacement_ + ") to number");
    }
    return parsed;
  }
  return DataError("Cannot mask value of type " + ValueTypeName(value) +
                   " with custom replacement.");
}

Status MaskField::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (value.is_null()) return Status::Ok();
  if (!schema) {
    if (!value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [mask fields], "
          "found: " +
          ValueTypeName(value));
    }
    data::Map map = value.as_map();
    for (auto& [k, v] : map) {
      if (k.is_string() && fields_.count(k.as_string())) {
        WR_ASSIGN_OR_RETURN(v, Mask(nullptr, v));
      }
    }
    value = data::Value(std::move(map));
    return Status::Ok();
  }
  if (!value.is_struct()) {
    return DataError("Only Struct objects supported for [mask fields], found: " +
                     ValueTypeName(value));
  }
  data::Struct& s = value.mutable_struct();
  for (size_t i = 0; i < schema->fields.size() && i < s.values.size(); ++i) {
    if (!fields_.count(schema->fields[i].name)) continue;
    WR_ASSIGN_OR_RETURN(s.values[i], Mask(schema->fields[i].schema.get(), s.values[i]));
  }
  return Status::Ok();
}

}  // namespace walrelay::transforms
