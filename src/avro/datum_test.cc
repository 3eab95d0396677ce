#include "avro/datum.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "avro/binary.h"

namespace walrelay::avro {
namespace {

std::shared_ptr<const Schema> MustParse(std::string_view text) {
  auto s = ParseSchema(text);
  EXPECT_TRUE(s.ok()) << s.status().ToString() << "\n" << text;
  return s.ok() ? *s : nullptr;
}

std::string Bytes(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string MustEncode(const Schema& s, const Datum& d) {
  std::string out;
  Status st = Encode(s.root(), d, &out);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

constexpr const char* kRecordSchema = R"({"type": "record", "name": "R", "fields": [
  {"name": "id", "type": "long"},
  {"name": "name", "type": "string"},
  {"name": "tags", "type": {"type": "array", "items": "string"}},
  {"name": "attrs", "type": {"type": "map", "values": "int"}},
  {"name": "opt", "type": ["null", "double"]},
  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
  {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
  {"name": "flag", "type": "boolean"},
  {"name": "f", "type": "float"},
  {"name": "raw", "type": "bytes"}]})";

Datum SampleRecord() {
  return Datum::Record({Datum::Long(1), Datum::String("foo"),
                        Datum::Array({Datum::String("a"), Datum::String("b")}),
                        Datum::Map({{"k", Datum::Int(64)}}), Datum::Union(1, Datum::Double(0.5)),
                        Datum::Enum(1, "GREEN"), Datum::Fixed("\x01\x02"), Datum::Boolean(true),
                        Datum::Float(1.0f), Datum::Bytes(std::string("\0\xff", 2))});
}

const std::string kSampleBytes = Bytes({
    0x02,                                               // id 1
    0x06, 'f',  'o',  'o',                              // name "foo"
    0x04, 0x02, 'a',  0x02, 'b',  0x00,                 // tags: block of 2, end
    0x02, 0x02, 'k',  0x80, 0x01, 0x00,                 // attrs: {"k": 64}
    0x02, 0,    0,    0,    0,    0,    0, 0xe0, 0x3f,  // opt: branch 1, 0.5
    0x02,                                               // color GREEN
    0x01, 0x02,                                         // hash
    0x01,                                               // flag
    0x00, 0x00, 0x80, 0x3f,                             // f 1.0
    0x04, 0x00, 0xff,                                   // raw
});

TEST(DatumTest, EncodesARecordAsTheSpecificationSays) {
  auto s = MustParse(kRecordSchema);
  EXPECT_EQ(MustEncode(*s, SampleRecord()), kSampleBytes);
  auto d = Decode(*s, kSampleBytes);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, SampleRecord());
}

TEST(DatumTest, SpecExamples) {
  auto str = MustParse(R"("string")");
  EXPECT_EQ(MustEncode(*str, Datum::String("foo")), Bytes({0x06, 0x66, 0x6f, 0x6f}));
  auto arr = MustParse(R"({"type": "array", "items": "long"})");
  EXPECT_EQ(MustEncode(*arr, Datum::Array({Datum::Long(3), Datum::Long(27)})),
            Bytes({0x04, 0x06, 0x36, 0x00}));
  auto uni = MustParse(R"(["null", "string"])");
  EXPECT_EQ(MustEncode(*uni, Datum::Union(0, Datum::Null())), Bytes({0x00}));
  EXPECT_EQ(MustEncode(*uni, Datum::Union(1, Datum::String("a"))), Bytes({0x02, 0x02, 0x61}));
}

TEST(DatumTest, ReadsNegativeBlockCountsWithByteSizes) {
  auto arr = MustParse(R"({"type": "array", "items": "long"})");
  // -2 items in 2 bytes, then 1 item, then the end.
  auto d = Decode(*arr, Bytes({0x03, 0x04, 0x06, 0x36, 0x02, 0x08, 0x00}));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, Datum::Array({Datum::Long(3), Datum::Long(27), Datum::Long(4)}));
  // Skipped through their byte size when the reader has no such field.
  auto w = MustParse(R"({"type": "record", "name": "R", "fields": [
    {"name": "a", "type": {"type": "array", "items": "long"}}, {"name": "b", "type": "int"}]})");
  auto r =
      MustParse(R"({"type": "record", "name": "R", "fields": [{"name": "b", "type": "int"}]})");
  auto got = DecodeResolved(*w, *r, Bytes({0x03, 0x04, 0x06, 0x36, 0x00, 0x0a}));
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Datum::Record({Datum::Int(5)}));
}

