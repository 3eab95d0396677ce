#include "rest/connect_api.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string_view>
#include <utility>
#include <vector>

#include "common/strings.h"

namespace walrelay::rest {
namespace {

// Output keeps the field order of Kafka Connect's entities, so ordered_json.
using Json = nlohmann::ordered_json;

std::string Dump(const Json& json) {
  // Invalid UTF-8 (a config value can hold anything) is replaced rather than thrown on.
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Response JsonResponse(int status, const Json& body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = Dump(body);
  return response;
}

Response EmptyResponse(int status) {
  Response response;
  response.status = status;
  return response;
}

Json StringOrNull(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

Json ToJson(const ConnectorConfig& config) {
  Json out = Json::object();
  for (const auto& [key, value] : config) out[key] = value;
  return out;
}

Json ToJson(const ConnectorTaskId& id) {
  return Json{{"connector", id.connector}, {"task", id.task}};
}

Json ToJson(const ConnectorInfo& info) {
  Json tasks = Json::array();
  for (const auto& id : info.tasks) tasks.push_back(ToJson(id));
  return Json{{"name", info.name},
              {"config", ToJson(info.config)},
              {"tasks", std::move(tasks)},
              {"type", ConnectorTypeName(info.type)}};
}

void AddState(const StateInfo& state, Json* out) {
  (*out)["state"] = state.state;
  (*out)["worker_id"] = state.worker_id;
  if (!state.trace.empty()) (*out)["trace"] = state.trace;
  if (!state.version.empty()) (*out)["version"] = state.version;
}

Json ToJson(const TaskState& task) {
  Json out = Json::object();
  out["id"] = task.id;
  AddState(task.state, &out);
  return out;
}

Json ToJson(const ConnectorStateInfo& info) {
  Json connector = Json::object();
  AddState(info.connector, &connector);
  Json tasks = Json::array();
  for (const auto& task : info.tasks) tasks.push_back(ToJson(task));
  return Json{{"name", info.name},
              {"connector", std::move(connector)},
              {"tasks", std::move(tasks)},
              {"type", ConnectorTypeName(info.type)}};
}

Json ToJson(const TaskInfo& info) {
  return Json{{"id", ToJson(info.id)}, {"config", ToJson(info.config)}};
}

Json ToJson(const PluginInfo& plugin) {
  Json out{{"class", plugin.class_name}, {"type", plugin.type}};
  if (!plugin.version.empty() && plugin.version != "undefined") out["version"] = plugin.version;
  return out;
}

Json ToJson(const ConfigKeyInfo& key) {
  return Json{{"name", key.name},
              {"type", key.type},
              {"required", key.required},
              {"default_value", StringOrNull(key.default_value)},
              {"importance", key.importance},
              {"documentation", key.documentation},
              {"group", StringOrNull(key.group)},
              {"width", key.width},
              {"display_name", key.display_name},
              {"dependents", key.dependents},
              {"order_in_group", key.order_in_group}};
}

Json ToJson(const ConfigInfos& infos) {
  Json configs = Json::array();
  for (const ConfigInfo& info : infos.configs) {
    const ConfigValueInfo& v = info.value;
    configs.push_back(Json{{"definition", info.definition ? ToJson(*info.definition) : Json()},
                           {"value", Json{{"name", v.name},
                                          {"value", StringOrNull(v.value)},
                                          {"recommended_values", v.recommended_values},
                                          {"errors", v.errors},
                                          {"visible", v.visible}}}});
  }
  return Json{{"name", infos.name},
              {"error_count", infos.error_count},
              {"groups", infos.groups},
              {"configs", std::move(configs)}};
}

Json ToJson(const LoggerLevel& level) {
  return Json{{"level", level.level},
              {"last_modified", level.last_modified ? Json(*level.last_modified) : Json()}};
}

Json ToJson(const ConnectorOffsets& offsets) {
  Json list = Json::array();
  for (const auto& o : offsets.offsets) {
    list.push_back(Json{{"partition", Json(o.partition)}, {"offset", Json(o.offset)}});
  }
  return Json{{"offsets", std::move(list)}};
}

Json MessageJson(const std::string& message) { return Json{{"message", message}}; }

// Java's Integer.valueOf on a path segment; JAX-RS answers 404 when it fails.
std::optional<int> ParseTaskId(const std::string& text) {
  int value = 0;
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  if (begin == end || ec != std::errc() || ptr != end) return std::nullopt;
  return value;
}

// log4j's levels, which is what Kafka Connect accepts.
bool IsLogLevel(const std::string& upper) {
  static const std::set<std::string> kLevels = {"OFF",  "FATAL", "ERROR", "WARN",
                                                "INFO", "DEBUG", "TRACE", "ALL"};
  return kLevels.count(upper) > 0;
}

// Strips the "Connector" suffix, so that aliases compare with class names
// (ConnectorPluginsResource.normalizedPluginName).
std::string NormalizedPluginName(const std::string& name) {
  constexpr std::string_view kSuffix = "Connector";
  if (name.size() > kSuffix.size() &&
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) == 0) {
    return name.substr(0, name.size() - kSuffix.size());
  }
  return name;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string JsonTypeName(const nlohmann::json& value) { return value.type_name(); }

// One request being routed: the herder's answers become responses here.
class Call {
 public:
  Call(Herder* herder, const ConnectApiOptions& options, const ConnectApi::Forwarder& forwarder,
       const Request& request)
      : herder_(herder), options_(options), forwarder_(forwarder), request_(request) {}

  Response Route();

 private:
  // A route matched on its path; `allowed` are the methods it serves.
  Response MethodNotAllowed(std::initializer_list<const char*> allowed) const;
  bool Is(const char* method) const { return request_.method == method; }

  // The body as JSON, or the error response: 415 wrong content type, 400 empty / too large / not
  // JSON / not an object.
  std::optional<Response> ReadJsonObject(nlohmann::json* out) const;
  // A JSON object of strings (numbers and booleans as their text) into a config; `what` names
  // it in errors. Null values are kept only when `nulls` is given.
  std::optional<Response> ReadConfig(const nlohmann::json& object, const std::string& what,
                                     ConnectorConfig* config, ConnectorConfigPatch* nulls) const;
  // ?name=true|false (case-insensitive; default when absent or empty).
  std::optional<Response> BoolQuery(const char* name, bool default_value, bool* out) const;

  // A herder failure as a response, forwarding to the leader when it says so.
  Response Fail(const HerderError& error) const;

  Response Root();
  Response ListConnectors();
  Response CreateConnector();
  Response Connector(const std::string& name, const std::vector<std::string>& rest);
  Response PutConfig(const std::string& name);
  Response PatchConfig(const std::string& name);
  Response Restart(const std::string& name);
  Response Task(const std::string& name, const std::string& task, const std::string& action);
  Response Offsets(const std::string& name);
  Response Plugins(const std::vector<std::string>& rest);
  Response Validate(const std::string& plugin);
  Response Loggers(const std::vector<std::string>& rest);

  std::string Location(const std::string& name) const;

  Herder* herder_;
  const ConnectApiOptions& options_;
  const ConnectApi::Forwarder& forwarder_;
  const Request& request_;
};

Response NotFoundPath() { return ErrorResponse(404, "HTTP 404 Not Found"); }

Response Call::MethodNotAllowed(std::initializer_list<const char*> allowed) const {
  Response response = ErrorResponse(405, "HTTP 405 Method Not Allowed");
  std::string allow;
  for (const char* method : allowed) {
    if (!allow.empty()) allow += ",";
    allow += method;
  }
  response.headers.emplace_back("Allow", allow);
  return response;
}

std::optional<Response> Call::ReadJsonObject(nlohmann::json* out) const {
  if (const std::string* type = request_.Header("Content-Type")) {
    std::string media = ToLower(Trim(std::string_view(*type).substr(0, type->find(';'))));
    if (!media.empty() && media != "application/json" && media != "application/*" &&
        media != "*/*") {
      return ErrorResponse(415, "HTTP 415 Unsupported Media Type");
    }
  }
  if (request_.body.size() > options_.max_body_bytes) {
    return ErrorResponse(400, "Request body of " + std::to_string(request_.body.size()) +
                                  " bytes is larger than the limit of " +
                                  std::to_string(options_.max_body_bytes) + " bytes");
  }
  if (Trim(request_.body).empty()) {
    return ErrorResponse(400, "Request body is empty; expected a JSON object");
  }
  try {
    *out = nlohmann::json::parse(request_.body);
  } catch (const nlohmann::json::parse_error& e) {
    return ErrorResponse(400, std::string("Request body is not valid JSON: ") + e.what());
  }
  if (!out->is_object()) {
    return ErrorResponse(400, "Request body must be a JSON object, not " + JsonTypeName(*out));
  }
  return std::nullopt;
}

std::optional<Response> Call::ReadConfig(const nlohmann::json& object, const std::string& what,
                                         ConnectorConfig* config,
                                         ConnectorConfigPatch* nulls) const {
  for (const auto& [key, value] : object.items()) {
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_number() || value.is_boolean()) {
      text = value.dump();
    } else if (value.is_null() && nulls != nullptr) {
      (*nulls)[key] = std::nullopt;
      continue;
    } else {
      return ErrorResponse(400, "Value of '" + key + "' in " + what +
                                    " must be a string, number or boolean, not " +
                                    JsonTypeName(value));
    }
    if (nulls != nullptr) {
      (*nulls)[key] = std::move(text);
    } else {
      (*config)[key] = std::move(text);
    }
  }
  return std::nullopt;
}

std::optional<Response> Call::BoolQuery(const char* name, bool default_value, bool* out) const {
  const std::string* value = request_.Query(name);
  *out = default_value;
  if (value == nullptr || value->empty()) return std::nullopt;
  if (EqualsIgnoreCase(*value, "true")) {
    *out = true;
  } else if (EqualsIgnoreCase(*value, "false")) {
    *out = false;
  } else {
    return ErrorResponse(400, std::string("Query parameter ") + name +
                                  " must be true or false, not '" + *value + "'");
  }
  return std::nullopt;
}

Response Call::Fail(const HerderError& error) const {
  if (!error.forward) return ErrorResponse(error.http_status, error.message);
  const std::string* forward = request_.Query("forward");
  if (forward != nullptr && EqualsIgnoreCase(*forward, "false")) {
    // Already forwarded twice: the leader moved under us.
    return ErrorResponse(409,
                         "Cannot complete request because of a conflicting operation (e.g. worker "
                         "rebalance)");
  }
  if (error.forward_url.empty() || !forwarder_) {
    return ErrorResponse(409,
                         "Cannot complete request momentarily due to no known leader URL, likely "
                         "because a rebalance was underway.");
  }
  Request forwarded = request_;
  std::erase_if(forwarded.query, [](const auto& p) { return p.first == "forward"; });
  forwarded.query.emplace_back("forward", forward == nullptr ? "true" : "false");
  std::string base = error.forward_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return forwarder_(base, forwarded);
}

std::string Call::Location(const std::string& name) const {
  std::string path = "/connectors/" + PercentEncode(name);
  const std::string* host = request_.Header("Host");
  if (host == nullptr || host->empty()) return path;
  return request_.scheme + "://" + *host + path;
}

Response Call::Route() {
  // Split the raw path, then decode each segment: "%2F" inside a name stays in the name. A
  // trailing slash is ignored, as Jersey does (the seed POSTs to /connectors/).
  std::vector<std::string> segments;
  std::string_view path = request_.path;
  if (path.empty() || path[0] != '/') return NotFoundPath();
  path.remove_prefix(1);
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  while (!path.empty()) {
    size_t slash = path.find('/');
    Result<std::string> segment = PercentDecode(path.substr(0, slash), false);
    if (!segment.ok())
      return ErrorResponse(400, "Malformed request path: " + segment.status().message());
    segments.push_back(std::move(segment).value());
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
    if (slash != std::string_view::npos && path.empty()) segments.emplace_back();
  }

  if (segments.empty()) {
    if (!Is("GET")) return MethodNotAllowed({"GET"});
    return Root();
  }
  const std::string& head = segments[0];
  std::vector<std::string> rest(segments.begin() + 1, segments.end());
  if (head == "connectors") {
    if (rest.empty()) {
      if (Is("GET")) return ListConnectors();
      if (Is("POST")) return CreateConnector();
      return MethodNotAllowed({"GET", "POST"});
    }
    std::string name = rest[0];
    rest.erase(rest.begin());
    return Connector(name, rest);
  }
  if (head == "connector-plugins") return Plugins(rest);
  if (head == "admin" && !rest.empty() && rest[0] == "loggers") {
    rest.erase(rest.begin());
    return Loggers(rest);
  }
  return NotFoundPath();
}

Response Call::Root() {
  ServerInfo info = herder_->GetServerInfo();
  return JsonResponse(200,
                      Json{{"version", info.version},
                           {"commit", info.commit},
                           {"kafka_cluster_id",
                            info.kafka_cluster_id.empty() ? Json() : Json(info.kafka_cluster_id)}});
}

Response Call::ListConnectors() {
  HerderResult<std::vector<std::string>> names = herder_->Connectors();
  if (!names.ok()) return Fail(names.error());
  bool expanded = false;
  std::vector<std::string> expansions;
  for (const auto& [key, value] : request_.query) {
    if (key != "expand") continue;
    expanded = true;
    if (std::find(expansions.begin(), expansions.end(), value) == expansions.end()) {
      expansions.push_back(value);
    }
  }
  if (!expanded) return JsonResponse(200, Json(names.value()));
  Json out = Json::object();
  for (const std::string& name : names.value()) {
    Json entry = Json::object();
    bool removed = false;
    for (const std::string& expansion : expansions) {
      if (expansion == "status") {
        auto status = herder_->GetConnectorStatus(name);
        if (!status.ok()) {
          // Deleted while we looked: left out, as Kafka Connect does.
          if (status.error().http_status == 404)
            removed = true;
          else
            return Fail(status.error());
        } else {
          entry["status"] = ToJson(status.value());
        }
      } else if (expansion == "info") {
        auto info = herder_->GetConnectorInfo(name);
        if (!info.ok()) {
          if (info.error().http_status == 404)
            removed = true;
          else
            return Fail(info.error());
        } else {
          entry["info"] = ToJson(info.value());
        }
      }
      // Kafka Connect ignores an unknown expansion.
    }
    if (!removed) out[name] = std::move(entry);
  }
  return JsonResponse(200, out);
}

Response Call::CreateConnector() {
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  std::string name;
  std::optional<TargetState> initial_state;
  ConnectorConfig config;
  bool has_config = false;
  for (const auto& [key, value] : body.items()) {
    if (key == "name") {
      if (value.is_null()) continue;
      if (!value.is_string()) {
        return ErrorResponse(400, "Field 'name' must be a string, not " + JsonTypeName(value));
      }
      name = std::string(Trim(value.get<std::string>()));
    } else if (key == "config") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        return ErrorResponse(400,
                             "Field 'config' must be a JSON object, not " + JsonTypeName(value));
      }
      if (auto error = ReadConfig(value, "config", &config, nullptr)) return *error;
      has_config = true;
    } else if (key == "initial_state") {
      if (value.is_null()) continue;
      std::string state = value.is_string() ? ToUpper(value.get<std::string>()) : "";
      if (state == "RUNNING") {
        initial_state = TargetState::kStarted;
      } else if (state == "PAUSED") {
        initial_state = TargetState::kPaused;
      } else if (state == "STOPPED") {
        initial_state = TargetState::kStopped;
      } else {
        return ErrorResponse(400,
                             "Field 'initial_state' must be one of RUNNING, PAUSED, STOPPED, "
                             "not " +
                                 value.dump());
      }
    } else {
      return ErrorResponse(400, "Unrecognized field '" + key +
                                    "' in the request body (known fields: name, config, "
                                    "initial_state)");
    }
  }
  if (!has_config) return ErrorResponse(400, "Request body has no 'config' object");
  if (name.empty()) return ErrorResponse(400, "Connector name must not be empty");
  auto included = config.find("name");
  if (included != config.end() && included->second != name) {
    return ErrorResponse(400, "Connector name configuration (" + included->second +
                                  ") doesn't match connector name in the URL (" + name + ")");
  }
  config["name"] = name;
  auto created = herder_->PutConnectorConfig(name, config, initial_state, false);
  if (!created.ok()) return Fail(created.error());
  Response response = JsonResponse(201, ToJson(created.value().result));
  response.headers.emplace_back("Location", Location(name));
  return response;
}

Response Call::Connector(const std::string& name, const std::vector<std::string>& rest) {
  if (rest.empty()) {
    if (Is("GET")) {
      auto info = herder_->GetConnectorInfo(name);
      return info.ok() ? JsonResponse(200, ToJson(info.value())) : Fail(info.error());
    }
    if (Is("DELETE")) {
      HerderStatus status = herder_->DeleteConnector(name);
      return status.ok() ? EmptyResponse(204) : Fail(status.error());
    }
    return MethodNotAllowed({"GET", "DELETE"});
  }
  const std::string& action = rest[0];
  if (rest.size() == 1) {
    if (action == "config") {
      if (Is("GET")) {
        auto config = herder_->GetConnectorConfig(name);
        return config.ok() ? JsonResponse(200, ToJson(config.value())) : Fail(config.error());
      }
      if (Is("PUT")) return PutConfig(name);
      if (Is("PATCH")) return PatchConfig(name);
      return MethodNotAllowed({"GET", "PUT", "PATCH"});
    }
    if (action == "status") {
      if (!Is("GET")) return MethodNotAllowed({"GET"});
      auto status = herder_->GetConnectorStatus(name);
      return status.ok() ? JsonResponse(200, ToJson(status.value())) : Fail(status.error());
    }
    if (action == "tasks") {
      if (!Is("GET")) return MethodNotAllowed({"GET"});
      auto tasks = herder_->GetTaskConfigs(name);
      if (!tasks.ok()) return Fail(tasks.error());
      Json out = Json::array();
      for (const TaskInfo& task : tasks.value()) out.push_back(ToJson(task));
      return JsonResponse(200, out);
    }
    if (action == "topics") {
      if (!Is("GET")) return MethodNotAllowed({"GET"});
      if (!options_.topic_tracking_enabled)
        return ErrorResponse(403, "Topic tracking is disabled.");
      auto topics = herder_->GetActiveTopics(name);
      if (!topics.ok()) return Fail(topics.error());
      Json out = Json::object();
      out[topics.value().connector] = Json{{"topics", topics.value().topics}};
      return JsonResponse(200, out);
    }
    if (action == "pause" || action == "resume" || action == "stop") {
      if (!Is("PUT")) return MethodNotAllowed({"PUT"});
      HerderStatus status = action == "pause"    ? herder_->PauseConnector(name)
                            : action == "resume" ? herder_->ResumeConnector(name)
                                                 : herder_->StopConnector(name);
      if (!status.ok()) return Fail(status.error());
      return EmptyResponse(action == "stop" ? 204 : 202);
    }
    if (action == "restart") {
      if (!Is("POST")) return MethodNotAllowed({"POST"});
      return Restart(name);
    }
    if (action == "offsets") return Offsets(name);
    return NotFoundPath();
  }
  if (action == "topics" && rest.size() == 2 && rest[1] == "reset") {
    if (!Is("PUT")) return MethodNotAllowed({"PUT"});
    if (!options_.topic_tracking_enabled) return ErrorResponse(403, "Topic tracking is disabled.");
    if (!options_.topic_tracking_reset_enabled) {
      return ErrorResponse(403, "Topic tracking reset is disabled.");
    }
    HerderStatus status = herder_->ResetActiveTopics(name);
    return status.ok() ? EmptyResponse(202) : Fail(status.error());
  }
  if (action == "tasks" && rest.size() == 3) return Task(name, rest[1], rest[2]);
  return NotFoundPath();
}

Response Call::PutConfig(const std::string& name) {
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  ConnectorConfig config;
  if (auto error = ReadConfig(body, "the connector config", &config, nullptr)) return *error;
  auto included = config.find("name");
  if (included != config.end() && included->second != name) {
    return ErrorResponse(400, "Connector name configuration (" + included->second +
                                  ") doesn't match connector name in the URL (" + name + ")");
  }
  config["name"] = name;
  auto created = herder_->PutConnectorConfig(name, config, std::nullopt, true);
  if (!created.ok()) return Fail(created.error());
  Response response =
      JsonResponse(created.value().created ? 201 : 200, ToJson(created.value().result));
  if (created.value().created) response.headers.emplace_back("Location", Location(name));
  return response;
}

Response Call::PatchConfig(const std::string& name) {
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  ConnectorConfigPatch patch;
  if (auto error = ReadConfig(body, "the config patch", nullptr, &patch)) return *error;
  auto info = herder_->PatchConnectorConfig(name, patch);
  return info.ok() ? JsonResponse(200, ToJson(info.value())) : Fail(info.error());
}

Response Call::Restart(const std::string& name) {
  RestartRequest restart{name};
  if (auto error = BoolQuery("includeTasks", false, &restart.include_tasks)) return *error;
  if (auto error = BoolQuery("onlyFailed", false, &restart.only_failed)) return *error;
  if (!restart.include_tasks && !restart.only_failed) {
    // The pre-KIP-745 form: the connector object only, 204 with no body.
    HerderStatus status = herder_->RestartConnector(name);
    return status.ok() ? EmptyResponse(204) : Fail(status.error());
  }
  auto state = herder_->RestartConnectorAndTasks(restart);
  return state.ok() ? JsonResponse(202, ToJson(state.value())) : Fail(state.error());
}

Response Call::Task(const std::string& name, const std::string& task, const std::string& action) {
  if (action != "status" && action != "restart") return NotFoundPath();
  std::optional<int> id = ParseTaskId(task);
  if (!id) return NotFoundPath();  // JAX-RS: an Integer path parameter that does not parse
  if (action == "status") {
    if (!Is("GET")) return MethodNotAllowed({"GET"});
    auto state = herder_->GetTaskStatus({name, *id});
    return state.ok() ? JsonResponse(200, ToJson(state.value())) : Fail(state.error());
  }
  if (!Is("POST")) return MethodNotAllowed({"POST"});
  HerderStatus status = herder_->RestartTask({name, *id});
  return status.ok() ? EmptyResponse(204) : Fail(status.error());
}

Response Call::Offsets(const std::string& name) {
  if (Is("GET")) {
    auto offsets = herder_->GetConnectorOffsets(name);
    return offsets.ok() ? JsonResponse(200, ToJson(offsets.value())) : Fail(offsets.error());
  }
  if (Is("DELETE")) {
    auto message = herder_->ResetConnectorOffsets(name);
    return message.ok() ? JsonResponse(200, MessageJson(message.value())) : Fail(message.error());
  }
  if (!Is("PATCH")) return MethodNotAllowed({"GET", "PATCH", "DELETE"});
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  ConnectorOffsets offsets;
  for (const auto& [key, value] : body.items()) {
    if (key != "offsets") {
      return ErrorResponse(
          400, "Unrecognized field '" + key + "' in the request body (known fields: offsets)");
    }
    if (value.is_null()) continue;
    if (!value.is_array()) {
      return ErrorResponse(400, "Field 'offsets' must be a JSON array, not " + JsonTypeName(value));
    }
    for (const auto& element : value) {
      if (!element.is_object()) {
        return ErrorResponse(400,
                             "Each element of 'offsets' must be a JSON object with "
                             "'partition' and 'offset'");
      }
      ConnectorOffset offset;
      for (const auto& [field, v] : element.items()) {
        if (field == "partition") {
          offset.partition = v;
        } else if (field == "offset") {
          offset.offset = v;
        } else {
          return ErrorResponse(400, "Unrecognized field '" + field +
                                        "' in an element of 'offsets' (known fields: partition, "
                                        "offset)");
        }
      }
      if (!offset.partition.is_object()) {
        return ErrorResponse(400, "Each element of 'offsets' needs a 'partition' object");
      }
      if (!offset.offset.is_object() && !offset.offset.is_null()) {
        return ErrorResponse(
            400, "An 'offset' must be a JSON object or null, not " + JsonTypeName(offset.offset));
      }
      offsets.offsets.push_back(std::move(offset));
    }
  }
  if (offsets.offsets.empty()) {
    return ErrorResponse(400,
                         "Partitions / offsets need to be provided for an alter offsets request");
  }
  auto message = herder_->AlterConnectorOffsets(name, offsets);
  return message.ok() ? JsonResponse(200, MessageJson(message.value())) : Fail(message.error());
}

Response Call::Plugins(const std::vector<std::string>& rest) {
  if (rest.empty()) {
    if (!Is("GET")) return MethodNotAllowed({"GET"});
    bool connectors_only = true;
    if (auto error = BoolQuery("connectorsOnly", true, &connectors_only)) return *error;
    Json out = Json::array();
    for (const PluginInfo& plugin : herder_->Plugins()) {
      if (connectors_only && plugin.type != "source" && plugin.type != "sink") continue;
      out.push_back(ToJson(plugin));
    }
    return JsonResponse(200, out);
  }
  const std::string& plugin = rest[0];
  if (rest.size() == 2 && rest[1] == "config") {
    if (!Is("GET")) return MethodNotAllowed({"GET"});
    auto keys = herder_->GetPluginConfig(plugin);
    if (!keys.ok()) return Fail(keys.error());
    Json out = Json::array();
    for (const ConfigKeyInfo& key : keys.value()) out.push_back(ToJson(key));
    return JsonResponse(200, out);
  }
  if (rest.size() == 3 && rest[1] == "config" && rest[2] == "validate") {
    if (!Is("PUT")) return MethodNotAllowed({"PUT"});
    return Validate(plugin);
  }
  return NotFoundPath();
}

Response Call::Validate(const std::string& plugin) {
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  ConnectorConfig config;
  if (auto error = ReadConfig(body, "the connector config", &config, nullptr)) return *error;
  auto cls = config.find("connector.class");
  if (cls != config.end() &&
      !EndsWith(NormalizedPluginName(cls->second), NormalizedPluginName(plugin))) {
    return ErrorResponse(
        400, "Included connector type " + cls->second + " does not match request type " + plugin);
  }
  auto infos = herder_->ValidateConnectorConfig(config);
  return infos.ok() ? JsonResponse(200, ToJson(infos.value())) : Fail(infos.error());
}

Response Call::Loggers(const std::vector<std::string>& rest) {
  if (rest.empty()) {
    if (!Is("GET")) return MethodNotAllowed({"GET"});
    Json out = Json::object();
    for (const auto& [name, level] : herder_->AllLoggerLevels()) out[name] = ToJson(level);
    return JsonResponse(200, out);
  }
  if (rest.size() != 1) return NotFoundPath();
  const std::string& logger = rest[0];
  if (Is("GET")) {
    std::optional<LoggerLevel> level = herder_->GetLoggerLevel(logger);
    if (!level) return ErrorResponse(404, "Logger " + logger + " not found.");
    return JsonResponse(200, ToJson(*level));
  }
  if (!Is("PUT")) return MethodNotAllowed({"GET", "PUT"});
  nlohmann::json body;
  if (auto error = ReadJsonObject(&body)) return *error;
  auto level_field = body.find("level");
  if (level_field == body.end() || level_field->is_null()) {
    return ErrorResponse(400, "Desired 'level' parameter was not specified in request.");
  }
  if (!level_field->is_string()) {
    return ErrorResponse(400, "Field 'level' must be a string, not " + JsonTypeName(*level_field));
  }
  std::string level = ToUpper(level_field->get<std::string>());
  if (!IsLogLevel(level)) {
    // Kafka Connect answers 404 here.
    return ErrorResponse(404, "invalid log level '" + level_field->get<std::string>() + "'.");
  }
  const std::string* scope = request_.Query("scope");
  if (scope != nullptr && EqualsIgnoreCase(*scope, "cluster")) {
    HerderStatus status = herder_->SetClusterLoggerLevel(logger, level);
    return status.ok() ? EmptyResponse(204) : Fail(status.error());
  }
  // Any other scope means this worker, as in Kafka Connect.
  auto changed = herder_->SetWorkerLoggerLevel(logger, level);
  return changed.ok() ? JsonResponse(200, Json(changed.value())) : Fail(changed.error());
}

}  // namespace

Response ErrorResponse(int status, const std::string& message) {
  return JsonResponse(status, Json{{"error_code", status}, {"message", message}});
}

ConnectApi::ConnectApi(Herder* herder, ConnectApiOptions options, Forwarder forwarder)
    : herder_(herder), options_(options), forwarder_(std::move(forwarder)) {}

Response ConnectApi::Handle(const Request& request) const {
  return Call(herder_, options_, forwarder_, request).Route();
}

}  // namespace walrelay::rest
