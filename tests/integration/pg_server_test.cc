// Proves the test harness itself: a real PostgreSQL 15 started in a temp dir, queried through psql
// and libpq (including a replication connection), restarted, killed and recovered, and removed.
#include "testing/pg_server.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "testing/pg_fixture.h"

namespace walrelay::testing {
namespace {

using PgServerTest = RequiresPostgres;

#define ASSERT_OK(expr)                      \
  do {                                       \
    ::walrelay::Status st_ = (expr);         \
    ASSERT_TRUE(st_.ok()) << st_.ToString(); \
  } while (0)

// A live process has a readable working directory; a gone or zombie one does not.
bool Running(const std::string& pid) {
  std::error_code ec;
  return !pid.empty() && std::filesystem::exists("/proc/" + pid + "/cwd", ec);
}

std::string ReadPidLine(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    char buf[64] = {0};
    if (std::fgets(buf, sizeof(buf), f) != nullptr) text = buf;
    std::fclose(f);
  }
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

// Opens a libpq connection and returns the first value of `sql`'s result (simple query protocol,
// which also works on a replication connection), or "ERROR: ..." on failure.
std::string LibpqQuery(const std::string& conninfo, const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return std::string("ERROR: ") + PQerrorMessage(conn.get());
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> res(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK || PQntuples(res.get()) < 1) {
    return std::string("ERROR: ") + PQresultErrorMessage(res.get());
  }
  return PQgetvalue(res.get(), 0, 0);
}

TEST_F(PgServerTest, StartsWithLogicalWalAndAnswersPsqlAndLibpq) {
  auto server = PgServer::Start({.extra_conf = {"max_connections = 42"}});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  PgServer& pg = **server;
  EXPECT_TRUE(pg.running());
  EXPECT_GT(pg.port(), 0);

  EXPECT_EQ(pg.Psql("SHOW wal_level").value(), "logical");
  EXPECT_EQ(pg.Psql("SHOW max_wal_senders").value(), "10");
  EXPECT_EQ(pg.Psql("SHOW max_replication_slots").value(), "10");
  EXPECT_EQ(pg.Psql("SHOW synchronous_commit").value(), "on");
  EXPECT_EQ(pg.Psql("SHOW port").value(), std::to_string(pg.port()));
  EXPECT_EQ(pg.Psql("SHOW max_connections").value(), "42");  // extra_conf overrides defaults
  EXPECT_EQ(pg.Psql("SHOW server_version_num").value().substr(0, 2), "15");

  // Several statements run one after another; rows come back unaligned, one per line.
  auto rows = pg.Psql(
      "CREATE TABLE t (id int PRIMARY KEY, name text);"
      "INSERT INTO t VALUES (1, 'a'), (2, 'b');"
      "SELECT id, name FROM t ORDER BY id;");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, "1|a\n2|b");

  // ON_ERROR_STOP: a failing statement is reported with psql's message and stops the script.
  auto failed = pg.Psql(
      "INSERT INTO t VALUES (3, 'c'); SELECT * FROM no_such_table; "
      "INSERT INTO t VALUES (4, 'd');");
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("no_such_table"), std::string::npos)
      << failed.status().ToString();
  EXPECT_EQ(pg.Psql("SELECT string_agg(id::text, ',' ORDER BY id) FROM t").value(), "1,2,3");

  ASSERT_OK(pg.CreateDatabase("other db"));
  EXPECT_EQ(pg.Psql("SELECT current_database()", "other db").value(), "other db");

  // conninfo() works for libpq, including a logical replication connection (pg_hba trusts it).
  EXPECT_EQ(LibpqQuery(pg.conninfo("other db"), "SELECT current_database()"), "other db");
  std::string system_id = LibpqQuery(pg.conninfo() + " replication=database", "IDENTIFY_SYSTEM");
  EXPECT_EQ(system_id.rfind("ERROR", 0), std::string::npos) << system_id;
  EXPECT_EQ(pg.Psql("SELECT system_identifier FROM pg_control_system()").value(), system_id);
  EXPECT_EQ(
      pg.Psql("SELECT slot_name FROM pg_create_logical_replication_slot('s1', 'pgoutput')").value(),
      "s1");
}

