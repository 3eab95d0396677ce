#include "convert/avro_data.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

namespace walrelay::convert {
namespace {

using data::PrimitiveSchema;
using data::Schema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Type;
using data::Value;

std::string AvroText(const SchemaPtr& schema, AvroDataOptions options = {}) {
  Result<std::string> text = ConnectSchemaToAvro(*schema, options);
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  return text.ok() ? *text : "";
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string Encoded(const SchemaPtr& schema, const Value& value, AvroDataOptions options = {}) {
  std::string out;
  Status s = EncodeConnectValue(*schema, value, options, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return Hex(out);
}

SchemaPtr DecimalSchema(int scale, int precision, bool optional = false) {
  return SchemaBuilder(Type::kBytes)
      .Name("org.apache.kafka.connect.data.Decimal")
      .Version(1)
      .Parameter("scale", std::to_string(scale))
      .Parameter("connect.decimal.precision", std::to_string(precision))
      .Optional(optional)
      .Build();
}

TEST(AvroDataTest, PrimitivesAreBareNamesAndOptionalOnesUnionsWithNullFirst) {
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kInt32, false)), "\"int\"");
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kInt64, true)), "[\"null\",\"long\"]");
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kInt16, false)),
            R"({"type":"int","connect.type":"int16"})");
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kInt8, true)),
            R"(["null",{"type":"int","connect.type":"int8"}])");
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kBytes, false)), "\"bytes\"");
}

TEST(AvroDataTest, DecimalIsBytesWithTheDecimalLogicalTypeInAvroDatasPropertyOrder) {
  // The text Confluent's converter registers for a Debezium numeric(10,2) column.
  EXPECT_EQ(AvroText(DecimalSchema(2, 10)),
            R"({"type":"bytes","scale":2,"precision":10,"connect.version":1,)"
            R"("connect.parameters":{"scale":"2","connect.decimal.precision":"10"},)"
            R"("connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"})");
  // Without connect.decimal.precision the precision is 64.
  SchemaPtr plain = SchemaBuilder(Type::kBytes)
                        .Name("org.apache.kafka.connect.data.Decimal")
                        .Version(1)
                        .Parameter("scale", "3")
                        .Build();
  EXPECT_EQ(AvroText(plain),
            R"({"type":"bytes","scale":3,"precision":64,"connect.version":1,)"
            R"("connect.parameters":{"scale":"3"},)"
            R"("connect.name":"org.apache.kafka.connect.data.Decimal","logicalType":"decimal"})");
}

TEST(AvroDataTest, ConnectDateTimeAndTimestampGetAvroLogicalTypes) {
  SchemaPtr date =
      SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Date").Version(1).Build();
  EXPECT_EQ(AvroText(date), R"({"type":"int","connect.version":1,)"
                            R"("connect.name":"org.apache.kafka.connect.data.Date",)"
                            R"("logicalType":"date"})");
  SchemaPtr ts = SchemaBuilder(Type::kInt64)
                     .Name("org.apache.kafka.connect.data.Timestamp")
                     .Version(1)
                     .Build();
  EXPECT_EQ(AvroText(ts), R"({"type":"long","connect.version":1,)"
                          R"("connect.name":"org.apache.kafka.connect.data.Timestamp",)"
                          R"("logicalType":"timestamp-millis"})");
  // Debezium's own semantic types keep their name only.
  SchemaPtr micro =
      SchemaBuilder(Type::kInt64).Name("io.debezium.time.MicroTimestamp").Version(1).Build();
  EXPECT_EQ(AvroText(micro), R"({"type":"long","connect.version":1,)"
                             R"("connect.name":"io.debezium.time.MicroTimestamp"})");
}

TEST(AvroDataTest, AnEnvelopeDefinesItsRowRecordOnceAndRefersToItByName) {
  SchemaPtr row = SchemaBuilder(Type::kStruct)
                      .Name("server.public.t.Value")
                      .Optional()
                      .AddField("id", PrimitiveSchema(Type::kInt32, false))
                      .AddField("name", PrimitiveSchema(Type::kString, true))
                      .Build();
  SchemaPtr snapshot = SchemaBuilder(Type::kString)
                           .Name("io.debezium.data.Enum")
                           .Version(1)
                           .Parameter("allowed", "true,last,false,incremental")
                           .Default(std::make_shared<const Value>("false"))
                           .Optional()
                           .Build();
  SchemaPtr source = SchemaBuilder(Type::kStruct)
                         .Name("io.debezium.connector.postgresql.Source")
                         .AddField("ts_ms", PrimitiveSchema(Type::kInt64, false))
                         .AddField("snapshot", snapshot)
                         .Build();
  SchemaPtr envelope = SchemaBuilder(Type::kStruct)
                           .Name("server.public.t.Envelope")
                           .Version(2)
                           .AddField("before", row)
                           .AddField("after", row)
                           .AddField("source", source)
                           .AddField("op", PrimitiveSchema(Type::kString, false))
                           .Build();
  EXPECT_EQ(
      AvroText(envelope),
      R"({"type":"record","name":"Envelope","namespace":"server.public.t","fields":[)"
      R"({"name":"before","type":["null",{"type":"record","name":"Value","fields":[)"
      R"({"name":"id","type":"int"},{"name":"name","type":["null","string"],"default":null}],)"
      R"("connect.name":"server.public.t.Value"}],"default":null},)"
      R"({"name":"after","type":["null","Value"],"default":null},)"
      R"({"name":"source","type":{"type":"record","name":"Source",)"
      R"("namespace":"io.debezium.connector.postgresql","fields":[)"
      R"({"name":"ts_ms","type":"long"},)"
      R"({"name":"snapshot","type":[{"type":"string","connect.version":1,)"
      R"("connect.parameters":{"allowed":"true,last,false,incremental"},)"
      R"("connect.default":"false","connect.name":"io.debezium.data.Enum"},"null"],)"
      R"("default":"false"}],"connect.name":"io.debezium.connector.postgresql.Source"}},)"
      R"({"name":"op","type":"string"}],"connect.version":2,)"
      R"("connect.name":"server.public.t.Envelope"})");
}

