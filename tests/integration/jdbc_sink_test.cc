// The JDBC sink against a real PostgreSQL: every insert.mode, deletes, truncates, auto.create,
// auto.evolve, TOAST placeholders, errors that name the table and key, and the position committed
// in the same transaction as the rows (all or nothing).
#include "sink/jdbc_sink.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sink/kafka_position.h"
#include "testing/pg_fixture.h"

namespace walrelay::sink {
namespace {

using data::PrimitiveSchema;
using data::Record;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

const SchemaPtr kKey =
    SchemaBuilder(Type::kStruct).AddField("id", PrimitiveSchema(Type::kInt32, false)).Build();
const SchemaPtr kRow = SchemaBuilder(Type::kStruct)
                           .Name("srv.public.items.Value")
                           .AddField("id", PrimitiveSchema(Type::kInt32, false))
                           .AddField("name", PrimitiveSchema(Type::kString, true))
                           .AddField("qty", PrimitiveSchema(Type::kInt64, true))
                           .Build();
const SchemaPtr kEnvelope = SchemaBuilder(Type::kStruct)
                                .Name("srv.public.items.Envelope")
                                .AddField("before", data::WithOptional(kRow, true))
                                .AddField("after", data::WithOptional(kRow, true))
                                .AddField("op", PrimitiveSchema(Type::kString, false))
                                .Build();

Value RowValue(int id, Value name, Value qty) {
  return Value(Struct{kRow, {Value(int64_t{id}), std::move(name), std::move(qty)}});
}

Record Flat(const std::string& topic, int id, Value name, Value qty = Value(int64_t{1})) {
  Record r;
  r.topic = topic;
  r.key_schema = kKey;
  r.key = Value(Struct{kKey, {Value(int64_t{id})}});
  r.value_schema = kRow;
  r.value = RowValue(id, std::move(name), std::move(qty));
  return r;
}

Record Tombstone(const std::string& topic, int id) {
  Record r = Flat(topic, id, Value());
  r.value_schema = nullptr;
  r.value = Value();
  return r;
}

Record Envelope(const std::string& topic, const std::string& op, int id, Value after) {
  Record r;
  r.topic = topic;
  if (op != "t") {
    r.key_schema = kKey;
    r.key = Value(Struct{kKey, {Value(int64_t{id})}});
  }
  r.value_schema = kEnvelope;
  r.value = Value(Struct{kEnvelope, {Value(), std::move(after), Value(op)}});
  return r;
}

std::vector<const Record*> Ptrs(const std::vector<Record>& records) {
  std::vector<const Record*> out;
  for (const auto& r : records) out.push_back(&r);
  return out;
}

class JdbcSinkTest : public testing::PgTest {
 protected:
  std::map<std::string, std::string> Props(const std::string& cls,
                                           std::map<std::string, std::string> extra) {
    std::map<std::string, std::string> p = {
        {"connector.class", cls},
        {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(server().port()) +
                               "/postgres?user=postgres"},
        {"topics.regex", ".*"}};
    for (auto& [k, v] : extra) p[k] = v;
    return p;
  }

  std::unique_ptr<JdbcSink> Open(const std::string& cls, std::map<std::string, std::string> extra) {
    // A connector name per test: positions of one test must not be seen by another.
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    auto sink = JdbcSink::Create(name, Props(cls, std::move(extra)));
    EXPECT_TRUE(sink.ok()) << sink.status().ToString();
    if (!sink.ok()) return nullptr;
    Status s = (*sink)->Open();
    EXPECT_TRUE(s.ok()) << s.ToString();
    return std::move(sink).value();
  }

