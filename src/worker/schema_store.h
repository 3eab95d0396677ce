#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "common/stop.h"
#include "registry/registry_state.h"
#include "registry/schema_registry.h"
#include "worker/record_writer.h"
#include "worker/topic_admin.h"
#include "worker/topic_log.h"

namespace walrelay::worker {

// Confluent's default write timeout (kafkastore.timeout.ms) is 500 ms; ours is 5 s because every
// write here is a Kafka transaction (commit plus markers plus the read back), which on a loaded
// cluster takes longer than a plain acks=all send.
inline constexpr std::chrono::milliseconds kDefaultSchemaStoreTimeout{5000};
// Confluent's kafkastore.init.timeout.ms default.
inline constexpr std::chrono::milliseconds kDefaultSchemaStoreInitTimeout{60000};

// The registry's RecordLog over Confluent's compacted `_schemas` topic (Confluent's KafkaStore
// and KafkaStoreReaderThread): one partition, cleanup.policy=compact, every instance reading it
// from the beginning into its RegistryState.
//
// Writes. Only the elected leader writes (BecomeLeader / ResignLeader, driven by
// RegistryElection). Confluent's KafkaStore uses a plain producer and relies on the leader
// election alone, so a leader that does not know yet that it was replaced (a long GC pause, a
// partition from the coordinator) can still append a record after its successor has started.
// Here every write is a Kafka transaction under one transactional.id per registry group
// (`<group>-<topic>-leader`): BecomeLeader's InitTransactions fences every earlier leader's
// producer, whose next write fails (kFenced, answered 50001), and the reader is read_committed,
// so a fenced leader's half-written record is never applied anywhere.
//
// Append (only on the leader) produces the record in its own transaction and returns once the
// reader thread has applied that offset to the state, or kRetry after `timeout`, as Confluent's
// KafkaStore.put waits for its reader. BecomeLeader writes a NOOP record and waits for it, so a
// new leader's state holds every record of its predecessors before it serves a write (Confluent
// does the same to learn the end of the log).
//
// Lifecycle: Open ensures the topic (creating it, or refusing one with more than one partition
// or not compacted), reads it to its end (init_timeout) and starts the reader thread; the
// destructor (or Close) stops it. Thread-safe.
class KafkaSchemaStore : public registry::RecordLog {
 public:
  struct Options {
    std::string topic = "_schemas";  // kafkastore.topic
    // kafkastore.topic.replication.factor for creating the topic, capped to the live brokers as
    // Confluent does (with a warning).
    int replication_factor = 3;
    std::string group_id = "schema-registry";  // names the transactional.id
    // librdkafka properties (bootstrap.servers, security ...) of the reader, writer and admin.
    std::map<std::string, std::string> client;
    std::chrono::milliseconds timeout = kDefaultSchemaStoreTimeout;
    std::chrono::milliseconds init_timeout = kDefaultSchemaStoreInitTimeout;
  };

  // Ensures the topic and reads it to the end into `state` (which must outlive the store).
  // kInvalidArgument for a topic of more than one partition or not compacted, naming it;
  // kRetry when Kafka does not answer within init_timeout; kStopped on `stop`.
  static Result<std::unique_ptr<KafkaSchemaStore>> Open(const Options& options,
                                                        registry::RegistryState* state,
                                                        const StopSource* stop);
  ~KafkaSchemaStore() override;
  KafkaSchemaStore(const KafkaSchemaStore&) = delete;
  KafkaSchemaStore& operator=(const KafkaSchemaStore&) = delete;

  // Appends one record and waits until it is applied to the state. kRetry when this instance
  // does not hold the writer (not the leader), on timeout, or when Kafka refuses the write;
  // kFenced when a newer leader fenced this one (the writer is dropped).
  Status Append(std::string key, std::optional<std::string> value) override;

  // Opens the transactional writer (fencing any earlier leader's), writes a NOOP and waits until
  // it is read back. kRetry when Kafka does not answer in time (call again).
  Status BecomeLeader();
  // Drops the writer (after losing the election).
  void ResignLeader();
  bool writer_open() const;

  // Stops the reader thread. Idempotent.
  void Close();
  const std::string& topic() const { return options_.topic; }
  // The offset of the last record the reader applied, -1 before any.
  int64_t applied_offset() const;

  // The transactional.id of a registry group's leader writer.
  static std::string TransactionalId(const std::string& group_id, const std::string& topic);

 private:
  KafkaSchemaStore(Options options, registry::RegistryState* state)
      : options_(std::move(options)), state_(state) {}
  Status EnsureTopic(TopicAdmin* admin, const StopSource* stop);
  Status ApplyRecord(const LogRecord& record);
  void ReadLoop();
  // Writes under writer_mu_ and waits for the read back.
  Status AppendLocked(const std::string& key, const std::optional<std::string>& value);

  Options options_;
  registry::RegistryState* state_;
  std::unique_ptr<TopicLog> log_;  // the reader thread's after Open
  std::thread reader_;
  StopSource stop_;

  mutable std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  int64_t applied_offset_ = -1;  // guarded by applied_mu_

  mutable std::mutex writer_mu_;
  std::unique_ptr<RecordWriter> writer_;  // guarded by writer_mu_; only while leading
};

}  // namespace walrelay::worker
