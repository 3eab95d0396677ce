#pragma once

// Test support for src/kafka/*_test.cc: librdkafka's in-process mock cluster (a Kafka protocol
// peer on loopback ports: produce, fetch, consumer groups, transactions; no admin requests).

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <map>
#include <stdexcept>
#include <string>

#include "kafka/client_config.h"

namespace walrelay::kafka {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 3) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", err, sizeof(err));
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof(err));
    if (host_ == nullptr) throw std::runtime_error(err);
    mock_ = rd_kafka_mock_cluster_new(host_, brokers);
    if (mock_ == nullptr) throw std::runtime_error("rd_kafka_mock_cluster_new failed");
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(host_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  rd_kafka_mock_cluster_t* get() const { return mock_; }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mock_); }
  void CreateTopic(const std::string& name, int partitions) {
    if (rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, 1) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      throw std::runtime_error("mock topic " + name);
    }
  }

  // A translated config for `role` against this cluster, from extra Java properties.
  ClientConfig Config(ClientRole role, std::map<std::string, std::string> props = {}) const {
    props["bootstrap.servers"] = bootstraps();
    auto cfg = TranslateJavaProperties(props, role);
    if (!cfg.ok()) throw std::runtime_error(cfg.status().ToString());
    cfg->Set("log_level", "3");
    return *cfg;
  }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

}  // namespace walrelay::kafka
