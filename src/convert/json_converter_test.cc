#include "convert/json_converter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "convert/json_writer.h"

namespace walrelay::convert {
namespace {

using data::Array;
using data::Bytes;
using data::Map;
using data::PrimitiveSchema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

SchemaPtr Req(Type t) { return PrimitiveSchema(t, false); }
SchemaPtr Opt(Type t) { return PrimitiveSchema(t, true); }

std::string Ser(const JsonConverter& c, const SchemaPtr& schema, const Value& value) {
  std::string out;
  Status st = c.Serialize(schema, value, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

std::string WithSchemas(const SchemaPtr& schema, const Value& value) {
  return Ser(JsonConverter(true), schema, value);
}
std::string NoSchemas(const SchemaPtr& schema, const Value& value) {
  return Ser(JsonConverter(false), schema, value);
}

std::string JsonStr(std::string_view s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// json_writer

TEST(JsonWriterTest, EscapesLikeJackson) {
  EXPECT_EQ(JsonStr(""), "\"\"");
  EXPECT_EQ(JsonStr("plain"), "\"plain\"");
  EXPECT_EQ(JsonStr("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"");
  EXPECT_EQ(JsonStr("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"");
  EXPECT_EQ(JsonStr(std::string("\x00\x01\x1f\x0b", 4)), "\"\\u0000\\u0001\\u001F\\u000B\"");
  // DEL and non-ASCII UTF-8 pass through unchanged.
  EXPECT_EQ(JsonStr("\x7f caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"),
            "\"\x7f caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonStr("</script>"), "\"</script>\"");
}

TEST(JsonWriterTest, NonFiniteNumbersAreQuotedAsJacksonDoes) {
  std::string out;
  AppendJsonDouble(&out, std::nan(""));
  out.push_back(',');
  AppendJsonDouble(&out, -std::numeric_limits<double>::infinity());
  out.push_back(',');
  AppendJsonFloat(&out, std::numeric_limits<float>::infinity());
  out.push_back(',');
  AppendJsonDouble(&out, 2.5);
  EXPECT_EQ(out, "\"NaN\",\"-Infinity\",\"Infinity\",2.5");
}

// ---------------------------------------------------------------------------------------------
// Serialize: primitives

TEST(JsonConverterTest, PrimitivesWithSchema) {
  EXPECT_EQ(WithSchemas(Req(Type::kInt8), Value(int64_t{-5})),
            R"({"schema":{"type":"int8","optional":false},"payload":-5})");
  EXPECT_EQ(WithSchemas(Req(Type::kInt16), Value(int64_t{300})),
            R"({"schema":{"type":"int16","optional":false},"payload":300})");
  EXPECT_EQ(WithSchemas(Req(Type::kInt32), Value(int64_t{2147483647})),
            R"({"schema":{"type":"int32","optional":false},"payload":2147483647})");
  EXPECT_EQ(WithSchemas(Opt(Type::kInt64), Value(int64_t{-9223372036854775807 - 1})),
            R"({"schema":{"type":"int64","optional":true},"payload":-9223372036854775808})");
  EXPECT_EQ(WithSchemas(Req(Type::kFloat32), Value(3.14)),
            R"({"schema":{"type":"float","optional":false},"payload":3.14})");
  EXPECT_EQ(WithSchemas(Req(Type::kFloat64), Value(1.0e7)),
            R"({"schema":{"type":"double","optional":false},"payload":1.0E7})");
  EXPECT_EQ(WithSchemas(Req(Type::kFloat64), Value(std::nan(""))),
            R"({"schema":{"type":"double","optional":false},"payload":"NaN"})");
  EXPECT_EQ(WithSchemas(Req(Type::kBoolean), Value(true)),
            R"({"schema":{"type":"boolean","optional":false},"payload":true})");
  EXPECT_EQ(WithSchemas(Opt(Type::kString), Value("h\"i")),
            R"({"schema":{"type":"string","optional":true},"payload":"h\"i"})");
  EXPECT_EQ(WithSchemas(Req(Type::kBytes), Value(Bytes{"foob"})),
            R"({"schema":{"type":"bytes","optional":false},"payload":"Zm9vYg=="})");
}

TEST(JsonConverterTest, PrimitivesWithoutSchema) {
  EXPECT_EQ(NoSchemas(Req(Type::kInt32), Value(int64_t{42})), "42");
  EXPECT_EQ(NoSchemas(Req(Type::kFloat64), Value(-0.0)), "-0.0");
  EXPECT_EQ(NoSchemas(Req(Type::kFloat64), Value(123456.789)), "123456.789");
  EXPECT_EQ(NoSchemas(Req(Type::kFloat64), Value(1.0e-4)), "1.0E-4");
  EXPECT_EQ(NoSchemas(Req(Type::kFloat32), Value(static_cast<double>(0.1f))), "0.1");
  EXPECT_EQ(NoSchemas(Req(Type::kString), Value("x")), "\"x\"");
  EXPECT_EQ(NoSchemas(Req(Type::kBoolean), Value(false)), "false");
}

TEST(JsonConverterTest, NullHandling) {
  // Connect returns null bytes (a tombstone) for a null schema with a null value.
  EXPECT_TRUE(JsonConverter::IsNullRecord(nullptr, Value()));
  EXPECT_FALSE(JsonConverter::IsNullRecord(Opt(Type::kString), Value()));
  EXPECT_EQ(WithSchemas(nullptr, Value()), "null");
  EXPECT_EQ(NoSchemas(nullptr, Value()), "null");
  EXPECT_EQ(WithSchemas(Opt(Type::kString), Value()),
            R"({"schema":{"type":"string","optional":true},"payload":null})");
  EXPECT_EQ(NoSchemas(Opt(Type::kString), Value()), "null");

  std::string out;
  Status st = JsonConverter(true).Serialize(Req(Type::kString), Value(), &out);
  EXPECT_EQ(st.kind(), ErrorKind::kDataError);

  // A null takes the schema's default.
  auto with_default =
      SchemaBuilder(Type::kInt32).Default(std::make_shared<const Value>(int64_t{7})).Build();
  EXPECT_EQ(WithSchemas(with_default, Value()),
            R"({"schema":{"type":"int32","optional":false,"default":7},"payload":7})");
}

TEST(JsonConverterTest, SchemaMetadataOrder) {
  auto schema = SchemaBuilder(Type::kString)
                    .Optional()
                    .Name("io.debezium.data.Enum")
                    .Version(1)
                    .Doc("an \"enum\"")
                    .Parameter("allowed", "a,b")
                    .Parameter("zeta", "1")
                    .Default(std::make_shared<const Value>("a"))
                    .Build();
  EXPECT_EQ(WithSchemas(schema, Value("b")),
            R"({"schema":{"type":"string","optional":true,"name":"io.debezium.data.Enum",)"
            R"("version":1,"doc":"an \"enum\"","parameters":{"allowed":"a,b","zeta":"1"},)"
            R"("default":"a"},"payload":"b"})");
}

// ---------------------------------------------------------------------------------------------
// Logical types

SchemaPtr DecimalSchema(int scale, bool optional = false) {
  return SchemaBuilder(Type::kBytes)
      .Optional(optional)
      .Name("org.apache.kafka.connect.data.Decimal")
      .Version(1)
      .Parameter("scale", std::to_string(scale))
      .Parameter("connect.decimal.precision", "10")
      .Build();
}

std::string NumericDecimal(int scale, std::string_view unscaled) {
  return Ser(JsonConverter(false, true), DecimalSchema(scale), Value(Bytes{std::string(unscaled)}));
}

TEST(JsonConverterTest, DecimalBase64) {
  EXPECT_EQ(WithSchemas(DecimalSchema(2), Value(Bytes{"\x04\xd2"})),  // 12.34
            R"({"schema":{"type":"bytes","optional":false,)"
            R"("name":"org.apache.kafka.connect.data.Decimal","version":1,)"
            R"("parameters":{"scale":"2","connect.decimal.precision":"10"}},"payload":"BNI="})");
  EXPECT_EQ(NoSchemas(DecimalSchema(2), Value(Bytes{"\xfb\x2e"})), "\"+y4=\"");  // -12.34
}

TEST(JsonConverterTest, DecimalNumericIsBigDecimalToString) {
  EXPECT_EQ(NumericDecimal(2, "\x04\xd2"), "12.34");
  EXPECT_EQ(NumericDecimal(2, "\xfb\x2e"), "-12.34");
  EXPECT_EQ(NumericDecimal(2, std::string("\x00", 1)), "0.00");
  EXPECT_EQ(NumericDecimal(0, std::string("\x00", 1)), "0");
  EXPECT_EQ(NumericDecimal(3, "\x05"), "0.005");
  EXPECT_EQ(NumericDecimal(6, "\x05"), "0.000005");
  EXPECT_EQ(NumericDecimal(7, "\x05"), "5E-7");
  EXPECT_EQ(NumericDecimal(10, "\x7b"), "1.23E-8");
  EXPECT_EQ(NumericDecimal(-2, "\x7b"), "1.23E+4");
  EXPECT_EQ(NumericDecimal(0, "\x80"), "-128");
  EXPECT_EQ(NumericDecimal(0, std::string("\x00\x80", 2)), "128");
  EXPECT_EQ(NumericDecimal(0, "\xff"), "-1");
  // 2^64 + 1 = 18446744073709551617, beyond any native integer.
  EXPECT_EQ(NumericDecimal(4, std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9)),
            "1844674407370955.1617");
  EXPECT_EQ(NumericDecimal(0, std::string("\xfe\xff\xff\xff\xff\xff\xff\xff\xff", 9)),
            "-18446744073709551617");
  EXPECT_EQ(Ser(JsonConverter(true, true), DecimalSchema(1, true), Value()),
            R"({"schema":{"type":"bytes","optional":true,)"
            R"("name":"org.apache.kafka.connect.data.Decimal","version":1,)"
            R"("parameters":{"scale":"1","connect.decimal.precision":"10"}},"payload":null})");
}

TEST(JsonConverterTest, DateTimeTimestampAreTheirIntegers) {
  auto date =
      SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Date").Version(1).Build();
  auto time =
      SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Time").Version(1).Build();
  auto ts = SchemaBuilder(Type::kInt64)
                .Optional()
                .Name("org.apache.kafka.connect.data.Timestamp")
                .Version(1)
                .Build();
  EXPECT_EQ(WithSchemas(date, Value(int64_t{19000})),
            R"({"schema":{"type":"int32","optional":false,)"
            R"("name":"org.apache.kafka.connect.data.Date","version":1},"payload":19000})");
  EXPECT_EQ(NoSchemas(time, Value(int64_t{3600000})), "3600000");
  EXPECT_EQ(WithSchemas(ts, Value(int64_t{1700000000123})),
            R"({"schema":{"type":"int64","optional":true,)"
            R"("name":"org.apache.kafka.connect.data.Timestamp","version":1},)"
            R"("payload":1700000000123})");
}

// ---------------------------------------------------------------------------------------------
// Containers

TEST(JsonConverterTest, NestedStructArrayMap) {
  auto inner = SchemaBuilder(Type::kStruct)
                   .Name("inner")
                   .AddField("x", Req(Type::kInt32))
                   .AddField("y", Opt(Type::kString))
                   .Optional()
                   .Build();
  auto tags = SchemaBuilder(Type::kArray).Items(Req(Type::kString)).Build();
  auto attrs = SchemaBuilder(Type::kMap).Keys(Req(Type::kString)).Values(Opt(Type::kInt64)).Build();
  auto by_id = SchemaBuilder(Type::kMap).Keys(Req(Type::kInt32)).Values(Req(Type::kString)).Build();
  auto outer = SchemaBuilder(Type::kStruct)
                   .Name("outer")
                   .AddField("inner", inner)
                   .AddField("tags", tags)
                   .AddField("attrs", attrs)
                   .AddField("by_id", by_id)
                   .Build();
  Value v(Struct{
      outer,
      {Value(Struct{inner, {Value(int64_t{1}), Value()}}), Value(Array{Value("a"), Value("b")}),
       Value(Map{{Value("k1"), Value(int64_t{1})}, {Value("k2"), Value()}}),
       Value(Map{{Value(int64_t{2}), Value("two")}, {Value(int64_t{1}), Value("one")}})}});
  EXPECT_EQ(NoSchemas(outer, v),
            R"({"inner":{"x":1,"y":null},"tags":["a","b"],"attrs":{"k1":1,"k2":null},)"
            R"("by_id":[[2,"two"],[1,"one"]]})");
  EXPECT_EQ(WithSchemas(outer, v),
            R"({"schema":{"type":"struct","fields":[)"
            R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"x"},)"
            R"({"type":"string","optional":true,"field":"y"}],"optional":true,"name":"inner",)"
            R"("field":"inner"},)"
            R"({"type":"array","items":{"type":"string","optional":false},"optional":false,)"
            R"("field":"tags"},)"
            R"({"type":"map","keys":{"type":"string","optional":false},)"
            R"("values":{"type":"int64","optional":true},"optional":false,"field":"attrs"},)"
            R"({"type":"map","keys":{"type":"int32","optional":false},)"
            R"("values":{"type":"string","optional":false},"optional":false,"field":"by_id"}],)"
            R"("optional":false,"name":"outer"},)"
            R"("payload":{"inner":{"x":1,"y":null},"tags":["a","b"],"attrs":{"k1":1,"k2":null},)"
            R"("by_id":[[2,"two"],[1,"one"]]}})");
}

TEST(JsonConverterTest, SchemalessValuesAreInferred) {
  Value v(Map{{Value("a"), Value(int64_t{1})},
              {Value("b"), Value(Array{Value(1.5), Value(true), Value()})},
              {Value("c"), Value(Bytes{"f"})}});
  EXPECT_EQ(NoSchemas(nullptr, v), R"({"a":1,"b":[1.5,true,null],"c":"Zg=="})");
  EXPECT_EQ(WithSchemas(nullptr, v),
            R"({"schema":null,"payload":{"a":1,"b":[1.5,true,null],"c":"Zg=="}})");
  EXPECT_EQ(NoSchemas(nullptr, Value(Map{{Value(int64_t{1}), Value("x")}})), R"([[1,"x"]])");
  // As in Connect, a struct cannot be written without its schema.
  auto s = SchemaBuilder(Type::kStruct).AddField("a", Req(Type::kInt32)).Build();
  std::string out;
  EXPECT_FALSE(
      JsonConverter(false).Serialize(nullptr, Value(Struct{s, {Value(int64_t{1})}}), &out).ok());
}

TEST(JsonConverterTest, ErrorsNameTheField) {
  auto inner = SchemaBuilder(Type::kStruct).AddField("id", Req(Type::kInt32)).Build();
  auto outer = SchemaBuilder(Type::kStruct).AddField("after", inner).Build();
  std::string out;
  Status st = JsonConverter(true).Serialize(
      outer, Value(Struct{outer, {Value(Struct{inner, {Value()}})}}), &out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.kind(), ErrorKind::kDataError);
  EXPECT_NE(st.message().find("field after: field id: null value for a required int32"),
            std::string::npos)
      << st.message();

  st = JsonConverter(false).Serialize(inner, Value(Struct{inner, {Value("x")}}), &out);
  EXPECT_NE(st.message().find("field id: invalid value for int32: string"), std::string::npos)
      << st.message();
  st = JsonConverter(false).Serialize(Req(Type::kInt8), Value(int64_t{300}), &out);
  EXPECT_FALSE(st.ok());
  // A struct whose schema is not the field's schema.
  auto other = SchemaBuilder(Type::kStruct).AddField("id", Req(Type::kInt64)).Build();
  st = JsonConverter(false).Serialize(
      outer, Value(Struct{outer, {Value(Struct{other, {Value(int64_t{1})}})}}), &out);
  EXPECT_NE(st.message().find("mismatching schema"), std::string::npos) << st.message();
}

// ---------------------------------------------------------------------------------------------
// A Debezium PostgreSQL change event, as Kafka Connect writes it.

struct DebeziumFixture {
  SchemaPtr row = SchemaBuilder(Type::kStruct)
                      .Name("dbserver1.public.customers.Value")
                      .Optional()
                      .AddField("id", Req(Type::kInt32))
                      .AddField("name", Opt(Type::kString))
                      .AddField("balance", DecimalSchema(2, true))
                      .AddField("score", Opt(Type::kFloat64))
                      .Build();
  SchemaPtr snapshot = SchemaBuilder(Type::kString)
                           .Optional()
                           .Name("io.debezium.data.Enum")
                           .Version(1)
                           .Parameter("allowed", "true,last,false,incremental")
                           .Default(std::make_shared<const Value>("false"))
                           .Build();
  SchemaPtr source = SchemaBuilder(Type::kStruct)
                         .Name("io.debezium.connector.postgresql.Source")
                         .AddField("version", Req(Type::kString))
                         .AddField("connector", Req(Type::kString))
                         .AddField("name", Req(Type::kString))
                         .AddField("ts_ms", Req(Type::kInt64))
                         .AddField("snapshot", snapshot)
                         .AddField("db", Req(Type::kString))
                         .AddField("sequence", Opt(Type::kString))
                         .AddField("schema", Req(Type::kString))
                         .AddField("table", Req(Type::kString))
                         .AddField("txId", Opt(Type::kInt64))
                         .AddField("lsn", Opt(Type::kInt64))
                         .AddField("xmin", Opt(Type::kInt64))
                         .Build();
  SchemaPtr block = SchemaBuilder(Type::kStruct)
                        .Name("event.block")
                        .Version(1)
                        .Optional()
                        .AddField("id", Req(Type::kString))
                        .AddField("total_order", Req(Type::kInt64))
                        .AddField("data_collection_order", Req(Type::kInt64))
                        .Build();
  SchemaPtr envelope = SchemaBuilder(Type::kStruct)
                           .Name("dbserver1.public.customers.Envelope")
                           .Version(1)
                           .AddField("before", row)
                           .AddField("after", row)
                           .AddField("source", source)
                           .AddField("op", Req(Type::kString))
                           .AddField("ts_ms", Opt(Type::kInt64))
                           .AddField("transaction", block)
                           .Build();

  // `snapshot`: the source.snapshot value; null is written as the field's default "false".
  Value Event(Value snapshot = Value()) const {
    Value after(Struct{
        row,
        {Value(int64_t{1}), Value("Anne \"A\" O'Neil"), Value(Bytes{"\x04\xd2"}), Value(0.1)}});
    Value src(Struct{source,
                     {Value("2.5.0.Final"), Value("postgresql"), Value("dbserver1"),
                      Value(int64_t{1700000000000}), snapshot, Value("postgres"),
                      Value("[null,\"23456\"]"), Value("public"), Value("customers"),
                      Value(int64_t{555}), Value(int64_t{23456}), Value()}});
    return Value(Struct{envelope,
                        {Value(), after, src, Value("c"), Value(int64_t{1700000000123}), Value()}});
  }
};

constexpr const char* kRowSchemaJson =
    R"({"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
    R"({"type":"string","optional":true,"field":"name"},)"
    R"({"type":"bytes","optional":true,"name":"org.apache.kafka.connect.data.Decimal",)"
    R"("version":1,"parameters":{"scale":"2","connect.decimal.precision":"10"},)"
    R"("field":"balance"},{"type":"double","optional":true,"field":"score"}],)"
    R"("optional":true,"name":"dbserver1.public.customers.Value",)";

TEST(JsonConverterTest, DebeziumEnvelope) {
  DebeziumFixture f;
  const std::string expected =
      std::string(R"({"schema":{"type":"struct","fields":[)") + kRowSchemaJson +
      R"("field":"before"},)" + kRowSchemaJson + R"("field":"after"},)" +
      R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"version"},)"
      R"({"type":"string","optional":false,"field":"connector"},)"
      R"({"type":"string","optional":false,"field":"name"},)"
      R"({"type":"int64","optional":false,"field":"ts_ms"},)"
      R"({"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,)"
      R"("parameters":{"allowed":"true,last,false,incremental"},"default":"false",)"
      R"("field":"snapshot"},)"
      R"({"type":"string","optional":false,"field":"db"},)"
      R"({"type":"string","optional":true,"field":"sequence"},)"
      R"({"type":"string","optional":false,"field":"schema"},)"
      R"({"type":"string","optional":false,"field":"table"},)"
      R"({"type":"int64","optional":true,"field":"txId"},)"
      R"({"type":"int64","optional":true,"field":"lsn"},)"
      R"({"type":"int64","optional":true,"field":"xmin"}],)"
      R"("optional":false,"name":"io.debezium.connector.postgresql.Source","field":"source"},)"
      R"({"type":"string","optional":false,"field":"op"},)"
      R"({"type":"int64","optional":true,"field":"ts_ms"},)"
      R"({"type":"struct","fields":[{"type":"string","optional":false,"field":"id"},)"
      R"({"type":"int64","optional":false,"field":"total_order"},)"
      R"({"type":"int64","optional":false,"field":"data_collection_order"}],)"
      R"("optional":true,"name":"event.block","version":1,"field":"transaction"}],)"
      R"("optional":false,"name":"dbserver1.public.customers.Envelope","version":1},)"
      R"("payload":{"before":null,)"
      R"("after":{"id":1,"name":"Anne \"A\" O'Neil","balance":"BNI=","score":0.1},)"
      R"("source":{"version":"2.5.0.Final","connector":"postgresql","name":"dbserver1",)"
      R"("ts_ms":1700000000000,"snapshot":"false","db":"postgres",)"
      R"("sequence":"[null,\"23456\"]","schema":"public","table":"customers",)"
      R"("txId":555,"lsn":23456,"xmin":null},)"
      R"("op":"c","ts_ms":1700000000123,"transaction":null}})";
  JsonConverter converter(true);
  EXPECT_EQ(Ser(converter, f.envelope, f.Event()), expected);
  // The second record of the same shape comes from the schema cache and must be identical.
  EXPECT_EQ(Ser(converter, f.envelope, f.Event()), expected);

  EXPECT_EQ(NoSchemas(f.envelope, f.Event()),
            R"({"before":null,)"
            R"("after":{"id":1,"name":"Anne \"A\" O'Neil","balance":"BNI=","score":0.1},)"
            R"("source":{"version":"2.5.0.Final","connector":"postgresql","name":"dbserver1",)"
            R"("ts_ms":1700000000000,"snapshot":"false","db":"postgres",)"
            R"("sequence":"[null,\"23456\"]","schema":"public","table":"customers",)"
            R"("txId":555,"lsn":23456,"xmin":null},)"
            R"("op":"c","ts_ms":1700000000123,"transaction":null})");
}