  std::string Query(const std::string& sql) {
    auto r = server().Psql(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "<error>";
  }
};

TEST_F(JdbcSinkTest, InsertWithAutoCreateWritesRowsAndPositionTogether) {
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"}, {"auto.create", "true"}});
  ASSERT_NE(sink, nullptr);
  auto before = sink->ReadPosition("p0");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_FALSE(before->has_value());

  std::vector<Record> batch;
  for (int i = 1; i <= 250; ++i)
    batch.push_back(Flat("ins_items", i, Value("n" + std::to_string(i))));
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(batch), "p0", "{\"lsn\":\"0/10\"}").ok());
  EXPECT_EQ(Query("SELECT count(*), sum(id), max(name) FROM ins_items"), "250|31375|n99");
  EXPECT_EQ(Query("SELECT position FROM walrelay_offsets WHERE connector = "
                  "'InsertWithAutoCreateWritesRowsAndPositionTogether' AND partition = 'p0'"),
            "{\"lsn\":\"0/10\"}");
  EXPECT_EQ(Query("SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || "
                  "':' || a.attnotnull, ',' ORDER BY a.attnum) FROM pg_attribute a "
                  "WHERE a.attrelid = 'public.ins_items'::regclass AND a.attnum > 0"),
            "id:integer:true,name:text:false,qty:bigint:false");
  auto after = sink->ReadPosition("p0");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->value_or(""), "{\"lsn\":\"0/10\"}");

  // A new batch may end at the position already stored (the chunks of one snapshot table share
  // one): it is applied, not mistaken for a retry. (A retry is recognized only after a COMMIT
  // that got no answer, by asking txid_status() about its transaction.)
  std::vector<Record> more;
  for (int i = 251; i <= 300; ++i)
    more.push_back(Flat("ins_items", i, Value("n" + std::to_string(i))));
  Status again = sink->ApplyBatch(Ptrs(more), "p0", "{\"lsn\":\"0/10\"}");
  EXPECT_TRUE(again.ok()) << again.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM ins_items"), "300");
}

TEST_F(JdbcSinkTest, UpsertKeepsPerKeyOrderWithinOneBatch) {
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"},
                                         {"insert.mode", "upsert"},
                                         {"auto.create", "true"},
                                         {"delete.enabled", "true"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> batch = {
      Flat("ups_items", 1, Value("a1")), Flat("ups_items", 2, Value("b1")),
      Flat("ups_items", 1, Value("a2")), Flat("ups_items", 3, Value("c1")),
      Tombstone("ups_items", 3),         Flat("ups_items", 1, Value("a3")),
      Flat("ups_items", 3, Value("c2")), Tombstone("ups_items", 2),
  };
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM ups_items"),
            "1=a3,3=c2");
  std::vector<Record> update = {Flat("ups_items", 1, Value("a4"), Value(int64_t{9}))};
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(update), "p", "2").ok());
  EXPECT_EQ(Query("SELECT name, qty FROM ups_items WHERE id = 1"), "a4|9");
}

TEST_F(JdbcSinkTest, UpdateMode) {
  Query("CREATE TABLE upd_items (id int PRIMARY KEY, name text, qty bigint)");
  Query("INSERT INTO upd_items VALUES (1, 'old', 1), (2, 'keep', 2)");
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"}, {"insert.mode", "update"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> batch = {Flat("upd_items", 1, Value("new"), Value(int64_t{5})),
                               Flat("upd_items", 3, Value("absent"))};
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || name || '/' || qty, ',' ORDER BY id) FROM "
                  "upd_items"),
            "1=new/5,2=keep/2");
}

TEST_F(JdbcSinkTest, DebeziumEnvelopesDeleteAndTruncate) {
  auto sink = Open(kDebeziumSinkClass, {{"primary.key.mode", "record_key"},
                                        {"insert.mode", "upsert"},
                                        {"delete.enabled", "true"},
                                        {"truncate.enabled", "true"},
                                        {"schema.evolution", "basic"}});
  ASSERT_NE(sink, nullptr);
  const std::string topic = "srv.public.dbz_items";  // -> table srv_public_dbz_items
  std::vector<Record> batch = {
      Envelope(topic, "r", 1, RowValue(1, Value("one"), Value(int64_t{1}))),
      Envelope(topic, "c", 2, RowValue(2, Value("two"), Value(int64_t{2}))),
      Envelope(topic, "u", 1, RowValue(1, Value("uno"), Value(int64_t{11}))),
      Envelope(topic, "d", 2, Value()),
  };
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM "
                  "srv_public_dbz_items"),
            "1=uno");
  std::vector<Record> trunc = {Envelope(topic, "t", 0, Value()),
                               Envelope(topic, "c", 5, RowValue(5, Value("five"), Value()))};
  s = sink->ApplyBatch(Ptrs(trunc), "p", "2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM "
                  "srv_public_dbz_items"),
            "5=five");
}

