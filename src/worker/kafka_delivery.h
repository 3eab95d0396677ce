#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "common/stop.h"
#include "convert/converter.h"
#include "runtime/metrics.h"
#include "runtime/source_task.h"

namespace walrelay::worker {

// A message for Kafka, in bytes. nullopt key or value: Kafka's null.
struct OutMessage {
  std::string topic;
  int32_t partition = -1;  // -1: the producer's partitioner picks one from the key
  std::optional<std::string> key;
  std::optional<std::string> value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp_ms = 0;  // 0: the producer's clock
};

// The acknowledgement of one produced message.
struct Ack {
  uint64_t token = 0;
  Status status;  // Ok when Kafka acknowledged it (acks=all)
};

// What a source task needs of Kafka (a seam: the worker implements it over its producer and
// admin client; tests use a fake). One thread.
class ProducerPort {
 public:
  virtual ~ProducerPort() = default;
  // Creates the topic (per the connector's topic.creation.* settings, KIP-158) when it does not
  // exist. Called before the first message to each topic; the implementation caches.
  virtual Status EnsureTopic(const std::string& topic) = 0;
  // Queues `message`; its Ack carries `token`. Fails at once only when the message cannot be
  // queued (too large, producer failed).
  virtual Status Produce(OutMessage message, uint64_t token) = 0;
  // Appends the acks that arrived, waiting up to `wait` for the first.
  virtual void PollAcks(std::vector<Ack>* acks, std::chrono::milliseconds wait) = 0;
  // Kafka transactions (exactly.once.source.support=enabled only).
  virtual Status BeginTransaction() = 0;
  virtual Status CommitTransaction() = 0;  // waits until every queued message is acknowledged
  virtual Status AbortTransaction() = 0;
};

// A source task's delivery into Kafka: records serialized by the connector's (or worker's)
// converters and SimpleHeaderConverter, partitioned as Kafka's default partitioner would (the
// producer is configured with librdkafka's murmur2_random partitioner, which picks for a key what
// Java's does: murmur2 of the key bytes, made positive, modulo the partition count), and the
// source offset written to the offset topic (`offset_topic`, key
// `["<connector>",<source partition>]` as Kafka Connect's OffsetStorageWriter writes it).
//
// At least once (exactly_once false): records are produced asynchronously; a marked offset is
// written to the offset topic once every record before it is acknowledged, at most every
// `flush_interval` (offset.flush.interval.ms), and becomes durable when that write is
// acknowledged. Exactly once (KIP-618): each batch's records and its offset record go in one
// Kafka transaction, committed when the driver asks for durable offsets; a consumer reading
// read_committed sees each change once, whatever kill or failover happens.
class KafkaDelivery : public runtime::SourceDelivery {
 public:
  struct Options {
    std::string connector;
    std::string offset_topic;
    std::string offset_key;  // the offset record's key bytes
    // The offset record's value bytes for an offset (Debezium's PostgreSQL offset map, JSON).
    std::function<std::string(const source::SourceOffset&)> encode_offset;
    std::chrono::milliseconds flush_interval{60000};
    bool exactly_once = false;
    const StopSource* stop = nullptr;
    std::shared_ptr<runtime::TaskMetrics> metrics;  // may be null
  };
  KafkaDelivery(Options options, std::unique_ptr<convert::Converter> key,
                std::unique_ptr<convert::Converter> value, ProducerPort* producer);

  Status Send(const data::Record& record, std::string_view* stage) override;
  Status Mark(const source::SourceOffset& offset) override;
  bool Full() const override { return outstanding_.size() >= kMaxOutstanding; }
  Result<std::optional<source::SourceOffset>> TakeDurable() override;
  Status Drain() override;

  // Records acknowledged so far.
  int64_t acknowledged() const { return acknowledged_; }

 private:
  static constexpr size_t kMaxOutstanding = 100000;
  Status Collect(std::chrono::milliseconds wait);
  Status Queue(OutMessage message);
  Status EnsureTopic(const std::string& topic);  // the producer's; transient failures retried
  // The newest mark whose records are all acknowledged, removed from marks_ with older ones.
  std::optional<source::SourceOffset> CompleteMarks();
  Status WriteOffset(const source::SourceOffset& offset);

  Options options_;
  std::unique_ptr<convert::Converter> key_;
  std::unique_ptr<convert::Converter> value_;
  ProducerPort* producer_;
  uint64_t next_token_ = 1;
  std::set<uint64_t> outstanding_;  // tokens produced and not yet acknowledged
  std::map<uint64_t, std::chrono::steady_clock::time_point> sent_at_;
  std::deque<std::pair<uint64_t, source::SourceOffset>> marks_;  // (last token before it, offset)
  std::optional<source::SourceOffset> delivered_;  // newest offset whose records are all acked
  std::string stored_value_;                       // the offset record last written
  bool stored_snapshot_active_ = false;            // whether it was written during a snapshot
  uint64_t offset_token_ = 0;                      // the offset record in flight (0: none)
  std::optional<source::SourceOffset> offset_in_flight_;
  std::optional<source::SourceOffset> durable_;
  std::chrono::steady_clock::time_point last_flush_;
  bool in_transaction_ = false;
  int64_t acknowledged_ = 0;
  std::vector<Ack> acks_;
  std::string scratch_;
};

}  // namespace walrelay::worker
