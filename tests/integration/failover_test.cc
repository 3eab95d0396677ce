// walrelay through HAProxy on a real Patroni cluster (scripts/cluster): switchovers, killed
// leaders, and the divergence that failover-safe mode prevents.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "pg/connection.h"
#include "testing/patroni_cluster.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using nlohmann::json;
using testing::ClusterConninfo;
using testing::Process;

class FailoverTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto cluster = testing::PatroniCluster::Up();
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
  }
  static void TearDownTestSuite() {
    // `down` removes the cluster directory and its logs: show the logs' ends first when a test
    // failed, so a CI failure can be read from the test output alone.
    if (cluster_ != nullptr && ::testing::UnitTest::GetInstance()->failed_test_count() > 0) {
      std::cerr << "cluster logs, last lines:\n" << cluster_->LogTails();
    }
    cluster_.reset();
  }

  static testing::ProcessResult Cluster(const std::vector<std::string>& args, int timeout_s = 120) {
    testing::ProcessResult r = cluster_->Run(args, std::chrono::seconds(timeout_s));
    EXPECT_NE(r.exit_code, -1) << r.err;
    return r;
  }
  static int LeaderPort() { return cluster_->leader_port(); }
  static int ReplicaPort() { return cluster_->replica_port(); }
  static int DestinationPort() { return cluster_->destination_port(); }
  static int NodePgPort(int node) { return cluster_->node_pg_port(node); }
  static std::string NodeOfServerSql() { return cluster_->NodeOfServerSql(); }

  // Runs SQL through HAProxy's leader port (or the destination), retrying while a failover is
  // under way. Returns the first column of the first row ("" when none).
  static std::string Sql(int port, const std::string& db, const std::string& sql,
                         int attempts = 60) {
    auto r = testing::ClusterSql(port, db, sql, attempts);
    if (!r.ok()) ADD_FAILURE() << "could not run: " << r.status().ToString();
    return r.ok() ? *r : "";
  }
  static std::string Leader(const std::string& sql) { return Sql(LeaderPort(), "source_db", sql); }
  static std::string Dest(const std::string& sql) {
    return Sql(DestinationPort(), "destination_db", sql);
  }
  static std::string Checksum(int port, const std::string& db, const std::string& table) {
    return Sql(
        port, db,
        "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM " +
            table + " t");
  }

  void SetUp() override {
    dir_ = testing::MakeTempDir();
    Leader(
        "CREATE TABLE IF NOT EXISTS public.ledger(id bigserial primary key, tx bigint not null, "
        "amount int not null)");
    Leader("TRUNCATE public.ledger");
    Leader(
        "INSERT INTO public.debezium_table VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET "
        "current_value = 0");
    Dest("DROP TABLE IF EXISTS public.ledger");
    Dest("DELETE FROM public.debezium_table");
    Dest("DROP TABLE IF EXISTS public.walrelay_offsets");
  }

  // Starts walrelay through HAProxy on the Patroni slot `source_slot`, into the destination.
  std::unique_ptr<Process> StartRelay(const std::map<std::string, std::string>& extra = {}) {
    json source = {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                   {"database.hostname", "127.0.0.1"},
                   {"database.port", std::to_string(LeaderPort())},
                   {"database.user", "postgres"},
                   {"database.password", "postgres"},
                   {"database.dbname", "source_db"},
                   {"topic.prefix", "server"},
                   {"slot.name", "source_slot"},
                   {"publication.name", "walrelay_test_pub"},
                   {"publication.autocreate.mode", "filtered"},
                   {"table.include.list", "public.debezium_table,public.ledger"},
                   {"status.update.interval.ms", "500"},
                   {"transforms", "unwrap"},
                   {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
                   {"transforms.unwrap.delete.tombstone.handling.mode", "tombstone"}};
    for (const auto& [k, v] : extra) source[k] = v;
    json sink = {
        {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(DestinationPort()) +
                               "/destination_db?user=postgres&password=postgres"},
        {"topics.regex", "server\\.public\\..*"},
        {"transforms", "route"},
        {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
        {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
        {"transforms.route.replacement", "$2.$3"},
        {"insert.mode", "upsert"},
        {"pk.mode", "record_key"},
        {"delete.enabled", "true"},
        {"auto.create", "true"}};
    std::ofstream(dir_ + "/source.json") << json({{"name", "source"}, {"config", source}}).dump(2);
    std::ofstream(dir_ + "/sink.json") << json({{"name", "sink"}, {"config", sink}}).dump(2);
    auto p = Process::Start({WALRELAY_BINARY, "run", dir_ + "/source.json", dir_ + "/sink.json"});
    EXPECT_TRUE(p.ok());
    return p.ok() ? std::move(p).value() : nullptr;
  }

  // After the slot on the new leader went wrong for walrelay's stored position (ledger entry
  // tx = 2 written since): walrelay started with `extra` refuses, saying `refusal`, and writes
  // nothing; with snapshot.mode=when_needed it re-snapshots until the destination equals the
  // leader.
  void ExpectRefusedThenResnapshot(const std::map<std::string, std::string>& extra,
                                   const std::string& refusal) {
    auto refused = StartRelay(extra);
    ASSERT_TRUE(refused);
    auto code = refused->Wait(std::chrono::seconds(60));
    ASSERT_TRUE(code.ok()) << refused->Stderr();
    EXPECT_NE(*code, 0);
    EXPECT_NE(refused->Stderr().find(refusal), std::string::npos) << refused->Stderr();
    EXPECT_EQ(Dest("SELECT count(*) FROM ledger WHERE tx = 2"), "0");

    std::map<std::string, std::string> when_needed = extra;
    when_needed["snapshot.mode"] = "when_needed";
    auto resnapshot = StartRelay(when_needed);
    ASSERT_TRUE(resnapshot);
    EXPECT_TRUE(CaughtUp(90)) << resnapshot->Stderr();
    EXPECT_NE(resnapshot->Stderr().find("taking a new snapshot"), std::string::npos)
        << resnapshot->Stderr();
    resnapshot->Signal(SIGTERM);
    (void)resnapshot->Wait(std::chrono::seconds(30));
  }

  // Waits until a walsender on the leader other than `not_pid` streams from `source_slot`
  // (walrelay is connected); returns its PID, or "" after `seconds`.
  static std::string SlotWalsender(int seconds, const std::string& not_pid = "") {
    for (int i = 0; i < seconds * 2; ++i) {
      std::string pid = Leader(
          "SELECT coalesce(max(active_pid)::text, '') FROM pg_replication_slots WHERE slot_name "
          "= 'source_slot' AND active");
      if (!pid.empty() && pid != not_pid) return pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return "";
  }

  // Waits until the destination holds exactly what the leader holds.
  bool CaughtUp(int seconds) {
    for (int i = 0; i < seconds * 2; ++i) {
      if (Checksum(LeaderPort(), "source_db", "ledger") ==
              Checksum(DestinationPort(), "destination_db", "ledger") &&
          Leader("SELECT current_value FROM debezium_table WHERE id = 1") ==
              Dest("SELECT current_value FROM debezium_table WHERE id = 1")) {
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }

  // Waits until both replicas stream from the leader, then for Patroni to have checked their
  // logical slot copies (a few loop_waits).
  static bool ReplicasStreaming(int seconds) {
    for (int i = 0; i < seconds * 2; ++i) {
      if (Leader("SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND usename = "
                 "'replicator'") == "2") {
        std::this_thread::sleep_for(std::chrono::seconds(6));
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return false;
  }

  // Stops the physical walsenders of the leader, so its standbys stop receiving WAL.
  void FreezeStandbys() {
    auto c = pg::Connection::Connect(ClusterConninfo(LeaderPort(), "postgres"));
    ASSERT_TRUE(c.ok());
    auto r = c->Exec("SELECT pid FROM pg_stat_replication WHERE usename = 'replicator'");
    ASSERT_TRUE(r.ok());
    ASSERT_GE(r->rows(), 1);
    for (int i = 0; i < r->rows(); ++i) ::kill(std::stoi(std::string(r->Get(i, 0))), SIGSTOP);
  }

  std::string dir_;
  static inline std::unique_ptr<testing::PatroniCluster> cluster_;
};

// A writer that keeps committing through HAProxy: the counter row and a two-row ledger entry that
// sums to zero, in one transaction, and in every fifth transaction the delete of an earlier entry
// (updates, inserts and deletes over two tables); reconnects while the cluster fails over.
class Writer {
 public:
  // Writes through HAProxy's leader port `port`.
  explicit Writer(int port) : port_(port), thread_([this] { Run(); }) {}
  ~Writer() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int64_t committed() const { return committed_.load(); }

 private:
  void Run() {
    int64_t tx = 0;
    while (!stop_) {
      auto c = pg::Connection::Connect(ClusterConninfo(port_, "source_db"));
      if (!c.ok()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      while (!stop_) {
        ++tx;
        std::string sql =
            "BEGIN; UPDATE debezium_table SET current_value = current_value + 1 WHERE id = 1; "
            "INSERT INTO ledger(tx, amount) VALUES (" +
            std::to_string(tx) + ", 7), (" + std::to_string(tx) + ", -7); ";
        if (tx % 5 == 0) sql += "DELETE FROM ledger WHERE tx = " + std::to_string(tx - 3) + "; ";
        auto r = c->Exec(sql + "COMMIT;");
        if (!r.ok()) break;
        ++committed_;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    }
  }
  const int port_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> committed_{0};
  std::thread thread_;
};

TEST_F(FailoverTest, SwitchoversAndKilledLeadersLoseNothingAndApplyNothingTwice) {
  auto relay = StartRelay();
  ASSERT_TRUE(relay);
  Writer writer(LeaderPort());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  for (int round = 0; round < 3; ++round) {
    auto sw = Cluster({"switchover"});
    EXPECT_EQ(sw.exit_code, 0) << sw.out << sw.err;
    if (round == 0) {
      // HAProxy cuts walrelay's sessions to a leader that stays up: it reconnects to the same
      // one. Only once it streams from the new leader does it have sessions there to cut.
      const std::string walsender = SlotWalsender(60);
      EXPECT_NE(walsender, "") << relay->Stderr();
      auto cut = Cluster({"cut"});
      EXPECT_EQ(cut.exit_code, 0) << cut.out << cut.err;
      EXPECT_NE(cut.out.find("cut "), std::string::npos) << cut.out << cut.err;
      EXPECT_EQ(cut.out.find("cut 0 "), std::string::npos) << cut.out;
      EXPECT_NE(SlotWalsender(60, walsender), "") << relay->Stderr();
      ASSERT_TRUE(relay->Running()) << relay->Stderr();
    }
    // A leader killed before both replicas follow the new one is a double fault (a replica
    // ahead of the survivor, slot copies Patroni has not yet made safe): wait until it is not.
    EXPECT_TRUE(ReplicasStreaming(60));
    std::string leader = Leader(NodeOfServerSql());
    auto k = Cluster({"kill", "leader"});
    EXPECT_EQ(k.exit_code, 0) << k.out << k.err;
    auto fw = Cluster({"failover-wait"});
    EXPECT_EQ(fw.exit_code, 0) << fw.out << fw.err;
    auto st = Cluster({"start", leader}, 180);
    EXPECT_EQ(st.exit_code, 0) << st.out << st.err;
    ASSERT_TRUE(relay->Running()) << relay->Stderr();
  }
  writer.Stop();
  EXPECT_GT(writer.committed(), 100);
  EXPECT_TRUE(CaughtUp(120)) << relay->Stderr();
  EXPECT_EQ(
      Dest("SELECT count(*) FROM (SELECT tx FROM ledger GROUP BY tx HAVING sum(amount) <> 0) x"),
      "0");
  relay->Signal(SIGTERM);
  auto code = relay->Wait(std::chrono::seconds(30));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << relay->Stderr();
  EXPECT_NE(relay->Stderr().find("reconnect"), std::string::npos);
}

// Rows committed on a leader whose standbys are frozen reach a logical consumer at once; killing
// that leader loses them. Failover-safe mode (on by default with standbys) holds them back.
TEST_F(FailoverTest, FailoverSafeModeKeepsTheDestinationBehindTheCluster) {
  auto relay = StartRelay();
  ASSERT_TRUE(relay);
  Leader("INSERT INTO ledger(tx, amount) VALUES (1, 1), (1, -1)");
  ASSERT_TRUE(CaughtUp(60)) << relay->Stderr();
  std::string old_leader = Leader(NodeOfServerSql());
  FreezeStandbys();
  Leader("INSERT INTO ledger(tx, amount) VALUES (-1, 5), (-1, -5)");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_EQ(Dest("SELECT count(*) FROM ledger WHERE tx = -1"), "0");  // held back
  ASSERT_EQ(Cluster({"kill", "leader"}).exit_code, 0);
  ASSERT_EQ(Cluster({"failover-wait"}).exit_code, 0);
  EXPECT_EQ(Leader("SELECT count(*) FROM ledger WHERE tx = -1"), "0");  // the cluster lost them
  Leader("INSERT INTO ledger(tx, amount) VALUES (2, 3), (2, -3)");
  EXPECT_TRUE(CaughtUp(90)) << relay->Stderr();
  EXPECT_EQ(Dest("SELECT count(*) FROM ledger WHERE tx = -1"), "0");
  EXPECT_TRUE(relay->Running()) << relay->Stderr();
  relay->Signal(SIGTERM);
  (void)relay->Wait(std::chrono::seconds(30));
  ASSERT_EQ(Cluster({"start", old_leader}, 180).exit_code, 0);
}

TEST_F(FailoverTest, WithoutFailoverSafeModeTheDestinationCanRunAheadAndIsDetected) {
  auto relay = StartRelay({{"walrelay.failover.safe.mode", "off"}});
  ASSERT_TRUE(relay);
  Leader("INSERT INTO ledger(tx, amount) VALUES (1, 1), (1, -1)");
  ASSERT_TRUE(CaughtUp(60)) << relay->Stderr();
  std::string old_leader = Leader(NodeOfServerSql());
  FreezeStandbys();
  Leader("INSERT INTO ledger(tx, amount) VALUES (-1, 5), (-1, -5)");
  std::this_thread::sleep_for(std::chrono::seconds(3));
  // Applied at once: the destination now holds rows no standby has.
  EXPECT_EQ(Dest("SELECT count(*) FROM ledger WHERE tx = -1"), "2");
  ASSERT_EQ(Cluster({"kill", "leader"}).exit_code, 0);
  ASSERT_EQ(Cluster({"failover-wait"}).exit_code, 0);
  EXPECT_EQ(Leader("SELECT count(*) FROM ledger WHERE tx = -1"), "0");  // diverged
  // walrelay notices on reconnecting: its position lies beyond where the old timeline ended.
  auto code = relay->Wait(std::chrono::seconds(120));
  ASSERT_TRUE(code.ok()) << "walrelay kept running after the divergence\n" << relay->Stderr();
  EXPECT_NE(*code, 0);
  EXPECT_NE(relay->Stderr().find("lost in the failover"), std::string::npos) << relay->Stderr();
  ASSERT_EQ(Cluster({"start", old_leader}, 180).exit_code, 0);
}

// The slot copy on a replica that is promoted can be ahead of what walrelay stored (here moved on
// by hand while walrelay was stopped): the changes in between are gone from that slot. walrelay
// refuses to start naming both positions, and with snapshot.mode=when_needed takes a new snapshot
// so that the destination again equals the leader.
TEST_F(FailoverTest, PromotedSlotAheadOfTheStoredPositionIsDetected) {
  auto relay = StartRelay();
  ASSERT_TRUE(relay);
  Leader("INSERT INTO ledger(tx, amount) VALUES (1, 1), (1, -1)");
  ASSERT_TRUE(CaughtUp(60)) << relay->Stderr();
  relay->Signal(SIGTERM);
  ASSERT_TRUE(relay->Wait(std::chrono::seconds(30)).ok());
  // Changes walrelay has not seen, then the slot copy on a replica moved past them.
  Leader("INSERT INTO ledger(tx, amount) VALUES (2, 4), (2, -4)");
  Leader("UPDATE debezium_table SET current_value = 42 WHERE id = 1");
  std::string leader_lsn = Leader("SELECT pg_current_wal_lsn()::text");
  std::string replica = Sql(ReplicaPort(), "source_db", NodeOfServerSql());
  int replica_port = NodePgPort(std::stoi(replica.substr(7)));
  bool moved = false;
  for (int i = 0; i < 60 && !moved; ++i) {
    // Only as far as the replica has replayed; retried until that covers the new changes.
    std::string at =
        Sql(replica_port, "source_db",
            "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = "
            "'source_slot' AND confirmed_flush_lsn IS NOT NULL AND "
            "pg_last_wal_replay_lsn() >= '" +
                leader_lsn +
                "' AND (SELECT end_lsn FROM pg_replication_slot_advance('source_slot', "
                "pg_last_wal_replay_lsn())) IS NOT NULL");
    moved = !at.empty();
    if (!moved) std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  ASSERT_TRUE(moved) << "could not move the slot on " << replica;
  auto sw = Cluster({"switchover", replica});
  ASSERT_EQ(sw.exit_code, 0) << sw.out << sw.err;
  ASSERT_EQ(Leader(NodeOfServerSql()), replica);

  ExpectRefusedThenResnapshot({}, "ahead of the stored offset");
}

// A slot Patroni does not manage (not among its permanent slots) exists only on the leader it was
// created on: after a switchover it is missing. walrelay refuses to start on the new leader without
// it, naming the slot, and re-snapshots when snapshot.mode=when_needed says so.
TEST_F(FailoverTest, SlotMissingOnTheNewLeaderIsDetected) {
  const std::map<std::string, std::string> unmanaged = {{"slot.name", "walrelay_unmanaged"}};
  auto relay = StartRelay(unmanaged);
  ASSERT_TRUE(relay);
  Leader("INSERT INTO ledger(tx, amount) VALUES (1, 5), (1, -5)");
  ASSERT_TRUE(CaughtUp(60)) << relay->Stderr();
  relay->Signal(SIGTERM);
  ASSERT_TRUE(relay->Wait(std::chrono::seconds(30)).ok());

  auto sw = Cluster({"switchover"});
  ASSERT_EQ(sw.exit_code, 0) << sw.out << sw.err;
  ASSERT_EQ(Leader("SELECT count(*) FROM pg_replication_slots WHERE slot_name = "
                   "'walrelay_unmanaged'"),
            "0");
  Leader("INSERT INTO ledger(tx, amount) VALUES (2, 6), (2, -6)");

  ExpectRefusedThenResnapshot(unmanaged, "\"walrelay_unmanaged\" does not exist");
  Leader("SELECT pg_drop_replication_slot('walrelay_unmanaged')");
}

}  // namespace
}  // namespace walrelay
