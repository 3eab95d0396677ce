#include "worker/worker.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <nlohmann/json.hpp>

#include "common/log.h"
#include "common/strings.h"
#include "config/connector_config.h"
#include "config/postgres_connector_def.h"
#include "convert/converter.h"
#include "runtime/connect_records.h"
#include "runtime/plugins.h"

namespace walrelay::worker {
namespace {

constexpr char kLog[] = "worker";
constexpr auto kRequestTimeout = std::chrono::seconds(90);  // Kafka Connect's REST timeout
constexpr auto kReadTimeout = std::chrono::seconds(30);

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// `version`: the connector plugin's, which Kafka Connect 4 reports in each status.
rest::StateInfo StateOf(const runtime::ConnectStatus& s, const std::string& version) {
  return rest::StateInfo{runtime::StatusStateName(s.state), s.worker_id, s.trace.value_or(""),
                         version};
}

runtime::StatusState ToStatusState(UnitState s) {
  switch (s) {
    case UnitState::kUnassigned:
      return runtime::StatusState::kUnassigned;
    case UnitState::kRunning:
      return runtime::StatusState::kRunning;
    case UnitState::kPaused:
      return runtime::StatusState::kPaused;
    case UnitState::kStopped:
      return runtime::StatusState::kStopped;
    case UnitState::kFailed:
      return runtime::StatusState::kFailed;
    case UnitState::kRestarting:
      return runtime::StatusState::kRestarting;
  }
  return runtime::StatusState::kUnassigned;
}

LogLevel ToLogLevel(const std::string& level) {
  if (level == "TRACE" || level == "DEBUG") return LogLevel::kDebug;
  if (level == "INFO") return LogLevel::kInfo;
  if (level == "WARN") return LogLevel::kWarn;
  return LogLevel::kError;  // ERROR, FATAL, OFF
}

// Kafka Connect's message for an invalid connector config.
rest::HerderError InvalidConfig(const Status& s) {
  return rest::HerderError::BadRequest(
      "Connector configuration is invalid and contains the following 1 error(s):\n" + s.message() +
      "\nYou can also find the above list of errors at the endpoint "
      "`/connector-plugins/{connectorType}/config/validate`");
}

}  // namespace

Result<std::map<std::string, std::string>> ClientProperties(
    const std::map<std::string, std::string>& java, kafka::ClientRole role,
    std::vector<std::string>* warnings, int* max_poll_records) {
  WR_ASSIGN_OR_RETURN(kafka::ClientConfig cfg, kafka::TranslateJavaProperties(java, role));
  if (max_poll_records != nullptr) *max_poll_records = cfg.max_poll_records;
  if (warnings != nullptr) {
    warnings->insert(warnings->end(), cfg.warnings.begin(), cfg.warnings.end());
  }
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : cfg.rdkafka) out[k] = v;
  return out;
}

Worker::Worker(runtime::WorkerConfig config, const StopSource* stop)
    : config_(std::move(config)), stop_(stop) {}

Worker::~Worker() { Shutdown(); }

