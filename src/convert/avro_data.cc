#include "convert/avro_data.h"

#include <nlohmann/json.hpp>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "avro/binary.h"
#include "common/log.h"

namespace walrelay::convert {
namespace {

using data::Schema;
using data::SchemaBuilder;
using data::SchemaPtr;
using data::Type;
using data::Value;
using Json = nlohmann::ordered_json;

constexpr std::string_view kNamespace = "io.confluent.connect.avro";
constexpr std::string_view kDecimalName = "org.apache.kafka.connect.data.Decimal";
constexpr std::string_view kDateName = "org.apache.kafka.connect.data.Date";
constexpr std::string_view kTimeName = "org.apache.kafka.connect.data.Time";
constexpr std::string_view kTimestampName = "org.apache.kafka.connect.data.Timestamp";
constexpr std::string_view kUnionName = "io.confluent.connect.avro.Union";
constexpr std::string_view kEnumParam = "io.confluent.connect.avro.Enum";
constexpr std::string_view kRecordDocParam = "io.confluent.connect.avro.record.doc";
constexpr std::string_view kConnectRecordDocParam = "connect.record.doc";
constexpr std::string_view kFieldDocPrefix = "io.confluent.connect.avro.field.doc.";
constexpr std::string_view kEnumDocPrefix = "io.confluent.connect.avro.enum.doc.";
constexpr std::string_view kConnectEnumDocParam = "connect.enum.doc";
constexpr std::string_view kEnumDefaultPrefix = "io.confluent.connect.avro.enum.default.";
constexpr std::string_view kFieldDefaultFlag = "io.confluent.connect.avro.field.default";
constexpr std::string_view kFixedSizeParam = "connect.fixed.size";
constexpr std::string_view kDecimalPrecisionParam = "connect.decimal.precision";
constexpr int kDecimalPrecisionDefault = 64;

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool IsNamed(const Schema& s, std::string_view name) {
  return !s.name.empty() && EqualsIgnoreAsciiCase(s.name, name);
}

bool NameCharOk(unsigned char c, bool first) {
  // Avro Java accepts Character.isLetter (and isLetterOrDigit after the first): every non-ASCII
  // byte is let through here, ASCII is checked exactly.
  if (c >= 0x80) return true;
  if (c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return true;
  return !first && c >= '0' && c <= '9';
}

// Avro Java's Schema.validateName, with its messages.
Status ValidateName(std::string_view name) {
  if (name.empty()) return DataError("Empty name");
  if (!NameCharOk(static_cast<unsigned char>(name[0]), true)) {
    return DataError("Illegal initial character: " + std::string(name));
  }
  for (size_t i = 1; i < name.size(); ++i) {
    if (!NameCharOk(static_cast<unsigned char>(name[i]), false)) {
      return DataError("Illegal character in: " + std::string(name));
    }
  }
  return Status::Ok();
}

// AvroData.doScrubName: a name Avro accepts as is is kept; otherwise URL-encoded, prefixed with
// 'x' when it starts with a digit, and every remaining character outside [A-Za-z0-9_] made '_'.
std::string ScrubName(std::string_view name) {
  bool ok = !name.empty() && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      ok = false;
    }
  }
  if (ok || name.empty()) return std::string(name);
  // URLEncoder.encode(UTF-8) keeps [A-Za-z0-9.-*_], turns ' ' into '+' and the rest into %XX;
  // every character of that but [A-Za-z0-9_] then becomes '_', so only the lengths matter.
  std::string out;
  for (unsigned char c : name) {
    bool keep =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else if (c == '.' || c == '-' || c == '*' || c == ' ') {
      out.push_back('_');
    } else {
      out.append("___");  // %XX
    }
  }
  if (out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), 'x');
  return out;
}

struct FullName {
  std::string space;  // empty: no namespace
  std::string name;
  std::string Full() const { return space.empty() ? name : space + "." + name; }
};

// AvroData.splitName: namespace up to the last dot (each part scrubbed when asked).
FullName SplitName(std::string_view full, bool scrub) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = full.find('.', start);
    std::string_view part =
        full.substr(start, dot == std::string_view::npos ? full.size() - start : dot - start);
    parts.push_back(scrub ? ScrubName(part) : std::string(part));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  FullName out;
  out.name = parts.back();
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (i > 0) out.space.push_back('.');
    out.space += parts[i];
  }
  return out;
}

bool IsEnum(const Schema& s, const AvroDataOptions& options) {
  return s.type == Type::kString && options.enhanced_schema_support &&
         s.Parameter(kEnumParam) != nullptr;
}

bool IsFixed(const Schema& s) {
  return s.type == Type::kBytes && !s.name.empty() && s.Parameter(kFixedSizeParam) != nullptr;
}

bool IsStringMap(const Schema& s, const AvroDataOptions& options) {
  return s.key_schema && s.key_schema->type == Type::kString &&
         (!s.key_schema->optional || options.allow_optional_map_keys);
}

Result<int> ParseIntParam(const Schema& s, std::string_view key, int fallback) {
  const std::string* text = s.Parameter(key);
  if (text == nullptr) return fallback;
  try {
    size_t used = 0;
    int v = std::stoi(*text, &used);
    if (used == text->size()) return v;
  } catch (...) {
  }
  return DataError("schema " + s.name + " has a parameter " + std::string(key) +
                   " that is not an integer: " + *text);
}

std::vector<std::string> EnumSymbols(const Schema& s) {
  std::vector<std::string> symbols;
  std::string prefix = std::string(kEnumParam) + ".";
  for (const auto& [k, v] : s.parameters) {
    if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) {
      symbols.push_back(k.substr(prefix.size()));
    }
  }
  return symbols;
}

