#include "avro/compatibility.h"

#include <gtest/gtest.h>

#include <string>

namespace walrelay::avro {
namespace {

std::shared_ptr<const Schema> MustParse(std::string_view text) {
  auto s = ParseSchema(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString() << "\n" << text;
  return s.ok() ? *s : nullptr;
}

std::vector<Incompatibility> Check(std::string_view reader, std::string_view writer) {
  return CheckReadWrite(*MustParse(reader), *MustParse(writer));
}

Incompatibility Inc(std::string type, std::string location, std::string message) {
  return {std::move(type), std::move(location), message, message};
}

TEST(CompatibilityTest, CompatiblePairs) {
  EXPECT_TRUE(Check(R"("long")", R"("int")").empty());
  EXPECT_TRUE(Check(R"("double")", R"("float")").empty());
  EXPECT_TRUE(Check(R"("bytes")", R"("string")").empty());
  EXPECT_TRUE(Check(R"(["null", "string"])", R"("string")").empty());
  EXPECT_TRUE(Check(R"({"type": "record", "name": "R", "fields": [
                         {"name": "a", "type": "int"}, {"name": "b", "type": "int", "default": 1}]})",
                    R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"},
                         {"name": "gone", "type": "string"}]})")
                  .empty());
  // An alias on the reader's name or field.
  EXPECT_TRUE(
      Check(R"({"type": "record", "name": "New", "aliases": ["Old"], "fields": [
                         {"name": "b", "type": "int", "aliases": ["a"]}]})",
            R"({"type": "record", "name": "Old", "fields": [{"name": "a", "type": "int"}]})")
          .empty());
  // A reader enum with a default accepts unknown symbols.
  EXPECT_TRUE(Check(R"({"type": "enum", "name": "E", "symbols": ["A", "X"], "default": "X"})",
                    R"({"type": "enum", "name": "E", "symbols": ["A", "B"]})")
                  .empty());
  // Recursive schemas terminate.
  const char* list = R"({"type": "record", "name": "L", "fields": [
    {"name": "next", "type": ["null", "L"]}]})";
  EXPECT_TRUE(Check(list, list).empty());
}

TEST(CompatibilityTest, EveryIncompatibilityType) {
  EXPECT_EQ(Check(R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"},
                      {"name": "b", "type": "string"}]})",
                  R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})"),
            std::vector{Inc("READER_FIELD_MISSING_DEFAULT_VALUE", "/fields/1", "b")});
  EXPECT_EQ(Check(R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "string"}]})",
                  R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})"),
            std::vector{Inc("TYPE_MISMATCH", "/fields/0/type",
                            "reader type: STRING not compatible with writer type: INT")});
  EXPECT_EQ(Check(R"({"type": "record", "name": "A", "fields": []})",
                  R"({"type": "record", "name": "x.B", "fields": []})"),
            std::vector{Inc("NAME_MISMATCH", "/name", "expected: x.B")});
  EXPECT_EQ(Check(R"({"type": "fixed", "name": "F", "size": 4})",
                  R"({"type": "fixed", "name": "F", "size": 8})"),
            std::vector{Inc("FIXED_SIZE_MISMATCH", "/size", "expected: 8, found: 4")});
  EXPECT_EQ(Check(R"({"type": "enum", "name": "E", "symbols": ["A"]})",
                  R"({"type": "enum", "name": "E", "symbols": ["A", "C", "B"]})"),
            std::vector{Inc("MISSING_ENUM_SYMBOLS", "/symbols", "[B, C]")});
  EXPECT_EQ(
      Check(R"(["null", "int"])", R"(["null", "string"])"),
      std::vector{Inc("MISSING_UNION_BRANCH", "/1", "reader union lacking writer type: STRING")});
  EXPECT_EQ(
      Check(
          R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": ["null", "string"]}]})",
          R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})"),
      std::vector{
          Inc("MISSING_UNION_BRANCH", "/fields/0/type", "reader union lacking writer type: INT")});
  // A writer union against a non-union reader: each branch checked from a fresh location.
  EXPECT_EQ(Check(R"("int")", R"(["null", "int"])"),
            std::vector{Inc("TYPE_MISMATCH", "/",
                            "reader type: INT not compatible with writer type: NULL")});
  EXPECT_EQ(Check(R"({"type": "array", "items": "int"})", R"({"type": "array", "items": "long"})"),
            std::vector{Inc("TYPE_MISMATCH", "/items",
                            "reader type: INT not compatible with writer type: LONG")});
  EXPECT_EQ(Check(R"({"type": "map", "values": "int"})", R"({"type": "array", "items": "int"})"),
            std::vector{Inc("TYPE_MISMATCH", "/",
                            "reader type: MAP not compatible with writer type: ARRAY")});
}

TEST(CompatibilityTest, LevelsParseInAnyCase) {
  EXPECT_EQ(*ParseCompatibilityLevel("forward_transitive"), CompatibilityLevel::kForwardTransitive);
  EXPECT_EQ(*ParseCompatibilityLevel("FULL"), CompatibilityLevel::kFull);
  EXPECT_EQ(*ParseCompatibilityLevel("Backward"), CompatibilityLevel::kBackward);
  EXPECT_EQ(*ParseCompatibilityLevel("none"), CompatibilityLevel::kNone);
  auto bad = ParseCompatibilityLevel("sideways");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'sideways'"), std::string::npos);
  EXPECT_STREQ(CompatibilityLevelName(CompatibilityLevel::kForwardTransitive),
               "FORWARD_TRANSITIVE");
  EXPECT_STREQ(CompatibilityLevelName(CompatibilityLevel::kBackwardTransitive),
               "BACKWARD_TRANSITIVE");
  EXPECT_STREQ(CompatibilityLevelName(CompatibilityLevel::kFullTransitive), "FULL_TRANSITIVE");
}

