#include "registry/registry_api.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace walrelay::registry {
namespace {

// Field order follows Confluent's entities, so ordered_json.
using Json = nlohmann::ordered_json;

std::string Dump(const Json& json) {
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

rest::Response JsonResponse(int status, const Json& body) {
  rest::Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", kSchemaRegistryV1Json);
  response.body = Dump(body);
  return response;
}

rest::Response Ok(const Json& body) { return JsonResponse(200, body); }

rest::Response Fail(const RegistryError& error) { return RegistryErrorResponse(error); }

// Jersey's answers for requests no resource method takes.
RegistryError NotFoundPath() { return {404, "HTTP 404 Not Found"}; }
RegistryError MethodNotAllowed() { return {405, "HTTP 405 Method Not Allowed"}; }

Json ReferencesJson(const std::vector<SchemaReference>& references) {
  Json refs = Json::array();
  for (const SchemaReference& ref : references) {
    refs.push_back(Json{{"name", ref.name}, {"subject", ref.subject}, {"version", ref.version}});
  }
  return refs;
}

// Confluent's Schema entity: schemaType only when not AVRO, references only when there are any.
Json SchemaJson(const StoredSchema& stored) {
  Json out = Json::object();
  out["subject"] = stored.subject;
  out["version"] = stored.version;
  out["id"] = stored.id;
  if (stored.schema->type != kAvroType) out["schemaType"] = stored.schema->type;
  if (!stored.references.empty()) out["references"] = ReferencesJson(stored.references);
  out["schema"] = stored.schema->text;
  return out;
}

// Confluent's SchemaString entity (GET /schemas/ids/{id}).
Json SchemaStringJson(const StoredSchema& stored) {
  Json out = Json::object();
  if (stored.schema->type != kAvroType) out["schemaType"] = stored.schema->type;
  out["schema"] = stored.schema->text;
  if (!stored.references.empty()) out["references"] = ReferencesJson(stored.references);
  return out;
}

// Java's Integer.valueOf on a path segment; JAX-RS answers 404 when it fails.
std::optional<int> ParseInt(std::string_view text) {
  int value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (begin == end || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

bool IsJsonMediaType(const std::string& content_type) {
  std::string_view type = content_type;
  type = Trim(type.substr(0, type.find(';')));
  return type.empty() || EqualsIgnoreCase(type, "application/vnd.schemaregistry.v1+json") ||
         EqualsIgnoreCase(type, "application/vnd.schemaregistry+json") ||
         EqualsIgnoreCase(type, "application/json");
}

// A subject Confluent would refuse (QualifiedSubject.isValidSubject): empty, or holding a
// control character.
bool IsValidSubject(const std::string& subject) {
  if (subject.empty()) return false;
  for (unsigned char c : subject) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

// One request being routed.
class Call {
 public:
  Call(SchemaRegistry* registry, const LeaderView* leader, const RegistryApi::Forwarder& forwarder,
       const rest::Request& request)
      : registry_(registry), leader_(leader), forwarder_(forwarder), request_(request) {}

  rest::Response Route();

 private:
  bool Is(const char* method) const { return request_.method == method; }
  // Jersey's boolean query parameter: "true" in any case is true, anything else false.
  bool QueryBool(const char* name) const {
    const std::string* value = request_.Query(name);
    return value != nullptr && EqualsIgnoreCase(*value, "true");
  }
  // ?deletedOnly=true wins over ?deleted=true, as in Confluent.
  Deleted DeletedFilter() const {
    if (QueryBool("deletedOnly")) return Deleted::kOnly;
    return QueryBool("deleted") ? Deleted::kInclude : Deleted::kExclude;
  }
  // A listing cut by Confluent's ?offset= (default 0) and ?limit= (default -1: all). A value
  // that is not an int is JAX-RS's 404.
  rest::Response Paged(Json list) const;
  std::optional<std::string> QueryString(const char* name) const {
    const std::string* value = request_.Query(name);
    if (value == nullptr) return std::nullopt;
    return *value;
  }

  // The body as a JSON object, or the error: 415 not JSON by its content type, 422 empty (a
  // required entity missing), 400 not JSON or not an object.
  std::optional<RegistryError> ReadObject(Json* out) const;
  // A RegisterSchemaRequest body.
  std::optional<RegistryError> ReadRegisterRequest(RegisterRequest* out) const;
  // A string field of a body object (absent or null: nullopt); 400 when of another type.
  std::optional<RegistryError> ReadStringField(const Json& body, const char* field,
                                               std::optional<std::string>* out) const;

  // A write: served here on the leader, forwarded otherwise.
  bool ServeWriteHere(rest::Response* forwarded) const;

  rest::Response Root(const std::vector<std::string>& segments);
  rest::Response Subjects(const std::vector<std::string>& segments);
  rest::Response Schemas(const std::vector<std::string>& segments);
  rest::Response Config(const std::vector<std::string>& segments);
  rest::Response Mode(const std::vector<std::string>& segments);
  rest::Response Compatibility(const std::vector<std::string>& segments);

  rest::Response Register(const std::string& subject);
  rest::Response Lookup(const std::string& subject);

  SchemaRegistry* registry_;
  const LeaderView* leader_;
  const RegistryApi::Forwarder& forwarder_;
  const rest::Request& request_;
};

std::optional<RegistryError> Call::ReadObject(Json* out) const {
  const std::string* content_type = request_.Header("Content-Type");
  if (content_type != nullptr && !IsJsonMediaType(*content_type)) {
    return RegistryError{415, "HTTP 415 Unsupported Media Type"};
  }
  if (Trim(request_.body).empty()) {
    return RegistryError{422, "Request body is empty: a JSON object is required"};
  }
  Json json;
  try {
    json = Json::parse(request_.body);
  } catch (const Json::parse_error& e) {
    return RegistryError{400, std::string("Request body is not JSON: ") + e.what()};
  }
  if (!json.is_object()) {
    return RegistryError{
        400, std::string("Request body is a JSON ") + json.type_name() + ", not an object"};
  }
  *out = std::move(json);
  return std::nullopt;
}

std::optional<RegistryError> Call::ReadStringField(const Json& body, const char* field,
                                                   std::optional<std::string>* out) const {
  auto it = body.find(field);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) {
    return RegistryError{
        400, std::string("Field \"") + field + "\" is a " + it->type_name() + ", not a string"};
  }
  *out = it->get<std::string>();
  return std::nullopt;
}

std::optional<RegistryError> Call::ReadRegisterRequest(RegisterRequest* out) const {
  Json body;
  if (auto error = ReadObject(&body)) return error;
  std::optional<std::string> schema;
  if (auto error = ReadStringField(body, "schema", &schema)) return error;
  out->schema = schema.value_or("");
  std::optional<std::string> type;
  if (auto error = ReadStringField(body, "schemaType", &type)) return error;
  if (type) out->schema_type = *type;
  for (const char* field : {"id", "version"}) {
    auto it = body.find(field);
    if (it == body.end() || it->is_null()) continue;
    if (!it->is_number_integer() || it->get<int64_t>() < INT32_MIN ||
        it->get<int64_t>() > INT32_MAX) {
      return RegistryError{400, std::string("Field \"") + field + "\" is not a 32-bit integer"};
    }
    int value = static_cast<int>(it->get<int64_t>());
    // Confluent treats id -1 and version 0 (their defaults) as not given.
    if (std::string_view(field) == "id" && value >= 0) out->id = value;
    if (std::string_view(field) == "version" && value > 0) out->version = value;
  }
  auto refs = body.find("references");
  if (refs != body.end() && !refs->is_null()) {
    if (!refs->is_array()) return RegistryError{400, "Field \"references\" is not an array"};
    for (const Json& ref : *refs) {
      if (!ref.is_object()) return RegistryError{400, "A reference is not a JSON object"};
      SchemaReference reference;
      std::optional<std::string> name, subject;
      if (auto error = ReadStringField(ref, "name", &name)) return error;
      if (auto error = ReadStringField(ref, "subject", &subject)) return error;
      auto version = ref.find("version");
      if (!name || !subject || version == ref.end() || !version->is_number_integer()) {
        return RegistryError{error_code::kInvalidSchema,
                             "A reference needs a \"name\", a \"subject\" and a \"version\""};
      }
      reference.name = *name;
      reference.subject = *subject;
      reference.version = version->get<int>();
      out->references.push_back(std::move(reference));
    }
  }
  return std::nullopt;
}

bool Call::ServeWriteHere(rest::Response* forwarded) const {
  if (leader_ == nullptr || leader_->IsLeader()) return true;
  std::optional<std::string> url = leader_->LeaderUrl();
  if (!url || !forwarder_ || request_.Header(RegistryApi::kForwardedHeader) != nullptr) {
    *forwarded = Fail({error_code::kUnknownLeader, "Leader not known."});
    return false;
  }
  rest::Request copy = request_;
  copy.headers.emplace_back(RegistryApi::kForwardedHeader, "true");
  Result<rest::Response> response = forwarder_(*url, copy);
  if (!response.ok()) {
    *forwarded = Fail(
        {error_code::kRequestForwardingFailed, "Error while forwarding the request to the leader " +
                                                   *url + ": " + response.status().message()});
    return false;
  }
  *forwarded = std::move(response).value();
  return false;
}

rest::Response Call::Paged(Json list) const {
  int offset = 0;
  int limit = -1;
  if (const std::string* text = request_.Query("offset")) {
    std::optional<int> value = ParseInt(*text);
    if (!value) return Fail(NotFoundPath());
    offset = std::max(0, *value);
  }
  if (const std::string* text = request_.Query("limit")) {
    std::optional<int> value = ParseInt(*text);
    if (!value) return Fail(NotFoundPath());
    limit = *value;
  }
  if (offset == 0 && limit < 0) return Ok(list);
  Json out = Json::array();
  for (size_t i = static_cast<size_t>(offset); i < list.size(); ++i) {
    if (limit >= 0 && out.size() >= static_cast<size_t>(limit)) break;
    out.push_back(std::move(list[i]));
  }
  return Ok(out);
}

rest::Response Call::Route() {
  // Split the raw path before decoding, so a subject may hold an encoded '/'.
  std::vector<std::string> segments;
  std::string_view path = request_.path;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > start) {
      Result<std::string> decoded = rest::PercentDecode(path.substr(start, slash - start), false);
      if (!decoded.ok()) return Fail(NotFoundPath());
      segments.push_back(std::move(decoded).value());
    }
    start = slash + 1;
  }
  if (segments.empty()) return Root(segments);
  const std::string& head = segments[0];
  if (head == "subjects") return Subjects(segments);
  if (head == "schemas") return Schemas(segments);
  if (head == "config") return Config(segments);
  if (head == "mode") return Mode(segments);
  if (head == "compatibility") return Compatibility(segments);
  return Fail(NotFoundPath());
}

rest::Response Call::Root(const std::vector<std::string>&) {
  if (Is("GET")) return Ok(Json::object());
  if (Is("POST")) return Ok(Json::object());  // Confluent's RootResource answers POST / too
  return Fail(MethodNotAllowed());
}

rest::Response Call::Register(const std::string& subject) {
  RegisterRequest request;
  if (auto error = ReadRegisterRequest(&request)) return Fail(*error);
  if (!IsValidSubject(subject)) {
    return Fail(
        {error_code::kInvalidSubject, "The specified subject '" + subject + "' is not a valid."});
  }
  rest::Response forwarded;
  if (leader_ != nullptr && !leader_->IsLeader()) {
    // A follower answers a registration the subject already holds itself: no hop for the common
    // case of a producer re-registering its schema at start.
    Reply<std::optional<RegisteredVersion>> found = registry_->FindRegistered(subject, request);
    if (!found.ok()) return Fail(found.error());
    if (found.value() && !request.id) return Ok(Json{{"id", found.value()->id}});
  }
  if (!ServeWriteHere(&forwarded)) return forwarded;
  Reply<RegisteredVersion> registered = registry_->Register(subject, request);
  if (!registered.ok()) return Fail(registered.error());
  return Ok(Json{{"id", registered.value().id}});
}

rest::Response Call::Lookup(const std::string& subject) {
  RegisterRequest request;
  if (auto error = ReadRegisterRequest(&request)) return Fail(*error);
  Reply<StoredSchema> found = registry_->Lookup(subject, request, QueryBool("deleted"));
  if (!found.ok()) return Fail(found.error());
  return Ok(SchemaJson(found.value()));
}

rest::Response Call::Subjects(const std::vector<std::string>& segments) {
  const size_t n = segments.size();
  if (n == 1) {
    if (!Is("GET")) return Fail(MethodNotAllowed());
    return Paged(
        Json(registry_->ListSubjects(DeletedFilter(), QueryString("subjectPrefix").value_or(""))));
  }
  const std::string& subject = segments[1];
  if (n == 2) {
    if (Is("POST")) return Lookup(subject);
    if (Is("DELETE")) {
      rest::Response forwarded;
      if (!ServeWriteHere(&forwarded)) return forwarded;
      Reply<std::vector<int>> deleted = registry_->DeleteSubject(subject, QueryBool("permanent"));
      if (!deleted.ok()) return Fail(deleted.error());
      return Ok(Json(deleted.value()));
    }
    return Fail(MethodNotAllowed());
  }
  if (segments[2] != "versions") return Fail(NotFoundPath());
  if (n == 3) {
    if (Is("GET")) {
      Reply<std::vector<int>> versions = registry_->ListVersions(subject, DeletedFilter());
      if (!versions.ok()) return Fail(versions.error());
      return Paged(Json(versions.value()));
    }
    if (Is("POST")) return Register(subject);
    return Fail(MethodNotAllowed());
  }
  if (n > 5) return Fail(NotFoundPath());
  if (n == 5 && segments[4] != "schema" && segments[4] != "referencedby") {
    return Fail(NotFoundPath());
  }
  bool is_get = Is("GET");
  bool is_delete = n == 4 && Is("DELETE");
  if (!is_get && !is_delete) return Fail(MethodNotAllowed());
  Reply<int> version = ParseVersionId(segments[3]);
  if (!version.ok()) return Fail(version.error());
  if (is_delete) {
    rest::Response forwarded;
    if (!ServeWriteHere(&forwarded)) return forwarded;
    Reply<int> deleted = registry_->DeleteVersion(subject, version.value(), QueryBool("permanent"));
    if (!deleted.ok()) return Fail(deleted.error());
    return Ok(Json(deleted.value()));
  }
  if (n == 5 && segments[4] == "referencedby") {
    Reply<std::vector<int>> ids = registry_->ReferencedBy(subject, version.value());
    if (!ids.ok()) return Fail(ids.error());
    return Ok(Json(ids.value()));
  }
  Reply<StoredSchema> found = registry_->GetVersion(subject, version.value(), QueryBool("deleted"));
  if (!found.ok()) return Fail(found.error());
  if (n == 5) {
    // The schema text itself (for Avro, JSON), as Confluent's .../schema answers it.
    rest::Response response;
    response.headers.emplace_back("Content-Type", kSchemaRegistryV1Json);
    response.body = found.value().schema->text;
    return response;
  }
  return Ok(SchemaJson(found.value()));
}

rest::Response Call::Schemas(const std::vector<std::string>& segments) {
  const size_t n = segments.size();
  if (n == 1) {
    if (!Is("GET")) return Fail(MethodNotAllowed());
    Json out = Json::array();
    for (const StoredSchema& stored :
         registry_->ListSchemas(QueryString("subjectPrefix").value_or(""), QueryBool("deleted"),
                                QueryBool("latestOnly"))) {
      out.push_back(SchemaJson(stored));
    }
    return Paged(std::move(out));
  }
  if (n == 2 && segments[1] == "types") {
    if (!Is("GET")) return Fail(MethodNotAllowed());
    return Ok(Json(registry_->Types()));
  }
  if (n < 3 || n > 4 || segments[1] != "ids") return Fail(NotFoundPath());
  if (n == 4 && segments[3] != "schema" && segments[3] != "subjects" && segments[3] != "versions") {
    return Fail(NotFoundPath());
  }
  std::optional<int> id = ParseInt(segments[2]);
  if (!id) return Fail(NotFoundPath());
  if (!Is("GET")) return Fail(MethodNotAllowed());
  if (n == 4 && segments[3] == "subjects") {
    Reply<std::vector<std::string>> subjects = registry_->SubjectsOfId(*id, QueryBool("deleted"));
    if (!subjects.ok()) return Fail(subjects.error());
    return Paged(Json(subjects.value()));
  }
  if (n == 4 && segments[3] == "versions") {
    Reply<std::vector<SubjectVersion>> versions =
        registry_->VersionsOfId(*id, QueryBool("deleted"));
    if (!versions.ok()) return Fail(versions.error());
    Json out = Json::array();
    for (const SubjectVersion& sv : versions.value()) {
      out.push_back(Json{{"subject", sv.subject}, {"version", sv.version}});
    }
    return Paged(std::move(out));
  }
  Reply<StoredSchema> found = registry_->GetById(*id, QueryString("subject"));
  if (!found.ok()) return Fail(found.error());
  if (n == 4) {
    rest::Response response;
    response.headers.emplace_back("Content-Type", kSchemaRegistryV1Json);
    response.body = found.value().schema->text;
    return response;
  }
  Json out = SchemaStringJson(found.value());
  if (QueryBool("fetchMaxId")) out["maxId"] = registry_->MaxId();
  return Ok(out);
}

rest::Response Call::Config(const std::vector<std::string>& segments) {
  if (segments.size() > 2) return Fail(NotFoundPath());
  std::optional<std::string> subject;
  if (segments.size() == 2) subject = segments[1];
  if (Is("GET")) {
    Reply<std::string> level = registry_->GetConfig(subject, QueryBool("defaultToGlobal"));
    if (!level.ok()) return Fail(level.error());
    return Ok(Json{{"compatibilityLevel", level.value()}});
  }
  if (Is("PUT")) {
    Json body;
    if (auto error = ReadObject(&body)) return Fail(*error);
    std::optional<std::string> level;
    if (auto error = ReadStringField(body, "compatibility", &level)) return Fail(*error);
    if (!level) {
      if (auto error = ReadStringField(body, "compatibilityLevel", &level)) return Fail(*error);
    }
    if (!level || !NormalizeCompatibilityLevel(*level)) {
      // Checked before forwarding, as Confluent does, so a follower answers a bad level itself.
      Reply<std::string> refused = registry_->SetConfig(subject, level.value_or(""));
      return Fail(refused.error());
    }
    if (subject && !IsValidSubject(*subject)) {
      return Fail({error_code::kInvalidSubject,
                   "The specified subject '" + *subject + "' is not a valid."});
    }
    rest::Response forwarded;
    if (!ServeWriteHere(&forwarded)) return forwarded;
    Reply<std::string> stored = registry_->SetConfig(subject, *level);
    if (!stored.ok()) return Fail(stored.error());
    return Ok(Json{{"compatibility", stored.value()}});
  }
  if (Is("DELETE")) {
    rest::Response forwarded;
    if (!ServeWriteHere(&forwarded)) return forwarded;
    Reply<std::string> removed = registry_->DeleteConfig(subject);
    if (!removed.ok()) return Fail(removed.error());
    return Ok(Json{{"compatibilityLevel", removed.value()}});
  }
  return Fail(MethodNotAllowed());
}

rest::Response Call::Mode(const std::vector<std::string>& segments) {
  if (segments.size() > 2) return Fail(NotFoundPath());
  std::optional<std::string> subject;
  if (segments.size() == 2) subject = segments[1];
  if (Is("GET")) {
    Reply<std::string> mode = registry_->GetMode(subject, QueryBool("defaultToGlobal"));
    if (!mode.ok()) return Fail(mode.error());
    return Ok(Json{{"mode", mode.value()}});
  }
  if (Is("PUT")) {
    Json body;
    if (auto error = ReadObject(&body)) return Fail(*error);
    std::optional<std::string> mode;
    if (auto error = ReadStringField(body, "mode", &mode)) return Fail(*error);
    if (subject && !IsValidSubject(*subject)) {
      return Fail({error_code::kInvalidSubject,
                   "The specified subject '" + *subject + "' is not a valid."});
    }
    rest::Response forwarded;
    if (!ServeWriteHere(&forwarded)) return forwarded;
    Reply<std::string> stored = registry_->SetMode(subject, mode.value_or(""), QueryBool("force"));
    if (!stored.ok()) return Fail(stored.error());
    return Ok(Json{{"mode", stored.value()}});
  }
  if (Is("DELETE")) {
    rest::Response forwarded;
    if (!ServeWriteHere(&forwarded)) return forwarded;
    Reply<std::string> removed = registry_->DeleteMode(subject);
    if (!removed.ok()) return Fail(removed.error());
    return Ok(Json{{"mode", removed.value()}});
  }
  return Fail(MethodNotAllowed());
}

rest::Response Call::Compatibility(const std::vector<std::string>& segments) {
  const size_t n = segments.size();
  if ((n != 4 && n != 5) || segments[1] != "subjects" || segments[3] != "versions") {
    return Fail(NotFoundPath());
  }
  if (!Is("POST")) return Fail(MethodNotAllowed());
  std::optional<int> version;
  if (n == 5) {
    Reply<int> parsed = ParseVersionId(segments[4]);
    if (!parsed.ok()) return Fail(parsed.error());
    version = parsed.value();
  }
  RegisterRequest request;
  if (auto error = ReadRegisterRequest(&request)) return Fail(*error);
  bool verbose = QueryBool("verbose");
  Reply<CompatibilityResult> result =
      registry_->TestCompatibility(segments[2], version, request, verbose);
  if (!result.ok()) return Fail(result.error());
  Json out = Json::object();
  out["is_compatible"] = result.value().compatible;
  if (verbose) out["messages"] = result.value().messages;
  return Ok(out);
}

}  // namespace

rest::Response RegistryErrorResponse(const RegistryError& error) {
  return JsonResponse(error.http_status(),
                      Json{{"error_code", error.error_code}, {"message", error.message}});
}

RegistryApi::RegistryApi(SchemaRegistry* registry, const LeaderView* leader, Forwarder forwarder)
    : registry_(registry), leader_(leader), forwarder_(std::move(forwarder)) {}

rest::Response RegistryApi::Handle(const rest::Request& request) const {
  return Call(registry_, leader_, forwarder_, request).Route();
}

}  // namespace walrelay::registry
