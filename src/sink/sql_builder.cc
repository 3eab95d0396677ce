#include "sink/sql_builder.h"

#include <cstring>

#include "pg/connection.h"
#include "sink/type_mapping.h"

namespace walrelay::sink {
namespace {

void AppendColumnList(std::string& out, const std::vector<StatementColumn>& columns) {
  out += '(';
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) out += ", ";
    out += pg::QuoteIdent(columns[i].name);
  }
  out += ')';
}

std::string Definition(const ColumnDefinition& c) {
  std::string out = pg::QuoteIdent(c.name) + " " + c.type;
  if (c.not_null) out += " NOT NULL";
  if (c.default_text) out += " DEFAULT " + pg::QuoteLiteral(*c.default_text);
  return out;
}

}  // namespace

std::string BuildInsert(const TableId& table, const std::vector<StatementColumn>& columns,
                        size_t rows, bool upsert) {
  std::string sql = "INSERT INTO " + table.Quoted() + " ";
  AppendColumnList(sql, columns);
  sql += " VALUES ";
  size_t param = 1;
  sql.reserve(sql.size() + rows * columns.size() * 6);
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? ",(" : "(";
    for (size_t c = 0; c < columns.size(); ++c) {
      if (c) sql += ',';
      sql += '$';
      sql += std::to_string(param++);
    }
    sql += ')';
  }
  if (!upsert) return sql;
  sql += " ON CONFLICT (";
  bool first = true;
  for (const auto& c : columns) {
    if (!c.primary_key) continue;
    if (!first) sql += ", ";
    first = false;
    sql += pg::QuoteIdent(c.name);
  }
  sql += ") DO ";
  std::string sets;
  for (const auto& c : columns) {
    if (c.primary_key) continue;
    if (!sets.empty()) sets += ", ";
    std::string q = pg::QuoteIdent(c.name);
    sets += q + " = EXCLUDED." + q;
  }
  sql += sets.empty() ? "NOTHING" : "UPDATE SET " + sets;
  return sql;
}

std::string BuildUpdate(const TableId& table, const std::vector<StatementColumn>& columns) {
  std::string sets, where;
  size_t param = 1;
  for (const auto& c : columns) {
    if (c.primary_key) continue;
    if (!sets.empty()) sets += ", ";
    sets += pg::QuoteIdent(c.name) + " = $" + std::to_string(param++);
  }
  if (sets.empty()) return "";
  for (const auto& c : columns) {
    if (!c.primary_key) continue;
    if (!where.empty()) where += " AND ";
    where += pg::QuoteIdent(c.name) + " = $" + std::to_string(param++);
  }
  return "UPDATE " + table.Quoted() + " SET " + sets + " WHERE " + where;
}

std::string BuildDelete(const TableId& table, const std::vector<std::string>& key_columns,
                        size_t rows) {
  std::string sql = "DELETE FROM " + table.Quoted() + " WHERE ";
  size_t param = 1;
  if (key_columns.size() == 1) {
    sql += pg::QuoteIdent(key_columns[0]) + " IN (";
    for (size_t r = 0; r < rows; ++r) sql += (r ? ", $" : "$") + std::to_string(param++);
    return sql + ")";
  }
  for (size_t r = 0; r < rows; ++r) {
    sql += r ? " OR (" : "(";
    for (size_t k = 0; k < key_columns.size(); ++k) {
      if (k) sql += " AND ";
      sql += pg::QuoteIdent(key_columns[k]) + " = $" + std::to_string(param++);
    }
    sql += ')';
  }
  return sql;
}

namespace {

// An array parameter of the column's own type parses each element straight into it; array-typed
// columns travel as text[] and are cast per element, since a nested array literal would not
// parse as an array of arrays.
bool TextArray(const std::string& type) { return !type.empty() && type.back() == ']'; }

// unnest($1::type1[], ..) AS u(c1, ..)
void AppendUnnest(std::string& sql, const std::vector<std::string>& types) {
  sql += "unnest(";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) sql += ", ";
    sql += '$' + std::to_string(i + 1) + "::" + (TextArray(types[i]) ? "text" : types[i]) + "[]";
  }
  sql += ") AS u(";
  for (size_t i = 0; i < types.size(); ++i) {
    if (i) sql += ", ";
    sql += 'c' + std::to_string(i + 1);
  }
  sql += ')';
}

// Column i of the unnested row, of the column's type.
std::string UnnestedColumn(const std::vector<std::string>& types, size_t i) {
  std::string out = "u.c" + std::to_string(i + 1);
  if (TextArray(types[i])) out += "::" + types[i];
  return out;
}

// "SELECT u.c1, .. FROM unnest($1::t1[], ..) AS u(c1, ..)": the first `n` unnested columns.
void AppendUnnestSelect(std::string& sql, const std::vector<std::string>& types, size_t n) {
  sql += "SELECT ";
  for (size_t i = 0; i < n; ++i) {
    if (i) sql += ", ";
    sql += UnnestedColumn(types, i);
  }
  sql += " FROM ";
  AppendUnnest(sql, types);
}

