#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "data/record.h"
#include "sink/sink_config.h"
#include "sink/table_id.h"

namespace walrelay::sink {

// The Kafka offset of a record consumed from Kafka rides in this header, an INT64 (data::Record
// has no offset field); pk.mode=kafka needs it. runtime/sink_task.cc sets it.
inline constexpr char kKafkaOffsetHeader[] = "walrelay.kafka.offset";

// How a column's values become statement text, decided once per shape column from its schema:
// the common plain types skip RenderValue's logical-type checks.
enum class RenderKind {
  kString,   // STRING without a logical type that reads other kinds of value: the text itself
  kInteger,  // INT8..INT64 without a logical type: decimal digits
  kBoolean,  // BOOLEAN: true / false
  kGeneral,  // everything else, through RenderValue
};

// One destination column of a record shape.
struct ColumnSpec {
  std::string name;
  data::SchemaPtr schema;  // the Connect schema the column's type derives from
  bool primary_key = false;
  RenderKind render = RenderKind::kGeneral;
};

// Where a column's value comes from in a record.
struct ColumnSource {
  enum class From { kKeyField, kWholeKey, kValueField, kTopic, kPartition, kOffset };
  From from = From::kValueField;
  int index = -1;  // field index for kKeyField / kValueField
};

// The columns one (table, key schema, row schema) combination writes: primary-key columns first
// (pk.fields order, or key/value schema order), then the other value columns in schema order.
// Shared by every record of that combination, so grouping compares pointers.
struct TableShape {
  TableId table;
  std::vector<ColumnSpec> columns;
  std::vector<ColumnSource> sources;  // parallel to columns
  size_t pk_count = 0;                // columns[0, pk_count) form the primary key
};

enum class ChangeKind { kWrite, kDelete, kTruncate, kSkip };

// A column value as statement text, nullopt for NULL. It views text owned by the arena of the
// RecordDecoder that produced it (valid until that arena's next Reset or its destruction) and is
// always followed by a NUL in memory, so data() can go to libpq as a C string.
using TextValue = std::optional<std::string_view>;

// Owns the text of decoded values: chunks that never move, so views stay valid until Reset. One
// allocation per chunk instead of one per value.
class TextArena {
 public:
  // Copies `text` (plus a terminating NUL) into the arena and returns a view of the copy.
  std::string_view Add(std::string_view text);
  // Forgets every value; keeps the chunks for reuse.
  void Reset();

 private:
  static constexpr size_t kChunkSize = 64 * 1024;
  static constexpr size_t kMaxKeptChunks = 16;   // 1 MiB kept between batches
  std::vector<std::unique_ptr<char[]>> chunks_;  // kChunkSize each
  size_t current_ = 0;                           // the chunk being filled
  size_t used_ = 0;                              // bytes used in chunks_[current_]
  std::vector<std::unique_ptr<char[]>> big_;     // values larger than a quarter chunk
};

// What one record does to the destination: a write (per insert.mode) or delete of one row, a
// truncate of a table, or nothing.
struct RowChange {
  ChangeKind kind = ChangeKind::kSkip;
  std::shared_ptr<const TableShape> shape;  // set unless kSkip
  std::vector<TextValue> values;            // text per shape column (deletes: pk only)
  // False for a column holding the unavailable-value placeholder (an unchanged TOASTed value):
  // it is left out of the statement so the destination keeps what it has. Empty = all present.
  std::vector<bool> present;
  const data::Record* record = nullptr;

  bool IsPresent(size_t column) const { return present.empty() || present[column]; }
  // The record key for error messages: the key struct, or the primary-key column values.
  std::string KeyText() const;
};

// Turns records into RowChanges following the sink's configuration (pk.mode, field filters,
// table.name.format, envelopes for the Debezium flavor). Pure apart from a shape cache; owned and
// used by one thread.
class RecordDecoder {
 public:
  explicit RecordDecoder(const SinkConfig* config);
  RecordDecoder(const RecordDecoder&) = delete;  // arena_ may point at own_arena_
  RecordDecoder& operator=(const RecordDecoder&) = delete;

