#pragma once

// ASCII text helpers every subsystem needs for property values, keys and option words. Locale
// independent: only the ASCII letters change case and only ASCII whitespace is trimmed, as Java's
// String.trim() / toLowerCase(Locale.ROOT) do for the characters that occur in configs. Pure and
// thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace walrelay {

// True for ' ', '\t', '\n', '\r', '\f' and '\v'.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
// `s` without leading and trailing ASCII whitespace; a view into `s`.
std::string_view Trim(std::string_view s);
// `s` with 'A'..'Z' replaced by 'a'..'z' (and the reverse for ToUpper); other bytes unchanged.
std::string ToLower(std::string_view s);
std::string ToUpper(std::string_view s);
// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
// The value of hex digit `c` (0-9, a-f, A-F), or -1.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// Appends code point `cp` (at most U+10FFFF) to `out` as UTF-8.
void AppendUtf8(std::string* out, uint32_t cp);

}  // namespace walrelay
