#include "worker/topic_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "kafka/client.h"

namespace walrelay::worker {
namespace {

constexpr std::chrono::seconds kUnknownTopicGrace{60};

Status LogError(const std::string& topic, const std::string& what, rd_kafka_resp_err_t err,
                const std::string& detail = "") {
  std::string msg = "topic " + topic + ": " + what + ": " +
                    (detail.empty() ? std::string(rd_kafka_err2str(err)) : detail);
  if (err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC) {
    return NotFound(msg);
  }
  if (err == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
      err == RD_KAFKA_RESP_ERR__AUTHENTICATION ||
      err == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED) {
    return FatalError(msg);
  }
  return RetryError(msg);
}

}  // namespace

Result<std::unique_ptr<TopicLog>> TopicLog::Open(const Options& options,
                                                 std::chrono::milliseconds timeout) {
  std::unique_ptr<TopicLog> log(new TopicLog(options));
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> props = options.client;
  props["enable.auto.commit"] = "false";
  props["enable.auto.offset.store"] = "false";
  props["isolation.level"] = "read_committed";
  props["enable.partition.eof"] = "false";
  props.emplace("client.id", "walrelay-log-" + options.topic);
  // The broker answers one request per connection at a time: a ReadToEnd's end-offset query
  // waited behind the idle long-poll fetch for up to fetch.wait.max.ms (librdkafka's 500 ms).
  // That was the wait before a task started reading its offset, and so before its first record.
  props.emplace("fetch.wait.max.ms", "100");
  // librdkafka needs a group id even for assign(); nothing joins or commits under it.
  props.emplace("group.id", "walrelay-log-reader");
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("reader of topic " + options.topic + ": " + k + "=" + v + ": " + err);
    }
  }
  log->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (log->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("reader of topic " + options.topic + ": " + err);
  }
  rd_kafka_poll_set_consumer(log->rk_);
  // A topic created a moment ago may not be in every broker's metadata yet: ask again until the
  // timeout.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(log->rk_, options.topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t e =
        rd_kafka_metadata(log->rk_, 0, rkt, &md, static_cast<int>(timeout.count()));
    rd_kafka_topic_destroy(rkt);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return LogError(options.topic, "metadata", e);
    e = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
    log->partitions_ = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    const bool unknown = e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART ||
                         e == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC ||
                         (e == RD_KAFKA_RESP_ERR_NO_ERROR && log->partitions_ <= 0);
    if (unknown && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return LogError(options.topic, "metadata", e);
    if (log->partitions_ <= 0) return NotFound("topic " + options.topic + " does not exist");
    break;
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(log->partitions_);
  for (int32_t p = 0; p < log->partitions_; ++p) {
    rd_kafka_topic_partition_list_add(parts, options.topic.c_str(), p)->offset =
        RD_KAFKA_OFFSET_BEGINNING;
  }
  rd_kafka_resp_err_t e = rd_kafka_assign(log->rk_, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) return LogError(options.topic, "assign", e);
  log->next_.assign(static_cast<size_t>(log->partitions_), 0);
  return log;
}

TopicLog::~TopicLog() {
  if (rk_ == nullptr) return;
  // Bounded: nothing is committed (the reader assigns partitions itself), and a broker that is
  // away must not hold up the worker's stop.
  Status s = kafka::CloseAndDestroyConsumer(rk_, std::chrono::seconds(5), nullptr);
  if (!s.ok()) LogWarn("topic-log", s.message());
}