TEST(AvroDataTest, UnnamedStructsAreConnectDefaultNumberedAndMapsWithOtherKeysAreEntryArrays) {
  SchemaPtr inner1 =
      SchemaBuilder(Type::kStruct).AddField("a", PrimitiveSchema(Type::kInt32, false)).Build();
  SchemaPtr inner2 =
      SchemaBuilder(Type::kStruct).AddField("b", PrimitiveSchema(Type::kInt32, false)).Build();
  SchemaPtr map = SchemaBuilder(Type::kMap)
                      .Keys(PrimitiveSchema(Type::kInt32, false))
                      .Values(PrimitiveSchema(Type::kString, true))
                      .Build();
  SchemaPtr outer = SchemaBuilder(Type::kStruct)
                        .AddField("x", inner1)
                        .AddField("y", inner2)
                        .AddField("z", inner1)
                        .AddField("m", map)
                        .Build();
  EXPECT_EQ(AvroText(outer),
            R"({"type":"record","name":"ConnectDefault","namespace":"io.confluent.connect.avro",)"
            R"("fields":[{"name":"x","type":{"type":"record","name":"ConnectDefault2","fields":[)"
            R"({"name":"a","type":"int"}]}},)"
            R"({"name":"y","type":{"type":"record","name":"ConnectDefault3","fields":[)"
            R"({"name":"b","type":"int"}]}},)"
            R"({"name":"z","type":"ConnectDefault2"},)"
            R"({"name":"m","type":{"type":"array","items":{"type":"record","name":"MapEntry",)"
            R"("fields":[{"name":"key","type":"int"},)"
            R"({"name":"value","type":["null","string"],"default":null}]}}}]})");
}

TEST(AvroDataTest, NamesAvroRefusesAreErrorsNamingThemUnlessScrubbed) {
  SchemaPtr s = SchemaBuilder(Type::kStruct)
                    .Name("server.public.t.Value")
                    .AddField("first-name", PrimitiveSchema(Type::kString, false))
                    .Build();
  Result<std::string> text = ConnectSchemaToAvro(*s, {});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(text.status().message().find("Illegal character in: first-name"), std::string::npos)
      << text.status().message();

  AvroDataOptions scrub;
  scrub.scrub_invalid_names = true;
  EXPECT_EQ(AvroText(s, scrub),
            R"({"type":"record","name":"Value","namespace":"server.public.t","fields":[)"
            R"({"name":"first_name","type":"string"}],"connect.name":"server.public.t.Value"})");
}

TEST(AvroDataTest, TwoDifferentSchemasWithOneNameCannotBothBeDefined) {
  SchemaPtr a = SchemaBuilder(Type::kStruct)
                    .Name("n.R")
                    .AddField("a", PrimitiveSchema(Type::kInt32, false))
                    .Build();
  SchemaPtr b = SchemaBuilder(Type::kStruct)
                    .Name("n.R")
                    .AddField("b", PrimitiveSchema(Type::kInt32, false))
                    .Build();
  SchemaPtr outer =
      SchemaBuilder(Type::kStruct).Name("n.O").AddField("a", a).AddField("b", b).Build();
  Result<std::string> text = ConnectSchemaToAvro(*outer, {});
  ASSERT_FALSE(text.ok());
  EXPECT_NE(text.status().message().find("Can't redefine: n.R"), std::string::npos);
}