Result<std::unique_ptr<Worker>> Worker::Create(runtime::WorkerConfig config,
                                               const StopSource* stop) {
  std::unique_ptr<Worker> w(new Worker(std::move(config), stop));
  const runtime::WorkerConfig& c = w->config_;
  // The worker id is the advertised REST host:port, as in Kafka Connect.
  const runtime::RestListener listener =
      c.listeners.empty() ? runtime::RestListener{"http", "127.0.0.1", 8083} : c.listeners[0];
  std::string host = !c.advertised_host.empty() ? c.advertised_host
                     : listener.host.empty()    ? "127.0.0.1"
                                                : listener.host;
  int port = c.advertised_port.value_or(listener.port);
  w->worker_id_ = host + ":" + std::to_string(port);
  const std::string protocol =
      !c.advertised_listener.empty() ? c.advertised_listener : listener.protocol;
  w->rest_url_ = protocol + "://" + w->worker_id_;
  std::vector<std::string> warnings;
  // (kAdmin: the translation that keeps only what every librdkafka client takes.)
  WR_ASSIGN_OR_RETURN(w->base_client_, ClientProperties(c.CommonClientSettings(),
                                                        kafka::ClientRole::kAdmin, &warnings));
  WR_ASSIGN_OR_RETURN(w->admin_client_,
                      ClientProperties(c.ClientSettings(runtime::ClientRole::kAdmin),
                                       kafka::ClientRole::kAdmin, &warnings));
  std::string servers;
  for (const auto& s : c.bootstrap_servers) servers += (servers.empty() ? "" : ",") + s;
  w->base_client_["bootstrap.servers"] = servers;
  w->admin_client_["bootstrap.servers"] = servers;
  std::sort(warnings.begin(), warnings.end());
  warnings.erase(std::unique(warnings.begin(), warnings.end()), warnings.end());
  for (const std::string& warning : warnings) LogWarn(kLog, warning);

  Worker* self = w.get();
  std::map<std::string, std::string> converters;
  auto add_converter = [&](const char* role, const convert::ConverterSettings& s) {
    converters[role] = s.class_name;
    if (s.class_name == convert::kJsonConverterClass) {
      converters[std::string(role) + ".schemas.enable"] = s.schemas_enable ? "true" : "false";
      if (s.decimal_numeric) converters[std::string(role) + ".decimal.format"] = "NUMERIC";
    }
  };
  add_converter("key.converter", c.key_converter);
  add_converter("value.converter", c.value_converter);

  SourceTaskContext& sc = w->source_context_;
  sc.offset_topic = c.offset_topic.name;
  sc.offset_key = [](const std::string& connector, const std::string& prefix) {
    return runtime::EncodeOffsetKey(connector, runtime::DebeziumPartition(prefix));
  };
  sc.encode_offset = [](const source::SourceOffset& o) {
    return runtime::EncodeConnectMap(runtime::DebeziumOffsetFrom(o));
  };
  sc.decode_offset = [](std::string_view text) -> Result<source::SourceOffset> {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) return DataError("stored offset is not JSON: " + std::string(text));
    return runtime::SourceOffsetFromDebezium(j);
  };
  sc.read_offset = [self](const std::string& key, const StopSource* stop) {
    return self->ReadOffset(key, stop);
  };
  sc.producer = [self](const UnitPlan& plan) -> Result<std::unique_ptr<ProducerPort>> {
    std::vector<std::string> warnings;
    auto java = self->config_.ClientSettings(runtime::ClientRole::kProducer);
    for (const auto& [k, v] : plan.config) {
      if (k.rfind("producer.override.", 0) == 0) java[k.substr(18)] = v;
    }
    std::string txn_id;
    if (self->config_.exactly_once_source_support == runtime::ExactlyOnceSourceSupport::kEnabled) {
      txn_id =
          self->config_.group_id + "-" + plan.unit.connector + "-" + std::to_string(plan.unit.task);
      // Translated as transactional (a delivery timeout within the transaction timeout).
      java["transactional.id"] = txn_id;
    }
    WR_ASSIGN_OR_RETURN(auto client,
                        ClientProperties(java, kafka::ClientRole::kProducer, &warnings));
    for (const std::string& warning : warnings) LogWarn(plan.unit.ToString(), warning);
    for (const auto& [k, v] : self->base_client_) client.emplace(k, v);
    client["client.id"] = "connector-producer-" + plan.unit.ToString();
    WR_ASSIGN_OR_RETURN(auto own_admin, self->ConnectorAdmin(plan));
    WR_ASSIGN_OR_RETURN(auto producer,
                        TaskProducer::Open(client, plan.config, txn_id, self->admin_.get(),
                                           self->config_.offset_topic.name, std::move(own_admin)));
    return std::unique_ptr<ProducerPort>(std::move(producer));
  };
  sc.worker_converters = converters;
  sc.flush_interval = std::chrono::milliseconds(c.offset_flush_interval_ms);
  sc.exactly_once = c.exactly_once_source_support == runtime::ExactlyOnceSourceSupport::kEnabled;
  sc.metrics = &w->metrics_;

  SinkTaskContext& kc = w->sink_context_;
  kc.consumer_client = [self](const UnitPlan& plan) -> Result<SinkConsumerSettings> {
    auto java = self->config_.ClientSettings(runtime::ClientRole::kConsumer);
    for (const auto& [k, v] : plan.config) {
      if (k.rfind("consumer.override.", 0) == 0) java[k.substr(18)] = v;
    }
    // Unlike Kafka Connect (read_uncommitted, Java's default), a sink reads committed records
    // unless told otherwise: records of aborted transactions (an exactly-once source's, a
    // fenced producer's) are never applied. consumer.override.isolation.level=read_uncommitted
    // restores Kafka Connect's behaviour.
    if (java.count("isolation.level") == 0) java["isolation.level"] = "read_committed";
    // Kafka Connect's sink consumers start at the earliest offset of a partition the group has
    // none for; walrelay's move partitions between a connector's tasks one at a time.
    java.emplace("auto.offset.reset", "earliest");
    java.emplace("partition.assignment.strategy",
                 "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    std::vector<std::string> warnings;
    SinkConsumerSettings settings;
    WR_ASSIGN_OR_RETURN(settings.properties,
                        ClientProperties(java, kafka::ClientRole::kConsumer, &warnings,
                                         &settings.max_poll_records));
    auto& out = settings.properties;
    for (const std::string& warning : warnings) LogWarn(plan.unit.ToString(), warning);
    for (const auto& [k, v] : self->base_client_) out.emplace(k, v);
    // librdkafka prefetches until 64 MiB or 100,000 records wait in the consumer's queue; Java's
    // consumer holds about one fetch (max.partition.fetch.bytes per partition). A sink catching
    // up on a backlog kept the whole 64 MiB, plus librdkafka's per-record overhead, in memory
    // (docs/performance.md, "Against Debezium and Kafka Connect"). Less than about a second of
    // the sink's intake stalls it: librdkafka 2.0 fetches again only when its broker thread
    // wakes, up to 1 s after the queue has room (8 MiB: 5,000 changes/s instead of 19,000).
    out.emplace("queued.max.messages.kbytes", "32768");
    out["client.id"] = "connector-consumer-" + plan.unit.ToString();
    return settings;
  };
  kc.producer_client = [self](const UnitPlan& plan) -> Result<std::map<std::string, std::string>> {
    WR_ASSIGN_OR_RETURN(
        auto out, ClientProperties(self->config_.ClientSettings(runtime::ClientRole::kProducer),
                                   kafka::ClientRole::kProducer, nullptr));
    for (const auto& [k, v] : self->base_client_) out.emplace(k, v);
    out["client.id"] = "connector-dlq-producer-" + plan.unit.ToString();
    return out;
  };
  kc.worker_converters = converters;
  kc.connector_admin = [self](const UnitPlan& plan) { return self->ConnectorAdmin(plan); };
  kc.metrics = &w->metrics_;
  return w;
}

Result<std::unique_ptr<TopicAdmin>> Worker::ConnectorAdmin(const UnitPlan& plan) {
  // Kafka Connect's admin client of a connector: the worker's admin settings with the
  // connector's admin.override.* over them (as the connector.client.config.override.policy let
  // them through at registration); without any, the worker's own client serves.
  std::map<std::string, std::string> overrides;
  for (const auto& [k, v] : plan.config) {
    if (k.rfind("admin.override.", 0) == 0) overrides[k.substr(15)] = v;
  }
  if (overrides.empty()) return std::unique_ptr<TopicAdmin>();
  auto java = config_.ClientSettings(runtime::ClientRole::kAdmin);
  for (const auto& [k, v] : overrides) java[k] = v;
  std::vector<std::string> warnings;
  WR_ASSIGN_OR_RETURN(auto client, ClientProperties(java, kafka::ClientRole::kAdmin, &warnings));
  for (const std::string& warning : warnings) LogWarn(plan.unit.ToString(), warning);
  client["bootstrap.servers"] = admin_client_.at("bootstrap.servers");
  client.emplace("client.id", "connector-adminclient-" + plan.unit.ToString());
  return TopicAdmin::Open(client, kReadTimeout);
}

