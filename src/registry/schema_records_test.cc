#include "registry/schema_records.h"

#include <gtest/gtest.h>

namespace walrelay::registry {
namespace {

TEST(SchemaRecordsTest, KeysAreConfluentsBytes) {
  EXPECT_EQ(SchemaKeyJson("Kafka-key", 1),
            R"({"keytype":"SCHEMA","subject":"Kafka-key","version":1,"magic":1})");
  EXPECT_EQ(ConfigKeyJson(std::nullopt), R"({"keytype":"CONFIG","subject":null,"magic":0})");
  EXPECT_EQ(ConfigKeyJson("MySchema"), R"({"keytype":"CONFIG","subject":"MySchema","magic":0})");
  EXPECT_EQ(ModeKeyJson(std::nullopt), R"({"keytype":"MODE","subject":null,"magic":0})");
  EXPECT_EQ(ModeKeyJson("s"), R"({"keytype":"MODE","subject":"s","magic":0})");
  EXPECT_EQ(DeleteSubjectKeyJson("s"), R"({"keytype":"DELETE_SUBJECT","subject":"s","magic":0})");
  EXPECT_EQ(ClearSubjectKeyJson("s"), R"({"keytype":"CLEAR_SUBJECT","subject":"s","magic":0})");
  EXPECT_EQ(NoopKeyJson(), R"({"keytype":"NOOP","magic":0})");
}

TEST(SchemaRecordsTest, AvroSchemaValueOmitsTypeAndEmptyReferences) {
  SchemaValue value;
  value.subject = "Kafka-key";
  value.version = 1;
  value.id = 1;
  value.schema = "\"string\"";
  EXPECT_EQ(ToJson(value),
            R"({"subject":"Kafka-key","version":1,"id":1,"schema":"\"string\"","deleted":false})");
}

TEST(SchemaRecordsTest, OtherTypesAndReferencesAreWritten) {
  SchemaValue value;
  value.subject = "pb-value";
  value.version = 2;
  value.id = 7;
  value.schema_type = "PROTOBUF";
  value.references = {{"other.proto", "other", 3}};
  value.schema = "syntax = \"proto3\";";
  value.deleted = true;
  EXPECT_EQ(ToJson(value), R"({"subject":"pb-value","version":2,"id":7,"schemaType":"PROTOBUF",)"
                           R"("references":[{"name":"other.proto","subject":"other","version":3}],)"
                           R"("schema":"syntax = \"proto3\";","deleted":true})");
  Result<SchemaValue> parsed = ParseSchemaValue(ToJson(value));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->schema_type, "PROTOBUF");
  EXPECT_EQ(parsed->references, value.references);
  EXPECT_EQ(parsed->schema, value.schema);
  EXPECT_TRUE(parsed->deleted);
}

TEST(SchemaRecordsTest, OtherValuesAreConfluentsBytes) {
  EXPECT_EQ(ToJson(ConfigValue{std::nullopt, "FULL"}), R"({"compatibilityLevel":"FULL"})");
  EXPECT_EQ(ToJson(ConfigValue{"s", "NONE"}), R"({"subject":"s","compatibilityLevel":"NONE"})");
  EXPECT_EQ(ToJson(ModeValue{"s", "READONLY"}), R"({"subject":"s","mode":"READONLY"})");
  EXPECT_EQ(ToJson(ModeValue{std::nullopt, "IMPORT"}), R"({"mode":"IMPORT"})");
  EXPECT_EQ(ToJson(DeleteSubjectValue{"s", 3}), R"({"subject":"s","version":3})");
  EXPECT_EQ(ToJson(ClearSubjectValue{"s"}), R"({"subject":"s"})");
}

TEST(SchemaRecordsTest, ParsesConfluentWrittenRecords) {
  // As a Confluent 7.x registry writes them (a _schemas dump).
  Result<RecordKey> key =
      ParseRecordKey(R"({"keytype":"SCHEMA","subject":"Kafka-key","version":1,"magic":1})");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->type, KeyType::kSchema);
  EXPECT_EQ(key->subject, "Kafka-key");
  EXPECT_EQ(key->version, 1);
  EXPECT_EQ(key->magic, 1);
  Result<SchemaValue> value = ParseSchemaValue(
      R"({"subject":"Kafka-key","version":1,"id":1,"schema":"\"string\"","deleted":false})");
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(value->schema_type, "AVRO");
  EXPECT_EQ(value->schema, "\"string\"");
  EXPECT_FALSE(value->deleted);

  Result<RecordKey> global = ParseRecordKey(R"({"keytype":"CONFIG","subject":null,"magic":0})");
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(global->type, KeyType::kConfig);
  EXPECT_FALSE(global->subject.has_value());
  // Older registries wrote the global config key without a subject field.
  Result<RecordKey> legacy = ParseRecordKey(R"({"magic":0,"keytype":"CONFIG"})");
  ASSERT_TRUE(legacy.ok());
  EXPECT_FALSE(legacy->subject.has_value());

  Result<ConfigValue> config = ParseConfigValue(R"({"compatibilityLevel":"FULL"})");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->compatibility_level, "FULL");
  Result<RecordKey> noop = ParseRecordKey(R"({"keytype":"NOOP","magic":0})");
  ASSERT_TRUE(noop.ok());
  EXPECT_EQ(noop->type, KeyType::kNoop);
}

