#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/stop.h"
#include "worker/cluster_view.h"

namespace walrelay::worker {

// Kafka Connect's states of a connector or task, as the status topic and REST API name them.
enum class UnitState { kUnassigned, kRunning, kPaused, kStopped, kFailed, kRestarting };
const char* UnitStateName(UnitState state);

// Told of every state change of a unit this worker runs (the worker writes it to the status
// topic). Called from the unit's thread.
using StatusListener =
    std::function<void(const WorkUnit& unit, UnitState state, const std::string& trace)>;

// Runs one unit (a connector or a task) on a thread of its own and follows its target state:
// paused and stopped units release what they hold (a source task closes its replication stream,
// keeping its slot and confirming nothing new) and resume from their stored position.
//
// The thread runs Body() repeatedly: for each run it gets a fresh StopSource, requested on a
// pause, a stop or a restart (the worker stops every unit when it stops itself; a config change
// replaces the runner). Body returns Ok when stopped, or the failure that
// makes the unit FAILED (it stays FAILED, holding nothing, until restarted).
class UnitRunner {
 public:
  UnitRunner(UnitPlan plan, StatusListener listener, const StopSource* worker_stop);
  virtual ~UnitRunner();
  UnitRunner(const UnitRunner&) = delete;
  UnitRunner& operator=(const UnitRunner&) = delete;

  void Start();
  // Follows a new target state (pause / resume).
  void SetTarget(TargetState target);
  // Restarts the unit (a FAILED one too), as POST .../restart does.
  void Restart();
  // Stops the unit and waits for its thread.
  void Stop();
  const UnitPlan& plan() const { return plan_; }
  UnitState state() const;
  std::string trace() const;

 protected:
  // One run of the unit, until `stop` is requested (return Ok) or it fails.
  virtual Status Body(const StopSource& stop) = 0;
  // Reports RUNNING (a body calls it once it has started).
  void Running();
  const std::string& name() const { return name_; }

 private:
  void Loop();
  void Report(UnitState state, const std::string& trace);

  const UnitPlan plan_;
  const std::string name_;
  StatusListener listener_;
  const StopSource* worker_stop_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  TargetState target_;
  bool restart_ = false;
  bool stopping_ = false;
  UnitState state_ = UnitState::kUnassigned;
  std::string trace_;
  std::unique_ptr<StopSource> run_stop_;  // the current run's
  std::thread thread_;
};

// A connector unit: walrelay's connectors have no work of their own (the leader derives their
// task configs), so it checks the config and reports the connector's state: RUNNING, PAUSED,
// STOPPED, or FAILED naming a config problem.
class ConnectorRunner : public UnitRunner {
 public:
  using UnitRunner::UnitRunner;

 protected:
  Status Body(const StopSource& stop) override;
};

}  // namespace walrelay::worker
