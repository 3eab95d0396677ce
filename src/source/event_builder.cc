#include "source/event_builder.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <string>
#include <utility>

#include "common/java_format.h"

namespace walrelay::source {

namespace {

using data::Array;
using data::Bytes;
using data::Schema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

constexpr char kSourceSchemaName[] = "io.debezium.connector.postgresql.Source";
// Debezium 3.x's SnapshotRecord values as the source.snapshot Enum lists them (walrelay writes
// true, last and false; docs/compatibility-events.md).
constexpr char kSnapshotAllowed[] =
    "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";
constexpr int32_t kEnvelopeVersion = 2;  // Debezium 2.7 envelopes (transaction before op)
constexpr char kNewKeyHeader[] = "__debezium.newkey";
constexpr char kOldKeyHeader[] = "__debezium.oldkey";

SchemaPtr Optional(Type type) { return data::PrimitiveSchema(type, true); }
SchemaPtr Required(Type type) { return data::PrimitiveSchema(type, false); }

bool ValidTopicChar(char c) {
  return c == '.' || c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9');
}

// Debezium's topic naming strategy replaces every character Kafka does not allow with '_', one per
// Java char: one per code point, two for code points outside the BMP (surrogate pairs).
std::string SanitizeTopic(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x80) {
      out.push_back(ValidTopicChar(static_cast<char>(c)) ? static_cast<char>(c) : '_');
    } else if ((c & 0xC0) != 0x80) {  // a UTF-8 lead byte; continuation bytes add nothing
      out.append((c & 0xF8) == 0xF0 ? 2 : 1, '_');
    }
  }
  return out;
}

// Splits epoch milliseconds/microseconds/nanoseconds the way java.time.Instant does for
// Debezium's ts_ms / ts_us / ts_ns triples.
struct Timestamps {
  int64_t ms, us, ns;
};
Timestamps FromMicros(int64_t us) {
  int64_t ms = us / 1000 - (us % 1000 < 0 ? 1 : 0);
  return {ms, us, us * 1000};
}
Timestamps FromNanos(int64_t ns) {
  int64_t us = ns / 1000 - (ns % 1000 < 0 ? 1 : 0);
  int64_t ms = us / 1000 - (us % 1000 < 0 ? 1 : 0);
  return {ms, us, ns};
}
Timestamps EventTime(const SourceMeta& meta) {
  return meta.now_ns ? FromNanos(*meta.now_ns) : FromMicros(meta.now_ms * 1000);
}
Timestamps CommitTime(const SourceMeta& meta) {
  return meta.commit_ts_us ? FromMicros(*meta.commit_ts_us) : FromMicros(meta.commit_ts_ms * 1000);
}

Value OptionalInt(const std::optional<int64_t>& v) { return v ? Value(*v) : Value(); }

SchemaPtr BuildSourceSchema() {
  auto snapshot = SchemaBuilder(Type::kString)
                      .Optional()
                      .Name("io.debezium.data.Enum")
                      .Version(1)
                      .Parameter("allowed", kSnapshotAllowed)
                      .Default(std::make_shared<const Value>("false"))
                      .Build();
  // Debezium 3.x gives the PostgreSQL source block schema version 1 (2.7 gave none).
  return SchemaBuilder(Type::kStruct)
      .Name(kSourceSchemaName)
      .Version(1)
      .AddField("version", Required(Type::kString))
      .AddField("connector", Required(Type::kString))
      .AddField("name", Required(Type::kString))
      .AddField("ts_ms", Required(Type::kInt64))
      .AddField("snapshot", snapshot)
      .AddField("db", Required(Type::kString))
      .AddField("sequence", Optional(Type::kString))
      .AddField("ts_us", Optional(Type::kInt64))
      .AddField("ts_ns", Optional(Type::kInt64))
      .AddField("schema", Required(Type::kString))
      .AddField("table", Required(Type::kString))
      .AddField("txId", Optional(Type::kInt64))
      .AddField("lsn", Optional(Type::kInt64))
      .AddField("xmin", Optional(Type::kInt64))
      .Build();
}

