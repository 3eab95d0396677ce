#include "cli/properties_command.h"

#include <cstdio>

#include "config/config_def.h"
#include "config/postgres_connector_def.h"
#include "convert/converter.h"
#include "runtime/worker_config.h"

namespace walrelay::cli {
namespace {

// The defs that live for the whole process, shared without ownership.
std::shared_ptr<const config::ConfigDef> Borrowed(const config::ConfigDef& def) {
  return std::shared_ptr<const config::ConfigDef>(std::shared_ptr<const config::ConfigDef>(), &def);
}

}  // namespace

std::vector<PropertySection> PropertySections() {
  std::vector<PropertySection> out;
  for (const auto& cls : config::SupportedConnectorClasses()) {
    out.push_back({cls, Borrowed(*config::FindConnectorDef(cls))});
  }
  out.push_back(
      {"Kafka Connect framework properties (every connector)", Borrowed(config::FrameworkDef())});
  for (const auto& cls : convert::SupportedConverterClasses()) {
    out.push_back({cls + " (options: key.converter.<option>, value.converter.<option>)",
                   convert::ConverterDef(cls, "")});
  }
  out.push_back({std::string(runtime::kWorkerSectionTitle), Borrowed(runtime::WorkerDef())});
  return out;
}

int PropertiesCommand(const std::vector<std::string>& args) {
  bool printed = false;
  for (const PropertySection& section : PropertySections()) {
    if (!args.empty() && section.title.rfind(args[0], 0) != 0) continue;
    const bool empty = section.def->properties().empty() && section.def->prefixes().empty();
    std::printf("## %s\n\n%s\n", section.title.c_str(),
                empty ? "No options.\n" : section.def->Describe().c_str());
    printed = true;
  }
  if (!printed) {
    std::fprintf(stderr, "walrelay properties: unknown connector or converter class '%s'\n",
                 args[0].c_str());
    return 2;
  }
  return 0;
}

}  // namespace walrelay::cli
