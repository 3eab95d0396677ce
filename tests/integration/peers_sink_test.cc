// walrelay's Debezium-flavoured JDBC sink against Debezium's own, table by table and row by row.
// One PostgreSQL holds the source database and the destination databases; Debezium's PostgreSQL
// connector (3.7.1.Final) in a real Kafka Connect worker produces the change topics once (the raw
// Debezium envelope with JsonConverter and schemas, the JDBC sink's normal input). Then the same
// topics are applied twice with the same sink config (auto.create, schema.evolution=basic,
// upsert, primary.key.mode=record_key, delete.enabled, the same collection.name.format):
// by Debezium's JDBC sink (3.6.0.Final) in the Kafka Connect worker into `dbz_<variant>`, and by
// walrelay's io.debezium.connector.jdbc.JdbcSinkConnector in a `walrelay worker` into
// `wr_<variant>`. Three variants (kVariants), each its own source connector on the same tables:
// `plain` (the source's defaults), `typed` (column.propagate.source.type=.*, from which Debezium's
// sink creates varchar(n), char(n), jsonb, time(p), ...) and `flat` (the rows unwrapped by
// ExtractNewRecordState, deletes as tombstones). The source tables cover every
// type walrelay supports, NULLs, NOT NULL columns with defaults, a composite key; the stream holds
// inserts, updates, deletes, primary key updates and ALTER TABLE ... ADD COLUMN (nullable, and NOT
// NULL with a default) mid-stream.
//
// Once every destination holds each table's last row, the test compares the tables created, their
// columns as information_schema reports them (type, length, precision, scale, nullability,
// default), their primary keys (pg_index) and every row, column by column as text. Every
// difference is printed; one that is not on kAllowed fails the test. Each kAllowed entry is a
// bullet of docs/compatibility.md ("Differences from Debezium's JDBC sink").
//
// Label `peers` (tests/integration/CMakeLists.txt): not run by `scripts/test` or CI; run it with
// `ctest -L peers -R peers_sink_test`. Skipped when the Connect jars are not fetched.
#include <stdlib.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/connect_worker.h"
#include "testing/kafka_cluster.h"
#include "testing/kafka_connect.h"
#include "testing/pg_fixture.h"
#include "testing/pg_server.h"

namespace walrelay::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr char kSourceDb[] = "sink_source";
// The source's and sinks' header converter. Debezium's source marks a primary key update with the
// headers __debezium.oldkey / __debezium.newkey (the key structs); Debezium's JDBC sink reads
// every header into a Struct, which fails on the schemaless map Kafka Connect's default
// SimpleHeaderConverter makes of them ("No schema defined for value of map field"), so both sides
// use JsonConverter with schemas for headers (walrelay's sink does not read these headers).
constexpr char kHeaderConverter[] = "org.apache.kafka.connect.json.JsonConverter";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The source tables and the rows the snapshot reads.
constexpr char kSchemaSql[] = R"sql(
CREATE DOMAIN posint AS int4 CHECK (VALUE > 0);
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE common (
  id int PRIMARY KEY,
  c_int2 int2, c_int4 int4, c_int8 int8,
  c_num numeric(12,3), c_num_free numeric,
  c_text text, c_varchar varchar(20), c_char char(3), c_bool bool,
  c_f4 float4, c_f8 float8,
  c_date date, c_time time, c_time3 time(3), c_timetz timetz,
  c_ts timestamp, c_ts3 timestamp(3), c_tstz timestamptz,
  c_interval interval, c_bytea bytea, c_uuid uuid, c_json json, c_jsonb jsonb,
  c_money money, c_inet inet,
  c_int_arr int[], c_text_arr text[],
  c_domain posint, c_enum mood,
  c_required text NOT NULL DEFAULT 'dflt',
  c_required_int int NOT NULL DEFAULT 7,
  c_tstz3 timestamptz(3), c_timetz3 timetz(3), c_ts0 timestamp(0), c_cidr cidr,
  c_macaddr macaddr, c_varchar_free varchar);