  // kDataError naming the topic and what is wrong: a Debezium envelope given to the Confluent
  // flavor, a missing or non-struct value/key, pk fields absent from the schema, a value that
  // cannot be rendered. The change's values view text owned by this decoder (see TextValue).
  // A logical decoding message event (IsLogicalDecodingMessage) is a kSkip change.
  Result<RowChange> Decode(const data::Record& record);
  // The same into `out`, reusing its vectors' capacity (a batch decodes into the same RowChanges
  // over and over). On error `out` is unspecified.
  Status DecodeInto(const data::Record& record, RowChange* out);
  // Logical decoding message events decoded so far (each a kSkip change).
  int64_t messages_skipped() const { return messages_skipped_; }
  // Frees the text of every change decoded so far: their values must not be used any more.
  void BeginBatch() { arena_->Reset(); }
  // Renders values into `arena` from now on (the decoder's own arena when null), so that batches
  // decoded one after the other can each keep their text.
  void SetArena(TextArena* arena) { arena_ = arena ? arena : &own_arena_; }

 private:
  Result<std::shared_ptr<const TableShape>> ShapeFor(const data::Record& record,
                                                     const std::string& table_name,
                                                     const data::SchemaPtr& row_schema);
  // ShapeFor through a small cache keyed by topic and schema pointers, which skips building the
  // table name; only when the name depends on the topic alone.
  Result<std::shared_ptr<const TableShape>> CachedShape(const data::Record& record,
                                                        const data::Struct* envelope,
                                                        const data::SchemaPtr& row_schema);
  Result<std::string> TableName(const data::Record& record, const data::Struct* envelope) const;
  Status FillValues(const data::Record& record, const data::Struct* row, RowChange& change);
  // Renders non-null `v` of column `col` into the arena.
  Result<std::string_view> Render(const ColumnSpec& col, const data::Value& v);

  const SinkConfig* config_;
  const bool name_from_topic_;  // the table name depends on the record's topic only
  using ShapeKey = std::tuple<std::string, data::SchemaPtr, data::SchemaPtr>;
  static constexpr size_t kMaxShapes = 1000;
  std::map<ShapeKey, std::shared_ptr<const TableShape>> shapes_;
  struct RecentShape {
    std::string topic;
    data::SchemaPtr key_schema;
    data::SchemaPtr row_schema;
    std::shared_ptr<const TableShape> shape;
  };
  std::vector<RecentShape> recent_;  // CachedShape's entries, at most kRecentShapes
  // Field positions of the last envelope schema seen (Debezium flavor).
  data::SchemaPtr envelope_schema_;
  int op_index_ = -1;
  int after_index_ = -1;
  int64_t messages_skipped_ = 0;
  TextArena own_arena_;
  TextArena* arena_ = &own_arena_;
};

// The value schema of Debezium's logical decoding message events.
inline constexpr char kMessageValueSchemaName[] = "io.debezium.connector.postgresql.MessageValue";

// True for a Debezium logical decoding message event (pg_logical_emit_message): a value schema
// named io.debezium.connector.postgresql.MessageValue, or a struct with op "m", a `message` field
// and neither `before` nor `after`. The JDBC sinks apply nothing for it.
bool IsLogicalDecodingMessage(const data::Record& record);

// True for a Debezium change-event envelope: a schema named "*.Envelope", or a struct with an
// `op` field and a `before` or `after` field.
bool IsDebeziumEnvelope(const data::Schema& schema);

// True when `value` is the source's placeholder for an unchanged TOASTed value: the placeholder
// string, its bytes, or an array holding just the placeholder.
bool IsUnavailablePlaceholder(const data::Value& value, const std::string& placeholder);

}  // namespace walrelay::sink
