#include "data/value.h"

#include <sstream>

namespace walrelay::data {

const Value* Struct::Get(std::string_view field_name) const {
  if (!schema) return nullptr;
  int i = schema->FieldIndex(field_name);
  if (i < 0 || static_cast<size_t>(i) >= values.size()) return nullptr;
  return &values[static_cast<size_t>(i)];
}

Value* Struct::GetMutable(std::string_view field_name) {
  return const_cast<Value*>(static_cast<const Struct*>(this)->Get(field_name));
}

bool Struct::operator==(const Struct& other) const {
  if (values != other.values) return false;
  if (schema == other.schema) return true;
  return schema && other.schema && schema->Equals(*other.schema);
}

Struct& Value::mutable_struct() {
  auto& ptr = std::get<std::shared_ptr<Struct>>(v_);
  if (ptr.use_count() > 1) ptr = std::make_shared<Struct>(*ptr);
  return *ptr;
}

bool Value::operator==(const Value& other) const {
  if (v_.index() != other.v_.index()) return false;
  if (is_struct()) return as_struct() == other.as_struct();
  return v_ == other.v_;
}

std::string Value::DebugString() const {
  std::ostringstream out;
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          out << "null";
        } else if constexpr (std::is_same_v<T, bool>) {
          out << (v ? "true" : "false");
        } else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double>) {
          out << v;
        } else if constexpr (std::is_same_v<T, std::string>) {
          out << '"' << v << '"';
        } else if constexpr (std::is_same_v<T, Bytes>) {
          out << "bytes[" << v.data.size() << "]";
        } else if constexpr (std::is_same_v<T, Array>) {
          out << '[';
          for (size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << v[i].DebugString();
          out << ']';
        } else if constexpr (std::is_same_v<T, Map>) {
          out << '{';
          for (size_t i = 0; i < v.size(); ++i) {
            out << (i ? ", " : "") << v[i].first.DebugString() << "=" << v[i].second.DebugString();
          }
          out << '}';
        } else {
          out << '{';
          for (size_t i = 0; i < v->values.size(); ++i) {
            out << (i ? ", " : "");
            if (v->schema && i < v->schema->fields.size()) out << v->schema->fields[i].name << "=";
            out << v->values[i].DebugString();
          }
          out << '}';
        }
      },
      v_);
  return out.str();
}

}  // namespace walrelay::data
