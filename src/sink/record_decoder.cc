#include "sink/record_decoder.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/log.h"
#include "sink/type_mapping.h"

namespace walrelay::sink {
namespace {

using data::Schema;
using data::Type;
using data::Value;

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

const char* PkModeProperty(const SinkConfig& c) {
  return c.flavor == SinkFlavor::kDebezium ? "primary.key.mode" : "pk.mode";
}
const char* PkFieldsProperty(const SinkConfig& c) {
  return c.flavor == SinkFlavor::kDebezium ? "primary.key.fields" : "pk.fields";
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) out += (i ? "," : "") + names[i];
  return out + "]";
}

// More shapes than a destination has tables is rare; past this many CachedShape scans too long.
constexpr size_t kRecentShapes = 16;

// RenderValue reads these logical types from other kinds of value (bytes, structs, ints).
bool SpecialLogicalType(const std::string& name) {
  return name == "org.apache.kafka.connect.data.Decimal" ||
         name == "io.debezium.data.VariableScaleDecimal";
}

RenderKind RenderKindFor(const Schema& schema) {
  if (SpecialLogicalType(schema.name)) return RenderKind::kGeneral;
  switch (schema.type) {
    case Type::kString:
      return RenderKind::kString;
    case Type::kBoolean:
      return RenderKind::kBoolean;
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      // Named integers are dates, times, timestamps, durations: RenderValue formats them.
      return schema.name.empty() ? RenderKind::kInteger : RenderKind::kGeneral;
    default:
      return RenderKind::kGeneral;
  }
}

}  // namespace

std::string_view TextArena::Add(std::string_view text) {
  const size_t need = text.size() + 1;
  char* out;
  if (need > kChunkSize / 4) {
    // A large value gets an allocation of its own rather than wasting a chunk's rest.
    big_.push_back(std::make_unique<char[]>(need));
    out = big_.back().get();
  } else {
    if (chunks_.empty()) {
      chunks_.push_back(std::make_unique<char[]>(kChunkSize));
      current_ = 0;
      used_ = 0;
    } else if (kChunkSize - used_ < need) {
      if (++current_ == chunks_.size()) chunks_.push_back(std::make_unique<char[]>(kChunkSize));
      used_ = 0;
    }
    out = chunks_[current_].get() + used_;
    used_ += need;
  }
  if (!text.empty()) std::memcpy(out, text.data(), text.size());
  out[text.size()] = '\0';
  return std::string_view(out, text.size());
}

void TextArena::Reset() {
  // Chunks are kept for the next batch (up to kMaxKeptChunks), large values are freed.
  if (chunks_.size() > kMaxKeptChunks) chunks_.resize(kMaxKeptChunks);
  big_.clear();
  current_ = 0;
  used_ = 0;
}

RecordDecoder::RecordDecoder(const SinkConfig* config)
    : config_(config),
      name_from_topic_(config->flavor != SinkFlavor::kDebezium ||
                       config->table_name_format.find("${source.") == std::string::npos) {}

bool IsDebeziumEnvelope(const Schema& schema) {
  if (schema.type != Type::kStruct) return false;
  if (EndsWith(schema.name, ".Envelope")) return true;
  return schema.FindField("op") &&
         (schema.FindField("before") != nullptr || schema.FindField("after") != nullptr);
}

bool IsLogicalDecodingMessage(const data::Record& record) {
  if (!record.value_schema || record.value_schema->type != Type::kStruct ||
      !record.value.is_struct()) {
    return false;
  }
  if (record.value_schema->name == kMessageValueSchemaName) return true;
  // A renamed schema (a transform): op "m" beside a message block and no row.
  const data::Struct& value = record.value.as_struct();
  const Value* op = value.Get("op");
  return op != nullptr && op->is_string() && op->as_string() == "m" &&
         record.value_schema->FindField("message") != nullptr &&
         record.value_schema->FindField("before") == nullptr &&
         record.value_schema->FindField("after") == nullptr;
}

