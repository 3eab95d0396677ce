#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::pg {
class Connection;
}

namespace walrelay::source {

// Debezium's value-mapping modes (connector properties of the same names).
enum class DecimalHandlingMode { kPrecise, kDouble, kString };
enum class TimePrecisionMode { kAdaptive, kAdaptiveTimeMicroseconds, kConnect };
enum class BinaryHandlingMode { kBytes, kBase64, kBase64UrlSafe, kHex };
enum class IntervalHandlingMode { kNumeric, kString };

struct TypeModes {
  DecimalHandlingMode decimal = DecimalHandlingMode::kPrecise;
  TimePrecisionMode time = TimePrecisionMode::kAdaptive;
  BinaryHandlingMode binary = BinaryHandlingMode::kBytes;
  IntervalHandlingMode interval = IntervalHandlingMode::kNumeric;
};

// What PostgreSQL's pg_type says about one type.
struct PgType {
  uint32_t oid = 0;
  std::string name;       // typname, e.g. "int4", "_int4", "my_enum"
  char typtype = 'b';     // b base, d domain, e enum, c composite, r range, m multirange, p pseudo
  uint32_t base_oid = 0;  // domains: typbasetype
  int32_t base_typmod = -1;              // domains: typtypmod
  uint32_t element_oid = 0;              // arrays: typelem (0 when not an array)
  std::vector<std::string> enum_labels;  // enums, in sort order
};

// oid -> PgType for every type walrelay may meet. Built-in types are known without a database;
// Load() adds user types (enums, domains, arrays of them) from pg_type. Not thread-safe.
class TypeCatalog {
 public:
  TypeCatalog();  // seeded with PostgreSQL's built-in types
  // Reads pg_type (and pg_enum) through `conn`. Fails when the query fails.
  Status Load(pg::Connection& conn);
  void Add(PgType type);
  const PgType* Find(uint32_t oid) const;

 private:
  std::unordered_map<uint32_t, PgType> types_;
};

// How one column's text values become Connect values. Built once per relation column.
class ColumnMapping {
 public:
  ColumnMapping() = default;
  // The Connect schema Debezium gives this column (optional when the column is nullable).
  const data::SchemaPtr& schema() const { return schema_; }
  // Converts PostgreSQL's text output for this column to a Connect value of schema().
  // Returns kDataError naming the type and the text when the text cannot be parsed.
  Result<data::Value> FromText(std::string_view text) const;
  // True when the type was unknown and is passed on as its text form.
  bool passthrough() const { return passthrough_; }

 private:
  friend class TypeMapper;
  struct Impl;
  data::SchemaPtr schema_;
  std::shared_ptr<const Impl> impl_;
  bool passthrough_ = false;
};

// Maps PostgreSQL column types to Debezium's Connect schemas and values.
class TypeMapper {
 public:
  TypeMapper(const TypeCatalog* catalog, TypeModes modes) : catalog_(catalog), modes_(modes) {}

  // `type_modifier` is atttypmod (-1 when none). `optional` is the column's nullability.
  // Unknown types map to an optional string of their text form and log one warning per type.
  ColumnMapping Map(uint32_t type_oid, int32_t type_modifier, bool optional);

  // The Connect default of a column of `type_oid` mapped as `mapping` (from Map), from its default
  // expression as pg_get_expr prints it in walrelay's session (UTC, ISO dates), following
  // Debezium's PostgresDefaultValueConverter: a constant of the type ('abc'::character varying,
  // 42, true, '2024-01-31'::date, 'x'::my_enum) is converted like a value of the column, in the
  // handling modes; a function call or CURRENT_* gives the type's placeholder (0, 0.0, false, "",
  // "{}", the zero UUID, the epoch) except for interval, bit and enum columns; NULL::type, other
  // expressions, other types (bytea, money, arrays, domains, ...) and defaults Connect cannot
  // hold (a variable-scale numeric's struct) give none: nullptr. Never fails.
  std::shared_ptr<const data::Value> Default(uint32_t type_oid, const ColumnMapping& mapping,
                                             std::string_view expression) const;

 private:
  const TypeCatalog* catalog_;
  TypeModes modes_;
  std::unordered_map<uint32_t, bool> warned_;
};

}  // namespace walrelay::source
