#include "cli/connectors_command.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "rest/http_client.h"
#include "rest/http_message.h"

namespace walrelay::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "usage: walrelay connectors list|status NAME|config NAME|create FILE|delete NAME|pause NAME|\n"
    "                          resume NAME|stop NAME|offsets NAME|\n"
    "                          restart NAME [--include-tasks] [--only-failed] [--task N]\n"
    "                          [--url URL] [--user USER:PASSWORD] [--cacert FILE] [--insecure]\n"
    "  URL defaults to http://127.0.0.1:8083 (a worker's Kafka Connect REST API).\n";

struct Options {
  std::string url = "http://127.0.0.1:8083";
  rest::HttpClientOptions client;
  bool include_tasks = false;
  bool only_failed = false;
  std::optional<int> task;
  std::vector<std::string> positional;
};

std::string Dump(const json& j, int indent = -1) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

// One call to the API. On an error status or a transport failure prints it on `err` and returns
// nullopt.
class Api {
 public:
  Api(std::unique_ptr<rest::HttpClient> client, std::FILE* err)
      : client_(std::move(client)), err_(err) {}

  std::optional<rest::Response> Call(const std::string& method, const std::string& target,
                                     const std::string& body = "") {
    rest::Request request;
    request.method = method;
    Status parsed = rest::ParseTarget(target, &request.path, &request.query);
    if (!parsed.ok()) {
      std::fprintf(err_, "walrelay connectors: %s\n", parsed.message().c_str());
      return std::nullopt;
    }
    request.headers.emplace_back("Accept", "application/json");
    if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;
    Result<rest::Response> response = client_->Send(request);
    if (!response.ok()) {
      std::fprintf(err_, "walrelay connectors: %s\n", response.status().message().c_str());
      return std::nullopt;
    }
    if (response->status >= 400) {
      std::string message = response->body;
      try {
        json error = json::parse(response->body);
        if (error.is_object() && error.contains("message") && error["message"].is_string()) {
          message = error["message"].get<std::string>();
        }
      } catch (const json::exception&) {
      }
      std::fprintf(err_, "walrelay connectors: %s %s: HTTP %d: %s\n", method.c_str(),
                   request.path.c_str(), response->status, message.c_str());
      return std::nullopt;
    }
    return std::move(response).value();
  }

  // Call() whose body must be JSON.
  std::optional<json> CallJson(const std::string& method, const std::string& target,
                               const std::string& body = "") {
    std::optional<rest::Response> response = Call(method, target, body);
    if (!response) return std::nullopt;
    try {
      return json::parse(response->body);
    } catch (const json::exception& e) {
      std::fprintf(err_, "walrelay connectors: %s %s answered with a body that is not JSON: %s\n",
                   method.c_str(), target.c_str(), e.what());
      return std::nullopt;
    }
  }

 private:
  std::unique_ptr<rest::HttpClient> client_;
  std::FILE* err_;
};

std::string Str(const json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// "RUNNING on 127.0.0.1:8083", plus the first line of a failure's trace.
std::string StateText(const json& state) {
  std::string text = Str(state, "state");
  std::string worker = Str(state, "worker_id");
  if (!worker.empty()) text += " on " + worker;
  std::string trace = Str(state, "trace");
  if (!trace.empty()) text += ": " + trace.substr(0, trace.find('\n'));
  return text;
}

void PrintStatus(const std::string& name, const json& status, const json& info, std::FILE* out) {
  std::string type = Str(status, "type");
  if (type.empty()) type = Str(info, "type");
  std::string cls =
      info.is_object() && info.contains("config") ? Str(info["config"], "connector.class") : "";
  std::string head = name + " (" + (type.empty() ? "unknown" : type);
  if (!cls.empty()) head += ", " + cls;
  head += ")";
  std::fprintf(out, "%s: %s\n", head.c_str(),
               status.is_object() && status.contains("connector")
                   ? StateText(status["connector"]).c_str()
                   : "state unknown");
  if (!status.is_object() || !status.contains("tasks") || !status["tasks"].is_array()) return;
  if (status["tasks"].empty()) std::fprintf(out, "  no tasks\n");
  for (const json& task : status["tasks"]) {
    std::string id = task.contains("id") ? Dump(task["id"]) : "?";
    std::fprintf(out, "  task %s: %s\n", id.c_str(), StateText(task).c_str());
  }
}

Result<Options> ParseArgs(const std::vector<std::string>& args) {
  Options options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&]() -> Result<std::string> {
      if (i + 1 >= args.size()) return InvalidArgument(arg + " needs a value");
      return args[++i];
    };
    if (arg == "--url") {
      WR_ASSIGN_OR_RETURN(options.url, value());
    } else if (arg == "--user") {
      WR_ASSIGN_OR_RETURN(std::string user, value());
      size_t colon = user.find(':');
      if (colon == std::string::npos) return InvalidArgument("--user needs USER:PASSWORD");
      options.client.username = user.substr(0, colon);
      options.client.password = user.substr(colon + 1);
    } else if (arg == "--cacert") {
      WR_ASSIGN_OR_RETURN(options.client.ca_file, value());
    } else if (arg == "--insecure") {
      options.client.verify_peer = false;
    } else if (arg == "--include-tasks") {
      options.include_tasks = true;
    } else if (arg == "--only-failed") {
      options.only_failed = true;
    } else if (arg == "--task") {
      WR_ASSIGN_OR_RETURN(std::string task, value());
      try {
        size_t used = 0;
        options.task = std::stoi(task, &used);
        if (used != task.size() || *options.task < 0) throw std::invalid_argument(task);
      } catch (const std::exception&) {
        return InvalidArgument("--task needs a task number, not '" + task + "'");
      }
    } else if (arg.rfind("--", 0) == 0) {
      return InvalidArgument("unknown option " + arg);
    } else {
      options.positional.push_back(arg);
    }
  }
  return options;
}

}  // namespace

