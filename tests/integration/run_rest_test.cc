// `walrelay run SOURCE.json SINK.json --rest 127.0.0.1:PORT` against real PostgreSQL servers,
// driven over HTTP as Kafka Connect standalone is: list, status, config, pause (changes made
// meanwhile do not reach the destination, the slot is kept), resume (they do, exactly once),
// a paused sink catching up, restart, bad input, GET /metrics, and a SIGTERM that ends the run
// and the REST server within the stop budget.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "rest/http_client.h"
#include "testing/pg_fixture.h"
#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::PgServer;
using testing::Process;

constexpr char kDb[] = "restdb";

std::chrono::milliseconds StopBudget() {  // as stop_test.cc
  const char* env = std::getenv("WALRELAY_STOP_BUDGET_MS");
  return std::chrono::milliseconds(env != nullptr ? std::atoi(env) : 1000);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A loopback port nobody listens on right now.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

template <typename Pred>
bool Eventually(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  const auto end = Clock::now() + timeout;
  while (Clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return pred();
}

class RunRestTest : public testing::RequiresPostgres {
 protected:
  void SetUp() override {
    RequiresPostgres::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto s = PgServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    source_ = std::move(s).value();
    auto d = PgServer::Start();
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dest_ = std::move(d).value();
    ASSERT_TRUE(source_->CreateDatabase(kDb).ok());
    ASSERT_TRUE(dest_->CreateDatabase(kDb).ok());
    Src("CREATE TABLE items (id int PRIMARY KEY, v text)");
    Dst("CREATE TABLE items (id int PRIMARY KEY, v text)");
    dir_ = testing::MakeTempDir();
  }

  std::string Src(const std::string& sql) {
    auto r = source_->Psql(sql, kDb);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }
  std::string Dst(const std::string& sql) {
    auto r = dest_->Psql(sql, kDb);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }
  void Insert(int from, int to) {
    Src("INSERT INTO items SELECT g, 'v' || g FROM generate_series(" + std::to_string(from) + ", " +
        std::to_string(to) + ") g");
  }
  // "count/distinct/max" of the destination's ids.
  std::string DestIds() {
    return Dst(
        "SELECT count(*) || '/' || count(DISTINCT id) || '/' || coalesce(max(id), 0) "
        "FROM items");
  }
  static std::string Ids(int n) {
    return std::to_string(n) + "/" + std::to_string(n) + "/" + std::to_string(n);
  }

  std::string WriteConnector(const std::string& name, const json& config) {
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << json({{"name", name}, {"config", config}}).dump(2);
    return path;
  }
  std::string SourceFile() {
    return WriteConnector(
        "rest-source",
        {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
         {"database.hostname", "127.0.0.1"},
         {"database.port", std::to_string(source_->port())},
         {"database.user", "postgres"},
         {"database.password", "postgres"},
         {"database.dbname", kDb},
         {"topic.prefix", "srv"},
         {"slot.name", "rest_slot"},
         {"publication.autocreate.mode", "filtered"},
         {"table.include.list", "public.items"},
         {"transforms", "unwrap"},
         {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"}});
  }
  std::string SinkFile() {
    return WriteConnector(
        "rest-sink",
        {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
         {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) + "/" +
                                kDb + "?user=postgres&password=postgres"},
         {"topics", "srv.public.items"},
         {"transforms", "route"},
         {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
         {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
         {"transforms.route.replacement", "$3"},
         // Plain inserts: a row applied twice fails on the primary key instead of hiding.
         {"insert.mode", "insert"},
         {"pk.mode", "record_key"}});
  }

  rest::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    auto client = rest::HttpClient::Create(url_, {});
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    if (!client.ok()) return {};
    rest::Request request;
    request.method = method;
    EXPECT_TRUE(rest::ParseTarget(target, &request.path, &request.query).ok());
    request.body = body;
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    auto response = client.value()->Send(request);
    EXPECT_TRUE(response.ok()) << method << " " << target << ": " << response.status().ToString();
    return response.ok() ? *response : rest::Response{500, {}, ""};
  }
  json Get(const std::string& target) {
    rest::Response r = Call("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body, nullptr, false);
  }
  std::string TaskState(const std::string& connector) {
    json s = Get("/connectors/" + connector + "/status");
    return s.contains("tasks") && !s["tasks"].empty() ? s["tasks"][0].value("state", "")
                                                      : s.value("connector", json{}).dump();
  }

  std::unique_ptr<PgServer> source_, dest_;
  std::string dir_;
  std::string url_;
};

TEST_F(RunRestTest, ServesKafkaConnectsApiOverTheRun) {
  Insert(1, 10);
  const int port = FreePort();
  const std::string address = "127.0.0.1:" + std::to_string(port);
  url_ = "http://" + address;
  auto started =
      Process::Start({WALRELAY_BINARY, "run", SourceFile(), SinkFile(), "--rest", address});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<Process> p = std::move(started).value();
  ASSERT_TRUE(Eventually([&] {
    return p->Stderr().find("REST API on " + url_) != std::string::npos;
  })) << p->Stderr();
  ASSERT_TRUE(Eventually([&] { return DestIds() == Ids(10); })) << p->Stderr();

  // Reads.
  EXPECT_EQ(Get("/connectors"), json({"rest-sink", "rest-source"}));
  json status = Get("/connectors/rest-source/status");
  EXPECT_EQ(status["connector"]["state"], "RUNNING") << status.dump();
  EXPECT_EQ(status["connector"]["worker_id"], address);
  EXPECT_EQ(status["tasks"][0]["state"], "RUNNING");
  EXPECT_EQ(status["type"], "source");
  json expanded = Get("/connectors?expand=status&expand=info");
  EXPECT_EQ(expanded["rest-sink"]["info"]["type"], "sink") << expanded.dump();
  EXPECT_EQ(expanded["rest-sink"]["status"]["tasks"][0]["state"], "RUNNING");
  json config = Get("/connectors/rest-source/config");
  EXPECT_EQ(config["slot.name"], "rest_slot");
  EXPECT_EQ(config["name"], "rest-source");
  EXPECT_EQ(Get("/connectors/rest-source/tasks/0/status")["state"], "RUNNING");
  EXPECT_EQ(Get("/connectors/rest-source/topics")["rest-source"]["topics"],
            json({"srv.public.items"}));
  EXPECT_EQ(Get("/connectors/rest-sink/tasks").size(), 1u);
  EXPECT_FALSE(Get("/connector-plugins").empty());
  EXPECT_EQ(Get("/admin/loggers")["root"]["level"], "INFO");
  rest::Response metrics = Call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.body.find("rest-source"), std::string::npos) << metrics.body;

  // Pause the source: changes made meanwhile do not reach the destination, and the slot stays.
  EXPECT_EQ(Call("PUT", "/connectors/rest-source/pause").status, 202);
  ASSERT_TRUE(Eventually([&] { return TaskState("rest-source") == "PAUSED"; }));
  ASSERT_TRUE(Eventually([&] {
    return Src("SELECT active FROM pg_replication_slots WHERE slot_name = 'rest_slot'") == "f";
  })) << p->Stderr();
  Insert(11, 20);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(DestIds(), Ids(10));
  // Resume: they arrive, once.
  EXPECT_EQ(Call("PUT", "/connectors/rest-source/resume").status, 202);
  ASSERT_TRUE(Eventually([&] { return DestIds() == Ids(20); })) << p->Stderr();
  EXPECT_EQ(TaskState("rest-source"), "RUNNING");

  // A paused sink misses nothing: it catches up from its own position when resumed.
  EXPECT_EQ(Call("PUT", "/connectors/rest-sink/pause").status, 202);
  ASSERT_TRUE(Eventually([&] { return TaskState("rest-sink") == "PAUSED"; }));
  Insert(21, 30);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(DestIds(), Ids(20));
  EXPECT_EQ(Call("PUT", "/connectors/rest-sink/resume").status, 202);
  ASSERT_TRUE(Eventually([&] { return DestIds() == Ids(30); })) << p->Stderr();

  // Restart the tasks; the run carries on from its stored position.
  rest::Response restart = Call("POST", "/connectors/rest-source/restart?includeTasks=true");
  EXPECT_EQ(restart.status, 202) << restart.body;
  EXPECT_EQ(json::parse(restart.body)["tasks"][0]["state"], "RESTARTING");
  EXPECT_EQ(Call("POST", "/connectors/rest-sink/tasks/0/restart").status, 204);
  Insert(31, 40);
  ASSERT_TRUE(Eventually([&] { return DestIds() == Ids(40); })) << p->Stderr();
  EXPECT_EQ(TaskState("rest-sink"), "RUNNING");

  // Bad input.
  rest::Response r = Call("POST", "/connectors", "{not json");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error_code"], 400);
  r = Call("GET", "/connectors/nope/status");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["message"], "Connector nope not found");
  EXPECT_EQ(Call("PUT", "/connectors/nope/pause").status, 404);
  r = Call("PUT", "/connectors/rest-source/config",
           json({{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                 {"snapshot.mode", "sometimes"}})
               .dump());
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Get("/connectors/rest-source/config")["slot.name"], "rest_slot");  // unchanged

  // SIGTERM ends the run and the REST server within the budget.
  const auto asked = Clock::now();
  p->Signal(SIGTERM);
  auto code = p->Wait(std::chrono::seconds(30));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - asked);
  ASSERT_TRUE(code.ok()) << p->Stderr();
  EXPECT_EQ(*code, 0) << p->Stderr();
  EXPECT_LE(took, StopBudget()) << p->Stderr();
  EXPECT_NE(p->Stderr().find("REST API stopped"), std::string::npos);
  EXPECT_FALSE(rest::HttpClient::Create(url_, {}).value()->Send({"GET", "/", {}, {}, ""}).ok());
}

TEST_F(RunRestTest, RefusesABadAddress) {
  for (const std::string bad : {"localhost", "127.0.0.1:99999", ":8083", "::1:8083", "x:y"}) {
    auto r = testing::RunProcess({WALRELAY_BINARY, "run", SourceFile(), "--rest", bad});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->exit_code, 2) << bad;
    EXPECT_NE(r->err.find("--rest '" + bad + "'"), std::string::npos) << r->err;
  }
}

}  // namespace
}  // namespace walrelay
