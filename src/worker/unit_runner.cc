#include "worker/unit_runner.h"

#include <vector>

#include "common/log.h"
#include "config/connector_config.h"
#include "config/postgres_connector_def.h"

namespace walrelay::worker {

const char* UnitStateName(UnitState state) {
  switch (state) {
    case UnitState::kUnassigned:
      return "UNASSIGNED";
    case UnitState::kRunning:
      return "RUNNING";
    case UnitState::kPaused:
      return "PAUSED";
    case UnitState::kStopped:
      return "STOPPED";
    case UnitState::kFailed:
      return "FAILED";
    case UnitState::kRestarting:
      return "RESTARTING";
  }
  return "UNASSIGNED";
}

UnitRunner::UnitRunner(UnitPlan plan, StatusListener listener, const StopSource* worker_stop)
    : plan_(std::move(plan)),
      name_(plan_.unit.ToString()),
      listener_(std::move(listener)),
      worker_stop_(worker_stop),
      target_(plan_.target) {}

UnitRunner::~UnitRunner() { Stop(); }

void UnitRunner::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void UnitRunner::SetTarget(TargetState target) {
  std::lock_guard<std::mutex> lock(mu_);
  if (target_ == target) return;
  target_ = target;
  if (run_stop_ != nullptr) run_stop_->RequestStop();
  cv_.notify_all();
}

void UnitRunner::Restart() {
  std::lock_guard<std::mutex> lock(mu_);
  restart_ = true;
  if (run_stop_ != nullptr) run_stop_->RequestStop();
  cv_.notify_all();
}

void UnitRunner::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (run_stop_ != nullptr) run_stop_->RequestStop();
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

UnitState UnitRunner::state() const {
  std::lock_guard<std::mutex> lock(mu_);
  return state_;
}

std::string UnitRunner::trace() const {
  std::lock_guard<std::mutex> lock(mu_);
  return trace_;
}

void UnitRunner::Running() { Report(UnitState::kRunning, ""); }

void UnitRunner::Report(UnitState state, const std::string& trace) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (state_ == state && trace_ == trace) return;
    state_ = state;
    trace_ = trace;
  }
  if (listener_) listener_(plan_.unit, state, trace);
}

void UnitRunner::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  bool failed = false;
  while (!stopping_ && (worker_stop_ == nullptr || !worker_stop_->stop_requested())) {
    if (restart_) {
      restart_ = false;
      failed = false;
    }
    if (failed || target_ != TargetState::kStarted) {
      if (!failed) {
        UnitState s = target_ == TargetState::kPaused ? UnitState::kPaused : UnitState::kStopped;
        lock.unlock();
        Report(s, "");
        lock.lock();
      }
      // Wakes on SetTarget / Restart / Stop, and now and then for the worker's stop.
      cv_.wait_for(lock, std::chrono::milliseconds(200));
      continue;
    }
    run_stop_ = std::make_unique<StopSource>();
    const StopSource& stop = *run_stop_;
    lock.unlock();
    Status s = Body(stop);
    if (!s.ok() && s.kind() != ErrorKind::kStopped) {
      LogError(name_, s.message());
      Report(UnitState::kFailed, s.message());
      failed = true;
    }
    lock.lock();
    run_stop_.reset();
  }
}

Status ConnectorRunner::Body(const StopSource& stop) {
  config::ConnectorConfig cfg{plan().unit.connector, "the config topic", plan().config};
  std::vector<std::string> warnings;
  WR_RETURN_IF_ERROR(config::ValidateConnector(cfg, &warnings, /*in_worker=*/true));
  for (const std::string& w : warnings) LogWarn(name(), w);
  Running();
  while (stop.WaitFor(std::chrono::hours(1))) {  // true: the hour passed, not the stop
  }
  return Status::Ok();
}

}  // namespace walrelay::worker
