#include "config/config_def.h"

#include <cstdlib>
#include <limits>
#include <regex>
#include <utility>

#include "config/config_strings.h"

namespace walrelay::config {
namespace {

constexpr char kHidden[] = "[hidden]";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool ContainsIgnoreCase(const std::vector<std::string>& allowed, std::string_view value) {
  for (const std::string& a : allowed) {
    if (EqualsIgnoreCase(a, value)) return true;
  }
  return false;
}

// Markdown table cells: a '|' would end the cell, a newline the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string Code(std::string_view text) { return "`" + Cell(text) + "`"; }

// Returns "" or the regex_error text for `pattern`, compiled as TableFilter compiles it.
std::string RegexProblem(const std::string& pattern) {
  try {
    std::regex re(pattern, std::regex::ECMAScript | std::regex::icase);
  } catch (const std::regex_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

const char* ConfigTypeName(ConfigType type) {
  switch (type) {
    case ConfigType::kString:
      return "string";
    case ConfigType::kInt:
      return "int";
    case ConfigType::kLong:
      return "long";
    case ConfigType::kDouble:
      return "double";
    case ConfigType::kBoolean:
      return "boolean";
    case ConfigType::kList:
      return "list";
    case ConfigType::kChoice:
      return "choice";
    case ConfigType::kPassword:
      return "password";
  }
  return "unknown";
}

PropertyDef&& PropertyDef::Required() && {
  required = true;
  return std::move(*this);
}

PropertyDef&& PropertyDef::WithCheck(ValueCheck c, std::string what) && {
  check = std::move(c);
  check_doc = std::move(what);
  return std::move(*this);
}

PropertyDef&& PropertyDef::Redact(Redaction r) && {
  redaction = r;
  return std::move(*this);
}

PropertyDef StringProp(std::string name, std::optional<std::string> default_value,
                       std::string doc) {
  PropertyDef def;
  def.name = std::move(name);
  def.type = ConfigType::kString;
  def.default_value = std::move(default_value);
  def.doc = std::move(doc);
  return def;
}

PropertyDef IntProp(std::string name, std::optional<int64_t> default_value, std::string doc) {
  PropertyDef def = StringProp(std::move(name), std::nullopt, std::move(doc));
  def.type = ConfigType::kInt;
  if (default_value) def.default_value = std::to_string(*default_value);
  return def;
}

PropertyDef LongProp(std::string name, std::optional<int64_t> default_value, std::string doc) {
  PropertyDef def = IntProp(std::move(name), default_value, std::move(doc));
  def.type = ConfigType::kLong;
  return def;
}

PropertyDef DoubleProp(std::string name, std::optional<std::string> default_value,
                       std::string doc) {
  PropertyDef def = StringProp(std::move(name), std::move(default_value), std::move(doc));
  def.type = ConfigType::kDouble;
  return def;
}

PropertyDef BoolProp(std::string name, bool default_value, std::string doc) {
  PropertyDef def = StringProp(std::move(name), default_value ? "true" : "false", std::move(doc));
  def.type = ConfigType::kBoolean;
  return def;
}

PropertyDef ChoiceProp(std::string name, std::vector<std::string> allowed,
                       std::optional<std::string> default_value, std::string doc) {
  PropertyDef def = StringProp(std::move(name), std::move(default_value), std::move(doc));
  def.type = ConfigType::kChoice;
  def.allowed = std::move(allowed);
  return def;
}

PropertyDef ListProp(std::string name, std::optional<std::string> default_value, std::string doc,
                     std::vector<std::string> allowed_items) {
  PropertyDef def = StringProp(std::move(name), std::move(default_value), std::move(doc));
  def.type = ConfigType::kList;
  def.allowed = std::move(allowed_items);
  return def;
}

PropertyDef PasswordProp(std::string name, std::string doc) {
  PropertyDef def = StringProp(std::move(name), std::nullopt, std::move(doc));
  def.type = ConfigType::kPassword;
  return def;
}

ValueCheck AtLeast(int64_t min) {
  return [min](std::string_view value) -> std::string {
    std::optional<int64_t> v = ParseInt64(value);
    if (v && *v >= min) return "";
    return "must be at least " + std::to_string(min);
  };
}

ValueCheck Between(int64_t min, int64_t max) {
  return [min, max](std::string_view value) -> std::string {
    std::optional<int64_t> v = ParseInt64(value);
    if (v && *v >= min && *v <= max) return "";
    return "must be between " + std::to_string(min) + " and " + std::to_string(max);
  };
}

ValueCheck ValidRegex() {
  return [](std::string_view value) -> std::string {
    std::string problem = RegexProblem(std::string(value));
    if (problem.empty()) return "";
    return "must be a valid regular expression (" + problem + ")";
  };
}

ValueCheck ValidRegexList() {
  return [](std::string_view value) -> std::string {
    for (const std::string& pattern : SplitRegexList(value)) {
      std::string problem = RegexProblem(pattern);
      if (!problem.empty()) {
        return "must be a comma-separated list of regular expressions; '" + pattern +
               "' is not valid (" + problem + ")";
      }
    }
    return "";
  };
}

bool IsFrameworkProperty(std::string_view key) {
  static constexpr std::string_view kExact[] = {
      "name", "connector.class", "tasks.max", "key.converter", "value.converter",
      "header.converter", "transforms", "predicates", "config.action.reload",
      // KIP-618 (exactly-once source connectors), accepted by every source connector.
      "exactly.once.support", "transaction.boundary", "transaction.boundary.interval.ms",
      "offsets.storage.topic"};
  static constexpr std::string_view kPrefixes[] = {
      "key.converter.",     "value.converter.", "header.converter.", "transforms.",
      "predicates.",        "errors.",          "topic.creation.",   "producer.override.",
      "consumer.override.", "offset.storage."};
  for (std::string_view exact : kExact) {
    if (key == exact) return true;
  }
  for (std::string_view prefix : kPrefixes) {
    if (StartsWith(key, prefix)) return true;
  }
  return false;
}

std::string RedactUrl(std::string_view url) {
  std::string out(url);
  // user:password@ in the authority ("scheme://user:pw@host/...").
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t start = scheme + 3;
    size_t end = out.find_first_of("/?", start);
    if (end == std::string::npos) end = out.size();
    size_t at = out.rfind('@', end);
    if (at != std::string::npos && at >= start) {
      size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, kHidden);
      }
    }
  }
  // password=... parameters (pgjdbc takes them after '?' separated by '&'; some drivers use ';').
  size_t pos = 0;
  while (pos < out.size()) {
    size_t found = std::string::npos;
    for (size_t i = pos; i + 9 <= out.size(); ++i) {
      if (EqualsIgnoreCase(std::string_view(out).substr(i, 9), "password=") &&
          (i == 0 || out[i - 1] == '?' || out[i - 1] == '&' || out[i - 1] == ';')) {
        found = i;
        break;
      }
    }
    if (found == std::string::npos) break;
    size_t value_start = found + 9;
    size_t value_end = out.find_first_of("&;", value_start);
    if (value_end == std::string::npos) value_end = out.size();
    out.replace(value_start, value_end - value_start, kHidden);
    pos = value_start + sizeof(kHidden) - 1;
  }
  return out;
}

ConfigDef& ConfigDef::Define(PropertyDef def) {
  properties_.push_back(std::move(def));
  return *this;
}

ConfigDef& ConfigDef::AllowPrefix(std::string prefix) {
  prefixes_.push_back(std::move(prefix));
  return *this;
}

ConfigDef& ConfigDef::AllowPrefixesNamedBy(std::string list_key) {
  prefix_lists_.push_back(std::move(list_key));
  return *this;
}

ConfigDef& ConfigDef::AddRule(ConfigRule rule) {
  rules_.push_back(std::move(rule));
  return *this;
}

const PropertyDef* ConfigDef::Find(std::string_view name) const {
  for (const PropertyDef& def : properties_) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

std::string ConfigDef::Shown(const std::string& key, const std::string& value) const {
  const PropertyDef* def = Find(key);
  if (IsSecretKey(key) ||
      (def && (def->type == ConfigType::kPassword || def->redaction == Redaction::kAll))) {
    return kHidden;
  }
  if (def && def->redaction == Redaction::kUrlPassword) return RedactUrl(value);
  return value;
}

std::string ConfigDef::CheckValue(const PropertyDef& def, std::string_view value) const {
  std::string_view text = Trim(value);
  switch (def.type) {
    case ConfigType::kInt: {
      std::optional<int64_t> v = ParseInt64(text);
      if (!v) return "must be an integer";
      if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) {
        return "must be an integer between " + std::to_string(std::numeric_limits<int32_t>::min()) +
               " and " + std::to_string(std::numeric_limits<int32_t>::max());
      }
      break;
    }
    case ConfigType::kLong:
      if (!ParseInt64(text)) return "must be an integer";
      break;
    case ConfigType::kDouble: {
      std::string copy(text);
      char* end = nullptr;
      std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size()) return "must be a number";
      break;
    }
    case ConfigType::kBoolean:
      if (!EqualsIgnoreCase(text, "true") && !EqualsIgnoreCase(text, "false")) {
        return "must be true or false";
      }
      break;
    case ConfigType::kChoice:
      if (!ContainsIgnoreCase(def.allowed, text))
        return "must be one of: " + Join(def.allowed, ", ");
      break;
    case ConfigType::kList:
      if (!def.allowed.empty()) {
        for (const std::string& item : SplitTrimmed(text, ',')) {
          if (!ContainsIgnoreCase(def.allowed, item)) {
            return "must be a comma-separated list of: " + Join(def.allowed, ", ");
          }
        }
      }
      break;
    case ConfigType::kString:
    case ConfigType::kPassword:
      break;
  }
  if (def.check) return def.check(value);
  return "";
}