Status Worker::Start() {
  WR_ASSIGN_OR_RETURN(admin_, TopicAdmin::Open(admin_client_, kReadTimeout));
  sink_context_.admin = admin_.get();
  for (const runtime::StorageTopic* t :
       {&config_.config_topic, &config_.offset_topic, &config_.status_topic}) {
    TopicSpec spec{t->name, t == &config_.config_topic ? 1 : t->partitions, t->replication_factor,
                   t->configs};
    Backoff backoff(RetryPolicy{std::chrono::milliseconds(500), std::chrono::seconds(5), -1},
                    stop_);
    WR_RETURN_IF_ERROR(RetryTransient(
        backoff, [&] { return admin_->Ensure(spec); },
        [&](const Status& last, int64_t, std::chrono::milliseconds) {
          LogWarn(kLog, last.message() + "; retrying");
        }));
  }
  WR_ASSIGN_OR_RETURN(int32_t config_partitions, admin_->Partitions(config_.config_topic.name));
  if (config_partitions != 1) {
    return InvalidArgument("config.storage.topic " + config_.config_topic.name + " has " +
                           std::to_string(config_partitions) +
                           " partitions; Kafka Connect and walrelay need exactly one");
  }
  for (auto [log, topic] : {std::pair{&config_log_, &config_.config_topic},
                            std::pair{&status_log_, &config_.status_topic},
                            std::pair{&offset_log_, &config_.offset_topic}}) {
    WR_ASSIGN_OR_RETURN(*log, TopicLog::Open({topic->name, base_client_}, kReadTimeout));
  }
  WR_ASSIGN_OR_RETURN(status_writer_, RecordWriter::Open({config_.status_topic.name, base_client_,
                                                          "", kReadTimeout}));
  WR_RETURN_IF_ERROR(config_log_->ReadToEnd(
      [this](const LogRecord& r) { return ApplyConfigRecord(r); }, kReadTimeout, stop_));
  {
    std::lock_guard<std::mutex> lock(mu_);
    config_read_ = true;
  }
  WR_RETURN_IF_ERROR(status_log_->ReadToEnd(
      [this](const LogRecord& r) { return ApplyStatusRecord(r); }, kReadTimeout, stop_));
  // The offsets too, as Kafka Connect reads its offset topic at start: a task starting later reads
  // only what was written since.
  WR_RETURN_IF_ERROR(ReadOffset("", stop_).status());
  {
    auto id = admin_->ClusterId();
    std::lock_guard<std::mutex> lock(mu_);
    if (id.ok()) kafka_cluster_id_ = *id;
  }
  Membership::Options m;
  m.group_id = config_.group_id;
  m.topic = config_.config_topic.name;
  m.worker_id = worker_id_;
  m.client = base_client_;
  m.client["session.timeout.ms"] = std::to_string(config_.session_timeout_ms);
  m.client["heartbeat.interval.ms"] = std::to_string(config_.heartbeat_interval_ms);
  m.client["max.poll.interval.ms"] = std::to_string(config_.rebalance_timeout_ms);
  WR_ASSIGN_OR_RETURN(membership_, Membership::Join(m));
  LogInfo(kLog, "worker " + worker_id_ + " joining group " + config_.group_id + " (config " +
                    config_.config_topic.name + ", offsets " + config_.offset_topic.name +
                    ", statuses " + config_.status_topic.name + ")");
  return Status::Ok();
}

Status Worker::ApplyConfigRecord(const LogRecord& r) {
  if (!r.key) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (*r.key == kAssignmentKey) {
    if (!r.value) return Status::Ok();
    auto a = DecodeAssignment(*r.value);
    if (!a.ok()) {
      LogWarn(kLog, a.status().message());
      return Status::Ok();
    }
    if (!assignment_ || a->epoch > assignment_->epoch) assignment_ = std::move(*a);
    return Status::Ok();
  }
  std::optional<std::string_view> value;
  if (r.value) value = *r.value;
  Status s = config_state_.Apply(r.offset, *r.key, value);
  if (!s.ok())
    LogWarn(kLog, "config topic offset " + std::to_string(r.offset) + ": " + s.message());
  // Cluster-scoped logger levels (PUT /admin/loggers/{l}?scope=cluster, KIP-976) apply on every
  // worker that reads them after its start; as in Kafka Connect, the ones already in the topic
  // when a worker starts are history, not applied.
  for (const auto& [logger, level] : config_state_.TakeLoggerLevelUpdates()) {
    if (!config_read_) continue;
    LogInfo(kLog, "logger " + logger + " set to " + level + " for the cluster");
    ApplyLoggerLevelLocked(logger, level);
  }
  return Status::Ok();
}

Status Worker::ApplyStatusRecord(const LogRecord& r) {
  if (!r.key) return Status::Ok();
  std::optional<std::string_view> value;
  if (r.value) value = *r.value;
  std::lock_guard<std::mutex> lock(mu_);
  Status s = status_state_.Apply(*r.key, value);
  if (!s.ok()) LogDebug(kLog, "status topic: " + s.message());
  return Status::Ok();
}

ClusterView Worker::View() const {
  ClusterView view;
  for (const std::string& name : config_state_.Connectors()) {
    const auto* cfg = config_state_.ConnectorConfig(name);
    if (cfg == nullptr) continue;
    ConnectorView c;
    c.config = *cfg;
    c.target = config_state_.GetTargetState(name).value_or(TargetState::kStarted);
    c.tasks = config_state_.TaskConfigs(name);
    view.connectors.emplace(name, std::move(c));
  }
  view.assignment = assignment_;
  view.offset = config_state_.offset();
  return view;
}

Status Worker::WriteConfig(const std::vector<KeyedRecord>& records) {
  if (leader_writer_ == nullptr) return RetryError("this worker is not the leader");
  Status s = leader_writer_->Write(records);
  if (!s.ok()) {
    if (leader_writer_->fenced()) {
      LogWarn(kLog, "fenced as leader by a newer one: " + s.message());
      leader_writer_.reset();
      {
        std::lock_guard<std::mutex> lock(mu_);
        leader_ = false;
      }
      // A rebalance moved the leadership: the caller may try again (a REST request gets 409, as
      // from Kafka Connect during a rebalance, and its client retries on the new leader).
      return RetryError("this worker is no longer the leader (a rebalance is in progress): " +
                        s.message());
    }
    return s;
  }
  // Read our own write, so the next decision (and the REST answer) sees it.
  return config_log_->ReadToEnd([this](const LogRecord& r) { return ApplyConfigRecord(r); },
                                kReadTimeout, stop_, leader_writer_->last_offsets());
}

