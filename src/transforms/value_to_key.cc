#include "transforms/value_to_key.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Transform>> ValueToKey::Create(const TransformConfig& config) {
  auto t = std::unique_ptr<ValueToKey>(new ValueToKey());
  t->fields_ = config.GetList("fields");
  if (t->fields_.empty()) {
    return config.Invalid("fields", config.GetString("fields", ""),
                          "a non-empty list of value field names");
  }
  return std::unique_ptr<Transform>(std::move(t));
}

Status ValueToKey::Apply(data::Record* record, bool* keep) {
  *keep = true;
  if (!record->value_schema) {
    if (!record->value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [copying fields from "
          "value to key], found: " +
          ValueTypeName(record->value));
    }
    data::Map key;
    for (const auto& f : fields_) {
      const data::Value* v = MapGet(record->value.as_map(), f);
      key.emplace_back(data::Value(f), v ? *v : data::Value());
    }
    record->key_schema = nullptr;
    record->key = data::Value(std::move(key));
    return Status::Ok();
  }
  if (!record->value.is_struct()) {
    return DataError(
        "Only Struct objects supported for [copying fields from value to key], "
        "found: " +
        ValueTypeName(record->value));
  }
  const Plan* plan = cache_.Find(record->value_schema);
  if (!plan) {
    Plan p;
    data::Schema key;
    key.type = data::Type::kStruct;
    for (const auto& f : fields_) {
      int i = record->value_schema->FieldIndex(f);
      if (i < 0) return DataError("Field does not exist: " + f);
      key.fields.push_back(record->value_schema->fields[static_cast<size_t>(i)]);
      p.source_index.push_back(static_cast<size_t>(i));
    }
    p.key_schema = std::make_shared<const data::Schema>(std::move(key));
    plan = &cache_.Put(record->value_schema, std::move(p));
  }
  const data::Struct& value = record->value.as_struct();
  data::Struct key{plan->key_schema, {}};
  for (size_t i : plan->source_index) {
    key.values.push_back(i < value.values.size() ? value.values[i] : data::Value());
  }
  record->key_schema = plan->key_schema;
  record->key = data::Value(std::move(key));
  return Status::Ok();
}

}  // namespace walrelay::transforms