Status TopicLog::Consume(const Apply& apply, int timeout_ms, bool* got) {
  *got = false;
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, timeout_ms);
  if (msg == nullptr) return Status::Ok();
  struct Release {
    rd_kafka_message_t* m;
    ~Release() { rd_kafka_message_destroy(m); }
  } release{msg};
  if (msg->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (msg->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return Status::Ok();
    Status s = LogError(options_.topic, "read", msg->err, rd_kafka_message_errstr(msg));
    // Open() found the topic; a broker that has not learnt of it yet (just created, on a
    // cluster of several brokers) answers "unknown topic or partition" for a moment: both
    // workers of kafka_failover_test died of that once. Tolerated for kUnknownTopicGrace; a
    // topic deleted under the worker fails it then.
    if (s.kind() == ErrorKind::kNotFound) {
      const auto now = std::chrono::steady_clock::now();
      if (!unknown_since_) unknown_since_ = now;
      if (now - *unknown_since_ < kUnknownTopicGrace) {
        LogWarn("worker", s.message() + " (the topic may be new to that broker; reading on)");
        return Status::Ok();
      }
      return s.WithContext("for " + std::to_string(kUnknownTopicGrace.count()) + " s");
    }
    if (s.kind() != ErrorKind::kRetry) return s;
    LogWarn("worker", s.message());
    return Status::Ok();
  }
  unknown_since_.reset();
  *got = true;
  LogRecord rec;
  rec.partition = msg->partition;
  rec.offset = msg->offset;
  if (msg->key != nullptr) rec.key.emplace(static_cast<const char*>(msg->key), msg->key_len);
  if (msg->payload != nullptr) {
    rec.value.emplace(static_cast<const char*>(msg->payload), msg->len);
  }
  if (rec.partition >= 0 && rec.partition < partitions_) {
    next_[static_cast<size_t>(rec.partition)] = rec.offset + 1;
  }
  return apply(rec);
}

Status TopicLog::ReadToEnd(const Apply& apply, std::chrono::milliseconds timeout,
                           const StopSource* stop, const std::map<int32_t, int64_t>& written) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  // The end of each partition now. Under read_committed the consumer's position moves past
  // transaction markers and aborted records, so "position >= end" is the test, not the offset
  // of the last record seen.
  std::vector<int64_t> end(static_cast<size_t>(partitions_), 0);
  // One ListOffsets request for every partition (timestamp -1: the end; under read_committed
  // the last stable offset), asked in short slices so that a stop request is honoured.
  while (true) {
    rd_kafka_topic_partition_list_t* ends = rd_kafka_topic_partition_list_new(partitions_);
    for (int32_t p = 0; p < partitions_; ++p) {
      rd_kafka_topic_partition_list_add(ends, options_.topic.c_str(), p)->offset = -1;
    }
    rd_kafka_resp_err_t e = rd_kafka_offsets_for_times(rk_, ends, 1000);
    for (int i = 0; i < ends->cnt && e == RD_KAFKA_RESP_ERR_NO_ERROR; ++i) {
      if (ends->elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR) e = ends->elems[i].err;
      end[static_cast<size_t>(ends->elems[i].partition)] = ends->elems[i].offset;
    }
    rd_kafka_topic_partition_list_destroy(ends);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (stop != nullptr && stop->stop_requested()) {
      return StoppedError("stopped while reading topic " + options_.topic);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return LogError(options_.topic, "end offsets", e);
    }
  }
  for (const auto& [p, offset] : written) {
    if (p >= 0 && p < partitions_) {
      end[static_cast<size_t>(p)] = std::max(end[static_cast<size_t>(p)], offset + 1);
    }
  }
  while (true) {
    rd_kafka_topic_partition_list_t* pos = rd_kafka_topic_partition_list_new(partitions_);
    for (int32_t p = 0; p < partitions_; ++p) {
      rd_kafka_topic_partition_list_add(pos, options_.topic.c_str(), p);
    }
    rd_kafka_position(rk_, pos);
    bool done = true;
    for (int32_t p = 0; p < partitions_ && done; ++p) {
      int64_t at = pos->elems[p].offset;
      // Before the first fetch the position is unknown: fall back on what was read.
      if (at < 0) at = next_[static_cast<size_t>(p)];
      if (at < end[static_cast<size_t>(p)]) done = false;
    }
    rd_kafka_topic_partition_list_destroy(pos);
    if (done) return Status::Ok();
    if (stop != nullptr && stop->stop_requested()) {
      return StoppedError("stopped while reading topic " + options_.topic);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return RetryError("topic " + options_.topic + ": not read to its end within " +
                        std::to_string(timeout.count()) + " ms");
    }
    // A short wait: the position also moves past transaction markers, which librdkafka reads
    // without handing anything over; a longer wait added its length to every read of our own
    // transactional write (the leader's config writes).
    bool got = false;
    WR_RETURN_IF_ERROR(Consume(apply, 10, &got));
  }
}

Status TopicLog::Poll(const Apply& apply, std::chrono::milliseconds timeout) {
  bool got = false;
  WR_RETURN_IF_ERROR(Consume(apply, static_cast<int>(timeout.count()), &got));
  // Drain what is already fetched without waiting again.
  while (got) WR_RETURN_IF_ERROR(Consume(apply, 0, &got));
  return Status::Ok();
}

}  // namespace walrelay::worker
