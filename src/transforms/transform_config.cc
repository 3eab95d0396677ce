#include "transforms/transform_config.h"

#include <algorithm>
#include <cctype>

namespace walrelay::transforms {

std::vector<std::string> SplitTrim(std::string_view text, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = text.find(sep, start);
    out.emplace_back(Trim(text.substr(start, pos == std::string_view::npos ? pos : pos - start)));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

std::vector<std::string> TransformConfig::Unread() const {
  std::vector<std::string> out;
  for (auto it = props_->lower_bound(prefix_);
       it != props_->end() && it->first.compare(0, prefix_.size(), prefix_) == 0; ++it) {
    if (!read_->count(std::string_view(it->first).substr(prefix_.size()))) out.push_back(it->first);
  }
  return out;
}

std::optional<std::string> TransformConfig::Get(std::string_view key) const {
  if (!read_->count(key)) read_->emplace(key);
  auto it = props_->find(Name(key));
  if (it == props_->end()) return std::nullopt;
  return std::string(Trim(it->second));
}

std::string TransformConfig::GetString(std::string_view key, std::string_view default_value) const {
  auto v = Get(key);
  return v ? *v : std::string(default_value);
}

Result<std::string> TransformConfig::GetRequired(std::string_view key,
                                                 std::string_view what) const {
  auto v = Get(key);
  if (!v || v->empty()) {
    return InvalidArgument("Missing required configuration " + Name(key) + ": " +
                           std::string(what));
  }
  return *v;
}

Result<bool> TransformConfig::GetBool(std::string_view key, bool default_value) const {
  auto v = Get(key);
  if (!v) return default_value;
  std::string lower = ToLower(*v);
  if (lower == "true") return true;
  if (lower == "false") return false;
  return Invalid(key, *v, "expected a boolean, true or false");
}

std::vector<std::string> TransformConfig::GetList(std::string_view key) const {
  std::vector<std::string> out;
  auto v = Get(key);
  if (!v || v->empty()) return out;
  for (auto& item : SplitTrim(*v, ',')) {
    if (!item.empty()) out.push_back(std::move(item));
  }
  return out;
}

Result<std::string> TransformConfig::GetEnum(std::string_view key, std::string_view default_value,
                                             const std::vector<std::string>& allowed) const {
  std::string value = GetString(key, default_value);
  std::string lower = ToLower(value);
  for (const auto& a : allowed) {
    if (a == lower) return lower;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return Invalid(key, value, "must be one of " + list);
}

Status TransformConfig::Invalid(std::string_view key, std::string_view value,
                                std::string_view allowed) const {
  return InvalidArgument("Invalid value '" + std::string(value) + "' for configuration " +
                         Name(key) + ": " + std::string(allowed));
}

data::Schema CopySchemaBasics(const data::Schema& source, data::Type type) {
  data::Schema out;
  out.type = type;
  out.name = source.name;
  out.version = source.version;
  out.doc = source.doc;
  out.parameters = source.parameters;
  return out;
}

bool IsDebeziumEnvelope(const data::Record& record) {
  static constexpr std::string_view kSuffix = ".Envelope";
  const auto& s = record.value_schema;
  return s && s->name.size() >= kSuffix.size() &&
         s->name.compare(s->name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0 &&
         record.value.is_struct();
}

std::string ValueTypeName(const data::Value& value) {
  if (value.is_null()) return "null";
  if (value.is_bool()) return "Boolean";
  if (value.is_int()) return "Long";
  if (value.is_double()) return "Double";
  if (value.is_string()) return "String";
  if (value.is_bytes()) return "byte[]";
  if (value.is_array()) return "List";
  if (value.is_map()) return "Map";
  return "Struct";
}

const data::Value* MapGet(const data::Map& map, std::string_view key) {
  for (const auto& [k, v] : map) {
    if (k.is_string() && k.as_string() == key) return &v;
  }
  return nullptr;
}

void MapPut(data::Map* map, std::string_view key, data::Value value) {
  for (auto& [k, v] : *map) {
    if (k.is_string() && k.as_string() == key) {
      v = std::move(value);
      return;
    }
  }
  map->emplace_back(data::Value(std::string(key)), std::move(value));
}

}  // namespace walrelay::transforms
