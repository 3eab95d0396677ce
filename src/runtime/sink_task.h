#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/retry.h"
#include "common/status.h"
#include "common/stop.h"
#include "config/connector_config.h"
#include "convert/converter.h"
#include "data/record.h"
#include "runtime/error_handler.h"
#include "runtime/metrics.h"
#include "sink/jdbc_sink.h"
#include "sink/kafka_position.h"
#include "transforms/transform.h"

namespace walrelay::runtime {

using sink::KafkaTopicPartition;

// One message header as Kafka carries it: a key and bytes (null allowed).
struct MessageHeader {
  std::string key;
  std::optional<std::string> value;
};

// A message consumed from Kafka, as the consumer hands it over (bytes, nothing decoded yet).
struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::optional<std::string> key;    // nullopt: a null key
  std::optional<std::string> value;  // nullopt: a null value (a tombstone)
  std::vector<MessageHeader> headers;
  int64_t timestamp_ms = -1;  // -1 when the message has none
};

// A change of the consumer's assignment, reported in order with the messages around it.
struct AssignmentEvent {
  enum class Kind {
    kAssigned,  // these partitions are now this task's (in addition to the ones it has)
    kRevoked,   // given back in a rebalance: another task may own them from now on
    kLost,      // taken away without a rebalance (session timeout, fenced): someone owns them
  };
  Kind kind = Kind::kAssigned;
  std::vector<KafkaTopicPartition> partitions;
};

using SinkInputItem = std::variant<ConsumedMessage, AssignmentEvent>;

// The seam between a sink task and Kafka's consumer (the consumer group connect-<connector>
// subscribed to the connector's topics). The real one wraps librdkafka (src/kafka/); tests use a
// fake. Used by the task's one thread.
class SinkInput {
 public:
  virtual ~SinkInput() = default;
  // Appends to `out`, in the order they happened, the messages consumed and the assignment
  // changes since the last call; waits up to `timeout` for the first one, less when `stop` is
  // requested (then returns Ok with what it has). A failure (kReconnect: the cluster is
  // unreachable for good; kFatal) ends the task.
  virtual Status Poll(std::chrono::milliseconds timeout, const StopSource* stop,
                      std::vector<SinkInputItem>* out) = 0;
  // The next message of `tp` to hand over is the one at `offset`: messages already fetched
  // past it are dropped. `tp` is assigned.
  virtual Status Seek(const KafkaTopicPartition& tp, int64_t offset) = 0;
  // The next offsets to read, per partition, now applied in the destination: committed to the
  // consumer group (asynchronously; a failure is logged, not returned: the destination's
  // positions are what counts, Kafka's committed offsets are only a hint for tools and for a
  // partition the destination holds no position for).
  virtual void CommitHint(const std::map<KafkaTopicPartition, int64_t>& next_offsets) = 0;
  // Messages between the consumer's position and the end of its assigned partitions, as far as
  // the consumer knows without asking the brokers (nullopt when it does not know yet).
  virtual std::optional<int64_t> RecordsBehind() { return std::nullopt; }
};

// Why a message went to the dead letter queue: Kafka Connect's ProcessingContext, flattened.
struct DeadLetterContext {
  std::string stage;            // Kafka Connect's Stage name: KEY_CONVERTER, TRANSFORMATION, ...
  std::string executing_class;  // the converter, transform or sink task class
  std::string exception_class;  // the Java exception class Kafka Connect would name
  std::string message;          // the error
  // The headers to add to the original ones: Kafka Connect's __connect.errors.* context headers
  // when errors.deadletterqueue.context.headers.enable is set, else none.
  std::vector<MessageHeader> headers;
};

// Kafka Connect's dead letter queue reporter: produces a failed message, as it was consumed (key,
// value, headers, timestamp), to errors.deadletterqueue.topic.name with the context headers
// added. The real one wraps a librdkafka producer (creating the topic with one partition and
// errors.deadletterqueue.topic.replication.factor when missing). Used by the task's thread.
class DeadLetterQueue {
 public:
  virtual ~DeadLetterQueue() = default;
  // Hands the message over for delivery. A failure ends the task (the message would be lost).
  virtual Status Send(const ConsumedMessage& original, const DeadLetterContext& context) = 0;
};

// Kafka Connect's context header names (DeadLetterQueueReporter).
inline constexpr char kDlqHeaderTopic[] = "__connect.errors.topic";
inline constexpr char kDlqHeaderPartition[] = "__connect.errors.partition";
inline constexpr char kDlqHeaderOffset[] = "__connect.errors.offset";
inline constexpr char kDlqHeaderConnector[] = "__connect.errors.connector.name";
inline constexpr char kDlqHeaderTaskId[] = "__connect.errors.task.id";
inline constexpr char kDlqHeaderStage[] = "__connect.errors.stage";
inline constexpr char kDlqHeaderClass[] = "__connect.errors.class.name";
inline constexpr char kDlqHeaderExceptionClass[] = "__connect.errors.exception.class.name";
inline constexpr char kDlqHeaderExceptionMessage[] = "__connect.errors.exception.message";
inline constexpr char kDlqHeaderExceptionStacktrace[] = "__connect.errors.exception.stacktrace";

