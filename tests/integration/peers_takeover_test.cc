// Taking over a running Kafka Connect cluster (issue 13, item 5): a real Kafka Connect 4.4 worker
// (src/testing/kafka_connect.h) runs the seed's pipeline under the seed's writer, is stopped
// (SIGTERM, its clean stop; or SIGKILL, a crash) while the writer goes on, and `walrelay worker`s
// started with the same group.id and the same config, offset and status topics take the
// connectors over from Kafka Connect's own records: the source resumes from Debezium's stored
// offset on the same replication slot, the sinks from their consumer groups' committed offsets.
//
// In Kafka Connect the pipeline is the seed's (examples/seed/register-postgres.json with this
// test's hosts, JsonConverter instead of Avro; Debezium's PostgreSQL connector) with one change:
// the seed's sink class, io.confluent.connect.jdbc.JdbcSinkConnector, is not on Maven Central, so
// Kafka Connect runs Debezium's JDBC sink (io.debezium.connector.jdbc.JdbcSinkConnector) with the
// equivalent config: upsert on the record key id, deletes enabled, the seed's RegexRouter, and
// collection.name.format=debezium_table (Debezium's sink turns the dots of ${topic} into
// underscores, so the seed's routed topic public.debezium_table alone would name the table
// public_debezium_table). Beside it a history sink (insert only, no key: a change applied twice
// is a second row) counts what the handover applies twice.
//
// At the end the destination must equal the source and nothing may be lost; what was delivered
// twice at the handover (records in the data topic, rows in the history) is counted and printed
// (docs/distributed.md, "Taking over a Kafka Connect cluster", says what was measured and why).
//
// Label `peers` (tests/integration/CMakeLists.txt): run by `scripts/test --peers`, not by CI.
// Skipped when the jars are not fetched (scripts/connect fetch).
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/kafka_connect.h"
#include "testing/worker_fixture.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kSource[] = "source-connector";
constexpr char kSink[] = "sink-connector";
constexpr char kHistory[] = "history-sink";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// How many times each value occurs, and how many occurrences are repeats.
struct Counted {
  std::map<int64_t, int> seen;
  int64_t duplicates = 0;
};

class PeersTakeoverTest : public WorkerFixture {
 protected:
  void SetUp() override {
    WorkerFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string missing = KafkaConnectWorker::MissingPrerequisite();
    if (!missing.empty()) {
      if (RunningInCi()) FAIL() << missing << ", and CI is set";
      GTEST_SKIP() << missing;
    }
    // The test's own topics: the tests of this binary share the Kafka.
    prefix_ = cluster_;
    topic_ = prefix_ + ".public.debezium_table";
  }

  void TearDown() override {
    if (HasFailure() && connect_ != nullptr) {
      std::printf("--- end of %s/connect.log:\n%s\n", connect_->dir().c_str(),
                  connect_->LogTail().c_str());
    }
    connect_.reset();
    WorkerFixture::TearDown();
  }

  // The seed's source connector for Kafka Connect: this test's hosts, the workers' JsonConverter
  // (SeedConnector drops the seed's Avro converters), and what Debezium 3 needs beyond the
  // seed's file: topic.prefix (Debezium 2 dropped database.server.name; walrelay reads either,
  // topic.prefix first) and topic.creation.default.* (the broker does not create topics).
  json SourceConnector() {
    json c = json::parse(ReadFile(SeedConnector("register-postgres.json", kSource, prefix_)));
    json& cfg = c["config"];
    cfg["topic.prefix"] = prefix_;
    cfg["topic.creation.default.replication.factor"] = "1";
    cfg["topic.creation.default.partitions"] = "1";
    return c;
  }

