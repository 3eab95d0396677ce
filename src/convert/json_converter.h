#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::convert {

// Kafka Connect's org.apache.kafka.connect.json.JsonConverter on walrelay's record model, writing
// the same bytes Kafka Connect writes on Java 17 (key order, number formatting, base64, escaping),
// so a consumer cannot tell which one produced a message.
//
// Configured once (schemas.enable, decimal.format) and then used for every record of a connector.
// Serialize and Deserialize are const and thread-safe: the only shared state is a cache of the
// JSON text of recently seen top-level schemas, guarded by a mutex (Connect caches the same way,
// schemas.cache.size = 1000).
class JsonConverter {
 public:
  // `schemas_enable`: Connect's schemas.enable (an envelope {"schema":..,"payload":..}).
  // `decimal_format_numeric`: decimal.format=NUMERIC (Decimal as a JSON number) instead of the
  // default BASE64 (the unscaled two's-complement bytes).
  explicit JsonConverter(bool schemas_enable, bool decimal_format_numeric = false);
  ~JsonConverter();
  JsonConverter(JsonConverter&&) noexcept;
  JsonConverter& operator=(JsonConverter&&) noexcept;

  // True when Connect's fromConnectData returns null bytes for (schema, value): both are null.
  // A Kafka producer must send a null value (a tombstone) for such a record, not text.
  static bool IsNullRecord(const data::SchemaPtr& schema, const data::Value& value) {
    return schema == nullptr && value.is_null();
  }

  // Appends the JSON of (schema, value) to `out`: the envelope when schemas are enabled, else the
  // payload alone. A null schema means schemaless (types inferred from the value, as Connect
  // does). For a null record (see IsNullRecord) appends `null`, the text a JSON-lines consumer
  // prints for a tombstone. Returns kDataError (leaving `out` partially written) when the value
  // does not fit the schema, naming the field path, e.g. a null in a required field without a
  // default, a value of the wrong kind, or a struct whose schema is not the field's schema.
  Status Serialize(const data::SchemaPtr& schema, const data::Value& value, std::string* out) const;

  // The inverse (Connect's toConnectData): with schemas enabled, `json` must be an envelope with
  // exactly "schema" and "payload"; the schema is rebuilt (name, version, doc, parameters,
  // optional, default) and the payload read through it (base64 for bytes and Decimal, numbers
  // for Decimal too). Without schemas, or with a null schema, returns a null schema and values
  // whose kinds follow the JSON: integers int64, other numbers double, objects string-keyed
  // Maps. Tombstones (null bytes) never reach here: the caller maps them to (nullptr, null).
  // Returns kDataError for malformed JSON ("Converting byte[] to Kafka Connect data failed due to
  // serialization error: ..." as Connect says) or a payload that does not fit its schema.
  Result<std::pair<data::SchemaPtr, data::Value>> Deserialize(std::string_view json) const;

  // The JSON of a schema alone (Connect's asJsonSchema), or `null` for a null schema.
  Status AppendSchemaJson(const data::SchemaPtr& schema, std::string* out) const;

 private:
  struct SchemaCache;
  bool schemas_enable_;
  bool decimal_format_numeric_;
  std::unique_ptr<SchemaCache> cache_;
};

}  // namespace walrelay::convert