std::string Latin1Text(const std::string& bytes) {
  // new String(bytes, ISO_8859_1), as UTF-8 (what the JSON text holds).
  std::string out;
  for (unsigned char c : bytes) {
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

// AvroData.defaultValueFromConnect.
Result<Json> DefaultJson(const Schema& s, const Value& v, const AvroDataOptions& options) {
  if (v.is_null()) return Json(nullptr);
  auto wrong = [&]() -> Status {
    return DataError("Invalid type used for default value of " +
                     std::string(data::TypeName(s.type)) + " field");
  };
  switch (s.type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      if (!v.is_int()) return wrong();
      return Json(v.as_int());
    case Type::kFloat32:
    case Type::kFloat64:
      if (!v.is_double()) return wrong();
      return Json(v.as_double());
    case Type::kBoolean:
      if (!v.is_bool()) return wrong();
      return Json(v.as_bool());
    case Type::kString:
      if (!v.is_string()) return wrong();
      return Json(v.as_string());
    case Type::kBytes:
      if (!v.is_bytes()) return wrong();
      return Json(Latin1Text(v.as_bytes().data));
    case Type::kArray: {
      if (!v.is_array() || !s.value_schema) return wrong();
      Json out = Json::array();
      for (const Value& e : v.as_array()) {
        WR_ASSIGN_OR_RETURN(Json j, DefaultJson(*s.value_schema, e, options));
        out.push_back(std::move(j));
      }
      return out;
    }
    case Type::kMap: {
      if (!v.is_map() || !s.key_schema || !s.value_schema) return wrong();
      if (IsStringMap(s, options)) {
        Json out = Json::object();
        for (const auto& [k, e] : v.as_map()) {
          if (!k.is_string()) return wrong();
          WR_ASSIGN_OR_RETURN(Json j, DefaultJson(*s.value_schema, e, options));
          out[k.as_string()] = std::move(j);
        }
        return out;
      }
      Json out = Json::array();
      for (const auto& [k, e] : v.as_map()) {
        WR_ASSIGN_OR_RETURN(Json kj, DefaultJson(*s.key_schema, k, options));
        WR_ASSIGN_OR_RETURN(Json vj, DefaultJson(*s.value_schema, e, options));
        out.push_back(Json::array({std::move(kj), std::move(vj)}));
      }
      return out;
    }
    case Type::kStruct: {
      if (!v.is_struct()) return wrong();
      const data::Struct& st = v.as_struct();
      Json out = Json::object();
      for (size_t i = 0; i < s.fields.size(); ++i) {
        const Value& fv = i < st.values.size() ? st.values[i] : Value();
        WR_ASSIGN_OR_RETURN(Json j, DefaultJson(*s.fields[i].schema, fv, options));
        std::string name =
            options.scrub_invalid_names ? ScrubName(s.fields[i].name) : s.fields[i].name;
        out[name] = std::move(j);
      }
      return out;
    }
  }
  return wrong();
}

// Builds the Avro schema JSON of a Connect schema, tracking the named types already written
// (written by name afterwards) and the enclosing namespace, as Avro Java's toString does.
class SchemaWriter {
 public:
  explicit SchemaWriter(const AvroDataOptions& options) : options_(options) {}

  // A record field's "default": the Connect default, else null for an optional field. (A default
  // Avro would refuse is dropped with a warning by AvroData; walrelay's defaults always come from
  // the same schema, so they fit.)
  Status SetFieldDefault(const Schema& fs, Json* field) const {
    if (fs.default_value) {
      WR_ASSIGN_OR_RETURN(Json def, DefaultJson(fs, *fs.default_value, options_));
      (*field)["default"] = std::move(def);
    } else if (fs.optional) {
      (*field)["default"] = nullptr;
    }
    return Status::Ok();
  }

  Result<Json> Write(const Schema& s, bool ignore_optional, const std::string& path) {
    if (s.type == Type::kStruct && s.name == kUnionName) {
      return DataError("at " + PathOrRoot(path) +
                       ": Connect union structs (io.confluent.connect.avro.Union) are not "
                       "supported by walrelay's AvroConverter");
    }
    if (s.optional && !ignore_optional) {
      WR_ASSIGN_OR_RETURN(Json base, Write(s, true, path));
      if (s.default_value) return Json::array({std::move(base), "null"});
      return Json::array({"null", std::move(base)});
    }
    switch (s.type) {
      case Type::kInt8:
        return WithProps(s, "int", "int8");
      case Type::kInt16:
        return WithProps(s, "int", "int16");
      case Type::kInt32:
        return WithProps(s, "int", nullptr);
      case Type::kInt64:
        return WithProps(s, "long", nullptr);
      case Type::kFloat32:
        return WithProps(s, "float", nullptr);
      case Type::kFloat64:
        return WithProps(s, "double", nullptr);
      case Type::kBoolean:
        return WithProps(s, "boolean", nullptr);
      case Type::kString:
        if (IsEnum(s, options_)) return WriteEnum(s, path);
        return WithProps(s, "string", nullptr);
      case Type::kBytes:
        if (IsFixed(s)) return WriteFixed(s, path);
        return WithProps(s, "bytes", nullptr);
      case Type::kArray: {
        if (!s.value_schema) return DataError("at " + PathOrRoot(path) + ": array without items");
        WR_ASSIGN_OR_RETURN(Json items, Write(*s.value_schema, false, path + "[]"));
        Json out = Json::object();
        out["type"] = "array";
        out["items"] = std::move(items);
        return AddProps(s, std::move(out), nullptr);
      }
      case Type::kMap:
        return WriteMap(s, path);
      case Type::kStruct:
        return WriteRecord(s, path);
    }
    return DataError("Unknown schema type: " + std::string(data::TypeName(s.type)));
  }

 private:
  static std::string PathOrRoot(const std::string& path) { return path.empty() ? "(root)" : path; }

  // A named type seen before: true, with its name reference in `ref`; one that merely shares its
  // name: an error. False for a name not seen yet, which is recorded.
  Result<bool> Reference(const Schema& s, const FullName& name, Json* ref) {
    std::string full = name.Full();
    for (const auto& [schema, seen] : named_) {
      if (seen != full) continue;
      if (SameIgnoringOptional(*schema, s)) {
        bool short_ok = !name.space.empty() && name.space == space_;
        *ref = short_ok ? name.name : full;
        return true;
      }
      return DataError("Can't redefine: " + full);
    }
    named_.emplace_back(&s, full);
    return false;
  }

  static bool SameIgnoringOptional(const Schema& a, const Schema& b) {
    if (&a == &b) return true;
    if (a.optional == b.optional) return a.Equals(b);
    Schema copy = b;
    copy.optional = a.optional;
    return a.Equals(copy);
  }

  // getNameOrDefault: the schema's own name, or ConnectDefault, ConnectDefault2, ...
  FullName NameOrDefault(const Schema& s) {
    if (!s.name.empty()) return SplitName(s.name, options_.scrub_invalid_names);
    ++default_names_;
    return FullName{std::string(kNamespace),
                    "ConnectDefault" + (default_names_ > 1 ? std::to_string(default_names_) : "")};
  }

  // An unnamed struct maps to the ConnectDefault record already made for an equal schema.
  const std::string* UnnamedSeen(const Schema& s) {
    for (const auto& [schema, full] : named_) {
      if (schema->name.empty() && SameIgnoringOptional(*schema, s)) return &full;
    }
    return nullptr;
  }

  void WriteName(Json& out, const FullName& name) {
    out["name"] = name.name;
    if (!name.space.empty()) {
      if (name.space != space_) out["namespace"] = name.space;
    } else if (!space_.empty()) {
      out["namespace"] = "";
    }
  }

  Result<Json> WriteRecord(const Schema& s, const std::string& path) {
    if (s.name.empty()) {
      if (const std::string* full = UnnamedSeen(s)) {
        FullName n = SplitName(*full, false);
        return Json(n.space == space_ ? n.name : *full);
      }
    }
    FullName name = NameOrDefault(s);
    WR_RETURN_IF_ERROR(ValidateName(name.name).WithContext("at " + PathOrRoot(path)));
    Json ref;
    WR_ASSIGN_OR_RETURN(bool seen, Reference(s, name, &ref));
    if (seen) return ref;

    Json out = Json::object();
    out["type"] = "record";
    WriteName(out, name);
    const std::string* doc =
        s.Parameter(options_.discard_type_doc_default ? kConnectRecordDocParam : kRecordDocParam);
    if (doc != nullptr) out["doc"] = *doc;
    std::string saved_space = space_;
    space_ = name.space;
    Json fields = Json::array();
    for (const data::Field& f : s.fields) {
      std::string field_name = options_.scrub_invalid_names ? ScrubName(f.name) : f.name;
      std::string field_path = path.empty() ? f.name : path + "." + f.name;
      WR_RETURN_IF_ERROR(ValidateName(field_name).WithContext("at " + field_path));
      const Schema& fs = *f.schema;
      Json field = Json::object();
      field["name"] = field_name;
      WR_ASSIGN_OR_RETURN(Json type, Write(fs, false, field_path));
      field["type"] = std::move(type);
      std::string field_doc;
      if (options_.discard_type_doc_default) {
        field_doc = fs.doc;
      } else if (const std::string* d = s.Parameter(std::string(kFieldDocPrefix) + f.name)) {
        field_doc = *d;
      }
      if (!field_doc.empty()) field["doc"] = field_doc;
      WR_RETURN_IF_ERROR(SetFieldDefault(fs, &field));
      fields.push_back(std::move(field));
    }
    space_ = saved_space;
    out["fields"] = std::move(fields);
    return AddProps(s, std::move(out), nullptr);
  }

  Result<Json> WriteEnum(const Schema& s, const std::string& path) {
    FullName short_name = NameOrDefault(s);
    const std::string& enum_name = *s.Parameter(kEnumParam);
    FullName name = SplitName(enum_name, false);
    WR_RETURN_IF_ERROR(ValidateName(name.name).WithContext("at " + PathOrRoot(path)));
    Json ref;
    WR_ASSIGN_OR_RETURN(bool seen, Reference(s, name, &ref));
    if (seen) return ref;
    Json out = Json::object();
    out["type"] = "enum";
    WriteName(out, name);
    const std::string* doc = options_.discard_type_doc_default
                                 ? s.Parameter(kConnectEnumDocParam)
                                 : s.Parameter(std::string(kEnumDocPrefix) + short_name.name);
    if (doc != nullptr) out["doc"] = *doc;
    Json symbols = Json::array();
    for (std::string& sym : EnumSymbols(s)) {
      WR_RETURN_IF_ERROR(ValidateName(sym).WithContext("at " + PathOrRoot(path)));
      symbols.push_back(std::move(sym));
    }
    out["symbols"] = std::move(symbols);
    if (!options_.discard_type_doc_default) {
      if (const std::string* d = s.Parameter(std::string(kEnumDefaultPrefix) + short_name.name)) {
        out["default"] = *d;
      }
    }
    return AddProps(s, std::move(out), nullptr);
  }

  Result<Json> WriteFixed(const Schema& s, const std::string& path) {
    FullName name = NameOrDefault(s);
    WR_RETURN_IF_ERROR(ValidateName(name.name).WithContext("at " + PathOrRoot(path)));
    WR_ASSIGN_OR_RETURN(int size, ParseIntParam(s, kFixedSizeParam, 0));
    Json ref;
    WR_ASSIGN_OR_RETURN(bool seen, Reference(s, name, &ref));
    if (seen) return ref;
    Json out = Json::object();
    out["type"] = "fixed";
    WriteName(out, name);
    out["size"] = size;
    WR_RETURN_IF_ERROR(AddDecimalScale(s, out));
    return AddProps(s, std::move(out), nullptr);
  }

  Result<Json> WriteMap(const Schema& s, const std::string& path) {
    if (!s.key_schema || !s.value_schema) {
      return DataError("at " + PathOrRoot(path) + ": map without key or value schema");
    }
    if (IsStringMap(s, options_)) {
      WR_ASSIGN_OR_RETURN(Json values, Write(*s.value_schema, false, path + "{}"));
      Json out = Json::object();
      out["type"] = "map";
      out["values"] = std::move(values);
      return AddProps(s, std::move(out), nullptr);
    }
    // An array of MapEntry records {key, value}: named after the map when it has a name.
    FullName name = s.name.empty() ? FullName{std::string(kNamespace), "MapEntry"}
                                   : SplitName(s.name, options_.scrub_invalid_names);
    Json entry;
    // The entry record is identified by the map schema (equal maps share it).
    WR_ASSIGN_OR_RETURN(bool seen, Reference(s, name, &entry));
    if (!seen) {
      entry = Json::object();
      entry["type"] = "record";
      WriteName(entry, name);
      std::string saved_space = space_;
      space_ = name.space;
      Json fields = Json::array();
      const std::pair<const char*, const data::SchemaPtr*> parts[] = {{"key", &s.key_schema},
                                                                      {"value", &s.value_schema}};
      for (const auto& [field_name, part] : parts) {
        const Schema& fs = **part;
        Json field = Json::object();
        field["name"] = field_name;
        WR_ASSIGN_OR_RETURN(Json type, Write(fs, false, path + "." + field_name));
        field["type"] = std::move(type);
        WR_RETURN_IF_ERROR(SetFieldDefault(fs, &field));
        fields.push_back(std::move(field));
      }
      space_ = saved_space;
      entry["fields"] = std::move(fields);
      if (!s.name.empty()) entry["connect.internal.type"] = "MapEntry";
    }
    Json out = Json::object();
    out["type"] = "array";
    out["items"] = std::move(entry);
    return AddProps(s, std::move(out), nullptr);
  }

  // scale and precision come first on a Decimal's bytes (AvroData adds them with the type).
  Status AddDecimalScale(const Schema& s, Json& out) {
    if (!IsNamed(s, kDecimalName)) return Status::Ok();
    WR_ASSIGN_OR_RETURN(int scale, ParseIntParam(s, "scale", 0));
    WR_ASSIGN_OR_RETURN(int precision,
                        ParseIntParam(s, kDecimalPrecisionParam, kDecimalPrecisionDefault));
    out["scale"] = scale;
    out["precision"] = precision;
    return Status::Ok();
  }

  Result<Json> WithProps(const Schema& s, const char* avro_type, const char* connect_type) {
    Json out = Json::object();
    out["type"] = avro_type;
    if (s.type == Type::kBytes) WR_RETURN_IF_ERROR(AddDecimalScale(s, out));
    WR_ASSIGN_OR_RETURN(Json with, AddProps(s, std::move(out), connect_type));
    // A primitive with no property at all is written as its bare name.
    if (with.size() == 1) return Json(avro_type);
    return with;
  }

  // The properties AvroData adds after the type's own attributes, in its order.
  Result<Json> AddProps(const Schema& s, Json out, const char* connect_type) {
    if (options_.connect_meta_data) {
      if (!s.doc.empty()) out["connect.doc"] = s.doc;
      if (s.version) out["connect.version"] = *s.version;
      Json params = Json::object();
      for (const auto& [k, v] : s.parameters) {
        if (options_.discard_type_doc_default || k != kFieldDefaultFlag) params[k] = v;
      }
      if (!params.empty()) out["connect.parameters"] = std::move(params);
      if (s.default_value &&
          (options_.discard_type_doc_default || s.Parameter(kFieldDefaultFlag) == nullptr)) {
        WR_ASSIGN_OR_RETURN(Json def, DefaultJson(s, *s.default_value, options_));
        out["connect.default"] = std::move(def);
      }
      if (!s.name.empty()) out["connect.name"] = s.name;
      if (connect_type != nullptr) out["connect.type"] = connect_type;
    }
    if (IsNamed(s, kDecimalName)) {
      WR_ASSIGN_OR_RETURN(int scale, ParseIntParam(s, "scale", 0));
      WR_ASSIGN_OR_RETURN(int precision,
                          ParseIntParam(s, kDecimalPrecisionParam, kDecimalPrecisionDefault));
      bool legacy = scale < 0 || scale > precision;
      if (!legacy || s.Parameter(kDecimalPrecisionParam) != nullptr) {
        out["logicalType"] = "decimal";
      }
    } else if (IsNamed(s, kTimeName)) {
      out["logicalType"] = "time-millis";
    } else if (IsNamed(s, kTimestampName)) {
      out["logicalType"] = "timestamp-millis";
    } else if (IsNamed(s, kDateName)) {
      out["logicalType"] = "date";
    }
    for (const auto& [k, v] : s.parameters) {
      if (k.compare(0, 4, "avro") == 0 && !out.contains(k)) out[k] = v;
    }
    return out;
  }

  const AvroDataOptions& options_;
  std::vector<std::pair<const Schema*, std::string>> named_;
  std::string space_;
  int default_names_ = 0;
};

const char* KindName(const Value& v) {
  if (v.is_null()) return "null";
  if (v.is_bool()) return "Boolean";
  if (v.is_int()) return "Long";
  if (v.is_double()) return "Double";
  if (v.is_string()) return "String";
  if (v.is_bytes()) return "byte[]";
  if (v.is_array()) return "List";
  if (v.is_map()) return "Map";
  return "Struct";
}

class ValueEncoder {
 public:
  ValueEncoder(const AvroDataOptions& options, std::string* out)
      : options_(options), writer_(out) {}

  Status Encode(const Schema& s, const Value& v, bool ignore_optional, const std::string& path) {
    if (v.is_null() && !s.optional) {
      return DataError("at " + Root(path) + ": Found null value for non-optional schema");
    }
    if (s.optional && !ignore_optional) {
      // ["null", T], or [T, "null"] when the schema has a default.
      bool null_first = !s.default_value;
      if (v.is_null()) {
        writer_.WriteUnionIndex(null_first ? 0 : 1);
        return Status::Ok();
      }
      writer_.WriteUnionIndex(null_first ? 1 : 0);
    }
    auto wrong = [&]() {
      return DataError("at " + Root(path) + ": Invalid type for " +
                       std::string(data::TypeName(s.type)) + ": " + KindName(v));
    };
    switch (s.type) {
      case Type::kInt8:
      case Type::kInt16:
      case Type::kInt32:
        if (!v.is_int()) return wrong();
        if (v.as_int() < INT32_MIN || v.as_int() > INT32_MAX) {
          return DataError("at " + Root(path) + ": " + std::to_string(v.as_int()) +
                           " is out of range for " + data::TypeName(s.type));
        }
        writer_.WriteInt(static_cast<int32_t>(v.as_int()));
        return Status::Ok();
      case Type::kInt64:
        if (!v.is_int()) return wrong();
        writer_.WriteLong(v.as_int());
        return Status::Ok();
      case Type::kFloat32:
        if (!v.is_double()) return wrong();
        writer_.WriteFloat(static_cast<float>(v.as_double()));
        return Status::Ok();
      case Type::kFloat64:
        if (!v.is_double()) return wrong();
        writer_.WriteDouble(v.as_double());
        return Status::Ok();
      case Type::kBoolean:
        if (!v.is_bool()) return wrong();
        writer_.WriteBoolean(v.as_bool());
        return Status::Ok();
      case Type::kString:
        if (!v.is_string()) return wrong();
        if (IsEnum(s, options_)) return EncodeEnum(s, v.as_string(), path);
        writer_.WriteString(v.as_string());
        return Status::Ok();
      case Type::kBytes: {
        if (!v.is_bytes()) return wrong();
        const std::string& bytes = v.as_bytes().data;
        if (!IsFixed(s)) {
          writer_.WriteBytes(bytes);
          return Status::Ok();
        }
        WR_ASSIGN_OR_RETURN(int size, ParseIntParam(s, kFixedSizeParam, 0));
        if (bytes.size() == static_cast<size_t>(size)) {
          writer_.WriteFixed(bytes);
          return Status::Ok();
        }
        if (!IsNamed(s, kDecimalName) || bytes.size() > static_cast<size_t>(size)) {
          return DataError("at " + Root(path) + ": " + std::to_string(bytes.size()) +
                           " bytes do not fit fixed size " + std::to_string(size));
        }
        // Sign-extend the unscaled two's complement to the fixed size.
        char fill = !bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80) ? '\xff' : 0;
        writer_.WriteFixed(std::string(size - bytes.size(), fill) + bytes);
        return Status::Ok();
      }
      case Type::kArray: {
        if (!v.is_array()) return wrong();
        const data::Array& items = v.as_array();
        if (!items.empty()) {
          writer_.WriteBlockCount(static_cast<int64_t>(items.size()));
          std::string item_path = path + "[]";
          for (const Value& item : items) {
            WR_RETURN_IF_ERROR(Encode(*s.value_schema, item, false, item_path));
          }
        }
        writer_.WriteBlockCount(0);
        return Status::Ok();
      }
      case Type::kMap: {
        if (!v.is_map()) return wrong();
        const data::Map& entries = v.as_map();
        bool string_keys = IsStringMap(s, options_);
        if (!entries.empty()) {
          writer_.WriteBlockCount(static_cast<int64_t>(entries.size()));
          for (const auto& [key, value] : entries) {
            if (string_keys) {
              if (!key.is_string()) {
                return DataError("at " + Root(path) + ": a map key is " + KindName(key) +
                                 ", not a String");
              }
              writer_.WriteString(key.as_string());
            } else {
              WR_RETURN_IF_ERROR(Encode(*s.key_schema, key, false, path + ".key"));
            }
            WR_RETURN_IF_ERROR(Encode(*s.value_schema, value, false, path + ".value"));
          }
        }
        writer_.WriteBlockCount(0);
        return Status::Ok();
      }
      case Type::kStruct: {
        if (!v.is_struct()) return wrong();
        const data::Struct& st = v.as_struct();
        if (st.schema.get() != &s && st.schema && !SameShape(*st.schema, s)) {
          return DataError("at " + Root(path) + ": Mismatching struct schema");
        }
        for (size_t i = 0; i < s.fields.size(); ++i) {
          const data::Field& f = s.fields[i];
          const Value* fv = i < st.values.size() ? &st.values[i] : nullptr;
          static const Value kNull;
          if (fv == nullptr) fv = &kNull;
          // Struct.get: a null field reads as its schema's default.
          if (fv->is_null() && f.schema->default_value) fv = f.schema->default_value.get();
          WR_RETURN_IF_ERROR(
              Encode(*f.schema, *fv, false, path.empty() ? f.name : path + "." + f.name));
        }
        return Status::Ok();
      }
    }
    return wrong();
  }

 private:
  static std::string Root(const std::string& path) { return path.empty() ? "(root)" : path; }

  static bool SameShape(const Schema& a, const Schema& b) {
    if (a.optional == b.optional) return a.Equals(b);
    Schema copy = a;
    copy.optional = b.optional;
    return copy.Equals(b);
  }

  Status EncodeEnum(const Schema& s, const std::string& symbol, const std::string& path) {
    std::string prefix = std::string(kEnumParam) + ".";
    int index = 0;
    for (const auto& [k, v] : s.parameters) {
      if (k.size() > prefix.size() && k.compare(0, prefix.size(), prefix) == 0) {
        if (std::string_view(k).substr(prefix.size()) == symbol) {
          writer_.WriteInt(index);
          return Status::Ok();
        }
        ++index;
      }
    }
    return DataError("at " + Root(path) + ": \"" + symbol + "\" is not a symbol of enum " +
                     *s.Parameter(kEnumParam));
  }

  const AvroDataOptions& options_;
  avro::BinaryWriter writer_;
};

}  // namespace

