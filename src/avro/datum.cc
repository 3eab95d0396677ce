#include "avro/datum.h"

#include <cmath>
#include <deque>
#include <limits>
#include <map>

#include "avro/binary.h"
#include "avro/json_text.h"
#include "common/java_format.h"
#include "common/strings.h"

namespace walrelay::avro {
namespace {

// Recursion bound for values (a recursive schema lets data nest as deep as it likes; each level
// costs a stack frame here).
constexpr int kMaxDepth = 1000;
// Array items of zero encoded size (null, an empty record, fixed 0) cost no input, so a block
// count alone could ask for billions of them (Avro Java bounds them too, AVRO-4241). Every other
// item, and every map entry (its key), takes at least a byte, so the input bounds them; the items
// that took no input are counted, and a value may hold at most this many. (Counting what the
// items took, rather than comparing counts with the input's size, gives a value the same verdict
// however its blocks were written.)
constexpr int64_t kZeroSizeItemAllowance = int64_t{1} << 16;

Status TooDeep() { return DataError("Avro value nested more than 1000 levels deep"); }

// ---------------------------------------------------------------------------------------------
// Encoding.

Status EncodeValue(const Node& s, const Datum& d, BinaryWriter* w, int depth);

Status Mismatch(const Node& s, const Datum& d) {
  return InvalidArgument(std::string("datum of type ") + AvroTypeName(d.type()) +
                         " does not match schema type " + AvroTypeName(s.type()));
}

Status EncodeValue(const Node& s, const Datum& d, BinaryWriter* w, int depth) {
  if (depth > kMaxDepth) return InvalidArgument("Avro value nested more than 1000 levels deep");
  if (s.type() != AvroType::kUnion && d.type() != s.type()) return Mismatch(s, d);
  switch (s.type()) {
    case AvroType::kNull:
      return Status::Ok();
    case AvroType::kBoolean:
      w->WriteBoolean(d.bool_value());
      return Status::Ok();
    case AvroType::kInt:
      w->WriteInt(d.int_value());
      return Status::Ok();
    case AvroType::kLong:
      w->WriteLong(d.long_value());
      return Status::Ok();
    case AvroType::kFloat:
      w->WriteFloat(d.float_value());
      return Status::Ok();
    case AvroType::kDouble:
      w->WriteDouble(d.double_value());
      return Status::Ok();
    case AvroType::kBytes:
    case AvroType::kString:
      w->WriteBytes(d.bytes_value());
      return Status::Ok();
    case AvroType::kFixed:
      if (d.bytes_value().size() != s.fixed_size()) {
        return InvalidArgument("fixed " + s.full_name() + " needs " +
                               std::to_string(s.fixed_size()) + " bytes, the datum has " +
                               std::to_string(d.bytes_value().size()));
      }
      w->WriteFixed(d.bytes_value());
      return Status::Ok();
    case AvroType::kEnum:
      if (d.enum_index() < 0 || static_cast<size_t>(d.enum_index()) >= s.symbols().size()) {
        return InvalidArgument("enum " + s.full_name() + " has no symbol index " +
                               std::to_string(d.enum_index()));
      }
      w->WriteEnum(d.enum_index());
      return Status::Ok();
    case AvroType::kRecord: {
      const auto& fields = d.fields();
      if (fields.size() != s.fields().size()) {
        return InvalidArgument("record " + s.full_name() + " has " +
                               std::to_string(s.fields().size()) + " fields, the datum " +
                               std::to_string(fields.size()));
      }
      for (size_t i = 0; i < fields.size(); ++i) {
        Status st = EncodeValue(*s.fields()[i].schema, fields[i], w, depth + 1);
        if (!st.ok()) return st.WithContext("field " + s.fields()[i].name);
      }
      return Status::Ok();
    }
    case AvroType::kArray: {
      const auto& items = d.items();
      if (!items.empty()) {
        w->WriteBlockCount(static_cast<int64_t>(items.size()));
        for (size_t i = 0; i < items.size(); ++i) {
          Status st = EncodeValue(s.items(), items[i], w, depth + 1);
          if (!st.ok()) return st.WithContext("item " + std::to_string(i));
        }
      }
      w->WriteBlockCount(0);
      return Status::Ok();
    }
    case AvroType::kMap: {
      const auto& entries = d.entries();
      if (!entries.empty()) {
        w->WriteBlockCount(static_cast<int64_t>(entries.size()));
        for (const auto& [k, v] : entries) {
          w->WriteString(k);
          Status st = EncodeValue(s.values(), v, w, depth + 1);
          if (!st.ok()) return st.WithContext("map key " + k);
        }
      }
      w->WriteBlockCount(0);
      return Status::Ok();
    }
    case AvroType::kUnion: {
      if (d.type() != AvroType::kUnion) {
        return InvalidArgument(std::string("datum of type ") + AvroTypeName(d.type()) +
                               " given for a union (a union datum names its branch)");
      }
      int32_t b = d.union_branch();
      if (b < 0 || static_cast<size_t>(b) >= s.branches().size()) {
        return InvalidArgument("union has no branch " + std::to_string(b));
      }
      w->WriteUnionIndex(b);
      Status st = EncodeValue(*s.branches()[b], d.union_value(), w, depth + 1);
      if (!st.ok()) return st.WithContext("union branch " + s.branches()[b]->TypeName());
      return Status::Ok();
    }
  }
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Decoding with the writer's schema alone.

class PlainDecoder {
 public:
  explicit PlainDecoder(std::string_view bytes) : in_(bytes) {}

  BinaryReader& in() { return in_; }

  Status Read(const Node& s, Datum* out, int depth) {
    if (depth > kMaxDepth) return TooDeep();
    switch (s.type()) {
      case AvroType::kNull:
        out->SetNull();
        return Status::Ok();
      case AvroType::kBoolean: {
        bool v;
        WR_RETURN_IF_ERROR(in_.ReadBoolean(&v));
        out->SetBoolean(v);
        return Status::Ok();
      }
      case AvroType::kInt: {
        int32_t v;
        WR_RETURN_IF_ERROR(in_.ReadInt(&v));
        out->SetInt(v);
        return Status::Ok();
      }
      case AvroType::kLong: {
        int64_t v;
        WR_RETURN_IF_ERROR(in_.ReadLong(&v));
        out->SetLong(v);
        return Status::Ok();
      }
      case AvroType::kFloat: {
        float v;
        WR_RETURN_IF_ERROR(in_.ReadFloat(&v));
        out->SetFloat(v);
        return Status::Ok();
      }
      case AvroType::kDouble: {
        double v;
        WR_RETURN_IF_ERROR(in_.ReadDouble(&v));
        out->SetDouble(v);
        return Status::Ok();
      }
      case AvroType::kBytes:
      case AvroType::kString: {
        std::string_view v;
        WR_RETURN_IF_ERROR(s.type() == AvroType::kString ? in_.ReadString(&v) : in_.ReadBytes(&v));
        out->SetBytesLike(s.type(), v);
        return Status::Ok();
      }
      case AvroType::kFixed: {
        std::string_view v;
        WR_RETURN_IF_ERROR(in_.ReadFixed(s.fixed_size(), &v));
        out->SetBytesLike(AvroType::kFixed, v);
        return Status::Ok();
      }
      case AvroType::kEnum: {
        int32_t i;
        WR_RETURN_IF_ERROR(in_.ReadEnum(s.symbols().size(), &i));
        out->SetEnum(i, s.symbols()[i]);
        return Status::Ok();
      }
      case AvroType::kRecord: {
        std::vector<Datum>& fields = out->SetRecord(s.fields().size());
        for (size_t i = 0; i < fields.size(); ++i) {
          Status st = Read(*s.fields()[i].schema, &fields[i], depth + 1);
          if (!st.ok()) return st.WithContext("field " + s.fields()[i].name);
        }
        return Status::Ok();
      }
      case AvroType::kArray: {
        std::vector<Datum>& items = out->SetArray();
        int64_t count;
        while (true) {
          WR_RETURN_IF_ERROR(in_.ReadBlockCount(&count));
          if (count == 0) break;
          items.reserve(items.size() + static_cast<size_t>(std::min<int64_t>(
                                           count, static_cast<int64_t>(in_.remaining()) + 1)));
          for (int64_t i = 0; i < count; ++i) {
            size_t before = in_.remaining();
            items.emplace_back();
            Status st = Read(s.items(), &items.back(), depth + 1);
            if (!st.ok()) return st.WithContext("item " + std::to_string(items.size() - 1));
            WR_RETURN_IF_ERROR(CountItem(before));
          }
        }
        return Status::Ok();
      }
      case AvroType::kMap: {
        Datum::MapEntries& entries = out->SetMap();
        int64_t count;
        while (true) {
          WR_RETURN_IF_ERROR(in_.ReadBlockCount(&count));
          if (count == 0) break;
          for (int64_t i = 0; i < count; ++i) {
            std::string_view key;
            WR_RETURN_IF_ERROR(in_.ReadString(&key));
            entries.emplace_back(std::string(key), Datum());
            Status st = Read(s.values(), &entries.back().second, depth + 1);
            if (!st.ok()) return st.WithContext("map key " + std::string(key));
          }
        }
        return Status::Ok();
      }
      case AvroType::kUnion: {
        int32_t b;
        WR_RETURN_IF_ERROR(in_.ReadUnionIndex(s.branches().size(), &b));
        Status st = Read(*s.branches()[b], &out->SetUnion(b), depth + 1);
        if (!st.ok()) return st.WithContext("union branch " + s.branches()[b]->TypeName());
        return Status::Ok();
      }
    }
    return Status::Ok();
  }

  // Reads past a value without building it (writer-only record fields).
  Status Skip(const Node& s, int depth) {
    if (depth > kMaxDepth) return TooDeep();
    switch (s.type()) {
      case AvroType::kNull:
        return Status::Ok();
      case AvroType::kBoolean: {
        bool v;
        return in_.ReadBoolean(&v);
      }
      case AvroType::kInt: {
        int32_t v;
        return in_.ReadInt(&v);
      }
      case AvroType::kLong: {
        int64_t v;
        return in_.ReadLong(&v);
      }
      case AvroType::kFloat:
        return in_.Skip(4, "float");
      case AvroType::kDouble:
        return in_.Skip(8, "double");
      case AvroType::kBytes:
      case AvroType::kString: {
        std::string_view v;
        return in_.ReadBytes(&v);
      }
      case AvroType::kFixed:
        return in_.Skip(s.fixed_size(), "fixed");
      case AvroType::kEnum: {
        int32_t i;
        return in_.ReadEnum(s.symbols().size(), &i);
      }
      case AvroType::kRecord:
        for (const Field& f : s.fields()) WR_RETURN_IF_ERROR(Skip(*f.schema, depth + 1));
        return Status::Ok();
      case AvroType::kArray:
      case AvroType::kMap: {
        bool map = s.type() == AvroType::kMap;
        const Node& item = s.items();
        int64_t count, byte_size;
        while (true) {
          WR_RETURN_IF_ERROR(in_.ReadBlockCount(&count, &byte_size));
          if (count == 0) break;
          if (byte_size >= 0) {
            WR_RETURN_IF_ERROR(in_.Skip(static_cast<size_t>(byte_size), "block"));
            continue;
          }
          for (int64_t i = 0; i < count; ++i) {
            size_t before = in_.remaining();
            if (map) {
              std::string_view key;
              WR_RETURN_IF_ERROR(in_.ReadString(&key));
            }
            WR_RETURN_IF_ERROR(Skip(item, depth + 1));
            WR_RETURN_IF_ERROR(CountItem(before));
          }
        }
        return Status::Ok();
      }
      case AvroType::kUnion: {
        int32_t b;
        WR_RETURN_IF_ERROR(in_.ReadUnionIndex(s.branches().size(), &b));
        return Skip(*s.branches()[b], depth + 1);
      }
    }
    return Status::Ok();
  }

  // Counts an array item that took no input since `remaining_before` (kZeroSizeItemAllowance).
  Status CountItem(size_t remaining_before) {
    if (in_.remaining() == remaining_before && ++zero_size_items_ > kZeroSizeItemAllowance) {
      return DataError("malformed Avro array: more than " + std::to_string(kZeroSizeItemAllowance) +
                       " items of zero size in one value");
    }
    return Status::Ok();
  }

  Status CheckEnd() {
    if (!in_.at_end()) {
      return DataError("Avro value followed by " + std::to_string(in_.remaining()) +
                       " trailing bytes");
    }
    return Status::Ok();
  }

 private:
  BinaryReader in_;
  int64_t zero_size_items_ = 0;
};

std::string Describe(const Node& n) {
  return n.is_named() ? n.full_name() : std::string(AvroTypeName(n.type()));
}

// Named types match by unqualified name, or when the reader lists the writer's full name among
// its aliases (Avro Java applies reader aliases to the writer's schema before resolving).
bool NamesMatch(const Node& w, const Node& r) {
  if (w.name() == r.name()) return true;
  for (const std::string& a : r.aliases()) {
    if (a == w.full_name()) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// JSON helpers.

std::string Latin1ToUtf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) AppendUtf8(&out, static_cast<uint8_t>(c));
  return out;
}

// The ISO-8859-1 bytes of `s` (each code point must be at most U+00FF); false otherwise.
bool Utf8ToLatin1(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    uint8_t c = static_cast<uint8_t>(s[i]);
    if (c < 0x80) {
      out->push_back(static_cast<char>(c));
      ++i;
    } else if ((c & 0xe0) == 0xc0 && i + 1 < s.size()) {
      uint32_t cp = ((c & 0x1fu) << 6) | (static_cast<uint8_t>(s[i + 1]) & 0x3fu);
      if (cp > 0xff) return false;
      out->push_back(static_cast<char>(cp));
      i += 2;
    } else {
      return false;
    }
  }
  return true;
}

std::optional<double> JsonToDouble(const Json& j) {
  if (j.is_number()) return j.get<double>();
  if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (s == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (s == "Infinity") return std::numeric_limits<double>::infinity();
    if (s == "-Infinity") return -std::numeric_limits<double>::infinity();
  }
  return std::nullopt;
}

std::optional<int64_t> JsonToLong(const Json& j) {
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  return std::nullopt;
}

Json DoubleToJson(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

// Both JSON forms: `defaults` for field defaults (a union holds its first branch's value),
// otherwise Avro's JSON encoding (a union is null or {"type name": value}).
Result<Datum> FromJson(const Node& s, const Json& j, bool defaults, int depth) {
  if (depth > kMaxDepth) return InvalidArgument("JSON value nested too deeply");
  auto bad = [&]() {
    std::string text = j.dump();
    if (text.size() > 200) text = text.substr(0, 200) + "...";
    return InvalidArgument("JSON " + text + " is not a valid " + Describe(s));
  };
  switch (s.type()) {
    case AvroType::kNull:
      if (!j.is_null()) return bad();
      return Datum::Null();
    case AvroType::kBoolean:
      if (!j.is_boolean()) return bad();
      return Datum::Boolean(j.get<bool>());
    case AvroType::kInt: {
      auto v = JsonToLong(j);
      if (!v || *v < std::numeric_limits<int32_t>::min() ||
          *v > std::numeric_limits<int32_t>::max()) {
        return bad();
      }
      return Datum::Int(static_cast<int32_t>(*v));
    }
    case AvroType::kLong: {
      auto v = JsonToLong(j);
      if (!v) return bad();
      return Datum::Long(*v);
    }
    case AvroType::kFloat: {
      auto v = JsonToDouble(j);
      if (!v) return bad();
      return Datum::Float(static_cast<float>(*v));
    }
    case AvroType::kDouble: {
      auto v = JsonToDouble(j);
      if (!v) return bad();
      return Datum::Double(*v);
    }
    case AvroType::kString:
      if (!j.is_string()) return bad();
      return Datum::String(j.get<std::string>());
    case AvroType::kBytes:
    case AvroType::kFixed: {
      std::string bytes;
      if (!j.is_string() || !Utf8ToLatin1(j.get_ref<const std::string&>(), &bytes)) return bad();
      if (s.type() == AvroType::kBytes) return Datum::Bytes(std::move(bytes));
      if (bytes.size() != s.fixed_size()) return bad();
      return Datum::Fixed(std::move(bytes));
    }
    case AvroType::kEnum: {
      if (!j.is_string()) return bad();
      int i = s.SymbolIndex(j.get_ref<const std::string&>());
      if (i < 0) return bad();
      return Datum::Enum(i, s.symbols()[i]);
    }
    case AvroType::kRecord: {
      if (!j.is_object()) return bad();
      std::vector<Datum> fields;
      fields.reserve(s.fields().size());
      for (const Field& f : s.fields()) {
        auto it = j.find(f.name);
        const Json* v = it != j.end() ? &*it : f.default_value ? &*f.default_value : nullptr;
        if (v == nullptr) {
          return InvalidArgument("JSON object for record " + s.full_name() + " lacks field " +
                                 f.name);
        }
        // A field's own default is in default form whatever form the enclosing value is in.
        auto d = FromJson(*f.schema, *v, defaults || it == j.end(), depth + 1);
        if (!d.ok()) return d.status().WithContext("field " + f.name);
        fields.push_back(std::move(d).value());
      }
      return Datum::Record(std::move(fields));
    }
    case AvroType::kArray: {
      if (!j.is_array()) return bad();
      std::vector<Datum> items;
      items.reserve(j.size());
      for (const Json& e : j) {
        WR_ASSIGN_OR_RETURN(Datum d, FromJson(s.items(), e, defaults, depth + 1));
        items.push_back(std::move(d));
      }
      return Datum::Array(std::move(items));
    }
    case AvroType::kMap: {
      if (!j.is_object()) return bad();
      Datum::MapEntries entries;
      for (auto it = j.begin(); it != j.end(); ++it) {
        WR_ASSIGN_OR_RETURN(Datum d, FromJson(s.values(), it.value(), defaults, depth + 1));
        entries.emplace_back(it.key(), std::move(d));
      }
      return Datum::Map(std::move(entries));
    }
    case AvroType::kUnion: {
      if (s.branches().empty()) return bad();
      if (defaults) {
        WR_ASSIGN_OR_RETURN(Datum d, FromJson(*s.branches()[0], j, true, depth + 1));
        return Datum::Union(0, std::move(d));
      }
      if (j.is_null()) {
        for (size_t i = 0; i < s.branches().size(); ++i) {
          if (s.branches()[i]->type() == AvroType::kNull) {
            return Datum::Union(static_cast<int32_t>(i), Datum::Null());
          }
        }
        return bad();
      }
      if (!j.is_object() || j.size() != 1) return bad();
      const std::string& name = j.begin().key();
      for (size_t i = 0; i < s.branches().size(); ++i) {
        if (s.branches()[i]->TypeName() == name) {
          WR_ASSIGN_OR_RETURN(Datum d,
                              FromJson(*s.branches()[i], j.begin().value(), false, depth + 1));
          return Datum::Union(static_cast<int32_t>(i), std::move(d));
        }
      }
      return InvalidArgument("union has no branch named " + name);
    }
  }
  return bad();
}

Result<Json> ToJsonEncoding(const Node& s, const Datum& d, int depth) {
  if (depth > kMaxDepth) return InvalidArgument("Avro value nested more than 1000 levels deep");
  if (s.type() != AvroType::kUnion && d.type() != s.type()) return Mismatch(s, d);
  switch (s.type()) {
    case AvroType::kNull:
      return Json(nullptr);
    case AvroType::kBoolean:
      return Json(d.bool_value());
    case AvroType::kInt:
      return Json(d.int_value());
    case AvroType::kLong:
      return Json(d.long_value());
    case AvroType::kFloat: {
      // Jackson writes a float with Float.toString: 0.1f is 0.1, not 0.10000000149011612.
      float f = d.float_value();
      if (!std::isfinite(f)) return DoubleToJson(f);
      return Json(std::strtod(JavaFloatToString(f).c_str(), nullptr));
    }
    case AvroType::kDouble:
      return DoubleToJson(d.double_value());
    case AvroType::kString:
      return Json(d.string_value());
    case AvroType::kBytes:
    case AvroType::kFixed:
      return Json(Latin1ToUtf8(d.bytes_value()));
    case AvroType::kEnum:
      return Json(d.enum_symbol());
    case AvroType::kRecord: {
      if (d.fields().size() != s.fields().size()) return Mismatch(s, d);
      Json obj = Json::object();
      for (size_t i = 0; i < s.fields().size(); ++i) {
        auto v = ToJsonEncoding(*s.fields()[i].schema, d.fields()[i], depth + 1);
        if (!v.ok()) return v.status().WithContext("field " + s.fields()[i].name);
        obj[s.fields()[i].name] = std::move(v).value();
      }
      return obj;
    }
    case AvroType::kArray: {
      Json arr = Json::array();
      for (const Datum& item : d.items()) {
        WR_ASSIGN_OR_RETURN(Json v, ToJsonEncoding(s.items(), item, depth + 1));
        arr.push_back(std::move(v));
      }
      return arr;
    }
    case AvroType::kMap: {
      Json obj = Json::object();
      for (const auto& [k, v] : d.entries()) {
        WR_ASSIGN_OR_RETURN(Json jv, ToJsonEncoding(s.values(), v, depth + 1));
        obj[k] = std::move(jv);
      }
      return obj;
    }
    case AvroType::kUnion: {
      if (d.type() != AvroType::kUnion || d.union_branch() < 0 ||
          static_cast<size_t>(d.union_branch()) >= s.branches().size()) {
        return InvalidArgument("datum is not a value of this union");
      }
      const Node& b = *s.branches()[d.union_branch()];
      if (b.type() == AvroType::kNull) return Json(nullptr);
      WR_ASSIGN_OR_RETURN(Json v, ToJsonEncoding(b, d.union_value(), depth + 1));
      Json obj = Json::object();
      obj[b.TypeName()] = std::move(v);
      return obj;
    }
  }
  return Json(nullptr);
}

Status AppendJsonText(const Node& s, const Datum& d, int depth, std::string* out) {
  if (depth > kMaxDepth) return InvalidArgument("Avro value nested more than 1000 levels deep");
  if (s.type() != AvroType::kUnion && d.type() != s.type()) return Mismatch(s, d);
  switch (s.type()) {
    case AvroType::kNull:
      out->append("null");
      return Status::Ok();
    case AvroType::kBoolean:
      out->append(d.bool_value() ? "true" : "false");
      return Status::Ok();
    case AvroType::kInt:
      out->append(std::to_string(d.int_value()));
      return Status::Ok();
    case AvroType::kLong:
      out->append(std::to_string(d.long_value()));
      return Status::Ok();
    case AvroType::kFloat:
    case AvroType::kDouble: {
      double v = s.type() == AvroType::kFloat ? d.float_value() : d.double_value();
      bool quote = !std::isfinite(v);  // Jackson quotes non-numeric numbers
      if (quote) out->push_back('"');
      if (s.type() == AvroType::kFloat) {
        AppendJavaFloat(out, d.float_value());
      } else {
        AppendJavaDouble(out, v);
      }
      if (quote) out->push_back('"');
      return Status::Ok();
    }
    case AvroType::kString:
      AppendJsonString(out, d.string_value());
      return Status::Ok();
    case AvroType::kBytes:
    case AvroType::kFixed:
      AppendJsonString(out, Latin1ToUtf8(d.bytes_value()));
      return Status::Ok();
    case AvroType::kEnum:
      AppendJsonString(out, d.enum_symbol());
      return Status::Ok();
    case AvroType::kRecord: {
      if (d.fields().size() != s.fields().size()) return Mismatch(s, d);
      out->push_back('{');
      for (size_t i = 0; i < s.fields().size(); ++i) {
        if (i > 0) out->push_back(',');
        AppendJsonString(out, s.fields()[i].name);
        out->push_back(':');
        Status st = AppendJsonText(*s.fields()[i].schema, d.fields()[i], depth + 1, out);
        if (!st.ok()) return st.WithContext("field " + s.fields()[i].name);
      }
      out->push_back('}');
      return Status::Ok();
    }
    case AvroType::kArray: {
      out->push_back('[');
      for (size_t i = 0; i < d.items().size(); ++i) {
        if (i > 0) out->push_back(',');
        WR_RETURN_IF_ERROR(AppendJsonText(s.items(), d.items()[i], depth + 1, out));
      }
      out->push_back(']');
      return Status::Ok();
    }
    case AvroType::kMap: {
      out->push_back('{');
      bool first = true;
      for (const auto& [k, v] : d.entries()) {
        if (!first) out->push_back(',');
        first = false;
        AppendJsonString(out, k);
        out->push_back(':');
        WR_RETURN_IF_ERROR(AppendJsonText(s.values(), v, depth + 1, out));
      }
      out->push_back('}');
      return Status::Ok();
    }
    case AvroType::kUnion: {
      if (d.type() != AvroType::kUnion || d.union_branch() < 0 ||
          static_cast<size_t>(d.union_branch()) >= s.branches().size()) {
        return InvalidArgument("datum is not a value of this union");
      }
      const Node& b = *s.branches()[d.union_branch()];
      if (b.type() == AvroType::kNull) {
        out->append("null");
        return Status::Ok();
      }
      out->push_back('{');
      AppendJsonString(out, b.TypeName());
      out->push_back(':');
      WR_RETURN_IF_ERROR(AppendJsonText(b, d.union_value(), depth + 1, out));
      out->push_back('}');
      return Status::Ok();
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::string> DatumToJsonText(const Node& schema, const Datum& d) {
  std::string out;
  WR_RETURN_IF_ERROR(AppendJsonText(schema, d, 0, &out));
  return out;
}

Status Encode(const Node& schema, const Datum& d, std::string* out) {
  BinaryWriter w(out);
  return EncodeValue(schema, d, &w, 0);
}

Result<Datum> Decode(const Node& writer, std::string_view bytes) {
  PlainDecoder dec(bytes);
  Datum d;
  WR_RETURN_IF_ERROR(dec.Read(writer, &d, 0));
  WR_RETURN_IF_ERROR(dec.CheckEnd());
  return d;
}

Result<Datum> Decode(const Schema& writer, std::string_view bytes) {
  return Decode(writer.root(), bytes);
}

Result<Datum> DatumFromJson(const Node& schema, const Json& json) {
  return FromJson(schema, json, true, 0);
}

Result<Datum> DatumFromJson(const Node& schema, const nlohmann::json& json) {
  return FromJson(schema, Json(json), true, 0);
}

Result<Json> DatumToJsonEncoding(const Node& schema, const Datum& d) {
  return ToJsonEncoding(schema, d, 0);
}

Result<Datum> DatumFromJsonEncoding(const Node& schema, const Json& json) {
  return FromJson(schema, json, false, 0);
}

// ---------------------------------------------------------------------------------------------
// Resolution: a plan of actions per (writer node, reader node) pair, computed once.

namespace {

enum class Op {
  kRead,  // same type, read as the writer wrote it (primitives, fixed)
  kIntToLong,
  kIntToFloat,
  kIntToDouble,
  kLongToFloat,
  kLongToDouble,
  kFloatToDouble,
  kStringToBytes,
  kBytesToString,
  kEnum,
  kArray,
  kMap,
  kRecord,
  kWriterUnion,  // the writer wrote a union: one action per writer branch
  kReaderUnion,  // the reader has a union, the writer not: wrap in reader branch `branch`
  kError,        // fails when data reaches it
};

struct Action {
  Op op = Op::kError;
  const Node* w = nullptr;
  const Node* r = nullptr;
  std::string error;
  const Action* child = nullptr;        // array items, map values, the reader union branch's action
  int32_t branch = 0;                   // kReaderUnion: the reader's branch
  std::vector<const Action*> branches;  // kWriterUnion: per writer branch
  // kRecord: one step per writer field, in writer order; reader_pos -1 skips the field.
  struct Step {
    int32_t reader_pos;
    const Action* action;
    const Node* writer_schema;
  };
  std::vector<Step> steps;
  std::vector<std::pair<int32_t, Datum>> defaults;  // reader-only fields
  // kEnum: writer symbol index -> reader symbol index, -1 when unknown and no reader default.
  std::vector<int32_t> enum_map;
};

}  // namespace

struct Resolver::Plan {
  std::deque<Action> actions;
  std::map<std::pair<const Node*, const Node*>, const Action*> memo;
  const Action* root = nullptr;

  const Action* Resolve(const Node& w, const Node& r, int depth);
  Action* New(Op op, const Node& w, const Node& r) {
    actions.emplace_back();
    Action* a = &actions.back();
    a->op = op;
    a->w = &w;
    a->r = &r;
    return a;
  }
  const Action* Error(const Node& w, const Node& r, std::string message) {
    Action* a = New(Op::kError, w, r);
    a->error = std::move(message);
    return a;
  }
  // The reader union branch a non-union writer value goes to (Avro Java's firstMatchingBranch):
  // the same type (for named types the same full name first, then a matching unqualified name or
  // alias), then a promotion. -1 when none.
  int MatchBranch(const Node& w, const Node& r) const {
    const auto& bs = r.branches();
    int by_name = -1;
    for (size_t i = 0; i < bs.size(); ++i) {
      if (bs[i]->type() != w.type()) continue;
      if (!w.is_named()) return static_cast<int>(i);
      if (bs[i]->full_name() == w.full_name()) return static_cast<int>(i);
      if (by_name < 0 && NamesMatch(w, *bs[i])) by_name = static_cast<int>(i);
    }
    if (by_name >= 0) return by_name;
    for (size_t i = 0; i < bs.size(); ++i) {
      AvroType bt = bs[i]->type();
      switch (w.type()) {
        case AvroType::kInt:
          if (bt == AvroType::kLong || bt == AvroType::kFloat || bt == AvroType::kDouble) {
            return static_cast<int>(i);
          }
          break;
        case AvroType::kLong:
          if (bt == AvroType::kFloat || bt == AvroType::kDouble) return static_cast<int>(i);
          break;
        case AvroType::kFloat:
          if (bt == AvroType::kDouble) return static_cast<int>(i);
          break;
        case AvroType::kString:
          if (bt == AvroType::kBytes) return static_cast<int>(i);
          break;
        case AvroType::kBytes:
          if (bt == AvroType::kString) return static_cast<int>(i);
          break;
        default:
          break;
      }
    }
    return -1;
  }
};

const Action* Resolver::Plan::Resolve(const Node& w, const Node& r, int depth) {
  auto key = std::make_pair(&w, &r);
  if (auto it = memo.find(key); it != memo.end()) return it->second;
  if (depth > kMaxDepth) return Error(w, r, "schemas nested too deeply to resolve");
  auto found = [&](const std::string& detail) {
    return Error(w, r, "Found " + Describe(w) + ", expecting " + Describe(r) + detail);
  };
  if (w.type() == AvroType::kUnion) {
    Action* a = New(Op::kWriterUnion, w, r);
    memo[key] = a;
    for (const Node* b : w.branches()) a->branches.push_back(Resolve(*b, r, depth + 1));
    return a;
  }
  if (w.type() == r.type()) {
    switch (w.type()) {
      case AvroType::kNull:
      case AvroType::kBoolean:
      case AvroType::kInt:
      case AvroType::kLong:
      case AvroType::kFloat:
      case AvroType::kDouble:
      case AvroType::kString:
      case AvroType::kBytes:
        return memo[key] = New(Op::kRead, w, r);
      case AvroType::kFixed:
        if (!NamesMatch(w, r)) return memo[key] = found("");
        if (w.fixed_size() != r.fixed_size()) {
          return memo[key] = Error(w, r,
                                   "Fixed size mismatch: found " + std::to_string(w.fixed_size()) +
                                       ", expecting " + std::to_string(r.fixed_size()) + " for " +
                                       r.full_name());
        }
        return memo[key] = New(Op::kRead, w, r);
      case AvroType::kEnum: {
        if (!NamesMatch(w, r)) return memo[key] = found("");
        Action* a = New(Op::kEnum, w, r);
        int def = r.enum_default() ? r.SymbolIndex(*r.enum_default()) : -1;
        for (const std::string& sym : w.symbols()) {
          int j = r.SymbolIndex(sym);
          a->enum_map.push_back(j >= 0 ? j : def);
        }
        return memo[key] = a;
      }
      case AvroType::kArray:
      case AvroType::kMap: {
        Action* a = New(w.type() == AvroType::kArray ? Op::kArray : Op::kMap, w, r);
        memo[key] = a;
        a->child = Resolve(w.items(), r.items(), depth + 1);
        return a;
      }
      case AvroType::kRecord: {
        if (!NamesMatch(w, r)) return memo[key] = found("");
        Action* a = New(Op::kRecord, w, r);
        memo[key] = a;
        std::vector<bool> matched(r.fields().size(), false);
        for (const Field& wf : w.fields()) {
          const Field* rf = r.FindField(wf.name);
          if (rf == nullptr) {
            for (const Field& cand : r.fields()) {
              for (const std::string& alias : cand.aliases) {
                if (alias == wf.name && rf == nullptr) rf = &cand;
              }
            }
          }
          if (rf == nullptr || matched[rf->position]) {
            a->steps.push_back({-1, nullptr, wf.schema});
            continue;
          }
          matched[rf->position] = true;
          a->steps.push_back({static_cast<int32_t>(rf->position),
                              Resolve(*wf.schema, *rf->schema, depth + 1), wf.schema});
        }
        for (const Field& rf : r.fields()) {
          if (matched[rf.position]) continue;
          if (!rf.default_value) {
            a->op = Op::kError;
            a->error = "Found " + Describe(w) + ", expecting " + Describe(r) +
                       ", missing required field " + rf.name;
            return a;
          }
          auto d = DatumFromJson(*rf.schema, *rf.default_value);
          if (!d.ok()) {
            a->op = Op::kError;
            a->error = "default of reader field " + rf.name + ": " + d.status().message();
            return a;
          }
          a->defaults.emplace_back(static_cast<int32_t>(rf.position), std::move(d).value());
        }
        return a;
      }
      case AvroType::kUnion:
        break;  // handled above
    }
  }
  if (r.type() == AvroType::kUnion) {
    int i = MatchBranch(w, r);
    if (i < 0) return memo[key] = Error(w, r, "Found " + Describe(w) + ", expecting union");
    Action* a = New(Op::kReaderUnion, w, r);
    memo[key] = a;
    a->branch = i;
    a->child = Resolve(w, *r.branches()[i], depth + 1);
    return a;
  }
  Op op = Op::kError;
  switch (r.type()) {
    case AvroType::kLong:
      if (w.type() == AvroType::kInt) op = Op::kIntToLong;
      break;
    case AvroType::kFloat:
      if (w.type() == AvroType::kInt) op = Op::kIntToFloat;
      if (w.type() == AvroType::kLong) op = Op::kLongToFloat;
      break;
    case AvroType::kDouble:
      if (w.type() == AvroType::kInt) op = Op::kIntToDouble;
      if (w.type() == AvroType::kLong) op = Op::kLongToDouble;
      if (w.type() == AvroType::kFloat) op = Op::kFloatToDouble;
      break;
    case AvroType::kBytes:
      if (w.type() == AvroType::kString) op = Op::kStringToBytes;
      break;
    case AvroType::kString:
      if (w.type() == AvroType::kBytes) op = Op::kBytesToString;
      break;
    default:
      break;
  }
  if (op == Op::kError) return memo[key] = found("");
  return memo[key] = New(op, w, r);
}

namespace {

class ResolvingDecoder {
 public:
  explicit ResolvingDecoder(std::string_view bytes) : plain_(bytes) {}

  Status Read(const Action& a, Datum* out, int depth) {
    if (depth > kMaxDepth) return TooDeep();
    BinaryReader& in = plain_.in();
    switch (a.op) {
      case Op::kRead:
        return plain_.Read(*a.w, out, depth);
      case Op::kIntToLong:
      case Op::kIntToFloat:
      case Op::kIntToDouble: {
        int32_t v;
        WR_RETURN_IF_ERROR(in.ReadInt(&v));
        if (a.op == Op::kIntToLong) {
          out->SetLong(v);
        } else if (a.op == Op::kIntToFloat) {
          out->SetFloat(static_cast<float>(v));
        } else {
          out->SetDouble(v);
        }
        return Status::Ok();
      }
      case Op::kLongToFloat:
      case Op::kLongToDouble: {
        int64_t v;
        WR_RETURN_IF_ERROR(in.ReadLong(&v));
        if (a.op == Op::kLongToFloat) {
          out->SetFloat(static_cast<float>(v));
        } else {
          out->SetDouble(static_cast<double>(v));
        }
        return Status::Ok();
      }
      case Op::kFloatToDouble: {
        float v;
        WR_RETURN_IF_ERROR(in.ReadFloat(&v));
        out->SetDouble(v);
        return Status::Ok();
      }
      case Op::kStringToBytes:
      case Op::kBytesToString: {
        std::string_view v;
        WR_RETURN_IF_ERROR(in.ReadBytes(&v));
        out->SetBytesLike(a.op == Op::kStringToBytes ? AvroType::kBytes : AvroType::kString, v);
        return Status::Ok();
      }
      case Op::kEnum: {
        int32_t i;
        WR_RETURN_IF_ERROR(in.ReadEnum(a.w->symbols().size(), &i));
        int32_t j = a.enum_map[i];
        if (j < 0) {
          return DataError("No match for " + a.w->symbols()[i] + " in enum " + a.r->full_name() +
                           " (and it has no default)");
        }
        out->SetEnum(j, a.r->symbols()[j]);
        return Status::Ok();
      }
      case Op::kRecord: {
        std::vector<Datum>& fields = out->SetRecord(a.r->fields().size());
        for (const Action::Step& step : a.steps) {
          if (step.reader_pos < 0) {
            WR_RETURN_IF_ERROR(plain_.Skip(*step.writer_schema, depth + 1));
            continue;
          }
          Status st = Read(*step.action, &fields[step.reader_pos], depth + 1);
          if (!st.ok()) return st.WithContext("field " + a.r->fields()[step.reader_pos].name);
        }
        for (const auto& [pos, value] : a.defaults) fields[pos] = value;
        return Status::Ok();
      }
      case Op::kArray:
      case Op::kMap: {
        bool map = a.op == Op::kMap;
        std::vector<Datum>* items = map ? nullptr : &out->SetArray();
        Datum::MapEntries* entries = map ? &out->SetMap() : nullptr;
        int64_t count;
        while (true) {
          WR_RETURN_IF_ERROR(in.ReadBlockCount(&count));
          if (count == 0) break;
          for (int64_t i = 0; i < count; ++i) {
            size_t before = in.remaining();
            if (map) {
              std::string_view key;
              WR_RETURN_IF_ERROR(in.ReadString(&key));
              entries->emplace_back(std::string(key), Datum());
              Status st = Read(*a.child, &entries->back().second, depth + 1);
              if (!st.ok()) return st.WithContext("map key " + std::string(key));
            } else {
              items->emplace_back();
              Status st = Read(*a.child, &items->back(), depth + 1);
              if (!st.ok()) return st.WithContext("item " + std::to_string(items->size() - 1));
              WR_RETURN_IF_ERROR(plain_.CountItem(before));
            }
          }
        }
        return Status::Ok();
      }
      case Op::kWriterUnion: {
        int32_t b;
        WR_RETURN_IF_ERROR(in.ReadUnionIndex(a.w->branches().size(), &b));
        return Read(*a.branches[b], out, depth + 1);
      }
      case Op::kReaderUnion: {
        return Read(*a.child, &out->SetUnion(a.branch), depth + 1);
      }
      case Op::kError:
        return DataError(a.error);
    }
    return Status::Ok();
  }

  Status CheckEnd() { return plain_.CheckEnd(); }

 private:
  PlainDecoder plain_;
};

}  // namespace

Resolver::~Resolver() = default;

std::shared_ptr<const Resolver> Resolver::Create(std::shared_ptr<const Schema> writer,
                                                 std::shared_ptr<const Schema> reader) {
  std::shared_ptr<Resolver> r(new Resolver());
  r->plan_ = std::make_unique<Plan>();
  r->plan_->root = r->plan_->Resolve(writer->root(), reader->root(), 0);
  r->plan_->memo.clear();
  r->writer_ = std::move(writer);
  r->reader_ = std::move(reader);
  return r;
}

Result<Datum> Resolver::Decode(std::string_view bytes) const {
  ResolvingDecoder dec(bytes);
  Datum d;
  WR_RETURN_IF_ERROR(dec.Read(*plan_->root, &d, 0));
  WR_RETURN_IF_ERROR(dec.CheckEnd());
  return d;
}

Result<Datum> DecodeResolved(const Schema& writer, const Schema& reader, std::string_view bytes) {
  // The schemas outlive this call: aliasing shared_ptrs that own nothing.
  std::shared_ptr<const Schema> w(std::shared_ptr<const Schema>(), &writer);
  std::shared_ptr<const Schema> r(std::shared_ptr<const Schema>(), &reader);
  return Resolver::Create(std::move(w), std::move(r))->Decode(bytes);
}

}  // namespace walrelay::avro
