#include "runtime/standalone_herder.h"

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/log.h"
#include "config/postgres_connector_def.h"
#include "runtime/connect_records.h"
#include "runtime/offset_file.h"
#include "runtime/plugins.h"
#include "source/postgres_source_config.h"
#include "source/source_offset.h"

namespace walrelay::runtime {
namespace {

constexpr char kLog[] = "herder";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Kafka Connect's message for an invalid connector config.
rest::HerderError InvalidConfig(const Status& s) {
  return rest::HerderError::BadRequest(
      "Connector configuration is invalid and contains the following 1 error(s):\n" + s.message() +
      "\nYou can also find the above list of errors at the endpoint "
      "`/connector-plugins/{connectorType}/config/validate`");
}

rest::HerderError NotSourceOffsets(const std::string& name) {
  return rest::HerderError::Internal(
      "Offsets of " + name +
      " are kept in the sinks' destinations (walrelay_offsets) when `walrelay run` has sinks, "
      "and are not served through this endpoint yet");
}

// Debezium's source partition of a source connector, {"server": <topic prefix>}.
nlohmann::json PartitionOf(const config::ConnectorConfig& source) {
  auto parsed = source::PostgresSourceConfig::Parse(source);
  nlohmann::json partition = nlohmann::json::object();
  for (auto& [k, v] : DebeziumPartition(parsed.ok() ? parsed->events.topic_prefix : "")) {
    partition[k] = v;
  }
  return partition;
}

rest::HerderError NotStopped(const std::string& name) {
  return rest::HerderError::BadRequest(
      "Connectors must be in the STOPPED state before their offsets can be modified. This can "
      "be done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
      name + "/stop' endpoint");
}

}  // namespace

StandaloneHerder::StandaloneHerder(std::vector<config::ConnectorConfig> connectors,
                                   StandaloneHerderOptions options)
    : options_(std::move(options)) {
  for (auto& c : connectors) {
    c.props.emplace("name", c.name);  // as POST /connectors stores it
    auto plugin = FindPlugin(c.Get("connector.class", ""));
    bool source = plugin.ok() && (*plugin)->type == ConnectorType::kSource;
    std::string name = c.name;
    connectors_[name] = Connector{std::move(c), rest::TargetState::kStarted, source, {}};
  }
}

StandaloneHerder::~StandaloneHerder() = default;

void StandaloneHerder::SetWorkerId(std::string worker_id) {
  std::lock_guard<std::mutex> lock(mu_);
  worker_id_ = std::move(worker_id);
}

StandaloneHerder::Plan StandaloneHerder::MakePlan() const {
  Plan plan;
  for (const auto& [name, c] : connectors_) {
    if (c.source) {
      if (c.target == rest::TargetState::kStarted) plan.source = c.config;
    } else if (c.target == rest::TargetState::kStarted) {
      plan.sinks.push_back(c.config);
    } else {
      plan.held.push_back(c.config);
    }
  }
  return plan;
}

int StandaloneHerder::Run(const StopSource& stop) {
  // The process's stop ends the current run at once.
  StopSource done;
  std::thread bridge([&] {
    WaitForEither(stop, done);
    std::lock_guard<std::mutex> lock(mu_);
    if (run_stop_ != nullptr) run_stop_->RequestStop();
    cv_.notify_all();
  });
  int exit_code = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop.stop_requested()) {
    changed_ = false;
    Plan plan = failure_ ? Plan{} : MakePlan();
    // Nothing to run: no started source, or every sink held (nothing would receive).
    if (!plan.source || (plan.sinks.empty() && !plan.held.empty())) {
      cv_.wait(lock, [&] { return changed_ || stop.stop_requested(); });
      continue;
    }
    StopSource run_stop;
    run_stop_ = &run_stop;
    keep_slot_ = false;
    std::set<std::string> members = {plan.source->name};
    for (const auto& s : plan.sinks) members.insert(s.name);
    RunOptions run = options_.run;
    run.stop = &run_stop;
    run.held_sinks = plan.held;
    run.keep_slot = &keep_slot_;
    run.on_topic = [this](const std::string& connector, const std::string& topic) {
      std::lock_guard<std::mutex> l(mu_);
      if (auto it = connectors_.find(connector); it != connectors_.end()) {
        it->second.topics.insert(topic);
      }
    };
    // Shared with the run: a DELETE removes it from the registry meanwhile.
    if (options_.metrics != nullptr) run.metrics = options_.metrics->Task(plan.source->name, 0);
    LogInfo(kLog, "starting " + plan.source->name + " with " + std::to_string(plan.sinks.size()) +
                      " sink(s)" +
                      (plan.held.empty() ? ""
                                         : " (" + std::to_string(plan.held.size()) +
                                               " paused or stopped, holding the slot)"));
    lock.unlock();
    RunFailure failure;
    int code = options_.runner(*plan.source, plan.sinks, run, &failure);
    lock.lock();
    run_stop_ = nullptr;
    if (stop.stop_requested()) {
      exit_code = code;
      break;
    }
    if (run_stop.stop_requested()) continue;  // a change ended it: start the next run
    if (code == 0) {
      LogInfo(kLog, "the run ended by itself: stopping");
      break;
    }
    if (failure.message.empty()) {
      failure = {plan.source->name, "the run ended with exit status " + std::to_string(code)};
    }
    failure_ = failure;
    failed_run_ = members;
  }
  if (failure_ && exit_code == 0) exit_code = 1;
  lock.unlock();
  done.RequestStop();
  bridge.join();
  return exit_code;
}

