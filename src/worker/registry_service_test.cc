#include "worker/registry_service.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace walrelay::worker {
namespace {

using Props = std::map<std::string, std::string>;

Result<RegistryServiceConfig> Parse(Props props, std::vector<std::string>* warnings = nullptr) {
  props.emplace("kafkastore.bootstrap.servers", "PLAINTEXT://k1:9092,PLAINTEXT://k2:9092");
  return RegistryServiceConfig::Parse(props, "sr.properties", warnings);
}

TEST(ParseBootstrapEndpointsTest, PlainAndPrefixedItems) {
  auto plain = ParseBootstrapEndpoints("k1:9092, k2:9093");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->first, (std::vector<std::string>{"k1:9092", "k2:9093"}));
  EXPECT_EQ(plain->second, "");
  auto prefixed = ParseBootstrapEndpoints("sasl_ssl://k1:9092,SASL_SSL://k2:9093");
  ASSERT_TRUE(prefixed.ok());
  EXPECT_EQ(prefixed->first, (std::vector<std::string>{"k1:9092", "k2:9093"}));
  EXPECT_EQ(prefixed->second, "SASL_SSL");
}

TEST(ParseBootstrapEndpointsTest, RefusesMixedProtocolsAndItemsWithoutAPort) {
  auto mixed = ParseBootstrapEndpoints("PLAINTEXT://k1:9092,SSL://k2:9093");
  ASSERT_FALSE(mixed.ok());
  EXPECT_NE(mixed.status().message().find("kafkastore.bootstrap.servers"), std::string::npos);
  EXPECT_FALSE(ParseBootstrapEndpoints("PLAINTEXT://k1").ok());
  EXPECT_FALSE(ParseBootstrapEndpoints(" , ").ok());
}

TEST(RegistryServiceConfigTest, ConfluentDefaults) {
  std::vector<std::string> warnings;
  auto c = Parse({}, &warnings);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(warnings.empty());
  EXPECT_EQ(c->topic, "_schemas");
  EXPECT_EQ(c->group_id, "schema-registry");
  EXPECT_EQ(c->replication_factor, 3);
  EXPECT_TRUE(c->leader_eligible);
  EXPECT_EQ(c->timeout, kDefaultSchemaStoreTimeout);
  EXPECT_EQ(c->init_timeout, std::chrono::milliseconds(60000));
  EXPECT_EQ(c->registry.default_compatibility, "BACKWARD");
  EXPECT_EQ(c->kafka.at("bootstrap.servers"), "k1:9092,k2:9092");
  EXPECT_EQ(c->kafka.count("security.protocol"), 0u);
  // Loopback, as walrelay worker's REST API.
  ASSERT_EQ(c->server.listeners.size(), 1u);
  EXPECT_EQ(c->server.listeners[0].host, "127.0.0.1");
  EXPECT_EQ(c->server.listeners[0].port, 8081);
}

