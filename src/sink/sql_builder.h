#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sink/record_decoder.h"
#include "sink/sink_config.h"
#include "sink/table_id.h"

namespace walrelay::sink {

// SQL text for the sink's statements. Pure: every identifier is quoted with pg::QuoteIdent and
// every value travels as a text parameter ($1, $2, ... numbered row by row), so no record data is
// ever spliced into SQL.

// A column as a statement uses it: name and whether it is part of the primary key.
struct StatementColumn {
  std::string name;
  bool primary_key = false;
};

// INSERT INTO t (c..) VALUES ($1,..),($n,..) for `rows` rows; with `upsert`,
// ON CONFLICT (pk..) DO UPDATE SET c = EXCLUDED.c for the non-key columns, or DO NOTHING when
// every column is part of the key.
std::string BuildInsert(const TableId& table, const std::vector<StatementColumn>& columns,
                        size_t rows, bool upsert);
// UPDATE t SET c = $1, .. WHERE pk = $k AND ..; parameters: non-key columns, then key columns.
// Empty when there is no non-key column to set.
std::string BuildUpdate(const TableId& table, const std::vector<StatementColumn>& columns);
// DELETE FROM t WHERE pk IN ($1, ..) (one key column) or (k1 = $1 AND k2 = $2) OR (..).
std::string BuildDelete(const TableId& table, const std::vector<std::string>& key_columns,
                        size_t rows);
std::string BuildTruncate(const TableId& table);

// The same writes and deletes for any number of rows in one fixed statement, prepared once: each
// column travels as one array parameter of the destination column's type (`types`, parallel to the
// columns, as format_type() spells them; array-typed columns as text[], cast per element), built
// with AppendArrayElement. Rows must have distinct keys (ON CONFLICT cannot update a row twice in
// one statement).
//   INSERT INTO t (c..) SELECT u.c1, .. FROM unnest($1::type1[], ..) AS u(c1, ..)
//   [ON CONFLICT (pk..) DO UPDATE SET c = EXCLUDED.c | DO NOTHING]
std::string BuildInsertFromArrays(const TableId& table, const std::vector<StatementColumn>& columns,
                                  const std::vector<std::string>& types, bool upsert);
//   DELETE FROM t WHERE k = ANY($1::type[])                     (one key column)
//   DELETE FROM t WHERE (k1, ..) IN (SELECT u.c1, .. FROM unnest($1::type1[], ..) AS u(c1, ..))
std::string BuildDeleteFromArrays(const TableId& table, const std::vector<std::string>& key_columns,
                                  const std::vector<std::string>& types);
// Appends `value` to `array` as the next element of a PostgreSQL array literal: `{` before the
// first element, the caller appends the closing `}`. Elements are double-quoted with `"` and `\`
// escaped, so any text survives; nullopt becomes NULL.
void AppendArrayElement(std::string* array, const std::optional<std::string_view>& value);

// A column definition for DDL.
struct ColumnDefinition {
  std::string name;
  std::string type;  // PostgreSQL type, e.g. "bigint"
  bool not_null = false;
  std::optional<std::string> default_text;  // rendered default value (quoted as a literal)
};
// CREATE TABLE IF NOT EXISTS t (c type [NOT NULL] [DEFAULT '..'], .., PRIMARY KEY (pk..)).
std::string BuildCreateTable(const TableId& table, const std::vector<ColumnDefinition>& columns,
                             const std::vector<std::string>& primary_key);
// ALTER TABLE t ADD COLUMN IF NOT EXISTS c type [NOT NULL] [DEFAULT '..'].
std::string BuildAddColumn(const TableId& table, const ColumnDefinition& column);

// The DDL definition of a record column: its type from the Connect schema, NOT NULL for key
// columns and required fields, DEFAULT from the schema's default value. For ALTER TABLE
// (`for_alter`), a required field without a default is added nullable, since existing rows have no
// value for it. `use_source_type` as PgColumnType's.
Result<ColumnDefinition> DefineColumn(const ColumnSpec& column, bool for_alter,
                                      bool use_source_type = false);

}  // namespace walrelay::sink
