#include "config/config_strings.h"

#include <charconv>

namespace walrelay::config {
std::vector<std::string> SplitTrimmed(std::string_view s, char sep) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view item = Trim(s.substr(start, end - start));
    if (!item.empty()) items.emplace_back(item);
    start = end + 1;
  }
  return items;
}

std::vector<std::string> SplitRegexList(std::string_view s) {
  std::vector<std::string> items;
  std::string current;
  auto flush = [&] {
    std::string_view item = Trim(current);
    if (!item.empty()) {
      std::string unescaped;
      for (size_t i = 0; i < item.size(); ++i) {
        if (item[i] == '\\' && i + 1 < item.size() && item[i + 1] == ',') continue;
        unescaped.push_back(item[i]);
      }
      items.push_back(std::move(unescaped));
    }
    current.clear();
  };
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\' && i + 1 < s.size()) {
      // An escape keeps the next character, so "\," is not a separator and "\\," is.
      current.push_back(c);
      current.push_back(s[++i]);
    } else if (c == ',') {
      flush();
    } else {
      current.push_back(c);
    }
  }
  flush();
  return items;
}

std::optional<int64_t> ParseInt64(std::string_view s) {
  std::string_view text = Trim(s);
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += sep;
    out += items[i];
  }
  return out;
}

}  // namespace walrelay::config