SchemaPtr BuildBlockSchema() {
  return SchemaBuilder(Type::kStruct)
      .Optional()
      .Name("event.block")
      .Version(1)
      .AddField("id", Required(Type::kString))
      .AddField("total_order", Required(Type::kInt64))
      .AddField("data_collection_order", Required(Type::kInt64))
      .Build();
}

// source.sequence: a JSON array of the last commit LSN and this LSN, as decimal strings or null.
// ["<last commit lsn>","<lsn>"], null for an unknown one. Built in one buffer: it is made for
// every event.
std::string Sequence(const SourceMeta& meta) {
  char buf[64];  // two 20-digit numbers with quotes, comma and brackets fit
  char* p = buf;
  auto item = [&p, &buf](const std::optional<int64_t>& v) {
    if (!v) {
      std::memcpy(p, "null", 4);
      p += 4;
      return;
    }
    *p++ = '"';
    p = std::to_chars(p, buf + sizeof(buf), *v).ptr;
    *p++ = '"';
  };
  *p++ = '[';
  item(meta.last_commit_lsn);
  *p++ = ',';
  item(meta.lsn);
  *p++ = ']';
  return std::string(buf, static_cast<size_t>(p - buf));
}

// Every event gets its own source block (lsn and sequence differ per change), so the values are
// emplaced straight into place: an initializer list would construct each one twice.
Value SourceBlock(const SchemaPtr& source_schema, const EventOptions& options,
                  const SourceMeta& meta, const std::string& schema, const std::string& table) {
  const Timestamps ts = CommitTime(meta);
  Struct s{source_schema, {}};
  std::vector<Value>& v = s.values;
  v.reserve(14);
  v.emplace_back(options.connector_version);
  v.emplace_back("postgresql");
  v.emplace_back(options.topic_prefix);
  v.emplace_back(ts.ms);
  // Debezium leaves "false" to the field default; converters print the default, so writing it
  // keeps readers of the Struct from seeing null.
  if (meta.snapshot.empty()) {
    v.emplace_back("false");
  } else {
    v.emplace_back(meta.snapshot);
  }
  v.emplace_back(options.database);
  v.emplace_back(Sequence(meta));
  v.emplace_back(ts.us);
  v.emplace_back(ts.ns);
  v.emplace_back(schema);
  v.emplace_back(table);
  v.push_back(OptionalInt(meta.txid));
  v.push_back(OptionalInt(meta.lsn));
  v.push_back(OptionalInt(meta.xmin));
  return Value(std::move(s));
}

}  // namespace

void TransactionState::Begin(uint32_t txid) {
  txid_ = txid;
  event_count_ = 0;
  per_collection_.clear();
}

std::pair<int64_t, int64_t> TransactionState::Next(std::string_view data_collection) {
  ++event_count_;
  for (auto& [name, count] : per_collection_) {
    if (name == data_collection) return {event_count_, ++count};
  }
  per_collection_.emplace_back(std::string(data_collection), 1);
  return {event_count_, 1};
}

std::string DebeziumTransactionId(uint32_t txid, int64_t lsn) {
  return std::to_string(txid) + ":" + std::to_string(lsn);
}

Value FallbackValue(const SchemaPtr& schema) {
  if (schema->default_value) return *schema->default_value;
  const std::string& name = schema->name;
  // BigDecimal.ZERO: unscaled value 0 is the single byte 0x00 at any scale.
  if (name == "org.apache.kafka.connect.data.Decimal") return Bytes{std::string(1, '\0')};
  if (name == "io.debezium.data.VariableScaleDecimal") {
    return Struct{schema, {Value(int64_t{0}), Value(Bytes{std::string(1, '\0')})}};
  }
  if (name == "io.debezium.time.ZonedTimestamp") return Value("1970-01-01T00:00:00Z");
  if (name == "io.debezium.time.ZonedTime") return Value("00:00:00Z");
  switch (schema->type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      return Value(int64_t{0});
    case Type::kFloat32:
    case Type::kFloat64:
      return Value(0.0);
    case Type::kBoolean:
      return Value(false);
    case Type::kString:
      return Value(std::string());
    case Type::kBytes:
      return Bytes{};
    case Type::kArray:
      return Array{};
    case Type::kMap:
      return data::Map{};
    case Type::kStruct: {
      Struct s{schema, {}};
      s.values.reserve(schema->fields.size());
      for (const auto& f : schema->fields) {
        s.values.push_back(f.schema->optional ? Value() : FallbackValue(f.schema));
      }
      return s;
    }
  }
  return Value();
}