bool IsUnavailablePlaceholder(const Value& value, const std::string& placeholder) {
  if (placeholder.empty()) return false;
  if (value.is_string()) return value.as_string() == placeholder;
  if (value.is_bytes()) return value.as_bytes().data == placeholder;
  if (value.is_array()) {
    const data::Array& a = value.as_array();
    return a.size() == 1 && IsUnavailablePlaceholder(a[0], placeholder);
  }
  return false;
}

std::string RowChange::KeyText() const {
  if (record && !record->key.is_null()) return record->key.DebugString();
  if (!shape || shape->pk_count == 0) {
    return "(no key" + (record ? ", topic " + record->topic : std::string()) + ")";
  }
  std::string out = "{";
  for (size_t i = 0; i < shape->pk_count && i < values.size(); ++i) {
    out += (i ? ", " : "") + shape->columns[i].name + "=";
    out += values[i].value_or("null");
  }
  return out + "}";
}

Result<std::string> RecordDecoder::TableName(const data::Record& record,
                                             const data::Struct* envelope) const {
  const bool dbz = config_->flavor == SinkFlavor::kDebezium;
  std::string name = ExpandTableFormat(config_->table_name_format, record.topic, dbz);
  if (!dbz || name.find("${source.") == std::string::npos) return name;
  const Value* source = envelope ? envelope->Get("source") : nullptr;
  if (!source || !source->is_struct()) {
    return DataError("topic " + record.topic + ": collection.name.format '" +
                     config_->table_name_format +
                     "' uses ${source.*} but the record is not a Debezium envelope with a source "
                     "block");
  }
  size_t pos;
  while ((pos = name.find("${source.")) != std::string::npos) {
    size_t end = name.find('}', pos);
    if (end == std::string::npos) break;
    std::string field = name.substr(pos + 9, end - pos - 9);
    const Value* v = source->as_struct().Get(field);
    if (!v || !v->is_string()) {
      return DataError("topic " + record.topic + ": collection.name.format refers to source." +
                       field + ", which the record's source block lacks or is not a string");
    }
    name.replace(pos, end - pos + 1, v->as_string());
  }
  return name;
}