TEST_F(JdbcSinkTest, ConfluentRejectsEnvelopes) {
  auto sink = Open(kConfluentSinkClass, {{"auto.create", "true"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> batch = {Envelope("env_items", "c", 1, RowValue(1, Value("x"), Value()))};
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("ExtractNewRecordState"), std::string::npos) << s.ToString();
}

TEST_F(JdbcSinkTest, AutoEvolveAddsColumnsAndMissingColumnErrorsWithout) {
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"},
                                         {"auto.create", "true"},
                                         {"auto.evolve", "true"},
                                         {"insert.mode", "upsert"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> first = {Flat("evo_items", 1, Value("a"))};
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(first), "p", "1").ok());

  SchemaPtr wider = SchemaBuilder(Type::kStruct)
                        .AddField("id", PrimitiveSchema(Type::kInt32, false))
                        .AddField("name", PrimitiveSchema(Type::kString, true))
                        .AddField("qty", PrimitiveSchema(Type::kInt64, true))
                        .AddField("price", SchemaBuilder(Type::kBytes)
                                               .Name("org.apache.kafka.connect.data.Decimal")
                                               .Parameter("scale", "2")
                                               .Optional()
                                               .Build())
                        .AddField("seen", PrimitiveSchema(Type::kBoolean, false))
                        .Build();
  Record r = Flat("evo_items", 2, Value("b"));
  r.value_schema = wider;
  r.value = Value(Struct{wider,
                         {Value(int64_t{2}), Value("b"), Value(int64_t{3}),
                          Value(data::Bytes{std::string("\x30\x39", 2)}), Value(true)}});
  std::vector<Record> second = {r};
  Status s = sink->ApplyBatch(Ptrs(second), "p", "2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT id, name, qty, price, seen FROM evo_items ORDER BY id"),
            "1|a|1||\n2|b|3|123.45|t");

  // Without evolution the same shape against a narrower table names the table and column.
  Query("CREATE TABLE narrow_items (id int PRIMARY KEY, name text, qty bigint)");
  auto strict = Open(kConfluentSinkClass, {{"pk.mode", "record_key"}});
  ASSERT_NE(strict, nullptr);
  Record n = r;
  n.topic = "narrow_items";
  std::vector<Record> third = {n};
  s = strict->ApplyBatch(Ptrs(third), "p", "3");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("narrow_items"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("price"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("auto.evolve"), std::string::npos) << s.ToString();
}

TEST_F(JdbcSinkTest, MissingTableWithoutAutoCreateNamesTheTable) {
  auto sink = Open(kConfluentSinkClass, {{"table.name.format", "archive.${topic}_copy"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> batch = {Flat("nosuch", 1, Value("a"))};
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("archive.nosuch_copy"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("auto.create"), std::string::npos) << s.ToString();
  auto pos = sink->ReadPosition("p");
  ASSERT_TRUE(pos.ok());
  EXPECT_FALSE(pos->has_value());
}

TEST_F(JdbcSinkTest, ConstraintViolationNamesKeyAndLeavesNothing) {
  Query("CREATE TABLE cv_items (id int PRIMARY KEY, name text NOT NULL, qty bigint)");
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"}});
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->ApplyBatch({}, "p", "0").ok());
  // Many good rows in one multi-row statement, then a NULL name for key 77.
  std::vector<Record> batch;
  for (int i = 1; i <= 100; ++i) {
    batch.push_back(Flat("cv_items", i, i == 77 ? Value() : Value("n" + std::to_string(i))));
  }
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("cv_items"), std::string::npos) << s.ToString();
  EXPECT_NE(s.message().find("{id=77}"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM cv_items"), "0");
  EXPECT_EQ(sink->ReadPosition("p")->value_or(""), "0");

  // A duplicate key in insert mode is reported with that key too.
  Query("INSERT INTO cv_items VALUES (5, 'existing', 0)");
  std::vector<Record> dup = {Flat("cv_items", 4, Value("x")), Flat("cv_items", 5, Value("y"))};
  s = sink->ApplyBatch(Ptrs(dup), "p", "2");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("{id=5}"), std::string::npos) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM cv_items"), "1");
}

TEST_F(JdbcSinkTest, PipelinedUpsertErrorNamesKeyAndConnectionStaysUsable) {
  Query("CREATE TABLE pu_items (id int PRIMARY KEY, name text NOT NULL, qty bigint)");
  Query("CREATE TABLE pu_other (id int PRIMARY KEY, name text NOT NULL, qty bigint)");
  auto sink =
      Open(kConfluentSinkClass,
           {{"pk.mode", "record_key"}, {"insert.mode", "upsert"}, {"delete.enabled", "true"}});
  ASSERT_NE(sink, nullptr);
  ASSERT_TRUE(sink->ApplyBatch({}, "p", "0").ok());
  for (int round = 0; round < 3; ++round) {
    // Statements of two tables are pipelined; the second table's has a NULL name at key 77.
    std::vector<Record> batch;
    for (int i = 1; i <= 100; ++i) {
      batch.push_back(Flat("pu_items", i, Value("n" + std::to_string(i))));
      batch.push_back(Flat("pu_other", i, i == 77 ? Value() : Value("o" + std::to_string(i))));
    }
    Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.kind(), ErrorKind::kDataError) << s.ToString();
    EXPECT_NE(s.message().find("pu_other"), std::string::npos) << s.ToString();
    EXPECT_NE(s.message().find("{id=77}"), std::string::npos) << s.ToString();
    EXPECT_EQ(Query("SELECT count(*) FROM pu_items"), "0");
    EXPECT_EQ(sink->ReadPosition("p")->value_or(""), "0");
  }
  // The connection left pipeline mode and its prepared statements are consistent.
  std::vector<Record> good;
  for (int i = 1; i <= 50; ++i) {
    good.push_back(Flat("pu_items", i, Value("g" + std::to_string(i))));
    good.push_back(Flat("pu_other", i, Value("h" + std::to_string(i))));
  }
  Status s = sink->ApplyBatch(Ptrs(good), "p", "2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM pu_items"), "50");
  EXPECT_EQ(Query("SELECT name FROM pu_other WHERE id = 7"), "h7");
  EXPECT_EQ(sink->ReadPosition("p")->value_or(""), "2");
  // And again, with deletes (tombstones) pipelined beside upserts.
  std::vector<Record> more;
  for (int i = 1; i <= 50; i += 2) more.push_back(Tombstone("pu_items", i));
  more.push_back(Flat("pu_items", 2, Value("again")));
  s = sink->ApplyBatch(Ptrs(more), "p", "3");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM pu_items"), "25");
  EXPECT_EQ(Query("SELECT name FROM pu_items WHERE id = 2"), "again");
}

TEST_F(JdbcSinkTest, FailedBatchLeavesNeitherRowsNorPosition) {
  auto sink = Open(kConfluentSinkClass, {{"pk.mode", "record_key"}, {"auto.create", "true"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> good = {Flat("atomic_items", 1, Value("a"))};
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(good), "p", "1").ok());
  // The batch writes rows and creates a second table before failing on a duplicate key.
  std::vector<Record> bad = {Flat("atomic_items", 2, Value("b")),
                             Flat("atomic_other", 1, Value("c")),
                             Flat("atomic_items", 1, Value("dup"))};
  Status s = sink->ApplyBatch(Ptrs(bad), "p", "2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Query("SELECT string_agg(id || '=' || name, ',' ORDER BY id) FROM atomic_items"),
            "1=a");
  EXPECT_EQ(Query("SELECT count(*) FROM pg_class WHERE relname = 'atomic_other'"), "0");
  EXPECT_EQ(sink->ReadPosition("p")->value_or(""), "1");
  // The sink forgot the rolled-back table and recreates it on the next batch.
  std::vector<Record> next = {Flat("atomic_other", 1, Value("c"))};
  s = sink->ApplyBatch(Ptrs(next), "p", "3");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT name FROM atomic_other"), "c");
}

TEST_F(JdbcSinkTest, UnavailableToastValueKeepsTheStoredValue) {
  auto sink = Open(kDebeziumSinkClass, {{"primary.key.mode", "record_key"},
                                        {"insert.mode", "upsert"},
                                        {"schema.evolution", "basic"}});
  ASSERT_NE(sink, nullptr);
  const std::string topic = "toast_items";
  std::vector<Record> first = {
      Envelope(topic, "c", 1, RowValue(1, Value("big text"), Value(int64_t{1})))};
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(first), "p", "1").ok());
  std::vector<Record> update = {Envelope(
      topic, "u", 1, RowValue(1, Value("__debezium_unavailable_value"), Value(int64_t{2})))};
  Status s = sink->ApplyBatch(Ptrs(update), "p", "2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT name, qty FROM toast_items"), "big text|2");
}

