#include "transforms/extract_field.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Transform>> ExtractField::Create(const TransformConfig& config,
                                                        Operand operand) {
  auto t = std::unique_ptr<ExtractField>(new ExtractField());
  t->operand_ = operand;
  WR_ASSIGN_OR_RETURN(t->field_, config.GetRequired("field", "the field name to extract"));
  return std::unique_ptr<Transform>(std::move(t));
}

Status ExtractField::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (!schema) {
    if (value.is_null()) return Status::Ok();
    if (!value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [field extraction], "
          "found: " +
          ValueTypeName(value));
    }
    const data::Value* v = MapGet(value.as_map(), field_);
    value = v ? data::Value(*v) : data::Value();
    return Status::Ok();
  }
  if (!value.is_null() && !value.is_struct()) {
    return DataError("Only Struct objects supported for [field extraction], found: " +
                     ValueTypeName(value));
  }
  int i = schema->FieldIndex(field_);
  if (i < 0) return DataError("Unknown field: " + field_);
  data::SchemaPtr field_schema = schema->fields[static_cast<size_t>(i)].schema;
  data::Value extracted;
  if (!value.is_null()) {
    const auto& values = value.as_struct().values;
    if (static_cast<size_t>(i) < values.size()) extracted = values[static_cast<size_t>(i)];
  }
  schema = std::move(field_schema);
  value = std::move(extracted);
  return Status::Ok();
}

Result<std::unique_ptr<Transform>> HoistField::Create(const TransformConfig& config,
                                                      Operand operand) {
  auto t = std::unique_ptr<HoistField>(new HoistField());
  t->operand_ = operand;
  WR_ASSIGN_OR_RETURN(t->field_,
                      config.GetRequired("field", "the field name for the wrapping struct"));
  return std::unique_ptr<Transform>(std::move(t));
}

Status HoistField::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (!schema) {
    data::Map map;
    map.emplace_back(data::Value(field_), std::move(value));
    value = data::Value(std::move(map));
    return Status::Ok();
  }
  if (value.is_null() && !schema->optional) {
    return DataError("Invalid value: null used for required field: \"" + field_ + "\"");
  }
  const data::SchemaPtr* cached = cache_.Find(schema);
  data::SchemaPtr out =
      cached
          ? *cached
          : cache_.Put(schema,
                       data::SchemaBuilder(data::Type::kStruct).AddField(field_, schema).Build());
  data::Struct s{out, {std::move(value)}};
  schema = out;
  value = data::Value(std::move(s));
  return Status::Ok();
}

}  // namespace walrelay::transforms
