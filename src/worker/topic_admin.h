#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include "common/status.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;

namespace walrelay::worker {

struct TopicSpec {
  std::string name;
  int32_t partitions = -1;                     // -1: the broker's num.partitions
  int16_t replication_factor = -1;             // -1: the broker's default.replication.factor
  std::map<std::string, std::string> configs;  // cleanup.policy=compact, ...
};

// Creates topics that do not exist yet (Kafka's CreateTopics; "already exists" is success), and
// remembers which exist. Used for the worker's internal topics and for the topics connectors
// write to (KIP-158's topic.creation.*). Thread-safe: the worker's source and sink tasks share
// one.
class TopicAdmin {
 public:
  static Result<std::unique_ptr<TopicAdmin>> Open(const std::map<std::string, std::string>& client,
                                                  std::chrono::milliseconds timeout);
  ~TopicAdmin();
  TopicAdmin(const TopicAdmin&) = delete;
  TopicAdmin& operator=(const TopicAdmin&) = delete;

  // Ok when the topic exists (created now or before). kInvalidArgument naming the topic for a
  // request the broker refuses (a replication factor above the broker count, a bad config);
  // kRetry when the cluster does not answer. `created_now`, when given, says whether this call
  // created it.
  Status Ensure(const TopicSpec& spec, bool* created_now = nullptr);
  // The Kafka cluster's id (as GET / reports it).
  Result<std::string> ClusterId();
  // The partition count of an existing topic; kNotFound when it does not exist.
  Result<int32_t> Partitions(const std::string& topic);
  // How many brokers the cluster's metadata lists (the live ones). kRetry when it does not answer.
  Result<int> BrokerCount();
  // The value of topic-level config `name` of an existing topic (DescribeConfigs), nullopt when
  // the broker does not report it. kNotFound when the topic does not exist; kRetry when the
  // cluster does not answer.
  Result<std::optional<std::string>> TopicConfig(const std::string& topic, const std::string& name);

 private:
  TopicAdmin(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  rd_kafka_t* rk_ = nullptr;
  std::chrono::milliseconds timeout_;
  std::mutex mu_;
  std::set<std::string> known_;  // guarded by mu_
};

}  // namespace walrelay::worker
