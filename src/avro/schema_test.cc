#include "avro/schema.h"

#include <gtest/gtest.h>

#include <string>

namespace walrelay::avro {
namespace {

std::shared_ptr<const Schema> MustParse(std::string_view text) {
  auto s = ParseSchema(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString() << "\n" << text;
  return s.ok() ? *s : nullptr;
}

std::string ParseError(std::string_view text) {
  auto s = ParseSchema(text);
  EXPECT_FALSE(s.ok()) << text;
  if (s.ok()) return "";
  EXPECT_EQ(s.status().kind(), ErrorKind::kInvalidArgument);
  return s.status().message();
}

// Avro's share/test/data/schema-tests.txt: input, Parsing Canonical Form and (where given) its
// CRC-64-AVRO fingerprint, as Java's SchemaNormalization computes them. (Its case with a size of
// 015 is left out: Jackson refuses leading zeros, so Avro Java does not parse it either.)
struct CanonicalCase {
  const char* input;
  const char* canonical;
  uint64_t fingerprint;
  bool has_fingerprint;
};
const CanonicalCase kCanonicalCases[] = {
    {R"("null")", R"("null")", static_cast<uint64_t>(int64_t{7195948357588979594}), true},
    {R"({"type":"null"})", R"("null")", 0, false},
    {R"("boolean")", R"("boolean")", static_cast<uint64_t>(int64_t{-6970731678124411036}), true},
    {R"({"type":"boolean"})", R"("boolean")", 0, false},
    {R"("int")", R"("int")", static_cast<uint64_t>(int64_t{8247732601305521295}), true},
    {R"({"type":"int"})", R"("int")", 0, false},
    {R"("long")", R"("long")", static_cast<uint64_t>(int64_t{-3434872931120570953}), true},
    {R"({"type":"long"})", R"("long")", 0, false},
    {R"("float")", R"("float")", static_cast<uint64_t>(int64_t{5583340709985441680}), true},
    {R"({"type":"float"})", R"("float")", 0, false},
    {R"("double")", R"("double")", static_cast<uint64_t>(int64_t{-8181574048448539266}), true},
    {R"({"type":"double"})", R"("double")", 0, false},
    {R"("bytes")", R"("bytes")", static_cast<uint64_t>(int64_t{5746618253357095269}), true},
    {R"({"type":"bytes"})", R"("bytes")", 0, false},
    {R"("string")", R"("string")", static_cast<uint64_t>(int64_t{-8142146995180207161}), true},
    {R"({"type":"string"})", R"("string")", 0, false},
    {R"([  ])", R"([])", static_cast<uint64_t>(int64_t{-1241056759729112623}), true},
    {R"([ "int"  ])", R"(["int"])", static_cast<uint64_t>(int64_t{-5232228896498058493}), true},
    {R"([ "int" , {"type":"boolean"} ])", R"(["int","boolean"])",
     static_cast<uint64_t>(int64_t{5392556393470105090}), true},
    {R"({"fields":[], "type":"record", "name":"foo"})",
     R"({"name":"foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{-4824392279771201922}), true},
    {R"({"fields":[], "type":"record", "name":"foo", "namespace":"x.y"})",
     R"({"name":"x.y.foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{5916914534497305771}), true},
    {R"({"fields":[], "type":"record", "name":"a.b.foo", "namespace":"x.y"})",
     R"({"name":"a.b.foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{-4616218487480524110}), true},
    {R"({"fields":[], "type":"record", "name":"foo", "doc":"Useful info"})",
     R"({"name":"foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{-4824392279771201922}), true},
    {R"({"fields":[], "type":"record", "name":"foo", "aliases":["foo","bar"]})",
     R"({"name":"foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{-4824392279771201922}), true},
    {R"({"fields":[], "type":"record", "name":"foo", "doc":"foo", "aliases":["foo","bar"]})",
     R"({"name":"foo","type":"record","fields":[]})",
     static_cast<uint64_t>(int64_t{-4824392279771201922}), true},
    {R"({"fields":[{"type":{"type":"boolean"}, "name":"f1"}], "type":"record", "name":"foo"})",
     R"({"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"}]})",
     static_cast<uint64_t>(int64_t{7843277075252814651}), true},
    {R"({ "fields":[{"type":"boolean", "aliases":[], "name":"f1", "default":true}, {"order":"descending","name":"f2","doc":"Hello","type":"int"}], "type":"record", "name":"foo" })",
     R"({"name":"foo","type":"record","fields":[{"name":"f1","type":"boolean"},{"name":"f2","type":"int"}]})",
     static_cast<uint64_t>(int64_t{-4860222112080293046}), true},
    {R"({"type":"enum", "name":"foo", "symbols":["A1"]})",
     R"({"name":"foo","type":"enum","symbols":["A1"]})",
     static_cast<uint64_t>(int64_t{-6342190197741309591}), true},
    {R"({"namespace":"x.y.z", "type":"enum", "name":"foo", "doc":"foo bar", "symbols":["A1", "A2"]})",
     R"({"name":"x.y.z.foo","type":"enum","symbols":["A1","A2"]})",
     static_cast<uint64_t>(int64_t{-4448647247586288245}), true},
    {R"({"namespace":"x.y.z", "type":"fixed", "name":"foo", "doc":"foo bar", "size":32})",
     R"({"name":"x.y.z.foo","type":"fixed","size":32})",
     static_cast<uint64_t>(int64_t{-3064184465700546786}), true},
    {R"({ "items":{"type":"null"}, "type":"array"})", R"({"type":"array","items":"null"})",
     static_cast<uint64_t>(int64_t{-589620603366471059}), true},
    {R"({ "values":"string", "type":"map"})", R"({"type":"map","values":"string"})",
     static_cast<uint64_t>(int64_t{-8732877298790414990}), true},
    {R"({"name":"PigValue","type":"record", "fields":[{"name":"value", "type":["null", "int", "long", "PigValue"]}]})",
     R"({"name":"PigValue","type":"record","fields":[{"name":"value","type":["null","int","long","PigValue"]}]})",
     static_cast<uint64_t>(int64_t{-1759257747318642341}), true},
};

