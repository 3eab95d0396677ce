#include "registry/registry_client.h"

#include <charconv>
#include <nlohmann/json.hpp>
#include <utility>

#include "common/strings.h"

namespace walrelay::registry {
namespace {

using Json = nlohmann::ordered_json;

constexpr const char* kAccept =
    "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json, "
    "application/json";

// Splits "http://user:pass@host:port" into the URL without userinfo and the userinfo.
std::pair<std::string, std::string> SplitUserInfo(const std::string& url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return {url, ""};
  size_t authority = scheme_end + 3;
  size_t at = url.find('@', authority);
  size_t slash = url.find('/', authority);
  if (at == std::string::npos || (slash != std::string::npos && at > slash)) return {url, ""};
  return {url.substr(0, authority) + url.substr(at + 1), url.substr(authority, at - authority)};
}

// The kind a registry error code calls for: nothing to retry for a client error, a retry for a
// server one.
ErrorKind KindOf(int http_status) {
  if (http_status == 404) return ErrorKind::kNotFound;
  if (http_status >= 500) return ErrorKind::kRetry;
  return ErrorKind::kInvalidArgument;
}

Status ParseReferences(const Json& body, std::vector<SchemaReference>* out) {
  auto refs = body.find("references");
  if (refs == body.end() || refs->is_null()) return Status::Ok();
  if (!refs->is_array()) return DataError("schema registry answer: \"references\" is not an array");
  for (const Json& ref : *refs) {
    if (!ref.is_object() || !ref.contains("name") || !ref["name"].is_string() ||
        !ref.contains("subject") || !ref["subject"].is_string() || !ref.contains("version") ||
        !ref["version"].is_number_integer()) {
      return DataError("schema registry answer: a reference is not {name, subject, version}");
    }
    out->push_back({ref["name"].get<std::string>(), ref["subject"].get<std::string>(),
                    ref["version"].get<int>()});
  }
  return Status::Ok();
}

// A Schema or SchemaString entity.
Result<RegisteredSchema> ParseSchema(const std::string& text) {
  Json body = Json::parse(text, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return DataError("schema registry answer is not a JSON object: " + text.substr(0, 200));
  }
  RegisteredSchema schema;
  auto field = [&](const char* name) -> const Json* {
    auto it = body.find(name);
    return it == body.end() || it->is_null() ? nullptr : &*it;
  };
  const Json* text_field = field("schema");
  if (text_field == nullptr || !text_field->is_string()) {
    return DataError("schema registry answer has no \"schema\" string: " + text.substr(0, 200));
  }
  schema.schema = text_field->get<std::string>();
  if (const Json* type = field("schemaType"); type != nullptr && type->is_string()) {
    schema.schema_type = type->get<std::string>();
  }
  if (const Json* id = field("id"); id != nullptr && id->is_number_integer()) {
    schema.id = id->get<int>();
  }
  if (const Json* version = field("version"); version != nullptr && version->is_number_integer()) {
    schema.version = version->get<int>();
  }
  if (const Json* subject = field("subject"); subject != nullptr && subject->is_string()) {
    schema.subject = subject->get<std::string>();
  }
  WR_RETURN_IF_ERROR(ParseReferences(body, &schema.references));
  return schema;
}

}  // namespace

Result<RegistryClientOptions> RegistryClientOptionsFromProperties(
    const std::map<std::string, std::string>& properties) {
  auto get = [&](const char* name) -> const std::string* {
    auto it = properties.find(name);
    return it == properties.end() ? nullptr : &it->second;
  };
  RegistryClientOptions options;
  const std::string* urls = get("schema.registry.url");
  if (urls == nullptr || Trim(*urls).empty()) {
    return InvalidArgument(
        "schema.registry.url is required: the registry's base URLs, "
        "comma-separated (http://host:8081)");
  }
  std::string_view rest = *urls;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view url = Trim(rest.substr(0, comma));
    if (!url.empty()) options.urls.emplace_back(url);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  std::string source = "URL";
  if (const std::string* value = get("basic.auth.credentials.source")) source = ToUpper(*value);
  if (source == "USER_INFO") {
    const std::string* info = get("basic.auth.user.info");
    if (info == nullptr) info = get("schema.registry.basic.auth.user.info");
    if (info == nullptr || info->find(':') == std::string::npos) {
      return InvalidArgument(
          "basic.auth.credentials.source=USER_INFO needs basic.auth.user.info set to "
          "'user:password'");
    }
    options.user_info = *info;
  } else if (source != "URL") {
    return InvalidArgument("basic.auth.credentials.source '" + source +
                           "' is not supported: use URL or USER_INFO");
  }
  if (const std::string* ttl = get("latest.cache.ttl.sec")) {
    long long seconds = 0;
    std::string_view text = Trim(*ttl);
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), seconds);
    if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || seconds < -1) {
      return InvalidArgument("latest.cache.ttl.sec '" + *ttl +
                             "' is not a number of seconds (-1: no expiry)");
    }
    if (seconds >= 0) options.latest_ttl = std::chrono::seconds(seconds);
  }
  return options;
}

