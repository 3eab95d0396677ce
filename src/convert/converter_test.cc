#include "convert/converter.h"

#include <gtest/gtest.h>

#include "convert/avro_converter.h"
#include "convert/byte_array_converter.h"
#include "convert/string_converter.h"

namespace walrelay::convert {
namespace {

using data::Bytes;
using data::PrimitiveSchema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Struct;
using data::Type;
using data::Value;

// What a converter makes of (schema, value): the bytes, "<null>" for null bytes, or the error.
std::string Convert(Converter& c, const SchemaPtr& schema, const Value& value) {
  std::string out = "prefix:";
  Result<bool> r = c.Serialize("server.public.t", false, schema, value, &out);
  if (!r.ok()) return "error " + r.status().message();
  if (!*r) return out == "prefix:" ? "<null>" : "<null, but wrote " + out + ">";
  return out.substr(7);
}

SchemaPtr Decimal(int scale) {
  return SchemaBuilder(Type::kBytes)
      .Name("org.apache.kafka.connect.data.Decimal")
      .Parameter("scale", std::to_string(scale))
      .Build();
}

TEST(StringConverterTest, PrintsJavaToString) {
  StringConverter c;
  EXPECT_EQ(c.output(), ConverterOutput::kText);
  SchemaPtr inner = SchemaBuilder(Type::kStruct)
                        .AddField("a", PrimitiveSchema(Type::kInt32, false))
                        .AddField("b", PrimitiveSchema(Type::kString, true))
                        .Build();
  SchemaPtr outer = SchemaBuilder(Type::kStruct)
                        .AddField("id", PrimitiveSchema(Type::kInt64, false))
                        .AddField("gone", PrimitiveSchema(Type::kString, true))
                        .AddField("f", PrimitiveSchema(Type::kFloat32, false))
                        .AddField("d", PrimitiveSchema(Type::kFloat64, false))
                        .AddField("flag", PrimitiveSchema(Type::kBoolean, false))
                        .AddField("in", inner)
                        .Build();
  Value v(Struct{outer,
                 {Value(int64_t{7}), Value(), Value(0.1), Value(1e23), Value(true),
                  Value(Struct{inner, {Value(int64_t{1}), Value("x y")}})}});
  // Kafka's Struct.toString: null fields left out, ',' without a space; Float.toString of 0.1f.
  EXPECT_EQ(Convert(c, outer, v),
            "Struct{id=7,f=0.1,d=9.999999999999999E22,flag=true,in=Struct{a=1,b=x y}}");
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kString, true), Value("plain")), "plain");
  EXPECT_EQ(Convert(c, nullptr, Value()), "<null>");
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kString, true), Value()), "<null>");
  // java.util.List and Map.
  SchemaPtr arr = SchemaBuilder(Type::kArray).Items(PrimitiveSchema(Type::kInt32, true)).Build();
  EXPECT_EQ(Convert(c, arr, Value(data::Array{Value(int64_t{1}), Value(), Value(int64_t{3})})),
            "[1, null, 3]");
  EXPECT_EQ(Convert(c, nullptr,
                    Value(data::Map{{Value("k"), Value(int64_t{1})}, {Value("l"), Value("m")}})),
            "{k=1, l=m}");
}

TEST(StringConverterTest, LogicalTypesAndBytes) {
  StringConverter c;
  // BigDecimal.toString.
  EXPECT_EQ(Convert(c, Decimal(2), Value(Bytes{std::string("\x00\x96", 2)})), "1.50");
  EXPECT_EQ(Convert(c, Decimal(-3), Value(Bytes{std::string("\x01", 1)})), "1E+3");
  EXPECT_EQ(Convert(c, Decimal(2), Value(Bytes{std::string("\xff", 1)})), "-0.01");
  // java.util.Date.toString in UTC.
  SchemaPtr date = SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Date").Build();
  SchemaPtr ts =
      SchemaBuilder(Type::kInt64).Name("org.apache.kafka.connect.data.Timestamp").Build();
  SchemaPtr time = SchemaBuilder(Type::kInt32).Name("org.apache.kafka.connect.data.Time").Build();
  EXPECT_EQ(Convert(c, date, Value(int64_t{0})), "Thu Jan 01 00:00:00 UTC 1970");
  EXPECT_EQ(Convert(c, date, Value(int64_t{19723})), "Mon Jan 01 00:00:00 UTC 2024");
  EXPECT_EQ(Convert(c, ts, Value(int64_t{1709210096789})), "Thu Feb 29 12:34:56 UTC 2024");
  EXPECT_EQ(Convert(c, ts, Value(int64_t{-1})), "Wed Dec 31 23:59:59 UTC 1969");
  EXPECT_EQ(Convert(c, time, Value(int64_t{3723000})), "Thu Jan 01 01:02:03 UTC 1970");
  // Other bytes print as a ByteBuffer does.
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kBytes, true), Value(Bytes{"abc"})),
            "java.nio.HeapByteBuffer[pos=0 lim=3 cap=3]");
}

