#include "worker/kafka_sink_input.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <thread>

#include "common/log.h"
#include "common/strings.h"
#include "kafka/client.h"

namespace walrelay::worker {
namespace {

std::vector<runtime::KafkaTopicPartition> Partitions(const rd_kafka_topic_partition_list_t* l) {
  std::vector<runtime::KafkaTopicPartition> out;
  for (int i = 0; i < l->cnt; ++i) out.push_back({l->elems[i].topic, l->elems[i].partition});
  return out;
}

}  // namespace

Result<std::unique_ptr<KafkaSinkInput>> KafkaSinkInput::Open(
    std::map<std::string, std::string> client, const std::string& connector,
    const std::map<std::string, std::string>& config, int max_poll_records) {
  auto topics_it = config.find("topics");
  auto regex_it = config.find("topics.regex");
  const bool has_topics = topics_it != config.end() && !Trim(topics_it->second).empty();
  const bool has_regex = regex_it != config.end() && !Trim(regex_it->second).empty();
  if (has_topics == has_regex) {
    return InvalidArgument("sink connector " + connector +
                           ": Must configure one of topics or topics.regex");
  }
  std::unique_ptr<KafkaSinkInput> in(new KafkaSinkInput());
  in->group_ = "connect-" + connector;
  in->max_poll_records_ = std::max(1, max_poll_records);
  client["group.id"] = in->group_;
  client["enable.auto.commit"] = "false";
  client["enable.auto.offset.store"] = "false";
  client.emplace("partition.assignment.strategy", "cooperative-sticky");
  client.emplace("auto.offset.reset", "earliest");  // Kafka Connect's default for sink tasks
  client.emplace("client.id", "connector-consumer-" + connector);
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : client) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("sink connector " + connector + " consumer: " + k + "=" + v + ": " +
                             err);
    }
  }
  rd_kafka_conf_set_opaque(conf, in.get());
  rd_kafka_conf_set_rebalance_cb(conf, &OnRebalanceCallback);
  in->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (in->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("sink connector " + connector + " consumer: " + err);
  }
  rd_kafka_poll_set_consumer(in->rk_);
  rd_kafka_topic_partition_list_t* subscription = rd_kafka_topic_partition_list_new(4);
  if (has_topics) {
    std::string list = topics_it->second;
    size_t start = 0;
    while (start <= list.size()) {
      size_t comma = list.find(',', start);
      std::string t(
          Trim(list.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
      if (!t.empty()) {
        rd_kafka_topic_partition_list_add(subscription, t.c_str(), RD_KAFKA_PARTITION_UA);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    // librdkafka treats a topic starting with ^ as a regular expression; Kafka's topics.regex
    // must match the whole name.
    std::string re = "^(" + regex_it->second + ")$";
    rd_kafka_topic_partition_list_add(subscription, re.c_str(), RD_KAFKA_PARTITION_UA);
  }
  rd_kafka_resp_err_t e = rd_kafka_subscribe(in->rk_, subscription);
  rd_kafka_topic_partition_list_destroy(subscription);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return InvalidArgument("sink connector " + connector +
                           ": cannot subscribe: " + rd_kafka_err2str(e));
  }
  return in;
}

KafkaSinkInput::~KafkaSinkInput() {
  if (rk_ == nullptr) return;
  // Leaves the group (the revocation runs OnRebalance), bounded for a broker that is away.
  Status s = kafka::CloseAndDestroyConsumer(rk_, std::chrono::seconds(10), &OnRebalanceCallback);
  if (!s.ok()) LogWarn("sink-input", s.message());
}

void KafkaSinkInput::OnRebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                         rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<KafkaSinkInput*>(opaque)->OnRebalance(err, parts);
}

void KafkaSinkInput::OnRebalance(int err, rd_kafka_topic_partition_list_t* parts) {
  const bool cooperative = std::string(rd_kafka_rebalance_protocol(rk_)) == "COOPERATIVE";
  using Kind = runtime::AssignmentEvent::Kind;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    if (cooperative) {
      rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, parts);
      if (e != nullptr) rd_kafka_error_destroy(e);
    } else {
      rd_kafka_assign(rk_, parts);
    }
    events_.push_back(runtime::AssignmentEvent{Kind::kAssigned, Partitions(parts)});
    return;
  }
  const bool lost = rd_kafka_assignment_lost(rk_) != 0;
  events_.push_back(
      runtime::AssignmentEvent{lost ? Kind::kLost : Kind::kRevoked, Partitions(parts)});
  if (cooperative) {
    rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, parts);
    if (e != nullptr) rd_kafka_error_destroy(e);
  } else {
    rd_kafka_assign(rk_, nullptr);
  }
}

