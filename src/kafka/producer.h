#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace walrelay::kafka {

// One record to produce. The bytes are copied by Produce; nothing needs to outlive the call.
struct ProducerRecord {
  std::string_view topic;
  int32_t partition = kAnyPartition;  // kAnyPartition: murmur2 of the key, as Java's default
  Bytes key;
  Bytes value;
  std::vector<Header> headers;
  int64_t timestamp_ms = 0;  // 0: the time of the Produce call
  // The caller's handle for this record, returned in its Delivery.
  uint64_t token = 0;
};

// The outcome of one produced record: acknowledged (status ok, with its partition and offset) or
// failed for good after librdkafka's own retries.
struct Delivery {
  uint64_t token = 0;
  TopicPartition tp;
  int64_t offset = -1;
  Status status;
};

// A Kafka producer: an RAII owner of a librdkafka producer handle, idempotent with acks=all
// unless the ClientConfig says otherwise (see TranslateJavaProperties), optionally transactional
// (transactional.id).
//
// Lifecycle: Create, then Produce / Poll / Flush, optionally inside transactions
// (InitTransactions once, then Begin / Commit or Abort); the destructor drops whatever was not
// flushed (call Flush first to keep it). One thread at a time: delivery reports are collected on
// the thread that calls Produce, Poll, Flush or CommitTransaction, and handed out by Poll in the
// order librdkafka reports them (per partition, the order of Produce).
//
// Every wait watches `stop` (may be null) and returns kStopped within a second of a stop request.
// A fatal error (a fenced transactional producer: kFenced) makes every later call fail with it;
// the owner must create a new Producer.
class Producer {
 public:
  // Fails with kInvalidArgument when librdkafka refuses the configuration.
  static Result<Producer> Create(const ClientConfig& config);

  Producer(Producer&&) noexcept;
  Producer& operator=(Producer&&) noexcept;
  ~Producer();

  // Queues one record. Blocks while librdkafka's local queue is full (serving deliveries), until
  // it has room or a stop request (kStopped). Fails without queuing the record for an unknown
  // partition (kNotFound), a record too large (kDataError) or a fatal producer error.
  Status Produce(const ProducerRecord& record, const StopSource* stop = nullptr);

  // Serves delivery reports for up to `timeout` (returns as soon as there is one, or at once with
  // zero) and returns every report collected since the last Poll, in order.
  std::vector<Delivery> Poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Waits until every queued record is delivered or failed (their reports are then in Poll).
  // Fails with kRetry naming how many records are still in flight at `timeout`, or kStopped.
  Status Flush(std::chrono::milliseconds timeout, const StopSource* stop = nullptr);

  // Records queued or in flight, not yet reported.
  int InFlight() const;

  // Transactions (KIP-98): InitTransactions once before the first BeginTransaction; records
  // produced between Begin and Commit become visible to read_committed consumers together.
  // InitTransactions fences every older producer with the same transactional.id. Commit flushes
  // first. When the broker demands an abort, CommitTransaction aborts and fails with kRetry (the
  // transaction's records must be produced again). A newer producer with the same
  // transactional.id makes these fail with kFenced. Waits end at `timeout` (kRetry) or a stop
  // request (kStopped).
  Status InitTransactions(std::chrono::milliseconds timeout, const StopSource* stop = nullptr);
  Status BeginTransaction();
  Status CommitTransaction(std::chrono::milliseconds timeout, const StopSource* stop = nullptr);
  Status AbortTransaction(std::chrono::milliseconds timeout, const StopSource* stop = nullptr);

  // The topic's partition count from the cluster's metadata; kNotFound when the topic does not
  // exist (and the broker does not create it on request).
  Result<int32_t> PartitionCount(const std::string& topic, std::chrono::milliseconds timeout,
                                 const StopSource* stop = nullptr);

  // The fatal error the producer has raised, if any (ok otherwise).
  Status FatalError() const;

  // The librdkafka client name ("rdkafka#producer-1"), for logs.
  std::string Name() const;

 private:
  struct State;
  explicit Producer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace walrelay::kafka
