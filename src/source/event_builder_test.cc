#include "source/event_builder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace walrelay::source {
namespace {

using data::Array;
using data::Bytes;
using data::Record;
using data::Schema;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

constexpr uint32_t kInt4 = 23;
constexpr uint32_t kText = 25;
constexpr uint32_t kBool = 16;
constexpr uint32_t kVarchar = 1043;
constexpr uint32_t kBytea = 17;
constexpr uint32_t kTextArray = 1009;
constexpr uint32_t kInt4Array = 1007;

// Debezium's documented example: topic.prefix PostgreSQL_server, database postgres, table
//   CREATE TABLE customers (id SERIAL, first_name VARCHAR(255) NOT NULL,
//     last_name VARCHAR(255) NOT NULL, email VARCHAR(255) NOT NULL, PRIMARY KEY(id));
// plus a nullable text and a nullable boolean column to cover optional fields.
TableInfo Customers(char replica_identity = 'd') {
  TableInfo t;
  t.relation_id = 16390;
  t.schema = "public";
  t.table = "customers";
  t.replica_identity = replica_identity;
  t.columns = {
      {.name = "id", .type_oid = kInt4, .nullable = false, .in_key = true},
      {.name = "first_name", .type_oid = kVarchar, .type_modifier = 259, .nullable = false},
      {.name = "last_name", .type_oid = kVarchar, .type_modifier = 259, .nullable = false},
      {.name = "email", .type_oid = kVarchar, .type_modifier = 259, .nullable = false},
      {.name = "notes", .type_oid = kText},
      {.name = "active", .type_oid = kBool},
  };
  return t;
}

EventOptions Options() {
  EventOptions o;
  o.topic_prefix = "PostgreSQL_server";
  o.database = "postgres";
  return o;
}

pg::TupleValue T(std::string s) { return {pg::TupleValueKind::kText, std::move(s)}; }
pg::TupleValue N() { return {pg::TupleValueKind::kNull, ""}; }
pg::TupleValue U() { return {pg::TupleValueKind::kUnchangedToast, ""}; }

pg::TupleData Anne(std::string id = "1", std::string first = "Anne") {
  return {T(std::move(id)), T(std::move(first)),
          T("Kretchmar"),   T("annek@noanswer.org"),
          T("vip"),         T("t")};
}

// The values of Debezium's create example (txId 555, lsn 24023128, previous commit 24023119).
SourceMeta StreamMeta() {
  SourceMeta m;
  m.commit_ts_ms = 1559033904863;
  m.commit_ts_us = 1559033904863123;
  m.now_ms = 1559033904865;
  m.now_ns = 1559033904865456789;
  m.snapshot = "false";
  m.txid = 555;
  m.lsn = 24023128;
  m.last_commit_lsn = 24023119;
  return m;
}

class EventBuilderTest : public ::testing::Test {
 protected:
  TableEvents Make(const TableInfo& t, const EventOptions& o = Options()) {
    auto ev = TableEvents::Create(t, mapper_, o);
    EXPECT_TRUE(ev.ok()) << ev.status().ToString();
    return std::move(ev).value();
  }

