#include "cli/worker_command.h"

#include <cstdio>

#include "cli/rest_handler.h"
#include "cli/signals.h"
#include "common/log.h"
#include "config/java_properties.h"
#include "rest/connect_api.h"
#include "rest/http_server.h"
#include "runtime/worker_config.h"
#include "worker/worker.h"

namespace walrelay::cli {

int WorkerCommand(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].empty() || args[0][0] == '-') {
    std::fputs("usage: walrelay worker connect-distributed.properties\n", stderr);
    return 2;
  }
  const std::string& path = args[0];
  std::vector<std::string> warnings;
  auto config = runtime::WorkerConfig::Load(path, &warnings);
  if (!config.ok()) {
    LogError("worker", config.status().message());
    return 2;
  }
  for (const std::string& w : warnings) LogWarn("worker", w);
  auto props = config::LoadJavaPropertiesFile(path);
  if (!props.ok()) {
    LogError("worker", props.status().message());
    return 2;
  }
  auto server_options = rest::HttpServerOptionsFromProperties(props->values);
  if (!server_options.ok()) {
    LogError("worker", path + ": " + server_options.status().message());
    return 2;
  }
  const StopSource* stop = InstallStopHandlers();
  auto worker = worker::Worker::Create(std::move(config).value(), stop);
  if (!worker.ok()) {
    LogError("worker", worker.status().message());
    return worker.status().kind() == ErrorKind::kInvalidArgument ? 2 : 1;
  }
  rest::HttpClientOptions client_options;
  rest::ConnectApi api(worker->get(), rest::ConnectApiOptions{},
                       rest::HttpForwarder(client_options));
  runtime::MetricsRegistry* metrics = (*worker)->metrics();
  auto server = rest::HttpServer::Start(*server_options, ConnectRestHandler(&api, metrics));
  if (!server.ok()) {
    LogError("worker", server.status().message());
    return 1;
  }
  for (const std::string& url : (*server)->urls()) LogInfo("worker", "REST API on " + url);
  Status s = (*worker)->Run();
  (*server)->Stop();
  if (!s.ok() && s.kind() != ErrorKind::kStopped) {
    LogError("worker", s.message());
    return s.kind() == ErrorKind::kInvalidArgument ? 2 : 1;
  }
  LogInfo("worker", "stopped");
  return 0;
}

}  // namespace walrelay::cli