Result<TableEvents> TableEvents::Create(const TableInfo& table, TypeMapper& mapper,
                                        const EventOptions& options) {
  if (options.topic_prefix.empty()) {
    return InvalidArgument("topic.prefix must be set to build change events");
  }
  TableEvents ev;
  ev.table_ = table;
  ev.options_ = options;
  const std::string& d = options.topic_delimiter;
  ev.topic_ = SanitizeTopic(options.topic_prefix + d + table.schema + d + table.table);
  ev.data_collection_ = table.schema + "." + table.table;

  SchemaBuilder row(Type::kStruct);
  row.Name(ev.topic_ + ".Value").Optional();
  ev.columns_.reserve(table.columns.size());
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const TableColumn& tc = table.columns[i];
    Column col;
    col.mapping = mapper.Map(tc.type_oid, tc.type_modifier, tc.nullable);
    col.schema = col.mapping.schema();
    if (!col.schema) {
      return DataError("no schema for column " + tc.name + " of " + ev.data_collection_ +
                       " (type oid " + std::to_string(tc.type_oid) + ")");
    }
    std::shared_ptr<const Value> default_value = tc.default_value;
    if (!default_value && tc.default_expression) {
      default_value = mapper.Default(tc.type_oid, col.mapping, *tc.default_expression);
    }
    if (default_value) {
      auto with_default = std::make_shared<Schema>(*col.schema);
      with_default->default_value = std::move(default_value);
      col.schema = std::move(with_default);
    }
    col.fallback = FallbackValue(col.schema);
    switch (col.schema->type) {
      case Type::kString:
        col.toast_form = ToastForm::kString;
        break;
      case Type::kBytes:
        col.toast_form = ToastForm::kBytes;
        break;
      case Type::kArray: {
        const SchemaPtr& items = col.schema->value_schema;
        if (items && items->type == Type::kString) {
          col.toast_form = ToastForm::kStringArray;
        } else if (items && items->name.empty() &&
                   (items->type == Type::kInt32 || items->type == Type::kInt64)) {
          col.toast_form = ToastForm::kIntArray;
        }
        break;
      }
      default:
        break;
    }
    if (tc.included) {
      col.row_index = static_cast<int>(ev.row_field_count_++);
      row.AddField(tc.name, col.schema);
    }
    if (tc.in_key) ev.key_columns_.push_back(i);
    ev.columns_.push_back(std::move(col));
  }
  std::stable_sort(ev.key_columns_.begin(), ev.key_columns_.end(), [&](size_t a, size_t b) {
    return table.columns[a].key_position < table.columns[b].key_position;
  });
  if (!ev.key_columns_.empty()) {
    SchemaBuilder key(Type::kStruct);
    key.Name(ev.topic_ + ".Key");
    for (size_t k = 0; k < ev.key_columns_.size(); ++k) {
      Column& col = ev.columns_[ev.key_columns_[k]];
      col.key_index = static_cast<int>(k);
      key.AddField(table.columns[ev.key_columns_[k]].name, col.schema);
    }
    ev.key_schema_ = key.Build();
  }
  ev.row_schema_ = row.Build();
  ev.source_schema_ = BuildSourceSchema();
  ev.block_schema_ = BuildBlockSchema();
  ev.envelope_schema_ = SchemaBuilder(Type::kStruct)
                            .Name(ev.topic_ + ".Envelope")
                            .Version(kEnvelopeVersion)
                            .AddField("before", ev.row_schema_)
                            .AddField("after", ev.row_schema_)
                            .AddField("source", ev.source_schema_)
                            .AddField("transaction", ev.block_schema_)
                            .AddField("op", Required(Type::kString))
                            .AddField("ts_ms", Optional(Type::kInt64))
                            .AddField("ts_us", Optional(Type::kInt64))
                            .AddField("ts_ns", Optional(Type::kInt64))
                            .Build();
  return ev;
}

