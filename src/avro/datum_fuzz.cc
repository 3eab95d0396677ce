// libFuzzer target for the Avro library (scripts/fuzz, built with WALRELAY_FUZZ=ON). The first
// byte picks what the rest is:
//   0 .. 2  binary data of one of three writer schemas (a flat record of every type, a recursive
//           list, unions and maps of named types): Decode, and Resolver::Decode to an evolved
//           reader schema. What decodes must encode, decode again to the same value, and encode
//           to the same bytes; its JSON encoding must read back to the same JSON, and it must
//           print as JSON text.
//   3       schema text: ParseSchema, and what parses must print (ToJson) a text that parses to
//           the same ToJson and CanonicalForm, and check as compatible with itself.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "avro/compatibility.h"
#include "avro/datum.h"
#include "avro/schema.h"

namespace walrelay::avro {
namespace {

void Check(bool cond, const char* what, const std::string& detail) {
  if (cond) return;
  std::fprintf(stderr, "consistency check failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Strings from the wire need not be UTF-8; nlohmann's dump() throws on those unless told to
// replace them.
std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

struct Pair {
  const char* writer;
  const char* reader;
};

constexpr Pair kPairs[] = {
    {R"({"type": "record", "name": "R", "fields": [
      {"name": "id", "type": "long"}, {"name": "name", "type": "string"},
      {"name": "tags", "type": {"type": "array", "items": "string"}},
      {"name": "attrs", "type": {"type": "map", "values": "int"}},
      {"name": "opt", "type": ["null", "double"]},
      {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}},
      {"name": "hash", "type": {"type": "fixed", "name": "Hash", "size": 2}},
      {"name": "flag", "type": "boolean"}, {"name": "f", "type": "float"},
      {"name": "raw", "type": "bytes"}, {"name": "i", "type": "int"}]})",
     R"({"type": "record", "name": "R", "fields": [
      {"name": "i", "type": ["null", "double"]}, {"name": "name", "type": "bytes"},
      {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["GREEN", "X"],
       "default": "X"}},
      {"name": "f", "type": "double"}, {"name": "nope", "type": "string", "default": "d"},
      {"name": "attrs", "type": {"type": "map", "values": "long"}}]})"},
    {R"({"type": "record", "name": "L", "fields": [{"name": "v", "type": "int"},
      {"name": "nulls", "type": {"type": "array", "items": "null"}},
      {"name": "next", "type": ["null", "L"]}]})",
     R"({"type": "record", "name": "L", "fields": [{"name": "v", "type": "long"},
      {"name": "next", "type": ["null", "L"]}]})"},
    {R"(["null", "int", "string", {"type": "map", "values": ["null", {"type": "record",
      "name": "a.P", "fields": [{"name": "x", "type": "float"}]}]},
      {"type": "array", "items": {"type": "enum", "name": "E", "symbols": ["A", "B", "C"]}}])",
     R"(["string", "long", "null", {"type": "map", "values": ["null", {"type": "record",
      "name": "b.P", "fields": [{"name": "x", "type": "double"}]}]},
      {"type": "array", "items": {"type": "enum", "name": "E", "symbols": ["B", "A"]}}])"},
};

void FuzzData(const Pair& pair, std::string_view data) {
  static const auto* writers = [] {
    auto* v = new std::vector<std::shared_ptr<const Schema>>();
    for (const Pair& p : kPairs) v->push_back(*ParseSchema(p.writer));
    return v;
  }();
  static const auto* resolvers = [] {
    auto* v = new std::vector<std::shared_ptr<const Resolver>>();
    for (const Pair& p : kPairs) {
      v->push_back(Resolver::Create(*ParseSchema(p.writer), *ParseSchema(p.reader)));
    }
    return v;
  }();
  size_t i = &pair - kPairs;
  const Schema& writer = *(*writers)[i];
  (void)(*resolvers)[i]->Decode(data);
  auto first = Decode(writer, data);
  if (!first.ok()) return;
  std::string bytes;
  Status st = Encode(writer.root(), *first, &bytes);
  Check(st.ok(), "a decoded value encodes", st.ToString());
  auto second = Decode(writer, bytes);
  Check(second.ok(), "an encoded value decodes", second.ok() ? "" : second.status().ToString());
  std::string again;
  st = Encode(writer.root(), *second, &again);
  Check(st.ok() && again == bytes, "encode(decode(encode(v))) == encode(v)", st.ToString());
  auto json = DatumToJsonEncoding(writer.root(), *first);
  Check(json.ok(), "a decoded value has a JSON encoding",
        json.ok() ? "" : json.status().ToString());
  auto text = DatumToJsonText(writer.root(), *first);
  Check(text.ok(), "a decoded value has a JSON text", text.ok() ? "" : text.status().ToString());
  auto from_json = DatumFromJsonEncoding(writer.root(), *json);
  Check(from_json.ok(), "the JSON encoding reads back",
        Dump(*json) + "\n" + (from_json.ok() ? "" : from_json.status().ToString()));
  auto json2 = DatumToJsonEncoding(writer.root(), *from_json);
  Check(json2.ok() && Dump(*json2) == Dump(*json), "JSON encoding round trip", Dump(*json));
}

void FuzzSchema(std::string_view text) {
  auto schema = ParseSchema(text);
  if (!schema.ok()) return;
  std::string json = (*schema)->ToJson();
  auto again = ParseSchema(json);
  Check(again.ok(), "ToJson text parses",
        json + "\n" + (again.ok() ? "" : again.status().ToString()));
  Check((*again)->ToJson() == json, "ToJson is a fixed point", json + "\n" + (*again)->ToJson());
  Check((*again)->CanonicalForm() == (*schema)->CanonicalForm(), "same canonical form", json);
  Check(CheckReadWrite(**schema, **again).empty(), "a schema reads its own data", json);
}

}  // namespace
}  // namespace walrelay::avro

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using walrelay::avro::FuzzData;
  using walrelay::avro::FuzzSchema;
  using walrelay::avro::kPairs;
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  constexpr size_t kPairCount = sizeof(kPairs) / sizeof(kPairs[0]);
  size_t mode = data[0] % (kPairCount + 1);
  if (mode < kPairCount) {
    FuzzData(kPairs[mode], rest);
  } else {
    FuzzSchema(rest);
  }
  return 0;
}
