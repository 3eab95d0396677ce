#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/metrics.h"
#include "source/source_offset.h"
#include "worker/kafka_delivery.h"
#include "worker/unit_runner.h"

namespace walrelay::worker {

// What a worker gives its source tasks: where offsets live and how they are written, a producer
// per task, and the worker's defaults.
struct SourceTaskContext {
  std::string offset_topic;
  // The offset record key of a connector's source partition, as Kafka Connect writes it:
  // ["<connector>",{"server":"<topic prefix>"}].
  std::function<std::string(const std::string& connector, const std::string& topic_prefix)>
      offset_key;
  // Debezium's PostgreSQL offset value <-> walrelay's SourceOffset.
  std::function<std::string(const source::SourceOffset&)> encode_offset;
  std::function<Result<source::SourceOffset>(std::string_view)> decode_offset;
  // The newest offset value stored under `key` (the offset topic read to its end); nullopt when
  // none or reset (a tombstone). `stop` (the task's) interrupts the read.
  std::function<Result<std::optional<std::string>>(const std::string& key, const StopSource* stop)>
      read_offset;
  // A producer for the task (transactional, with transactional.id
  // "<group.id>-<connector>-<task>", when exactly_once).
  std::function<Result<std::unique_ptr<ProducerPort>>(const UnitPlan& plan)> producer;
  // The worker's key.converter / value.converter settings (with their prefixed options): a
  // connector that sets neither role's class inherits them, as in Kafka Connect.
  std::map<std::string, std::string> worker_converters;
  std::chrono::milliseconds flush_interval{60000};  // offset.flush.interval.ms
  bool exactly_once = false;                        // exactly.once.source.support=enabled
  runtime::MetricsRegistry* metrics = nullptr;      // may be null
};

// The connector's properties with the worker's converter settings for each role the connector
// does not set itself.
std::map<std::string, std::string> WithWorkerConverters(
    std::map<std::string, std::string> props, const std::map<std::string, std::string>& worker);

// A PostgreSQL source task in a worker: resumes from the offset topic, streams through the
// connector's transforms and converters into Kafka (KafkaDelivery), and confirms to the slot what
// is durable there. A pause or stop closes the replication stream and keeps the slot.
class SourceTaskRunner : public UnitRunner {
 public:
  SourceTaskRunner(UnitPlan plan, StatusListener listener, const StopSource* worker_stop,
                   const SourceTaskContext* context)
      : UnitRunner(std::move(plan), std::move(listener), worker_stop), context_(context) {}

 protected:
  Status Body(const StopSource& stop) override;

 private:
  const SourceTaskContext* context_;
};

}  // namespace walrelay::worker
