#pragma once

// A generic Avro value (`Datum`), its binary encoding against a schema, decoding with the writer's
// schema alone or resolved to a reader's schema (the specification's "Schema Resolution", as Avro
// Java's ResolvingDecoder applies it), and Avro's JSON encoding.
//
// Pure and thread-safe: a Resolver is immutable once built and is meant to be built once per
// (writer, reader) pair and reused for every record.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "avro/schema.h"
#include "common/status.h"

namespace walrelay::avro {

// One Avro value. Records hold their fields in schema order, maps their entries in the order
// read or given, unions their branch index and the branch's value.
class Datum {
 public:
  using MapEntries = std::vector<std::pair<std::string, Datum>>;

  Datum() = default;  // null
  static Datum Null() { return Datum(); }
  static Datum Boolean(bool v) { return Datum(AvroType::kBoolean, v); }
  static Datum Int(int32_t v) { return Datum(AvroType::kInt, v); }
  static Datum Long(int64_t v) { return Datum(AvroType::kLong, v); }
  static Datum Float(float v) { return Datum(AvroType::kFloat, v); }
  static Datum Double(double v) { return Datum(AvroType::kDouble, v); }
  static Datum Bytes(std::string v) { return Datum(AvroType::kBytes, std::move(v)); }
  static Datum String(std::string v) { return Datum(AvroType::kString, std::move(v)); }
  static Datum Fixed(std::string v) { return Datum(AvroType::kFixed, std::move(v)); }
  static Datum Record(std::vector<Datum> fields) {
    return Datum(AvroType::kRecord, std::move(fields));
  }
  static Datum Enum(int32_t index, std::string symbol) {
    Datum d(AvroType::kEnum, std::move(symbol));
    d.index_ = index;
    return d;
  }
  static Datum Array(std::vector<Datum> items) { return Datum(AvroType::kArray, std::move(items)); }
  static Datum Map(MapEntries entries) { return Datum(AvroType::kMap, std::move(entries)); }
  static Datum Union(int32_t branch, Datum value) {
    std::vector<Datum> one;
    one.push_back(std::move(value));
    Datum d(AvroType::kUnion, std::move(one));
    d.index_ = branch;
    return d;
  }

  // In-place assignment, for decoders filling a Datum without building a temporary.
  void SetNull() { Set<std::monostate>(AvroType::kNull, {}); }
  void SetBoolean(bool v) { Set<bool>(AvroType::kBoolean, v); }
  void SetInt(int32_t v) { Set<int32_t>(AvroType::kInt, v); }
  void SetLong(int64_t v) { Set<int64_t>(AvroType::kLong, v); }
  void SetFloat(float v) { Set<float>(AvroType::kFloat, v); }
  void SetDouble(double v) { Set<double>(AvroType::kDouble, v); }
  // Bytes, string or fixed content.
  void SetBytesLike(AvroType type, std::string_view v) {
    type_ = type;
    value_.emplace<std::string>(v);
  }
  void SetEnum(int32_t index, const std::string& symbol) {
    type_ = AvroType::kEnum;
    index_ = index;
    value_.emplace<std::string>(symbol);
  }
  // A record of `n` null fields, or an empty array, to fill through the returned vector.
  std::vector<Datum>& SetRecord(size_t n) {
    type_ = AvroType::kRecord;
    return value_.emplace<std::vector<Datum>>(n);
  }
  std::vector<Datum>& SetArray() {
    type_ = AvroType::kArray;
    return value_.emplace<std::vector<Datum>>();
  }
  MapEntries& SetMap() {
    type_ = AvroType::kMap;
    return value_.emplace<MapEntries>();
  }
  // A union of branch `branch` whose value is to be filled through the returned reference.
  Datum& SetUnion(int32_t branch) {
    type_ = AvroType::kUnion;
    index_ = branch;
    return value_.emplace<std::vector<Datum>>(1)[0];
  }

  AvroType type() const { return type_; }
  bool is_null() const { return type_ == AvroType::kNull; }

  // Accessors require the matching type.
  bool bool_value() const { return std::get<bool>(value_); }
  int32_t int_value() const { return std::get<int32_t>(value_); }
  int64_t long_value() const { return std::get<int64_t>(value_); }
  float float_value() const { return std::get<float>(value_); }
  double double_value() const { return std::get<double>(value_); }
  // Bytes, string and fixed content, and an enum's symbol.
  const std::string& bytes_value() const { return std::get<std::string>(value_); }
  const std::string& string_value() const { return std::get<std::string>(value_); }
  const std::string& enum_symbol() const { return std::get<std::string>(value_); }
  int32_t enum_index() const { return index_; }
  // Record fields and array items.
  const std::vector<Datum>& fields() const { return std::get<std::vector<Datum>>(value_); }
  std::vector<Datum>& mutable_fields() { return std::get<std::vector<Datum>>(value_); }
  const std::vector<Datum>& items() const { return fields(); }
  std::vector<Datum>& mutable_items() { return mutable_fields(); }
  const MapEntries& entries() const { return std::get<MapEntries>(value_); }
  MapEntries& mutable_entries() { return std::get<MapEntries>(value_); }
  int32_t union_branch() const { return index_; }
  const Datum& union_value() const { return fields()[0]; }

