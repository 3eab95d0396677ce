#include "runtime/connect_records.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "convert/json_writer.h"

namespace walrelay::runtime {
namespace {

using nlohmann::json;

constexpr char kConnectorPrefix[] = "connector-";
constexpr char kTaskPrefix[] = "task-";
constexpr char kCommitPrefix[] = "commit-";
constexpr char kTargetStatePrefix[] = "target-state-";
constexpr char kTaskCountPrefix[] = "tasks-fencing-";
constexpr char kRestartPrefix[] = "restart-connector-";
constexpr char kLoggerPrefix[] = "logger-cluster-";
constexpr char kConnectorStatusPrefix[] = "status-connector-";
constexpr char kTaskStatusPrefix[] = "status-task-";
constexpr char kTopicStatusPrefix[] = "status-topic-";
constexpr char kTopicStatusSeparator[] = ":connector-";

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Java's String.split("-"): trailing empty strings removed.
std::vector<std::string_view> SplitDash(std::string_view s) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t dash = s.find('-', start);
    parts.push_back(s.substr(start, dash == std::string_view::npos ? dash : dash - start));
    if (dash == std::string_view::npos) break;
    start = dash + 1;
  }
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  return parts;
}

// Integer.parseInt: optional sign, decimal digits, within int32.
std::optional<int32_t> ParseJavaInt(std::string_view s) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return std::nullopt;
  int32_t v = 0;
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  if (r.ec != std::errc() || r.ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

// A task id from a key "<prefix>...-<connector parts>-<n>", `skip` leading dash-separated parts.
std::optional<std::pair<std::string, int32_t>> ParseTaskId(std::string_view key, size_t skip) {
  std::vector<std::string_view> parts = SplitDash(key);
  if (parts.size() < skip + 2) return std::nullopt;
  std::optional<int32_t> task = ParseJavaInt(parts.back());
  if (!task) return std::nullopt;
  std::string connector;
  for (size_t i = skip; i + 1 < parts.size(); ++i) {
    if (i > skip) connector += '-';
    connector.append(parts[i]);
  }
  return std::make_pair(connector, *task);
}

// UTF-8 to UTF-16 code units (invalid bytes as U+FFFD, as Java's decoder does).
std::u16string Utf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c & 0xE0) == 0xC0) {
      cp = c & 0x1F, len = 2;
    } else if ((c & 0xF0) == 0xE0) {
      cp = c & 0x0F, len = 3;
    } else if ((c & 0xF8) == 0xF0) {
      cp = c & 0x07, len = 4;
    } else {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    if (i + len > s.size()) {
      out.push_back(0xFFFD);
      break;
    }
    for (size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// java.util.HashMap's hash(key) for a String key.
uint32_t JavaHash(std::string_view key) {
  uint32_t h = 0;
  for (char16_t u : Utf16(key)) h = 31 * h + u;
  return h ^ (h >> 16);
}

void AppendJson(std::string* out, const json& v);

// Writes `entries` in java.util.HashMap iteration order.
void AppendHashMap(std::string* out,
                   const std::vector<std::pair<std::string, const json*>>& entries) {
  size_t table = 16;
  while (entries.size() > table * 3 / 4) table *= 2;
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return (JavaHash(entries[a].first) & (table - 1)) < (JavaHash(entries[b].first) & (table - 1));
  });
  out->push_back('{');
  bool first = true;
  for (size_t i : order) {
    if (!first) out->push_back(',');
    first = false;
    convert::AppendJsonString(out, entries[i].first);
    out->push_back(':');
    AppendJson(out, *entries[i].second);
  }
  out->push_back('}');
}

void AppendJson(std::string* out, const json& v) {
  switch (v.type()) {
    case json::value_t::null:
    case json::value_t::discarded:
      out->append("null");
      break;
    case json::value_t::boolean:
      convert::AppendJsonBool(out, v.get<bool>());
      break;
    case json::value_t::number_integer:
      convert::AppendJsonInt(out, v.get<int64_t>());
      break;
    case json::value_t::number_unsigned:
      convert::AppendJsonUint(out, v.get<uint64_t>());
      break;
    case json::value_t::number_float:
      convert::AppendJsonDouble(out, v.get<double>());
      break;
    case json::value_t::string:
      convert::AppendJsonString(out, v.get_ref<const std::string&>());
      break;
    case json::value_t::binary:
      out->append("null");
      break;
    case json::value_t::array: {
      out->push_back('[');
      bool first = true;
      for (const json& item : v) {
        if (!first) out->push_back(',');
        first = false;
        AppendJson(out, item);
      }
      out->push_back(']');
      break;
    }
    case json::value_t::object: {
      std::vector<std::pair<std::string, const json*>> entries;
      for (auto it = v.begin(); it != v.end(); ++it) entries.emplace_back(it.key(), &it.value());
      AppendHashMap(out, entries);
      break;
    }
  }
}