TEST(JsonConverterTest, SchemaCacheSeesNewSchemas) {
  JsonConverter converter(true);
  for (int i = 0; i < 3; ++i) {
    auto s = SchemaBuilder(Type::kStruct).Name("s" + std::to_string(i)).Build();
    EXPECT_EQ(Ser(converter, s, Value(Struct{s, {}})),
              R"({"schema":{"type":"struct","fields":[],"optional":false,"name":"s)" +
                  std::to_string(i) + R"("},"payload":{}})");
  }
}

// ---------------------------------------------------------------------------------------------
// Deserialize

void ExpectRoundTrip(const JsonConverter& converter, const SchemaPtr& schema, const Value& value) {
  const std::string json = Ser(converter, schema, value);
  auto back = converter.Deserialize(json);
  ASSERT_TRUE(back.ok()) << back.status().ToString() << " for " << json;
  if (schema) {
    ASSERT_NE(back->first, nullptr);
    EXPECT_TRUE(back->first->Equals(*schema)) << json;
  }
  EXPECT_EQ(back->second, value) << json << " -> " << back->second.DebugString();
  // Doc and defaults are not part of Schema::Equals: compare the bytes again.
  EXPECT_EQ(Ser(converter, back->first, back->second), json);
}

TEST(JsonConverterTest, RoundTripDebeziumEnvelope) {
  DebeziumFixture f;
  // A null with a default comes back as the default, as in Connect; so use an explicit value.
  ExpectRoundTrip(JsonConverter(true), f.envelope, f.Event(Value("false")));
  ExpectRoundTrip(JsonConverter(true, true), f.envelope, f.Event(Value("true")));
  auto back = JsonConverter(true).Deserialize(Ser(JsonConverter(true), f.envelope, f.Event()));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->second, f.Event(Value("false")));
}

