// The seed's connectors verbatim, Avro converters included, on walrelay workers through a real
// Kafka, with walrelay's schema registry (served by the worker itself, schema.registry.listeners,
// over a `_schemas` topic on the same Kafka): what the topic holds is Confluent's wire format,
// readable by `walrelay consume --avro`, the registry answers the seed's operator actions, and the
// seed's schema change goes through under FORWARD_TRANSITIVE while the sink keeps applying.

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/worker_fixture.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;

class AvroTest : public WorkerFixture {
 protected:
  // The seed's connector file as it is, converters and all, with this test's hosts and registry.
  std::string SeedAvroConnector(const std::string& file) {
    json original =
        json::parse(ReadFile(std::string(WALRELAY_SOURCE_DIR) + "/examples/seed/" + file));
    json c = walrelay::testing::SeedConnector(file, source_->port(), destination_->port());
    for (const auto& [k, v] : original["config"].items()) {
      if (k.rfind("key.converter", 0) == 0 || k.rfind("value.converter", 0) == 0) {
        c["config"][k] =
            k.find("schema.registry.url") != std::string::npos ? json(registry_url_) : v;
      }
    }
    std::string path = dir_ + "/" + c["name"].get<std::string>() + ".json";
    std::ofstream(path) << c.dump();
    return path;
  }

  HttpResult Registry(const std::vector<std::string>& args) {
    std::vector<std::string> a = args;
    a.back() = registry_url_ + a.back();
    return Curl(a);
  }

