// A stop request (SIGTERM / SIGINT) ends `walrelay run` within one second in every state it can be
// in, against real PostgreSQL servers: idle streaming, reconnect backoff with the source gone,
// the source unreachable at start, a connection attempt the server never answers, destination
// retries, a destination statement blocked on a lock (cancelled), a snapshot being read, and
// transactions held for standbys in failover-safe mode. Each test then checks the exit status
// (0: clean; 3: work in flight abandoned) and that a restart delivers every row exactly once.
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

#include "testing/pg_fixture.h"
#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
using testing::PgServer;
using testing::Process;

constexpr char kDb[] = "stopdb";
constexpr int kExitStoppedInFlight = 3;  // runtime/standalone_runner.h
// The bar of issue 11: a stop request is honoured within one second in every state.
// WALRELAY_STOP_BUDGET_MS loosens it for sanitizer builds only (scripts/test), whose processes
// run several times slower.
std::chrono::milliseconds StopBudget() {
  const char* env = std::getenv("WALRELAY_STOP_BUDGET_MS");
  return std::chrono::milliseconds(env != nullptr ? std::atoi(env) : 1000);
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// A TCP port that accepts connections into its backlog and never answers: a server that hangs
// during the startup handshake, as a blackholed or frozen host looks to libpq.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
  }
  ~SilentListener() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

class StopTest : public testing::RequiresPostgres {
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

  std::string WriteConnector(const std::string& name, const json& config) {
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << json({{"name", name}, {"config", config}}).dump(2);
    return path;
  }
  json SourceConfig(int port) {
    return {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
            {"database.hostname", "127.0.0.1"},
            {"database.port", std::to_string(port)},
            {"database.user", "postgres"},
            {"database.password", "postgres"},
            {"database.dbname", kDb},
            {"topic.prefix", "srv"},
            {"slot.name", "stop_slot"},
            {"publication.autocreate.mode", "filtered"},
            {"table.include.list", "public.items"},
            {"snapshot.mode", "initial"},
            // A long backoff cap: a stop that waited it out would miss the budget by far.
            {"retriable.restart.connector.wait.ms", "30000"},
            {"transforms", "unwrap"},
            {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"}};
  }
  std::string SourceFile(json extra = json::object(), int port = 0) {
    json config = SourceConfig(port != 0 ? port : source_->port());
    for (auto& [k, v] : extra.items()) config[k] = v;
    return WriteConnector("stop-source", config);
  }
  std::string SinkFile(json extra = json::object()) {
    json config = {
        {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) + "/" +
                               kDb + "?user=postgres&password=postgres"},
        {"topics", "srv.public.items"},
        {"transforms", "route"},
        {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
        {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
        {"transforms.route.replacement", "$3"},
        // Plain inserts: a row applied twice fails on the primary key instead of hiding.
        {"insert.mode", "insert"},
        {"pk.mode", "record_key"},
        {"max.retries", "100"},
        {"retry.backoff.ms", "30000"}};
    for (auto& [k, v] : extra.items()) config[k] = v;
    return WriteConnector("stop-sink", config);
  }

  std::unique_ptr<Process> Run(const std::vector<std::string>& files) {
    std::vector<std::string> argv = {WALRELAY_BINARY, "run"};
    argv.insert(argv.end(), files.begin(), files.end());
    auto p = Process::Start(argv);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  // Waits until `pred` holds, up to `timeout`.
  template <typename Pred>
  bool Eventually(Pred pred, std::chrono::seconds timeout = std::chrono::seconds(60)) {
    const auto end = Clock::now() + timeout;
    while (Clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return pred();
  }
  bool LogSays(Process* p, const std::string& text,
               std::chrono::seconds timeout = std::chrono::seconds(60)) {
    return Eventually([&] { return p->Stderr().find(text) != std::string::npos; }, timeout);
  }
  int DestCount() {
    auto r = dest_->Psql("SELECT count(*) FROM items", kDb);
    return r.ok() ? std::stoi(Trim(*r)) : -1;
  }

  // Sends `sig` and returns the exit status, failing the test when the process takes longer than
  // the budget to end.
  int StopAndTime(Process* p, int sig = SIGTERM) {
    const auto start = Clock::now();
    p->Signal(sig);
    auto code = p->Wait(std::chrono::seconds(30));
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    EXPECT_TRUE(code.ok()) << "walrelay did not stop within 30 s of the signal:\n" << p->Stderr();
    EXPECT_LE(took, StopBudget()) << "stop took " << took.count() << " ms:\n" << p->Stderr();
    std::fprintf(stderr, "[stop_test] stopped in %lld ms, exit %d\n",
                 static_cast<long long>(took.count()), code.ok() ? *code : -1);
    return code.ok() ? *code : -1;
  }

  // Runs source -> sink until idle and checks the destination holds ids 1..n exactly once (the
  // sink's plain inserts would fail on a duplicate).
  void CatchUpAndCheck(int n, const std::string& source_file, const std::string& sink_file) {
    auto p = Run({source_file, sink_file, "--idle-exit", "3"});
    ASSERT_NE(p, nullptr);
    auto code = p->Wait(std::chrono::seconds(120));
    ASSERT_TRUE(code.ok()) << p->Stderr();
    EXPECT_EQ(*code, 0) << p->Stderr();
    EXPECT_EQ(Dst("SELECT count(*) || '/' || count(DISTINCT id) || '/' || coalesce(max(id), 0) "
                  "FROM items"),
              std::to_string(n) + "/" + std::to_string(n) + "/" + std::to_string(n));
  }

  std::unique_ptr<PgServer> source_, dest_;
  std::string dir_;
};

TEST_F(StopTest, IdleStreamingStopsCleanlyAndStoresTheOffset) {
  Insert(1, 100);
  const std::string src = SourceFile(), sink = SinkFile();
  auto p = Run({src, sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 100; })) << p->Stderr();
  Insert(101, 150);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 150; })) << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(700));  // idle in the stream's wait
  EXPECT_EQ(StopAndTime(p.get(), SIGINT), 0) << p->Stderr();
  // The slot was confirmed up to what the destination holds; nothing is sent twice.
  Insert(151, 160);
  CatchUpAndCheck(160, src, sink);
}

