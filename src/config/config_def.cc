#include "config/config_def.h"

#include <algorithm>
#include <cstdlib>
#include <iterator>
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

// The Describe() text of an unimplemented note, after the description.
std::string NoteText(const std::optional<Unimplemented>& note) {
  if (!note) return "";
  if (note->refused)
    return " **Refused when set (not supported yet):** " + Cell(note->instead) + ".";
  std::string when = note->values.empty() ? "" : " (" + Cell(note->values) + ")";
  std::string where = note->works_in_workers ? " in `walrelay run` (workers implement it)" : "";
  return " **Accepted, not implemented yet" + when + where + ":** " + Cell(note->instead) + ".";
}

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

PropertyDef&& PropertyDef::InWorkers() && {
  if (unimplemented) unimplemented->works_in_workers = true;
  return std::move(*this);
}

PropertyDef&& PropertyDef::NotImplemented(std::string instead) && {
  unimplemented = Unimplemented{std::move(instead), false, nullptr, ""};
  return std::move(*this);
}

PropertyDef&& PropertyDef::NotImplementedFor(std::function<bool(std::string_view)> applies,
                                             std::string values, std::string instead) && {
  unimplemented = Unimplemented{std::move(instead), false, std::move(applies), std::move(values)};
  return std::move(*this);
}

PropertyDef&& PropertyDef::Refused(std::string why) && {
  unimplemented = Unimplemented{std::move(why), true, nullptr, ""};
  return std::move(*this);
}

