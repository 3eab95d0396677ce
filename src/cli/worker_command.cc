#include "cli/worker_command.h"

#include <cstdio>

#include "cli/rest_handler.h"
#include "cli/signals.h"
#include "common/log.h"
#include "config/java_properties.h"
#include "registry/default_schema_checker.h"
#include "rest/connect_api.h"
#include "rest/http_server.h"
#include "runtime/worker_config.h"
#include "worker/registry_service.h"
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
  auto registry_config = worker::RegistryServiceConfig::ForWorker(*config, props->values);
  if (!registry_config.ok()) {
    LogError("worker", registry_config.status().message());
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
  // The schema registry (schema.registry.listeners), started before the worker runs and stopped
  // after it: it only shares the Kafka settings.
  std::unique_ptr<registry::SchemaChecker> checker;
  std::unique_ptr<worker::RegistryService> registry;
  if (*registry_config) {
    checker = registry::DefaultSchemaChecker();
    auto started = worker::RegistryService::Start(**registry_config, checker.get(), stop);
    if (!started.ok()) {
      (*server)->Stop();
      if (started.status().kind() == ErrorKind::kStopped) return 0;
      LogError("worker", "schema registry: " + started.status().message());
      return started.status().kind() == ErrorKind::kInvalidArgument ? 2 : 1;
    }
    registry = std::move(started).value();
  }
  Status s = (*worker)->Run();
  if (registry != nullptr) registry->Stop();
  (*server)->Stop();
  if (!s.ok() && s.kind() != ErrorKind::kStopped) {
    LogError("worker", s.message());
    return s.kind() == ErrorKind::kInvalidArgument ? 2 : 1;
  }
  LogInfo("worker", "stopped");
  return 0;
}

}  // namespace walrelay::cli