TEST(JsonConverterTest, RoundTripEveryType) {
  auto doc = SchemaBuilder(Type::kInt16)
                 .Doc("small")
                 .Default(std::make_shared<const Value>(int64_t{-3}))
                 .Build();
  auto point = SchemaBuilder(Type::kStruct)
                   .Name("point")
                   .AddField("x", Req(Type::kFloat64))
                   .AddField("y", Req(Type::kFloat32))
                   .Build();
  auto pairs = SchemaBuilder(Type::kMap).Keys(point).Values(Opt(Type::kBytes)).Optional().Build();
  auto schema =
      SchemaBuilder(Type::kStruct)
          .Name("all")
          .Version(3)
          .Parameter("p", "v")
          .AddField("i8", Req(Type::kInt8))
          .AddField("i16", doc)
          .AddField("i32", Opt(Type::kInt32))
          .AddField("i64", Req(Type::kInt64))
          .AddField("f32", Req(Type::kFloat32))
          .AddField("f64", Req(Type::kFloat64))
          .AddField("nan", Req(Type::kFloat64))
          .AddField("b", Req(Type::kBoolean))
          .AddField("s", Req(Type::kString))
          .AddField("bytes", Req(Type::kBytes))
          .AddField("dec", DecimalSchema(3))
          .AddField("arr", SchemaBuilder(Type::kArray).Items(Opt(Type::kString)).Build())
          .AddField("map", SchemaBuilder(Type::kMap).Keys(Req(Type::kString)).Values(point).Build())
          .AddField("pairs", pairs)
          .Build();
  Value p(Struct{point, {Value(-1.0e-7), Value(static_cast<double>(3.14f))}});
  Value v(Struct{schema,
                 {Value(int64_t{-128}), Value(int64_t{-3}), Value(), Value(int64_t{1} << 60),
                  Value(static_cast<double>(0.1f)), Value(123456.789),
                  Value(std::numeric_limits<double>::infinity()), Value(true),
                  Value("tab\there \xe2\x82\xac \x01"), Value(Bytes{std::string("\x00\xff", 2)}),
                  Value(Bytes{"\xfb\x2e"}), Value(Array{Value("a"), Value()}),
                  Value(Map{{Value("k"), p}}), Value(Map{{p, Value(Bytes{"z"})}, {p, Value()}})}});
  ExpectRoundTrip(JsonConverter(true), schema, v);
  ExpectRoundTrip(JsonConverter(true, true), schema, v);
  ExpectRoundTrip(JsonConverter(true), Req(Type::kInt8), Value(int64_t{127}));
  ExpectRoundTrip(JsonConverter(true), Opt(Type::kString), Value());
  ExpectRoundTrip(JsonConverter(true), DecimalSchema(0), Value(Bytes{"\x01"}));
  ExpectRoundTrip(JsonConverter(true, true), DecimalSchema(0), Value(Bytes{"\xff"}));
}