TEST(ByteArrayConverterTest, PassesBytesAndRefusesOtherTypes) {
  ByteArrayConverter c;
  EXPECT_EQ(c.output(), ConverterOutput::kBinary);
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kBytes, true), Value(Bytes{std::string("\0\xff", 2)})),
            std::string("\0\xff", 2));
  EXPECT_EQ(Convert(c, nullptr, Value(Bytes{"x"})), "x");
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kBytes, true), Value()), "<null>");
  EXPECT_EQ(Convert(c, nullptr, Value()), "<null>");
  EXPECT_EQ(Convert(c, PrimitiveSchema(Type::kInt32, false), Value(int64_t{1})),
            "error Invalid schema type for ByteArrayConverter: INT32");
  SchemaPtr s =
      SchemaBuilder(Type::kStruct).AddField("a", PrimitiveSchema(Type::kInt32, false)).Build();
  EXPECT_EQ(Convert(c, s, Value(Struct{s, {Value(int64_t{1})}})),
            "error Invalid schema type for ByteArrayConverter: STRUCT");
  EXPECT_EQ(Convert(c, nullptr, Value("text")),
            "error ByteArrayConverter is not compatible with objects of type class "
            "java.lang.String");
}

config::ConnectorConfig Config(std::map<std::string, std::string> props) {
  return config::ConnectorConfig{"c", "c.json", std::move(props)};
}

TEST(ConverterSettingsTest, ParsesAndRefuses) {
  std::vector<std::string> warnings;
  auto s = ConverterSettings::Parse(Config({}), /*is_key=*/false, &warnings);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->class_name, kJsonConverterClass);
  EXPECT_TRUE(s->schemas_enable);
  EXPECT_FALSE(s->decimal_numeric);
  EXPECT_EQ(CreateConverter(*s)->output(), ConverterOutput::kJson);

  s = ConverterSettings::Parse(Config({{"value.converter.schemas.enable", "false"},
                                       {"value.converter.decimal.format", "numeric"},
                                       {"key.converter.schemas.enable", "nope"}}),
                               /*is_key=*/false, &warnings);
  ASSERT_TRUE(s.ok());
  EXPECT_FALSE(s->schemas_enable);
  EXPECT_TRUE(s->decimal_numeric);
  EXPECT_TRUE(warnings.empty());

  auto bad = ConverterSettings::Parse(Config({{"key.converter.schemas.enable", "nope"}}),
                                      /*is_key=*/true, &warnings);
  EXPECT_EQ(bad.status().message(),
            "c.json: property 'key.converter.schemas.enable' has invalid value 'nope': must be "
            "true or false");

  auto avro = ConverterSettings::Parse(
      Config({{"value.converter", "io.confluent.connect.avro.AvroConverter"}}), false, &warnings);
  EXPECT_EQ(avro.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(avro.status().message(),
            "c.json: property 'value.converter.schema.registry.url' is required");
  auto avro_url = ConverterSettings::Parse(
      Config({{"value.converter", "io.confluent.connect.avro.AvroConverter"},
              {"value.converter.schema.registry.url", "registry:8081"}}),
      false, &warnings);
  EXPECT_EQ(avro_url.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(avro_url.status().message().find("value.converter.schema.registry.url"),
            std::string::npos)
      << avro_url.status().message();
  auto avro_ok = ConverterSettings::Parse(
      Config({{"value.converter", "io.confluent.connect.avro.AvroConverter"},
              {"value.converter.schema.registry.url", "http://a:8081,http://b:8081"},
              {"value.converter.auto.register.schemas", "false"},
              {"value.converter.value.subject.name.strategy",
               "io.confluent.kafka.serializers.subject.RecordNameStrategy"}}),
      false, &warnings);
  ASSERT_TRUE(avro_ok.ok()) << avro_ok.status().ToString();
  ASSERT_NE(avro_ok->avro, nullptr);
  EXPECT_EQ(avro_ok->avro->registry.urls.size(), 2u);
  EXPECT_FALSE(avro_ok->avro->auto_register_schemas);
  EXPECT_EQ(avro_ok->avro->value_strategy, SubjectNameStrategy::kRecordName);
  auto unsupported = ConverterSettings::Parse(
      Config({{"value.converter", "io.confluent.connect.protobuf.ProtobufConverter"}}), false,
      &warnings);
  EXPECT_EQ(unsupported.status().message(),
            "c.json: value.converter io.confluent.connect.protobuf.ProtobufConverter is not "
            "supported yet; supported: org.apache.kafka.connect.json.JsonConverter, "
            "org.apache.kafka.connect.storage.StringConverter, "
            "org.apache.kafka.connect.converters.ByteArrayConverter, "
            "io.confluent.connect.avro.AvroConverter");

  auto nulls = ConverterSettings::Parse(
      Config({{"value.converter.replace.null.with.default", "false"}}), false, &warnings);
  EXPECT_EQ(nulls.status().message(),
            "c.json: property 'value.converter.replace.null.with.default' has invalid value "
            "'false': not supported yet: nulls are always replaced by the default");

  auto latin =
      ConverterSettings::Parse(Config({{"key.converter", kStringConverterClass},
                                       {"key.converter.converter.encoding", "ISO-8859-1"}}),
                               true, &warnings);
  EXPECT_EQ(latin.status().message(),
            "c.json: property 'key.converter.converter.encoding' has invalid value 'ISO-8859-1': "
            "not supported yet: walrelay encodes strings in UTF-8 only");

  warnings.clear();
  s = ConverterSettings::Parse(Config({{"key.converter", " " + std::string(kStringConverterClass)},
                                       {"key.converter.converter.encoding", "utf-8"},
                                       {"key.converter.schemas.enable", "false"},
                                       {"key.converter.schemas.cache.size", "10"}}),
                               true, &warnings);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(CreateConverter(*s)->output(), ConverterOutput::kText);
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "c.json: unknown property 'key.converter.schemas.cache.size' (ignored "
                          "by org.apache.kafka.connect.storage.StringConverter)",
                          "c.json: unknown property 'key.converter.schemas.enable' (ignored by "
                          "org.apache.kafka.connect.storage.StringConverter)"}));
  warnings.clear();
  s = ConverterSettings::Parse(Config({{"value.converter.schemas.cache.size", "10"}}), false,
                               &warnings);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "c.json: property 'value.converter.schemas.cache.size' is accepted, "
                          "not implemented yet: the cache always holds 1000 schemas; only memory "
                          "use would differ"}));
  s = ConverterSettings::Parse(Config({{"value.converter", kByteArrayConverterClass}}), false,
                               &warnings);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(CreateConverter(*s)->output(), ConverterOutput::kBinary);
}

