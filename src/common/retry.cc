#include "common/retry.h"

#include <algorithm>

namespace walrelay {
namespace {

class SteadyRetryClock final : public RetryClock {
 public:
  Clock::time_point Now() const override { return Clock::now(); }
  bool Wait(Clock::duration d, const StopSource* stop) const override {
    if (stop != nullptr) return stop->WaitFor(d);
    // No stop source: nothing can interrupt the wait (tests and one-shot tools only).
    StopSource never;
    return never.WaitFor(d);
  }
};

}  // namespace

const RetryClock& SystemRetryClock() {
  static const SteadyRetryClock clock;
  return clock;
}

std::optional<std::chrono::milliseconds> Backoff::NextDelay() {
  ++failures_;
  if (policy_.max_retries >= 0 && failures_ > policy_.max_retries) return std::nullopt;
  // initial * 2^(failures-1), without overflowing, capped at max.
  const int shift = static_cast<int>(std::min<int64_t>(failures_ - 1, 20));
  const int64_t initial = std::max<int64_t>(policy_.initial.count(), 1);
  const int64_t grown = initial << shift;
  return std::chrono::milliseconds(
      std::min<int64_t>(grown, std::max<int64_t>(policy_.max.count(), 0)));
}

}  // namespace walrelay
