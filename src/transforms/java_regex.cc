#include "transforms/java_regex.h"

#include <cctype>

namespace walrelay::transforms {

Result<JavaRegex> JavaRegex::Compile(std::string_view pattern) {
  JavaRegex out;
  out.pattern_ = std::string(pattern);
  std::string ecma;
  ecma.reserve(pattern.size());
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      ecma += c;
      ecma += pattern[++i];
      continue;
    }
    if (c == '[') {  // a character class: '(' inside is literal
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      if (j < pattern.size() && pattern[j] == ']') ++j;
      while (j < pattern.size() && pattern[j] != ']') j += (pattern[j] == '\\') ? 2 : 1;
      size_t end = std::min(j, pattern.size() - 1);
      ecma.append(pattern.substr(i, end - i + 1));
      i = end;
      continue;
    }
    if (c == '(') {
      bool named = i + 2 < pattern.size() && pattern[i + 1] == '?' && pattern[i + 2] == '<' &&
                   i + 3 < pattern.size() && pattern[i + 3] != '=' && pattern[i + 3] != '!';
      if (named) {
        size_t close = pattern.find('>', i + 3);
        if (close == std::string_view::npos) {
          return InvalidArgument("invalid regex '" + out.pattern_ + "': unterminated group name");
        }
        std::string name(pattern.substr(i + 3, close - i - 3));
        out.named_groups_[name] = ++out.group_count_;
        ecma += '(';
        i = close;
        continue;
      }
      if (i + 1 >= pattern.size() || pattern[i + 1] != '?') ++out.group_count_;
    }
    ecma += c;
  }
  try {
    out.regex_ = std::regex(ecma, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return InvalidArgument("invalid regex '" + out.pattern_ + "': " + e.what());
  }
  if (out.regex_.mark_count() != out.group_count_) {
    out.group_count_ = out.regex_.mark_count();
  }
  return out;
}

bool JavaRegex::Matches(const std::string& input, std::smatch* match) const {
  std::smatch local;
  try {
    return std::regex_match(input, match ? *match : local, regex_);
  } catch (const std::regex_error&) {
    return false;  // too complex for std::regex on this input: treated as no match
  }
}

namespace {

// Walks a Java replacement string, calling on_literal(text) and on_group(index) in order.
// Returns an error for a malformed reference.
template <typename Literal, typename Group>
Status WalkReplacement(std::string_view r, size_t group_count,
                       const std::map<std::string, size_t>& named, Literal on_literal,
                       Group on_group) {
  for (size_t i = 0; i < r.size(); ++i) {
    char c = r[i];
    if (c == '\\') {
      if (i + 1 >= r.size()) return InvalidArgument("character to be escaped is missing");
      on_literal(r.substr(++i, 1));
    } else if (c == '$') {
      if (i + 1 >= r.size())
        return InvalidArgument("Illegal group reference: group index is missing");
      if (r[i + 1] == '{') {
        size_t close = r.find('}', i + 2);
        if (close == std::string_view::npos) {
          return InvalidArgument("named capturing group is missing trailing '}'");
        }
        std::string name(r.substr(i + 2, close - i - 2));
        auto it = named.find(name);
        if (it == named.end()) return InvalidArgument("No group with name {" + name + "}");
        on_group(it->second);
        i = close;
      } else {
        if (!std::isdigit(static_cast<unsigned char>(r[i + 1]))) {
          return InvalidArgument("Illegal group reference");
        }
        size_t ref = static_cast<size_t>(r[++i] - '0');
        while (i + 1 < r.size() && std::isdigit(static_cast<unsigned char>(r[i + 1]))) {
          size_t next = ref * 10 + static_cast<size_t>(r[i + 1] - '0');
          if (next > group_count) break;
          ref = next;
          ++i;
        }
        if (ref > group_count) return InvalidArgument("No group " + std::to_string(ref));
        on_group(ref);
      }
    } else {
      on_literal(r.substr(i, 1));
    }
  }
  return Status::Ok();
}

}  // namespace

Status JavaRegex::CheckReplacement(std::string_view replacement) const {
  Status s = WalkReplacement(
      replacement, group_count_, named_groups_, [](std::string_view) {}, [](size_t) {});
  if (!s.ok()) {
    return InvalidArgument("replacement '" + std::string(replacement) + "' for regex '" + pattern_ +
                           "': " + s.message());
  }
  return s;
}

std::string JavaRegex::Expand(std::string_view replacement, const std::smatch& match) const {
  std::string out;
  (void)WalkReplacement(
      replacement, group_count_, named_groups_, [&](std::string_view text) { out += text; },
      [&](size_t group) {
        if (group < match.size() && match[group].matched) out += match[group].str();
      });
  return out;
}

}  // namespace walrelay::transforms
