#pragma once

// The text forms Java gives numbers, bytes and dates, in one place, so that every part of walrelay
// that imitates a Java component (Debezium's value converters, Kafka Connect's JsonConverter and
// Cast transform, the JDBC sink) prints a value the same way.
//
// Which JDK: Java 17. Kafka Connect 4.x needs Java 17 or later and 17 is its baseline (Kafka's
// compatibility matrix), Debezium 3.x needs 17, and Debian 12's default JDK, on which the
// differential tests run Kafka Connect and Debezium, is 17. The choice matters for doubles and
// floats only: JDK 19 replaced Double.toString / Float.toString (JDK-4511638, Raffaello
// Giulietti's shortest-decimal algorithm), so on Java 19+ a few values print differently, e.g.
// 1.0E23 is "1.0E23" there and "9.999999999999999E22" on 17. Everything else here (BigDecimal,
// Base64, java.time) prints the same on every JDK since 8. docs/formatting.md has the details.
//
// Every function is pure, never fails and is thread-safe. The Append* forms append to `out`.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace walrelay {

// ---------------------------------------------------------------------------------------------
// Double.toString / Float.toString as JDK 17 prints them (FloatingDecimal's dtoa, not always the
// shortest digits): "1.0", "0.001", "1.0E7", "1.0E-4", "-0.0", "NaN", "Infinity",
// "9.999999999999999E22" for 1e23, "1.69187328E8" for 1.6918733E8f (an integral float >= 1e7
// prints all its digits). Plain notation for 1e-3 <= |v| < 1e7, otherwise d.dddE[-]n.
void AppendJavaDouble(std::string* out, double v);
void AppendJavaFloat(std::string* out, float v);
std::string JavaDoubleToString(double v);
std::string JavaFloatToString(float v);
// The significant digits Double.toString shows for a finite, non-zero `v`, as
// |v| = 0.DIGITS x 10^point without trailing zeros (what new BigDecimal(Double.toString(v)) holds,
// i.e. BigDecimal.valueOf(v)). Empty digits and point 0 for zero and non-finite values.
void JavaDoubleDigits(double v, std::string* digits, int* point);

// ---------------------------------------------------------------------------------------------
// Decimals. Connect's Decimal (and Debezium's VariableScaleDecimal) hold a BigDecimal as its
// unscaled value, big-endian two's-complement bytes as BigInteger.toByteArray writes them, and a
// scale: value = unscaled * 10^-scale.

// The decimal digits of the magnitude of the two's-complement integer `unscaled` (new
// BigInteger(bytes)), without leading zeros; "0" for zero and for empty input. Sets *negative.
std::string UnscaledToDigits(std::string_view unscaled, bool* negative);
// BigInteger.toByteArray of the integer whose magnitude has the ASCII decimal `digits` (leading
// zeros allowed; empty means zero): minimal bytes, zero is the single byte 0x00, "-0" is zero.
// Requires `digits` to hold only '0'..'9'.
std::string DigitsToUnscaled(bool negative, std::string_view digits);

// BigDecimal.toString of sign, unscaled magnitude `digits` (no leading zeros, "0" for zero) and
// `scale`: plain when scale >= 0 and the adjusted exponent is >= -6 ("123.45", "0.000001"),
// scientific otherwise ("1.2E-7", "0E-7", "1.2345E+7" for scale -3). Zero never has a sign.
void AppendJavaBigDecimal(std::string* out, bool negative, std::string_view digits, int32_t scale);
// BigDecimal.toPlainString of the same: never an exponent ("0.0000001", "12345000"; zero at a
// negative scale is "0").
void AppendJavaBigDecimalPlain(std::string* out, bool negative, std::string_view digits,
                               int32_t scale);
// The two above for unscaled two's-complement bytes.
std::string JavaBigDecimalToString(std::string_view unscaled, int32_t scale);
std::string JavaBigDecimalToPlainString(std::string_view unscaled, int32_t scale);

// ---------------------------------------------------------------------------------------------
// java.util.Base64: RFC 4648 with '=' padding and no line breaks, the basic alphabet ("+/", what
// Jackson writes for a byte[]) or the URL-safe one ("-_", Base64.getUrlEncoder(), padded too).
enum class Base64Alphabet { kBasic, kUrlSafe };
void AppendBase64(std::string* out, std::string_view bytes,
                  Base64Alphabet alphabet = Base64Alphabet::kBasic);
std::string Base64Encode(std::string_view bytes, Base64Alphabet alphabet = Base64Alphabet::kBasic);
// Decodes basic-alphabet base64 into `out` (replacing its contents). Padding is optional;
// whitespace and characters outside the alphabet make it return false.
bool DecodeBase64(std::string_view text, std::string* out);

// ---------------------------------------------------------------------------------------------
// java.util.HashMap<String, V>: its hash(key), String.hashCode of the key's UTF-16 form spread
// (h ^ h >>> 16), and the order a HashMap built with the default capacity (16) and load factor
// (0.75) iterates keys put in the order of `keys` (distinct): bucket by bucket, and within a
// bucket in the order they were put. Returns indices into `keys`. (A bucket of eight or more keys
// in a table of 64 or more becomes a tree, which this does not model.)
uint32_t JavaStringHash(std::string_view utf8);
std::vector<size_t> JavaHashMapOrder(const std::vector<std::string_view>& keys);

// ---------------------------------------------------------------------------------------------
// Days and dates: the proleptic Gregorian calendar of java.time, with astronomical year numbering
// (year 0 is 1 BC, -1 is 2 BC).

// Math.floorDiv / Math.floorMod: rounding towards negative infinity. `b` must not be 0.
int64_t FloorDiv(int64_t a, int64_t b);
int64_t FloorMod(int64_t a, int64_t b);

inline constexpr int64_t kSecondsPerDay = 86400;

struct CivilDate {
  int64_t year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

// Days since 1970-01-01 (LocalDate.toEpochDay). Lenient like SimpleDateFormat: a month outside
// 1..12 rolls into neighbouring years and a day outside the month into neighbouring months.
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);
// LocalDate.ofEpochDay. Valid for any day count whose year fits int64.
CivilDate CivilFromDays(int64_t epoch_day);

// LocalDate.toString / DateTimeFormatter.ISO_LOCAL_DATE: "2024-01-02"; years past 9999 get a '+'
// ("+10000-01-01"), years before 0 a '-' and at least four digits ("-0044-03-15").
void AppendIsoDate(std::string* out, const CivilDate& date);
// DateTimeFormatter.ISO_LOCAL_TIME's "HH:mm:ss" and fraction for a time of day in nanoseconds
// (0 <= nanos_of_day < 86400 * 10^9): `fraction_digits` 1..9 prints exactly that many digits;
// 0 prints as many as needed without trailing zeros, and none for a whole second.
void AppendIsoTime(std::string* out, int64_t nanos_of_day, int fraction_digits);

}  // namespace walrelay
