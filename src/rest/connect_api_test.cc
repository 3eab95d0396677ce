#include "rest/connect_api.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/fake_herder.h"

namespace walrelay::rest {
namespace {

using nlohmann::json;
using testing::FakeHerder;

Request MakeRequest(const std::string& method, const std::string& path) {
  Request request;
  request.method = method;
  request.path = path;
  return request;
}

class ConnectApiTest : public ::testing::Test {
 protected:
  ConnectApiTest()
      : api_(&herder_, ConnectApiOptions{}, [this](const std::string& url, const Request& r) {
          forwarded_url_ = url;
          forwarded_ = r;
          Response response;
          response.status = 201;
          response.body = R"({"from":"leader"})";
          return response;
        }) {}

  Response Call(const std::string& method, const std::string& target, const std::string& body = "",
                const std::string& content_type = "application/json") {
    Request request;
    request.method = method;
    Status parsed = ParseTarget(target, &request.path, &request.query);
    EXPECT_TRUE(parsed.ok()) << parsed.ToString();
    request.headers.emplace_back("Host", "worker1:8083");
    if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
    request.body = body;
    return api_.Handle(request);
  }

  void AddConnector(const std::string& name, const std::string& cls) {
    herder_.connectors[name].config = {{"connector.class", cls}, {"name", name}};
  }

  static void ExpectError(const Response& r, int status, const std::string& message_part) {
    EXPECT_EQ(r.status, status) << r.body;
    json body = json::parse(r.body);
    EXPECT_EQ(body["error_code"], status);
    EXPECT_NE(body["message"].get<std::string>().find(message_part), std::string::npos)
        << body["message"];
    ASSERT_NE(r.Header("Content-Type"), nullptr);
    EXPECT_EQ(*r.Header("Content-Type"), "application/json");
  }

  FakeHerder herder_;
  ConnectApi api_;
  std::string forwarded_url_;
  std::optional<Request> forwarded_;
};

constexpr const char* kSource = "io.debezium.connector.postgresql.PostgresConnector";
constexpr const char* kSink = "io.confluent.connect.jdbc.JdbcSinkConnector";

TEST_F(ConnectApiTest, RootShowsServerInfoInConnectsFieldOrder) {
  Response r = Call("GET", "/");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"version":"4.0.0","commit":"walrelay-test","kafka_cluster_id":"kafka-cluster-1"})");
  ExpectError(Call("POST", "/", "{}"), 405, "HTTP 405 Method Not Allowed");
}

TEST_F(ConnectApiTest, ListConnectorsPlainAndExpanded) {
  AddConnector("source-connector", kSource);
  AddConnector("sink-connector", kSink);
  Response r = Call("GET", "/connectors");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"(["sink-connector","source-connector"])");

  r = Call("GET", "/connectors?expand=status&expand=info");
  EXPECT_EQ(r.status, 200);
  json body = json::parse(r.body);
  EXPECT_EQ(body["sink-connector"]["status"]["type"], "sink");
  EXPECT_EQ(body["source-connector"]["status"]["connector"]["state"], "RUNNING");
  EXPECT_EQ(body["source-connector"]["status"]["tasks"][0]["worker_id"], FakeHerder::kWorkerId);
  EXPECT_EQ(body["source-connector"]["info"]["config"]["connector.class"], kSource);
  // Expansions appear in the order asked for, fields in Kafka Connect's order.
  std::string expected_status =
      R"({"status":{"name":"sink-connector","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},)"
      R"("tasks":[{"id":0,"state":"RUNNING","worker_id":"127.0.0.1:8083"}],"type":"sink"},)"
      R"("info":{"name":"sink-connector","config":{"connector.class":"io.confluent.connect.jdbc.JdbcSinkConnector",)"
      R"("name":"sink-connector"},"tasks":[{"connector":"sink-connector","task":0}],"type":"sink"}})";
  EXPECT_EQ(json::parse(expected_status), body["sink-connector"]);
  EXPECT_NE(r.body.find(R"({"sink-connector":{"status":{"name":"sink-connector","connector":)"),
            std::string::npos)
      << r.body;

  r = Call("GET", "/connectors?expand=info&expand=status");
  EXPECT_LT(r.body.find("\"info\""), r.body.find("\"status\""));
  r = Call("GET", "/connectors?expand=status");
  EXPECT_EQ(json::parse(r.body)["source-connector"].size(), 1u);
  // An unknown expansion is ignored, as Kafka Connect does.
  r = Call("GET", "/connectors?expand=bogus");
  EXPECT_EQ(r.body, R"({"sink-connector":{},"source-connector":{}})");
}