TEST(SchemaTest, CanonicalFormAndFingerprintMatchAvroTestVectors) {
  for (const auto& c : kCanonicalCases) {
    auto s = MustParse(c.input);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->CanonicalForm(), c.canonical) << c.input;
    if (c.has_fingerprint) {
      EXPECT_EQ(Fingerprint64(s->CanonicalForm()), c.fingerprint) << c.input;
    }
  }
}

TEST(SchemaTest, CommentsAreAllowedAsJacksonAllowsThem) {
  auto s = MustParse("/* a */ {\"type\": // b\n \"int\"}");
  EXPECT_EQ(s->ToJson(), R"("int")");
}

TEST(SchemaTest, Fingerprint64OfEmptyInputIsTheSeed) {
  EXPECT_EQ(Fingerprint64(""), 0xc15d213aa4d7a795ULL);
}

TEST(SchemaTest, PrimitivesAsStringsAndObjects) {
  auto a = MustParse(R"("int")");
  auto b = MustParse(R"({"type": "int"})");
  EXPECT_EQ(a->root().type(), AvroType::kInt);
  EXPECT_EQ(b->root().type(), AvroType::kInt);
  EXPECT_EQ(a->ToJson(), R"("int")");
  EXPECT_EQ(b->ToJson(), R"("int")");
  auto c = MustParse(
      R"({"type": "long", "connect.version": 1, "connect.name": "io.debezium.time.Timestamp"})");
  EXPECT_EQ(c->ToJson(),
            R"({"type":"long","connect.version":1,"connect.name":"io.debezium.time.Timestamp"})");
  ASSERT_NE(c->root().Prop("connect.name"), nullptr);
  EXPECT_EQ(*c->root().Prop("connect.name"), "io.debezium.time.Timestamp");
  EXPECT_EQ(c->root().Prop("absent"), nullptr);
}

