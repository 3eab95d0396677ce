#include "avro/schema.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "avro/json_text.h"
#include "common/strings.h"

namespace walrelay::avro {

const char* AvroTypeName(AvroType type) {
  switch (type) {
    case AvroType::kNull:
      return "null";
    case AvroType::kBoolean:
      return "boolean";
    case AvroType::kInt:
      return "int";
    case AvroType::kLong:
      return "long";
    case AvroType::kFloat:
      return "float";
    case AvroType::kDouble:
      return "double";
    case AvroType::kBytes:
      return "bytes";
    case AvroType::kString:
      return "string";
    case AvroType::kRecord:
      return "record";
    case AvroType::kEnum:
      return "enum";
    case AvroType::kArray:
      return "array";
    case AvroType::kMap:
      return "map";
    case AvroType::kUnion:
      return "union";
    case AvroType::kFixed:
      return "fixed";
  }
  return "?";
}

namespace {

const Json* FindProp(const Props& props, std::string_view key) {
  for (const auto& [k, v] : props) {
    if (k == key) return &v;
  }
  return nullptr;
}

// The primitive type named `name`, if it is one.
std::optional<AvroType> PrimitiveType(std::string_view name) {
  static const std::pair<std::string_view, AvroType> kPrimitives[] = {
      {"null", AvroType::kNull},   {"boolean", AvroType::kBoolean}, {"int", AvroType::kInt},
      {"long", AvroType::kLong},   {"float", AvroType::kFloat},     {"double", AvroType::kDouble},
      {"bytes", AvroType::kBytes}, {"string", AvroType::kString},
  };
  for (const auto& [n, t] : kPrimitives) {
    if (n == name) return t;
  }
  return std::nullopt;
}

bool IsTypeName(std::string_view name) {
  static const std::string_view kTypes[] = {"string", "bytes",   "int",   "long",   "float",
                                            "double", "boolean", "null",  "record", "enum",
                                            "array",  "map",     "union", "fixed"};
  for (std::string_view t : kTypes) {
    if (t == name) return true;
  }
  return false;
}

std::string Compact(const Json& j) {
  std::string out;
  AppendJsonValue(&out, j);
  return out;
}

// Avro Java's validateName: a letter or '_', then letters, digits or '_'. Java's
// Character.isLetter accepts every Unicode letter; non-ASCII bytes are accepted here as such
// (a stricter check would need Unicode tables for no practical gain).
Status ValidateName(std::string_view name) {
  if (name.empty()) return InvalidArgument("Empty name");
  auto letter = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c >= 0x80;
  };
  if (!letter(static_cast<unsigned char>(name[0]))) {
    return InvalidArgument("Illegal initial character: " + std::string(name));
  }
  for (char ch : name.substr(1)) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!letter(c) && !(c >= '0' && c <= '9')) {
      return InvalidArgument("Illegal character in: " + std::string(name));
    }
  }
  return Status::Ok();
}

// Java's Double.valueOf for the forms that occur in schema texts (decimal and exponent notation,
// "NaN", "[+-]Infinity", surrounding whitespace, a trailing d/D/f/F).
std::optional<double> JavaParseDouble(std::string_view text) {
  std::string t(Trim(text));
  if (t == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (t == "Infinity" || t == "+Infinity") return std::numeric_limits<double>::infinity();
  if (t == "-Infinity") return -std::numeric_limits<double>::infinity();
  if (!t.empty() && (t.back() == 'd' || t.back() == 'D' || t.back() == 'f' || t.back() == 'F')) {
    t.pop_back();
  }
  if (t.empty()) return std::nullopt;
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size()) return std::nullopt;
  return d;
}

}  // namespace

const Json* Field::Prop(std::string_view key) const { return FindProp(props, key); }

