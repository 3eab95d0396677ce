// The Kafka-backed schema registry end to end: a real Apache Kafka (one broker shared by the
// binary), `walrelay registry` and `walrelay worker` processes operated with curl, and registry
// instances in this process (worker::RegistryService) where a test needs to control schema
// compatibility exactly: those serve the registry with the unit tests' FakeSchemaChecker over the
// same Kafka store, election and HTTP server the binary runs. The binary itself checks Avro
// (registry::DefaultSchemaChecker(), an AvroSchemaChecker).
#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "registry/fake_schema_checker.h"
#include "registry/schema_records.h"
#include "testing/connect_worker.h"
#include "testing/kafka_cluster.h"
#include "testing/process.h"
#include "worker/registry_service.h"
#include "worker/schema_store.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kSessionTimeoutMs = 6000;  // the broker's group.min.session.timeout.ms

// A unique name per test (topics and groups), so the tests of this binary do not meet.
std::string TestName() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::string("sr-") + info->name();
}

// One `walrelay registry` process: its properties file and REST port, kept across restarts.
// The destructor SIGKILLs a running process (Process does).
struct RegistryProcess {
  int port = 0;
  std::string url;
  std::string file;
  std::unique_ptr<Process> process;

  bool Running() const { return process != nullptr && process->Running(); }
  std::string Log() const { return process != nullptr ? process->Stderr() : ""; }
  bool Leads() const {
    const std::string log = Log();
    const size_t led = log.rfind("leads schema registry group");
    return led != std::string::npos && log.find("no longer leads", led) == std::string::npos;
  }
};

RegistryProcess ConfigureRegistry(const std::string& name, const std::string& bootstrap,
                                  const std::vector<std::string>& extra = {}) {
  RegistryProcess r;
  r.port = FreePort();
  r.url = "http://127.0.0.1:" + std::to_string(r.port);
  std::string text = "listeners=" + r.url + "\n" + "kafkastore.bootstrap.servers=PLAINTEXT://" +
                     bootstrap + "\n" + "kafkastore.topic=_schemas-" + name + "\n" +
                     "schema.registry.group.id=" + name + "\n" +
                     "kafkastore.session.timeout.ms=" + std::to_string(kSessionTimeoutMs) + "\n" +
                     "kafkastore.heartbeat.interval.ms=1000\n";
  for (const std::string& line : extra) text += line + "\n";
  r.file = WriteTempFile(name + "-" + std::to_string(r.port) + ".properties", text);
  return r;
}

// Starts the process and waits up to 30 s until its API answers.
Status StartRegistry(RegistryProcess& r) {
  WR_ASSIGN_OR_RETURN(r.process, Process::Start({"/usr/bin/env", "MALLOC_CONF=junk:true",
                                                 WALRELAY_BINARY, "registry", r.file}));
  for (int n = 0; n < 300; ++n) {
    if (Curl({r.url + "/subjects"}).status == 200) return Status::Ok();
    if (!r.process->Running()) return FatalError("walrelay registry exited:\n" + r.Log());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return RetryError("walrelay registry did not answer within 30 s:\n" + r.Log());
}

HttpResult Put(const std::string& url, const std::string& body) {
  return Curl({"-X", "PUT", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data",
               body, url});
}
HttpResult Post(const std::string& url, const std::string& body) {
  return Curl({"-X", "POST", "-H", "Content-Type: application/vnd.schemaregistry.v1+json", "--data",
               body, url});
}
HttpResult Get(const std::string& url) { return Curl({url}); }
HttpResult Delete(const std::string& url) { return Curl({"-X", "DELETE", url}); }

// Polls `done` every 100 ms until it holds or `timeout` passes.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// A schema the fake checker accepts: a record with these field names.
std::string Schema(const std::vector<std::string>& fields) {
  json f = json::array();
  for (const std::string& name : fields) f.push_back({{"name", name}, {"default", 0}});
  json schema = {{"type", "record"}, {"name", "r"}, {"fields", f}};
  return json({{"schema", schema.dump()}}).dump();
}

class SchemaRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto cluster = KafkaCluster::Shared(1);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    kafka_ = *cluster;
  }

  // An instance in this process with the fake checker, on a free loopback port.
  std::unique_ptr<worker::RegistryService> StartInProcess(const std::string& name) {
    std::map<std::string, std::string> props = {
        {"listeners", "http://127.0.0.1:0"},
        {"kafkastore.bootstrap.servers", kafka_->bootstrap_servers()},
        {"kafkastore.topic", "_schemas-" + name},
        {"schema.registry.group.id", name},
        {"kafkastore.session.timeout.ms", std::to_string(kSessionTimeoutMs)},
        {"kafkastore.heartbeat.interval.ms", "1000"},
    };
    std::vector<std::string> warnings;
    auto config = worker::RegistryServiceConfig::Parse(props, "test.properties", &warnings);
    EXPECT_TRUE(config.ok()) << config.status().ToString();
    EXPECT_TRUE(warnings.empty()) << warnings.front();
    if (!config.ok()) return nullptr;
    auto service = worker::RegistryService::Start(*config, &checker_, &stop_);
    EXPECT_TRUE(service.ok()) << service.status().ToString();
    return service.ok() ? std::move(service).value() : nullptr;
  }

  KafkaCluster* kafka_ = nullptr;
  registry::FakeSchemaChecker checker_;
  StopSource stop_;
};