TEST_F(ConnectApiTest, FailedTaskShowsTrace) {
  AddConnector("c", kSource);
  herder_.FailTask("c", "java.lang.Boom");
  Response r = Call("GET", "/connectors/c/status");
  EXPECT_EQ(
      r.body,
      R"({"name":"c","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},)"
      R"("tasks":[{"id":0,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.Boom"}],)"
      R"("type":"source"})");
  r = Call("GET", "/connectors/c/tasks/0/status");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"({"id":0,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.Boom"})");
}

// Kafka Connect 4 reports the plugin's version in every status, after the worker id and trace.
TEST_F(ConnectApiTest, StatusesCarryThePluginVersion) {
  AddConnector("c", kSource);
  herder_.connectors.at("c").version = "3.7.1.Final";
  herder_.FailTask("c", "java.lang.Boom");
  Response r = Call("GET", "/connectors/c/status");
  EXPECT_EQ(r.body,
            R"({"name":"c","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083",)"
            R"("version":"3.7.1.Final"},"tasks":[{"id":0,"state":"FAILED",)"
            R"("worker_id":"127.0.0.1:8083","trace":"java.lang.Boom","version":"3.7.1.Final"}],)"
            R"("type":"source"})");
  r = Call("GET", "/connectors/c/tasks/0/status");
  EXPECT_EQ(r.body,
            R"({"id":0,"state":"FAILED","worker_id":"127.0.0.1:8083","trace":"java.lang.Boom",)"
            R"("version":"3.7.1.Final"})");
  r = Call("POST", "/connectors/c/restart?includeTasks=true&onlyFailed=false");
  EXPECT_EQ(json::parse(r.body)["tasks"][0]["version"], "3.7.1.Final") << r.body;
}

TEST_F(ConnectApiTest, CreateConnector) {
  // The seed's file: a JSON number among the config values, a trailing slash on the path.
  Response r =
      Call("POST", "/connectors/",
           R"({"name": "source-connector", "config": {"connector.class": ")" +
               std::string(kSource) + R"(", "heartbeat.interval.ms": 15000, "x.flag": true}})");
  EXPECT_EQ(r.status, 201) << r.body;
  ASSERT_NE(r.Header("Location"), nullptr);
  EXPECT_EQ(*r.Header("Location"), "http://worker1:8083/connectors/source-connector");
  EXPECT_EQ(r.body,
            R"({"name":"source-connector","config":{"connector.class":")" + std::string(kSource) +
                R"(","heartbeat.interval.ms":"15000","name":"source-connector","x.flag":"true"},)"
                R"("tasks":[{"connector":"source-connector","task":0}],"type":"source"})");
  EXPECT_EQ(herder_.calls.back(), "PutConnectorConfig(source-connector,create)");

  ExpectError(Call("POST", "/connectors",
                   R"({"name":"source-connector","config":{"connector.class":"x"}})"),
              409, "Connector source-connector already exists");
}

TEST_F(ConnectApiTest, CreateWithInitialStateAndTrimmedName) {
  Response r =
      Call("POST", "/connectors",
           R"({"name":"  s  ","config":{"connector.class":"x"},"initial_state":"stopped"})");
  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(herder_.connectors.at("s").target, TargetState::kStopped);
  EXPECT_EQ(herder_.connectors.at("s").config.at("name"), "s");
}

