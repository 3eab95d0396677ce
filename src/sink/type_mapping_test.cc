#include "sink/type_mapping.h"

#include <gtest/gtest.h>

#include <cmath>

namespace walrelay::sink {
namespace {

using data::Bytes;
using data::PrimitiveSchema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Type;
using data::Value;

SchemaPtr Named(Type type, const std::string& name) {
  return SchemaBuilder(type).Name(name).Build();
}

std::string Render(const SchemaPtr& schema, const Value& v) {
  auto r = RenderValue(*schema, v);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok() || !r->has_value()) return "<null>";
  return **r;
}

std::string TypeOf(const SchemaPtr& schema) {
  auto r = PgColumnType(*schema);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(TypeMappingTest, PrimitiveTypes) {
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kInt8, false)), "smallint");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kInt16, false)), "smallint");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kInt32, false)), "integer");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kInt64, false)), "bigint");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kFloat32, false)), "real");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kFloat64, false)), "double precision");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kBoolean, false)), "boolean");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kString, false)), "text");
  EXPECT_EQ(TypeOf(PrimitiveSchema(Type::kBytes, false)), "bytea");
}

TEST(TypeMappingTest, LogicalTypes) {
  EXPECT_EQ(TypeOf(SchemaBuilder(Type::kBytes)
                       .Name("org.apache.kafka.connect.data.Decimal")
                       .Parameter("scale", "2")
                       .Build()),
            "numeric(38,2)");
  EXPECT_EQ(TypeOf(SchemaBuilder(Type::kBytes)
                       .Name("org.apache.kafka.connect.data.Decimal")
                       .Parameter("scale", "0")
                       .Build()),
            "numeric");
  EXPECT_EQ(TypeOf(SchemaBuilder(Type::kBytes)
                       .Name("org.apache.kafka.connect.data.Decimal")
                       .Parameter("scale", "2")
                       .Parameter("connect.decimal.precision", "10")
                       .Build()),
            "numeric(10,2)");
  EXPECT_EQ(TypeOf(Named(Type::kInt32, "org.apache.kafka.connect.data.Date")), "date");
  EXPECT_EQ(TypeOf(Named(Type::kInt32, "org.apache.kafka.connect.data.Time")), "time");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "org.apache.kafka.connect.data.Timestamp")), "timestamp");
  EXPECT_EQ(TypeOf(Named(Type::kInt32, "io.debezium.time.Date")), "date");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "io.debezium.time.MicroTimestamp")), "timestamp");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "io.debezium.time.NanoTimestamp")), "timestamp");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "io.debezium.time.Timestamp")), "timestamp");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.time.ZonedTimestamp")), "timestamptz");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "io.debezium.time.MicroTime")), "time");
  EXPECT_EQ(TypeOf(Named(Type::kInt32, "io.debezium.time.Time")), "time");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.time.ZonedTime")), "timetz");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.data.Json")), "json");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.data.Uuid")), "uuid");
  EXPECT_EQ(TypeOf(Named(Type::kStruct, "io.debezium.data.VariableScaleDecimal")), "numeric");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.data.Enum")), "text");
  EXPECT_EQ(TypeOf(Named(Type::kInt64, "io.debezium.time.MicroDuration")), "interval");
  EXPECT_EQ(TypeOf(Named(Type::kString, "io.debezium.data.Xml")), "xml");
  EXPECT_EQ(TypeOf(SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kInt32, true)).Build()),
            "integer[]");
  EXPECT_EQ(
      TypeOf(
          SchemaBuilder(Type::kArray).Items(Named(Type::kString, "io.debezium.data.Uuid")).Build()),
      "uuid[]");
  auto map = SchemaBuilder(Type::kMap)
                 .Keys(PrimitiveSchema(Type::kString, false))
                 .Values(PrimitiveSchema(Type::kString, false))
                 .Build();
  auto r = PgColumnType(*map);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
}

// A field as Debezium's source connectors describe it with column.propagate.source.type.
SchemaPtr Propagated(Type type, const std::string& name, const std::string& source_type,
                     const std::string& length, const std::string& scale = "") {
  SchemaBuilder b(type);
  if (!name.empty()) b.Name(name);
  b.Parameter("__debezium.source.column.type", source_type);
  if (!length.empty()) b.Parameter("__debezium.source.column.length", length);
  if (!scale.empty()) b.Parameter("__debezium.source.column.scale", scale);
  return b.Build();
}

std::string SourceTypeOf(const SchemaPtr& schema) {
  auto r = PgColumnType(*schema, /*use_source_type=*/true);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : "";
}

TEST(TypeMappingTest, PropagatedSourceTypes) {
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "VARCHAR", "20", "0")), "varchar(20)");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "varchar", "2147483647")), "text");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "BPCHAR", "3", "0")), "char(3)");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "BPCHAR", "")), "char(1)");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "TEXT", "2147483647")), "text");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "INET", "2147483647")), "inet");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "CIDR", "")), "cidr");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "", "MACADDR", "")), "macaddr");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "io.debezium.data.Json", "JSONB", "")), "jsonb");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "io.debezium.data.Json", "JSON", "")), "json");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "io.debezium.data.Uuid", "UUID", "")), "uuid");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kInt64, "io.debezium.time.MicroTime", "TIME", "15", "3")),
            "time(3)");
  EXPECT_EQ(
      SourceTypeOf(Propagated(Type::kInt64, "io.debezium.time.Timestamp", "TIMESTAMP", "26", "0")),
      "timestamp");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "io.debezium.time.ZonedTimestamp", "TIMESTAMPTZ",
                                    "35", "2")),
            "timestamptz(2)");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kString, "io.debezium.time.ZonedTime", "TIMETZ", "5")),
            "timetz(5)");
  EXPECT_EQ(SourceTypeOf(Propagated(Type::kInt32, "", "INT4", "10", "0")), "integer");
  // The Confluent flavor reads no source type.
  EXPECT_EQ(TypeOf(Propagated(Type::kString, "", "VARCHAR", "20", "0")), "text");
  EXPECT_EQ(TypeOf(Propagated(Type::kString, "io.debezium.data.Json", "JSONB", "")), "json");
}

