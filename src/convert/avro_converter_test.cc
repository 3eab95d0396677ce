#include "convert/avro_converter.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "registry/avro_schema_checker.h"
#include "registry/test_served_registry.h"

namespace walrelay::convert {
namespace {

using data::PrimitiveSchema;
using data::Schema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Type;
using data::Value;

SchemaPtr RowSchema(bool with_extra = false) {
  SchemaBuilder b(Type::kStruct);
  b.Name("server.public.t.Value")
      .Optional()
      .AddField("id", PrimitiveSchema(Type::kInt32, false))
      .AddField("small", SchemaBuilder(Type::kInt16).Optional().Build())
      .AddField("price", SchemaBuilder(Type::kBytes)
                             .Name("org.apache.kafka.connect.data.Decimal")
                             .Version(1)
                             .Parameter("scale", "2")
                             .Parameter("connect.decimal.precision", "10")
                             .Optional()
                             .Build())
      .AddField(
          "day",
          SchemaBuilder(Type::kInt32).Name("io.debezium.time.Date").Version(1).Optional().Build())
      .AddField("tags", SchemaBuilder(Type::kArray)
                            .Items(PrimitiveSchema(Type::kString, true))
                            .Optional()
                            .Build())
      .AddField("name", PrimitiveSchema(Type::kString, true));
  if (with_extra) {
    b.AddField("extra1", SchemaBuilder(Type::kInt32)
                             .Optional()
                             .Default(std::make_shared<const Value>(int64_t{10}))
                             .Build());
  }
  return b.Build();
}

SchemaPtr EnvelopeSchema(const SchemaPtr& row) {
  return SchemaBuilder(Type::kStruct)
      .Name("server.public.t.Envelope")
      .Version(2)
      .AddField("before", row)
      .AddField("after", row)
      .AddField("op", PrimitiveSchema(Type::kString, false))
      .Build();
}

Value Row(const SchemaPtr& row, int64_t id, bool with_extra = false) {
  data::Struct st{row,
                  {Value(id), Value(int64_t{-7}), Value(data::Bytes{std::string("\x30\x39", 2)}),
                   Value(int64_t{19000}), Value(data::Array{Value("a"), Value()}),
                   Value("name-" + std::to_string(id))}};
  if (with_extra) st.values.push_back(Value(int64_t{11}));
  return Value(std::move(st));
}

Value Envelope(const SchemaPtr& env, const Value& after) {
  return Value(data::Struct{env, {Value(), after, Value("c")}});
}

class AvroConverterTest : public ::testing::Test {
 protected:
  std::unique_ptr<AvroConverter> Make(std::map<std::string, std::string> options = {}) {
    options.emplace("schema.registry.url", served_.url());
    Result<AvroConverterSettings> settings =
        AvroConverterSettings::Parse(options, "value.converter.");
    EXPECT_TRUE(settings.ok()) << settings.status().ToString();
    auto client = registry::RegistryClient::Create(settings->registry);
    EXPECT_TRUE(client.ok());
    return std::make_unique<AvroConverter>(*settings, std::move(client).value());
  }

  registry::AvroSchemaChecker checker_;
  registry::ServedRegistry served_{&checker_};
};

TEST_F(AvroConverterTest, WritesConfluentsWireFormatAndRegistersOncePerSchema) {
  auto converter = Make();
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string first;
  ASSERT_TRUE(
      converter->Serialize("server.public.t", false, env, Envelope(env, Row(row, 1)), &first)
          .value());
  ASSERT_GE(first.size(), 5u);
  EXPECT_EQ(first[0], '\0');
  const uint64_t after_first = converter->registry_requests();
  EXPECT_EQ(after_first, 1u);  // one registration
  for (int i = 2; i < 200; ++i) {
    std::string out;
    ASSERT_TRUE(
        converter->Serialize("server.public.t", false, env, Envelope(env, Row(row, i)), &out).ok());
    EXPECT_EQ(out.substr(0, 5), first.substr(0, 5));
  }
  EXPECT_EQ(converter->registry_requests(), after_first);
  auto subjects = served_.registry().ListSubjects(registry::Deleted::kExclude, "");
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0], "server.public.t-value");
}

