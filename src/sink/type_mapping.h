#pragma once

#include <optional>
#include <string>

#include "common/status.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::sink {

// Connect schema -> PostgreSQL type, and Connect value -> PostgreSQL text input. Pure: no I/O.
//
// Logical types are recognised by schema name (Connect's Decimal/Date/Time/Timestamp and
// Debezium's io.debezium.time.*, io.debezium.data.*); anything else follows the physical type.

// The column type for CREATE TABLE / ALTER TABLE ADD COLUMN, e.g. "bigint", "numeric(10,2)",
// "timestamp", "text[]", as Debezium's JDBC sink creates it for PostgreSQL (checked by
// tests/integration/peers_sink_test.cc), except that a VariableScaleDecimal is an exact numeric,
// not Debezium's double precision (docs/compatibility.md). With `use_source_type` (the Debezium
// flavor), the source column's type that Debezium's column.propagate.source.type puts in the
// schema's parameters (__debezium.source.column.type, .length, .scale) refines it as Debezium's
// JDBC sink does: varchar(n), char(n), jsonb, inet, cidr, macaddr, time(p), timestamp(p),
// timestamptz(p), timetz(p). kDataError naming the type for maps and unsupported structs.
Result<std::string> PgColumnType(const data::Schema& schema, bool use_source_type = false);

// Renders a value as the text a column of PgColumnType(schema) accepts as input: decimal strings
// for Decimal bytes, 'YYYY-MM-DD' for day counts, 'YYYY-MM-DD HH:MM:SS.ffffff' for epoch-based
// timestamps (UTC), '\x..' hex for bytes, '{..}' literals for arrays. nullopt for a null value.
// kDataError when the value does not fit the schema (wrong kind, NUL in a string, bad scale).
Result<std::optional<std::string>> RenderValue(const data::Schema& schema,
                                               const data::Value& value);

// Building blocks, exposed for tests and for callers that render outside a schema. A Decimal's
// text is JavaBigDecimalToPlainString (common/java_format.h).
// Days since 1970-01-01 -> "YYYY-MM-DD" ("YYYY-MM-DD BC" before year 1).
std::string FormatDate(int64_t days);
// Time since 1970-01-01T00:00 UTC in units of 10^-digits seconds (digits 3, 6 or 9) ->
// "YYYY-MM-DD HH:MM:SS[.fff...]" with exactly `digits` fraction digits.
std::string FormatTimestamp(int64_t ticks, int digits);
// Time of day in units of 10^-digits seconds -> "HH:MM:SS.fff..." (24:00:00 allowed).
std::string FormatTime(int64_t ticks, int digits);

}  // namespace walrelay::sink
