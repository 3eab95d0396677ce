#include "kafka/client_config.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace walrelay::kafka {
namespace {

using Props = std::map<std::string, std::string>;

std::string Get(const ClientConfig& c, const std::string& name) {
  const std::string* v = c.Find(name);
  return v == nullptr ? "<unset>" : *v;
}

bool HasWarning(const ClientConfig& c, const std::string& part) {
  for (const auto& w : c.warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

TEST(ClientConfigTest, ProducerDefaultsAreJavaDefaults) {
  auto c =
      TranslateJavaProperties({{"bootstrap.servers", " a:9092 , b:9093 "}}, ClientRole::kProducer);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "bootstrap.servers"), "a:9092,b:9093");
  EXPECT_EQ(Get(*c, "acks"), "all");
  EXPECT_EQ(Get(*c, "enable.idempotence"), "true");
  EXPECT_EQ(Get(*c, "partitioner"), "murmur2_random");
  EXPECT_EQ(Get(*c, "message.timeout.ms"), "120000");
  EXPECT_EQ(Get(*c, "security.protocol"), "plaintext");
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ClientConfigTest, ProducerProperties) {
  auto c = TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                                    {"acks", "-1"},
                                    {"linger.ms", "5"},
                                    {"batch.size", "0"},
                                    {"compression.type", "ZSTD"},
                                    {"max.in.flight.requests.per.connection", "5"},
                                    {"transactional.id", "walrelay-1"},
                                    {"transaction.timeout.ms", "60000"},
                                    {"delivery.timeout.ms", "30000"},
                                    {"buffer.memory", "33554433"},
                                    {"client.id", "me"}},
                                   ClientRole::kProducer);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "acks"), "all");
  EXPECT_EQ(Get(*c, "linger.ms"), "5");
  EXPECT_EQ(Get(*c, "batch.size"), "1");
  EXPECT_EQ(Get(*c, "compression.type"), "zstd");
  EXPECT_EQ(Get(*c, "transactional.id"), "walrelay-1");
  EXPECT_EQ(Get(*c, "transaction.timeout.ms"), "60000");
  EXPECT_EQ(Get(*c, "message.timeout.ms"), "30000");
  EXPECT_EQ(Get(*c, "queue.buffering.max.kbytes"), "32769");
  EXPECT_EQ(Get(*c, "client.id"), "me");

  // A transactional producer's delivery timeout fits in its transaction timeout.
  c = TranslateJavaProperties({{"bootstrap.servers", "k:1"}, {"transactional.id", "t"}},
                              ClientRole::kProducer);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "message.timeout.ms"), "60000");
  c = TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                               {"transactional.id", "t"},
                               {"transaction.timeout.ms", "10000"},
                               {"delivery.timeout.ms", "20000"}},
                              ClientRole::kProducer);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("delivery.timeout.ms='20000'"), std::string::npos);
}

TEST(ClientConfigTest, IdempotenceRulesFollowJava) {
  // acks=1 without an explicit enable.idempotence turns idempotence off.
  auto c =
      TranslateJavaProperties({{"bootstrap.servers", "k:1"}, {"acks", "1"}}, ClientRole::kProducer);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "enable.idempotence"), "false");
  // Explicitly idempotent with acks=1: refused, naming acks.
  c = TranslateJavaProperties(
      {{"bootstrap.servers", "k:1"}, {"acks", "1"}, {"enable.idempotence", "true"}},
      ClientRole::kProducer);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("acks"), std::string::npos);
  c = TranslateJavaProperties(
      {{"bootstrap.servers", "k:1"}, {"transactional.id", "t"}, {"enable.idempotence", "false"}},
      ClientRole::kProducer);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("enable.idempotence"), std::string::npos);
  c = TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                               {"max.in.flight.requests.per.connection", "6"},
                               {"enable.idempotence", "true"}},
                              ClientRole::kProducer);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("max.in.flight"), std::string::npos);
}

