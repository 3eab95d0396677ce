#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::transforms {

// Text forms Java gives values, so transforms that turn values into strings (Cast, MaskField,
// TimestampConverter) print what Kafka Connect prints.

// Double.toString / Float.toString: "1.0", "0.001", "1.0E7", "1.234E-5", "NaN", "Infinity".
std::string JavaDoubleToString(double value);
std::string JavaFloatToString(float value);
// java.util.Base64 basic encoder (with padding).
std::string Base64Encode(std::string_view bytes);
// BigDecimal.toString of a Connect Decimal: big-endian two's-complement unscaled bytes and scale.
std::string DecimalToString(std::string_view unscaled, int scale);

// Integer division and modulo rounding towards negative infinity.
int64_t FloorDiv(int64_t a, int64_t b);
int64_t FloorMod(int64_t a, int64_t b);
// Days since 1970-01-01 of a proleptic Gregorian date; month may be outside 1..12 (lenient).
int64_t DaysFromCivil(int64_t year, int64_t month, int64_t day);

inline constexpr int64_t kMillisPerDay = 86400000;

// A java.text.SimpleDateFormat in UTC, limited to the letters y M d H h m s S a and quoted
// literals ('T', '' for a quote). Parsing is lenient as SimpleDateFormat's is: out-of-range
// fields roll over and trailing text is ignored. Immutable after Compile.
class DateFormat {
 public:
  // Fails naming the unsupported letter or the unterminated quote.
  static Result<DateFormat> Compile(std::string_view pattern);

  // Formats milliseconds since the epoch.
  std::string Format(int64_t epoch_ms) const;
  // Parses to milliseconds since the epoch; kDataError when the text does not match.
  Result<int64_t> Parse(std::string_view text) const;
  const std::string& pattern() const { return pattern_; }

 private:
  struct Token {
    char letter = 0;  // 0 for a literal
    int count = 0;
    std::string literal;
  };
  std::string pattern_;
  std::vector<Token> tokens_;
};

}  // namespace walrelay::transforms
