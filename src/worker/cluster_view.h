#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "runtime/connect_records.h"
#include "worker/assignment.h"

namespace walrelay::worker {

// A connector's target state, as the config topic's target-state records say (Kafka Connect's
// TargetState). STOPPED (KIP-875) shuts the tasks down and keeps no task configs.
using runtime::TargetState;

using Properties = std::map<std::string, std::string>;

struct ConnectorView {
  Properties config;
  TargetState target = TargetState::kStarted;
  // The task configs of the last complete generation (a commit record closed it); task configs
  // written without their commit (a leader died between them) are not here.
  std::vector<Properties> tasks;
};

// What a worker knows of its cluster from the config topic, read to a given offset.
struct ClusterView {
  std::map<std::string, ConnectorView> connectors;
  std::optional<Assignment> assignment;  // the newest one read
  int64_t offset = -1;                   // of the last config record applied
};

// What a worker runs for one unit.
struct UnitPlan {
  WorkUnit unit;
  Properties config;  // the connector's config, or the task's
  TargetState target = TargetState::kStarted;
  bool operator==(const UnitPlan&) const = default;
};

// The units `worker` must run now: those the newest assignment gives it whose connector still
// exists, with their configs and target states. A stopped connector's tasks are not run (it has
// none), its connector unit is (to report STOPPED). Nothing when no assignment names the worker.
std::vector<UnitPlan> DesiredUnits(const ClusterView& view, const std::string& worker);

// Every unit the cluster has: each connector, and each task of its current generation.
std::vector<WorkUnit> ClusterUnits(const ClusterView& view);

// Task configs the leader must write for `name` (then a commit record with their count), or
// nullopt when the stored generation is already right: a started or paused connector's tasks
// derive from its config (see worker/plugins.h); a stopped one has none. An invalid connector
// config is an error for the connector, not for the leader: kInvalidArgument.
Result<std::optional<std::vector<Properties>>> TaskConfigsToWrite(const ConnectorView& connector);

}  // namespace walrelay::worker
