#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace walrelay::runtime {

// A Prometheus histogram with fixed buckets, updated lock-free by one thread and read by another.
class Histogram {
 public:
  // Upper bounds, in the unit observed (seconds for latencies, records for batch sizes).
  explicit Histogram(std::vector<double> bounds);
  void Observe(double value);
  // Appends `name_bucket{labels,le="..."}`, `name_sum` and `name_count` lines.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<int64_t>[]> counts_;  // one per bound, plus +Inf
  std::atomic<int64_t> count_{0};
  std::atomic<double> sum_{0};
};

// What one connector task reports, written by the task's thread, read by `GET /metrics`.
struct TaskMetrics {
  TaskMetrics(std::string connector, int task);

  const std::string connector;
  const int task;
  std::atomic<int64_t> records_in{0};   // read from the source or consumed from Kafka
  std::atomic<int64_t> records_out{0};  // produced to Kafka or applied to the destination
  std::atomic<int64_t> errors{0};       // records a stage failed on
  std::atomic<int64_t> dlq_records{0};  // records sent to the dead letter queue
  std::atomic<int64_t> lag_bytes{0};    // source: server WAL end - confirmed LSN
  std::atomic<int64_t> lag_ms{0};       // source: now - commit time of the newest change read;
                                        // sink: now - Kafka timestamp of the newest applied
  std::atomic<int64_t> lag_records{0};  // sink: messages behind the end of its partitions
  std::atomic<uint64_t> confirmed_lsn{0};
  Histogram produce_latency;  // seconds from produce to acknowledgement
  Histogram batch_size;       // records per poll or per destination transaction
};

// The metrics of a process: its tasks' and the worker's own, rendered in Prometheus' text
// exposition format (version 0.0.4). Thread-safe.
class MetricsRegistry {
 public:
  // A task's metrics; kept until Remove (a task that stops and starts again continues its
  // counters, as Prometheus expects of a counter).
  std::shared_ptr<TaskMetrics> Task(const std::string& connector, int task);
  void Remove(const std::string& connector);
  std::atomic<int64_t>& rebalances() { return rebalances_; }
  std::string Render() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<TaskMetrics>> tasks_;
  std::atomic<int64_t> rebalances_{0};
};

}  // namespace walrelay::runtime