TEST_F(AvroConverterTest, ReadsBackTheSameConnectSchemaAndValue) {
  auto writer = Make();
  auto reader = Make();
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  Value value = Envelope(env, Row(row, 42));
  std::string bytes;
  ASSERT_TRUE(writer->Serialize("server.public.t", false, env, value, &bytes).ok());
  Result<SchemaAndValue> back = reader->Deserialize("server.public.t", false, bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_NE(back->schema, nullptr);
  EXPECT_TRUE(back->schema->Equals(*env));
  EXPECT_EQ(back->value, value) << back->value.DebugString();
  // A tombstone is null bytes both ways.
  std::string none;
  EXPECT_FALSE(writer->Serialize("server.public.t", false, nullptr, Value(), &none).value());
  Result<SchemaAndValue> tomb = reader->Deserialize("server.public.t", false, std::nullopt);
  ASSERT_TRUE(tomb.ok());
  EXPECT_TRUE(tomb->value.is_null());
}

TEST_F(AvroConverterTest, PrintsTheAvroJsonEncodingAsTheConsoleConsumerDoes) {
  auto converter = Make();
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string bytes;
  ASSERT_TRUE(
      converter->Serialize("server.public.t", false, env, Envelope(env, Row(row, 5)), &bytes).ok());
  Result<std::string> json = converter->ToAvroJson("server.public.t", false, bytes);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  EXPECT_EQ(*json,
            R"({"before":null,"after":{"server.public.t.Value":{"id":5,"small":{"int":-7},)"
            R"("price":{"bytes":"09"},"day":{"int":19000},"tags":{"array":[{"string":"a"},null]},)"
            R"("name":{"string":"name-5"}}},"op":"c"})");
}

TEST_F(AvroConverterTest, MalformedBytesAreDataErrorsNamingTheTopic) {
  auto converter = Make();
  Result<SchemaAndValue> magic = converter->Deserialize("t", false, std::string("\x01\0\0\0\1", 5));
  ASSERT_FALSE(magic.ok());
  EXPECT_EQ(magic.status().kind(), ErrorKind::kDataError);
  EXPECT_EQ(magic.status().message(),
            "Failed to deserialize data for topic t to Avro: Unknown magic byte!");
  Result<SchemaAndValue> short_header = converter->Deserialize("t", false, std::string("\0\0", 2));
  ASSERT_FALSE(short_header.ok());
  EXPECT_EQ(short_header.status().kind(), ErrorKind::kDataError);
  Result<SchemaAndValue> unknown =
      converter->Deserialize("t", false, std::string("\0\0\0\0\x63\x02", 6));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(unknown.status().message().find("schema for id 99"), std::string::npos)
      << unknown.status().message();

  // A real message cut short at every length fails cleanly.
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string bytes;
  ASSERT_TRUE(converter->Serialize("t", false, env, Envelope(env, Row(row, 7)), &bytes).ok());
  for (size_t n = 5; n < bytes.size(); ++n) {
    Result<SchemaAndValue> cut = converter->Deserialize("t", false, bytes.substr(0, n));
    ASSERT_FALSE(cut.ok()) << n;
    EXPECT_EQ(cut.status().kind(), ErrorKind::kDataError);
  }
}

TEST_F(AvroConverterTest, SubjectNameStrategies) {
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicName, "t", true, "a.B").value(), "t-key");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecordName, "t", false, "a.B").value(), "a.B");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopicRecordName, "t", false, "a.B").value(), "t-a.B");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecordName, "t", false, "").status().kind(),
            ErrorKind::kDataError);

  auto converter = Make({{"value.subject.name.strategy",
                          "io.confluent.kafka.serializers.subject.TopicRecordNameStrategy"}});
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string bytes;
  ASSERT_TRUE(converter->Serialize("t", false, env, Envelope(env, Row(row, 1)), &bytes).ok());
  auto subjects = served_.registry().ListSubjects(registry::Deleted::kExclude, "");
  ASSERT_EQ(subjects.size(), 1u);
  EXPECT_EQ(subjects[0], "t-server.public.t.Envelope");

  Result<AvroConverterSettings> bad = AvroConverterSettings::Parse(
      {{"schema.registry.url", served_.url()}, {"value.subject.name.strategy", "Nope"}},
      "value.converter.");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("value.converter.value.subject.name.strategy"),
            std::string::npos);
  Result<AvroConverterSettings> no_url = AvroConverterSettings::Parse({}, "value.converter.");
  ASSERT_FALSE(no_url.ok());
  EXPECT_NE(no_url.status().message().find("value.converter.schema.registry.url"),
            std::string::npos);
}

