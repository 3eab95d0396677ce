#include "worker/membership.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>

#include "common/log.h"
#include "kafka/client.h"

namespace walrelay::worker {
namespace {

constexpr char kLog[] = "membership";
// How long leaving the group may take before the worker stops without it.
constexpr std::chrono::seconds kLeaveTimeout{10};

Status KafkaError(const std::string& what, rd_kafka_resp_err_t err, const char* detail = nullptr) {
  std::string msg = what + ": " + (detail != nullptr ? detail : rd_kafka_err2str(err));
  switch (err) {
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
    case RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS:
      return RetryError(msg);
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
      return FatalError(msg);
    default:
      return FatalError(msg);
  }
}

}  // namespace

Result<std::unique_ptr<Membership>> Membership::Join(const Options& options) {
  std::unique_ptr<Membership> m(new Membership(options));
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  auto set = [&](const std::string& key, const std::string& value) -> Status {
    if (rd_kafka_conf_set(conf, key.c_str(), value.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      return InvalidArgument("worker group client: " + key + "=" + value + ": " + err);
    }
    return Status::Ok();
  };
  Status s;
  for (const auto& [k, v] : options.client) {
    if (s.ok()) s = set(k, v);
  }
  if (s.ok()) s = set("group.id", options.group_id);
  if (s.ok()) s = set("client.id", options.worker_id);
  if (s.ok()) s = set("partition.assignment.strategy", "range");
  if (s.ok()) s = set("enable.auto.commit", "false");
  if (s.ok()) s = set("enable.auto.offset.store", "false");
  if (!s.ok()) {
    rd_kafka_conf_destroy(conf);
    return s;
  }
  rd_kafka_conf_set_opaque(conf, m.get());
  rd_kafka_conf_set_rebalance_cb(conf, &OnRebalanceCallback);
  m->rk_ = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (m->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(std::string("worker group client: ") + err);
  }
  rd_kafka_poll_set_consumer(m->rk_);
  rd_kafka_topic_partition_list_t* topics = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(topics, options.topic.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(m->rk_, topics);
  rd_kafka_topic_partition_list_destroy(topics);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaError("cannot join group " + options.group_id, e);
  }
  return m;
}

Membership::~Membership() { Leave(); }

void Membership::OnRebalanceCallback(rd_kafka_t*, rd_kafka_resp_err_t err,
                                     rd_kafka_topic_partition_list_t* parts, void* opaque) {
  static_cast<Membership*>(opaque)->OnRebalance(err, parts);
}

void Membership::OnRebalance(int err, rd_kafka_topic_partition_list_t* parts) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk_, parts);
    bool leader = false;
    for (int i = 0; i < parts->cnt; ++i) {
      if (parts->elems[i].partition == 0 && options_.topic == parts->elems[i].topic) leader = true;
    }
    // The partition is only a token: nothing is read through the group.
    if (parts->cnt > 0) rd_kafka_pause_partitions(rk_, parts);
    leader_ = leader;
    in_group_ = true;
    pending_.Assigned();
    LogInfo(kLog, std::string("joined group ") + options_.group_id +
                      (leader ? " as its leader" : " as a follower"));
    return;
  }
  // Revoked (a rebalance begins) or lost (this member was expelled).
  const bool lost = rd_kafka_assignment_lost(rk_) != 0;
  rd_kafka_assign(rk_, nullptr);
  leader_ = false;
  in_group_ = false;
  if (lost) {
    pending_.Lost();
    LogWarn(kLog, "lost membership of group " + options_.group_id +
                      " (the session expired): this worker owns nothing until it rejoins");
  }
}

