// Distributed mode end to end on real servers: a real Apache Kafka (one broker shared by the
// binary, src/testing/kafka_cluster.h), real PostgreSQL source and destination, and
// `walrelay worker` processes operated through the REST API with curl, as the seed's scripts do.
// kcat, an independent Kafka client, reads what the workers produced.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/worker_fixture.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::walrelay::Status st_ = (expr);         \
    ASSERT_TRUE(st_.ok()) << st_.ToString(); \
  } while (0)

// The fixture on a one-broker Kafka (src/testing/worker_fixture.h).
class WorkerTest : public WorkerFixture {};

// Seed scenarios 1 and 3: the seed's source and sink registered with curl on a two-worker
// cluster, RUNNING, the destination following the writer; one worker killed with SIGKILL, its
// connectors go on on the other and nothing is lost.
TEST_F(WorkerTest, SeedScenariosOneAndThreeSurviveAKilledWorker) {
  WorkerProcess& w0 = StartWorker(0);
  StartWorker(1);
  HttpResult r = Register(w0, SeedConnector("register-postgres.json"));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(json::parse(r.body)["name"], "source-connector");
  r = Register(workers_[1], SeedConnector("register-sink.json"));  // forwarded to the leader
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_TRUE(WaitRunning(w0, {"source-connector", "sink-connector"}));
  // Both workers answer the same listing.
  json a = List(workers_[0]), b = List(workers_[1]);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a["sink-connector"]["info"]["config"]["topics"], "server.public.debezium_table");
  EXPECT_EQ(a["sink-connector"]["info"]["type"], "sink");

  Write({"--duration", "3"});
  ASSERT_TRUE(WaitEqual()) << "source " << SourceValue();

  // Kill the worker that runs the source task.
  std::string owner = WorkerOf(workers_[0], "source-connector", 0);
  size_t victim = owner == "127.0.0.1:" + std::to_string(workers_[0].port) ? 0 : 1;
  size_t survivor = 1 - victim;
  workers_[victim].process->Signal(SIGKILL);
  ASSERT_TRUE(workers_[victim].process->Wait(std::chrono::seconds(10)).ok());
  const std::string survivor_id = "127.0.0.1:" + std::to_string(workers_[survivor].port);
  ASSERT_TRUE(
      WaitRunning(workers_[survivor], {"source-connector", "sink-connector"}, survivor_id, 120));
  Write({"--duration", "3"});
  ASSERT_TRUE(WaitEqual()) << "source " << SourceValue();

  // kcat: the topic holds the row's every value, in order, each at least once.
  std::vector<std::string> values = Consume("server.public.debezium_table", "%s");
  ASSERT_FALSE(values.empty());
  int64_t last = -1;
  std::set<int64_t> seen;
  for (const auto& v : values) {
    json j = json::parse(v, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << v;
    int64_t cv = j["payload"]["current_value"].get<int64_t>();
    seen.insert(cv);
    last = cv;
  }
  EXPECT_EQ(std::to_string(last), SourceValue());
  EXPECT_EQ(static_cast<int64_t>(seen.size()), *seen.rbegin() - *seen.begin() + 1)
      << "a value is missing from the topic";
}