TEST(TypeMappingTest, DatesAndTimes) {
  EXPECT_EQ(FormatDate(0), "1970-01-01");
  EXPECT_EQ(FormatDate(19723), "2024-01-01");
  EXPECT_EQ(FormatDate(-1), "1969-12-31");
  EXPECT_EQ(FormatDate(-719528), "0001-01-01 BC");  // proleptic year 0 is 1 BC
  EXPECT_EQ(FormatTimestamp(1704067200123456, 6), "2024-01-01 00:00:00.123456");
  EXPECT_EQ(FormatTimestamp(-1, 6), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(FormatTimestamp(1704067200123, 3), "2024-01-01 00:00:00.123");
  EXPECT_EQ(FormatTimestamp(1704067200123456789, 9), "2024-01-01 00:00:00.123456789");
  EXPECT_EQ(FormatTime(3723004000, 6), "01:02:03.004000");
  EXPECT_EQ(FormatTime(86400000000, 6), "24:00:00.000000");
  EXPECT_EQ(FormatTime(45296789, 3), "12:34:56.789");
}

TEST(TypeMappingTest, RenderValues) {
  EXPECT_EQ(Render(PrimitiveSchema(Type::kInt32, false), Value(int64_t{-42})), "-42");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kBoolean, false), Value(true)), "true");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kFloat64, false), Value(0.1)), "0.1");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kFloat32, false), Value(double(0.1f))), "0.1");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kFloat64, false), Value(1e300)), "1e+300");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kFloat64, false), Value(std::nan(""))), "NaN");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kFloat64, false), Value(-HUGE_VAL)), "-Infinity");
  EXPECT_EQ(Render(PrimitiveSchema(Type::kString, false), Value("it's")), "it's");
  EXPECT_EQ(
      Render(PrimitiveSchema(Type::kBytes, false), Value(Bytes{std::string("\x00\xff\x10", 3)})),
      "\\x00ff10");
  EXPECT_EQ(Render(SchemaBuilder(Type::kBytes)
                       .Name("org.apache.kafka.connect.data.Decimal")
                       .Parameter("scale", "2")
                       .Build(),
                   Value(Bytes{std::string("\x30\x39", 2)})),
            "123.45");
  EXPECT_EQ(Render(Named(Type::kInt32, "io.debezium.time.Date"), Value(int64_t{19723})),
            "2024-01-01");
  EXPECT_EQ(Render(Named(Type::kInt64, "io.debezium.time.MicroTimestamp"),
                   Value(int64_t{1704067200123456})),
            "2024-01-01 00:00:00.123456");
  EXPECT_EQ(Render(Named(Type::kInt64, "org.apache.kafka.connect.data.Timestamp"),
                   Value(int64_t{1704067200123})),
            "2024-01-01 00:00:00.123");
  EXPECT_EQ(Render(Named(Type::kInt64, "io.debezium.time.MicroDuration"), Value(int64_t{90000000})),
            "90000000 microseconds");
  EXPECT_EQ(Render(Named(Type::kString, "io.debezium.time.ZonedTimestamp"),
                   Value("2024-01-01T10:00:00Z")),
            "2024-01-01T10:00:00Z");

  auto vsd = SchemaBuilder(Type::kStruct)
                 .Name("io.debezium.data.VariableScaleDecimal")
                 .AddField("scale", PrimitiveSchema(Type::kInt32, false))
                 .AddField("value", PrimitiveSchema(Type::kBytes, false))
                 .Build();
  EXPECT_EQ(Render(vsd, Value(data::Struct{
                            vsd, {Value(int64_t{3}), Value(Bytes{std::string("\x30\x39", 2)})}})),
            "12.345");

  auto null = RenderValue(*PrimitiveSchema(Type::kString, true), Value());
  ASSERT_TRUE(null.ok());
  EXPECT_FALSE(null->has_value());
}

TEST(TypeMappingTest, RenderArrays) {
  auto text_array = SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kString, true)).Build();
  EXPECT_EQ(Render(text_array, Value(data::Array{Value("a"), Value("b,c"), Value("q\"\\"), Value(),
                                                 Value("NULL"), Value("")})),
            "{\"a\",\"b,c\",\"q\\\"\\\\\",NULL,\"NULL\",\"\"}");
  auto int_array = SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kInt64, false)).Build();
  EXPECT_EQ(Render(int_array, Value(data::Array{Value(int64_t{1}), Value(int64_t{-2})})),
            "{\"1\",\"-2\"}");
  EXPECT_EQ(Render(int_array, Value(data::Array{})), "{}");
  auto nested = SchemaBuilder(Type::kArray).Items(int_array).Build();
  EXPECT_EQ(Render(nested, Value(data::Array{Value(data::Array{Value(int64_t{1})}),
                                             Value(data::Array{Value(int64_t{2})})})),
            "{{\"1\"},{\"2\"}}");
  auto bytes_array =
      SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kBytes, false)).Build();
  EXPECT_EQ(Render(bytes_array, Value(data::Array{Value(Bytes{"\x01"})})), "{\"\\\\x01\"}");
}

TEST(TypeMappingTest, RenderErrors) {
  auto r = RenderValue(*PrimitiveSchema(Type::kInt32, false), Value("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
  r = RenderValue(*PrimitiveSchema(Type::kString, false), Value(std::string("a\0b", 3)));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("NUL"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::sink