TEST(ConverterTest, JsonConverterKeepsTombstonesNull) {
  auto s = ConverterSettings::Parse(Config({}), false, nullptr);
  ASSERT_TRUE(s.ok());
  auto c = CreateConverter(*s);
  EXPECT_EQ(Convert(*c, nullptr, Value()), "<null>");
  EXPECT_EQ(Convert(*c, PrimitiveSchema(Type::kInt32, true), Value()),
            "{\"schema\":{\"type\":\"int32\",\"optional\":true},\"payload\":null}");
}

// Deserialize (toConnectData), from byte fixtures.

std::unique_ptr<Converter> Make(std::map<std::string, std::string> props) {
  auto s = ConverterSettings::Parse(Config(std::move(props)), false, nullptr);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return CreateConverter(*s);
}

TEST(ConverterDeserializeTest, JsonWithSchemas) {
  auto c = Make({});
  const std::string bytes =
      R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
      R"({"type":"string","optional":true,"field":"name"}],"optional":false,"name":"t.Value"},)"
      R"("payload":{"id":7,"name":"x)"
      "\xc3\xa9"
      R"("}})";
  auto r = c->Deserialize("t", false, bytes);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_NE(r->schema, nullptr);
  EXPECT_EQ(r->schema->name, "t.Value");
  EXPECT_EQ(r->value.as_struct().values[0].as_int(), 7);
  EXPECT_EQ(r->value.as_struct().values[1].as_string(), "x\xc3\xa9");
  // Serializing it again gives the same bytes.
  std::string again;
  ASSERT_TRUE(c->Serialize("t", false, r->schema, r->value, &again).ok());
  EXPECT_EQ(again, bytes);
  // A tombstone: SchemaAndValue.NULL.
  auto null = c->Deserialize("t", false, std::nullopt);
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->schema, nullptr);
  EXPECT_TRUE(null->value.is_null());
}

