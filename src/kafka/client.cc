#include "kafka/client.h"

#include <algorithm>
#include <limits>
#include <string>

#include "common/log.h"
#include "kafka/errors.h"

namespace walrelay::kafka {
namespace {

constexpr const char* kComponent = "kafka";

// librdkafka's log callback (its own threads): syslog levels to ours.
void LogCallback(const rd_kafka_t* rk, int level, const char* facility, const char* buf) {
  const LogLevel ours = level <= 3   ? LogLevel::kError
                        : level == 4 ? LogLevel::kWarn
                        : level <= 6 ? LogLevel::kInfo
                                     : LogLevel::kDebug;
  if (!LogEnabled(ours)) return;
  Log(ours, kComponent, std::string(rd_kafka_name(rk)) + " " + facility + ": " + buf);
}

}  // namespace

Result<ConfHandle> BuildConf(const ClientConfig& config) {
  ConfHandle conf(rd_kafka_conf_new());
  char err[512];
  for (const auto& [name, value] : config.rdkafka) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), err, sizeof(err)) !=
        RD_KAFKA_CONF_OK) {
      const bool secret =
          name.find("password") != std::string::npos || name.find("key.pem") != std::string::npos;
      return InvalidArgument("Kafka client setting " + name + "='" +
                             (secret ? std::string("(hidden)") : value) + "' refused: " + err);
    }
  }
  rd_kafka_conf_set_log_cb(conf.get(), &LogCallback);
  return conf;
}

Result<KafkaHandle> NewClient(rd_kafka_type_t type, ConfHandle conf) {
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf.get(), err, sizeof(err));
  if (rk == nullptr) {
    return InvalidArgument(std::string("cannot create a Kafka ") +
                           (type == RD_KAFKA_PRODUCER ? "producer" : "consumer") + ": " + err);
  }
  conf.release();  // rd_kafka_new took it
  return KafkaHandle(rk);
}

int SliceMs(Clock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, kWaitSlice.count()));
}

rd_kafka_error_t* SeekPartitions(rd_kafka_t* rk, rd_kafka_topic_partition_list_t* partitions,
                                 std::chrono::milliseconds timeout) {
  int64_t arg = timeout.count();
  if (rd_kafka_version() < 0x020100ff) arg *= 1000;  // microseconds before 2.1.0
  arg = std::clamp<int64_t>(arg, 1, std::numeric_limits<int>::max());
  return rd_kafka_seek_partitions(rk, partitions, static_cast<int>(arg));
}

Status CheckStop(const StopSource* stop, const std::string& what) {
  if (stop != nullptr && stop->stop_requested()) return StoppedError(what + ": stop requested");
  return Status::Ok();
}

RdPtr<rd_kafka_topic_t> PrefetchTopic(rd_kafka_t* rk, const std::string& topic,
                                      std::chrono::milliseconds timeout) {
  RdPtr<rd_kafka_topic_t> rkt(rd_kafka_topic_new(rk, topic.c_str(), nullptr));
  if (rkt == nullptr) return rkt;
  const rd_kafka_metadata_t* raw = nullptr;
  if (rd_kafka_metadata(rk, 0, rkt.get(), &raw, static_cast<int>(timeout.count())) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    rd_kafka_metadata_destroy(raw);
  }
  return rkt;
}