TEST(SchemaTest, DebeziumEnvelopeToJson) {
  auto s = MustParse(R"({
    "fields": [
      {"name": "before", "default": null, "type": ["null", {
        "type": "record", "name": "Value", "namespace": "dbserver1.inventory.customers",
        "fields": [
          {"name": "id", "type": {"type": "int"}},
          {"name": "email", "type": {"type": "string", "connect.name": "x"}},
          {"name": "price", "type": {"type": "bytes", "scale": 2, "precision": 10,
            "connect.version": 1, "connect.parameters": {"scale": "2"},
            "connect.name": "org.apache.kafka.connect.data.Decimal", "logicalType": "decimal"}}
        ],
        "connect.name": "dbserver1.inventory.customers.Value"}]},
      {"name": "after", "type": ["null", "Value"], "default": null},
      {"name": "op", "type": "string"},
      {"name": "ts_ms", "type": ["null", "long"], "default": null}
    ],
    "connect.version": 1,
    "name": "Envelope",
    "namespace": "dbserver1.inventory.customers",
    "type": "record",
    "connect.name": "dbserver1.inventory.customers.Envelope"
  })");
  EXPECT_EQ(
      s->ToJson(),
      R"({"type":"record","name":"Envelope","namespace":"dbserver1.inventory.customers","fields":[)"
      R"({"name":"before","type":["null",{"type":"record","name":"Value","fields":[)"
      R"({"name":"id","type":"int"},{"name":"email","type":{"type":"string","connect.name":"x"}},)"
      R"({"name":"price","type":{"type":"bytes","scale":2,"precision":10,"connect.version":1,)"
      R"("connect.parameters":{"scale":"2"},"connect.name":"org.apache.kafka.connect.data.Decimal",)"
      R"("logicalType":"decimal"}}],"connect.name":"dbserver1.inventory.customers.Value"}],)"
      R"("default":null},{"name":"after","type":["null","Value"],"default":null},)"
      R"({"name":"op","type":"string"},{"name":"ts_ms","type":["null","long"],"default":null}],)"
      R"("connect.version":1,"connect.name":"dbserver1.inventory.customers.Envelope"})");
  const Node& value = *s->root().fields()[0].schema->branches()[1];
  EXPECT_EQ(value.full_name(), "dbserver1.inventory.customers.Value");
  EXPECT_EQ(s->root().fields()[1].schema->branches()[1], &value);
  const Node& price = *value.fields()[2].schema;
  EXPECT_EQ(price.logical_type(), "decimal");
  EXPECT_EQ(*price.Prop("scale"), 2);
  EXPECT_EQ(s->FindNamed("dbserver1.inventory.customers.Value"), &value);
}

TEST(SchemaTest, NamespacesInheritedAndWrittenWhereTheyDiffer) {
  auto s = MustParse(R"({"type": "record", "name": "A", "namespace": "a", "fields": [
    {"name": "b", "type": {"type": "record", "name": "B", "namespace": "b", "fields": [
      {"name": "c", "type": {"type": "enum", "name": "C", "symbols": ["X"]}}]}},
    {"name": "b2", "type": "b.B"},
    {"name": "c2", "type": "b.C"},
    {"name": "d", "type": {"type": "fixed", "name": "x.y.D", "size": 2}},
    {"name": "e", "type": {"type": "record", "name": "E", "namespace": "", "fields": []}},
    {"name": "f", "type": {"type": "record", "name": "F", "fields": [{"name": "a", "type": "A"}]}}
  ]})");
  const Node& root = s->root();
  EXPECT_EQ(root.full_name(), "a.A");
  EXPECT_EQ(root.fields()[0].schema->full_name(), "b.B");
  EXPECT_EQ(root.fields()[0].schema->fields()[0].schema->full_name(), "b.C");
  EXPECT_EQ(root.fields()[3].schema->full_name(), "x.y.D");
  EXPECT_EQ(root.fields()[3].schema->name(), "D");
  EXPECT_EQ(root.fields()[3].schema->name_space(), "x.y");
  EXPECT_EQ(root.fields()[4].schema->full_name(), "E");
  EXPECT_EQ(root.fields()[5].schema->full_name(), "a.F");
  EXPECT_EQ(root.fields()[5].schema->fields()[0].schema, &root);
  EXPECT_EQ(
      s->ToJson(),
      R"({"type":"record","name":"A","namespace":"a","fields":[)"
      R"({"name":"b","type":{"type":"record","name":"B","namespace":"b","fields":[)"
      R"({"name":"c","type":{"type":"enum","name":"C","symbols":["X"]}}]}},)"
      R"({"name":"b2","type":"b.B"},{"name":"c2","type":"b.C"},)"
      R"({"name":"d","type":{"type":"fixed","name":"D","namespace":"x.y","size":2}},)"
      R"({"name":"e","type":{"type":"record","name":"E","namespace":"","fields":[]}},)"
      R"({"name":"f","type":{"type":"record","name":"F","fields":[{"name":"a","type":"A"}]}}]})");
  EXPECT_EQ(
      s->CanonicalForm(),
      R"({"name":"a.A","type":"record","fields":[)"
      R"({"name":"b","type":{"name":"b.B","type":"record","fields":[)"
      R"({"name":"c","type":{"name":"b.C","type":"enum","symbols":["X"]}}]}},)"
      R"({"name":"b2","type":"b.B"},{"name":"c2","type":"b.C"},)"
      R"({"name":"d","type":{"name":"x.y.D","type":"fixed","size":2}},)"
      R"({"name":"e","type":{"name":"E","type":"record","fields":[]}},)"
      R"({"name":"f","type":{"name":"a.F","type":"record","fields":[{"name":"a","type":"a.A"}]}}]})");
}