TEST(ConverterDeserializeTest, JsonWithoutSchemas) {
  auto c = Make({{"value.converter.schemas.enable", "false"}});
  auto r = c->Deserialize("t", false, std::string_view(R"({"a":[1,2.5,"s",true,null]})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->schema, nullptr);
  ASSERT_TRUE(r->value.is_map());
  const auto& items = r->value.as_map().at(0).second.as_array();
  EXPECT_EQ(items[0].as_int(), 1);
  EXPECT_EQ(items[1].as_double(), 2.5);
  EXPECT_EQ(items[2].as_string(), "s");
  EXPECT_TRUE(items[3].as_bool());
  EXPECT_TRUE(items[4].is_null());
}

TEST(ConverterDeserializeTest, JsonMalformedInputIsConnectsDataError) {
  auto with = Make({});
  auto without = Make({{"value.converter.schemas.enable", "false"}});
  for (std::string_view bad : {std::string_view("{\"schema\":"), std::string_view(""),
                               std::string_view("\xff\xfe{}"), std::string_view("[1,]")}) {
    for (Converter* c : {with.get(), without.get()}) {
      auto r = c->Deserialize("t", false, bad);
      ASSERT_FALSE(r.ok()) << bad;
      EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
      EXPECT_EQ(
          r.status().message().rfind(
              "Converting byte[] to Kafka Connect data failed due to serialization error: ", 0),
          0u)
          << r.status().message();
    }
  }
  // JSON, but not an envelope while schemas.enable is on.
  auto r = with->Deserialize("t", false, std::string_view(R"({"id":1})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message().rfind("JsonConverter with schemas.enable requires \"schema\" and "
                                       "\"payload\" fields",
                                       0),
            0u);
  // An envelope whose payload does not fit its schema.
  r = with->Deserialize("t", false,
                        std::string_view(R"({"schema":{"type":"int8"},"payload":300})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(r.status().message().find("payload"), std::string::npos) << r.status().message();
}

TEST(ConverterDeserializeTest, StringDecodesAsJavaDoes) {
  auto c = Make({{"value.converter", kStringConverterClass}});
  auto r = c->Deserialize("t", true, std::string_view("h\xc3\xa9llo"));
  ASSERT_TRUE(r.ok());
  ASSERT_NE(r->schema, nullptr);
  EXPECT_EQ(r->schema->type, Type::kString);
  EXPECT_TRUE(r->schema->optional);
  EXPECT_EQ(r->value.as_string(), "h\xc3\xa9llo");
  auto null = c->Deserialize("t", true, std::nullopt);
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->schema->type, Type::kString);
  EXPECT_TRUE(null->value.is_null());
  // Malformed UTF-8 never fails: each maximal ill-formed subpart becomes U+FFFD.
  const std::string fffd = "\xef\xbf\xbd";
  EXPECT_EQ(DecodeUtf8Lossy("a\xff"
                            "b"),
            "a" + fffd + "b");
  EXPECT_EQ(DecodeUtf8Lossy("\xe2\x82"
                            "A"),
            fffd + "A");                                           // truncated 3-byte sequence
  EXPECT_EQ(DecodeUtf8Lossy("\xc0\xaf"), fffd + fffd);             // overlong: C0 never starts one
  EXPECT_EQ(DecodeUtf8Lossy("\xed\xa0\x80"), fffd + fffd + fffd);  // a surrogate
  EXPECT_EQ(DecodeUtf8Lossy("\xf4\x90\x80\x80"), fffd + fffd + fffd + fffd);  // past U+10FFFF
  EXPECT_EQ(DecodeUtf8Lossy("\xf0\x9f\x98\x80\xf0\x9f"), "\xf0\x9f\x98\x80" + fffd);
  r = c->Deserialize("t", false, std::string_view("\x80x"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->value.as_string(), fffd + "x");
}

TEST(ConverterDeserializeTest, ByteArrayPassesBytesThrough) {
  auto c = Make({{"value.converter", kByteArrayConverterClass}});
  const std::string raw("\x00\xff{", 3);
  auto r = c->Deserialize("t", false, raw);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->schema->type, Type::kBytes);
  EXPECT_TRUE(r->schema->optional);
  EXPECT_EQ(r->value.as_bytes().data, raw);
  auto null = c->Deserialize("t", false, std::nullopt);
  ASSERT_TRUE(null.ok());
  EXPECT_EQ(null->schema->type, Type::kBytes);
  EXPECT_TRUE(null->value.is_null());
}

}  // namespace
}  // namespace walrelay::convert