void StandaloneHerder::Reconfigure(bool keep_slot) {
  changed_ = true;
  // The run restarts: its source keeps the slot whatever slot.drop.on.stop says (Kafka Connect
  // stops no task for a pause; a restart must not lose the slot's changes). Set before the stop
  // request: the run reads it as it ends.
  keep_slot_ = keep_slot;
  failure_.reset();
  failed_run_.clear();
  if (run_stop_ != nullptr) run_stop_->RequestStop();
  cv_.notify_all();
}

const StandaloneHerder::Connector* StandaloneHerder::Find(const std::string& name) const {
  auto it = connectors_.find(name);
  return it == connectors_.end() ? nullptr : &it->second;
}

rest::ConnectorInfo StandaloneHerder::InfoOf(const std::string& name, const Connector& c) const {
  rest::ConnectorInfo info;
  info.name = name;
  info.config = c.config.props;
  if (c.target != rest::TargetState::kStopped) info.tasks.push_back({name, 0});
  info.type = c.source ? rest::ConnectorType::kSource : rest::ConnectorType::kSink;
  return info;
}

rest::ConnectorStateInfo StandaloneHerder::StatusOf(const std::string& name,
                                                    const Connector& c) const {
  rest::ConnectorStateInfo info;
  info.name = name;
  info.type = c.source ? rest::ConnectorType::kSource : rest::ConnectorType::kSink;
  info.connector.worker_id = worker_id_;
  info.connector.version = ConnectorVersionOf(c.config.props);
  rest::StateInfo task{"RUNNING", worker_id_, "", info.connector.version};
  switch (c.target) {
    case rest::TargetState::kStopped:
      info.connector.state = "STOPPED";
      return info;  // a stopped connector has no tasks
    case rest::TargetState::kPaused:
      info.connector.state = "PAUSED";
      task.state = "PAUSED";
      break;
    case rest::TargetState::kStarted:
      info.connector.state = "RUNNING";
      if (failure_ && failed_run_.count(name) > 0) {
        task.state = "FAILED";
        task.trace = failure_->connector == name ? failure_->message
                                                 : "the run stopped when " + failure_->connector +
                                                       " failed: " + failure_->message;
      }
      break;
  }
  info.tasks.push_back({0, task});
  return info;
}

// ---- rest::Herder: reads -----------------------------------------------------------------------

rest::ServerInfo StandaloneHerder::GetServerInfo() {
  return rest::ServerInfo{"walrelay 0.1.0", "", ""};
}

rest::HerderResult<std::vector<std::string>> StandaloneHerder::Connectors() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, c] : connectors_) names.push_back(name);
  return names;
}

rest::HerderResult<rest::ConnectorInfo> StandaloneHerder::GetConnectorInfo(
    const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return InfoOf(name, *c);
}

rest::HerderResult<rest::ConnectorConfig> StandaloneHerder::GetConnectorConfig(
    const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return c->config.props;
}

