#include "runtime/source_task.h"

#include <algorithm>
#include <vector>

#include "common/log.h"
#include "common/retry.h"
#include "runtime/progress.h"

namespace walrelay::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Whether a batch holds data changes (heartbeats alone do not end an idle wait).
bool HasChanges(const std::vector<data::Record>& batch) {
  for (const auto& r : batch) {
    if (r.position.snapshot || r.position.tx_lsn.valid()) return true;
  }
  return false;
}

bool Stopping(const SourceTaskOptions& o) { return o.stop != nullptr && o.stop->stop_requested(); }

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The gauges of `metrics` after a poll: WAL between the server's end and the confirmed
// position, the confirmed LSN, and how old the newest change handed over is (0 when idle: the
// source has caught up).
void UpdateGauges(TaskMetrics* metrics, source::PostgresSource* source, int64_t last_commit_ts_ms,
                  bool idle) {
  const Lsn server = source->server_position();
  const Lsn confirmed = source->confirmed_position();
  metrics->lag_bytes.store(
      server > confirmed ? static_cast<int64_t>(server.value() - confirmed.value()) : 0,
      std::memory_order_relaxed);
  metrics->confirmed_lsn.store(confirmed.value(), std::memory_order_relaxed);
  int64_t lag_ms = 0;
  if (!idle && last_commit_ts_ms > 0) lag_ms = std::max<int64_t>(0, NowMs() - last_commit_ts_ms);
  metrics->lag_ms.store(lag_ms, std::memory_order_relaxed);
}

}  // namespace

Status StartSourceWithRetry(source::PostgresSource* source,
                            const std::optional<source::SourceOffset>& offset,
                            const StopSource* stop) {
  const auto& cfg = source->config();
  Backoff backoff(RetryPolicy{std::chrono::milliseconds(200),
                              std::chrono::milliseconds(cfg.retry_max_wait_ms), cfg.max_retries},
                  stop);
  return RetryTransient(
      backoff, [&] { return source->Start(offset); },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(cfg.name, "cannot start: " + last.message() + "; retrying in " +
                              std::to_string(pause.count()) + " ms (attempt " +
                              std::to_string(failures) + ")");
      });
}

Status RunSourceTask(const std::string& name, source::PostgresSource* source,
                     transforms::TransformChain* chain, ErrorHandler* errors,
                     SourceDelivery* delivery, const SourceTaskOptions& options,
                     SourceTaskStats* stats) {
  Progress progress(name, std::chrono::seconds(5));
  TaskMetrics* metrics = options.metrics.get();
  int64_t last_commit_ts_ms = 0;
  std::vector<data::Record> batch;
  auto last_record = Clock::now();
  Status result;
  bool done = false;
  // The offset of everything handed over so far; between batches it equals the source's own.
  source::SourceOffset running = source->CurrentOffset();
  auto confirm = [&]() -> Status {
    WR_ASSIGN_OR_RETURN(auto durable, delivery->TakeDurable());
    if (durable) source->Commit(*durable);
    return Status::Ok();
  };
  while (!done && !Stopping(options)) {
    batch.clear();
    bool finished = false;
    Status s = source->Poll(&batch, options.poll_wait, &finished);
    // Stopped while reconnecting: everything handed over is drained below.
    if (s.kind() == ErrorKind::kStopped) break;
    if (!s.ok()) {
      result = s;
      break;
    }
    progress.CountIn(static_cast<int64_t>(batch.size()));
    if (metrics != nullptr && !batch.empty()) {
      metrics->records_in.fetch_add(static_cast<int64_t>(batch.size()), std::memory_order_relaxed);
      metrics->batch_size.Observe(static_cast<double>(batch.size()));
    }
    bool stopped_inside = false;
    Status ds;
    for (size_t i = 0; i < batch.size() && ds.ok(); ++i) {
      data::Record& rec = batch[i];
      bool keep = true;
      ds = chain->Apply(&rec, &keep);
      if (!ds.ok()) {
        if (metrics != nullptr) metrics->errors.fetch_add(1, std::memory_order_relaxed);
        ds = errors->Handle("transform", rec, ds);
        keep = false;
      } else if (keep) {
        std::string_view stage;
        ds = delivery->Send(rec, &stage);
        if (!ds.ok() && !stage.empty()) {
          if (metrics != nullptr) metrics->errors.fetch_add(1, std::memory_order_relaxed);
          ds = errors->Handle(stage, rec, ds);
          keep = false;
        }
      }
      if (!ds.ok()) break;
      if (keep) progress.CountOut(1);
      progress.Applied(rec.position.commit_ts_ms);
      last_commit_ts_ms = std::max(last_commit_ts_ms, rec.position.commit_ts_ms);
      running.Advance(rec.position);
      ++stats->records;
      if (options.max_records >= 0 && stats->records >= options.max_records) {
        stopped_inside = i + 1 < batch.size();
        done = true;
        break;
      }
      if (rec.position.last_in_transaction || delivery->Full()) ds = delivery->Mark(running);
    }
    // After a whole batch the source's own offset also covers keepalives and skipped changes.
    if (!stopped_inside && ds.ok()) running = source->CurrentOffset();
    if (ds.ok()) ds = delivery->Mark(running);
    if (ds.ok()) ds = confirm();
    if (!ds.ok()) {
      result = ds;
      break;
    }
    progress.Maybe(source->server_position(), source->confirmed_position(), batch.empty());
    if (metrics != nullptr) UpdateGauges(metrics, source, last_commit_ts_ms, batch.empty());
    if (HasChanges(batch)) last_record = Clock::now();
    if (finished) done = true;
    if (options.idle_exit_seconds >= 0 &&
        Clock::now() - last_record >= std::chrono::seconds(options.idle_exit_seconds)) {
      LogInfo(name, "idle for " + std::to_string(options.idle_exit_seconds) + " s: stopping");
      done = true;
    }
  }
  // Whatever was handed over becomes durable (or the stop abandons it) before the last
  // confirmation.
  Status drained = delivery->Drain();
  if (result.ok() && !drained.ok()) result = drained;
  if (drained.ok()) {
    Status c = confirm();
    if (result.ok()) result = c;
  }
  progress.Finish();
  if (errors->skipped() > 0) {
    LogWarn(name, "skipped " + std::to_string(errors->skipped()) +
                      " record(s) a transform or converter failed on (errors.tolerance=all)");
  }
  return result;
}

}  // namespace walrelay::runtime