TEST_F(AvroConverterTest, WithoutAutoRegisterAnUnknownSchemaIsAnErrorNamingTheSubject) {
  auto converter = Make({{"auto.register.schemas", "false"}});
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string bytes;
  Result<bool> r = converter->Serialize("t", false, env, Envelope(env, Row(row, 1)), &bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(r.status().message().find("subject t-value"), std::string::npos)
      << r.status().message();

  // Registered by someone else, it is found.
  auto registering = Make();
  ASSERT_TRUE(registering->Serialize("t", false, env, Envelope(env, Row(row, 1)), &bytes).ok());
  auto looking = Make({{"auto.register.schemas", "false"}});
  std::string again;
  ASSERT_TRUE(looking->Serialize("t", false, env, Envelope(env, Row(row, 1)), &again).ok());
  EXPECT_EQ(again, bytes);
}

TEST_F(AvroConverterTest, AChangeTheLevelForbidsIsRefusedNamingSubjectAndLevel) {
  ASSERT_TRUE(served_.registry().SetConfig("t-value", "forward_transitive").ok());
  auto converter = Make();
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  std::string bytes;
  ASSERT_TRUE(converter->Serialize("t", false, env, Envelope(env, Row(row, 1)), &bytes).ok());
  // Adding a column with a default: FORWARD_TRANSITIVE allows it.
  SchemaPtr row2 = RowSchema(/*with_extra=*/true);
  SchemaPtr env2 = EnvelopeSchema(row2);
  ASSERT_TRUE(
      converter->Serialize("t", false, env2, Envelope(env2, Row(row2, 2, true)), &bytes).ok());
  // Removing a field without a default is not: old readers need it ("op").
  SchemaPtr narrow = SchemaBuilder(Type::kStruct)
                         .Name("server.public.t.Envelope")
                         .Version(2)
                         .AddField("before", row2)
                         .AddField("after", row2)
                         .Build();
  Result<bool> refused = converter->Serialize(
      "t", false, narrow, Value(data::Struct{narrow, {Value(), Row(row2, 3, true)}}), &bytes);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kDataError);
  const std::string& m = refused.status().message();
  EXPECT_NE(m.find("t-value"), std::string::npos) << m;
  EXPECT_NE(m.find("FORWARD_TRANSITIVE"), std::string::npos) << m;
  EXPECT_NE(m.find("409"), std::string::npos) << m;
}

TEST_F(AvroConverterTest, UseLatestVersionWritesAndReadsWithTheLatestSchema) {
  SchemaPtr row = RowSchema();
  SchemaPtr env = EnvelopeSchema(row);
  SchemaPtr row2 = RowSchema(/*with_extra=*/true);
  SchemaPtr env2 = EnvelopeSchema(row2);
  auto registering = Make();
  std::string v1, v2;
  ASSERT_TRUE(registering->Serialize("t", false, env, Envelope(env, Row(row, 1)), &v1).ok());
  ASSERT_TRUE(
      registering->Serialize("t", false, env2, Envelope(env2, Row(row2, 2, true)), &v2).ok());

  auto latest = Make({{"use.latest.version", "true"}, {"auto.register.schemas", "false"}});
  std::string written;
  ASSERT_TRUE(latest->Serialize("t", false, env, Envelope(env, Row(row, 3)), &written).ok());
  EXPECT_EQ(written.substr(0, 5), v2.substr(0, 5));  // the latest schema's id
  // Read with the latest schema: the old record gets extra1's default.
  Result<SchemaAndValue> old = latest->Deserialize("t", false, v1);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  const Value* after = old->value.as_struct().Get("after");
  ASSERT_NE(after, nullptr);
  const Value* extra = after->as_struct().Get("extra1");
  ASSERT_NE(extra, nullptr);
  EXPECT_EQ(*extra, Value(int64_t{10}));
}

}  // namespace
}  // namespace walrelay::convert
