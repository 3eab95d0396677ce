#include "convert/header_converter.h"

#include <gtest/gtest.h>

namespace walrelay::convert {
namespace {

using data::Schema;
using data::SchemaBuilder;
using data::Type;
using data::Value;

std::string Text(data::SchemaPtr schema, Value value) {
  auto r = SimpleHeaderBytes(data::Header{"h", std::move(schema), std::move(value)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r->has_value() ? **r : "<null>";
}

TEST(SimpleHeaderConverterTest, PrimitivesAsJavaPrintsThem) {
  EXPECT_EQ(Text(SchemaBuilder(Type::kString).Build(), Value("PersonCreated")), "PersonCreated");
  EXPECT_EQ(Text(SchemaBuilder(Type::kInt32).Build(), Value(int64_t{-7})), "-7");
  // JDK 17, which Kafka Connect 4.x runs on (docs/formatting.md).
  EXPECT_EQ(Text(SchemaBuilder(Type::kFloat64).Build(), Value(1e23)), "9.999999999999999E22");
  EXPECT_EQ(Text(SchemaBuilder(Type::kFloat32).Build(), Value(0.1)), "0.1");
  EXPECT_EQ(Text(SchemaBuilder(Type::kBoolean).Build(), Value(true)), "true");
  EXPECT_EQ(Text(SchemaBuilder(Type::kBytes).Build(), Value(data::Bytes{"\x01\x02"})), "AQI=");
  EXPECT_EQ(Text(nullptr, Value()), "<null>");
}

TEST(SimpleHeaderConverterTest, LogicalTypes) {
  auto decimal = SchemaBuilder(Type::kBytes)
                     .Name("org.apache.kafka.connect.data.Decimal")
                     .Parameter("scale", "2")
                     .Build();
  EXPECT_EQ(Text(decimal, Value(data::Bytes{"\x04\xd2"})), "12.34");
  auto date = SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Date").Build();
  EXPECT_EQ(Text(date, Value(int64_t{19000})), "2022-01-08");
  auto ts = SchemaBuilder(Type::kInt64).Name("org.apache.kafka.connect.data.Timestamp").Build();
  EXPECT_EQ(Text(ts, Value(int64_t{1641600000123})), "2022-01-08T00:00:00.123Z");
  auto time = SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Time").Build();
  EXPECT_EQ(Text(time, Value(int64_t{3723004})), "01:02:03.004Z");
}

TEST(SimpleHeaderConverterTest, StructuredValuesQuoteEmbeddedStrings) {
  auto arr = SchemaBuilder(Type::kArray).Items(SchemaBuilder(Type::kString).Build()).Build();
  EXPECT_EQ(Text(arr, Value(data::Array{Value("a\"b"), Value("c\\d")})), R"(["a\"b","c\\d"])");
  auto st = SchemaBuilder(Type::kStruct)
                .AddField("id", SchemaBuilder(Type::kInt64).Build())
                .AddField("name", SchemaBuilder(Type::kString).Optional().Build())
                .Build();
  EXPECT_EQ(Text(st, Value(data::Struct{st, {Value(int64_t{1}), Value()}})),
            R"({"id":1,"name":null})");
  auto map = SchemaBuilder(Type::kMap)
                 .Keys(SchemaBuilder(Type::kString).Build())
                 .Values(SchemaBuilder(Type::kInt32).Build())
                 .Build();
  EXPECT_EQ(Text(map, Value(data::Map{{Value("k"), Value(int64_t{2})}})), R"({"k":2})");
}

}  // namespace
}  // namespace walrelay::convert