bool ConfigDef::IsKnown(const ConnectorConfig& config, const std::string& key) const {
  if (Find(key) != nullptr || IsFrameworkProperty(key)) return true;
  for (const std::string& prefix : prefixes_) {
    if (StartsWith(key, prefix)) return true;
  }
  for (const std::string& list_key : prefix_lists_) {
    for (const std::string& item : config.GetList(list_key)) {
      if (StartsWith(key, item + ".")) return true;
    }
  }
  return false;
}

Status ConfigDef::Validate(const ConnectorConfig& config,
                           std::vector<std::string>* warnings) const {
  if (warnings != nullptr) {
    for (const auto& [key, value] : config.props) {
      if (!IsKnown(config, key)) {
        warnings->push_back(config.file + ": unknown property '" + key + "' (ignored)");
      }
    }
  }
  for (const PropertyDef& def : properties_) {
    auto it = config.props.find(def.name);
    bool blank = it == config.props.end() || Trim(it->second).empty();
    if (blank && def.required) {
      return InvalidArgument(config.file + ": property '" + def.name + "' is required");
    }
    if (it == config.props.end()) continue;
    std::string what = CheckValue(def, it->second);
    if (!what.empty()) {
      return InvalidArgument(config.file + ": property '" + def.name + "' has invalid value '" +
                             Shown(def.name, it->second) + "': " + what);
    }
  }
  for (const ConfigRule& rule : rules_) WR_RETURN_IF_ERROR(rule(config));
  return Status::Ok();
}

std::string ConfigDef::Describe() const {
  std::string out = "| Property | Type | Default | Allowed | Description |\n";
  out += "| --- | --- | --- | --- | --- |\n";
  for (const PropertyDef& def : properties_) {
    std::string default_cell;
    if (def.required) {
      default_cell = "(required)";
    } else if (def.default_value) {
      default_cell = def.default_value->empty() ? "\"\"" : Code(*def.default_value);
    }
    std::string allowed;
    if (def.type == ConfigType::kChoice) {
      for (const std::string& a : def.allowed) allowed += (allowed.empty() ? "" : ", ") + Code(a);
    } else if (def.type == ConfigType::kList && !def.allowed.empty()) {
      for (const std::string& a : def.allowed) allowed += (allowed.empty() ? "" : ", ") + Code(a);
      allowed = "list of " + allowed;
    }
    if (!def.check_doc.empty()) {
      allowed += (allowed.empty() ? "" : "; ") + Cell(def.check_doc);
    }
    out += "| " + Code(def.name) + " | " + ConfigTypeName(def.type) + " | " + default_cell + " | " +
           allowed + " | " + Cell(def.doc) + " |\n";
  }
  return out;
}

}  // namespace walrelay::config