Result<std::string> ConnectSchemaToAvro(const data::Schema& schema,
                                        const AvroDataOptions& options) {
  SchemaWriter writer(options);
  WR_ASSIGN_OR_RETURN(Json json, writer.Write(schema, false, ""));
  return json.dump();
}

Status EncodeConnectValue(const data::Schema& schema, const data::Value& value,
                          const AvroDataOptions& options, std::string* out) {
  ValueEncoder encoder(options, out);
  return encoder.Encode(schema, value, false, "");
}

// ---- Avro -> Connect ----

namespace {

using avro::AvroType;
using avro::Datum;
using avro::Node;

bool IsMapEntry(const Node& n) {
  if (n.type() != AvroType::kRecord) return false;
  if (n.name_space() == kNamespace && n.name() == "MapEntry") return true;
  const avro::Json* internal = n.Prop("connect.internal.type");
  return internal != nullptr && internal->is_string() && *internal == "MapEntry";
}

std::string PropText(const avro::Json& j) {
  return j.is_string() ? j.get<std::string>() : j.dump();
}

// Latin-1 text (how Avro's JSON holds bytes) back to the bytes.
Result<std::string> Latin1Bytes(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if ((c == 0xC2 || c == 0xC3) && i + 1 < text.size()) {
      out.push_back(static_cast<char>(((c & 0x03) << 6) | (text[++i] & 0x3F)));
    } else {
      return DataError("a bytes default holds a character beyond \\u00ff");
    }
  }
  return out;
}