TEST(DatumTest, TruncationAtEveryByteIsAnError) {
  auto s = MustParse(kRecordSchema);
  for (size_t n = 0; n < kSampleBytes.size(); ++n) {
    auto d = Decode(*s, std::string_view(kSampleBytes).substr(0, n));
    ASSERT_FALSE(d.ok()) << n;
    EXPECT_EQ(d.status().kind(), ErrorKind::kDataError) << n;
    auto r = DecodeResolved(*s, *s, std::string_view(kSampleBytes).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
  }
}

TEST(DatumTest, TrailingBytesAreAnError) {
  auto s = MustParse(kRecordSchema);
  auto d = Decode(*s, kSampleBytes + "x");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "Avro value followed by 1 trailing bytes");
}

TEST(DatumTest, MalformedValuesNameThePath) {
  auto s = MustParse(kRecordSchema);
  std::string bad = kSampleBytes;
  bad[17] = 0x06;  // opt's union index 3
  auto d = Decode(*s, bad);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "field opt: malformed Avro union: branch index 3 out of range (2 branches)");
  std::string huge = Bytes({0x02}) + Bytes({0xfe, 0xff, 0xff, 0xff, 0x0f}) + "x";
  d = Decode(*s, huge);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "field name: truncated Avro data: string of length 2147483647 with 1 bytes left");
}

TEST(DatumTest, HugeBlockCountsOfZeroSizeItemsAreRefused) {
  auto s = MustParse(R"({"type": "array", "items": "null"})");
  std::string in;
  BinaryWriter(&in).WriteBlockCount(int64_t{1} << 40);
  in.push_back('\0');
  auto d = Decode(*s, in);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(),
            "malformed Avro array: more than 65536 items of zero size in one value");
  // A modest number of nulls is fine.
  std::string ok;
  BinaryWriter(&ok).WriteBlockCount(60000);
  ok.push_back('\0');
  auto d2 = Decode(*s, ok);
  ASSERT_TRUE(d2.ok());
  EXPECT_EQ(d2->items().size(), 60000u);
  // The allowance is per value, not per array: three arrays of 30,000 nulls exceed it.
  auto list = MustParse(R"({"type": "record", "name": "L", "fields": [
    {"name": "nulls", "type": {"type": "array", "items": "null"}},
    {"name": "next", "type": ["null", "L"]}]})");
  std::string three;
  BinaryWriter w(&three);
  for (int i = 0; i < 3; ++i) {
    w.WriteBlockCount(30000);
    w.WriteBlockCount(0);
    w.WriteUnionIndex(i < 2 ? 1 : 0);
  }
  auto d3 = Decode(*list, three);
  ASSERT_FALSE(d3.ok());
  EXPECT_EQ(d3.status().message(),
            "field next: union branch L: field next: union branch L: field nulls: malformed Avro "
            "array: more than 65536 items of zero size in one value");
  // Items that take input are bounded by it, not by the allowance.
  auto longs = MustParse(R"({"type": "array", "items": "long"})");
  std::string many;
  BinaryWriter lw(&many);
  lw.WriteBlockCount(100000);
  for (int i = 0; i < 100000; ++i) lw.WriteLong(i);
  lw.WriteBlockCount(0);
  auto d4 = Decode(*longs, many);
  ASSERT_TRUE(d4.ok()) << d4.status().ToString();
  EXPECT_EQ(d4->items().size(), 100000u);
  std::string claims;
  BinaryWriter(&claims).WriteBlockCount(int64_t{1} << 40);
  claims += std::string(3, '\x02');
  auto d5 = Decode(*longs, claims);
  ASSERT_FALSE(d5.ok());
  EXPECT_EQ(d5.status().message(), "item 3: truncated Avro data: varint not terminated");
}

