#include "sink/record_decoder.h"

#include <gtest/gtest.h>

namespace walrelay::sink {
namespace {

using data::PrimitiveSchema;
using data::Record;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

const SchemaPtr kKeySchema = SchemaBuilder(Type::kStruct)
                                 .Name("srv.public.t.Key")
                                 .AddField("id", PrimitiveSchema(Type::kInt32, false))
                                 .Build();
const SchemaPtr kRowSchema = SchemaBuilder(Type::kStruct)
                                 .Name("srv.public.t.Value")
                                 .AddField("id", PrimitiveSchema(Type::kInt32, false))
                                 .AddField("name", PrimitiveSchema(Type::kString, true))
                                 .AddField("note", PrimitiveSchema(Type::kString, true))
                                 .Build();
const SchemaPtr kSourceSchema = SchemaBuilder(Type::kStruct)
                                    .Name("io.debezium.connector.postgresql.Source")
                                    .AddField("schema", PrimitiveSchema(Type::kString, false))
                                    .AddField("table", PrimitiveSchema(Type::kString, false))
                                    .Build();
const SchemaPtr kEnvelopeSchema = SchemaBuilder(Type::kStruct)
                                      .Name("srv.public.t.Envelope")
                                      .AddField("before", data::WithOptional(kRowSchema, true))
                                      .AddField("after", data::WithOptional(kRowSchema, true))
                                      .AddField("source", kSourceSchema)
                                      .AddField("op", PrimitiveSchema(Type::kString, false))
                                      .Build();

Value Row(int id, Value name, Value note = Value()) {
  return Value(Struct{kRowSchema, {Value(int64_t{id}), std::move(name), std::move(note)}});
}

Record Flat(int id, Value name, Value note = Value()) {
  Record r;
  r.topic = "srv.public.t";
  r.key_schema = kKeySchema;
  r.key = Value(Struct{kKeySchema, {Value(int64_t{id})}});
  r.value_schema = kRowSchema;
  r.value = Row(id, std::move(name), std::move(note));
  return r;
}

Record Envelope(const std::string& op, int id, Value after) {
  Record r;
  r.topic = "srv.public.t";
  r.key_schema = kKeySchema;
  r.key = Value(Struct{kKeySchema, {Value(int64_t{id})}});
  r.value_schema = kEnvelopeSchema;
  Value source(Struct{kSourceSchema, {Value("public"), Value("t")}});
  r.value = Value(Struct{kEnvelopeSchema, {Value(), std::move(after), source, Value(op)}});
  return r;
}

SinkConfig Config(SinkFlavor flavor, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> props = {
      {"connection.url", "jdbc:postgresql://h/db?currentSchema=dst"}, {"topics", "srv.public.t"}};
  for (auto& [k, v] : extra) props[k] = v;
  auto c = SinkConfig::Parse(flavor, props);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

std::vector<std::string> ColumnNames(const RowChange& c) {
  std::vector<std::string> out;
  for (const auto& col : c.shape->columns) out.push_back(col.name);
  return out;
}

TEST(RecordDecoderTest, DetectsEnvelopes) {
  EXPECT_TRUE(IsDebeziumEnvelope(*kEnvelopeSchema));
  EXPECT_FALSE(IsDebeziumEnvelope(*kRowSchema));
  auto unnamed = SchemaBuilder(Type::kStruct)
                     .AddField("after", kRowSchema)
                     .AddField("op", PrimitiveSchema(Type::kString, false))
                     .Build();
  EXPECT_TRUE(IsDebeziumEnvelope(*unnamed));
  auto only_op =
      SchemaBuilder(Type::kStruct).AddField("op", PrimitiveSchema(Type::kString, false)).Build();
  EXPECT_FALSE(IsDebeziumEnvelope(*only_op));
}

TEST(RecordDecoderTest, ConfluentRejectsEnvelopeNamingTheTransform) {
  SinkConfig c = Config(SinkFlavor::kConfluent);
  RecordDecoder d(&c);
  Record r = Envelope("c", 1, Row(1, Value("a")));
  auto out = d.Decode(r);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(out.status().message().find("ExtractNewRecordState"), std::string::npos);
  EXPECT_NE(out.status().message().find("srv.public.t"), std::string::npos);
}

TEST(RecordDecoderTest, ConfluentRecordKeyUpsert) {
  SinkConfig c = Config(SinkFlavor::kConfluent, {{"pk.mode", "record_key"},
                                                 {"insert.mode", "upsert"},
                                                 {"table.name.format", "copy_${topic}"}});
  RecordDecoder d(&c);
  Record r = Flat(7, Value("x"));
  auto out = d.Decode(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->kind, ChangeKind::kWrite);
  // Confluent keeps dots: "copy_srv.public.t" -> schema copy_srv, table public.t.
  EXPECT_EQ(out->shape->table.schema, "copy_srv");
  EXPECT_EQ(out->shape->table.table, "public.t");
  EXPECT_EQ(ColumnNames(*out), (std::vector<std::string>{"id", "name", "note"}));
  EXPECT_EQ(out->shape->pk_count, 1u);
  EXPECT_EQ(out->values[0], "7");
  EXPECT_EQ(out->values[1], "x");
  EXPECT_FALSE(out->values[2].has_value());
  // The same schemas share one shape.
  Record r2 = Flat(8, Value("y"));
  auto out2 = d.Decode(r2);
  ASSERT_TRUE(out2.ok());
  EXPECT_EQ(out2->shape.get(), out->shape.get());
}

TEST(RecordDecoderTest, PkModesAndWhitelist) {
  SinkConfig c =
      Config(SinkFlavor::kConfluent,
             {{"pk.mode", "record_value"}, {"pk.fields", "name"}, {"fields.whitelist", "note"}});
  RecordDecoder d(&c);
  Record r = Flat(1, Value("n"), Value("z"));
  auto out = d.Decode(r);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(ColumnNames(*out), (std::vector<std::string>{"name", "note"}));

  SinkConfig k = Config(SinkFlavor::kConfluent, {{"pk.mode", "kafka"}});
  RecordDecoder dk(&k);
  Record rk = Flat(1, Value("n"));
  rk.partition = 3;
  rk.headers.push_back({"walrelay.kafka.offset", nullptr, Value(int64_t{42})});
  auto ok = dk.Decode(rk);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ColumnNames(*ok), (std::vector<std::string>{"__connect_topic", "__connect_partition",
                                                        "__connect_offset", "id", "name", "note"}));
  EXPECT_EQ(ok->values[0], "srv.public.t");
  EXPECT_EQ(ok->values[1], "3");
  EXPECT_EQ(ok->values[2], "42");

  SinkConfig bad =
      Config(SinkFlavor::kConfluent, {{"pk.mode", "record_key"}, {"pk.fields", "nope"}});
  RecordDecoder db(&bad);
  auto err = db.Decode(r);
  ASSERT_FALSE(err.ok());
  EXPECT_NE(err.status().message().find("nope"), std::string::npos);
  EXPECT_NE(err.status().message().find("pk.fields"), std::string::npos);

  // A primitive key needs exactly one pk.fields name.
  SinkConfig prim = Config(SinkFlavor::kConfluent, {{"pk.mode", "record_key"}, {"pk.fields", "k"}});
  RecordDecoder dp(&prim);
  Record rp = Flat(1, Value("n"));
  rp.key_schema = PrimitiveSchema(Type::kInt64, false);
  rp.key = Value(int64_t{99});
  auto op = dp.Decode(rp);
  ASSERT_TRUE(op.ok()) << op.status().ToString();
  EXPECT_EQ(ColumnNames(*op), (std::vector<std::string>{"k", "id", "name", "note"}));
  EXPECT_EQ(op->values[0], "99");
}

TEST(RecordDecoderTest, TombstonesDeleteOnlyWhenEnabled) {
  Record r = Flat(5, Value("x"));
  r.value = Value();
  r.value_schema = nullptr;
  SinkConfig off = Config(SinkFlavor::kConfluent, {{"pk.mode", "record_key"}});
  RecordDecoder d_off(&off);
  auto skip = d_off.Decode(r);
  ASSERT_TRUE(skip.ok());
  EXPECT_EQ(skip->kind, ChangeKind::kSkip);
  SinkConfig on =
      Config(SinkFlavor::kConfluent, {{"pk.mode", "record_key"}, {"delete.enabled", "true"}});
  RecordDecoder d_on(&on);
  auto del = d_on.Decode(r);
  ASSERT_TRUE(del.ok()) << del.status().ToString();
  EXPECT_EQ(del->kind, ChangeKind::kDelete);
  EXPECT_EQ(del->values.size(), 1u);
  EXPECT_EQ(del->values[0], "5");
}

TEST(RecordDecoderTest, DebeziumEnvelopeOps) {
  SinkConfig c = Config(SinkFlavor::kDebezium, {{"primary.key.mode", "record_key"},
                                                {"delete.enabled", "true"},
                                                {"truncate.enabled", "true"},
                                                {"insert.mode", "upsert"}});
  RecordDecoder d(&c);
  Record create = Envelope("c", 1, Row(1, Value("a")));
  auto w = d.Decode(create);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->kind, ChangeKind::kWrite);
  EXPECT_EQ(w->shape->table.schema, "dst");          // currentSchema
  EXPECT_EQ(w->shape->table.table, "srv_public_t");  // Debezium replaces dots
  EXPECT_EQ(w->values[1], "a");
  Record del = Envelope("d", 1, Value());
  auto dd = d.Decode(del);
  ASSERT_TRUE(dd.ok()) << dd.status().ToString();
  EXPECT_EQ(dd->kind, ChangeKind::kDelete);
  Record trunc = Envelope("t", 0, Value());
  trunc.key = Value();
  trunc.key_schema = nullptr;
  auto t = d.Decode(trunc);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->kind, ChangeKind::kTruncate);
  EXPECT_EQ(t->shape->table.table, "srv_public_t");
  // Flat records are accepted too.
  Record flat = Flat(2, Value("b"));
  auto f = d.Decode(flat);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->kind, ChangeKind::kWrite);

  SinkConfig no_trunc = Config(SinkFlavor::kDebezium, {{"primary.key.mode", "record_key"}});
  RecordDecoder dn(&no_trunc);
  EXPECT_EQ(dn.Decode(trunc)->kind, ChangeKind::kSkip);
  EXPECT_EQ(dn.Decode(del)->kind, ChangeKind::kSkip);
}

