// Distributed mode across Patroni switchovers: the seed's source connector in a `walrelay worker`
// reads the Patroni cluster through HAProxy (src/testing/patroni_cluster.h, scripts/cluster),
// produces into a real Apache Kafka (one broker) and the worker's sink connectors apply into the
// cluster's destination PostgreSQL. Label `cluster`: it needs Patroni, etcd and HAProxy.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/connect_worker.h"
#include "testing/kafka_cluster.h"
#include "testing/patroni_cluster.h"
#include "testing/process.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

class DistributedFailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Which("kcat").empty() || Which("curl").empty()) {
      GTEST_SKIP() << "kcat or curl is not installed (scripts/install-deps)";
    }
    auto kafka = KafkaCluster::Up(1);
    ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
    kafka_ = std::move(kafka).value();
    auto cluster = PatroniCluster::Up();
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
    dir_ = MakeTempDir();
  }

  void TearDown() override {
    if (worker_.process != nullptr && !worker_.process->Running() && HasFailure()) {
      auto exit = worker_.process->Wait(std::chrono::seconds(0));
      std::cerr << "the worker had exited: " << (exit.ok() ? std::to_string(*exit) : "?") << "\n";
    }
    if (worker_.process != nullptr && worker_.process->Running()) worker_.process->Signal(SIGKILL);
    if (HasFailure()) {
      std::cerr << "---- worker stderr (tail) ----\n" << worker_.StderrTail(20000) << "\n";
      if (cluster_ != nullptr) std::cerr << "cluster logs, last lines:\n" << cluster_->LogTails();
    }
  }

  std::string Leader(const std::string& sql) {
    auto r = ClusterSql(cluster_->leader_port(), "source_db", sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }
  std::string Dest(const std::string& sql) {
    auto r = ClusterSql(cluster_->destination_port(), "destination_db", sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "";
  }
  int64_t LeaderValue() {
    std::string v = Leader("SELECT current_value FROM public.debezium_table WHERE id = 1");
    return v.empty() ? -1 : std::stoll(v);
  }
  int64_t DestinationValue() {
    auto v = ClusterSql(cluster_->destination_port(), "destination_db",
                        "SELECT current_value FROM public.debezium_table WHERE id = 1", 1);
    return v.ok() && !v->empty() ? std::stoll(*v) : -1;
  }
  // Waits up to `seconds` until the destination's value is above `value`.
  bool DestinationPasses(int64_t value, int seconds) {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
      if (DestinationValue() > value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  std::unique_ptr<KafkaCluster> kafka_;
  std::unique_ptr<PatroniCluster> cluster_;
  std::string dir_;
  WorkerProcess worker_;
};

// The source task follows the leader across two switchovers under the writer: after each, new
// changes reach the destination; at the end the destination equals the leader, every change is
// applied exactly once (the append-only history), and every connector and task is RUNNING.
TEST_F(DistributedFailoverTest, SourceFollowsTheLeaderAcrossSwitchoversExactlyOnce) {
  worker_ = ConfigureWorker(dir_ + "/worker.properties",
                            {kafka_->bootstrap_servers(),
                             "patroni-" + std::to_string(::getpid()),
                             1,
                             {"exactly.once.source.support=enabled", "session.timeout.ms=6000",
                              "heartbeat.interval.ms=1000"}});
  Status started = StartWorker(worker_);
  ASSERT_TRUE(started.ok()) << started.ToString();

  // The seed's source through HAProxy on the permanent slot Patroni keeps on every node
  // (source_slot), the seed's upsert sink, and the append-only history sink.
  const std::string topic = "server.public.debezium_table";
  const std::string source_file = dir_ + "/source.json";
  std::ofstream(source_file) << SeedConnector("register-postgres.json", cluster_->leader_port(),
                                              cluster_->destination_port())
                                    .dump();
  const std::string sink_file = dir_ + "/sink.json";
  std::ofstream(sink_file) << SeedConnector("register-sink.json", cluster_->leader_port(),
                                            cluster_->destination_port())
                                  .dump();
  Dest(kHistoryTableSql);
  const std::string history_file = dir_ + "/history.json";
  std::ofstream(history_file)
      << HistorySink("history-sink", topic, cluster_->destination_port(), 1).dump();
  for (const std::string& file : {source_file, sink_file, history_file}) {
    HttpResult r = Register(worker_, file);
    ASSERT_EQ(r.status, 201) << file << ": " << r.body;
  }
  const std::vector<std::string> connectors = {"source-connector", "sink-connector",
                                               "history-sink"};
  ASSERT_TRUE(WaitRunning(worker_, connectors));

  auto writer = Process::Start({WALRELAY_BINARY, "writer", "--dsn",
                                ClusterConninfo(cluster_->leader_port(), "source_db"), "--rate",
                                "50", "--duration", "75", "--quiet"});
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  ASSERT_TRUE(DestinationPasses(0, 60)) << "nothing applied before the switchovers";

  for (int round = 0; round < 2; ++round) {
    const std::string old_leader = Leader(cluster_->NodeOfServerSql());
    auto sw = cluster_->Run({"switchover"});
    ASSERT_EQ(sw.exit_code, 0) << sw.out << sw.err;
    const std::string new_leader = Leader(cluster_->NodeOfServerSql());
    EXPECT_NE(new_leader, old_leader);
    // A change committed on the new leader reaches the destination.
    const int64_t on_new_leader = LeaderValue();
    EXPECT_TRUE(DestinationPasses(on_new_leader, 90))
        << "round " << round << ": nothing past " << on_new_leader << " applied after "
        << old_leader << " -> " << new_leader;
    EXPECT_TRUE(worker_.Running());
    EXPECT_TRUE(WaitRunning(worker_, connectors, "", 60)) << List(worker_).dump();
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }

  auto exit = (*writer)->Wait(std::chrono::seconds(120));
  ASSERT_TRUE(exit.ok());
  ASSERT_EQ(*exit, 0) << (*writer)->Stderr();
  const int64_t want = LeaderValue();
  ASSERT_GT(want, 0);
  // The destination equals the leader.
  const auto deadline = Clock::now() + std::chrono::seconds(120);
  while (DestinationValue() != want && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(DestinationValue(), want);
  // Every change once: nothing lost, nothing applied twice.
  HistoryCounts got = WaitHistory(
      [this](const std::string& sql) {
        return ClusterSql(cluster_->destination_port(), "destination_db", sql, 1);
      },
      want);
  EXPECT_EQ(got.max, want) << "the destination did not catch up";
  EXPECT_EQ(got.rows, got.distinct) << "changes applied twice";
  EXPECT_EQ(got.distinct, want) << "changes missing (values 1.." << want << " expected once each)";
  // The source task streams from the current leader, and everything is RUNNING.
  EXPECT_EQ(Leader("SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'source_slot' "
                   "AND active"),
            "1");
  EXPECT_TRUE(worker_.Running()) << "the worker died";
  EXPECT_TRUE(WaitRunning(worker_, connectors, "", 60)) << List(worker_).dump();
  // HAProxy cut the task's sessions at each switchover: it reconnected, within the task.
  EXPECT_NE(worker_.process->Stderr().find("reconnected after"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::testing
