#include "worker/topic_admin.h"

#include <librdkafka/rdkafka.h>

namespace walrelay::worker {

Result<std::unique_ptr<TopicAdmin>> TopicAdmin::Open(
    const std::map<std::string, std::string>& client, std::chrono::milliseconds timeout) {
  std::unique_ptr<TopicAdmin> a(new TopicAdmin(timeout));
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> props = client;
  props.emplace("client.id", "walrelay-admin");
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("admin client: " + k + "=" + v + ": " + err);
    }
  }
  a->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (a->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(std::string("admin client: ") + err);
  }
  return a;
}

TopicAdmin::~TopicAdmin() {
  if (rk_ != nullptr) rd_kafka_destroy(rk_);
}

Result<std::string> TopicAdmin::ClusterId() {
  char* id = rd_kafka_clusterid(rk_, static_cast<int>(timeout_.count()));
  if (id == nullptr) return RetryError("the Kafka cluster did not say its id");
  std::string out(id);
  rd_kafka_mem_free(rk_, id);
  return out;
}

Result<int32_t> TopicAdmin::Partitions(const std::string& topic) {
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_, topic.c_str(), nullptr);
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk_, 0, rkt, &md, static_cast<int>(timeout_.count()));
  rd_kafka_topic_destroy(rkt);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return RetryError("metadata of topic " + topic + ": " + rd_kafka_err2str(e));
  }
  Result<int32_t> out = NotFound("topic " + topic + " does not exist");
  if (md->topic_cnt == 1 && md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
      md->topics[0].partition_cnt > 0) {
    out = md->topics[0].partition_cnt;
  }
  rd_kafka_metadata_destroy(md);
  return out;
}

Result<int> TopicAdmin::BrokerCount() {
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_resp_err_t e =
      rd_kafka_metadata(rk_, 0, nullptr, &md, static_cast<int>(timeout_.count()));
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return RetryError(std::string("cluster metadata: ") + rd_kafka_err2str(e));
  }
  int count = md->broker_cnt;
  rd_kafka_metadata_destroy(md);
  return count;
}

Result<std::optional<std::string>> TopicAdmin::TopicConfig(const std::string& topic,
                                                           const std::string& name) {
  char err[512];
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout_.count()), err,
                                            sizeof err);
  rd_kafka_DescribeConfigs(rk_, &resource, 1, opts, queue);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_ConfigResource_destroy(resource);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(timeout_.count()) + 5000);
  Result<std::optional<std::string>> out = std::optional<std::string>();
  if (ev == nullptr) {
    out = RetryError("describing the configs of topic " + topic + ": no answer from the cluster");
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out = RetryError("describing the configs of topic " + topic + ": " +
                     rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_ConfigResource_t** results =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) {
        out = NotFound("topic " + topic + " does not exist");
        break;
      }
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* msg = rd_kafka_ConfigResource_error_string(results[i]);
        out = RetryError("describing the configs of topic " + topic + ": " +
                         (msg != nullptr ? msg : rd_kafka_err2str(e)));
        break;
      }
      size_t count = 0;
      const rd_kafka_ConfigEntry_t** entries = rd_kafka_ConfigResource_configs(results[i], &count);
      for (size_t j = 0; j < count; ++j) {
        const char* entry_name = rd_kafka_ConfigEntry_name(entries[j]);
        const char* value = rd_kafka_ConfigEntry_value(entries[j]);
        if (entry_name != nullptr && name == entry_name && value != nullptr) {
          out = std::optional<std::string>(value);
        }
      }
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  return out;
}

Status TopicAdmin::Ensure(const TopicSpec& spec, bool* created_now) {
  if (created_now != nullptr) *created_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (known_.count(spec.name) > 0) return Status::Ok();
  }
  // CreateTopics goes to the controller id of the client's cached metadata, which librdkafka
  // does not refresh by itself while the client knows no topic: after that broker dies, every
  // attempt would wait its whole timeout for it. A brokers-only Metadata request, answered by a
  // live broker, names a live one (KRaft brokers report a random unfenced broker).
  const rd_kafka_metadata_t* md = nullptr;
  if (rd_kafka_metadata(rk_, 0, nullptr, &md, static_cast<int>(timeout_.count())) ==
          RD_KAFKA_RESP_ERR_NO_ERROR &&
      md != nullptr) {
    rd_kafka_metadata_destroy(md);
  }
  char err[512];
  rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                                                     spec.replication_factor, err, sizeof err);
  if (topic == nullptr) return InvalidArgument("topic " + spec.name + ": " + err);
  for (const auto& [k, v] : spec.configs) {
    rd_kafka_NewTopic_set_config(topic, k.c_str(), v.c_str());
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk_);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk_, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_operation_timeout(opts, static_cast<int>(timeout_.count()), err,
                                              sizeof err);
  rd_kafka_CreateTopics(rk_, &topic, 1, opts, queue);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_NewTopic_destroy(topic);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(queue, static_cast<int>(timeout_.count()) + 5000);
  Status out;
  bool created = false;
  if (ev == nullptr) {
    out = RetryError("creating topic " + spec.name + ": no answer from the cluster");
  } else if (rd_kafka_event_error(ev) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    out = RetryError("creating topic " + spec.name + ": " + rd_kafka_event_error_string(ev));
  } else {
    size_t n = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    for (size_t i = 0; i < n; ++i) {
      rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) created = true;
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR || e == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) continue;
      const char* msg = rd_kafka_topic_result_error_string(results[i]);
      std::string text = "creating topic " + spec.name + ": " + (msg != nullptr ? msg : "") + " (" +
                         rd_kafka_err2name(e) + ")";
      out = e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || e == RD_KAFKA_RESP_ERR__TIMED_OUT
                ? RetryError(text)
                : InvalidArgument(text);
    }
  }
  if (ev != nullptr) rd_kafka_event_destroy(ev);
  rd_kafka_queue_destroy(queue);
  if (out.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    known_.insert(spec.name);
  }
  if (out.ok() && created_now != nullptr) *created_now = created;
  return out;
}

}  // namespace walrelay::worker