Result<Membership::Event> Membership::Poll(std::chrono::milliseconds timeout) {
  if (rk_ == nullptr) return FatalError("worker group " + options_.group_id + ": left");
  rd_kafka_message_t* msg = rd_kafka_consumer_poll(rk_, static_cast<int>(timeout.count()));
  if (msg != nullptr) {
    rd_kafka_resp_err_t e = msg->err;
    std::string detail = e != RD_KAFKA_RESP_ERR_NO_ERROR ? rd_kafka_message_errstr(msg) : "";
    rd_kafka_message_destroy(msg);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR && e != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      Status s = KafkaError("group " + options_.group_id, e, detail.c_str());
      if (s.kind() == ErrorKind::kFatal && rd_kafka_fatal_error(rk_, nullptr, 0) != 0) return s;
      if (e == RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED ||
          e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
          e == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
          e == RD_KAFKA_RESP_ERR__AUTHENTICATION) {
        return s;
      }
      LogWarn(kLog, s.message());
    }
  }
  return pending_.Take();
}

Result<std::vector<std::string>> Membership::Members(std::chrono::milliseconds timeout,
                                                     const StopSource* stop) {
  if (rk_ == nullptr) return FatalError("worker group " + options_.group_id + ": left");
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_AdminOptions_t* opts =
      rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS);
  char err[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout.count()), err,
                                            sizeof err);
  const char* groups[] = {options_.group_id.c_str()};
  rd_kafka_DescribeConsumerGroups(rk_, groups, 1, opts, queue);
  rd_kafka_AdminOptions_destroy(opts);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  rd_kafka_event_t* ev = nullptr;
  while (ev == nullptr) {
    if (stop != nullptr && stop->stop_requested()) {
      rd_kafka_queue_destroy(queue);
      return StoppedError("stopped while describing group " + options_.group_id);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      rd_kafka_queue_destroy(queue);
      return RetryError("describing group " + options_.group_id + " timed out");
    }
    ev = rd_kafka_queue_poll(queue, 100);
  }
  Result<std::vector<std::string>> out = std::vector<std::string>();
  if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out = KafkaError("describing group " + options_.group_id, rd_kafka_event_error(ev),
                     rd_kafka_event_error_string(ev));
  } else {
    const rd_kafka_DescribeConsumerGroups_result_t* res =
        rd_kafka_event_DescribeConsumerGroups_result(ev);
    size_t n = 0;
    const rd_kafka_ConsumerGroupDescription_t** descs =
        rd_kafka_DescribeConsumerGroups_result_groups(res, &n);
    for (size_t i = 0; i < n && out.ok(); ++i) {
      const rd_kafka_error_t* ge = rd_kafka_ConsumerGroupDescription_error(descs[i]);
      if (ge != nullptr) {
        out = KafkaError("describing group " + options_.group_id, rd_kafka_error_code(ge),
                         rd_kafka_error_string(ge));
        break;
      }
      if (rd_kafka_ConsumerGroupDescription_state(descs[i]) !=
          RD_KAFKA_CONSUMER_GROUP_STATE_STABLE) {
        out = RetryError("group " + options_.group_id + " is rebalancing");
        break;
      }
      for (size_t m = 0; m < rd_kafka_ConsumerGroupDescription_member_count(descs[i]); ++m) {
        const rd_kafka_MemberDescription_t* member =
            rd_kafka_ConsumerGroupDescription_member(descs[i], m);
        out->push_back(rd_kafka_MemberDescription_client_id(member));
      }
    }
  }
  rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  if (out.ok()) {
    std::sort(out->begin(), out->end());
    out->erase(std::unique(out->begin(), out->end()), out->end());
  }
  return out;
}

void Membership::Leave() {
  if (rk_ == nullptr) return;  // left already (or never joined)
  // Bounded: a worker stopping while the brokers are away must not wait for them.
  Status s = kafka::CloseAndDestroyConsumer(rk_, kLeaveTimeout, &OnRebalanceCallback);
  rk_ = nullptr;
  if (!s.ok()) LogWarn(kLog, "leaving group " + options_.group_id + ": " + s.message());
  leader_ = false;
  in_group_ = false;
}

}  // namespace walrelay::worker
