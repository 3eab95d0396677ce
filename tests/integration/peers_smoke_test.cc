// The peers themselves, end to end: a real Kafka Connect 4.4 worker (src/testing/kafka_connect.h)
// with Debezium's PostgreSQL connector and Debezium's JDBC sink, on a real Kafka and a real
// PostgreSQL, registered through Kafka Connect's REST API with curl. It proves the test tooling
// that later tests compare walrelay with: a row inserted in the source is Debezium's change event
// in Kafka (read with kcat) and then a row in the destination database.
//
// Label `peers` (tests/integration/CMakeLists.txt): not run by `scripts/test` or CI; run it with
// `scripts/test --peers`, which fetches the jars first. Skipped when they are not fetched.
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/connect_worker.h"
#include "testing/kafka_cluster.h"
#include "testing/kafka_connect.h"
#include "testing/pg_fixture.h"
#include "testing/pg_server.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kSourceDb[] = "peers_source";
constexpr char kDestinationDb[] = "peers_destination";
constexpr char kTopic[] = "peers.public.items";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

class PeersSmokeTest : public RequiresPostgres {
 protected:
  void SetUp() override {
    RequiresPostgres::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string missing = KafkaConnectWorker::MissingPrerequisite();
    if (missing.empty() && Which("kcat").empty()) {
      missing = "kcat is not installed (scripts/install-deps)";
    }
    if (missing.empty()) return;
    if (RunningInCi()) FAIL() << missing << ", and CI is set";
    GTEST_SKIP() << missing;
  }

  void TearDown() override {
    if (!HasFailure() || connect_ == nullptr) return;
    for (const char* name : {"peers-source", "peers-sink"}) {
      HttpResult status = Curl({connect_->url() + "/connectors/" + name + "/status"});
      std::printf("%s status (%d): %s\n", name, status.status, status.body.c_str());
    }
    std::printf("--- end of %s/connect.log:\n%s\n", connect_->dir().c_str(),
                connect_->LogTail().c_str());
  }

  // POST /connectors with `connector`; the HTTP status and body.
  HttpResult Register(const json& connector) {
    return Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data", connector.dump(),
                 connect_->url() + "/connectors"});
  }

  std::unique_ptr<PgServer> pg_;
  std::unique_ptr<KafkaCluster> kafka_;
  // Declared last: stopped first, while its Kafka and PostgreSQL still run.
  std::unique_ptr<KafkaConnectWorker> connect_;
};