TEST_F(ConnectApiTest, CreateRejectsBadBodies) {
  ExpectError(Call("POST", "/connectors", R"({"name": "a", "config": {)"), 400,
              "Request body is not valid JSON");
  ExpectError(Call("POST", "/connectors", ""), 400, "Request body is empty");
  ExpectError(Call("POST", "/connectors", "[1]"), 400, "must be a JSON object, not array");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{},"tasks":3})"), 400,
              "Unrecognized field 'tasks'");
  ExpectError(Call("POST", "/connectors", R"({"name":"a"})"), 400, "no 'config' object");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":[]})"), 400,
              "'config' must be a JSON object");
  ExpectError(Call("POST", "/connectors", R"({"config":{"connector.class":"x"}})"), 400,
              "name must not be empty");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{"k":{"nested":1}}})"), 400,
              "Value of 'k' in config must be a string, number or boolean, not object");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{"name":"b"}})"), 400,
              "Connector name configuration (b) doesn't match connector name in the URL (a)");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{},"initial_state":"GO"})"), 400,
              "'initial_state' must be one of RUNNING, PAUSED, STOPPED");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{"k":"v"}})"), 400,
              "contains no connector type");
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{}})", "text/plain"), 415,
              "HTTP 415 Unsupported Media Type");
  // curl -d without -H sends this; Kafka Connect answers 415 too.
  ExpectError(Call("POST", "/connectors", R"({"name":"a","config":{}})",
                   "application/x-www-form-urlencoded"),
              415, "Unsupported Media Type");
  // A charset parameter is fine, and so is no Content-Type at all.
  EXPECT_EQ(Call("POST", "/connectors", R"({"name":"a","config":{"connector.class":"x"}})",
                 "application/json; charset=UTF-8")
                .status,
            201);
  EXPECT_EQ(
      Call("POST", "/connectors", R"({"name":"b","config":{"connector.class":"x"}})", "").status,
      201);
  ExpectError(Call("DELETE", "/connectors"), 405, "Method Not Allowed");
  EXPECT_EQ(*Call("DELETE", "/connectors").Header("Allow"), "GET,POST");
}

TEST_F(ConnectApiTest, OversizedBodyIsRejectedBeforeTheHerder) {
  ConnectApi small(&herder_, ConnectApiOptions{.max_body_bytes = 64});
  Request request;
  request.method = "POST";
  request.path = "/connectors";
  request.body = R"({"name":"a","config":{"connector.class":")" + std::string(100, 'x') + "\"}}";
  ExpectError(small.Handle(request), 400, "is larger than the limit of 64 bytes");
  EXPECT_TRUE(herder_.calls.empty());
}

TEST_F(ConnectApiTest, ConnectorInfoConfigAndTasks) {
  AddConnector("c", kSource);
  EXPECT_EQ(Call("GET", "/connectors/c").body,
            R"({"name":"c","config":{"connector.class":")" + std::string(kSource) +
                R"(","name":"c"},"tasks":[{"connector":"c","task":0}],"type":"source"})");
  EXPECT_EQ(Call("GET", "/connectors/c/config").body,
            R"({"connector.class":")" + std::string(kSource) + R"(","name":"c"})");
  EXPECT_EQ(Call("GET", "/connectors/c/tasks").body,
            R"([{"id":{"connector":"c","task":0},"config":{"connector.class":")" +
                std::string(kSource) + R"(","name":"c","task.class":"walrelay.Task"}}])");
  for (const char* path : {"/connectors/nope", "/connectors/nope/config", "/connectors/nope/status",
                           "/connectors/nope/tasks", "/connectors/nope/tasks/0/status",
                           "/connectors/nope/topics", "/connectors/nope/offsets"}) {
    ExpectError(Call("GET", path), 404, "Connector nope not found");
  }
  ExpectError(Call("GET", "/connectors/c/tasks/7/status"), 404, "No status found for task c-7");
  ExpectError(Call("GET", "/connectors/c/tasks/x/status"), 404, "HTTP 404 Not Found");
  ExpectError(Call("GET", "/connectors/c/nothing"), 404, "HTTP 404 Not Found");
  ExpectError(Call("GET", "/nothing"), 404, "HTTP 404 Not Found");
  ExpectError(Call("POST", "/connectors/c/status"), 405, "Method Not Allowed");
  ExpectError(Call("GET", "/connectors/c/pause"), 405, "Method Not Allowed");
}

TEST_F(ConnectApiTest, EncodedNamesAreDecodedPerSegment) {
  AddConnector("my conn/1", kSink);
  Response r = Call("GET", "/connectors/my%20conn%2F1/status");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["name"], "my conn/1");
  ExpectError(Call("GET", "/connectors/bad%zz"), 400, "malformed percent escape");
  r = Call("PUT", "/connectors/new%20one/config", R"({"connector.class":"x"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(*r.Header("Location"), "http://worker1:8083/connectors/new%20one");
}