Result<std::shared_ptr<const TableShape>> RecordDecoder::ShapeFor(
    const data::Record& record, const std::string& table_name, const data::SchemaPtr& row_schema) {
  ShapeKey cache_key{table_name, record.key_schema, row_schema};
  if (auto it = shapes_.find(cache_key); it != shapes_.end()) return it->second;
  // Bounded: a converter that built a schema object per record would otherwise grow it forever.
  if (shapes_.size() >= kMaxShapes) shapes_.clear();

  const SinkConfig& c = *config_;
  auto shape = std::make_shared<TableShape>();
  shape->table = ParseTableName(table_name, c.default_schema);
  auto add = [&](std::string name, data::SchemaPtr schema, bool pk, ColumnSource::From from,
                 int index) {
    const RenderKind render = RenderKindFor(*schema);
    shape->columns.push_back({std::move(name), std::move(schema), pk, render});
    shape->sources.push_back({from, index});
  };
  const std::string where = "topic " + record.topic + " (table " + shape->table.ToString() + ")";

  switch (c.pk_mode) {
    case PkMode::kNone:
      break;
    case PkMode::kKafka: {
      std::vector<std::string> names = c.pk_fields;
      if (names.empty()) names = {"__connect_topic", "__connect_partition", "__connect_offset"};
      add(names[0], data::PrimitiveSchema(Type::kString, false), true, ColumnSource::From::kTopic,
          -1);
      add(names[1], data::PrimitiveSchema(Type::kInt32, false), true,
          ColumnSource::From::kPartition, -1);
      add(names[2], data::PrimitiveSchema(Type::kInt64, false), true, ColumnSource::From::kOffset,
          -1);
      break;
    }
    case PkMode::kRecordKey: {
      const data::SchemaPtr& ks = record.key_schema;
      if (!ks) {
        return DataError(where + ": " + PkModeProperty(c) +
                         "=record_key but the record has no key schema");
      }
      if (ks->type != Type::kStruct) {
        if (c.pk_fields.size() != 1) {
          return DataError(where + ": the record key is a primitive " + data::TypeName(ks->type) +
                           ", so " + PkFieldsProperty(c) +
                           " must name exactly one column, but it is " + JoinNames(c.pk_fields));
        }
        add(c.pk_fields[0], ks, true, ColumnSource::From::kWholeKey, -1);
        break;
      }
      std::vector<std::string> names = c.pk_fields;
      if (names.empty()) {
        for (const auto& f : ks->fields) names.push_back(f.name);
      }
      if (names.empty()) {
        return DataError(where + ": " + PkModeProperty(c) +
                         "=record_key but the key schema has no fields");
      }
      for (const auto& n : names) {
        int idx = ks->FieldIndex(n);
        if (idx < 0) {
          return DataError(where + ": " + PkFieldsProperty(c) + " names '" + n +
                           "', which the record key schema does not contain");
        }
        add(n, ks->fields[static_cast<size_t>(idx)].schema, true, ColumnSource::From::kKeyField,
            idx);
      }
      break;
    }
    case PkMode::kRecordValue: {
      if (!row_schema) {
        return DataError(where + ": " + PkModeProperty(c) +
                         "=record_value needs a record value to take the key from");
      }
      std::vector<std::string> names = c.pk_fields;
      if (names.empty()) {
        for (const auto& f : row_schema->fields) names.push_back(f.name);
      }
      for (const auto& n : names) {
        int idx = row_schema->FieldIndex(n);
        if (idx < 0) {
          return DataError(where + ": " + PkFieldsProperty(c) + " names '" + n +
                           "', which the record value schema does not contain");
        }
        add(n, row_schema->fields[static_cast<size_t>(idx)].schema, true,
            ColumnSource::From::kValueField, idx);
      }
      break;
    }
  }
  shape->pk_count = shape->columns.size();
  if (row_schema) {
    for (size_t i = 0; i < row_schema->fields.size(); ++i) {
      const data::Field& f = row_schema->fields[i];
      bool is_pk = std::any_of(shape->columns.begin(), shape->columns.begin() + shape->pk_count,
                               [&](const ColumnSpec& col) { return col.name == f.name; });
      if (is_pk || !c.IncludesField(record.topic, f.name)) continue;
      add(f.name, f.schema, false, ColumnSource::From::kValueField, static_cast<int>(i));
    }
  }
  if (shapes_.size() > 4096) shapes_.clear();  // schemas churn rarely; bound the cache anyway
  std::shared_ptr<const TableShape> result = std::move(shape);
  shapes_.emplace(std::move(cache_key), result);
  return result;
}

Result<std::shared_ptr<const TableShape>> RecordDecoder::CachedShape(
    const data::Record& record, const data::Struct* envelope, const data::SchemaPtr& row_schema) {
  if (name_from_topic_) {
    for (const RecentShape& r : recent_) {
      if (r.row_schema == row_schema && r.key_schema == record.key_schema &&
          r.topic == record.topic) {
        return r.shape;
      }
    }
  }
  WR_ASSIGN_OR_RETURN(std::string table_name, TableName(record, envelope));
  WR_ASSIGN_OR_RETURN(std::shared_ptr<const TableShape> shape,
                      ShapeFor(record, table_name, row_schema));
  if (name_from_topic_) {
    if (recent_.size() >= kRecentShapes) recent_.erase(recent_.begin());
    recent_.push_back({record.topic, record.key_schema, row_schema, shape});
  }
  return shape;
}

Result<std::string_view> RecordDecoder::Render(const ColumnSpec& col, const Value& v) {
  switch (col.render) {
    case RenderKind::kString:
      if (!v.is_string()) break;
      // libpq passes text parameters as C strings: a NUL would silently truncate the value.
      if (std::memchr(v.as_string().data(), '\0', v.as_string().size()) != nullptr) break;
      return arena_->Add(v.as_string());
    case RenderKind::kInteger: {
      if (!v.is_int()) break;
      char buf[24];
      auto end = std::to_chars(buf, buf + sizeof(buf), v.as_int()).ptr;
      return arena_->Add(std::string_view(buf, static_cast<size_t>(end - buf)));
    }
    case RenderKind::kBoolean:
      if (!v.is_bool()) break;
      return arena_->Add(v.as_bool() ? "true" : "false");
    case RenderKind::kGeneral:
      break;
  }
  // The general path also words the errors of the fast ones.
  WR_ASSIGN_OR_RETURN(std::optional<std::string> text, RenderValue(*col.schema, v));
  if (!text) return DataError("value " + v.DebugString() + " rendered as NULL");
  return arena_->Add(*text);
}

