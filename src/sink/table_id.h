#pragma once

#include <string>
#include <string_view>

namespace walrelay::sink {

// A destination table: schema and table name, unquoted (exactly as stored in pg_class).
struct TableId {
  std::string schema;
  std::string table;

  // "schema"."table", each part quoted with pg::QuoteIdent.
  std::string Quoted() const;
  // schema.table unquoted, for messages.
  std::string ToString() const { return schema + "." + table; }
  bool operator==(const TableId&) const = default;
  bool operator<(const TableId& o) const {
    return schema != o.schema ? schema < o.schema : table < o.table;
  }
};

// Parses a resolved table name: "table" (in `default_schema`) or "schema.table", split on the
// first dot outside double quotes. Double-quoted parts keep their case and may hold dots ("" is an
// escaped quote); unquoted parts are taken as written (JDBC sinks quote every identifier, so case
// is preserved, never folded).
TableId ParseTableName(std::string_view name, std::string_view default_schema);

// Expands a table.name.format / collection.name.format: ${topic} becomes `topic` (for Debezium
// with dots replaced by underscores, as its default naming strategy does).
std::string ExpandTableFormat(std::string_view format, std::string_view topic,
                              bool replace_dots_in_topic);

}  // namespace walrelay::sink