TEST_F(ConnectApiTest, PutConfigCreatesThenUpdates) {
  Response r = Call("PUT", "/connectors/c/config", R"({"connector.class":"x","tasks.max":1})");
  EXPECT_EQ(r.status, 201);
  EXPECT_NE(r.Header("Location"), nullptr);
  EXPECT_EQ(herder_.connectors.at("c").config.at("tasks.max"), "1");
  r = Call("PUT", "/connectors/c/config", R"({"connector.class":"y","name":"c"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Location"), nullptr);
  EXPECT_EQ(json::parse(r.body)["config"]["connector.class"], "y");
  EXPECT_EQ(herder_.calls.back(), "PutConnectorConfig(c,replace)");
  ExpectError(Call("PUT", "/connectors/c/config", R"({"connector.class":"y","name":"d"})"), 400,
              "(d) doesn't match connector name in the URL (c)");
  ExpectError(Call("PUT", "/connectors/c/config", R"({"connector.class":null})"), 400,
              "must be a string, number or boolean, not null");
  ExpectError(Call("PUT", "/connectors/c/config", "nope"), 400, "not valid JSON");
  ExpectError(Call("DELETE", "/connectors/c/config"), 405, "Method Not Allowed");
}

TEST_F(ConnectApiTest, PatchConfigRemovesNulls) {
  AddConnector("c", kSource);
  herder_.connectors["c"].config["slot.name"] = "s";
  Response r = Call("PATCH", "/connectors/c/config", R"({"slot.name":null,"tasks.max":2})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(herder_.connectors.at("c").config.count("slot.name"), 0u);
  EXPECT_EQ(herder_.connectors.at("c").config.at("tasks.max"), "2");
  ASSERT_TRUE(herder_.last_patch.has_value());
  EXPECT_FALSE(herder_.last_patch->at("slot.name").has_value());
  ExpectError(Call("PATCH", "/connectors/nope/config", R"({"a":"b"})"), 404, "not found");
}

TEST_F(ConnectApiTest, PauseResumeStopDelete) {
  AddConnector("c", kSource);
  Response r = Call("PUT", "/connectors/c/pause");
  EXPECT_EQ(r.status, 202);
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(json::parse(Call("GET", "/connectors/c/status").body)["connector"]["state"], "PAUSED");
  EXPECT_EQ(Call("PUT", "/connectors/c/resume").status, 202);
  EXPECT_EQ(json::parse(Call("GET", "/connectors/c/status").body)["tasks"][0]["state"], "RUNNING");
  EXPECT_EQ(Call("PUT", "/connectors/c/stop").status, 204);
  EXPECT_EQ(json::parse(Call("GET", "/connectors/c/status").body)["connector"]["state"], "STOPPED");
  for (const char* action : {"pause", "resume", "stop"}) {
    ExpectError(Call("PUT", std::string("/connectors/nope/") + action), 404, "not found");
    ExpectError(Call("POST", std::string("/connectors/c/") + action), 405, "Not Allowed");
  }
  EXPECT_EQ(Call("DELETE", "/connectors/c").status, 204);
  EXPECT_EQ(herder_.connectors.count("c"), 0u);
  ExpectError(Call("DELETE", "/connectors/c"), 404, "Connector c not found");
  ExpectError(Call("PUT", "/connectors/c"), 405, "Not Allowed");
}

TEST_F(ConnectApiTest, Restarts) {
  AddConnector("c", kSource);
  herder_.FailTask("c", "boom");
  Response r = Call("POST", "/connectors/c/restart");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(herder_.calls.back(), "RestartConnector(c)");
  EXPECT_FALSE(herder_.last_restart.has_value());

  r = Call("POST", "/connectors/c/restart?includeTasks=true&onlyFailed=true");
  EXPECT_EQ(r.status, 202);
  ASSERT_TRUE(herder_.last_restart.has_value());
  EXPECT_TRUE(herder_.last_restart->include_tasks);
  EXPECT_TRUE(herder_.last_restart->only_failed);
  EXPECT_EQ(
      r.body,
      R"({"name":"c","connector":{"state":"RUNNING","worker_id":"127.0.0.1:8083"},)"
      R"("tasks":[{"id":0,"state":"RESTARTING","worker_id":"127.0.0.1:8083"}],"type":"source"})");
  r = Call("POST", "/connectors/c/restart?includeTasks=TRUE");
  EXPECT_EQ(r.status, 202);
  EXPECT_FALSE(herder_.last_restart->only_failed);
  ExpectError(Call("POST", "/connectors/c/restart?includeTasks=yes"), 400,
              "includeTasks must be true or false, not 'yes'");
  ExpectError(Call("POST", "/connectors/nope/restart"), 404, "not found");
  ExpectError(Call("POST", "/connectors/nope/restart?onlyFailed=true"), 404, "not found");

  EXPECT_EQ(Call("POST", "/connectors/c/tasks/0/restart").status, 204);
  EXPECT_EQ(herder_.calls.back(), "RestartTask(c,0)");
  ExpectError(Call("POST", "/connectors/c/tasks/3/restart"), 404, "Task c-3 not found");
  ExpectError(Call("POST", "/connectors/c/tasks/abc/restart"), 404, "HTTP 404 Not Found");
  ExpectError(Call("GET", "/connectors/c/tasks/0/restart"), 405, "Not Allowed");
}

TEST_F(ConnectApiTest, Topics) {
  AddConnector("c", kSource);
  herder_.connectors["c"].topics = {"server.public.debezium_table"};
  EXPECT_EQ(Call("GET", "/connectors/c/topics").body,
            R"({"c":{"topics":["server.public.debezium_table"]}})");
  EXPECT_EQ(Call("PUT", "/connectors/c/topics/reset").status, 202);
  EXPECT_EQ(Call("GET", "/connectors/c/topics").body, R"({"c":{"topics":[]}})");
  ExpectError(Call("GET", "/connectors/c/topics/reset"), 405, "Not Allowed");

  ConnectApi no_reset(&herder_, ConnectApiOptions{.topic_tracking_reset_enabled = false});
  Request request = MakeRequest("PUT", "/connectors/c/topics/reset");
  ExpectError(no_reset.Handle(request), 403, "Topic tracking reset is disabled.");
  ConnectApi no_tracking(&herder_, ConnectApiOptions{.topic_tracking_enabled = false});
  request.method = "GET";
  request.path = "/connectors/c/topics";
  ExpectError(no_tracking.Handle(request), 403, "Topic tracking is disabled.");
}

TEST_F(ConnectApiTest, Offsets) {
  AddConnector("c", kSource);
  EXPECT_EQ(Call("GET", "/connectors/c/offsets").body, R"({"offsets":[]})");
  const std::string patch =
      R"({"offsets":[{"partition":{"server":"server"},"offset":{"lsn":123,"txId":5}}]})";
  ExpectError(Call("PATCH", "/connectors/c/offsets", patch), 400, "STOPPED state");
  ExpectError(Call("DELETE", "/connectors/c/offsets"), 400, "STOPPED state");
  EXPECT_EQ(Call("PUT", "/connectors/c/stop").status, 204);
  Response r = Call("PATCH", "/connectors/c/offsets", patch);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"message":"The offsets for this connector have been altered successfully"})");
  EXPECT_EQ(Call("GET", "/connectors/c/offsets").body,
            R"({"offsets":[{"partition":{"server":"server"},"offset":{"lsn":123,"txId":5}}]})");
  ExpectError(Call("PATCH", "/connectors/c/offsets", R"({"offsets":[]})"), 400,
              "Partitions / offsets need to be provided");
  ExpectError(Call("PATCH", "/connectors/c/offsets", R"({})"), 400,
              "Partitions / offsets need to be provided");
  ExpectError(Call("PATCH", "/connectors/c/offsets", R"({"offset":[]})"), 400,
              "Unrecognized field 'offset'");
  ExpectError(Call("PATCH", "/connectors/c/offsets", R"({"offsets":[{"partition":{},"x":1}]})"),
              400, "Unrecognized field 'x'");
  ExpectError(Call("PATCH", "/connectors/c/offsets", R"({"offsets":[{"offset":{}}]})"), 400,
              "needs a 'partition' object");
  ExpectError(
      Call("PATCH", "/connectors/c/offsets", R"({"offsets":[{"partition":{},"offset":1}]})"), 400,
      "must be a JSON object or null, not number");
  // A null offset resets that partition.
  EXPECT_EQ(
      Call("PATCH", "/connectors/c/offsets", R"({"offsets":[{"partition":{"a":1},"offset":null}]})")
          .status,
      200);
  EXPECT_TRUE(herder_.last_offsets->offsets[0].offset.is_null());
  r = Call("DELETE", "/connectors/c/offsets");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"message":"The offsets for this connector have been reset successfully"})");
  ExpectError(Call("POST", "/connectors/c/offsets", "{}"), 405, "Not Allowed");
}