TEST(DatumTest, DeepRecursionIsRefusedNotACrash) {
  auto s = MustParse(R"({"type": "record", "name": "L", "fields": [
    {"name": "next", "type": ["null", "L"]}]})");
  std::string in(100000, '\x02');
  in.push_back('\0');
  auto d = Decode(*s, in);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("nested more than 1000 levels"), std::string::npos);
  auto ok = Decode(*s, Bytes({0x02, 0x02, 0x00}));
  ASSERT_TRUE(ok.ok());
}

TEST(DatumTest, EncodeRefusesDatumsThatDoNotFit) {
  auto s = MustParse(kRecordSchema);
  std::string out;
  Datum wrong = SampleRecord();
  wrong.mutable_fields()[0] = Datum::Int(1);
  EXPECT_EQ(Encode(s->root(), wrong, &out).message(),
            "field id: datum of type int does not match schema type long");
  wrong = SampleRecord();
  wrong.mutable_fields()[6] = Datum::Fixed("x");
  EXPECT_EQ(Encode(s->root(), wrong, &out).message(),
            "field hash: fixed Hash needs 2 bytes, the datum has 1");
  wrong = SampleRecord();
  wrong.mutable_fields()[4] = Datum::Union(2, Datum::Null());
  EXPECT_EQ(Encode(s->root(), wrong, &out).message(), "field opt: union has no branch 2");
  EXPECT_EQ(Encode(s->root(), Datum::Record({}), &out).kind(), ErrorKind::kInvalidArgument);
}

// --- Resolution --------------------------------------------------------------------------------

Result<Datum> Resolve(std::string_view writer, std::string_view reader, const Datum& value) {
  auto w = MustParse(writer);
  auto r = MustParse(reader);
  std::string bytes = MustEncode(*w, value);
  return Resolver::Create(w, r)->Decode(bytes);
}

TEST(ResolutionTest, Promotions) {
  EXPECT_EQ(*Resolve(R"("int")", R"("long")", Datum::Int(-5)), Datum::Long(-5));
  EXPECT_EQ(*Resolve(R"("int")", R"("float")", Datum::Int(3)), Datum::Float(3));
  EXPECT_EQ(*Resolve(R"("int")", R"("double")", Datum::Int(3)), Datum::Double(3));
  EXPECT_EQ(*Resolve(R"("long")", R"("float")", Datum::Long(1)), Datum::Float(1));
  EXPECT_EQ(*Resolve(R"("long")", R"("double")", Datum::Long(int64_t{1} << 40)),
            Datum::Double(static_cast<double>(int64_t{1} << 40)));
  EXPECT_EQ(*Resolve(R"("float")", R"("double")", Datum::Float(0.5f)), Datum::Double(0.5));
  EXPECT_EQ(*Resolve(R"("string")", R"("bytes")", Datum::String("x")), Datum::Bytes("x"));
  EXPECT_EQ(*Resolve(R"("bytes")", R"("string")", Datum::Bytes("x")), Datum::String("x"));
  auto bad = Resolve(R"("long")", R"("int")", Datum::Long(1));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().kind(), ErrorKind::kDataError);
  EXPECT_EQ(bad.status().message(), "Found long, expecting int");
}