Status Worker::LeaderDuties() {
  ClusterView view;
  {
    std::lock_guard<std::mutex> lock(mu_);
    view = View();
  }
  // Task configs derive from connector configs; the leader writes them with their commit. The
  // view is read again only after the loop: replacing it inside would free the map the loop walks.
  bool wrote = false;
  for (const auto& [name, c] : view.connectors) {
    auto want = TaskConfigsToWrite(c);
    if (!want.ok() || !want->has_value()) continue;  // an invalid config fails its connector
    std::vector<KeyedRecord> records;
    const auto& tasks = **want;
    for (size_t i = 0; i < tasks.size(); ++i) {
      records.emplace_back(runtime::TaskConfigKey(name, static_cast<int32_t>(i)),
                           runtime::EncodeConfigProperties(tasks[i]));
    }
    records.emplace_back(runtime::CommitKey(name),
                         runtime::EncodeTaskCommit(static_cast<int32_t>(tasks.size())));
    LogInfo(kLog, "writing " + std::to_string(tasks.size()) + " task config(s) of " + name);
    WR_RETURN_IF_ERROR(WriteConfig(records));
    wrote = true;
  }
  if (wrote) {
    std::lock_guard<std::mutex> lock(mu_);
    view = View();
  }
  std::vector<WorkUnit> units = ClusterUnits(view);
  if (!leader_dirty_ && units == last_units_ && view.assignment &&
      view.assignment->leader == worker_id_) {
    return Status::Ok();
  }
  auto members = membership_->Members(std::chrono::seconds(5), stop_);
  if (!members.ok()) {
    if (members.status().kind() == ErrorKind::kRetry) return Status::Ok();  // next round
    return members.status();
  }
  Assignment previous = view.assignment.value_or(Assignment{});
  Assignment next = Rebalance(previous, units, *members);
  next.leader = worker_id_;
  next.leader_url = rest_url_;
  // After a rebalance the assignment is written even when it is the same: a worker that lost its
  // membership runs nothing until it reads an assignment newer than the loss (Step), and when the
  // same leader is elected again over the same workers (all sessions expired at once, as when
  // the group coordinator's broker dies) nothing else would ever give it one.
  if (leader_dirty_ || next.owners != previous.owners || next.workers != previous.workers ||
      previous.leader != worker_id_) {
    LogInfo(kLog, "assignment " + std::to_string(next.epoch) + ": " + std::to_string(units.size()) +
                      " unit(s) over " + std::to_string(next.workers.size()) + " worker(s)");
    WR_RETURN_IF_ERROR(WriteConfig({{kAssignmentKey, EncodeAssignment(next)}}));
  }
  leader_dirty_ = false;
  last_units_ = std::move(units);
  return Status::Ok();
}

std::unique_ptr<UnitRunner> Worker::MakeRunner(const UnitPlan& plan, int32_t generation) {
  StatusListener listener = [this, generation](const WorkUnit& u, UnitState s,
                                               const std::string& trace) {
    OnUnitStatus(u, s, trace, generation);
  };
  if (plan.unit.is_connector()) {
    return std::make_unique<ConnectorRunner>(plan, listener, stop_);
  }
  auto cls = plan.config.find("connector.class");
  auto plugin = runtime::FindPlugin(cls == plan.config.end() ? "" : cls->second);
  if (plugin.ok() && (*plugin)->type == runtime::ConnectorType::kSink) {
    return std::make_unique<SinkTaskRunner>(plan, listener, stop_, &sink_context_);
  }
  return std::make_unique<SourceTaskRunner>(plan, listener, stop_, &source_context_);
}

void Worker::OnUnitStatus(const WorkUnit& unit, UnitState state, const std::string& trace,
                          int32_t generation) {
  runtime::ConnectStatus status;
  status.state = ToStatusState(state);
  if (!trace.empty()) status.trace = trace;
  status.worker_id = worker_id_;
  status.generation = generation;
  const std::string key = unit.is_connector() ? runtime::ConnectorStatusKey(unit.connector)
                                              : runtime::TaskStatusKey(unit.connector, unit.task);
  // Not waited for (Kafka Connect's status writes are not either): a task does not wait for a
  // broker round trip before it runs.
  std::lock_guard<std::mutex> lock(status_writer_mu_);
  Status s = status_writer_->WriteAsync({{key, runtime::EncodeStatus(status)}});
  if (!s.ok()) LogWarn(kLog, "cannot write the status of " + unit.ToString() + ": " + s.message());
}

void Worker::Reconcile() {
  std::vector<UnitPlan> desired;
  int32_t generation = 0;
  std::vector<runtime::ConfigRecord> restarts;
  std::set<std::string> existing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ClusterView view = View();
    for (const auto& [name, c] : view.connectors) existing.insert(name);
    if (view.assignment && view.assignment->epoch > lost_epoch_) {
      desired = DesiredUnits(view, worker_id_);
      generation = static_cast<int32_t>(view.assignment->epoch);
    }
    restarts = config_state_.TakeRestartRequests();
  }
  std::map<WorkUnit, const UnitPlan*> want;
  for (const UnitPlan& p : desired) want[p.unit] = &p;
  // Stop what is no longer ours (or changed config), first: a unit moving between workers must
  // be released here before its new owner can take its slot or its partitions for good.
  for (auto it = runners_.begin(); it != runners_.end();) {
    auto w = want.find(it->first);
    const bool keep = w != want.end() && w->second->config == it->second->plan().config;
    if (keep) {
      it->second->SetTarget(w->second->target);
      ++it;
      continue;
    }
    const WorkUnit unit = it->first;
    it->second->Stop();
    if (existing.count(unit.connector) == 0) {
      // Deleted: its status goes too (Kafka Connect writes a tombstone, DESTROYED).
      std::lock_guard<std::mutex> lock(status_writer_mu_);
      const std::string key = unit.is_connector()
                                  ? runtime::ConnectorStatusKey(unit.connector)
                                  : runtime::TaskStatusKey(unit.connector, unit.task);
      (void)status_writer_->WriteAsync({{key, std::nullopt}});
      metrics_.Remove(unit.connector);
    }
    it = runners_.erase(it);
  }
  for (const UnitPlan& p : desired) {
    if (runners_.count(p.unit) > 0) continue;
    auto runner = MakeRunner(p, generation);
    runner->Start();
    runners_.emplace(p.unit, std::move(runner));
  }
  for (const auto& r : restarts) {
    for (auto& [unit, runner] : runners_) {
      if (unit.connector != r.connector) continue;
      if (!unit.is_connector() && !r.include_tasks) continue;
      if (r.only_failed && runner->state() != UnitState::kFailed) continue;
      runner->Restart();
    }
  }
}

