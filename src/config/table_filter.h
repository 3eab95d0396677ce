#pragma once

#include <regex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "config/connector_config.h"

namespace walrelay::config {

// Debezium's schema/table/column include and exclude lists for the PostgreSQL connector.
// Each list is comma-separated regular expressions (a comma inside a pattern is written "\,"),
// matched case-insensitively against the whole name (anchored, Java's Matcher.matches()):
//   schema.include.list / schema.exclude.list: the schema name,
//   table.include.list / table.exclude.list:   "schema.table",
//   column.include.list / column.exclude.list: "schema.table.column".
// A table is captured when both its schema and its table pass; the system schemas pg_catalog,
// information_schema and pg_toast (and pg_temp_N / pg_toast_temp_N) are always excluded.
// Patterns use std::regex ECMAScript syntax, which covers what Debezium configs use in practice
// (Java-only syntax such as possessive quantifiers or \p{...} fails at Create).
// Immutable after Create; Include* are pure and thread-safe. They cost a regex match per
// pattern, so hot paths (per-column decisions) should cache results per relation.
class TableFilter {
 public:
  // Compiles the six lists. kInvalidArgument naming the property and the bad pattern, or when
  // an include list and its exclude list are both set.
  static Result<TableFilter> Create(const ConnectorConfig& config);

  bool IncludeSchema(std::string_view schema) const;
  bool IncludeTable(std::string_view schema, std::string_view table) const;
  // Only the column lists: a column of an excluded table still reports its own decision.
  bool IncludeColumn(std::string_view schema, std::string_view table,
                     std::string_view column) const;

 private:
  // An include or exclude list; `set` is false when the property is absent or blank.
  struct Patterns {
    bool set = false;
    std::vector<std::regex> regexes;
    bool Matches(std::string_view name) const;
  };
  // Applies an include/exclude pair: include set -> must match; else exclude set -> must not.
  static bool Passes(const Patterns& include, const Patterns& exclude, std::string_view name);

  Patterns schema_include_, schema_exclude_;
  Patterns table_include_, table_exclude_;
  Patterns column_include_, column_exclude_;
};

// The error Debezium raises when an include list and its exclude list are both set, as
// kInvalidArgument naming the exclude list; Ok otherwise. Checks schema.*, table.*, column.*.
Status CheckExclusiveFilterLists(const ConnectorConfig& config);

// message.key.columns: "<table regex>:<column>[,<column>...]" entries separated by ';', e.g.
// "inventory.customers:pk1,pk2;(.*).purchaseorders:pk3,pk4". The table part is a regex matched
// (anchored, case-insensitive) against "schema.table"; it is split from the columns at the last
// ':' so patterns like "(?:a|b).t" work. Returns (table regex, columns) in the order written.
// kInvalidArgument "property 'message.key.columns' has invalid value '<v>': <what>" (no file:
// add it with status().WithContext(file)).
using MessageKeyColumns = std::vector<std::pair<std::string, std::vector<std::string>>>;
Result<MessageKeyColumns> ParseMessageKeyColumns(std::string_view value);

}  // namespace walrelay::config
