#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/lsn.h"
#include "common/status.h"
#include "data/record.h"
#include "data/schema.h"
#include "data/value.h"
#include "pg/pgoutput_messages.h"
#include "source/type_mapper.h"

namespace walrelay::source {

// Turns decoded pgoutput tuples and snapshot rows into change events in the exact shape of
// Debezium 2.7's PostgreSQL connector (io.debezium.connector.postgresql, 2.7.3.Final):
//
//   topic     <prefix>.<schema>.<table>
//   key       struct <prefix>.<schema>.<table>.Key of the key columns (null without a key)
//   value     struct <prefix>.<schema>.<table>.Envelope, version 2:
//               before, after   optional struct <prefix>.<schema>.<table>.Value
//               source          io.debezium.connector.postgresql.Source
//               transaction     optional event.block (version 1): id, total_order,
//                               data_collection_order
//               op              "r" "c" "u" "d" "t"
//               ts_ms, ts_us, ts_ns   optional int64: when the event was built
//
// followed by a tombstone (same key, null value) after every delete unless
// tombstones.on.delete=false. A primary-key change becomes a delete of the old key (+ tombstone)
// and a create of the new key, with Debezium's __debezium.newkey / __debezium.oldkey headers.

// One column of a captured table, in pgoutput Relation column order.
struct TableColumn {
  std::string name;
  uint32_t type_oid = 0;
  int32_t type_modifier = -1;
  bool nullable = true;
  // Part of the event key: the primary key, or message.key.columns when configured.
  bool in_key = false;
  // Order of the column within the key (PRIMARY KEY (b, a) puts b first, as Debezium does). Key
  // fields are sorted by it; ties keep column order.
  int key_position = 0;
  // False when column.exclude.list removes the column from before/after (it stays in the key).
  bool included = true;
  // The column's default in Connect terms (Debezium puts it on the field schema), or null.
  std::shared_ptr<const data::Value> default_value = nullptr;
  // The column's default expression as pg_get_expr prints it, when default_value is not given:
  // TableEvents::Create converts it (TypeMapper::Default).
  std::optional<std::string> default_expression = std::nullopt;
};

struct TableInfo {
  uint32_t relation_id = 0;
  std::string schema;
  std::string table;
  char replica_identity = 'd';  // d default, n nothing, f full, i index
  std::vector<TableColumn> columns;
};

// Connector properties that shape events (see PostgresSourceConfig).
struct EventOptions {
  std::string topic_prefix;                       // topic.prefix; also source.name
  std::string database;                           // database.dbname; source.db
  std::string connector_version = "2.7.3.Final";  // source.version
  std::string unavailable_value_placeholder = "__debezium_unavailable_value";
  bool provide_transaction_metadata = false;
  bool tombstones_on_delete = true;
  std::string topic_delimiter = ".";
  std::string transaction_topic = "transaction";  // topic.transaction
  // Not a connector property: set by the runner when nothing downstream can read the envelope's
  // `source` block (TransformChain::SourceBlockUnread), which is then left null instead of built.
  bool omit_source_block = false;
};

// Event numbering inside one transaction for provide.transaction.metadata. The owner resets it on
// BEGIN; every data event (not tombstones) takes the next number. Not thread-safe.
class TransactionState {
 public:
  void Begin(uint32_t txid);
  uint32_t txid() const { return txid_; }
  // Counts one event of `data_collection` ("schema.table"); returns its total and per-table order
  // (both 1-based).
  std::pair<int64_t, int64_t> Next(std::string_view data_collection);
  int64_t event_count() const { return event_count_; }
  // Events per data collection, in order of first appearance.
  const std::vector<std::pair<std::string, int64_t>>& per_collection() const {
    return per_collection_;
  }