// Parses a record value as the JsonConverter would; an object is required.
Result<json> ParseObject(std::string_view key, std::string_view value) {
  json j = json::parse(value, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return DataError("record '" + std::string(key) + "': value is not JSON");
  if (!j.is_object()) {
    return DataError("record '" + std::string(key) + "': value is not a JSON object");
  }
  return j;
}

Status FieldError(std::string_view key, std::string_view field, std::string_view expected) {
  return DataError("record '" + std::string(key) + "': field '" + std::string(field) +
                   "' should be " + std::string(expected));
}

// Connect's intValue(): an integer (Integer or Long) narrowed to int.
Result<int32_t> IntField(std::string_view key, const json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_number_integer()) return FieldError(key, field, "an integer");
  return static_cast<int32_t>(it->get<int64_t>());
}

Result<std::string> StringField(std::string_view key, const json& obj, const char* field) {
  auto it = obj.find(field);
  if (it == obj.end() || !it->is_string()) return FieldError(key, field, "a string");
  return it->get<std::string>();
}

Result<std::map<std::string, std::string>> PropertiesField(std::string_view key, const json& obj) {
  auto it = obj.find("properties");
  if (it == obj.end() || !it->is_object()) return FieldError(key, "properties", "a map");
  std::map<std::string, std::string> out;
  for (auto p = it->begin(); p != it->end(); ++p) {
    if (p->is_null()) continue;
    if (!p->is_string()) return FieldError(key, "properties." + p.key(), "a string");
    out[p.key()] = p->get<std::string>();
  }
  return out;
}

std::optional<TargetState> ParseTargetState(std::string_view s) {
  if (s == "STARTED") return TargetState::kStarted;
  if (s == "PAUSED") return TargetState::kPaused;
  if (s == "STOPPED") return TargetState::kStopped;
  return std::nullopt;
}

std::optional<StatusState> ParseStatusState(std::string_view s) {
  for (StatusState st :
       {StatusState::kUnassigned, StatusState::kRunning, StatusState::kPaused, StatusState::kFailed,
        StatusState::kDestroyed, StatusState::kRestarting, StatusState::kStopped}) {
    if (s == StatusStateName(st)) return st;
  }
  return std::nullopt;
}

}  // namespace

const char* TargetStateName(TargetState state) {
  switch (state) {
    case TargetState::kStarted:
      return "STARTED";
    case TargetState::kPaused:
      return "PAUSED";
    case TargetState::kStopped:
      return "STOPPED";
  }
  return "STARTED";
}

const char* StatusStateName(StatusState state) {
  switch (state) {
    case StatusState::kUnassigned:
      return "UNASSIGNED";
    case StatusState::kRunning:
      return "RUNNING";
    case StatusState::kPaused:
      return "PAUSED";
    case StatusState::kFailed:
      return "FAILED";
    case StatusState::kDestroyed:
      return "DESTROYED";
    case StatusState::kRestarting:
      return "RESTARTING";
    case StatusState::kStopped:
      return "STOPPED";
  }
  return "UNASSIGNED";
}

std::string ConnectorConfigKey(std::string_view c) { return kConnectorPrefix + std::string(c); }
std::string TaskConfigKey(std::string_view c, int32_t task) {
  return kTaskPrefix + std::string(c) + "-" + std::to_string(task);
}
std::string CommitKey(std::string_view c) { return kCommitPrefix + std::string(c); }
std::string TargetStateKey(std::string_view c) { return kTargetStatePrefix + std::string(c); }
std::string TaskCountKey(std::string_view c) { return kTaskCountPrefix + std::string(c); }
std::string RestartKey(std::string_view c) { return kRestartPrefix + std::string(c); }
std::string LoggerLevelKey(std::string_view ns) { return kLoggerPrefix + std::string(ns); }