TEST(AvroDataTest, EnhancedSupportMakesEnumParametersAnAvroEnum) {
  SchemaPtr e = SchemaBuilder(Type::kString)
                    .Name("n.Color")
                    .Parameter("io.confluent.connect.avro.Enum", "n.Color")
                    .Parameter("io.confluent.connect.avro.Enum.RED", "RED")
                    .Parameter("io.confluent.connect.avro.Enum.GREEN", "GREEN")
                    .Build();
  AvroDataOptions enhanced;
  enhanced.enhanced_schema_support = true;
  EXPECT_EQ(AvroText(e, enhanced),
            R"({"type":"enum","name":"Color","namespace":"n","symbols":["RED","GREEN"],)"
            R"("connect.parameters":{"io.confluent.connect.avro.Enum":"n.Color",)"
            R"("io.confluent.connect.avro.Enum.RED":"RED",)"
            R"("io.confluent.connect.avro.Enum.GREEN":"GREEN"},"connect.name":"n.Color"})");
  EXPECT_EQ(Encoded(e, Value("GREEN"), enhanced), "02");
  std::string out;
  Status bad = EncodeConnectValue(*e, Value("BLUE"), enhanced, &out);
  EXPECT_EQ(bad.kind(), ErrorKind::kDataError);
  // Without enhanced support it stays a string.
  EXPECT_EQ(Encoded(e, Value("GREEN")), "0a 47 52 45 45 4e");
}

TEST(AvroDataTest, ValuesEncodeAsTheAvroSpecificationSays) {
  SchemaPtr s =
      SchemaBuilder(Type::kStruct)
          .Name("t.V")
          .AddField("id", PrimitiveSchema(Type::kInt32, false))
          .AddField("name", PrimitiveSchema(Type::kString, true))
          .AddField("big", PrimitiveSchema(Type::kInt64, false))
          .AddField("ok", PrimitiveSchema(Type::kBoolean, false))
          .AddField("f", PrimitiveSchema(Type::kFloat32, false))
          .AddField("d", PrimitiveSchema(Type::kFloat64, false))
          .AddField("dec", DecimalSchema(2, 10))
          .AddField("tags",
                    SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kInt32, false)).Build())
          .Build();
  data::Struct st{s,
                  {Value(int64_t{1}), Value("foo"), Value(int64_t{-65}), Value(true), Value(1.0),
                   Value(-2.0), Value(data::Bytes{std::string("\x30\x39", 2)}),
                   Value(data::Array{Value(int64_t{64}), Value(int64_t{-1})})}};
  EXPECT_EQ(Encoded(s, Value(st)),
            "02 02 06 66 6f 6f 81 01 01 00 00 80 3f 00 00 00 00 00 00 00 c0 04 30 39 "
            "04 80 01 01 00");
  st.values[1] = Value();
  st.values[7] = Value(data::Array{});
  EXPECT_EQ(Encoded(s, Value(st)),
            "02 00 81 01 01 00 00 80 3f 00 00 00 00 00 00 00 c0 04 30 39 00");
}

TEST(AvroDataTest, AnOptionalWithADefaultPutsNullSecondAndANullFieldWritesTheDefault) {
  SchemaPtr snapshot = SchemaBuilder(Type::kString)
                           .Default(std::make_shared<const Value>("false"))
                           .Optional()
                           .Build();
  SchemaPtr s = SchemaBuilder(Type::kStruct).Name("t.S").AddField("snapshot", snapshot).Build();
  // "true": branch 0 (string), then the string.
  EXPECT_EQ(Encoded(s, Value(data::Struct{s, {Value("true")}})), "00 08 74 72 75 65");
  // null reads as the default through Struct.get, so "false" is written.
  EXPECT_EQ(Encoded(s, Value(data::Struct{s, {Value()}})), "00 0a 66 61 6c 73 65");
  // A bare optional-with-default value that is null takes the null branch, index 1.
  EXPECT_EQ(Encoded(snapshot, Value()), "02");
}

TEST(AvroDataTest, BadValuesAreDataErrorsNamingTheField) {
  SchemaPtr s = SchemaBuilder(Type::kStruct)
                    .Name("t.V")
                    .AddField("id", PrimitiveSchema(Type::kInt32, false))
                    .Build();
  std::string out;
  Status null_id = EncodeConnectValue(*s, Value(data::Struct{s, {Value()}}), {}, &out);
  EXPECT_EQ(null_id.kind(), ErrorKind::kDataError);
  EXPECT_NE(null_id.message().find("at id: Found null value for non-optional schema"),
            std::string::npos)
      << null_id.message();
  Status text_id = EncodeConnectValue(*s, Value(data::Struct{s, {Value("x")}}), {}, &out);
  EXPECT_NE(text_id.message().find("at id: Invalid type for int32: String"), std::string::npos)
      << text_id.message();
  Status wide = EncodeConnectValue(*s, Value(data::Struct{s, {Value(int64_t{1} << 40)}}), {}, &out);
  EXPECT_NE(wide.message().find("out of range for int32"), std::string::npos) << wide.message();
}

TEST(AvroDataTest, WithoutConnectMetaDataOnlyAvrosOwnAttributesAreWritten) {
  AvroDataOptions bare;
  bare.connect_meta_data = false;
  EXPECT_EQ(AvroText(DecimalSchema(2, 10), bare),
            R"({"type":"bytes","scale":2,"precision":10,"logicalType":"decimal"})");
  EXPECT_EQ(AvroText(PrimitiveSchema(Type::kInt16, false), bare), "\"int\"");
}

}  // namespace
}  // namespace walrelay::convert