TEST(ClientConfigTest, ConsumerDefaultsAndProperties) {
  auto c = TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                                    {"group.id", "connect-sink"},
                                    {"auto.offset.reset", "none"},
                                    {"max.poll.records", "42"},
                                    {"session.timeout.ms", "10000"},
                                    {"heartbeat.interval.ms", "3000"},
                                    {"max.poll.interval.ms", "300000"},
                                    {"fetch.min.bytes", "1"},
                                    {"fetch.max.bytes", "52428800"},
                                    {"fetch.max.wait.ms", "500"},
                                    {"max.partition.fetch.bytes", "1048576"},
                                    {"request.timeout.ms", "30000"}},
                                   ClientRole::kConsumer);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "group.id"), "connect-sink");
  EXPECT_EQ(Get(*c, "enable.auto.commit"), "false");
  EXPECT_EQ(Get(*c, "isolation.level"), "read_uncommitted");  // Java's default, not librdkafka's
  EXPECT_EQ(Get(*c, "auto.offset.reset"), "error");
  EXPECT_EQ(c->max_poll_records, 42);
  EXPECT_EQ(Get(*c, "session.timeout.ms"), "10000");
  EXPECT_EQ(Get(*c, "heartbeat.interval.ms"), "3000");
  EXPECT_EQ(Get(*c, "max.poll.interval.ms"), "300000");
  EXPECT_EQ(Get(*c, "fetch.wait.max.ms"), "500");
  EXPECT_EQ(Get(*c, "fetch.max.bytes"), "52428800");
  EXPECT_EQ(Get(*c, "max.partition.fetch.bytes"), "1048576");
  EXPECT_EQ(Get(*c, "socket.timeout.ms"), "30000");
  EXPECT_EQ(Get(*c, "request.timeout.ms"), "<unset>");
  EXPECT_EQ(Get(*c, "partition.assignment.strategy"), "range");
  EXPECT_TRUE(c->warnings.empty()) << c->warnings[0];

  c = TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                               {"isolation.level", "read_committed"},
                               {"enable.auto.commit", "true"}},
                              ClientRole::kConsumer);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "isolation.level"), "read_committed");
  EXPECT_EQ(Get(*c, "enable.auto.commit"), "false");
  EXPECT_TRUE(HasWarning(*c, "enable.auto.commit"));
}

TEST(ClientConfigTest, AssignmentStrategies) {
  auto strategy = [](const std::string& v) {
    return TranslateJavaProperties(
        {{"bootstrap.servers", "k:1"}, {"partition.assignment.strategy", v}},
        ClientRole::kConsumer);
  };
  auto c = strategy("org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "partition.assignment.strategy"), "cooperative-sticky");
  c = strategy(
      "org.apache.kafka.clients.consumer.RangeAssignor, "
      "org.apache.kafka.clients.consumer.RoundRobinAssignor");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "partition.assignment.strategy"), "range,roundrobin");
  // Java 3.x's default list: eager first, cooperative dropped with a warning.
  c = strategy(
      "org.apache.kafka.clients.consumer.RangeAssignor,"
      "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "partition.assignment.strategy"), "range");
  EXPECT_TRUE(HasWarning(*c, "partition.assignment.strategy"));
  c = strategy("org.apache.kafka.clients.consumer.StickyAssignor");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("CooperativeStickyAssignor"), std::string::npos);
  c = strategy("com.example.MyAssignor");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("com.example.MyAssignor"), std::string::npos);
}