void Worker::RunQueued() {
  std::deque<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    work.swap(queue_);
  }
  for (auto& fn : work) fn();
}

Status Worker::Step() {
  WR_ASSIGN_OR_RETURN(Membership::Event ev, membership_->Poll(std::chrono::milliseconds(20)));
  if (ev == Membership::Event::kLost) {
    // Expelled (a freeze past the session, a partition from the cluster): the others may run
    // our units already. Stop everything at once, and run nothing until a newer assignment.
    for (auto& [unit, runner] : runners_) runner->Stop();
    runners_.clear();
    leader_writer_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    lost_epoch_ = assignment_ ? assignment_->epoch : 0;
    leader_ = false;
  } else if (ev == Membership::Event::kRebalanced) {
    metrics_.rebalances().fetch_add(1);
    const bool leader = membership_->leader();
    if (leader && leader_writer_ == nullptr) {
      // Initialising the transactional id fences a previous leader's writer.
      auto writer = RecordWriter::Open({config_.config_topic.name, base_client_,
                                        "walrelay-leader-" + config_.group_id, kReadTimeout});
      if (!writer.ok()) return writer.status();
      leader_writer_ = std::move(*writer);
      // Whatever the previous leader wrote is read before deciding anything.
      WR_RETURN_IF_ERROR(config_log_->ReadToEnd(
          [this](const LogRecord& r) { return ApplyConfigRecord(r); }, kReadTimeout, stop_));
    } else if (!leader) {
      leader_writer_.reset();
    }
    leader_dirty_ = leader;
    std::lock_guard<std::mutex> lock(mu_);
    leader_ = leader;
  }
  WR_RETURN_IF_ERROR(config_log_->Poll([this](const LogRecord& r) { return ApplyConfigRecord(r); },
                                       std::chrono::milliseconds(20)));
  WR_RETURN_IF_ERROR(status_log_->Poll([this](const LogRecord& r) { return ApplyStatusRecord(r); },
                                       std::chrono::milliseconds(0)));
  RunQueued();
  if (leader_writer_ != nullptr && membership_->in_group()) {
    Status s = LeaderDuties();
    if (!s.ok()) LogWarn(kLog, "leader: " + s.message());
  }
  if (membership_->in_group()) Reconcile();
  return Status::Ok();
}

Status Worker::Run() {
  WR_RETURN_IF_ERROR(Start());
  Status result;
  while (stop_ == nullptr || !stop_->stop_requested()) {
    result = Step();
    if (!result.ok()) break;
  }
  Shutdown();
  return result;
}

void Worker::Shutdown() {
  for (auto& [unit, runner] : runners_) {
    runner->Stop();
    // Kafka Connect marks the units of a worker that shuts down UNASSIGNED; their next owner's
    // RUNNING (a newer generation) replaces it.
  }
  runners_.clear();
  // Requests still queued are answered: the worker is going away.
  RunQueued();
  if (membership_ != nullptr) membership_->Leave();
  leader_writer_.reset();
}

// ---- rest::Herder -----------------------------------------------------------------------------

rest::HerderStatus Worker::OnHerderThread(std::function<rest::HerderStatus()> fn) {
  auto promise = std::make_shared<std::promise<rest::HerderStatus>>();
  auto future = promise->get_future();
  {
    std::lock_guard<std::mutex> lock(queue_mu_);
    queue_.push_back([fn = std::move(fn), promise] { promise->set_value(fn()); });
  }
  if (future.wait_for(kRequestTimeout) != std::future_status::ready) {
    return rest::HerderError::Internal("Request timed out");
  }
  return future.get();
}

std::optional<rest::HerderError> Worker::NotLeader() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (leader_) return std::nullopt;
  std::string url = assignment_ ? assignment_->leader_url : "";
  return rest::HerderError::ForwardTo(url,
                                      "Cannot complete request because of a conflicting "
                                      "operation (e.g. worker rebalance)");
}

rest::ServerInfo Worker::GetServerInfo() {
  std::lock_guard<std::mutex> lock(mu_);
  return rest::ServerInfo{"walrelay 0.1.0", "", kafka_cluster_id_};
}

rest::HerderResult<std::vector<std::string>> Worker::Connectors() {
  std::lock_guard<std::mutex> lock(mu_);
  auto names = config_state_.Connectors();
  std::sort(names.begin(), names.end());
  return names;
}

rest::HerderResult<rest::ConnectorInfo> Worker::GetConnectorInfo(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto* cfg = config_state_.ConnectorConfig(name);
  if (cfg == nullptr) return rest::HerderError::ConnectorNotFound(name);
  rest::ConnectorInfo info;
  info.name = name;
  info.config = *cfg;
  for (int32_t t = 0; t < config_state_.TaskCount(name); ++t) info.tasks.push_back({name, t});
  info.type = runtime::ConnectorTypeOf(*cfg);
  return info;
}

rest::HerderResult<rest::ConnectorConfig> Worker::GetConnectorConfig(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto* cfg = config_state_.ConnectorConfig(name);
  if (cfg == nullptr) return rest::HerderError::ConnectorNotFound(name);
  return *cfg;
}

