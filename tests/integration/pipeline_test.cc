// `walrelay run SOURCE.json SINK.json` end to end: a real source and destination PostgreSQL, the
// seed's connector files, and the sink's failure modes.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using nlohmann::json;
using testing::PgServer;
using testing::Process;

class PipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto s = PgServer::Start();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    source_ = std::move(s).value().release();
    auto d = PgServer::Start();
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dest_ = std::move(d).value().release();
  }
  static void TearDownTestSuite() {
    delete source_;
    delete dest_;
  }

  void SetUp() override {
    db_ = "p_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (auto& ch : db_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(source_->CreateDatabase(db_).ok());
    ASSERT_TRUE(dest_->CreateDatabase(db_).ok());
    dir_ = testing::MakeTempDir();
  }
  void TearDown() override {
    (void)source_->Psql(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE database = '" +
        db_ + "' AND NOT active");
  }

  static std::string Trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }
  std::string Src(const std::string& sql) {
    auto r = source_->Psql(sql, db_);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }
  std::string Dst(const std::string& sql) {
    auto r = dest_->Psql(sql, db_);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }

  std::string WriteFile(const std::string& name, const json& config) {
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << json({{"name", name}, {"config", config}}).dump(2);
    return path;
  }
  std::string SourceFile(const std::map<std::string, json>& extra = {}) {
    json c = {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
              {"database.hostname", "127.0.0.1"},
              {"database.port", std::to_string(source_->port())},
              {"database.user", "postgres"},
              {"database.dbname", db_},
              {"topic.prefix", "srv"},
              {"slot.name", "slot_" + db_},
              {"publication.name", "pub_" + db_},
              {"transforms", "unwrap"},
              {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
              {"transforms.unwrap.delete.tombstone.handling.mode", "tombstone"}};
    for (const auto& [k, v] : extra) {
      if (v.is_null())
        c.erase(k);
      else
        c[k] = v;
    }
    return WriteFile("source", c);
  }
  std::string Url() const {
    return "jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) + "/" + db_ +
           "?user=postgres&password=postgres";
  }
  std::string SinkFile(const std::map<std::string, json>& extra = {}) {
    json c = {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
              {"connection.url", Url()},
              {"topics.regex", "srv\\.public\\..*"},
              {"transforms", "route"},
              {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
              {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
              {"transforms.route.replacement", "$2.$3"},
              {"insert.mode", "upsert"},
              {"pk.mode", "record_key"},
              {"delete.enabled", "true"},
              {"max.retries", "30"},
              {"retry.backoff.ms", "200"}};
    for (const auto& [k, v] : extra) {
      if (v.is_null())
        c.erase(k);
      else
        c[k] = v;
    }
    return WriteFile("sink", c);
  }
  testing::ProcessResult Run(const std::vector<std::string>& args, int timeout_s = 90) {
    std::vector<std::string> argv = {WALRELAY_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = testing::RunProcess(argv, std::chrono::seconds(timeout_s));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testing::ProcessResult{};
  }
  // The source slot's confirmed position: unchanged when nothing was confirmed.
  std::string SlotConfirmed() {
    return Src("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'slot_" +
               db_ + "'");
  }
  // Runs source -> sink once (creating the slot), makes `change` at the source, runs again: that
  // run must fail, its stderr naming `needle`, with nothing confirmed at the source.
  void ExpectChangeFailsNamingAndConfirmsNothing(const std::string& source, const std::string& sink,
                                                 const std::string& change,
                                                 const std::string& needle) {
    ASSERT_EQ(Run({source, sink, "--idle-exit", "1"}).exit_code, 0);
    std::string before = SlotConfirmed();
    Src(change);
    auto r = Run({source, sink, "--idle-exit", "3"});
    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
    EXPECT_EQ(SlotConfirmed(), before);
  }
  std::string Checksum(PgServer* s, const std::string& table, const std::string& order = "id") {
    auto r = s->Psql("SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY " +
                         order + ")), '') FROM " + table + " t",
                     db_);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? Trim(*r) : "";
  }

  static PgServer* source_;
  static PgServer* dest_;
  std::string db_, dir_;
};

PgServer* PipelineTest::source_ = nullptr;
PgServer* PipelineTest::dest_ = nullptr;

TEST_F(PipelineTest, SeedConnectorFilesRunUnchangedApartFromHosts) {
  std::string root = WALRELAY_SOURCE_DIR;
  ASSERT_TRUE(source_->Psql("DROP DATABASE IF EXISTS source_db").ok());
  ASSERT_TRUE(source_->CreateDatabase("source_db").ok());
  ASSERT_TRUE(dest_->Psql("DROP DATABASE IF EXISTS destination_db").ok());
  ASSERT_TRUE(dest_->CreateDatabase("destination_db").ok());
  std::ifstream sf(root + "/examples/seed/source-schema.sql"),
      df(root + "/examples/seed/destination-schema.sql");
  std::stringstream ss, ds;
  ss << sf.rdbuf();
  ds << df.rdbuf();
  ASSERT_TRUE(source_->Psql(ss.str(), "source_db").ok());
  ASSERT_TRUE(dest_->Psql(ds.str(), "destination_db").ok());
  ASSERT_TRUE(
      source_->Psql("INSERT INTO debezium_table VALUES (1, 10), (2, 20)", "source_db").ok());
  std::vector<std::string> args = {
      root + "/examples/seed/register-postgres.json",
      root + "/examples/seed/register-sink.json",
      "--set",
      "source-connector:database.hostname=127.0.0.1",
      "--set",
      "source-connector:database.port=" + std::to_string(source_->port()),
      "--set",
      "source-connector:offset.storage.file.filename=" + dir_ + "/off",
      "--set",
      "source-connector:heartbeat.interval.ms=500",
      "--set",
      "sink-connector:connection.url=jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) +
          "/destination_db?currentSchema=public&user=postgres&password=postgres",
  };
  auto p = Process::Start([&] {
    std::vector<std::string> argv = {WALRELAY_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }());
  ASSERT_TRUE(p.ok());
  std::this_thread::sleep_for(std::chrono::seconds(1));
  for (int i = 0; i < 30; ++i) {
    ASSERT_TRUE(
        source_
            ->Psql("UPDATE debezium_table SET current_value = current_value + 1 WHERE id = 1",
                   "source_db")
            .ok());
  }
  ASSERT_TRUE(source_->Psql("DELETE FROM debezium_table WHERE id = 2", "source_db").ok());
  // The seed captures its own heartbeat table, so the run is never idle: wait for the value.
  for (int i = 0; i < 300; ++i) {
    auto v = dest_->Psql("SELECT current_value FROM debezium_table WHERE id = 1", "destination_db");
    if (v.ok() && Trim(*v) == "40") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  (*p)->Signal(SIGTERM);
  auto code = (*p)->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  // The seed's Avro converters are not refused here: with sinks in process nothing is serialized,
  // and one line says so. The signal table, not read yet, is named at start.
  const std::string err = (*p)->Stderr();
  EXPECT_NE(err.find("key and value converters are not used: records go to the sinks in process, "
                     "not serialized (set: source-connector "
                     "key.converter=io.confluent.connect.avro.AvroConverter"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("property 'signal.data.collection' is accepted, not implemented yet"),
            std::string::npos)
      << err;
  auto dst =
      dest_->Psql("SELECT id, current_value FROM debezium_table ORDER BY id", "destination_db");
  ASSERT_TRUE(dst.ok());
  // The seed's unwrap keeps Debezium 2.x defaults (deletes dropped), so row 2 stays.
  EXPECT_EQ(Trim(*dst), "1|40\n2|20");
  // The heartbeat action query ran on the source.
  auto hb = source_->Psql(
      "SELECT last_heartbeat_ts > now() - interval '1 minute' FROM debezium_heartbeat "
      "ORDER BY 1 DESC LIMIT 1",
      "source_db");
  ASSERT_TRUE(hb.ok());
  EXPECT_EQ(Trim(*hb), "t");
  (void)source_->Psql("SELECT pg_drop_replication_slot('source_slot')");
}

TEST_F(PipelineTest, InsertsUpdatesAndDeletesReachTheDestination) {
  Src("CREATE TABLE a(id int primary key, v text, n numeric(10,2), ts timestamptz)");
  Src("INSERT INTO a SELECT g, 'v' || g, g / 3.0, '2024-01-01'::timestamptz + g * interval '1 "
      "hour' "
      "FROM generate_series(1, 100) g");
  auto r = Run({SourceFile(), SinkFile({{"auto.create", "true"}}), "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Checksum(source_, "a"), Checksum(dest_, "a"));
  Src("UPDATE a SET v = 'changed' WHERE id % 7 = 0");
  Src("DELETE FROM a WHERE id % 5 = 0");
  Src("INSERT INTO a VALUES (1000, NULL, NULL, NULL)");
  r = Run({SourceFile(), SinkFile({{"auto.create", "true"}}), "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Checksum(source_, "a"), Checksum(dest_, "a"));
  // Positions live in the destination, written with the rows.
  EXPECT_EQ(Dst("SELECT count(*) FROM walrelay_offsets WHERE connector = 'sink'"), "1");
}

TEST_F(PipelineTest, DebeziumSinkReadsEnvelopesAndEvolvesSchema) {
  Src("CREATE TABLE e(id int primary key, v text)");
  Src("INSERT INTO e VALUES (1, 'a'), (2, 'b')");
  std::string source = SourceFile({{"transforms", nullptr},
                                   {"transforms.unwrap.type", nullptr},
                                   {"transforms.unwrap.delete.tombstone.handling.mode", nullptr}});
  std::string sink = SinkFile({{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
                               {"insert.mode", "upsert"},
                               {"pk.mode", nullptr},
                               {"primary.key.mode", "record_key"},
                               {"schema.evolution", "basic"},
                               {"auto.create", nullptr},
                               {"collection.name.format", "${source.table}"}});
  auto r = Run({source, sink, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Dst("SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM e"), "1=a,2=b");
  Src("ALTER TABLE e ADD COLUMN extra int");
  Src("UPDATE e SET extra = 10 WHERE id = 1");
  Src("DELETE FROM e WHERE id = 2");
  r = Run({source, sink, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Dst("SELECT string_agg(id || '=' || v || '/' || coalesce(extra::text, '-'), ',' ORDER "
                "BY id) FROM e"),
            "1=a/10");
}

// Two sinks of one source, each with its own transforms: the first works on copies of the
// records, the last on the records themselves; each destination gets the whole table.
TEST_F(PipelineTest, TwoSinksWithTheirOwnTransformsEachGetEveryChange) {
  ASSERT_TRUE(dest_->CreateDatabase(db_ + "_b").ok());
  Src("CREATE TABLE t(id int primary key, v text)");
  Src("INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 300) g");
  std::string source = SourceFile({{"transforms", nullptr},
                                   {"transforms.unwrap.type", nullptr},
                                   {"transforms.unwrap.delete.tombstone.handling.mode", nullptr}});
  std::string envelopes =
      SinkFile({{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
                {"pk.mode", nullptr},
                {"primary.key.mode", "record_key"},
                {"schema.evolution", "basic"},
                {"auto.create", nullptr},
                {"transforms", nullptr},
                {"transforms.route.type", nullptr},
                {"transforms.route.regex", nullptr},
                {"transforms.route.replacement", nullptr},
                {"collection.name.format", "${source.table}"}});
  json flat = {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
               {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(dest_->port()) +
                                      "/" + db_ + "_b?user=postgres&password=postgres"},
               {"topics.regex", "srv\\.public\\..*"},
               {"transforms", "unwrap,route"},
               {"transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"},
               {"transforms.unwrap.delete.tombstone.handling.mode", "tombstone"},
               {"transforms.route.type", "org.apache.kafka.connect.transforms.RegexRouter"},
               {"transforms.route.regex", "([^.]+)\\.([^.]+)\\.([^.]+)"},
               {"transforms.route.replacement", "$3"},
               {"insert.mode", "upsert"},
               {"pk.mode", "record_key"},
               {"delete.enabled", "true"},
               {"auto.create", "true"}};
  std::string flat_file = WriteFile("sink_b", flat);
  auto r = Run({source, envelopes, flat_file, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Src("UPDATE t SET v = 'changed' WHERE id % 3 = 0");
  Src("DELETE FROM t WHERE id % 10 = 0");
  r = Run({source, envelopes, flat_file, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string want = Checksum(source_, "t");
  EXPECT_EQ(Checksum(dest_, "t"), want);
  auto b = dest_->Psql(
      "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, ',' ORDER BY id)), '') FROM t",
      db_ + "_b");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(Trim(*b), want);
}

// The Confluent sink given Debezium envelopes (no ExtractNewRecordState): the connector fails
// saying so, and nothing is confirmed at the source.
TEST_F(PipelineTest, EnvelopesGivenToTheConfluentSinkFailClearly) {
  Src("CREATE TABLE env(id int primary key, v text)");
  std::string source = SourceFile({{"snapshot.mode", "never"},
                                   {"transforms", nullptr},
                                   {"transforms.unwrap.type", nullptr},
                                   {"transforms.unwrap.delete.tombstone.handling.mode", nullptr}});
  ExpectChangeFailsNamingAndConfirmsNothing(source, SinkFile({{"auto.create", "true"}}),
                                            "INSERT INTO env VALUES (1, 'x')",
                                            "ExtractNewRecordState");
}

TEST_F(PipelineTest, MissingTableFailsNamingItAndConfirmsNothing) {
  Src("CREATE TABLE missing_here(id int primary key)");
  std::string source = SourceFile({{"snapshot.mode", "never"}});
  ExpectChangeFailsNamingAndConfirmsNothing(source, SinkFile({{"auto.create", "false"}}),
                                            "INSERT INTO missing_here VALUES (1)", "missing_here");
  ASSERT_FALSE(HasFatalFailure());  // the helper's first run failed
  // Once the table exists, the change arrives: nothing was lost.
  Dst("CREATE TABLE missing_here(id int primary key)");
  auto r = Run({source, SinkFile({{"auto.create", "false"}}), "--idle-exit", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Dst("SELECT count(*) FROM missing_here"), "1");
}

TEST_F(PipelineTest, ConstraintViolationNamesTheKey) {
  Src("CREATE TABLE c(id int primary key, v int)");
  Dst("CREATE TABLE c(id int primary key, v int CHECK (v < 100))");
  std::string source = SourceFile({{"snapshot.mode", "never"}});
  ASSERT_EQ(Run({source, SinkFile(), "--idle-exit", "1"}).exit_code, 0);
  Src("INSERT INTO c VALUES (1, 1), (42, 500)");
  auto r = Run({source, SinkFile(), "--idle-exit", "3"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("42"), std::string::npos) << r.err;
  EXPECT_EQ(Dst("SELECT count(*) FROM c"), "0");  // the whole source transaction or nothing
}

TEST_F(PipelineTest, DestinationRestartMidRunLosesNothingAndDuplicatesNothing) {
  Src("CREATE TABLE ledger(id bigserial primary key, tx int not null, amount int not null)");
  Dst("CREATE TABLE ledger(id bigint primary key, tx int not null, amount int not null)");
  std::string source = SourceFile({{"snapshot.mode", "never"}});
  std::string sink =
      SinkFile({{"insert.mode", "insert"}});  // plain INSERT: a replay would fail on the key
  ASSERT_EQ(Run({source, sink, "--idle-exit", "1"}).exit_code, 0);
  auto p = Process::Start({WALRELAY_BINARY, "run", source, sink, "--idle-exit", "5"});
  ASSERT_TRUE(p.ok());
  std::thread writer([&] {
    for (int tx = 0; tx < 400; ++tx) {
      (void)source_->Psql("INSERT INTO ledger(tx, amount) VALUES (" + std::to_string(tx) +
                              ", 5), (" + std::to_string(tx) + ", -5)",
                          db_);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  ASSERT_TRUE(dest_->Stop().ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_TRUE(dest_->Restart().ok());
  writer.join();
  auto code = (*p)->Wait(std::chrono::seconds(90));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  EXPECT_EQ(Checksum(source_, "ledger"), Checksum(dest_, "ledger"));
  EXPECT_EQ(
      Dst("SELECT count(*) FROM (SELECT tx FROM ledger GROUP BY tx HAVING sum(amount) <> 0) x"),
      "0");
  EXPECT_NE((*p)->Stderr().find("retrying"), std::string::npos) << (*p)->Stderr();
}

}  // namespace
}  // namespace walrelay