TEST(SchemaTest, RecursiveLinkedList) {
  auto s = MustParse(R"({"type": "record", "name": "LongList", "aliases": ["LinkedLongs"],
    "fields": [{"name": "value", "type": "long"},
               {"name": "next", "type": ["null", "LongList"]}]})");
  const Node& root = s->root();
  EXPECT_EQ(root.fields()[1].schema->branches()[1], &root);
  EXPECT_EQ(root.aliases(), std::vector<std::string>{"LinkedLongs"});
  EXPECT_EQ(s->ToJson(),
            R"({"type":"record","name":"LongList","fields":[{"name":"value","type":"long"},)"
            R"({"name":"next","type":["null","LongList"]}],"aliases":["LinkedLongs"]})");
}

TEST(SchemaTest, FieldAttributesEnumsAndFixedInJavaOrder) {
  auto s = MustParse(R"({"type": "record", "name": "R", "namespace": "n", "doc": "a \"doc\"\n",
    "aliases": ["Old", "o.Older"], "fields": [
      {"x-prop": "v", "aliases": ["g", "g"], "order": "DESCENDING", "default": 1, "doc": "d",
       "type": "int", "name": "f"},
      {"name": "e", "type": {"type": "enum", "name": "E", "doc": "e", "symbols": ["A", "B"],
       "default": "B", "p": true}, "default": "A", "order": "ignore"},
      {"name": "x", "type": {"type": "fixed", "name": "F", "size": 16, "logicalType": "decimal",
       "precision": 4, "scale": 2}},
      {"name": "d", "type": "double", "default": "1.5"},
      {"name": "d2", "type": "double", "default": 1e3},
      {"name": "d3", "type": "float", "default": "NaN"},
      {"name": "m", "type": {"type": "map", "values": "string", "p": 1}, "default": {"b": "1", "a": "2"}},
      {"name": "a", "type": {"type": "array", "items": "E"}, "default": ["A"]}
    ]})");
  EXPECT_EQ(
      s->ToJson(),
      R"({"type":"record","name":"R","namespace":"n","doc":"a \"doc\"\n","fields":[)"
      R"({"name":"f","type":"int","doc":"d","default":1,"order":"descending","aliases":["g"],"x-prop":"v"},)"
      R"({"name":"e","type":{"type":"enum","name":"E","doc":"e","symbols":["A","B"],"default":"B","p":true},)"
      R"("default":"A","order":"ignore"},)"
      R"({"name":"x","type":{"type":"fixed","name":"F","size":16,"logicalType":"decimal","precision":4,"scale":2}},)"
      R"({"name":"d","type":"double","default":1.5},{"name":"d2","type":"double","default":1000.0},)"
      R"({"name":"d3","type":"float","default":"NaN"},)"
      R"({"name":"m","type":{"type":"map","values":"string","p":1},"default":{"b":"1","a":"2"}},)"
      R"({"name":"a","type":{"type":"array","items":"E"},"default":["A"]}],)"
      R"("aliases":["Old","o.Older"]})");
  const Node& root = s->root();
  EXPECT_EQ(root.aliases(), (std::vector<std::string>{"n.Old", "o.Older"}));
  EXPECT_EQ(root.fields()[0].order, FieldOrder::kDescending);
  EXPECT_EQ(root.fields()[0].aliases, std::vector<std::string>{"g"});
  EXPECT_EQ(*root.fields()[0].Prop("x-prop"), "v");
  EXPECT_EQ(*root.fields()[1].schema->enum_default(), "B");
  EXPECT_EQ(root.fields()[1].schema->SymbolIndex("B"), 1);
  EXPECT_EQ(root.fields()[2].schema->fixed_size(), 16u);
  EXPECT_EQ(root.fields()[2].schema->logical_type(), "decimal");
  EXPECT_EQ(root.FindField("d")->position, 3u);
  EXPECT_EQ(root.FindField("nope"), nullptr);
}

