// walrelay's change events against Debezium's, field by field. One PostgreSQL, one Kafka broker,
// one real Kafka Connect worker running Debezium's PostgreSQL connector (3.7.1.Final) and one
// `walrelay worker` running walrelay's, with the same connector config except name, slot,
// publication and topic prefix, both with JsonConverter and schemas. Both snapshot the same
// tables and stream the same DML script (every type and handling mode walrelay supports, NULLs,
// arrays, domains, enums, the replica identities, an unchanged TOAST value, a primary key update,
// TRUNCATE, logical decoding messages, heartbeats and their action query, transaction metadata;
// table, column, operation, message prefix and tombstone filters and custom keys in some
// variants); then every topic is read with kcat, the events are paired in order (by LSN range and
// id where a topic runs on) and keys and values (schema and payload) compared recursively. Only
// what must differ is ignored (see Normalize); every other difference either fails the test or is
// on kAllowed below, each entry documented in docs/compatibility-events.md.
//
// Label `peers` (tests/integration/CMakeLists.txt): not run by `scripts/test` or CI; run it with
// `ctest -L peers -R peers_events_test`. Skipped when the Connect jars are not fetched.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
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

constexpr char kDb[] = "events_db";

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The tables, their rows before the connectors start (the snapshot) and the types they use.
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
  c_required text NOT NULL DEFAULT 'dflt');
CREATE TABLE ri_full (id int PRIMARY KEY, v text);
ALTER TABLE ri_full REPLICA IDENTITY FULL;
CREATE TABLE ri_nothing (id int, v text);
ALTER TABLE ri_nothing REPLICA IDENTITY NOTHING;
CREATE TABLE ri_index (id int PRIMARY KEY, code text NOT NULL, v text);
CREATE UNIQUE INDEX ri_index_code ON ri_index (code);
ALTER TABLE ri_index REPLICA IDENTITY USING INDEX ri_index_code;
CREATE TABLE toasted (id int PRIMARY KEY, big text, small int);
ALTER TABLE toasted ALTER COLUMN big SET STORAGE EXTERNAL;
CREATE TABLE trunc (id int PRIMARY KEY);
CREATE TABLE hb (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE excluded (id int PRIMARY KEY);
INSERT INTO common VALUES (1, -32768, 2147483647, -9223372036854775808, 12345.678, 0.000001,
  'snapshot text', 'vc', 'ab', true, 1.5, -2.25e-10, '2024-02-29', '23:59:59.999999',
  '12:34:56.789', '10:11:12.5+02', '2024-02-29 23:59:59.123456', '1999-12-31 00:00:00.5',
  '2024-06-01 12:00:00.654321+02', '1 year 2 mons 3 days 04:05:06.789', '\xfbff10',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{"a": [1, 2]}', '{"b": {"c": null}}', 12.34,
  '192.168.1.0/24', '{1,NULL,3}', '{"x","y z"}', 7, 'happy', 'set');
INSERT INTO common (id, c_required) VALUES (2, 'nulls');
)sql";

// The DML script, streamed after both snapshots.
constexpr char kScriptSql[] = R"sql(
INSERT INTO common VALUES (3, 1, -1, 1, -0.001, -123456789.123456789, 'ünïcödé "q" \ t',
  '', 'x', false, 'NaN', 'Infinity', '0001-01-01', '00:00:00', '00:00:00.001', '00:00:00-08',
  '1970-01-01 00:00:00', '2038-01-19 03:14:07.999', '1970-01-01 00:00:00+00', '-3 days',
  '\x', '00000000-0000-0000-0000-000000000000', '[]', '{}', -0.5, '::1', '{}', '{NULL}', 1,
  'sad', 'streamed');
INSERT INTO common (id, c_required) VALUES (4, 'nulls too');
UPDATE common SET c_text = 'updated', c_num = 1, c_enum = 'ok', c_int_arr = '{4,5}',
  c_money = '83234458534636599.30', c_bytea = '\xfbffbf' WHERE id = 3;
DELETE FROM common WHERE id = 4;
UPDATE common SET id = 100 WHERE id = 1;
INSERT INTO ri_full VALUES (1, 'one');
UPDATE ri_full SET v = 'uno' WHERE id = 1;
DELETE FROM ri_full WHERE id = 1;
INSERT INTO ri_nothing VALUES (1, 'nothing');
INSERT INTO ri_index VALUES (1, 'c1', 'v1');
UPDATE ri_index SET v = 'v2' WHERE id = 1;
DELETE FROM ri_index WHERE id = 1;
INSERT INTO toasted SELECT 1, string_agg(md5(i::text), '' ORDER BY i), 1
  FROM generate_series(1, 400) AS i;
