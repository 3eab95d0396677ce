#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "data/schema.h"

namespace walrelay::data {

// Raw bytes (Connect BYTES). Distinct from std::string so a Value knows which it holds.
struct Bytes {
  std::string data;
  bool operator==(const Bytes&) const = default;
};

class Value;
using Array = std::vector<Value>;
using Map = std::vector<std::pair<Value, Value>>;

// A struct value: field values by position, in the order of its schema's fields. No per-field
// name lookup on the hot path; use Schema::FieldIndex once and index.
struct Struct {
  SchemaPtr schema;
  std::vector<Value> values;

  const Value* Get(std::string_view field_name) const;
  Value* GetMutable(std::string_view field_name);
  bool operator==(const Struct& other) const;
};

// A Kafka Connect value, interpreted through its schema. Integers of every width are int64,
// floats of both widths are double, STRING is std::string, BYTES is Bytes (also used for Decimal's
// unscaled two's-complement bytes). Null is std::monostate.
class Value {
 public:
  using Storage = std::variant<std::monostate, bool, int64_t, double, std::string, Bytes, Array,
                               Map, std::shared_ptr<Struct>>;

  Value() = default;
  Value(std::nullptr_t) {}                                         // NOLINT
  Value(bool v) : v_(v) {}                                         // NOLINT
  Value(int32_t v) : v_(static_cast<int64_t>(v)) {}                // NOLINT
  Value(int64_t v) : v_(v) {}                                      // NOLINT
  Value(double v) : v_(v) {}                                       // NOLINT
  Value(std::string v) : v_(std::move(v)) {}                       // NOLINT
  Value(const char* v) : v_(std::string(v)) {}                     // NOLINT
  Value(Bytes v) : v_(std::move(v)) {}                             // NOLINT
  Value(Array v) : v_(std::move(v)) {}                             // NOLINT
  Value(Map v) : v_(std::move(v)) {}                               // NOLINT
  Value(Struct v) : v_(std::make_shared<Struct>(std::move(v))) {}  // NOLINT

  bool is_null() const { return std::holds_alternative<std::monostate>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<int64_t>(v_); }
  bool is_double() const { return std::holds_alternative<double>(v_); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_bytes() const { return std::holds_alternative<Bytes>(v_); }
  bool is_array() const { return std::holds_alternative<Array>(v_); }
  bool is_map() const { return std::holds_alternative<Map>(v_); }
  bool is_struct() const { return std::holds_alternative<std::shared_ptr<Struct>>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<double>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const Array& as_array() const { return std::get<Array>(v_); }
  Array& as_array() { return std::get<Array>(v_); }
  const Map& as_map() const { return std::get<Map>(v_); }
  const Struct& as_struct() const { return *std::get<std::shared_ptr<Struct>>(v_); }
  // Copy-on-write access: structs are shared between records after a copy.
  Struct& mutable_struct();

  const Storage& storage() const { return v_; }
  bool operator==(const Value& other) const;

  // A debug rendering ("{id=1, name=x}"), not a wire format.
  std::string DebugString() const;

 private:
  Storage v_;
};

}  // namespace walrelay::data
