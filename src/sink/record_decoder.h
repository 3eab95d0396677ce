#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "data/record.h"
#include "sink/sink_config.h"
#include "sink/table_id.h"

namespace walrelay::sink {

// One destination column of a record shape.
struct ColumnSpec {
  std::string name;
  data::SchemaPtr schema;  // the Connect schema the column's type derives from
  bool primary_key = false;
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

// What one record does to the destination: a write (per insert.mode) or delete of one row, a
// truncate of a table, or nothing.
struct RowChange {
  ChangeKind kind = ChangeKind::kSkip;
  std::shared_ptr<const TableShape> shape;         // set unless kSkip
  std::vector<std::optional<std::string>> values;  // text per shape column (deletes: pk only)
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
  explicit RecordDecoder(const SinkConfig* config) : config_(config) {}

  // kDataError naming the topic and what is wrong: a Debezium envelope given to the Confluent
  // flavor, a missing or non-struct value/key, pk fields absent from the schema, a value that
  // cannot be rendered.
  Result<RowChange> Decode(const data::Record& record);

 private:
  Result<std::shared_ptr<const TableShape>> ShapeFor(const data::Record& record,
                                                     const std::string& table_name,
                                                     const data::SchemaPtr& row_schema);
  Result<std::string> TableName(const data::Record& record, const data::Struct* envelope) const;
  Status FillValues(const data::Record& record, const data::Struct* row, RowChange& change) const;

  const SinkConfig* config_;
  using ShapeKey = std::tuple<std::string, data::SchemaPtr, data::SchemaPtr>;
  std::map<ShapeKey, std::shared_ptr<const TableShape>> shapes_;
};

// True for a Debezium change-event envelope: a schema named "*.Envelope", or a struct with an
// `op` field and a `before` or `after` field.
bool IsDebeziumEnvelope(const data::Schema& schema);

// True when `value` is the source's placeholder for an unchanged TOASTed value: the placeholder
// string, its bytes, or an array holding just the placeholder.
bool IsUnavailablePlaceholder(const data::Value& value, const std::string& placeholder);

}  // namespace walrelay::sink
