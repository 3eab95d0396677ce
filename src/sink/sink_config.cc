#include "sink/sink_config.h"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "common/log.h"
#include "common/strings.h"
#include "config/postgres_connector_def.h"
#include "pg/connection.h"

namespace walrelay::sink {
namespace {

// Kafka Connect LIST: comma-separated, entries trimmed, empty entries dropped.
std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string item(Trim(s.substr(start, comma - start)));
    if (!item.empty()) out.push_back(std::move(item));
    start = comma + 1;
  }
  return out;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// java.net.URLDecoder semantics, as pgjdbc uses: %XX escapes and '+' as space.
Result<std::string> UrlDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out.push_back(' ');
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) {
        return InvalidArgument("truncated %-escape in '" + std::string(s) + "'");
      }
      int hi = HexDigit(s[i + 1]), lo = HexDigit(s[i + 2]);
      if (hi < 0 || lo < 0) return InvalidArgument("bad %-escape in '" + std::string(s) + "'");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// The URL with any password parameter masked, for error messages.
std::string RedactUrl(std::string_view url) {
  std::string out(url);
  size_t pos = 0;
  while ((pos = out.find("password=", pos)) != std::string::npos) {
    size_t start = pos + 9;
    size_t end = out.find('&', start);
    if (end == std::string::npos) end = out.size();
    out.replace(start, end - start, "****");
    pos = start;
  }
  return out;
}

Status BadValue(std::string_view prop, std::string_view value, std::string_view allowed) {
  return InvalidArgument("invalid value '" + std::string(value) + "' for configuration " +
                         std::string(prop) + ": " + std::string(allowed));
}

class Props {
 public:
  explicit Props(const std::map<std::string, std::string>& props) : props_(props) {}

