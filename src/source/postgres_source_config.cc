#include "source/postgres_source_config.h"

#include <algorithm>

#include "common/strings.h"
#include "config/config_strings.h"
#include "pg/connection.h"

namespace walrelay::source {
namespace {

Status BadValue(const config::ConnectorConfig& c, const std::string& key,
                const std::string& allowed) {
  return InvalidArgument(c.file + ": property '" + key + "' has invalid value '" + c.Get(key, "") +
                         "': " + allowed);
}

// Compiles a comma-separated regex list the way Debezium's Predicates.includes reads it.
Status CompileRegexList(const config::ConnectorConfig& c, const std::string& key,
                        std::vector<std::regex>* out) {
  for (const std::string& pattern : config::SplitRegexList(c.Get(key, ""))) {
    try {
      out->emplace_back(pattern, std::regex::ECMAScript | std::regex::icase);
    } catch (const std::regex_error& e) {
      return BadValue(c, key,
                      "must be a comma-separated list of regular expressions; '" + pattern +
                          "' is not valid (" + e.what() + ")");
    }
  }
  return Status::Ok();
}

bool MatchesAny(const std::vector<std::regex>& regexes, std::string_view s) {
  for (const std::regex& re : regexes) {
    if (std::regex_match(s.begin(), s.end(), re)) return true;
  }
  return false;
}

}  // namespace

bool PostgresSourceConfig::IncludeMessagePrefix(std::string_view prefix) const {
  if (!message_prefix_include.empty()) return MatchesAny(message_prefix_include, prefix);
  return !MatchesAny(message_prefix_exclude, prefix);
}

Result<PostgresSourceConfig> PostgresSourceConfig::Parse(const config::ConnectorConfig& c) {
  PostgresSourceConfig p;
  p.name = c.name;
  p.host = c.Get("database.hostname", "localhost");
  p.dbname = c.Get("database.dbname", "postgres");
  WR_ASSIGN_OR_RETURN(int64_t port, c.GetInt("database.port", 5432));
  if (port <= 0 || port > 65535)
    return BadValue(c, "database.port", "must be a TCP port (1-65535)");
  p.port = static_cast<int>(port);
  std::vector<std::pair<std::string, std::string>> params = {
      {"host", p.host},
      {"port", std::to_string(p.port)},
      {"dbname", p.dbname},
      {"user", c.Get("database.user", "postgres")},
      {"application_name", "walrelay:" + c.name},
      {"connect_timeout", c.Get("database.connect.timeout.s", "10")},
      // Text output the type mapper parses: UTC timestamps, ISO dates, default interval style.
      {"options",
       "-c TimeZone=UTC -c DateStyle=ISO -c IntervalStyle=postgres -c extra_float_digits=3"},
  };
  if (c.Has("database.password")) params.emplace_back("password", c.Get("database.password", ""));
  if (c.Has("database.sslmode")) params.emplace_back("sslmode", c.Get("database.sslmode", ""));
  p.conninfo = pg::BuildConninfo(params);

  p.slot_name = c.Get("slot.name", "debezium");
  WR_ASSIGN_OR_RETURN(p.slot_drop_on_stop, c.GetBool("slot.drop.on.stop", false));
  p.publication_name = c.Get("publication.name", "dbz_publication");
  std::string pub = ToLower(c.Get("publication.autocreate.mode", "all_tables"));
  if (pub == "all_tables")
    p.publication_mode = PublicationAutocreate::kAllTables;
  else if (pub == "filtered")
    p.publication_mode = PublicationAutocreate::kFiltered;
  else if (pub == "disabled")
    p.publication_mode = PublicationAutocreate::kDisabled;
  else if (pub == "no_tables")
    p.publication_mode = PublicationAutocreate::kNoTables;
  else
    return BadValue(c, "publication.autocreate.mode",
                    "must be one of: all_tables, filtered, disabled, no_tables");

  std::string snap = ToLower(c.Get("snapshot.mode", "initial"));
  if (snap == "initial")
    p.snapshot_mode = SnapshotMode::kInitial;
  else if (snap == "always")
    p.snapshot_mode = SnapshotMode::kAlways;
  else if (snap == "never" || snap == "no_data")
    p.snapshot_mode = SnapshotMode::kNever;
  else if (snap == "initial_only")
    p.snapshot_mode = SnapshotMode::kInitialOnly;
  else if (snap == "when_needed")
    p.snapshot_mode = SnapshotMode::kWhenNeeded;
  else
    return BadValue(c, "snapshot.mode",
                    "must be one of: initial, always, never, no_data, initial_only, when_needed");

  if (c.Has("skipped.operations")) {
    p.skip_truncate = false;
    for (const auto& op : c.GetList("skipped.operations")) {
      std::string o = ToLower(op);
      if (o == "c")
        p.skip_create = true;
      else if (o == "u")
        p.skip_update = true;
      else if (o == "d")
        p.skip_delete = true;
      else if (o == "t")
        p.skip_truncate = true;
      else if (o != "none")
        return BadValue(c, "skipped.operations", "a list of c, u, d, t or none");
    }
  }

  WR_ASSIGN_OR_RETURN(p.heartbeat_interval_ms, c.GetInt("heartbeat.interval.ms", 0));
  if (p.heartbeat_interval_ms < 0) return BadValue(c, "heartbeat.interval.ms", "must be >= 0");
  p.heartbeat_action_query = c.Get("heartbeat.action.query", "");
  std::string prefix = c.Get("topic.prefix", c.Get("database.server.name", ""));
  if (prefix.empty()) {
    return InvalidArgument(c.file +
                           ": property 'topic.prefix' (or 'database.server.name') is required");
  }
  p.heartbeat_topic = c.Get("heartbeat.topics.prefix", "__debezium-heartbeat") + "." + prefix;
  WR_ASSIGN_OR_RETURN(p.max_batch_size, c.GetInt("max.batch.size", 2048));
  if (p.max_batch_size <= 0) return BadValue(c, "max.batch.size", "must be > 0");
  WR_ASSIGN_OR_RETURN(p.snapshot_fetch_size, c.GetInt("snapshot.fetch.size", 10240));
  if (p.snapshot_fetch_size <= 0) return BadValue(c, "snapshot.fetch.size", "must be > 0");
  WR_ASSIGN_OR_RETURN(p.status_update_interval_ms, c.GetInt("status.update.interval.ms", 10000));
  WR_ASSIGN_OR_RETURN(p.max_retries, c.GetInt("errors.max.retries", -1));
  WR_ASSIGN_OR_RETURN(p.retry_max_wait_ms, c.GetInt("retriable.restart.connector.wait.ms", 10000));
  WR_ASSIGN_OR_RETURN(p.unreadable_wal_patience_ms,
                      c.GetInt("walrelay.unreadable.wal.patience.ms", 60000));
  if (p.unreadable_wal_patience_ms < 0) {
    return BadValue(c, "walrelay.unreadable.wal.patience.ms", "must be >= 0");
  }

  std::string fs = ToLower(c.Get("walrelay.failover.safe.mode", "auto"));
  if (fs == "auto")
    p.failover_safe = FailoverSafeMode::kAuto;
  else if (fs == "on")
    p.failover_safe = FailoverSafeMode::kOn;
  else if (fs == "off")
    p.failover_safe = FailoverSafeMode::kOff;
  else
    return BadValue(c, "walrelay.failover.safe.mode", "must be one of: auto, on, off");
  WR_ASSIGN_OR_RETURN(p.failover_safe_standbys, c.GetInt("walrelay.failover.safe.standbys", 0));
  if (p.failover_safe_standbys < 0)
    return BadValue(c, "walrelay.failover.safe.standbys", "must be >= 0");

  std::string dec = ToLower(c.Get("decimal.handling.mode", "precise"));
  if (dec == "precise")
    p.modes.decimal = DecimalHandlingMode::kPrecise;
  else if (dec == "double")
    p.modes.decimal = DecimalHandlingMode::kDouble;
  else if (dec == "string")
    p.modes.decimal = DecimalHandlingMode::kString;
  else
    return BadValue(c, "decimal.handling.mode", "must be one of: precise, double, string");
  std::string tpm = ToLower(c.Get("time.precision.mode", "adaptive"));
  if (tpm == "adaptive")
    p.modes.time = TimePrecisionMode::kAdaptive;
  else if (tpm == "adaptive_time_microseconds")
    p.modes.time = TimePrecisionMode::kAdaptiveTimeMicroseconds;
  else if (tpm == "connect")
    p.modes.time = TimePrecisionMode::kConnect;
  else
    return BadValue(c, "time.precision.mode",
                    "must be one of: adaptive, adaptive_time_microseconds, connect");
  std::string bin = ToLower(c.Get("binary.handling.mode", "bytes"));
  if (bin == "bytes")
    p.modes.binary = BinaryHandlingMode::kBytes;
  else if (bin == "base64")
    p.modes.binary = BinaryHandlingMode::kBase64;
  else if (bin == "base64-url-safe")
    p.modes.binary = BinaryHandlingMode::kBase64UrlSafe;
  else if (bin == "hex")
    p.modes.binary = BinaryHandlingMode::kHex;
  else
    return BadValue(c, "binary.handling.mode",
                    "must be one of: bytes, base64, base64-url-safe, hex");
  std::string iv = ToLower(c.Get("interval.handling.mode", "numeric"));
  if (iv == "numeric")
    p.modes.interval = IntervalHandlingMode::kNumeric;
  else if (iv == "string")
    p.modes.interval = IntervalHandlingMode::kString;
  else
    return BadValue(c, "interval.handling.mode", "must be one of: numeric, string");

  // message.key.columns: "schema.table:col1,col2;regex:col" (table part is a regex).
  std::string mkc = c.Get("message.key.columns", "");
  size_t pos = 0;
  while (pos < mkc.size()) {
    size_t end = mkc.find(';', pos);
    if (end == std::string::npos) end = mkc.size();
    std::string item = mkc.substr(pos, end - pos);
    pos = end + 1;
    if (item.find_first_not_of(" \t") == std::string::npos) continue;
    size_t colon = item.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == item.size()) {
      return BadValue(
          c, "message.key.columns",
          "entries of the form <schema>.<table>:<column>[,<column>...] separated by ';'");
    }
    std::vector<std::string> cols;
    std::string list = item.substr(colon + 1);
    size_t cp = 0;
    while (cp <= list.size()) {
      size_t ce = list.find(',', cp);
      if (ce == std::string::npos) ce = list.size();
      std::string col = list.substr(cp, ce - cp);
      col.erase(0, col.find_first_not_of(" \t"));
      col.erase(col.find_last_not_of(" \t") + 1);
      if (!col.empty()) cols.push_back(col);
      cp = ce + 1;
    }
    std::string table = item.substr(0, colon);
    table.erase(0, table.find_first_not_of(" \t"));
    table.erase(table.find_last_not_of(" \t") + 1);
    p.message_key_columns.emplace_back(table, cols);
  }

  WR_RETURN_IF_ERROR(CompileRegexList(c, "message.prefix.include.list", &p.message_prefix_include));
  WR_RETURN_IF_ERROR(CompileRegexList(c, "message.prefix.exclude.list", &p.message_prefix_exclude));
  if (!p.message_prefix_include.empty() && !p.message_prefix_exclude.empty()) {
    return BadValue(c, "message.prefix.exclude.list",
                    "\"message.prefix.include.list\" is already specified; set only one of them");
  }

  p.events.topic_prefix = prefix;
  p.events.database = p.dbname;
  p.events.unavailable_value_placeholder =
      c.Get("unavailable.value.placeholder", "__debezium_unavailable_value");
  WR_ASSIGN_OR_RETURN(p.events.provide_transaction_metadata,
                      c.GetBool("provide.transaction.metadata", false));
  WR_ASSIGN_OR_RETURN(p.events.tombstones_on_delete, c.GetBool("tombstones.on.delete", true));
  p.events.topic_delimiter = c.Get("topic.delimiter", ".");
  return p;
}

}  // namespace walrelay::source
