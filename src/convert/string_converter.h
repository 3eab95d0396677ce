#pragma once

#include <string>

#include "common/status.h"
#include "convert/converter.h"
#include "data/schema.h"
#include "data/value.h"

namespace walrelay::convert {

// Appends what Java's String.valueOf prints for the Connect value (schema may be null), as Kafka
// Connect's StringConverter writes it:
//   struct        Struct{<field>=<value>,...}, fields whose value is null left out (Kafka's
//                 Struct.toString)
//   array, map    [a, b] and {k=v, k2=v2} (java.util.List / Map), map entries in record order
//   FLOAT32/64    Float.toString / Double.toString; integers in decimal; booleans true/false
//   Decimal       BigDecimal.toString ("1.50", "1E+3")
//   Date, Time, Timestamp   java.util.Date.toString with the JVM's zone taken as UTC:
//                 "Thu Jan 01 00:00:00 UTC 1970"
//   other bytes   java.nio.HeapByteBuffer[pos=0 lim=<n> cap=<n>] (what a ByteBuffer prints; a
//                 byte[] would print an identity hash, "[B@1b6d3586", which cannot be
//                 reproduced)
//   null          null
// Fails (kDataError) only when a Decimal's scale parameter is missing or bad.
Status AppendJavaToString(const data::Schema* schema, const data::Value& value, std::string* out);

// What Java's new String(bytes, UTF_8) makes of `bytes`, re-encoded in UTF-8: valid UTF-8 as it
// is, each maximal ill-formed subsequence (Unicode's "maximal subpart" practice, which the JDK's
// decoder follows) replaced by U+FFFD. Never fails.
std::string DecodeUtf8Lossy(std::string_view bytes);

// Kafka Connect's org.apache.kafka.connect.storage.StringConverter: the value's toString()
// (AppendJavaToString) encoded in UTF-8; null stays null. Read back, bytes are a string of
// Connect's optional string schema, decoded as Java decodes UTF-8 (DecodeUtf8Lossy: malformed
// bytes never fail); null stays null. Stateless apart from a JsonConverter used to print
// Decimals.
class StringConverter : public Converter {
 public:
  ConverterOutput output() const override { return ConverterOutput::kText; }
  Result<bool> Serialize(std::string_view topic, bool is_key, const data::SchemaPtr& schema,
                         const data::Value& value, std::string* out) override;
  Result<SchemaAndValue> Deserialize(std::string_view topic, bool is_key,
                                     std::optional<std::string_view> bytes) override;
};

}  // namespace walrelay::convert
