#include "transforms/insert_field.h"

namespace walrelay::transforms {

std::optional<InsertField::Spec> InsertField::ParseSpec(const std::string& text) {
  if (text.empty()) return std::nullopt;
  if (text.back() == '?') return Spec{text.substr(0, text.size() - 1), true};
  if (text.back() == '!') return Spec{text.substr(0, text.size() - 1), false};
  return Spec{text, true};
}

Result<std::unique_ptr<Transform>> InsertField::Create(const TransformConfig& config,
                                                       Operand operand) {
  auto t = std::unique_ptr<InsertField>(new InsertField());
  t->operand_ = operand;
  t->topic_ = ParseSpec(config.GetString("topic.field", ""));
  t->partition_ = ParseSpec(config.GetString("partition.field", ""));
  t->offset_ = ParseSpec(config.GetString("offset.field", ""));
  t->timestamp_ = ParseSpec(config.GetString("timestamp.field", ""));
  t->static_ = ParseSpec(config.GetString("static.field", ""));
  t->static_value_ = config.Get("static.value");
  if (t->offset_) {
    // Connect only knows an offset for sink records; walrelay records carry none.
    return config.Invalid("offset.field", config.GetString("offset.field", ""),
                          "Kafka offsets are only available to sink connectors' records, which "
                          "walrelay does not produce; remove offset.field");
  }
  return std::unique_ptr<Transform>(std::move(t));
}

data::SchemaPtr InsertField::BuildSchema(const data::Schema& input) const {
  data::Schema out = CopySchemaBasics(input, data::Type::kStruct);
  out.fields = input.fields;
  auto add = [&out](const std::optional<Spec>& spec, data::Type type) {
    if (spec) out.fields.push_back({spec->name, data::PrimitiveSchema(type, spec->optional)});
  };
  add(topic_, data::Type::kString);
  add(partition_, data::Type::kInt32);
  if (timestamp_) {
    out.fields.push_back({timestamp_->name, data::SchemaBuilder(data::Type::kInt64)
                                                .Name(std::string(kTimestampName))
                                                .Version(1)
                                                .Optional(timestamp_->optional)
                                                .Build()});
  }
  add(static_, data::Type::kString);
  return std::make_shared<const data::Schema>(std::move(out));
}

Status InsertField::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (value.is_null()) return Status::Ok();
  if (!schema) {
    if (!value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [field insertion], "
          "found: " +
          ValueTypeName(value));
    }
    data::Map map = value.as_map();
    if (topic_) MapPut(&map, topic_->name, data::Value(record->topic));
    if (partition_ && record->partition)
      MapPut(&map, partition_->name, data::Value(*record->partition));
    if (timestamp_) MapPut(&map, timestamp_->name, data::Value(record->timestamp_ms));
    if (static_ && static_value_) MapPut(&map, static_->name, data::Value(*static_value_));
    value = data::Value(std::move(map));
    return Status::Ok();
  }
  if (!value.is_struct()) {
    return DataError("Only Struct objects supported for [field insertion], found: " +
                     ValueTypeName(value));
  }
  const data::SchemaPtr* cached = cache_.Find(schema);
  data::SchemaPtr out_schema = cached ? *cached : cache_.Put(schema, BuildSchema(*schema));
  const data::Struct& in = value.as_struct();
  data::Struct out{out_schema, in.values};
  out.values.reserve(out_schema->fields.size());
  auto put = [&out](const std::optional<Spec>& spec, data::Value v) {
    if (!spec) return Status::Ok();
    if (v.is_null() && !spec->optional) {
      return DataError("Invalid value: null used for required field: \"" + spec->name + "\"");
    }
    out.values.push_back(std::move(v));
    return Status::Ok();
  };
  WR_RETURN_IF_ERROR(put(topic_, data::Value(record->topic)));
  WR_RETURN_IF_ERROR(
      put(partition_, record->partition ? data::Value(*record->partition) : data::Value()));
  WR_RETURN_IF_ERROR(put(timestamp_, data::Value(record->timestamp_ms)));
  WR_RETURN_IF_ERROR(put(static_, static_value_ ? data::Value(*static_value_) : data::Value()));
  schema = out_schema;
  value = data::Value(std::move(out));
  return Status::Ok();
}

}  // namespace walrelay::transforms