// AvroData.defaultValueFromAvro: a default in Avro's JSON as a Connect value of `s`.
Result<Value> DefaultFromJson(const Schema& s, const avro::Json& j) {
  if (j.is_null()) return Value();
  auto wrong = [&]() -> Status {
    return DataError("default " + j.dump() + " does not fit " + data::TypeName(s.type));
  };
  switch (s.type) {
    case Type::kInt8:
    case Type::kInt16:
    case Type::kInt32:
    case Type::kInt64:
      if (!j.is_number_integer()) return wrong();
      return Value(j.get<int64_t>());
    case Type::kFloat32:
    case Type::kFloat64:
      if (!j.is_number()) return wrong();
      return Value(j.get<double>());
    case Type::kBoolean:
      if (!j.is_boolean()) return wrong();
      return Value(j.get<bool>());
    case Type::kString:
      if (!j.is_string()) return wrong();
      return Value(j.get<std::string>());
    case Type::kBytes: {
      if (!j.is_string()) return wrong();
      WR_ASSIGN_OR_RETURN(std::string bytes, Latin1Bytes(j.get<std::string>()));
      return Value(data::Bytes{std::move(bytes)});
    }
    case Type::kArray: {
      if (!j.is_array()) return wrong();
      data::Array out;
      for (const auto& e : j) {
        WR_ASSIGN_OR_RETURN(Value v, DefaultFromJson(*s.value_schema, e));
        out.push_back(std::move(v));
      }
      return Value(std::move(out));
    }
    case Type::kMap: {
      data::Map out;
      if (j.is_object()) {
        for (const auto& [k, e] : j.items()) {
          WR_ASSIGN_OR_RETURN(Value v, DefaultFromJson(*s.value_schema, e));
          out.emplace_back(Value(k), std::move(v));
        }
      } else if (j.is_array()) {
        for (const auto& e : j) {
          if (!e.is_array() || e.size() != 2) return wrong();
          WR_ASSIGN_OR_RETURN(Value k, DefaultFromJson(*s.key_schema, e[0]));
          WR_ASSIGN_OR_RETURN(Value v, DefaultFromJson(*s.value_schema, e[1]));
          out.emplace_back(std::move(k), std::move(v));
        }
      } else {
        return wrong();
      }
      return Value(std::move(out));
    }
    case Type::kStruct: {
      if (!j.is_object()) return wrong();
      // Built against a schema still being made: the caller passes the finished one.
      data::Struct st;
      for (const data::Field& f : s.fields) {
        auto it = j.find(f.name);
        if (it == j.end()) {
          st.values.push_back(f.schema->default_value ? *f.schema->default_value : Value());
          continue;
        }
        WR_ASSIGN_OR_RETURN(Value v, DefaultFromJson(*f.schema, *it));
        st.values.push_back(std::move(v));
      }
      return Value(std::move(st));
    }
  }
  return wrong();
}