 private:
  uint32_t txid_ = 0;
  int64_t event_count_ = 0;
  std::vector<std::pair<std::string, int64_t>> per_collection_;
};

// What Debezium's source block needs to know about one change.
struct SourceMeta {
  // Commit time of the change's transaction (snapshot: the time of the read), for source.ts_ms.
  // Set commit_ts_us when microseconds are known (pgoutput has them) to fill source.ts_us/ts_ns
  // exactly; otherwise they are derived from commit_ts_ms.
  int64_t commit_ts_ms = 0;
  std::optional<int64_t> commit_ts_us;
  // Wall-clock time the event is built: envelope ts_ms/ts_us/ts_ns and Record.timestamp_ms.
  int64_t now_ms = 0;
  std::optional<int64_t> now_ns;
  // source.snapshot: "false" when streaming, "true" / "last" in a snapshot, "incremental".
  std::string snapshot = "false";
  std::optional<int64_t> txid;
  std::optional<int64_t> lsn;              // the change's own LSN (source.lsn)
  std::optional<int64_t> last_commit_lsn;  // first element of source.sequence
  std::optional<int64_t> xmin;
  // When set (and provide_transaction_metadata), data events get a transaction block numbered
  // through it, with id "<txid>:<lsn>" as Debezium writes it.
  TransactionState* transaction = nullptr;
};

// The events of one captured relation. Create() precomputes schemas and per-column conversions so
// the per-row path only converts values and allocates the record. Rebuild it when a Relation
// message changes the table's shape. Immutable after Create(); methods are const and may be called
// from one thread at a time (the TransactionState in SourceMeta is the only thing written).
class TableEvents {
 public:
  // Fails when a column's type cannot be mapped or the options are unusable.
  static Result<TableEvents> Create(const TableInfo& table, TypeMapper& mapper,
                                    const EventOptions& options);

  const std::string& topic() const { return topic_; }
  // "schema.table", Debezium's data collection id (transaction metadata).
  const std::string& data_collection() const { return data_collection_; }
  const data::SchemaPtr& key_schema() const { return key_schema_; }    // null without key columns
  const data::SchemaPtr& value_schema() const { return row_schema_; }  // before/after struct
  const data::SchemaPtr& envelope_schema() const { return envelope_schema_; }
  const data::SchemaPtr& source_schema() const { return source_schema_; }
  const TableInfo& table() const { return table_; }

  // op "c". kDataError when the tuple does not fit the relation or a value does not parse.
  Result<data::Record> Insert(const pg::TupleData& row, const SourceMeta& meta) const;
  // The same, appended to `out` (built in place: no record is moved on the streaming path).
  Status Insert(const pg::TupleData& row, const SourceMeta& meta,
                std::vector<data::Record>* out) const;

  // op "u", or "d" + tombstone + "c" when the key changed. `old_kind` is 'K', 'O' or 0 (no old
  // tuple; `old_row` is then ignored and may be null). Appends to `out`.
  Status Update(char old_kind, const pg::TupleData* old_row, const pg::TupleData& new_row,
                const SourceMeta& meta, std::vector<data::Record>* out) const;

  // op "d" (+ tombstone). `old_kind` 'K' (key columns, others arrive as nulls) or 'O' (whole row).
  Status Delete(char old_kind, const pg::TupleData& old_row, const SourceMeta& meta,
                std::vector<data::Record>* out) const;

  // op "t": no key, no before/after.
  data::Record Truncate(const SourceMeta& meta) const;

  // op "r": one snapshot row, PostgreSQL text values in column order (nullopt for NULL).
  Result<data::Record> Read(const std::vector<std::optional<std::string>>& text_row,
                            const SourceMeta& meta) const;

 private:
  // What an unchanged TOAST value ('u') becomes for a column, following Debezium's
  // UnchangedToastedPlaceholder.
  enum class ToastForm { kString, kBytes, kStringArray, kIntArray, kNone };

  struct Column {
    ColumnMapping mapping;
    data::SchemaPtr schema;  // mapping.schema(), with the column default when there is one
    int row_index = -1;      // field index in the row struct, -1 when excluded
    int key_index = -1;      // field index in the key struct, -1 when not a key column
    ToastForm toast_form = ToastForm::kNone;
    data::Value fallback;  // what a required field gets when it has no value
  };

  TableEvents() = default;

  // Converts one tuple into per-column values (excluded non-key columns stay null). Unchanged
  // TOAST values take the value from `toast_source` (an 'O' old tuple) when it has one.
  Status ConvertTuple(const pg::TupleData& tuple, const pg::TupleData* toast_source,
                      std::vector<data::Value>* values) const;
  Result<data::Value> ConvertText(const Column& col, std::string_view text) const;
  Result<data::Value> UnchangedToast(const Column& col) const;
  data::Value MakeKey(const std::vector<data::Value>& values) const;
  data::Value MakeRow(std::vector<data::Value> values) const;
  data::Value MakeSource(const SourceMeta& meta) const;
  data::Value MakeEnvelope(data::Value before, data::Value after, const char* op,
                           const SourceMeta& meta) const;
  data::Record MakeRecord(data::Value key, data::Value envelope, const SourceMeta& meta) const;
  data::Record Tombstone(const data::Record& deleted) const;

