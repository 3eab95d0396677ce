#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::transforms {

// Java's date text for transforms that turn values into strings and back (Cast,
// TimestampConverter). Numbers, decimals, base64 and the calendar arithmetic are in
// common/java_format.h.

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