  // Worker 0, serving walrelay's schema registry (schema.registry.listeners) over a `_schemas`
  // topic of this test's on the shared Kafka; returns once the registry answers.
  WorkerProcess& StartWorkerServingTheRegistry() {
    registry_url_ = "http://127.0.0.1:" + std::to_string(FreePort());
    WorkerProcess& w = StartWorker(0, {"schema.registry.listeners=" + registry_url_,
                                       "schema.registry.topic=_schemas-" + cluster_,
                                       "schema.registry.group.id=" + cluster_ + "-registry"});
    for (int i = 0; i < 150 && Registry({"/subjects"}).status != 200; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return w;
  }

  std::string registry_url_;
};

TEST_F(AvroTest, SeedConnectorsWithAvroThroughTheRegistry) {
  WorkerProcess& w = StartWorkerServingTheRegistry();
  // The seed's registry action: the global level, lower case, in Confluent's content type (the
  // registry's writer is elected through Kafka a moment after it answers reads).
  HttpResult put;
  for (int i = 0; i < 100; ++i) {
    put = Registry({"-X", "PUT", "-H", "Content-Type: application/vnd.schemaregistry.v1+json",
                    "--data", R"({"compatibility": "forward_transitive"})", "/config"});
    if (put.status == 200) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(put.status, 200) << put.body << w.StderrTail();
  EXPECT_EQ(json::parse(put.body), json::parse(R"({"compatibility":"FORWARD_TRANSITIVE"})"));

  HttpResult r = Register(w, SeedAvroConnector("register-postgres.json"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = Register(w, SeedAvroConnector("register-sink.json"));
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(WaitRunning(w, {"source-connector", "sink-connector"}));
  Write({"--duration", "2"});
  ASSERT_TRUE(WaitEqual()) << "source " << SourceValue();

  // The key and value schemas of the seed's topic, by version.
  HttpResult key = Registry({"/subjects/server.public.debezium_table-key/versions/1"});
  ASSERT_EQ(key.status, 200) << key.body;
  json key_schema = json::parse(json::parse(key.body)["schema"].get<std::string>());
  EXPECT_EQ(key_schema["name"], "Key");
  EXPECT_EQ(key_schema["namespace"], "server.public.debezium_table");
  HttpResult value = Registry({"/subjects/server.public.debezium_table-value/versions/latest"});
  ASSERT_EQ(value.status, 200) << value.body;
  EXPECT_EQ(json::parse(value.body)["version"], 1);

  // The topic: Confluent's wire format (magic byte 0), and `walrelay consume --avro` prints it.
  std::vector<std::string> raw = Consume("server.public.debezium_table", "%s");
  ASSERT_FALSE(raw.empty());
  auto consumed =
      RunProcess({WALRELAY_BINARY, "consume", "server.public.debezium_table", "--bootstrap-server",
                  kafka_->bootstrap_servers(), "--from-beginning", "--print-key", "--avro",
                  "--registry", registry_url_, "--timeout-ms", "5000"},
                 std::chrono::seconds(60));
  ASSERT_TRUE(consumed.ok()) << consumed.status().ToString();
  EXPECT_EQ(consumed->exit_code, 0) << consumed->err;
  std::vector<std::string> lines;
  for (size_t start = 0; start < consumed->out.size();) {
    size_t end = consumed->out.find('\n', start);
    if (end == std::string::npos) end = consumed->out.size();
    if (end > start) lines.push_back(consumed->out.substr(start, end - start));
    start = end + 1;
  }
  ASSERT_FALSE(lines.empty()) << consumed->err;
  const std::string& last = lines.back();
  const size_t tab = last.find('\t');
  ASSERT_NE(tab, std::string::npos) << last;
  EXPECT_EQ(json::parse(last.substr(0, tab)), json::parse(R"({"id":1})"));
  // The unwrapped row's schema is optional, so the value schema is a union with null, written
  // (as Avro's JSON encoding writes a union) under the branch's name.
  json last_value = json::parse(last.substr(tab + 1));
  EXPECT_EQ(last_value["server.public.debezium_table.Value"]["current_value"],
            std::stoi(SourceValue()))
      << last;

  // Confluent's own client (confluent-kafka's AvroDeserializer, asking this registry for the
  // writer's schema by id) reads the same keys and values.
  auto python = RunProcess({std::string(WALRELAY_SOURCE_DIR) + "/scripts/python-env"},
                           std::chrono::seconds(300));
  ASSERT_TRUE(python.ok() && python->exit_code == 0)
      << (python.ok() ? python->err : python.status().ToString());
  std::string interpreter = python->out.substr(0, python->out.find('\n'));
  auto confluent = RunProcess(
      {interpreter, std::string(WALRELAY_SOURCE_DIR) + "/tools/python/read_avro_topic.py",
       kafka_->bootstrap_servers(), "server.public.debezium_table", registry_url_},
      std::chrono::seconds(120));
  ASSERT_TRUE(confluent.ok()) << confluent.status().ToString();
  ASSERT_EQ(confluent->exit_code, 0) << confluent->err;
  std::vector<json> decoded;
  for (size_t start = 0; start < confluent->out.size();) {
    size_t end = confluent->out.find('\n', start);
    if (end == std::string::npos) end = confluent->out.size();
    if (end > start) decoded.push_back(json::parse(confluent->out.substr(start, end - start)));
    start = end + 1;
  }
  ASSERT_EQ(decoded.size(), lines.size());
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t t = lines[i].find('\t');
    json ours_key = json::parse(lines[i].substr(0, t));
    json ours_value = json::parse(lines[i].substr(t + 1));
    EXPECT_EQ(decoded[i]["key"], ours_key) << i;
    // Avro's JSON encoding names a union's branch; the deserializer returns the record itself.
    if (ours_value.is_null()) {
      EXPECT_TRUE(decoded[i]["value"].is_null()) << i;
    } else {
      EXPECT_EQ(decoded[i]["value"], ours_value["server.public.debezium_table.Value"]) << i;
    }
  }

  // The seed's schema change: a column with a default, allowed by FORWARD_TRANSITIVE; the sink
  // keeps applying.
  ASSERT_TRUE(source_
                  ->Psql("ALTER TABLE public.debezium_table ADD COLUMN extra1 int NULL DEFAULT 10",
                         "source_db")
                  .ok());
  ASSERT_TRUE(
      destination_
          ->Psql("ALTER TABLE public.debezium_table ADD COLUMN extra1 int NULL", "destination_db")
          .ok());
  Write({"--duration", "2"});
  ASSERT_TRUE(WaitEqual()) << "source " << SourceValue();
  HttpResult versions = Registry({"/subjects/server.public.debezium_table-value/versions"});
  ASSERT_EQ(versions.status, 200) << versions.body;
  EXPECT_EQ(json::parse(versions.body), json::parse("[1,2]"));
  // The registry keeps them in its compacted topic, keyed as Confluent's registry keys them.
  bool second_version_in_topic = false;
  for (const std::string& k : Consume("_schemas-" + cluster_, "%k")) {
    json key = json::parse(k, nullptr, false);
    if (!key.is_discarded() && key.value("keytype", "") == "SCHEMA" &&
        key.value("subject", "") == "server.public.debezium_table-value" &&
        key.value("version", 0) == 2) {
      second_version_in_topic = true;
    }
  }
  EXPECT_TRUE(second_version_in_topic);
  HttpResult compat = Registry({"/config/server.public.debezium_table-value?defaultToGlobal=true"});
  ASSERT_EQ(compat.status, 200) << compat.body;
  EXPECT_EQ(json::parse(compat.body)["compatibilityLevel"], "FORWARD_TRANSITIVE");

  // A change the level forbids (bigint -> text: old readers cannot read it) is refused by the
  // registry; the source task fails naming the subject and the level, and the change never
  // reaches the destination.
  const std::string applied = SourceValue();
  ASSERT_TRUE(source_
                  ->Psql("ALTER TABLE public.debezium_table ALTER COLUMN current_value TYPE text; "
                         "UPDATE public.debezium_table SET current_value = '999999' WHERE id = 1",
                         "source_db")
                  .ok());
  std::string trace;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResult st = Curl({w.url + "/connectors/source-connector/status"});
    json j = json::parse(st.body, nullptr, false);
    if (!j.is_discarded() && j.contains("tasks") && !j["tasks"].empty() &&
        j["tasks"][0]["state"] == "FAILED") {
      trace = j["tasks"][0].value("trace", "");
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_FALSE(trace.empty()) << "the source task did not fail";
  EXPECT_NE(trace.find("server.public.debezium_table-value"), std::string::npos) << trace;
  EXPECT_NE(trace.find("FORWARD_TRANSITIVE"), std::string::npos) << trace;
  // The value schema is a union with null, so Avro Java's check (and this one) reports the
  // record branch the old union cannot read: MISSING_UNION_BRANCH.
  EXPECT_NE(trace.find("errorType:'MISSING_UNION_BRANCH'"), std::string::npos) << trace;
  EXPECT_NE(trace.find("error code: 40901"), std::string::npos) << trace;
  auto dst = destination_->Psql("SELECT current_value FROM public.debezium_table WHERE id = 1",
                                "destination_db");
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(*dst, applied);
}

}  // namespace
}  // namespace walrelay::testing