// A worker stopped with SIGTERM leaves the group at once: the other worker runs its connectors
// long before the session timeout (set to 45 s here) would have expired.
TEST_F(WorkerTest, SigtermHandsTheConnectorsOverAtOnce) {
  const std::vector<std::string> slow_session = {"session.timeout.ms=45000",
                                                 "heartbeat.interval.ms=3000"};
  StartWorker(0, slow_session);
  StartWorker(1, slow_session);
  // KIP-976: a logger level set with scope=cluster on one worker reaches the other. (409 while
  // the new cluster has no leader yet, as for other writes: retried as a client would.)
  HttpResult set;
  for (int i = 0; i < 150; ++i) {
    set =
        Curl({"-X", "PUT", "-H", "Content-Type: application/json", "--data", R"({"level":"DEBUG"})",
              workers_[0].url + "/admin/loggers/io.debezium?scope=cluster"});
    if (set.status != 409) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(set.status, 204) << set.body;
  std::string level;
  for (int i = 0; i < 100; ++i) {
    HttpResult r = Curl({workers_[1].url + "/admin/loggers/io.debezium"});
    if (r.status == 200) level = json::parse(r.body).value("level", "");
    if (level == "DEBUG") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(level, "DEBUG") << "the other worker did not apply the cluster-scoped level";
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json")).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"source-connector"}));
  std::string owner = WorkerOf(workers_[0], "source-connector", 0);
  size_t victim = owner == "127.0.0.1:" + std::to_string(workers_[0].port) ? 0 : 1;
  size_t survivor = 1 - victim;
  const auto t0 = Clock::now();
  workers_[victim].process->Signal(SIGTERM);
  auto exit = workers_[victim].process->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(exit.ok());
  EXPECT_EQ(*exit, 0) << "a clean stop exits 0";
  const std::string survivor_id = "127.0.0.1:" + std::to_string(workers_[survivor].port);
  ASSERT_TRUE(WaitRunning(workers_[survivor], {"source-connector"}, survivor_id, 40));
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(40)) << "waited for the session to expire";
}

// Seed scenario 4: the outbox connector routes Person rows to Person.events with the event type
// in a header; kcat reads them.
TEST_F(WorkerTest, SeedScenarioFourOutboxEventsReachPersonEvents) {
  // The outbox connector also captures debezium_heartbeat; its snapshot would read the row the
  // seed's schema inserts, which is no outbox event: Debezium's EventRouter fails the task on it
  // ("Unable to find payload field"), and so does walrelay's. The seed's heartbeat query updates
  // that row, and updates are ignored by the router; here the row is removed before the snapshot.
  ASSERT_TRUE(source_->Psql("DELETE FROM public.debezium_heartbeat", "source_db").ok());
  StartWorker(0);
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-outbox.json")).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"outbox-connector"}));
  Write({"--outbox", "--duration", "2"});
  auto rows = source_->Psql("SELECT count(*) FROM public.outbox", "source_db");
  ASSERT_TRUE(rows.ok());
  const size_t want = static_cast<size_t>(std::atoll(rows->c_str()));
  ASSERT_GT(want, 0u);
  std::vector<std::string> events;
  for (int i = 0; i < 300 && events.size() < want; ++i) {
    events = Consume("Person.events", "%h|%s");
    if (events.size() < want) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(events.size(), want);
  for (const auto& e : events) {
    EXPECT_NE(e.find("eventType=PersonCreated"), std::string::npos) << e;
    EXPECT_NE(e.find("Name"), std::string::npos) << e;
  }
  // Each event once: every outbox row's id is the `id` header of exactly one record.
  auto ids = source_->Psql("SELECT id FROM public.outbox", "source_db");
  ASSERT_TRUE(ids.ok());
  std::multiset<std::string> want_ids, got_ids;
  std::istringstream id_lines(*ids);
  for (std::string id; std::getline(id_lines, id);) {
    if (!id.empty()) want_ids.insert(id);
  }
  // kcat's %h: name=value pairs joined by ','; walrelay consume --print-headers: name:value.
  std::multiset<std::string> kcat_lines;
  for (const auto& e : events) {
    const size_t bar = e.find('|');
    ASSERT_NE(bar, std::string::npos) << e;
    std::string headers = e.substr(0, bar);
    const size_t id_at = ("," + headers).find(",id=");
    ASSERT_NE(id_at, std::string::npos) << e;
    got_ids.insert(headers.substr(id_at + 3, headers.find(',', id_at + 3) - (id_at + 3)));
    for (size_t start = 0; start < headers.size();) {
      const size_t eq = headers.find('=', start);
      if (eq == std::string::npos) break;
      headers[eq] = ':';
      start = headers.find(',', eq);
      if (start == std::string::npos) break;
    }
    kcat_lines.insert(headers + "\t" + e.substr(bar + 1));
  }
  EXPECT_EQ(got_ids, want_ids);
  // `walrelay consume` reads the same records with the same headers.
  auto consumed = RunProcess({WALRELAY_BINARY, "consume", "Person.events", "--bootstrap-server",
                              kafka_->bootstrap_servers(), "--from-beginning", "--print-headers",
                              "--max", std::to_string(want), "--timeout-ms", "10000"},
                             std::chrono::seconds(60));
  ASSERT_TRUE(consumed.ok()) << consumed.status().ToString();
  EXPECT_EQ(consumed->exit_code, 0) << consumed->err;
  std::multiset<std::string> walrelay_lines;
  std::istringstream consumed_lines(consumed->out);
  for (std::string line; std::getline(consumed_lines, line);) {
    if (!line.empty()) walrelay_lines.insert(line);
  }
  EXPECT_EQ(walrelay_lines, kcat_lines) << consumed->err;
}

// kcat, an independent consumer, reads from the topic exactly the values stdout mode prints
// for the same connector file and the same rows.
TEST_F(WorkerTest, TopicHoldsWhatStdoutModePrints) {
  ASSERT_TRUE(source_
                  ->Psql("INSERT INTO public.debezium_table (id, current_value) "
                         "SELECT g, g * 10 FROM generate_series(2, 6) g",
                         "source_db")
                  .ok());
  // Stdout mode on a slot of its own.
  const std::string prefix = "stdout" + std::to_string(::getpid());
  const std::string topic = prefix + ".public.debezium_table";
  json c = json::parse(ReadFile(SeedConnector("register-postgres.json", "", prefix)));
  c["config"]["slot.name"] = "stdout_slot";
  c["config"]["key.converter"] = "org.apache.kafka.connect.json.JsonConverter";
  c["config"]["value.converter"] = "org.apache.kafka.connect.json.JsonConverter";
  c["config"]["offset.storage.file.filename"] = dir_ + "/stdout.offsets";
  c["config"]["publication.name"] = "stdout_publication";
  std::string stdout_file = dir_ + "/stdout-source.json";
  std::ofstream(stdout_file) << c.dump();
  auto printed = RunProcess({WALRELAY_BINARY, "run", stdout_file, "--idle-exit", "3"},
                            std::chrono::seconds(120));
  ASSERT_TRUE(printed.ok());
  ASSERT_EQ(printed->exit_code, 0) << printed->err;
  std::multiset<std::string> expected;
  std::istringstream lines(printed->out);
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line);
    if (j["topic"] != topic) continue;
    expected.insert(j["key"].dump() + " " + j["value"].dump());
  }
  ASSERT_EQ(expected.size(), 5u);

  StartWorker(0);
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json", "", prefix)).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"source-connector"}));
  std::multiset<std::string> got;
  for (int i = 0; i < 300 && got.size() < expected.size(); ++i) {
    got.clear();
    for (const auto& kv : Consume(topic, "%k\t%s")) {
      size_t tab = kv.find('\t');
      got.insert(json::parse(kv.substr(0, tab)).dump() + " " +
                 json::parse(kv.substr(tab + 1)).dump());
    }
    if (got.size() < expected.size()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(got, expected);
  // GET /metrics: the source task's figures are current (records read and acknowledged by Kafka,
  // the LSN confirmed to the slot).
  auto metric = [&](const std::string& name) -> int64_t {
    std::istringstream text(Curl({workers_[0].url + "/metrics"}).body);
    const std::string prefix = name + "{connector=\"source-connector\",task=\"0\"} ";
    for (std::string line; std::getline(text, line);) {
      if (line.rfind(prefix, 0) == 0) return std::stoll(line.substr(prefix.size()));
    }
    return -1;
  };
  for (int i = 0; i < 100 && metric("walrelay_task_confirmed_lsn") <= 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_GE(metric("walrelay_task_records_in_total"), 5);
  EXPECT_GE(metric("walrelay_task_records_out_total"), 5);
  EXPECT_GT(metric("walrelay_task_confirmed_lsn"), 0);
  EXPECT_GE(metric("walrelay_task_lag_bytes"), 0);
  EXPECT_EQ(metric("walrelay_task_errors_total"), 0);
}

// KIP-618: with exactly.once.source.support=enabled a source task's records and its offset go
// in one Kafka transaction. The worker running the source is killed with SIGKILL three times
// while the writer runs; a read_committed consumer (kcat) still sees every change exactly once.
TEST_F(WorkerTest, ExactlyOnceSourceSeesEachChangeOnceAcrossKills) {
  const std::vector<std::string> eos = {"exactly.once.source.support=enabled",
                                        "session.timeout.ms=6000", "heartbeat.interval.ms=1000"};
  StartWorker(0, eos);
  StartWorker(1, eos);
  const std::string prefix = "eos" + std::to_string(::getpid());
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json", "", prefix)).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"source-connector"}));
  auto writer = StartWriter(/*rate=*/200, /*seconds=*/40);
  ASSERT_TRUE(writer);
  for (int kill = 0; kill < 3; ++kill) {
    std::this_thread::sleep_for(std::chrono::seconds(4));
    std::string owner;
    for (int i = 0; i < 300 && owner.empty(); ++i) {
      owner = WorkerOf(workers_[0].process->Running() ? workers_[0] : workers_[1],
                       "source-connector", 0);
      if (owner.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    size_t victim = owner == "127.0.0.1:" + std::to_string(workers_[0].port) ? 0 : 1;
    workers_[victim].process->Signal(SIGKILL);
    ASSERT_TRUE(workers_[victim].process->Wait(std::chrono::seconds(10)).ok());
    StartWorker(victim, eos);
    const std::string other = "127.0.0.1:" + std::to_string(workers_[1 - victim].port);
    (void)other;
    ASSERT_TRUE(WaitRunning(workers_[1 - victim], {"source-connector"}, "", 120));
  }
  ASSERT_TRUE(writer->Wait(std::chrono::seconds(120)).ok());
  const std::string want = SourceValue();
  const std::string topic = prefix + ".public.debezium_table";
  std::vector<std::string> values;
  for (int i = 0; i < 600; ++i) {
    values = Consume(topic, "%s", /*read_committed=*/true);
    if (!values.empty()) {
      json last = json::parse(values.back(), nullptr, false);
      if (!last.is_discarded() &&
          std::to_string(last["payload"]["current_value"].get<int64_t>()) == want) {
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::map<int64_t, int> seen;
  for (const auto& v : values) {
    json j = json::parse(v, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << v;
    ++seen[j["payload"]["current_value"].get<int64_t>()];
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(std::to_string(seen.rbegin()->first), want);
  int duplicates = 0;
  for (const auto& [value, n] : seen) duplicates += n - 1;
  EXPECT_EQ(duplicates, 0) << "changes seen twice by a read_committed consumer";
  EXPECT_EQ(static_cast<int64_t>(seen.size()), seen.rbegin()->first - seen.begin()->first + 1)
      << "a change is missing";
}

// End to end exactly once, PostgreSQL -> Kafka -> PostgreSQL, under worker faults: an
// exactly-once source and an append-only sink (insert mode into a table without a key, so a
// change applied twice would be a second row) on two workers, while the writer runs:
// - one worker frozen with SIGSTOP past its session: the other takes its units over; when the
//   frozen one resumes, it must write nothing its successor wrote (the slot admits one reader,
//   the sink's checked positions in the destination refuse its stale batch);
// - then 20 SIGKILLs of a worker, each restarted.
// Every change reaches the destination exactly once.
TEST_F(WorkerTest, EndToEndExactlyOnceAcrossAFreezeAndTwentyKills) {
  ASSERT_TRUE(source_->Psql("ALTER SYSTEM SET wal_sender_timeout = '3s'", "postgres").ok());
  ASSERT_TRUE(source_->Psql("SELECT pg_reload_conf()", "postgres").ok());
  const std::vector<std::string> props = {"exactly.once.source.support=enabled",
                                          "session.timeout.ms=6000", "heartbeat.interval.ms=1000"};
  StartWorker(0, props);
  StartWorker(1, props);
  const std::string prefix = "e2e" + std::to_string(::getpid());
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json", "", prefix)).status, 201);
  const std::string sink_file =
      HistorySinkFile("history-sink", prefix + ".public.debezium_table", /*tasks=*/2);
  ASSERT_EQ(Register(workers_[1], sink_file).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"source-connector", "history-sink"}));

  auto writer = StartWriter(/*rate=*/100, /*seconds=*/300);
  ASSERT_TRUE(writer);
  auto worker_index = [&](const std::string& id) {
    return id == "127.0.0.1:" + std::to_string(workers_[0].port) ? 0 : 1;
  };
  auto owner_of = [&](const std::string& connector, int task) {
    for (int i = 0; i < 600; ++i) {
      for (auto& w : workers_) {
        if (!w.process->Running()) continue;
        std::string o = WorkerOf(w, connector, task);
        if (!o.empty()) return o;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::string();
  };

  // The freeze: the worker running the sink's task 0.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  size_t frozen = worker_index(owner_of("history-sink", 0));
  workers_[frozen].process->Signal(SIGSTOP);
  const std::string other = "127.0.0.1:" + std::to_string(workers_[1 - frozen].port);
  ASSERT_TRUE(WaitRunning(workers_[1 - frozen], {"source-connector", "history-sink"}, other, 120));
  std::this_thread::sleep_for(std::chrono::seconds(3));
  workers_[frozen].process->Signal(SIGCONT);
  std::this_thread::sleep_for(std::chrono::seconds(5));

  // Twenty kills, alternating between the workers running the source and the sink.
  for (int kill = 0; kill < 20; ++kill) {
    std::string victim_id = owner_of(kill % 2 == 0 ? "source-connector" : "history-sink", 0);
    ASSERT_FALSE(victim_id.empty());
    size_t victim = worker_index(victim_id);
    workers_[victim].process->Signal(SIGKILL);
    ASSERT_TRUE(workers_[victim].process->Wait(std::chrono::seconds(10)).ok());
    StartWorker(victim, props);
    ASSERT_TRUE(WaitRunning(workers_[victim], {"source-connector", "history-sink"}, "", 120))
        << "after kill " << kill;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  writer->Signal(SIGTERM);
  ASSERT_TRUE(writer->Wait(std::chrono::seconds(30)).ok());
  ExpectHistoryExactlyOnce();
}

// KIP-875 for a sink connector: an append-only sink (insert mode into a table without a key,
// so each application of a record is a row) reads 10 records. Its offsets can be changed only
// when STOPPED (400 before). GET reports the destination's position. PATCH moves a partition back:
// after resume exactly the records from there are applied again, once (the destination's position
// and the group's offsets both moved; a plain stop and resume re-applies nothing). DELETE resets
// both: every record is applied again.
TEST_F(WorkerTest, SinkConnectorOffsetsCanBeReadAlteredAndReset) {
  const std::string topic = cluster_ + "-history";
  ASSERT_OK(kafka_->CreateTopic(topic, 1, 1));
  std::string records;
  for (int i = 1; i <= 10; ++i) {
    records += R"({"schema":{"type":"struct","optional":false,"fields":[)"
               R"({"field":"id","type":"int32","optional":false},)"
               R"({"field":"current_value","type":"int64","optional":false}]},)"
               R"("payload":{"id":)" +
               std::to_string(i) + R"(,"current_value":)" + std::to_string(i) + "}}\n";
  }
  const std::string records_file = dir_ + "/records.jsonl";
  std::ofstream(records_file) << records;
  auto produced = RunProcess(
      {Which("kcat"), "-P", "-b", kafka_->bootstrap_servers(), "-t", topic, "-l", records_file});
  ASSERT_TRUE(produced.ok() && produced->exit_code == 0)
      << (produced.ok() ? produced->err : produced.status().ToString());
  ASSERT_TRUE(destination_
                  ->Psql("CREATE TABLE public.history (id int not null, current_value bigint "
                         "not null)",
                         "destination_db")
                  .ok());
  WorkerProcess& w = StartWorker(0);
  const std::string name = "offsets-sink";
  json sink = {
      {"name", name},
      {"config",
       {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
        {"tasks.max", "1"},
        {"topics", topic},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(destination_->port()) +
                               "/destination_db?user=postgres&password=postgres"},
        {"table.name.format", "history"},
        {"insert.mode", "insert"},
        {"pk.mode", "none"}}}};
  const std::string sink_file = dir_ + "/offsets-sink.json";
  std::ofstream(sink_file) << sink.dump();
  ASSERT_EQ(Register(w, sink_file).status, 201);
  ASSERT_TRUE(WaitRunning(w, {name}));
  // "count distinct sum" of the destination's rows, once it holds `rows` (or after a minute).
  auto history = [&](int rows) {
    std::string got;
    for (int i = 0; i < 300; ++i) {
      auto r = destination_->Psql(
          "SELECT count(*) || ' ' || count(DISTINCT id) || ' ' || coalesce(sum(id), 0) "
          "FROM public.history",
          "destination_db");
      if (r.ok()) got = *r;
      if (got.rfind(std::to_string(rows) + " ", 0) == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return got;
  };
  ASSERT_EQ(history(10), "10 10 55");

  const std::string offsets_url = w.url + "/connectors/" + name + "/offsets";
  const std::string json_type = "Content-Type: application/json";
  auto patch = [&](const json& body) {
    return Curl({"-X", "PATCH", "-H", json_type, "--data", body.dump(), offsets_url});
  };
  auto partition = [&](const json& offset) {
    return json{{"partition", {{"kafka_topic", topic}, {"kafka_partition", 0}}},
                {"offset", offset}};
  };
  const json to_seven = {{"offsets", {partition({{"kafka_offset", 7}})}}};
  const std::string not_stopped =
      "Connectors must be in the STOPPED state before their offsets can be modified. This can be "
      "done for the specified connector by issuing a 'PUT' request to the '/connectors/" +
      name + "/stop' endpoint";

  // GET works while it runs: the destination's position, the next offset to read.
  HttpResult r = Curl({offsets_url});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"offsets", {partition({{"kafka_offset", 10}})}}}));
  // Altering or resetting a running connector is refused.
  r = patch(to_seven);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["message"], not_stopped);
  r = Curl({"-X", "DELETE", offsets_url});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["message"], not_stopped);

  // Stopped, then resumed without a change: nothing is applied twice. (The PUTs carry an explicit
  // Content-Length: 0; cpp-httplib answers a PUT without one 400.)
  auto put = [&](const std::string& action) {
    return Curl(
        {"-X", "PUT", "-H", "Content-Length: 0", w.url + "/connectors/" + name + "/" + action});
  };
  auto stop = [&] {
    HttpResult s = put("stop");
    ASSERT_EQ(s.status, 204) << s.body;
  };
  auto resume = [&] {
    HttpResult s = put("resume");
    ASSERT_EQ(s.status, 202) << s.body;
    ASSERT_TRUE(WaitRunning(w, {name}));
  };
  stop();
  resume();
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(history(10), "10 10 55");

  // Malformed offsets: Kafka Connect's 400s.
  stop();
  r = patch({{"offsets", {{{"partition", {{"kafka_partition", 0}}}, {"offset", nullptr}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["message"],
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and "
            "'kafka_partition'");
  r = patch({{"offsets",
              {{{"partition", {{"kafka_topic", topic}, {"kafka_partition", "zero"}}},
                {"offset", {{"kafka_offset", 1}}}}}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("Partition values for sink connectors need to be integers"),
            std::string::npos)
      << r.body;
  r = patch({{"offsets", {partition({{"kafka_offset", -3}})}}});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("Invalid negative offset -3"), std::string::npos) << r.body;

  // PATCH back to offset 7. The tasks leave the group shortly after the stop; until then Kafka
  // Connect's answer is a 500 saying to retry, which an operator (here: this loop) does.
  for (int i = 0; i < 150; ++i) {
    r = patch(to_seven);
    if (r.status != 500) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body,
            R"({"message":"The offsets for this connector have been altered successfully"})");
  r = Curl({offsets_url});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body), json({{"offsets", {partition({{"kafka_offset", 7}})}}}));
  // The group's committed offset moved too: without the destination's row, GET falls back on it.
  const std::string position_row =
      "FROM public.walrelay_offsets WHERE \"connector\" = '" + name + "'";
  auto saved = destination_->Psql("SELECT \"partition\" || '|' || \"position\" " + position_row,
                                  "destination_db");
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(*saved, R"({"topic":")" + topic + R"(","partition":0}|{"offset":7})");
  ASSERT_TRUE(destination_->Psql("DELETE " + position_row, "destination_db").ok());
  r = Curl({offsets_url});
  EXPECT_EQ(json::parse(r.body), json({{"offsets", {partition({{"kafka_offset", 7}})}}}));
  ASSERT_TRUE(patch(to_seven).status == 200);  // the destination's row back

  // Resumed: the records at offsets 7, 8 and 9 (ids 8, 9, 10) are applied again, once.
  resume();
  EXPECT_EQ(history(13), "13 10 82");
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(history(13), "13 10 82");

  // DELETE: both reset; GET has nothing; every record is applied again after resume.
  stop();
  for (int i = 0; i < 150; ++i) {
    r = Curl({"-X", "DELETE", offsets_url});
    if (r.status != 500) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body, R"({"message":"The offsets for this connector have been reset successfully"})");
  r = Curl({offsets_url});
  EXPECT_EQ(json::parse(r.body), json({{"offsets", json::array()}}));
  r = Curl({"-X", "DELETE", offsets_url});  // idempotent
  EXPECT_EQ(r.status, 200) << r.body;
  resume();
  EXPECT_EQ(history(23), "23 10 137");
  r = Curl({offsets_url});
  EXPECT_EQ(json::parse(r.body), json({{"offsets", {partition({{"kafka_offset", 10}})}}}));
}

// Connectors registered back to back, so that the leader writes the task configs of several in
// one round: it once replaced the view it was walking inside that loop, a use after free that
// crashed the worker (every time here, where the worker's freed memory is filled with junk).
// An offset Debezium left inside a transaction (Kafka Connect stores the offset of the last
// record sent; Debezium's reaches a commit only with the next transaction's first event):
// lsn_commit is the end of the transaction before, lsn_proc the last event sent. Taking it over,
// walrelay sends the rest of that transaction and nothing of it twice (peers_takeover_test found
// the transaction sent again whole, its last change a duplicate at every takeover from Kafka
// Connect).
TEST_F(WorkerTest, DebeziumOffsetInsideATransactionResumesAfterItsLastEvent) {
  // The seed source's slot and publication exist before the transactions, as Debezium left them;
  // a test_decoding slot beside it tells each change's LSN.
  ASSERT_TRUE(source_
                  ->Psql("CREATE PUBLICATION dbz_publication FOR TABLE public.debezium_table, "
                         "public.debezium_signal, public.debezium_heartbeat;"
                         "SELECT pg_create_logical_replication_slot('source_slot', 'pgoutput');"
                         "SELECT pg_create_logical_replication_slot('peek', 'test_decoding');",
                         "source_db")
                  .ok());
  ASSERT_TRUE(source_
                  ->Psql("INSERT INTO public.debezium_table VALUES (10, 1);"
                         "BEGIN; INSERT INTO public.debezium_table VALUES (11, 2), (12, 3);"
                         "INSERT INTO public.debezium_table VALUES (13, 4); COMMIT;"
                         "INSERT INTO public.debezium_table VALUES (14, 5);",
                         "source_db")
                  .ok());
  auto peeked = source_->Psql(
      "SELECT (lsn - '0/0')::bigint || ' ' || data "
      "FROM pg_logical_slot_peek_changes('peek', NULL, NULL)",
      "source_db");
  ASSERT_TRUE(peeked.ok()) << peeked.status().ToString();
  // The first transaction's COMMIT (its end LSN) and the second's change of row 12.
  int64_t lsn_commit = -1, lsn_proc = -1, xid = -1;
  std::istringstream rows(*peeked);
  for (std::string row; std::getline(rows, row);) {
    const int64_t lsn = std::stoll(row.substr(0, row.find(' ')));
    if (lsn_commit < 0 && row.find(" COMMIT ") != std::string::npos) lsn_commit = lsn;
    if (row.find("id[integer]:12 ") != std::string::npos) lsn_proc = lsn;
    if (lsn_commit >= 0 && xid < 0 && row.find(" BEGIN ") != std::string::npos) {
      xid = std::stoll(row.substr(row.find(" BEGIN ") + 7));
    }
  }
  ASSERT_TRUE(lsn_commit > 0 && lsn_proc > lsn_commit && xid > 0) << *peeked;
  ASSERT_TRUE(source_->Psql("SELECT pg_drop_replication_slot('peek')", "source_db").ok());

  StartWorker(0);  // creates the offset topic
  const std::string prefix = "dbzoffset" + std::to_string(::getpid());
  const std::string offset =
      "[\"source-connector\",{\"server\":\"" + prefix + "\"}]\t" +
      "{\"lsn_proc\":" + std::to_string(lsn_proc) +
      ",\"lsn_events_processed\":1,\"messageType\":\"INSERT\",\"lsn_commit\":" +
      std::to_string(lsn_commit) + ",\"lsn\":" + std::to_string(lsn_proc) +
      ",\"txId\":" + std::to_string(xid) + ",\"ts_usec\":1796613700049460}\n";
  auto produced = RunProcess({Which("kcat"), "-P", "-b", kafka_->bootstrap_servers(), "-t",
                              cluster_ + "-offsets", "-p", "0", "-K", "\t", "-l",
                              WriteTempFile("offset.txt", offset)});
  ASSERT_TRUE(produced.ok() && produced->exit_code == 0)
      << (produced.ok() ? produced->err : produced.status().ToString());
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json", "", prefix)).status, 201);
  ASSERT_TRUE(WaitRunning(workers_[0], {"source-connector"}));
  std::vector<int64_t> ids;
  for (int i = 0; i < 300 && (ids.empty() || ids.back() != 14); ++i) {
    ids.clear();
    for (const auto& v : Consume(prefix + ".public.debezium_table", "%s")) {
      json j = json::parse(v, nullptr, false);
      ASSERT_FALSE(j.is_discarded()) << v;
      ids.push_back(j["payload"]["id"].get<int64_t>());
    }
    if (ids.empty() || ids.back() != 14)
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(ids, std::vector<int64_t>({13, 14}))
      << "rows 11 and 12 were delivered by Debezium, 10 before them";
}

// A worker joining takes a running source task from the other while changes flow: the old
// owner stops it (writing its last offset, then letting the slot go) while the new owner starts
// it. The new owner must read the offset only after that: read before, it was older than the
// slot and the task failed ("ahead of the stored offset"), as bench/kafka.sh's part 4 once saw.
// Both seed sources run, so a joining worker always takes one of the two tasks.
TEST_F(WorkerTest, SourceTaskTakenByAJoiningWorkerResumesWhereItsOldOwnerStopped) {
  ASSERT_TRUE(source_->Psql("DELETE FROM public.debezium_heartbeat", "source_db").ok());
  StartWorker(0);
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-postgres.json")).status, 201);
  ASSERT_EQ(Register(workers_[0], SeedConnector("register-outbox.json")).status, 201);
  const std::vector<std::string> connectors = {"source-connector", "outbox-connector"};
  ASSERT_TRUE(WaitRunning(workers_[0], connectors));
  auto writer = StartWriter(/*rate=*/200, /*seconds=*/300);  // stopped below
  ASSERT_TRUE(writer);
  auto outbox = Process::Start(
      {WALRELAY_BINARY, "writer", "--dsn",
       "host=127.0.0.1 port=" + std::to_string(source_->port()) + " dbname=source_db user=postgres",
       "--outbox", "--rate", "200", "--duration", "300", "--quiet"});
  ASSERT_TRUE(outbox.ok()) << outbox.status().ToString();
  const std::string id0 = "127.0.0.1:" + std::to_string(workers_[0].port);
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    std::this_thread::sleep_for(std::chrono::seconds(1));  // changes in flight on worker 0
    StartWorker(1);
    const std::string id1 = "127.0.0.1:" + std::to_string(workers_[1].port);
    std::string moved;
    for (int i = 0; i < 300 && moved.empty(); ++i) {
      for (const std::string& c : connectors) {
        if (WorkerOf(workers_[0], c, 0) == id1) moved = c;
      }
      if (moved.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(moved.empty()) << "the joining worker took no source task";
    ASSERT_TRUE(WaitRunning(workers_[0], {moved}, id1, 60)) << moved << " on the joining worker";
    ASSERT_TRUE(WaitRunning(workers_[0], connectors)) << "a task failed after the move";
    std::this_thread::sleep_for(std::chrono::seconds(1));
    // A clean stop hands the task back (after the old owner's stop: no race that way).
    workers_[1].process->Signal(SIGTERM);
    ASSERT_TRUE(workers_[1].process->Wait(std::chrono::seconds(20)).ok());
    ASSERT_TRUE(WaitRunning(workers_[0], connectors, id0, 60));
    workers_.pop_back();
  }
  writer->Signal(SIGTERM);
  (void)writer->Wait(std::chrono::seconds(10));
  (*outbox)->Signal(SIGTERM);
  (void)(*outbox)->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(WaitRunning(workers_[0], connectors, id0, 10));
  // Every value of the counter reached the topic, the last one included.
  const std::string want = SourceValue();
  std::vector<std::string> values;
  int64_t last = -1;
  for (int i = 0; i < 150 && std::to_string(last) != want; ++i) {
    values = Consume("server.public.debezium_table", "%s");
    if (!values.empty()) {
      json j = json::parse(values.back(), nullptr, false);
      if (!j.is_discarded()) last = j["payload"]["current_value"].get<int64_t>();
    }
    if (std::to_string(last) != want) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(std::to_string(last), want);
  std::set<int64_t> seen;
  for (const auto& v : values) {
    json j = json::parse(v, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << v;
    seen.insert(j["payload"]["current_value"].get<int64_t>());
  }
  EXPECT_EQ(static_cast<int64_t>(seen.size()), *seen.rbegin() - *seen.begin() + 1)
      << "a value is missing from the topic";
}

TEST_F(WorkerTest, ConnectorsRegisteredBackToBackAllRun) {
  WorkerProcess& w = StartWorker(0);
  std::vector<std::string> names;
  for (int i = 0; i < 4; ++i) {
    names.push_back("sink-" + std::to_string(i));
    ASSERT_EQ(Register(w, SeedConnector("register-sink.json", names.back())).status, 201)
        << w.StderrTail();
  }
  EXPECT_TRUE(WaitRunning(w, names)) << List(w).dump();
  EXPECT_TRUE(w.Running()) << "the worker died";
}

// A lone worker frozen past its session loses its membership and stops its units; it comes back
// as the leader of the same single-member group, and must write itself a new assignment to run
// them again (it once kept the old one, not newer than the loss, and stayed idle for good: the
// same as two workers that both lose their sessions when the group coordinator's broker dies).
TEST_F(WorkerTest, WorkerFrozenPastItsSessionRunsItsConnectorsAgain) {
  const std::vector<std::string> props = {"session.timeout.ms=6000", "heartbeat.interval.ms=1000"};
  WorkerProcess& w = StartWorker(0, props);
  ASSERT_EQ(Register(w, SeedConnector("register-postgres.json")).status, 201);
  ASSERT_EQ(Register(w, SeedConnector("register-sink.json")).status, 201);
  ASSERT_TRUE(WaitRunning(w, {"source-connector", "sink-connector"}));
  Write({"--duration", "2"});
  ASSERT_TRUE(WaitEqual()) << "source " << SourceValue();
  w.process->Signal(SIGSTOP);
  std::this_thread::sleep_for(std::chrono::seconds(12));
  w.process->Signal(SIGCONT);
  // Let it notice the loss before the changes below are made.
  std::this_thread::sleep_for(std::chrono::seconds(5));
  Write({"--duration", "2"});
  EXPECT_TRUE(WaitEqual(90)) << "source " << SourceValue() << "\n" << w.StderrTail();
  // It stopped its units on the loss (it once missed the loss when it rejoined within the same
  // poll, and ran on without knowing whether another worker ran them already).
  const std::string log = w.process->Stderr();
  const size_t lost = log.find("lost membership");
  ASSERT_NE(lost, std::string::npos) << "the freeze did not expire the session";
  EXPECT_NE(log.find("[source-connector-0] stopped after", lost), std::string::npos) << log;
  EXPECT_TRUE(WaitRunning(w, {"source-connector", "sink-connector"}));
}

// Bad REST input gets Kafka Connect's error shape and a status naming the problem.
TEST_F(WorkerTest, BadRestInputIsRefusedClearly) {
  WorkerProcess& w = StartWorker(0);
  HttpResult r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
                       "{\"name\": \"x\", \"config\": {", w.url + "/connectors"});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(json::parse(r.body)["error_code"], 400);
  r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
            R"({"name":"x","config":{"connector.class":"com.example.NoSuchConnector"}})",
            w.url + "/connectors"});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("com.example.NoSuchConnector"), std::string::npos) << r.body;
  r = Curl(
      {"-X", "POST", "-H", "Content-Type: application/json", "--data",
       R"({"name":"x","config":{"connector.class":"io.debezium.connector.postgresql.PostgresConnector","database.port":"not-a-port"}})",
       w.url + "/connectors"});
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("database"), std::string::npos) << r.body;
  std::string big(2 << 20, 'x');
  std::string big_file = dir_ + "/big.json";
  std::ofstream(big_file) << "{\"name\":\"" << big << "\",\"config\":{}}";
  r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data-binary", "@" + big_file,
            w.url + "/connectors"});
  EXPECT_EQ(r.status, 400) << r.body.substr(0, 200);
  r = Curl({w.url + "/connectors/nope/status"});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(json::parse(r.body)["message"], "Connector nope not found");
  // The worker is still fine.
  EXPECT_EQ(Curl({w.url + "/connectors"}).body, "[]");
}

}  // namespace
}  // namespace walrelay::testing
