#pragma once

#include <map>
#include <regex>
#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::transforms {

// A java.util.regex pattern as Connect configs write it, on top of std::regex (ECMAScript).
// Named groups "(?<name>...)", which std::regex lacks, are rewritten to numbered groups and
// remembered, so Java replacements "${name}" keep working. Immutable after Compile.
class JavaRegex {
 public:
  // Fails (kInvalidArgument, with the reason) when the pattern is not a valid regex.
  static Result<JavaRegex> Compile(std::string_view pattern);

  // Java Matcher.matches(): true only when the whole input matches.
  bool Matches(const std::string& input, std::smatch* match = nullptr) const;

  // Checks a Java replacement string ("$1", "${name}", "\$") against the pattern's groups.
  Status CheckReplacement(std::string_view replacement) const;
  // Expands a Java replacement against a match (as Matcher.appendReplacement does). The
  // replacement must have passed CheckReplacement.
  std::string Expand(std::string_view replacement, const std::smatch& match) const;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;
  std::regex regex_;
  size_t group_count_ = 0;
  std::map<std::string, size_t> named_groups_;
};

}  // namespace walrelay::transforms