  const std::string* Find(const std::string& key) const {
    auto it = props_.find(key);
    return it == props_.end() ? nullptr : &it->second;
  }
  std::string Get(const std::string& key, const std::string& def) const {
    const std::string* v = Find(key);
    return v ? *v : def;
  }
  // The first of `keys` that is present.
  const std::string* FindAny(std::initializer_list<const char*> keys, std::string* which) const {
    for (const char* k : keys) {
      if (const std::string* v = Find(k)) {
        *which = k;
        return v;
      }
    }
    return nullptr;
  }
  Result<bool> Bool(const std::string& key, bool def) const {
    const std::string* v = Find(key);
    if (!v) return def;
    std::string l = ToLower(Trim(*v));
    if (l == "true") return true;
    if (l == "false") return false;
    return BadValue(key, *v, "expected true or false");
  }
  Result<int64_t> Int(const std::string& key, int64_t def, int64_t min, int64_t max) const {
    const std::string* v = Find(key);
    if (!v) return def;
    std::string t(Trim(*v));
    int64_t out = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
    if (ec != std::errc() || p != t.data() + t.size() || t.empty()) {
      return BadValue(key, *v, "expected an integer");
    }
    if (out < min || out > max) {
      return BadValue(
          key, *v,
          "expected a value in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
    }
    return out;
  }

 private:
  const std::map<std::string, std::string>& props_;
};

template <typename E>
Result<E> ParseEnum(const std::string& prop, const std::string& value,
                    std::initializer_list<std::pair<const char*, E>> allowed) {
  std::string l = ToLower(Trim(value));
  std::string names;
  for (const auto& [name, e] : allowed) {
    if (l == name) return e;
    names += names.empty() ? "" : ", ";
    names += name;
  }
  return BadValue(prop, value, "allowed values are " + names);
}

const char* PkModeName(PkMode mode) {
  switch (mode) {
    case PkMode::kNone:
      return "none";
    case PkMode::kKafka:
      return "kafka";
    case PkMode::kRecordKey:
      return "record_key";
    case PkMode::kRecordValue:
      return "record_value";
  }
  return "?";
}

std::vector<FieldSelector> ParseSelectors(const std::string& value) {
  std::vector<FieldSelector> out;
  for (const std::string& item : SplitList(value)) {
    size_t colon = item.find(':');  // topic names cannot contain ':'
    if (colon == std::string::npos) {
      out.push_back({"", item});
    } else {
      out.push_back({item.substr(0, colon), item.substr(colon + 1)});
    }
  }
  return out;
}

bool SelectorMatches(const std::vector<FieldSelector>& selectors, std::string_view topic,
                     std::string_view field) {
  for (const auto& s : selectors) {
    if (s.field == field && (s.topic.empty() || s.topic == topic)) return true;
  }
  return false;
}

// Splits the authority's host list: "h1:5432,[::1]:5433,h3".
Result<std::vector<std::pair<std::string, std::string>>> ParseHosts(std::string_view authority,
                                                                    std::string_view url) {
  std::vector<std::pair<std::string, std::string>> hosts;
  if (authority.empty()) {
    hosts.emplace_back("localhost", "5432");
    return hosts;
  }
  size_t start = 0;
  while (start <= authority.size()) {
    size_t comma = authority.find(',', start);
    if (comma == std::string_view::npos) comma = authority.size();
    std::string_view hp = authority.substr(start, comma - start);
    std::string host, port = "5432";
    if (!hp.empty() && hp[0] == '[') {
      size_t close = hp.find(']');
      if (close == std::string_view::npos) {
        return InvalidArgument("unterminated IPv6 host in connection.url '" + RedactUrl(url) + "'");
      }
      host = std::string(hp.substr(1, close - 1));
      std::string_view rest = hp.substr(close + 1);
      if (!rest.empty()) {
        if (rest[0] != ':') {
          return InvalidArgument("unexpected text after IPv6 host in connection.url '" +
                                 RedactUrl(url) + "'");
        }
        port = std::string(rest.substr(1));
      }
    } else {
      size_t colon = hp.rfind(':');
      if (colon == std::string_view::npos) {
        host = std::string(hp);
      } else {
        host = std::string(hp.substr(0, colon));
        port = std::string(hp.substr(colon + 1));
      }
    }
    if (host.empty()) host = "localhost";
    if (port.empty()) port = "5432";
    int port_num = 0;
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), port_num);
    if (ec != std::errc() || p != port.data() + port.size() || port_num <= 0 || port_num > 65535) {
      return InvalidArgument("invalid port '" + port + "' in connection.url '" + RedactUrl(url) +
                             "': expected 1..65535");
    }
    hosts.emplace_back(std::move(host), std::move(port));
    start = comma + 1;
  }
  return hosts;
}

}  // namespace

Result<SinkFlavor> FlavorFromClass(std::string_view connector_class) {
  if (connector_class == kConfluentSinkClass) return SinkFlavor::kConfluent;
  if (connector_class == kDebeziumSinkClass) return SinkFlavor::kDebezium;
  return BadValue(
      "connector.class", connector_class,
      std::string("the JDBC sink supports ") + kConfluentSinkClass + " and " + kDebeziumSinkClass);
}

Result<JdbcUrl> ParseJdbcUrl(std::string_view url) {
  constexpr std::string_view kPrefix = "jdbc:postgresql:";
  if (url.substr(0, kPrefix.size()) != kPrefix) {
    return BadValue("connection.url", RedactUrl(url),
                    "expected jdbc:postgresql://host[:port]/database[?param=value&...]");
  }
  std::string_view rest = url.substr(kPrefix.size());
  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  JdbcUrl out;
  std::string_view db;
  if (rest.substr(0, 2) == "//") {
    rest = rest.substr(2);
    size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    db = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    WR_ASSIGN_OR_RETURN(out.hosts, ParseHosts(authority, url));
  } else {
    // jdbc:postgresql:database or jdbc:postgresql:/ (localhost, default database).
    db = rest;
    if (!db.empty() && db[0] == '/') db = db.substr(1);
    out.hosts.emplace_back("localhost", "5432");
  }
  auto decoded_db = UrlDecode(db);
  if (!decoded_db.ok()) return decoded_db.status().WithContext("connection.url database");
  out.database = std::move(decoded_db).value();
  size_t start = 0;
  while (!query.empty() && start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view kv = query.substr(start, amp - start);
    start = amp + 1;
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    auto key = UrlDecode(kv.substr(0, eq));
    auto value = UrlDecode(eq == std::string_view::npos ? std::string_view() : kv.substr(eq + 1));
    if (!key.ok() || !value.ok()) {
      return BadValue("connection.url", RedactUrl(url), "malformed %-escape in a parameter");
    }
    out.params[*key] = *value;
  }
  return out;
}