int ConnectorsCommand(const std::vector<std::string>& args, std::FILE* out, std::FILE* err) {
  Result<Options> parsed = ParseArgs(args);
  if (!parsed.ok()) {
    std::fprintf(err, "walrelay connectors: %s\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  const Options& options = parsed.value();
  if (options.positional.empty()) {
    std::fputs(kUsage, err);
    return 2;
  }
  const std::string& sub = options.positional[0];
  const bool needs_name = sub != "list";
  if (options.positional.size() != (needs_name ? 2u : 1u)) {
    std::fprintf(err, "walrelay connectors %s: %s\n%s", sub.c_str(),
                 needs_name ? "needs exactly one argument" : "takes no argument", kUsage);
    return 2;
  }
  if ((options.include_tasks || options.only_failed || options.task) && sub != "restart") {
    std::fprintf(err,
                 "walrelay connectors %s: --include-tasks, --only-failed and --task belong "
                 "to restart\n",
                 sub.c_str());
    return 2;
  }
  auto client = rest::HttpClient::Create(options.url, options.client);
  if (!client.ok()) {
    std::fprintf(err, "walrelay connectors: --url: %s\n", client.status().message().c_str());
    return 2;
  }
  Api api(std::move(client).value(), err);
  const std::string arg = needs_name ? options.positional[1] : "";
  const std::string path = "/connectors/" + rest::PercentEncode(arg);

  if (sub == "list") {
    std::optional<json> all = api.CallJson("GET", "/connectors?expand=status&expand=info");
    if (!all) return 1;
    if (!all->is_object()) {
      std::fprintf(err, "walrelay connectors: unexpected answer %s\n", Dump(*all).c_str());
      return 1;
    }
    if (all->empty()) std::fprintf(out, "no connectors\n");
    for (const auto& [name, entry] : all->items()) {
      PrintStatus(name, entry.value("status", json()), entry.value("info", json()), out);
    }
    return 0;
  }
  if (sub == "status") {
    std::optional<json> status = api.CallJson("GET", path + "/status");
    if (!status) return 1;
    PrintStatus(arg, *status, json(), out);
    return 0;
  }
  if (sub == "config" || sub == "offsets") {
    std::optional<json> body = api.CallJson("GET", path + "/" + sub);
    if (!body) return 1;
    std::fprintf(out, "%s\n", Dump(*body, 2).c_str());
    return 0;
  }
  if (sub == "create") {
    std::ifstream in(arg, std::ios::binary);
    if (!in) {
      std::fprintf(err, "walrelay connectors create: cannot read '%s'\n", arg.c_str());
      return 2;
    }
    std::stringstream file;
    file << in.rdbuf();
    std::optional<json> created = api.CallJson("POST", "/connectors", file.str());
    if (!created) return 1;
    std::fprintf(out, "created connector %s\n%s\n", Str(*created, "name").c_str(),
                 Dump(*created, 2).c_str());
    return 0;
  }
  if (sub == "delete") {
    if (!api.Call("DELETE", path)) return 1;
    std::fprintf(out, "deleted connector %s\n", arg.c_str());
    return 0;
  }
  if (sub == "pause" || sub == "resume" || sub == "stop") {
    if (!api.Call("PUT", path + "/" + sub)) return 1;
    const char* done = sub == "pause" ? "paused" : sub == "resume" ? "resumed" : "stopped";
    std::fprintf(out, "%s connector %s\n", done, arg.c_str());
    return 0;
  }
  if (sub == "restart") {
    if (options.task) {
      if (options.include_tasks || options.only_failed) {
        std::fprintf(err,
                     "walrelay connectors restart: --task restarts one task; it does not go "
                     "with --include-tasks or --only-failed\n");
        return 2;
      }
      if (!api.Call("POST", path + "/tasks/" + std::to_string(*options.task) + "/restart")) {
        return 1;
      }
      std::fprintf(out, "restarted task %d of connector %s\n", *options.task, arg.c_str());
      return 0;
    }
    std::string target = path + "/restart";
    if (options.include_tasks || options.only_failed) {
      target += std::string("?includeTasks=") + (options.include_tasks ? "true" : "false") +
                "&onlyFailed=" + (options.only_failed ? "true" : "false");
    }
    std::optional<rest::Response> response = api.Call("POST", target);
    if (!response) return 1;
    std::fprintf(out, "restarting connector %s\n", arg.c_str());
    if (!response->body.empty()) {
      try {
        PrintStatus(arg, json::parse(response->body), json(), out);
      } catch (const json::exception&) {
      }
    }
    return 0;
  }
  std::fprintf(err, "walrelay connectors: unknown subcommand '%s'\n%s", sub.c_str(), kUsage);
  return 2;
}

}  // namespace walrelay::cli
