#include "runtime/cluster_config_state.h"

#include <climits>

namespace walrelay::runtime {

Status ClusterConfigState::Apply(int64_t offset, std::string_view key,
                                 const std::optional<std::string_view>& value) {
  auto record = DecodeConfigRecord(key, value);
  if (!record.ok()) {
    offset_ = offset + 1;
    return record.status();
  }
  Apply(offset, *record);
  return Status::Ok();
}

void ClusterConfigState::RemoveConnector(const std::string& connector) {
  configs_.erase(connector);
  task_counts_.erase(connector);
  for (auto it = task_configs_.lower_bound({connector, INT32_MIN});
       it != task_configs_.end() && it->first.first == connector;) {
    it = task_configs_.erase(it);
  }
  deferred_.erase(connector);
  // Connect keeps no applied task configs for a removed connector, so it is not inconsistent.
  inconsistent_.erase(connector);
}

void ClusterConfigState::Apply(int64_t offset, const ConfigRecord& r) {
  offset_ = offset + 1;
  switch (r.kind) {
    case ConfigRecordKind::kConnector:
      if (r.tombstone) {
        RemoveConnector(r.connector);
      } else {
        configs_[r.connector] = r.properties;
        target_states_.try_emplace(r.connector, TargetState::kStarted);
      }
      break;
    case ConfigRecordKind::kTargetState:
      if (r.tombstone) {
        target_states_.erase(r.connector);
        // Every connector with a config has a target state.
        if (configs_.count(r.connector)) target_states_[r.connector] = TargetState::kStarted;
      } else {
        target_states_[r.connector] = r.state;
      }
      break;
    case ConfigRecordKind::kTask:
      deferred_[r.connector][r.task] = r.properties;
      break;
    case ConfigRecordKind::kCommit: {
      if (!configs_.count(r.connector)) {
        // Deleted before these task configs were committed, and compaction removed both the
        // config and its tombstone: ignore them.
        RemoveConnector(r.connector);
        break;
      }
      auto deferred = deferred_.find(r.connector);
      bool complete = true;
      for (int32_t i = 0; i < r.tasks; ++i) {
        if (deferred == deferred_.end() || !deferred->second.count(i)) {
          complete = false;
          break;
        }
      }
      if (!complete) {
        inconsistent_.insert(r.connector);
      } else {
        if (deferred != deferred_.end()) {
          for (auto& [task, config] : deferred->second) {
            task_configs_[{r.connector, task}] = std::move(config);
          }
          auto gen = generations_.find(r.connector);
          if (gen == generations_.end()) {
            generations_[r.connector] = 0;
          } else {
            ++gen->second;
          }
        }
        inconsistent_.erase(r.connector);
      }
      if (deferred != deferred_.end()) deferred->second.clear();
      task_counts_[r.connector] = r.tasks;
      pending_fencing_.insert(r.connector);
      break;
    }
    case ConfigRecordKind::kTaskCount:
      task_count_records_[r.connector] = r.tasks;
      pending_fencing_.erase(r.connector);
      break;
    case ConfigRecordKind::kRestart:
      restarts_.push_back(r);
      break;
    case ConfigRecordKind::kSessionKey:
      session_key_ = r.session_key;
      break;
    case ConfigRecordKind::kLoggerLevel:
      logger_levels_[r.connector] = r.level;
      logger_updates_.emplace_back(r.connector, r.level);
      break;
  }
}

std::vector<std::string> ClusterConfigState::Connectors() const {
  std::vector<std::string> out;
  for (const auto& [name, config] : configs_) out.push_back(name);
  return out;
}

bool ClusterConfigState::Contains(std::string_view connector) const {
  return configs_.find(connector) != configs_.end();
}

const std::map<std::string, std::string>* ClusterConfigState::ConnectorConfig(
    std::string_view connector) const {
  auto it = configs_.find(connector);
  return it == configs_.end() ? nullptr : &it->second;
}

std::optional<TargetState> ClusterConfigState::GetTargetState(std::string_view connector) const {
  if (!Contains(connector)) return std::nullopt;
  auto it = target_states_.find(connector);
  return it == target_states_.end() ? TargetState::kStarted : it->second;
}

int32_t ClusterConfigState::TaskCount(std::string_view connector) const {
  auto it = task_counts_.find(connector);
  return it == task_counts_.end() ? 0 : it->second;
}

std::vector<std::map<std::string, std::string>> ClusterConfigState::TaskConfigs(
    std::string_view connector) const {
  std::vector<std::map<std::string, std::string>> out;
  if (!Contains(connector) || inconsistent_.count(std::string(connector))) return out;
  const int32_t count = TaskCount(connector);
  for (int32_t i = 0; i < count; ++i) {
    auto it = task_configs_.find({std::string(connector), i});
    if (it == task_configs_.end()) return {};  // cannot happen after a complete commit
    out.push_back(it->second);
  }
  return out;
}

std::optional<int64_t> ClusterConfigState::TaskConfigGeneration(std::string_view connector) const {
  auto it = generations_.find(connector);
  if (it == generations_.end()) return std::nullopt;
  return it->second;
}

std::optional<int32_t> ClusterConfigState::TaskCountRecord(std::string_view connector) const {
  auto it = task_count_records_.find(connector);
  if (it == task_count_records_.end()) return std::nullopt;
  return it->second;
}

bool ClusterConfigState::PendingFencing(std::string_view connector) const {
  return pending_fencing_.find(connector) != pending_fencing_.end();
}

std::vector<std::pair<std::string, std::string>> ClusterConfigState::TakeLoggerLevelUpdates() {
  std::vector<std::pair<std::string, std::string>> out;
  out.swap(logger_updates_);
  return out;
}

std::vector<ConfigRecord> ClusterConfigState::TakeRestartRequests() {
  std::vector<ConfigRecord> out;
  out.swap(restarts_);
  return out;
}

Status ClusterStatusState::Apply(std::string_view key,
                                 const std::optional<std::string_view>& value) {
  WR_ASSIGN_OR_RETURN(StatusRecord record, DecodeStatusRecord(key, value));
  Apply(record);
  return Status::Ok();
}

void ClusterStatusState::Apply(const StatusRecord& r) {
  switch (r.kind) {
    case StatusRecordKind::kConnector:
      if (r.tombstone) {
        connectors_.erase(r.connector);
        tasks_.erase(r.connector);
      } else {
        connectors_[r.connector] = r.status;
      }
      break;
    case StatusRecordKind::kTask: {
      if (r.tombstone) {
        auto it = tasks_.find(r.connector);
        if (it != tasks_.end()) it->second.erase(r.task);
        break;
      }
      auto& tasks = tasks_[r.connector];
      auto current = tasks.find(r.task);
      if (current != tasks.end() && r.status.state == StatusState::kUnassigned &&
          current->second.state == StatusState::kRunning &&
          current->second.generation >= r.status.generation) {
        break;  // stale UNASSIGNED from a worker that missed the RUNNING status
      }
      tasks[r.task] = r.status;
      break;
    }
    case StatusRecordKind::kTopic:
      if (r.tombstone) {
        auto it = topics_.find(r.connector);
        if (it != topics_.end()) it->second.erase(r.topic);
      } else {
        topics_[r.connector][r.topic] = r.topic_status;
      }
      break;
  }
}

const ConnectStatus* ClusterStatusState::Connector(std::string_view connector) const {
  auto it = connectors_.find(connector);
  return it == connectors_.end() ? nullptr : &it->second;
}

const ConnectStatus* ClusterStatusState::Task(std::string_view connector, int32_t task) const {
  auto it = tasks_.find(connector);
  if (it == tasks_.end()) return nullptr;
  auto t = it->second.find(task);
  return t == it->second.end() ? nullptr : &t->second;
}

std::vector<std::pair<int32_t, ConnectStatus>> ClusterStatusState::Tasks(
    std::string_view connector) const {
  std::vector<std::pair<int32_t, ConnectStatus>> out;
  auto it = tasks_.find(connector);
  if (it == tasks_.end()) return out;
  for (const auto& [id, status] : it->second) out.emplace_back(id, status);
  return out;
}

std::vector<TopicStatus> ClusterStatusState::Topics(std::string_view connector) const {
  std::vector<TopicStatus> out;
  auto it = topics_.find(connector);
  if (it == topics_.end()) return out;
  for (const auto& [name, status] : it->second) out.push_back(status);
  return out;
}

std::vector<std::string> ClusterStatusState::Connectors() const {
  std::vector<std::string> out;
  for (const auto& [name, status] : connectors_) out.push_back(name);
  return out;
}

}  // namespace walrelay::runtime