Result<Value> TableEvents::ConvertText(const Column& col, std::string_view text) const {
  Result<Value> v = col.mapping.FromText(text);
  if (!v.ok()) {
    const size_t i = static_cast<size_t>(&col - columns_.data());
    return v.status().WithContext("column " + table_.columns[i].name + " of " + data_collection_);
  }
  return v;
}

// Debezium's UnchangedToastedPlaceholder: strings (also hex binary, JSON, XML...) get the
// placeholder text, bytes (also Decimal) its bytes, text arrays a one-element array and int4/int8
// arrays the placeholder's bytes as numbers. Debezium has no placeholder for other types and
// passes null on (a required field cannot hold null, so that is an error here).
Result<Value> TableEvents::UnchangedToast(const Column& col) const {
  const std::string& placeholder = options_.unavailable_value_placeholder;
  switch (col.toast_form) {
    case ToastForm::kString:
      return Value(placeholder);
    case ToastForm::kBytes:
      return Value(Bytes{placeholder});
    case ToastForm::kStringArray:
      return Value(Array{Value(placeholder)});
    case ToastForm::kIntArray: {
      Array bytes;
      bytes.reserve(placeholder.size());
      for (char c : placeholder) bytes.emplace_back(int64_t{static_cast<int8_t>(c)});
      return Value(std::move(bytes));
    }
    case ToastForm::kNone:
      break;
  }
  if (col.schema->optional) return Value();
  const size_t i = static_cast<size_t>(&col - columns_.data());
  return DataError("unchanged TOAST value for required column " + table_.columns[i].name + " of " +
                   data_collection_ + " has no placeholder for its type");
}

Status TableEvents::ConvertTuple(const pg::TupleData& tuple, const pg::TupleData* toast_source,
                                 std::vector<Value>* values) const {
  if (tuple.size() != columns_.size()) {
    return DataError("tuple of " + data_collection_ + " has " + std::to_string(tuple.size()) +
                     " columns, the relation has " + std::to_string(columns_.size()));
  }
  if (toast_source != nullptr && toast_source->size() != columns_.size()) toast_source = nullptr;
  values->assign(columns_.size(), Value());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& col = columns_[i];
    if (col.row_index < 0 && col.key_index < 0) continue;
    const pg::TupleValue& tv = tuple[i];
    Value& out = (*values)[i];
    switch (tv.kind) {
      case pg::TupleValueKind::kNull:
        // Required fields without a value (the non-key columns of a key-only old tuple) get
        // Debezium's converter fallback instead of null.
        if (!col.schema->optional) out = col.fallback;
        break;
      case pg::TupleValueKind::kText: {
        WR_ASSIGN_OR_RETURN(out, ConvertText(col, tv.data));
        break;
      }
      case pg::TupleValueKind::kUnchangedToast: {
        // With an old tuple (REPLICA IDENTITY FULL) Debezium reuses the old value.
        if (toast_source != nullptr && (*toast_source)[i].kind == pg::TupleValueKind::kText) {
          WR_ASSIGN_OR_RETURN(out, ConvertText(col, (*toast_source)[i].data));
        } else {
          WR_ASSIGN_OR_RETURN(out, UnchangedToast(col));
        }
        break;
      }
      case pg::TupleValueKind::kBinary:
        return DataError("binary tuple value for column " + table_.columns[i].name + " of " +
                         data_collection_ + ": walrelay requests text format");
    }
  }
  return Status::Ok();
}

Value TableEvents::MakeKey(const std::vector<Value>& values) const {
  if (!key_schema_) return Value();
  Struct key{key_schema_, {}};
  key.values.reserve(key_columns_.size());
  for (size_t i : key_columns_) key.values.push_back(values[i]);
  return key;
}

Value TableEvents::MakeRow(std::vector<Value> values) const {
  Struct row{row_schema_, {}};
  if (row_field_count_ == columns_.size()) {
    row.values = std::move(values);  // every column is in the row, in column order
    return row;
  }
  row.values.reserve(row_field_count_);
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (columns_[i].row_index >= 0) row.values.push_back(std::move(values[i]));
  }
  return row;
}

Value TableEvents::MakeSource(const SourceMeta& meta) const {
  return SourceBlock(source_schema_, options_, meta, table_.schema, table_.table);
}

