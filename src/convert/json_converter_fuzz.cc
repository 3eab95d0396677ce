// libFuzzer target for JsonConverter::Deserialize (scripts/fuzz, built with WALRELAY_FUZZ=ON):
// the bytes a Kafka sink will read. Every input is deserialized by four converters, schemas
// enabled and disabled, decimals as base64 and as numbers. Beyond crashes it checks that what
// deserializes also serializes, and that the result is a fixed point: serializing, deserializing
// and serializing again gives the same text.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "convert/json_converter.h"

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
  auto second = converter.Deserialize(text);
  Check(second.ok(), "serialized text deserializes",
        text + "\n" + (second.ok() ? "" : second.status().ToString()));
  std::string again;
  st = converter.Serialize(second->first, second->second, &again);
  Check(st.ok(), "the second value serializes", text + "\n" + st.ToString());
  Check(again == text, "serialize(deserialize(text)) == text", text + "\n" + again);
}

}  // namespace
}  // namespace walrelay::convert

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using walrelay::convert::JsonConverter;
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // Fresh converters per input (their schema caches would carry state between inputs).
  for (bool schemas : {true, false}) {
    for (bool numeric : {false, true}) {
      walrelay::convert::Run(JsonConverter(schemas, numeric), input);
    }
  }
  return 0;
}