rest::HerderResult<rest::ConnectorStateInfo> Worker::GetConnectorStatus(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto* cfg = config_state_.ConnectorConfig(name);
  if (cfg == nullptr) return rest::HerderError::ConnectorNotFound(name);
  const runtime::ConnectStatus* status = status_state_.Connector(name);
  if (status == nullptr) {
    return rest::HerderError::NotFound("No status found for connector " + name);
  }
  rest::ConnectorStateInfo info;
  info.name = name;
  const std::string version = runtime::ConnectorVersionOf(*cfg);
  info.connector = StateOf(*status, version);
  for (const auto& [task, s] : status_state_.Tasks(name)) {
    if (task < config_state_.TaskCount(name)) info.tasks.push_back({task, StateOf(s, version)});
  }
  info.type = runtime::ConnectorTypeOf(*cfg);
  return info;
}

rest::HerderResult<rest::TaskState> Worker::GetTaskStatus(const rest::ConnectorTaskId& id) {
  std::lock_guard<std::mutex> lock(mu_);
  const runtime::ConnectStatus* status = status_state_.Task(id.connector, id.task);
  if (status == nullptr) {
    return rest::HerderError::NotFound("No status found for task " + id.connector + "-" +
                                       std::to_string(id.task));
  }
  const auto* cfg = config_state_.ConnectorConfig(id.connector);
  return rest::TaskState{id.task,
                         StateOf(*status, cfg != nullptr ? runtime::ConnectorVersionOf(*cfg) : "")};
}

rest::HerderResult<std::vector<rest::TaskInfo>> Worker::GetTaskConfigs(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_state_.Contains(name)) return rest::HerderError::ConnectorNotFound(name);
  std::vector<rest::TaskInfo> out;
  auto tasks = config_state_.TaskConfigs(name);
  for (size_t i = 0; i < tasks.size(); ++i) {
    out.push_back({{name, static_cast<int>(i)}, tasks[i]});
  }
  return out;
}

rest::HerderResult<rest::Created<rest::ConnectorInfo>> Worker::PutConnectorConfig(
    const std::string& name, const rest::ConnectorConfig& config,
    std::optional<rest::TargetState> initial_state, bool allow_replace) {
  config::ConnectorConfig cfg{name, "connector config", config};
  std::vector<std::string> warnings;
  Status valid = config::ValidateConnector(cfg, &warnings, /*in_worker=*/true);
  if (!valid.ok()) return InvalidConfig(valid);
  if (auto plugin = runtime::FindPlugin(config.at("connector.class")); !plugin.ok()) {
    return InvalidConfig(plugin.status());
  }
  // connector.client.config.override.policy: which client overrides a connector may set.
  for (const auto& [k, v] : config) {
    size_t dot = k.find(".override.");
    if (dot == std::string::npos) continue;
    const std::string role = k.substr(0, dot);
    if (role != "producer" && role != "consumer" && role != "admin") continue;
    const std::string setting = k.substr(dot + 10);
    const auto policy = config_.client_override_policy;
    const bool allowed = policy == runtime::ClientOverridePolicy::kAll ||
                         (policy == runtime::ClientOverridePolicy::kPrincipal &&
                          (setting == "sasl.jaas.config" || setting == "security.protocol" ||
                           setting == "sasl.mechanism"));
    if (!allowed) {
      return InvalidConfig(InvalidArgument(
          "The '" + setting + "' configuration override (" + k +
          ") is not allowed by the worker's connector.client.config.override.policy"));
    }
  }
  if (auto err = NotLeader()) return *err;
  bool created = false;
  rest::HerderStatus s = OnHerderThread([&]() -> rest::HerderStatus {
    bool exists;
    {
      std::lock_guard<std::mutex> lock(mu_);
      exists = config_state_.Contains(name);
    }
    if (exists && !allow_replace) return rest::HerderError::ConnectorAlreadyExists(name);
    created = !exists;
    std::vector<KeyedRecord> records;
    if (created && initial_state && *initial_state != rest::TargetState::kStarted) {
      records.emplace_back(runtime::TargetStateKey(name),
                           runtime::EncodeTargetState(*initial_state == rest::TargetState::kPaused
                                                          ? TargetState::kPaused
                                                          : TargetState::kStopped));
    }
    records.emplace_back(runtime::ConnectorConfigKey(name),
                         runtime::EncodeConfigProperties(config));
    Status w = WriteConfig(records);
    if (!w.ok()) return rest::HerderError::FromStatus(w);
    return rest::HerderOk();
  });
  if (!s.ok()) return s.error();
  auto info = GetConnectorInfo(name);
  if (!info.ok()) return info.error();
  return rest::Created<rest::ConnectorInfo>{created, std::move(info).value()};
}

rest::HerderResult<rest::ConnectorInfo> Worker::PatchConnectorConfig(
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

rest::HerderStatus Worker::DeleteConnector(const std::string& name) {
  if (auto err = NotLeader()) return *err;
  return OnHerderThread([&]() -> rest::HerderStatus {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!config_state_.Contains(name)) return rest::HerderError::ConnectorNotFound(name);
    }
    Status w = WriteConfig({{runtime::ConnectorConfigKey(name), std::nullopt},
                            {runtime::TargetStateKey(name), std::nullopt}});
    if (!w.ok()) return rest::HerderError::FromStatus(w);
    return rest::HerderOk();
  });
}

rest::HerderResult<rest::ActiveTopicsInfo> Worker::GetActiveTopics(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!config_state_.Contains(name)) return rest::HerderError::ConnectorNotFound(name);
  rest::ActiveTopicsInfo info{name, {}};
  for (const auto& t : status_state_.Topics(name)) info.topics.push_back(t.topic);
  return info;
}

rest::HerderStatus Worker::ResetActiveTopics(const std::string& name) {
  std::vector<KeyedRecord> records;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!config_state_.Contains(name)) return rest::HerderError::ConnectorNotFound(name);
    for (const auto& t : status_state_.Topics(name)) {
      records.emplace_back(runtime::TopicStatusKey(t.topic, name), std::nullopt);
    }
  }
  std::lock_guard<std::mutex> lock(status_writer_mu_);
  Status s = status_writer_->Write(records);
  if (!s.ok()) return rest::HerderError::FromStatus(s);
  return rest::HerderOk();
}

