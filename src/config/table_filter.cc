#include "config/table_filter.h"

#include "config/config_strings.h"

namespace walrelay::config {
namespace {

constexpr std::regex::flag_type kFlags = std::regex::ECMAScript | std::regex::icase;

bool IsSystemSchema(std::string_view schema) {
  return schema == "pg_catalog" || schema == "information_schema" || schema == "pg_toast" ||
         schema.substr(0, 8) == "pg_temp_" || schema.substr(0, 14) == "pg_toast_temp_";
}

struct ListPair {
  const char* include;
  const char* exclude;
};
constexpr ListPair kListPairs[] = {
    {"schema.include.list", "schema.exclude.list"},
    {"table.include.list", "table.exclude.list"},
    {"column.include.list", "column.exclude.list"},
};

bool IsSet(const ConnectorConfig& config, const std::string& key) {
  return !Trim(config.Get(key, "")).empty();
}

}  // namespace

bool TableFilter::Patterns::Matches(std::string_view name) const {
  for (const std::regex& re : regexes) {
    if (std::regex_match(name.begin(), name.end(), re)) return true;
  }
  return false;
}

bool TableFilter::Passes(const Patterns& include, const Patterns& exclude, std::string_view name) {
  if (include.set) return include.Matches(name);
  if (exclude.set) return !exclude.Matches(name);
  return true;
}

Result<TableFilter> TableFilter::Create(const ConnectorConfig& config) {
  WR_RETURN_IF_ERROR(CheckExclusiveFilterLists(config));
  TableFilter filter;
  auto compile = [&config](const std::string& key, Patterns* out) -> Status {
    std::string value = config.Get(key, "");
    for (const std::string& pattern : SplitRegexList(value)) {
      try {
        out->regexes.emplace_back(pattern, kFlags);
      } catch (const std::regex_error& e) {
        return config.InvalidValue(key, "must be a comma-separated list of regular expressions; '" +
                                            pattern + "' is not valid (" + e.what() + ")");
      }
    }
    out->set = !out->regexes.empty();
    return Status::Ok();
  };
  WR_RETURN_IF_ERROR(compile("schema.include.list", &filter.schema_include_));
  WR_RETURN_IF_ERROR(compile("schema.exclude.list", &filter.schema_exclude_));
  WR_RETURN_IF_ERROR(compile("table.include.list", &filter.table_include_));
  WR_RETURN_IF_ERROR(compile("table.exclude.list", &filter.table_exclude_));
  WR_RETURN_IF_ERROR(compile("column.include.list", &filter.column_include_));
  WR_RETURN_IF_ERROR(compile("column.exclude.list", &filter.column_exclude_));
  return filter;
}

bool TableFilter::IncludeSchema(std::string_view schema) const {
  return !IsSystemSchema(schema) && Passes(schema_include_, schema_exclude_, schema);
}

bool TableFilter::IncludeTable(std::string_view schema, std::string_view table) const {
  if (!IncludeSchema(schema)) return false;
  std::string qualified;
  qualified.reserve(schema.size() + 1 + table.size());
  qualified.append(schema).append(".").append(table);
  return Passes(table_include_, table_exclude_, qualified);
}

bool TableFilter::IncludeColumn(std::string_view schema, std::string_view table,
                                std::string_view column) const {
  if (!column_include_.set && !column_exclude_.set) return true;
  std::string qualified;
  qualified.reserve(schema.size() + table.size() + column.size() + 2);
  qualified.append(schema).append(".").append(table).append(".").append(column);
  return Passes(column_include_, column_exclude_, qualified);
}

Status CheckExclusiveFilterLists(const ConnectorConfig& config) {
  for (const ListPair& pair : kListPairs) {
    if (IsSet(config, pair.include) && IsSet(config, pair.exclude)) {
      return config.InvalidValue(pair.exclude, std::string("\"") + pair.include +
                                                   "\" is already specified; set either " +
                                                   pair.include + " or " + pair.exclude);
    }
  }
  return Status::Ok();
}

Result<MessageKeyColumns> ParseMessageKeyColumns(std::string_view value) {
  auto invalid = [value](const std::string& what) {
    return InvalidArgument("property 'message.key.columns' has invalid value '" +
                           std::string(value) + "': " + what);
  };
  const std::string form =
      "entries must look like <schema>.<table>:<column>[,<column>...], separated by ';'";
  MessageKeyColumns result;
  for (const std::string& entry : SplitTrimmed(value, ';')) {
    size_t colon = entry.rfind(':');
    if (colon == std::string::npos) return invalid(form + "; '" + entry + "' has no ':'");
    std::string table(Trim(std::string_view(entry).substr(0, colon)));
    std::vector<std::string> columns = SplitTrimmed(std::string_view(entry).substr(colon + 1), ',');
    if (table.empty() || columns.empty()) return invalid(form + "; got '" + entry + "'");
    try {
      std::regex re(table, kFlags);
    } catch (const std::regex_error& e) {
      return invalid("'" + table + "' is not a valid regular expression (" + e.what() + ")");
    }
    result.emplace_back(std::move(table), std::move(columns));
  }
  return result;
}

}  // namespace walrelay::config