std::string EncodeConfigProperties(const std::map<std::string, std::string>& properties) {
  std::string out = "{\"properties\":{";
  bool first = true;
  for (const auto& [k, v] : properties) {
    if (!first) out.push_back(',');
    first = false;
    convert::AppendJsonString(&out, k);
    out.push_back(':');
    convert::AppendJsonString(&out, v);
  }
  out += "}}";
  return out;
}

std::string EncodeTaskCommit(int32_t tasks) { return "{\"tasks\":" + std::to_string(tasks) + "}"; }

std::string EncodeTargetState(TargetState state) {
  const char* v1 = state == TargetState::kStopped ? "PAUSED" : TargetStateName(state);
  return std::string("{\"state\":\"") + v1 + "\",\"state.v2\":\"" + TargetStateName(state) + "\"}";
}

std::string EncodeTaskCount(int32_t task_count) {
  return "{\"task-count\":" + std::to_string(task_count) + "}";
}

std::string EncodeRestartRequest(bool include_tasks, bool only_failed) {
  std::string out = "{\"include-tasks\":";
  convert::AppendJsonBool(&out, include_tasks);
  out += ",\"only-failed\":";
  convert::AppendJsonBool(&out, only_failed);
  out += "}";
  return out;
}

std::string EncodeSessionKey(const SessionKey& key) {
  std::string out = "{\"key\":";
  convert::AppendJsonString(&out, key.key_base64);
  out += ",\"algorithm\":";
  convert::AppendJsonString(&out, key.algorithm);
  out += ",\"creation-timestamp\":";
  convert::AppendJsonInt(&out, key.creation_timestamp_ms);
  out += "}";
  return out;
}

std::string EncodeLoggerLevel(std::string_view level) {
  std::string out = "{\"level\":";
  convert::AppendJsonString(&out, level);
  out += "}";
  return out;
}

Result<ConfigRecord> DecodeConfigRecord(std::string_view key,
                                        const std::optional<std::string_view>& value) {
  ConfigRecord r;
  r.tombstone = !value.has_value();
  // The prefixes in the order Connect tests them.
  if (StartsWith(key, kTargetStatePrefix)) {
    r.kind = ConfigRecordKind::kTargetState;
    r.connector = key.substr(sizeof(kTargetStatePrefix) - 1);
  } else if (StartsWith(key, kConnectorPrefix)) {
    r.kind = ConfigRecordKind::kConnector;
    r.connector = key.substr(sizeof(kConnectorPrefix) - 1);
  } else if (StartsWith(key, kTaskPrefix)) {
    r.kind = ConfigRecordKind::kTask;
    auto id = ParseTaskId(key, 1);
    if (!id) return DataError("record '" + std::string(key) + "': not a task-<connector>-<n> key");
    r.connector = id->first;
    r.task = id->second;
  } else if (StartsWith(key, kCommitPrefix)) {
    r.kind = ConfigRecordKind::kCommit;
    r.connector = key.substr(sizeof(kCommitPrefix) - 1);
  } else if (StartsWith(key, kRestartPrefix)) {
    r.kind = ConfigRecordKind::kRestart;
    r.connector = key.substr(sizeof(kRestartPrefix) - 1);
  } else if (StartsWith(key, kTaskCountPrefix)) {
    r.kind = ConfigRecordKind::kTaskCount;
    r.connector = key.substr(sizeof(kTaskCountPrefix) - 1);
  } else if (key == kSessionKeyKey) {
    r.kind = ConfigRecordKind::kSessionKey;
  } else if (StartsWith(key, kLoggerPrefix)) {
    r.kind = ConfigRecordKind::kLoggerLevel;
    r.connector = key.substr(sizeof(kLoggerPrefix) - 1);
  } else {
    return DataError("config record with an unknown key '" + std::string(key) + "'");
  }
  if (r.tombstone) {
    // Connect acts on null connector configs and target states; for the others a null value is
    // unexpected and skipped.
    if (r.kind == ConfigRecordKind::kConnector || r.kind == ConfigRecordKind::kTargetState) {
      return r;
    }
    return DataError("record '" + std::string(key) + "': unexpected null value");
  }
  WR_ASSIGN_OR_RETURN(json obj, ParseObject(key, *value));
  switch (r.kind) {
    case ConfigRecordKind::kConnector:
    case ConfigRecordKind::kTask: {
      WR_ASSIGN_OR_RETURN(r.properties, PropertiesField(key, obj));
      break;
    }
    case ConfigRecordKind::kCommit: {
      WR_ASSIGN_OR_RETURN(r.tasks, IntField(key, obj, "tasks"));
      break;
    }
    case ConfigRecordKind::kTaskCount: {
      WR_ASSIGN_OR_RETURN(r.tasks, IntField(key, obj, "task-count"));
      break;
    }
    case ConfigRecordKind::kTargetState: {
      // state.v2 (3.5+) wins; a missing or non-string one falls back to state.
      std::optional<std::string> text;
      auto v2 = obj.find("state.v2");
      if (v2 != obj.end() && v2->is_string()) text = v2->get<std::string>();
      if (!text) {
        WR_ASSIGN_OR_RETURN(text, StringField(key, obj, "state"));
      }
      auto state = ParseTargetState(*text);
      if (!state)
        return DataError("record '" + std::string(key) + "': unknown target state '" + *text + "'");
      r.state = *state;
      break;
    }
    case ConfigRecordKind::kRestart: {
      auto flag = [&obj](const char* f) {
        auto it = obj.find(f);
        return it != obj.end() && it->is_boolean() && it->get<bool>();
      };
      r.include_tasks = flag("include-tasks");
      r.only_failed = flag("only-failed");
      break;
    }
    case ConfigRecordKind::kSessionKey: {
      WR_ASSIGN_OR_RETURN(r.session_key.key_base64, StringField(key, obj, "key"));
      WR_ASSIGN_OR_RETURN(r.session_key.algorithm, StringField(key, obj, "algorithm"));
      auto ts = obj.find("creation-timestamp");
      if (ts == obj.end() || !ts->is_number_integer()) {
        return FieldError(key, "creation-timestamp", "a long");
      }
      r.session_key.creation_timestamp_ms = ts->get<int64_t>();
      break;
    }
    case ConfigRecordKind::kLoggerLevel: {
      WR_ASSIGN_OR_RETURN(r.level, StringField(key, obj, "level"));
      break;
    }
  }
  return r;
}