TEST_F(JdbcSinkTest, DebeziumLogicalTypesRoundTrip) {
  auto sink = Open(kDebeziumSinkClass, {{"primary.key.mode", "record_key"},
                                        {"schema.evolution", "basic"},
                                        {"collection.name.format", "types_${topic}"}});
  ASSERT_NE(sink, nullptr);
  auto named = [](Type t, const char* name) {
    return SchemaBuilder(t).Name(name).Optional().Build();
  };
  SchemaPtr row = SchemaBuilder(Type::kStruct)
                      .AddField("id", PrimitiveSchema(Type::kInt32, false))
                      .AddField("d", named(Type::kInt32, "io.debezium.time.Date"))
                      .AddField("ts", named(Type::kInt64, "io.debezium.time.MicroTimestamp"))
                      .AddField("tz", named(Type::kString, "io.debezium.time.ZonedTimestamp"))
                      .AddField("t", named(Type::kInt64, "io.debezium.time.MicroTime"))
                      .AddField("dur", named(Type::kInt64, "io.debezium.time.MicroDuration"))
                      .AddField("j", named(Type::kString, "io.debezium.data.Json"))
                      .AddField("u", named(Type::kString, "io.debezium.data.Uuid"))
                      .AddField("b", PrimitiveSchema(Type::kBytes, true))
                      .AddField("tags", SchemaBuilder(Type::kArray)
                                            .Items(PrimitiveSchema(Type::kString, true))
                                            .Optional()
                                            .Build())
                      .AddField("f", PrimitiveSchema(Type::kFloat64, true))
                      .Build();
  Record r;
  r.topic = "t1";
  r.key_schema = kKey;
  r.key = Value(Struct{kKey, {Value(int64_t{1})}});
  r.value_schema = row;
  r.value = Value(Struct{
      row,
      {Value(int64_t{1}), Value(int64_t{19723}), Value(int64_t{1704067200123456}),
       Value("2024-01-01T10:00:00+02:00"), Value(int64_t{3723000004}), Value(int64_t{90061000000}),
       Value("{\"a\": [1, 2]}"), Value("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
       Value(data::Bytes{std::string("\x00\x01\xff", 3)}),
       Value(data::Array{Value("x,y"), Value(), Value("q\"")}), Value(0.1)}});
  std::vector<Record> batch = {r};
  Status s = sink->ApplyBatch(Ptrs(batch), "p", "1");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SET TimeZone = 'UTC'; SELECT d, ts, tz, t, dur, j, u, b, tags, f FROM "
                  "types_t1"),
            "2024-01-01|2024-01-01 00:00:00.123456|2024-01-01 08:00:00+00|01:02:03.000004|"
            "25:01:01|{\"a\": [1, 2]}|a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11|\\x0001ff|"
            "{\"x,y\",NULL,\"q\\\"\"}|0.1");
  EXPECT_EQ(Query("SELECT string_agg(format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum) "
                  "FROM pg_attribute a WHERE a.attrelid = 'types_t1'::regclass AND a.attnum > 0"),
            "integer,date,timestamp without time zone,timestamp with time zone,"
            "time without time zone,interval,json,uuid,bytea,text[],double precision");
}

