#include "registry/schema_records.h"

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <utility>

namespace walrelay::registry {
namespace {

// Field order matters (the bytes must match Confluent's), so ordered_json.
using Json = nlohmann::ordered_json;

std::string Dump(const Json& json) {
  // Subjects and schemas are UTF-8 as received; invalid bytes are replaced rather than thrown on.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json SubjectOrNull(const std::optional<std::string>& subject) {
  return subject ? Json(*subject) : Json(nullptr);
}

std::string SubjectKeyJson(const char* keytype, const std::optional<std::string>& subject) {
  Json key = Json::object();
  key["keytype"] = keytype;
  key["subject"] = SubjectOrNull(subject);
  key["magic"] = 0;
  return Dump(key);
}

Result<Json> ParseObject(std::string_view text, const char* what) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return DataError(std::string(what) + " is not JSON: " + std::string(text.substr(0, 200)));
  }
  if (!json.is_object()) {
    return DataError(std::string(what) + " is a JSON " + json.type_name() + ", not an object");
  }
  return json;
}

// A field that must be a string; `optional` allows it to be absent or null.
Status ReadString(const Json& object, const char* what, const char* field, bool optional,
                  std::optional<std::string>* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (optional) return Status::Ok();
    return DataError(std::string(what) + " has no \"" + field + "\"");
  }
  if (!it->is_string()) {
    return DataError(std::string(what) + " field \"" + field + "\" is a " + it->type_name() +
                     ", not a string");
  }
  *out = it->get<std::string>();
  return Status::Ok();
}

Status ReadRequiredString(const Json& object, const char* what, const char* field,
                          std::string* out) {
  std::optional<std::string> value;
  WR_RETURN_IF_ERROR(ReadString(object, what, field, false, &value));
  *out = std::move(*value);
  return Status::Ok();
}

// A field that must be an integer in Java's int range.
Status ReadInt(const Json& object, const char* what, const char* field, bool optional,
               std::optional<int>* out) {
  auto it = object.find(field);
  if (it == object.end() || it->is_null()) {
    if (optional) return Status::Ok();
    return DataError(std::string(what) + " has no \"" + field + "\"");
  }
  if (!it->is_number_integer()) {
    return DataError(std::string(what) + " field \"" + field + "\" is a " + it->type_name() +
                     ", not an integer");
  }
  int64_t value = it->is_number_unsigned()
                      ? static_cast<int64_t>(std::min<uint64_t>(it->get<uint64_t>(), INT64_MAX))
                      : it->get<int64_t>();
  if (value < std::numeric_limits<int32_t>::min() || value > std::numeric_limits<int32_t>::max()) {
    return DataError(std::string(what) + " field \"" + field +
                     "\" is out of range: " + std::to_string(value));
  }
  *out = static_cast<int>(value);
  return Status::Ok();
}

Status ReadRequiredInt(const Json& object, const char* what, const char* field, int* out) {
  std::optional<int> value;
  WR_RETURN_IF_ERROR(ReadInt(object, what, field, false, &value));
  *out = *value;
  return Status::Ok();
}

KeyType KeyTypeFromName(const std::string& name) {
  if (name == "SCHEMA") return KeyType::kSchema;
  if (name == "CONFIG") return KeyType::kConfig;
  if (name == "MODE") return KeyType::kMode;
  if (name == "DELETE_SUBJECT") return KeyType::kDeleteSubject;
  if (name == "CLEAR_SUBJECT") return KeyType::kClearSubject;
  if (name == "NOOP") return KeyType::kNoop;
  return KeyType::kUnknown;
}

}  // namespace

std::string SchemaKeyJson(std::string_view subject, int version) {
  Json key = Json::object();
  key["keytype"] = "SCHEMA";
  key["subject"] = std::string(subject);
  key["version"] = version;
  key["magic"] = 1;
  return Dump(key);
}

std::string ConfigKeyJson(const std::optional<std::string>& subject) {
  return SubjectKeyJson("CONFIG", subject);
}

std::string ModeKeyJson(const std::optional<std::string>& subject) {
  return SubjectKeyJson("MODE", subject);
}

std::string DeleteSubjectKeyJson(std::string_view subject) {
  return SubjectKeyJson("DELETE_SUBJECT", std::string(subject));
}

std::string ClearSubjectKeyJson(std::string_view subject) {
  return SubjectKeyJson("CLEAR_SUBJECT", std::string(subject));
}

std::string NoopKeyJson() { return R"({"keytype":"NOOP","magic":0})"; }

std::string ToJson(const SchemaValue& value) {
  Json out = Json::object();
  out["subject"] = value.subject;
  out["version"] = value.version;
  out["id"] = value.id;
  if (value.schema_type != kAvroType) out["schemaType"] = value.schema_type;
  if (!value.references.empty()) {
    Json refs = Json::array();
    for (const SchemaReference& ref : value.references) {
      refs.push_back(Json{{"name", ref.name}, {"subject", ref.subject}, {"version", ref.version}});
    }
    out["references"] = std::move(refs);
  }
  out["schema"] = value.schema;
  out["deleted"] = value.deleted;
  return Dump(out);
}

