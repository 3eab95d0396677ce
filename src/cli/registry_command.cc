#include "cli/registry_command.h"

#include <cstdio>

#include "cli/signals.h"
#include "common/log.h"
#include "config/java_properties.h"
#include "registry/default_schema_checker.h"
#include "worker/registry_service.h"

namespace walrelay::cli {
namespace {

constexpr const char* kLog = "registry";

}  // namespace

int RegistryCommand(const std::vector<std::string>& args) {
  if (args.size() != 1 || args[0].empty() || args[0][0] == '-') {
    std::fputs("usage: walrelay registry schema-registry.properties\n", stderr);
    return 2;
  }
  const std::string& path = args[0];
  auto props = config::LoadJavaPropertiesFile(path);
  if (!props.ok()) {
    LogError(kLog, props.status().message());
    return 2;
  }
  std::vector<std::string> warnings;
  auto config = worker::RegistryServiceConfig::Parse(props->values, path, &warnings);
  for (const std::string& w : warnings) LogWarn(kLog, w);
  if (!config.ok()) {
    LogError(kLog, config.status().message());
    return 2;
  }
  const StopSource* stop = InstallStopHandlers();
  std::unique_ptr<registry::SchemaChecker> checker = registry::DefaultSchemaChecker();
  auto service = worker::RegistryService::Start(*config, checker.get(), stop);
  if (!service.ok()) {
    if (service.status().kind() == ErrorKind::kStopped) {
      LogInfo(kLog, "stopped");
      return 0;
    }
    LogError(kLog, service.status().message());
    return service.status().kind() == ErrorKind::kInvalidArgument ? 2 : 1;
  }
  while (stop->WaitFor(std::chrono::hours(1))) {
  }
  (*service)->Stop();
  LogInfo(kLog, "stopped");
  return 0;
}

}  // namespace walrelay::cli