std::string ConnectorStatusKey(std::string_view c) {
  return kConnectorStatusPrefix + std::string(c);
}
std::string TaskStatusKey(std::string_view c, int32_t task) {
  return kTaskStatusPrefix + std::string(c) + "-" + std::to_string(task);
}
std::string TopicStatusKey(std::string_view topic, std::string_view connector) {
  return kTopicStatusPrefix + std::string(topic) + kTopicStatusSeparator + std::string(connector);
}

std::optional<std::string> EncodeStatus(const ConnectStatus& status) {
  if (status.state == StatusState::kDestroyed) return std::nullopt;
  std::string out = "{\"state\":\"";
  out += StatusStateName(status.state);
  out += "\",\"trace\":";
  if (status.trace) {
    convert::AppendJsonString(&out, *status.trace);
  } else {
    out += "null";
  }
  out += ",\"worker_id\":";
  convert::AppendJsonString(&out, status.worker_id);
  out += ",\"generation\":";
  convert::AppendJsonInt(&out, status.generation);
  out += "}";
  return out;
}

std::string EncodeTopicStatus(const TopicStatus& status) {
  std::string out = "{\"topic\":{\"name\":";
  convert::AppendJsonString(&out, status.topic);
  out += ",\"connector\":";
  convert::AppendJsonString(&out, status.connector);
  out += ",\"task\":";
  convert::AppendJsonInt(&out, status.task);
  out += ",\"discoverTimestamp\":";
  convert::AppendJsonInt(&out, status.discover_timestamp_ms);
  out += "}}";
  return out;
}