  TableInfo table_;
  EventOptions options_;
  std::string topic_;
  std::string data_collection_;
  std::vector<Column> columns_;
  std::vector<size_t> key_columns_;  // column indexes in key field order
  size_t row_field_count_ = 0;
  data::SchemaPtr key_schema_;
  data::SchemaPtr row_schema_;
  data::SchemaPtr source_schema_;
  data::SchemaPtr block_schema_;
  data::SchemaPtr envelope_schema_;
};

// Records for the <prefix>.transaction topic (provide.transaction.metadata): a BEGIN and an END
// per transaction, keyed by io.debezium.connector.common.TransactionMetadataKey. Immutable.
class TransactionEvents {
 public:
  explicit TransactionEvents(const EventOptions& options);

  const std::string& topic() const { return topic_; }
  const data::SchemaPtr& key_schema() const { return key_schema_; }
  const data::SchemaPtr& value_schema() const { return value_schema_; }

  // Debezium's id is "<txid>:<lsn of this event>": for BEGIN the LSN of the transaction's first
  // data event (Debezium emits BEGIN with it), for END the commit's end LSN. `commit_ts_ms` is the
  // commit time.
  data::Record Begin(const TransactionState& tx, Lsn lsn, int64_t commit_ts_ms,
                     int64_t now_ms) const;
  data::Record End(const TransactionState& tx, Lsn lsn, int64_t commit_ts_ms, int64_t now_ms) const;

 private:
  data::Record Make(const char* status, const TransactionState& tx, Lsn lsn, int64_t commit_ts_ms,
                    int64_t now_ms) const;

  std::string topic_;
  data::SchemaPtr key_schema_;
  data::SchemaPtr value_schema_;
  data::SchemaPtr collection_schema_;
};

// Records for logical decoding messages (pg_logical_emit_message), in the shape of Debezium
// 2.7's LogicalDecodingMessageMonitor (2.7.3.Final; the `transaction` block came in 3.0):
//
//   topic     <topic.prefix>.message (Debezium appends ".message" whatever topic.delimiter is)
//   key       struct io.debezium.connector.postgresql.MessageKey, version 1: optional prefix
//   value     struct io.debezium.connector.postgresql.MessageValue, version 1:
//               op        "m"
//               ts_ms     optional int64: when the event was built
//               source    io.debezium.connector.postgresql.Source, schema and table ""
//               message   struct io.debezium.connector.postgresql.Message, version 1: optional
//                         prefix, optional content (bytes, or text per binary.handling.mode)
//
// Immutable after Create.
class MessageEvents {
 public:
  // Maps the content as a bytea column in `mapper`'s binary handling mode. Fails without a
  // topic.prefix.
  static Result<MessageEvents> Create(TypeMapper& mapper, const EventOptions& options);

  const std::string& topic() const { return topic_; }
  const data::SchemaPtr& key_schema() const { return key_schema_; }
  const data::SchemaPtr& value_schema() const { return value_schema_; }

  // The event of one message; `meta` as for a change (a non-transactional message has no txid).
  Result<data::Record> Make(const pg::LogicalMessage& message, const SourceMeta& meta) const;

 private:
  MessageEvents() = default;

  EventOptions options_;
  std::string topic_;
  ColumnMapping content_;
  data::SchemaPtr key_schema_;
  data::SchemaPtr source_schema_;
  data::SchemaPtr block_schema_;
  data::SchemaPtr value_schema_;
};

// The value Debezium gives a required field that has none (JdbcValueConverters' fallbacks): the
// schema default, else 0, 0.0, false, "", empty bytes, Decimal zero, the epoch for zoned times, an
// empty array or map, a struct of fallbacks.
data::Value FallbackValue(const data::SchemaPtr& schema);

// Debezium's transaction id for an event: "<txid>:<lsn>".
std::string DebeziumTransactionId(uint32_t txid, int64_t lsn);

}  // namespace walrelay::source
