#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "rest/herder.h"

namespace walrelay::testing {

// An in-memory rest::Herder for tests of the REST API, its HTTP server and the CLI: connectors
// are config maps with one task each, states change at once, and every call is recorded. Knobs
// make it answer as a follower (forward to a leader URL) or as a worker in a rebalance (409).
// Not a model of a runtime: it proves what the API sends and how it renders the answers.
// Thread-safe (one mutex), as the HTTP server calls it from several threads.
class FakeHerder : public rest::Herder {
 public:
  static constexpr const char* kWorkerId = "127.0.0.1:8083";

  // Knobs, set before requests are made (guarded by mu for later changes).
  std::mutex mu;
  std::string forward_url;  // non-empty, or forward_unknown: mutating calls answer "forward"
  bool forward_unknown = false;
  bool rebalancing = false;        // every connector call answers 409
  std::vector<std::string> calls;  // "Method(args)" of each call, in order
  std::optional<rest::RestartRequest> last_restart;
  std::optional<rest::ConnectorConfigPatch> last_patch;
  std::optional<rest::ConnectorOffsets> last_offsets;
  std::map<std::string, rest::LoggerLevel> loggers = {{"root", {"INFO", std::nullopt}}};

  struct Connector {
    rest::ConnectorConfig config;
    rest::TargetState target = rest::TargetState::kStarted;
    std::string task_state = "RUNNING";
    std::string task_trace;
    std::string version;  // the plugin's, in statuses
    std::vector<std::string> topics;
    rest::ConnectorOffsets offsets;
  };
  std::map<std::string, Connector> connectors;

  void FailTask(const std::string& name, const std::string& trace) {
    std::lock_guard lock(mu);
    connectors.at(name).task_state = "FAILED";
    connectors.at(name).task_trace = trace;
  }

  rest::ServerInfo GetServerInfo() override {
    std::lock_guard lock(mu);
    calls.push_back("GetServerInfo()");
    return {"4.0.0", "walrelay-test", "kafka-cluster-1"};
  }

  rest::HerderResult<std::vector<std::string>> Connectors() override {
    std::lock_guard lock(mu);
    calls.push_back("Connectors()");
    if (rebalancing) return rest::HerderError::RebalanceInProgress();
    std::vector<std::string> names;
    for (const auto& [name, c] : connectors) names.push_back(name);
    return names;
  }

  rest::HerderResult<rest::ConnectorInfo> GetConnectorInfo(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetConnectorInfo(" + name + ")");
    if (auto error = Check(name)) return *error;
    return Info(name);
  }

  rest::HerderResult<rest::ConnectorConfig> GetConnectorConfig(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetConnectorConfig(" + name + ")");
    if (auto error = Check(name)) return *error;
    return connectors.at(name).config;
  }

  rest::HerderResult<rest::ConnectorStateInfo> GetConnectorStatus(
      const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetConnectorStatus(" + name + ")");
    if (auto error = Check(name)) return *error;
    return Status(name);
  }

  rest::HerderResult<rest::TaskState> GetTaskStatus(const rest::ConnectorTaskId& id) override {
    std::lock_guard lock(mu);
    calls.push_back("GetTaskStatus(" + id.connector + "," + std::to_string(id.task) + ")");
    if (auto error = Check(id.connector)) return *error;
    rest::ConnectorStateInfo status = Status(id.connector);
    for (const auto& task : status.tasks) {
      if (task.id == id.task) return task;
    }
    return rest::HerderError::NotFound("No status found for task " + id.connector + "-" +
                                       std::to_string(id.task));
  }

  rest::HerderResult<std::vector<rest::TaskInfo>> GetTaskConfigs(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetTaskConfigs(" + name + ")");
    if (auto error = Check(name)) return *error;
    std::vector<rest::TaskInfo> tasks;
    if (connectors.at(name).target != rest::TargetState::kStopped) {
      rest::ConnectorConfig config = connectors.at(name).config;
      config["task.class"] = "walrelay.Task";
      tasks.push_back({{name, 0}, config});
    }
    return tasks;
  }

  rest::HerderResult<rest::Created<rest::ConnectorInfo>> PutConnectorConfig(
      const std::string& name, const rest::ConnectorConfig& config,
      std::optional<rest::TargetState> initial_state, bool allow_replace) override {
    std::lock_guard lock(mu);
    calls.push_back("PutConnectorConfig(" + name + "," + (allow_replace ? "replace" : "create") +
                    ")");
    if (auto error = Forward()) return *error;
    if (rebalancing) return rest::HerderError::RebalanceInProgress();
    if (config.count("connector.class") == 0) {
      return rest::HerderError::BadRequest("Connector config {name=" + name +
                                           "} contains no connector type");
    }
    bool exists = connectors.count(name) > 0;
    if (exists && !allow_replace) return rest::HerderError::ConnectorAlreadyExists(name);
    Connector& c = connectors[name];
    c.config = config;
    if (!exists && initial_state) c.target = *initial_state;
    return rest::Created<rest::ConnectorInfo>{!exists, Info(name)};
  }

