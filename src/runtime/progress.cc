#include "runtime/progress.h"

#include <unistd.h>

#include <cstdio>

#include "common/log.h"

namespace walrelay::runtime {

Progress::Progress(std::string name, std::chrono::milliseconds interval)
    : name_(std::move(name)),
      interval_(interval),
      tty_(::isatty(STDERR_FILENO) == 1),
      last_(std::chrono::steady_clock::now()) {}

void Progress::Maybe(Lsn server, Lsn confirmed, bool idle) {
  auto now = std::chrono::steady_clock::now();
  auto elapsed = now - last_;
  if (elapsed < interval_) return;
  double secs = std::chrono::duration<double>(elapsed).count();
  int64_t lag_bytes =
      server > confirmed ? static_cast<int64_t>(server.value() - confirmed.value()) : 0;
  int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  std::string lag_ms = "-";
  if (idle) {
    lag_ms = "0";
  } else if (last_commit_ts_ms_ > 0) {
    lag_ms = std::to_string(now_ms > last_commit_ts_ms_ ? now_ms - last_commit_ts_ms_ : 0);
  }
  char line[256];
  std::snprintf(
      line, sizeof(line),
      "in %.0f rec/s, out %.0f rec/s, lag %lld bytes / %s ms, confirmed %s, total in %lld out %lld",
      static_cast<double>(in_ - last_in_) / secs, static_cast<double>(out_ - last_out_) / secs,
      static_cast<long long>(lag_bytes), lag_ms.c_str(), confirmed.ToString().c_str(),
      static_cast<long long>(in_), static_cast<long long>(out_));
  if (tty_) {
    std::fprintf(stderr, "\r\033[K[%s] %s", name_.c_str(), line);
    std::fflush(stderr);
    live_ = true;
  } else {
    LogInfo(name_, line);
  }
  last_ = now;
  last_in_ = in_;
  last_out_ = out_;
}

void Progress::Finish() {
  if (live_) std::fputc('\n', stderr);
  live_ = false;
}

}  // namespace walrelay::runtime
