#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/stop.h"
#include "config/connector_config.h"
#include "runtime/metrics.h"

namespace walrelay::runtime {

struct RunOptions {
  int64_t max_records = -1;          // stop after this many records (-1: no limit)
  int64_t idle_exit_seconds = -1;    // stop after this long without a record (-1: never)
  const StopSource* stop = nullptr;  // requested by a signal handler to stop cleanly

  // For a herder running the pipeline (runtime/standalone_herder.h); all optional.
  //
  // Sinks left out of the run (paused or stopped), which must not lose what the source sends
  // meanwhile: their destinations' positions are read at start, the source starts from the
  // oldest position of every sink, these included, and the slot is never confirmed past the
  // oldest held position (not at all while a held destination holds none). Resumed, such a
  // sink catches up from its own position. Only beside at least one sink that runs.
  std::vector<config::ConnectorConfig> held_sinks;
  // True at the end of the run when it ends to be restarted or paused: the slot is kept even
  // with slot.drop.on.stop (Kafka Connect pauses without stopping the task).
  const std::atomic<bool>* keep_slot = nullptr;
  // Called on the run's thread the first time the run sees a topic, for the connector that used
  // it: the source (topics after its transforms) and each sink the topic is routed to.
  std::function<void(const std::string& connector, const std::string& topic)> on_topic;
  // The source task's counters for GET /metrics (may be null).
  std::shared_ptr<TaskMetrics> metrics;
};

// Why a run failed: the connector it was about and the message logged.
struct RunFailure {
  std::string connector;
  std::string message;
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
// When `failure` is given, a run that fails (exit 1 or 2) says why there too.
int RunStandalone(const config::ConnectorConfig& source,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options,
                  RunFailure* failure = nullptr);

// Where a source connector without sinks keeps its offset: offset.storage.file.filename, default
// walrelay-offsets/<name>.offset.
std::string OffsetFilePath(const config::ConnectorConfig& source);

// The checks `walrelay run` makes of a sink connector beyond its definition: no dead letter
// queue (there is no Kafka to write it to). kInvalidArgument naming the property.
Status CheckInProcessSink(const config::ConnectorConfig& sink);

}  // namespace walrelay::runtime
