#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

// The interface the Kafka Connect REST API (rest/connect_api.h) calls, modelled on Kafka
// Connect 4.x's org.apache.kafka.connect.runtime.Herder, and the plain value types it speaks (Kafka
// Connect's rest/entities). The distributed and the standalone runtime each implement Herder;
// the API never touches a connector itself.

namespace walrelay::rest {

// A connector's configuration: property -> value, always strings as Kafka Connect keeps them.
using ConnectorConfig = std::map<std::string, std::string>;
// PATCH /connectors/{c}/config: a null value (nullopt) removes the property (KIP-477).
using ConnectorConfigPatch = std::map<std::string, std::optional<std::string>>;

enum class ConnectorType { kSource, kSink, kUnknown };
// "source", "sink", "unknown", as Kafka Connect prints ConnectorType.
const char* ConnectorTypeName(ConnectorType type);

// The state a connector is asked to be in (Kafka Connect's TargetState), also the
// `initial_state` of POST /connectors (KIP-980).
enum class TargetState { kStarted, kPaused, kStopped };

struct ConnectorTaskId {
  std::string connector;
  int task = 0;
};

// GET /connectors/{c}.
struct ConnectorInfo {
  std::string name;
  ConnectorConfig config;
  std::vector<ConnectorTaskId> tasks;
  ConnectorType type = ConnectorType::kUnknown;
};

// One element of GET /connectors/{c}/tasks.
struct TaskInfo {
  ConnectorTaskId id;
  ConnectorConfig config;
};

// A connector's or a task's state: "UNASSIGNED", "RUNNING", "PAUSED", "STOPPED", "FAILED",
// "RESTARTING"; the worker that runs it (its advertised host:port); the failure's stack trace or
// message, printed only when not empty.
struct StateInfo {
  std::string state;
  std::string worker_id;
  std::string trace;
  // The connector plugin's version (Kafka Connect 4's "version", KIP-891); left out when empty.
  std::string version;
};

struct TaskState {
  int id = 0;
  StateInfo state;
};

// GET /connectors/{c}/status.
struct ConnectorStateInfo {
  std::string name;
  StateInfo connector;
  std::vector<TaskState> tasks;
  ConnectorType type = ConnectorType::kUnknown;
};

// GET /connectors/{c}/topics (KIP-558).
struct ActiveTopicsInfo {
  std::string connector;
  std::vector<std::string> topics;
};

// KIP-875 offsets. A partition and an offset are JSON objects whose shape belongs to the
// connector (a source's own partition/offset maps; for sinks {"kafka_topic", "kafka_partition"} and
// {"kafka_offset"}). A null offset in PATCH resets that partition.
struct ConnectorOffset {
  nlohmann::json partition;
  nlohmann::json offset;
};
struct ConnectorOffsets {
  std::vector<ConnectorOffset> offsets;
};

// One plugin of GET /connector-plugins. type is Kafka Connect's PluginType in lower case:
// "source", "sink", "converter", "header_converter", "transformation", "predicate". An empty
// version is left out of the JSON (Kafka Connect's "undefined").
struct PluginInfo {
  std::string class_name;
  std::string type;
  std::string version;
};

// A property definition (GET /connector-plugins/{p}/config, and "definition" in validation).
// type and importance in upper case as Kafka Connect prints them ("STRING", "HIGH"); width is
// "NONE", "SHORT", "MEDIUM" or "LONG".
struct ConfigKeyInfo {
  std::string name;
  std::string type;
  bool required = false;
  std::optional<std::string> default_value;  // null in the JSON when absent
  std::string importance;
  std::string documentation;
  std::optional<std::string> group;
  int order_in_group = -1;
  std::string width = "NONE";
  std::string display_name;
  std::vector<std::string> dependents;
};

// A property's value as validated.
struct ConfigValueInfo {
  std::string name;
  std::optional<std::string> value;
  std::vector<std::string> recommended_values;
  std::vector<std::string> errors;
  bool visible = true;
};

struct ConfigInfo {
  std::optional<ConfigKeyInfo> definition;  // null for a property the connector does not define
  ConfigValueInfo value;
};

// PUT /connector-plugins/{p}/config/validate: 200 with the errors inside, not an HTTP error.
struct ConfigInfos {
  std::string name;  // the connector class
  int error_count = 0;
  std::vector<std::string> groups;
  std::vector<ConfigInfo> configs;
};

// A logger's level (KIP-495/976): "OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE";
// last_modified is epoch milliseconds of the last change through the API (null when never).
struct LoggerLevel {
  std::string level;
  std::optional<int64_t> last_modified;
};

// GET /.
struct ServerInfo {
  std::string version;
  std::string commit;
  std::string kafka_cluster_id;  // empty in standalone mode without Kafka: printed as null
};

// POST /connectors/{c}/restart with includeTasks / onlyFailed (KIP-745).
struct RestartRequest {
  std::string connector;
  bool only_failed = false;
  bool include_tasks = false;
};

// What a create-or-update did: `created` is false when it replaced an existing connector.
template <typename T>
struct Created {
  bool created = false;
  T result;
};

// A failed herder call as Kafka Connect's REST layer reports it: the HTTP status and the message
// of {"error_code", "message"}. Statuses follow Kafka Connect: 400 bad request or invalid config
// (also offsets of a connector that is not STOPPED), 404 unknown connector / task / plugin, 409
// connector already exists or a rebalance is in progress, 500 anything else.
//
// A forwarding error says the request belongs on another worker (Kafka Connect's
// NotLeaderException): the API forwards it to forward_url, the leader's REST URL, or answers 409
// when that is empty (no leader known, a rebalance is under way).
struct HerderError {
  int http_status = 500;
  std::string message;
  bool forward = false;
  std::string forward_url;