const Unimplemented* PropertyDef::UnimplementedFor(std::string_view value) const {
  if (!unimplemented) return nullptr;
  if (unimplemented->refused && Trim(value).empty()) return nullptr;
  if (unimplemented->applies && !unimplemented->applies(Trim(value))) return nullptr;
  return &*unimplemented;
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

namespace {

constexpr char kNoKafka[] = "`walrelay run` has no Kafka";

ConfigDef BuildFrameworkDef() {
  ConfigDef def("Kafka Connect framework");
  def.Define(StringProp("name", std::nullopt, "The connector's name: log lines, offsets, --set."));
  def.Define(StringProp("connector.class", std::nullopt,
                        "Which connector: one of the classes this page lists."));
  def.Define(IntProp("tasks.max", 1, "Maximum number of tasks.")
                 .WithCheck(AtLeast(1), ">= 1")
                 .NotImplementedFor([](std::string_view v) { return Trim(v) != "1"; },
                                    "values above 1", "walrelay run runs one task per connector")
                 .InWorkers());
  const std::string converter_doc =
      " converter in stdout mode: org.apache.kafka.connect.json.JsonConverter, "
      "org.apache.kafka.connect.storage.StringConverter or "
      "org.apache.kafka.connect.converters.ByteArrayConverter; any other class is refused there. "
      "With sinks in process records are not serialized and converters are not used. Options "
      "go in <this property>.<option>.";
  def.Define(StringProp("key.converter", "org.apache.kafka.connect.json.JsonConverter",
                        "Key" + converter_doc));
  def.AllowPrefix("key.converter.", "Options of key.converter; checked by the converter.");
  def.Define(StringProp("value.converter", "org.apache.kafka.connect.json.JsonConverter",
                        "Value" + converter_doc));
  def.AllowPrefix("value.converter.", "Options of value.converter; checked by the converter.");
  def.Define(StringProp("header.converter",
                        "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                        "Converter of record headers.")
                 .NotImplemented("headers are not serialized: stdout lines carry none, in-process "
                                 "sinks read them unconverted"));
  def.AllowPrefix("header.converter.", "Options of header.converter.",
                  Unimplemented{"headers are not serialized", false, nullptr, ""});
  def.Define(ListProp("transforms", std::nullopt,
                      "Aliases of the single message transforms, applied in order."));
  def.AllowPrefix("transforms.", "Transform settings; checked by each transform.");
  def.Define(ListProp("predicates", std::nullopt, "Names of the predicates transforms refer to."));
  def.AllowPrefix("predicates.", "Predicate settings; checked by each predicate.");
  def.Define(ChoiceProp("config.action.reload", {"none", "restart"}, "restart",
                        "What to do when a config provider's values change.")
                 .NotImplemented("there are no config providers, so nothing is ever reloaded"));
  // Error handling (KIP-298).
  def.Define(ChoiceProp("errors.tolerance", {"none", "all"}, "none",
                        "none: a record a transform or converter fails on stops the connector; "
                        "all: it is skipped, counted, and logged when errors.log.enable is set. "
                        "Sink tasks consuming from Kafka also skip records the destination "
                        "refuses. With sinks in process, only stdout mode skips records (a "
                        "warning says so)."));
  def.Define(BoolProp("errors.log.enable", false,
                      "Log each record skipped under errors.tolerance=all with the stage and "
                      "error."));
  def.Define(BoolProp("errors.log.include.messages", false,
                      "Include the skipped record (topic, key, value) in that log line."));
  const std::string never_retried =
      "no transform or converter of walrelay fails transiently, so a failed record is never "
      "retried";
  def.Define(LongProp("errors.retry.timeout", 0,
                      "How long to retry a failed transform or converter; -1 forever.")
                 .WithCheck(AtLeast(-1), ">= -1")
                 .NotImplemented(never_retried));
  def.Define(LongProp("errors.retry.delay.max.ms", 60000, "Maximum wait between those retries.")
                 .WithCheck(AtLeast(1), ">= 1")
                 .NotImplemented(never_retried));
  def.Define(StringProp("errors.deadletterqueue.topic.name", "",
                        "Topic of the dead letter queue for records a sink task consuming from "
                        "Kafka fails on (the original key, value and headers). Sink connectors "
                        "only: refused for sources and with sinks in process, which have no Kafka "
                        "to write it to."));
  def.Define(IntProp("errors.deadletterqueue.topic.replication.factor", 3,
                     "Replication factor of the dead letter queue topic when it is created; -1 "
                     "for the broker's default.")
                 .WithCheck(
                     [](std::string_view v) -> std::string {
                       std::optional<int64_t> n = ParseInt64(Trim(v));
                       if (n && (*n == -1 || (*n >= 1 && *n <= 32767))) return "";
                       return "must be -1 (the broker's default) or from 1 to 32767";
                     },
                     "-1, or 1 to 32767"));
  def.Define(BoolProp("errors.deadletterqueue.context.headers.enable", false,
                      "Add Kafka Connect's __connect.errors.* headers (topic, partition, offset, "
                      "connector, task, stage, classes, message) to dead letter queue records."));
  // Topics and clients (only meaningful with Kafka).
  def.Define(ListProp("topic.creation.groups", std::nullopt, "Groups of topic creation settings.")
                 .NotImplemented(std::string(kNoKafka) + ": no topic is created")
                 .InWorkers());
  def.AllowPrefix(
      "topic.creation.", "Topic creation settings (KIP-158).",
      Unimplemented{std::string(kNoKafka) + ": no topic is created", false, nullptr, "", true});
  for (const char* client : {"producer", "consumer"}) {
    def.AllowPrefix(
        std::string(client) + ".override.",
        std::string("Kafka ") + client + " settings for this connector.",
        Unimplemented{std::string(kNoKafka) + ": there is no " + client, false, nullptr, "", true});
  }
  def.AllowPrefix(
      "admin.override.",
      "Kafka admin client settings for this connector (in workers: the client that creates its "
      "topics, KIP-158, and its dead letter queue topic).",
      Unimplemented{std::string(kNoKafka) + ": there is no admin client", false, nullptr, "",
                    true});
  // KIP-618 (exactly-once source connectors).
  const std::string no_transactions =
      std::string(kNoKafka) +
      ": stdout delivery is at-least-once (a crash re-emits at most the transaction in flight); "
      "in-process sinks commit the source position with the rows. Workers with "
      "exactly.once.source.support=enabled commit one Kafka transaction per source batch (the "
      "poll boundary) and do not read this property";
  def.Define(ChoiceProp("exactly.once.support", {"requested", "required"}, "requested",
                        "Whether the connector must support exactly-once delivery.")
                 .NotImplemented(no_transactions));
  def.Define(ChoiceProp("transaction.boundary", {"poll", "interval", "connector"}, "poll",
                        "Where Kafka transactions of this source end.")
                 .NotImplemented(no_transactions));
  def.Define(LongProp("transaction.boundary.interval.ms", std::nullopt,
                      "Length of a transaction with transaction.boundary=interval.")
                 .WithCheck(AtLeast(0), ">= 0")
                 .NotImplemented(no_transactions));
  def.Define(
      StringProp("offsets.storage.topic", std::nullopt, "This connector's own offsets topic.")
          .NotImplemented("offsets are kept in offset.storage.file.filename (stdout) or in "
                          "the destination (sinks)"));
  return def;
}

}  // namespace

const ConfigDef& FrameworkDef() {
  static const ConfigDef* const def = new ConfigDef(BuildFrameworkDef());
  return *def;
}

bool IsFrameworkProperty(std::string_view key) {
  const ConfigDef& def = FrameworkDef();
  return def.Find(key) != nullptr || def.FindPrefix(key) != nullptr;
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

ConfigDef& ConfigDef::AllowPrefix(std::string prefix, std::string doc,
                                  std::optional<Unimplemented> unimplemented) {
  prefixes_.push_back({std::move(prefix), std::move(doc), std::move(unimplemented)});
  return *this;
}

const ConfigDef::Prefix* ConfigDef::FindPrefix(std::string_view key) const {
  for (const Prefix& p : prefixes_) {
    if (StartsWith(key, p.prefix)) return &p;
  }
  return nullptr;
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
  if (Find(key) != nullptr || FindPrefix(key) != nullptr || IsFrameworkProperty(key)) return true;
  for (const std::string& list_key : prefix_lists_) {
    for (const std::string& item : config.GetList(list_key)) {
      if (StartsWith(key, item + ".")) return true;
    }
  }
  return false;
}

Status ConfigDef::CheckDefined(const ConnectorConfig& config, std::vector<std::string>* warnings,
                               bool in_worker) const {
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
    const Unimplemented* note = def.UnimplementedFor(it->second);
    if (note == nullptr || (in_worker && note->works_in_workers)) continue;
    if (note->refused) {
      return InvalidArgument(config.file + ": property '" + def.name + "' has invalid value '" +
                             Shown(def.name, it->second) + "': not supported yet (" +
                             note->instead + "); allowed: empty");
    }
    if (warnings != nullptr) {
      warnings->push_back(config.file + ": property '" + def.name +
                          "' is accepted, not implemented yet: " + note->instead);
    }
  }
  return Status::Ok();
}

Status ConfigDef::Validate(const ConnectorConfig& config, std::vector<std::string>* warnings,
                           bool with_framework, bool in_worker) const {
  std::vector<std::string> notes;
  for (const auto& [key, value] : config.props) {
    if (!IsKnown(config, key)) {
      notes.push_back(config.file + ": unknown property '" + key + "' (ignored)");
      continue;
    }
    if (Find(key) != nullptr) continue;
    const Prefix* prefix = FindPrefix(key);
    if (prefix == nullptr && with_framework && FrameworkDef().Find(key) == nullptr) {
      prefix = FrameworkDef().FindPrefix(key);
    }
    if (prefix != nullptr && prefix->unimplemented &&
        !(in_worker && prefix->unimplemented->works_in_workers)) {
      notes.push_back(config.file + ": property '" + key +
                      "' is accepted, not implemented yet: " + prefix->unimplemented->instead);
    }
  }
  WR_RETURN_IF_ERROR(CheckDefined(config, &notes, in_worker));
  if (with_framework) {
    // The connector's own definition of a name wins (none redefines a framework one today).
    ConnectorConfig framework_only = config;
    for (auto it = framework_only.props.begin(); it != framework_only.props.end();) {
      it = Find(it->first) != nullptr ? framework_only.props.erase(it) : std::next(it);
    }
    WR_RETURN_IF_ERROR(FrameworkDef().CheckDefined(framework_only, &notes, in_worker));
  }
  for (const ConfigRule& rule : rules_) WR_RETURN_IF_ERROR(rule(config));
  if (warnings != nullptr) {
    std::sort(notes.begin(), notes.end());
    warnings->insert(warnings->end(), notes.begin(), notes.end());
  }
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
           allowed + " | " + Cell(def.doc) + NoteText(def.unimplemented) + " |\n";
  }
  for (const Prefix& p : prefixes_) {
    if (p.doc.empty()) continue;
    out += "| " + Code(p.prefix + "*") + " |  |  |  | " + Cell(p.doc) + NoteText(p.unimplemented) +
           " |\n";
  }
  return out;
}

}  // namespace walrelay::config