TEST(RegistryServiceConfigTest, ReadsEveryProperty) {
  auto c = Parse({{"listeners", "http://0.0.0.0:18081"},
                  {"host.name", "sr1.example"},
                  {"kafkastore.topic", "_my_schemas"},
                  {"kafkastore.topic.replication.factor", "2"},
                  {"kafkastore.timeout.ms", "800"},
                  {"kafkastore.init.timeout.ms", "9000"},
                  {"kafkastore.session.timeout.ms", "7000"},
                  {"kafkastore.heartbeat.interval.ms", "700"},
                  {"kafkastore.security.protocol", "SASL_PLAINTEXT"},
                  {"kafkastore.sasl.mechanism", "PLAIN"},
                  {"schema.registry.group.id", "sr-group"},
                  {"leader.eligibility", "false"},
                  {"schema.compatibility.level", "full_transitive"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->server.listeners[0].port, 18081);
  EXPECT_EQ(c->host_name, "sr1.example");
  EXPECT_EQ(c->topic, "_my_schemas");
  EXPECT_EQ(c->replication_factor, 2);
  EXPECT_EQ(c->timeout, std::chrono::milliseconds(800));
  EXPECT_EQ(c->init_timeout, std::chrono::milliseconds(9000));
  EXPECT_EQ(c->session_timeout_ms, 7000);
  EXPECT_EQ(c->heartbeat_interval_ms, 700);
  EXPECT_EQ(c->group_id, "sr-group");
  EXPECT_FALSE(c->leader_eligible);
  EXPECT_EQ(c->registry.default_compatibility, "FULL_TRANSITIVE");
  // kafkastore.* client properties pass through without the prefix; the registry's own don't.
  EXPECT_EQ(c->kafka.at("security.protocol"), "SASL_PLAINTEXT");
  EXPECT_EQ(c->kafka.at("sasl.mechanism"), "PLAIN");
  EXPECT_EQ(c->kafka.count("topic"), 0u);
  EXPECT_EQ(c->kafka.count("timeout.ms"), 0u);
}

TEST(RegistryServiceConfigTest, DeprecatedNames) {
  auto c = Parse({{"master.eligibility", "false"}, {"avro.compatibility.level", "none"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_FALSE(c->leader_eligible);
  EXPECT_EQ(c->registry.default_compatibility, "NONE");
}

TEST(RegistryServiceConfigTest, ProtocolOfTheBootstrapPrefixUnlessGiven) {
  auto ssl = RegistryServiceConfig::Parse({{"kafkastore.bootstrap.servers", "SSL://k1:9093"}},
                                          "sr.properties", nullptr);
  ASSERT_TRUE(ssl.ok()) << ssl.status().ToString();
  EXPECT_EQ(ssl->kafka.at("security.protocol"), "SSL");
  EXPECT_EQ(ssl->kafka.at("bootstrap.servers"), "k1:9093");
  auto given = RegistryServiceConfig::Parse({{"kafkastore.bootstrap.servers", "SSL://k1:9093"},
                                             {"kafkastore.security.protocol", "SASL_SSL"}},
                                            "sr.properties", nullptr);
  ASSERT_TRUE(given.ok());
  EXPECT_EQ(given->kafka.at("security.protocol"), "SASL_SSL");
}

TEST(RegistryServiceConfigTest, BadValuesNameThePropertyAndWhatIsAllowed) {
  struct Case {
    Props props;
    std::string expected;
  } cases[] = {
      {{{"leader.eligibility", "maybe"}},
       "property 'leader.eligibility' has invalid value 'maybe': must be true or false"},
      {{{"kafkastore.topic.replication.factor", "0"}},
       "property 'kafkastore.topic.replication.factor' has invalid value '0': must be between 1 "
       "and 32767"},
      {{{"kafkastore.timeout.ms", "soon"}}, "property 'kafkastore.timeout.ms'"},
      {{{"listeners", "ftp://x:1"}}, "property 'listeners' has invalid value 'ftp://x:1'"},
      {{{"schema.compatibility.level", "SIDEWAYS"}},
       "property 'schema.compatibility.level' has invalid value 'SIDEWAYS'"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.props);
    ASSERT_FALSE(r.ok()) << c.expected;
    EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(r.status().message().find("sr.properties: " + c.expected), std::string::npos)
        << r.status().message();
  }
  auto missing = RegistryServiceConfig::Parse({}, "sr.properties", nullptr);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("'kafkastore.bootstrap.servers' is required"),
            std::string::npos)
      << missing.status().message();
}

TEST(RegistryServiceConfigTest, UnknownPropertiesAreWarnedAboutByName) {
  std::vector<std::string> warnings;
  auto c = Parse({{"no.such.property", "1"}, {"ssl.keystore.type", "PEM"}}, &warnings);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("unknown property 'no.such.property'"), std::string::npos)
      << warnings[0];
}

TEST(RegistryServiceConfigTest, ForWorker) {
  runtime::WorkerConfig w;
  w.file = "w.properties";
  w.bootstrap_servers = {"k1:9092"};
  w.client_common = {{"security.protocol", "SASL_PLAINTEXT"}};
  w.session_timeout_ms = 6000;
  w.heartbeat_interval_ms = 1000;
  w.config_topic.replication_factor = 1;
  auto none = RegistryServiceConfig::ForWorker(w, {});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  w.schema_registry.listeners = "http://127.0.0.1:18081";
  w.schema_registry.group_id = "g-registry";
  w.schema_registry.topic = "_g_schemas";
  w.advertised_host = "worker1.example";
  auto c = RegistryServiceConfig::ForWorker(w, {{"listeners", "http://127.0.0.1:8083"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  ASSERT_TRUE(c->has_value());
  const RegistryServiceConfig& r = **c;
  ASSERT_EQ(r.server.listeners.size(), 1u);
  EXPECT_EQ(r.server.listeners[0].port, 18081);
  EXPECT_EQ(r.group_id, "g-registry");
  EXPECT_EQ(r.topic, "_g_schemas");
  EXPECT_EQ(r.host_name, "worker1.example");
  EXPECT_EQ(r.replication_factor, 1);
  EXPECT_EQ(r.session_timeout_ms, 6000);
  EXPECT_EQ(r.heartbeat_interval_ms, 1000);
  EXPECT_EQ(r.kafka.at("bootstrap.servers"), "k1:9092");
  EXPECT_EQ(r.kafka.at("security.protocol"), "SASL_PLAINTEXT");
}

TEST(KafkaSchemaStoreTest, TransactionalIdIsFixedPerGroupAndTopic) {
  EXPECT_EQ(KafkaSchemaStore::TransactionalId("schema-registry", "_schemas"),
            "schema-registry-_schemas-leader");
}

TEST(RegistryElectionTest, MemberIdsSortByJoinTimeAndCarryTheUrl) {
  using std::chrono::milliseconds;
  const std::chrono::system_clock::time_point early(milliseconds(999));
  const std::chrono::system_clock::time_point late(milliseconds(1733555000123));
  const std::string a = RegistryElection::MemberClientId(early, "http://z.example:8081");
  const std::string b = RegistryElection::MemberClientId(late, "http://a.example:8081");
  EXPECT_EQ(a, "0000000000000999-http://z.example:8081");
  EXPECT_EQ(b, "0001733555000123-http://a.example:8081");
  EXPECT_LT(a, b);  // the range assignor's order: the earlier member leads
  EXPECT_EQ(RegistryElection::UrlOfMember(b), "http://a.example:8081");
  EXPECT_EQ(RegistryElection::UrlOfMember("walrelay-admin"), std::nullopt);
  EXPECT_EQ(RegistryElection::UrlOfMember("12-http://x:1"), std::nullopt);
}

}  // namespace
}  // namespace walrelay::worker