std::string ToJson(const ConfigValue& value) {
  Json out = Json::object();
  if (value.subject) out["subject"] = *value.subject;
  if (value.compatibility_level) out["compatibilityLevel"] = *value.compatibility_level;
  return Dump(out);
}

std::string ToJson(const ModeValue& value) {
  Json out = Json::object();
  if (value.subject) out["subject"] = *value.subject;
  out["mode"] = value.mode;
  return Dump(out);
}

std::string ToJson(const DeleteSubjectValue& value) {
  Json out = Json::object();
  out["subject"] = value.subject;
  out["version"] = value.version;
  return Dump(out);
}

std::string ToJson(const ClearSubjectValue& value) {
  Json out = Json::object();
  out["subject"] = value.subject;
  return Dump(out);
}

Result<RecordKey> ParseRecordKey(std::string_view json) {
  constexpr const char* kWhat = "_schemas key";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  RecordKey key;
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "keytype", &key.type_name));
  key.type = KeyTypeFromName(key.type_name);
  if (key.type == KeyType::kUnknown) return key;
  std::optional<int> magic;
  WR_RETURN_IF_ERROR(ReadInt(object, kWhat, "magic", true, &magic));
  key.magic = magic.value_or(0);
  if (key.type == KeyType::kNoop) return key;
  // CONFIG and MODE keys without a subject are the global ones; the others need one.
  bool global_allowed = key.type == KeyType::kConfig || key.type == KeyType::kMode;
  WR_RETURN_IF_ERROR(ReadString(object, kWhat, "subject", global_allowed, &key.subject));
  if (key.type == KeyType::kSchema) {
    WR_RETURN_IF_ERROR(ReadRequiredInt(object, kWhat, "version", &key.version));
    if (key.version < 1) {
      return DataError("_schemas SCHEMA key has version " + std::to_string(key.version) +
                       ", not a version >= 1");
    }
  }
  return key;
}

Result<SchemaValue> ParseSchemaValue(std::string_view json) {
  constexpr const char* kWhat = "_schemas SCHEMA value";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  SchemaValue value;
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "subject", &value.subject));
  WR_RETURN_IF_ERROR(ReadRequiredInt(object, kWhat, "version", &value.version));
  WR_RETURN_IF_ERROR(ReadRequiredInt(object, kWhat, "id", &value.id));
  std::optional<std::string> type;
  WR_RETURN_IF_ERROR(ReadString(object, kWhat, "schemaType", true, &type));
  if (type) value.schema_type = std::move(*type);
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "schema", &value.schema));
  auto deleted = object.find("deleted");
  if (deleted != object.end() && !deleted->is_null()) {
    if (!deleted->is_boolean()) {
      return DataError(std::string(kWhat) + " field \"deleted\" is a " + deleted->type_name() +
                       ", not a boolean");
    }
    value.deleted = deleted->get<bool>();
  }
  auto refs = object.find("references");
  if (refs != object.end() && !refs->is_null()) {
    if (!refs->is_array()) {
      return DataError(std::string(kWhat) + " field \"references\" is a " + refs->type_name() +
                       ", not an array");
    }
    for (const Json& ref : *refs) {
      constexpr const char* kRef = "_schemas SCHEMA value reference";
      if (!ref.is_object()) return DataError(std::string(kRef) + " is not an object");
      SchemaReference reference;
      WR_RETURN_IF_ERROR(ReadRequiredString(ref, kRef, "name", &reference.name));
      WR_RETURN_IF_ERROR(ReadRequiredString(ref, kRef, "subject", &reference.subject));
      WR_RETURN_IF_ERROR(ReadRequiredInt(ref, kRef, "version", &reference.version));
      value.references.push_back(std::move(reference));
    }
  }
  return value;
}

Result<ConfigValue> ParseConfigValue(std::string_view json) {
  constexpr const char* kWhat = "_schemas CONFIG value";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  ConfigValue value;
  WR_RETURN_IF_ERROR(ReadString(object, kWhat, "subject", true, &value.subject));
  WR_RETURN_IF_ERROR(
      ReadString(object, kWhat, "compatibilityLevel", true, &value.compatibility_level));
  return value;
}

Result<ModeValue> ParseModeValue(std::string_view json) {
  constexpr const char* kWhat = "_schemas MODE value";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  ModeValue value;
  WR_RETURN_IF_ERROR(ReadString(object, kWhat, "subject", true, &value.subject));
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "mode", &value.mode));
  return value;
}

Result<DeleteSubjectValue> ParseDeleteSubjectValue(std::string_view json) {
  constexpr const char* kWhat = "_schemas DELETE_SUBJECT value";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  DeleteSubjectValue value;
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "subject", &value.subject));
  WR_RETURN_IF_ERROR(ReadRequiredInt(object, kWhat, "version", &value.version));
  return value;
}

Result<ClearSubjectValue> ParseClearSubjectValue(std::string_view json) {
  constexpr const char* kWhat = "_schemas CLEAR_SUBJECT value";
  WR_ASSIGN_OR_RETURN(Json object, ParseObject(json, kWhat));
  ClearSubjectValue value;
  WR_RETURN_IF_ERROR(ReadRequiredString(object, kWhat, "subject", &value.subject));
  return value;
}

}  // namespace walrelay::registry