TEST(JsonConverterTest, RoundTripSchemaless) {
  JsonConverter converter(false);
  Value v(Map{{Value("a"), Value(int64_t{-1})},
              {Value("b"), Value(Array{Value(2.5), Value(false), Value(), Value("s")})},
              {Value("c"), Value(Map{})}});
  ExpectRoundTrip(converter, nullptr, v);
  auto back = converter.Deserialize("  17 ");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->first, nullptr);
  EXPECT_EQ(back->second, Value(int64_t{17}));
  back = converter.Deserialize("null");
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(back->second.is_null());
  // With schemas enabled, a null schema also means schemaless.
  back = JsonConverter(true).Deserialize(R"({"schema":null,"payload":{"x":[1.0]}})");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->second, Value(Map{{Value("x"), Value(Array{Value(1.0)})}}));
}

TEST(JsonConverterTest, DeserializeDefaultsAndMissingFields) {
  auto back = JsonConverter(true).Deserialize(
      R"({"schema":{"type":"struct","fields":[)"
      R"({"type":"int32","optional":false,"default":5,"field":"a"},)"
      R"({"type":"string","optional":true,"field":"b"}],"optional":false},)"
      R"("payload":{"extra":1}})");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  const data::Struct& st = back->second.as_struct();
  EXPECT_EQ(*st.Get("a"), Value(int64_t{5}));
  EXPECT_TRUE(st.Get("b")->is_null());
  ASSERT_NE(back->first->fields[0].schema->default_value, nullptr);
  EXPECT_EQ(*back->first->fields[0].schema->default_value, Value(int64_t{5}));
}

