#include "transforms/extract_new_record_state.h"

#include "common/log.h"

namespace walrelay::transforms {

namespace {

constexpr const char* kDeletedField = "__deleted";

// Debezium's FieldReference.determineStruct: where an unqualified name lives.
std::string ParentOf(const std::string& field) {
  if (field == "id" || field == "total_order" || field == "data_collection_order") {
    return "transaction";
  }
  if (field == "op" || field == "ts_ms" || field == "ts_us" || field == "ts_ns") return "";
  return "source";
}

}  // namespace

Result<std::vector<ExtractNewRecordState::FieldRef>> ExtractNewRecordState::ParseRefs(
    const TransformConfig& config, const std::string& key, const std::string& prefix) {
  std::vector<FieldRef> refs;
  for (const auto& item : config.GetList(key)) {
    auto parts = SplitTrim(item, ':');
    if (parts.size() > 2 || parts[0].empty()) {
      return config.Invalid(
          key, config.GetString(key, ""),
          "Unexpected field name: " + item + " (expected field, struct.field or field:alias)");
    }
    FieldRef ref;
    auto path = SplitTrim(parts[0], '.');
    if (path.size() == 1) {
      ref.field = path[0];
      ref.parent = ParentOf(ref.field);
    } else {
      ref.parent = path[0];
      ref.field = path[1];
    }
    if (parts.size() == 2) {
      ref.out_name = prefix + parts[1];
    } else {
      ref.out_name = prefix + (path.size() == 1 ? ref.field : ref.parent + "_" + ref.field);
    }
    refs.push_back(std::move(ref));
  }
  return refs;
}

Result<std::unique_ptr<Transform>> ExtractNewRecordState::Create(const TransformConfig& config) {
  auto t = std::unique_ptr<ExtractNewRecordState>(new ExtractNewRecordState());
  std::string mode = config.GetString("delete.tombstone.handling.mode", "");
  if (!mode.empty()) {
    WR_ASSIGN_OR_RETURN(mode, config.GetEnum("delete.tombstone.handling.mode", "tombstone",
                                             {"drop", "tombstone", "rewrite",
                                              "rewrite-with-tombstone", "delete-to-tombstone"}));
  } else {
    // Debezium 2.x (whose envelopes walrelay emits): without delete.tombstone.handling.mode the
    // deprecated pair applies, with its defaults (drop tombstones, drop deletes).
    WR_ASSIGN_OR_RETURN(bool drop_tombstones, config.GetBool("drop.tombstones", true));
    WR_ASSIGN_OR_RETURN(std::string legacy, config.GetEnum("delete.handling.mode", "drop",
                                                           {"none", "drop", "rewrite"}));
    if (config.Has("delete.handling.mode") || config.Has("drop.tombstones")) {
      LogWarn("transforms",
              "The deleted record handling configs \"drop.tombstones\" and "
              "\"delete.handling.mode\" have been deprecated, please use "
              "\"delete.tombstone.handling.mode\" instead (" +
                  config.Name("*") + ")");
    }
    t->keep_tombstones_ = !drop_tombstones;
    t->delete_action_ = legacy == "none"   ? DeleteAction::kNullValue
                        : legacy == "drop" ? DeleteAction::kDrop
                                           : DeleteAction::kRewrite;
    t->rewrite_ = legacy == "rewrite";
  }
  if (mode == "drop") {
    t->delete_action_ = DeleteAction::kDrop;
  } else if (mode == "tombstone") {
    t->delete_action_ = DeleteAction::kNullValue;
  } else if (mode == "rewrite" || mode == "rewrite-with-tombstone") {
    t->delete_action_ = DeleteAction::kRewrite;
    t->rewrite_ = true;
    t->keep_tombstones_ = mode == "rewrite-with-tombstone";
  } else if (mode == "delete-to-tombstone") {
    t->delete_action_ = DeleteAction::kTombstone;
  }
  WR_ASSIGN_OR_RETURN(t->replace_null_with_default_,
                      config.GetBool("replace.null.with.default", true));
  WR_ASSIGN_OR_RETURN(t->add_fields_,
                      ParseRefs(config, "add.fields", config.GetString("add.fields.prefix", "__")));
  WR_ASSIGN_OR_RETURN(t->add_headers_, ParseRefs(config, "add.headers",
                                                 config.GetString("add.headers.prefix", "__")));
  t->route_by_field_ = config.GetString("route.by.field", "");
  return std::unique_ptr<Transform>(std::move(t));
}

std::vector<ExtractNewRecordState::Resolved> ExtractNewRecordState::Resolve(
    const data::Schema& envelope, const std::vector<FieldRef>& refs) const {
  std::vector<Resolved> out;
  for (const auto& ref : refs) {
    Resolved r;
    r.out_name = ref.out_name;
    const data::Schema* parent = &envelope;
    if (!ref.parent.empty()) {
      r.parent_index = envelope.FieldIndex(ref.parent);
      if (r.parent_index >= 0) {
        parent = envelope.fields[static_cast<size_t>(r.parent_index)].schema.get();
      }
    }
    r.field_index = parent && r.parent_index >= 0 ? parent->FieldIndex(ref.field) : -1;
    const data::Field* field = nullptr;
    if (r.field_index >= 0) {
      field = &parent->fields[static_cast<size_t>(r.field_index)];
    } else {
      // Not in its struct: Debezium then looks at the envelope itself (a field added by an
      // earlier transform); absent there too, the reference is skipped.
      r.parent_index = -1;
      r.field_index = envelope.FieldIndex(ref.field);
      if (r.field_index < 0) continue;
      field = &envelope.fields[static_cast<size_t>(r.field_index)];
    }
    auto copy = std::make_shared<data::Schema>(*field->schema);
    copy->optional = true;
    copy->default_value = nullptr;
    r.schema = std::move(copy);
    out.push_back(std::move(r));
  }
  return out;
}

const ExtractNewRecordState::EnvelopeInfo& ExtractNewRecordState::Info(
    const data::SchemaPtr& envelope) {
  if (const EnvelopeInfo* info = envelopes_.Find(envelope)) return *info;
  EnvelopeInfo info;
  info.before = envelope->FieldIndex("before");
  info.after = envelope->FieldIndex("after");
  info.op = envelope->FieldIndex("op");
  info.fields = Resolve(*envelope, add_fields_);
  info.headers = Resolve(*envelope, add_headers_);
  return envelopes_.Put(envelope, std::move(info));
}

const ExtractNewRecordState::RowSchemas& ExtractNewRecordState::Schemas(
    const data::SchemaPtr& row, const data::SchemaPtr& envelope, const EnvelopeInfo& info) {
  if (const RowSchemas* cached = rows_.Find(row); cached && cached->envelope == envelope) {
    return *cached;
  }
  // As Connect's SchemaUtil.copySchemaBasics: name, version, doc and parameters, not optional.
  data::Schema plain = CopySchemaBasics(*row, data::Type::kStruct);
  plain.fields = row->fields;
  for (const auto& r : info.fields) plain.fields.push_back({r.out_name, r.schema});
  data::Schema rewritten = plain;
  rewritten.fields.push_back({kDeletedField, data::PrimitiveSchema(data::Type::kString, true)});
  RowSchemas schemas;
  schemas.envelope = envelope;
  schemas.plain = std::make_shared<const data::Schema>(std::move(plain));
  schemas.rewritten = std::make_shared<const data::Schema>(std::move(rewritten));
  return rows_.Put(row, std::move(schemas));
}

data::Value ExtractNewRecordState::ResolvedValue(const data::Struct& envelope, const Resolved& r) {
  const data::Struct* parent = &envelope;
  if (r.parent_index >= 0) {
    const data::Value& p = envelope.values[static_cast<size_t>(r.parent_index)];
    if (!p.is_struct()) return data::Value();  // e.g. no transaction block during snapshots
    parent = &p.as_struct();
  }
  auto i = static_cast<size_t>(r.field_index);
  return i < parent->values.size() ? parent->values[i] : data::Value();
}

Status ExtractNewRecordState::Unwrap(data::Record* record, const data::SchemaPtr& envelope_schema,
                                     const data::Struct& envelope, const EnvelopeInfo& info,
                                     const data::Value& row, const data::SchemaPtr& row_schema,
                                     std::optional<bool> deleted) {
  if (!row.is_struct()) {
    return DataError("Only Struct objects supported for [source field insertion], found: " +
                     ValueTypeName(row));
  }
  if (info.fields.empty() && !deleted) {
    record->value_schema = row_schema;
    record->value = row;
    return Status::Ok();
  }
  const RowSchemas& schemas = Schemas(row_schema, envelope_schema, info);
  data::Struct out{deleted ? schemas.rewritten : schemas.plain, row.as_struct().values};
  out.values.resize(row_schema->fields.size());
  if (deleted && replace_null_with_default_) {
    // The rewrite goes through Connect's InsertField, which reads fields with their defaults.
    for (size_t i = 0; i < out.values.size(); ++i) {
      const auto& def = row_schema->fields[i].schema->default_value;
      if (out.values[i].is_null() && def) out.values[i] = *def;
    }
  }
  for (const auto& r : info.fields) out.values.push_back(ResolvedValue(envelope, r));
  if (deleted) out.values.push_back(data::Value(*deleted ? "true" : "false"));
  record->value_schema = out.schema;
  record->value = data::Value(std::move(out));
  return Status::Ok();
}

bool ExtractNewRecordState::MoveAfterOut(data::Record* record) {
  if (rewrite_) return false;  // rewrite mode adds __deleted: the general path
  const EnvelopeInfo& info = Info(record->value_schema);
  const data::Struct& envelope = record->value.as_struct();
  if (info.after < 0 || static_cast<size_t>(info.after) >= envelope.values.size()) return false;
  const auto at = static_cast<size_t>(info.after);
  if (!envelope.values[at].is_struct()) return false;  // deletes, truncates, bad rows
  data::SchemaPtr row_schema = record->value_schema->fields[at].schema;
  // Copies the envelope's vector only if another record shares the envelope.
  data::Value row = std::move(record->value.mutable_struct().values[at]);
  record->value = std::move(row);
  record->value_schema = std::move(row_schema);
  return true;
}

Status ExtractNewRecordState::Apply(data::Record* record, bool* keep) {
  *keep = true;
  if (record->value.is_null()) {
    if (!keep_tombstones_) {
      *keep = false;
      return Status::Ok();
    }
    for (const auto& ref : add_headers_) {
      if (ref.parent.empty() && ref.field == "op") {
        record->headers.push_back(
            {ref.out_name, data::PrimitiveSchema(data::Type::kString, false), data::Value("d")});
      }
    }
    return Status::Ok();
  }
  if (!IsDebeziumEnvelope(*record)) return Status::Ok();
  // Nothing but the row is read from the envelope: the new row is moved out of it, not copied
  // (measured: copying it was 6% of walrelay's CPU in bench/pg_to_pg.sh).
  if (FlattensWithoutSourceBlock() && MoveAfterOut(record)) return Status::Ok();

  const data::SchemaPtr envelope_schema = record->value_schema;
  const data::Value envelope_value = record->value;  // shares the struct; record is rewritten
  const data::Struct& envelope = envelope_value.as_struct();
  const EnvelopeInfo& info = Info(envelope_schema);
  for (const auto& r : info.headers) {
    record->headers.push_back({r.out_name, r.schema, ResolvedValue(envelope, r)});
  }
  auto field = [&](int index) {
    return index >= 0 && static_cast<size_t>(index) < envelope.values.size()
               ? envelope.values[static_cast<size_t>(index)]
               : data::Value();
  };
  data::Value after = field(info.after);
  data::Value before = field(info.before);
  if (after.is_null() && before.is_null()) {  // a truncate (or other row-less) event
    *keep = false;
    return Status::Ok();
  }
  const data::Value& row = after.is_null() ? before : after;
  if (!route_by_field_.empty()) {
    if (!row.is_struct()) {
      return DataError(
          "Only Struct objects supported for [Read record to set topic routing], "
          "found: " +
          ValueTypeName(row));
    }
    const data::Value* topic = row.as_struct().Get(route_by_field_);
    if (!topic) return DataError(route_by_field_ + " is not a valid field name");
    if (!topic->is_null() && !topic->is_string()) {
      return DataError("Field '" + route_by_field_ + "' is not of type STRING");
    }
    if (topic->is_string() && !Trim(topic->as_string()).empty()) {
      record->topic = topic->as_string();
    }
  }
  if (!after.is_null()) {
    return Unwrap(record, envelope_schema, envelope, info, after,
                  envelope_schema->fields[static_cast<size_t>(info.after)].schema,
                  rewrite_ ? std::optional<bool>(false) : std::nullopt);
  }
  switch (delete_action_) {
    case DeleteAction::kDrop:
      *keep = false;
      return Status::Ok();
    case DeleteAction::kNullValue:
      // Debezium keeps the row schema here; Connect sinks read it as a flattened delete.
      record->value_schema = info.after >= 0
                                 ? envelope_schema->fields[static_cast<size_t>(info.after)].schema
                                 : nullptr;
      record->value = data::Value();
      return Status::Ok();
    case DeleteAction::kTombstone:
      record->value_schema = nullptr;
      record->value = data::Value();
      return Status::Ok();
    case DeleteAction::kRewrite:
      return Unwrap(record, envelope_schema, envelope, info, before,
                    envelope_schema->fields[static_cast<size_t>(info.before)].schema, true);
  }
  return Status::Ok();
}

}  // namespace walrelay::transforms
