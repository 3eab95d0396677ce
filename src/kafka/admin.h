#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace walrelay::kafka {

// One member of a consumer group, as the group coordinator describes it.
struct GroupMember {
  std::string member_id;
  std::string group_instance_id;  // "" without static membership
  std::string client_id;
  std::string host;
  std::vector<TopicPartition> assignment;
};

struct GroupDescription {
  std::string group_id;
  std::string state;  // "Stable", "PreparingRebalance", "CompletingRebalance", "Empty", "Dead"
  std::string partition_assignor;
  std::vector<GroupMember> members;
};

// What a topic is created with (KIP-158's topic.creation.* or a worker's storage topics).
struct NewTopicSpec {
  std::string name;
  int32_t partitions = -1;                     // -1: the broker's num.partitions
  int32_t replication_factor = -1;             // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;  // cleanup.policy, retention.ms, ...
};

// Kafka's admin operations walrelay needs: an RAII owner of a librdkafka handle used only for
// metadata and admin requests. One thread at a time. Every call waits at most `timeout` (kRetry
// when the cluster did not answer, naming the operation) and returns within a second of a stop
// request (kStopped).
class Admin {
 public:
  static Result<Admin> Create(const ClientConfig& config);

  Admin(Admin&&) noexcept;
  Admin& operator=(Admin&&) noexcept;
  ~Admin();

  // Every topic the cluster reports (internal ones such as __consumer_offsets included), sorted by
  // name.
  Result<std::vector<TopicInfo>> ListTopics(std::chrono::milliseconds timeout,
                                            const StopSource* stop = nullptr);
  // One topic; kNotFound when it does not exist.
  Result<TopicInfo> DescribeTopic(const std::string& topic, std::chrono::milliseconds timeout,
                                  const StopSource* stop = nullptr);
  // Creates the topic; ok when it exists already (whatever its settings). kInvalidArgument naming
  // the topic for a bad name, partition count, replication factor or config.
  Status CreateTopic(const NewTopicSpec& spec, std::chrono::milliseconds timeout,
                     const StopSource* stop = nullptr);
  // Raises the topic's partition count to `total`; ok when it has that many already,
  // kInvalidArgument when it has more (Kafka cannot remove partitions).
  Status CreatePartitions(const std::string& topic, int32_t total,
                          std::chrono::milliseconds timeout, const StopSource* stop = nullptr);
  // The group's state and members (KIP-88 DescribeGroups). A group nobody has joined is reported
  // by Kafka as state "Dead" with no members.
  Result<GroupDescription> DescribeConsumerGroup(const std::string& group,
                                                 std::chrono::milliseconds timeout,
                                                 const StopSource* stop = nullptr);

  // Committed offsets of a consumer group (KIP-222/396 OffsetFetch). A group without committed
  // offsets, or one that does not exist, has none: an empty list, sorted by topic and partition.
  // Offsets are the next offset to read, as committed.
  Result<std::vector<TopicPartitionOffset>> ListConsumerGroupOffsets(
      const std::string& group, std::chrono::milliseconds timeout,
      const StopSource* stop = nullptr);
  // Sets the group's committed offsets of `offsets` (an OffsetCommit outside the group). Kafka
  // refuses this while the group has members: kRetry naming the group (retry once the members
  // have left). Other failures as Kafka reports them (kInvalidArgument for authorization).
  Status AlterConsumerGroupOffsets(const std::string& group,
                                   const std::vector<TopicPartitionOffset>& offsets,
                                   std::chrono::milliseconds timeout,
                                   const StopSource* stop = nullptr);
  // Removes the group's committed offsets of `partitions` (KIP-496 OffsetDelete): a consumer
  // starts them at its auto.offset.reset. kRetry while a member is subscribed to their topic; ok
  // for a group that does not exist.
  Status DeleteConsumerGroupOffsets(const std::string& group,
                                    const std::vector<TopicPartition>& partitions,
                                    std::chrono::milliseconds timeout,
                                    const StopSource* stop = nullptr);
  // Deletes the group and every offset it committed (DeleteGroups). kRetry while it has members
  // (GROUP_NOT_EMPTY); ok when it does not exist (deleting is idempotent).
  Status DeleteConsumerGroup(const std::string& group, std::chrono::milliseconds timeout,
                             const StopSource* stop = nullptr);

 private:
  struct State;
  explicit Admin(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// How CreateTopic reads one topic's result: TOPIC_ALREADY_EXISTS is success. Pure; for tests.
Status CreateTopicResult(const std::string& topic, int error_code, const char* error_string);

}  // namespace walrelay::kafka
