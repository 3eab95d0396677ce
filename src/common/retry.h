#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "common/status.h"
#include "common/stop.h"

namespace walrelay {

// The time source and the sleeping of retry loops, behind an interface so unit tests run a
// backoff schedule without waiting. Implementations must be thread-safe.
class RetryClock {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~RetryClock() = default;
  virtual Clock::time_point Now() const = 0;
  // Waits `d`, returning early when `stop` (may be null) is requested. Returns true when the whole
  // wait elapsed without a stop request.
  virtual bool Wait(Clock::duration d, const StopSource* stop) const = 0;
};

// steady_clock, and StopSource::WaitFor (woken by the stop request, not polling). Stateless.
const RetryClock& SystemRetryClock();

// Whether retrying the same thing after a pause may succeed: kRetry and kReconnect.
inline bool IsTransient(const Status& s) {
  return s.kind() == ErrorKind::kRetry || s.kind() == ErrorKind::kReconnect;
}

// How often and how long to retry a transient failure: capped exponential backoff, `initial`
// doubling up to `max`, for `max_retries` retries after the first attempt (-1: forever, as
// Kafka Connect's errors.max.retries / Debezium's errors.max.retries = -1).
struct RetryPolicy {
  std::chrono::milliseconds initial{200};
  std::chrono::milliseconds max{10000};
  int64_t max_retries = -1;
};

// One retry loop's state over a RetryPolicy. Not thread-safe: owned by the loop that retries.
class Backoff {
 public:
  explicit Backoff(RetryPolicy policy, const StopSource* stop = nullptr,
                   const RetryClock* clock = &SystemRetryClock())
      : policy_(policy), stop_(stop), clock_(clock) {}

  // Counts a failed attempt and returns the pause before the next one, or nullopt when the
  // policy's retries are spent.
  std::optional<std::chrono::milliseconds> NextDelay();

  // After a failed attempt `last`: waits NextDelay() unless a stop is requested first. Returns ok
  // to try again; kStopped (naming `last`) when a stop came first or had already come; or `last`
  // prefixed with "giving up after N attempt(s)" when the retries are spent. `on_retry` is called
  // with the pause before waiting, for the caller's one log line.
  template <typename OnRetry>
  Status Pause(const Status& last, OnRetry&& on_retry) {
    if (stopped()) return StoppedError("stop requested (last error: " + last.message() + ")");
    auto delay = NextDelay();
    if (!delay) {
      return Status(last.kind(), "giving up after " + std::to_string(failures_) +
                                     " attempt(s): " + last.message());
    }
    on_retry(*delay);
    if (!clock_->Wait(*delay, stop_)) {
      return StoppedError("stop requested (last error: " + last.message() + ")");
    }
    return Status::Ok();
  }
  Status Pause(const Status& last) {
    return Pause(last, [](std::chrono::milliseconds) {});
  }

  // A success: the next failure starts the schedule over.
  void Reset() { failures_ = 0; }
  // Failed attempts since the last Reset.
  int64_t failures() const { return failures_; }
  bool stopped() const { return stop_ != nullptr && stop_->stop_requested(); }

 private:
  RetryPolicy policy_;
  const StopSource* stop_;
  const RetryClock* clock_;
  int64_t failures_ = 0;
};

// Runs `attempt` (returning Status) until it succeeds, fails with a non-transient error, the
// retries are spent, or a stop is requested (kStopped). The first attempt runs even after a stop
// request (a batch handed over just before the stop still gets its chance; an attempt that waits
// for a server watches the stop itself); only retries are skipped. `on_retry(last, failures,
// pause)` is called before each pause, to log it.
template <typename Attempt, typename OnRetry>
Status RetryTransient(Backoff& backoff, Attempt&& attempt, OnRetry&& on_retry) {
  for (;;) {
    Status s = attempt();
    if (s.ok()) {
      backoff.Reset();
      return s;
    }
    if (!IsTransient(s)) return s;
    WR_RETURN_IF_ERROR(backoff.Pause(
        s, [&](std::chrono::milliseconds pause) { on_retry(s, backoff.failures(), pause); }));
  }
}

}  // namespace walrelay