  rest::HerderResult<rest::ConnectorInfo> PatchConnectorConfig(
      const std::string& name, const rest::ConnectorConfigPatch& patch) override {
    std::lock_guard lock(mu);
    calls.push_back("PatchConnectorConfig(" + name + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(name)) return *error;
    last_patch = patch;
    for (const auto& [key, value] : patch) {
      if (value) {
        connectors.at(name).config[key] = *value;
      } else {
        connectors.at(name).config.erase(key);
      }
    }
    return Info(name);
  }

  rest::HerderStatus DeleteConnector(const std::string& name) override {
    return Simple("DeleteConnector", name, [&] { connectors.erase(name); });
  }

  rest::HerderResult<rest::ActiveTopicsInfo> GetActiveTopics(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetActiveTopics(" + name + ")");
    if (auto error = Check(name)) return *error;
    return rest::ActiveTopicsInfo{name, connectors.at(name).topics};
  }

  rest::HerderStatus ResetActiveTopics(const std::string& name) override {
    return Simple("ResetActiveTopics", name, [&] { connectors.at(name).topics.clear(); });
  }

  rest::HerderStatus PauseConnector(const std::string& name) override {
    return Simple("PauseConnector", name,
                  [&] { connectors.at(name).target = rest::TargetState::kPaused; });
  }
  rest::HerderStatus ResumeConnector(const std::string& name) override {
    return Simple("ResumeConnector", name,
                  [&] { connectors.at(name).target = rest::TargetState::kStarted; });
  }
  rest::HerderStatus StopConnector(const std::string& name) override {
    return Simple("StopConnector", name,
                  [&] { connectors.at(name).target = rest::TargetState::kStopped; });
  }
  rest::HerderStatus RestartConnector(const std::string& name) override {
    return Simple("RestartConnector", name, [] {});
  }

  rest::HerderResult<rest::ConnectorStateInfo> RestartConnectorAndTasks(
      const rest::RestartRequest& request) override {
    std::lock_guard lock(mu);
    calls.push_back("RestartConnectorAndTasks(" + request.connector + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(request.connector)) return *error;
    last_restart = request;
    rest::ConnectorStateInfo status = Status(request.connector);
    if (!request.only_failed) status.connector.state = "RESTARTING";
    for (auto& task : status.tasks) {
      if (request.include_tasks && (!request.only_failed || task.state.state == "FAILED")) {
        task.state = {"RESTARTING", kWorkerId, "", task.state.version};
      }
    }
    return status;
  }

  rest::HerderStatus RestartTask(const rest::ConnectorTaskId& id) override {
    std::lock_guard lock(mu);
    calls.push_back("RestartTask(" + id.connector + "," + std::to_string(id.task) + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(id.connector)) return *error;
    if (id.task != 0) {
      return rest::HerderError::NotFound("Task " + id.connector + "-" + std::to_string(id.task) +
                                         " not found");
    }
    connectors.at(id.connector).task_state = "RUNNING";
    connectors.at(id.connector).task_trace.clear();
    return rest::HerderOk();
  }

  rest::HerderResult<rest::ConnectorOffsets> GetConnectorOffsets(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("GetConnectorOffsets(" + name + ")");
    if (auto error = Check(name)) return *error;
    return connectors.at(name).offsets;
  }

  rest::HerderResult<std::string> AlterConnectorOffsets(
      const std::string& name, const rest::ConnectorOffsets& offsets) override {
    std::lock_guard lock(mu);
    calls.push_back("AlterConnectorOffsets(" + name + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(name)) return *error;
    if (auto error = NotStopped(name)) return *error;
    last_offsets = offsets;
    connectors.at(name).offsets = offsets;
    return std::string("The offsets for this connector have been altered successfully");
  }

  rest::HerderResult<std::string> ResetConnectorOffsets(const std::string& name) override {
    std::lock_guard lock(mu);
    calls.push_back("ResetConnectorOffsets(" + name + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(name)) return *error;
    if (auto error = NotStopped(name)) return *error;
    connectors.at(name).offsets.offsets.clear();
    return std::string("The offsets for this connector have been reset successfully");
  }

  std::vector<rest::PluginInfo> Plugins() override {
    return {{"io.confluent.connect.jdbc.JdbcSinkConnector", "sink", "10.7.4"},
            {"io.debezium.connector.postgresql.PostgresConnector", "source", "2.5.0.Final"},
            {"org.apache.kafka.connect.transforms.RegexRouter", "transformation", ""}};
  }

