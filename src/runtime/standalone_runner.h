#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/stop.h"
#include "config/connector_config.h"

namespace walrelay::runtime {

struct RunOptions {
  int64_t max_records = -1;          // stop after this many records (-1: no limit)
  int64_t idle_exit_seconds = -1;    // stop after this long without a record (-1: never)
  const StopSource* stop = nullptr;  // requested by a signal handler to stop cleanly
};

// Exit status of a run stopped on request (a signal) while work was still in flight that had to
// be abandoned: a destination statement cancelled, a batch the destination never confirmed.
// Nothing is lost: the offsets stored are those of what was delivered, and a restart delivers the
// rest. A stop with nothing abandoned exits 0.
constexpr int kExitStoppedInFlight = 3;

// The composition root of standalone mode: one source connector, its transforms, and either
// stdout (JSON lines) or the sink connectors whose topics match. Runs on the calling thread until
// stopped, finished or failed. Returns the process exit status: 0 on a clean stop, 1 on a runtime
// failure, 2 on a configuration error, kExitStoppedInFlight on a stop that abandoned work in
// flight. A stop request is honoured within a second in every state (see docs/stopping.md).
int RunStandalone(const config::ConnectorConfig& source,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options);

}  // namespace walrelay::runtime