CREATE TABLE composite (a int, b varchar(10), v text, PRIMARY KEY (a, b));
CREATE TABLE evolving (id bigint PRIMARY KEY, v text);
INSERT INTO common VALUES (1, -32768, 2147483647, -9223372036854775808, 12345.678, 0.000001,
  'snapshot text', 'vc', 'ab', true, 1.5, -2.25e-10, '2024-02-29', '23:59:59.999999',
  '12:34:56.789', '10:11:12.5+02', '2024-02-29 23:59:59.123456', '1999-12-31 00:00:00.5',
  '2024-06-01 12:00:00.654321+02', '1 year 2 mons 3 days 04:05:06.789', '\x00ff10',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": {"c": null}}', 12.34,
  '192.168.1.0/24', '{1,NULL,3}', '{"x","y z"}', 7, 'happy', 'set', 1,
  '2024-06-01 12:00:00.654+02', '10:11:12.125+02', '2024-02-29 23:59:59', '10.0.0.0/8',
  '08:00:2b:01:02:03', 'free');
INSERT INTO common (id, c_required) VALUES (2, 'nulls');
INSERT INTO composite VALUES (1, 'a', 'snap');
INSERT INTO evolving VALUES (1, 'snap');
)sql";

// The stream: DML, then columns added mid-stream and more DML using them. Each table's last
// change is the insert of row 999: once a destination holds it, it has applied the whole topic.
constexpr char kScriptSql[] = R"sql(
INSERT INTO common VALUES (3, 1, -1, 1, -0.001, -123456789.123456789, 'ünïcödé "q" \ t',
  '', 'x', false, 'NaN', 'Infinity', '0001-01-01', '00:00:00', '00:00:00.001', '00:00:00-08',
  '1970-01-01 00:00:00', '2038-01-19 03:14:07.999', '1970-01-01 00:00:00+00', '-3 days',
  '\x', '00000000-0000-0000-0000-000000000000', '[]', '{}', -0.5, '::1', '{}', '{NULL}', 1,
  'sad', 'streamed', -5, '1970-01-01 00:00:00+00', '00:00:00-08', '1970-01-01 00:00:00', '::/0',
  '00:00:00:00:00:00', '');
INSERT INTO common (id, c_required) VALUES (4, 'nulls too');
INSERT INTO common (id) VALUES (5);
UPDATE common SET c_text = 'updated', c_num = 1, c_enum = 'ok', c_int_arr = '{4,5}',
  c_money = '83234458534636599.30', c_tstz = '2020-01-01 00:00:00-05' WHERE id = 3;
DELETE FROM common WHERE id = 4;
UPDATE common SET id = 100 WHERE id = 1;
UPDATE common SET c_text = NULL, c_int4 = NULL WHERE id = 100;
INSERT INTO composite VALUES (1, 'b', 'one b'), (2, 'a', 'two a');
UPDATE composite SET v = 'updated' WHERE a = 2;
UPDATE composite SET b = 'c' WHERE a = 1 AND b = 'a';
DELETE FROM composite WHERE a = 1 AND b = 'b';
INSERT INTO evolving VALUES (2, 'two'), (3, 'three');
DELETE FROM evolving WHERE id = 3;
ALTER TABLE evolving ADD COLUMN note text;
ALTER TABLE evolving ADD COLUMN score int NOT NULL DEFAULT 5;
ALTER TABLE evolving ADD COLUMN tag varchar(10) DEFAULT 'x';
ALTER TABLE evolving ADD COLUMN amount numeric(8,2);
INSERT INTO evolving VALUES (4, 'four', 'a note', 9, 'y', 12.5);
INSERT INTO evolving (id) VALUES (5);
UPDATE evolving SET note = 'noted', amount = 1 WHERE id = 2;
UPDATE evolving SET id = 6 WHERE id = 4;
ALTER TABLE common ADD COLUMN c_added text;
ALTER TABLE common ADD COLUMN c_added_default int NOT NULL DEFAULT 42;
UPDATE common SET c_added = 'added' WHERE id = 3;
INSERT INTO common (id, c_added, c_added_default) VALUES (6, 'new row', 43);
INSERT INTO common (id, c_required) VALUES (999, 'last');
INSERT INTO composite VALUES (999, 'last', 'last');
INSERT INTO evolving (id, v) VALUES (999, 'last');
)sql";

const std::vector<std::string> kTables = {"common", "composite", "evolving"};

