#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

typedef struct rd_kafka_s rd_kafka_t;
typedef struct rd_kafka_error_s rd_kafka_error_t;

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
  bool fenced() const { return fenced_; }

 private:
  explicit RecordWriter(Options options) : options_(std::move(options)) {}
  Status TransactionError(const std::string& what, rd_kafka_error_t* error);

  Options options_;
  rd_kafka_t* rk_ = nullptr;
  bool fenced_ = false;
};

}  // namespace walrelay::worker