TEST(ClientConfigTest, SaslPlainAndScramFromJaas) {
  auto c =
      TranslateJavaProperties({{"bootstrap.servers", "k:1"},
                               {"security.protocol", "SASL_PLAINTEXT"},
                               {"sasl.mechanism", "PLAIN"},
                               {"sasl.jaas.config",
                                "org.apache.kafka.common.security.plain.PlainLoginModule required "
                                "username=\"alice\" password=\"p@ss \\\"w0rd\\\"\";"}},
                              ClientRole::kAdmin);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "security.protocol"), "sasl_plaintext");
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "PLAIN");
  EXPECT_EQ(Get(*c, "sasl.username"), "alice");
  EXPECT_EQ(Get(*c, "sasl.password"), "p@ss \"w0rd\"");

  c = TranslateJavaProperties(
      {{"bootstrap.servers", "k:1"},
       {"security.protocol", "sasl_ssl"},
       {"sasl.mechanism", "SCRAM-SHA-512"},
       {"ssl.truststore.type", "PEM"},
       {"ssl.truststore.location", "/etc/ca.pem"},
       {"sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required username=bob "
        "password=secret;"}},
      ClientRole::kConsumer);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "SCRAM-SHA-512");
  EXPECT_EQ(Get(*c, "sasl.username"), "bob");
  EXPECT_EQ(Get(*c, "sasl.password"), "secret");
  EXPECT_EQ(Get(*c, "ssl.ca.location"), "/etc/ca.pem");
  EXPECT_EQ(Get(*c, "ssl.endpoint.identification.algorithm"), "https");
}

TEST(ClientConfigTest, SaslErrorsNameTheProblem) {
  auto sasl = [](const std::string& mech, const std::string& jaas) {
    Props p = {{"bootstrap.servers", "k:1"},
               {"security.protocol", "SASL_PLAINTEXT"},
               {"sasl.mechanism", mech}};
    if (!jaas.empty()) p["sasl.jaas.config"] = jaas;
    return TranslateJavaProperties(p, ClientRole::kProducer);
  };
  auto c = sasl("PLAIN", "");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sasl.jaas.config is required"), std::string::npos);
  c = sasl("SCRAM-SHA-256",
           "org.apache.kafka.common.security.plain.PlainLoginModule required username=a "
           "password=b;");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("does not serve sasl.mechanism=SCRAM-SHA-256"),
            std::string::npos);
  c = sasl("PLAIN", "org.apache.kafka.common.security.plain.PlainLoginModule required username=a;");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("needs option password"), std::string::npos);
  c = sasl("PLAIN",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=\"a\" password=\"unterminated;");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("no closing quote"), std::string::npos);
  EXPECT_EQ(c.status().message().find("unterminated"), std::string::npos);  // no secret echoed
  c = sasl("PLAIN", "com.example.Login required username=a password=b;");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("com.example.Login"), std::string::npos);
  c = sasl("PLAIN",
           "org.apache.kafka.common.security.plain.PlainLoginModule required "
           "username=a password=b");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("end with ';'"), std::string::npos);
  c = sasl("OAUTHBEARER", "");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("sasl.mechanism"), std::string::npos);
}