Result<std::unique_ptr<RegistryClient>> RegistryClient::Create(RegistryClientOptions options) {
  if (options.urls.empty()) return InvalidArgument("schema.registry.url names no URL");
  std::unique_ptr<RegistryClient> client(new RegistryClient(std::move(options)));
  RegistryClientOptions& opts = client->options_;
  for (const std::string& url : opts.urls) {
    auto [bare, url_user_info] = SplitUserInfo(url);
    std::string user_info = opts.user_info.empty() ? url_user_info : opts.user_info;
    rest::HttpClientOptions http = opts.http;
    if (!user_info.empty()) {
      size_t colon = user_info.find(':');
      Result<std::string> user = rest::PercentDecode(user_info.substr(0, colon), false);
      Result<std::string> password =
          rest::PercentDecode(colon == std::string::npos ? "" : user_info.substr(colon + 1), false);
      if (!user.ok() || !password.ok()) {
        return InvalidArgument("schema.registry.url '" + bare +
                               "' has a malformed percent escape in its user info");
      }
      http.username = std::move(user).value();
      http.password = std::move(password).value();
    }
    Result<std::unique_ptr<rest::HttpClient>> http_client = rest::HttpClient::Create(bare, http);
    if (!http_client.ok()) {
      return InvalidArgument("schema.registry.url: " + http_client.status().message());
    }
    client->clients_.push_back(std::move(http_client).value());
  }
  return client;
}

Result<std::string> RegistryClient::Send(const std::string& method, const std::string& path,
                                         const std::string& body) {
  rest::Request request;
  request.method = method;
  request.path = path;
  request.body = body;
  request.headers.emplace_back("Accept", kAccept);
  if (!body.empty()) request.headers.emplace_back("Content-Type", kSchemaRegistryV1Json);

  std::lock_guard lock(http_mutex_);
  Status last_failure;
  for (size_t attempt = 0; attempt < clients_.size(); ++attempt) {
    size_t index = (preferred_ + attempt) % clients_.size();
    rest::HttpClient& client = *clients_[index];
    ++request_count_;
    Result<rest::Response> response = client.Send(request);
    if (!response.ok()) {
      // Unreachable: the next URL may answer. Anything that answered is final.
      last_failure = response.status();
      continue;
    }
    preferred_ = index;
    const rest::Response& answer = response.value();
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    std::string message;
    int code = answer.status;
    Json error = Json::parse(answer.body, nullptr, false);
    if (!error.is_discarded() && error.is_object() && error.contains("message") &&
        error["message"].is_string()) {
      message = error["message"].get<std::string>();
      if (error.contains("error_code") && error["error_code"].is_number_integer()) {
        code = error["error_code"].get<int>();
      }
    } else {
      message = "HTTP " + std::to_string(answer.status) + ": " + answer.body.substr(0, 200);
    }
    return Status(KindOf(answer.status), "schema registry " + client.base_url() + " " + method +
                                             " " + path + ": " + message +
                                             "; error code: " + std::to_string(code));
  }
  return RetryError("no schema registry URL could be reached; last failure: " +
                    last_failure.message());
}

