#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "data/record.h"
#include "sink/jdbc_sink.h"
#include "source/source_offset.h"
#include "transforms/transform.h"

namespace walrelay::runtime {

// One sink connector of a standalone run: its writer, its own transforms, and the source position
// its destination held at start.
struct SinkRun {
  std::string name;
  std::unique_ptr<sink::JdbcSink> sink;
  transforms::TransformChain chain;
  std::optional<source::SourceOffset> position;
  int64_t applied = 0;
};

// What one sink applies of a batch: the records routed to it (copies when it transforms them and
// another sink follows), turned into rows.
struct SinkPart {
  std::vector<data::Record> copies;
  size_t records = 0;  // routed to this sink
  sink::JdbcSink::PreparedBatch rows;
  // Per row: the index of its record in the batch's records, or in `copies` for a sink that
  // transforms copies. Rows are prepared while the batch still grows, so the rows' record pointers
  // are set from these only when the batch is handed over.
  std::vector<uint32_t> origin;
};

// A group of whole source transactions and the source offset right after them.
struct SinkBatch {
  std::vector<data::Record> records;
  source::SourceOffset offset;
  std::vector<SinkPart> parts;  // one per sink, filled by SinkApplier::Stage and Submit
  size_t staged = 0;            // records[0, staged) are in the parts already
  bool started = false;         // parts are set up for this batch
};

// Applies batches to every sink on a thread of its own, so the source thread decodes the next
// batch while the destination commits this one. Submit routes and transforms a batch's records
// per sink and turns them into rows on the calling thread, while the previous batch is still
// being applied. One batch at a time is applied; Submit then blocks until the previous one is
// done (backpressure). Each batch goes to each sink in one destination
// transaction with the batch's offset; only after every sink committed does the batch's offset
// become Committed(), which the source thread then confirms to the slot.
//
// Applied records go back to the source thread (ReleaseApplied) to be destroyed there: they were
// allocated there, and freeing memory on the thread that allocated it is much cheaper for malloc
// (and lets the source thread reuse it right away).
//
// Thread-safety: Submit, TakeCommitted, ReleaseApplied, Drain, error and counters are called from
// the source thread; the sinks are used only by the applier thread after construction.
class SinkApplier {
 public:
  // `stop` (may be null) interrupts the retries of a batch and, through the sinks' connections
  // (see JdbcSink::SetInterrupt), a statement still running after the grace period: the batch
  // then fails with kStopped and its offset is never committed.
  SinkApplier(std::vector<SinkRun> sinks, std::string partition, const StopSource* stop);
  ~SinkApplier();
  SinkApplier(const SinkApplier&) = delete;
  SinkApplier& operator=(const SinkApplier&) = delete;

  // Routes, transforms and turns into rows, for every sink, the records added to `batch` since
  // the last call, then frees their values (the rows hold copies). Called after each poll, it
  // does this while the records are still in the CPU's caches, and memory is reused at once
  // (measured: see docs/performance.md). Fails with a record no sink can turn into a row
  // (kDataError naming the sink).
  Status Stage(SinkBatch& batch);
  // Stages what is left of a batch, then hands it over; waits while the previous one is still
  // being applied. Fails with the applier's error, or as Stage.
  Status Submit(SinkBatch batch);
  // The newest offset every sink has committed since the last call, if any.
  std::optional<source::SourceOffset> TakeCommitted();
  // Destroys, on the calling thread, the records of batches applied since the last call. Call it
  // often (each poll), or applied batches pile up in memory.
  void ReleaseApplied();
  // An empty record vector with the capacity of an applied batch's, when one is spare: the next
  // batch reuses its memory, which is then already mapped (fresh pages cost a fault each).
  std::vector<data::Record> SpareRecords();
  // Waits until every submitted batch is applied (or failed).
  Status Drain();
  Status error();
  // Records written downstream so far (all sinks), and the newest commit time applied.
  int64_t records_out() const { return records_out_.load(); }
  int64_t last_commit_ts_ms() const { return last_commit_ts_ms_.load(); }
  const std::vector<SinkRun>& sinks() const { return sinks_; }

 private:
  void Loop();
  Status Apply(SinkBatch& batch);
  Status ApplyWithRetry(SinkRun* s, const SinkPart& part, const std::string& position);

  std::vector<SinkRun> sinks_;
  const std::string partition_;
  const StopSource* stop_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::optional<SinkBatch> queued_;
  bool busy_ = false;
  bool shutdown_ = false;
  Status error_;
  std::optional<source::SourceOffset> committed_;
  std::vector<SinkBatch> applied_;  // applied batches: records to destroy, parts to reuse
  std::vector<std::vector<SinkPart>> spare_parts_;  // source thread only
  std::vector<data::Record> spare_records_;         // source thread only
  std::atomic<int64_t> records_out_{0};
  std::atomic<int64_t> last_commit_ts_ms_{0};
  std::thread thread_;
};

}  // namespace walrelay::runtime