TEST_F(StopTest, ReconnectBackoffWithTheSourceGone) {
  Insert(1, 50);
  const std::string src = SourceFile(), sink = SinkFile();
  auto p = Run({src, sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 50; })) << p->Stderr();
  ASSERT_TRUE(source_->Stop().ok());
  // Several attempts, so the backoff has grown to seconds.
  ASSERT_TRUE(LogSays(p.get(), "(attempt 4)")) << p->Stderr();
  EXPECT_EQ(StopAndTime(p.get()), 0) << p->Stderr();
  ASSERT_TRUE(source_->Restart().ok());
  Insert(51, 60);
  CatchUpAndCheck(60, src, sink);
}

TEST_F(StopTest, SourceUnreachableAtStart) {
  ASSERT_TRUE(source_->Stop().ok());
  auto p = Run({SourceFile(), SinkFile()});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(LogSays(p.get(), "(attempt 3)")) << p->Stderr();
  EXPECT_EQ(StopAndTime(p.get()), 0) << p->Stderr();
  EXPECT_EQ(DestCount(), 0);
}

TEST_F(StopTest, ConnectionAttemptTheServerNeverAnswers) {
  SilentListener silent;
  ASSERT_GT(silent.port(), 0);
  auto p = Run({SourceFile({{"database.connect.timeout.s", "60"}}, silent.port()), SinkFile()});
  ASSERT_NE(p, nullptr);
  // The sink is open and the source is inside its connection attempt.
  ASSERT_TRUE(LogSays(p.get(), "writing to database")) << p->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(StopAndTime(p.get()), 0) << p->Stderr();
}