TEST(ClientConfigTest, SslStores) {
  auto ssl = [](Props extra) {
    extra["bootstrap.servers"] = "k:1";
    extra["security.protocol"] = "SSL";
    return TranslateJavaProperties(extra, ClientRole::kProducer);
  };
  // Java's default store type is JKS: refused, naming the property.
  auto c = ssl({{"ssl.truststore.location", "/etc/trust.jks"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ssl.truststore.location"), std::string::npos);
  EXPECT_NE(c.status().message().find("JKS"), std::string::npos);
  c = ssl({{"ssl.keystore.location", "/etc/key.jks"}, {"ssl.keystore.type", "JKS"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ssl.keystore.location"), std::string::npos);

  c = ssl({{"ssl.keystore.location", "/etc/client.pem"},
           {"ssl.keystore.type", "PEM"},
           {"ssl.key.password", "kp"},
           {"ssl.endpoint.identification.algorithm", ""}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "ssl.certificate.location"), "/etc/client.pem");
  EXPECT_EQ(Get(*c, "ssl.key.location"), "/etc/client.pem");
  EXPECT_EQ(Get(*c, "ssl.key.password"), "kp");
  EXPECT_EQ(Get(*c, "ssl.endpoint.identification.algorithm"), "none");

  c = ssl({{"ssl.keystore.location", "/etc/client.p12"},
           {"ssl.keystore.type", "PKCS12"},
           {"ssl.keystore.password", "sp"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(Get(*c, "ssl.keystore.location"), "/etc/client.p12");
  EXPECT_EQ(Get(*c, "ssl.keystore.password"), "sp");

  c = ssl({{"ssl.keystore.type", "PEM"},
           {"ssl.keystore.key", "-----BEGIN PRIVATE KEY-----"},
           {"ssl.keystore.certificate.chain", "-----BEGIN CERTIFICATE-----"},
           {"ssl.truststore.type", "PEM"},
           {"ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----ca"}});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(Get(*c, "ssl.key.pem"), "-----BEGIN PRIVATE KEY-----");
  EXPECT_EQ(Get(*c, "ssl.certificate.pem"), "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(Get(*c, "ssl.ca.pem"), "-----BEGIN CERTIFICATE-----ca");

  // JVM-only SSL settings warn; an unknown ssl.* property is an error.
  c = ssl({{"ssl.enabled.protocols", "TLSv1.3"}});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c, "ssl.enabled.protocols"));
  c = ssl({{"ssl.engine.factory.class", "com.example.Engine"}});
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("ssl.engine.factory.class"), std::string::npos);
}

TEST(ClientConfigTest, BadValuesAndUnknownNames) {
  auto one = [](const std::string& k, const std::string& v, ClientRole role) {
    return TranslateJavaProperties({{"bootstrap.servers", "k:1"}, {k, v}}, role);
  };
  struct Case {
    std::string key, value;
    ClientRole role;
  };
  for (const Case& bad : std::vector<Case>{
           {"acks", "2", ClientRole::kProducer},
           {"linger.ms", "soon", ClientRole::kProducer},
           {"linger.ms", "-1", ClientRole::kProducer},
           {"compression.type", "brotli", ClientRole::kProducer},
           {"enable.idempotence", "yes", ClientRole::kProducer},
           {"partitioner.class", "com.example.P", ClientRole::kProducer},
           {"isolation.level", "serializable", ClientRole::kConsumer},
           {"auto.offset.reset", "smallest", ClientRole::kConsumer},
           {"max.poll.records", "0", ClientRole::kConsumer},
           {"security.protocol", "TLS", ClientRole::kAdmin},
       }) {
    auto c = one(bad.key, bad.value, bad.role);
    ASSERT_FALSE(c.ok()) << bad.key << "=" << bad.value;
    EXPECT_EQ(c.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(c.status().message().find(bad.key + "='" + bad.value + "'"), std::string::npos)
        << c.status().message();
  }
  auto missing = TranslateJavaProperties({{"client.id", "x"}}, ClientRole::kAdmin);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("bootstrap.servers is required"), std::string::npos);
  auto no_port = one("client.id", "x", ClientRole::kAdmin);
  ASSERT_TRUE(no_port.ok());
  no_port = TranslateJavaProperties({{"bootstrap.servers", "justahost"}}, ClientRole::kAdmin);
  ASSERT_FALSE(no_port.ok());

  auto c = one("frobnicate.ms", "5", ClientRole::kProducer);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c, "unknown Kafka client property frobnicate.ms"));
  c = one("sasl.login.callback.handler.class", "x", ClientRole::kProducer);
  ASSERT_FALSE(c.ok());
  c = one("group.id", "g", ClientRole::kProducer);  // a consumer property given to a producer
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c, "group.id is not a producer property"));
  EXPECT_EQ(Get(*c, "group.id"), "<unset>");
  c = one("acks", "all", ClientRole::kConsumer);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c, "acks is not a consumer property"));
  c = one("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer",
          ClientRole::kProducer);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ClientConfigTest, SecuritySettingsWithoutTheirProtocolWarn) {
  auto c = TranslateJavaProperties(
      {{"bootstrap.servers", "k:1"}, {"sasl.mechanism", "PLAIN"}, {"ssl.key.password", "x"}},
      ClientRole::kAdmin);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(HasWarning(*c, "sasl.mechanism"));
  EXPECT_TRUE(HasWarning(*c, "ssl.* properties ignored"));
  EXPECT_EQ(Get(*c, "sasl.mechanisms"), "<unset>");
  EXPECT_EQ(Get(*c, "ssl.key.password"), "<unset>");
}

}  // namespace
}  // namespace walrelay::kafka
