#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/stop.h"
#include "kafka/admin.h"
#include "kafka/client_config.h"
#include "rest/herder.h"
#include "runtime/cluster_config_state.h"
#include "runtime/metrics.h"
#include "runtime/worker_config.h"
#include "worker/assignment.h"
#include "worker/cluster_view.h"
#include "worker/membership.h"
#include "worker/record_writer.h"
#include "worker/sink_offsets.h"
#include "worker/sink_task_runner.h"
#include "worker/source_task_runner.h"
#include "worker/topic_admin.h"
#include "worker/topic_log.h"

namespace walrelay::worker {

// The librdkafka properties of a worker's client of `role` from Java client properties (the worker
// file's, with a connector's overrides): kafka::TranslateJavaProperties, its warnings appended to
// `warnings` (may be null). A consumer's max.poll.records, which is no librdkafka property, goes
// to `max_poll_records` (may be null). kInvalidArgument naming a bad property.
Result<std::map<std::string, std::string>> ClientProperties(
    const std::map<std::string, std::string>& java, kafka::ClientRole role,
    std::vector<std::string>* warnings, int* max_poll_records = nullptr);

// A distributed worker: Kafka Connect's DistributedHerder, walrelay's way (docs/distributed.md).
// It keeps connector configs, statuses and source offsets in the worker file's three topics, in
// Kafka Connect's formats (docs/kafka-formats.md); joins its cluster through Kafka's group
// coordinator (worker/membership.h); as the leader, writes task configs and the assignment; and
// runs the connectors and tasks the assignment gives it. It is the rest::Herder the REST API
// calls: reads answer from this worker's view, config changes run on the leader (others answer
// "forward to the leader").
//
// Threads: Run's (the herder thread: group, config and status topics, leader duties,
// reconciling units), one per unit, and the REST server's, which call the Herder methods.
class Worker : public rest::Herder {
 public:
  static Result<std::unique_ptr<Worker>> Create(runtime::WorkerConfig config,
                                                const StopSource* stop);
  ~Worker() override;

  // Creates missing internal topics, reads them, joins the cluster and runs until the stop
  // request: then stops every unit (their offsets committed), leaves the group at once (the
  // others take the units over without waiting for the session to expire) and returns Ok.
  // Returns the failure that ended it otherwise.
  Status Run();

  const std::string& worker_id() const { return worker_id_; }
  const std::string& rest_url() const { return rest_url_; }
  runtime::MetricsRegistry* metrics() { return &metrics_; }

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
  Worker(runtime::WorkerConfig config, const StopSource* stop);
  Status Start();
  Status Step();
  void Shutdown();

  // Herder-thread work.
  Status ApplyConfigRecord(const LogRecord& record);
  // Sets the process's log level for `logger` (the API names namespaces; walrelay has one level).
  void ApplyLoggerLevelLocked(const std::string& logger, const std::string& level);
  Status ApplyStatusRecord(const LogRecord& record);
  ClusterView View() const;  // mu_ held
  Status LeaderDuties();
  Status WriteConfig(const std::vector<KeyedRecord>& records);
  void Reconcile();
  std::unique_ptr<UnitRunner> MakeRunner(const UnitPlan& plan, int32_t generation);
  void OnUnitStatus(const WorkUnit& unit, UnitState state, const std::string& trace,
                    int32_t generation);
  void RunQueued();

  // Runs `fn` on the herder thread (where config writes happen) and waits for its result.
  rest::HerderStatus OnHerderThread(std::function<rest::HerderStatus()> fn);
  // The leader check of every config change: ForwardTo(leader) when this worker is not it.
  std::optional<rest::HerderError> NotLeader() const;
  rest::HerderStatus WriteTargetState(const std::string& name, runtime::TargetState state);
  Result<std::optional<std::string>> ReadOffset(const std::string& key, const StopSource* stop);
  // The admin client of a unit whose connector sets admin.override.*; nullptr when it sets none.
  Result<std::unique_ptr<TopicAdmin>> ConnectorAdmin(const UnitPlan& plan);
  // The connector's config; 404 when unknown, 400 (Kafka Connect's text) when it is not STOPPED,
  // as altering or resetting offsets requires.
  rest::HerderResult<rest::ConnectorConfig> StoppedConnectorConfig(const std::string& name);
  // Runs `fn` with the sink connector's SinkOffsets (worker/sink_offsets.h): its destination
  // opened for the call, its consumer group through group_admin_ (one call at a time).
  template <typename T>
  rest::HerderResult<T> WithSinkOffsets(
      const std::string& name, const rest::ConnectorConfig& config,
      const std::function<rest::HerderResult<T>(SinkOffsets&)>& fn);

  runtime::WorkerConfig config_;
  const StopSource* stop_;
  std::string worker_id_;
  std::string rest_url_;
  // librdkafka properties: the settings all clients share (bootstrap, security), for the
  // internal topics' readers and writers and the group membership; and those with the worker
  // file's admin.* over them, for its admin clients.
  std::map<std::string, std::string> base_client_;
  std::map<std::string, std::string> admin_client_;
  runtime::MetricsRegistry metrics_;

  std::unique_ptr<TopicAdmin> admin_;
  std::unique_ptr<TopicLog> config_log_;
  std::unique_ptr<TopicLog> status_log_;
  std::unique_ptr<Membership> membership_;
  std::unique_ptr<RecordWriter> leader_writer_;  // while the leader
  std::unique_ptr<RecordWriter> status_writer_;
  std::mutex status_writer_mu_;
  std::unique_ptr<RecordWriter> offset_writer_;  // offset alterations through the REST API

  // Offsets: the offset topic read on demand by source tasks and the REST API.
  std::mutex offsets_mu_;
  std::unique_ptr<TopicLog> offset_log_;
  std::map<std::string, std::optional<std::string>> offsets_;  // key -> value (null: reset)
  // Sink connectors' consumer groups (KIP-875 offsets), created on first use.
  std::mutex group_admin_mu_;
  std::optional<kafka::Admin> group_admin_;

  SourceTaskContext source_context_;
  SinkTaskContext sink_context_;

  mutable std::mutex mu_;  // guards what follows, read by the REST threads
  runtime::ClusterConfigState config_state_;
  runtime::ClusterStatusState status_state_;
  std::optional<Assignment> assignment_;
  bool leader_ = false;
  std::string kafka_cluster_id_;
  // The process's log level as last set through the API (nullopt: never, INFO), and each logger
  // named since with when (epoch ms).
  std::optional<std::string> logger_level_;
  std::map<std::string, int64_t> logger_modified_;
  bool config_read_ = false;  // the config topic was read to its end once (guarded by mu_)

  // Herder-thread state.
  std::map<WorkUnit, std::unique_ptr<UnitRunner>> runners_;
  std::vector<WorkUnit> last_units_;
  bool leader_dirty_ = false;
  int64_t lost_epoch_ = -1;  // after a lost membership: run nothing until a newer assignment

  std::mutex queue_mu_;
  std::deque<std::function<void()>> queue_;
};

}  // namespace walrelay::worker