// Debezium's PostgreSQL connector (pgoutput, a slot and publication of its own, no snapshot)
// turns an INSERT into its change event in Kafka; Debezium's JDBC sink (upsert, the record key as
// primary key, tables created by schema evolution) writes it to a second database.
TEST_F(PeersSmokeTest, DebeziumSourceToKafkaToDebeziumJdbcSink) {
  const auto test_start = Clock::now();
  auto pg = PgServer::Start({});
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  pg_ = std::move(pg).value();
  ASSERT_TRUE(pg_->CreateDatabase(kSourceDb).ok());
  ASSERT_TRUE(pg_->CreateDatabase(kDestinationDb).ok());
  auto created = pg_->Psql(
      "CREATE TABLE public.items (id int PRIMARY KEY, name text NOT NULL, qty int);"
      "CREATE PUBLICATION peers_publication FOR TABLE public.items;",
      kSourceDb);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  auto kafka = KafkaCluster::Up(1);
  ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
  kafka_ = std::move(kafka).value();

  auto connect = KafkaConnectWorker::Up(kafka_->bootstrap_servers(), "peers-smoke");
  ASSERT_TRUE(connect.ok()) << connect.status().ToString();
  connect_ = std::move(connect).value();
  std::printf("Kafka Connect started in %.1f s (%s)\n", connect_->start_time().count() / 1000.0,
              connect_->url().c_str());

  // The source. Kafka Connect creates its topic (the broker does not auto-create topics).
  const json source = {{"name", "peers-source"},
                       {"config",
                        {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                         {"tasks.max", "1"},
                         {"database.hostname", "127.0.0.1"},
                         {"database.port", std::to_string(pg_->port())},
                         {"database.user", "postgres"},
                         {"database.password", "postgres"},
                         {"database.dbname", kSourceDb},
                         {"topic.prefix", "peers"},
                         {"plugin.name", "pgoutput"},
                         {"slot.name", "peers_slot"},
                         {"publication.name", "peers_publication"},
                         {"publication.autocreate.mode", "disabled"},
                         {"table.include.list", "public.items"},
                         {"snapshot.mode", "no_data"},
                         {"topic.creation.default.replication.factor", "1"},
                         {"topic.creation.default.partitions", "1"}}}};
  HttpResult r = Register(source);
  ASSERT_EQ(r.status, 201) << r.body;
  std::string status;
  ASSERT_TRUE(WaitConnectorRunning(connect_->url(), "peers-source", &status)) << status;
  // Streaming has begun once the task holds its slot: a row inserted from here is captured.
  const auto slot_deadline = Clock::now() + std::chrono::seconds(60);
  std::string active;
  while (active != "t" && Clock::now() < slot_deadline) {
    auto q = pg_->Psql("SELECT active FROM pg_replication_slots WHERE slot_name = 'peers_slot'");
    active = q.ok() ? *q : q.status().ToString();
    if (active != "t") std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(active, "t") << "slot peers_slot is not active";

  auto inserted = pg_->Psql("INSERT INTO public.items VALUES (1, 'first', 7)", kSourceDb);
  ASSERT_TRUE(inserted.ok()) << inserted.status().ToString();
  const auto inserted_at = Clock::now();

  // Debezium's change event, as JsonConverter with schemas wrote it.
  std::vector<std::string> values;
  while (values.empty() && SecondsSince(inserted_at) < 60) {
    values = ConsumeTopic(kafka_->bootstrap_servers(), kTopic, "%s");
    if (values.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  ASSERT_EQ(values.size(), 1u) << "no change event in " << kTopic;
  std::printf("change event in Kafka %.1f s after the INSERT\n", SecondsSince(inserted_at));
  json event = json::parse(values[0], nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(event.is_object()) << values[0];
  ASSERT_TRUE(event.contains("schema")) << values[0];
  const json& payload = event["payload"];
  EXPECT_EQ(payload["op"], "c") << values[0];
  EXPECT_EQ(payload["after"], json({{"id", 1}, {"name", "first"}, {"qty", 7}})) << values[0];
  EXPECT_TRUE(payload["before"].is_null()) << values[0];
  EXPECT_EQ(payload["source"]["table"], "items") << values[0];

  // The sink, into the second database on the same server.
  const json sink = {{"name", "peers-sink"},
                     {"config",
                      {{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
                       {"tasks.max", "1"},
                       {"topics", kTopic},
                       {"connection.url", "jdbc:postgresql://127.0.0.1:" +
                                              std::to_string(pg_->port()) + "/" + kDestinationDb},
                       {"connection.username", "postgres"},
                       {"connection.password", "postgres"},
                       {"insert.mode", "upsert"},
                       {"primary.key.mode", "record_key"},
                       {"schema.evolution", "basic"},
                       {"collection.name.format", "items"}}}};
  const auto sink_registered = Clock::now();
  r = Register(sink);
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(WaitConnectorRunning(connect_->url(), "peers-sink", &status)) << status;
  std::string row;
  while (SecondsSince(sink_registered) < 60) {
    auto q = pg_->Psql("SELECT id, name, qty FROM public.items", kDestinationDb);
    if (q.ok() && !q->empty()) {
      row = *q;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
  }
  auto tables = pg_->Psql(
      "SELECT string_agg(tablename, ', ') FROM pg_tables "
      "WHERE schemaname = 'public'",
      kDestinationDb);
  EXPECT_EQ(row, "1|first|7") << "tables in " << kDestinationDb << ": "
                              << (tables.ok() ? *tables : tables.status().ToString());
  std::printf("row in the destination %.1f s after the sink was registered; test body %.1f s\n",
              SecondsSince(sink_registered), SecondsSince(test_start));
}

}  // namespace
}  // namespace walrelay::testing