rest::HerderStatus Worker::WriteTargetState(const std::string& name, runtime::TargetState state) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!config_state_.Contains(name)) return rest::HerderError::ConnectorNotFound(name);
  }
  if (auto err = NotLeader()) return *err;
  return OnHerderThread([&]() -> rest::HerderStatus {
    Status w = WriteConfig({{runtime::TargetStateKey(name), runtime::EncodeTargetState(state)}});
    if (!w.ok()) return rest::HerderError::FromStatus(w);
    return rest::HerderOk();
  });
}

rest::HerderStatus Worker::PauseConnector(const std::string& name) {
  return WriteTargetState(name, TargetState::kPaused);
}
rest::HerderStatus Worker::ResumeConnector(const std::string& name) {
  return WriteTargetState(name, TargetState::kStarted);
}
rest::HerderStatus Worker::StopConnector(const std::string& name) {
  return WriteTargetState(name, TargetState::kStopped);
}

rest::HerderStatus Worker::RestartConnector(const std::string& name) {
  auto r = RestartConnectorAndTasks(rest::RestartRequest{name, false, false});
  if (!r.ok()) return r.error();
  return rest::HerderOk();
}

rest::HerderResult<rest::ConnectorStateInfo> Worker::RestartConnectorAndTasks(
    const rest::RestartRequest& request) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!config_state_.Contains(request.connector)) {
      return rest::HerderError::ConnectorNotFound(request.connector);
    }
  }
  if (auto err = NotLeader()) return *err;
  rest::HerderStatus s = OnHerderThread([&]() -> rest::HerderStatus {
    // Every worker restarts the units of the request it runs (Kafka Connect's restart request
    // record, KIP-745).
    Status w =
        WriteConfig({{runtime::RestartKey(request.connector),
                      runtime::EncodeRestartRequest(request.include_tasks, request.only_failed)}});
    if (!w.ok()) return rest::HerderError::FromStatus(w);
    return rest::HerderOk();
  });
  if (!s.ok()) return s.error();
  auto status = GetConnectorStatus(request.connector);
  if (!status.ok()) return status.error();
  rest::ConnectorStateInfo info = std::move(status).value();
  if (!request.only_failed || info.connector.state == "FAILED") info.connector.state = "RESTARTING";
  if (request.include_tasks) {
    for (auto& t : info.tasks) {
      if (!request.only_failed || t.state.state == "FAILED") t.state.state = "RESTARTING";
    }
  }
  return info;
}

rest::HerderStatus Worker::RestartTask(const rest::ConnectorTaskId& id) {
  // The worker running the task restarts it; others forward to it.
  std::string owner;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!config_state_.Contains(id.connector)) {
      return rest::HerderError::ConnectorNotFound(id.connector);
    }
    if (id.task < 0 || id.task >= config_state_.TaskCount(id.connector)) {
      return rest::HerderError::NotFound("Task not found: " + id.connector + "-" +
                                         std::to_string(id.task));
    }
    if (assignment_) {
      auto it = assignment_->owners.find(WorkUnit{id.connector, id.task});
      if (it != assignment_->owners.end()) owner = it->second;
    }
  }
  if (owner.empty()) return rest::HerderError::RebalanceInProgress();
  if (owner != worker_id_) {
    return rest::HerderError::ForwardTo(rest_url_.substr(0, rest_url_.find("://") + 3) + owner,
                                        "the task runs on " + owner);
  }
  return OnHerderThread([&]() -> rest::HerderStatus {
    auto it = runners_.find(WorkUnit{id.connector, id.task});
    if (it == runners_.end()) return rest::HerderError::RebalanceInProgress();
    it->second->Restart();
    return rest::HerderOk();
  });
}

Result<std::optional<std::string>> Worker::ReadOffset(const std::string& key,
                                                      const StopSource* stop) {
  std::lock_guard<std::mutex> lock(offsets_mu_);
  WR_RETURN_IF_ERROR(offset_log_->ReadToEnd(
      [this](const LogRecord& r) {
        if (r.key) offsets_[*r.key] = r.value;
        return Status::Ok();
      },
      kReadTimeout, stop != nullptr ? stop : stop_));
  auto it = offsets_.find(key);
  if (it == offsets_.end()) return std::optional<std::string>();
  return it->second;
}

rest::HerderResult<rest::ConnectorConfig> Worker::StoppedConnectorConfig(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  const auto* c = config_state_.ConnectorConfig(name);
  if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
  if (config_state_.GetTargetState(name).value_or(TargetState::kStarted) != TargetState::kStopped) {
    return rest::HerderError::BadRequest(
        "Connectors must be in the STOPPED state before their offsets can be modified. This "
        "can be done for the specified connector by issuing a 'PUT' request to the "
        "'/connectors/" +
        name + "/stop' endpoint");
  }
  return *c;
}

template <typename T>
rest::HerderResult<T> Worker::WithSinkOffsets(
    const std::string& name, const rest::ConnectorConfig& config,
    const std::function<rest::HerderResult<T>(SinkOffsets&)>& fn) {
  auto destination = sink::JdbcSink::Create(name, config);
  if (!destination.ok()) {
    return rest::HerderError::Internal("Cannot open the destination of sink connector " + name +
                                       ": " + destination.status().message());
  }
  (*destination)->SetInterrupt(pg::Interrupt{stop_, std::chrono::milliseconds(0)});
  if (Status s = (*destination)->Open(); !s.ok()) {
    return rest::HerderError::Internal("Cannot reach the destination of sink connector " + name +
                                       ": " + s.message());
  }
  std::lock_guard<std::mutex> lock(group_admin_mu_);
  if (!group_admin_) {
    kafka::ClientConfig client;
    for (const auto& [k, v] : admin_client_) client.Set(k, v);
    client.Set("client.id", worker_id_ + "-offsets-admin");
    auto admin = kafka::Admin::Create(client);
    if (!admin.ok()) return rest::HerderError::FromStatus(admin.status());
    group_admin_.emplace(std::move(admin).value());
  }
  SinkOffsets offsets(name, &*group_admin_, destination->get(), kReadTimeout, stop_);
  return fn(offsets);
}