Status RecordDecoder::FillValues(const data::Record& record, const data::Struct* row,
                                 RowChange& change) {
  const TableShape& shape = *change.shape;
  const size_t n = change.kind == ChangeKind::kDelete ? shape.pk_count : shape.columns.size();
  change.values.assign(n, std::nullopt);
  static const Value kNull;
  for (size_t i = 0; i < n; ++i) {
    const ColumnSpec& col = shape.columns[i];
    const ColumnSource& src = shape.sources[i];
    const Value* v = &kNull;
    Value scratch;
    switch (src.from) {
      case ColumnSource::From::kKeyField:
        if (!record.key.is_struct()) {
          return DataError("topic " + record.topic + ": the record key " +
                           record.key.DebugString() + " is not a struct");
        }
        v = &record.key.as_struct().values.at(static_cast<size_t>(src.index));
        break;
      case ColumnSource::From::kWholeKey:
        v = &record.key;
        break;
      case ColumnSource::From::kValueField:
        if (row) v = &row->values.at(static_cast<size_t>(src.index));
        break;
      case ColumnSource::From::kTopic:
        scratch = Value(record.topic);
        v = &scratch;
        break;
      case ColumnSource::From::kPartition:
        scratch = Value(static_cast<int64_t>(record.partition.value_or(0)));
        v = &scratch;
        break;
      case ColumnSource::From::kOffset: {
        auto h = std::find_if(record.headers.begin(), record.headers.end(),
                              [](const data::Header& x) { return x.key == kKafkaOffsetHeader; });
        if (h == record.headers.end() || !h->value.is_int()) {
          return DataError("topic " + record.topic + ": " + PkModeProperty(*config_) +
                           "=kafka needs the record's Kafka offset (header " + kKafkaOffsetHeader +
                           "), which this record lacks");
        }
        v = &h->value;
        break;
      }
    }
    if (col.primary_key && v->is_null()) {
      return DataError("topic " + record.topic + ": primary-key column " + col.name + " of table " +
                       shape.table.ToString() + " is null in record key " +
                       record.key.DebugString());
    }
    if (!col.primary_key && IsUnavailablePlaceholder(*v, config_->unavailable_placeholder)) {
      if (change.present.empty()) change.present.assign(shape.columns.size(), true);
      change.present[i] = false;
      continue;
    }
    if (v->is_null()) continue;
    auto text = Render(col, *v);
    if (!text.ok()) {
      return text.status().WithContext("topic " + record.topic + ", table " +
                                       shape.table.ToString() + ", column " + col.name);
    }
    change.values[i] = *text;
  }
  return Status::Ok();
}

Result<RowChange> RecordDecoder::Decode(const data::Record& record) {
  RowChange change;
  WR_RETURN_IF_ERROR(DecodeInto(record, &change));
  return change;
}