UPDATE toasted SET small = 2 WHERE id = 1;
INSERT INTO trunc VALUES (1);
INSERT INTO excluded VALUES (1);
BEGIN;
INSERT INTO excluded VALUES (2);
INSERT INTO ri_nothing VALUES (2, 'after a row of a table strings leaves out');
COMMIT;
TRUNCATE trunc;
BEGIN;
INSERT INTO trunc VALUES (2);
SELECT pg_logical_emit_message(true, 'tx-prefix', 'in a transaction');
SELECT pg_logical_emit_message(true, 'drop-me', 'filtered out where a prefix list says so');
COMMIT;
SELECT pg_logical_emit_message(false, 'plain-prefix', '\x01ff'::bytea);
SELECT pg_logical_emit_message(false, 'keep-me', 'kept');
)sql";

// Events each table topic must hold at the end (snapshot + script; a delete is two: the delete
// event and its tombstone; a primary key update three: delete, tombstone, create), unless a
// variant says otherwise (Variant::events). Table hb is not here: the heartbeat.action.query of
// the `defaults` connectors inserts into it every second (CompareStreamedRange).
const std::map<std::string, size_t> kTableEvents = {
    {"public.common", 2 + 2 + 1 + 2 + 3},
    {"public.ri_full", 4},
    {"public.ri_nothing", 2},
    {"public.ri_index", 4},
    {"public.toasted", 2},
    {"public.trunc", 3},
};

// One pair of connectors: Debezium's and walrelay's, with `config` added to the common config.
struct Variant {
  std::string id;
  json config;
  bool transactions = false;
  bool heartbeats = false;
  // Events of the table topics where they differ from kTableEvents (at least this many: the
  // counts are compared anyway), and of the message topic (four messages, less the filtered).
  std::map<std::string, size_t> events = {};
  size_t messages = 4;
  size_t TableEvents(const std::string& table) const {
    auto it = events.find(table);
    return it != events.end() ? it->second : kTableEvents.at(table);
  }
  std::string DebeziumPrefix() const { return "dbz_" + id; }
  std::string WalrelayPrefix() const { return "wr_" + id; }
};

const std::vector<Variant>& Variants() {
  static const std::vector<Variant> variants = {
      {"defaults",
       {{"decimal.handling.mode", "precise"},
        {"time.precision.mode", "adaptive"},
        {"binary.handling.mode", "bytes"},
        {"heartbeat.interval.ms", "1000"},
        {"heartbeat.action.query", "INSERT INTO public.hb DEFAULT VALUES"},
        {"message.prefix.exclude.list", "drop-.*"}},
       false,
       true,
       {},
       3},
      {"strings",
       {{"decimal.handling.mode", "string"},
        {"time.precision.mode", "connect"},
        {"binary.handling.mode", "base64"},
        {"interval.handling.mode", "string"},
        {"provide.transaction.metadata", "true"},
        {"table.exclude.list", "public\\.excluded"}},
       true,
       false},
      {"doubles",
       {{"decimal.handling.mode", "double"},
        {"time.precision.mode", "adaptive_time_microseconds"},
        {"binary.handling.mode", "hex"},
        {"skipped.operations", "t"},
        {"column.exclude.list", "public\\.common\\.c_(json|money),public\\.ri_full\\.v"}},
       false,
       false,
       {{"public.trunc", 2}}},
      // Filters: of columns, operations, tombstones, message prefixes; custom keys.
      {"filters",
       {{"binary.handling.mode", "base64-url-safe"},
        {"skipped.operations", "u"},
        {"tombstones.on.delete", "false"},
        {"column.include.list",
         "public\\.common\\.(id|c_text|c_bytea|c_required),"
         "public\\.(ri_full|ri_nothing|ri_index|toasted|trunc|hb)\\..*"},
        {"message.key.columns", "public.ri_nothing:id;public.ri_full:v"},
        {"message.prefix.include.list", "tx-.*,keep-.*"},
        // Transactions whose only changes are skipped updates: BEGIN and END, END 0.
        {"provide.transaction.metadata", "true"}},
       true,
       false,
       // common: snapshot 2, inserts 2, delete 1 (and the primary key update, 0 or 2).
       {{"public.common", 5}, {"public.ri_full", 2}, {"public.ri_index", 2}, {"public.toasted", 1}},
       2},
  };
  return variants;
}

// A difference walrelay keeps on purpose or for now: matched (std::regex_search) against
// "<topic without prefix> <path>", e.g. "public.common value.payload.after.c_money". Each is a
// bullet of docs/compatibility-events.md.
struct Allowed {
  const char* pattern;
  const char* why;
};
const std::vector<Allowed> kAllowed = {
    {R"(value\.schema\.fields\{source\}\.fields\[names\]$|value\.payload\.source\.origin(_lsn)?$)",
     "Debezium 3.x adds source.origin and source.origin_lsn (replication origin); walrelay does "
     "not"},
    {R"(value\.payload\.source\.snapshot$)",
     "snapshot markers: Debezium 3.x writes first, first_in_data_collection, "
     "last_in_data_collection and last (on the snapshot's last record even when the tables "
     "after it are empty); walrelay true, and last only for a record of the last table"},
    {R"(value\.payload\.source\.sequence$)",
     "the first element of source.sequence (the last commit's LSN) is where the previous "
     "transaction ended for Debezium 3.7, where its commit record starts for walrelay"},
    {R"(^message value\.schema\.fields\[names\]$|^message value\.payload\.transaction$)",
     "Debezium 3.x adds the transaction block to logical decoding message events"},
    {R"(^transaction value\.payload\.(event_count|data_collections)$)",
     "Debezium 3.x counts transactional logical decoding messages in the END event"},
};

