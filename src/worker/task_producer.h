#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "kafka/client.h"
#include "worker/kafka_delivery.h"
#include "worker/topic_admin.h"

namespace walrelay::worker {

// KIP-158's topic.creation.* settings of a source connector: the spec of a topic it writes to,
// from the first group (topic.creation.groups) whose include list matches and exclude list does
// not, else from "default". A connector without topic.creation.default.* settings gets the
// broker's defaults (what the broker's auto-creation, which the seed relies on, would give).
// kInvalidArgument naming a bad setting.
Result<TopicSpec> TopicCreationSpec(const std::map<std::string, std::string>& connector,
                                    const std::string& topic);

// A source task's producer: idempotent, acks=all, Kafka's default partitioner for keys
// (librdkafka's murmur2_random), transactional with `transactional_id` when set (KIP-618).
class TaskProducer : public ProducerPort {
 public:
  // `client`: librdkafka properties (the worker's producer settings with the connector's
  // producer.override.* over them). `admin` creates missing topics and must outlive this, unless
  // `own_admin` (the connector's admin.override.*) is given, which this keeps and uses instead.
  // `known_topic` (if not empty: the offset topic, a dead letter queue) is one written to without
  // EnsureTopic; its metadata is fetched at once, so the first write to it does not wait.
  static Result<std::unique_ptr<TaskProducer>> Open(
      std::map<std::string, std::string> client, std::map<std::string, std::string> connector,
      const std::string& transactional_id, TopicAdmin* admin, const std::string& known_topic,
      std::unique_ptr<TopicAdmin> own_admin = nullptr);
  ~TaskProducer() override;

  Status EnsureTopic(const std::string& topic) override;
  Status Produce(OutMessage message, uint64_t token) override;
  void PollAcks(std::vector<Ack>* acks, std::chrono::milliseconds wait) override;
  Status BeginTransaction() override;
  Status CommitTransaction() override;
  Status AbortTransaction() override;

 private:
  TaskProducer() = default;
  Status TxnError(const std::string& what, rd_kafka_error_t* error);

  rd_kafka_t* rk_ = nullptr;
  std::map<std::string, std::string> connector_;
  TopicAdmin* admin_ = nullptr;
  std::unique_ptr<TopicAdmin> own_admin_;
  std::set<std::string, std::less<>> ensured_;  // topics EnsureTopic has seen exist
  // The topics written to, their metadata fetched ahead of the first message
  // (kafka::PrefetchTopic).
  std::vector<kafka::RdPtr<rd_kafka_topic_t>> topics_;
  std::string transactional_id_;
  std::mutex mu_;
  std::vector<Ack> acks_;  // filled by the delivery report callback (inside rd_kafka_poll)
};

}  // namespace walrelay::worker
