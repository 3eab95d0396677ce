#include "runtime/worker_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "config/test_seed.h"

namespace walrelay::runtime {
namespace {

using Props = std::map<std::string, std::string>;

Props Minimal() {
  return {{"group.id", "g"},
          {"config.storage.topic", "c"},
          {"offset.storage.topic", "o"},
          {"status.storage.topic", "s"},
          {"key.converter", convert::kJsonConverterClass},
          {"value.converter", convert::kJsonConverterClass}};
}

Result<WorkerConfig> ParseWith(std::map<std::string, std::string> extra,
                               std::vector<std::string>* warnings = nullptr) {
  Props p = Minimal();
  for (auto& [k, v] : extra) p[k] = v;
  return WorkerConfig::Parse(p, "w.properties", warnings);
}

std::string ErrorOf(std::map<std::string, std::string> extra) {
  auto r = ParseWith(std::move(extra));
  return r.ok() ? "" : r.status().message();
}

// A scratch file removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/walrelay_worker_test_XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(WorkerConfigTest, LoadsTheSeedWorkerFile) {
  std::vector<std::string> warnings;
  auto w = WorkerConfig::Load(config::SeedPath("connect-distributed.properties"), &warnings);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(warnings, std::vector<std::string>{});
  EXPECT_EQ(w->bootstrap_servers, std::vector<std::string>{"127.0.0.1:9092"});
  EXPECT_EQ(w->group_id, "1");
  EXPECT_EQ(w->config_topic.name, "my_connect_configs");
  EXPECT_EQ(w->offset_topic.name, "my_connect_offsets");
  EXPECT_EQ(w->status_topic.name, "my_connect_statuses");
  EXPECT_EQ(w->config_topic.replication_factor, 1);
  EXPECT_EQ(w->offset_topic.replication_factor, 1);
  EXPECT_EQ(w->status_topic.replication_factor, 1);
  EXPECT_EQ(w->config_topic.partitions, 1);
  EXPECT_EQ(w->offset_topic.partitions, 25);
  EXPECT_EQ(w->status_topic.partitions, 5);
  EXPECT_EQ(w->offset_topic.configs,
            (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
  EXPECT_EQ(w->key_converter.class_name, convert::kJsonConverterClass);
  EXPECT_TRUE(w->value_converter.schemas_enable);
  ASSERT_EQ(w->listeners.size(), 1u);
  EXPECT_EQ(w->listeners[0].host, "127.0.0.1");
  EXPECT_EQ(w->listeners[0].port, 8083);
  EXPECT_EQ(w->advertised_host, "127.0.0.1");
  EXPECT_EQ(w->advertised_port, 8083);
}

TEST(WorkerConfigTest, InternalTopicSettingsOfKip605) {
  std::vector<std::string> warnings;
  auto w = ParseWith({{"offset.storage.min.insync.replicas", "2"},
                      {"offset.storage.segment.bytes", " 1048576 "},
                      {"status.storage.cleanup.policy", "compact"},
                      {"config.storage.max.message.bytes", "2000000"}},
                     &warnings);
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(warnings, std::vector<std::string>{});
  using Configs = std::map<std::string, std::string>;
  EXPECT_EQ(w->offset_topic.configs, (Configs{{"cleanup.policy", "compact"},
                                              {"min.insync.replicas", "2"},
                                              {"segment.bytes", "1048576"}}));
  EXPECT_EQ(w->status_topic.configs, (Configs{{"cleanup.policy", "compact"}}));
  EXPECT_EQ(w->config_topic.configs,
            (Configs{{"cleanup.policy", "compact"}, {"max.message.bytes", "2000000"}}));
  // Deleting old records would lose configs and offsets.
  const std::string err = ErrorOf({{"offset.storage.cleanup.policy", "delete"}});
  EXPECT_NE(err.find("offset.storage.cleanup.policy"), std::string::npos) << err;
  EXPECT_NE(err.find("compact"), std::string::npos) << err;
}

TEST(WorkerConfigTest, ConnectDefaults) {
  auto w = ParseWith({});
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->bootstrap_servers, std::vector<std::string>{"localhost:9092"});
  EXPECT_EQ(w->config_topic.replication_factor, 3);
  EXPECT_EQ(w->offset_topic.partitions, 25);
  EXPECT_EQ(w->status_topic.partitions, 5);
  EXPECT_EQ(w->offset_flush_interval_ms, 60000);
  EXPECT_EQ(w->offset_flush_timeout_ms, 5000);
  EXPECT_EQ(w->session_timeout_ms, 10000);
  EXPECT_EQ(w->heartbeat_interval_ms, 3000);
  EXPECT_EQ(w->rebalance_timeout_ms, 60000);
  EXPECT_EQ(w->scheduled_rebalance_max_delay_ms, 300000);
  EXPECT_EQ(w->worker_sync_timeout_ms, 3000);
  EXPECT_EQ(w->task_shutdown_graceful_timeout_ms, 5000);
  EXPECT_EQ(w->exactly_once_source_support, ExactlyOnceSourceSupport::kDisabled);
  EXPECT_EQ(w->client_override_policy, ClientOverridePolicy::kAll);
  // Unset listeners: loopback on rest.port.
  ASSERT_EQ(w->listeners.size(), 1u);
  EXPECT_EQ(w->listeners[0].protocol, "http");
  EXPECT_EQ(w->listeners[0].host, "127.0.0.1");
  EXPECT_EQ(w->listeners[0].port, 8083);
  auto p = ParseWith({{"rest.port", "18083"}});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->listeners[0].port, 18083);
}

TEST(WorkerConfigTest, RequiredProperties) {
  for (const char* key : {"group.id", "config.storage.topic", "offset.storage.topic",
                          "status.storage.topic", "key.converter", "value.converter"}) {
    Props p = Minimal();
    p.erase(key);
    auto r = WorkerConfig::Parse(p, "w.properties", nullptr);
    ASSERT_FALSE(r.ok()) << key;
    EXPECT_EQ(r.status().message(),
              std::string("w.properties: property '") + key + "' is required");
  }
}

TEST(WorkerConfigTest, BadValuesNameThePropertyAndValue) {
  EXPECT_EQ(ErrorOf({{"offset.storage.replication.factor", "0"}}),
            "w.properties: property 'offset.storage.replication.factor' has invalid value '0': "
            "must be -1 (the broker's default) or between 1 and 32767");
  EXPECT_TRUE(
      ParseWith({{"offset.storage.replication.factor", "-1"}, {"status.storage.partitions", "-1"}})
          .ok());
  EXPECT_NE(ErrorOf({{"session.timeout.ms", "soon"}})
                .find("'session.timeout.ms' has invalid value 'soon'"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({{"exactly.once.source.support", "maybe"}}).find("'exactly.once.source.support'"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf({{"listeners", "ftp://h:1"}}).find("listener 'ftp://h:1' has an unknown protocol"),
      std::string::npos);
  EXPECT_NE(ErrorOf({{"listeners", "http://h"}}).find("has no port"), std::string::npos);
  EXPECT_NE(ErrorOf({{"value.converter", "io.confluent.connect.avro.AvroConverter"}})
                .find("property 'value.converter.schema.registry.url' is required"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"value.converter", "io.confluent.connect.protobuf.ProtobufConverter"}})
                .find("value.converter io.confluent.connect.protobuf.ProtobufConverter is not "
                      "supported"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf({{"heartbeat.interval.ms", "10000"}}).find("must be lower than session.timeout.ms"),
      std::string::npos);
  EXPECT_NE(ErrorOf({{"status.storage.topic", "o"}}).find("'o' is used twice"), std::string::npos);
  EXPECT_NE(
      ErrorOf({{"config.providers", "file"}}).find("'config.providers' has invalid value 'file'"),
      std::string::npos);
  EXPECT_NE(ErrorOf({{"rest.extension.classes", "com.example.Ext"}}).find("rest.extension.classes"),
            std::string::npos);
  EXPECT_NE(ErrorOf({{"rest.extension.classes", kBasicAuthExtensionClass}})
                .find("'rest.basic.auth.jaas.config' is required"),
            std::string::npos);
}

TEST(WorkerConfigTest, ListenersAndAdvertised) {
  auto w = ParseWith(
      {{"listeners", "HTTP://:8083, https://[::1]:8443/"}, {"rest.advertised.listener", "https"}});
  ASSERT_TRUE(w.ok()) << w.status().message();
  ASSERT_EQ(w->listeners.size(), 2u);
  EXPECT_EQ(w->listeners[0].protocol, "http");
  EXPECT_EQ(w->listeners[0].host, "");
  EXPECT_EQ(w->listeners[1].protocol, "https");
  EXPECT_EQ(w->listeners[1].host, "::1");
  EXPECT_EQ(w->listeners[1].port, 8443);
  EXPECT_EQ(w->advertised_listener, "https");
}

TEST(WorkerConfigTest, ClientSettingsLayerCommonThenRole) {
  auto w = ParseWith({{"bootstrap.servers", "a:1, b:2"},
                      {"security.protocol", "SASL_SSL"},
                      {"sasl.mechanism", "PLAIN"},
                      {"ssl.truststore.location", "/t"},
                      {"producer.acks", "all"},
                      {"producer.sasl.mechanism", "SCRAM-SHA-512"},
                      {"consumer.max.poll.records", "10"},
                      {"admin.request.timeout.ms", "5"}});
  ASSERT_TRUE(w.ok()) << w.status().message();
  auto producer = w->ClientSettings(ClientRole::kProducer);
  EXPECT_EQ(producer.at("bootstrap.servers"), "a:1,b:2");
  EXPECT_EQ(producer.at("security.protocol"), "SASL_SSL");
  EXPECT_EQ(producer.at("sasl.mechanism"), "SCRAM-SHA-512");
  EXPECT_EQ(producer.at("acks"), "all");
  EXPECT_EQ(producer.count("max.poll.records"), 0u);
  auto consumer = w->ClientSettings(ClientRole::kConsumer);
  EXPECT_EQ(consumer.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(consumer.at("max.poll.records"), "10");
  EXPECT_EQ(w->ClientSettings(ClientRole::kAdmin).at("request.timeout.ms"), "5");
  EXPECT_EQ(w->ClientSettings(ClientRole::kAdmin).at("ssl.truststore.location"), "/t");
}

TEST(WorkerConfigTest, WarnsOnUnknownAndPluginPath) {
  std::vector<std::string> warnings;
  auto w = ParseWith({{"plugin.path", "/usr/share/java"}, {"no.such.thing", "1"}}, &warnings);
  ASSERT_TRUE(w.ok());
  ASSERT_EQ(warnings.size(), 2u);
  std::sort(warnings.begin(), warnings.end());
  EXPECT_NE(warnings[0].find("'plugin.path' is accepted, not implemented yet"), std::string::npos);
  EXPECT_EQ(warnings[1], "w.properties: unknown property 'no.such.thing' (ignored)");
}

TEST(WorkerConfigTest, OverridePolicyByShortOrClassName) {
  auto w = ParseWith({{"connector.client.config.override.policy",
                       "org.apache.kafka.connect.connector.policy."
                       "PrincipalConnectorClientConfigOverridePolicy"}});
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->client_override_policy, ClientOverridePolicy::kPrincipal);
  w = ParseWith({{"connector.client.config.override.policy", "None"}});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->client_override_policy, ClientOverridePolicy::kNone);
}

TEST(WorkerConfigTest, BasicAuthCredentialsFromJaas) {
  TempFile creds("alice=secret\nbob: hunter2\n");
  TempFile jaas(
      "KafkaServer { x required; };\nKafkaConnect {\n"
      "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule "
      "required\n  file=\"" +
      creds.path() + "\";\n};\n");
  auto w = ParseWith({{"rest.extension.classes", kBasicAuthExtensionClass},
                      {"rest.basic.auth.jaas.config", jaas.path()}});
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_TRUE(w->basic_auth);
  auto users = LoadBasicAuthCredentials(w->basic_auth_jaas_file);
  ASSERT_TRUE(users.ok()) << users.status().message();
  EXPECT_EQ(*users, (std::map<std::string, std::string>{{"alice", "secret"}, {"bob", "hunter2"}}));
  TempFile no_section("Other { m required file=\"/x\"; };");
  auto bad = LoadBasicAuthCredentials(no_section.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("no KafkaConnect"), std::string::npos);
}

TEST(WorkerConfigTest, SchemaRegistrySettings) {
  auto none = ParseWith({});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(none->schema_registry.listeners, "");
  EXPECT_EQ(none->schema_registry.group_id, "schema-registry");
  EXPECT_EQ(none->schema_registry.topic, "_schemas");
  EXPECT_TRUE(none->schema_registry.leader_eligible);

  std::vector<std::string> warnings;
  auto c = ParseWith({{"schema.registry.listeners", "http://127.0.0.1:8081"},
                      {"schema.registry.group.id", "g-sr"},
                      {"schema.registry.topic", "_g_schemas"},
                      {"schema.registry.leader.eligibility", "false"},
                      {"schema.registry.host.name", "w1"}},
                     &warnings);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(warnings.empty()) << warnings.front();
  EXPECT_EQ(c->schema_registry.listeners, "http://127.0.0.1:8081");
  EXPECT_EQ(c->schema_registry.group_id, "g-sr");
  EXPECT_EQ(c->schema_registry.topic, "_g_schemas");
  EXPECT_FALSE(c->schema_registry.leader_eligible);
  EXPECT_EQ(c->schema_registry.host_name, "w1");

  auto bad = ParseWith({{"schema.registry.listeners", "ftp://x:1"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("property 'schema.registry.listeners' has invalid value"),
            std::string::npos)
      << bad.status().message();
  bad = ParseWith({{"schema.registry.leader.eligibility", "perhaps"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("'schema.registry.leader.eligibility'"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::runtime
