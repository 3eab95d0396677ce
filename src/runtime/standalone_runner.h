#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "config/connector_config.h"

namespace walrelay::runtime {

struct RunOptions {
  int64_t max_records = -1;                 // stop after this many records (-1: no limit)
  int64_t idle_exit_seconds = -1;           // stop after this long without a record (-1: never)
  const std::atomic<bool>* stop = nullptr;  // set by a signal handler to stop cleanly
};

// The composition root of standalone mode: one source connector, its transforms, and either
// stdout (JSON lines) or the sink connectors whose topics match. Runs on the calling thread until
// stopped, finished or failed. Returns the process exit status: 0 on a clean stop, 1 on a runtime
// failure, 2 on a configuration error.
int RunStandalone(const config::ConnectorConfig& source,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options);

}  // namespace walrelay::runtime
