#pragma once
// The records Kafka Connect keeps in its three internal topics (config, offset, status), encoded
// and decoded byte for byte as Connect 4.x writes them: keys are UTF-8 strings (config and status
// topics) or JsonConverter JSON (offset topic), values are Connect Structs or Maps serialized by
// the worker's internal JsonConverter with schemas.enable=false, i.e. compact JSON written by
// Jackson, struct fields in schema order, maps in Java HashMap order. A null value (tombstone)
// deletes. See docs/kafka-formats.md. Pure functions, thread-safe.

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "source/source_offset.h"

namespace walrelay::runtime {

// ---- Config topic ----------------------------------------------------------------------------

// A connector's target state (Connect's TargetState).
enum class TargetState { kStarted, kPaused, kStopped };
const char* TargetStateName(TargetState state);

enum class ConfigRecordKind {
  kConnector,    // connector-<name>      {"properties":{...}}
  kTask,         // task-<name>-<n>       {"properties":{...}}
  kCommit,       // commit-<name>         {"tasks":N}
  kTargetState,  // target-state-<name>   {"state":"PAUSED","state.v2":"STOPPED"}
  kTaskCount,    // tasks-fencing-<name>  {"task-count":N} (KIP-618 zombie fencing)
  kRestart,      // restart-connector-<name> {"include-tasks":b,"only-failed":b} (KIP-745)
  kSessionKey,   // session-key           {"key":base64,"algorithm":..,"creation-timestamp":ms}
  kLoggerLevel,  // logger-cluster-<namespace> {"level":"DEBUG"} (KIP-976)
};

// KIP-507's key signing internal REST requests between workers, written by the leader.
struct SessionKey {
  std::string key_base64;
  std::string algorithm;  // "HmacSHA256"
  int64_t creation_timestamp_ms = 0;
};

// One decoded config-topic record. Only the fields of its kind are set.
struct ConfigRecord {
  ConfigRecordKind kind = ConfigRecordKind::kConnector;
  std::string connector;   // the connector, or the logger namespace for kLoggerLevel
  int32_t task = -1;       // kTask
  bool tombstone = false;  // the value was null: connector deleted / target state removed
  std::map<std::string, std::string> properties;  // kConnector, kTask
  int32_t tasks = 0;                              // kCommit; kTaskCount's task-count
  TargetState state = TargetState::kStarted;      // kTargetState
  bool include_tasks = false;                     // kRestart
  bool only_failed = false;                       // kRestart
  SessionKey session_key;                         // kSessionKey
  std::string level;                              // kLoggerLevel
};

std::string ConnectorConfigKey(std::string_view connector);
std::string TaskConfigKey(std::string_view connector, int32_t task);
std::string CommitKey(std::string_view connector);
std::string TargetStateKey(std::string_view connector);
std::string TaskCountKey(std::string_view connector);
std::string RestartKey(std::string_view connector);
inline constexpr char kSessionKeyKey[] = "session-key";
std::string LoggerLevelKey(std::string_view logger_namespace);

// The value of connector-<name> and task-<name>-<n> records. Connect writes the map in the order
// of its (Java) map; walrelay writes keys in byte order. Readers never depend on it.
std::string EncodeConfigProperties(const std::map<std::string, std::string>& properties);
std::string EncodeTaskCommit(int32_t tasks);
// STOPPED is written as {"state":"PAUSED","state.v2":"STOPPED"} so that workers before 3.5,
// which know only "state", pause the connector.
std::string EncodeTargetState(TargetState state);
std::string EncodeTaskCount(int32_t task_count);
std::string EncodeRestartRequest(bool include_tasks, bool only_failed);
std::string EncodeSessionKey(const SessionKey& key);
std::string EncodeLoggerLevel(std::string_view level);

// Decodes one record as Connect's KafkaConfigBackingStore reads it: `value` nullopt is a
// tombstone. A key no prefix matches, a task key without a numeric suffix, a value that is not
// JSON or lacks its fields is kDataError naming the key and the problem (Connect logs such
// records and skips them; so should the caller). Lenient where Connect is: "state.v2" wins over
// "state"; restart flags that are not booleans are false; null property values are dropped.
Result<ConfigRecord> DecodeConfigRecord(std::string_view key,
                                        const std::optional<std::string_view>& value);

// ---- Status topic ----------------------------------------------------------------------------

// Connect's AbstractStatus.State. DESTROYED is never stored: it is written as a tombstone.
enum class StatusState {
  kUnassigned,
  kRunning,
  kPaused,
  kFailed,
  kDestroyed,
  kRestarting,
  kStopped
};
const char* StatusStateName(StatusState state);

// A connector's or task's status: {"state":..,"trace":..,"worker_id":..,"generation":N}.
struct ConnectStatus {
  StatusState state = StatusState::kUnassigned;
  std::optional<std::string> trace;  // the failure's stack trace (FAILED)
  std::string worker_id;             // "host:port" of the worker's advertised REST URL
  int32_t generation = 0;            // the group generation the writer saw
};

// KIP-558's record of a topic a connector's task used.
struct TopicStatus {
  std::string topic;
  std::string connector;
  int32_t task = 0;
  int64_t discover_timestamp_ms = 0;
};

enum class StatusRecordKind { kConnector, kTask, kTopic };

struct StatusRecord {
  StatusRecordKind kind = StatusRecordKind::kConnector;
  std::string connector;
  int32_t task = -1;  // kTask
  std::string topic;  // kTopic
  bool tombstone = false;
  ConnectStatus status;      // kConnector, kTask
  TopicStatus topic_status;  // kTopic
};

std::string ConnectorStatusKey(std::string_view connector);
std::string TaskStatusKey(std::string_view connector, int32_t task);
std::string TopicStatusKey(std::string_view topic, std::string_view connector);

// nullopt for DESTROYED (a tombstone), else the JSON.
std::optional<std::string> EncodeStatus(const ConnectStatus& status);
std::string EncodeTopicStatus(const TopicStatus& status);
// As KafkaStatusBackingStore reads: kDataError for a key or value it would discard.
Result<StatusRecord> DecodeStatusRecord(std::string_view key,
                                        const std::optional<std::string_view>& value);

// ---- Offset topic ----------------------------------------------------------------------------

// A source partition or offset as Connect holds it: a Map<String, Object> of primitive values
// (string, integer, double, boolean, null), in the order its keys were put. The order decides
// where Java's HashMap, and so the JSON Connect writes, lists each key.
using ConnectMap = std::vector<std::pair<std::string, nlohmann::json>>;

// `map` as compact JSON in the order a java.util.HashMap built by putting its keys in this
// order iterates (String.hashCode, table size 16 doubled past a 0.75 load), values as Jackson
// writes them.
std::string EncodeConnectMap(const ConnectMap& map);

// The offset topic's key: ["<connector>",{<partition>}].
std::string EncodeOffsetKey(std::string_view connector, const ConnectMap& partition);

// One decoded offset-topic record. The topic is keyed by (connector, partition); the latest
// record per key wins; a null offset resets the partition's offset.
struct OffsetRecord {
  std::string connector;
  nlohmann::json partition;              // an object
  std::optional<nlohmann::json> offset;  // an object; nullopt for a tombstone
};

// As OffsetUtils.processPartitionKey accepts: a JSON array of exactly a string and an object.
// Anything else is kDataError naming what was wrong (Connect ignores such records).
Result<OffsetRecord> DecodeOffsetRecord(std::string_view key,
                                        const std::optional<std::string_view>& value);

// Debezium PostgreSQL's source partition: {"server": <topic.prefix>}.
ConnectMap DebeziumPartition(std::string_view topic_prefix);

// walrelay's source offset as Debezium's PostgreSQL offset value. Debezium's fields with
// Debezium's meaning (as PostgresOffsetContext writes after a transaction's COMMIT): "lsn",
// "lsn_proc" and "lsn_commit" the end LSN of the last delivered transaction, "txId",
// "messageType":"COMMIT", "ts_usec" when `commit_ts_us` > 0, and during an initial snapshot
// "snapshot":"INITIAL", "last_snapshot_record":false, "snapshot_completed":false. What Debezium
// has no field for goes in "walrelay_*" fields Debezium ignores (docs/kafka-formats.md).
ConnectMap DebeziumOffsetFrom(const source::SourceOffset& offset, int64_t commit_ts_us = 0);

// The reverse. An offset Debezium wrote resumes after its last completed transaction
// ("lsn_commit", else "lsn_proc"): a transaction it was in the middle of is delivered again
// whole. An unfinished initial snapshot ("snapshot" set, "snapshot_completed" and
// "last_snapshot_record" not true) is redone. kDataError when a field has the wrong type.
Result<source::SourceOffset> SourceOffsetFromDebezium(const nlohmann::json& offset);

}  // namespace walrelay::runtime