rest::HerderResult<rest::ConnectorStateInfo> StandaloneHerder::GetConnectorStatus(
    const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return StatusOf(name, *c);
}

rest::HerderResult<rest::TaskState> StandaloneHerder::GetTaskStatus(
    const rest::ConnectorTaskId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(id.connector);
  if (c != nullptr) {
    for (const rest::TaskState& t : StatusOf(id.connector, *c).tasks) {
      if (t.id == id.task) return t;
    }
  }
  return rest::HerderError::NotFound("No status found for task " + id.connector + "-" +
                                     std::to_string(id.task));
}

rest::HerderResult<std::vector<rest::TaskInfo>> StandaloneHerder::GetTaskConfigs(
    const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  std::vector<rest::TaskInfo> out;
  if (c->target == rest::TargetState::kStopped) return out;
  // In process, every connector runs one task (a sink's tasks.max does not apply).
  rest::ConnectorConfig task = c->config.props;
  if (auto plugin = FindPlugin(c->config.Get("connector.class", "")); plugin.ok()) {
    task["task.class"] = (*plugin)->task_class;
  }
  out.push_back({{name, 0}, std::move(task)});
  return out;
}

rest::HerderResult<rest::ActiveTopicsInfo> StandaloneHerder::GetActiveTopics(
    const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return rest::ActiveTopicsInfo{name, {c->topics.begin(), c->topics.end()}};
}

rest::HerderStatus StandaloneHerder::ResetActiveTopics(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return rest::HerderError::ConnectorNotFound(name);
  it->second.topics.clear();
  return rest::HerderOk();
}

// ---- rest::Herder: changes ---------------------------------------------------------------------

rest::HerderResult<rest::Created<rest::ConnectorInfo>> StandaloneHerder::PutConnectorConfig(
    const std::string& name, const rest::ConnectorConfig& config,
    std::optional<rest::TargetState> initial_state, bool allow_replace) {
  config::ConnectorConfig cfg{name, "connector config " + name, config};
  std::vector<std::string> warnings;
  Status valid = config::ValidateConnector(cfg, &warnings);
  if (!valid.ok()) return InvalidConfig(valid);
  for (const std::string& w : warnings) LogWarn(name, w);
  auto plugin = FindPlugin(cfg.Get("connector.class", ""));
  if (!plugin.ok()) return InvalidConfig(plugin.status());
  const bool source = (*plugin)->type == ConnectorType::kSource;
  if (!source) {
    if (Status s = CheckInProcessSink(cfg); !s.ok()) return InvalidConfig(s);
  }
  std::lock_guard<std::mutex> lock(mu_);
  const bool exists = connectors_.count(name) > 0;
  if (exists && !allow_replace) return rest::HerderError::ConnectorAlreadyExists(name);
  if (source) {
    for (const auto& [other, c] : connectors_) {
      if (c.source && other != name) {
        return rest::HerderError::Internal(
            "walrelay run runs one source connector, and " + other +
            " is one: delete it first, or run several sources with walrelay worker (distributed "
            "mode)");
      }
    }
  }
  Connector& c = connectors_[name];
  c.config = std::move(cfg);
  c.source = source;
  if (!exists && initial_state) c.target = *initial_state;
  LogInfo(kLog, (exists ? "reconfigured " : "created ") + name);
  Reconfigure();
  return rest::Created<rest::ConnectorInfo>{!exists, InfoOf(name, c)};
}

rest::HerderResult<rest::ConnectorInfo> StandaloneHerder::PatchConnectorConfig(
    const std::string& name, const rest::ConnectorConfigPatch& patch) {
  auto current = GetConnectorConfig(name);
  if (!current.ok()) return current.error();
  rest::ConnectorConfig merged = current.value();
  for (const auto& [k, v] : patch) {
    if (v) {
      merged[k] = *v;
    } else {
      merged.erase(k);
    }
  }
  auto put = PutConnectorConfig(name, merged, std::nullopt, true);
  if (!put.ok()) return put.error();
  return std::move(put).value().result;
}

rest::HerderStatus StandaloneHerder::DeleteConnector(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return rest::HerderError::ConnectorNotFound(name);
  const bool source = it->second.source;
  connectors_.erase(it);
  if (options_.metrics != nullptr) options_.metrics->Remove(name);
  LogInfo(kLog, "deleted " + name);
  // A deleted source's task stops for good: slot.drop.on.stop applies.
  Reconfigure(/*keep_slot=*/!source);
  return rest::HerderOk();
}