constexpr const char* kV1 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"}]})";
constexpr const char* kV2 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},)"
                            R"({"name":"b","type":"string","default":"x"}]})";
constexpr const char* kV3 = R"({"type":"record","name":"R","fields":[{"name":"a","type":"int"},)"
                            R"({"name":"b","type":"string"}]})";

TEST(CompatibilityTest, ConfluentMessagesForBackward) {
  std::vector<std::shared_ptr<const Schema>> existing = {MustParse(kV1)};
  auto proposed = MustParse(kV3);
  EXPECT_EQ(CheckCompatibility(CompatibilityLevel::kBackward, *proposed, existing),
            (std::vector<std::string>{
                "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at "
                "path '/fields/1' in the new schema has no default value and is missing in the old "
                "schema', additionalInfo:'b'}",
                "{oldSchemaVersion: 1}", std::string("{oldSchema: '") + kV1 + "'}",
                "{validateFields: 'false', compatibility: 'BACKWARD'}"}));
  EXPECT_TRUE(CheckCompatibility(CompatibilityLevel::kNone, *proposed, existing).empty());
  EXPECT_TRUE(CheckCompatibility(CompatibilityLevel::kBackward, *proposed, {}).empty());
}

TEST(CompatibilityTest, TransitiveChecksEveryVersionNewestFirst) {
  std::vector<std::shared_ptr<const Schema>> existing = {MustParse(kV1), MustParse(kV2)};
  auto proposed = MustParse(kV3);
  // Only the latest (v2, which has b) is checked: compatible.
  EXPECT_TRUE(CheckCompatibility(CompatibilityLevel::kBackward, *proposed, existing).empty());
  auto out = CheckCompatibility(CompatibilityLevel::kBackwardTransitive, *proposed, existing,
                                std::vector<int>{3, 7});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[1], "{oldSchemaVersion: 3}");
  EXPECT_EQ(out[3], "{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}");
}

TEST(CompatibilityTest, ForwardAndFull) {
  std::vector<std::shared_ptr<const Schema>> existing = {MustParse(kV3)};
  auto proposed = MustParse(kV1);
  // FORWARD: the latest (reader) reads the new schema's data (writer).
  EXPECT_EQ(CheckCompatibility(CompatibilityLevel::kForward, *proposed, existing),
            (std::vector<std::string>{
                "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at "
                "path '/fields/1' in the old schema has no default value and is missing in the new "
                "schema', additionalInfo:'b'}",
                "{oldSchemaVersion: 1}", std::string("{oldSchema: '") + kV3 + "'}",
                "{validateFields: 'false', compatibility: 'FORWARD'}"}));
  // FULL: the forward half's messages come without the old schema (as Confluent writes them).
  EXPECT_EQ(CheckCompatibility(CompatibilityLevel::kFull, *proposed, existing),
            (std::vector<std::string>{
                "{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'b' at "
                "path '/fields/1' in the old schema has no default value and is missing in the new "
                "schema', additionalInfo:'b'}",
                "{validateFields: 'false', compatibility: 'FULL'}"}));
  auto type_change =
      MustParse(R"({"type":"record","name":"R","fields":[{"name":"a","type":"string"},)"
                R"({"name":"b","type":"string"}]})");
  auto full = CheckCompatibility(CompatibilityLevel::kFullTransitive, *type_change, existing);
  ASSERT_EQ(full.size(), 5u);
  EXPECT_EQ(
      full[0],
      "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in "
      "the old schema does not match with the new schema', additionalInfo:'reader type: INT "
      "not compatible with writer type: STRING'}");
  EXPECT_EQ(
      full[1],
      "{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in "
      "the new schema does not match with the old schema', additionalInfo:'reader type: STRING "
      "not compatible with writer type: INT'}");
  EXPECT_EQ(full[2], "{oldSchemaVersion: 1}");
}

TEST(CompatibilityTest, OtherConfluentDescriptions) {
  std::vector<std::shared_ptr<const Schema>> existing = {
      MustParse(R"({"type":"enum","name":"E","symbols":["A","B"]})")};
  auto out =
      CheckCompatibility(CompatibilityLevel::kBackward,
                         *MustParse(R"({"type":"enum","name":"E","symbols":["A"]})"), existing);
  EXPECT_EQ(
      out[0],
      "{errorType:'MISSING_ENUM_SYMBOLS', description:'The new schema is missing enum symbols "
      "'[B]' at path '/symbols' in the old schema', additionalInfo:'[B]'}");
  existing = {MustParse(R"(["null","string"])")};
  out =
      CheckCompatibility(CompatibilityLevel::kBackward, *MustParse(R"(["null","int"])"), existing);
  EXPECT_EQ(
      out[0],
      "{errorType:'MISSING_UNION_BRANCH', description:'The new schema is missing a type inside "
      "a union field at path '/1' in the old schema', additionalInfo:'reader union lacking "
      "writer type: STRING'}");
  existing = {MustParse(R"({"type":"fixed","name":"F","size":2})")};
  out = CheckCompatibility(CompatibilityLevel::kBackward,
                           *MustParse(R"({"type":"fixed","name":"G","size":3})"), existing);
  EXPECT_EQ(out[0],
            "{errorType:'NAME_MISMATCH', description:'The name of the schema has changed (path "
            "'/name')', additionalInfo:'expected: F'}");
  EXPECT_EQ(
      out[1],
      "{errorType:'FIXED_SIZE_MISMATCH', description:'The size of FIXED type field at path "
      "'/size' in the new schema does not match with the old schema', additionalInfo:'expected: "
      "2, found: 3'}");
}

}  // namespace
}  // namespace walrelay::avro
