#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "kafka/client_config.h"
#include "kafka/types.h"

// The plumbing the Producer, Consumer and Admin share: RAII owners of librdkafka's handles, the
// one way to turn a ClientConfig into a client, and interruptible waits. Not for use outside
// src/kafka/, but for src/worker/, which still drives librdkafka handles of its own.
namespace walrelay::kafka {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* p) const { rd_kafka_destroy(p); }
  void operator()(rd_kafka_conf_t* p) const { rd_kafka_conf_destroy(p); }
  void operator()(rd_kafka_topic_partition_list_t* p) const {
    rd_kafka_topic_partition_list_destroy(p);
  }
  void operator()(rd_kafka_queue_t* p) const { rd_kafka_queue_destroy(p); }
  void operator()(rd_kafka_event_t* p) const { rd_kafka_event_destroy(p); }
  void operator()(rd_kafka_headers_t* p) const { rd_kafka_headers_destroy(p); }
  void operator()(rd_kafka_topic_t* p) const { rd_kafka_topic_destroy(p); }
  void operator()(rd_kafka_AdminOptions_t* p) const { rd_kafka_AdminOptions_destroy(p); }
  void operator()(rd_kafka_NewTopic_t* p) const { rd_kafka_NewTopic_destroy(p); }
  void operator()(rd_kafka_NewPartitions_t* p) const { rd_kafka_NewPartitions_destroy(p); }
  void operator()(const rd_kafka_metadata_t* p) const { rd_kafka_metadata_destroy(p); }
  void operator()(rd_kafka_message_t* p) const { rd_kafka_message_destroy(p); }
  void operator()(rd_kafka_ListConsumerGroupOffsets_t* p) const {
    rd_kafka_ListConsumerGroupOffsets_destroy(p);
  }
  void operator()(rd_kafka_AlterConsumerGroupOffsets_t* p) const {
    rd_kafka_AlterConsumerGroupOffsets_destroy(p);
  }
  void operator()(rd_kafka_DeleteConsumerGroupOffsets_t* p) const {
    rd_kafka_DeleteConsumerGroupOffsets_destroy(p);
  }
  void operator()(rd_kafka_DeleteGroup_t* p) const { rd_kafka_DeleteGroup_destroy(p); }
};
template <typename T>
using RdPtr = std::unique_ptr<T, RdKafkaDeleter>;
using KafkaHandle = RdPtr<rd_kafka_t>;
using ConfHandle = RdPtr<rd_kafka_conf_t>;
using PartitionList = RdPtr<rd_kafka_topic_partition_list_t>;
using QueueHandle = RdPtr<rd_kafka_queue_t>;
using EventHandle = RdPtr<rd_kafka_event_t>;

using Clock = std::chrono::steady_clock;

// The longest a single blocking librdkafka call waits, so a stop request is seen within it.
constexpr std::chrono::milliseconds kWaitSlice{100};

// A librdkafka conf holding every property of `config`, with librdkafka's log lines sent to
// walrelay's log (component "kafka") instead of its own stderr format. Fails with kInvalidArgument
// naming the property and value librdkafka refused.
Result<ConfHandle> BuildConf(const ClientConfig& config);

// A client of `type` from `conf` (consumed). Fails with kInvalidArgument carrying librdkafka's
// reason.
Result<KafkaHandle> NewClient(rd_kafka_type_t type, ConfHandle conf);

// Asks the brokers for `topic`'s metadata now, so that the first message to it leaves at once,
// and returns the topic handle that keeps `rk` knowing the topic. librdkafka (2.0) asks for an
// unknown topic's metadata only at its next one-second scan: the first message produced to a
// topic, and every write waiting for it, sat for up to a second. Best effort: on a timeout or
// error the handle is still returned and the scan does what it always did.
RdPtr<rd_kafka_topic_t> PrefetchTopic(rd_kafka_t* rk, const std::string& topic,
                                      std::chrono::milliseconds timeout);

// The signature of librdkafka's rebalance callback.
using RebalanceCallback = void (*)(rd_kafka_t*, rd_kafka_resp_err_t,
                                   rd_kafka_topic_partition_list_t*, void*);

// Closes the group consumer `rk` (commits librdkafka owes, the revocation through `rebalance_cb`
// with rd_kafka_opaque(rk) when given, leaving the group) within `timeout`, then destroys it.
// librdkafka's own close has no bound: a coordinator that went away, or a commit outstanding to
// it, held it for as long as the broker stayed down. On the timeout the handle is destroyed
// without closing (the group expires the member after its session timeout) and a kRetry error
// says so. `rk` is gone when this returns.
Status CloseAndDestroyConsumer(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                               RebalanceCallback rebalance_cb);

// Milliseconds to wait in the next slice before `deadline`: at most kWaitSlice, at least 0.
int SliceMs(Clock::time_point deadline);

// rd_kafka_seek_partitions with `timeout`. librdkafka before 2.1.0 (Debian 12 ships 2.0.2) read
// that function's timeout as microseconds (fixed by confluentinc/librdkafka#4230), so a 10 s
// seek gave up after 10 ms when the fetcher was busy: the argument is scaled for those versions.
rd_kafka_error_t* SeekPartitions(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions,
                                 std::chrono::milliseconds timeout);

// kStopped naming `what` when `stop` (may be null) is requested, else ok.
Status CheckStop(const StopSource* stop, const std::string& what);

// Topic metadata from the cluster: every topic (`topic` null) or one. Fails kNotFound for an
// unknown topic, kRetry/kReconnect when the brokers did not answer before `deadline`, kStopped on a
// stop request (checked every 500 ms).
Result<std::vector<TopicInfo>> FetchMetadata(rd_kafka_t* rk, const std::string* topic,
                                             Clock::time_point deadline, const StopSource* stop);

// Conversions between librdkafka's partition lists and ours.
PartitionList ToPartitionList(const std::vector<TopicPartitionOffset>& offsets);
PartitionList ToPartitionList(const std::vector<TopicPartition>& partitions);
std::vector<TopicPartition> FromPartitionList(const rd_kafka_topic_partition_list_t* list);

// The headers of a message, in order.
std::vector<Header> HeadersOf(const rd_kafka_message_t* message);

}  // namespace walrelay::kafka