TEST_F(ConnectApiTest, ConnectorPlugins) {
  Response r = Call("GET", "/connector-plugins");
  EXPECT_EQ(
      r.body,
      R"([{"class":"io.confluent.connect.jdbc.JdbcSinkConnector","type":"sink","version":"10.7.4"},)"
      R"({"class":"io.debezium.connector.postgresql.PostgresConnector","type":"source","version":"2.5.0.Final"}])");
  r = Call("GET", "/connector-plugins?connectorsOnly=false");
  EXPECT_NE(
      r.body.find(
          R"({"class":"org.apache.kafka.connect.transforms.RegexRouter","type":"transformation"})"),
      std::string::npos)
      << r.body;
  ExpectError(Call("GET", "/connector-plugins?connectorsOnly=maybe"), 400, "connectorsOnly");

  r = Call("GET", "/connector-plugins/PostgresConnector/config");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body,
            R"([{"name":"slot.name","type":"STRING","required":false,"default_value":"debezium",)"
            R"("importance":"MEDIUM","documentation":"The replication slot","group":"Connector",)"
            R"("width":"MEDIUM","display_name":"Slot","dependents":[],"order_in_group":1}])");
  ExpectError(Call("GET", "/connector-plugins/Nope/config"), 404, "Unknown plugin Nope");

  r = Call("PUT", "/connector-plugins/PostgresConnector/config/validate",
           R"({"connector.class":")" + std::string(kSource) + R"(","tasks.max":"2"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(
      r.body,
      R"({"name":")" + std::string(kSource) +
          R"(","error_count":1,"groups":["Common"],"configs":[)"
          R"({"definition":null,"value":{"name":"connector.class","value":")" +
          std::string(kSource) +
          R"(","recommended_values":[],"errors":[],"visible":true}},)"
          R"({"definition":null,"value":{"name":"tasks.max","value":"2","recommended_values":[],)"
          R"("errors":["tasks.max must be 1"],"visible":true}}]})");
  ExpectError(Call("PUT", "/connector-plugins/JdbcSinkConnector/config/validate",
                   R"({"connector.class":")" + std::string(kSource) + "\"}"),
              400, "does not match request type JdbcSinkConnector");
  ExpectError(Call("PUT", "/connector-plugins/PostgresConnector/config/validate", "{}"), 400,
              "contains no connector type");
  ExpectError(Call("PUT", "/connector-plugins/PostgresConnector/config/validate", "{"), 400,
              "not valid JSON");
  ExpectError(Call("POST", "/connector-plugins/PostgresConnector/config/validate", "{}"), 405,
              "Not Allowed");
  ExpectError(Call("POST", "/connector-plugins"), 405, "Not Allowed");
  ExpectError(Call("GET", "/connector-plugins/x/y"), 404, "HTTP 404 Not Found");
}