// (a) and (b): two instances elect one leader; registrations through the follower are forwarded,
// both instances then answer them with the same ids; the topic holds Confluent's records.
TEST_F(SchemaRegistryTest, FollowerForwardsWritesAndIdsAreShared) {
  const std::string name = TestName();
  auto a = StartInProcess(name);
  auto b = StartInProcess(name);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(WaitFor([&] { return a->IsLeader() || b->IsLeader(); }, std::chrono::seconds(30)));
  worker::RegistryService* leader = a->IsLeader() ? a.get() : b.get();
  worker::RegistryService* follower = a->IsLeader() ? b.get() : a.get();
  EXPECT_FALSE(follower->IsLeader());
  ASSERT_TRUE(WaitFor([&] { return follower->LeaderUrl() == leader->advertised_url(); },
                      std::chrono::seconds(10)))
      << follower->LeaderUrl().value_or("(none)");
  const std::string f = follower->urls().front();
  const std::string l = leader->urls().front();

  HttpResult r = Post(f + "/subjects/orders-value/versions", Schema({"a"}));
  ASSERT_EQ(r.status, 200) << r.body;
  const int id = json::parse(r.body)["id"].get<int>();
  // The same schema under another subject, through the leader: the same id.
  r = Post(l + "/subjects/payments-value/versions", Schema({"a"}));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["id"].get<int>(), id);
  r = Post(f + "/subjects/orders-value/versions", Schema({"a", "b"}));
  ASSERT_EQ(r.status, 200) << r.body;
  const int id2 = json::parse(r.body)["id"].get<int>();
  EXPECT_NE(id2, id);
  ASSERT_EQ(Put(f + "/config/orders-value", R"({"compatibility":"FULL"})").status, 200);

  for (const std::string& url : {f, l}) {
    // The follower has read the leader's records by the time the forwarded write answered, or
    // soon after.
    ASSERT_TRUE(
        WaitFor([&] { return Get(url + "/subjects/orders-value/versions").body == "[1,2]"; },
                std::chrono::seconds(5)))
        << url << ": " << Get(url + "/subjects/orders-value/versions").body;
    json v = json::parse(Get(url + "/subjects/orders-value/versions/2").body);
    EXPECT_EQ(v["id"].get<int>(), id2) << url;
    EXPECT_EQ(json::parse(Get(url + "/schemas/ids/" + std::to_string(id)).body)["schema"],
              json::parse(Get(l + "/subjects/payments-value/versions/1").body)["schema"]);
    EXPECT_EQ(json::parse(Get(url + "/config/orders-value").body)["compatibilityLevel"], "FULL");
  }

  // (b) the topic, as kcat reads it: Confluent's keys and values.
  std::vector<std::string> records = ConsumeTopic(kafka_->bootstrap_servers(), "_schemas-" + name,
                                                  "%k\t%s", /*read_committed=*/true);
  int schemas = 0, configs = 0, noops = 0;
  for (const std::string& line : records) {
    const std::string key = line.substr(0, line.find('\t'));
    json k = json::parse(key, nullptr, false);
    ASSERT_FALSE(k.is_discarded()) << line;
    if (k["keytype"] == "SCHEMA") {
      ++schemas;
      json value = json::parse(line.substr(line.find('\t') + 1));
      EXPECT_EQ(k["magic"], 1);
      EXPECT_EQ(value["subject"], k["subject"]);
      EXPECT_EQ(value["version"], k["version"]);
      EXPECT_TRUE(value.contains("id") && value.contains("schema") && value.contains("deleted"))
          << line;
    } else if (k["keytype"] == "CONFIG") {
      ++configs;
      EXPECT_EQ(line, R"({"keytype":"CONFIG","subject":"orders-value","magic":0})"
                      "\t"
                      R"({"subject":"orders-value","compatibilityLevel":"FULL"})");
    } else if (k["keytype"] == "NOOP") {
      ++noops;
      EXPECT_EQ(key, R"({"keytype":"NOOP","magic":0})");
    }
  }
  EXPECT_EQ(schemas, 3);
  EXPECT_EQ(configs, 1);
  EXPECT_GE(noops, 1);  // the leader's, on taking the writer
}

