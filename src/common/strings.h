#pragma once

// ASCII text helpers every subsystem needs for property values, keys and option words. Locale
// independent: only the ASCII letters change case and only ASCII whitespace is trimmed, as Java's
// String.trim() / toLowerCase(Locale.ROOT) do for the characters that occur in configs. Pure and
// thread-safe.

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

}  // namespace walrelay