class ConnectSchemaReader {
 public:
  explicit ConnectSchemaReader(const AvroDataOptions& options) : options_(options) {}

  // `field_default`: the default of the record field this schema is the type of, if any.
  Result<SchemaPtr> Read(const Node& n, bool force_optional, const avro::Json* field_default,
                         const std::string& path) {
    if (n.type() == AvroType::kUnion) {
      const auto& branches = n.branches();
      if (branches.size() == 1) return Read(*branches[0], force_optional, nullptr, path);
      if (branches.size() == 2) {
        const Node* other = nullptr;
        bool has_null = false;
        for (const Node* b : branches) {
          if (b->type() == AvroType::kNull) {
            has_null = true;
          } else {
            other = b;
          }
        }
        if (has_null && other != nullptr) return Read(*other, true, nullptr, path);
      }
      return DataError("at " + Where(path) +
                       ": Avro unions other than null and one type are not supported by "
                       "walrelay's AvroConverter");
    }
    if (n.type() == AvroType::kNull) {
      return DataError("at " + Where(path) +
                       ": Standalone null schemas are not supported by this converter");
    }
    if (n.type() == AvroType::kRecord) {
      if (in_progress_.count(&n) != 0) {
        return DataError("at " + Where(path) + ": the recursive record " + n.full_name() +
                         " cannot be a Kafka Connect schema");
      }
    }
    const avro::Json* connect_type = n.Prop("connect.type");
    const std::string& logical = n.logical_type();
    SchemaBuilder b(Type::kStruct);
    switch (n.type()) {
      case AvroType::kBoolean:
        b = SchemaBuilder(Type::kBoolean);
        break;
      case AvroType::kBytes:
      case AvroType::kFixed:
        if (EqualsIgnoreAsciiCase(logical, "decimal")) {
          const avro::Json* scale = n.Prop("scale");
          int scale_value = scale != nullptr && scale->is_number() ? scale->get<int>() : 0;
          b = SchemaBuilder(Type::kBytes)
                  .Name(std::string(kDecimalName))
                  .Version(1)
                  .Parameter("scale", std::to_string(scale_value));
          if (const avro::Json* precision = n.Prop("precision")) {
            if (!precision->is_number_integer()) {
              return DataError("at " + Where(path) + ": precision property must be a JSON Integer");
            }
            if (precision->get<int>() != kDecimalPrecisionDefault) {
              b.Parameter(std::string(kDecimalPrecisionParam),
                          std::to_string(precision->get<int>()));
            }
          }
        } else {
          b = SchemaBuilder(Type::kBytes);
        }
        if (n.type() == AvroType::kFixed) {
          b.Parameter(std::string(kFixedSizeParam), std::to_string(n.fixed_size()));
        }
        break;
      case AvroType::kDouble:
        b = SchemaBuilder(Type::kFloat64);
        break;
      case AvroType::kFloat:
        b = SchemaBuilder(Type::kFloat32);
        break;
      case AvroType::kInt:
        if (connect_type == nullptr && logical.empty()) {
          b = SchemaBuilder(Type::kInt32);
        } else if (!logical.empty()) {
          if (EqualsIgnoreAsciiCase(logical, "date")) {
            b = SchemaBuilder(Type::kInt32).Name(std::string(kDateName)).Version(1);
          } else if (EqualsIgnoreAsciiCase(logical, "time-millis")) {
            b = SchemaBuilder(Type::kInt32).Name(std::string(kTimeName)).Version(1);
          } else {
            b = SchemaBuilder(Type::kInt32);
          }
        } else if (connect_type->is_string() && *connect_type == "int8") {
          b = SchemaBuilder(Type::kInt8);
        } else if (connect_type->is_string() && *connect_type == "int16") {
          b = SchemaBuilder(Type::kInt16);
        } else {
          return DataError("at " + Where(path) + ": Connect type annotation " +
                           connect_type->dump() + " for an Avro int is not int8 or int16");
        }
        break;
      case AvroType::kLong:
        if (EqualsIgnoreAsciiCase(logical, "timestamp-millis")) {
          b = SchemaBuilder(Type::kInt64).Name(std::string(kTimestampName)).Version(1);
        } else {
          b = SchemaBuilder(Type::kInt64);
        }
        break;
      case AvroType::kString:
        b = SchemaBuilder(Type::kString);
        break;
      case AvroType::kArray: {
        const Node& items = n.items();
        if (IsMapEntry(items)) {
          const avro::Field* key = items.FindField("key");
          const avro::Field* value = items.FindField("value");
          if (items.fields().size() != 2 || key == nullptr || value == nullptr) {
            return DataError("at " + Where(path) +
                             ": Found map encoded as array of key-value pairs, but array "
                             "elements do not match the expected format.");
          }
          WR_ASSIGN_OR_RETURN(SchemaPtr k, Read(*key->schema, false, nullptr, path + ".key"));
          WR_ASSIGN_OR_RETURN(SchemaPtr v, Read(*value->schema, false, nullptr, path + ".value"));
          b = SchemaBuilder(Type::kMap).Keys(std::move(k)).Values(std::move(v));
        } else {
          WR_ASSIGN_OR_RETURN(SchemaPtr e, Read(items, false, nullptr, path + "[]"));
          b = SchemaBuilder(Type::kArray).Items(std::move(e));
        }
        break;
      }
      case AvroType::kMap: {
        WR_ASSIGN_OR_RETURN(SchemaPtr v, Read(n.values(), false, nullptr, path + "{}"));
        b = SchemaBuilder(Type::kMap)
                .Keys(data::PrimitiveSchema(Type::kString, false))
                .Values(std::move(v));
        break;
      }
      case AvroType::kRecord: {
        b = SchemaBuilder(Type::kStruct);
        in_progress_.insert(&n);
        if (!options_.discard_type_doc_default && options_.connect_meta_data && n.doc()) {
          b.Parameter(std::string(kRecordDocParam), *n.doc());
        }
        for (const avro::Field& f : n.fields()) {
          if (!options_.discard_type_doc_default && options_.connect_meta_data && f.doc) {
            b.Parameter(std::string(kFieldDocPrefix) + f.name, *f.doc);
          }
          const avro::Json* def = f.default_value ? &*f.default_value : nullptr;
          std::string field_path = path.empty() ? f.name : path + "." + f.name;
          WR_ASSIGN_OR_RETURN(SchemaPtr fs, Read(*f.schema, false, def, field_path));
          b.AddField(f.name, std::move(fs));
        }
        in_progress_.erase(&n);
        break;
      }
      case AvroType::kEnum: {
        b = SchemaBuilder(Type::kString);
        if (options_.connect_meta_data) {
          if (n.doc()) {
            b.Parameter(options_.discard_type_doc_default ? std::string(kConnectEnumDocParam)
                                                          : std::string(kEnumDocPrefix) + n.name(),
                        *n.doc());
          }
          if (!options_.discard_type_doc_default && n.enum_default()) {
            b.Parameter(std::string(kEnumDefaultPrefix) + n.name(), *n.enum_default());
          }
        }
        b.Parameter(std::string(kEnumParam), n.full_name());
        for (const std::string& symbol : n.symbols()) {
          b.Parameter(std::string(kEnumParam) + "." + symbol, symbol);
        }
        break;
      }
      default:
        return DataError("at " + Where(path) + ": Couldn't translate unsupported schema type " +
                         avro::AvroTypeName(n.type()));
    }

    // Metadata, in AvroData's order.
    if (options_.discard_type_doc_default) {
      if (n.doc()) {
        b.Doc(*n.doc());
      } else if (const avro::Json* d = n.Prop("connect.doc"); d != nullptr && d->is_string()) {
        b.Doc(d->get<std::string>());
      }
    } else if (const avro::Json* d = n.Prop("connect.doc");
               options_.connect_meta_data && d != nullptr && d->is_string()) {
      b.Doc(d->get<std::string>());
    }
    if (const avro::Json* v = n.Prop("connect.version")) {
      if (!v->is_number_integer()) {
        return DataError("at " + Where(path) + ": Invalid Connect version found: " + v->dump());
      }
      b.Version(v->get<int32_t>());
    }
    if (const avro::Json* params = n.Prop("connect.parameters");
        options_.connect_meta_data && params != nullptr) {
      if (!params->is_object()) {
        return DataError(
            "at " + Where(path) +
            ": Expected JSON object for schema parameters but found: " + params->dump());
      }
      for (const auto& [k, v] : params->items()) {
        if (!v.is_string()) {
          return DataError(
              "at " + Where(path) +
              ": Expected schema parameter values to be strings but found: " + v.dump());
        }
        SetParameter(b, k, v.get<std::string>());
      }
    }
    for (const auto& [k, v] : n.props()) {
      if (k.compare(0, 4, "avro") == 0) SetParameter(b, k, PropText(v));
    }
    const avro::Json* connect_default = n.Prop("connect.default");
    const avro::Json* default_json = field_default;
    if (default_json == nullptr) {
      default_json = connect_default;
    } else if (!options_.discard_type_doc_default && options_.connect_meta_data &&
               connect_default == nullptr) {
      SetParameter(b, std::string(kFieldDefaultFlag), "true");
    }
    std::string name;
    if (const avro::Json* cn = n.Prop("connect.name")) {
      if (!cn->is_string()) {
        return DataError("at " + Where(path) + ": Invalid schema name: " + cn->dump());
      }
      name = cn->get<std::string>();
    } else if (n.type() == AvroType::kRecord || n.type() == AvroType::kEnum) {
      name = n.full_name();
    } else if (n.type() == AvroType::kFixed && !EqualsIgnoreAsciiCase(logical, "decimal")) {
      name = n.full_name();
    }
    const std::string default_prefix = std::string(kNamespace) + ".ConnectDefault";
    if (!name.empty() && name.compare(0, default_prefix.size(), default_prefix) != 0) {
      b.Name(name);
    }
    if (force_optional) b.Optional();
    if (default_json != nullptr) {
      SchemaPtr shape = b.Build();
      Result<Value> def = DefaultFromJson(*shape, *default_json);
      if (def.ok()) {
        if (!def->is_null() || shape->optional) {
          b.Default(std::make_shared<const Value>(std::move(def).value()));
        }
      } else {
        LogWarn("avro",
                "ignoring an invalid default at " + Where(path) + ": " + def.status().message());
      }
    }
    return b.Build();
  }