TEST_F(StopTest, DestinationRetriesAreInterrupted) {
  Insert(1, 20);
  const std::string src = SourceFile(), sink = SinkFile();
  auto p = Run({src, sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 20; })) << p->Stderr();
  ASSERT_TRUE(dest_->Stop().ok());
  Insert(21, 40);
  ASSERT_TRUE(LogSays(p.get(), "retrying the batch in")) << p->Stderr();
  // A batch the destination never confirmed was abandoned: not a clean stop.
  EXPECT_EQ(StopAndTime(p.get()), kExitStoppedInFlight) << p->Stderr();
  ASSERT_TRUE(dest_->Restart().ok());
  CatchUpAndCheck(40, src, sink);
}

TEST_F(StopTest, LongDestinationStatementIsCancelled) {
  Insert(1, 20);
  const std::string src = SourceFile(), sink = SinkFile();
  auto p = Run({src, sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 20; })) << p->Stderr();
  // Another session holds the table: the sink's next statement waits for the lock.
  auto locker =
      Process::Start({testing::FindBinary("psql"), "-X", "-q", "-d", dest_->conninfo(kDb), "-c",
                      "BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; "
                      "SELECT pg_sleep(120);"});
  ASSERT_TRUE(locker.ok()) << locker.status().ToString();
  ASSERT_TRUE(Eventually([&] {
    return Dst("SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass AND granted "
               "AND mode = 'AccessExclusiveLock'") == "1";
  }));
  Insert(21, 40);
  ASSERT_TRUE(Eventually([&] {
    return Dst("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND "
               "application_name = 'walrelay'") == "1";
  })) << p->Stderr();
  EXPECT_EQ(StopAndTime(p.get()), kExitStoppedInFlight) << p->Stderr();
  EXPECT_NE(p->Stderr().find("cancel"), std::string::npos) << p->Stderr();
  // The cancelled transaction left nothing behind, the position included.
  EXPECT_EQ(Dst("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'walrelay'"), "0");
  // The locker's backend sleeps on after its client is gone: end it from the server side.
  Dst("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE query LIKE '%pg_sleep(120)%' AND pid <> pg_backend_pid()");
  (*locker)->Signal(SIGKILL);
  (void)(*locker)->Wait(std::chrono::seconds(10));
  ASSERT_TRUE(Eventually([&] {
    return Dst("SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass") == "0";
  }));
  CatchUpAndCheck(40, src, sink);
}

TEST_F(StopTest, SnapshotReadIsInterrupted) {
  constexpr int kRows = 300000;
  Insert(1, kRows);
  // An interrupted snapshot resumes at table granularity (rows of the table being read are read
  // again, as Debezium does): upserts, and the count of distinct ids checks nothing is missing.
  const std::string src = SourceFile({{"snapshot.fetch.size", "1000"}}),
                    sink = SinkFile({{"insert.mode", "upsert"}});
  auto p = Run({src, sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() > 0; })) << p->Stderr();
  const int before = DestCount();
  ASSERT_LT(before, kRows) << "the snapshot finished before the stop; make the table larger";
  const int code = StopAndTime(p.get());
  // Clean, or the last batch did not commit within the grace period: both keep the data exact.
  EXPECT_TRUE(code == 0 || code == kExitStoppedInFlight) << code << "\n" << p->Stderr();
  CatchUpAndCheck(kRows, src, sink);
}

TEST_F(StopTest, TransactionsHeldForStandbysInFailoverSafeMode) {
  Insert(1, 10);
  const std::string sink = SinkFile();
  // failover-safe on, and no standby at all: committed transactions wait forever.
  auto p = Run({SourceFile({{"walrelay.failover.safe.mode", "on"}}), sink});
  ASSERT_NE(p, nullptr);
  ASSERT_TRUE(Eventually([&] { return DestCount() == 10; })) << p->Stderr();  // the snapshot
  ASSERT_TRUE(LogSays(p.get(), "failover-safe")) << p->Stderr();
  Insert(11, 30);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(DestCount(), 10);  // held
  // Nothing held was handed downstream, so nothing is in flight.
  EXPECT_EQ(StopAndTime(p.get()), 0) << p->Stderr();
  CatchUpAndCheck(30, SourceFile({{"walrelay.failover.safe.mode", "off"}}), sink);
}

}  // namespace
}  // namespace walrelay