// One source connector and the two sinks of its topics. `id` is its topic prefix and names its
// slot, its publication, its connectors and the two destination databases.
struct Variant {
  std::string id;
  // column.propagate.source.type=.* on the source: every field carries its source column's type,
  // length and scale, which Debezium's JDBC sink reads to create the columns.
  bool propagate_source_types = false;
  // The source's records unwrapped to the row (ExtractNewRecordState, deletes as tombstones), the
  // other input Debezium's JDBC sink takes.
  bool unwrap = false;
  std::string Topic(const std::string& table) const { return id + ".public." + table; }
  // The destination table of `table`'s topic: collection.name.format=${topic}, Debezium's default
  // naming strategy replacing its dots with underscores.
  std::string DestinationTable(const std::string& table) const { return id + "_public_" + table; }
  std::string DebeziumDb() const { return "dbz_" + id; }
  std::string WalrelayDb() const { return "wr_" + id; }
  std::string DebeziumSink() const { return "dbz-sink-" + id; }
  std::string WalrelaySink() const { return "wr-sink-" + id; }
};
const std::vector<Variant> kVariants = {
    {"plain", false, false}, {"typed", true, false}, {"flat", false, true}};

// A difference the test allows: matched (std::regex_search) against a Diff's `what`, which starts
// with the variant ("plain: ", "typed: ", "flat: "). Each is a bullet of docs/compatibility.md,
// "Differences from Debezium's JDBC sink".
struct Allowed {
  const char* pattern;
  const char* why;
};
const std::vector<Allowed> kAllowed = {
    {R"(^\w+: table walrelay_offsets$)",
     "walrelay keeps each sink's consumed positions in the destination, in the same transaction as "
     "the rows (exactly once): the table walrelay.offsets.table"},
    {R"(^\w+: (column \w+_public_common\.c_num_free |row \w+_public_common \(.*\) c_num_free$))",
     "a numeric without precision (Debezium's VariableScaleDecimal): Debezium's sink creates "
     "double precision and writes the value rounded to a double; walrelay creates numeric and "
     "writes it exactly"},
    {R"(^\w+: row \w+_public_common \(id=3\) c_f[48]$)",
     "NaN and Infinity in float columns: JsonConverter writes them as the strings \"NaN\" and "
     "\"Infinity\", which Kafka Connect's JsonConverter reads back as 0; walrelay reads them as "
     "NaN and Infinity"},
};

struct Diff {
  std::string what;  // "table T", "column T.C attribute", "primary key T", "row T (pk) C", ...
  std::string debezium;
  std::string walrelay;
};

// Runs `sql` (one JSON value as its only output) on `db` and parses it; null on failure, with
// the error in `*error`.
json QueryJson(const PgServer& pg, const std::string& db, const std::string& sql,
               std::string* error) {
  auto r = pg.Psql(sql, db);
  if (!r.ok()) {
    *error = r.status().ToString();
    return json();
  }
  json j = json::parse(*r, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    *error = "not JSON: " + *r;
    return json();
  }
  return j;
}

std::string Text(const json& j) { return j.is_string() ? j.get<std::string>() : j.dump(); }

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// What one destination database holds: tables (name -> columns in order, each an object of
// information_schema's attributes), primary keys (table -> column names in key order, and the
// constraint's name), and rows (table -> key text -> column -> value as text, null for NULL).
struct Destination {
  std::map<std::string, std::vector<json>> columns;
  std::map<std::string, json> primary_keys;
  std::map<std::string, std::map<std::string, json>> rows;
};

constexpr char kColumnsSql[] = R"sql(
SELECT coalesce(json_agg(json_build_object(
  'table', table_name, 'column', column_name, 'data_type', data_type, 'udt_name', udt_name,
  'character_maximum_length', character_maximum_length, 'numeric_precision', numeric_precision,
  'numeric_scale', numeric_scale, 'datetime_precision', datetime_precision,
  'interval_type', interval_type, 'is_nullable', is_nullable, 'column_default', column_default)
  ORDER BY table_name, ordinal_position), '[]')
FROM information_schema.columns WHERE table_schema = 'public')sql";

constexpr char kPrimaryKeysSql[] = R"sql(
SELECT coalesce(json_object_agg(c.relname, json_build_object('name', ic.relname, 'columns',
  (SELECT json_agg(a.attname ORDER BY k.ord)
   FROM unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
   JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum))), '{}')
FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indisprimary AND n.nspname = 'public')sql";