 private:
  static std::string Where(const std::string& path) { return path.empty() ? "(root)" : path; }

  // Connect's SchemaBuilder.parameter replaces an existing value in place.
  static void SetParameter(SchemaBuilder& b, const std::string& k, const std::string& v) {
    SchemaPtr probe = b.Build();
    for (const auto& [pk, pv] : probe->parameters) {
      if (pk == k) {
        // Rebuilding the list keeps the order; this only happens for repeated keys.
        Schema copy = *probe;
        for (auto& [ck, cv] : copy.parameters) {
          if (ck == k) cv = v;
        }
        b = FromSchema(copy);
        return;
      }
    }
    b.Parameter(k, v);
  }

  static SchemaBuilder FromSchema(const Schema& s) {
    SchemaBuilder b(s.type);
    b.Optional(s.optional);
    if (!s.name.empty()) b.Name(s.name);
    if (s.version) b.Version(*s.version);
    if (!s.doc.empty()) b.Doc(s.doc);
    for (const auto& [k, v] : s.parameters) b.Parameter(k, v);
    for (const data::Field& f : s.fields) b.AddField(f.name, f.schema);
    if (s.key_schema) b.Keys(s.key_schema);
    if (s.value_schema) b.Values(s.value_schema);
    if (s.default_value) b.Default(s.default_value);
    return b;
  }