// The context headers Kafka Connect adds for `original` failed in `context` (stage, classes,
// message) of task `task_id` of `connector`, in Kafka Connect's order, values as UTF-8 text. The
// stack trace is the first line a Java stack trace prints ("<exception class>: <message>"):
// walrelay has no Java stack to print.
std::vector<MessageHeader> DeadLetterContextHeaders(const ConsumedMessage& original,
                                                    const DeadLetterContext& context,
                                                    const std::string& connector, int task_id);

// Where a sink task writes: the seam between the driver and the destination, so the driver's
// logic is unit-tested with a fake and runs on JdbcSink (JdbcSinkWriter) for real. Used by the
// task's thread.
class SinkWriter {
 public:
  using PositionUpdate = sink::JdbcSink::PositionUpdate;
  using ApplyOutcome = sink::JdbcSink::ApplyOutcome;
  virtual ~SinkWriter() = default;
  // Every position the destination holds for the connector (JdbcSink::ReadPositions).
  virtual Result<std::map<std::string, std::string>> ReadPositions() = 0;
  // Turns `records` into the rows the next Apply writes (replacing any prepared before); the
  // records must outlive that Apply. kDataError naming the problem when a record cannot become
  // a row.
  virtual Status Prepare(const std::vector<const data::Record*>& records) = 0;
  // Applies the prepared rows with `positions` in one transaction (JdbcSink::ApplyPrepared):
  // kDataError when the destination refuses a row, kReconnect / kRetry for transient failures
  // (retry with the same rows and positions).
  virtual Result<ApplyOutcome> Apply(const std::vector<PositionUpdate>& positions) = 0;
  // How long to retry transient failures (retry.backoff.ms, max.retries).
  virtual RetryPolicy retry_policy() const = 0;
  // The Java class Kafka Connect names for a failure writing (the connector's task class).
  virtual std::string task_class() const = 0;
};

// SinkWriter over an opened JdbcSink, which it borrows.
class JdbcSinkWriter : public SinkWriter {
 public:
  explicit JdbcSinkWriter(sink::JdbcSink* sink) : sink_(sink) {}
  Result<std::map<std::string, std::string>> ReadPositions() override {
    return sink_->ReadPositions();
  }
  Status Prepare(const std::vector<const data::Record*>& records) override {
    return sink_->Prepare(records, &rows_);
  }
  Result<ApplyOutcome> Apply(const std::vector<PositionUpdate>& positions) override {
    return sink_->ApplyPrepared(rows_, positions);
  }
  RetryPolicy retry_policy() const override;
  std::string task_class() const override;

 private:
  sink::JdbcSink* sink_;
  sink::JdbcSink::PreparedBatch rows_;
};

struct SinkTaskOptions {
  int task_id = 0;
  const StopSource* stop = nullptr;             // ends the task: the batch in flight is abandoned
  size_t max_batch_records = 2000;              // records per destination transaction (at most)
  std::chrono::milliseconds linger{100};        // a smaller batch waits this long for more
  std::chrono::milliseconds poll_timeout{200};  // each Poll's wait
  // The task's metrics (GET /metrics), kept current after every poll; may be null.
  std::shared_ptr<TaskMetrics> metrics;
};

struct SinkTaskStats {
  int64_t consumed = 0;       // messages polled
  int64_t applied = 0;        // records written to the destination
  int64_t skipped = 0;        // replays at or below the destination's position
  int64_t failed = 0;         // records an error was reported for (DLQ and/or log)
  int64_t fenced = 0;         // batches refused because another task moved a partition
  int64_t batches = 0;        // destination transactions committed
  int64_t dead_lettered = 0;  // records sent to the dead letter queue
};

// A sink connector's task in a worker: consumes messages through a SinkInput, turns key and value
// into Connect data with the connector's key.converter / value.converter, applies the connector's
// transforms, and applies the records through JdbcSink, storing every partition's next offset in
// the same destination transaction as the rows (sink/kafka_position.h), so each message is
// applied exactly once across restarts and rebalances:
// - On assignment it reads the destination's positions and seeks every assigned partition the
//   destination knows to its position; a partition the destination holds nothing for starts where
//   the consumer group does (its committed offset, a hint, or auto.offset.reset).
// - Messages below a partition's position (replays after a seek or a rebalance) are skipped.
// - Each position is stored as a compare-and-set against the one this task last saw (see
//   JdbcSink::PositionUpdate): when another task moved a partition meanwhile the batch is
//   refused (fenced), dropped, and every assigned partition is sought again to the destination's
//   positions.
// - On revocation or loss the records of those partitions not yet applied are abandoned; their
//   new owner applies them from the destination's position.
// - errors.tolerance / errors.log.enable / errors.deadletterqueue.*: a message whose key or value
//   cannot be converted, which a transform fails on, or whose row the destination refuses as a
//   data error is reported (to the dead letter queue, with context headers when enabled, and to
//   the log when enabled; as Kafka Connect, even with tolerance none) and, with tolerance all,
//   skipped: nothing else is lost or reordered. With none, the task fails naming the topic,
//   partition, offset and stage. A destination refusing a row is found by applying the batch a
//   record per transaction (slow, only for a batch holding a poison record). Messages sent to the
//   dead letter queue are at least once: a crash before the position is stored sends them again.
// - A stop request ends the task within a second: the batch not yet committed is abandoned (it
//   is applied again, once, after a restart) and a statement still running is cancelled through
//   the sink's interrupt (see JdbcSink::SetInterrupt; set by the caller).
//
// Lifecycle: construct with opened, ready parts (see SinkTaskParts), Run once on one thread.
class SinkTask {
 public:
  // Everything a task is built from; `dlq` is needed when the policy names a topic.
  struct Parts {
    std::string connector;
    SinkWriter* writer = nullptr;
    transforms::TransformChain* chain = nullptr;
    convert::Converter* key_converter = nullptr;
    convert::Converter* value_converter = nullptr;
    std::string key_converter_class, value_converter_class;  // for error reports
    std::map<std::string, std::string> transform_classes;    // alias -> class, for error reports
    ErrorPolicy policy;
    SinkInput* input = nullptr;
    DeadLetterQueue* dlq = nullptr;
  };