// Reads `db`'s tables, keys and rows; a failure is returned as text.
std::string ReadDestination(const PgServer& pg, const std::string& db, Destination* out) {
  std::string error;
  json columns = QueryJson(pg, db, kColumnsSql, &error);
  if (!error.empty()) return error;
  for (json& c : columns) {
    std::string table = c["table"];
    c.erase("table");
    out->columns[table].push_back(std::move(c));
  }
  json keys = QueryJson(pg, db, kPrimaryKeysSql, &error);
  if (!error.empty()) return error;
  for (auto it = keys.begin(); it != keys.end(); ++it) out->primary_keys[it.key()] = it.value();
  for (const auto& [table, cols] : out->columns) {
    std::string select;
    for (const json& c : cols) {
      const std::string name = c["column"];
      select += (select.empty() ? "" : ", ") + QuoteIdent(name) + "::text AS " + QuoteIdent(name);
    }
    json rows = QueryJson(pg, db,
                          "SELECT coalesce(json_agg(to_json(r)), '[]') FROM (SELECT " + select +
                              " FROM public." + QuoteIdent(table) + ") r",
                          &error);
    if (!error.empty()) return error;
    std::vector<std::string> key_columns;
    if (auto k = out->primary_keys.find(table); k != out->primary_keys.end()) {
      for (const json& name : k->second["columns"]) key_columns.push_back(name);
    }
    auto& by_key = out->rows[table];
    for (json& row : rows) {
      std::string key;
      if (key_columns.empty()) {
        key = row.dump();
      } else {
        for (const std::string& k : key_columns) {
          key += (key.empty() ? "" : ", ") + k + "=" + Text(row[k]);
        }
      }
      by_key[key] = std::move(row);
    }
  }
  return "";
}

// Every difference between Debezium's destination `d` and walrelay's `w`.
std::vector<Diff> CompareDestinations(const Destination& d, const Destination& w) {
  std::vector<Diff> diffs;
  std::set<std::string> tables;
  for (const auto& [t, cols] : d.columns) tables.insert(t);
  for (const auto& [t, cols] : w.columns) tables.insert(t);
  for (const std::string& t : tables) {
    auto dc = d.columns.find(t);
    auto wc = w.columns.find(t);
    if (dc == d.columns.end() || wc == w.columns.end()) {
      diffs.push_back({"table " + t, dc == d.columns.end() ? "(missing)" : "created",
                       wc == w.columns.end() ? "(missing)" : "created"});
      continue;
    }
    // Columns: the same names in the same order, then each one's attributes.
    std::vector<std::string> dn, wn;
    for (const json& c : dc->second) dn.push_back(c["column"]);
    for (const json& c : wc->second) wn.push_back(c["column"]);
    if (dn != wn) diffs.push_back({"columns " + t, json(dn).dump(), json(wn).dump()});
    std::vector<std::string> shared;
    for (const json& dcol : dc->second) {
      for (const json& wcol : wc->second) {
        if (wcol["column"] != dcol["column"]) continue;
        shared.push_back(dcol["column"]);
        for (auto it = dcol.begin(); it != dcol.end(); ++it) {
          if (wcol[it.key()] != it.value()) {
            diffs.push_back({"column " + t + "." + Text(dcol["column"]) + " " + it.key(),
                             it.value().dump(), wcol[it.key()].dump()});
          }
        }
      }
    }
    // The primary key.
    auto dk = d.primary_keys.find(t);
    auto wk = w.primary_keys.find(t);
    const json dkey = dk == d.primary_keys.end() ? json("(none)") : dk->second;
    const json wkey = wk == w.primary_keys.end() ? json("(none)") : wk->second;
    if (dkey != wkey) diffs.push_back({"primary key " + t, dkey.dump(), wkey.dump()});
    // The rows, paired by key, compared on the columns both have.
    const auto& drows = d.rows.at(t);
    const auto& wrows = w.rows.at(t);
    std::set<std::string> keys;
    for (const auto& [k, r] : drows) keys.insert(k);
    for (const auto& [k, r] : wrows) keys.insert(k);
    for (const std::string& k : keys) {
      auto dr = drows.find(k);
      auto wr = wrows.find(k);
      if (dr == drows.end() || wr == wrows.end()) {
        diffs.push_back({"row " + t + " (" + k + ")",
                         dr == drows.end() ? "(missing)" : dr->second.dump(),
                         wr == wrows.end() ? "(missing)" : wr->second.dump()});
        continue;
      }
      for (const std::string& c : shared) {
        if (dr->second[c] != wr->second[c]) {
          diffs.push_back(
              {"row " + t + " (" + k + ") " + c, dr->second[c].dump(), wr->second[c].dump()});
        }
      }
    }
  }
  return diffs;
}