TEST(ResolutionTest, RecordsByNameAliasesSkipsAndDefaults) {
  const char* writer = R"({"type": "record", "name": "w.R", "fields": [
    {"name": "a", "type": "int"},
    {"name": "gone", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
    {"name": "old_b", "type": "string"},
    {"name": "gone2", "type": ["null", {"type": "record", "name": "G", "fields": [
      {"name": "x", "type": "double"}]}]}]})";
  const char* reader = R"({"type": "record", "name": "r.R", "fields": [
    {"name": "b", "type": "string", "aliases": ["old_b"]},
    {"name": "c", "type": ["null", "string"], "default": null},
    {"name": "d", "type": {"type": "record", "name": "D", "fields": [
      {"name": "x", "type": "int", "default": 7}]}, "default": {}},
    {"name": "a", "type": "long"},
    {"name": "e", "type": {"type": "array", "items": "int"}, "default": [1, 2]}]})";
  Datum in =
      Datum::Record({Datum::Int(3), Datum::Map({{"k", Datum::Array({Datum::String("v")})}}),
                     Datum::String("bee"), Datum::Union(1, Datum::Record({Datum::Double(1)}))});
  auto got = Resolve(writer, reader, in);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Datum::Record({Datum::String("bee"), Datum::Union(0, Datum::Null()),
                                 Datum::Record({Datum::Int(7)}), Datum::Long(3),
                                 Datum::Array({Datum::Int(1), Datum::Int(2)})}));
}

TEST(ResolutionTest, ReaderFieldWithoutDefaultFails) {
  auto got = Resolve(R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})",
                     R"({"type": "record", "name": "R", "fields": [{"name": "b", "type": "int"}]})",
                     Datum::Record({Datum::Int(1)}));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "Found R, expecting R, missing required field b");
}

TEST(ResolutionTest, NamedTypesMatchByUnqualifiedNameOrAlias) {
  EXPECT_TRUE(Resolve(R"({"type": "fixed", "name": "a.F", "size": 1})",
                      R"({"type": "fixed", "name": "b.F", "size": 1})", Datum::Fixed("x"))
                  .ok());
  EXPECT_TRUE(Resolve(R"({"type": "fixed", "name": "a.Old", "size": 1})",
                      R"({"type": "fixed", "name": "b.F", "aliases": ["a.Old"], "size": 1})",
                      Datum::Fixed("x"))
                  .ok());
  auto bad = Resolve(R"({"type": "fixed", "name": "G", "size": 1})",
                     R"({"type": "fixed", "name": "F", "size": 1})", Datum::Fixed("x"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Found G, expecting F");
  auto size = Resolve(R"({"type": "fixed", "name": "F", "size": 1})",
                      R"({"type": "fixed", "name": "F", "size": 2})", Datum::Fixed("x"));
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().message(), "Fixed size mismatch: found 1, expecting 2 for F");
}

TEST(ResolutionTest, EnumsBySymbolWithTheReaderDefault) {
  const char* w = R"({"type": "enum", "name": "E", "symbols": ["A", "B", "C"]})";
  EXPECT_EQ(
      *Resolve(w, R"({"type": "enum", "name": "E", "symbols": ["C", "A"]})", Datum::Enum(2, "C")),
      Datum::Enum(0, "C"));
  EXPECT_EQ(*Resolve(w, R"({"type": "enum", "name": "E", "symbols": ["A", "U"], "default": "U"})",
                     Datum::Enum(1, "B")),
            Datum::Enum(1, "U"));
  auto bad = Resolve(w, R"({"type": "enum", "name": "E", "symbols": ["A"]})", Datum::Enum(1, "B"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "No match for B in enum E (and it has no default)");
  // A symbol the reader has still reads.
  EXPECT_TRUE(
      Resolve(w, R"({"type": "enum", "name": "E", "symbols": ["A"]})", Datum::Enum(0, "A")).ok());
}

TEST(ResolutionTest, Unions) {
  // Writer union, reader not: each branch resolved alone; only a value of a bad branch fails.
  const char* w = R"(["null", "int", "string"])";
  EXPECT_EQ(*Resolve(w, R"("long")", Datum::Union(1, Datum::Int(4))), Datum::Long(4));
  auto bad = Resolve(w, R"("long")", Datum::Union(2, Datum::String("x")));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Found string, expecting long");
  // Reader union, writer not: the first branch of the same type, else a promotion.
  EXPECT_EQ(*Resolve(R"("int")", R"(["null", "string", "int"])", Datum::Int(4)),
            Datum::Union(2, Datum::Int(4)));
  EXPECT_EQ(*Resolve(R"("int")", R"(["null", "double", "long"])", Datum::Int(4)),
            Datum::Union(1, Datum::Double(4)));
  EXPECT_EQ(*Resolve(R"("string")", R"(["null", "bytes"])", Datum::String("s")),
            Datum::Union(1, Datum::Bytes("s")));
  auto none = Resolve(R"("boolean")", R"(["null", "int"])", Datum::Boolean(true));
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().message(), "Found boolean, expecting union");
  // Both unions: each writer branch finds its reader branch.
  EXPECT_EQ(*Resolve(R"(["null", "int"])", R"(["long", "null"])", Datum::Union(0, Datum::Null())),
            Datum::Union(1, Datum::Null()));
  EXPECT_EQ(*Resolve(R"(["null", "int"])", R"(["long", "null"])", Datum::Union(1, Datum::Int(2))),
            Datum::Union(0, Datum::Long(2)));
  // Named branches by full name first.
  EXPECT_EQ(*Resolve(R"({"type": "record", "name": "b.R", "fields": []})",
                     R"([{"type": "record", "name": "a.R", "fields": []},
                         {"type": "record", "name": "b.R", "fields": []}])",
                     Datum::Record({})),
            Datum::Union(1, Datum::Record({})));
}

