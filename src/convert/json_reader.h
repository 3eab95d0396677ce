#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

// A JSON reader for the bytes a Kafka sink consumes (convert/json_converter.cc). It builds a
// small tree that keeps object members in order and every number's text as written, so a Decimal
// of any size reads back exactly, as Jackson's BigDecimal does in Kafka Connect: general-purpose
// parsers turn a number beyond double's range into an error.

namespace walrelay::convert {

struct JsonMember;

struct JsonNode {
  enum class Kind : uint8_t { kNull, kBool, kInt, kUint, kFloat, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  bool boolean = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;  // kUint: an integer above int64's range that fits uint64
  // kFloat: the nearest double; infinite (with the number's sign) beyond double's range, as
  // Java's BigDecimal.doubleValue gives.
  double float_value = 0;
  // kString: the string. kFloat: the number as written (a fraction, an exponent, or an integer
  // too large for uint64).
  std::string text;
  std::vector<JsonNode> items;
  // Not std::pair<std::string, JsonNode>: clang 14 with libstdc++ 12 cannot instantiate that
  // pair while JsonNode is incomplete.
  std::vector<JsonMember> members;
  // Where the value is in the parsed text: bytes [begin, end).
  size_t begin = 0;
  size_t end = 0;
  // Checked but not built (ParseJson's `unbuilt_member`): `kind` says what the value is, and
  // nothing else is filled in; parse text [begin, end) to read it.
  bool unbuilt = false;

  bool is_number() const {
    return kind == Kind::kInt || kind == Kind::kUint || kind == Kind::kFloat;
  }
  // The member called `key` (the last one when repeated, as Jackson keeps), or nullptr.
  const JsonNode* Get(std::string_view key) const;
  // The number's decimal text.
  std::string NumberText() const;
};

struct JsonMember {
  std::string key;
  JsonNode value;
};

// "null", "boolean", "number", "string", "array" or "object".
const char* JsonKindName(const JsonNode& node);

// Parses one JSON text (RFC 8259: UTF-8, surrounding whitespace allowed, nothing after the
// value). Containers nest at most `max_depth` levels. A DataError names what was wrong and the
// byte offset where.
//
// With `unbuilt_member`, a member of that name of the top-level object is checked exactly as the
// rest (the same errors) but not built: its node is `unbuilt`. For a reader that usually finds
// what that member holds in a cache keyed by its text (JsonConverter's schemas: building the
// schema's tree was most of the cost of reading a record). `known_values` are texts of such a
// member that earlier calls with the same `max_depth` checked: an unbuilt member whose text
// starts with one of them that is an object or an array (which end where their text ends) is
// taken without checking it again; the first that fits is used.
Result<JsonNode> ParseJson(std::string_view text, size_t max_depth = 512,
                           std::string_view unbuilt_member = {},
                           std::span<const std::string_view> known_values = {});

}  // namespace walrelay::convert