// A logical decoding message event as the PostgreSQL source builds it (Debezium 2.7's shape).
Record LogicalDecodingMessage(const std::string& schema_name) {
  const SchemaPtr key = SchemaBuilder(Type::kStruct)
                            .Name("io.debezium.connector.postgresql.MessageKey")
                            .AddField("prefix", PrimitiveSchema(Type::kString, true))
                            .Build();
  const SchemaPtr block = SchemaBuilder(Type::kStruct)
                              .Name("io.debezium.connector.postgresql.Message")
                              .AddField("prefix", PrimitiveSchema(Type::kString, true))
                              .AddField("content", PrimitiveSchema(Type::kBytes, true))
                              .Build();
  const SchemaPtr value = SchemaBuilder(Type::kStruct)
                              .Name(schema_name)
                              .AddField("op", PrimitiveSchema(Type::kString, false))
                              .AddField("ts_ms", PrimitiveSchema(Type::kInt64, true))
                              .AddField("source", kSourceSchema)
                              .AddField("message", block)
                              .Build();
  Record r;
  r.topic = "srv.message";
  r.key_schema = key;
  r.key = Value(Struct{key, {Value("audit")}});
  r.value_schema = value;
  r.value = Value(
      Struct{value,
             {Value("m"), Value(int64_t{1}), Value(Struct{kSourceSchema, {Value(""), Value("")}}),
              Value(Struct{block, {Value("audit"), Value(data::Bytes{"x"})}})}});
  return r;
}

