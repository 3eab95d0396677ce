#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "runtime/connect_records.h"

namespace walrelay::runtime {

// What every worker rebuilds by reading the config topic from its start, as Kafka Connect's
// KafkaConfigBackingStore does and exposes as a ClusterConfigState:
//  - connector configs, applied as soon as read; a null value deletes the connector (its task
//    configs and counts too);
//  - target states (STARTED by default once a connector exists);
//  - task configs, held back until a commit-<name> record arrives. The commit applies them only
//    when tasks 0..N-1 are all among those held back (extra ids are allowed: compaction can keep
//    a higher task from an older generation); otherwise the connector is "inconsistent" and has
//    no visible tasks until a later complete commit. Held-back configs are dropped at every
//    commit either way, so a writer that crashed between task configs and their commit leaves
//    the previous committed set in place;
//  - KIP-618 task-count (fencing) records, the session key, restart requests, logger levels.
// Pure: fed records in topic order by one thread (the config-topic reader), then read by it or
// copied. Not thread-safe.
class ClusterConfigState {
 public:
  // Applies the record at `offset`. A record Connect would skip (unknown key, malformed value)
  // is skipped and returned as kDataError for the caller to log; the offset advances either way.
  Status Apply(int64_t offset, std::string_view key, const std::optional<std::string_view>& value);
  void Apply(int64_t offset, const ConfigRecord& record);

  // The offset after the last record applied (what to read next; 0 before any), as Connect
  // reports it.
  int64_t offset() const { return offset_; }

  // Connectors with a config, in name order.
  std::vector<std::string> Connectors() const;
  bool Contains(std::string_view connector) const;
  // nullptr for an unknown connector.
  const std::map<std::string, std::string>* ConnectorConfig(std::string_view connector) const;
  // nullopt for an unknown connector.
  std::optional<TargetState> GetTargetState(std::string_view connector) const;
  // The task count of the last commit (applied or not); 0 when none.
  int32_t TaskCount(std::string_view connector) const;
  // The committed task configs 0..TaskCount-1; empty for an unknown or inconsistent connector.
  std::vector<std::map<std::string, std::string>> TaskConfigs(std::string_view connector) const;
  // Connectors whose last commit did not find all its task configs (Connect's "inconsistent").
  const std::set<std::string>& Inconsistent() const { return inconsistent_; }
  // How many times the connector's task configs were applied, 0-based (Connect's task config
  // generation); nullopt before the first.
  std::optional<int64_t> TaskConfigGeneration(std::string_view connector) const;
  // KIP-618: the last task-count record, and whether task configs were committed after it (the
  // connector's previous producers must be fenced before its tasks start).
  std::optional<int32_t> TaskCountRecord(std::string_view connector) const;
  bool PendingFencing(std::string_view connector) const;
  const std::optional<SessionKey>& session_key() const { return session_key_; }
  // Restart requests read since the last call, in order.
  std::vector<ConfigRecord> TakeRestartRequests();
  // Cluster-wide logger levels (KIP-976), namespace -> level.
  const std::map<std::string, std::string>& logger_levels() const { return logger_levels_; }
  // The logger-level records applied since the last call, in order: (namespace, level).
  std::vector<std::pair<std::string, std::string>> TakeLoggerLevelUpdates();

 private:
  void RemoveConnector(const std::string& connector);

  int64_t offset_ = 0;
  std::map<std::string, std::map<std::string, std::string>, std::less<>> configs_;
  std::map<std::string, TargetState, std::less<>> target_states_;
  std::map<std::string, int32_t, std::less<>> task_counts_;
  // (connector, task) -> config; only ever replaced by an applied commit.
  std::map<std::pair<std::string, int32_t>, std::map<std::string, std::string>> task_configs_;
  std::map<std::string, std::map<int32_t, std::map<std::string, std::string>>, std::less<>>
      deferred_;
  std::map<std::string, int64_t, std::less<>> generations_;
  std::set<std::string> inconsistent_;
  std::map<std::string, int32_t, std::less<>> task_count_records_;
  std::set<std::string, std::less<>> pending_fencing_;
  std::optional<SessionKey> session_key_;
  std::vector<ConfigRecord> restarts_;
  std::map<std::string, std::string> logger_levels_;
  std::vector<std::pair<std::string, std::string>> logger_updates_;
};

// The latest status of every connector, task and used topic, rebuilt from the status topic as
// Connect's KafkaStatusBackingStore does: the last record per key wins, except that an
// UNASSIGNED task status does not replace a RUNNING one of the same or a newer generation (a
// worker that missed the newer status writes it during a rebalance). A null connector status
// removes the connector and its tasks; a null task or topic status removes that entry. Pure;
// one thread.
class ClusterStatusState {
 public:
  // kDataError for a record Connect would discard (it is skipped).
  Status Apply(std::string_view key, const std::optional<std::string_view>& value);
  void Apply(const StatusRecord& record);

  // nullptr when none.
  const ConnectStatus* Connector(std::string_view connector) const;
  const ConnectStatus* Task(std::string_view connector, int32_t task) const;
  // The connector's tasks with a status, by task id.
  std::vector<std::pair<int32_t, ConnectStatus>> Tasks(std::string_view connector) const;
  // KIP-558: the topics the connector used, by topic name.
  std::vector<TopicStatus> Topics(std::string_view connector) const;
  std::vector<std::string> Connectors() const;

 private:
  std::map<std::string, ConnectStatus, std::less<>> connectors_;
  std::map<std::string, std::map<int32_t, ConnectStatus>, std::less<>> tasks_;
  std::map<std::string, std::map<std::string, TopicStatus>, std::less<>> topics_;
};

}  // namespace walrelay::runtime
