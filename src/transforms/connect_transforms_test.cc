// Kafka Connect's bundled transforms, from the examples of the Kafka and Confluent SMT reference.

#include <gtest/gtest.h>

#include "transforms/test_records.h"
#include "transforms/transform.h"

namespace walrelay::transforms {
namespace {

using testing::Prim;

TransformChain One(const std::string& type, std::map<std::string, std::string> props) {
  std::map<std::string, std::string> config = {{"transforms", "t"}, {"transforms.t.type", type}};
  for (auto& [k, v] : props) config["transforms.t." + k] = v;
  auto chain = TransformChain::Create(config);
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  return std::move(chain).value();
}

Status ConfigError(const std::string& type, std::map<std::string, std::string> props) {
  std::map<std::string, std::string> config = {{"transforms", "t"}, {"transforms.t.type", type}};
  for (auto& [k, v] : props) config["transforms.t." + k] = v;
  auto chain = TransformChain::Create(config);
  return chain.ok() ? Status::Ok() : chain.status();
}

data::Record StructRecord(data::SchemaPtr schema, std::vector<data::Value> values) {
  data::Record r;
  r.topic = "orders";
  r.partition = 2;
  r.timestamp_ms = 1696291200123;
  r.value_schema = schema;
  r.value = data::Value(data::Struct{std::move(schema), std::move(values)});
  return r;
}

void ApplyOk(TransformChain& chain, data::Record* r) {
  bool keep = false;
  Status s = chain.Apply(r, &keep);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_TRUE(keep);
}

const std::string kConnect = "org.apache.kafka.connect.transforms.";

// --- RegexRouter ---

TEST(RegexRouterTest, RewritesWholeMatchesWithGroupReferences) {
  auto chain = One(kConnect + "RegexRouter",
                   {{"regex", "([^.]+)\\.([^.]+)\\.([^.]+)"}, {"replacement", "$3"}});
  data::Record r;
  r.topic = "dbserver1.public.customers";
  ApplyOk(chain, &r);
  EXPECT_EQ(r.topic, "customers");

  // Matcher.matches(): a partial match leaves the topic alone.
  auto prefix = One(kConnect + "RegexRouter", {{"regex", "dbserver1"}, {"replacement", "x"}});
  data::Record r2;
  r2.topic = "dbserver1.public.customers";
  ApplyOk(prefix, &r2);
  EXPECT_EQ(r2.topic, "dbserver1.public.customers");

  auto named = One(kConnect + "RegexRouter", {{"regex", "(?<db>[^.]+)\\.(?<rest>.*)"},
                                              {"replacement", "${rest}-from-${db}\\$"}});
  data::Record r3;
  r3.topic = "a.b.c";
  ApplyOk(named, &r3);
  EXPECT_EQ(r3.topic, "b.c-from-a$");
}

TEST(RegexRouterTest, BadRegexOrGroupIsAConfigError) {
  Status s = ConfigError(kConnect + "RegexRouter", {{"regex", "(unclosed"}, {"replacement", "x"}});
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(s.message().find("transforms.t.regex"), std::string::npos) << s.message();
  s = ConfigError(kConnect + "RegexRouter", {{"regex", "(a)"}, {"replacement", "$2"}});
  EXPECT_NE(s.message().find("No group 2"), std::string::npos) << s.message();
  s = ConfigError(kConnect + "RegexRouter", {{"replacement", "x"}});
  EXPECT_NE(s.message().find("transforms.t.regex"), std::string::npos) << s.message();
}

// --- InsertField ---

TEST(InsertFieldTest, InsertsStaticTopicPartitionAndTimestamp) {
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .Name("order")
                    .AddField("foo", Prim(data::Type::kString))
                    .Build();
  auto chain = One(kConnect + "InsertField$Value", {{"static.field", "MessageSource"},
                                                    {"static.value", "Kafka Connect framework"},
                                                    {"topic.field", "topic!"},
                                                    {"partition.field", "partition"},
                                                    {"timestamp.field", "ts?"}});
  data::Record r = StructRecord(schema, {data::Value("bar")});
  ApplyOk(chain, &r);
  const auto& fields = r.value_schema->fields;
  ASSERT_EQ(fields.size(), 5u);
  EXPECT_EQ(r.value_schema->name, "order");
  EXPECT_EQ(fields[1].name, "topic");
  EXPECT_FALSE(fields[1].schema->optional);
  EXPECT_EQ(fields[2].name, "partition");
  EXPECT_EQ(fields[2].schema->type, data::Type::kInt32);
  EXPECT_TRUE(fields[2].schema->optional);
  EXPECT_EQ(fields[3].schema->name, "org.apache.kafka.connect.data.Timestamp");
  EXPECT_EQ(fields[4].name, "MessageSource");
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("foo")->as_string(), "bar");
  EXPECT_EQ(s.Get("topic")->as_string(), "orders");
  EXPECT_EQ(s.Get("partition")->as_int(), 2);
  EXPECT_EQ(s.Get("ts")->as_int(), 1696291200123);
  EXPECT_EQ(s.Get("MessageSource")->as_string(), "Kafka Connect framework");

