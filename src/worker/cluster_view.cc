#include "worker/cluster_view.h"

#include "runtime/plugins.h"

namespace walrelay::worker {

std::vector<UnitPlan> DesiredUnits(const ClusterView& view, const std::string& worker) {
  std::vector<UnitPlan> out;
  if (!view.assignment) return out;
  for (const WorkUnit& unit : view.assignment->UnitsOf(worker)) {
    auto it = view.connectors.find(unit.connector);
    if (it == view.connectors.end()) continue;
    const ConnectorView& c = it->second;
    if (unit.is_connector()) {
      out.push_back({unit, c.config, c.target});
    } else if (c.target != TargetState::kStopped && unit.task < static_cast<int>(c.tasks.size())) {
      out.push_back({unit, c.tasks[static_cast<size_t>(unit.task)], c.target});
    }
  }
  return out;
}

std::vector<WorkUnit> ClusterUnits(const ClusterView& view) {
  std::vector<WorkUnit> out;
  for (const auto& [name, c] : view.connectors) {
    out.push_back({name, -1});
    if (c.target == TargetState::kStopped) continue;
    for (size_t t = 0; t < c.tasks.size(); ++t) out.push_back({name, static_cast<int>(t)});
  }
  return out;
}

Result<std::optional<std::vector<Properties>>> TaskConfigsToWrite(const ConnectorView& c) {
  std::vector<Properties> want;
  if (c.target != TargetState::kStopped) {
    WR_ASSIGN_OR_RETURN(want, runtime::TaskConfigs(c.config));
  }
  if (want == c.tasks) return std::optional<std::vector<Properties>>();
  return std::optional<std::vector<Properties>>(std::move(want));
}

}  // namespace walrelay::worker