TEST_F(JdbcSinkTest, LostConnectionIsReconnectAndRetrySucceeds) {
  auto sink = Open(kConfluentSinkClass,
                   {{"pk.mode", "record_key"}, {"auto.create", "true"}, {"insert.mode", "upsert"}});
  ASSERT_NE(sink, nullptr);
  std::vector<Record> batch = {Flat("conn_items", 1, Value("a"))};
  ASSERT_TRUE(sink->ApplyBatch(Ptrs(batch), "p", "1").ok());
  Query(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = "
      "'walrelay' AND pid <> pg_backend_pid()");
  std::vector<Record> next = {Flat("conn_items", 2, Value("b"))};
  Status s = sink->ApplyBatch(Ptrs(next), "p", "2");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kReconnect) << s.ToString();
  s = sink->ApplyBatch(Ptrs(next), "p", "2");
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(Query("SELECT count(*) FROM conn_items"), "2");
  EXPECT_EQ(sink->ReadPosition("p")->value_or(""), "2");
}

JdbcSink::PositionUpdate Unchecked(std::string partition, std::string position) {
  return {std::move(partition), std::move(position), false, std::nullopt};
}

// A Kafka sink task's batch spans several topic-partitions: every partition's position is stored
// in the batch's transaction, and ReadPositions returns them all. Both insert paths (pipelined
// upsert, statement by statement insert) store them.
TEST_F(JdbcSinkTest, BatchStoresOnePositionPerTopicPartition) {
  for (const char* mode : {"upsert", "insert"}) {
    SCOPED_TRACE(mode);
    const std::string table = std::string("kp_items_") + mode;
    auto sink = Open(kConfluentSinkClass,
                     {{"pk.mode", "record_key"}, {"auto.create", "true"}, {"insert.mode", mode}});
    ASSERT_NE(sink, nullptr);
    Query(
        "DELETE FROM walrelay_offsets WHERE connector = "
        "'BatchStoresOnePositionPerTopicPartition'");
    auto none = sink->ReadPositions();
    ASSERT_TRUE(none.ok()) << none.status().ToString();
    EXPECT_TRUE(none->empty());

    const std::string p0 = KafkaPartitionKey({"orders", 0});
    const std::string p1 = KafkaPartitionKey({"orders", 1});
    const std::string q0 = KafkaPartitionKey({"quote\"d", 0});
    std::vector<Record> batch = {Flat(table, 1, Value("a")), Flat(table, 2, Value("b")),
                                 Flat(table, 3, Value("c"))};
    JdbcSink::PreparedBatch rows;
    ASSERT_TRUE(sink->Prepare(Ptrs(batch), &rows).ok());
    auto applied = sink->ApplyPrepared(
        rows, {Unchecked(p0, KafkaPosition(5)), Unchecked(p1, KafkaPosition(9))});
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    EXPECT_EQ(*applied, JdbcSink::ApplyOutcome::kApplied);
    EXPECT_EQ(Query("SELECT count(*) FROM " + table), "3");
    auto read = sink->ReadPositions();
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(*read,
              (std::map<std::string, std::string>{{p0, "{\"offset\":5}"}, {p1, "{\"offset\":9}"}}));

    // A later batch moves some partitions and adds another; the others keep their position.
    std::vector<Record> next = {Flat(table, 4, Value("d"))};
    ASSERT_TRUE(sink->Prepare(Ptrs(next), &rows).ok());
    applied = sink->ApplyPrepared(
        rows, {Unchecked(p1, KafkaPosition(10)), Unchecked(q0, KafkaPosition(1))});
    ASSERT_TRUE(applied.ok()) << applied.status().ToString();
    read = sink->ReadPositions();
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(*read, (std::map<std::string, std::string>{
                         {p0, KafkaPosition(5)}, {p1, KafkaPosition(10)}, {q0, KafkaPosition(1)}}));
    EXPECT_EQ(ParseKafkaPartitionKey(q0)->topic, "quote\"d");

    // A partition named twice, or none at all, is refused before anything is written.
    applied = sink->ApplyPrepared(
        rows, {Unchecked(p1, KafkaPosition(11)), Unchecked(p1, KafkaPosition(12))});
    EXPECT_EQ(applied.status().kind(), ErrorKind::kInvalidArgument);
    applied = sink->ApplyPrepared(rows, std::vector<JdbcSink::PositionUpdate>{});
    EXPECT_EQ(applied.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_EQ(sink->ReadPositions()->at(p1), KafkaPosition(10));
  }
}

// A checked position is a compare-and-set: a stale owner of a partition, whose idea of the stored
// position is out of date because another task applied the partition meanwhile, writes nothing.
TEST_F(JdbcSinkTest, StaleOwnerOfAPartitionIsFenced) {
  for (const char* mode : {"upsert", "insert"}) {
    SCOPED_TRACE(mode);
    const std::string table = std::string("fence_items_") + mode;
    std::map<std::string, std::string> props = {
        {"pk.mode", "record_key"}, {"auto.create", "true"}, {"insert.mode", mode}};
    auto owner = Open(kConfluentSinkClass, props);
    auto stale = Open(kConfluentSinkClass, props);
    ASSERT_NE(owner, nullptr);
    ASSERT_NE(stale, nullptr);
    const std::string p = KafkaPartitionKey({std::string("fence_") + mode, 0});
    JdbcSink::PreparedBatch rows;
    // Both believe the partition has no position; the owner applies offsets 0..1 first.
    std::vector<Record> first = {Flat(table, 1, Value("owner")), Flat(table, 2, Value("owner"))};
    ASSERT_TRUE(owner->Prepare(Ptrs(first), &rows).ok());
    auto a = owner->ApplyPrepared(rows, {{p, KafkaPosition(2), true, std::nullopt}});
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    EXPECT_EQ(*a, JdbcSink::ApplyOutcome::kApplied);

    std::vector<Record> old = {Flat(table, 1, Value("stale"))};
    ASSERT_TRUE(stale->Prepare(Ptrs(old), &rows).ok());
    auto b = stale->ApplyPrepared(rows, {{p, KafkaPosition(1), true, std::nullopt}});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(*b, JdbcSink::ApplyOutcome::kFenced);
    EXPECT_EQ(Query("SELECT string_agg(name, ',' ORDER BY id) FROM " + table), "owner,owner");
    EXPECT_EQ(owner->ReadPositions()->at(p), KafkaPosition(2));

    // With the stored position as expected, the next batch commits (and the sink stays usable).
    std::vector<Record> next = {Flat(table, 3, Value("owner"))};
    ASSERT_TRUE(stale->Prepare(Ptrs(next), &rows).ok());
    b = stale->ApplyPrepared(rows, {{p, KafkaPosition(3), true, KafkaPosition(2)}});
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(*b, JdbcSink::ApplyOutcome::kApplied);
    EXPECT_EQ(Query("SELECT count(*) FROM " + table), "3");
    // The owner's next batch expects 2 and is fenced in turn.
    ASSERT_TRUE(owner->Prepare(Ptrs(next), &rows).ok());
    a = owner->ApplyPrepared(rows, {{p, KafkaPosition(4), true, KafkaPosition(2)}});
    ASSERT_TRUE(a.ok());
    EXPECT_EQ(*a, JdbcSink::ApplyOutcome::kFenced);
  }
}

}  // namespace
}  // namespace walrelay::sink