Status RecordDecoder::DecodeInto(const data::Record& record, RowChange* out) {
  const SinkConfig& c = *config_;
  RowChange& change = *out;
  change.kind = ChangeKind::kSkip;
  change.shape.reset();
  change.values.clear();
  change.present.clear();
  change.record = &record;
  const data::Struct* row = nullptr;
  const data::Struct* envelope = nullptr;

  if (record.value.is_null()) {
    // A tombstone: Kafka's delete marker for compacted topics.
    if (!c.delete_enabled) return Status::Ok();
    // A tombstone carries no source block: when the table name is built from ${source.*}, the
    // delete event before it (which has one) already removed the row.
    if (c.flavor == SinkFlavor::kDebezium &&
        c.table_name_format.find("${source.") != std::string::npos) {
      return Status::Ok();
    }
    change.kind = ChangeKind::kDelete;
  } else if (IsLogicalDecodingMessage(record)) {
    // A logical decoding message holds no row: nothing to apply, in either flavor.
    if (messages_skipped_++ == 0) {
      LogDebug("sink", "topic " + record.topic +
                           ": skipping logical decoding message events (op \"m\"); they hold no "
                           "rows to apply");
    }
    return Status::Ok();
  } else {
    if (!record.value_schema || record.value_schema->type != Type::kStruct ||
        !record.value.is_struct()) {
      return DataError("topic " + record.topic +
                       ": the JDBC sink needs a Struct value with a Struct schema, got " +
                       (record.value_schema ? data::TypeName(record.value_schema->type)
                                            : std::string("a schemaless value")));
    }
    if (IsDebeziumEnvelope(*record.value_schema)) {
      if (c.flavor == SinkFlavor::kConfluent) {
        return DataError(
            "topic " + record.topic + ": the record value is a Debezium change-event envelope (" +
            (record.value_schema->name.empty() ? "fields before/after/op"
                                               : "schema " + record.value_schema->name) +
            "); " + kConfluentSinkClass +
            " writes flat rows only: add the io.debezium.transforms.ExtractNewRecordState "
            "transform (transforms=unwrap, "
            "transforms.unwrap.type=io.debezium.transforms.ExtractNewRecordState) or use " +
            kDebeziumSinkClass);
      }
      envelope = &record.value.as_struct();
      if (envelope_schema_ != record.value_schema) {
        envelope_schema_ = record.value_schema;
        op_index_ = envelope_schema_->FieldIndex("op");
        after_index_ = envelope_schema_->FieldIndex("after");
      }
      // The envelope struct's own schema is the record's value schema in every record a source
      // builds; look fields up by name when they differ.
      auto field = [&](int index, const char* name) -> const Value* {
        if (envelope->schema == envelope_schema_) {
          return index >= 0 && static_cast<size_t>(index) < envelope->values.size()
                     ? &envelope->values[static_cast<size_t>(index)]
                     : nullptr;
        }
        return envelope->Get(name);
      };
      const Value* op = field(op_index_, "op");
      if (!op || !op->is_string()) {
        return DataError("topic " + record.topic + ": Debezium envelope without a string op");
      }
      const std::string& o = op->as_string();
      if (o == "c" || o == "r" || o == "u") {
        const Value* after = field(after_index_, "after");
        if (!after || !after->is_struct()) {
          return DataError("topic " + record.topic + ": Debezium '" + o +
                           "' event without an after struct");
        }
        row = &after->as_struct();
        change.kind = ChangeKind::kWrite;
      } else if (o == "d") {
        if (!c.delete_enabled) return Status::Ok();
        change.kind = ChangeKind::kDelete;
      } else if (o == "t") {
        if (!c.truncate_enabled) return Status::Ok();
        change.kind = ChangeKind::kTruncate;
      } else if (o == "m") {
        return Status::Ok();  // logical decoding messages carry no row
      } else {
        return DataError("topic " + record.topic + ": unknown Debezium op '" + o + "'");
      }
    } else {
      row = &record.value.as_struct();
      change.kind = ChangeKind::kWrite;
    }
  }

  if (change.kind == ChangeKind::kTruncate) {
    WR_ASSIGN_OR_RETURN(std::string table_name, TableName(record, envelope));
    ShapeKey key{table_name, nullptr, nullptr};
    auto it = shapes_.find(key);
    if (it == shapes_.end()) {
      auto shape = std::make_shared<TableShape>();
      shape->table = ParseTableName(table_name, c.default_schema);
      it = shapes_.emplace(std::move(key), std::move(shape)).first;
    }
    change.shape = it->second;
    return Status::Ok();
  }
  static const data::SchemaPtr kNoSchema;
  const data::SchemaPtr& row_schema = row ? row->schema : kNoSchema;
  if (row && !row_schema) {
    return DataError("topic " + record.topic + ": the record's row struct has no schema");
  }
  WR_ASSIGN_OR_RETURN(change.shape, CachedShape(record, envelope, row_schema));
  if (change.kind == ChangeKind::kDelete && change.shape->pk_count == 0) {
    return DataError("topic " + record.topic + ": cannot delete from " +
                     change.shape->table.ToString() + " without a primary key");
  }
  return FillValues(record, row, change);
}

}  // namespace walrelay::sink