rest::HerderResult<rest::ConnectorOffsets> Worker::GetConnectorOffsets(const std::string& name) {
  std::map<std::string, std::string> cfg;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const auto* c = config_state_.ConnectorConfig(name);
    if (c == nullptr) return rest::HerderError::ConnectorNotFound(name);
    cfg = *c;
  }
  if (runtime::ConnectorTypeOf(cfg) != rest::ConnectorType::kSource) {
    return WithSinkOffsets<rest::ConnectorOffsets>(name, cfg,
                                                   [](SinkOffsets& o) { return o.Get(); });
  }
  auto refresh = ReadOffset("", stop_);
  if (!refresh.ok()) return rest::HerderError::FromStatus(refresh.status());
  rest::ConnectorOffsets out;
  std::lock_guard<std::mutex> lock(offsets_mu_);
  for (const auto& [key, value] : offsets_) {
    auto rec = runtime::DecodeOffsetRecord(key, value);
    if (!rec.ok() || rec->connector != name || !rec->offset) continue;
    out.offsets.push_back({rec->partition, *rec->offset});
  }
  return out;
}

rest::HerderResult<std::string> Worker::AlterConnectorOffsets(
    const std::string& name, const rest::ConnectorOffsets& offsets) {
  auto cfg = StoppedConnectorConfig(name);
  if (!cfg.ok()) return cfg.error();
  if (runtime::ConnectorTypeOf(cfg.value()) != rest::ConnectorType::kSource) {
    return WithSinkOffsets<std::string>(name, cfg.value(),
                                        [&](SinkOffsets& o) { return o.Alter(offsets); });
  }
  std::vector<KeyedRecord> records;
  for (const auto& o : offsets.offsets) {
    if (!o.partition.is_object()) {
      return rest::HerderError::BadRequest("Partitions must be JSON objects");
    }
    std::string key = nlohmann::json::array({name, o.partition}).dump();
    std::optional<std::string> value;
    if (!o.offset.is_null()) value = o.offset.dump();
    records.emplace_back(std::move(key), std::move(value));
  }
  std::lock_guard<std::mutex> lock(offsets_mu_);
  if (offset_writer_ == nullptr) {
    auto w = RecordWriter::Open({config_.offset_topic.name, base_client_, "", kReadTimeout});
    if (!w.ok()) return rest::HerderError::FromStatus(w.status());
    offset_writer_ = std::move(*w);
  }
  Status s = offset_writer_->Write(records);
  if (!s.ok()) return rest::HerderError::FromStatus(s);
  return std::string("The offsets for this connector have been altered successfully");
}

rest::HerderResult<std::string> Worker::ResetConnectorOffsets(const std::string& name) {
  auto cfg = StoppedConnectorConfig(name);
  if (!cfg.ok()) return cfg.error();
  if (runtime::ConnectorTypeOf(cfg.value()) != rest::ConnectorType::kSource) {
    return WithSinkOffsets<std::string>(name, cfg.value(),
                                        [](SinkOffsets& o) { return o.Reset(); });
  }
  auto current = GetConnectorOffsets(name);
  if (!current.ok()) return current.error();
  rest::ConnectorOffsets reset;
  for (const auto& o : current.value().offsets) reset.offsets.push_back({o.partition, nullptr});
  auto r = AlterConnectorOffsets(name, reset);
  if (!r.ok()) return r.error();
  return std::string("The offsets for this connector have been reset successfully");
}

std::vector<rest::PluginInfo> Worker::Plugins() { return runtime::PluginInfos(); }

rest::HerderResult<std::vector<rest::ConfigKeyInfo>> Worker::GetPluginConfig(
    const std::string& plugin) {
  return runtime::PluginConfigKeys(plugin);
}

rest::HerderResult<rest::ConfigInfos> Worker::ValidateConnectorConfig(
    const rest::ConnectorConfig& config) {
  return runtime::ValidateConfig(config, /*in_worker=*/true);
}

std::map<std::string, rest::LoggerLevel> Worker::AllLoggerLevels() {
  std::lock_guard<std::mutex> lock(mu_);
  // One level per process: every logger named through the API reports it, with when it was
  // last set (root is always listed).
  const std::string level = logger_level_.value_or("INFO");
  std::map<std::string, rest::LoggerLevel> out;
  out["root"] = rest::LoggerLevel{level, std::nullopt};
  for (const auto& [logger, modified] : logger_modified_) {
    out[logger] = rest::LoggerLevel{level, modified};
  }
  return out;
}

void Worker::ApplyLoggerLevelLocked(const std::string& logger, const std::string& level) {
  SetLogLevel(ToLogLevel(level));
  logger_level_ = level;
  logger_modified_[logger] = NowMs();
}

std::optional<rest::LoggerLevel> Worker::GetLoggerLevel(const std::string& logger) {
  auto all = AllLoggerLevels();
  auto it = all.find(logger);
  if (it == all.end()) return std::nullopt;
  return it->second;
}

rest::HerderResult<std::vector<std::string>> Worker::SetWorkerLoggerLevel(
    const std::string& logger, const std::string& level) {
  // walrelay has one log level per process: every namespace sets it.
  std::lock_guard<std::mutex> lock(mu_);
  ApplyLoggerLevelLocked(logger, level);
  return std::vector<std::string>{logger};
}

rest::HerderStatus Worker::SetClusterLoggerLevel(const std::string& logger,
                                                 const std::string& level) {
  if (auto err = NotLeader()) return *err;
  return OnHerderThread([&]() -> rest::HerderStatus {
    // Every worker, this one included, applies it when it reads the record back.
    Status w = WriteConfig({{runtime::LoggerLevelKey(logger), "{\"level\":\"" + level + "\"}"}});
    if (!w.ok()) return rest::HerderError::FromStatus(w);
    return rest::HerderOk();
  });
}

}  // namespace walrelay::worker
