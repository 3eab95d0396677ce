// libFuzzer target for JsonConverter::Deserialize (scripts/fuzz, built with WALRELAY_FUZZ=ON):
// the bytes a Kafka sink will read. Every input is deserialized by four converters, schemas
// enabled and disabled, decimals as base64 and as numbers. Beyond crashes it checks that what
// deserializes also serializes, and that the result is a fixed point: serializing, deserializing
// and serializing again gives the same text. It also checks the reader's unbuilt member (what
// Deserialize reads a record's "schema" as): the same outcome, error and kinds as a built parse.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "convert/json_converter.h"
#include "convert/json_reader.h"

namespace walrelay::convert {
namespace {

// Aborts (a finding) when `cond` is false, printing what was expected and the text involved.
void Check(bool cond, const char* what, const std::string& detail) {
  if (cond) return;
  std::fprintf(stderr, "consistency check failed: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void Run(const JsonConverter& converter, std::string_view input) {
  auto first = converter.Deserialize(input);
  if (!first.ok()) return;
  std::string text;
  Status st = converter.Serialize(first->first, first->second, &text);
  Check(st.ok(), "a deserialized value serializes", st.ToString());
  // Again, with this schema text now cached and known: the same schema object, and a value that
  // serializes to the same text (values are not compared: NaN is not equal to itself).
  auto repeated = converter.Deserialize(input);
  Check(repeated.ok() && repeated->first == first->first,
        "deserializing again gives the same schema object", std::string(input));
  std::string repeated_text;
  st = converter.Serialize(repeated->first, repeated->second, &repeated_text);
  Check(st.ok() && repeated_text == text, "deserializing again gives the same value",
        std::string(input) + "\n" + text + "\n" + repeated_text);
  auto second = converter.Deserialize(text);
  Check(second.ok(), "serialized text deserializes",
        text + "\n" + (second.ok() ? "" : second.status().ToString()));
  std::string again;
  st = converter.Serialize(second->first, second->second, &again);
  Check(st.ok(), "the second value serializes", text + "\n" + st.ToString());
  Check(again == text, "serialize(deserialize(text)) == text", text + "\n" + again);
}

void CompareUnbuilt(std::string_view input, std::string_view known = {}) {
  auto built = ParseJson(input);
  const std::string_view known_values[] = {"[]", known};  // both checked values
  auto unbuilt = ParseJson(input, 512, "schema",
                           known.empty() ? std::span<const std::string_view>()
                                         : std::span<const std::string_view>(known_values));
  const std::string text(input);
  Check(built.ok() == unbuilt.ok(), "an unbuilt member parses as a built one", text);
  if (!built.ok()) {
    Check(built.status().message() == unbuilt.status().message(),
          "an unbuilt member fails as a built one",
          text + "\n" + built.status().message() + "\n" + unbuilt.status().message());
    return;
  }
  const JsonNode* a = built->Get("schema");
  const JsonNode* b = unbuilt->Get("schema");
  Check((a == nullptr) == (b == nullptr), "the same members", text);
  if (a == nullptr || built->kind != JsonNode::Kind::kObject) return;
  Check(a->kind == b->kind && a->begin == b->begin && a->end == b->end,
        "an unbuilt member's kind and place are the built one's", text);
  if (!known.empty() || (a->kind != JsonNode::Kind::kObject && a->kind != JsonNode::Kind::kArray)) {
    return;
  }
  // That member's text, now known, starting texts that go on differently after it.
  const std::string_view member = input.substr(a->begin, a->end - a->begin);
  const std::string_view head = input.substr(0, a->end);
  for (const std::string& variant :
       {std::string(head), std::string(head) + "}", std::string(head) + "x",
        std::string(head) + ",\"payload\":1", std::string(input) + "x",
        std::string(input.substr(0, input.size() - 1))}) {
    CompareUnbuilt(variant, member);
  }
}

}  // namespace
}  // namespace walrelay::convert

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using walrelay::convert::JsonConverter;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  walrelay::convert::CompareUnbuilt(input);
  // Fresh converters per input (their schema caches would carry state between inputs).
  for (bool schemas : {true, false}) {
    for (bool numeric : {false, true}) {
      walrelay::convert::Run(JsonConverter(schemas, numeric), input);
    }
  }
  return 0;
}