TEST_F(PgServerTest, RestartKeepsPortAndDataAndKillIsRecovered) {
  auto started = PgServer::Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<PgServer> server = std::move(started).value();
  const int port = server->port();
  const std::string root = std::filesystem::path(server->data_dir()).parent_path().string();
  ASSERT_TRUE(server->Psql("CREATE TABLE kept (v int); INSERT INTO kept VALUES (1);").ok());
  const std::string first_pid = ReadPidLine(server->data_dir() + "/postmaster.pid");

  ASSERT_OK(server->Restart());
  EXPECT_EQ(server->port(), port);
  EXPECT_NE(ReadPidLine(server->data_dir() + "/postmaster.pid"), first_pid);
  EXPECT_EQ(server->Psql("SELECT sum(v) FROM kept").value(), "1");

  // A row committed just before a SIGKILL survives crash recovery.
  ASSERT_TRUE(server->Psql("INSERT INTO kept VALUES (2)").ok());
  const std::string killed_pid = ReadPidLine(server->data_dir() + "/postmaster.pid");
  ASSERT_OK(server->Kill());
  EXPECT_FALSE(server->running());
  EXPECT_FALSE(Running(killed_pid));
  EXPECT_FALSE(server->Psql("SELECT 1").ok());
  EXPECT_FALSE(server->Kill().ok());  // nothing left to kill

  ASSERT_OK(server->Restart());
  EXPECT_EQ(server->port(), port);
  EXPECT_EQ(server->Psql("SELECT sum(v) FROM kept").value(), "3");

  // Stop is idempotent; a stopped server refuses connections.
  ASSERT_OK(server->Stop(/*fast=*/false));
  ASSERT_OK(server->Stop());
  EXPECT_FALSE(server->Psql("SELECT 1").ok());
  ASSERT_OK(server->Restart());
  EXPECT_EQ(server->Psql("SELECT sum(v) FROM kept").value(), "3");

  const std::string pid = ReadPidLine(server->data_dir() + "/postmaster.pid");
  ASSERT_TRUE(std::filesystem::exists(root));
  ASSERT_TRUE(Running(pid));
  server.reset();
  EXPECT_FALSE(std::filesystem::exists(root));
  EXPECT_FALSE(Running(pid));
}

TEST_F(PgServerTest, ServersStartedInParallelGetTheirOwnPortsAndDirectories) {
  Result<std::unique_ptr<PgServer>> a = NotFound("not started");
  Result<std::unique_ptr<PgServer>> b = NotFound("not started");
  std::thread ta([&] { a = PgServer::Start(); });
  std::thread tb([&] { b = PgServer::Start(); });
  ta.join();
  tb.join();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_NE((*a)->port(), (*b)->port());
  EXPECT_NE((*a)->data_dir(), (*b)->data_dir());
  ASSERT_TRUE((*a)->Psql("CREATE TABLE only_in_a (v int)").ok());
  EXPECT_EQ((*a)->Psql("SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'").value(), "1");
  EXPECT_EQ((*b)->Psql("SELECT count(*) FROM pg_class WHERE relname = 'only_in_a'").value(), "0");

  // The destructor cleans up a killed server too.
  const std::string root = std::filesystem::path((*b)->data_dir()).parent_path().string();
  ASSERT_OK((*b)->Kill());
  b = NotFound("destroyed");
  EXPECT_FALSE(std::filesystem::exists(root));
}

TEST_F(PgServerTest, StartFailureQuotesTheServerLog) {
  auto server = PgServer::Start({.extra_conf = {"shared_buffers = 'lots'"}});
  ASSERT_FALSE(server.ok());
  EXPECT_NE(server.status().message().find("shared_buffers"), std::string::npos)
      << server.status().ToString();
  EXPECT_NE(server.status().message().find("last lines of"), std::string::npos);
}

TEST(PgServerBinariesTest, FindBinaryLocatesClientProgramsOrReturnsEmpty) {
  if (!PostgresBinariesAvailable()) GTEST_SKIP() << "no PostgreSQL binaries";
  EXPECT_TRUE(std::filesystem::exists(FindBinary("psql")));
  EXPECT_TRUE(std::filesystem::exists(FindBinary("pg_recvlogical")));
  EXPECT_EQ(FindBinary("no-such-program"), "");
}

// A suite sharing one server through the PgTest fixture (the second test relies on gtest running
// tests in the order they are defined).
class SharedPgServerTest : public PgTest {};

TEST_F(SharedPgServerTest, FirstTestCreatesATable) {
  ASSERT_TRUE(server().Psql("CREATE TABLE shared_t (v int); INSERT INTO shared_t VALUES (7)").ok());
}

TEST_F(SharedPgServerTest, SecondTestSeesTheSameServer) {
  EXPECT_EQ(server().Psql("SELECT v FROM shared_t").value(), "7");
}

}  // namespace
}  // namespace walrelay::testing