  rest::HerderResult<std::vector<rest::ConfigKeyInfo>> GetPluginConfig(
      const std::string& plugin) override {
    if (plugin != "PostgresConnector" &&
        plugin != "io.debezium.connector.postgresql.PostgresConnector") {
      return rest::HerderError::NotFound("Unknown plugin " + plugin + ".");
    }
    rest::ConfigKeyInfo key;
    key.name = "slot.name";
    key.type = "STRING";
    key.default_value = "debezium";
    key.importance = "MEDIUM";
    key.documentation = "The replication slot";
    key.group = "Connector";
    key.order_in_group = 1;
    key.width = "MEDIUM";
    key.display_name = "Slot";
    return std::vector<rest::ConfigKeyInfo>{key};
  }

  rest::HerderResult<rest::ConfigInfos> ValidateConnectorConfig(
      const rest::ConnectorConfig& config) override {
    auto cls = config.find("connector.class");
    if (cls == config.end()) {
      return rest::HerderError::BadRequest("Connector config contains no connector type");
    }
    rest::ConfigInfos infos;
    infos.name = cls->second;
    infos.groups = {"Common"};
    for (const auto& [key, value] : config) {
      rest::ConfigInfo info;
      info.value.name = key;
      info.value.value = value;
      if (key == "tasks.max" && value != "1") {
        info.value.errors.push_back("tasks.max must be 1");
        ++infos.error_count;
      }
      infos.configs.push_back(info);
    }
    return infos;
  }

  std::map<std::string, rest::LoggerLevel> AllLoggerLevels() override {
    std::lock_guard lock(mu);
    return loggers;
  }
  std::optional<rest::LoggerLevel> GetLoggerLevel(const std::string& logger) override {
    std::lock_guard lock(mu);
    auto it = loggers.find(logger);
    if (it == loggers.end()) return std::nullopt;
    return it->second;
  }
  rest::HerderResult<std::vector<std::string>> SetWorkerLoggerLevel(
      const std::string& logger, const std::string& level) override {
    std::lock_guard lock(mu);
    calls.push_back("SetWorkerLoggerLevel(" + logger + "," + level + ")");
    loggers[logger] = {level, 1700000000000};
    return std::vector<std::string>{logger};
  }
  rest::HerderStatus SetClusterLoggerLevel(const std::string& logger,
                                           const std::string& level) override {
    std::lock_guard lock(mu);
    calls.push_back("SetClusterLoggerLevel(" + logger + "," + level + ")");
    loggers[logger] = {level, 1700000000000};
    return rest::HerderOk();
  }

 private:
  std::optional<rest::HerderError> Forward() const {
    if (forward_url.empty() && !forward_unknown) return std::nullopt;
    return rest::HerderError::ForwardTo(forward_url, "Request must go to the leader");
  }

  std::optional<rest::HerderError> Check(const std::string& name) const {
    if (rebalancing) return rest::HerderError::RebalanceInProgress();
    if (connectors.count(name) == 0) return rest::HerderError::ConnectorNotFound(name);
    return std::nullopt;
  }

  std::optional<rest::HerderError> NotStopped(const std::string& name) const {
    if (connectors.at(name).target == rest::TargetState::kStopped) return std::nullopt;
    return rest::HerderError::BadRequest(
        "Connectors must be in the STOPPED state before their offsets can be modified.");
  }

  template <typename F>
  rest::HerderStatus Simple(const char* what, const std::string& name, F change) {
    std::lock_guard lock(mu);
    calls.push_back(std::string(what) + "(" + name + ")");
    if (auto error = Forward()) return *error;
    if (auto error = Check(name)) return *error;
    change();
    return rest::HerderOk();
  }

  rest::ConnectorType Type(const std::string& name) const {
    auto cls = connectors.at(name).config.find("connector.class");
    if (cls == connectors.at(name).config.end()) return rest::ConnectorType::kUnknown;
    return cls->second.find("Sink") != std::string::npos ? rest::ConnectorType::kSink
                                                         : rest::ConnectorType::kSource;
  }

  rest::ConnectorInfo Info(const std::string& name) const {
    rest::ConnectorInfo info{name, connectors.at(name).config, {}, Type(name)};
    if (connectors.at(name).target != rest::TargetState::kStopped) info.tasks.push_back({name, 0});
    return info;
  }

  rest::ConnectorStateInfo Status(const std::string& name) const {
    const Connector& c = connectors.at(name);
    rest::ConnectorStateInfo status{name, {"RUNNING", kWorkerId, "", c.version}, {}, Type(name)};
    if (c.target == rest::TargetState::kPaused) status.connector.state = "PAUSED";
    if (c.target == rest::TargetState::kStopped) {
      status.connector.state = "STOPPED";
      return status;
    }
    std::string task_state = c.target == rest::TargetState::kPaused ? "PAUSED" : c.task_state;
    status.tasks.push_back({0, {task_state, kWorkerId, c.task_trace, c.version}});
    return status;
  }
};

}  // namespace walrelay::testing