struct Diff {
  std::string where;  // "<topic> #<index> <path>"
  std::string path;   // "<topic without prefix> <path>", what kAllowed matches
  std::string debezium;
  std::string walrelay;
};

std::string Short(const json& j) {
  std::string s = j.dump();
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

// Replaces every occurrence of `prefix` in the strings of `j` with "<prefix>": schema names, the
// heartbeat key, source.name.
void ReplacePrefix(json& j, const std::string& prefix) {
  if (j.is_string()) {
    std::string s = j.get<std::string>();
    for (size_t at = s.find(prefix); at != std::string::npos;
         at = s.find(prefix, at + sizeof("<prefix>") - 1)) {
      s.replace(at, prefix.size(), "<prefix>");
    }
    j = s;
  } else if (j.is_structured()) {
    for (auto& child : j) ReplacePrefix(child, prefix);
  }
}

// Removes what must differ between two connectors reading the same WAL:
// - the times events were made (ts_ms/us/ns of the envelope, of source, of transaction events
//   and heartbeats): each connector builds its events at its own time;
// - source.version: the versions are different programs';
// - for snapshot records, source.lsn, txId, sequence and xmin: each connector snapshots in its own
//   transaction at its own slot's position. Streamed events keep them: both slots decode the same
//   WAL, so the positions and transaction ids must be the same.
// The prefix is replaced (ReplacePrefix); the connector's name appears in no event.
void Normalize(json& message, const std::string& prefix) {
  ReplacePrefix(message, prefix);
  if (!message.is_object() || !message.contains("payload")) return;
  json& payload = message["payload"];
  if (!payload.is_object()) return;
  for (const char* f : {"ts_ms", "ts_us", "ts_ns"}) payload.erase(f);
  if (payload.contains("source") && payload["source"].is_object()) {
    json& source = payload["source"];
    for (const char* f : {"ts_ms", "ts_us", "ts_ns", "version"}) source.erase(f);
    const json snapshot = source.value("snapshot", json("false"));
    if (snapshot.is_string() && snapshot != "false") {
      for (const char* f : {"lsn", "txId", "sequence", "xmin"}) source.erase(f);
    }
  }
}

bool IsFieldList(const json& j) {
  if (!j.is_array() || j.empty()) return false;
  for (const json& e : j) {
    if (!e.is_object() || !e.contains("field")) return false;
  }
  return true;
}

// Compares `d` (Debezium's) with `w` (walrelay's) and appends what differs under `path`. Struct
// schemas' field lists are compared by name (and their order), so one missing field is one
// difference, not a shifted list.
void Compare(const json& d, const json& w, const std::string& path, std::vector<Diff>* out) {
  auto add = [&](const std::string& p, const std::string& dv, const std::string& wv) {
    out->push_back({"", p, dv, wv});
  };
  if (d.is_object() && w.is_object()) {
    for (auto it = d.begin(); it != d.end(); ++it) {
      const std::string p = path + "." + it.key();
      if (!w.contains(it.key())) {
        add(p, Short(it.value()), "(missing)");
      } else {
        Compare(it.value(), w[it.key()], p, out);
      }
    }
    for (auto it = w.begin(); it != w.end(); ++it) {
      if (!d.contains(it.key())) add(path + "." + it.key(), "(missing)", Short(it.value()));
    }
    return;
  }
  if (IsFieldList(d) && IsFieldList(w)) {
    std::vector<std::string> dn, wn;
    for (const json& f : d) dn.push_back(f["field"].get<std::string>());
    for (const json& f : w) wn.push_back(f["field"].get<std::string>());
    if (dn != wn) add(path + "[names]", json(dn).dump(), json(wn).dump());
    for (const json& df : d) {
      const std::string name = df["field"].get<std::string>();
      for (const json& wf : w) {
        if (wf["field"] == name) Compare(df, wf, path + "{" + name + "}", out);
      }
    }
    return;
  }
  if (d.is_array() && w.is_array() && d.size() == w.size()) {
    for (size_t i = 0; i < d.size(); ++i) {
      Compare(d[i], w[i], path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (d != w) add(path, Short(d), Short(w));
}

// One message as kcat printed it with "%k\t%s": key and value, JSON or null (empty).
struct Message {
  json key;
  json value;
};

Message ParseMessage(const std::string& line) {
  Message m;
  const size_t tab = line.find('\t');
  const std::string key = line.substr(0, tab);
  const std::string value = tab == std::string::npos ? "" : line.substr(tab + 1);
  m.key = key.empty() ? json() : json::parse(key, nullptr, /*allow_exceptions=*/false);
  m.value = value.empty() ? json() : json::parse(value, nullptr, /*allow_exceptions=*/false);
  return m;
}

class PeersEventsTest : public RequiresPostgres {
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

  // The worker's directory (its file and the connector files) is kept when the test failed.
  void TearDown() override {
    if (!HasFailure()) {
      if (!dir_.empty()) std::filesystem::remove_all(dir_);
      return;
    }
    if (connect_ != nullptr) {
      for (const Variant& v : Variants()) {
        HttpResult s = Curl({connect_->url() + "/connectors/dbz-" + v.id + "/status"});
        std::printf("dbz-%s status (%d): %s\n", v.id.c_str(), s.status, s.body.c_str());
      }
      std::printf("--- end of %s/connect.log:\n%s\n", connect_->dir().c_str(),
                  connect_->LogTail().c_str());
    }
    if (walrelay_.process != nullptr) {
      std::printf("--- walrelay worker stderr (tail):\n%s\n", walrelay_.StderrTail().c_str());
    }
  }

  // The connector config both sides share, with `v`'s settings.
  json Config(const Variant& v, const std::string& prefix) const {
    json c = {{"connector.class", "io.debezium.connector.postgresql.PostgresConnector"},
              {"tasks.max", "1"},
              {"database.hostname", "127.0.0.1"},
              {"database.port", std::to_string(pg_->port())},
              {"database.user", "postgres"},
              {"database.password", "postgres"},
              {"database.dbname", kDb},
              {"plugin.name", "pgoutput"},
              {"snapshot.mode", "initial"},
              {"schema.include.list", "public"},
              {"skipped.operations", "none"},
              {"topic.creation.default.replication.factor", "1"},
              {"topic.creation.default.partitions", "1"},
              {"topic.prefix", prefix},
              {"slot.name", prefix},
              {"publication.name", prefix}};
    for (auto it = v.config.begin(); it != v.config.end(); ++it) c[it.key()] = it.value();
    return c;
  }

  // Every message of each of `topics` as kcat prints them with `format`, one kcat per topic, up
  // to eight at a time: a kcat spends most of its half second waiting for the broker, and the
  // test reads some seventy topics.
  std::map<std::string, std::vector<std::string>> ConsumeAll(const std::vector<std::string>& topics,
                                                             const std::string& format) {
    std::map<std::string, std::vector<std::string>> out;
    constexpr size_t kParallel = 8;
    for (size_t at = 0; at < topics.size(); at += kParallel) {
      std::vector<std::future<std::vector<std::string>>> running;
      for (size_t i = at; i < std::min(at + kParallel, topics.size()); ++i) {
        running.push_back(std::async(std::launch::async, [this, &topics, &format, i] {
          return ConsumeTopic(kafka_->bootstrap_servers(), topics[i], format);
        }));
      }
      for (size_t i = at; i < std::min(at + kParallel, topics.size()); ++i) {
        out[topics[i]] = running[i - at].get();
      }
    }
    return out;
  }

  // Reads every message of `topics` at once, for Read.
  void ReadAll(const std::vector<std::string>& topics) {
    for (auto& [topic, lines] : ConsumeAll(topics, "%k\t%s")) {
      std::vector<Message>& messages = read_[topic];
      messages.clear();
      for (const std::string& line : lines) messages.push_back(ParseMessage(line));
    }
  }

  // Every message of `topic`: as ReadAll read it, or read now.
  std::vector<Message> Read(const std::string& topic) {
    if (read_.count(topic) == 0) ReadAll({topic});
    return read_[topic];
  }

  // Waits until each topic of `want` holds at least as many messages (up to `seconds`); returns
  // those that do not, with how many they held.
  std::map<std::string, size_t> WaitCounts(std::map<std::string, size_t> want, int seconds = 90) {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    std::map<std::string, size_t> short_of;
    while (true) {
      std::vector<std::string> topics;
      for (const auto& entry : want) topics.push_back(entry.first);
      short_of.clear();
      for (const auto& [topic, lines] : ConsumeAll(topics, "%o")) {
        if (lines.size() >= want[topic]) {
          want.erase(topic);
        } else {
          short_of[topic] = lines.size();
        }
      }
      if (want.empty() || Clock::now() >= deadline) return short_of;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }

  // Compares the first `count` messages of Debezium's and walrelay's `suffix` topics of `v`
  // (the whole topic when count is 0) and appends the differences.
  void CompareTopic(const Variant& v, const std::string& debezium_topic,
                    const std::string& walrelay_topic, const std::string& label, size_t count,
                    std::vector<Diff>* diffs) {
    std::vector<Message> d = Read(debezium_topic);
    std::vector<Message> w = Read(walrelay_topic);
    if (count == 0) {
      if (d.size() != w.size()) {
        diffs->push_back({debezium_topic, label + " [count]", std::to_string(d.size()),
                          std::to_string(w.size())});
      }
      count = std::min(d.size(), w.size());
    }
    ASSERT_GE(d.size(), count) << debezium_topic;
    ASSERT_GE(w.size(), count) << walrelay_topic;
    for (size_t i = 0; i < count; ++i) {
      Normalize(d[i].key, v.DebeziumPrefix());
      Normalize(d[i].value, v.DebeziumPrefix());
      Normalize(w[i].key, v.WalrelayPrefix());
      Normalize(w[i].value, v.WalrelayPrefix());
      std::vector<Diff> found;
      Compare(d[i].key, w[i].key, "key", &found);
      Compare(d[i].value, w[i].value, "value", &found);
      for (Diff& f : found) {
        f.where = v.id + " " + label + " #" + std::to_string(i) + " " + f.path;
        f.path = label + " " + f.path;
        diffs->push_back(std::move(f));
      }
    }
  }

  // Compares the streamed events of a table written to all the time (hb, by the heartbeat action
  // queries): both slots decode the same WAL, but each topic starts (the other connector's
  // inserts before its slot existed, or in its snapshot) and ends (still streaming) elsewhere.
  // So only the events in the LSN range both topics cover are compared, in order; at least two.
  void CompareStreamedRange(const Variant& v, const std::string& debezium_topic,
                            const std::string& walrelay_topic, const std::string& label,
                            std::vector<Diff>* diffs) {
    auto streamed = [](std::vector<Message> all) {
      std::vector<std::pair<int64_t, Message>> out;
      for (Message& m : all) {
        const json* source = m.value.is_object() ? &m.value["payload"]["source"] : nullptr;
        if (source == nullptr || !source->is_object() || source->value("snapshot", "") != "false")
          continue;
        out.emplace_back((*source)["lsn"].get<int64_t>(), std::move(m));
      }
      return out;
    };
    auto d = streamed(Read(debezium_topic));
    auto w = streamed(Read(walrelay_topic));
    ASSERT_FALSE(d.empty()) << debezium_topic << " holds no streamed event";
    ASSERT_FALSE(w.empty()) << walrelay_topic << " holds no streamed event";
    const int64_t lo = std::max(d.front().first, w.front().first);
    const int64_t hi = std::min(d.back().first, w.back().first);
    auto in_range = [&](std::vector<std::pair<int64_t, Message>>& list) {
      std::erase_if(list, [&](const auto& e) { return e.first < lo || e.first > hi; });
    };
    in_range(d);
    in_range(w);
    ASSERT_GE(std::min(d.size(), w.size()), 2u) << label << ": too few events in common";
    if (d.size() != w.size()) {
      diffs->push_back({v.id + " " + label, label + " [count]", std::to_string(d.size()),
                        std::to_string(w.size())});
    }
    for (size_t i = 0; i < std::min(d.size(), w.size()); ++i) {
      Message& dm = d[i].second;
      Message& wm = w[i].second;
      Normalize(dm.key, v.DebeziumPrefix());
      Normalize(dm.value, v.DebeziumPrefix());
      Normalize(wm.key, v.WalrelayPrefix());
      Normalize(wm.value, v.WalrelayPrefix());
      std::vector<Diff> found;
      Compare(dm.key, wm.key, "key", &found);
      Compare(dm.value, wm.value, "value", &found);
      for (Diff& f : found) {
        f.where = v.id + " " + label + " #" + std::to_string(i) + " " + f.path;
        f.path = label + " " + f.path;
        diffs->push_back(std::move(f));
      }
    }
  }

  // Compares the transaction topics: BEGIN and END events paired by id and status, in the range
  // of LSNs (the id's second part) both topics cover, as hb's transactions run on (see
  // CompareStreamedRange). An event only one side has is a difference at "transaction [only
  // debezium]" ("[only walrelay]"), or "transaction [only debezium, empty transaction]" when
  // Debezium's END of that transaction counts no event.
  void CompareTransactions(const Variant& v, const std::string& debezium_topic,
                           const std::string& walrelay_topic, std::vector<Diff>* diffs) {
    struct Event {
      std::string txid;
      int64_t lsn = 0;
      std::string status;
      Message message;
    };
    auto parse = [](std::vector<Message> all) {
      std::vector<Event> out;
      for (Message& m : all) {
        if (!m.value.is_object()) continue;
        const json& payload = m.value["payload"];
        const std::string id = payload.value("id", "");
        const size_t colon = id.find(':');
        if (colon == std::string::npos) continue;
        out.push_back({id.substr(0, colon), std::stoll(id.substr(colon + 1)),
                       payload.value("status", ""), std::move(m)});
      }
      return out;
    };
    std::vector<Event> d = parse(Read(debezium_topic));
    std::vector<Event> w = parse(Read(walrelay_topic));
    ASSERT_FALSE(d.empty() || w.empty()) << "no transaction events";
    // The range of complete transactions: END events' LSNs (BEGIN's is the transaction's first
    // LSN, or its first data event's, at most END's).
    auto lsns = [](const std::vector<Event>& list) {
      int64_t lo = INT64_MAX, hi = INT64_MIN;
      for (const Event& e : list) {
        if (e.status == "END") lo = std::min(lo, e.lsn), hi = std::max(hi, e.lsn);
      }
      return std::make_pair(lo, hi);
    };
    const int64_t lo = std::max(lsns(d).first, lsns(w).first);
    const int64_t hi = std::min(lsns(d).second, lsns(w).second);
    auto out_of_range = [&](const Event& e) { return e.lsn < lo || e.lsn > hi; };
    std::erase_if(d, out_of_range);
    std::erase_if(w, out_of_range);
    // A BEGIN whose END is past the range (one side has not sent that END yet) is left out.
    auto without_end = [](std::vector<Event>& list) {
      std::set<std::string> ended;
      for (const Event& e : list) {
        if (e.status == "END") ended.insert(e.txid);
      }
      std::erase_if(list, [&](const Event& e) { return ended.count(e.txid) == 0; });
    };
    without_end(d);
    without_end(w);
    std::set<std::string> empty;  // transactions Debezium's END counts no event in
    for (const Event& e : d) {
      if (e.status == "END" && e.message.value["payload"].value("event_count", -1) == 0) {
        empty.insert(e.txid);
      }
    }
    std::map<std::string, Event*> by_id;
    for (Event& e : w) by_id[e.message.value["payload"].value("id", "") + e.status] = &e;
    size_t index = 0;
    for (Event& e : d) {
      const std::string id = e.message.value["payload"].value("id", "");
      const std::string where =
          v.id + " transaction #" + std::to_string(index++) + " " + id + " " + e.status;
      auto it = by_id.find(id + e.status);
      if (it == by_id.end()) {
        diffs->push_back({where,
                          empty.count(e.txid) != 0
                              ? "transaction [only debezium, empty transaction]"
                              : "transaction [only debezium]",
                          Short(e.message.value["payload"]), "(missing)"});
        continue;
      }
      Message& wm = it->second->message;
      by_id.erase(it);
      Normalize(e.message.key, v.DebeziumPrefix());
      Normalize(e.message.value, v.DebeziumPrefix());
      Normalize(wm.key, v.WalrelayPrefix());
      Normalize(wm.value, v.WalrelayPrefix());
      std::vector<Diff> found;
      Compare(e.message.key, wm.key, "key", &found);
      Compare(e.message.value, wm.value, "value", &found);
      for (Diff& f : found) {
        f.where = where + " " + f.path;
        f.path = "transaction " + f.path;
        diffs->push_back(std::move(f));
      }
    }
    for (const auto& [id, e] : by_id) {
      diffs->push_back({v.id + " transaction " + id, "transaction [only walrelay]", "(missing)",
                        Short(e->message.value["payload"])});
    }
  }

  // The settings of the variants did what they say (on walrelay's side; Debezium's events are
  // compared with these), so a setting both connectors ignored could not pass unnoticed.
  void ExpectSettingsApplied() {
    auto payloads = [this](const std::string& topic) {
      std::vector<json> out;
      for (const Message& m : read_[topic]) {
        out.push_back(m.value.is_object() ? m.value["payload"] : json());
      }
      return out;
    };
    std::set<std::string> ops, after_fields;
    bool tombstone = false;
    for (const json& p : payloads("wr_filters.public.common")) {
      if (p.is_null()) {
        tombstone = true;
        continue;
      }
      ops.insert(p["op"].get<std::string>());
      if (p["after"].is_object() && p["after"]["id"] == 1) {
        EXPECT_EQ(p["after"]["c_bytea"], "-_8Q") << "base64-url-safe";
      }
      for (auto it = p["after"].begin(); p["after"].is_object() && it != p["after"].end(); ++it) {
        after_fields.insert(it.key());
      }
    }
    EXPECT_EQ(ops, (std::set<std::string>{"r", "c", "d"})) << "skipped.operations=u";
    EXPECT_FALSE(tombstone) << "tombstones.on.delete=false";
    EXPECT_EQ(after_fields, (std::set<std::string>{"id", "c_text", "c_bytea", "c_required"}))
        << "column.include.list";
    for (const Message& m : read_["wr_filters.public.ri_nothing"]) {
      EXPECT_FALSE(m.key.is_null()) << "message.key.columns";
    }
    std::set<std::string> prefixes;
    for (const json& p : payloads("wr_filters.message")) {
      prefixes.insert(p["message"]["prefix"].get<std::string>());
    }
    EXPECT_EQ(prefixes, (std::set<std::string>{"tx-prefix", "keep-me"}))
        << "message.prefix.include.list";
    prefixes.clear();
    for (const json& p : payloads("wr_defaults.message")) {
      prefixes.insert(p["message"]["prefix"].get<std::string>());
    }
    EXPECT_EQ(prefixes, (std::set<std::string>{"tx-prefix", "plain-prefix", "keep-me"}))
        << "message.prefix.exclude.list";
    for (const json& p : payloads("wr_doubles.public.trunc")) {
      EXPECT_NE(p.value("op", ""), "t") << "skipped.operations=t";
    }
    for (const json& p : payloads("wr_doubles.public.common")) {
      if (p.is_object() && p["after"].is_object()) {
        EXPECT_FALSE(p["after"].contains("c_json") || p["after"].contains("c_money"))
            << "column.exclude.list";
      }
    }
    // hb's inserts come from heartbeat.action.query (CompareStreamedRange wants at least two).
    EXPECT_FALSE(read_["wr_defaults.public.hb"].empty()) << "heartbeat.action.query";
  }

  std::map<std::string, std::vector<Message>> read_;  // by ReadAll
  std::unique_ptr<PgServer> pg_;
  std::unique_ptr<KafkaCluster> kafka_;
  std::string dir_;
  WorkerProcess walrelay_;
  // Declared last: stopped first, while its Kafka and PostgreSQL still run.
  std::unique_ptr<KafkaConnectWorker> connect_;
};

TEST_F(PeersEventsTest, WalrelayEventsEqualDebeziumsFieldByField) {
  const auto test_start = Clock::now();
  PgServerOptions options;
  options.max_wal_senders = 16;
  options.max_replication_slots = 16;
  auto pg = PgServer::Start(options);
  ASSERT_TRUE(pg.ok()) << pg.status().ToString();
  pg_ = std::move(pg).value();
  ASSERT_TRUE(pg_->CreateDatabase(kDb).ok());
  auto created = pg_->Psql(kSchemaSql, kDb);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  auto kafka = KafkaCluster::Up(1);
  ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
  kafka_ = std::move(kafka).value();
  auto connect = KafkaConnectWorker::Up(kafka_->bootstrap_servers(), "peers-events");
  ASSERT_TRUE(connect.ok()) << connect.status().ToString();
  connect_ = std::move(connect).value();
  std::printf("Kafka Connect started in %.1f s\n", connect_->start_time().count() / 1000.0);

  char dir[] = "/tmp/walrelay-peers-events-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  dir_ = dir;
  walrelay_ = ConfigureWorker(std::string(dir) + "/worker.properties",
                              {kafka_->bootstrap_servers(), "peers-events-walrelay", 1, {}});
  Status started = StartWorker(walrelay_);
  ASSERT_TRUE(started.ok()) << started.ToString();

  // Both connectors of every variant, snapshotting the rows already there.
  std::vector<std::string> walrelay_names;
  for (const Variant& v : Variants()) {
    const json debezium = {{"name", "dbz-" + v.id}, {"config", Config(v, v.DebeziumPrefix())}};
    HttpResult r = Curl({"-X", "POST", "-H", "Content-Type: application/json", "--data",
                         debezium.dump(), connect_->url() + "/connectors"});
    ASSERT_EQ(r.status, 201) << r.body;
    const json ours = {{"name", "wr-" + v.id}, {"config", Config(v, v.WalrelayPrefix())}};
    const std::string path = std::string(dir) + "/wr-" + v.id + ".json";
    std::ofstream(path) << ours.dump();
    r = Register(walrelay_, path);
    ASSERT_EQ(r.status, 201) << r.body;
    walrelay_names.push_back("wr-" + v.id);
  }
  for (const Variant& v : Variants()) {
    std::string last;
    ASSERT_TRUE(WaitConnectorRunning(connect_->url(), "dbz-" + v.id, &last, 90)) << last;
  }
  ASSERT_TRUE(WaitRunning(walrelay_, walrelay_names)) << List(walrelay_).dump();

  // Both snapshots are done (and both slots exist) once the snapshot rows are in Kafka.
  std::map<std::string, size_t> snapshots;
  for (const Variant& v : Variants()) {
    for (const std::string& prefix : {v.DebeziumPrefix(), v.WalrelayPrefix()}) {
      snapshots[prefix + ".public.common"] = 2;
    }
  }
  for (const auto& [topic, got] : WaitCounts(snapshots)) {
    ADD_FAILURE() << topic << " holds " << got << " of the 2 snapshot records";
  }
  ASSERT_FALSE(HasFailure());
  std::printf("snapshots in Kafka after %.1f s\n", SecondsSince(test_start));
  // Debezium's streaming starts after its snapshot: wait until every slot is active.
  const auto slots_deadline = Clock::now() + std::chrono::seconds(60);
  std::string active;
  while (Clock::now() < slots_deadline) {
    auto q = pg_->Psql("SELECT count(*) FROM pg_replication_slots WHERE active");
    active = q.ok() ? *q : q.status().ToString();
    if (active == std::to_string(2 * Variants().size())) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(active, std::to_string(2 * Variants().size())) << "active slots";

  std::printf("slots active after %.1f s\n", SecondsSince(test_start));
  auto script = pg_->Psql(kScriptSql, kDb);
  ASSERT_TRUE(script.ok()) << script.status().ToString();

  // Wait for every table topic to be complete on both sides, then compare.
  std::map<std::string, size_t> want;
  for (const Variant& v : Variants()) {
    for (const std::string& prefix : {v.DebeziumPrefix(), v.WalrelayPrefix()}) {
      for (const auto& entry : kTableEvents) {
        want[prefix + "." + entry.first] = v.TableEvents(entry.first);
      }
      want[prefix + ".message"] = v.messages;
      if (v.heartbeats) want["__debezium-heartbeat." + prefix] = 1;
    }
  }
  for (const auto& [topic, got] : WaitCounts(want)) {
    ADD_FAILURE() << topic << " holds " << got << " of " << want[topic] << " events";
  }
  ASSERT_FALSE(HasFailure());
  std::printf("all events in Kafka after %.1f s\n", SecondsSince(test_start));
  // A moment for anything past the expected counts (an event too many) to arrive.
  std::this_thread::sleep_for(std::chrono::seconds(2));

  std::vector<std::string> topics;
  for (const Variant& v : Variants()) {
    for (const std::string& prefix : {v.DebeziumPrefix(), v.WalrelayPrefix()}) {
      for (const auto& entry : kTableEvents) topics.push_back(prefix + "." + entry.first);
      for (const char* suffix : {".public.hb", ".message"}) topics.push_back(prefix + suffix);
      if (v.heartbeats) topics.push_back("__debezium-heartbeat." + prefix);
      if (v.transactions) topics.push_back(prefix + ".transaction");
    }
  }
  ReadAll(topics);
  std::printf("topics read after %.1f s\n", SecondsSince(test_start));
  ExpectSettingsApplied();

  std::vector<Diff> diffs;
  for (const Variant& v : Variants()) {
    const std::string d = v.DebeziumPrefix(), w = v.WalrelayPrefix();
    for (const auto& entry : kTableEvents) {
      CompareTopic(v, d + "." + entry.first, w + "." + entry.first, entry.first, 0, &diffs);
    }
    CompareStreamedRange(v, d + ".public.hb", w + ".public.hb", "public.hb", &diffs);
    CompareTopic(v, d + ".message", w + ".message", "message", 0, &diffs);
    if (v.heartbeats) {
      CompareTopic(v, "__debezium-heartbeat." + d, "__debezium-heartbeat." + w, "heartbeat", 1,
                   &diffs);
    }
    if (v.transactions) {
      CompareTransactions(v, d + ".transaction", w + ".transaction", &diffs);
    }
  }

  // The report: every difference, allowed or not, grouped by path.
  std::map<std::string, std::vector<const Diff*>> by_path;
  for (const Diff& diff : diffs) by_path[diff.path].push_back(&diff);
  std::set<std::string> unused_allowed;
  for (const Allowed& a : kAllowed) unused_allowed.insert(a.pattern);
  std::string unexpected;
  std::printf("=== %zu differences at %zu paths\n", diffs.size(), by_path.size());
  for (const auto& [path, list] : by_path) {
    const char* why = nullptr;
    for (const Allowed& a : kAllowed) {
      if (std::regex_search(path, std::regex(a.pattern))) {
        why = a.why;
        unused_allowed.erase(a.pattern);
        break;
      }
    }
    std::string text = std::string(why != nullptr ? "allowed" : "DIFFERENT") + "  " + path + "  (" +
                       std::to_string(list.size()) + "x)\n";
    for (size_t i = 0; i < list.size() && i < 3; ++i) {
      text += "    " + list[i]->where + "\n      debezium: " + list[i]->debezium +
              "\n      walrelay: " + list[i]->walrelay + "\n";
    }
    if (why != nullptr) text += "    why: " + std::string(why) + "\n";
    std::printf("%s", text.c_str());
    if (why == nullptr) unexpected += text;
  }
  EXPECT_TRUE(unexpected.empty()) << "differences from Debezium not on the allow-list:\n"
                                  << unexpected;
  for (const std::string& pattern : unused_allowed) {
    ADD_FAILURE() << "allow-list entry matched nothing (fixed? remove it and its doc bullet): "
                  << pattern;
  }
  std::printf("test body %.1f s\n", SecondsSince(test_start));
}

}  // namespace
}  // namespace walrelay::testing
