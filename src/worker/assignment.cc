#include "worker/assignment.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <set>

namespace walrelay::worker {

std::string WorkUnit::ToString() const {
  return is_connector() ? connector : connector + "-" + std::to_string(task);
}

std::vector<WorkUnit> Assignment::UnitsOf(std::string_view worker) const {
  std::vector<WorkUnit> out;
  for (const auto& [unit, owner] : owners) {
    if (owner == worker) out.push_back(unit);
  }
  return out;
}

namespace {

// Balances the units of one kind (connectors or tasks). `owners` holds the previous owner of each
// unit (or nothing) and receives the new one.
void BalanceKind(const std::vector<WorkUnit>& units, const std::vector<std::string>& workers,
                 const std::map<WorkUnit, std::string>& previous,
                 std::map<WorkUnit, std::string>* owners) {
  if (units.empty() || workers.empty()) return;
  const size_t ceil = (units.size() + workers.size() - 1) / workers.size();
  std::map<std::string, std::vector<WorkUnit>> load;
  for (const auto& w : workers) load[w];
  std::vector<WorkUnit> unowned;
  for (const WorkUnit& u : units) {  // units are sorted: trimming keeps the first ones
    auto it = previous.find(u);
    auto owner = it == previous.end() ? load.end() : load.find(it->second);
    if (owner != load.end() && owner->second.size() < ceil) {
      owner->second.push_back(u);
    } else {
      unowned.push_back(u);
    }
  }
  auto least = [&] {
    auto best = load.begin();
    for (auto it = load.begin(); it != load.end(); ++it) {
      if (it->second.size() < best->second.size()) best = it;
    }
    return best;
  };
  for (const WorkUnit& u : unowned) least()->second.push_back(u);
  // Units kept by their owners may still leave some workers two or more below others (a worker
  // joined): move the last units of the most loaded to the least loaded.
  while (true) {
    auto lo = least();
    auto hi = load.begin();
    for (auto it = load.begin(); it != load.end(); ++it) {
      if (it->second.size() > hi->second.size()) hi = it;
    }
    if (hi->second.size() <= lo->second.size() + 1) break;
    lo->second.push_back(hi->second.back());
    hi->second.pop_back();
  }
  for (const auto& [worker, mine] : load) {
    for (const WorkUnit& u : mine) (*owners)[u] = worker;
  }
}

}  // namespace

Assignment Rebalance(const Assignment& previous, const std::vector<WorkUnit>& units,
                     std::vector<std::string> workers) {
  std::sort(workers.begin(), workers.end());
  workers.erase(std::unique(workers.begin(), workers.end()), workers.end());
  Assignment next;
  next.epoch = previous.epoch + 1;
  next.workers = workers;
  std::vector<WorkUnit> connectors, tasks;
  for (const WorkUnit& u : units) (u.is_connector() ? connectors : tasks).push_back(u);
  for (auto* kind : {&connectors, &tasks}) {
    std::sort(kind->begin(), kind->end());
    kind->erase(std::unique(kind->begin(), kind->end()), kind->end());
    BalanceKind(*kind, workers, previous.owners, &next.owners);
  }
  return next;
}

std::string EncodeAssignment(const Assignment& a) {
  nlohmann::ordered_json j;
  j["version"] = 1;
  j["epoch"] = a.epoch;
  j["leader"] = a.leader;
  j["leader_url"] = a.leader_url;
  j["workers"] = a.workers;
  nlohmann::ordered_json connectors = nlohmann::ordered_json::object();
  nlohmann::ordered_json tasks = nlohmann::ordered_json::object();
  for (const auto& [unit, owner] : a.owners) {
    if (unit.is_connector()) {
      connectors[unit.connector] = owner;
    } else {
      tasks[unit.connector][std::to_string(unit.task)] = owner;
    }
  }
  j["connectors"] = std::move(connectors);
  j["tasks"] = std::move(tasks);
  return j.dump();
}

Result<Assignment> DecodeAssignment(std::string_view text) {
  auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&](const std::string& what) {
    return DataError("malformed " + std::string(kAssignmentKey) + " record: " + what);
  };
  if (!j.is_object()) return bad("not a JSON object");
  if (!j.contains("version") || !j["version"].is_number_integer() || j["version"] != 1) {
    return bad("unsupported or missing \"version\"");
  }
  Assignment a;
  if (!j.contains("epoch") || !j["epoch"].is_number_integer()) return bad("no integer \"epoch\"");
  a.epoch = j["epoch"].get<int64_t>();
  for (const char* field : {"leader", "leader_url"}) {
    if (!j.contains(field) || !j[field].is_string()) {
      return bad(std::string("no string \"") + field + "\"");
    }
  }
  a.leader = j["leader"].get<std::string>();
  a.leader_url = j["leader_url"].get<std::string>();
  if (!j.contains("workers") || !j["workers"].is_array()) return bad("no \"workers\" array");
  for (const auto& w : j["workers"]) {
    if (!w.is_string()) return bad("a worker id is not a string");
    a.workers.push_back(w.get<std::string>());
  }
  if (!j.contains("connectors") || !j["connectors"].is_object()) {
    return bad("no \"connectors\" object");
  }
  for (const auto& [name, owner] : j["connectors"].items()) {
    if (!owner.is_string()) return bad("owner of connector " + name + " is not a string");
    a.owners[WorkUnit{name, -1}] = owner.get<std::string>();
  }
  if (!j.contains("tasks") || !j["tasks"].is_object()) return bad("no \"tasks\" object");
  for (const auto& [name, per_task] : j["tasks"].items()) {
    if (!per_task.is_object()) return bad("tasks of " + name + " are not an object");
    for (const auto& [number, owner] : per_task.items()) {
      int task = -1;
      auto res = std::from_chars(number.data(), number.data() + number.size(), task);
      if (res.ec != std::errc() || res.ptr != number.data() + number.size() || task < 0) {
        return bad("task number \"" + number + "\" of " + name);
      }
      if (!owner.is_string()) return bad("owner of task " + name + "-" + number);
      a.owners[WorkUnit{name, task}] = owner.get<std::string>();
    }
  }
  return a;
}

}  // namespace walrelay::worker