TEST(ResolutionTest, ArraysAndMapsResolveTheirItems) {
  EXPECT_EQ(
      *Resolve(R"({"type": "array", "items": "int"})", R"({"type": "array", "items": "double"})",
               Datum::Array({Datum::Int(1), Datum::Int(2)})),
      Datum::Array({Datum::Double(1), Datum::Double(2)}));
  EXPECT_EQ(*Resolve(R"({"type": "map", "values": "string"})",
                     R"({"type": "map", "values": ["null", "bytes"]})",
                     Datum::Map({{"a", Datum::String("x")}})),
            Datum::Map({{"a", Datum::Union(1, Datum::Bytes("x"))}}));
  auto bad = Resolve(R"({"type": "array", "items": "int"})", R"({"type": "map", "values": "int"})",
                     Datum::Array({}));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Found array, expecting map");
  auto item = Resolve(R"({"type": "array", "items": "long"})",
                      R"({"type": "array", "items": "int"})", Datum::Array({Datum::Long(1)}));
  ASSERT_FALSE(item.ok());
  EXPECT_EQ(item.status().message(), "item 0: Found long, expecting int");
}

TEST(ResolutionTest, RecursiveSchemasResolve) {
  const char* w = R"({"type": "record", "name": "L", "fields": [
    {"name": "v", "type": "int"}, {"name": "next", "type": ["null", "L"]}]})";
  const char* r = R"({"type": "record", "name": "L", "fields": [
    {"name": "v", "type": "long"}, {"name": "next", "type": ["null", "L"]}]})";
  Datum in = Datum::Record(
      {Datum::Int(1),
       Datum::Union(1, Datum::Record({Datum::Int(2), Datum::Union(0, Datum::Null())}))});
  auto got = Resolve(w, r, in);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(
      *got,
      Datum::Record(
          {Datum::Long(1),
           Datum::Union(1, Datum::Record({Datum::Long(2), Datum::Union(0, Datum::Null())}))}));
}

TEST(ResolutionTest, ErrorsNameTheField) {
  auto got = Resolve(
      R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": ["int", "string"]}]})",
      R"({"type": "record", "name": "R", "fields": [{"name": "a", "type": "int"}]})",
      Datum::Record({Datum::Union(1, Datum::String("x"))}));
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message(), "field a: Found string, expecting int");
}

// --- JSON --------------------------------------------------------------------------------------