Value TableEvents::MakeEnvelope(Value before, Value after, const char* op,
                                const SourceMeta& meta) const {
  Value block;
  if (options_.provide_transaction_metadata && meta.transaction != nullptr) {
    auto [total, per_table] = meta.transaction->Next(data_collection_);
    block = Struct{block_schema_,
                   {Value(DebeziumTransactionId(meta.transaction->txid(), meta.lsn.value_or(0))),
                    Value(total), Value(per_table)}};
  }
  const Timestamps ts = EventTime(meta);
  Struct env{envelope_schema_, {}};
  std::vector<Value>& v = env.values;
  v.reserve(8);
  v.push_back(std::move(before));
  v.push_back(std::move(after));
  v.push_back(options_.omit_source_block ? Value() : MakeSource(meta));
  v.push_back(std::move(block));
  v.emplace_back(op);
  v.emplace_back(ts.ms);
  v.emplace_back(ts.us);
  v.emplace_back(ts.ns);
  return Value(std::move(env));
}

data::Record TableEvents::MakeRecord(Value key, Value envelope, const SourceMeta& meta) const {
  data::Record r;
  r.topic = topic_;
  r.key_schema = key_schema_;
  r.key = std::move(key);
  r.value_schema = envelope_schema_;
  r.value = std::move(envelope);
  r.timestamp_ms = EventTime(meta).ms;
  return r;
}

data::Record TableEvents::Tombstone(const data::Record& deleted) const {
  data::Record t;
  t.topic = deleted.topic;
  t.partition = deleted.partition;
  t.key_schema = deleted.key_schema;
  t.key = deleted.key;
  t.timestamp_ms = deleted.timestamp_ms;
  t.headers = deleted.headers;
  t.position = deleted.position;
  return t;
}

Result<data::Record> TableEvents::Insert(const pg::TupleData& row, const SourceMeta& meta) const {
  std::vector<data::Record> out;
  WR_RETURN_IF_ERROR(Insert(row, meta, &out));
  return std::move(out.front());
}

Status TableEvents::Insert(const pg::TupleData& row, const SourceMeta& meta,
                           std::vector<data::Record>* out) const {
  std::vector<Value> values;
  WR_RETURN_IF_ERROR(ConvertTuple(row, nullptr, &values));
  Value key = MakeKey(values);
  Value after = MakeRow(std::move(values));
  out->push_back(
      MakeRecord(std::move(key), MakeEnvelope(Value(), std::move(after), "c", meta), meta));
  return Status::Ok();
}

Status TableEvents::Update(char old_kind, const pg::TupleData* old_row,
                           const pg::TupleData& new_row, const SourceMeta& meta,
                           std::vector<data::Record>* out) const {
  if (old_kind != 0 && old_kind != 'K' && old_kind != 'O') {
    return DataError(std::string("unknown old tuple kind '") + old_kind + "' in update of " +
                     data_collection_);
  }
  const bool has_old = old_kind != 0 && old_row != nullptr && !old_row->empty();
  std::vector<Value> old_values;
  if (has_old) WR_RETURN_IF_ERROR(ConvertTuple(*old_row, nullptr, &old_values));
  std::vector<Value> new_values;
  WR_RETURN_IF_ERROR(ConvertTuple(new_row, has_old ? old_row : nullptr, &new_values));

  Value old_key = has_old ? MakeKey(old_values) : Value();
  Value new_key = MakeKey(new_values);
  if (old_key.is_null() || old_key == new_key) {
    Value before = has_old ? MakeRow(std::move(old_values)) : Value();
    Value after = MakeRow(std::move(new_values));
    out->push_back(MakeRecord(std::move(new_key),
                              MakeEnvelope(std::move(before), std::move(after), "u", meta), meta));
    return Status::Ok();
  }
  // The key changed: Debezium emits a delete of the old key (with its tombstone) and a create of
  // the new one, each pointing at the other key in a header.
  data::Record del =
      MakeRecord(old_key, MakeEnvelope(MakeRow(std::move(old_values)), Value(), "d", meta), meta);
  del.headers.push_back({kNewKeyHeader, key_schema_, new_key});
  out->push_back(std::move(del));
  if (options_.tombstones_on_delete) out->push_back(Tombstone(out->back()));
  data::Record create =
      MakeRecord(new_key, MakeEnvelope(Value(), MakeRow(std::move(new_values)), "c", meta), meta);
  create.headers.push_back({kOldKeyHeader, key_schema_, std::move(old_key)});
  out->push_back(std::move(create));
  return Status::Ok();
}