TEST(SchemaRecordsTest, UnknownKeyTypesAndFieldsAreIgnored) {
  Result<RecordKey> context =
      ParseRecordKey(R"({"keytype":"CONTEXT","tenant":"default","context":".x","magic":0})");
  ASSERT_TRUE(context.ok());
  EXPECT_EQ(context->type, KeyType::kUnknown);
  EXPECT_EQ(context->type_name, "CONTEXT");
  Result<SchemaValue> value = ParseSchemaValue(
      R"({"subject":"s","version":1,"id":1,"md5":"abc","metadata":{"x":1},"ruleSet":null,)"
      R"("schema":"{}","deleted":false,"future":[1]})");
  ASSERT_TRUE(value.ok()) << value.status().ToString();
  EXPECT_EQ(value->schema, "{}");
}

TEST(SchemaRecordsTest, MalformedRecordsNameTheProblem) {
  Result<RecordKey> not_json = ParseRecordKey("{nope");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(not_json.status().kind(), ErrorKind::kDataError);
  EXPECT_NE(not_json.status().message().find("not JSON"), std::string::npos);

  Result<RecordKey> no_type = ParseRecordKey(R"({"subject":"s","magic":0})");
  ASSERT_FALSE(no_type.ok());
  EXPECT_NE(no_type.status().message().find("\"keytype\""), std::string::npos);

  Result<RecordKey> bad_version =
      ParseRecordKey(R"({"keytype":"SCHEMA","subject":"s","version":"1","magic":1})");
  ASSERT_FALSE(bad_version.ok());
  EXPECT_NE(bad_version.status().message().find("\"version\" is a string"), std::string::npos);

  Result<RecordKey> zero_version =
      ParseRecordKey(R"({"keytype":"SCHEMA","subject":"s","version":0,"magic":1})");
  ASSERT_FALSE(zero_version.ok());

  Result<RecordKey> no_subject = ParseRecordKey(R"({"keytype":"DELETE_SUBJECT","magic":0})");
  ASSERT_FALSE(no_subject.ok());
  EXPECT_NE(no_subject.status().message().find("\"subject\""), std::string::npos);

  Result<SchemaValue> no_id = ParseSchemaValue(R"({"subject":"s","version":1,"schema":"{}"})");
  ASSERT_FALSE(no_id.ok());
  EXPECT_NE(no_id.status().message().find("\"id\""), std::string::npos);

  Result<SchemaValue> big_id =
      ParseSchemaValue(R"({"subject":"s","version":1,"id":4294967296,"schema":"{}"})");
  ASSERT_FALSE(big_id.ok());
  EXPECT_NE(big_id.status().message().find("out of range"), std::string::npos);

  Result<SchemaValue> array = ParseSchemaValue("[1]");
  ASSERT_FALSE(array.ok());
  EXPECT_NE(array.status().message().find("array"), std::string::npos);

  Result<ModeValue> no_mode = ParseModeValue(R"({"subject":"s"})");
  ASSERT_FALSE(no_mode.ok());
  Result<DeleteSubjectValue> no_watermark = ParseDeleteSubjectValue(R"({"subject":"s"})");
  ASSERT_FALSE(no_watermark.ok());
}

TEST(SchemaRecordsTest, NonAsciiSubjectsAndSchemasRoundTrip) {
  std::string subject = "caf\xc3\xa9-value";
  EXPECT_EQ(SchemaKeyJson(subject, 2),
            "{\"keytype\":\"SCHEMA\",\"subject\":\"caf\xc3\xa9-value\",\"version\":2,\"magic\":1}");
  SchemaValue value;
  value.subject = subject;
  value.version = 2;
  value.id = 3;
  value.schema = "{\"doc\":\"line\\nbreak \xe2\x82\xac\"}";
  Result<SchemaValue> parsed = ParseSchemaValue(ToJson(value));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->subject, subject);
  EXPECT_EQ(parsed->schema, value.schema);
}

}  // namespace
}  // namespace walrelay::registry
