#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/stop.h"
#include "config/connector_config.h"
#include "rest/herder.h"
#include "runtime/metrics.h"
#include "runtime/standalone_runner.h"

namespace walrelay::runtime {

// Runs one pipeline as RunStandalone does (the default); a seam for the herder's unit tests.
using PipelineRunner = std::function<int(const config::ConnectorConfig& source,
                                         const std::vector<config::ConnectorConfig>& sinks,
                                         const RunOptions& options, RunFailure* failure)>;

struct StandaloneHerderOptions {
  // max_records and idle_exit_seconds of every run; the herder sets the rest.
  RunOptions run;
  PipelineRunner runner = RunStandalone;
  MetricsRegistry* metrics = nullptr;  // may be null
};

// Kafka Connect's StandaloneHerder for `walrelay run --rest`: the REST API's rest::Herder over
// the standalone runner. Connector configs and target states live in memory (the command line's
// files at start); source offsets stay where the runner keeps them (the offset file, or the
// sinks' destinations).
//
// A run is one pipeline: the (at most one) source connector and the sink connectors fed in
// process (stdout when there are none). Every change that concerns the run (a config put or
// deleted, a pause, resume, stop or restart) ends the current run cleanly, committing what it
// delivered, and starts the next from the stored positions, as Kafka Connect restarts a
// connector. A paused or stopped source does not run: its slot is kept and nothing new is
// confirmed (slot.drop.on.stop does not apply to a pause). A paused or stopped sink is left out
// of the run but holds the slot at its destination's position, so it resumes from there.
// A failed run leaves its connectors FAILED (with the failure as trace) until a restart or a
// config change.
//
// Threads: Run's (the runs, one after another), plus the REST server's, which call the Herder
// methods (thread-safe: one mutex, never held while a run starts or stops).
class StandaloneHerder : public rest::Herder {
 public:
  // `connectors` as validated by `walrelay run` (at most one source).
  StandaloneHerder(std::vector<config::ConnectorConfig> connectors,
                   StandaloneHerderOptions options);
  ~StandaloneHerder() override;
  StandaloneHerder(const StandaloneHerder&) = delete;
  StandaloneHerder& operator=(const StandaloneHerder&) = delete;

  // The REST server's host:port, Kafka Connect's worker_id in statuses.
  void SetWorkerId(std::string worker_id);

  // Runs pipelines until `stop` is requested (the current run then stops within its one-second
  // budget) or a run ends by itself (max_records, idle_exit_seconds, snapshot.mode=initial_only).
  // Returns the process exit status: the last run's (0, or kExitStoppedInFlight when the stop
  // abandoned work in flight), or 1 when the pipeline is FAILED at the stop.
  int Run(const StopSource& stop);

  // rest::Herder.
  rest::ServerInfo GetServerInfo() override;
  rest::HerderResult<std::vector<std::string>> Connectors() override;
  rest::HerderResult<rest::ConnectorInfo> GetConnectorInfo(const std::string& name) override;
  rest::HerderResult<rest::ConnectorConfig> GetConnectorConfig(const std::string& name) override;
  rest::HerderResult<rest::ConnectorStateInfo> GetConnectorStatus(const std::string& name) override;
  rest::HerderResult<rest::TaskState> GetTaskStatus(const rest::ConnectorTaskId& id) override;
  rest::HerderResult<std::vector<rest::TaskInfo>> GetTaskConfigs(const std::string& name) override;
  rest::HerderResult<rest::Created<rest::ConnectorInfo>> PutConnectorConfig(
      const std::string& name, const rest::ConnectorConfig& config,
      std::optional<rest::TargetState> initial_state, bool allow_replace) override;
  rest::HerderResult<rest::ConnectorInfo> PatchConnectorConfig(
      const std::string& name, const rest::ConnectorConfigPatch& patch) override;
  rest::HerderStatus DeleteConnector(const std::string& name) override;
  rest::HerderResult<rest::ActiveTopicsInfo> GetActiveTopics(const std::string& name) override;
  rest::HerderStatus ResetActiveTopics(const std::string& name) override;
  rest::HerderStatus PauseConnector(const std::string& name) override;
  rest::HerderStatus ResumeConnector(const std::string& name) override;
  rest::HerderStatus StopConnector(const std::string& name) override;
  rest::HerderStatus RestartConnector(const std::string& name) override;
  rest::HerderResult<rest::ConnectorStateInfo> RestartConnectorAndTasks(
      const rest::RestartRequest& request) override;
  rest::HerderStatus RestartTask(const rest::ConnectorTaskId& id) override;
  rest::HerderResult<rest::ConnectorOffsets> GetConnectorOffsets(const std::string& name) override;
  rest::HerderResult<std::string> AlterConnectorOffsets(
      const std::string& name, const rest::ConnectorOffsets& offsets) override;
  rest::HerderResult<std::string> ResetConnectorOffsets(const std::string& name) override;
  std::vector<rest::PluginInfo> Plugins() override;
  rest::HerderResult<std::vector<rest::ConfigKeyInfo>> GetPluginConfig(
      const std::string& plugin) override;
  rest::HerderResult<rest::ConfigInfos> ValidateConnectorConfig(
      const rest::ConnectorConfig& config) override;
  std::map<std::string, rest::LoggerLevel> AllLoggerLevels() override;
  std::optional<rest::LoggerLevel> GetLoggerLevel(const std::string& logger) override;
  rest::HerderResult<std::vector<std::string>> SetWorkerLoggerLevel(
      const std::string& logger, const std::string& level) override;
  rest::HerderStatus SetClusterLoggerLevel(const std::string& logger,
                                           const std::string& level) override;

 private:
  struct Connector {
    config::ConnectorConfig config;
    rest::TargetState target = rest::TargetState::kStarted;
    bool source = false;
    std::set<std::string> topics;  // since created or reset
  };
  // What the next run is made of, taken under mu_.
  struct Plan {
    std::optional<config::ConnectorConfig> source;
    std::vector<config::ConnectorConfig> sinks;
    std::vector<config::ConnectorConfig> held;
  };

  Plan MakePlan() const;                                                                 // mu_ held
  const Connector* Find(const std::string& name) const;                                  // mu_ held
  rest::ConnectorStateInfo StatusOf(const std::string& name, const Connector& c) const;  // mu_
  rest::ConnectorInfo InfoOf(const std::string& name, const Connector& c) const;         // mu_
  // Ends the current run so the next one follows the changed configs and states; clears a
  // failure. The run's source keeps its slot unless `keep_slot` is false. mu_ held.
  void Reconfigure(bool keep_slot = true);
  rest::HerderStatus SetTarget(const std::string& name, rest::TargetState target);
  // The offset file of `name`, when it is the source in stdout mode (no sinks); the HTTP error
  // otherwise. mu_ held.
  rest::HerderResult<std::string> OffsetFileOf(const std::string& name) const;

  StandaloneHerderOptions options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Connector> connectors_;
  std::string worker_id_;
  bool changed_ = false;            // configs or states changed since the run started
  StopSource* run_stop_ = nullptr;  // the current run's, while one runs
  std::set<std::string> running_;   // connectors of the current run (source and active sinks)
  std::optional<RunFailure> failure_;
  std::set<std::string> failed_run_;  // the connectors of the run that failed
  std::atomic<bool> keep_slot_{false};
  std::optional<std::string> log_level_;  // set through the API
  std::optional<int64_t> log_level_modified_;
};

}  // namespace walrelay::runtime
