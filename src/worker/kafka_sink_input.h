#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/sink_task.h"

namespace walrelay::worker {

// A sink task's consumer: the consumer group connect-<connector> subscribed to the connector's
// `topics` (or `topics.regex`), with the cooperative sticky assignor (partitions move one at a
// time between the connector's tasks), no auto commit, no auto offset store.
class KafkaSinkInput : public runtime::SinkInput {
 public:
  // `client`: librdkafka properties (the worker's consumer settings with the connector's
  // consumer.override.* over them). `max_poll_records` (Java's max.poll.records): the most
  // messages one Poll hands over. kInvalidArgument for neither or both of topics /
  // topics.regex, or a bad property.
  static Result<std::unique_ptr<KafkaSinkInput>> Open(
      std::map<std::string, std::string> client, const std::string& connector,
      const std::map<std::string, std::string>& config, int max_poll_records = 500);
  ~KafkaSinkInput() override;

  // Hands over at most max.poll.records messages, as Java's consumer does: the rest stay in
  // librdkafka's prefetch queue, which is bounded, instead of being copied out all at once.
  Status Poll(std::chrono::milliseconds timeout, const StopSource* stop,
              std::vector<runtime::SinkInputItem>* out) override;
  Status Seek(const runtime::KafkaTopicPartition& tp, int64_t offset) override;
  void CommitHint(const std::map<runtime::KafkaTopicPartition, int64_t>& next_offsets) override;
  // The high watermarks of the last fetches minus the consumer's positions, summed over its
  // assignment (partitions without both yet are left out).
  std::optional<int64_t> RecordsBehind() override;

 private:
  KafkaSinkInput() = default;
  // Whether `tp` is in the consumer's assignment now (true when librdkafka cannot say).
  bool Assigned(const runtime::KafkaTopicPartition& tp);
  static void OnRebalanceCallback(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                  rd_kafka_topic_partition_list_t* parts, void* opaque);
  void OnRebalance(int err, rd_kafka_topic_partition_list_t* parts);

  rd_kafka_t* rk_ = nullptr;
  std::string group_;
  int max_poll_records_ = 500;
  std::vector<runtime::SinkInputItem> events_;  // assignment events from the rebalance callback
  // Partitions sought since the last poll: fetched messages before the seek are dropped.
  std::map<runtime::KafkaTopicPartition, int64_t> sought_;
};

}  // namespace walrelay::worker