  TypeCatalog catalog_;
  TypeMapper mapper_{&catalog_, TypeModes{}};
};

const Value& Field(const Value& s, std::string_view name) {
  const Value* v = s.as_struct().Get(name);
  EXPECT_NE(v, nullptr) << "no field " << name;
  static const Value kNull;
  return v != nullptr ? *v : kNull;
}

void ExpectFields(const SchemaPtr& s, const std::vector<std::pair<std::string, bool>>& expected) {
  ASSERT_EQ(s->fields.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(s->fields[i].name, expected[i].first) << i;
    EXPECT_EQ(s->fields[i].schema->optional, expected[i].second) << expected[i].first;
  }
}

Value CustomerRow(const SchemaPtr& row, int64_t id, std::string first, Value notes = "vip",
                  Value active = true) {
  return Struct{row,
                {Value(id), Value(std::move(first)), Value("Kretchmar"),
                 Value("annek@noanswer.org"), std::move(notes), std::move(active)}};
}

TEST_F(EventBuilderTest, SchemasFollowDebezium) {
  TableEvents ev = Make(Customers());
  EXPECT_EQ(ev.topic(), "PostgreSQL_server.public.customers");
  EXPECT_EQ(ev.data_collection(), "public.customers");

  const SchemaPtr& key = ev.key_schema();
  ASSERT_NE(key, nullptr);
  EXPECT_EQ(key->type, Type::kStruct);
  EXPECT_EQ(key->name, "PostgreSQL_server.public.customers.Key");
  EXPECT_FALSE(key->optional);
  EXPECT_FALSE(key->version.has_value());
  ExpectFields(key, {{"id", false}});
  EXPECT_EQ(key->fields[0].schema->type, Type::kInt32);

  const SchemaPtr& row = ev.value_schema();
  EXPECT_EQ(row->name, "PostgreSQL_server.public.customers.Value");
  EXPECT_TRUE(row->optional);
  EXPECT_FALSE(row->version.has_value());
  ExpectFields(row, {{"id", false},
                     {"first_name", false},
                     {"last_name", false},
                     {"email", false},
                     {"notes", true},
                     {"active", true}});
  EXPECT_EQ(row->fields[1].schema->type, Type::kString);
  EXPECT_EQ(row->fields[5].schema->type, Type::kBoolean);

  const SchemaPtr& env = ev.envelope_schema();
  EXPECT_EQ(env->name, "PostgreSQL_server.public.customers.Envelope");
  EXPECT_EQ(env->version, 2);
  EXPECT_FALSE(env->optional);
  ExpectFields(env, {{"before", true},
                     {"after", true},
                     {"source", false},
                     {"transaction", true},
                     {"op", false},
                     {"ts_ms", true},
                     {"ts_us", true},
                     {"ts_ns", true}});
  EXPECT_EQ(env->fields[0].schema, row);
  EXPECT_EQ(env->fields[1].schema, row);
  EXPECT_EQ(env->fields[4].schema->type, Type::kString);
  EXPECT_EQ(env->fields[5].schema->type, Type::kInt64);

  const SchemaPtr& src = env->fields[2].schema;
  EXPECT_EQ(src, ev.source_schema());
  EXPECT_EQ(src->name, "io.debezium.connector.postgresql.Source");
  EXPECT_EQ(src->version, 1);  // as Debezium 3.7's (peers_events_test)
  ExpectFields(src, {{"version", false},
                     {"connector", false},
                     {"name", false},
                     {"ts_ms", false},
                     {"snapshot", true},
                     {"db", false},
                     {"sequence", true},
                     {"ts_us", true},
                     {"ts_ns", true},
                     {"schema", false},
                     {"table", false},
                     {"txId", true},
                     {"lsn", true},
                     {"xmin", true}});
  const SchemaPtr& snapshot = src->fields[4].schema;
  EXPECT_EQ(snapshot->type, Type::kString);
  EXPECT_EQ(snapshot->name, "io.debezium.data.Enum");
  EXPECT_EQ(snapshot->version, 1);
  ASSERT_NE(snapshot->Parameter("allowed"), nullptr);
  EXPECT_EQ(*snapshot->Parameter("allowed"),
            "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental");
  ASSERT_NE(snapshot->default_value, nullptr);
  EXPECT_EQ(*snapshot->default_value, Value("false"));
  EXPECT_EQ(src->fields[3].schema->type, Type::kInt64);
  EXPECT_EQ(src->fields[11].schema->type, Type::kInt64);

  const SchemaPtr& block = env->fields[3].schema;
  EXPECT_EQ(block->name, "event.block");
  EXPECT_EQ(block->version, 1);
  ExpectFields(block, {{"id", false}, {"total_order", false}, {"data_collection_order", false}});
}

TEST_F(EventBuilderTest, InsertIsCreateEvent) {
  TableEvents ev = Make(Customers());
  auto rec = ev.Insert(Anne(), StreamMeta());
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  const Record& r = *rec;
  EXPECT_EQ(r.topic, "PostgreSQL_server.public.customers");
  EXPECT_FALSE(r.partition.has_value());
  EXPECT_EQ(r.key_schema, ev.key_schema());
  EXPECT_EQ(r.key, Value(Struct{ev.key_schema(), {Value(int64_t{1})}}));
  EXPECT_EQ(r.value_schema, ev.envelope_schema());
  EXPECT_TRUE(r.headers.empty());
  EXPECT_EQ(r.timestamp_ms, 1559033904865);

  const Value& v = r.value;
  ASSERT_TRUE(v.is_struct());
  EXPECT_TRUE(Field(v, "before").is_null());
  EXPECT_EQ(Field(v, "after"), CustomerRow(ev.value_schema(), 1, "Anne"));
  EXPECT_TRUE(Field(v, "transaction").is_null());
  EXPECT_EQ(Field(v, "op"), Value("c"));
  EXPECT_EQ(Field(v, "ts_ms"), Value(int64_t{1559033904865}));
  EXPECT_EQ(Field(v, "ts_us"), Value(int64_t{1559033904865456}));
  EXPECT_EQ(Field(v, "ts_ns"), Value(int64_t{1559033904865456789}));

  const Value& src = Field(v, "source");
  EXPECT_EQ(Field(src, "version"), Value("2.7.3.Final"));
  EXPECT_EQ(Field(src, "connector"), Value("postgresql"));
  EXPECT_EQ(Field(src, "name"), Value("PostgreSQL_server"));
  EXPECT_EQ(Field(src, "ts_ms"), Value(int64_t{1559033904863}));
  EXPECT_EQ(Field(src, "snapshot"), Value("false"));
  EXPECT_EQ(Field(src, "db"), Value("postgres"));
  EXPECT_EQ(Field(src, "sequence"), Value("[\"24023119\",\"24023128\"]"));
  EXPECT_EQ(Field(src, "ts_us"), Value(int64_t{1559033904863123}));
  EXPECT_EQ(Field(src, "ts_ns"), Value(int64_t{1559033904863123000}));
  EXPECT_EQ(Field(src, "schema"), Value("public"));
  EXPECT_EQ(Field(src, "table"), Value("customers"));
  EXPECT_EQ(Field(src, "txId"), Value(int64_t{555}));
  EXPECT_EQ(Field(src, "lsn"), Value(int64_t{24023128}));
  EXPECT_TRUE(Field(src, "xmin").is_null());
}

// For a pipeline that flattens every envelope without reading it (TransformChain::
// SourceBlockUnread), the block is left null; everything else is the same.
TEST_F(EventBuilderTest, OmittedSourceBlockIsNullAndNothingElseChanges) {
  EventOptions o = Options();
  o.omit_source_block = true;
  TableEvents full = Make(Customers());
  TableEvents lean = Make(Customers(), o);
  auto a = full.Insert(Anne(), StreamMeta());
  auto b = lean.Insert(Anne(), StreamMeta());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(Field(a->value, "source").is_struct());
  EXPECT_TRUE(Field(b->value, "source").is_null());
  for (const char* f : {"before", "after", "transaction", "op", "ts_ms", "ts_us", "ts_ns"}) {
    EXPECT_EQ(Field(a->value, f), Field(b->value, f)) << f;
  }
  EXPECT_EQ(a->key, b->key);
  EXPECT_EQ(a->topic, b->topic);
  EXPECT_EQ(a->timestamp_ms, b->timestamp_ms);
}

TEST_F(EventBuilderTest, MillisecondTimesAndMissingLastCommit) {
  TableEvents ev = Make(Customers());
  SourceMeta m;
  m.commit_ts_ms = 1000;
  m.now_ms = 2000;
  m.txid = 7;
  m.lsn = 123;
  auto rec = ev.Insert(Anne(), m);
  ASSERT_TRUE(rec.ok());
  const Value& src = Field(rec->value, "source");
  EXPECT_EQ(Field(src, "sequence"), Value("[null,\"123\"]"));
  EXPECT_EQ(Field(src, "ts_ms"), Value(int64_t{1000}));
  EXPECT_EQ(Field(src, "ts_us"), Value(int64_t{1000000}));
  EXPECT_EQ(Field(src, "ts_ns"), Value(int64_t{1000000000}));
  EXPECT_EQ(Field(rec->value, "ts_us"), Value(int64_t{2000000}));
  EXPECT_EQ(rec->timestamp_ms, 2000);
}

TEST_F(EventBuilderTest, NullsInOptionalColumns) {
  TableEvents ev = Make(Customers());
  pg::TupleData row = Anne();
  row[4] = N();
  row[5] = N();
  auto rec = ev.Insert(row, StreamMeta());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(Field(rec->value, "after"),
            CustomerRow(ev.value_schema(), 1, "Anne", Value(), Value()));
}

TEST_F(EventBuilderTest, UpdateWithoutOldTupleHasNoBefore) {
  TableEvents ev = Make(Customers());
  std::vector<Record> out;
  ASSERT_TRUE(ev.Update(0, nullptr, Anne("1", "Anne Marie"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, Value(Struct{ev.key_schema(), {Value(int64_t{1})}}));
  EXPECT_TRUE(Field(out[0].value, "before").is_null());
  EXPECT_EQ(Field(out[0].value, "after"), CustomerRow(ev.value_schema(), 1, "Anne Marie"));
  EXPECT_EQ(Field(out[0].value, "op"), Value("u"));
}

TEST_F(EventBuilderTest, UpdateWithFullOldRow) {
  TableEvents ev = Make(Customers('f'));
  std::vector<Record> out;
  pg::TupleData old_row = Anne();
  ASSERT_TRUE(ev.Update('O', &old_row, Anne("1", "Anne Marie"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Field(out[0].value, "before"), CustomerRow(ev.value_schema(), 1, "Anne"));
  EXPECT_EQ(Field(out[0].value, "after"), CustomerRow(ev.value_schema(), 1, "Anne Marie"));
  EXPECT_EQ(Field(out[0].value, "op"), Value("u"));
}

TEST_F(EventBuilderTest, UnchangedToastBecomesPlaceholder) {
  TableEvents ev = Make(Customers());
  pg::TupleData row = Anne("1", "Anne Marie");
  row[4] = U();
  std::vector<Record> out;
  ASSERT_TRUE(ev.Update(0, nullptr, row, StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Field(Field(out[0].value, "after"), "notes"), Value("__debezium_unavailable_value"));

  EventOptions o = Options();
  o.unavailable_value_placeholder = "??";
  TableEvents custom = Make(Customers(), o);
  out.clear();
  ASSERT_TRUE(custom.Update(0, nullptr, row, StreamMeta(), &out).ok());
  EXPECT_EQ(Field(Field(out[0].value, "after"), "notes"), Value("??"));
}

TEST_F(EventBuilderTest, UnchangedToastTakesValueFromFullOldRow) {
  TableEvents ev = Make(Customers('f'));
  pg::TupleData old_row = Anne();
  old_row[4] = T("a long text");
  pg::TupleData row = Anne("1", "Anne Marie");
  row[4] = U();
  std::vector<Record> out;
  ASSERT_TRUE(ev.Update('O', &old_row, row, StreamMeta(), &out).ok());
  EXPECT_EQ(Field(Field(out[0].value, "after"), "notes"), Value("a long text"));

  // An old value that is itself unchanged TOAST leaves the placeholder.
  old_row[4] = U();
  out.clear();
  ASSERT_TRUE(ev.Update('O', &old_row, row, StreamMeta(), &out).ok());
  EXPECT_EQ(Field(Field(out[0].value, "before"), "notes"), Value("__debezium_unavailable_value"));
  EXPECT_EQ(Field(Field(out[0].value, "after"), "notes"), Value("__debezium_unavailable_value"));
}

TEST_F(EventBuilderTest, UnchangedToastPlaceholderByType) {
  TableInfo t;
  t.schema = "public";
  t.table = "docs";
  t.columns = {{.name = "id", .type_oid = kInt4, .nullable = false, .in_key = true},
               {.name = "data", .type_oid = kBytea},
               {.name = "tags", .type_oid = kTextArray},
               {.name = "nums", .type_oid = kInt4Array},
               {.name = "n", .type_oid = kInt4},
               {.name = "m", .type_oid = kInt4, .nullable = false}};
  TableEvents ev = Make(t);
  const std::string ph = "__debezium_unavailable_value";
  std::vector<Record> out;
  ASSERT_TRUE(ev.Update(0, nullptr, {T("1"), U(), U(), U(), U(), T("5")}, StreamMeta(), &out).ok());
  const Value& after = Field(out[0].value, "after");
  EXPECT_EQ(Field(after, "data"), Value(Bytes{ph}));
  EXPECT_EQ(Field(after, "tags"), Value(Array{Value(ph)}));
  Array bytes;
  for (char c : ph) bytes.emplace_back(int64_t{c});
  EXPECT_EQ(Field(after, "nums"), Value(bytes));
  EXPECT_TRUE(Field(after, "n").is_null());  // no placeholder for int4: null when optional

  out.clear();
  Status s = ev.Update(0, nullptr, {T("1"), U(), U(), U(), U(), U()}, StreamMeta(), &out);
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);  // ... and an error when required
}

TEST_F(EventBuilderTest, DeleteWithKeyOnlyOldTupleAndTombstone) {
  TableEvents ev = Make(Customers());
  std::vector<Record> out;
  // REPLICA IDENTITY DEFAULT: pgoutput sends the key columns and nulls for the others.
  pg::TupleData old_key = {T("1"), N(), N(), N(), N(), N()};
  ASSERT_TRUE(ev.Delete('K', old_key, StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  const Record& del = out[0];
  EXPECT_EQ(del.topic, "PostgreSQL_server.public.customers");
  EXPECT_EQ(del.key, Value(Struct{ev.key_schema(), {Value(int64_t{1})}}));
  // Required columns get Debezium's fallback (""), optional ones null.
  EXPECT_EQ(Field(del.value, "before"),
            Value(Struct{ev.value_schema(),
                         {Value(int64_t{1}), Value(""), Value(""), Value(""), Value(), Value()}}));
  EXPECT_TRUE(Field(del.value, "after").is_null());
  EXPECT_EQ(Field(del.value, "op"), Value("d"));
  EXPECT_EQ(Field(Field(del.value, "source"), "lsn"), Value(int64_t{24023128}));

  const Record& tomb = out[1];
  EXPECT_TRUE(tomb.is_tombstone());
  EXPECT_EQ(tomb.topic, del.topic);
  EXPECT_EQ(tomb.key_schema, ev.key_schema());
  EXPECT_EQ(tomb.key, del.key);
  EXPECT_EQ(tomb.value_schema, nullptr);
  EXPECT_TRUE(tomb.value.is_null());
  EXPECT_EQ(tomb.timestamp_ms, del.timestamp_ms);

  EventOptions o = Options();
  o.tombstones_on_delete = false;
  TableEvents no_tomb = Make(Customers(), o);
  out.clear();
  ASSERT_TRUE(no_tomb.Delete('K', old_key, StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Field(out[0].value, "op"), Value("d"));
}

TEST_F(EventBuilderTest, DeleteWithFullOldRow) {
  TableEvents ev = Make(Customers('f'));
  std::vector<Record> out;
  ASSERT_TRUE(ev.Delete('O', Anne(), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Field(out[0].value, "before"), CustomerRow(ev.value_schema(), 1, "Anne"));
}

TEST_F(EventBuilderTest, PrimaryKeyChangeIsDeleteTombstoneCreate) {
  TableEvents ev = Make(Customers());
  std::vector<Record> out;
  pg::TupleData old_key = {T("1"), N(), N(), N(), N(), N()};
  ASSERT_TRUE(ev.Update('K', &old_key, Anne("2"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 3u);
  const Value key1 = Struct{ev.key_schema(), {Value(int64_t{1})}};
  const Value key2 = Struct{ev.key_schema(), {Value(int64_t{2})}};

  EXPECT_EQ(out[0].key, key1);
  EXPECT_EQ(Field(out[0].value, "op"), Value("d"));
  EXPECT_EQ(Field(Field(out[0].value, "before"), "id"), Value(int64_t{1}));
  EXPECT_TRUE(Field(out[0].value, "after").is_null());
  ASSERT_EQ(out[0].headers.size(), 1u);
  EXPECT_EQ(out[0].headers[0].key, "__debezium.newkey");
  EXPECT_EQ(out[0].headers[0].schema, ev.key_schema());
  EXPECT_EQ(out[0].headers[0].value, key2);

  EXPECT_TRUE(out[1].is_tombstone());
  EXPECT_EQ(out[1].key, key1);
  ASSERT_EQ(out[1].headers.size(), 1u);
  EXPECT_EQ(out[1].headers[0].key, "__debezium.newkey");

  EXPECT_EQ(out[2].key, key2);
  EXPECT_EQ(Field(out[2].value, "op"), Value("c"));
  EXPECT_TRUE(Field(out[2].value, "before").is_null());
  EXPECT_EQ(Field(out[2].value, "after"), CustomerRow(ev.value_schema(), 2, "Anne"));
  ASSERT_EQ(out[2].headers.size(), 1u);
  EXPECT_EQ(out[2].headers[0].key, "__debezium.oldkey");
  EXPECT_EQ(out[2].headers[0].value, key1);

  EventOptions o = Options();
  o.tombstones_on_delete = false;
  TableEvents no_tomb = Make(Customers(), o);
  out.clear();
  ASSERT_TRUE(no_tomb.Update('K', &old_key, Anne("2"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Field(out[0].value, "op"), Value("d"));
  EXPECT_EQ(Field(out[1].value, "op"), Value("c"));
}

TEST_F(EventBuilderTest, KeyOnlyOldTupleWithSameKeyIsPlainUpdate) {
  TableEvents ev = Make(Customers());
  std::vector<Record> out;
  pg::TupleData old_key = {T("1"), N(), N(), N(), N(), N()};
  ASSERT_TRUE(ev.Update('K', &old_key, Anne("1", "Anne Marie"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(Field(out[0].value, "op"), Value("u"));
  EXPECT_EQ(Field(Field(out[0].value, "before"), "first_name"), Value(""));
}

TEST_F(EventBuilderTest, TableWithoutKey) {
  TableInfo t = Customers('f');
  for (auto& c : t.columns) c.in_key = false;
  TableEvents ev = Make(t);
  EXPECT_EQ(ev.key_schema(), nullptr);
  auto rec = ev.Insert(Anne(), StreamMeta());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->key_schema, nullptr);
  EXPECT_TRUE(rec->key.is_null());

  std::vector<Record> out;
  pg::TupleData old_row = Anne();
  ASSERT_TRUE(ev.Update('O', &old_row, Anne("2"), StreamMeta(), &out).ok());
  ASSERT_EQ(out.size(), 1u);  // no key, so no delete + create split
  EXPECT_EQ(Field(out[0].value, "op"), Value("u"));
}

TEST_F(EventBuilderTest, Truncate) {
  TableEvents ev = Make(Customers());
  Record r = ev.Truncate(StreamMeta());
  EXPECT_EQ(r.topic, "PostgreSQL_server.public.customers");
  EXPECT_EQ(r.key_schema, nullptr);  // Debezium: no key, no key schema
  EXPECT_TRUE(r.key.is_null());
  EXPECT_EQ(r.value_schema, ev.envelope_schema());
  EXPECT_TRUE(Field(r.value, "before").is_null());
  EXPECT_TRUE(Field(r.value, "after").is_null());
  EXPECT_EQ(Field(r.value, "op"), Value("t"));
  EXPECT_EQ(Field(Field(r.value, "source"), "table"), Value("customers"));
}

TEST_F(EventBuilderTest, SnapshotRead) {
  TableEvents ev = Make(Customers());
  SourceMeta m;
  m.commit_ts_ms = 1559033904000;
  m.now_ms = 1559033904100;
  m.snapshot = "true";
  m.txid = 554;
  m.lsn = 24023100;
  std::vector<std::optional<std::string>> row = {
      "1", "Anne", "Kretchmar", "annek@noanswer.org", std::nullopt, "f"};
  auto rec = ev.Read(row, m);
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->key, Value(Struct{ev.key_schema(), {Value(int64_t{1})}}));
  EXPECT_EQ(Field(rec->value, "op"), Value("r"));
  EXPECT_TRUE(Field(rec->value, "before").is_null());
  EXPECT_EQ(Field(rec->value, "after"),
            CustomerRow(ev.value_schema(), 1, "Anne", Value(), Value(false)));
  const Value& src = Field(rec->value, "source");
  EXPECT_EQ(Field(src, "snapshot"), Value("true"));
  EXPECT_EQ(Field(src, "txId"), Value(int64_t{554}));
  EXPECT_EQ(Field(src, "sequence"), Value("[null,\"24023100\"]"));

  m.snapshot = "last";
  rec = ev.Read(row, m);
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(Field(Field(rec->value, "source"), "snapshot"), Value("last"));

  row.pop_back();
  EXPECT_EQ(ev.Read(row, m).status().kind(), ErrorKind::kDataError);
}

TEST_F(EventBuilderTest, TransactionMetadata) {
  EventOptions o = Options();
  o.provide_transaction_metadata = true;
  TableEvents customers = Make(Customers(), o);
  TableInfo orders_info = Customers();
  orders_info.table = "orders";
  TableEvents orders = Make(orders_info, o);

  TransactionState tx;
  tx.Begin(571);
  SourceMeta m = StreamMeta();
  m.txid = 571;
  m.transaction = &tx;

  m.lsn = 53195832;
  auto r1 = customers.Insert(Anne(), m);
  ASSERT_TRUE(r1.ok());
  EXPECT_EQ(Field(r1->value, "transaction"),
            Value(Struct{customers.envelope_schema()->fields[3].schema,
                         {Value("571:53195832"), Value(int64_t{1}), Value(int64_t{1})}}));

  m.lsn = 53195900;
  auto r2 = orders.Insert(Anne(), m);
  ASSERT_TRUE(r2.ok());
  const Value& b2 = Field(r2->value, "transaction");
  EXPECT_EQ(Field(b2, "id"), Value("571:53195900"));
  EXPECT_EQ(Field(b2, "total_order"), Value(int64_t{2}));
  EXPECT_EQ(Field(b2, "data_collection_order"), Value(int64_t{1}));

  // A key change is two data events; the tombstone between them is not counted.
  std::vector<Record> out;
  pg::TupleData old_key = {T("1"), N(), N(), N(), N(), N()};
  ASSERT_TRUE(customers.Update('K', &old_key, Anne("2"), m, &out).ok());
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(Field(Field(out[0].value, "transaction"), "total_order"), Value(int64_t{3}));
  EXPECT_EQ(Field(Field(out[0].value, "transaction"), "data_collection_order"), Value(int64_t{2}));
  EXPECT_EQ(Field(Field(out[2].value, "transaction"), "total_order"), Value(int64_t{4}));
  EXPECT_EQ(Field(Field(out[2].value, "transaction"), "data_collection_order"), Value(int64_t{3}));

  EXPECT_EQ(tx.event_count(), 4);
  ASSERT_EQ(tx.per_collection().size(), 2u);
  EXPECT_EQ(tx.per_collection()[0], (std::pair<std::string, int64_t>{"public.customers", 3}));
  EXPECT_EQ(tx.per_collection()[1], (std::pair<std::string, int64_t>{"public.orders", 1}));

  TransactionEvents txe(o);
  EXPECT_EQ(txe.topic(), "PostgreSQL_server.transaction");
  EXPECT_EQ(txe.key_schema()->name, "io.debezium.connector.common.TransactionMetadataKey");
  EXPECT_EQ(txe.key_schema()->version, 1);
  ExpectFields(txe.key_schema(), {{"id", false}});
  const SchemaPtr& vs = txe.value_schema();
  EXPECT_EQ(vs->name, "io.debezium.connector.common.TransactionMetadataValue");
  EXPECT_EQ(vs->version, 1);
  ExpectFields(vs, {{"status", false},
                    {"id", false},
                    {"event_count", true},
                    {"data_collections", true},
                    {"ts_ms", false}});
  const SchemaPtr& coll = vs->fields[3].schema->value_schema;
  EXPECT_EQ(coll->name, "event.collection");
  EXPECT_EQ(coll->version, 1);
  ExpectFields(coll, {{"data_collection", false}, {"event_count", false}});

  Record begin = txe.Begin(tx, Lsn(53195800), 1580390884335, 1580390884400);
  EXPECT_EQ(begin.topic, "PostgreSQL_server.transaction");
  EXPECT_EQ(begin.key, Value(Struct{txe.key_schema(), {Value("571:53195800")}}));
  EXPECT_EQ(Field(begin.value, "status"), Value("BEGIN"));
  EXPECT_EQ(Field(begin.value, "id"), Value("571:53195800"));
  EXPECT_TRUE(Field(begin.value, "event_count").is_null());
  EXPECT_TRUE(Field(begin.value, "data_collections").is_null());
  EXPECT_EQ(Field(begin.value, "ts_ms"), Value(int64_t{1580390884335}));
  EXPECT_EQ(begin.timestamp_ms, 1580390884400);

  Record end = txe.End(tx, Lsn(53196000), 1580390884335, 1580390884500);
  EXPECT_EQ(Field(end.value, "status"), Value("END"));
  EXPECT_EQ(Field(end.value, "id"), Value("571:53196000"));
  EXPECT_EQ(Field(end.value, "event_count"), Value(int64_t{4}));
  EXPECT_EQ(Field(end.value, "data_collections"),
            Value(Array{Value(Struct{coll, {Value("public.customers"), Value(int64_t{3})}}),
                        Value(Struct{coll, {Value("public.orders"), Value(int64_t{1})}})}));

  tx.Begin(572);
  EXPECT_EQ(tx.event_count(), 0);
  EXPECT_TRUE(tx.per_collection().empty());
}

// END lists the data collections as Debezium's HashMap iterates them (peers_events_test found
// "public.ri_nothing" before "public.excluded", counted the other way round).
TEST_F(EventBuilderTest, EndListsDataCollectionsInJavaHashMapOrder) {
  TransactionState tx;
  tx.Begin(779);
  tx.Next("public.excluded");
  tx.Next("public.ri_nothing");
  tx.Next("public.excluded");
  TransactionEvents txe(Options());
  Record end = txe.End(tx, Lsn(26523712), 0, 0);
  const SchemaPtr& coll = txe.value_schema()->fields[3].schema->value_schema;
  EXPECT_EQ(Field(end.value, "data_collections"),
            Value(Array{Value(Struct{coll, {Value("public.ri_nothing"), Value(int64_t{1})}}),
                        Value(Struct{coll, {Value("public.excluded"), Value(int64_t{2})}})}));
}

TEST_F(EventBuilderTest, NoTransactionBlockWhenDisabled) {
  TableEvents ev = Make(Customers());  // provide_transaction_metadata = false
  TransactionState tx;
  tx.Begin(1);
  SourceMeta m = StreamMeta();
  m.transaction = &tx;
  auto rec = ev.Insert(Anne(), m);
  ASSERT_TRUE(rec.ok());
  EXPECT_TRUE(Field(rec->value, "transaction").is_null());
  EXPECT_EQ(tx.event_count(), 0);
}

TEST_F(EventBuilderTest, KeyOrderExcludedColumnsAndDefaults) {
  TableInfo t;
  t.schema = "public";
  t.table = "pairs";
  t.columns = {
      {.name = "a", .type_oid = kInt4, .nullable = false, .in_key = true, .key_position = 2},
      {.name = "secret", .type_oid = kText, .included = false},
      {.name = "b",
       .type_oid = kInt4,
       .nullable = false,
       .in_key = true,
       .key_position = 1,
       .default_value = std::make_shared<const Value>(int64_t{42})},
  };
  TableEvents ev = Make(t);
  ExpectFields(ev.key_schema(), {{"b", false}, {"a", false}});
  ExpectFields(ev.value_schema(), {{"a", false}, {"b", false}});
  ASSERT_NE(ev.value_schema()->fields[1].schema->default_value, nullptr);
  EXPECT_EQ(*ev.value_schema()->fields[1].schema->default_value, Value(int64_t{42}));

  auto rec = ev.Insert({T("1"), T("hidden"), T("2")}, StreamMeta());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(rec->key, Value(Struct{ev.key_schema(), {Value(int64_t{2}), Value(int64_t{1})}}));
  EXPECT_EQ(Field(rec->value, "after"),
            Value(Struct{ev.value_schema(), {Value(int64_t{1}), Value(int64_t{2})}}));

  // A required column without a value takes its default rather than the type's fallback.
  std::vector<Record> out;
  ASSERT_TRUE(ev.Delete('K', {T("1"), N(), N()}, StreamMeta(), &out).ok());
  EXPECT_EQ(Field(out[0].value, "before"),
            Value(Struct{ev.value_schema(), {Value(int64_t{1}), Value(int64_t{42})}}));
}

TEST_F(EventBuilderTest, MalformedInput) {
  TableEvents ev = Make(Customers());
  pg::TupleData row = Anne();
  row[5] = {pg::TupleValueKind::kBinary, "\x01"};
  EXPECT_EQ(ev.Insert(row, StreamMeta()).status().kind(), ErrorKind::kDataError);
  row.pop_back();
  EXPECT_EQ(ev.Insert(row, StreamMeta()).status().kind(), ErrorKind::kDataError);
  row = Anne("not a number");
  Status s = ev.Insert(row, StreamMeta()).status();
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("column id of public.customers"), std::string::npos) << s.message();
  std::vector<Record> out;
  EXPECT_EQ(ev.Delete('X', Anne(), StreamMeta(), &out).kind(), ErrorKind::kDataError);
  EXPECT_TRUE(out.empty());
}

TEST_F(EventBuilderTest, TopicNamesAreSanitizedLikeDebezium) {
  TableInfo t = Customers();
  t.schema = "my schema";
  t.table =
      "t\xC3\xA4"
      "b";  // "täb"
  TableEvents ev = Make(t);
  EXPECT_EQ(ev.topic(), "PostgreSQL_server.my_schema.t_b");
  EXPECT_EQ(ev.key_schema()->name, "PostgreSQL_server.my_schema.t_b.Key");
  auto rec = ev.Insert(Anne(), StreamMeta());
  ASSERT_TRUE(rec.ok());
  EXPECT_EQ(Field(Field(rec->value, "source"), "schema"), Value("my schema"));

  EventOptions o = Options();
  o.topic_prefix.clear();
  EXPECT_EQ(TableEvents::Create(Customers(), mapper_, o).status().kind(),
            ErrorKind::kInvalidArgument);
}

TEST_F(EventBuilderTest, MessageEventsFollowDebezium27) {
  auto created = MessageEvents::Create(mapper_, Options());
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  const MessageEvents& ev = *created;
  EXPECT_EQ(ev.topic(), "PostgreSQL_server.message");
  EXPECT_EQ(ev.key_schema()->name, "io.debezium.connector.postgresql.MessageKey");
  EXPECT_EQ(ev.key_schema()->version, 1);
  ExpectFields(ev.key_schema(), {{"prefix", true}});
  const SchemaPtr& value = ev.value_schema();
  EXPECT_EQ(value->name, "io.debezium.connector.postgresql.MessageValue");
  EXPECT_EQ(value->version, 1);
  EXPECT_FALSE(value->optional);
  ExpectFields(value, {{"op", false}, {"ts_ms", true}, {"source", false}, {"message", false}});
  EXPECT_EQ(value->fields[2].schema->name, "io.debezium.connector.postgresql.Source");
  const SchemaPtr& block = value->fields[3].schema;
  EXPECT_EQ(block->name, "io.debezium.connector.postgresql.Message");
  EXPECT_EQ(block->version, 1);
  ExpectFields(block, {{"prefix", true}, {"content", true}});
  EXPECT_EQ(block->fields[1].schema->type, Type::kBytes);

  pg::LogicalMessage m{.transactional = true,
                       .lsn = Lsn(24023128),
                       .prefix = "audit",
                       .content = std::string("\x00\xffhi", 4)};
  auto rec = ev.Make(m, StreamMeta());
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->topic, "PostgreSQL_server.message");
  EXPECT_EQ(rec->key, Value(Struct{ev.key_schema(), {Value("audit")}}));
  EXPECT_EQ(Field(rec->value, "op"), Value("m"));
  EXPECT_EQ(Field(rec->value, "ts_ms"), Value(int64_t{1559033904865}));
  EXPECT_EQ(rec->timestamp_ms, 1559033904865);
  const Value& src = Field(rec->value, "source");
  EXPECT_EQ(Field(src, "schema"), Value(""));
  EXPECT_EQ(Field(src, "table"), Value(""));
  EXPECT_EQ(Field(src, "txId"), Value(int64_t{555}));
  EXPECT_EQ(Field(src, "lsn"), Value(int64_t{24023128}));
  EXPECT_EQ(Field(src, "ts_ms"), Value(int64_t{1559033904863}));
  EXPECT_EQ(Field(src, "sequence"), Value("[\"24023119\",\"24023128\"]"));
  EXPECT_EQ(Field(rec->value, "message"),
            Value(Struct{block, {Value("audit"), Value(Bytes{std::string("\x00\xffhi", 4)})}}));

  // binary.handling.mode applies to the content; the omitted source block is null.
  TypeMapper hex(&catalog_, TypeModes{.binary = BinaryHandlingMode::kHex});
  EventOptions o = Options();
  o.omit_source_block = true;
  auto hex_events = MessageEvents::Create(hex, o);
  ASSERT_TRUE(hex_events.ok());
  EXPECT_EQ(hex_events->value_schema()->fields[3].schema->fields[1].schema->type, Type::kString);
  auto hex_rec = hex_events->Make(m, StreamMeta());
  ASSERT_TRUE(hex_rec.ok());
  EXPECT_EQ(Field(Field(hex_rec->value, "message"), "content"), Value("00ff6869"));
  EXPECT_TRUE(Field(hex_rec->value, "source").is_null());
  TypeMapper b64(&catalog_, TypeModes{.binary = BinaryHandlingMode::kBase64});
  auto b64_rec = MessageEvents::Create(b64, Options())->Make(m, StreamMeta());
  ASSERT_TRUE(b64_rec.ok());
  EXPECT_EQ(Field(Field(b64_rec->value, "message"), "content"), Value("AP9oaQ=="));

  o.topic_prefix.clear();
  EXPECT_EQ(MessageEvents::Create(mapper_, o).status().kind(), ErrorKind::kInvalidArgument);
}

TEST(FallbackValueTest, DebeziumFallbacks) {
  using data::SchemaBuilder;
  EXPECT_EQ(FallbackValue(data::PrimitiveSchema(Type::kInt16, false)), Value(int64_t{0}));
  EXPECT_EQ(FallbackValue(data::PrimitiveSchema(Type::kFloat64, false)), Value(0.0));
  EXPECT_EQ(FallbackValue(data::PrimitiveSchema(Type::kBoolean, false)), Value(false));
  EXPECT_EQ(FallbackValue(data::PrimitiveSchema(Type::kString, false)), Value(""));
  EXPECT_EQ(FallbackValue(data::PrimitiveSchema(Type::kBytes, false)), Value(Bytes{}));
  EXPECT_EQ(FallbackValue(SchemaBuilder(Type::kBytes)
                              .Name("org.apache.kafka.connect.data.Decimal")
                              .Parameter("scale", "2")
                              .Build()),
            Value(Bytes{std::string(1, '\0')}));
  EXPECT_EQ(
      FallbackValue(SchemaBuilder(Type::kString).Name("io.debezium.time.ZonedTimestamp").Build()),
      Value("1970-01-01T00:00:00Z"));
  EXPECT_EQ(
      FallbackValue(
          SchemaBuilder(Type::kArray).Items(data::PrimitiveSchema(Type::kInt32, true)).Build()),
      Value(Array{}));
  SchemaPtr vsd = SchemaBuilder(Type::kStruct)
                      .Name("io.debezium.data.VariableScaleDecimal")
                      .AddField("scale", data::PrimitiveSchema(Type::kInt32, false))
                      .AddField("value", data::PrimitiveSchema(Type::kBytes, false))
                      .Build();
  EXPECT_EQ(FallbackValue(vsd),
            Value(Struct{vsd, {Value(int64_t{0}), Bytes{std::string(1, '\0')}}}));
  SchemaPtr with_default =
      SchemaBuilder(Type::kInt32).Default(std::make_shared<const Value>(int64_t{7})).Build();
  EXPECT_EQ(FallbackValue(with_default), Value(int64_t{7}));
}

}  // namespace
}  // namespace walrelay::source