TEST(DatumJsonTest, JsonEncodingAsAvroToolsPrintsIt) {
  auto s = MustParse(kRecordSchema);
  auto j = DatumToJsonEncoding(s->root(), SampleRecord());
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  EXPECT_EQ(j->dump(),
            R"({"id":1,"name":"foo","tags":["a","b"],"attrs":{"k":64},"opt":{"double":0.5},)"
            R"("color":"GREEN","hash":"\u0001\u0002","flag":true,"f":1.0,"raw":"\u0000ÿ"})");
  auto back = DatumFromJsonEncoding(s->root(), *j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, SampleRecord());
  auto named = MustParse(R"(["null", {"type": "record", "name": "n.R", "fields": []}])");
  EXPECT_EQ(DatumToJsonEncoding(named->root(), Datum::Union(1, Datum::Record({})))->dump(),
            R"({"n.R":{}})");
  EXPECT_EQ(DatumToJsonEncoding(named->root(), Datum::Union(0, Datum::Null()))->dump(), "null");
  auto f = MustParse(R"("float")");
  EXPECT_EQ(DatumToJsonEncoding(f->root(), Datum::Float(0.1f))->dump(), "0.1");
  auto bad = DatumFromJsonEncoding(named->root(), Json::parse(R"({"x": 1})"));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "union has no branch named x");
}

TEST(DatumJsonTest, JsonTextAsAvroJavasJsonEncoderWritesIt) {
  // Texts from Avro 1.11.4's JsonEncoder for the same values.
  auto floats = MustParse(R"({"type": "array", "items": "float"})");
  auto text = DatumToJsonText(
      floats->root(),
      Datum::Array({Datum::Float(0.1f), Datum::Float(1e-45f), Datum::Float(16777216.0f),
                    Datum::Float(-0.0f), Datum::Float(1.50000005e10f)}));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "[0.1,1.4E-45,1.6777216E7,-0.0,1.50000005E10]");
  auto doubles = MustParse(R"({"type": "array", "items": "double"})");
  EXPECT_EQ(*DatumToJsonText(doubles->root(),
                             Datum::Array({Datum::Double(1e-300), Datum::Double(1e23),
                                           Datum::Double(1e7), Datum::Double(std::nan(""))})),
            R"([1.0E-300,9.999999999999999E22,1.0E7,"NaN"])");
  auto s = MustParse(kRecordSchema);
  EXPECT_EQ(*DatumToJsonText(s->root(), SampleRecord()),
            "{\"id\":1,\"name\":\"foo\",\"tags\":[\"a\",\"b\"],\"attrs\":{\"k\":64},"
            "\"opt\":{\"double\":0.5},\"color\":\"GREEN\",\"hash\":\"\\u0001\\u0002\","
            "\"flag\":true,\"f\":1.0,\"raw\":\"\\u0000\xc3\xbf\"}");
}

TEST(DatumJsonTest, DefaultsUseTheFirstUnionBranch) {
  auto s = MustParse(R"(["string", "null"])");
  auto d = DatumFromJson(s->root(), Json("x"));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, Datum::Union(0, Datum::String("x")));
  EXPECT_FALSE(DatumFromJson(s->root(), Json(nullptr)).ok());
  auto bytes = MustParse(R"("bytes")");
  EXPECT_EQ(*DatumFromJson(bytes->root(), Json("\u00ff\u0001")),
            Datum::Bytes(std::string("\xff\x01", 2)));
  EXPECT_FALSE(DatumFromJson(bytes->root(), Json("\u0100")).ok());
  auto dbl = MustParse(R"("double")");
  EXPECT_EQ(*DatumFromJson(dbl->root(), Json(2)), Datum::Double(2));
  EXPECT_EQ(*DatumFromJson(dbl->root(), nlohmann::json(2.5)), Datum::Double(2.5));
  auto i = MustParse(R"("int")");
  auto big = DatumFromJson(i->root(), Json(int64_t{1} << 40));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().message(), "JSON 1099511627776 is not a valid int");
}

}  // namespace
}  // namespace walrelay::avro