Result<SinkConfig> SinkConfig::Parse(SinkFlavor flavor,
                                     const std::map<std::string, std::string>& raw) {
  Props p(raw);
  SinkConfig c;
  c.flavor = flavor;
  const bool dbz = flavor == SinkFlavor::kDebezium;

  // --- connection
  const std::string* url_text = p.Find("connection.url");
  if (!url_text || Trim(*url_text).empty()) {
    return InvalidArgument(
        "missing required configuration connection.url: expected "
        "jdbc:postgresql://host[:port]/database");
  }
  WR_ASSIGN_OR_RETURN(JdbcUrl url, ParseJdbcUrl(Trim(*url_text)));
  std::string hosts, ports;
  for (const auto& [h, port] : url.hosts) {
    hosts += (hosts.empty() ? "" : ",") + h;
    ports += (ports.empty() ? "" : ",") + port;
  }
  std::vector<std::pair<std::string, std::string>> ci = {{"host", hosts}, {"port", ports}};
  if (!url.database.empty()) ci.emplace_back("dbname", url.database);
  c.database = url.database;
  std::string user = url.params.count("user") ? url.params["user"] : "";
  std::string password = url.params.count("password") ? url.params["password"] : "";
  std::string which;
  if (const std::string* u = p.FindAny({"connection.user", "connection.username"}, &which)) {
    user = *u;
  }
  if (const std::string* pw = p.Find("connection.password")) password = *pw;
  if (!user.empty()) ci.emplace_back("user", user);
  if (!password.empty()) ci.emplace_back("password", password);
  for (const auto& [k, v] : url.params) {
    if (k == "user" || k == "password") continue;
    if (k == "currentSchema") {
      std::vector<std::string> schemas = SplitList(v);
      if (!schemas.empty()) c.default_schema = schemas[0];
    } else if (k == "sslmode") {
      WR_RETURN_IF_ERROR(ParseEnum<int>("connection.url sslmode", v,
                                        {{"disable", 0},
                                         {"allow", 0},
                                         {"prefer", 0},
                                         {"require", 0},
                                         {"verify-ca", 0},
                                         {"verify-full", 0}})
                             .status());
      ci.emplace_back("sslmode", ToLower(v));
    } else if (k == "ssl") {
      if (ToLower(v) == "true" && !url.params.count("sslmode")) {
        ci.emplace_back("sslmode", "verify-full");  // pgjdbc's meaning of ssl=true
      }
    } else if (k == "sslrootcert" || k == "sslcert" || k == "sslkey" || k == "sslpassword" ||
               k == "options") {
      ci.emplace_back(k, v);
    } else if (k == "ApplicationName") {
      ci.emplace_back("application_name", v);
    } else if (k == "connectTimeout") {
      ci.emplace_back("connect_timeout", v);
    } else if (k == "targetServerType") {
      WR_ASSIGN_OR_RETURN(std::string attrs,
                          ParseEnum<std::string>("connection.url targetServerType", v,
                                                 {{"any", "any"},
                                                  {"primary", "read-write"},
                                                  {"master", "read-write"},
                                                  {"secondary", "standby"},
                                                  {"standby", "standby"},
                                                  {"preferSecondary", "prefer-standby"},
                                                  {"preferStandby", "prefer-standby"},
                                                  {"preferPrimary", "prefer-standby"}}));
      ci.emplace_back("target_session_attrs", attrs);
    } else {
      LogDebug("sink", "ignoring connection.url parameter " + k);
    }
  }
  c.conninfo = pg::BuildConninfo(ci);
  if (dbz) {
    // use.time.zone, or its older name database.time_zone.
    std::string tz_prop;
    const std::string* tz = p.FindAny({"use.time.zone", "database.time_zone"}, &tz_prop);
    c.timezone = tz ? *tz : "UTC";
  } else {
    c.timezone = p.Get("db.timezone", "UTC");
  }

  // --- topics
  const std::string* topics = p.Find("topics");
  const std::string* regex = p.Find("topics.regex");
  if (topics && !SplitList(*topics).empty()) c.topics = SplitList(*topics);
  if (regex && !Trim(*regex).empty()) c.topics_regex_text = std::string(Trim(*regex));
  if (!c.topics.empty() && !c.topics_regex_text.empty()) {
    return InvalidArgument(
        "configurations topics and topics.regex are both set: set exactly one of them");
  }
  if (c.topics.empty() && c.topics_regex_text.empty()) {
    return InvalidArgument(
        "missing configuration topics or topics.regex: a sink must consume at least one topic");
  }
  if (!c.topics_regex_text.empty()) {
    try {
      c.topics_regex = std::make_shared<const std::regex>(c.topics_regex_text);
    } catch (const std::regex_error& e) {
      return BadValue("topics.regex", c.topics_regex_text,
                      std::string("expected a valid regular expression (") + e.what() + ")");
    }
  }

  // --- write behaviour
  if (const std::string* v = p.Find("insert.mode")) {
    WR_ASSIGN_OR_RETURN(c.insert_mode, ParseEnum<InsertMode>("insert.mode", *v,
                                                             {{"insert", InsertMode::kInsert},
                                                              {"upsert", InsertMode::kUpsert},
                                                              {"update", InsertMode::kUpdate}}));
  }
  const std::string pk_mode_prop = dbz ? "primary.key.mode" : "pk.mode";
  const std::string pk_fields_prop = dbz ? "primary.key.fields" : "pk.fields";
  if (const std::string* v = p.Find(pk_mode_prop)) {
    WR_ASSIGN_OR_RETURN(c.pk_mode, ParseEnum<PkMode>(pk_mode_prop, *v,
                                                     {{"none", PkMode::kNone},
                                                      {"kafka", PkMode::kKafka},
                                                      {"record_key", PkMode::kRecordKey},
                                                      {"record_value", PkMode::kRecordValue}}));
  }
  if (const std::string* v = p.Find(pk_fields_prop)) c.pk_fields = SplitList(*v);
  if (c.pk_mode == PkMode::kKafka && !c.pk_fields.empty() && c.pk_fields.size() != 3) {
    return BadValue(pk_fields_prop, p.Get(pk_fields_prop, ""),
                    "with " + pk_mode_prop +
                        "=kafka it must name exactly 3 columns (topic, partition, offset) or be "
                        "empty for __connect_topic,__connect_partition,__connect_offset");
  }
  WR_ASSIGN_OR_RETURN(c.delete_enabled, p.Bool("delete.enabled", false));
  if (c.delete_enabled && c.pk_mode != PkMode::kRecordKey) {
    return InvalidArgument("delete.enabled=true requires " + pk_mode_prop +
                           "=record_key, but it is '" + PkModeName(c.pk_mode) + "'");
  }
  if (c.insert_mode != InsertMode::kInsert && c.pk_mode == PkMode::kNone) {
    return InvalidArgument(std::string("insert.mode=") +
                           (c.insert_mode == InsertMode::kUpsert ? "upsert" : "update") +
                           " needs a primary key, but " + pk_mode_prop +
                           "=none: set it to kafka, record_key or record_value");
  }
  if (dbz) {
    WR_ASSIGN_OR_RETURN(c.truncate_enabled, p.Bool("truncate.enabled", false));
    // The Debezium sink creates tables as part of schema evolution.
    if (const std::string* v = p.Find("schema.evolution")) {
      WR_ASSIGN_OR_RETURN(c.auto_evolve, ParseEnum<bool>("schema.evolution", *v,
                                                         {{"none", false}, {"basic", true}}));
    }
    c.auto_create = c.auto_evolve;
    std::string fmt_prop;
    if (const std::string* f =
            p.FindAny({"collection.name.format", "table.name.format"}, &fmt_prop)) {
      c.table_name_format = *f;
    }
    const std::string* inc = p.Find("field.include.list");
    const std::string* exc = p.Find("field.exclude.list");
    if (inc && exc && !Trim(*inc).empty() && !Trim(*exc).empty()) {
      return InvalidArgument(
          "field.include.list and field.exclude.list are both set: set at most one of them");
    }
    if (inc) c.field_include = ParseSelectors(*inc);
    if (exc) c.field_exclude = ParseSelectors(*exc);
    WR_ASSIGN_OR_RETURN(int64_t batch,
                        p.Int("batch.size", config::kDebeziumSinkBatchSize, 1, 1'000'000));
    c.batch_size = static_cast<int>(batch);
    WR_ASSIGN_OR_RETURN(
        int64_t retries,
        p.Int(p.Find("flush.max.retries") ? "flush.max.retries" : "max.retries", 5, 0, 1'000'000));
    c.max_retries = static_cast<int>(retries);
    WR_ASSIGN_OR_RETURN(
        c.retry_backoff_ms,
        p.Int(p.Find("flush.retry.delay.ms") ? "flush.retry.delay.ms" : "retry.backoff.ms", 1000, 0,
              INT64_C(86'400'000)));
  } else {
    WR_ASSIGN_OR_RETURN(c.auto_create, p.Bool("auto.create", false));
    WR_ASSIGN_OR_RETURN(c.auto_evolve, p.Bool("auto.evolve", false));
    c.table_name_format = p.Get("table.name.format", "${topic}");
    c.fields_whitelist = SplitList(p.Get("fields.whitelist", ""));
    WR_ASSIGN_OR_RETURN(int64_t batch, p.Int("batch.size", 3000, 1, 1'000'000));
    c.batch_size = static_cast<int>(batch);
    WR_ASSIGN_OR_RETURN(int64_t retries, p.Int("max.retries", 10, 0, 1'000'000));
    c.max_retries = static_cast<int>(retries);
    WR_ASSIGN_OR_RETURN(c.retry_backoff_ms,
                        p.Int("retry.backoff.ms", 3000, 0, INT64_C(86'400'000)));
  }
  if (Trim(c.table_name_format).empty()) {
    return BadValue(dbz ? "collection.name.format" : "table.name.format", c.table_name_format,
                    "expected a table name, optionally with ${topic}");
  }

  c.offsets_table = p.Get("walrelay.offsets.table", "walrelay_offsets");
  if (Trim(c.offsets_table).empty()) {
    return BadValue("walrelay.offsets.table", c.offsets_table, "expected a table name");
  }
  c.unavailable_placeholder =
      p.Get("walrelay.unavailable.value.placeholder", "__debezium_unavailable_value");
  return c;
}

bool SinkConfig::Matches(const std::string& topic) const {
  if (!topics.empty()) return std::find(topics.begin(), topics.end(), topic) != topics.end();
  if (!topics_regex) return false;
  if (auto it = topic_matches.find(topic); it != topic_matches.end()) return it->second;
  if (topic_matches.size() >= 4096) topic_matches.clear();  // bound it for topic-per-key streams
  bool match = std::regex_match(topic, *topics_regex);
  topic_matches.emplace(topic, match);
  return match;
}

bool SinkConfig::IncludesField(std::string_view topic, std::string_view field) const {
  if (!fields_whitelist.empty() && std::find(fields_whitelist.begin(), fields_whitelist.end(),
                                             field) == fields_whitelist.end()) {
    return false;
  }
  if (!field_include.empty() && !SelectorMatches(field_include, topic, field)) return false;
  if (!field_exclude.empty() && SelectorMatches(field_exclude, topic, field)) return false;
  return true;
}

}  // namespace walrelay::sink