Status TableEvents::Delete(char old_kind, const pg::TupleData& old_row, const SourceMeta& meta,
                           std::vector<data::Record>* out) const {
  if (old_kind != 'K' && old_kind != 'O') {
    return DataError(std::string("unknown old tuple kind '") + old_kind + "' in delete of " +
                     data_collection_);
  }
  Value key;
  Value before;
  // PostgreSQL refuses deletes without a replica identity on published tables, so an empty old
  // tuple is not expected; Debezium would emit a delete without key and before, and so do we.
  if (!old_row.empty()) {
    std::vector<Value> values;
    WR_RETURN_IF_ERROR(ConvertTuple(old_row, nullptr, &values));
    key = MakeKey(values);
    before = MakeRow(std::move(values));
  }
  out->push_back(
      MakeRecord(std::move(key), MakeEnvelope(std::move(before), Value(), "d", meta), meta));
  if (options_.tombstones_on_delete) out->push_back(Tombstone(out->back()));
  return Status::Ok();
}

data::Record TableEvents::Truncate(const SourceMeta& meta) const {
  // Debezium sends a truncate with neither key nor key schema.
  data::Record r = MakeRecord(Value(), MakeEnvelope(Value(), Value(), "t", meta), meta);
  r.key_schema = nullptr;
  return r;
}

Result<data::Record> TableEvents::Read(const std::vector<std::optional<std::string>>& text_row,
                                       const SourceMeta& meta) const {
  if (text_row.size() != columns_.size()) {
    return DataError("snapshot row of " + data_collection_ + " has " +
                     std::to_string(text_row.size()) + " columns, expected " +
                     std::to_string(columns_.size()));
  }
  std::vector<Value> values(columns_.size());
  for (size_t i = 0; i < columns_.size(); ++i) {
    const Column& col = columns_[i];
    if (col.row_index < 0 && col.key_index < 0) continue;
    if (text_row[i]) {
      WR_ASSIGN_OR_RETURN(values[i], ConvertText(col, *text_row[i]));
    } else if (!col.schema->optional) {
      values[i] = col.fallback;
    }
  }
  Value key = MakeKey(values);
  Value after = MakeRow(std::move(values));
  return MakeRecord(std::move(key), MakeEnvelope(Value(), std::move(after), "r", meta), meta);
}

Result<MessageEvents> MessageEvents::Create(TypeMapper& mapper, const EventOptions& options) {
  if (options.topic_prefix.empty()) {
    return InvalidArgument("topic.prefix must be set to build message events");
  }
  constexpr uint32_t kByteaOid = 17;
  MessageEvents ev;
  ev.options_ = options;
  ev.topic_ = SanitizeTopic(options.topic_prefix + ".message");
  ev.content_ = mapper.Map(kByteaOid, -1, /*optional=*/true);
  if (!ev.content_.schema()) return DataError("no schema for logical decoding message content");
  ev.key_schema_ = SchemaBuilder(Type::kStruct)
                       .Name("io.debezium.connector.postgresql.MessageKey")
                       .Version(1)
                       .AddField("prefix", Optional(Type::kString))
                       .Build();
  ev.source_schema_ = BuildSourceSchema();
  ev.block_schema_ = SchemaBuilder(Type::kStruct)
                         .Name("io.debezium.connector.postgresql.Message")
                         .Version(1)
                         .AddField("prefix", Optional(Type::kString))
                         .AddField("content", ev.content_.schema())
                         .Build();
  ev.value_schema_ = SchemaBuilder(Type::kStruct)
                         .Name("io.debezium.connector.postgresql.MessageValue")
                         .Version(1)
                         .AddField("op", Required(Type::kString))
                         .AddField("ts_ms", Optional(Type::kInt64))
                         .AddField("source", ev.source_schema_)
                         .AddField("message", ev.block_schema_)
                         .Build();
  return ev;
}