TEST(SchemaTest, TypeNamedFieldsAndErrorRecords) {
  // A named type whose simple name is a type name is always written with its namespace.
  auto s = MustParse(R"({"type": "error", "name": "record", "namespace": "n", "fields": [
    {"name": "self", "type": ["null", "record"]}]})");
  EXPECT_TRUE(s->root().is_error());
  EXPECT_EQ(s->ToJson(), R"({"type":"error","name":"record","namespace":"n","fields":[)"
                         R"({"name":"self","type":["null","n.record"]}]})");
}

TEST(SchemaTest, StringEscapesAsJackson) {
  auto s = MustParse(
      "{\"type\": \"enum\", \"name\": \"E\", \"doc\": \"\\u0001\\t/\\u00e9\\u2028\", \"symbols\": "
      "[]}");
  EXPECT_EQ(s->ToJson(),
            "{\"type\":\"enum\",\"name\":\"E\",\"doc\":\"\\u0001\\t/"
            "\xc3\xa9\xe2\x80\xa8\",\"symbols\":[]}");
}

TEST(SchemaTest, ParserErrors) {
  EXPECT_NE(ParseError("{").find("malformed schema JSON"), std::string::npos);
  EXPECT_EQ(ParseError(R"("int" 1)"), "dangling content after end of schema: 1");
  EXPECT_EQ(ParseError(R"("foo")"), R"(Undefined name: "foo")");
  EXPECT_EQ(ParseError(R"({"type": "foo"})"), "Type not supported: foo");
  EXPECT_EQ(ParseError(R"({"name": "x"})"), R"(No type: {"name":"x"})");
  EXPECT_EQ(ParseError("3"), "Schema not yet supported: 3");
  EXPECT_EQ(ParseError(R"({"type": "record", "fields": []})"),
            R"(No name in schema: {"type":"record","fields":[]})");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "R"})"),
            R"(Record has no fields: {"type":"record","name":"R"})");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "1R", "fields": []})"),
            "Illegal initial character: 1R");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "a.R-x", "fields": []})"),
            "Illegal character in: R-x");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "R", "fields": [
                {"name": "a", "type": "int"}, {"name": "a", "type": "long"}]})"),
            "Duplicate field a in record R: a type:LONG pos:1 and a type:INT pos:0.");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "R", "fields": [{"name": "a"}]})"),
            R"(No field type: {"name":"a"})");
  EXPECT_EQ(
      ParseError(R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "X"}]})"),
      R"("X" is not a defined name. The type of the "a" field must be a )"
      R"(defined name or a {"type": ...} expression.)");
  EXPECT_EQ(ParseError(R"({"type": "enum", "name": "E", "symbols": ["A", "A"]})"),
            "Duplicate enum symbol: A");
  EXPECT_EQ(ParseError(R"({"type": "enum", "name": "E", "symbols": ["A", "B"], "default": "C"})"),
            "The Enum Default: C is not in the enum symbol set: [A, B]");
  EXPECT_EQ(ParseError(R"({"type": "enum", "name": "E"})"),
            R"(Enum has no symbols: {"type":"enum","name":"E"})");
  EXPECT_EQ(ParseError(R"({"type": "fixed", "name": "F", "size": "2"})"),
            R"(Invalid or no size: {"type":"fixed","name":"F","size":"2"})");
  EXPECT_EQ(ParseError(R"({"type": "array"})"), R"(Array has no items type: {"type":"array"})");
  EXPECT_EQ(ParseError(R"({"type": "map", "items": "int"})"),
            R"(Map has no values type: {"type":"map","items":"int"})");
  EXPECT_EQ(ParseError(R"(["int", "int"])"), "Duplicate in union:int");
  EXPECT_EQ(
      ParseError(
          R"(["null", {"type": "array", "items": "int"}, {"type": "array", "items": "long"}])"),
      "Duplicate in union:array");
  EXPECT_EQ(ParseError(R"(["null", ["int"]])"), R"(Nested union: ["null",["int"]])");
  EXPECT_EQ(
      ParseError(
          R"([{"type": "record", "name": "R", "fields": []}, {"type": "record", "name": "R", "fields": []}])"),
      "Can't redefine: R");
  EXPECT_EQ(ParseError(R"({"type": "fixed", "name": "int", "size": 1})"),
            "Schemas may not be named after primitives: int");
  EXPECT_EQ(ParseError(R"({"type": "record", "name": "R", "aliases": "x", "fields": []})"),
            R"(aliases not an array: {"type":"record","name":"R","aliases":"x","fields":[]})");
}

