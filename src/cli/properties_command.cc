#include "cli/properties_command.h"

#include <cstdio>

#include "config/config_def.h"
#include "config/postgres_connector_def.h"

namespace walrelay::cli {

int PropertiesCommand(const std::vector<std::string>& args) {
  std::vector<std::string> classes =
      args.empty() ? config::SupportedConnectorClasses() : std::vector<std::string>{args[0]};
  for (const auto& cls : classes) {
    const config::ConfigDef* def = config::FindConnectorDef(cls);
    if (def == nullptr) {
      std::fprintf(stderr, "walrelay properties: unknown connector class '%s'\n", cls.c_str());
      return 2;
    }
    std::printf("## %s\n\n%s\n", cls.c_str(), def->Describe().c_str());
  }
  return 0;
}

}  // namespace walrelay::cli