  // The seed's sink (register-sink.json) as Debezium's JDBC sink (see the file comment).
  json SinkConnector() const {
    return {{"name", kSink},
            {"config",
             {{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
              {"tasks.max", "1"},
              {"topics", topic_},
              {"connection.url", DestinationUrl()},
              {"connection.username", "postgres"},
              {"connection.password", "postgres"},
              {"transforms", "route"},
              {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
              {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
              {"transforms.route.replacement", "$2.$3"},
              {"collection.name.format", "debezium_table"},
              {"schema.evolution", "none"},
              {"insert.mode", "upsert"},
              {"delete.enabled", "true"},
              {"primary.key.mode", "record_key"},
              {"primary.key.fields", "id"}}}};
  }

  // The history sink: every change of the data topic appended to `history` (no key).
  json HistoryConnector() const {
    return {{"name", kHistory},
            {"config",
             {{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
              {"tasks.max", "1"},
              {"topics", topic_},
              {"connection.url", DestinationUrl()},
              {"connection.username", "postgres"},
              {"connection.password", "postgres"},
              {"collection.name.format", "history"},
              {"schema.evolution", "none"},
              {"insert.mode", "insert"},
              {"primary.key.mode", "none"}}}};
  }

  std::string DestinationUrl() const {
    return "jdbc:postgresql://127.0.0.1:" + std::to_string(destination_->port()) +
           "/destination_db?currentSchema=public";
  }

  // POST /connectors on Kafka Connect (409 while its group forms: tried again).
  HttpResult PostToConnect(const json& connector) {
    HttpResult r;
    for (int i = 0; i < 150; ++i) {
      r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data", connector.dump(),
                connect_->url() + "/connectors"});
      if (r.status != 409) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return r;
  }

  // One text value from destination_db ("" on error).
  std::string Destination(const std::string& sql) {
    auto v = destination_->Psql(sql, "destination_db");
    return v.ok() ? *v : "";
  }
  int64_t DestinationNumber(const std::string& sql) {
    const std::string v = Destination(sql);
    return v.empty() ? -1 : std::stoll(v);
  }
  int64_t HistoryRows() { return DestinationNumber("SELECT count(*) FROM public.history"); }

  // The committed offset of consumer group `group` on the data topic's partition 0, as
  // kafka-consumer-groups reports it; -1 when none.
  int64_t CommittedOffset(const std::string& group) {
    auto out = kafka_->RunScript({"groups", "--describe", "--group", group});
    if (!out.ok()) {
      std::printf("kafka-consumer-groups --describe %s: %s\n", group.c_str(),
                  out.status().ToString().c_str());
      return -1;
    }
    std::istringstream lines(*out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      std::string g, topic, partition, current;
      if (words >> g >> topic >> partition >> current && topic == topic_ && partition == "0") {
        return current == "-" ? -1 : std::stoll(current);
      }
    }
    return -1;
  }

  // Every current_value in the data topic (read_uncommitted, as Kafka Connect's sinks read).
  Counted CountTopic() {
    Counted c;
    for (const auto& v : Consume(topic_, "%s")) {
      json j = json::parse(v, nullptr, false);
      if (j.is_discarded() || !j["payload"].is_object()) continue;
      const int64_t value = j["payload"]["current_value"].get<int64_t>();
      if (++c.seen[value] > 1) ++c.duplicates;
    }
    return c;
  }

  // Waits up to 180 s until every connector and task is RUNNING on one of the walrelay workers,
  // as the first reports it. (Until then the status topic holds Kafka Connect's last statuses:
  // RUNNING on the Kafka Connect worker, after a SIGKILL.)
  bool WaitRunningOnWalrelay() {
    std::set<std::string> ids;
    for (const auto& w : workers_) ids.insert(w.id());
    auto ours = [&ids](const json& s) {
      return s.value("state", "") == "RUNNING" && ids.count(s.value("worker_id", "")) > 0;
    };
    const auto deadline = Clock::now() + std::chrono::seconds(180);
    while (Clock::now() < deadline) {
      json list = List(workers_[0]);
      bool all = true;
      for (const char* name : {kSource, kSink, kHistory}) {
        const json status = list.contains(name) ? list[name]["status"] : json();
        all = all && status.is_object() && ours(status["connector"]) && !status["tasks"].empty();
        for (const json& task : all ? status["tasks"] : json::array()) all = all && ours(task);
      }
      if (all) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // The pipeline on Kafka Connect under the writer; Kafka Connect stopped with `signal`;
  // `walrelay_workers` walrelay workers take over; the writer stops; everything is checked and
  // the duplicates printed.
  void TakeOver(int signal, int walrelay_workers) {
    const auto test_start = Clock::now();
    const char* how = signal == SIGTERM ? "SIGTERM" : "SIGKILL";
    ASSERT_TRUE(destination_->Psql(kHistoryTableSql, "destination_db").ok());

    // 1. Kafka Connect runs the pipeline; its internal topics are <group>-configs, -offsets and
    // -status (scripts/connect).
    auto connect = KafkaConnectWorker::Up(kafka_->bootstrap_servers(), cluster_);
    ASSERT_TRUE(connect.ok()) << connect.status().ToString();
    connect_ = std::move(connect).value();
    std::printf("Kafka Connect started in %.1f s (%s, group %s)\n",
                connect_->start_time().count() / 1000.0, connect_->url().c_str(), cluster_.c_str());
    for (const json& c : {SourceConnector(), SinkConnector(), HistoryConnector()}) {
      HttpResult r = PostToConnect(c);
      ASSERT_EQ(r.status, 201) << c["name"] << ": " << r.body;
    }
    std::string status;
    for (const char* name : {kSource, kSink, kHistory}) {
      ASSERT_TRUE(WaitConnectorRunning(connect_->url(), name, &status, 120)) << name << status;
    }
    // Changes committed once Debezium's slot exists are streamed (its snapshot covers those
    // before); the writer starts then, so every value of the counter is a change event.
    std::string active;
    for (int i = 0; i < 600 && active != "t"; ++i) {
      auto q = source_->Psql(
          "SELECT active FROM pg_replication_slots WHERE slot_name = 'source_slot'", "source_db");
      active = q.ok() ? *q : "";
      if (active != "t") std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(active, "t") << "Debezium's slot source_slot is not active";

    auto writer = StartWriter(/*rate=*/50, /*seconds=*/600);  // stopped below
    ASSERT_TRUE(writer);
    // Kafka Connect streams for a while: both sinks have applied changes.
    const auto writing = Clock::now();
    while (SecondsSince(writing) < 120 && HistoryRows() < 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_GE(HistoryRows(), 200) << "Kafka Connect's pipeline applied too little";
    std::this_thread::sleep_for(std::chrono::seconds(2));

    // 2. Kafka Connect stops; the writer goes on.
    const std::string value_at_stop = SourceValue();
    Status stopped = connect_->Stop(signal);
    ASSERT_TRUE(stopped.ok()) << stopped.ToString();
    ASSERT_TRUE(writer->Running()) << writer->Stderr();
    const int64_t history_by_connect = HistoryRows();
    const int64_t destination_by_connect =
        DestinationNumber("SELECT current_value FROM public.debezium_table WHERE id = 1");
    const int64_t history_committed = CommittedOffset("connect-" + std::string(kHistory));
    const int64_t sink_committed = CommittedOffset("connect-" + std::string(kSink));
    const Counted topic_at_stop = CountTopic();
    size_t topic_records_at_stop = 0;
    for (const auto& [value, n] : topic_at_stop.seen) topic_records_at_stop += n;
    std::vector<std::string> offsets = Consume(cluster_ + "-offsets", "%k %s");
    std::printf(
        "Kafka Connect stopped (%s) at source value %s: %zu records in %s, history %lld rows, "
        "destination %lld; committed offsets: %s %lld, %s %lld; Debezium's last offset: %s\n",
        how, value_at_stop.c_str(), topic_records_at_stop, topic_.c_str(),
        static_cast<long long>(history_by_connect), static_cast<long long>(destination_by_connect),
        kHistory, static_cast<long long>(history_committed), kSink,
        static_cast<long long>(sink_committed),
        offsets.empty() ? "(none)" : offsets.back().c_str());
    ASSERT_GE(history_committed, 0) << "no committed offset for connect-" << kHistory;
    ASSERT_GE(sink_committed, 0) << "no committed offset for connect-" << kSink;
    std::this_thread::sleep_for(std::chrono::seconds(3));  // changes pile up in the slot

    // 3. walrelay workers on Kafka Connect's group and topics.
    const auto takeover = Clock::now();
    for (int i = 0; i < walrelay_workers; ++i) {
      workers_.push_back(
          ConfigureWorker(dir_ + "/worker" + std::to_string(i) + ".properties",
                          {kafka_->bootstrap_servers(), cluster_, 1, {}, cluster_ + "-status"}));
      Status started = walrelay::testing::StartWorker(workers_.back());
      ASSERT_TRUE(started.ok()) << started.ToString();
    }
    ASSERT_TRUE(WaitRunningOnWalrelay()) << List(workers_[0]).dump();
    const double running_after = SecondsSince(takeover);
    // The pipeline moves on under walrelay.
    const std::string value_at_takeover = SourceValue();
    bool progressed = false;
    while (!progressed && SecondsSince(takeover) < 180) {
      progressed = DestinationNumber(
                       "SELECT current_value FROM public.debezium_table "
                       "WHERE id = 1") > std::stoll(value_at_takeover);
      if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_TRUE(progressed) << "nothing past " << value_at_takeover << " applied by walrelay";
    const double applying_after = SecondsSince(takeover);
    std::this_thread::sleep_for(std::chrono::seconds(3));

    // 4. The writer stops; the destination catches up.
    writer->Signal(SIGTERM);
    auto exit = writer->Wait(std::chrono::seconds(30));
    ASSERT_TRUE(exit.ok());
    ASSERT_EQ(*exit, 0) << writer->Stderr();
    ASSERT_TRUE(WaitEqual(180)) << "source " << SourceValue() << ", destination "
                                << Destination("SELECT current_value FROM public.debezium_table");
    auto source_rows = source_->Psql("SELECT count(*) FROM public.debezium_table", "source_db");
    ASSERT_TRUE(source_rows.ok()) << source_rows.status().ToString();
    EXPECT_EQ(Destination("SELECT count(*) FROM public.debezium_table"), *source_rows)
        << "row counts differ";
    const int64_t last = std::stoll(SourceValue());
    HistoryCounts history = WaitHistory(
        [this](const std::string& sql) { return destination_->Psql(sql, "destination_db"); }, last);

    // Nothing lost: every value 1..last is in the topic and in the history.
    const Counted topic = CountTopic();
    int64_t topic_records = 0;
    for (const auto& [value, n] : topic.seen) topic_records += n;
    ASSERT_FALSE(topic.seen.empty()) << "nothing in " << topic_;
    EXPECT_EQ(static_cast<int64_t>(topic.seen.size()), last) << "values missing from " << topic_;
    EXPECT_EQ(topic.seen.begin()->first, 1);
    EXPECT_EQ(topic.seen.rbegin()->first, last);
    EXPECT_EQ(history.max, last) << "the history did not catch up";
    EXPECT_EQ(history.distinct, last) << "changes missing from the history";

    // walrelay's history sink, with no position of its own in the destination yet, started at
    // the group's committed offset: it applied the topic's records from there on (offsets are
    // the record indexes: one partition, no transactions), so the rows it added are
    // topic_records - history_committed.
    const int64_t walrelay_started_at = topic_records - (history.rows - history_by_connect);
    EXPECT_EQ(walrelay_started_at, history_committed)
        << "walrelay's history sink did not start at connect-" << kHistory << "'s committed offset";
    // Rows applied twice: records the topic holds twice, and rows Kafka Connect applied past its
    // last commit, applied again by walrelay.
    const int64_t history_duplicates = history.rows - history.distinct;
    EXPECT_EQ(history_duplicates,
              topic.duplicates + std::max<int64_t>(0, history_by_connect - history_committed));

    std::printf(
        "TAKEOVER after %s, %d walrelay worker(s): all RUNNING %.1f s after the first started, "
        "applying %.1f s after; source value %lld, destination equal; %lld records in %s, %lld "
        "of them duplicates (re-emitted by walrelay's source after Debezium's offset); history "
        "%lld rows, %lld applied twice (Kafka Connect applied %lld, committed %lld); test "
        "%.1f s\n",
        how, walrelay_workers, running_after, applying_after, static_cast<long long>(last),
        static_cast<long long>(topic_records), topic_.c_str(),
        static_cast<long long>(topic.duplicates), static_cast<long long>(history.rows),
        static_cast<long long>(history_duplicates), static_cast<long long>(history_by_connect),
        static_cast<long long>(history_committed), SecondsSince(test_start));
    // Every unit ran on a walrelay worker to the end, which stops cleanly (leaving the sinks'
    // consumer groups at once: the next test's sinks have the same names). What they warned
    // about while taking over (a record of Kafka Connect's they could not read would show here)
    // is part of the report.
    for (auto& w : workers_) {
      ASSERT_TRUE(w.Running()) << "worker " << w.id() << " died";
      w.process->Signal(SIGTERM);
      auto stopped = w.process->Wait(std::chrono::seconds(30));
      EXPECT_TRUE(stopped.ok() && *stopped == 0) << "worker " << w.id() << " did not stop cleanly";
      std::istringstream lines(w.StderrTail(200000));
      for (std::string line; std::getline(lines, line);) {
        if (line.find(" WARN ") != std::string::npos || line.find(" ERROR ") != std::string::npos) {
          std::printf("worker %s: %s\n", w.id().c_str(), line.c_str());
        }
      }
    }
  }

  std::unique_ptr<KafkaConnectWorker> connect_;
  std::string prefix_;
  std::string topic_;
};

// Kafka Connect's clean stop: its tasks stop and commit their offsets (Debezium's source offset,
// the sinks' consumer groups) and it leaves its group; two walrelay workers take over.
TEST_F(PeersTakeoverTest, WalrelayWorkersTakeOverAfterKafkaConnectStopsCleanly) {
  TakeOver(SIGTERM, /*walrelay_workers=*/2);
}

// Kafka Connect killed: its last offsets are those of its last periodic flush
// (offset.flush.interval.ms=1000); its group members expire with their sessions; one walrelay
// worker takes over.
TEST_F(PeersTakeoverTest, WalrelayWorkerTakesOverAfterKafkaConnectIsKilled) {
  TakeOver(SIGKILL, /*walrelay_workers=*/1);
}

}  // namespace
}  // namespace walrelay::testing