rest::HerderStatus StandaloneHerder::SetTarget(const std::string& name, rest::TargetState target) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = connectors_.find(name);
  if (it == connectors_.end()) return rest::HerderError::ConnectorNotFound(name);
  Connector& c = it->second;
  if (c.target == target) return rest::HerderOk();
  c.target = target;
  LogInfo(kLog, name + ": target state " +
                    (target == rest::TargetState::kStarted  ? "STARTED"
                     : target == rest::TargetState::kPaused ? "PAUSED"
                                                            : "STOPPED"));
  Reconfigure();
  return rest::HerderOk();
}

rest::HerderStatus StandaloneHerder::PauseConnector(const std::string& name) {
  return SetTarget(name, rest::TargetState::kPaused);
}
rest::HerderStatus StandaloneHerder::ResumeConnector(const std::string& name) {
  return SetTarget(name, rest::TargetState::kStarted);
}
rest::HerderStatus StandaloneHerder::StopConnector(const std::string& name) {
  return SetTarget(name, rest::TargetState::kStopped);
}

rest::HerderStatus StandaloneHerder::RestartConnector(const std::string& name) {
  // walrelay's connector objects have no work of their own (their tasks do it all), so
  // restarting one alone, as Kafka Connect does without includeTasks, leaves the tasks running.
  std::lock_guard<std::mutex> lock(mu_);
  if (Find(name) == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return rest::HerderOk();
}

rest::HerderResult<rest::ConnectorStateInfo> StandaloneHerder::RestartConnectorAndTasks(
    const rest::RestartRequest& request) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(request.connector);
  if (c == nullptr) return rest::HerderError::NotFound("Unknown connector: " + request.connector);
  rest::ConnectorStateInfo info = StatusOf(request.connector, *c);
  bool restart_tasks = false;
  if (!request.only_failed || info.connector.state == "FAILED") info.connector.state = "RESTARTING";
  if (request.include_tasks) {
    for (auto& t : info.tasks) {
      if (!request.only_failed || t.state.state == "FAILED") {
        t.state.state = "RESTARTING";
        restart_tasks = true;
      }
    }
  }
  if (restart_tasks) {
    LogInfo(kLog, "restarting the tasks of " + request.connector);
    Reconfigure();
  }
  return info;
}

rest::HerderStatus StandaloneHerder::RestartTask(const rest::ConnectorTaskId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const Connector* c = Find(id.connector);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(id.connector);
  if (id.task != 0 || c->target == rest::TargetState::kStopped) {
    return rest::HerderError::NotFound("Task " + id.connector + "-" + std::to_string(id.task) +
                                       " not found");
  }
  LogInfo(kLog, "restarting task " + id.connector + "-0");
  Reconfigure();
  return rest::HerderOk();
}

// ---- rest::Herder: offsets ---------------------------------------------------------------------

rest::HerderResult<std::string> StandaloneHerder::OffsetFileOf(const std::string& name) const {
  const Connector* c = Find(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  if (!c->source) {
    return rest::HerderError::Internal(
        "Offsets of sink connectors are kept in their destination (walrelay's offsets table) "
        "and are not served through this endpoint yet");
  }
  for (const auto& [other, o] : connectors_) {
    if (!o.source) return NotSourceOffsets(name);
  }
  return OffsetFilePath(c->config);
}

rest::HerderResult<rest::ConnectorOffsets> StandaloneHerder::GetConnectorOffsets(
    const std::string& name) {
  std::string path;
  nlohmann::json partition;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto p = OffsetFileOf(name);
    if (!p.ok()) return p.error();
    path = p.value();
    partition = PartitionOf(Find(name)->config);
  }
  OffsetFile file(path);
  auto stored = file.Load();
  if (!stored.ok()) return rest::HerderError::FromStatus(stored.status());
  rest::ConnectorOffsets out;
  if (!stored->has_value()) return out;
  auto offset = source::SourceOffset::FromJson(**stored);
  if (!offset.ok()) return rest::HerderError::FromStatus(offset.status());
  nlohmann::json value = nlohmann::json::object();
  for (auto& [k, v] : DebeziumOffsetFrom(*offset)) value[k] = v;
  out.offsets.push_back({std::move(partition), std::move(value)});
  return out;
}

