#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config_def.h"
#include "config/connector_config.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::convert {

struct AvroConverterSettings;

inline constexpr char kJsonConverterClass[] = "org.apache.kafka.connect.json.JsonConverter";
inline constexpr char kStringConverterClass[] = "org.apache.kafka.connect.storage.StringConverter";
inline constexpr char kByteArrayConverterClass[] =
    "org.apache.kafka.connect.converters.ByteArrayConverter";

// What a converter's bytes are, so a printer can show them: JSON text (embedded as is), text
// (a JSON string), arbitrary bytes (base64), or Confluent's Avro wire format (shown as the Avro
// JSON encoding of the record, through Converter::DisplayJson).
enum class ConverterOutput { kJson, kText, kBinary, kAvro };

// A key or value in Kafka Connect's terms: its schema (null when schemaless) and the value.
struct SchemaAndValue {
  data::SchemaPtr schema;
  data::Value value;
};

// Kafka Connect's Converter, both ways: fromConnectData (Serialize) turns a record's key or value
// into the bytes a Kafka message would carry, toConnectData (Deserialize) turns a consumed
// message's key or value bytes back into a schema and value. Built once per connector and role
// from its config (see CreateConverter) and then used by the connector's single task thread;
// implementations may cache.
class Converter {
 public:
  virtual ~Converter() = default;

  virtual ConverterOutput output() const = 0;

  // Appends the bytes of (schema, value), the key (`is_key`) or value of a record of `topic`, to
  // `out` and returns true; returns false, appending nothing, where Connect's converter returns
  // null bytes (a tombstone value, a null key). Fails with kDataError and Connect's message when
  // the value cannot be converted (leaving `out` partly written: the caller truncates).
  virtual Result<bool> Serialize(std::string_view topic, bool is_key, const data::SchemaPtr& schema,
                                 const data::Value& value, std::string* out) = 0;

  // The schema and value of `bytes`, the key (`is_key`) or value of a message of `topic`;
  // nullopt is a null key or value (a tombstone). Fails with kDataError and Connect's message
  // when the bytes cannot be read (malformed JSON, a JSON payload that does not fit its schema).
  virtual Result<SchemaAndValue> Deserialize(std::string_view topic, bool is_key,
                                             std::optional<std::string_view> bytes) = 0;

  // For kAvro output: the JSON a person reads for `bytes` (what Confluent's Avro console consumer
  // prints). Other converters' bytes are shown by the printer itself: kFatal.
  virtual Result<std::string> DisplayJson(std::string_view /*topic*/, bool /*is_key*/,
                                          std::string_view /*bytes*/) {
    return FatalError("this converter's bytes have no display form");
  }
};

// A connector's key.converter or value.converter setting, parsed and checked.
struct ConverterSettings {
  std::string property;  // "key.converter" or "value.converter"
  std::string class_name = kJsonConverterClass;
  bool schemas_enable = true;    // JsonConverter schemas.enable
  bool decimal_numeric = false;  // JsonConverter decimal.format=NUMERIC
  // AvroConverter's settings (registry, subject strategies, AvroData options); null otherwise.
  std::shared_ptr<const AvroConverterSettings> avro;
  // StringConverter's converter.encoding accepts UTF-8 only, so it needs no field.

  // Reads `<role>.converter` and its `<role>.converter.*` options from `config` (`is_key` picks
  // the role). A class other than the three above is kInvalidArgument: "<file>: value.converter
  // <class> is not supported yet; supported: ...". Options are checked against the class's
  // ConverterDef: a bad value is kInvalidArgument naming the property, the value and what is
  // allowed; unknown or unimplemented options append a warning to `warnings` (may be null).
  static Result<ConverterSettings> Parse(const config::ConnectorConfig& config, bool is_key,
                                         std::vector<std::string>* warnings);
};

// The converter the settings describe.
std::unique_ptr<Converter> CreateConverter(const ConverterSettings& settings);

// The converter classes walrelay implements, in a fixed order.
std::vector<std::string> SupportedConverterClasses();

// The options of a converter class as a ConfigDef whose property names start with `prefix`
// ("value.converter."; "" for the docs), or nullptr for a class walrelay does not implement.
// Built per call.
std::unique_ptr<config::ConfigDef> ConverterDef(std::string_view class_name,
                                                const std::string& prefix);

}  // namespace walrelay::convert
