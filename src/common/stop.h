#pragma once

#include <atomic>
#include <chrono>

namespace walrelay {

// A request to stop, shared by every thread of a run: the source thread, the sink applier and
// whatever waits on a server. RequestStop is async-signal-safe (an atomic store and a write to an
// eventfd), so a SIGTERM handler calls it directly. Whoever blocks waits on fd() next to its own
// socket, or in WaitUntil, and so wakes at once; nobody polls a flag in a sleep loop.
//
// Created once by the composition root (the CLI) and outlives every user; thread-safe.
class StopSource {
 public:
  using Clock = std::chrono::steady_clock;

  StopSource();
  ~StopSource();
  StopSource(const StopSource&) = delete;
  StopSource& operator=(const StopSource&) = delete;

  // Asks everything to stop. Idempotent; safe from a signal handler and any thread.
  void RequestStop() noexcept;
  bool stop_requested() const { return requested_.load(std::memory_order_acquire); }
  // How long ago the stop was requested (zero when it was not). The sink uses it to let a
  // statement that is nearly done finish before cancelling it.
  Clock::duration StoppedFor() const;

  // Readable (POLLIN) from the stop request on, forever; -1 if no eventfd could be created, in
  // which case waits fall back to steps of 50 ms.
  int fd() const { return fd_; }

  // Waits until `deadline` or the stop request, whichever comes first. Returns true when the
  // deadline was reached without a stop request.
  bool WaitUntil(Clock::time_point deadline) const;
  bool WaitFor(Clock::duration d) const { return WaitUntil(Clock::now() + d); }

 private:
  std::atomic<bool> requested_{false};
  std::atomic<int64_t> requested_at_ns_{0};  // steady clock, for StoppedFor
  int fd_ = -1;
};

// Waits until `a` or `b` is requested (for a thread that must end on either: the process's stop
// or its owner's).
void WaitForEither(const StopSource& a, const StopSource& b);

}  // namespace walrelay