  static HerderError WithStatus(int http_status, std::string message);
  static HerderError BadRequest(std::string m) { return WithStatus(400, std::move(m)); }
  static HerderError NotFound(std::string m) { return WithStatus(404, std::move(m)); }
  static HerderError Conflict(std::string m) { return WithStatus(409, std::move(m)); }
  static HerderError Internal(std::string m) { return WithStatus(500, std::move(m)); }
  // "Connector <name> not found", Kafka Connect's text.
  static HerderError ConnectorNotFound(const std::string& name);
  // "Connector <name> already exists".
  static HerderError ConnectorAlreadyExists(const std::string& name);
  // Kafka Connect's 409 while the group rebalances.
  static HerderError RebalanceInProgress();
  // Forward to the leader at `leader_url` ("http://host:port"; empty when not known).
  static HerderError ForwardTo(std::string leader_url, std::string why);
  // Maps a Status from lower layers: kInvalidArgument -> 400, kNotFound -> 404, kRetry -> 409,
  // every other kind -> 500; the message is the status's message.
  static HerderError FromStatus(const Status& status);
};

// A value or a HerderError.
template <typename T>
class [[nodiscard]] HerderResult {
 public:
  HerderResult(T value) : value_(std::move(value)) {}            // NOLINT: implicit by design
  HerderResult(HerderError error) : error_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return !error_.has_value(); }
  const HerderError& error() const { return *error_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }

 private:
  std::optional<T> value_;
  std::optional<HerderError> error_;
};

// The result of a call that returns nothing.
using HerderStatus = HerderResult<std::monostate>;
inline HerderStatus HerderOk() { return std::monostate{}; }

// What the REST API asks of the worker's runtime. Every method is synchronous: it returns once
// the change is accepted (written to the config topic, for a distributed herder) or has failed,
// within the herder's own request timeout (Kafka Connect's 90 s; a timeout is a 500).
//
// Implementations are called from the HTTP server's threads concurrently and must be
// thread-safe. A method that only the leader may run returns HerderError::ForwardTo(leader).
class Herder {
 public:
  virtual ~Herder() = default;

  // GET /: this worker's version and the Kafka cluster id.
  virtual ServerInfo GetServerInfo() = 0;