Result<StatusRecord> DecodeStatusRecord(std::string_view key,
                                        const std::optional<std::string_view>& value) {
  StatusRecord r;
  r.tombstone = !value.has_value();
  if (StartsWith(key, kConnectorStatusPrefix)) {
    r.kind = StatusRecordKind::kConnector;
    r.connector = key.substr(sizeof(kConnectorStatusPrefix) - 1);
    if (r.connector.empty())
      return DataError("status record with an empty connector: '" + std::string(key) + "'");
  } else if (StartsWith(key, kTaskStatusPrefix)) {
    r.kind = StatusRecordKind::kTask;
    auto id = ParseTaskId(key, 2);
    if (!id) return DataError("status record '" + std::string(key) + "': not a task status key");
    r.connector = id->first;
    r.task = id->second;
  } else if (StartsWith(key, kTopicStatusPrefix)) {
    r.kind = StatusRecordKind::kTopic;
    size_t colon = key.find(':');
    const size_t begin = sizeof(kTopicStatusPrefix) - 1;
    if (colon == std::string_view::npos || colon < begin ||
        colon + sizeof(kTopicStatusSeparator) - 1 >= key.size() + 1) {
      return DataError("status record '" + std::string(key) + "': not a topic status key");
    }
    r.topic = key.substr(begin, colon - begin);
    size_t connector_begin = colon + sizeof(kTopicStatusSeparator) - 1;
    r.connector = connector_begin <= key.size() ? std::string(key.substr(connector_begin)) : "";
    if (r.topic.empty() || r.connector.empty()) {
      return DataError("status record '" + std::string(key) + "': empty topic or connector");
    }
  } else {
    return DataError("status record with an unknown key '" + std::string(key) + "'");
  }
  if (r.tombstone) return r;
  WR_ASSIGN_OR_RETURN(json obj, ParseObject(key, *value));
  if (r.kind == StatusRecordKind::kTopic) {
    auto inner = obj.find("topic");
    if (inner == obj.end() || !inner->is_object()) return FieldError(key, "topic", "a map");
    WR_ASSIGN_OR_RETURN(r.topic_status.topic, StringField(key, *inner, "name"));
    WR_ASSIGN_OR_RETURN(r.topic_status.connector, StringField(key, *inner, "connector"));
    WR_ASSIGN_OR_RETURN(r.topic_status.task, IntField(key, *inner, "task"));
    auto ts = inner->find("discoverTimestamp");
    if (ts == inner->end() || !ts->is_number_integer()) {
      return FieldError(key, "discoverTimestamp", "a long");
    }
    r.topic_status.discover_timestamp_ms = ts->get<int64_t>();
    return r;
  }
  WR_ASSIGN_OR_RETURN(std::string state, StringField(key, obj, "state"));
  auto parsed = ParseStatusState(state);
  if (!parsed)
    return DataError("status record '" + std::string(key) + "': unknown state '" + state + "'");
  r.status.state = *parsed;
  auto trace = obj.find("trace");
  if (trace != obj.end() && !trace->is_null()) {
    if (!trace->is_string()) return FieldError(key, "trace", "a string");
    r.status.trace = trace->get<std::string>();
  }
  auto worker = obj.find("worker_id");
  if (worker != obj.end() && !worker->is_null()) {
    if (!worker->is_string()) return FieldError(key, "worker_id", "a string");
    r.status.worker_id = worker->get<std::string>();
  }
  WR_ASSIGN_OR_RETURN(r.status.generation, IntField(key, obj, "generation"));
  return r;
}

std::string EncodeConnectMap(const ConnectMap& map) {
  std::vector<std::pair<std::string, const json*>> entries;
  for (const auto& [k, v] : map) {
    auto same = std::find_if(entries.begin(), entries.end(),
                             [&k = k](const auto& e) { return e.first == k; });
    if (same != entries.end()) {
      same->second = &v;  // a second put replaces the value in place
    } else {
      entries.emplace_back(k, &v);
    }
  }
  std::string out;
  AppendHashMap(&out, entries);
  return out;
}

std::string EncodeOffsetKey(std::string_view connector, const ConnectMap& partition) {
  std::string out = "[";
  convert::AppendJsonString(&out, connector);
  out.push_back(',');
  out += EncodeConnectMap(partition);
  out.push_back(']');
  return out;
}

Result<OffsetRecord> DecodeOffsetRecord(std::string_view key,
                                        const std::optional<std::string_view>& value) {
  json k = json::parse(key, nullptr, /*allow_exceptions=*/false);
  if (k.is_discarded()) return DataError("offset record key is not JSON");
  if (!k.is_array()) return DataError("offset record key is not a JSON array");
  if (k.size() != 2) {
    return DataError("offset record key has " + std::to_string(k.size()) +
                     " elements, expected 2 ([connector, partition])");
  }
  if (!k[0].is_string()) return DataError("offset record key: the connector is not a string");
  if (!k[1].is_object()) return DataError("offset record key: the partition is not an object");
  OffsetRecord r;
  r.connector = k[0].get<std::string>();
  r.partition = k[1];
  if (value) {
    json v = json::parse(*value, nullptr, /*allow_exceptions=*/false);
    if (v.is_discarded())
      return DataError("offset record of '" + r.connector + "': value is not JSON");
    if (v.is_null()) return r;  // the JSON text null is a reset too
    if (!v.is_object()) {
      return DataError("offset record of '" + r.connector + "': value is not a JSON object");
    }
    r.offset = std::move(v);
  }
  return r;
}