Result<data::Record> MessageEvents::Make(const pg::LogicalMessage& message,
                                         const SourceMeta& meta) const {
  // The content goes through the bytea column conversion (PostgreSQL's hex text form), so it is
  // formatted exactly as a bytea column value in every binary.handling.mode.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text = "\\x";
  text.reserve(2 + message.content.size() * 2);
  for (unsigned char c : message.content) {
    text.push_back(kHex[c >> 4]);
    text.push_back(kHex[c & 15]);
  }
  WR_ASSIGN_OR_RETURN(Value content, content_.FromText(text));
  static const std::string kNoName;
  const int64_t now_ms = EventTime(meta).ms;
  data::Record r;
  r.topic = topic_;
  r.key_schema = key_schema_;
  r.key = Struct{key_schema_, {Value(message.prefix)}};
  r.value_schema = value_schema_;
  r.value = Struct{
      value_schema_,
      {Value("m"), Value(now_ms),
       options_.omit_source_block ? Value()
                                  : SourceBlock(source_schema_, options_, meta, kNoName, kNoName),
       Value(Struct{block_schema_, {Value(message.prefix), std::move(content)}})}};
  r.timestamp_ms = now_ms;
  return r;
}

TransactionEvents::TransactionEvents(const EventOptions& options) {
  topic_ =
      SanitizeTopic(options.topic_prefix + options.topic_delimiter + options.transaction_topic);
  key_schema_ = SchemaBuilder(Type::kStruct)
                    .Name("io.debezium.connector.common.TransactionMetadataKey")
                    .Version(1)
                    .AddField("id", Required(Type::kString))
                    .Build();
  collection_schema_ = SchemaBuilder(Type::kStruct)
                           .Optional()
                           .Name("event.collection")
                           .Version(1)
                           .AddField("data_collection", Required(Type::kString))
                           .AddField("event_count", Required(Type::kInt64))
                           .Build();
  value_schema_ =
      SchemaBuilder(Type::kStruct)
          .Name("io.debezium.connector.common.TransactionMetadataValue")
          .Version(1)
          .AddField("status", Required(Type::kString))
          .AddField("id", Required(Type::kString))
          .AddField("event_count", Optional(Type::kInt64))
          .AddField("data_collections",
                    SchemaBuilder(Type::kArray).Optional().Items(collection_schema_).Build())
          .AddField("ts_ms", Required(Type::kInt64))
          .Build();
}

data::Record TransactionEvents::Make(const char* status, const TransactionState& tx, Lsn lsn,
                                     int64_t commit_ts_ms, int64_t now_ms) const {
  const std::string id = DebeziumTransactionId(tx.txid(), static_cast<int64_t>(lsn.value()));
  const bool end = std::string_view(status) == "END";
  Value collections;
  if (end) {
    // Debezium counts them in a HashMap keyed by the collection's name and lists them as it
    // iterates.
    const auto& per_collection = tx.per_collection();
    std::vector<std::string_view> names;
    names.reserve(per_collection.size());
    for (const auto& entry : per_collection) names.push_back(entry.first);
    Array items;
    items.reserve(per_collection.size());
    for (size_t i : JavaHashMapOrder(names)) {
      const auto& [name, count] = per_collection[i];
      items.emplace_back(Struct{collection_schema_, {Value(name), Value(count)}});
    }
    collections = std::move(items);
  }
  data::Record r;
  r.topic = topic_;
  r.key_schema = key_schema_;
  r.key = Struct{key_schema_, {Value(id)}};
  r.value_schema = value_schema_;
  r.value = Struct{value_schema_,
                   {Value(status), Value(id), end ? Value(tx.event_count()) : Value(),
                    std::move(collections), Value(commit_ts_ms)}};
  r.timestamp_ms = now_ms;
  return r;
}

data::Record TransactionEvents::Begin(const TransactionState& tx, Lsn lsn, int64_t commit_ts_ms,
                                      int64_t now_ms) const {
  return Make("BEGIN", tx, lsn, commit_ts_ms, now_ms);
}

data::Record TransactionEvents::End(const TransactionState& tx, Lsn lsn, int64_t commit_ts_ms,
                                    int64_t now_ms) const {
  return Make("END", tx, lsn, commit_ts_ms, now_ms);
}

}  // namespace walrelay::source