// (c) every schema, version, config and soft delete is back after both instances restart.
TEST_F(SchemaRegistryTest, RestartedInstancesReadEverythingBack) {
  const std::string name = TestName();
  json before;
  {
    auto a = StartInProcess(name);
    auto b = StartInProcess(name);
    ASSERT_TRUE(a && b);
    ASSERT_TRUE(WaitFor([&] { return a->IsLeader() || b->IsLeader(); }, std::chrono::seconds(30)));
    ASSERT_TRUE(WaitFor([&] { return a->IsLeader() || a->LeaderUrl().has_value(); },
                        std::chrono::seconds(10)));
    const std::string url = a->urls().front();
    ASSERT_EQ(Post(url + "/subjects/s1/versions", Schema({"x"})).status, 200);
    ASSERT_EQ(Post(url + "/subjects/s1/versions", Schema({"x", "y"})).status, 200);
    ASSERT_EQ(Post(url + "/subjects/s2/versions", Schema({"z"})).status, 200);
    ASSERT_EQ(Put(url + "/config", R"({"compatibility":"NONE"})").status, 200);
    ASSERT_EQ(Put(url + "/config/s2", R"({"compatibility":"FORWARD"})").status, 200);
    ASSERT_EQ(Put(url + "/mode/s2", R"({"mode":"READONLY"})").status, 200);
    HttpResult r = Delete(url + "/subjects/s1/versions/1");
    ASSERT_EQ(r.status, 200) << r.body;
    before = {Get(url + "/subjects?deleted=true").body,
              Get(url + "/subjects/s1/versions").body,
              Get(url + "/subjects/s1/versions?deleted=true").body,
              Get(url + "/subjects/s1/versions/2").body,
              Get(url + "/schemas/ids/1").body,
              Get(url + "/config").body,
              Get(url + "/config/s2").body,
              Get(url + "/mode/s2").body};
    EXPECT_EQ(before[1], "[2]");
  }
  auto a = StartInProcess(name);
  auto b = StartInProcess(name);
  ASSERT_TRUE(a && b);
  for (worker::RegistryService* s : {a.get(), b.get()}) {
    const std::string url = s->urls().front();
    json after = {Get(url + "/subjects?deleted=true").body,
                  Get(url + "/subjects/s1/versions").body,
                  Get(url + "/subjects/s1/versions?deleted=true").body,
                  Get(url + "/subjects/s1/versions/2").body,
                  Get(url + "/schemas/ids/1").body,
                  Get(url + "/config").body,
                  Get(url + "/config/s2").body,
                  Get(url + "/mode/s2").body};
    EXPECT_EQ(after, before) << url;
  }
}