  data::Record again = StructRecord(schema, {data::Value("baz")});
  ApplyOk(chain, &again);
  EXPECT_EQ(again.value_schema, r.value_schema);  // cached per input schema
}

TEST(InsertFieldTest, SchemalessMapsKeysAndTombstones) {
  auto chain = One(kConnect + "InsertField$Key", {{"topic.field", "t"}});
  data::Record r;
  r.topic = "orders";
  r.key = data::Value(data::Map{{data::Value("id"), data::Value(int64_t{1})}});
  ApplyOk(chain, &r);
  ASSERT_EQ(r.key.as_map().size(), 2u);
  EXPECT_EQ(r.key.as_map()[1].second.as_string(), "orders");

  data::Record tomb;
  auto values = One(kConnect + "InsertField$Value", {{"topic.field", "t"}});
  ApplyOk(values, &tomb);
  EXPECT_TRUE(tomb.value.is_null());
}

// --- ReplaceField ---

TEST(ReplaceFieldTest, ExcludeIncludeAndRenames) {
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .AddField("foo", Prim(data::Type::kString))
                    .AddField("bar", Prim(data::Type::kInt32))
                    .AddField("c2", Prim(data::Type::kBoolean))
                    .Build();
  auto chain =
      One(kConnect + "ReplaceField$Value", {{"exclude", "c2"}, {"renames", "foo:c1,bar:c2"}});
  data::Record r = StructRecord(schema, {data::Value("x"), data::Value(7), data::Value(true)});
  ApplyOk(chain, &r);
  ASSERT_EQ(r.value_schema->fields.size(), 2u);
  EXPECT_EQ(r.value_schema->fields[0].name, "c1");
  EXPECT_EQ(r.value_schema->fields[1].name, "c2");
  EXPECT_EQ(r.value.as_struct().Get("c1")->as_string(), "x");
  EXPECT_EQ(r.value.as_struct().Get("c2")->as_int(), 7);

  auto include = One(kConnect + "ReplaceField$Value", {{"whitelist", "bar"}});
  data::Record r2 = StructRecord(schema, {data::Value("x"), data::Value(7), data::Value(true)});
  ApplyOk(include, &r2);
  ASSERT_EQ(r2.value_schema->fields.size(), 1u);
  EXPECT_EQ(r2.value.as_struct().values[0].as_int(), 7);

  Status s = ConfigError(kConnect + "ReplaceField$Value", {{"renames", "foo"}});
  EXPECT_NE(s.message().find("transforms.t.renames"), std::string::npos) << s.message();
}

// --- Cast ---

TEST(CastTest, CastsFieldsWithJavaRules) {
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .AddField("ID", Prim(data::Type::kInt32))
                    .AddField("score", Prim(data::Type::kFloat32, true))
                    .AddField("big", Prim(data::Type::kInt64))
                    .AddField("flag", Prim(data::Type::kString))
                    .AddField("blob", Prim(data::Type::kBytes))
                    .Build();
  auto chain = One(kConnect + "Cast$Value", {{"spec",
                                              "ID:string,score:float64,big:int8,"
                                              "flag:boolean,blob:string"}});
  data::Record r =
      StructRecord(schema, {data::Value(42), data::Value(1.5), data::Value(int64_t{300}),
                            data::Value("TRUE"), data::Value(data::Bytes{"hi!"})});
  ApplyOk(chain, &r);
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("ID")->as_string(), "42");
  EXPECT_EQ(r.value_schema->fields[0].schema->type, data::Type::kString);
  EXPECT_EQ(s.Get("score")->as_double(), 1.5);
  EXPECT_TRUE(r.value_schema->fields[1].schema->optional);
  EXPECT_EQ(s.Get("big")->as_int(), 44);  // (byte) 300
  EXPECT_TRUE(s.Get("flag")->as_bool());
  EXPECT_EQ(s.Get("blob")->as_string(), "aGkh");
}