  bool operator==(const Datum& other) const = default;

 private:
  template <typename T>
  Datum(AvroType type, T v) : type_(type), value_(std::move(v)) {}
  template <typename T>
  void Set(AvroType type, T v) {
    type_ = type;
    value_.template emplace<T>(v);
  }

  AvroType type_ = AvroType::kNull;
  int32_t index_ = 0;  // enum index or union branch
  std::variant<std::monostate, bool, int32_t, int64_t, float, double, std::string,
               std::vector<Datum>, MapEntries>
      value_;
};

// Appends the binary encoding of `d` under `schema` to `out`. kInvalidArgument when `d` does not
// fit the schema (a type, a field count, an enum or union index, a fixed size), naming the path.
Status Encode(const Node& schema, const Datum& d, std::string* out);

// Decodes one value written with `writer`; every byte must be consumed (trailing bytes are an
// error). kDataError naming what was truncated or malformed.
Result<Datum> Decode(const Schema& writer, std::string_view bytes);
Result<Datum> Decode(const Node& writer, std::string_view bytes);

// Resolves data written with one schema to another's shape (specification "Schema Resolution"):
// promotions, record fields by name and reader aliases, reader-only fields from their defaults,
// enums by symbol (the reader's enum default for unknown ones), unions on either side, named
// types by unqualified name or alias. Built once per pair; the plan is computed up front and
// mismatches are reported when data reaches them (as Avro Java's ResolvingDecoder does), so a
// writer union branch the reader lacks only fails a value that uses it. Immutable once built:
// share one between threads.
//
// Where Avro Java's Resolver and the specification differ, this follows the specification:
// records must have the same unqualified name (or a reader alias naming the writer's full name),
// as enums and fixed must in both; Java ignores record names. A writer record matches a reader
// union's record branch by full name, then by unqualified name or alias; Java's last resort, the
// first record branch the data would resolve to whatever its name, is not done.
class Resolver {
 public:
  // Keeps both schemas alive for the Resolver's lifetime.
  static std::shared_ptr<const Resolver> Create(std::shared_ptr<const Schema> writer,
                                                std::shared_ptr<const Schema> reader);
  ~Resolver();

  // Decodes one value; every byte must be consumed. kDataError naming the path on a mismatch.
  Result<Datum> Decode(std::string_view bytes) const;

  struct Plan;  // internal

 private:
  Resolver() = default;
  std::shared_ptr<const Schema> writer_, reader_;
  std::unique_ptr<Plan> plan_;
};

// Decode with a one-off Resolver (build a Resolver to reuse it).
Result<Datum> DecodeResolved(const Schema& writer, const Schema& reader, std::string_view bytes);

// A default value (a field default's JSON) as a Datum of `schema`, checked as Avro Java's
// validateDefaults does: a union's default is for its first branch, bytes and fixed are
// ISO-8859-1 strings. kInvalidArgument when it does not match.
Result<Datum> DatumFromJson(const Node& schema, const Json& json);
Result<Datum> DatumFromJson(const Node& schema, const nlohmann::json& json);

// Avro's JSON encoding (what avro-tools and Confluent's avro console consumer print): a union as
// null or {"<branch type name>": value}, bytes and fixed as ISO-8859-1 strings (each byte one
// code point), records as objects in field order, maps as objects. Reading, a record field absent
// from its object takes the field's default. Strings are copied as they are:
// data from the wire need not be valid UTF-8, so dump the result with
// Json::error_handler_t::replace (nlohmann's dump() throws on invalid UTF-8 otherwise).
Result<Json> DatumToJsonEncoding(const Node& schema, const Datum& d);
// The same as the compact text Avro Java's JsonEncoder writes: floats as Float.toString and doubles
// as Double.toString ("1.4E-45", "1.6777216E7", non-finite ones quoted: "NaN"), strings escaped as
// Jackson does. (Java iterates a decoded map in HashMap order; this keeps the order read.)
Result<std::string> DatumToJsonText(const Node& schema, const Datum& d);
Result<Datum> DatumFromJsonEncoding(const Node& schema, const Json& json);

}  // namespace walrelay::avro