// Types whose default ordering the destination can sort by (format_type() spellings, type
// modifier removed). ORDER BY on anything else might not have an ordering operator.
bool Sortable(const std::string& type) {
  static const char* const kSortable[] = {"smallint",
                                          "integer",
                                          "bigint",
                                          "numeric",
                                          "real",
                                          "double precision",
                                          "text",
                                          "character varying",
                                          "character",
                                          "uuid",
                                          "date",
                                          "timestamp without time zone",
                                          "timestamp with time zone",
                                          "time without time zone",
                                          "boolean",
                                          "bytea"};
  const std::string base = type.substr(0, type.find('('));
  for (const char* t : kSortable) {
    if (base == t) return true;
  }
  return false;
}

}  // namespace

std::string BuildInsertFromArrays(const TableId& table, const std::vector<StatementColumn>& columns,
                                  const std::vector<std::string>& types, bool upsert) {
  std::string sql = "INSERT INTO " + table.Quoted() + " ";
  AppendColumnList(sql, columns);
  sql += ' ';
  AppendUnnestSelect(sql, types, columns.size());
  if (!upsert) return sql;
  // Rows in key order: each index descent and heap page visit lands next to the previous one
  // (measured: upserts of 3000 random keys into a 150k-row table took half the time sorted).
  // The keys are distinct, so the order does not change the result.
  std::string order;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!columns[i].primary_key) continue;
    if (!Sortable(types[i])) {
      order.clear();
      break;
    }
    order += order.empty() ? " ORDER BY " : ", ";
    order += "u.c" + std::to_string(i + 1);
  }
  sql += order;
  // The conflict clause is BuildInsert's.
  std::string values = BuildInsert(table, columns, 1, true);
  return sql + values.substr(values.find(" ON CONFLICT ("));
}

// A join with the unnested keys (DELETE .. USING unnest(..)) lets the planner hash the whole
// table for a few hundred keys, a sequential scan per statement; these forms probe the primary
// key index per key.
std::string BuildDeleteFromArrays(const TableId& table, const std::vector<std::string>& key_columns,
                                  const std::vector<std::string>& types) {
  std::string sql = "DELETE FROM " + table.Quoted() + " WHERE ";
  if (key_columns.size() == 1 && !TextArray(types[0])) {
    return sql + pg::QuoteIdent(key_columns[0]) + " = ANY($1::" + types[0] + "[])";
  }
  sql += '(';
  for (size_t i = 0; i < key_columns.size(); ++i) {
    if (i) sql += ", ";
    sql += pg::QuoteIdent(key_columns[i]);
  }
  sql += ") IN (";
  AppendUnnestSelect(sql, types, key_columns.size());
  return sql + ')';
}

void AppendArrayElement(std::string* array, const std::optional<std::string_view>& value) {
  const char separator = array->empty() ? '{' : ',';
  if (!value) {
    const char null_element[] = {separator, 'N', 'U', 'L', 'L'};
    array->append(null_element, sizeof(null_element));
    return;
  }
  const std::string_view v = *value;
  const char open[] = {separator, '"'};
  array->append(open, sizeof(open));
  // Most values have nothing to escape: two memchr scans, then one copy.
  if (v.empty() || (std::memchr(v.data(), '"', v.size()) == nullptr &&
                    std::memchr(v.data(), '\\', v.size()) == nullptr)) {
    array->append(v.data(), v.size());
  } else {
    size_t start = 0;
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '"' || v[i] == '\\') {
        array->append(v, start, i - start);
        array->push_back('\\');
        start = i;
      }
    }
    array->append(v, start, std::string::npos);
  }
  array->push_back('"');
}

std::string BuildTruncate(const TableId& table) { return "TRUNCATE TABLE " + table.Quoted(); }

std::string BuildCreateTable(const TableId& table, const std::vector<ColumnDefinition>& columns,
                             const std::vector<std::string>& primary_key) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + table.Quoted() + " (";
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i) sql += ", ";
    sql += Definition(columns[i]);
  }
  if (!primary_key.empty()) {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < primary_key.size(); ++i) {
      if (i) sql += ", ";
      sql += pg::QuoteIdent(primary_key[i]);
    }
    sql += ')';
  }
  return sql + ")";
}

std::string BuildAddColumn(const TableId& table, const ColumnDefinition& column) {
  return "ALTER TABLE " + table.Quoted() + " ADD COLUMN IF NOT EXISTS " + Definition(column);
}

Result<ColumnDefinition> DefineColumn(const ColumnSpec& column, bool for_alter,
                                      bool use_source_type) {
  ColumnDefinition def;
  def.name = column.name;
  WR_ASSIGN_OR_RETURN(def.type, PgColumnType(*column.schema, use_source_type));
  if (column.schema->default_value && !column.schema->default_value->is_null()) {
    WR_ASSIGN_OR_RETURN(def.default_text,
                        RenderValue(*column.schema, *column.schema->default_value));
  }
  def.not_null = column.primary_key || !column.schema->optional;
  if (for_alter && def.not_null && !def.default_text) def.not_null = false;
  return def;
}

}  // namespace walrelay::sink
