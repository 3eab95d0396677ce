#include "sink/table_id.h"

#include "pg/connection.h"

namespace walrelay::sink {

std::string TableId::Quoted() const { return pg::QuoteIdent(schema) + "." + pg::QuoteIdent(table); }

TableId ParseTableName(std::string_view name, std::string_view default_schema) {
  std::string parts[2];
  int part = 0;
  bool quoted = false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (c == '"') {
      if (quoted && i + 1 < name.size() && name[i + 1] == '"') {
        parts[part].push_back('"');
        ++i;
      } else {
        quoted = !quoted;
      }
    } else if (c == '.' && !quoted && part == 0) {
      part = 1;
    } else {
      parts[part].push_back(c);
    }
  }
  if (part == 0) return TableId{std::string(default_schema), std::move(parts[0])};
  if (parts[0].empty()) parts[0] = std::string(default_schema);
  return TableId{std::move(parts[0]), std::move(parts[1])};
}

std::string ExpandTableFormat(std::string_view format, std::string_view topic,
                              bool replace_dots_in_topic) {
  std::string t(topic);
  if (replace_dots_in_topic) {
    for (char& c : t) {
      if (c == '.') c = '_';
    }
  }
  std::string out;
  constexpr std::string_view kTopic = "${topic}";
  size_t pos = 0;
  while (true) {
    size_t at = format.find(kTopic, pos);
    if (at == std::string_view::npos) break;
    out.append(format.substr(pos, at - pos));
    out.append(t);
    pos = at + kTopic.size();
  }
  out.append(format.substr(pos));
  return out;
}

}  // namespace walrelay::sink