TEST(JsonConverterTest, DeserializeNumericDecimal) {
  const std::string schema =
      R"({"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",)"
      R"("version":1,"parameters":{"scale":"2"}})";
  auto decode = [&](const std::string& payload) {
    return JsonConverter(true).Deserialize(R"({"schema":)" + schema + R"(,"payload":)" + payload +
                                           "}");
  };
  auto r = decode("12.3");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->second, Value(Bytes{"\x04\xce"}));  // 1230
  r = decode("-12.34");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{"\xfb\x2e"}));
  r = decode("1E+3");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{"\x01\x86\xa0"}));  // 100000
  r = decode("0");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{std::string("\x00", 1)}));
  r = decode("1.50");  // 150: a leading zero byte keeps it positive
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{std::string("\x00\x96", 2)}));
  r = decode("7.000");  // extra zero fraction digits are fine
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{"\x02\xbc"}));  // 700
  r = decode("184467440737095516.17");             // beyond int64 and double precision
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{std::string("\x01\x00\x00\x00\x00\x00\x00\x00\x01", 9)}));
  r = decode("1.234");
  EXPECT_FALSE(r.ok());
  r = decode("\"BNI=\"");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->second, Value(Bytes{"\x04\xd2"}));
}

// A scale near Java's int limit prints as a large exponent, which must read back (found by the
// fuzzer: fuzz/regressions/json_converter_fuzz/decimal-huge-scale).
TEST(JsonConverterTest, NumericDecimalWithHugeScaleRoundTrips) {
  const int32_t scale = 1593851972;
  EXPECT_EQ(NumericDecimal(scale, "\x04\xd2"), "1.234E-1593851969");
  const JsonConverter converter(true, true);
  auto back = converter.Deserialize(Ser(converter, DecimalSchema(scale), Value(Bytes{"\x04\xd2"})));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->second, Value(Bytes{"\x04\xd2"}));
  // Beyond Java's int exponent: refused, not wrapped.
  back = converter.Deserialize(
      R"({"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal",)"
      R"("parameters":{"scale":"2"}},"payload":1E-3000000000})");
  EXPECT_FALSE(back.ok());
}