rest::HerderResult<std::string> StandaloneHerder::AlterConnectorOffsets(
    const std::string& name, const rest::ConnectorOffsets& offsets) {
  // Held under the lock: the connector stays STOPPED, so no run writes the file meanwhile.
  std::lock_guard<std::mutex> lock(mu_);
  auto path = OffsetFileOf(name);
  if (!path.ok()) return path.error();
  const Connector* c = Find(name);
  if (c->target != rest::TargetState::kStopped) return NotStopped(name);
  const nlohmann::json partition = PartitionOf(c->config);
  for (const auto& o : offsets.offsets) {
    if (o.partition != partition) {
      return rest::HerderError::BadRequest("Unknown source partition " + o.partition.dump() +
                                           " for " + name + "; its partition is " +
                                           partition.dump());
    }
    if (o.offset.is_null()) {
      std::error_code ec;
      std::filesystem::remove(path.value(), ec);
      if (ec) return rest::HerderError::Internal(path.value() + ": " + ec.message());
      continue;
    }
    auto parsed = SourceOffsetFromDebezium(o.offset);
    if (!parsed.ok()) return rest::HerderError::BadRequest(parsed.status().message());
    OffsetFile file(path.value());
    Status s = file.Store(parsed->ToJson());
    if (s.ok()) s = file.Sync();
    if (!s.ok()) return rest::HerderError::FromStatus(s);
  }
  return std::string("The offsets for this connector have been altered successfully");
}

rest::HerderResult<std::string> StandaloneHerder::ResetConnectorOffsets(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto path = OffsetFileOf(name);
  if (!path.ok()) return path.error();
  if (Find(name)->target != rest::TargetState::kStopped) return NotStopped(name);
  std::error_code ec;
  std::filesystem::remove(path.value(), ec);
  if (ec) return rest::HerderError::Internal(path.value() + ": " + ec.message());
  return std::string("The offsets for this connector have been reset successfully");
}

// ---- rest::Herder: plugins and loggers ---------------------------------------------------------

std::vector<rest::PluginInfo> StandaloneHerder::Plugins() { return PluginInfos(); }

rest::HerderResult<std::vector<rest::ConfigKeyInfo>> StandaloneHerder::GetPluginConfig(
    const std::string& plugin) {
  return PluginConfigKeys(plugin);
}

rest::HerderResult<rest::ConfigInfos> StandaloneHerder::ValidateConnectorConfig(
    const rest::ConnectorConfig& config) {
  return ValidateConfig(config);
}

std::map<std::string, rest::LoggerLevel> StandaloneHerder::AllLoggerLevels() {
  std::lock_guard<std::mutex> lock(mu_);
  return {{"root", rest::LoggerLevel{log_level_.value_or("INFO"), log_level_modified_}}};
}

std::optional<rest::LoggerLevel> StandaloneHerder::GetLoggerLevel(const std::string& logger) {
  auto all = AllLoggerLevels();
  auto it = all.find(logger);
  if (it == all.end()) return std::nullopt;
  return it->second;
}

rest::HerderResult<std::vector<std::string>> StandaloneHerder::SetWorkerLoggerLevel(
    const std::string& logger, const std::string& level) {
  // walrelay has one log level per process: every namespace sets it.
  SetLogLevel(level == "TRACE" || level == "DEBUG" ? LogLevel::kDebug
              : level == "INFO"                    ? LogLevel::kInfo
              : level == "WARN"                    ? LogLevel::kWarn
                                                   : LogLevel::kError);
  std::lock_guard<std::mutex> lock(mu_);
  log_level_ = level;
  log_level_modified_ = NowMs();
  return std::vector<std::string>{logger};
}

rest::HerderStatus StandaloneHerder::SetClusterLoggerLevel(const std::string& logger,
                                                           const std::string& level) {
  // In standalone mode this process is the whole cluster, as Kafka Connect says.
  auto r = SetWorkerLoggerLevel(logger, level);
  if (!r.ok()) return r.error();
  return rest::HerderOk();
}

}  // namespace walrelay::runtime
