// `walrelay writer` and `walrelay reader`, the seed's .NET apps, against a real PostgreSQL: each
// mode's rows, both DSN forms, rate limiting, stop by signal, a server restart during the run, and
// a COMMIT cut off by a dead connection (committed and rolled back), whose fate the writer settles
// so that its count still equals the table.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "testing/pg_fixture.h"
#include "testing/process.h"

namespace walrelay::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kSourceSchema =
    "CREATE TABLE IF NOT EXISTS public.debezium_table(id int primary key, "
    "current_value bigint not null);"
    "CREATE TABLE IF NOT EXISTS public.outbox(id uuid default gen_random_uuid() primary key, "
    "aggregatetype character varying(255), aggregateid character varying(255), "
    "type character varying(255), payload jsonb);";

// The number after `key=` in `text`, or -1.
int64_t Field(const std::string& text, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(text, m, std::regex("(^|\\s)" + key + "=(-?[0-9]+)"))) return -1;
  return std::stoll(m[2]);
}

class WriterReaderTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    auto r = server().Psql(std::string(kSourceSchema) +
                           "TRUNCATE public.debezium_table, public.outbox;");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }

  std::string Sql(const std::string& sql, const std::string& db = "postgres") {
    auto r = server().Psql(sql, db);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? *r : "";
  }

  int64_t CurrentValue(const std::string& db = "postgres") {
    std::string v = Sql("SELECT current_value FROM public.debezium_table WHERE id = 1", db);
    return v.empty() ? 0 : std::stoll(v);
  }

  static std::vector<std::string> Walrelay(std::vector<std::string> args) {
    args.insert(args.begin(), WALRELAY_BINARY);
    return args;
  }

  // Waits until `sql` returns `want` (psql text); false after `timeout`.
  bool WaitFor(const std::string& sql, const std::string& want, const std::string& db,
               milliseconds timeout = seconds(20)) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = server().Psql(sql, db);
      if (r.ok() && *r == want) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }
};

