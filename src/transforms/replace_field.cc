#include "transforms/replace_field.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Transform>> ReplaceField::Create(const TransformConfig& config,
                                                        Operand operand) {
  auto t = std::unique_ptr<ReplaceField>(new ReplaceField());
  t->operand_ = operand;
  // Connect falls back to the deprecated names when the new ones are absent.
  for (const auto& f : config.GetList(config.Has("exclude") ? "exclude" : "blacklist")) {
    t->exclude_.insert(f);
  }
  for (const auto& f : config.GetList(config.Has("include") ? "include" : "whitelist")) {
    t->include_.insert(f);
  }
  for (const auto& mapping : config.GetList("renames")) {
    auto parts = SplitTrim(mapping, ':');
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      return config.Invalid(
          "renames", config.GetString("renames", ""),
          "Invalid rename mapping: " + mapping + " (expected a list of old:new pairs)");
    }
    t->renames_[parts[0]] = parts[1];
  }
  return std::unique_ptr<Transform>(std::move(t));
}

bool ReplaceField::Keep(const std::string& name) const {
  return exclude_.count(name) == 0 && (include_.empty() || include_.count(name) > 0);
}

const std::string& ReplaceField::Renamed(const std::string& name) const {
  auto it = renames_.find(name);
  return it == renames_.end() ? name : it->second;
}

ReplaceField::Plan ReplaceField::BuildPlan(const data::Schema& input) const {
  data::Schema out = CopySchemaBasics(input, data::Type::kStruct);
  Plan plan;
  for (size_t i = 0; i < input.fields.size(); ++i) {
    const auto& f = input.fields[i];
    if (!Keep(f.name)) continue;
    out.fields.push_back({Renamed(f.name), f.schema});
    plan.source_index.push_back(i);
  }
  plan.schema = std::make_shared<const data::Schema>(std::move(out));
  return plan;
}

Status ReplaceField::Apply(data::Record* record, bool* keep) {
  *keep = true;
  data::SchemaPtr& schema = OperandSchema(record, operand_);
  data::Value& value = OperandValue(record, operand_);
  if (value.is_null()) return Status::Ok();
  if (!schema) {
    if (!value.is_map()) {
      return DataError(
          "Only Map objects supported in absence of schema for [field replacement], "
          "found: " +
          ValueTypeName(value));
    }
    data::Map out;
    for (const auto& [k, v] : value.as_map()) {
      if (k.is_string() && !Keep(k.as_string())) continue;
      out.emplace_back(k.is_string() ? data::Value(Renamed(k.as_string())) : k, v);
    }
    value = data::Value(std::move(out));
    return Status::Ok();
  }
  if (!value.is_struct()) {
    return DataError("Only Struct objects supported for [field replacement], found: " +
                     ValueTypeName(value));
  }
  const Plan* plan = cache_.Find(schema);
  if (!plan) plan = &cache_.Put(schema, BuildPlan(*schema));
  const data::Struct& in = value.as_struct();
  data::Struct out{plan->schema, {}};
  out.values.reserve(plan->source_index.size());
  for (size_t i : plan->source_index) {
    out.values.push_back(i < in.values.size() ? in.values[i] : data::Value());
  }
  schema = plan->schema;
  value = data::Value(std::move(out));
  return Status::Ok();
}

}  // namespace walrelay::transforms