// Found by json_converter_fuzz (fuzz/regressions/json_converter_fuzz/decimal-beyond-double): a
// Decimal whose numeric text is beyond double's range was written but could not be read back (the
// JSON parser then in use turned such numbers into an error; Jackson reads them as BigDecimal).
TEST(JsonConverterTest, NumericDecimalBeyondDoubleRoundTrips) {
  std::string unscaled(200, '\x7f');  // about 482 decimal digits
  const JsonConverter converter(true, true);
  const std::string text = Ser(converter, DecimalSchema(2), Value(Bytes{unscaled}));
  auto back = converter.Deserialize(text);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->second, Value(Bytes{unscaled}));
  // A float64 beyond double's range reads as Infinity, as BigDecimal.doubleValue gives.
  back = converter.Deserialize(R"({"schema":{"type":"double","optional":false},"payload":-1e400})");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->second, Value(-std::numeric_limits<double>::infinity()));
}

// A sink caches its table shapes by schema object: the records of one topic must share theirs.
TEST(JsonConverterTest, EqualSchemaTextsDeserializeToOneSchemaObject) {
  const JsonConverter converter(true);
  const std::string schema = R"({"type":"struct","fields":[{"type":"int32","optional":false,)"
                             R"("field":"id"}],"optional":false,"name":"k"})";
  auto a = converter.Deserialize(R"({"schema":)" + schema + R"(,"payload":{"id":1}})");
  auto b = converter.Deserialize(R"({"schema":)" + schema + R"(,"payload":{"id":2}})");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->first.get(), b->first.get());
  EXPECT_NE(a->second, b->second);
  auto other = converter.Deserialize(R"({"schema":{"type":"int32"},"payload":3})");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->first.get(), a->first.get());
}