  SinkTask(Parts parts, SinkTaskOptions options);

  // Runs until stopped (Ok) or a failure: the first message the error policy does not tolerate
  // (its kDataError naming topic, partition, offset and stage), a destination or input failure
  // that retries did not cure, a bad position in the destination.
  Status Run();

  const SinkTaskStats& stats() const { return stats_; }

 private:
  struct Pending {
    data::Record record;
    ConsumedMessage origin;
  };
  struct PartitionState {
    std::optional<std::string> stored;  // the position text the destination holds
    std::optional<int64_t> next;        // the next offset to accept (nullopt: any)
  };

  Status Handle(SinkInputItem& item);
  Status OnAssigned(const std::vector<KafkaTopicPartition>& partitions);
  void OnRevoked(const std::vector<KafkaTopicPartition>& partitions, bool lost);
  Status OnMessage(ConsumedMessage message);
  // Reads the destination's positions and seeks `partitions` to them.
  Status SeekToDestination(const std::vector<KafkaTopicPartition>& partitions);
  // Reports a failure of `message` in `stage`; Ok when tolerated (skip it), else the error.
  Status Report(const ConsumedMessage& message, std::string_view stage,
                const std::string& executing_class, const std::string& exception_class,
                const Status& failure);
  // Applies the pending batch with every partition's next offset.
  Status Flush();
  // Applies the prepared rows with `positions`, retrying transient failures.
  Result<sink::JdbcSink::ApplyOutcome> ApplyWithRetry(
      const std::vector<sink::JdbcSink::PositionUpdate>& positions);
  // After a batch-wide data error: one record per transaction, reporting the ones refused.
  Status ApplyOneByOne();
  Status Fenced();
  std::vector<sink::JdbcSink::PositionUpdate> PositionsFor(
      const std::map<KafkaTopicPartition, int64_t>& next) const;
  void Committed(const std::map<KafkaTopicPartition, int64_t>& next);
  // Brings options_.metrics up to date (counters by what changed since the last call).
  void PublishMetrics(bool idle);

  Parts parts_;
  SinkTaskOptions options_;
  SinkTaskStats stats_;
  std::map<KafkaTopicPartition, PartitionState> assigned_;
  std::vector<Pending> pending_;
  // Per partition with messages since the last commit: the next offset after the last one.
  std::map<KafkaTopicPartition, int64_t> batch_next_;
  // The same partitions' first offsets since the last commit, to go back to when a batch is
  // dropped (fenced) and the destination holds no position for its partition.
  std::map<KafkaTopicPartition, int64_t> batch_first_;
  SinkTaskStats published_;           // stats_ as last added to the metrics
  int64_t newest_applied_ts_ms_ = 0;  // the newest Kafka timestamp applied
  std::chrono::steady_clock::time_point behind_checked_;
};

// The parts of a sink task built from a sink connector's config: the JdbcSink (created, not yet
// opened: the caller sets its interrupt and opens it) and its writer, transforms, converters and
// error policy. kInvalidArgument naming the property for a bad value.
struct SinkTaskParts {
  std::unique_ptr<sink::JdbcSink> sink;
  std::unique_ptr<JdbcSinkWriter> writer;
  transforms::TransformChain chain;
  std::unique_ptr<convert::Converter> key_converter, value_converter;
  convert::ConverterSettings key_settings, value_settings;
  std::map<std::string, std::string> transform_classes;
  ErrorPolicy policy;

  static Result<SinkTaskParts> Create(const config::ConnectorConfig& config,
                                      std::vector<std::string>* warnings);
  // The SinkTask::Parts view of these, with `input` and `dlq` (null when no DLQ topic is set;
  // required otherwise).
  SinkTask::Parts View(const std::string& connector, SinkInput* input, DeadLetterQueue* dlq);
};

}  // namespace walrelay::runtime