class PeersSinkTest : public RequiresPostgres {
 protected:
  void SetUp() override {
    RequiresPostgres::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    std::string missing = KafkaConnectWorker::MissingPrerequisite();
    if (missing.empty() && (Which("kcat").empty() || Which("curl").empty())) {
      missing = "kcat or curl is not installed (scripts/install-deps)";
    }
    if (missing.empty()) return;
    if (RunningInCi()) FAIL() << missing << ", and CI is set";
    GTEST_SKIP() << missing;
  }

  // The walrelay worker's directory (its file and the connector file) is kept when the test
  // failed.
  void TearDown() override {
    if (!HasFailure()) {
      if (!dir_.empty()) std::filesystem::remove_all(dir_);
      return;
    }
    if (connect_ != nullptr) {
      for (const Variant& v : kVariants) {
        for (const std::string& name : {v.id, v.DebeziumSink()}) {
          HttpResult s = Curl({connect_->url() + "/connectors/" + name + "/status"});
          std::printf("%s status (%d): %s\n", name.c_str(), s.status, s.body.c_str());
        }
      }
      std::printf("--- end of %s/connect.log:\n%s\n", connect_->dir().c_str(),
                  connect_->LogTail().c_str());
    }
    if (walrelay_.process != nullptr) {
      for (const Variant& v : kVariants) {
        HttpResult s = Curl({walrelay_.url + "/connectors/" + v.WalrelaySink() + "/status"});
        std::printf("%s status (%d): %s\n", v.WalrelaySink().c_str(), s.status, s.body.c_str());
      }
      std::printf("--- walrelay worker stderr (tail):\n%s\n", walrelay_.StderrTail().c_str());
    }
  }

