#include "convert/json_reader.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace walrelay::convert {
namespace {

JsonNode Parse(std::string_view text) {
  auto r = ParseJson(text);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status().ToString();
  return r.ok() ? std::move(r).value() : JsonNode{};
}

std::string ErrorOf(std::string_view text) {
  auto r = ParseJson(text);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? "" : r.status().message();
}

TEST(JsonReaderTest, KeepsMemberOrderAndLastDuplicate) {
  JsonNode n = Parse(R"( {"b": 1, "a": [true, false, null], "b": "x"} )");
  ASSERT_EQ(n.kind, JsonNode::Kind::kObject);
  ASSERT_EQ(n.members.size(), 3u);
  EXPECT_EQ(n.members[0].key, "b");
  EXPECT_EQ(n.members[1].key, "a");
  ASSERT_EQ(n.members[1].value.items.size(), 3u);
  EXPECT_TRUE(n.members[1].value.items[0].boolean);
  EXPECT_EQ(n.members[1].value.items[2].kind, JsonNode::Kind::kNull);
  ASSERT_NE(n.Get("b"), nullptr);
  EXPECT_EQ(n.Get("b")->text, "x");
  EXPECT_EQ(n.Get("c"), nullptr);
}

TEST(JsonReaderTest, NodesKnowWhereTheyAreInTheText) {
  const std::string text = R"( {"schema": {"type": "int32"} , "payload": [1, 2]} )";
  JsonNode n = Parse(text);
  EXPECT_EQ(text.substr(n.begin, n.end - n.begin),
            R"({"schema": {"type": "int32"} , "payload": [1, 2]})");
  const JsonNode* schema = n.Get("schema");
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(text.substr(schema->begin, schema->end - schema->begin), R"({"type": "int32"})");
  const JsonNode* payload = n.Get("payload");
  EXPECT_EQ(text.substr(payload->items[1].begin, payload->items[1].end - payload->items[1].begin),
            "2");
}

TEST(JsonReaderTest, IntegersByRange) {
  EXPECT_EQ(Parse("-9223372036854775808").int_value, INT64_MIN);
  JsonNode big = Parse("18446744073709551615");
  EXPECT_EQ(big.kind, JsonNode::Kind::kUint);
  EXPECT_EQ(big.uint_value, UINT64_MAX);
  // Beyond uint64 (or below int64): a float that keeps its text, as Jackson's BigInteger does.
  JsonNode huge = Parse("18446744073709551616");
  EXPECT_EQ(huge.kind, JsonNode::Kind::kFloat);
  EXPECT_EQ(huge.NumberText(), "18446744073709551616");
  EXPECT_EQ(Parse("-9223372036854775809").kind, JsonNode::Kind::kFloat);
}

TEST(JsonReaderTest, NumbersBeyondDoubleKeepTheirText) {
  // A Decimal of 400 digits, as JsonConverter's decimal.format=NUMERIC writes it.
  const std::string digits = std::string(400, '7') + ".25";
  JsonNode n = Parse(digits);
  EXPECT_EQ(n.kind, JsonNode::Kind::kFloat);
  EXPECT_EQ(n.NumberText(), digits);
  EXPECT_TRUE(std::isinf(n.float_value));
  EXPECT_GT(n.float_value, 0);
  JsonNode neg = Parse("-1e99999");
  EXPECT_TRUE(std::isinf(neg.float_value));
  EXPECT_LT(neg.float_value, 0);
  JsonNode tiny = Parse("-1e-99999");
  EXPECT_EQ(tiny.float_value, 0);
  EXPECT_TRUE(std::signbit(tiny.float_value));
  EXPECT_EQ(Parse("4.9e-324").float_value, 4.9e-324);  // the smallest subnormal
  EXPECT_EQ(Parse("0.1").float_value, 0.1);
  EXPECT_EQ(Parse("1E+2").text, "1E+2");
}

TEST(JsonReaderTest, StringsDecodeEscapesAndCheckUtf8) {
  EXPECT_EQ(Parse(R"("a\"\\\/\b\f\n\r\t")").text, "a\"\\/\b\f\n\r\t");
  EXPECT_EQ(Parse(R"("\u00e9\u20AC\ud83d\ude00")").text, "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  EXPECT_EQ(Parse("\"\xC3\xA9\xF0\x9F\x98\x80\"").text, "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(Parse(R"("\u0000")").text, std::string(1, '\0'));
  EXPECT_NE(ErrorOf("\"\xC3\""), "");              // truncated sequence
  EXPECT_NE(ErrorOf("\"\xC0\xAF\""), "");          // overlong
  EXPECT_NE(ErrorOf("\"\xED\xA0\x80\""), "");      // an encoded surrogate
  EXPECT_NE(ErrorOf("\"\xF4\x90\x80\x80\""), "");  // above U+10FFFF
  EXPECT_NE(ErrorOf(R"("\ud83d")"), "");
  EXPECT_NE(ErrorOf(R"("\ude00")"), "");
  EXPECT_NE(ErrorOf(R"("\u12")"), "");
  EXPECT_NE(ErrorOf("\"a\nb\""), "");
}

TEST(JsonReaderTest, ErrorsNameTheProblemAndWhere) {
  EXPECT_EQ(ErrorOf(""), "invalid JSON: unexpected end of input, expected a value at byte 0");
  EXPECT_EQ(ErrorOf("{\"a\":1,}"), "invalid JSON: expected a member name in quotes at byte 7");
  EXPECT_EQ(ErrorOf("[1 2]"), "invalid JSON: expected ',' or ']' in an array at byte 3");
  EXPECT_EQ(ErrorOf("1 x"), "invalid JSON: unexpected character after the JSON value at byte 2");
  EXPECT_EQ(ErrorOf("tru"), "invalid JSON: invalid literal, expected true at byte 0");
  for (const char* bad : {"01", "-", "1.", "1e", ".5", "+1", "NaN", "[1,]", "{\"a\"}", "\"abc"}) {
    EXPECT_NE(ErrorOf(bad), "") << bad;
  }
}

TEST(JsonReaderTest, DepthIsBounded) {
  EXPECT_TRUE(ParseJson(std::string(512, '[') + std::string(512, ']')).ok());
  EXPECT_EQ(ErrorOf(std::string(513, '[') + std::string(513, ']')),
            "invalid JSON: JSON nested deeper than 512 levels at byte 512");
  EXPECT_FALSE(ParseJson(std::string(100000, '[')).ok());
}

TEST(JsonReaderTest, AnUnbuiltMemberIsCheckedAndPlacedButNotBuilt) {
  const std::string text =
      R"({"schema": {"type": "struct", "fields": [{"f": 1}]}, "payload": {"schema": 7}})";
  auto r = ParseJson(text, 512, "schema");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const JsonNode* schema = r->Get("schema");
  ASSERT_NE(schema, nullptr);
  EXPECT_TRUE(schema->unbuilt);
  EXPECT_EQ(schema->kind, JsonNode::Kind::kObject);
  EXPECT_TRUE(schema->members.empty());
  EXPECT_EQ(text.substr(schema->begin, schema->end - schema->begin),
            R"({"type": "struct", "fields": [{"f": 1}]})");
  // Only the top-level object's member: the payload's own "schema" is built.
  const JsonNode* inner = r->Get("payload")->Get("schema");
  ASSERT_NE(inner, nullptr);
  EXPECT_FALSE(inner->unbuilt);
  EXPECT_EQ(inner->int_value, 7);
  EXPECT_FALSE(r->Get("payload")->unbuilt);
}

TEST(JsonReaderTest, AnUnbuiltMemberHasTheKindItsValueWouldHave) {
  for (std::string_view value : {"\"s\"", "12", "-1.5e3", "18446744073709551615", "null", "true",
                                 "false", "[1, [2]]", "{}", "[]"}) {
    const std::string text = "{\"schema\": " + std::string(value) + "}";
    auto built = ParseJson(text);
    auto unbuilt = ParseJson(text, 512, "schema");
    ASSERT_TRUE(built.ok() && unbuilt.ok()) << text;
    EXPECT_EQ(unbuilt->Get("schema")->kind, built->Get("schema")->kind) << text;
    EXPECT_EQ(unbuilt->Get("schema")->begin, built->Get("schema")->begin) << text;
    EXPECT_EQ(unbuilt->Get("schema")->end, built->Get("schema")->end) << text;
  }
}

TEST(JsonReaderTest, AnUnbuiltMemberFailsAsABuiltOneDoes) {
  for (std::string_view bad : {
           R"({"schema": {"a" 1}, "payload": 1})",
           R"({"schema": {"a": 1,}, "payload": 1})",
           R"({"schema": [1,], "payload": 1})",
           R"({"schema": [1 2]})",
           R"({"schema": {"a": 1)",
           R"({"schema": [)",
           R"({"schema": tru})",
           R"({"schema": nul})",
           R"({"schema": 01})",
           R"({"schema": -})",
           R"({"schema": 1.})",
           R"({"schema": 1e})",
           R"({"schema": "\ud800"})",
           R"({"schema": "\udc00"})",
           R"({"schema": "\x"})",
           R"({"schema": "\u12G4"})",
           "{\"schema\": \"a\x01\"}",
           "{\"schema\": \"\xC0\xAF\"}",
           "{\"schema\": \"\xED\xA0\x80\"}",
           "{\"schema\": \"abc",
           R"({"schema": {"k": [{"x": "y"}, 1, }]}})",
           R"({"schema": {} "payload": 1})",
       }) {
    const std::string built = ErrorOf(bad);
    auto unbuilt = ParseJson(bad, 512, "schema");
    ASSERT_FALSE(unbuilt.ok()) << bad;
    EXPECT_EQ(unbuilt.status().message(), built) << bad;
  }
  // The depth limit counts the unbuilt member's levels too.
  const std::string deep = "{\"schema\": " + std::string(4, '[') + std::string(4, ']') + "}";
  auto built = ParseJson(deep, 4);
  auto unbuilt = ParseJson(deep, 4, "schema");
  ASSERT_FALSE(built.ok());
  ASSERT_FALSE(unbuilt.ok());
  EXPECT_EQ(unbuilt.status().message(), built.status().message());
  EXPECT_TRUE(ParseJson(deep, 5, "schema").ok());
}

TEST(JsonReaderTest, AKnownValueIsTakenWithoutCheckingItAgain) {
  // "{bad}" stands for a text an earlier call checked: finding it again, the reader takes it as
  // it is (which is the point: no second check), and its end is where the known text ends.
  const std::vector<std::string_view> known = {R"({"a":1})", "1", "{bad}"};
  const std::string text = R"({"schema": {bad}, "payload": 1})";
  auto r = ParseJson(text, 512, "schema", known);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const JsonNode* schema = r->Get("schema");
  EXPECT_EQ(schema->kind, JsonNode::Kind::kObject);
  EXPECT_EQ(text.substr(schema->begin, schema->end - schema->begin), "{bad}");
  EXPECT_EQ(r->Get("payload")->int_value, 1);
  // Only where the member's text starts with one of them.
  EXPECT_FALSE(ParseJson(R"({"schema": {worse}, "payload": 1})", 512, "schema", known).ok());
  // What follows a known text is read as ever.
  auto after = ParseJson(R"({"schema": {"a":1}x})", 512, "schema", known);
  ASSERT_FALSE(after.ok());
  EXPECT_EQ(after.status().message(), ErrorOf(R"({"schema": {"a":1}x})"));
  // A number does not end where its text ends ("1" starts "12"): never taken as known.
  auto number = ParseJson(R"({"schema": 12})", 512, "schema", known);
  ASSERT_TRUE(number.ok());
  EXPECT_EQ(number->Get("schema")->end - number->Get("schema")->begin, 2u);
  // Other members, and members of nested objects, are read as ever.
  EXPECT_FALSE(ParseJson(R"({"x": {bad}})", 512, "schema", known).ok());
  EXPECT_FALSE(ParseJson(R"({"x": {"schema": {bad}}})", 512, "schema", known).ok());
}

}  // namespace
}  // namespace walrelay::convert