TEST(CastTest, WholeValueNumbersToStringAndBadInput) {
  auto chain = One(kConnect + "Cast$Value", {{"spec", "string"}});
  data::Record r;
  r.value_schema = Prim(data::Type::kFloat64);
  r.value = data::Value(1e7);
  ApplyOk(chain, &r);
  EXPECT_EQ(r.value.as_string(), "1.0E7");
  EXPECT_EQ(r.value_schema->type, data::Type::kString);

  auto to_int = One(kConnect + "Cast$Key", {{"spec", "int16"}});
  data::Record k;
  k.key = data::Value("70000");  // schemaless; out of range for a short
  bool keep = false;
  Status s = to_int.Apply(&k, &keep);
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("Value (70000) was out of range"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("transform 't'"), std::string::npos);

  Status bad = ConfigError(kConnect + "Cast$Value", {{"spec", "a:int128"}});
  EXPECT_NE(bad.message().find("transforms.t.spec"), std::string::npos);
  EXPECT_NE(bad.message().find("int128"), std::string::npos);
  EXPECT_FALSE(ConfigError(kConnect + "Cast$Value", {{"spec", "string,int8"}}).ok());
}

TEST(CastTest, DecimalAndDateToString) {
  auto decimal = data::SchemaBuilder(data::Type::kBytes)
                     .Name("org.apache.kafka.connect.data.Decimal")
                     .Parameter("scale", "2")
                     .Build();
  auto date =
      data::SchemaBuilder(data::Type::kInt32).Name("org.apache.kafka.connect.data.Date").Build();
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .AddField("price", decimal)
                    .AddField("day", date)
                    .Build();
  auto chain = One(kConnect + "Cast$Value", {{"spec", "price:string,day:string"}});
  // -12345 as two's complement big-endian: 0xCF 0xC7.
  data::Record r = StructRecord(schema, {data::Value(data::Bytes{"\xCF\xC7"}), data::Value(19633)});
  ApplyOk(chain, &r);
  EXPECT_EQ(r.value.as_struct().Get("price")->as_string(), "-123.45");
  EXPECT_EQ(r.value.as_struct().Get("day")->as_string(), "2023-10-03");
}

// --- ValueToKey, ExtractField, HoistField ---

TEST(ValueToKeyTest, CopiesFieldsIntoAStructKey) {
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .AddField("id", Prim(data::Type::kInt32))
                    .AddField("name", Prim(data::Type::kString))
                    .Build();
  auto chain = One(kConnect + "ValueToKey", {{"fields", "id"}});
  data::Record r = StructRecord(schema, {data::Value(5), data::Value("n")});
  ApplyOk(chain, &r);
  ASSERT_EQ(r.key_schema->fields.size(), 1u);
  EXPECT_EQ(r.key.as_struct().Get("id")->as_int(), 5);

  auto missing = One(kConnect + "ValueToKey", {{"fields", "nope"}});
  data::Record r2 = StructRecord(schema, {data::Value(5), data::Value("n")});
  bool keep = false;
  Status s = missing.Apply(&r2, &keep);
  EXPECT_NE(s.message().find("Field does not exist: nope"), std::string::npos);
}

