#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "data/record.h"

namespace walrelay::convert {

inline constexpr char kSimpleHeaderConverterClass[] =
    "org.apache.kafka.connect.storage.SimpleHeaderConverter";

// Kafka Connect's default header.converter, SimpleHeaderConverter.fromConnectHeader: a header's
// value as the UTF-8 text Connect's Values.convertToString gives it. A string is its text; numbers
// and booleans as Java prints them; bytes in base64; a Decimal as BigDecimal.toString; Date, Time
// and Timestamp in ISO 8601 (UTC, milliseconds, as the JVM default time zone UTC prints them);
// arrays, maps and structs as `[a,b]`, `{"k":v}` and `{"field":v}` with strings quoted and `\` and
// `"` escaped inside them. nullopt for a null value (Kafka's null header value). kDataError for a
// value its schema does not describe.
Result<std::optional<std::string>> SimpleHeaderBytes(const data::Header& header);

}  // namespace walrelay::convert