TEST(RecordDecoderTest, LogicalDecodingMessagesAreSkippedByBothFlavors) {
  for (SinkFlavor flavor : {SinkFlavor::kDebezium, SinkFlavor::kConfluent}) {
    SinkConfig c = Config(flavor);
    RecordDecoder d(&c);
    for (const char* name : {"io.debezium.connector.postgresql.MessageValue", "renamed"}) {
      Record m = LogicalDecodingMessage(name);
      EXPECT_TRUE(IsLogicalDecodingMessage(m)) << name;
      auto r = d.Decode(m);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      EXPECT_EQ(r->kind, ChangeKind::kSkip);
    }
    EXPECT_EQ(d.messages_skipped(), 2);
  }
  // A flat row that happens to have an op column is still a row.
  Record row = LogicalDecodingMessage("renamed");
  row.value.mutable_struct().values[0] = Value("c");
  EXPECT_FALSE(IsLogicalDecodingMessage(row));
  EXPECT_FALSE(IsLogicalDecodingMessage(Flat(1, Value("a"))));
}

TEST(RecordDecoderTest, DebeziumSourceFieldsInFormat) {
  SinkConfig c = Config(SinkFlavor::kDebezium,
                        {{"collection.name.format", "${source.schema}.copy_${source.table}"}});
  RecordDecoder d(&c);
  Record create = Envelope("r", 1, Row(1, Value("a")));
  auto w = d.Decode(create);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->shape->table.schema, "public");
  EXPECT_EQ(w->shape->table.table, "copy_t");
}

