#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/stop.h"
#include "data/record.h"
#include "runtime/error_handler.h"
#include "runtime/metrics.h"
#include "source/postgres_source.h"
#include "source/source_offset.h"
#include "transforms/transform.h"

namespace walrelay::runtime {

// Where a source task's records go after its transforms, and how they become durable there: the
// seam between the source-task driver (RunSourceTask) and a destination that serializes records
// (stdout with an offset file in standalone mode, a Kafka producer with the offset topic in a
// worker). Sinks in process do not use it: they stage rows as records arrive (see SinkApplier).
//
// Protocol, from the driver's one thread: Send records; Mark(offset) after a record that ends a
// source transaction (or when Full), saying that everything sent so far ends at `offset`;
// TakeDurable returns the newest marked offset whose records are all delivered and whose offset
// is stored, which the driver then confirms to the source (the slot). Drain at the end.
class SourceDelivery {
 public:
  virtual ~SourceDelivery() = default;
  // Hands one record over (serialized at once; delivery may be asynchronous). When the record
  // cannot be serialized, sends nothing, sets `*stage` ("key converter", "value converter",
  // "header converter") and returns its kDataError for the error policy to judge; any other
  // failure stops the task.
  virtual Status Send(const data::Record& record, std::string_view* stage) = 0;
  // Everything sent so far ends at `offset` (an offset at a source transaction boundary, or in
  // the middle of one when the buffer is full: it is stored, never confirmed to the slot until
  // the transaction's end is durable too).
  virtual Status Mark(const source::SourceOffset& offset) = 0;
  // Whether buffered data should be marked now, before the transaction ends.
  virtual bool Full() const = 0;
  // The newest offset marked since the last call whose records are delivered and stored.
  virtual Result<std::optional<source::SourceOffset>> TakeDurable() = 0;
  // Makes everything marked durable, waiting as long as it takes or until the stop request
  // (then kStopped: what was not confirmed is delivered again after a restart).
  virtual Status Drain() = 0;
};

struct SourceTaskOptions {
  int64_t max_records = -1;          // stop after this many records (-1: no limit)
  int64_t idle_exit_seconds = -1;    // stop after this long without a data change (-1: never)
  const StopSource* stop = nullptr;  // ends the task cleanly
  std::chrono::milliseconds poll_wait{500};
  // The task's metrics (GET /metrics): records read, batch sizes, failures, lag and the
  // confirmed LSN are kept current here; records out are counted by the delivery. May be null.
  std::shared_ptr<TaskMetrics> metrics;
};

struct SourceTaskStats {
  int64_t records = 0;  // records read from the source and handled (delivered or skipped)
};

// Starts `source` from `offset`, retrying transient failures (server not up yet, slot busy by
// another reader) per its errors.max.retries, with backoff up to
// retriable.restart.connector.wait.ms. kStopped when `stop` is requested first.
Status StartSourceWithRetry(source::PostgresSource* source,
                            const std::optional<source::SourceOffset>& offset,
                            const StopSource* stop);

// Drives a started source: polls it, applies the connector's transforms, hands records to
// `delivery` with the error policy applied to transform and converter failures, marks source
// transaction boundaries, and confirms to the source what became durable. Runs on the calling
// thread until stopped (Ok), the source finished (Ok), max_records or idle_exit_seconds were
// reached (Ok), or a failure (the failure; kStopped when stopped with work in flight that was
// abandoned). Leaves the source running: the caller stops it.
Status RunSourceTask(const std::string& name, source::PostgresSource* source,
                     transforms::TransformChain* chain, ErrorHandler* errors,
                     SourceDelivery* delivery, const SourceTaskOptions& options,
                     SourceTaskStats* stats);

}  // namespace walrelay::runtime