TEST_F(ConnectApiTest, Loggers) {
  EXPECT_EQ(Call("GET", "/admin/loggers").body,
            R"({"root":{"level":"INFO","last_modified":null}})");
  EXPECT_EQ(Call("GET", "/admin/loggers/root").body, R"({"level":"INFO","last_modified":null})");
  ExpectError(Call("GET", "/admin/loggers/io.debezium"), 404, "Logger io.debezium not found.");
  Response r = Call("PUT", "/admin/loggers/io.debezium", R"({"level":"debug"})");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"(["io.debezium"])");
  EXPECT_EQ(herder_.calls.back(), "SetWorkerLoggerLevel(io.debezium,DEBUG)");
  EXPECT_EQ(Call("GET", "/admin/loggers/io.debezium").body,
            R"({"level":"DEBUG","last_modified":1700000000000})");
  r = Call("PUT", "/admin/loggers/io.debezium?scope=cluster", R"({"level":"WARN"})");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(herder_.calls.back(), "SetClusterLoggerLevel(io.debezium,WARN)");
  ExpectError(Call("PUT", "/admin/loggers/x", R"({"lvl":"WARN"})"), 400,
              "Desired 'level' parameter was not specified");
  ExpectError(Call("PUT", "/admin/loggers/x", R"({"level":"LOUD"})"), 404,
              "invalid log level 'LOUD'.");
  ExpectError(Call("PUT", "/admin/loggers/x", R"({"level":3})"), 400, "must be a string");
  ExpectError(Call("DELETE", "/admin/loggers/x"), 405, "Not Allowed");
  ExpectError(Call("PUT", "/admin/loggers"), 405, "Not Allowed");
  ExpectError(Call("GET", "/admin/loggers/a/b"), 404, "HTTP 404 Not Found");
  ExpectError(Call("GET", "/admin"), 404, "HTTP 404 Not Found");
}