TEST(JsonConverterTest, DeserializeErrors) {
  JsonConverter c(true);
  EXPECT_EQ(c.Deserialize("{").status().kind(), ErrorKind::kDataError);
  EXPECT_FALSE(c.Deserialize("42").ok());
  EXPECT_FALSE(c.Deserialize(R"({"payload":1})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":null,"payload":1,"x":2})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"int32"},"payload":null})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"int8"},"payload":300})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"int32"},"payload":1.5})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"bytes"},"payload":"***"})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"nope"},"payload":1})").ok());
  EXPECT_FALSE(c.Deserialize(R"({"schema":{"type":"array"},"payload":[]})").ok());
  // Found by json_converter_fuzz: a Decimal without its scale, or with no bytes, deserialized but
  // could not be serialized again (decimal.format=NUMERIC). Connect refuses both.
  const std::string decimal =
      R"({"schema":{"type":"bytes","name":"org.apache.kafka.connect.data.Decimal",)";
  EXPECT_FALSE(c.Deserialize(decimal + R"("parameters":{"x":"1"}},"payload":"BNI="})").ok());
  EXPECT_FALSE(c.Deserialize(decimal + R"("parameters":{"scale":"z"}},"payload":"BNI="})").ok());
  EXPECT_FALSE(c.Deserialize(decimal + R"("parameters":{"scale":"2"}},"payload":""})").ok());
  EXPECT_TRUE(c.Deserialize(decimal + R"("parameters":{"scale":"2"}},"payload":"BNI="})").ok());
  auto r = c.Deserialize(
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"}]},)"
      R"("payload":{"id":"x"}})");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("field id"), std::string::npos) << r.status().message();
  std::string deep(2000, '[');
  EXPECT_FALSE(JsonConverter(false).Deserialize(deep + std::string(2000, ']')).ok());
  // Found by json_converter_fuzz: a struct with two fields of one name deserialized (the payload's
  // last "id" read for both) and its own serialization then did not. Connect's SchemaBuilder
  // refuses the name twice, and an empty one.
  r = c.Deserialize(R"({"schema":{"type":"struct","fields":[{"type":"int64","field":"id"},)"
                    R"({"type":"int64","field":"id"}]},"payload":{"id":1}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "schema: Cannot create field because of field name duplication id");
  r = c.Deserialize(
      R"({"schema":{"type":"struct","fields":[{"type":"int64","field":""}]},"payload":{"":1}})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "schema: fieldName cannot be null.");
}

// What Deserialize reads the schema as (checked, and built only when its text is new) fails where
// a full parse fails, with the same message.
TEST(JsonConverterTest, ASchemaIsCheckedEvenWhenItsTextIsCached) {
  const JsonConverter c(true);
  const std::string schema = R"({"type":"struct","fields":[{"type":"int32","field":"id"}]})";
  ASSERT_TRUE(c.Deserialize(R"({"schema":)" + schema + R"(,"payload":{"id":1}})").ok());
  const std::string trailing_comma =
      R"({"type":"struct","fields":[{"type":"int32","field":"id"},]})";
  auto bad = c.Deserialize(R"({"schema":)" + trailing_comma + R"(,"payload":{"id":1}})");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(bad.status().message().find("invalid JSON: unexpected character, expected a value at "
                                        "byte 67"),
            std::string::npos)
      << bad.status().message();
  // The last schema's text followed by something else than the rest of a record.
  const std::string cached = R"({"schema":)" + schema;
  EXPECT_TRUE(c.Deserialize(cached + R"(,"payload":{"id":2}})").ok());
  auto cut = c.Deserialize(cached + R"(,"payload":{"id":2})");
  ASSERT_FALSE(cut.ok());
  EXPECT_NE(cut.status().message().find("unexpected end of input in an object"), std::string::npos)
      << cut.status().message();
  auto extra = c.Deserialize(cached + R"({"type":"int32"},"payload":{"id":2}})");
  ASSERT_FALSE(extra.ok());
  EXPECT_NE(extra.status().message().find("expected ',' or '}' in an object"), std::string::npos)
      << extra.status().message();
  auto bad_utf8 = c.Deserialize("{\"schema\":{\"type\":\"int32\",\"doc\":\"\xC0\"},\"payload\":1}");
  ASSERT_FALSE(bad_utf8.ok());
  EXPECT_NE(bad_utf8.status().message().find("invalid UTF-8 in a string"), std::string::npos)
      << bad_utf8.status().message();
}

}  // namespace
}  // namespace walrelay::convert
