#pragma once

#include <string>

#include "convert/converter.h"

namespace walrelay::convert {

// Kafka Connect's org.apache.kafka.connect.converters.ByteArrayConverter: BYTES values pass
// through as they are (null stays null). Any other schema type fails with Connect's
// "Invalid schema type for ByteArrayConverter: <TYPE>"; a schemaless value that is not bytes with
// "ByteArrayConverter is not compatible with objects of type <Java class>". Read back, bytes are
// BYTES of Connect's optional bytes schema, as they are (null stays null). Stateless.
class ByteArrayConverter : public Converter {
 public:
  ConverterOutput output() const override { return ConverterOutput::kBinary; }
  Result<bool> Serialize(std::string_view topic, bool is_key, const data::SchemaPtr& schema,
                         const data::Value& value, std::string* out) override;
  Result<SchemaAndValue> Deserialize(std::string_view topic, bool is_key,
                                     std::optional<std::string_view> bytes) override;
};

}  // namespace walrelay::convert