  // The names of every connector, sorted.
  virtual HerderResult<std::vector<std::string>> Connectors() = 0;
  virtual HerderResult<ConnectorInfo> GetConnectorInfo(const std::string& name) = 0;
  virtual HerderResult<ConnectorConfig> GetConnectorConfig(const std::string& name) = 0;
  virtual HerderResult<ConnectorStateInfo> GetConnectorStatus(const std::string& name) = 0;
  virtual HerderResult<TaskState> GetTaskStatus(const ConnectorTaskId& id) = 0;
  virtual HerderResult<std::vector<TaskInfo>> GetTaskConfigs(const std::string& name) = 0;

  // Creates the connector, or replaces its config when allow_replace (PUT .../config; POST
  // /connectors passes false and gets 409 for an existing name). `config` holds "name" equal to
  // `name`. initial_state applies to a new connector only (nullopt: STARTED). An invalid config
  // is a 400 naming every error.
  virtual HerderResult<Created<ConnectorInfo>> PutConnectorConfig(
      const std::string& name, const ConnectorConfig& config,
      std::optional<TargetState> initial_state, bool allow_replace) = 0;
  // Merges `patch` into the existing config (404 when there is none) and applies it as a PUT.
  virtual HerderResult<ConnectorInfo> PatchConnectorConfig(const std::string& name,
                                                           const ConnectorConfigPatch& patch) = 0;
  virtual HerderStatus DeleteConnector(const std::string& name) = 0;

  // Topics the connector has used since created or reset (KIP-558).
  virtual HerderResult<ActiveTopicsInfo> GetActiveTopics(const std::string& name) = 0;
  virtual HerderStatus ResetActiveTopics(const std::string& name) = 0;

  // Target-state changes; idempotent. Pause and resume are accepted (202) before they take
  // effect; stop returns once recorded.
  virtual HerderStatus PauseConnector(const std::string& name) = 0;
  virtual HerderStatus ResumeConnector(const std::string& name) = 0;
  virtual HerderStatus StopConnector(const std::string& name) = 0;

  // Restarts the connector object only (POST .../restart without includeTasks/onlyFailed).
  virtual HerderStatus RestartConnector(const std::string& name) = 0;
  // KIP-745: restarts what the request selects and returns the states as they are right after
  // the request was accepted (RESTARTING for what will restart).
  virtual HerderResult<ConnectorStateInfo> RestartConnectorAndTasks(
      const RestartRequest& request) = 0;
  virtual HerderStatus RestartTask(const ConnectorTaskId& id) = 0;

  // KIP-875. Alter and reset need the connector STOPPED (400 otherwise); both return the
  // message of the {"message": ...} body.
  virtual HerderResult<ConnectorOffsets> GetConnectorOffsets(const std::string& name) = 0;
  virtual HerderResult<std::string> AlterConnectorOffsets(const std::string& name,
                                                          const ConnectorOffsets& offsets) = 0;
  virtual HerderResult<std::string> ResetConnectorOffsets(const std::string& name) = 0;

  // Every plugin this worker offers, connectors first.
  virtual std::vector<PluginInfo> Plugins() = 0;
  // A plugin's definitions, by full class name or alias (404 unknown plugin).
  virtual HerderResult<std::vector<ConfigKeyInfo>> GetPluginConfig(const std::string& plugin) = 0;
  // Validates a connector config (its connector.class picks the plugin); a missing or unknown
  // class is a 400.
  virtual HerderResult<ConfigInfos> ValidateConnectorConfig(const ConnectorConfig& config) = 0;

  // KIP-495 / KIP-976. Logger names are namespaces ("io.debezium", "root").
  virtual std::map<std::string, LoggerLevel> AllLoggerLevels() = 0;
  // nullopt when the logger is unknown (the API answers 404).
  virtual std::optional<LoggerLevel> GetLoggerLevel(const std::string& logger) = 0;
  // Sets `level` (upper case, already checked) on this worker; returns the loggers it changed.
  virtual HerderResult<std::vector<std::string>> SetWorkerLoggerLevel(const std::string& logger,
                                                                      const std::string& level) = 0;
  // Sets it on every worker of the cluster (scope=cluster).
  virtual HerderStatus SetClusterLoggerLevel(const std::string& logger,
                                             const std::string& level) = 0;
};

}  // namespace walrelay::rest
