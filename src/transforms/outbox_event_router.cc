#include "transforms/outbox_event_router.h"

#include <nlohmann/json.hpp>

#include "common/log.h"

namespace walrelay::transforms {

namespace {

using Json = nlohmann::ordered_json;

// Debezium's SchemaBuilderUtil / StructBuilderUtil: a Connect schema and value inferred from a
// JSON document. Fails (and the payload is left as it was) on heterogeneous arrays or fields
// repeated across the objects of an array.
// `null_as_bytes` (table.json.payload.null.behavior=optional_bytes): a null field is kept as an
// optional bytes field instead of being left out.
Result<data::SchemaPtr> JsonSchema(const Json& node, bool null_as_bytes);

Result<data::SchemaPtr> ObjectSchema(const std::vector<const Json*>& objects, bool null_as_bytes) {
  data::Schema s;
  s.type = data::Type::kStruct;
  s.optional = true;
  for (const Json* obj : objects) {
    if (!obj->is_object()) continue;
    for (auto it = obj->begin(); it != obj->end(); ++it) {
      if (it.value().is_null() && !null_as_bytes) continue;
      WR_ASSIGN_OR_RETURN(data::SchemaPtr fs, JsonSchema(it.value(), null_as_bytes));
      if (s.FieldIndex(it.key()) >= 0) {
        return DataError("Cannot create field because of field name duplication " + it.key());
      }
      s.fields.push_back({it.key(), fs});
    }
  }
  return std::make_shared<const data::Schema>(std::move(s));
}

Result<data::SchemaPtr> JsonSchema(const Json& node, bool null_as_bytes) {
  using data::PrimitiveSchema;
  using data::Type;
  if (node.is_null() && null_as_bytes) return PrimitiveSchema(Type::kBytes, true);
  if (node.is_string()) return PrimitiveSchema(Type::kString, true);
  if (node.is_boolean()) return PrimitiveSchema(Type::kBoolean, true);
  if (node.is_number_integer()) {
    bool fits_int = node.is_number_unsigned() ? node.get<uint64_t>() <= 2147483647u
                                              : node.get<int64_t>() >= -2147483648LL &&
                                                    node.get<int64_t>() <= 2147483647LL;
    if (fits_int) return PrimitiveSchema(Type::kInt32, true);
    if (!node.is_number_unsigned() || node.get<uint64_t>() <= 9223372036854775807ull) {
      return PrimitiveSchema(Type::kInt64, true);
    }
    return PrimitiveSchema(Type::kFloat64, true);
  }
  if (node.is_number()) return PrimitiveSchema(Type::kFloat64, true);
  if (node.is_object()) return ObjectSchema({&node}, null_as_bytes);
  if (node.is_array()) {
    data::SchemaPtr items;
    if (node.empty()) {
      items = PrimitiveSchema(Type::kString, true);
    } else {
      const Json* sample = nullptr;
      for (const auto& e : node) {
        if (e.is_null()) continue;
        if (!sample) {
          sample = &e;
        } else if (e.type() != sample->type() && !(e.is_number() && sample->is_number())) {
          return DataError("Field is not a homogenous array");
        }
      }
      if (!sample && null_as_bytes) {
        items = PrimitiveSchema(Type::kBytes, true);
      } else if (!sample) {
        return DataError("Array has unrecognized member schema");
      } else if (sample->is_object()) {
        std::vector<const Json*> objects;
        for (const auto& e : node) objects.push_back(&e);
        WR_ASSIGN_OR_RETURN(items, ObjectSchema(objects, null_as_bytes));
      } else {
        WR_ASSIGN_OR_RETURN(items, JsonSchema(*sample, null_as_bytes));
      }
    }
    return data::SchemaBuilder(Type::kArray).Items(items).Optional().Build();
  }
  return DataError("unsupported JSON node");
}

data::Value JsonValue(const Json& node, const data::SchemaPtr& schema) {
  if (node.is_null()) return data::Value();
  switch (schema->type) {
    case data::Type::kString:
      return node.is_string() ? data::Value(node.get<std::string>()) : data::Value(node.dump());
    case data::Type::kBoolean:
      return node.is_boolean() ? data::Value(node.get<bool>()) : data::Value();
    case data::Type::kInt32:
    case data::Type::kInt64:
      return node.is_number() ? data::Value(node.get<int64_t>()) : data::Value();
    case data::Type::kFloat64:
      return node.is_number() ? data::Value(node.get<double>()) : data::Value();
    case data::Type::kArray: {
      data::Array out;
      for (const auto& e : node) out.push_back(JsonValue(e, schema->value_schema));
      return data::Value(std::move(out));
    }
    case data::Type::kStruct: {
      data::Struct s{schema, {}};
      for (const auto& f : schema->fields) {
        auto it = node.is_object() ? node.find(f.name) : node.end();
        s.values.push_back(it == node.end() ? data::Value() : JsonValue(*it, f.schema));
      }
      return data::Value(std::move(s));
    }
    default:
      return data::Value();
  }
}

}  // namespace

Result<std::unique_ptr<Transform>> OutboxEventRouter::Create(const TransformConfig& config) {
  std::string regex = config.GetString("route.topic.regex", "(?<routedByValue>.*)");
  std::string replacement =
      config.GetString("route.topic.replacement", "outbox.event.${routedByValue}");
  auto compiled = JavaRegex::Compile(regex);
  if (!compiled.ok())
    return config.Invalid("route.topic.regex", regex, compiled.status().message());
  Status s = compiled->CheckReplacement(replacement);
  if (!s.ok()) return config.Invalid("route.topic.replacement", replacement, s.message());
  auto t = std::unique_ptr<OutboxEventRouter>(
      new OutboxEventRouter(RegexRouter(std::move(compiled).value(), replacement)));
  t->id_field_ = config.GetString("table.field.event.id", "id");
  t->key_field_ = config.GetString("table.field.event.key", "aggregateid");
  if (auto v = config.Get("table.field.event.timestamp"); v && !v->empty())
    t->timestamp_field_ = *v;
  t->payload_field_ = config.GetString("table.field.event.payload", "payload");
  if (auto v = config.Get("table.field.event.schema.version"); v && !v->empty()) {
    t->schema_version_field_ = *v;
  }
  t->route_by_field_ = config.GetString("route.by.field", "aggregatetype");
  const char* op_key = config.Has("table.op.invalid.behavior") ? "table.op.invalid.behavior"
                                                               : "debezium.op.invalid.behavior";
  WR_ASSIGN_OR_RETURN(t->invalid_op_, config.GetEnum(op_key, "warn", {"warn", "error", "fatal"}));
  WR_ASSIGN_OR_RETURN(t->route_tombstone_on_empty_payload_,
                      config.GetBool("route.tombstone.on.empty.payload", false));
  WR_ASSIGN_OR_RETURN(t->expand_json_payload_, config.GetBool("table.expand.json.payload", false));
  WR_ASSIGN_OR_RETURN(
      std::string null_behavior,
      config.GetEnum("table.json.payload.null.behavior", "ignore", {"ignore", "optional_bytes"}));
  t->json_null_as_bytes_ = null_behavior == "optional_bytes";
  WR_ASSIGN_OR_RETURN(t->error_on_missing_additional_,
                      config.GetBool("table.fields.additional.error.on.missing", true));
  for (const auto& item : config.GetList("table.fields.additional.placement")) {
    auto parts = SplitTrim(item, ':');
    std::string placement = parts.size() >= 2 ? ToLower(parts[1]) : "";
    if ((parts.size() != 2 && parts.size() != 3) || parts[0].empty() ||
        (placement != "header" && placement != "envelope" && placement != "partition")) {
      return config.Invalid(
          "table.fields.additional.placement",
          config.GetString("table.fields.additional.placement", ""),
          "expected a list of column:header|envelope|partition[:alias] entries, got '" + item +
              "'");
    }
    AdditionalField f{parts[0],
                      placement == "header"     ? Placement::kHeader
                      : placement == "envelope" ? Placement::kEnvelope
                                                : Placement::kPartition,
                      parts.size() == 3 ? parts[2] : parts[0]};
    t->has_envelope_fields_ |= f.placement == Placement::kEnvelope;
    t->additional_.push_back(std::move(f));
  }
  return std::unique_ptr<Transform>(std::move(t));
}

Result<int64_t> OutboxEventRouter::EventTimestamp(const data::Struct& envelope,
                                                  const data::Struct& row) const {
  const data::Value* ts = envelope.Get("ts_ms");
  int64_t fallback = ts && ts->is_int() ? ts->as_int() : 0;
  if (!timestamp_field_) return fallback;
  int i = row.schema->FieldIndex(*timestamp_field_);
  if (i < 0) return DataError("Unable to find timestamp field " + *timestamp_field_ + " in event");
  const data::Value& v = row.values[static_cast<size_t>(i)];
  if (v.is_null()) return fallback;
  const std::string& name = row.schema->fields[static_cast<size_t>(i)].schema->name;
  if (!v.is_int()) return DataError("Unsupported field type for event timestamp");
  if (name == "io.debezium.time.Timestamp") return v.as_int();
  if (name == "io.debezium.time.MicroTimestamp") return v.as_int() / 1000;
  if (name == "io.debezium.time.NanoTimestamp") return v.as_int() / 1000000;
  if (name.empty()) {
    return DataError(
        "Unsupported field type " +
        std::string(data::TypeName(row.schema->fields[static_cast<size_t>(i)].schema->type)) +
        " (without logical schema name) for event timestamp");
  }
  return DataError("Unsupported field type " + name + " for event timestamp");
}

Status OutboxEventRouter::Apply(data::Record* record, bool* keep) {
  *keep = true;
  if (record->value.is_null()) {  // tombstones of deleted outbox rows
    *keep = false;
    return Status::Ok();
  }
  if (!IsDebeziumEnvelope(*record)) return Status::Ok();
  const data::Value envelope_value = record->value;
  const data::Struct& envelope = envelope_value.as_struct();
  const data::Value* op = envelope.Get("op");
  std::string op_code = op && op->is_string() ? op->as_string() : "";
  if (op_code == "d") {
    *keep = false;
    return Status::Ok();
  }
  if (op_code == "u") {
    std::string msg = "Unexpected update message received " + record->key.DebugString();
    if (invalid_op_ == "fatal") return DataError(msg + ", fail.");
    if (invalid_op_ == "error") {
      LogError("outbox", msg + " and ignored");
    } else {
      LogWarn("outbox", msg + " and ignored");
    }
    *keep = false;
    return Status::Ok();
  }
  const data::Value* after = envelope.Get("after");
  if (!after || !after->is_struct()) {
    return DataError("Only Struct objects supported for [Read Outbox Event], found: " +
                     (after ? ValueTypeName(*after) : std::string("null")));
  }
  const data::Struct& row = after->as_struct();
  const data::Schema& row_schema = *row.schema;
  int payload_index = row_schema.FieldIndex(payload_field_);
  if (payload_index < 0)
    return DataError("Unable to find payload field " + payload_field_ + " in event");
  int id_index = row_schema.FieldIndex(id_field_);
  if (id_index < 0) return DataError("Unable to find event-id field " + id_field_ + " in event");
  int route_index = row_schema.FieldIndex(route_by_field_);
  if (route_index < 0) return DataError(route_by_field_ + " is not a valid field name");
  auto at = [&row](int i) {
    return static_cast<size_t>(i) < row.values.size() ? row.values[static_cast<size_t>(i)]
                                                      : data::Value();
  };
  data::Value route_value = at(route_index);
  if (!route_value.is_string()) {
    return DataError("Field '" + route_by_field_ +
                     "' of the outbox event must be a non-null string");
  }
  const std::string routed_by = route_value.as_string();
  WR_ASSIGN_OR_RETURN(int64_t timestamp, EventTimestamp(envelope, row));

  data::SchemaPtr payload_schema = row_schema.fields[static_cast<size_t>(payload_index)].schema;
  data::Value payload = at(payload_index);
  record->headers.push_back(
      {"id", row_schema.fields[static_cast<size_t>(id_index)].schema, at(id_index)});

  if (expand_json_payload_) {
    if (!payload.is_string()) {
      LogWarn("outbox", "Expand JSON payload is turned on but payload is not a string in " +
                            record->key.DebugString());
    } else {
      const std::string& text = payload.as_string();
      Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
      Result<data::SchemaPtr> schema = DataError("Unable to parse payload");
      if (!text.empty() && (text[0] == '{' || text[0] == '[') && !parsed.is_discarded()) {
        schema = ObjectSchema({&parsed}, json_null_as_bytes_);
      }
      if (schema.ok()) {
        payload_schema = *schema;
        payload = JsonValue(parsed, payload_schema);
      } else {
        LogWarn("outbox", "JSON expansion failed: " + schema.status().message());
      }
    }
  }

  data::SchemaPtr value_schema;
  data::Value value;
  if (has_envelope_fields_) {
    std::optional<int64_t> version;
    if (schema_version_field_) {
      const data::Value* v = row.Get(*schema_version_field_);
      if (v && v->is_int()) version = v->as_int();
    }
    auto* versions = value_schemas_.FindMutable(row.schema);
    if (!versions) versions = &value_schemas_.Put(row.schema, {});
    for (const auto& [ver, schema] : *versions) {
      if (ver == version) value_schema = schema;
    }
    if (!value_schema) {
      data::Schema s;
      s.type = data::Type::kStruct;
      const std::string& original = record->value_schema->name;
      size_t dot = original.rfind('.');
      s.name = dot == std::string::npos
                   ? routed_by + "." + original
                   : original.substr(0, dot + 1) + routed_by + "." + original.substr(dot + 1);
      if (version) s.version = static_cast<int32_t>(*version);
      s.fields.push_back({"payload", payload_schema});
      for (const auto& f : additional_) {
        if (f.placement != Placement::kEnvelope) continue;
        const data::Field* src = row_schema.FindField(f.column);
        if (!src && error_on_missing_additional_) {
          return DataError(f.column + " is not a valid field name");
        }
        if (src) s.fields.push_back({f.alias, src->schema});
      }
      value_schema = std::make_shared<const data::Schema>(std::move(s));
      versions->emplace_back(version, value_schema);
    }
    data::Struct out{value_schema, {payload}};
    for (const auto& f : additional_) {
      if (f.placement != Placement::kEnvelope || value_schema->FindField(f.alias) == nullptr) {
        continue;
      }
      const data::Value* v = row.Get(f.column);
      out.values.push_back(v ? *v : data::Value());
    }
    value = data::Value(std::move(out));
  } else {
    value_schema = payload_schema;
    value = payload;
  }
  std::optional<int32_t> partition;
  for (const auto& f : additional_) {
    if (f.placement == Placement::kEnvelope) continue;
    const data::Field* src = row_schema.FindField(f.column);
    if (!src) {
      if (error_on_missing_additional_) return DataError(f.column + " is not a valid field name");
      continue;
    }
    const data::Value* v = row.Get(f.column);
    if (f.placement == Placement::kHeader) {
      record->headers.push_back({f.alias, src->schema, v ? *v : data::Value()});
    } else if (v != nullptr && !v->is_null()) {
      // Placement partition: the column's value is the Kafka partition the event goes to.
      if (!v->is_int() || v->as_int() < 0 || v->as_int() > INT32_MAX) {
        return DataError("the partition column " + f.column +
                         " of the outbox event must hold a non-negative integer, found " +
                         v->DebugString());
      }
      partition = static_cast<int32_t>(v->as_int());
    }
  }

  bool empty_payload =
      payload.is_null() || (payload.is_string() && Trim(payload.as_string()).empty());
  if (empty_payload && route_tombstone_on_empty_payload_) {
    record->value_schema = nullptr;
    record->value = data::Value();
  } else {
    record->value_schema = value_schema;
    record->value = std::move(value);
  }

  // Key: the event key column (table.field.event.key), null when the row has no such column.
  const data::Field* key_field = row_schema.FindField(key_field_);
  const data::Value* key = key_field ? row.Get(key_field->name) : nullptr;
  record->key_schema = key_field ? key_field->schema : nullptr;
  record->key = key ? *key : data::Value();
  record->partition = partition;
  record->timestamp_ms = timestamp;
  record->topic = router_.Route(routed_by);
  return Status::Ok();
}

}  // namespace walrelay::transforms
