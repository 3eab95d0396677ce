#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "runtime/metrics.h"
#include "runtime/sink_task.h"
#include "worker/task_producer.h"
#include "worker/unit_runner.h"

namespace walrelay::worker {

// A sink task's consumer settings: librdkafka properties, and Java's max.poll.records (the most
// messages one poll hands over; 500 unless set), which librdkafka has no property for.
struct SinkConsumerSettings {
  std::map<std::string, std::string> properties;
  int max_poll_records = 500;
};

// What a worker gives its sink tasks.
struct SinkTaskContext {
  // The settings of the task's consumer, and the librdkafka properties of its dead letter queue
  // producer. kInvalidArgument naming a bad property (the task fails with it).
  std::function<Result<SinkConsumerSettings>(const UnitPlan&)> consumer_client;
  std::function<Result<std::map<std::string, std::string>>(const UnitPlan&)> producer_client;
  std::map<std::string, std::string> worker_converters;  // as SourceTaskContext's
  // Creates the dead letter queue topic: the worker's admin client, or the connector's own when
  // it sets admin.override.* (`connector_admin` opens it; nullptr when it sets none).
  TopicAdmin* admin = nullptr;
  std::function<Result<std::unique_ptr<TopicAdmin>>(const UnitPlan&)> connector_admin;
  runtime::MetricsRegistry* metrics = nullptr;
};

// Kafka Connect's dead letter queue reporter over a producer: each message is sent and
// acknowledged before the task goes on (a DLQ message is rare; losing one would lose the record).
class KafkaDeadLetterQueue : public runtime::DeadLetterQueue {
 public:
  KafkaDeadLetterQueue(std::string topic, std::unique_ptr<ProducerPort> producer)
      : topic_(std::move(topic)), producer_(std::move(producer)) {}
  Status Send(const runtime::ConsumedMessage& original,
              const runtime::DeadLetterContext& context) override;

 private:
  std::string topic_;
  std::unique_ptr<ProducerPort> producer_;
  uint64_t next_token_ = 1;
};

// A JDBC sink task in a worker: consumes as group connect-<connector> and applies exactly once
// through JdbcSink with its positions in the destination (runtime::SinkTask).
class SinkTaskRunner : public UnitRunner {
 public:
  SinkTaskRunner(UnitPlan plan, StatusListener listener, const StopSource* worker_stop,
                 const SinkTaskContext* context)
      : UnitRunner(std::move(plan), std::move(listener), worker_stop), context_(context) {}

 protected:
  Status Body(const StopSource& stop) override;

 private:
  const SinkTaskContext* context_;
};

}  // namespace walrelay::worker
