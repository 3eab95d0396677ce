#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/stop.h"

typedef struct rd_kafka_s rd_kafka_t;

namespace walrelay::worker {

// One record of a TopicLog. `value` is nullopt for a tombstone.
struct LogRecord {
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

// Reads a whole topic from its beginning, every partition, without a consumer group: what Kafka
// Connect's KafkaBasedLog does for the config, offset and status topics. Every worker rebuilds
// its view of the cluster from these reads. read_committed: records of aborted transactions
// (a fenced leader's, a killed exactly-once source task's) are never seen.
//
// One thread.
class TopicLog {
 public:
  using Apply = std::function<Status(const LogRecord&)>;
  struct Options {
    std::string topic;
    // librdkafka properties for the reader (bootstrap.servers, security ...).
    std::map<std::string, std::string> client;
  };

  // Connects and assigns every partition of the topic from its beginning. kNotFound when the
  // topic does not exist; kRetry when the cluster does not answer in `timeout`.
  static Result<std::unique_ptr<TopicLog>> Open(const Options& options,
                                                std::chrono::milliseconds timeout);
  ~TopicLog();
  TopicLog(const TopicLog&) = delete;
  TopicLog& operator=(const TopicLog&) = delete;

  // Reads until every partition reaches the end it had when the call began, and past
  // `written`'s offsets (partition -> offset of a record that must be read: one's own write,
  // whose transaction's markers may still be on their way, leaving the stable end before it),
  // applying each record in order. kRetry on timeout; kStopped on a stop request; an `apply`
  // error is returned as it is.
  Status ReadToEnd(const Apply& apply, std::chrono::milliseconds timeout, const StopSource* stop,
                   const std::map<int32_t, int64_t>& written = {});
  // Applies what arrives within `timeout` (returns after the first batch, or at the timeout).
  Status Poll(const Apply& apply, std::chrono::milliseconds timeout);
  int32_t partitions() const { return partitions_; }
  const std::string& topic() const { return options_.topic; }

 private:
  explicit TopicLog(Options options) : options_(std::move(options)) {}
  Status Consume(const Apply& apply, int timeout_ms, bool* got);

  Options options_;
  rd_kafka_t* rk_ = nullptr;
  int32_t partitions_ = 0;
  std::vector<int64_t> next_;  // per partition: the offset of the next record to read
  // Since when reads have failed with "unknown topic or partition" without a record between
  // (a broker that has not learnt of a topic created a moment ago); unset otherwise.
  std::optional<std::chrono::steady_clock::time_point> unknown_since_;
};

}  // namespace walrelay::worker
