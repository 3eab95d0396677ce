#include "common/stop.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <limits>

namespace walrelay {

StopSource::StopSource() { fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK); }

StopSource::~StopSource() {
  if (fd_ >= 0) ::close(fd_);
}

void StopSource::RequestStop() noexcept {
  if (requested_.exchange(true, std::memory_order_acq_rel)) return;
  requested_at_ns_.store(Clock::now().time_since_epoch().count(), std::memory_order_release);
  if (fd_ >= 0) {
    // Never read back: the counter stays non-zero, so the fd stays readable for every waiter.
    const uint64_t one = 1;
    ssize_t n = ::write(fd_, &one, sizeof one);
    (void)n;
  }
}

StopSource::Clock::duration StopSource::StoppedFor() const {
  if (!stop_requested()) return Clock::duration::zero();
  const int64_t at = requested_at_ns_.load(std::memory_order_acquire);
  if (at == 0) return Clock::duration::zero();  // RequestStop is between its two stores
  return Clock::now() - Clock::time_point(Clock::duration(at));
}

bool StopSource::WaitUntil(Clock::time_point deadline) const {
  while (!stop_requested()) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return true;
    int wait_ms = static_cast<int>(std::min<int64_t>(left, std::numeric_limits<int>::max()));
    if (fd_ < 0) {
      ::usleep(static_cast<useconds_t>(std::min(wait_ms, 50)) * 1000);
      continue;
    }
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, wait_ms) < 0 && errno != EINTR) {
      ::usleep(static_cast<useconds_t>(std::min(wait_ms, 50)) * 1000);
    }
  }
  return false;
}

void WaitForEither(const StopSource& a, const StopSource& b) {
  pollfd fds[2] = {{a.fd(), POLLIN, 0}, {b.fd(), POLLIN, 0}};
  while (!a.stop_requested() && !b.stop_requested()) {
    if (a.fd() < 0 || b.fd() < 0) {
      a.WaitFor(std::chrono::milliseconds(50));
    } else {
      (void)::poll(fds, 2, 1000);
    }
  }
}

}  // namespace walrelay