TEST(ExtractFieldTest, ExtractsAFieldOfKeyOrValue) {
  auto key_schema =
      data::SchemaBuilder(data::Type::kStruct).AddField("id", Prim(data::Type::kInt32)).Build();
  auto chain = One(kConnect + "ExtractField$Key", {{"field", "id"}});
  data::Record r;
  r.key_schema = key_schema;
  r.key = data::Value(data::Struct{key_schema, {data::Value(9)}});
  ApplyOk(chain, &r);
  EXPECT_EQ(r.key.as_int(), 9);
  EXPECT_EQ(r.key_schema->type, data::Type::kInt32);

  auto unknown = One(kConnect + "ExtractField$Value", {{"field", "x"}});
  data::Record r2 = StructRecord(key_schema, {data::Value(1)});
  bool keep = false;
  EXPECT_NE(unknown.Apply(&r2, &keep).message().find("Unknown field: x"), std::string::npos);
}

TEST(HoistFieldTest, WrapsTheValue) {
  auto chain = One(kConnect + "HoistField$Value", {{"field", "line"}});
  data::Record r;
  r.value_schema = Prim(data::Type::kString);
  r.value = data::Value("hello");
  ApplyOk(chain, &r);
  EXPECT_EQ(r.value.as_struct().Get("line")->as_string(), "hello");
  data::SchemaPtr first = r.value_schema;
  data::Record r2;
  r2.value_schema = Prim(data::Type::kString);
  r2.value = data::Value("again");
  ApplyOk(chain, &r2);
  EXPECT_EQ(r2.value_schema, first);
}

// --- MaskField ---

TEST(MaskFieldTest, MasksWithEmptyValuesOrReplacement) {
  auto schema = data::SchemaBuilder(data::Type::kStruct)
                    .AddField("ssn", Prim(data::Type::kString))
                    .AddField("salary", Prim(data::Type::kInt32))
                    .AddField("rate", Prim(data::Type::kFloat64, true))
                    .AddField("ok", Prim(data::Type::kBoolean))
                    .Build();
  auto chain = One(kConnect + "MaskField$Value", {{"fields", "ssn,salary,rate,ok"}});
  data::Record r = StructRecord(
      schema, {data::Value("123-45-6789"), data::Value(1000), data::Value(), data::Value(true)});
  ApplyOk(chain, &r);
  const auto& s = r.value.as_struct();
  EXPECT_EQ(s.Get("ssn")->as_string(), "");
  EXPECT_EQ(s.Get("salary")->as_int(), 0);
  EXPECT_TRUE(s.Get("rate")->is_null());
  EXPECT_FALSE(s.Get("ok")->as_bool());
  EXPECT_EQ(r.value_schema, schema);

  auto replaced =
      One(kConnect + "MaskField$Value", {{"fields", "ssn,salary"}, {"replacement", "9"}});
  data::Record r2 = StructRecord(
      schema, {data::Value("123-45-6789"), data::Value(1000), data::Value(), data::Value(true)});
  ApplyOk(replaced, &r2);
  EXPECT_EQ(r2.value.as_struct().Get("ssn")->as_string(), "9");
  EXPECT_EQ(r2.value.as_struct().Get("salary")->as_int(), 9);

  auto bad = One(kConnect + "MaskField$Value", {{"fields", "ok"}, {"replacement", "x"}});
  data::Record r3 =
      StructRecord(schema, {data::Value("a"), data::Value(1), data::Value(), data::Value(true)});
  bool keep = false;
  EXPECT_NE(bad.Apply(&r3, &keep).message().find("with custom replacement"), std::string::npos);
}

// --- TimestampConverter ---