Status KafkaSinkInput::Poll(std::chrono::milliseconds timeout, const StopSource* stop,
                            std::vector<runtime::SinkInputItem>* out) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool first = true;
  int messages = 0;
  while (messages < max_poll_records_) {
    int wait = 0;
    if (first) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait = static_cast<int>(std::clamp<int64_t>(left.count(), 0, 100));
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, wait);
    for (auto& ev : events_) out->push_back(std::move(ev));
    if (!events_.empty()) first = false;
    events_.clear();
    if (m == nullptr) {
      if (!first || !out->empty()) return Status::Ok();
      if (stop != nullptr && stop->stop_requested()) return Status::Ok();
      if (std::chrono::steady_clock::now() >= deadline) return Status::Ok();
      continue;
    }
    struct Release {
      rd_kafka_message_t* m;
      ~Release() { rd_kafka_message_destroy(m); }
    } release{m};
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      std::string what = std::string("group ") + group_ + ": " + rd_kafka_message_errstr(m);
      if (rd_kafka_fatal_error(rk_, nullptr, 0) != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return FatalError(what);
      }
      LogWarn(group_, what);  // librdkafka retries by itself
      continue;
    }
    runtime::ConsumedMessage msg;
    msg.topic = rd_kafka_topic_name(m->rkt);
    msg.partition = m->partition;
    msg.offset = m->offset;
    auto sought = sought_.find({msg.topic, msg.partition});
    if (sought != sought_.end()) {
      if (msg.offset < sought->second) continue;  // fetched before the seek took effect
      sought_.erase(sought);
    }
    if (m->key != nullptr) msg.key.emplace(static_cast<const char*>(m->key), m->key_len);
    if (m->payload != nullptr) msg.value.emplace(static_cast<const char*>(m->payload), m->len);
    rd_kafka_timestamp_type_t tstype;
    msg.timestamp_ms = rd_kafka_message_timestamp(m, &tstype);
    rd_kafka_headers_t* headers = nullptr;
    if (rd_kafka_message_headers(m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* name;
      const void* value;
      size_t size;
      for (size_t i = 0;
           rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
           ++i) {
        runtime::MessageHeader h{name, std::nullopt};
        if (value != nullptr) h.value.emplace(static_cast<const char*>(value), size);
        msg.headers.push_back(std::move(h));
      }
    }
    out->push_back(std::move(msg));
    ++messages;
    first = false;
  }
  return Status::Ok();
}

bool KafkaSinkInput::Assigned(const runtime::KafkaTopicPartition& tp) {
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return true;
  const bool found =
      rd_kafka_topic_partition_list_find(assignment, tp.topic.c_str(), tp.partition) != nullptr;
  rd_kafka_topic_partition_list_destroy(assignment);
  return found;
}

Status KafkaSinkInput::Seek(const runtime::KafkaTopicPartition& tp, int64_t offset) {
  const std::string what =
      "seeking " + tp.topic + "-" + std::to_string(tp.partition) + " to " + std::to_string(offset);
  // librdkafka refuses a seek with "Erroneous state" while the partition is between fetcher
  // states (as during the rebalances a broker failure brings) or once it is no longer assigned:
  // the first passes, the second makes the seek moot (the revocation is the next event).
  for (int attempt = 0;; ++attempt) {
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, tp.topic.c_str(), tp.partition)->offset = offset;
    rd_kafka_error_t* e = kafka::SeekPartitions(rk_, l, std::chrono::seconds(10));
    rd_kafka_resp_err_t code = l->elems[0].err;
    rd_kafka_topic_partition_list_destroy(l);
    std::string msg;
    if (e != nullptr) {
      code = rd_kafka_error_code(e);
      msg = rd_kafka_error_string(e);
      rd_kafka_error_destroy(e);
    } else if (code != RD_KAFKA_RESP_ERR_NO_ERROR) {
      msg = rd_kafka_err2str(code);
    } else {
      sought_[tp] = offset;
      return Status::Ok();
    }
    if (code != RD_KAFKA_RESP_ERR__STATE) return RetryError(what + ": " + msg);
    if (!Assigned(tp)) {
      LogInfo(group_, what + ": no longer assigned to this task; skipped");
      return Status::Ok();
    }
    if (attempt == 20) return RetryError(what + ": " + msg + " (21 attempts)");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

void KafkaSinkInput::CommitHint(const std::map<runtime::KafkaTopicPartition, int64_t>& next) {
  if (next.empty()) return;
  rd_kafka_topic_partition_list_t* l =
      rd_kafka_topic_partition_list_new(static_cast<int>(next.size()));
  for (const auto& [tp, offset] : next) {
    rd_kafka_topic_partition_list_add(l, tp.topic.c_str(), tp.partition)->offset = offset;
  }
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, l, /*async=*/1);
  rd_kafka_topic_partition_list_destroy(l);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    LogWarn(group_, std::string("committing offsets (a hint only): ") + rd_kafka_err2str(e));
  }
}

std::optional<int64_t> KafkaSinkInput::RecordsBehind() {
  rd_kafka_topic_partition_list_t* assignment = nullptr;
  if (rd_kafka_assignment(rk_, &assignment) != RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  std::optional<int64_t> behind;
  if (rd_kafka_position(rk_, assignment) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < assignment->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = assignment->elems[i];
      int64_t low = RD_KAFKA_OFFSET_INVALID;
      int64_t high = RD_KAFKA_OFFSET_INVALID;
      if (p.offset < 0 ||
          rd_kafka_get_watermark_offsets(rk_, p.topic, p.partition, &low, &high) !=
              RD_KAFKA_RESP_ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      behind = behind.value_or(0) + std::max<int64_t>(0, high - p.offset);
    }
  }
  rd_kafka_topic_partition_list_destroy(assignment);
  return behind;
}

}  // namespace walrelay::worker
