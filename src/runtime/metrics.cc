#include "runtime/metrics.h"

#include <algorithm>
#include <charconv>
#include <tuple>

namespace walrelay::runtime {
namespace {

// The shortest text that reads back as `v`.
std::string Number(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// A label value escaped as the exposition format asks: backslash, quote and newline.
std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<int64_t>[bounds_.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double value) {
  size_t i = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) -
                                 bounds_.begin());
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
  double sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  int64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i].load(std::memory_order_relaxed);
    std::string le = i < bounds_.size() ? Number(bounds_[i]) : "+Inf";
    *out += name + "_bucket{" + labels + ",le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum{" + labels + "} " + Number(sum_.load(std::memory_order_relaxed)) + "\n";
  *out += name + "_count{" + labels + "} " +
          std::to_string(count_.load(std::memory_order_relaxed)) + "\n";
}

TaskMetrics::TaskMetrics(std::string connector_name, int task_id)
    : connector(std::move(connector_name)),
      task(task_id),
      produce_latency({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      batch_size({1, 10, 100, 256, 1000, 2048, 10000, 20000, 100000}) {}

std::shared_ptr<TaskMetrics> MetricsRegistry::Task(const std::string& connector, int task) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& t : tasks_) {
    if (t->connector == connector && t->task == task) return t;
  }
  tasks_.push_back(std::make_shared<TaskMetrics>(connector, task));
  return tasks_.back();
}

void MetricsRegistry::Remove(const std::string& connector) {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(tasks_, [&](const auto& t) { return t->connector == connector; });
}

std::string MetricsRegistry::Render() const {
  std::vector<std::shared_ptr<TaskMetrics>> tasks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    tasks = tasks_;
  }
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) {
    return std::tie(a->connector, a->task) < std::tie(b->connector, b->task);
  });
  auto labels = [](const TaskMetrics& t) {
    return "connector=\"" + Escape(t.connector) + "\",task=\"" + std::to_string(t.task) + "\"";
  };
  std::string out;
  struct Scalar {
    const char* name;
    const char* type;
    const char* help;
    int64_t (*get)(const TaskMetrics&);
  };
  const Scalar scalars[] = {
      {"walrelay_task_records_in_total", "counter",
       "Records read from the source database or consumed from Kafka.",
       [](const TaskMetrics& t) { return t.records_in.load(); }},
      {"walrelay_task_records_out_total", "counter",
       "Records produced to Kafka or applied to the destination.",
       [](const TaskMetrics& t) { return t.records_out.load(); }},
      {"walrelay_task_errors_total", "counter", "Records a transform, converter or sink failed on.",
       [](const TaskMetrics& t) { return t.errors.load(); }},
      {"walrelay_task_dlq_records_total", "counter", "Records sent to the dead letter queue.",
       [](const TaskMetrics& t) { return t.dlq_records.load(); }},
      {"walrelay_task_lag_bytes", "gauge",
       "Source: bytes of WAL between the server's end and the confirmed position.",
       [](const TaskMetrics& t) { return t.lag_bytes.load(); }},
      {"walrelay_task_lag_milliseconds", "gauge",
       "Milliseconds between now and the newest change handled: a source's commit time of the "
       "newest change read, a sink's Kafka timestamp of the newest record applied (0 when idle).",
       [](const TaskMetrics& t) { return t.lag_ms.load(); }},
      {"walrelay_task_lag_records", "gauge",
       "Sink: messages between the consumer's position and the end of its partitions.",
       [](const TaskMetrics& t) { return t.lag_records.load(); }},
      {"walrelay_task_confirmed_lsn", "gauge",
       "Source: the LSN confirmed to the replication slot, as a number.",
       [](const TaskMetrics& t) { return static_cast<int64_t>(t.confirmed_lsn.load()); }},
  };
  for (const Scalar& s : scalars) {
    Header(&out, s.name, s.type, s.help);
    for (const auto& t : tasks) {
      out += std::string(s.name) + "{" + labels(*t) + "} " + std::to_string(s.get(*t)) + "\n";
    }
  }
  Header(&out, "walrelay_task_produce_latency_seconds", "histogram",
         "Seconds from handing a record to the Kafka producer to its acknowledgement.");
  for (const auto& t : tasks) {
    t->produce_latency.Render("walrelay_task_produce_latency_seconds", labels(*t), &out);
  }
  Header(&out, "walrelay_task_batch_records", "histogram",
         "Records per source poll or per destination transaction.");
  for (const auto& t : tasks) t->batch_size.Render("walrelay_task_batch_records", labels(*t), &out);
  Header(&out, "walrelay_worker_rebalances_total", "counter",
         "Assignments this worker followed (rebalances of its cluster).");
  out += "walrelay_worker_rebalances_total " + std::to_string(rebalances_.load()) + "\n";
  return out;
}

}  // namespace walrelay::runtime
