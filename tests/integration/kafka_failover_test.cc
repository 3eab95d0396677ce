// Distributed mode end to end across a Kafka broker failure: a real 3-broker Apache Kafka of its
// own (src/testing/kafka_cluster.h), real PostgreSQL source and destination and two `walrelay
// worker` processes (src/testing/worker_fixture.h). Every topic the workers use is replicated on
// the three brokers with min.insync.replicas=2, so acks=all writes go on with one broker down and
// nothing acknowledged lives on one broker only.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/worker_fixture.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

class KafkaFailoverTest : public WorkerFixture {
 protected:
  KafkaFailoverTest() : WorkerFixture(/*brokers=*/3) {}

  // The destination's current_value of row 1, or -1.
  int64_t DestinationValue() {
    auto v = destination_->Psql("SELECT current_value FROM public.debezium_table WHERE id = 1",
                                "destination_db");
    return v.ok() && !v->empty() ? std::stoll(*v) : -1;
  }
};

// PostgreSQL -> Kafka -> PostgreSQL exactly once while a broker is killed with SIGKILL mid-stream
// and started again, twice: the workers' group coordinator, then the data topic's leader. An
// exactly-once source, the seed's upsert sink and an append-only history sink (a change applied
// twice would be a second row) on two workers, the writer running throughout. The pipeline goes
// on while the broker is down, and at the end the destination equals the source, every change
// is in the history exactly once, a read_committed consumer sees every change once, and every
// connector and task is RUNNING.
TEST_F(KafkaFailoverTest, EndToEndExactlyOnceAcrossKilledAndRestartedBrokers) {
  // The internal topics, replicated and with min.insync.replicas=2, created by the first worker
  // from the worker file's KIP-605 settings.
  const std::map<std::string, int> internal = {
      {cluster_ + "-configs", 1}, {cluster_ + "-offsets", 5}, {cluster_ + "-statuses", 2}};
  // (The fixture's worker file sets their replication factor, 3 here, and partitions.)
  const std::vector<std::string> props = {
      "exactly.once.source.support=enabled",  "session.timeout.ms=6000",
      "heartbeat.interval.ms=1000",           "config.storage.min.insync.replicas=2",
      "offset.storage.min.insync.replicas=2", "status.storage.min.insync.replicas=2"};
  StartWorker(0, props);
  StartWorker(1, props);
  // Both in the group before anything is registered: a source task handed over in the middle of
  // its initial snapshot is at-least-once for what it reads after (docs/distributed.md,
  // "Transient failures"), which is not what this test is about (seen once: worker 1 joined 3 s
  // late and took the source mid-snapshot, one change twice).
  for (int i = 0; i < 150; ++i) {
    if (workers_[0].StderrTail().find("joined group") != std::string::npos &&
        workers_[1].StderrTail().find("joined group") != std::string::npos) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_NE(workers_[1].StderrTail().find("joined group"), std::string::npos)
      << workers_[1].StderrTail();

  // The source creates its topic through KIP-158's topic.creation.default.*, with an admin
  // client of its own (admin.override.*).
  const std::string prefix = "kf" + std::to_string(::getpid());
  const std::string topic = prefix + ".public.debezium_table";
  const std::string source_file = SeedConnector("register-postgres.json", "", prefix);
  json source = json::parse(ReadFile(source_file));
  source["config"]["topic.creation.default.replication.factor"] = "3";
  source["config"]["topic.creation.default.partitions"] = "1";
  source["config"]["topic.creation.default.min.insync.replicas"] = "2";
  source["config"]["admin.override.client.id"] = "kafka-failover-test-admin";
  std::ofstream(source_file) << source.dump();
  ASSERT_EQ(Register(workers_[0], source_file).status, 201);
  const std::string sink_file = SeedConnector("register-sink.json");
  json sink = json::parse(ReadFile(sink_file));
  sink["config"]["topics"] = topic;
  // A sink task stopped while its group's coordinator is the broker just killed cannot leave the
  // group; its successor's join then waits for the old member's session to expire: 45 s with the
  // consumer's default, as in Kafka Connect (docs/distributed.md). The sinks here use the
  // workers' 6 s, so the bounds below measure recovery, not that timeout.
  const std::map<std::string, std::string> consumer_session = {
      {"consumer.override.session.timeout.ms", "6000"},
      {"consumer.override.heartbeat.interval.ms", "1000"}};
  for (const auto& [k, v] : consumer_session) sink["config"][k] = v;
  std::ofstream(sink_file) << sink.dump();
  ASSERT_EQ(Register(workers_[1], sink_file).status, 201);
  const std::string history_file = HistorySinkFile("history-sink", topic, /*tasks=*/1);
  json history = json::parse(ReadFile(history_file));
  for (const auto& [k, v] : consumer_session) history["config"][k] = v;
  std::ofstream(history_file) << history.dump();
  ASSERT_EQ(Register(workers_[0], history_file).status, 201);
  const std::vector<std::string> connectors = {"source-connector", "sink-connector",
                                               "history-sink"};
  ASSERT_TRUE(WaitRunning(workers_[0], connectors));

  auto writer = StartWriter(/*rate=*/100, /*seconds=*/600);  // stopped below
  ASSERT_TRUE(writer);
  // The data topic exists once the first change is produced.
  PartitionState before;
  for (int i = 0; i < 300 && before.leader < 0; ++i) {
    before = kafka_->Partition(topic);
    if (before.leader < 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_GE(before.leader, 1) << "no leader for " << topic;
  EXPECT_EQ(before.replicas, 3u) << "topic.creation.default.replication.factor not applied";
  auto described = kafka_->RunScript({"topics", "--describe", "--topic", topic});
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_NE(described->find("min.insync.replicas=2"), std::string::npos) << *described;
  for (const auto& [name, partitions] : internal) {
    EXPECT_EQ(kafka_->Partition(name).replicas, 3u) << name;
    auto internal_described = kafka_->RunScript({"topics", "--describe", "--topic", name});
    ASSERT_TRUE(internal_described.ok()) << internal_described.status().ToString();
    EXPECT_NE(internal_described->find("PartitionCount: " + std::to_string(partitions)),
              std::string::npos)
        << *internal_described;
    EXPECT_NE(internal_described->find("min.insync.replicas=2"), std::string::npos)
        << *internal_described;
    EXPECT_NE(internal_described->find("cleanup.policy=compact"), std::string::npos)
        << *internal_described;
  }
  std::this_thread::sleep_for(std::chrono::seconds(5));
  ASSERT_GT(DestinationValue(), 0) << "nothing applied before the kill";

  // Kills `victim`; changes committed after the kill must reach the destination while it is
  // down; after 15 s it is started again and must rejoin the data topic's ISR.
  auto kill_and_restart = [&](int victim, const std::string& what) {
    SCOPED_TRACE("broker " + std::to_string(victim) + ", " + what);
    Status killed = kafka_->Kill(victim);
    ASSERT_TRUE(killed.ok()) << killed.ToString();
    const auto killed_at = Clock::now();
    const std::string at_kill = SourceValue();
    ASSERT_FALSE(at_kill.empty());
    bool progressed = false;
    // The victim is back after 15 s; the bound is for a pipeline that never recovers. (Most runs
    // move on within 6-18 s; some took 51-53 s after the coordinator's kill and one, in CI, over
    // 90 s after the leader's: not explained yet, hence the logs printed below when slow.)
    while (!progressed && Clock::now() - killed_at < std::chrono::seconds(150)) {
      progressed = DestinationValue() > std::stoll(at_kill);
      if (!progressed) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_TRUE(progressed) << "nothing past " << at_kill << " applied with the broker down";
    std::cout
        << "broker " << victim << " (" << what << ") killed: the destination moved past " << at_kill
        << " after "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - killed_at).count()
        << " ms" << std::endl;
    if (Clock::now() - killed_at > std::chrono::seconds(30)) {
      // Where it stands: the topic's end offset against each sink's committed position.
      for (const char* group : {"connect-sink-connector", "connect-history-sink"}) {
        auto lag = kafka_->RunScript({"groups", "--describe", "--group", group});
        std::cout << "---- slow: " << group << " ----\n"
                  << (lag.ok() ? *lag : lag.status().ToString()) << std::endl;
      }
      for (size_t i = 0; i < workers_.size(); ++i) {
        std::cout << "---- slow: worker " << i << " log (tail) ----\n"
                  << workers_[i].StderrTail(6000) << std::endl;
      }
    }
    const PartitionState during = kafka_->Partition(topic);
    EXPECT_NE(during.leader, victim);
    EXPECT_GE(during.leader, 1);
    std::this_thread::sleep_until(killed_at + std::chrono::seconds(15));
    ASSERT_TRUE(writer->Running()) << writer->Stderr();
    Status started = kafka_->Start(victim);
    ASSERT_TRUE(started.ok()) << started.ToString();
    PartitionState after;
    for (int i = 0; i < 300 && after.isr != 3; ++i) {
      after = kafka_->Partition(topic);
      if (after.isr != 3) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    EXPECT_EQ(after.isr, 3u) << "the broker did not rejoin the ISR";
  };
  // First the workers' group coordinator: every worker's session expires with it, they rejoin
  // through the new coordinator and must run their connectors again. Then the broker leading
  // the data topic's partition (the leader moves, the producer and consumers follow).
  auto coordinator = kafka_->GroupCoordinator(cluster_);
  ASSERT_TRUE(coordinator.ok()) << coordinator.status().ToString();
  kill_and_restart(*coordinator, "the workers' group coordinator");
  if (HasFatalFailure()) return;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  kill_and_restart(kafka_->Partition(topic).leader, "the data topic's leader");
  if (HasFatalFailure()) return;
  std::this_thread::sleep_for(std::chrono::seconds(3));
  writer->Signal(SIGTERM);

  auto exit = writer->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(exit.ok());
  ASSERT_EQ(*exit, 0) << writer->Stderr();
  ASSERT_TRUE(WaitEqual(180)) << "source " << SourceValue() << ", destination "
                              << DestinationValue();
  ExpectHistoryExactlyOnce();

  // A read_committed consumer sees every change once.
  std::map<int64_t, int> seen;
  for (const auto& v : Consume(topic, "%s", /*read_committed=*/true)) {
    json j = json::parse(v, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << v;
    ++seen[j["payload"]["current_value"].get<int64_t>()];
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(std::to_string(seen.rbegin()->first), SourceValue());
  int duplicates = 0;
  std::string repeated;  // the first few values seen more than once
  for (const auto& [value, n] : seen) {
    duplicates += n - 1;
    if (n > 1 && repeated.size() < 200)
      repeated += " " + std::to_string(value) + " x" + std::to_string(n);
  }
  EXPECT_EQ(duplicates, 0) << "changes seen twice by a read_committed consumer:" << repeated;
  EXPECT_EQ(static_cast<int64_t>(seen.size()), seen.rbegin()->first - seen.begin()->first + 1)
      << "a change is missing from the topic";

  // Both workers lived through it, and report every connector and task RUNNING.
  for (const auto& w : workers_) {
    EXPECT_TRUE(w.Running()) << "worker " << w.id() << " died";
    EXPECT_TRUE(WaitRunning(w, connectors, "", 60)) << List(w).dump();
  }
}

}  // namespace
}  // namespace walrelay::testing
