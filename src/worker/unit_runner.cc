#include "worker/unit_runner.h"

#include <algorithm>
#include <chrono>
#include <vector>

#include "common/log.h"
#include "config/connector_config.h"
#include "config/postgres_connector_def.h"

namespace walrelay::worker {
namespace {

// A run that ends on a transient error (ErrorKind::kRetry: an aborted Kafka transaction, a
// record Kafka did not acknowledge, a topic not read to its end in time) starts again after a
// pause, from what is durable: a source task from its stored offset, a sink task from the
// destination's position. Kafka Connect fails the task; an operator's restart would do the same
// as this, later. Pauses of 0.5 s doubling to 30 s; a run that lasted kHealthyRun resets them;
// after kMaxRetries transient failures in a row the unit is FAILED.
constexpr std::chrono::milliseconds kFirstPause{500};
constexpr std::chrono::seconds kMaxPause{30};
constexpr std::chrono::seconds kHealthyRun{60};
constexpr int kMaxRetries = 10;

}  // namespace

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
  int retries = 0;  // transient failures in a row
  while (!stopping_ && (worker_stop_ == nullptr || !worker_stop_->stop_requested())) {
    if (restart_) {
      restart_ = false;
      failed = false;
      retries = 0;
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
    const auto started = std::chrono::steady_clock::now();
    Status s = Body(stop);
    if (std::chrono::steady_clock::now() - started >= kHealthyRun) retries = 0;
    if (!s.ok() && s.kind() == ErrorKind::kRetry && retries < kMaxRetries &&
        !stop.stop_requested()) {
      const auto pause =
          std::min<std::chrono::milliseconds>(kFirstPause * (1 << retries), kMaxPause);
      ++retries;
      LogWarn(name_, s.message() + "; starting again in " + std::to_string(pause.count()) +
                         " ms (transient failure " + std::to_string(retries) + " of at most " +
                         std::to_string(kMaxRetries) + " in a row)");
      lock.lock();
      run_stop_.reset();
      // SetTarget, Restart and Stop end the pause (the loop then does what they ask).
      cv_.wait_for(lock, pause, [&] {
        return stopping_ || restart_ || target_ != TargetState::kStarted ||
               (worker_stop_ != nullptr && worker_stop_->stop_requested());
      });
      continue;
    }
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
