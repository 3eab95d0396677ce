#pragma once

// Small append-only JSON writing helpers that produce exactly the bytes Jackson (the JSON library
// inside Kafka Connect and Debezium) writes, so walrelay's JSON is indistinguishable from theirs.
// Every function appends to `out` and never fails. Stateless and thread-safe. Base64 (Jackson's
// byte[] form) and the Java number texts live in common/java_format.h.

#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay::convert {

// Appends `s` as a quoted JSON string, escaped as Jackson does: '"' and '\\' get a backslash,
// \b \f \n \r \t their short forms, other control characters below 0x20 become \u00XX (upper-case
// hex). '/', DEL and non-ASCII bytes (UTF-8) pass through unchanged.
void AppendJsonString(std::string* out, std::string_view s);

inline void AppendJsonBool(std::string* out, bool v) { out->append(v ? "true" : "false"); }
void AppendJsonInt(std::string* out, int64_t v);
void AppendJsonUint(std::string* out, uint64_t v);

// A JSON number as Jackson writes a Java double/float: Double.toString / Float.toString
// (AppendJavaDouble in common/java_format.h, the JDK 17 text), except that NaN and the infinities
// are written as the quoted strings "NaN", "Infinity", "-Infinity" (Jackson's default
// WRITE_NAN_AS_STRINGS).
void AppendJsonDouble(std::string* out, double v);
void AppendJsonFloat(std::string* out, float v);

}  // namespace walrelay::convert
