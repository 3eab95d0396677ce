#pragma once

// Small append-only JSON writing helpers that produce exactly the bytes Jackson (the JSON library
// inside Kafka Connect and Debezium) writes, so walrelay's JSON is indistinguishable from theirs.
// Every function appends to `out` and never fails. Stateless and thread-safe.

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

// Java's Double.toString(v) exactly as JDK 8 to 18 print it (FloatingDecimal; Kafka Connect 3.x
// runs on Java 11 or 17): "1.0", "0.1", "1.0E7", "1.0E-4", "-0.0", "NaN", "Infinity", and the
// old algorithm's non-shortest cases such as "9.999999999999999E22" for 1e23. Not quoted.
void AppendJavaDouble(std::string* out, double v);
// Java's Float.toString(v), same JDK generation: "0.1" for 0.1f, "3.14" for 3.14f,
// "1.69187328E8" for 1.6918733E8f (an integral float prints all its digits).
void AppendJavaFloat(std::string* out, float v);

// A JSON number as Jackson writes a Java double/float: the Java text, except that NaN and the
// infinities are written as the quoted strings "NaN", "Infinity", "-Infinity" (Jackson's default
// WRITE_NAN_AS_STRINGS).
void AppendJsonDouble(std::string* out, double v);
void AppendJsonFloat(std::string* out, float v);

// Appends the standard base64 (RFC 4648 alphabet, '=' padding, no line breaks) of `bytes`, without
// quotes: how Jackson writes a byte[].
void AppendBase64(std::string* out, std::string_view bytes);
// Decodes standard base64 into `out` (replacing its contents). Padding is optional; whitespace and
// characters outside the alphabet make it return false.
bool DecodeBase64(std::string_view text, std::string* out);

}  // namespace walrelay::convert