TEST(SchemaTest, DeepNestingIsRefusedNotACrash) {
  std::string deep =
      R"({"type": "int", "p": )" + std::string(100000, '[') + std::string(100000, ']') + "}";
  EXPECT_EQ(ParseError(deep), "schema JSON nested more than 500 levels deep");
  std::string unions = std::string(400, '[') + R"("int")" + std::string(400, ']');
  EXPECT_NE(ParseError(unions).find("Nested union"), std::string::npos);
}

TEST(SchemaTest, DefaultsAreValidatedAsAvroJavaDoes) {
  auto bad = [](const std::string& type, const std::string& def) {
    return ParseError(R"({"type": "record", "name": "R", "fields": [{"name": "f", "type": )" +
                      type + R"(, "default": )" + def + "}]}");
  };
  EXPECT_EQ(bad(R"("int")", R"("x")"), R"(Invalid default for field f: "x" not a "int")");
  EXPECT_EQ(bad(R"("int")", "2147483648"),
            R"(Invalid default for field f: 2147483648 not a "int")");
  EXPECT_EQ(bad(R"("long")", "1.5"), R"(Invalid default for field f: 1.5 not a "long")");
  EXPECT_EQ(bad(R"(["null", "string"])", R"("x")"),
            R"(Invalid default for field f: "x" not a ["null","string"])");
  EXPECT_EQ(bad(R"(["string", "null"])", "null"),
            R"(Invalid default for field f: null not a ["string","null"])");
  EXPECT_EQ(bad(R"("boolean")", "0"), R"(Invalid default for field f: 0 not a "boolean")");
  EXPECT_EQ(bad(R"({"type": "array", "items": "int"})", R"([1, "a"])"),
            R"(Invalid default for field f: [1,"a"] not a {"type":"array","items":"int"})");
  EXPECT_EQ(
      bad(R"({"type": "record", "name": "S", "fields": [{"name": "a", "type": "int"}]})", "{}"),
      R"(Invalid default for field f: {} not a {"type":"record","name":"S","fields":[{"name":"a","type":"int"}]})");
  EXPECT_NE(bad(R"("double")", R"("abc")").find("Invalid default for field f"), std::string::npos);
  // Text becomes a number only for a float or double field's own default.
  EXPECT_EQ(bad(R"(["double", "null"])", R"("NaN")"),
            R"(Invalid default for field f: "NaN" not a ["double","null"])");
  // Without validation (a registry loading schemas it stored earlier) the default is kept.
  auto kept = ParseSchema(R"({"type": "record", "name": "R", "fields": [
    {"name": "f", "type": "int", "default": "x"}]})",
                          ParseOptions{.validate_defaults = false});
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ((*kept)->ToJson(),
            R"({"type":"record","name":"R","fields":[{"name":"f","type":"int","default":"x"}]})");
  // Accepted: a record default taking a field's own default, an int default for a double, a
  // null default for a union starting with null.
  MustParse(R"({"type": "record", "name": "R", "fields": [
    {"name": "f", "type": {"type": "record", "name": "S", "fields": [{"name": "a", "type": "int", "default": 1}]},
     "default": {}},
    {"name": "g", "type": "double", "default": 1},
    {"name": "h", "type": ["null", "string"], "default": null},
    {"name": "i", "type": "bytes", "default": "\u00ff"}]})");
}

}  // namespace
}  // namespace walrelay::avro
