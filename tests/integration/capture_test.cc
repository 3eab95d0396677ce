// End-to-end tests of `walrelay run` against a real PostgreSQL: the binary is run as a user runs
// it, its stdout parsed as JSON lines, and the database checked with psql.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "registry/avro_schema_checker.h"
#include "registry/test_served_registry.h"
#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay {
namespace {

using nlohmann::json;
using testing::PgServer;
using testing::Process;

class CaptureTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PgServer::Options options;
    options.max_replication_slots = 40;
    options.max_wal_senders = 40;
    auto s = PgServer::Start(options);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    server_ = std::move(s).value().release();
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    // One database per test keeps slots, publications and tables apart.
    db_ = "t_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
    for (auto& ch : db_) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    ASSERT_TRUE(server_->CreateDatabase(db_).ok());
    dir_ = testing::MakeTempDir();
  }

  void TearDown() override {
    // Slots outlive their database's tests and count against max_replication_slots.
    auto r = server_->Psql(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots "
        "WHERE database = '" +
        db_ + "' AND NOT active");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
  }

  std::string Sql(const std::string& sql) {
    auto r = server_->Psql(sql, db_);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return "";
    std::string out = *r;
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  }

  // Writes a connector file for this test's database; `extra` overrides and adds properties.
  std::string Connector(const std::map<std::string, json>& extra = {},
                        const std::string& name = "src") {
    json config = {
        {"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
        {"database.hostname", "127.0.0.1"},
        {"database.port", std::to_string(server_->port())},
        {"database.user", "postgres"},
        {"database.password", "postgres"},
        {"database.dbname", db_},
        {"topic.prefix", "srv"},
        {"plugin.name", "pgoutput"},
        {"slot.name", "slot_" + db_},
        {"publication.name", "pub_" + db_},
        {"offset.storage.file.filename", dir_ + "/" + name + ".offset"},
    };
    for (const auto& [k, v] : extra) {
      if (v.is_null())
        config.erase(k);
      else
        config[k] = v;
    }
    json file = {{"name", name}, {"config", config}};
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << file.dump(2);
    return path;
  }

  testing::ProcessResult Run(const std::vector<std::string>& args, int timeout_s = 60) {
    std::vector<std::string> argv = {WALRELAY_BINARY, "run"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = testing::RunProcess(argv, std::chrono::seconds(timeout_s));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : testing::ProcessResult{};
  }

  static std::vector<json> Lines(const std::string& out) {
    std::vector<json> lines;
    size_t pos = 0;
    while (pos < out.size()) {
      size_t nl = out.find('\n', pos);
      if (nl == std::string::npos) nl = out.size();
      std::string line = out.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      json j = json::parse(line, nullptr, false);
      EXPECT_FALSE(j.is_discarded()) << "not JSON: " << line;
      if (!j.is_discarded()) lines.push_back(j);
    }
    return lines;
  }
  // Records for one table topic (skips heartbeats and other tables).
  static std::vector<json> ForTopic(const std::vector<json>& lines, const std::string& topic) {
    std::vector<json> out;
    for (const auto& l : lines) {
      if (l["topic"] == topic) out.push_back(l);
    }
    return out;
  }

  // How many records of `topic` carry each `after.id`.
  static std::map<int, int> IdCounts(const std::vector<json>& lines, const std::string& topic) {
    std::map<int, int> seen;
    for (const auto& l : ForTopic(lines, topic)) {
      seen[l["value"]["payload"]["after"]["id"].get<int>()]++;
    }
    return seen;
  }

  static PgServer* server_;
  std::string db_;
  std::string dir_;
};

PgServer* CaptureTest::server_ = nullptr;

TEST_F(CaptureTest, SnapshotThenStreamingWithoutGapOrDuplicate) {
  Sql("CREATE TABLE t(id int primary key, v text)");
  Sql("INSERT INTO t SELECT g, 'row' || g FROM generate_series(1, 500) g");
  auto proc = Process::Start({WALRELAY_BINARY, "run", Connector(), "--idle-exit", "4"});
  ASSERT_TRUE(proc.ok());
  // Concurrent single-row transactions while the snapshot runs and after.
  for (int i = 501; i <= 700; ++i) Sql("INSERT INTO t VALUES (" + std::to_string(i) + ", 'x')");
  auto code = (*proc)->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << (*proc)->Stderr();
  auto recs = ForTopic(Lines((*proc)->Stdout()), "srv.public.t");
  std::map<int, int> seen;
  int reads = 0;
  for (const auto& r : recs) {
    const json& v = r["value"]["payload"];
    seen[v["after"]["id"].get<int>()]++;
    if (v["op"] == "r")
      ++reads;
    else
      EXPECT_EQ(v["op"], "c");
  }
  EXPECT_EQ(seen.size(), 700u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << "id " << id;
  EXPECT_GE(reads, 500);
  // The final snapshot record is marked "last".
  int last = 0;
  for (const auto& r : recs) last += r["value"]["payload"]["source"]["snapshot"] == "last";
  EXPECT_EQ(last, 1);
}

// A transaction whose commit record is in the WAL but which is not yet visible (its backend waits
// for a synchronous standby) when the snapshot starts must reach the output exactly once: in the
// snapshot or in the stream. Reading the WAL position and then taking a snapshot loses it.
TEST_F(CaptureTest, TransactionCommittingDuringTheSnapshotStartIsNotLost) {
  Sql("CREATE TABLE t(id int primary key, v text)");
  Sql("INSERT INTO t VALUES (1, 'before')");
  Sql("CREATE PUBLICATION pub_" + db_ + " FOR ALL TABLES");
  Sql("SELECT 1 FROM pg_create_logical_replication_slot('slot_" + db_ + "', 'pgoutput')");
  auto sync_rep = [](const char* value) {
    auto set =
        server_->Psql(std::string("ALTER SYSTEM SET synchronous_standby_names = '") + value + "'");
    auto reload = server_->Psql("SELECT pg_reload_conf()");
    return set.ok() && reload.ok();
  };
  // Commits wait for a standby that does not exist: in the WAL, not visible until released.
  ASSERT_TRUE(sync_rep("nobody"));
  // Releases the waiting commit and joins its thread, also when an assertion ends the test.
  struct Held {
    std::function<bool(const char*)> release;
    std::thread writer;
    ~Held() {
      release("");
      if (writer.joinable()) writer.join();
    }
  } held{sync_rep, {}};
  held.writer =
      std::thread([this] { (void)server_->Psql("INSERT INTO t VALUES (2, 'in doubt')", db_); });
  bool waiting = false;
  for (int i = 0; i < 100 && !waiting; ++i) {
    waiting = Sql("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'SyncRep'") == "1";
    if (!waiting) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(waiting);
  auto proc = Process::Start({WALRELAY_BINARY, "run",
                              Connector({{"publication.autocreate.mode", "disabled"}}),
                              "--idle-exit", "4"});
  ASSERT_TRUE(proc.ok());
  std::this_thread::sleep_for(std::chrono::seconds(3));
  EXPECT_TRUE(sync_rep(""));
  held.writer.join();
  Sql("INSERT INTO t VALUES (3, 'after')");
  auto code = (*proc)->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << (*proc)->Stderr();
  EXPECT_EQ(IdCounts(Lines((*proc)->Stdout()), "srv.public.t"),
            (std::map<int, int>{{1, 1}, {2, 1}, {3, 1}}))
      << (*proc)->Stderr();
}

TEST_F(CaptureTest, DmlEventsInDebeziumFormat) {
  Sql("CREATE TABLE items(id int primary key, name text not null, qty int)");
  Sql("CREATE TABLE full_items(id int primary key, name text)");
  Sql("ALTER TABLE full_items REPLICA IDENTITY FULL");
  std::string file = Connector({{"skipped.operations", "none"}, {"snapshot.mode", "never"}});
  // Create the slot first, then make changes, then read them.
  auto first = Run({file, "--idle-exit", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  Sql("INSERT INTO items VALUES (1, 'apple', 5)");
  Sql("UPDATE items SET qty = 6 WHERE id = 1");
  Sql("DELETE FROM items WHERE id = 1");
  Sql("INSERT INTO full_items VALUES (7, 'a')");
  Sql("UPDATE full_items SET name = 'b' WHERE id = 7");
  Sql("DELETE FROM full_items WHERE id = 7");
  Sql("TRUNCATE items");
  auto r = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Lines(r.out);
  auto items = ForTopic(lines, "srv.public.items");
  ASSERT_EQ(items.size(), 5u) << r.out;  // c, u, d, tombstone, t
  const json& c = items[0]["value"];
  EXPECT_EQ(c["schema"]["name"], "srv.public.items.Envelope");
  EXPECT_EQ(c["payload"]["op"], "c");
  EXPECT_TRUE(c["payload"]["before"].is_null());
  EXPECT_EQ(c["payload"]["after"], json({{"id", 1}, {"name", "apple"}, {"qty", 5}}));
  const json& src = c["payload"]["source"];
  EXPECT_EQ(src["connector"], "postgresql");
  EXPECT_EQ(src["name"], "srv");
  EXPECT_EQ(src["db"], db_);
  EXPECT_EQ(src["schema"], "public");
  EXPECT_EQ(src["table"], "items");
  EXPECT_EQ(src["snapshot"], "false");
  EXPECT_TRUE(src["txId"].is_number_integer());
  EXPECT_TRUE(src["lsn"].is_number_integer());
  EXPECT_TRUE(c["payload"]["ts_ms"].is_number_integer());
  EXPECT_EQ(items[0]["key"]["schema"]["name"], "srv.public.items.Key");
  EXPECT_EQ(items[0]["key"]["payload"], json({{"id", 1}}));
  EXPECT_EQ(items[1]["value"]["payload"]["op"], "u");
  EXPECT_TRUE(items[1]["value"]["payload"]["before"].is_null());  // default replica identity
  EXPECT_EQ(items[1]["value"]["payload"]["after"]["qty"], 6);
  EXPECT_EQ(items[2]["value"]["payload"]["op"], "d");
  EXPECT_EQ(items[2]["value"]["payload"]["before"]["id"], 1);
  EXPECT_TRUE(items[2]["value"]["payload"]["after"].is_null());
  EXPECT_TRUE(items[3]["value"].is_null());  // tombstone
  EXPECT_EQ(items[3]["key"]["payload"]["id"], 1);
  EXPECT_EQ(items[4]["value"]["payload"]["op"], "t");
  auto full = ForTopic(lines, "srv.public.full_items");
  ASSERT_EQ(full.size(), 4u);
  EXPECT_EQ(full[1]["value"]["payload"]["before"], json({{"id", 7}, {"name", "a"}}));
  EXPECT_EQ(full[2]["value"]["payload"]["before"], json({{"id", 7}, {"name", "b"}}));
}

// provide.transaction.metadata: each transaction's changes come between its BEGIN and END events,
// in order, each numbered within the transaction; END counts them. As Debezium does, a transaction
// whose changes are all of tables left out has BEGIN and END too, END 0; one whose changes are all
// skipped operations has none.
TEST_F(CaptureTest, TransactionMetadataBracketsEachTransaction) {
  Sql("CREATE TABLE t(id int primary key, v int)");
  Sql("CREATE TABLE excluded(id int primary key)");
  std::string file = Connector({{"provide.transaction.metadata", "true"},
                                {"snapshot.mode", "never"},
                                {"table.exclude.list", "public\\.excluded"},
                                {"skipped.operations", "u"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  Sql("BEGIN; INSERT INTO t VALUES (1, 1); INSERT INTO t VALUES (2, 2); COMMIT;");
  Sql("INSERT INTO t VALUES (3, 3)");
  Sql("INSERT INTO excluded VALUES (1)");
  Sql("UPDATE t SET v = 4 WHERE id = 3");  // a skipped operation: no BEGIN, no END
  auto r = Run({file, "--idle-exit", "2"});
  std::vector<std::string> seen;
  std::string begin_id;
  for (const auto& l : Lines(r.out)) {
    const json& p = l["value"]["payload"];
    if (l["topic"] == "srv.transaction") {
      std::string e = p["status"].get<std::string>();
      if (e == "BEGIN") begin_id = p["id"].get<std::string>();
      if (e == "END") e += " " + std::to_string(p["event_count"].get<int>());
      seen.push_back(e);
    } else if (l["topic"] == "srv.public.t") {
      seen.push_back(std::to_string(p["after"]["id"].get<int>()) + "#" +
                     std::to_string(p["transaction"]["total_order"].get<int>()));
      // As Debezium's: BEGIN's id is the first event's transaction id ("<xid>:<its LSN>").
      if (p["transaction"]["total_order"] == 1) {
        EXPECT_EQ(p["transaction"]["id"], begin_id) << l.dump();
      }
    }
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"BEGIN", "1#1", "2#2", "END 2", "BEGIN", "3#1", "END 1",
                                            "BEGIN", "END 0"}))
      << r.out;
}

TEST_F(CaptureTest, SkippedOperationsAndNoTombstones) {
  Sql("CREATE TABLE t(id int primary key, v int)");
  std::string file = Connector(
      {{"skipped.operations", "u"}, {"tombstones.on.delete", "false"}, {"snapshot.mode", "never"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  Sql("INSERT INTO t VALUES (1, 1)");
  Sql("UPDATE t SET v = 2");
  Sql("DELETE FROM t");
  Sql("TRUNCATE t");
  auto r = Run({file, "--idle-exit", "2"});
  auto recs = ForTopic(Lines(r.out), "srv.public.t");
  // c, d, t: no u, no tombstone; naming skipped.operations replaces its default ("t").
  ASSERT_EQ(recs.size(), 3u) << r.out;
  EXPECT_EQ(recs[0]["value"]["payload"]["op"], "c");
  EXPECT_EQ(recs[1]["value"]["payload"]["op"], "d");
  EXPECT_EQ(recs[2]["value"]["payload"]["op"], "t");
}

TEST_F(CaptureTest, ResumesFromOffsetFileWithoutDuplicates) {
  Sql("CREATE TABLE t(id int primary key)");
  std::string file = Connector({{"snapshot.mode", "never"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  for (int i = 1; i <= 10; ++i) Sql("INSERT INTO t VALUES (" + std::to_string(i) + ")");
  auto a = Run({file, "--max-records", "4"});
  ASSERT_EQ(a.exit_code, 0) << a.err;
  auto b = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  auto ra = ForTopic(Lines(a.out), "srv.public.t");
  auto rb = ForTopic(Lines(b.out), "srv.public.t");
  ASSERT_EQ(ra.size(), 4u);
  ASSERT_EQ(rb.size(), 6u) << b.out;
  EXPECT_EQ(ra[3]["value"]["payload"]["after"]["id"], 4);
  EXPECT_EQ(rb[0]["value"]["payload"]["after"]["id"], 5);
}

TEST_F(CaptureTest, KillNineLosesNothing) {
  Sql("CREATE TABLE t(id int primary key, tx int)");
  std::string file = Connector({{"snapshot.mode", "never"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  // 300 transactions of 5 rows.
  std::string load;
  for (int tx = 0; tx < 300; ++tx) {
    load += "BEGIN;";
    for (int k = 0; k < 5; ++k) {
      int id = tx * 5 + k;
      load += "INSERT INTO t VALUES (" + std::to_string(id) + "," + std::to_string(tx) + ");";
    }
    load += "COMMIT;";
  }
  Sql(load);
  std::vector<json> all;
  // Kill the reader a few times at different moments, then let it finish.
  for (int round = 0; round < 3; ++round) {
    auto p = Process::Start({WALRELAY_BINARY, "run", file});
    ASSERT_TRUE(p.ok());
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 120 * round));
    (*p)->Signal(SIGKILL);
    ASSERT_TRUE((*p)->Wait(std::chrono::seconds(10)).ok());
    for (auto& l : Lines((*p)->Stdout())) all.push_back(l);
  }
  auto last = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(last.exit_code, 0) << last.err;
  for (auto& l : Lines(last.out)) all.push_back(l);
  std::map<int, int> seen = IdCounts(all, "srv.public.t");
  EXPECT_EQ(seen.size(), 1500u);
  int dups = 0;
  for (const auto& [id, n] : seen) dups += n - 1;
  // At most the transaction in flight at each kill (5 rows) is emitted again.
  EXPECT_LE(dups, 3 * 5);
}

TEST_F(CaptureTest, SnapshotModeNeverSkipsExistingRows) {
  Sql("CREATE TABLE t(id int primary key)");
  Sql("INSERT INTO t VALUES (1), (2)");
  auto r = Run({Connector({{"snapshot.mode", "never"}}), "--idle-exit", "1"});
  EXPECT_TRUE(ForTopic(Lines(r.out), "srv.public.t").empty());
  Sql("INSERT INTO t VALUES (3)");
  r = Run({Connector({{"snapshot.mode", "never"}}), "--idle-exit", "2"});
  auto recs = ForTopic(Lines(r.out), "srv.public.t");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["value"]["payload"]["after"]["id"], 3);
}

TEST_F(CaptureTest, SnapshotModeInitialOnlyStopsAfterSnapshot) {
  Sql("CREATE TABLE t(id int primary key)");
  Sql("INSERT INTO t VALUES (1), (2), (3)");
  auto r = Run({Connector({{"snapshot.mode", "initial_only"}})}, 30);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto recs = ForTopic(Lines(r.out), "srv.public.t");
  ASSERT_EQ(recs.size(), 3u);
  for (const auto& rec : recs) EXPECT_EQ(rec["value"]["payload"]["op"], "r");
}

TEST_F(CaptureTest, SnapshotModeAlwaysSnapshotsOnEveryStart) {
  Sql("CREATE TABLE t(id int primary key)");
  Sql("INSERT INTO t VALUES (1), (2)");
  std::string file = Connector({{"snapshot.mode", "always"}});
  auto a = Run({file, "--idle-exit", "1"});
  Sql("INSERT INTO t VALUES (3)");
  auto b = Run({file, "--idle-exit", "1"});
  EXPECT_EQ(ForTopic(Lines(a.out), "srv.public.t").size(), 2u);
  auto recs = ForTopic(Lines(b.out), "srv.public.t");
  ASSERT_EQ(recs.size(), 3u) << b.out;  // a new snapshot of 3 rows; the insert is not repeated
  for (const auto& rec : recs) EXPECT_EQ(rec["value"]["payload"]["op"], "r");
}

TEST_F(CaptureTest, SnapshotModeWhenNeededResnapshotsWhenSlotIsGone) {
  Sql("CREATE TABLE t(id int primary key)");
  Sql("INSERT INTO t VALUES (1)");
  std::string initial = Connector({{"snapshot.mode", "initial"}});
  auto a = Run({initial, "--idle-exit", "1"});
  EXPECT_EQ(ForTopic(Lines(a.out), "srv.public.t").size(), 1u);
  Sql("SELECT pg_drop_replication_slot('slot_" + db_ + "')");
  // initial: the slot is gone and the stored offset cannot be honoured: a clear failure.
  auto b = Run({initial, "--idle-exit", "1"});
  EXPECT_NE(b.exit_code, 0);
  EXPECT_NE(b.err.find("slot_" + db_), std::string::npos) << b.err;
  EXPECT_NE(b.err.find("does not exist"), std::string::npos) << b.err;
  auto c = Run({Connector({{"snapshot.mode", "when_needed"}}), "--idle-exit", "1"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_EQ(ForTopic(Lines(c.out), "srv.public.t").size(), 1u);
}

TEST_F(CaptureTest, InterruptedSnapshotResumes) {
  Sql("CREATE TABLE a(id int primary key)");
  Sql("CREATE TABLE b(id int primary key)");
  Sql("INSERT INTO a SELECT generate_series(1, 50)");
  Sql("INSERT INTO b SELECT generate_series(1, 50)");
  std::string file = Connector({{"snapshot.fetch.size", "10"}});
  auto first = Run({file, "--max-records", "60"});  // all of a, part of b
  EXPECT_EQ(first.exit_code, 0);
  Sql("INSERT INTO a VALUES (51)");
  auto second = Run({file, "--idle-exit", "2"});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  auto la = ForTopic(Lines(second.out), "srv.public.a");
  auto lb = ForTopic(Lines(second.out), "srv.public.b");
  // Table a was done: only its new row arrives, from the stream. Table b is read again.
  ASSERT_EQ(la.size(), 1u) << second.out;
  EXPECT_EQ(la[0]["value"]["payload"]["op"], "c");
  EXPECT_EQ(lb.size(), 50u);
}

TEST_F(CaptureTest, SlotOlderThanPublicationIsHandled) {
  // A Patroni permanent slot exists before any publication, and tables change before it exists.
  Sql("CREATE TABLE t(id int primary key)");
  Sql("SELECT pg_create_logical_replication_slot('slot_" + db_ + "', 'pgoutput')");
  Sql("INSERT INTO t VALUES (1), (2)");
  auto r = Run(
      {Connector({{"publication.autocreate.mode", "filtered"}, {"table.include.list", "public.t"}}),
       "--idle-exit", "2"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  Sql("INSERT INTO t VALUES (3)");
  auto r2 = Run(
      {Connector({{"publication.autocreate.mode", "filtered"}, {"table.include.list", "public.t"}}),
       "--idle-exit", "2"});
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
  std::set<int> ids;
  for (const auto& l : ForTopic(Lines(r.out + r2.out), "srv.public.t")) {
    ids.insert(l["value"]["payload"]["after"]["id"].get<int>());
  }
  EXPECT_EQ(ids, (std::set<int>{1, 2, 3}));
}

TEST_F(CaptureTest, FilteredPublicationFollowsIncludeList) {
  Sql("CREATE TABLE a(id int primary key)");
  Sql("CREATE TABLE b(id int primary key)");
  Sql("CREATE TABLE a2(id int primary key)");
  auto r = Run({Connector({{"publication.autocreate.mode", "filtered"},
                           {"table.include.list", "public.a"},
                           {"snapshot.mode", "never"}}),
                "--idle-exit", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
                "WHERE pubname = 'pub_" +
                db_ + "'"),
            "a");
  r = Run({Connector({{"publication.autocreate.mode", "filtered"},
                      {"table.include.list", "public.a,public.b"},
                      {"snapshot.mode", "never"}}),
           "--idle-exit", "1"});
  EXPECT_EQ(Sql("SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_publication_tables "
                "WHERE pubname = 'pub_" +
                db_ + "'"),
            "a,b");
}

TEST_F(CaptureTest, PublicationModes) {
  Sql("CREATE TABLE a(id int primary key)");
  // disabled: a missing publication is an error naming it.
  auto d = Run({Connector({{"publication.autocreate.mode", "disabled"}}), "--idle-exit", "1"});
  EXPECT_NE(d.exit_code, 0);
  EXPECT_NE(d.err.find("pub_" + db_), std::string::npos) << d.err;
  // no_tables: created empty.
  auto n =
      Run({Connector({{"publication.autocreate.mode", "no_tables"}, {"snapshot.mode", "never"}}),
           "--idle-exit", "1"});
  EXPECT_EQ(n.exit_code, 0) << n.err;
  EXPECT_EQ(Sql("SELECT count(*) FROM pg_publication_tables WHERE pubname = 'pub_" + db_ + "'"),
            "0");
  Sql("DROP PUBLICATION pub_" + db_);
  auto all =
      Run({Connector({{"publication.autocreate.mode", "all_tables"}, {"snapshot.mode", "never"}}),
           "--idle-exit", "1"});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(Sql("SELECT puballtables FROM pg_publication WHERE pubname = 'pub_" + db_ + "'"), "t");
}

TEST_F(CaptureTest, TableSchemaAndColumnFilters) {
  Sql("CREATE SCHEMA other");
  Sql("CREATE TABLE public.keep(id int primary key, secret text, v text)");
  Sql("CREATE TABLE public.drop_me(id int primary key)");
  Sql("CREATE TABLE other.t(id int primary key)");
  Sql("INSERT INTO public.keep VALUES (1, 's', 'v')");
  Sql("INSERT INTO public.drop_me VALUES (1)");
  Sql("INSERT INTO other.t VALUES (1)");
  auto topics = [&](const std::map<std::string, json>& props) {
    auto r = Run({Connector(props), "--idle-exit", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::set<std::string> t;
    for (const auto& l : Lines(r.out)) t.insert(l["topic"].get<std::string>());
    Sql("SELECT pg_drop_replication_slot('slot_" + db_ + "')");
    Sql("DROP PUBLICATION IF EXISTS pub_" + db_);
    std::filesystem::remove(dir_ + "/src.offset");
    return std::pair(t, r.out);
  };
  EXPECT_EQ(topics({{"table.include.list", "public.keep"}}).first,
            (std::set<std::string>{"srv.public.keep"}));
  EXPECT_EQ(topics({{"table.exclude.list", "public.drop_.*"}}).first,
            (std::set<std::string>{"srv.public.keep", "srv.other.t"}));
  EXPECT_EQ(topics({{"schema.include.list", "other"}}).first,
            (std::set<std::string>{"srv.other.t"}));
  EXPECT_EQ(topics({{"schema.exclude.list", "other"}}).first,
            (std::set<std::string>{"srv.public.keep", "srv.public.drop_me"}));
  // Anchored: "public.kee" matches nothing.
  EXPECT_TRUE(topics({{"table.include.list", "public.kee"}}).first.empty());
  auto [t, out] = topics(
      {{"table.include.list", "public.keep"}, {"column.exclude.list", "public.keep.secret"}});
  auto recs = ForTopic(Lines(out), "srv.public.keep");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["value"]["payload"]["after"], json({{"id", 1}, {"v", "v"}}));
  auto [t2, out2] =
      topics({{"table.include.list", "public.keep"}, {"column.include.list", "public.keep.id"}});
  recs = ForTopic(Lines(out2), "srv.public.keep");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["value"]["payload"]["after"], json({{"id", 1}}));
}

TEST_F(CaptureTest, MessageKeyColumnsAndTablesWithoutKey) {
  Sql("CREATE TABLE nokey(a int, b text)");
  Sql("CREATE TABLE custom(id int primary key, code text)");
  Sql("INSERT INTO nokey VALUES (1, 'x')");
  Sql("INSERT INTO custom VALUES (1, 'c1')");
  auto r = Run({Connector({{"message.key.columns", "public.custom:code"}}), "--idle-exit", "1"});
  auto nk = ForTopic(Lines(r.out), "srv.public.nokey");
  ASSERT_EQ(nk.size(), 1u);
  EXPECT_TRUE(nk[0]["key"].is_null());
  auto ck = ForTopic(Lines(r.out), "srv.public.custom");
  ASSERT_EQ(ck.size(), 1u);
  EXPECT_EQ(ck[0]["key"]["payload"], json({{"code", "c1"}}));
}

TEST_F(CaptureTest, SchemasDisabledPrintsBarePayloads) {
  Sql("CREATE TABLE t(id int primary key)");
  Sql("INSERT INTO t VALUES (1)");
  auto r = Run({Connector({{"key.converter.schemas.enable", "false"},
                           {"value.converter.schemas.enable", false}}),
                "--idle-exit", "1"});
  auto recs = ForTopic(Lines(r.out), "srv.public.t");
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0]["key"], json({{"id", 1}}));
  EXPECT_EQ(recs[0]["value"]["after"], json({{"id", 1}}));
}

// Converter classes in stdout mode: the seed's Avro converter needs its registry and prints what
// the Avro console consumer would, StringConverter prints Connect's toString() as a JSON string,
// ByteArrayConverter refuses structs; an accepted but unimplemented property is named at start.
TEST_F(CaptureTest, ConverterClassesInStdoutMode) {
  const std::string kAvro = "io.confluent.connect.avro.AvroConverter";
  // Without schema.registry.url the Avro converter is a config error (exit 2), as in Connect.
  auto no_registry = Run({Connector({{"key.converter", kAvro}, {"value.converter", kAvro}})});
  EXPECT_EQ(no_registry.exit_code, 2) << no_registry.err;
  EXPECT_NE(no_registry.err.find("property 'key.converter.schema.registry.url' is required"),
            std::string::npos)
      << no_registry.err;
  EXPECT_TRUE(no_registry.out.empty());

  Sql("CREATE TABLE a(id int primary key, price numeric(6,2), note text)");
  Sql("INSERT INTO a VALUES (1, 12.50, NULL)");
  registry::AvroSchemaChecker checker;
  registry::ServedRegistry served(&checker);
  auto avro = Run({Connector({{"key.converter", kAvro},
                              {"key.converter.schema.registry.url", served.url()},
                              {"value.converter", kAvro},
                              {"value.converter.schema.registry.url", served.url()},
                              {"table.include.list", "public.a"},
                              {"slot.name", "slota_" + db_},
                              {"offset.storage.file.filename", dir_ + "/a.offset"}}),
                   "--idle-exit", "1"});
  ASSERT_EQ(avro.exit_code, 0) << avro.err;
  auto avro_recs = ForTopic(Lines(avro.out), "srv.public.a");
  ASSERT_EQ(avro_recs.size(), 1u) << avro.out;
  // Avro's JSON encoding: optional fields are unions named by their branch, decimals are bytes.
  EXPECT_EQ(avro_recs[0]["key"], json({{"id", 1}})) << avro.out;
  const json& avro_value = avro_recs[0]["value"];
  EXPECT_TRUE(avro_value["before"].is_null()) << avro_value.dump();
  EXPECT_EQ(avro_value["after"],
            json({{"srv.public.a.Value",
                   {{"id", 1}, {"price", {{"bytes", "\u0004\u00e2"}}}, {"note", nullptr}}}}))
      << avro_value.dump();
  EXPECT_EQ(avro_value["op"], "r") << avro_value.dump();
  // The schemas were registered once each, under TopicNameStrategy's subjects.
  EXPECT_EQ(served.registry().ListSubjects(registry::Deleted::kExclude, ""),
            std::vector<std::string>({"srv.public.a-key", "srv.public.a-value"}));
  Sql("DROP TABLE a");

  Sql("CREATE TABLE t(id int primary key, name text, note text)");
  Sql("INSERT INTO t VALUES (1, 'a b', NULL)");
  const std::string kString = "org.apache.kafka.connect.storage.StringConverter";
  auto r = Run({Connector({{"key.converter", kString},
                           {"value.converter", kString},
                           {"signal.data.collection", "public.debezium_signal"}}),
                "--idle-exit", "1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("property 'signal.data.collection' is accepted, not implemented yet: "
                       "signals are not read yet"),
            std::string::npos)
      << r.err;
  auto recs = ForTopic(Lines(r.out), "srv.public.t");
  ASSERT_EQ(recs.size(), 1u) << r.out;
  EXPECT_EQ(recs[0]["key"], "Struct{id=1}");
  const std::string value = recs[0]["value"].get<std::string>();
  // Struct.toString leaves null fields (before, note) out.
  EXPECT_EQ(value.rfind("Struct{after=Struct{id=1,name=a b},source=Struct{version=", 0), 0u)
      << value;
  EXPECT_NE(value.find(",db=" + db_ + ",sequence="), std::string::npos) << value;
  EXPECT_NE(value.find(",op=r,ts_ms="), std::string::npos) << value;

  // ByteArrayConverter takes bytes only: the struct key fails, and with errors.tolerance=all the
  // record is skipped, logged and counted instead of stopping the connector.
  const std::string kBytes = "org.apache.kafka.connect.converters.ByteArrayConverter";
  Sql("INSERT INTO t VALUES (2, 'c', 'd')");
  auto failed = Run({Connector({{"key.converter", kBytes},
                                {"slot.name", "slot2_" + db_},
                                {"offset.storage.file.filename", dir_ + "/b1.offset"}}),
                     "--idle-exit", "1"});
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  EXPECT_NE(failed.err.find("Invalid schema type for ByteArrayConverter: STRUCT"),
            std::string::npos)
      << failed.err;
  auto skipped = Run({Connector({{"key.converter", kBytes},
                                 {"slot.name", "slot3_" + db_},
                                 {"offset.storage.file.filename", dir_ + "/b2.offset"},
                                 {"errors.tolerance", "all"},
                                 {"errors.log.enable", true}}),
                      "--idle-exit", "1"});
  EXPECT_EQ(skipped.exit_code, 0) << skipped.err;
  EXPECT_TRUE(ForTopic(Lines(skipped.out), "srv.public.t").empty()) << skipped.out;
  EXPECT_NE(skipped.err.find("skipped a record of topic 'srv.public.t' (errors.tolerance=all): "
                             "key converter failed: Invalid schema type for ByteArrayConverter: "
                             "STRUCT"),
            std::string::npos)
      << skipped.err;
  EXPECT_NE(skipped.err.find("skipped 2 record(s) a transform or converter failed on"),
            std::string::npos)
      << skipped.err;
}

TEST_F(CaptureTest, TypesEndToEnd) {
  Sql("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')");
  Sql("CREATE DOMAIN posint AS int CHECK (VALUE > 0)");
  Sql("CREATE TABLE ty(id int primary key, b bool, s smallint, big bigint, r real, d double "
      "precision, "
      "n numeric(10,2), nv numeric, t text, vc varchar(10), ch char(3), by bytea, dt date, tm "
      "time, "
      "ts timestamp, tstz timestamptz, iv interval, u uuid, j json, jb jsonb, x xml, m mood, ip "
      "inet, "
      "mac macaddr, mo money, arr int[], tarr text[], dom posint, nul text)");
  Sql("INSERT INTO ty VALUES (1, true, 2, 3000000000, 1.5, 2.25, 12.34, 5.678, 'txt', 'vc', 'ab', "
      "'\\x0102', '2024-01-02', '03:04:05.123456', '2024-01-02 03:04:05.123456', "
      "'2024-01-02 03:04:05+02', '1 day 2 hours', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', "
      "'{\"a\":1}', '{\"b\": 2}', '<x/>', 'happy', '10.0.0.1', '08:00:2b:01:02:03', 12.5, "
      "'{1,2,NULL}', '{\"a b\",c}', 7, NULL)");
  auto r = Run({Connector(), "--idle-exit", "1"});
  auto recs = ForTopic(Lines(r.out), "srv.public.ty");
  ASSERT_EQ(recs.size(), 1u) << r.err;
  const json& a = recs[0]["value"]["payload"]["after"];
  EXPECT_EQ(a["b"], true);
  EXPECT_EQ(a["s"], 2);
  EXPECT_EQ(a["big"], 3000000000LL);
  EXPECT_DOUBLE_EQ(a["r"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(a["d"].get<double>(), 2.25);
  EXPECT_EQ(a["n"], "BNI=");  // 1234 unscaled, scale 2
  EXPECT_EQ(a["nv"]["scale"], 3);
  EXPECT_EQ(a["t"], "txt");
  EXPECT_EQ(a["ch"], "ab ");
  EXPECT_EQ(a["by"], "AQI=");
  EXPECT_EQ(a["dt"], 19724);
  EXPECT_EQ(a["tm"], 11045123456LL);
  EXPECT_EQ(a["ts"], 1704164645123456LL);
  EXPECT_EQ(a["tstz"], "2024-01-02T01:04:05.000000Z");  // Debezium >= 2.2 pads to the precision
  EXPECT_EQ(a["iv"], 93600000000LL);
  EXPECT_EQ(a["u"], "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  EXPECT_EQ(a["j"], "{\"a\":1}");
  EXPECT_EQ(a["jb"], "{\"b\": 2}");
  EXPECT_EQ(a["x"], "<x/>");
  EXPECT_EQ(a["m"], "happy");
  EXPECT_EQ(a["ip"], "10.0.0.1");
  EXPECT_EQ(a["mac"], "08:00:2b:01:02:03");
  EXPECT_EQ(a["arr"], json::parse("[1,2,null]"));
  EXPECT_EQ(a["tarr"], json::parse("[\"a b\",\"c\"]"));
  EXPECT_EQ(a["dom"], 7);
  EXPECT_TRUE(a["nul"].is_null());
  // Schema names Debezium gives these types.
  std::map<std::string, std::string> names;
  for (const auto& f : recs[0]["value"]["schema"]["fields"][1]["fields"]) {
    if (f.contains("name")) names[f["field"]] = f["name"];
  }
  EXPECT_EQ(names["n"], "org.apache.kafka.connect.data.Decimal");
  EXPECT_EQ(names["nv"], "io.debezium.data.VariableScaleDecimal");
  EXPECT_EQ(names["dt"], "io.debezium.time.Date");
  EXPECT_EQ(names["ts"], "io.debezium.time.MicroTimestamp");
  EXPECT_EQ(names["tstz"], "io.debezium.time.ZonedTimestamp");
  EXPECT_EQ(names["u"], "io.debezium.data.Uuid");
  EXPECT_EQ(names["jb"], "io.debezium.data.Json");
  EXPECT_EQ(names["m"], "io.debezium.data.Enum");
}

TEST_F(CaptureTest, HeartbeatsAndIdleSlotAdvances) {
  Sql("CREATE TABLE captured(id int primary key)");
  Sql("CREATE TABLE busy(id int)");
  Sql("CREATE TABLE hb(ts timestamptz)");
  Sql("INSERT INTO hb VALUES (now())");
  std::string file = Connector({{"publication.autocreate.mode", "filtered"},
                                {"table.include.list", "public.captured"},
                                {"heartbeat.interval.ms", 300},
                                {"heartbeat.action.query", "UPDATE hb SET ts = now()"},
                                {"status.update.interval.ms", "300"}});
  auto p = Process::Start({WALRELAY_BINARY, "run", file});
  ASSERT_TRUE(p.ok());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  std::string before = Sql(
      "SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = 'slot_" + db_ + "'");
  Sql("INSERT INTO busy SELECT generate_series(1, 20000)");
  std::string target = Sql("SELECT pg_current_wal_lsn()");
  bool advanced = false;
  for (int i = 0; i < 50 && !advanced; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    advanced = Sql("SELECT confirmed_flush_lsn >= '" + target +
                   "'::pg_lsn FROM pg_replication_slots "
                   "WHERE slot_name = 'slot_" +
                   db_ + "'") == "t";
  }
  EXPECT_TRUE(advanced) << "slot stayed at " << before;
  (*p)->Signal(SIGTERM);
  ASSERT_TRUE((*p)->Wait(std::chrono::seconds(10)).ok());
  auto hbs = ForTopic(Lines((*p)->Stdout()), "__debezium-heartbeat.srv");
  EXPECT_GE(hbs.size(), 3u);
  if (!hbs.empty()) {
    EXPECT_EQ(hbs[0]["key"]["payload"]["serverName"], "srv");
    EXPECT_TRUE(hbs[0]["value"]["payload"]["ts_ms"].is_number_integer());
    // Debezium 3.x's heartbeat schemas have version 1 (peers_events_test).
    EXPECT_EQ(hbs[0]["key"]["schema"]["version"], 1) << hbs[0].dump();
    EXPECT_EQ(hbs[0]["value"]["schema"]["version"], 1) << hbs[0].dump();
  }
  // The action query ran.
  EXPECT_EQ(Sql("SELECT ts > now() - interval '1 minute' FROM hb"), "t");
}

TEST_F(CaptureTest, ReconnectsAfterWalsenderIsTerminated) {
  Sql("CREATE TABLE t(id int primary key)");
  std::string file = Connector({{"snapshot.mode", "never"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  auto p = Process::Start({WALRELAY_BINARY, "run", file, "--idle-exit", "6"});
  ASSERT_TRUE(p.ok());
  for (int i = 1; i <= 100; ++i) Sql("INSERT INTO t VALUES (" + std::to_string(i) + ")");
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(Sql("SELECT count(pg_terminate_backend(active_pid)) FROM pg_replication_slots WHERE "
                "slot_name = 'slot_" +
                db_ + "' AND active"),
            "1");
  for (int i = 101; i <= 200; ++i) Sql("INSERT INTO t VALUES (" + std::to_string(i) + ")");
  auto code = (*p)->Wait(std::chrono::seconds(60));
  ASSERT_TRUE(code.ok());
  EXPECT_EQ(*code, 0) << (*p)->Stderr();
  std::map<int, int> seen = IdCounts(Lines((*p)->Stdout()), "srv.public.t");
  EXPECT_EQ(seen.size(), 200u);
  for (const auto& [id, n] : seen) EXPECT_EQ(n, 1) << id;
  EXPECT_NE((*p)->Stderr().find("reconnect"), std::string::npos) << (*p)->Stderr();
}

TEST_F(CaptureTest, BadInputIsRejectedWithExitStatusTwo) {
  auto bad = testing::WriteTempFile("bad.json", "{ not json");
  auto r = Run({bad});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("bad.json"), std::string::npos) << r.err;

  auto noconfig = testing::WriteTempFile("noconfig.json", "{\"name\": \"x\"}");
  r = Run({noconfig});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("config"), std::string::npos) << r.err;

  r = Run({Connector({{"connector.class", "com.example.Nope"}})});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("com.example.Nope"), std::string::npos) << r.err;

  r = Run({Connector({{"snapshot.mode", "sometimes"}})});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("snapshot.mode"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("sometimes"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("initial"), std::string::npos) << r.err;

  Sql("CREATE TABLE t(id int primary key)");
  r = Run({Connector({{"no.such.property", "1"}, {"snapshot.mode", "never"}}), "--idle-exit", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("no.such.property"), std::string::npos) << r.err;
}

TEST_F(CaptureTest, WrongPasswordAndUnreachableHostFailClearly) {
  // Require passwords for this check: the harness trusts local connections otherwise.
  Sql("CREATE ROLE walrelay_pw LOGIN PASSWORD 'right' REPLICATION");
  {
    std::string hba = server_->data_dir() + "/pg_hba.conf";
    std::ifstream in(hba);
    std::stringstream old;
    old << in.rdbuf();
    std::ofstream(hba) << "host all walrelay_pw 127.0.0.1/32 scram-sha-256\n"
                       << "host replication walrelay_pw 127.0.0.1/32 scram-sha-256\n"
                       << old.str();
    Sql("SELECT pg_reload_conf()");
  }
  auto r = Run({Connector({{"database.user", "walrelay_pw"},
                           {"database.password", "wrong"},
                           {"errors.max.retries", "1"}})});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(r.err.empty());
  // Nothing listens on port 1.
  r = Run({Connector({{"database.port", "1"}, {"errors.max.retries", "1"}})});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << r.err;
}

// pg_logical_emit_message as Debezium 2.7 emits it: <prefix>.message, op "m", the message block;
// transactional ones in their transaction's order with its txId (not counted in END, no
// transaction block), non-transactional ones at once with their own LSN; prefixes filtered;
// each delivered once across restarts, even when a run stops right after one.
TEST_F(CaptureTest, LogicalDecodingMessages) {
  Sql("CREATE TABLE t(id int primary key)");
  std::string file = Connector({{"snapshot.mode", "never"},
                                {"provide.transaction.metadata", "true"},
                                {"message.prefix.exclude.list", "skip\\..*,other"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'first')");
  Sql("BEGIN; INSERT INTO t VALUES (1); SELECT pg_logical_emit_message(true, 'audit', 'in tx'); "
      "SELECT pg_logical_emit_message(true, 'skip.me', 'x'); INSERT INTO t VALUES (2); COMMIT;");
  Sql("SELECT pg_logical_emit_message(false, 'skip.me', 'filtered')");
  Sql("SELECT pg_logical_emit_message(false, 'AUDIT', '\\x00ff'::bytea)");
  auto r = Run({file, "--idle-exit", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = Lines(r.out);
  std::vector<std::string> seen;
  std::vector<json> messages;
  int64_t txid = -1;
  for (const auto& l : lines) {
    const json& p = l["value"]["payload"];
    if (l["topic"] == "srv.transaction") {
      std::string e = p["status"].get<std::string>();
      if (e == "END") e += " " + std::to_string(p["event_count"].get<int>());
      seen.push_back(e);
    } else if (l["topic"] == "srv.public.t") {
      seen.push_back(std::to_string(p["after"]["id"].get<int>()));
      txid = p["source"]["txId"].get<int64_t>();
    } else if (l["topic"] == "srv.message") {
      seen.push_back("m:" + p["message"]["prefix"].get<std::string>());
      messages.push_back(l);
    }
  }
  EXPECT_EQ(seen,
            (std::vector<std::string>{"m:audit", "BEGIN", "1", "m:audit", "2", "END 2", "m:AUDIT"}))
      << r.out;
  ASSERT_EQ(messages.size(), 3u);

  // Non-transactional, field by field.
  const json& nt = messages[0];
  EXPECT_EQ(nt["key"]["schema"]["name"], "io.debezium.connector.postgresql.MessageKey");
  EXPECT_EQ(nt["key"]["schema"]["version"], 1);
  EXPECT_EQ(nt["key"]["payload"], json({{"prefix", "audit"}}));
  const json& schema = nt["value"]["schema"];
  EXPECT_EQ(schema["name"], "io.debezium.connector.postgresql.MessageValue");
  EXPECT_EQ(schema["version"], 1);
  std::vector<std::string> fields;
  for (const auto& f : schema["fields"]) fields.push_back(f["field"]);
  EXPECT_EQ(fields, (std::vector<std::string>{"op", "ts_ms", "source", "message"}));
  EXPECT_EQ(schema["fields"][3]["name"], "io.debezium.connector.postgresql.Message");
  EXPECT_EQ(schema["fields"][3]["optional"], false);
  EXPECT_EQ(schema["fields"][3]["fields"][1],
            json({{"type", "bytes"}, {"optional", true}, {"field", "content"}}));
  const json& p = nt["value"]["payload"];
  EXPECT_EQ(p["op"], "m");
  EXPECT_TRUE(p["ts_ms"].is_number_integer());
  EXPECT_EQ(p["message"], json({{"prefix", "audit"}, {"content", "Zmlyc3Q="}}));  // "first"
  const json& src = p["source"];
  EXPECT_EQ(src["connector"], "postgresql");
  EXPECT_EQ(src["name"], "srv");
  EXPECT_EQ(src["db"], db_);
  EXPECT_EQ(src["schema"], "");
  EXPECT_EQ(src["table"], "");
  EXPECT_EQ(src["snapshot"], "false");
  EXPECT_TRUE(src["txId"].is_null());
  ASSERT_TRUE(src["lsn"].is_number_integer());
  const std::string lsn = std::to_string(src["lsn"].get<int64_t>());
  EXPECT_EQ(src["sequence"], "[\"" + lsn + "\",\"" + lsn + "\"]");

  // Transactional: the transaction's txId, no transaction block.
  const json& tx = messages[1]["value"]["payload"];
  EXPECT_EQ(tx["message"]["content"], "aW4gdHg=");  // "in tx"
  EXPECT_EQ(tx["source"]["txId"], txid);
  EXPECT_FALSE(tx.contains("transaction"));
  EXPECT_GT(tx["source"]["lsn"].get<int64_t>(), src["lsn"].get<int64_t>());
  EXPECT_EQ(messages[2]["value"]["payload"]["message"]["content"], "AP8=");

  // A restart emits none of them again.
  auto again = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(ForTopic(Lines(again.out), "srv.message").empty()) << again.out;

  // A run that stops right after a non-transactional message has recorded it.
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'one')");
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'two')");
  auto one = Run({file, "--max-records", "1"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  auto two = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(two.exit_code, 0) << two.err;
  auto m1 = ForTopic(Lines(one.out), "srv.message");
  auto m2 = ForTopic(Lines(two.out), "srv.message");
  ASSERT_EQ(m1.size(), 1u) << one.out;
  ASSERT_EQ(m2.size(), 1u) << two.out;
  EXPECT_EQ(m1[0]["value"]["payload"]["message"]["content"], "b25l");  // "one"
  EXPECT_EQ(m2[0]["value"]["payload"]["message"]["content"], "dHdv");  // "two"
}

// message.prefix.include.list keeps only matching prefixes (whole prefix, any case); both lists
// at once are refused.
TEST_F(CaptureTest, LogicalDecodingMessagePrefixIncludeList) {
  std::string file =
      Connector({{"snapshot.mode", "never"}, {"message.prefix.include.list", "keep,wal.*"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  for (const char* prefix : {"keep", "keeper", "WALRELAY", "drop"}) {
    Sql(std::string("SELECT pg_logical_emit_message(false, '") + prefix + "', 'x')");
  }
  auto r = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> prefixes;
  for (const auto& l : ForTopic(Lines(r.out), "srv.message")) {
    prefixes.push_back(l["key"]["payload"]["prefix"]);
  }
  EXPECT_EQ(prefixes, (std::vector<std::string>{"keep", "WALRELAY"})) << r.out;

  auto both =
      Run({Connector({{"message.prefix.include.list", "a"}, {"message.prefix.exclude.list", "b"}},
                     "both"),
           "--idle-exit", "1"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("message.prefix.exclude.list"), std::string::npos) << both.err;
}

// Sinks apply nothing for messages: a pipeline whose sink subscribes to every topic of the
// source, the message topic included, copies the rows and does not fail.
TEST_F(CaptureTest, SinkIgnoresLogicalDecodingMessages) {
  const std::string dst = db_ + "_dst";
  ASSERT_TRUE(server_->CreateDatabase(dst).ok());
  Sql("CREATE TABLE t(id int primary key, v text)");
  std::string source = Connector({{"snapshot.mode", "never"}});
  json sink = {
      {"name", "sink"},
      {"config",
       {{"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(server_->port()) + "/" +
                               dst + "?user=postgres&password=postgres"},
        {"topics.regex", "srv\\..*"},
        {"insert.mode", "upsert"},
        {"primary.key.mode", "record_key"},
        {"schema.evolution", "basic"},
        {"collection.name.format", "${source.table}"}}}};
  std::string sink_file = dir_ + "/sink.json";
  std::ofstream(sink_file) << sink.dump(2);
  ASSERT_EQ(Run({source, sink_file, "--idle-exit", "1"}).exit_code, 0);
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'before')");
  Sql("BEGIN; INSERT INTO t VALUES (1, 'a'); SELECT pg_logical_emit_message(true, 'audit', 'tx'); "
      "COMMIT;");
  Sql("SELECT pg_logical_emit_message(false, 'audit', 'after')");
  auto r = Run({source, sink_file, "--idle-exit", "3"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto copied = server_->Psql("SELECT string_agg(id || '=' || v, ',') FROM t", dst);
  ASSERT_TRUE(copied.ok()) << copied.status().ToString();
  EXPECT_EQ(copied->substr(0, 3), "1=a");
  auto tables = server_->Psql(
      "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables "
      "WHERE table_schema = 'public'",
      dst);
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(tables->substr(0, 17), "t,walrelay_offset") << *tables;
}

// Column defaults reach the field schemas as Debezium's PostgresDefaultValueConverter reads them,
// in the handling modes; the source block's snapshot field keeps its "false" default.
TEST_F(CaptureTest, ColumnDefaultsInSchemas) {
  Sql("CREATE TYPE mood AS ENUM ('sad', 'happy')");
  Sql("CREATE TABLE d(id serial primary key, n int NOT NULL DEFAULT 42, "
      "s varchar(10) DEFAULT 'it''s', b boolean DEFAULT true, "
      "amount numeric(6,2) DEFAULT 1.5, f float8 DEFAULT 2.5, "
      "day date DEFAULT '2024-01-31', at timestamptz DEFAULT now(), "
      "m mood DEFAULT 'happy', bin bytea DEFAULT '\\x01', plain text, nul text DEFAULT NULL, "
      "expr int DEFAULT (1 + 2))");
  std::string file = Connector({{"snapshot.mode", "never"}, {"decimal.handling.mode", "string"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  Sql("INSERT INTO d(id) VALUES (1)");
  auto r = Run({file, "--idle-exit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto recs = ForTopic(Lines(r.out), "srv.public.d");
  ASSERT_EQ(recs.size(), 1u) << r.out;
  const json& value = recs[0]["value"];
  std::map<std::string, json> defaults;
  for (const auto& f : value["schema"]["fields"][1]["fields"]) {  // after
    defaults[f["field"]] = f.contains("default") ? f["default"] : json("(none)");
  }
  EXPECT_EQ(defaults["id"], 0);  // nextval(): Debezium's placeholder
  EXPECT_EQ(defaults["n"], 42);
  EXPECT_EQ(defaults["s"], "it's");
  EXPECT_EQ(defaults["b"], true);
  EXPECT_EQ(defaults["amount"], "1.50");  // decimal.handling.mode=string, the column's scale
  EXPECT_EQ(defaults["f"], 2.5);
  EXPECT_EQ(defaults["day"], 19753);  // io.debezium.time.Date: days since the epoch
  EXPECT_EQ(defaults["at"], "1970-01-01T00:00:00.000000Z");  // now(): the epoch
  EXPECT_EQ(defaults["m"], "happy");
  EXPECT_EQ(defaults["bin"], "(none)");
  EXPECT_EQ(defaults["plain"], "(none)");
  EXPECT_EQ(defaults["nul"], "(none)");
  EXPECT_EQ(defaults["expr"], "(none)");
  // The key field has the default too (Debezium shares the column's schema).
  EXPECT_EQ(recs[0]["key"]["schema"]["fields"][0]["default"], 0);
  // The row's own values are untouched.
  const json& after = value["payload"]["after"];
  EXPECT_EQ(after["n"], 42);
  EXPECT_EQ(after["s"], "it's");
  EXPECT_TRUE(after["plain"].is_null());
  // source.snapshot: an optional Enum string with default "false", "false" in streaming events.
  for (const auto& f : value["schema"]["fields"][2]["fields"]) {
    if (f["field"] != "snapshot") continue;
    EXPECT_EQ(f["default"], "false");
    EXPECT_EQ(f["optional"], true);
    EXPECT_EQ(f["name"], "io.debezium.data.Enum");
  }
  EXPECT_EQ(value["payload"]["source"]["snapshot"], "false");
}

// WAL the slot needs is damaged (a zeroed page, as a torn write or a failover to a standby that
// never had it leaves it): the walsender fails with XX000 "could not find record while sending
// logically-decoded data". walrelay reconnects, and once that has lasted 60 s at the same position
// stops with exit status 1 and a message saying what the operator can do.
TEST_F(CaptureTest, UnreadableSlotWalStopsWithGuidance) {
  auto started = PgServer::Start();
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  std::unique_ptr<PgServer> own = std::move(started).value();
  auto sql = [&own](const std::string& q) {
    auto r = own->Psql(q);
    EXPECT_TRUE(r.ok()) << q << ": " << r.status().ToString();
    std::string out = r.ok() ? *r : "";
    while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
    return out;
  };
  sql("CREATE TABLE w(id int primary key, v text)");
  std::string file = Connector({{"database.port", std::to_string(own->port())},
                                {"database.dbname", "postgres"},
                                {"snapshot.mode", "never"},
                                {"walrelay.unreadable.wal.patience.ms", "10000"}});
  ASSERT_EQ(Run({file, "--idle-exit", "1"}).exit_code, 0);
  sql("INSERT INTO w SELECT g, repeat('x', 50) FROM generate_series(1, 2000) g");
  const std::string where =
      sql("SELECT file_name || ' ' || file_offset FROM pg_walfile_name_offset((SELECT restart_lsn "
          "FROM pg_replication_slots WHERE slot_name = 'slot_" +
          db_ + "'))");
  const size_t space = where.find(' ');
  ASSERT_NE(space, std::string::npos) << where;
  const std::string segment = own->data_dir() + "/pg_wal/" + where.substr(0, space);
  const long page = (std::stol(where.substr(space + 1)) / 8192 + 2) * 8192;
  ASSERT_TRUE(own->Stop().ok());
  {
    std::fstream wal(segment, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(wal.is_open()) << segment;
    wal.seekp(page);
    const std::string zeros(8192, '\0');
    wal.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  }
  ASSERT_TRUE(own->Restart().ok());
  const auto begin = std::chrono::steady_clock::now();
  auto r = Run({file, "--idle-exit", "120"}, 200);
  const auto took = std::chrono::steady_clock::now() - begin;
  EXPECT_EQ(r.exit_code, 1) << r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0);
  EXPECT_GE(took, std::chrono::seconds(10));  // walrelay.unreadable.wal.patience.ms
  EXPECT_NE(r.err.find("could not find record while sending logically-decoded data"),
            std::string::npos);
  EXPECT_NE(r.err.find("reconnecting"), std::string::npos);  // treated as transient first
  EXPECT_NE(r.err.find("pg_replication_slot_advance('slot_" + db_ + "'"), std::string::npos)
      << r.err.substr(r.err.size() > 3000 ? r.err.size() - 3000 : 0);
}

}  // namespace
}  // namespace walrelay
