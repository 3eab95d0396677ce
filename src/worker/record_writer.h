#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "kafka/client.h"

namespace walrelay::worker {

using KeyedRecord = std::pair<std::string, std::optional<std::string>>;  // key, value or null

// Writes keyed records to one of the worker's internal topics and waits until Kafka has them
// (acks=all, idempotent), as Kafka Connect's KafkaBasedLog.send + flush. With a transactional id
// every Write is one Kafka transaction: a writer fenced by a newer one with the same id (a new
// leader) fails with kFatal "fenced" and never writes again. One thread.
class RecordWriter {
 public:
  struct Options {
    std::string topic;
    std::map<std::string, std::string> client;  // librdkafka properties
    std::string transactional_id;               // "" for a plain idempotent writer
    std::chrono::milliseconds timeout{30000};
  };
  static Result<std::unique_ptr<RecordWriter>> Open(const Options& options);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Writes `records` in order (same partition per key, as Kafka's default partitioner) and waits
  // for all of them. kRetry on timeout; kFatal when fenced or when the producer failed.
  Status Write(const std::vector<KeyedRecord>& records);
  // Queues `records` and returns at once, as Kafka Connect writes statuses: they reach Kafka in
  // order with every write before and after them (one idempotent producer), librdkafka retries
  // them until message.timeout.ms, and one Kafka still refuses then is logged with its key at
  // the next write or at the latest when the writer closes (which waits up to a second for what
  // is queued). Only without a transactional id; kFatal if fenced, kRetry if the queue is full.
  Status WriteAsync(const std::vector<KeyedRecord>& records);
  bool fenced() const { return fenced_; }
  // Per partition, the offset Kafka gave the last record of the last successful Write: a reader
  // of one's own write reads past it (a transaction's commit is acknowledged before its markers
  // are written, so the topic's stable end may not include it yet).
  const std::map<int32_t, int64_t>& last_offsets() const { return last_offsets_; }

 private:
  explicit RecordWriter(Options options) : options_(std::move(options)) {}
  Status TransactionError(const std::string& what, rd_kafka_error_t* error);

  Options options_;
  rd_kafka_t* rk_ = nullptr;
  kafka::RdPtr<rd_kafka_topic_t> topic_;  // its metadata fetched at Open (kafka::PrefetchTopic)
  bool fenced_ = false;
  std::map<int32_t, int64_t> last_offsets_;
};

}  // namespace walrelay::worker