// (a) and (d) with `walrelay registry` processes: one leads, the follower forwards writes; the
// leader SIGKILLed, the follower leads within the session timeout and takes writes.
TEST_F(SchemaRegistryTest, FollowerTakesOverFromAKilledLeader) {
  const std::string name = TestName();
  RegistryProcess p0 = ConfigureRegistry(name, kafka_->bootstrap_servers());
  RegistryProcess p1 = ConfigureRegistry(name, kafka_->bootstrap_servers());
  ASSERT_TRUE(StartRegistry(p0).ok()) << p0.Log();
  ASSERT_TRUE(StartRegistry(p1).ok()) << p1.Log();
  ASSERT_TRUE(WaitFor([&] { return p0.Leads() || p1.Leads(); }, std::chrono::seconds(30)))
      << p0.Log() << p1.Log();
  RegistryProcess& leader = p0.Leads() ? p0 : p1;
  RegistryProcess& follower = p0.Leads() ? p1 : p0;
  EXPECT_FALSE(follower.Leads());

  // A write through the follower reaches the leader (it waits until it knows the leader).
  HttpResult r;
  ASSERT_TRUE(WaitFor(
      [&] {
        r = Put(follower.url + "/config", R"({"compatibility":"FULL_TRANSITIVE"})");
        return r.status == 200;
      },
      std::chrono::seconds(10)))
      << r.status << " " << r.body << follower.Log();
  for (RegistryProcess* p : {&leader, &follower}) {
    EXPECT_TRUE(WaitFor(
        [&] {
          return json::parse(Get(p->url + "/config").body)["compatibilityLevel"] ==
                 "FULL_TRANSITIVE";
        },
        std::chrono::seconds(5)))
        << p->url;
  }
  // The binary checks Avro: a registration through the follower is forwarded, stored once and
  // seen by both; a schema that is not Avro is refused with 42201.
  const std::string avro_schema =
      R"({"schema":"{\"type\":\"record\",\"name\":\"T\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"})";
  r = Post(follower.url + "/subjects/t-value/versions", avro_schema);
  ASSERT_EQ(r.status, 200) << r.body;
  const int avro_id = json::parse(r.body)["id"];
  EXPECT_TRUE(WaitFor(
      [&] { return Get(leader.url + "/schemas/ids/" + std::to_string(avro_id)).status == 200; },
      std::chrono::seconds(5)));
  r = Post(follower.url + "/subjects/t-value/versions", avro_schema);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body)["id"], avro_id) << "registering again is idempotent";
  r = Post(follower.url + "/subjects/t-value/versions", R"({"schema":"{\"type\":\"recrd\"}"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("42201"), std::string::npos) << r.body;

  const auto killed_at = Clock::now();
  leader.process->Signal(SIGKILL);
  ASSERT_TRUE(leader.process->Wait(std::chrono::seconds(10)).ok());
  ASSERT_TRUE(WaitFor([&] { return follower.Leads(); },
                      std::chrono::milliseconds(kSessionTimeoutMs + 10000)))
      << follower.Log();
  const auto took = Clock::now() - killed_at;
  EXPECT_LT(took, std::chrono::milliseconds(kSessionTimeoutMs + 5000));
  std::cerr << "the follower took over "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
            << " ms after the leader was killed\n";
  r = Put(follower.url + "/config", R"({"compatibility":"NONE"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(Get(follower.url + "/config").body)["compatibilityLevel"], "NONE");

  // The killed instance comes back as a follower with everything, and forwards again.
  ASSERT_TRUE(StartRegistry(leader).ok()) << leader.Log();
  EXPECT_EQ(json::parse(Get(leader.url + "/config").body)["compatibilityLevel"], "NONE");
  ASSERT_TRUE(WaitFor(
      [&] {
        r = Put(leader.url + "/config", R"({"compatibility":"BACKWARD"})");
        return r.status == 200;
      },
      std::chrono::seconds(10)))
      << r.status << " " << r.body;
  EXPECT_TRUE(follower.Leads());

  // SIGTERM stops both cleanly.
  for (RegistryProcess* p : {&p0, &p1}) {
    p->process->Signal(SIGTERM);
    auto code = p->process->Wait(std::chrono::seconds(15));
    ASSERT_TRUE(code.ok()) << p->Log();
    EXPECT_EQ(*code, 0) << p->Log();
  }
}

// A bad value: exit status 2 and an error naming the property and what is allowed.
TEST_F(SchemaRegistryTest, BadPropertiesAreNamed) {
  const std::string name = TestName();
  RegistryProcess p =
      ConfigureRegistry(name, kafka_->bootstrap_servers(), {"leader.eligibility=maybe"});
  auto process = Process::Start({WALRELAY_BINARY, "registry", p.file});
  ASSERT_TRUE(process.ok());
  auto code = (*process)->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2);
  const std::string log = (*process)->Stderr();
  EXPECT_NE(log.find("'leader.eligibility' has invalid value 'maybe': must be true or false"),
            std::string::npos)
      << log;
}