TEST_F(ConnectApiTest, RebalanceIsConflict) {
  AddConnector("c", kSource);
  herder_.rebalancing = true;
  ExpectError(Call("GET", "/connectors"), 409, "stale configuration");
  ExpectError(Call("GET", "/connectors/c/status"), 409, "stale configuration");
  ExpectError(Call("GET", "/connectors?expand=status"), 409, "stale configuration");
}

TEST_F(ConnectApiTest, ForwardsToTheLeaderAtMostTwice) {
  herder_.forward_url = "http://leader:8083/";
  Response r = Call("POST", "/connectors/my%20c/restart?includeTasks=true", "", "");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(r.body, R"({"from":"leader"})");
  EXPECT_EQ(forwarded_url_, "http://leader:8083");
  ASSERT_TRUE(forwarded_.has_value());
  EXPECT_EQ(forwarded_->method, "POST");
  EXPECT_EQ(forwarded_->Target(), "/connectors/my%20c/restart?includeTasks=true&forward=true");

  // The second hop forwards once more with forward=false ...
  r = Call("PUT", "/connectors/c/config?forward=true", R"({"connector.class":"x"})");
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(forwarded_->Target(), "/connectors/c/config?forward=false");
  EXPECT_EQ(forwarded_->body, R"({"connector.class":"x"})");
  // ... and a third would loop: 409.
  ExpectError(Call("PUT", "/connectors/c/config?forward=false", R"({"connector.class":"x"})"), 409,
              "conflicting operation");

  herder_.forward_url.clear();
  herder_.forward_unknown = true;
  ExpectError(Call("DELETE", "/connectors/c"), 409, "no known leader URL");

  // Without a forwarder (a standalone API) a forward is a 409 as well.
  herder_.forward_url = "http://leader:8083";
  ConnectApi no_forwarder(&herder_, ConnectApiOptions{});
  Request request = MakeRequest("DELETE", "/connectors/c");
  ExpectError(no_forwarder.Handle(request), 409, "no known leader URL");
}

TEST(HttpMessageTest, ParseTargetKeepsOrderAndDecodes) {
  std::string path;
  Params query;
  ASSERT_TRUE(ParseTarget("/a%20b?expand=status&expand=info&x=a+b%2Bc&flag", &path, &query).ok());
  EXPECT_EQ(path, "/a%20b");
  ASSERT_EQ(query.size(), 4u);
  EXPECT_EQ(query[0], (std::pair<std::string, std::string>("expand", "status")));
  EXPECT_EQ(query[1].second, "info");
  EXPECT_EQ(query[2].second, "a b+c");
  EXPECT_EQ(query[3], (std::pair<std::string, std::string>("flag", "")));
  EXPECT_FALSE(ParseTarget("/?a=%4", &path, &query).ok());
  EXPECT_FALSE(PercentDecode("%G0", false).ok());
  EXPECT_EQ(PercentDecode("a+b", false).value(), "a+b");
  EXPECT_EQ(PercentEncode("a b/c~"), "a%20b%2Fc~");
}

TEST(HerderErrorTest, FromStatusMapsKinds) {
  EXPECT_EQ(HerderError::FromStatus(InvalidArgument("x")).http_status, 400);
  EXPECT_EQ(HerderError::FromStatus(NotFound("x")).http_status, 404);
  EXPECT_EQ(HerderError::FromStatus(RetryError("x")).http_status, 409);
  EXPECT_EQ(HerderError::FromStatus(FatalError("x")).http_status, 500);
  EXPECT_EQ(HerderError::FromStatus(FatalError("boom")).message, "boom");
}

}  // namespace
}  // namespace walrelay::rest