ConnectMap DebeziumPartition(std::string_view topic_prefix) {
  return {{"server", json(std::string(topic_prefix))}};
}

ConnectMap DebeziumOffsetFrom(const source::SourceOffset& o, int64_t commit_ts_us) {
  // The order PostgresOffsetContext.getOffset() puts its keys in.
  ConnectMap m;
  if (commit_ts_us > 0) m.emplace_back("ts_usec", commit_ts_us);
  if (o.last_txid != 0) m.emplace_back("txId", static_cast<int64_t>(o.last_txid));
  const int64_t end = static_cast<int64_t>(o.last_commit_end.value());
  // Debezium's own position inside a transaction, taken over and not passed yet, goes back as
  // Debezium wrote it; otherwise the offset is at the last delivered transaction's end.
  const bool in_debezium_tx = o.debezium_lsn_proc.valid();
  const int64_t proc = in_debezium_tx ? static_cast<int64_t>(o.debezium_lsn_proc.value()) : end;
  m.emplace_back("lsn", proc);
  if (o.snapshot.active) {
    m.emplace_back("snapshot", "INITIAL");
    m.emplace_back("last_snapshot_record", false);
    m.emplace_back("snapshot_completed", false);
  }
  m.emplace_back("lsn_proc", proc);
  if (in_debezium_tx && o.debezium_events_at_proc > 0) {
    m.emplace_back("lsn_events_processed", static_cast<int64_t>(o.debezium_events_at_proc));
  }
  m.emplace_back("lsn_commit", end);
  m.emplace_back("messageType", in_debezium_tx ? o.debezium_message_type : "COMMIT");
  // What Debezium has no field for.
  m.emplace_back("walrelay_commit_lsn", static_cast<int64_t>(o.last_commit_lsn.value()));
  if (o.inflight_tx_lsn.valid()) {
    m.emplace_back("walrelay_inflight_lsn", static_cast<int64_t>(o.inflight_tx_lsn.value()));
    m.emplace_back("walrelay_inflight_index", static_cast<int64_t>(o.inflight_index));
  }
  if (o.filter_until.valid()) {
    m.emplace_back("walrelay_filter_until", static_cast<int64_t>(o.filter_until.value()));
  }
  if (o.timeline != 0) m.emplace_back("walrelay_timeline", static_cast<int64_t>(o.timeline));
  if (o.snapshot.active || !o.snapshot.done_tables.empty()) {
    m.emplace_back("walrelay_snapshot_stream_start",
                   static_cast<int64_t>(o.snapshot.stream_start.value()));
    json tables = json::object();
    for (const auto& [name, xs] : o.snapshot.done_tables) tables[name] = xs.ToString();
    // Offsets hold primitives only: the table map travels as JSON text, as Debezium's own
    // incremental_snapshot_collections does.
    m.emplace_back("walrelay_snapshot_done_tables", tables.dump());
  }
  return m;
}