// A topic of more than one partition is refused, naming it.
TEST_F(SchemaRegistryTest, ATopicOfManyPartitionsIsRefused) {
  const std::string name = TestName();
  ASSERT_TRUE(kafka_->CreateTopic("_schemas-" + name, 2, 1, {{"cleanup.policy", "compact"}}).ok());
  RegistryProcess p = ConfigureRegistry(name, kafka_->bootstrap_servers());
  auto process = Process::Start({WALRELAY_BINARY, "registry", p.file});
  ASSERT_TRUE(process.ok());
  auto code = (*process)->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 2);
  EXPECT_NE((*process)->Stderr().find("has 2 partitions"), std::string::npos)
      << (*process)->Stderr();
}

// A topic that is not compacted is refused, naming the policy.
TEST_F(SchemaRegistryTest, ATopicNotCompactedIsRefused) {
  const std::string name = TestName();
  ASSERT_TRUE(kafka_->CreateTopic("_schemas-" + name, 1, 1, {{"cleanup.policy", "delete"}}).ok());
  registry::RegistryState state(&checker_);
  worker::KafkaSchemaStore::Options options;
  options.topic = "_schemas-" + name;
  options.group_id = name;
  options.client = {{"bootstrap.servers", kafka_->bootstrap_servers()}};
  options.init_timeout = std::chrono::seconds(20);
  auto store = worker::KafkaSchemaStore::Open(options, &state, &stop_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(store.status().message().find("cleanup.policy=delete"), std::string::npos)
      << store.status().message();
}

// A leader that does not know it was replaced cannot write: the newer leader's writer fences its
// producer, its write fails, and no instance ever applies it.
TEST_F(SchemaRegistryTest, ANewerLeaderFencesTheOlderOnesWrites) {
  const std::string name = TestName();
  worker::KafkaSchemaStore::Options options;
  options.topic = "_schemas-" + name;
  options.group_id = name;
  options.replication_factor = 1;
  options.client = {{"bootstrap.servers", kafka_->bootstrap_servers()}};
  options.init_timeout = std::chrono::seconds(30);
  registry::RegistryState old_state(&checker_), new_state(&checker_);
  auto old_leader = worker::KafkaSchemaStore::Open(options, &old_state, &stop_);
  ASSERT_TRUE(old_leader.ok()) << old_leader.status().ToString();
  auto new_leader = worker::KafkaSchemaStore::Open(options, &new_state, &stop_);
  ASSERT_TRUE(new_leader.ok()) << new_leader.status().ToString();
  EXPECT_EQ((*old_leader)->Append(registry::ConfigKeyJson(std::nullopt), "{}").kind(),
            ErrorKind::kRetry);  // not the leader: no writer
  ASSERT_TRUE((*old_leader)->BecomeLeader().ok());
  const std::string key = registry::ConfigKeyJson(std::string("s"));
  ASSERT_TRUE(
      (*old_leader)->Append(key, registry::ToJson(registry::ConfigValue{"s", "FULL"})).ok());
  EXPECT_EQ(old_state.Config(std::string("s")), "FULL");

  ASSERT_TRUE((*new_leader)->BecomeLeader().ok());        // the old one still believes it leads
  EXPECT_EQ(new_state.Config(std::string("s")), "FULL");  // its predecessor's write, read first
  Status stale = (*old_leader)->Append(key, registry::ToJson(registry::ConfigValue{"s", "NONE"}));
  EXPECT_EQ(stale.kind(), ErrorKind::kFenced) << stale.ToString();
  EXPECT_FALSE((*old_leader)->writer_open());
  ASSERT_TRUE(
      (*new_leader)->Append(key, registry::ToJson(registry::ConfigValue{"s", "FORWARD"})).ok());
  // Both instances converge on the new leader's write; the fenced one was never applied.
  EXPECT_TRUE(WaitFor([&] { return old_state.Config(std::string("s")) == "FORWARD"; },
                      std::chrono::seconds(5)));
  EXPECT_EQ(new_state.Config(std::string("s")), "FORWARD");
  for (const std::string& line : ConsumeTopic(kafka_->bootstrap_servers(), options.topic, "%s",
                                              /*read_committed=*/true)) {
    EXPECT_EQ(line.find("NONE"), std::string::npos) << line;
  }
}

// An instance with leader.eligibility=false never leads: alone it answers writes 50004; once an
// eligible instance leads, it forwards to it.
TEST_F(SchemaRegistryTest, AnIneligibleInstanceFollows) {
  const std::string name = TestName();
  std::map<std::string, std::string> props = {
      {"listeners", "http://127.0.0.1:0"},
      {"kafkastore.bootstrap.servers", kafka_->bootstrap_servers()},
      {"kafkastore.topic", "_schemas-" + name},
      {"schema.registry.group.id", name},
      {"leader.eligibility", "false"},
  };
  auto config = worker::RegistryServiceConfig::Parse(props, "test.properties", nullptr);
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  auto ineligible = worker::RegistryService::Start(*config, &checker_, &stop_);
  ASSERT_TRUE(ineligible.ok()) << ineligible.status().ToString();
  const std::string url = (*ineligible)->urls().front();
  HttpResult r = Put(url + "/config", R"({"compatibility":"NONE"})");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_NE(r.body.find("50004"), std::string::npos) << r.body;

  auto eligible = StartInProcess(name);
  ASSERT_TRUE(eligible);
  ASSERT_TRUE(WaitFor([&] { return eligible->IsLeader(); }, std::chrono::seconds(30)));
  ASSERT_TRUE(WaitFor(
      [&] {
        r = Post(url + "/subjects/s/versions", Schema({"a"}));
        return r.status == 200;
      },
      std::chrono::seconds(10)))
      << r.status << " " << r.body;
  EXPECT_FALSE((*ineligible)->IsLeader());
  EXPECT_EQ(Get(eligible->urls().front() + "/subjects").body, R"(["s"])");
}

// (e) a worker with schema.registry.listeners serves the registry API beside Connect's.
TEST_F(SchemaRegistryTest, WorkerServesTheRegistry) {
  const std::string name = TestName();
  const int registry_port = FreePort();
  const std::string registry_url = "http://127.0.0.1:" + std::to_string(registry_port);
  WorkerProcess w =
      ConfigureWorker(WriteTempFile(name + ".properties", ""),
                      WorkerSettings{kafka_->bootstrap_servers(),
                                     name,
                                     1,
                                     {"schema.registry.listeners=" + registry_url,
                                      "schema.registry.group.id=" + name + "-registry",
                                      "schema.registry.topic=_schemas-" + name,
                                      "session.timeout.ms=6000", "heartbeat.interval.ms=1000"}});
  ASSERT_TRUE(StartWorker(w).ok());
  ASSERT_TRUE(WaitFor([&] { return Get(registry_url + "/subjects").status == 200; },
                      std::chrono::seconds(30)))
      << w.StderrTail();
  EXPECT_EQ(Get(registry_url + "/subjects").body, "[]");
  EXPECT_EQ(Get(w.url + "/connectors").status, 200);
  HttpResult r;
  ASSERT_TRUE(WaitFor(
      [&] {
        r = Put(registry_url + "/config", R"({"compatibility":"FORWARD"})");
        return r.status == 200;
      },
      std::chrono::seconds(20)))
      << r.status << " " << r.body << w.StderrTail();
  EXPECT_EQ(json::parse(Get(registry_url + "/config").body)["compatibilityLevel"], "FORWARD");
  w.process->Signal(SIGTERM);
  auto code = w.process->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.ok()) << w.StderrTail();
  EXPECT_EQ(*code, 0) << w.StderrTail();
}

}  // namespace
}  // namespace walrelay::testing