Result<int> RegistryClient::RegisterOrLookup(bool reg, const std::string& subject,
                                             const std::string& schema_type,
                                             const std::string& schema_text) {
  SchemaKey key{subject, schema_type.empty() ? std::string(kAvroType) : schema_type, schema_text};
  {
    std::lock_guard lock(cache_mutex_);
    auto& cache = reg ? registered_ : looked_up_;
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    // A registered schema is also known to the subject for a lookup, and the other way round.
    auto& other = reg ? looked_up_ : registered_;
    if (auto it = other.find(key); it != other.end()) return it->second;
  }
  Json body = Json::object();
  body["schema"] = schema_text;
  if (std::get<1>(key) != kAvroType) body["schemaType"] = std::get<1>(key);
  std::string path = "/subjects/" + rest::PercentEncode(subject);
  if (reg) path += "/versions";
  WR_ASSIGN_OR_RETURN(std::string answer, Send("POST", path, body.dump()));
  Json parsed = Json::parse(answer, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object() || !parsed.contains("id") ||
      !parsed["id"].is_number_integer()) {
    return DataError("schema registry answer to POST " + path +
                     " has no integer \"id\": " + answer.substr(0, 200));
  }
  int id = parsed["id"].get<int>();
  std::lock_guard lock(cache_mutex_);
  (reg ? registered_ : looked_up_)[key] = id;
  // The id's schema is the one just sent: a deserializer reading it back needs no request.
  if (!by_id_.count(id)) {
    RegisteredSchema schema;
    schema.id = id;
    schema.schema_type = std::get<1>(key);
    schema.schema = schema_text;
    by_id_[id] = std::move(schema);
  }
  return id;
}

Result<int> RegistryClient::Register(const std::string& subject, const std::string& schema_type,
                                     const std::string& schema_text) {
  return RegisterOrLookup(true, subject, schema_type, schema_text);
}

Result<int> RegistryClient::Lookup(const std::string& subject, const std::string& schema_type,
                                   const std::string& schema_text) {
  return RegisterOrLookup(false, subject, schema_type, schema_text);
}

Result<RegisteredSchema> RegistryClient::GetById(int id) {
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = by_id_.find(id); it != by_id_.end()) return it->second;
  }
  WR_ASSIGN_OR_RETURN(std::string answer, Send("GET", "/schemas/ids/" + std::to_string(id), ""));
  WR_ASSIGN_OR_RETURN(RegisteredSchema schema, ParseSchema(answer));
  schema.id = id;
  std::lock_guard lock(cache_mutex_);
  by_id_[id] = schema;
  return schema;
}

Result<RegisteredSchema> RegistryClient::GetLatest(const std::string& subject) {
  {
    std::lock_guard lock(cache_mutex_);
    if (auto it = latest_.find(subject); it != latest_.end()) {
      if (!options_.latest_ttl || options_.now() - it->second.fetched < *options_.latest_ttl) {
        return it->second.schema;
      }
    }
  }
  WR_ASSIGN_OR_RETURN(
      std::string answer,
      Send("GET", "/subjects/" + rest::PercentEncode(subject) + "/versions/latest", ""));
  WR_ASSIGN_OR_RETURN(RegisteredSchema schema, ParseSchema(answer));
  std::lock_guard lock(cache_mutex_);
  latest_[subject] = Latest{schema, options_.now()};
  by_id_.emplace(schema.id, schema);
  return schema;
}

void RegistryClient::InvalidateLatest(const std::string& subject) {
  std::lock_guard lock(cache_mutex_);
  latest_.erase(subject);
}

RegistryApi::Forwarder RegistryHttpForwarder(rest::HttpClientOptions options) {
  return [options](const std::string& base_url,
                   const rest::Request& request) -> Result<rest::Response> {
    rest::HttpClientOptions call_options = options;
    rest::Request forwarded;
    forwarded.method = request.method;
    forwarded.path = request.path;
    forwarded.query = request.query;
    forwarded.body = request.body;
    for (const char* name :
         {"Authorization", "Content-Type", "Accept", RegistryApi::kForwardedHeader}) {
      if (const std::string* value = request.Header(name)) {
        forwarded.headers.emplace_back(name, *value);
        if (std::string_view(name) == "Authorization") call_options.username.clear();
      }
    }
    WR_ASSIGN_OR_RETURN(std::unique_ptr<rest::HttpClient> client,
                        rest::HttpClient::Create(base_url, call_options));
    return client->Send(forwarded);
  };
}

}  // namespace walrelay::registry