  const AvroDataOptions& options_;
  std::set<const Node*> in_progress_;
};

// The unscaled value of a fixed-size Decimal, without the sign-extension bytes the fixed size
// added (BigInteger.toByteArray's minimal form, which the JSON converter writes).
std::string MinimalTwosComplement(const std::string& bytes) {
  size_t start = 0;
  while (start + 1 < bytes.size()) {
    unsigned char b0 = static_cast<unsigned char>(bytes[start]);
    unsigned char b1 = static_cast<unsigned char>(bytes[start + 1]);
    if ((b0 == 0x00 && (b1 & 0x80) == 0) || (b0 == 0xFF && (b1 & 0x80) != 0)) {
      ++start;
    } else {
      break;
    }
  }
  return bytes.substr(start);
}

Result<Value> ToValue(const Node& n, const SchemaPtr& sp, const Datum& d, const std::string& path) {
  const Schema& s = *sp;
  if (n.type() == AvroType::kUnion) {
    if (d.type() != AvroType::kUnion) {
      return DataError("at " + (path.empty() ? std::string("(root)") : path) +
                       ": a union datum was expected");
    }
    const auto& branches = n.branches();
    if (d.union_branch() < 0 || static_cast<size_t>(d.union_branch()) >= branches.size()) {
      return DataError("union branch out of range");
    }
    const Node& branch = *branches[d.union_branch()];
    if (branch.type() == AvroType::kNull) return Value();
    return ToValue(branch, sp, d.union_value(), path);
  }
  auto wrong = [&]() -> Status {
    return DataError("at " + (path.empty() ? std::string("(root)") : path) + ": an Avro " +
                     avro::AvroTypeName(d.type()) + " does not fit Connect type " +
                     data::TypeName(s.type));
  };
  switch (d.type()) {
    case AvroType::kNull:
      return Value();
    case AvroType::kBoolean:
      return Value(d.bool_value());
    case AvroType::kInt:
      return Value(static_cast<int64_t>(d.int_value()));
    case AvroType::kLong:
      return Value(d.long_value());
    case AvroType::kFloat:
      return Value(static_cast<double>(d.float_value()));
    case AvroType::kDouble:
      return Value(d.double_value());
    case AvroType::kString:
      return Value(d.string_value());
    case AvroType::kEnum:
      return Value(d.enum_symbol());
    case AvroType::kBytes:
      return Value(data::Bytes{d.bytes_value()});
    case AvroType::kFixed:
      if (IsNamed(s, kDecimalName)) {
        return Value(data::Bytes{MinimalTwosComplement(d.bytes_value())});
      }
      return Value(data::Bytes{d.bytes_value()});
    case AvroType::kArray: {
      if (s.type == Type::kMap) {
        const Node& entry = n.items();
        const avro::Field* key = entry.FindField("key");
        const avro::Field* value = entry.FindField("value");
        if (key == nullptr || value == nullptr) return wrong();
        data::Map out;
        out.reserve(d.items().size());
        for (const Datum& e : d.items()) {
          if (e.type() != AvroType::kRecord || e.fields().size() != 2) return wrong();
          WR_ASSIGN_OR_RETURN(Value k, ToValue(*key->schema, s.key_schema,
                                               e.fields()[key->position], path + ".key"));
          WR_ASSIGN_OR_RETURN(Value v, ToValue(*value->schema, s.value_schema,
                                               e.fields()[value->position], path + ".value"));
          out.emplace_back(std::move(k), std::move(v));
        }
        return Value(std::move(out));
      }
      if (s.type != Type::kArray) return wrong();
      data::Array out;
      out.reserve(d.items().size());
      for (const Datum& e : d.items()) {
        WR_ASSIGN_OR_RETURN(Value v, ToValue(n.items(), s.value_schema, e, path + "[]"));
        out.push_back(std::move(v));
      }
      return Value(std::move(out));
    }
    case AvroType::kMap: {
      if (s.type != Type::kMap) return wrong();
      data::Map out;
      out.reserve(d.entries().size());
      for (const auto& [k, e] : d.entries()) {
        WR_ASSIGN_OR_RETURN(Value v, ToValue(n.values(), s.value_schema, e, path + "{}"));
        out.emplace_back(Value(k), std::move(v));
      }
      return Value(std::move(out));
    }
    case AvroType::kRecord: {
      if (s.type != Type::kStruct || n.fields().size() != s.fields.size() ||
          d.fields().size() != n.fields().size()) {
        return wrong();
      }
      data::Struct st;
      st.schema = sp;
      st.values.reserve(s.fields.size());
      for (size_t i = 0; i < s.fields.size(); ++i) {
        const avro::Field& f = n.fields()[i];
        WR_ASSIGN_OR_RETURN(Value v, ToValue(*f.schema, s.fields[i].schema, d.fields()[i],
                                             path.empty() ? f.name : path + "." + f.name));
        st.values.push_back(std::move(v));
      }
      return Value(std::move(st));
    }
    default:
      return wrong();
  }
}

}  // namespace

Result<data::SchemaPtr> AvroToConnectSchema(const avro::Node& schema,
                                            const AvroDataOptions& options) {
  ConnectSchemaReader reader(options);
  return reader.Read(schema, false, nullptr, "");
}

Result<data::Value> AvroToConnectValue(const avro::Node& schema, const data::SchemaPtr& connect,
                                       const avro::Datum& datum) {
  if (!connect) return DataError("no Connect schema to read the Avro value with");
  return ToValue(schema, connect, datum, "");
}

}  // namespace walrelay::convert
