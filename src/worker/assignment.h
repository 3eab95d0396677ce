#pragma once

#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::worker {

// One thing a worker runs: a connector instance (task < 0) or one of its tasks.
struct WorkUnit {
  std::string connector;
  int task = -1;

  bool is_connector() const { return task < 0; }
  // Kafka Connect's names: "<connector>" for a connector, "<connector>-<task>" for a task.
  std::string ToString() const;
  auto operator<=>(const WorkUnit&) const = default;
};

// Who runs what in a cluster of workers, as the leader decided it: every unit has exactly one
// owner, a worker id (the worker's advertised REST host:port, as Kafka Connect's worker_id).
// Written by the leader to the config topic under kAssignmentKey; every worker follows the newest
// one it reads (epochs only grow: a new leader continues from the last epoch it read, and a
// deposed leader cannot write any more, see docs/distributed.md).
struct Assignment {
  int64_t epoch = 0;
  std::string leader;                // worker id of the leader that wrote it
  std::string leader_url;            // the leader's REST URL, where requests are forwarded
  std::vector<std::string> workers;  // the live workers it was computed for, sorted
  std::map<WorkUnit, std::string> owners;

  // The units `worker` owns, in order.
  std::vector<WorkUnit> UnitsOf(std::string_view worker) const;
  bool operator==(const Assignment&) const = default;
};

// The config-topic key of assignment records. Kafka Connect's own readers skip keys they do not
// know, so these records do not disturb a Kafka Connect cluster reading the same topic.
inline constexpr char kAssignmentKey[] = "walrelay-assignment";

// A balanced assignment of `units` over `workers` that moves as little as possible from
// `previous`: a unit keeps a live owner while that owner has no more than its share; units of
// departed workers and the excess of overloaded ones go to the least loaded workers. Connectors
// and tasks are balanced separately (each worker gets floor or ceil of N/W of each kind), as
// Kafka Connect's incremental cooperative assignor does. Deterministic: ties go to the worker id
// that sorts first. The result's epoch is previous.epoch + 1; leader fields are left empty.
Assignment Rebalance(const Assignment& previous, const std::vector<WorkUnit>& units,
                     std::vector<std::string> workers);

// The record value, JSON:
//   {"version":1,"epoch":N,"leader":"h:p","leader_url":"http://h:p/","workers":[...],
//    "connectors":{"<name>":"<worker>"},"tasks":{"<name>":{"<n>":"<worker>"}}}
std::string EncodeAssignment(const Assignment& assignment);
// kDataError naming what is malformed.
Result<Assignment> DecodeAssignment(std::string_view json);

}  // namespace walrelay::worker
