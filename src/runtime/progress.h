#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/lsn.h"

namespace walrelay::runtime {

// One status line per connector every interval on stderr: records/s in and out, lag in bytes and
// milliseconds, confirmed LSN. On a terminal the line is rewritten in place; otherwise it is a log
// line. Owned by the runtime loop's thread.
class Progress {
 public:
  Progress(std::string name, std::chrono::milliseconds interval);

  void CountIn(int64_t n) { in_ += n; }
  void CountOut(int64_t n) { out_ += n; }
  // Commit time of the newest transaction applied downstream (ms since the epoch).
  void Applied(int64_t commit_ts_ms) {
    if (commit_ts_ms > last_commit_ts_ms_) last_commit_ts_ms_ = commit_ts_ms;
  }
  // Prints when the interval has passed. `server` is the source server's latest position.
  void Maybe(Lsn server, Lsn confirmed, bool idle);
  // Ends a live line with a newline.
  void Finish();

 private:
  std::string name_;
  std::chrono::milliseconds interval_;
  bool tty_;
  bool live_ = false;
  std::chrono::steady_clock::time_point last_;
  int64_t in_ = 0, out_ = 0, last_in_ = 0, last_out_ = 0;
  int64_t last_commit_ts_ms_ = 0;
};

}  // namespace walrelay::runtime