TEST(RecordDecoderTest, UnavailablePlaceholderIsLeftOut) {
  EXPECT_TRUE(IsUnavailablePlaceholder(Value("__debezium_unavailable_value"),
                                       "__debezium_unavailable_value"));
  EXPECT_TRUE(IsUnavailablePlaceholder(Value(data::Bytes{"__debezium_unavailable_value"}),
                                       "__debezium_unavailable_value"));
  EXPECT_TRUE(IsUnavailablePlaceholder(Value(data::Array{Value("__debezium_unavailable_value")}),
                                       "__debezium_unavailable_value"));
  EXPECT_FALSE(IsUnavailablePlaceholder(Value("x"), "__debezium_unavailable_value"));

  SinkConfig c = Config(SinkFlavor::kDebezium,
                        {{"primary.key.mode", "record_key"}, {"insert.mode", "upsert"}});
  RecordDecoder d(&c);
  Record r = Envelope("u", 1, Row(1, Value("__debezium_unavailable_value"), Value("n")));
  auto w = d.Decode(r);
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->IsPresent(0));
  EXPECT_FALSE(w->IsPresent(1));
  EXPECT_TRUE(w->IsPresent(2));
}

TEST(RecordDecoderTest, FieldExcludeList) {
  SinkConfig c = Config(SinkFlavor::kDebezium, {{"field.exclude.list", "srv.public.t:note"}});
  RecordDecoder d(&c);
  Record r = Flat(1, Value("a"), Value("b"));
  auto w = d.Decode(r);
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(ColumnNames(*w), (std::vector<std::string>{"id", "name"}));
}

TEST(RecordDecoderTest, RejectsSchemalessValues) {
  SinkConfig c = Config(SinkFlavor::kConfluent);
  RecordDecoder d(&c);
  Record r = Flat(1, Value("a"));
  r.value_schema = nullptr;
  auto out = d.Decode(r);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("Struct"), std::string::npos);
}

TEST(TextArenaTest, ViewsStayValidAndNulTerminatedAcrossChunks) {
  TextArena arena;
  std::vector<std::string> want;
  std::vector<std::string_view> got;
  for (int i = 0; i < 20000; ++i) {  // several 64 KiB chunks
    want.push_back("value-" + std::to_string(i));
    got.push_back(arena.Add(want.back()));
  }
  want.push_back(std::string(100000, 'x'));  // larger than a chunk
  got.push_back(arena.Add(want.back()));
  want.push_back("");
  got.push_back(arena.Add(want.back()));
  for (size_t i = 0; i < want.size(); ++i) {
    ASSERT_EQ(got[i], want[i]);
    EXPECT_EQ(got[i].data()[got[i].size()], '\0');
  }
  arena.Reset();
  for (int round = 0; round < 3; ++round) {  // reused chunks give the same guarantees
    std::string_view a = arena.Add("after reset");
    std::string_view b = arena.Add(std::string(70000, 'y'));
    EXPECT_EQ(a, "after reset");
    EXPECT_EQ(b, std::string(70000, 'y'));
    EXPECT_EQ(a.data()[a.size()], '\0');
    arena.Reset();
  }
}

}  // namespace
}  // namespace walrelay::sink