const Field* Node::FindField(std::string_view name) const {
  for (const Field& f : fields_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

int Node::SymbolIndex(std::string_view symbol) const {
  for (size_t i = 0; i < symbols_.size(); ++i) {
    if (symbols_[i] == symbol) return static_cast<int>(i);
  }
  return -1;
}

const Json* Node::Prop(std::string_view key) const { return FindProp(props_, key); }

const std::string& Node::TypeName() const { return type_name_; }

const Node* Schema::FindNamed(std::string_view full_name) const {
  for (const auto& n : nodes_) {
    if (n->is_named() && n->full_name() == full_name) return n.get();
  }
  return nullptr;
}

// Builds a Schema from parsed JSON, as Avro Java's Schema.parse(JsonNode, Names) does, and
// writes schemas back as text. One builder per parse.
class SchemaBuilder {
 public:
  explicit SchemaBuilder(const ParseOptions& options)
      : options_(options), schema_(std::make_shared<Schema>()) {}

  Result<std::shared_ptr<const Schema>> Build(const Json& json) {
    auto root = Parse(json);
    if (!root.ok()) return root.status();
    schema_->root_ = *root;
    return std::shared_ptr<const Schema>(std::move(schema_));
  }

  // Schema.toString() of `node`: names already written (full names) are in `known`.
  static void WriteJson(const Node& node, std::unordered_set<std::string>* known,
                        const std::string& space, std::string* out);
  static void WriteCanonical(const Node& node, std::unordered_set<std::string>* known,
                             std::string* out);

 private:
  Node* NewNode(AvroType type) {
    schema_->nodes_.push_back(std::make_unique<Node>());
    Node* n = schema_->nodes_.back().get();
    n->type_ = type;
    if (!IsNamedType(type)) n->type_name_ = AvroTypeName(type);
    return n;
  }

  // Names.get: a primitive, the name in the current namespace, or the name as a full name.
  const Node* Lookup(const std::string& name) {
    if (auto prim = PrimitiveType(name)) return NewNode(*prim);
    return LookupNamed(name);
  }
  const Node* LookupNamed(const std::string& name) const {
    if (name.find('.') == std::string::npos && !space_.empty()) {
      auto it = names_.find(space_ + "." + name);
      if (it != names_.end()) return it->second;
    }
    auto it = names_.find(name);
    return it == names_.end() ? nullptr : it->second;
  }

  Status SetName(Node* n, const std::string& name, const std::string& space) {
    std::string ns = space;
    std::string simple = name;
    size_t dot = name.rfind('.');
    if (dot != std::string::npos) {
      ns = name.substr(0, dot);
      simple = name.substr(dot + 1);
    }
    WR_RETURN_IF_ERROR(ValidateName(simple));
    n->name_ = simple;
    n->namespace_ = ns;
    n->full_name_ = ns.empty() ? simple : ns + "." + simple;
    n->type_name_ = n->full_name_;
    if (PrimitiveType(n->full_name_)) {
      return InvalidArgument("Schemas may not be named after primitives: " + n->full_name_);
    }
    if (!names_.emplace(n->full_name_, n).second) {
      return InvalidArgument("Can't redefine: " + n->full_name_);
    }
    return Status::Ok();
  }

  static Result<std::vector<std::string>> ParseAliases(const Json& obj) {
    std::vector<std::string> out;
    auto it = obj.find("aliases");
    if (it == obj.end()) return out;
    if (!it->is_array()) return InvalidArgument("aliases not an array: " + Compact(obj));
    for (const Json& a : *it) {
      if (!a.is_string()) return InvalidArgument("alias not a string: " + Compact(a));
      const std::string& s = a.get_ref<const std::string&>();
      bool dup = false;
      for (const auto& x : out) dup = dup || x == s;
      if (!dup) out.push_back(s);
    }
    return out;
  }

  static std::optional<std::string> OptionalText(const Json& obj, const char* key) {
    auto it = obj.find(key);
    if (it == obj.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  }

  Result<const Node*> Parse(const Json& json) {
    if (++depth_ > kMaxDepth) return InvalidArgument("schema nested too deeply");
    auto r = ParseInner(json);
    --depth_;
    return r;
  }

  Result<const Node*> ParseInner(const Json& json) {
    if (json.is_string()) {
      const Node* n = Lookup(json.get<std::string>());
      if (n == nullptr) return InvalidArgument("Undefined name: " + Compact(json));
      return n;
    }
    if (json.is_array()) return ParseUnion(json);
    if (!json.is_object()) return InvalidArgument("Schema not yet supported: " + Compact(json));

    std::optional<std::string> type = OptionalText(json, "type");
    if (!type) return InvalidArgument("No type: " + Compact(json));
    const bool is_error = *type == "error";
    const bool is_record = *type == "record" || is_error;
    const bool is_enum = *type == "enum";
    const bool is_fixed = *type == "fixed";
    const std::string saved_space = space_;
    Node* n = nullptr;
    if (auto prim = PrimitiveType(*type)) {
      n = NewNode(*prim);
    } else if (is_record || is_enum || is_fixed) {
      n = NewNode(is_record ? AvroType::kRecord : is_enum ? AvroType::kEnum : AvroType::kFixed);
      n->is_error_ = is_error;
      std::string space = OptionalText(json, "namespace").value_or(space_);
      n->doc_ = OptionalText(json, "doc");
      std::optional<std::string> name = OptionalText(json, "name");
      if (!name) return InvalidArgument("No name in schema: " + Compact(json));
      if (is_record || is_fixed) {
        // A record is named before its fields are parsed, so that they can refer to it; an
        // enum's name is registered after its symbols are checked, as Avro Java does.
        WR_RETURN_IF_ERROR(SetName(n, *name, space));
      } else {
        std::string probe =
            name->find('.') == std::string::npos ? *name : name->substr(name->rfind('.') + 1);
        WR_RETURN_IF_ERROR(ValidateName(probe));
      }
      if (is_enum) {
        std::string ns = space;
        if (size_t dot = name->rfind('.'); dot != std::string::npos) ns = name->substr(0, dot);
        space_ = ns;
      } else {
        space_ = n->namespace_;
      }
      if (is_record) {
        WR_RETURN_IF_ERROR(ParseFields(json, n));
      } else if (is_enum) {
        WR_RETURN_IF_ERROR(ParseEnum(json, n));
        WR_RETURN_IF_ERROR(SetName(n, *name, space));
      } else {
        auto size = json.find("size");
        if (size == json.end() || !size->is_number_integer() ||
            size->get<int64_t>() > std::numeric_limits<int32_t>::max() ||
            size->get<int64_t>() < std::numeric_limits<int32_t>::min()) {
          return InvalidArgument("Invalid or no size: " + Compact(json));
        }
        if (size->get<int64_t>() < 0) {
          return InvalidArgument("Invalid fixed size " + Compact(*size) + ": " + Compact(json));
        }
        n->fixed_size_ = static_cast<size_t>(size->get<int64_t>());
      }
    } else if (*type == "array" || *type == "map") {
      bool array = *type == "array";
      auto child = json.find(array ? "items" : "values");
      if (child == json.end()) {
        return InvalidArgument(
            std::string(array ? "Array has no items type: " : "Map has no values type: ") +
            Compact(json));
      }
      n = NewNode(array ? AvroType::kArray : AvroType::kMap);
      WR_ASSIGN_OR_RETURN(n->child_, Parse(*child));
    } else {
      // {"type": "SomeName"}: a reference to a named type (in the current namespace).
      std::string full =
          type->find('.') == std::string::npos && !space_.empty() ? space_ + "." + *type : *type;
      auto it = names_.find(full);
      if (it != names_.end()) return it->second;
      return InvalidArgument("Type not supported: " + *type);
    }

    static const std::string_view kSchemaReserved[] = {"doc",       "fields", "items",   "name",
                                                       "namespace", "size",   "symbols", "values",
                                                       "type",      "aliases"};
    for (auto it = json.begin(); it != json.end(); ++it) {
      bool reserved = is_enum && it.key() == "default";
      for (std::string_view r : kSchemaReserved) reserved = reserved || it.key() == r;
      if (!reserved) n->props_.emplace_back(it.key(), it.value());
    }
    if (const Json* lt = n->Prop("logicalType"); lt != nullptr && lt->is_string()) {
      n->logical_type_ = lt->get<std::string>();
    }
    space_ = saved_space;
    if (n->is_named()) {
      WR_ASSIGN_OR_RETURN(std::vector<std::string> aliases, ParseAliases(json));
      for (const std::string& a : aliases) {
        std::string full = a.find('.') == std::string::npos && !n->namespace_.empty()
                               ? n->namespace_ + "." + a
                               : a;
        bool dup = false;
        for (const auto& x : n->aliases_) dup = dup || x == full;
        if (!dup) n->aliases_.push_back(std::move(full));
      }
    }
    return n;
  }

  Status ParseEnum(const Json& json, Node* n) {
    auto symbols = json.find("symbols");
    if (symbols == json.end() || !symbols->is_array()) {
      return InvalidArgument("Enum has no symbols: " + Compact(json));
    }
    std::unordered_set<std::string> seen;
    for (const Json& s : *symbols) {
      if (!s.is_string()) return InvalidArgument("Null name");
      const std::string& sym = s.get_ref<const std::string&>();
      WR_RETURN_IF_ERROR(ValidateName(sym));
      if (!seen.insert(sym).second) return InvalidArgument("Duplicate enum symbol: " + sym);
      n->symbols_.push_back(sym);
    }
    if (auto def = json.find("default"); def != json.end() && def->is_string()) {
      const std::string& d = def->get_ref<const std::string&>();
      if (!seen.count(d)) {
        std::string list = "[";
        for (size_t i = 0; i < n->symbols_.size(); ++i) {
          if (i > 0) list += ", ";
          list += n->symbols_[i];
        }
        return InvalidArgument("The Enum Default: " + d +
                               " is not in the enum symbol set: " + list + "]");
      }
      n->enum_default_ = d;
    }
    return Status::Ok();
  }

  Status ParseFields(const Json& json, Node* record) {
    auto fields = json.find("fields");
    if (fields == json.end() || !fields->is_array()) {
      return InvalidArgument("Record has no fields: " + Compact(json));
    }
    for (const Json& fj : *fields) {
      if (!fj.is_object()) return InvalidArgument("No field name: " + Compact(fj));
      std::optional<std::string> name = OptionalText(fj, "name");
      if (!name) return InvalidArgument("No field name: " + Compact(fj));
      auto type = fj.find("type");
      if (type == fj.end()) return InvalidArgument("No field type: " + Compact(fj));
      if (type->is_string() && !PrimitiveType(type->get<std::string>()) &&
          LookupNamed(type->get<std::string>()) == nullptr) {
        return InvalidArgument(Compact(*type) + " is not a defined name. The type of the \"" +
                               *name +
                               "\" field must be a defined name or a {\"type\": ...} expression.");
      }
      Field f;
      f.name = *name;
      f.doc = OptionalText(fj, "doc");
      WR_ASSIGN_OR_RETURN(f.schema, Parse(*type));
      if (auto order = fj.find("order"); order != fj.end()) {
        std::string o = order->is_string() ? ToUpper(order->get<std::string>()) : "";
        if (o == "ASCENDING") {
          f.order = FieldOrder::kAscending;
        } else if (o == "DESCENDING") {
          f.order = FieldOrder::kDescending;
        } else if (o == "IGNORE") {
          f.order = FieldOrder::kIgnore;
        } else {
          return InvalidArgument("Invalid order " + Compact(*order) + " of field " + *name +
                                 " (ascending, descending or ignore)");
        }
      }
      if (auto def = fj.find("default"); def != fj.end()) {
        Json value = *def;
        AvroType ft = f.schema->type();
        if ((ft == AvroType::kFloat || ft == AvroType::kDouble) && value.is_string()) {
          // Avro Java reads a float or double default given as text with Double.valueOf.
          std::optional<double> d = JavaParseDouble(value.get<std::string>());
          if (!d) {
            return InvalidArgument("Invalid default for field " + *name + ": " + Compact(value) +
                                   " is not a number");
          }
          if (std::isfinite(*d)) {
            value = *d;
          } else {
            value = std::isnan(*d) ? "NaN" : *d > 0 ? "Infinity" : "-Infinity";
          }
        }
        if (options_.validate_defaults && !IsValidDefault(*f.schema, &value, 0)) {
          std::string schema_text;
          std::unordered_set<std::string> known;
          WriteJson(*f.schema, &known, "", &schema_text);
          return InvalidArgument("Invalid default for field " + *name + ": " + Compact(value) +
                                 " not a " + schema_text);
        }
        f.default_value = std::move(value);
      }
      static const std::string_view kFieldReserved[] = {"default", "doc",  "name",
                                                        "order",   "type", "aliases"};
      for (auto it = fj.begin(); it != fj.end(); ++it) {
        bool reserved = false;
        for (std::string_view r : kFieldReserved) reserved = reserved || it.key() == r;
        if (!reserved) f.props.emplace_back(it.key(), it.value());
      }
      WR_ASSIGN_OR_RETURN(f.aliases, ParseAliases(fj));
      WR_RETURN_IF_ERROR(ValidateName(f.name));
      for (const Field& other : record->fields_) {
        if (other.name == f.name) {
          // Java's text, with its Field.toString() of both fields.
          auto describe = [](const Field& x, size_t pos) {
            return x.name + " type:" + ToUpper(AvroTypeName(x.schema->type())) +
                   " pos:" + std::to_string(pos);
          };
          return InvalidArgument("Duplicate field " + f.name + " in record " + record->full_name_ +
                                 ": " + describe(f, record->fields_.size()) + " and " +
                                 describe(other, other.position) + ".");
        }
      }
      f.position = record->fields_.size();
      record->fields_.push_back(std::move(f));
    }
    return Status::Ok();
  }

  Result<const Node*> ParseUnion(const Json& json) {
    Node* n = NewNode(AvroType::kUnion);
    std::unordered_set<std::string> seen;
    for (const Json& b : json) {
      WR_ASSIGN_OR_RETURN(const Node* branch, Parse(b));
      if (branch->type() == AvroType::kUnion) {
        return InvalidArgument("Nested union: " + Compact(json));
      }
      if (!seen.insert(branch->TypeName()).second) {
        return InvalidArgument("Duplicate in union:" + branch->TypeName());
      }
      n->branches_.push_back(branch);
    }
    return n;
  }

 public:
  // Avro Java 1.11's Schema.isValidDefault. `value` may be null (a record field neither in the
  // default object nor with a default of its own).
  static bool IsValidDefault(const Node& s, const Json* value, int depth) {
    if (value == nullptr || depth > kMaxDepth) return false;
    switch (s.type()) {
      case AvroType::kString:
      case AvroType::kBytes:
      case AvroType::kEnum:
      case AvroType::kFixed:
        return value->is_string();
      case AvroType::kInt:
        if (value->is_number_unsigned()) {
          return value->get<uint64_t>() <=
                 static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
        }
        return value->is_number_integer() &&
               value->get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
               value->get<int64_t>() <= std::numeric_limits<int32_t>::max();
      case AvroType::kLong:
        if (value->is_number_unsigned()) {
          return value->get<uint64_t>() <=
                 static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
        }
        return value->is_number_integer();
      case AvroType::kFloat:
      case AvroType::kDouble:
        // ParseSchema stores a non-finite field default given as text as that text (Java turns
        // such text into a double only for a field's own default, not inside other values).
        return value->is_number() ||
               (depth == 0 && value->is_string() &&
                (*value == "NaN" || *value == "Infinity" || *value == "-Infinity"));
      case AvroType::kBoolean:
        return value->is_boolean();
      case AvroType::kNull:
        return value->is_null();
      case AvroType::kArray:
        if (!value->is_array()) return false;
        for (const Json& e : *value) {
          if (!IsValidDefault(s.items(), &e, depth + 1)) return false;
        }
        return true;
      case AvroType::kMap:
        if (!value->is_object()) return false;
        for (const auto& e : value->items()) {
          if (!IsValidDefault(s.values(), &e.value(), depth + 1)) return false;
        }
        return true;
      case AvroType::kUnion:
        return !s.branches().empty() && IsValidDefault(*s.branches()[0], value, depth + 1);
      case AvroType::kRecord:
        if (!value->is_object()) return false;
        for (const Field& f : s.fields()) {
          auto it = value->find(f.name);
          const Json* v = it != value->end() ? &*it : f.default_value ? &*f.default_value : nullptr;
          if (!IsValidDefault(*f.schema, v, depth + 1)) return false;
        }
        return true;
    }
    return false;
  }

  static constexpr int kMaxDepth = 500;

 private:
  ParseOptions options_;
  std::shared_ptr<Schema> schema_;
  std::unordered_map<std::string, Node*> names_;
  std::string space_;
  int depth_ = 0;
};

namespace {

void WriteProps(const Props& props, std::string* out) {
  for (const auto& [k, v] : props) {
    out->push_back(',');
    AppendJsonString(out, k);
    out->push_back(':');
    AppendJsonValue(out, v);
  }
}

// Name.getQualified: the short name when the namespace is the enclosing one (and the name is not
// a type name), the full name otherwise.
std::string Qualified(const std::string& name, const std::string& ns, const std::string& full,
                      const std::string& space) {
  if (!ns.empty() && ns == space && !IsTypeName(name)) return name;
  return full;
}

}  // namespace

void SchemaBuilder::WriteJson(const Node& n, std::unordered_set<std::string>* known,
                              const std::string& space, std::string* out) {
  if (n.is_named()) {
    if (known->count(n.full_name())) {
      AppendJsonString(out, Qualified(n.name(), n.name_space(), n.full_name(), space));
      return;
    }
    known->insert(n.full_name());
    out->append("{\"type\":");
    AppendJsonString(out, n.is_error() ? "error" : AvroTypeName(n.type()));
    out->append(",\"name\":");
    AppendJsonString(out, n.name());
    if (!n.name_space().empty()) {
      if (n.name_space() != space) {
        out->append(",\"namespace\":");
        AppendJsonString(out, n.name_space());
      }
    } else if (!space.empty()) {
      out->append(",\"namespace\":\"\"");
    }
    if (n.doc()) {
      out->append(",\"doc\":");
      AppendJsonString(out, *n.doc());
    }
    if (n.type() == AvroType::kRecord) {
      out->append(",\"fields\":[");
      bool first = true;
      for (const Field& f : n.fields()) {
        if (!first) out->push_back(',');
        first = false;
        out->append("{\"name\":");
        AppendJsonString(out, f.name);
        out->append(",\"type\":");
        WriteJson(*f.schema, known, n.name_space(), out);
        if (f.doc) {
          out->append(",\"doc\":");
          AppendJsonString(out, *f.doc);
        }
        if (f.default_value) {
          out->append(",\"default\":");
          AppendJsonValue(out, *f.default_value);
        }
        if (f.order != FieldOrder::kAscending) {
          out->append(f.order == FieldOrder::kDescending ? ",\"order\":\"descending\""
                                                         : ",\"order\":\"ignore\"");
        }
        if (!f.aliases.empty()) {
          out->append(",\"aliases\":");
          AppendJsonStringArray(out, f.aliases);
        }
        WriteProps(f.props, out);
        out->push_back('}');
      }
      out->push_back(']');
    } else if (n.type() == AvroType::kEnum) {
      out->append(",\"symbols\":");
      AppendJsonStringArray(out, n.symbols());
      if (n.enum_default()) {
        out->append(",\"default\":");
        AppendJsonString(out, *n.enum_default());
      }
    } else {
      out->append(",\"size\":");
      out->append(std::to_string(n.fixed_size()));
    }
    WriteProps(n.props(), out);
    if (!n.aliases().empty()) {
      out->append(",\"aliases\":[");
      for (size_t i = 0; i < n.aliases().size(); ++i) {
        if (i > 0) out->push_back(',');
        const std::string& a = n.aliases()[i];
        size_t dot = a.rfind('.');
        std::string ns = dot == std::string::npos ? "" : a.substr(0, dot);
        std::string simple = dot == std::string::npos ? a : a.substr(dot + 1);
        AppendJsonString(out, Qualified(simple, ns, a, n.name_space()));
      }
      out->push_back(']');
    }
    out->push_back('}');
    return;
  }
  switch (n.type()) {
    case AvroType::kArray:
    case AvroType::kMap:
      out->append(n.type() == AvroType::kArray ? "{\"type\":\"array\",\"items\":"
                                               : "{\"type\":\"map\",\"values\":");
      WriteJson(n.items(), known, space, out);
      WriteProps(n.props(), out);
      out->push_back('}');
      return;
    case AvroType::kUnion: {
      out->push_back('[');
      bool first = true;
      for (const Node* b : n.branches()) {
        if (!first) out->push_back(',');
        first = false;
        WriteJson(*b, known, space, out);
      }
      out->push_back(']');
      return;
    }
    default:
      if (n.props().empty()) {
        AppendJsonString(out, AvroTypeName(n.type()));
      } else {
        out->append("{\"type\":");
        AppendJsonString(out, AvroTypeName(n.type()));
        WriteProps(n.props(), out);
        out->push_back('}');
      }
  }
}

void SchemaBuilder::WriteCanonical(const Node& n, std::unordered_set<std::string>* known,
                                   std::string* out) {
  if (n.is_named()) {
    if (!known->insert(n.full_name()).second) {
      AppendJsonString(out, n.full_name());
      return;
    }
    out->append("{\"name\":");
    AppendJsonString(out, n.full_name());
    out->append(",\"type\":");
    AppendJsonString(out, AvroTypeName(n.type()));
    if (n.type() == AvroType::kRecord) {
      out->append(",\"fields\":[");
      bool first = true;
      for (const Field& f : n.fields()) {
        if (!first) out->push_back(',');
        first = false;
        out->append("{\"name\":");
        AppendJsonString(out, f.name);
        out->append(",\"type\":");
        WriteCanonical(*f.schema, known, out);
        out->push_back('}');
      }
      out->push_back(']');
    } else if (n.type() == AvroType::kEnum) {
      out->append(",\"symbols\":");
      AppendJsonStringArray(out, n.symbols());
    } else {
      out->append(",\"size\":");
      out->append(std::to_string(n.fixed_size()));
    }
    out->push_back('}');
    return;
  }
  switch (n.type()) {
    case AvroType::kArray:
    case AvroType::kMap:
      out->append(n.type() == AvroType::kArray ? "{\"type\":\"array\",\"items\":"
                                               : "{\"type\":\"map\",\"values\":");
      WriteCanonical(n.items(), known, out);
      out->push_back('}');
      return;
    case AvroType::kUnion: {
      out->push_back('[');
      bool first = true;
      for (const Node* b : n.branches()) {
        if (!first) out->push_back(',');
        first = false;
        WriteCanonical(*b, known, out);
      }
      out->push_back(']');
      return;
    }
    default:
      AppendJsonString(out, AvroTypeName(n.type()));
  }
}

std::string Schema::ToJson() const {
  std::string out;
  std::unordered_set<std::string> known;
  SchemaBuilder::WriteJson(*root_, &known, "", &out);
  return out;
}

std::string Schema::CanonicalForm() const {
  std::string out;
  std::unordered_set<std::string> known;
  SchemaBuilder::WriteCanonical(*root_, &known, &out);
  return out;
}

namespace {

// The nesting depth of `json`, walked without recursion.
int JsonDepth(const Json& json) {
  int max_depth = 0;
  std::vector<std::pair<const Json*, int>> stack = {{&json, 1}};
  while (!stack.empty()) {
    auto [j, depth] = stack.back();
    stack.pop_back();
    max_depth = std::max(max_depth, depth);
    if (j->is_structured()) {
      for (const Json& child : *j) stack.emplace_back(&child, depth + 1);
    }
  }
  return max_depth;
}

}  // namespace

Result<std::shared_ptr<const Schema>> ParseSchema(std::string_view json_text) {
  return ParseSchema(json_text, ParseOptions());
}

Result<std::shared_ptr<const Schema>> ParseSchema(std::string_view json_text,
                                                  const ParseOptions& options) {
  Json json;
  // nlohmann reports malformed text by exception; this is the one place it is caught, and the
  // parse is not on the record path.
  try {
    // Avro Java's parser allows comments (JsonParser.Feature.ALLOW_COMMENTS).
    json = Json::parse(json_text, nullptr, true, /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    // A complete value followed by more text: Avro Java's message names the next token.
    std::string_view what = e.what();
    if (what.find("expected end of input") != std::string_view::npos && e.byte >= 1 &&
        e.byte <= json_text.size()) {
      std::string_view rest = json_text.substr(e.byte - 1);
      size_t end = 0;
      while (end < rest.size() && !IsAsciiSpace(rest[end])) ++end;
      return InvalidArgument("dangling content after end of schema: " +
                             std::string(rest.substr(0, end)));
    }
    return InvalidArgument(std::string("malformed schema JSON: ") + e.what());
  } catch (const Json::exception& e) {
    return InvalidArgument(std::string("malformed schema JSON: ") + e.what());
  }
  // Copying and printing JSON values recurses, so a document nested deeper than any schema needs
  // is refused before anything walks it.
  if (JsonDepth(json) > SchemaBuilder::kMaxDepth) {
    return InvalidArgument("schema JSON nested more than " +
                           std::to_string(SchemaBuilder::kMaxDepth) + " levels deep");
  }
  // The message is Avro Java's own (SchemaParseException's) where it has one, so that a registry
  // can report what Confluent's does.
  SchemaBuilder builder(options);
  return builder.Build(json);
}

uint64_t Fingerprint64(std::string_view data) {
  static constexpr uint64_t kEmpty = 0xc15d213aa4d7a795ULL;
  static const auto kTable = [] {
    std::array<uint64_t, 256> t{};
    for (uint64_t i = 0; i < 256; ++i) {
      uint64_t fp = i;
      for (int j = 0; j < 8; ++j) fp = (fp >> 1) ^ (kEmpty & (0 - (fp & 1)));
      t[i] = fp;
    }
    return t;
  }();
  uint64_t fp = kEmpty;
  for (char c : data) fp = (fp >> 8) ^ kTable[(fp ^ static_cast<uint8_t>(c)) & 0xff];
  return fp;
}

}  // namespace walrelay::avro