Result<std::vector<TopicInfo>> FetchMetadata(rd_kafka_t* rk, const std::string* topic,
                                             Clock::time_point deadline, const StopSource* stop) {
  const std::string what = topic == nullptr ? "list topics" : "describe topic " + *topic;
  RdPtr<rd_kafka_topic_t> rkt;
  if (topic != nullptr) rkt.reset(rd_kafka_topic_new(rk, topic->c_str(), nullptr));
  Status last = RetryError(what + ": no answer from the brokers before the deadline");
  while (true) {
    WR_RETURN_IF_ERROR(CheckStop(stop, what));
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return last;
    const rd_kafka_metadata_t* raw = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(rk, topic == nullptr ? 1 : 0, rkt.get(), &raw,
                          static_cast<int>(std::min<int64_t>(left, 500)));
    RdPtr<const rd_kafka_metadata_t> md(raw);
    if (err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT) {
      last = StatusFromCode(err, what);
      continue;
    }
    WR_RETURN_IF_ERROR(StatusFromCode(err, what));
    std::vector<TopicInfo> out;
    for (int i = 0; i < md->topic_cnt; ++i) {
      const rd_kafka_metadata_topic_t& t = md->topics[i];
      if (t.err == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE && topic != nullptr) {
        last = StatusFromCode(t.err, what);  // being created: ask again
        out.clear();
        break;
      }
      if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        if (topic == nullptr) continue;  // listing: skip what the broker will not describe
        return StatusFromCode(t.err, what);
      }
      TopicInfo info;
      info.name = t.topic;
      info.partitions = t.partition_cnt;
      info.replication_factor = t.partition_cnt > 0 ? t.partitions[0].replica_cnt : 0;
      out.push_back(std::move(info));
    }
    if (topic != nullptr && out.empty()) continue;
    std::sort(out.begin(), out.end(),
              [](const TopicInfo& a, const TopicInfo& b) { return a.name < b.name; });
    return out;
  }
}

PartitionList ToPartitionList(const std::vector<TopicPartitionOffset>& offsets) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size())));
  for (const auto& o : offsets) {
    rd_kafka_topic_partition_list_add(list.get(), o.tp.topic.c_str(), o.tp.partition)->offset =
        o.offset;
  }
  return list;
}

PartitionList ToPartitionList(const std::vector<TopicPartition>& partitions) {
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(partitions.size())));
  for (const auto& tp : partitions) {
    rd_kafka_topic_partition_list_add(list.get(), tp.topic.c_str(), tp.partition);
  }
  return list;
}

std::vector<TopicPartition> FromPartitionList(const rd_kafka_topic_partition_list_t* list) {
  std::vector<TopicPartition> out;
  if (list == nullptr) return out;
  out.reserve(list->cnt);
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({list->elems[i].topic, list->elems[i].partition});
  }
  return out;
}

std::vector<Header> HeadersOf(const rd_kafka_message_t* message) {
  std::vector<Header> out;
  rd_kafka_headers_t* hdrs = nullptr;
  // The message keeps ownership of its headers.
  if (rd_kafka_message_headers(message, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return out;
  const char* name = nullptr;
  const void* value = nullptr;
  size_t size = 0;
  for (size_t i = 0;
       rd_kafka_header_get_all(hdrs, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
    Header h;
    h.key = name;
    if (value != nullptr) h.value = std::string(static_cast<const char*>(value), size);
    out.push_back(std::move(h));
  }
  return out;
}

Status CloseAndDestroyConsumer(rd_kafka_t* rk, std::chrono::milliseconds timeout,
                               RebalanceCallback rebalance_cb) {
  const std::string name = rd_kafka_name(rk);
  Status out;
  bool closed = false;
  QueueHandle queue(rd_kafka_queue_new(rk));
  if (rd_kafka_error_t* e = rd_kafka_consumer_close_queue(rk, queue.get()); e != nullptr) {
    out =
        StatusFromCode(rd_kafka_error_code(e), name + ": close consumer", rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  } else {
    const Clock::time_point deadline = Clock::now() + timeout;
    while (!(closed = rd_kafka_consumer_closed(rk) != 0) && Clock::now() < deadline) {
      EventHandle ev(rd_kafka_queue_poll(queue.get(), SliceMs(deadline)));
      if (ev != nullptr && rd_kafka_event_type(ev.get()) == RD_KAFKA_EVENT_REBALANCE &&
          rebalance_cb != nullptr) {
        rebalance_cb(rk, rd_kafka_event_error(ev.get()),
                     rd_kafka_event_topic_partition_list(ev.get()), rd_kafka_opaque(rk));
      }
    }
    if (!closed) {
      out = RetryError(name + ": closing the consumer did not finish in " +
                       std::to_string(timeout.count()) +
                       " ms (group coordinator unreachable?); the group expires the member after "
                       "its session timeout");
    }
  }
  queue.reset();
  rd_kafka_destroy_flags(rk, closed ? 0 : RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
  return out;
}

}  // namespace walrelay::kafka