Result<source::SourceOffset> SourceOffsetFromDebezium(const json& offset) {
  if (!offset.is_object()) return DataError("Debezium offset is not a JSON object");
  auto lsn = [&offset](const char* field) -> Result<std::optional<Lsn>> {
    auto it = offset.find(field);
    if (it == offset.end() || it->is_null()) return std::optional<Lsn>();
    if (!it->is_number_integer() || it->get<int64_t>() < 0) {
      return DataError(std::string("Debezium offset: '") + field +
                       "' should be a non-negative integer, not " + it->dump());
    }
    return std::optional<Lsn>(Lsn(it->get<uint64_t>()));
  };
  auto flag = [&offset](const char* field) {
    auto it = offset.find(field);
    return it != offset.end() && ((it->is_boolean() && it->get<bool>()) ||
                                  (it->is_string() && it->get<std::string>() == "true"));
  };
  source::SourceOffset o;
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> commit, lsn("lsn_commit"));
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> proc, lsn("lsn_proc"));
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> event, lsn("lsn"));
  // Debezium: a missing lsn_commit falls back to lsn_proc. lsn_commit is the end of the last
  // completed transaction.
  Lsn end = commit ? *commit : proc ? *proc : Lsn();
  o.last_commit_end = end;
  o.last_commit_lsn = end;
  // An offset taken at a change event (Kafka Connect stores the last record's, and Debezium's
  // offset reaches a commit only with the next transaction's first event): the transaction
  // Debezium was in is the first one after lsn_commit, and its events up to lsn_proc were
  // delivered (of those at lsn_proc itself, lsn_events_processed when given). Debezium skips
  // them when it resumes; so does walrelay (SourceOffset::DeliveredByDebezium). Without
  // lsn_commit (Debezium 1.x and early 2.x) the transaction is not known: it is delivered again
  // whole, as before.
  auto type = offset.find("messageType");
  static const std::set<std::string> kChangeTypes = {"INSERT", "UPDATE", "DELETE", "TRUNCATE",
                                                     "MESSAGE"};
  if (commit && proc && type != offset.end() && type->is_string() &&
      kChangeTypes.count(type->get<std::string>()) > 0 &&
      offset.find("walrelay_inflight_lsn") == offset.end()) {
    o.debezium_lsn_proc = *proc;
    o.debezium_message_type = type->get<std::string>();
    if (auto n = offset.find("lsn_events_processed"); n != offset.end() && !n->is_null()) {
      if (!n->is_number_integer() || n->get<int64_t>() < 0) {
        return DataError(
            "Debezium offset: 'lsn_events_processed' should be a non-negative integer, not " +
            n->dump());
      }
      o.debezium_events_at_proc = n->get<uint64_t>();
    }
  }
  if (auto tx = offset.find("txId"); tx != offset.end() && !tx->is_null()) {
    if (!tx->is_number_integer()) return DataError("Debezium offset: 'txId' should be an integer");
    o.last_txid = static_cast<uint32_t>(tx->get<int64_t>());
  }
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> commit_lsn, lsn("walrelay_commit_lsn"));
  if (commit_lsn) o.last_commit_lsn = *commit_lsn;
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> inflight, lsn("walrelay_inflight_lsn"));
  if (inflight) {
    o.inflight_tx_lsn = *inflight;
    auto idx = offset.find("walrelay_inflight_index");
    if (idx == offset.end() || !idx->is_number_integer() || idx->get<int64_t>() < 0) {
      return DataError(
          "Debezium offset: 'walrelay_inflight_index' should be a non-negative integer");
    }
    o.inflight_index = idx->get<uint64_t>();
  }
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> filter, lsn("walrelay_filter_until"));
  if (filter) o.filter_until = *filter;
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> timeline, lsn("walrelay_timeline"));
  if (timeline) o.timeline = static_cast<uint32_t>(timeline->value());
  // An unfinished initial or blocking snapshot.
  auto snap = offset.find("snapshot");
  const bool snapshot_set = snap != offset.end() && !snap->is_null() &&
                            !(snap->is_boolean() && !snap->get<bool>()) &&
                            !(snap->is_string() && snap->get<std::string>() == "false");
  o.snapshot.active = snapshot_set && !flag("snapshot_completed") &&
                      !flag("last_snapshot_record") &&
                      !(snap->is_string() && snap->get<std::string>() == "INCREMENTAL");
  WR_ASSIGN_OR_RETURN(std::optional<Lsn> stream_start, lsn("walrelay_snapshot_stream_start"));
  if (stream_start) {
    o.snapshot.stream_start = *stream_start;
  } else if (o.snapshot.active) {
    o.snapshot.stream_start = event ? *event : end;
  }
  if (auto tables = offset.find("walrelay_snapshot_done_tables"); tables != offset.end()) {
    if (!tables->is_string()) {
      return DataError("Debezium offset: 'walrelay_snapshot_done_tables' should be a string");
    }
    json t = json::parse(tables->get<std::string>(), nullptr, /*allow_exceptions=*/false);
    if (!t.is_object()) {
      return DataError("Debezium offset: 'walrelay_snapshot_done_tables' is not a JSON object");
    }
    for (auto it = t.begin(); it != t.end(); ++it) {
      auto xs = it->is_string() ? source::XidSnapshot::Parse(it->get<std::string>()) : std::nullopt;
      if (!xs) return DataError("Debezium offset: bad snapshot entry for " + it.key());
      o.snapshot.done_tables[it.key()] = *xs;
    }
  }
  return o;
}

}  // namespace walrelay::runtime