TEST_F(WriterReaderTest, CounterModeCountEqualsCurrentValue) {
  auto r = RunProcess(
      Walrelay({"writer", "--dsn", server().conninfo("postgres"), "--duration", "2", "--quiet"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  int64_t committed = Field(r->out, "committed");
  EXPECT_GT(committed, 10) << r->out;
  EXPECT_EQ(Field(r->out, "current_value"), committed) << r->out;
  EXPECT_EQ(CurrentValue(), committed);
  EXPECT_EQ(r->out.find("outcome_unknown"), std::string::npos) << r->out;
  // --quiet: no progress lines (a 2 s run would not reach the first one anyway, but no noise).
  EXPECT_EQ(r->err.find("rate="), std::string::npos) << r->err;
}

TEST_F(WriterReaderTest, OutboxModeInsertsPersonCreatedEvents) {
  auto r = RunProcess(
      Walrelay({"writer", "--dsn", server().conninfo(), "--outbox", "--duration", "1", "--quiet"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  int64_t committed = Field(r->out, "committed");
  EXPECT_GT(committed, 5) << r->out;
  EXPECT_EQ(r->out.find("current_value"), std::string::npos) << r->out;
  EXPECT_EQ(Sql("SELECT count(*) FROM public.outbox"), std::to_string(committed));
  // Every row has the seed writer's shape.
  EXPECT_EQ(Sql("SELECT count(*) FROM public.outbox WHERE aggregatetype = 'Person' "
                "AND type = 'PersonCreated' AND id IS NOT NULL "
                "AND aggregateid ~ '^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                "[0-9a-f]{12}$' AND aggregateid::uuid IS NOT NULL "
                "AND (SELECT array_agg(k) FROM jsonb_object_keys(payload) k) = ARRAY['Name'] "
                "AND payload->>'Name' ~ '^[A-Z][a-z]+ [A-Z][a-z]+$'"),
            std::to_string(committed));
  // Random ids and names, not one constant.
  EXPECT_EQ(Sql("SELECT count(DISTINCT aggregateid) = count(*) AND count(DISTINCT payload) > 1 "
                "FROM public.outbox"),
            "t");
}

TEST_F(WriterReaderTest, QueryModeRunsTheGivenSql) {
  Sql("DROP TABLE IF EXISTS public.query_rows; CREATE TABLE public.query_rows(x int)");
  auto r = RunProcess(
      Walrelay({"writer", "--dsn", server().conninfo(), "--query",
                "INSERT INTO public.query_rows VALUES (7)", "--duration", "1", "--quiet"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  int64_t committed = Field(r->out, "committed");
  EXPECT_GT(committed, 5) << r->out;
  EXPECT_EQ(Sql("SELECT count(*) FROM public.query_rows WHERE x = 7"), std::to_string(committed));
  EXPECT_EQ(CurrentValue(), 0) << "query mode must not touch debezium_table";
}

TEST_F(WriterReaderTest, QueryModeStopsOnAFailingStatement) {
  auto r = RunProcess(Walrelay({"writer", "--dsn", server().conninfo(), "--query",
                                "INSERT INTO public.no_such_table VALUES (1)", "--quiet"}),
                      seconds(20));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 1) << r->out << r->err;
  EXPECT_NE(r->err.find("no_such_table"), std::string::npos) << r->err;
  EXPECT_EQ(Field(r->out, "committed"), 0) << r->out;
}

TEST_F(WriterReaderTest, AdoNetConnectionStringFromTheEnvironment) {
  const std::string ado = "Server=127.0.0.1;Port=" + std::to_string(server().port()) +
                          ";Database=postgres;User Id=postgres;Password=postgres;";
  auto r = RunProcess({"/usr/bin/env", "CONNECTION_STRING=" + ado, WALRELAY_BINARY, "writer",
                       "--duration", "1", "--quiet"});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  int64_t committed = Field(r->out, "committed");
  EXPECT_GT(committed, 5) << r->out;
  EXPECT_EQ(CurrentValue(), committed);
}

TEST_F(WriterReaderTest, RateLimitsTransactionsPerSecond) {
  auto r = RunProcess(Walrelay(
      {"writer", "--dsn", server().conninfo(), "--rate", "20", "--duration", "2", "--quiet"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  int64_t committed = Field(r->out, "committed");
  EXPECT_GE(committed, 25) << r->out;
  EXPECT_LE(committed, 41) << r->out;
  EXPECT_EQ(CurrentValue(), committed);
}

TEST_F(WriterReaderTest, StopsOnSigtermAndReportsTheCount) {
  auto p = Process::Start(Walrelay({"writer", "--dsn", server().conninfo(), "--quiet"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(WaitFor("SELECT current_value > 50 FROM public.debezium_table", "t", "postgres"))
      << (*p)->Stderr();
  (*p)->Signal(SIGTERM);
  auto code = (*p)->Wait(seconds(10));
  ASSERT_TRUE(code.ok()) << "writer did not stop on SIGTERM";
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  EXPECT_EQ(Field((*p)->Stdout(), "committed"), CurrentValue()) << (*p)->Stdout();
}

TEST_F(WriterReaderTest, RejectsBadArgumentsAndDsns) {
  auto unknown_key = RunProcess(Walrelay({"writer", "--dsn", "Server=a;Flavour=b"}));
  ASSERT_TRUE(unknown_key.ok());
  EXPECT_EQ(unknown_key->exit_code, 2);
  EXPECT_NE(unknown_key->err.find("'Flavour'"), std::string::npos) << unknown_key->err;

  auto both = RunProcess(Walrelay({"writer", "--dsn", "dbname=x", "--outbox", "--query", "X"}));
  ASSERT_TRUE(both.ok());
  EXPECT_EQ(both->exit_code, 2);

  auto no_dsn = RunProcess({"/usr/bin/env", "-u", "CONNECTION_STRING", WALRELAY_BINARY, "reader"});
  ASSERT_TRUE(no_dsn.ok());
  EXPECT_EQ(no_dsn->exit_code, 2);
  EXPECT_NE(no_dsn->err.find("CONNECTION_STRING"), std::string::npos) << no_dsn->err;

  auto bad_count = RunProcess(Walrelay({"reader", "--dsn", "dbname=x", "--count", "0"}));
  ASSERT_TRUE(bad_count.ok());
  EXPECT_EQ(bad_count->exit_code, 2);

  // A database that does not exist is not "away": no retrying, exit 1 at once.
  auto start = std::chrono::steady_clock::now();
  auto no_db = RunProcess(Walrelay({"writer", "--dsn", server().conninfo("no_such_db")}));
  ASSERT_TRUE(no_db.ok());
  EXPECT_EQ(no_db->exit_code, 1) << no_db->err;
  EXPECT_NE(no_db->err.find("no_such_db"), std::string::npos) << no_db->err;
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(4));
}

// The seed's failover scenario in small: the server goes away mid-run and comes back; the writer
// logs it, reconnects on its 5 s retry and carries on, and its count still equals the table.
TEST_F(WriterReaderTest, WriterSurvivesAServerRestart) {
  auto p = Process::Start(Walrelay({"writer", "--dsn", server().conninfo(), "--duration", "14"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(WaitFor("SELECT current_value > 100 FROM public.debezium_table", "t", "postgres"))
      << (*p)->Stderr();
  std::this_thread::sleep_for(seconds(1));
  ASSERT_TRUE(server().Stop().ok());
  std::this_thread::sleep_for(seconds(1));
  ASSERT_TRUE(server().Restart().ok());
  const int64_t after_restart = CurrentValue();

  auto code = (*p)->Wait(seconds(40));
  ASSERT_TRUE(code.ok()) << "writer did not finish";
  const std::string out = (*p)->Stdout(), err = (*p)->Stderr();
  EXPECT_EQ(*code, 0) << err;
  const int64_t final_value = CurrentValue();
  EXPECT_GT(final_value, after_restart + 100) << "the writer did not carry on\n" << err;
  EXPECT_EQ(Field(out, "committed"), final_value) << out << err;
  EXPECT_EQ(Field(out, "current_value"), final_value) << out;
  EXPECT_EQ(out.find("outcome_unknown"), std::string::npos) << out << err;
  // One line when it went away, one when it came back; progress lines meanwhile.
  EXPECT_NE(err.find("lost the database connection"), std::string::npos) << err;
  EXPECT_NE(err.find("connected to the database again"), std::string::npos) << err;
  EXPECT_NE(err.find("rate="), std::string::npos) << err;
  EXPECT_EQ(err.find("database unavailable"), std::string::npos)
      << "the loss is logged once, as 'lost'\n"
      << err;
}

// A COMMIT that committed on the server while the connection died (here: waiting for a
// synchronous standby that never comes, then terminated, as in a failover): counting it as failed
// would leave the count one short, retrying it would add one too many. The writer asks
// txid_status() on the next connection.
TEST_F(WriterReaderTest, SettlesACommitCutOffAfterItCommitted) {
  Sql("DROP DATABASE IF EXISTS settle_committed");
  Sql("CREATE DATABASE settle_committed");
  Sql(kSourceSchema, "settle_committed");
  // Everyone else commits locally; the writer's sessions wait for a standby named `nobody`.
  Sql("ALTER SYSTEM SET synchronous_commit = local");
  Sql("ALTER SYSTEM SET synchronous_standby_names = 'nobody'");
  Sql("SELECT pg_reload_conf()");
  auto restore = [this] {
    Sql("ALTER SYSTEM RESET synchronous_standby_names");
    Sql("ALTER SYSTEM RESET synchronous_commit");
    Sql("SELECT pg_reload_conf()");
  };
  const std::string dsn =
      server().conninfo("settle_committed") + " options='-c synchronous_commit=on'";
  auto p = Process::Start(Walrelay({"writer", "--dsn", dsn, "--duration", "6", "--quiet"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  const std::string waiting =
      "SELECT count(*) FROM pg_stat_activity WHERE datname = 'settle_committed' "
      "AND wait_event = 'SyncRep'";
  bool hung = WaitFor(waiting, "1", "postgres");
  // The first upsert committed locally; its COMMIT never returns. Cut it off, then let the rest
  // commit normally.
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = 'settle_committed' AND wait_event = 'SyncRep'");
  restore();
  ASSERT_TRUE(hung) << (*p)->Stderr();

  auto code = (*p)->Wait(seconds(30));
  ASSERT_TRUE(code.ok()) << "writer did not finish";
  const std::string out = (*p)->Stdout(), err = (*p)->Stderr();
  EXPECT_EQ(*code, 0) << err;
  EXPECT_NE(err.find("whose COMMIT was cut off committed"), std::string::npos) << err;
  // The server's warning comes through the log, not libpq's raw stderr.
  EXPECT_NE(err.find("[writer] server: WARNING:  canceling the wait for synchronous replication"),
            std::string::npos)
      << err;
  EXPECT_EQ(Field(out, "committed"), CurrentValue("settle_committed")) << out << err;
  EXPECT_EQ(out.find("outcome_unknown"), std::string::npos) << out;
}

// The other fate: the connection dies while COMMIT runs a deferred trigger, before the commit
// record: the transaction rolled back and is not counted.
TEST_F(WriterReaderTest, SettlesACommitCutOffBeforeItCommitted) {
  Sql("DROP DATABASE IF EXISTS settle_aborted");
  Sql("CREATE DATABASE settle_aborted");
  Sql(std::string(kSourceSchema) +
          // Sleeps in the COMMIT of the 5th upsert only: a sequence is not rolled back.
          "CREATE SEQUENCE fired;"
          "CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
          "  IF NEW.current_value = 5 AND nextval('fired') = 1 THEN PERFORM pg_sleep(60); END "
          "IF;"
          "  RETURN NULL; END $$;"
          "CREATE CONSTRAINT TRIGGER slow AFTER INSERT OR UPDATE ON public.debezium_table "
          "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit();",
      "settle_aborted");
  auto p = Process::Start(Walrelay(
      {"writer", "--dsn", server().conninfo("settle_aborted"), "--duration", "4", "--quiet"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_TRUE(
      WaitFor("SELECT count(*) FROM pg_stat_activity WHERE datname = 'settle_aborted' "
              "AND wait_event = 'PgSleep' AND query = 'COMMIT'",
              "1", "postgres"))
      << (*p)->Stderr();
  Sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
      "WHERE datname = 'settle_aborted' AND wait_event = 'PgSleep'");

  auto code = (*p)->Wait(seconds(30));
  ASSERT_TRUE(code.ok()) << "writer did not finish";
  const std::string out = (*p)->Stdout(), err = (*p)->Stderr();
  EXPECT_EQ(*code, 0) << err;
  EXPECT_NE(err.find("connection lost during COMMIT"), std::string::npos) << err;
  EXPECT_NE(err.find("whose COMMIT was cut off was rolled back"), std::string::npos) << err;
  const int64_t value = CurrentValue("settle_aborted");
  EXPECT_GT(value, 5);
  EXPECT_EQ(Field(out, "committed"), value) << out << err;
}

TEST_F(WriterReaderTest, ReaderPrintsTheValueEachInterval) {
  Sql("INSERT INTO public.debezium_table VALUES (1, 123)");
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(
      Walrelay({"reader", "--dsn", server().conninfo(), "--count", "2", "--interval", "1"}));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0) << r->err;
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(900));
  const std::string line =
      "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z current_value=123\n";
  EXPECT_TRUE(std::regex_match(r->out, std::regex("(" + line + "){2}"))) << r->out;
}

// Started while the database is down (the seed starts its apps with the cluster): one log line,
// a retry every 5 s, then the reads.
TEST_F(WriterReaderTest, ReaderWaitsForTheDatabaseToComeUp) {
  Sql("INSERT INTO public.debezium_table VALUES (1, 77)");
  ASSERT_TRUE(server().Stop().ok());
  auto p = Process::Start(
      Walrelay({"reader", "--dsn", server().conninfo(), "--count", "1", "--interval", "1"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::this_thread::sleep_for(seconds(1));
  ASSERT_TRUE(server().Restart().ok());
  auto code = (*p)->Wait(seconds(15));
  ASSERT_TRUE(code.ok()) << "reader did not finish: " << (*p)->Stderr();
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  EXPECT_NE((*p)->Stdout().find(" current_value=77\n"), std::string::npos) << (*p)->Stdout();
  const std::string err = (*p)->Stderr();
  const size_t away = err.find("database unavailable");
  EXPECT_NE(away, std::string::npos) << err;
  EXPECT_EQ(err.find("database unavailable", away + 1), std::string::npos) << "logged once\n"
                                                                           << err;
  EXPECT_NE(err.find("connected to the database again"), std::string::npos) << err;
}

// On the destination the sink creates the table with its first record: the reader waits for
// it.
TEST_F(WriterReaderTest, ReaderWaitsForTheTableAndReadsTheAdoNetDsn) {
  Sql("DROP DATABASE IF EXISTS reader_later");
  Sql("CREATE DATABASE reader_later");
  const std::string ado = "Host=127.0.0.1;Port=" + std::to_string(server().port()) +
                          ";Database=reader_later;Username=postgres";
  auto p = Process::Start(Walrelay({"reader", "--dsn", ado, "--count", "1", "--interval", "0.2"}));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  std::this_thread::sleep_for(seconds(1));
  EXPECT_TRUE((*p)->Running()) << (*p)->Stdout() << (*p)->Stderr();
  // One transaction: the reader would otherwise see the table before the row.
  Sql("BEGIN;" + std::string(kSourceSchema) +
          "INSERT INTO public.debezium_table VALUES (1, 9); COMMIT;",
      "reader_later");
  auto code = (*p)->Wait(seconds(10));
  ASSERT_TRUE(code.ok()) << "reader did not finish: " << (*p)->Stderr();
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  EXPECT_NE((*p)->Stdout().find(" current_value=9\n"), std::string::npos) << (*p)->Stdout();
  EXPECT_NE((*p)->Stderr().find("waiting for it"), std::string::npos) << (*p)->Stderr();
}

}  // namespace
}  // namespace walrelay::testing