TEST(TimestampConverterTest, UnixFieldToFormattedStringAndBack) {
  auto schema =
      data::SchemaBuilder(data::Type::kStruct).AddField("ts", Prim(data::Type::kInt64)).Build();
  auto chain =
      One(kConnect + "TimestampConverter$Value",
          {{"field", "ts"}, {"target.type", "string"}, {"format", "yyyy-MM-dd'T'HH:mm:ss.SSS"}});
  data::Record r = StructRecord(schema, {data::Value(int64_t{1696291200123})});
  ApplyOk(chain, &r);
  EXPECT_EQ(r.value.as_struct().Get("ts")->as_string(), "2023-10-03T00:00:00.123");
  EXPECT_EQ(r.value_schema->fields[0].schema->type, data::Type::kString);

  auto back =
      One(kConnect + "TimestampConverter$Value",
          {{"field", "ts"}, {"target.type", "Timestamp"}, {"format", "yyyy-MM-dd'T'HH:mm:ss.SSS"}});
  ApplyOk(back, &r);
  EXPECT_EQ(r.value.as_struct().Get("ts")->as_int(), 1696291200123);
  EXPECT_EQ(r.value_schema->fields[0].schema->name, "org.apache.kafka.connect.data.Timestamp");
}

TEST(TimestampConverterTest, WholeValueToDateTimeAndUnixSeconds) {
  auto to_date = One(kConnect + "TimestampConverter$Value", {{"target.type", "Date"}});
  data::Record r;
  r.value_schema = data::SchemaBuilder(data::Type::kInt64)
                       .Name("org.apache.kafka.connect.data.Timestamp")
                       .Version(1)
                       .Build();
  r.value = data::Value(int64_t{1696291200123 + 3600000});
  ApplyOk(to_date, &r);
  EXPECT_EQ(r.value.as_int(), 19633);
  EXPECT_EQ(r.value_schema->name, "org.apache.kafka.connect.data.Date");

  auto to_unix = One(kConnect + "TimestampConverter$Value",
                     {{"target.type", "unix"}, {"unix.precision", "seconds"}});
  data::Record s;
  s.value_schema = data::SchemaBuilder(data::Type::kInt64)
                       .Name("org.apache.kafka.connect.data.Timestamp")
                       .Version(1)
                       .Build();
  s.value = data::Value(int64_t{1696291200123});
  ApplyOk(to_unix, &s);
  EXPECT_EQ(s.value_schema->type, data::Type::kInt64);
  EXPECT_TRUE(s.value_schema->name.empty());
  EXPECT_EQ(s.value.as_int(), 1696291200);
  // A schemaless Long is read as unix time in the configured precision too.
  data::Record secs;
  secs.value = data::Value(int64_t{1696291200});
  auto to_ts = One(kConnect + "TimestampConverter$Value",
                   {{"target.type", "Timestamp"}, {"unix.precision", "seconds"}});
  ApplyOk(to_ts, &secs);
  EXPECT_EQ(secs.value.as_int(), 1696291200000);

  auto parse = One(kConnect + "TimestampConverter$Value",
                   {{"target.type", "unix"}, {"format", "yyyyMMddHHmmss"}});
  data::Record p;
  p.value = data::Value("20231003010203");
  ApplyOk(parse, &p);
  EXPECT_EQ(p.value.as_int(), 1696291200000 + 3723000);

  data::Record garbage;
  garbage.value = data::Value("not a date");
  bool keep = false;
  EXPECT_NE(parse.Apply(&garbage, &keep).message().find("does not match pattern"),
            std::string::npos);
}

TEST(TimestampConverterTest, ConfigErrors) {
  Status s = ConfigError(kConnect + "TimestampConverter$Value", {{"target.type", "string"}});
  EXPECT_NE(s.message().find("transforms.t.format"), std::string::npos) << s.message();
  s = ConfigError(kConnect + "TimestampConverter$Value", {{"target.type", "instant"}});
  EXPECT_NE(s.message().find("transforms.t.target.type"), std::string::npos) << s.message();
  s = ConfigError(kConnect + "TimestampConverter$Value",
                  {{"target.type", "string"}, {"format", "yyyy-MM-dd zzz"}});
  EXPECT_NE(s.message().find("'z'"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace walrelay::transforms
