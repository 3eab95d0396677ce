#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

namespace walrelay::kafka {

// One consumed record.
struct Message {
  TopicPartition tp;
  int64_t offset = 0;
  OwnedBytes key;
  OwnedBytes value;
  std::vector<Header> headers;
  int64_t timestamp_ms = -1;     // -1 when the record has none
  bool log_append_time = false;  // the broker's time rather than the producer's
};

// A change of this member's assignment, as the group's rebalance protocol made it. Eager
// assignors revoke everything and assign the whole new set; cooperative-sticky ones revoke and
// assign only what moves. kLost: the partitions were taken away without a clean revoke (the
// session expired): another member may already own them.
struct RebalanceEvent {
  enum class Kind { kAssigned, kRevoked, kLost };
  Kind kind;
  std::vector<TopicPartition> partitions;
};

struct PollResult {
  // In offset order per partition. All of them were fetched before the events below happened.
  std::vector<Message> messages;
  std::vector<RebalanceEvent> events;
};

// What the owner of a Consumer decides during a rebalance, called on the thread inside Poll or
// Close, before the assignment changes. Both may be empty.
struct RebalanceHooks {
  // Where to start reading newly assigned partitions (a sink's position kept in its destination).
  // Partitions left out start at the group's committed offset, or per auto.offset.reset.
  std::function<std::vector<TopicPartitionOffset>(const std::vector<TopicPartition>& assigned)>
      start_offsets;
  // Called before partitions are revoked (`lost` false: the last chance to commit their
  // offsets) or after they were lost (`lost` true: committing would fail).
  std::function<void(const std::vector<TopicPartition>& partitions, bool lost)> revoking;
};

// A Kafka group consumer: an RAII owner of a librdkafka consumer handle, with
// enable.auto.commit=false (offsets are committed only through Commit). group.id comes from the
// ClientConfig (ClientConfig::Set for a name made by the caller).
//
// Lifecycle: Create, Subscribe or SubscribePattern, then Poll repeatedly (rebalances happen inside
// Poll), Commit what was processed, Close to leave the group at once (the destructor closes too).
// One thread at a time. Every wait watches `stop` (may be null) and returns within a second of a
// stop request.
class Consumer {
 public:
  // Fails with kInvalidArgument when librdkafka refuses the configuration or group.id is missing.
  static Result<Consumer> Create(const ClientConfig& config, RebalanceHooks hooks = {});

  Consumer(Consumer&&) noexcept;
  Consumer& operator=(Consumer&&) noexcept;
  ~Consumer();

  // Subscribes to exactly these topics (replacing an earlier subscription). Topics that do not
  // exist yet are picked up when they appear.
  Status Subscribe(const std::vector<std::string>& topics);
  // Subscribes to every topic whose whole name matches `regex` (Kafka Connect's topics.regex).
  // The pattern is handed to librdkafka as "^(<regex>)$" (POSIX extended syntax: Java's \d and
  // other shorthand classes are not understood). kInvalidArgument for an empty pattern.
  Status SubscribePattern(const std::string& regex);

  // Waits up to `timeout` for messages, then returns at most max.poll.records of them together
  // with the rebalance events that happened meanwhile. Returns early, with what it has, when a
  // rebalance event happens. Fails with kFenced when the member was fenced, kInvalidArgument on
  // authentication/authorization failures, kFatal on a fatal consumer error, kStopped on a stop
  // request. Transient broker trouble is logged and waited out.
  Result<PollResult> Poll(std::chrono::milliseconds timeout, const StopSource* stop = nullptr);

  // Makes the next Poll return `offset` of a partition this member owns: messages already fetched
  // from it are dropped. kInvalidArgument for a partition not assigned.
  Status Seek(const TopicPartitionOffset& position, std::chrono::milliseconds timeout);

  // Commits the offsets (each the next offset to read) for the group. Fails with kFenced when
  // this member no longer owns its generation (a rebalance gave the partitions away), kRetry on
  // a rebalance in progress or timeout, kStopped on a stop request.
  Status Commit(const std::vector<TopicPartitionOffset>& offsets, std::chrono::milliseconds timeout,
                const StopSource* stop = nullptr);
  // The group's committed offsets of these partitions (-1001, RD_KAFKA_OFFSET_INVALID, for none).
  Result<std::vector<TopicPartitionOffset>> Committed(const std::vector<TopicPartition>& partitions,
                                                      std::chrono::milliseconds timeout);

  // Stops fetching / resumes fetching these partitions without leaving the group.
  Status Pause(const std::vector<TopicPartition>& partitions);
  Status Resume(const std::vector<TopicPartition>& partitions);

  // The partitions this member owns now.
  Result<std::vector<TopicPartition>> Assignment() const;
  // The member id the group coordinator gave this member ("" before the first join).
  std::string MemberId() const;
  // "EAGER", "COOPERATIVE", or "NONE" before the first assignment.
  std::string RebalanceProtocol() const;

  // Leaves the group at once (the partitions are revoked through the hooks first, and the
  // coordinator rebalances the others without waiting for the session timeout). Idempotent.
  // Bounded like Java's KafkaConsumer.close(Duration) (30 s by default): with the coordinator
  // unreachable, or a commit still outstanding to a broker that went away, it gives up after
  // `timeout` with a kRetry error, and the handle is then destroyed without a second close (the
  // group expires the member after session.timeout.ms instead).
  Status Close(std::chrono::milliseconds timeout = std::chrono::seconds(30));

 private:
  struct State;
  explicit Consumer(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace walrelay::kafka