  // The config of `v`'s sinks, both sides, into `db`.
  json SinkConfig(const Variant& v, const std::string& db) const {
    std::string topics;
    for (const std::string& t : kTables) topics += (topics.empty() ? "" : ",") + v.Topic(t);
    return {
        {"connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector"},
        {"tasks.max", "1"},
        {"topics", topics},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(pg_->port()) + "/" + db},
        {"connection.username", "postgres"},
        {"connection.password", "postgres"},
        {"insert.mode", "upsert"},
        {"primary.key.mode", "record_key"},
        {"delete.enabled", "true"},
        {"schema.evolution", "basic"},
        {"auto.create", "true"},
        {"collection.name.format", "${topic}"},
        {"header.converter", kHeaderConverter},
        {"header.converter.schemas.enable", "true"}};
  }

  // Waits until `topic` holds at least `want` messages (up to 90 s); false otherwise.
  bool WaitCount(const std::string& topic, size_t want, size_t* got) {
    const auto deadline = Clock::now() + std::chrono::seconds(90);
    while (true) {
      *got = ConsumeTopic(kafka_->bootstrap_servers(), topic, "%o").size();
      if (*got >= want) return true;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  // Waits until table `table` of `db` holds row 999, the last change of its topic (until
  // `deadline`).
  bool WaitLastRow(const Variant& v, const std::string& db, const std::string& table,
                   Clock::time_point deadline) {
    const std::string key = table == "composite" ? "a" : "id";
    while (Clock::now() < deadline) {
      auto r = pg_->Psql("SELECT count(*) FROM public." + QuoteIdent(v.DestinationTable(table)) +
                             " WHERE " + key + " = 999",
                         db);
      if (r.ok() && *r == "1") return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    return false;
  }

  std::unique_ptr<PgServer> pg_;
  std::unique_ptr<KafkaCluster> kafka_;
  std::string dir_;
  WorkerProcess walrelay_;
  // Declared last: stopped first, while its Kafka and PostgreSQL still run.
  std::unique_ptr<KafkaConnectWorker> connect_;
};

TEST_F(PeersSinkTest, WalrelaySinkWritesWhatDebeziumsWrites) {
  const auto test_start = Clock::now();
  PgServerOptions options;
  options.max_wal_senders = 16;
  options.max_replication_slots = 16;
  auto pg = PgServer::Start(options);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  pg_ = std::move(pg).value();
  ASSERT_TRUE(pg_->CreateDatabase(kSourceDb).ok()) << kSourceDb;
  for (const Variant& v : kVariants) {
    for (const std::string& db : {v.DebeziumDb(), v.WalrelayDb()}) {
      ASSERT_TRUE(pg_->CreateDatabase(db).ok()) << db;
    }
  }
  auto created = pg_->Psql(kSchemaSql, kSourceDb);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  auto kafka = KafkaCluster::Up(1);
  ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
  kafka_ = std::move(kafka).value();
  auto connect = KafkaConnectWorker::Up(kafka_->bootstrap_servers(), "peers-sink");
  ASSERT_TRUE(connect.ok()) << connect.status().ToString();
  connect_ = std::move(connect).value();
  std::printf("Kafka Connect started in %.1f s\n", connect_->start_time().count() / 1000.0);

  char dir[] = "/tmp/walrelay-peers-sink-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  dir_ = dir;
  walrelay_ = ConfigureWorker(dir_ + "/worker.properties",
                              {kafka_->bootstrap_servers(), "peers-sink-walrelay", 1, {}});
  Status started = StartWorker(walrelay_);
  ASSERT_TRUE(started.ok()) << started.ToString();

  // The change topics, once per variant: Debezium's source snapshots the rows already there.
  for (const Variant& v : kVariants) {
    json config = {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
                   {"tasks.max", "1"},
                   {"database.hostname", "127.0.0.1"},
                   {"database.port", std::to_string(pg_->port())},
                   {"database.user", "postgres"},
                   {"database.password", "postgres"},
                   {"database.dbname", kSourceDb},
                   {"plugin.name", "pgoutput"},
                   {"snapshot.mode", "initial"},
                   {"schema.include.list", "public"},
                   {"topic.creation.default.replication.factor", "1"},
                   {"topic.creation.default.partitions", "1"},
                   {"topic.prefix", v.id},
                   {"slot.name", v.id + "_slot"},
                   {"publication.name", v.id + "_publication"},
                   {"header.converter", kHeaderConverter},
                   {"header.converter.schemas.enable", "true"}};
    if (v.propagate_source_types) config["column.propagate.source.type"] = ".*";
    if (v.unwrap) {
      config["transforms"] = "unwrap";
      config["transforms.unwrap.type"] = "io.debezium.transforms.ExtractNewRecordState";
      config["transforms.unwrap.delete.tombstone.handling.mode"] = "tombstone";
    }
    const json source = {{"name", v.id}, {"config", config}};
    HttpResult r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
                         source.dump(), connect_->url() + "/connectors"});
    ASSERT_EQ(r.status, 201) << r.body;
  }
  std::string last;
  for (const Variant& v : kVariants) {
    ASSERT_TRUE(WaitConnectorRunning(connect_->url(), v.id, &last, 90)) << last;
    for (const std::string& t : kTables) {
      size_t got = 0;
      ASSERT_TRUE(WaitCount(v.Topic(t), 1, &got)) << v.Topic(t) << " holds no snapshot record";
    }
  }
  // Streaming starts after the snapshot: wait until every slot is active.
  const auto slot_deadline = Clock::now() + std::chrono::seconds(60);
  const std::string want_active = std::to_string(kVariants.size());
  std::string active;
  while (active != want_active && Clock::now() < slot_deadline) {
    auto q = pg_->Psql("SELECT count(*) FROM pg_replication_slots WHERE active");
    active = q.ok() ? *q : q.status().ToString();
    if (active != want_active) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(active, want_active) << "active slots";
  std::printf("snapshots in Kafka, streaming after %.1f s\n", SecondsSince(test_start));

  // The sinks, consuming while the script runs: the columns added mid-stream reach them live.
  const auto sinks_registered = Clock::now();
  std::vector<std::string> walrelay_sinks;
  for (const Variant& v : kVariants) {
    const json debezium = {{"name", v.DebeziumSink()}, {"config", SinkConfig(v, v.DebeziumDb())}};
    HttpResult r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
                         debezium.dump(), connect_->url() + "/connectors"});
    ASSERT_EQ(r.status, 201) << r.body;
    const json ours = {{"name", v.WalrelaySink()}, {"config", SinkConfig(v, v.WalrelayDb())}};
    const std::string path = dir_ + "/" + v.WalrelaySink() + ".json";
    std::ofstream(path) << ours.dump();
    r = Register(walrelay_, path);
    ASSERT_EQ(r.status, 201) << r.body;
    walrelay_sinks.push_back(v.WalrelaySink());
  }
  for (const Variant& v : kVariants) {
    ASSERT_TRUE(WaitConnectorRunning(connect_->url(), v.DebeziumSink(), &last, 90)) << last;
  }
  ASSERT_TRUE(WaitRunning(walrelay_, walrelay_sinks)) << List(walrelay_).dump();

  auto script = pg_->Psql(kScriptSql, kSourceDb);
  ASSERT_TRUE(script.ok()) << script.status().ToString();

  const auto caught_up_deadline = Clock::now() + std::chrono::seconds(120);
  for (const Variant& v : kVariants) {
    for (const std::string& t : kTables) {
      for (const std::string& db : {v.DebeziumDb(), v.WalrelayDb()}) {
        EXPECT_TRUE(WaitLastRow(v, db, t, caught_up_deadline))
            << db << " has not applied the last change of " << v.Topic(t);
      }
    }
  }
  ASSERT_FALSE(HasFailure());
  std::printf("every destination caught up %.1f s after the sinks were registered\n",
              SecondsSince(sinks_registered));
  // Every sink is still RUNNING (a failed task would have stopped short of row 999 anyway).
  for (const Variant& v : kVariants) {
    ASSERT_TRUE(WaitConnectorRunning(connect_->url(), v.DebeziumSink(), &last)) << last;
  }
  ASSERT_TRUE(WaitRunning(walrelay_, walrelay_sinks)) << List(walrelay_).dump();

  std::vector<Diff> diffs;
  for (const Variant& v : kVariants) {
    Destination d, w;
    std::string error = ReadDestination(*pg_, v.DebeziumDb(), &d);
    ASSERT_EQ(error, "") << v.DebeziumDb();
    error = ReadDestination(*pg_, v.WalrelayDb(), &w);
    ASSERT_EQ(error, "") << v.WalrelayDb();
    // The comparison means something only when Debezium's sink wrote every table.
    for (const std::string& t : kTables) {
      EXPECT_TRUE(d.columns.count(v.DestinationTable(t)))
          << v.DestinationTable(t) << " in " << v.DebeziumDb();
    }
    if (v.propagate_source_types) {  // the source types did reach Debezium's sink
      for (const json& c : d.columns[v.DestinationTable("common")]) {
        if (c["column"] == "c_varchar") {
          EXPECT_EQ(c["data_type"], "character varying");
        }
      }
    }
    std::printf("=== %s: %zu tables (Debezium's)\n", v.id.c_str(), d.columns.size());
    for (Diff& diff : CompareDestinations(d, w)) {
      diff.what = v.id + ": " + diff.what;
      diffs.push_back(std::move(diff));
    }
  }

  // The report: every difference in full, allowed or not.
  std::set<std::string> unused_allowed;
  for (const Allowed& a : kAllowed) unused_allowed.insert(a.pattern);
  std::string unexpected;
  std::printf("=== %zu differences\n", diffs.size());
  for (const Diff& diff : diffs) {
    const char* why = nullptr;
    for (const Allowed& a : kAllowed) {
      if (std::regex_search(diff.what, std::regex(a.pattern))) {
        why = a.why;
        unused_allowed.erase(a.pattern);
        break;
      }
    }
    std::string text = std::string(why != nullptr ? "allowed" : "DIFFERENT") + "  " + diff.what +
                       "\n    debezium: " + diff.debezium + "\n    walrelay: " + diff.walrelay +
                       "\n";
    if (why != nullptr) text += "    why: " + std::string(why) + "\n";
    std::printf("%s", text.c_str());
    if (why == nullptr) unexpected += text;
  }
  EXPECT_TRUE(unexpected.empty())
      << "differences from Debezium's JDBC sink not on the allow-list:\n"
      << unexpected;
  for (const std::string& pattern : unused_allowed) {
    ADD_FAILURE() << "allow-list entry matched nothing (fixed? remove it and its doc bullet): "
                  << pattern;
  }
  std::printf("test body %.1f s\n", SecondsSince(test_start));
}

}  // namespace
}  // namespace walrelay::testing