namespace walrelay::sink {
namespace {

// Not a benchmark with a threshold, but a smoke test that multi-row statements keep large
// batches fast; prints the rate so regressions are visible in the log.
TEST_F(JdbcSinkTest, LargeUpsertBatches) {
  auto sink = Open(kConfluentSinkClass,
                   {{"pk.mode", "record_key"}, {"auto.create", "true"}, {"insert.mode", "upsert"}});
  ASSERT_NE(sink, nullptr);
  constexpr int kBatches = 20, kPerBatch = 5000;
  std::vector<Record> records;
  records.reserve(kPerBatch);
  auto start = std::chrono::steady_clock::now();
  for (int b = 0; b < kBatches; ++b) {
    records.clear();
    // Half new keys, half updates of the previous batch's keys.
    for (int i = 0; i < kPerBatch; ++i) {
      int id = b * kPerBatch / 2 + i;
      records.push_back(Flat("bulk_items", id, Value("v" + std::to_string(b)), Value(int64_t{b})));
    }
    Status s = sink->ApplyBatch(Ptrs(records), "p", std::to_string(b));
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("applied %d records in %.2fs (%.0f records/s)\n", kBatches * kPerBatch, seconds,
              kBatches * kPerBatch / seconds);
  EXPECT_EQ(Query("SELECT count(*), max(qty) FROM bulk_items"),
            std::to_string((kBatches + 1) * kPerBatch / 2) + "|" + std::to_string(kBatches - 1));
}

}  // namespace
}  // namespace walrelay::sink
