#pragma once

#include <memory>
#include <string>
#include <vector>

#include "config/config_def.h"

namespace walrelay::cli {

// One section of `walrelay properties`: a title and the definitions it documents.
struct PropertySection {
  std::string title;
  std::shared_ptr<const config::ConfigDef> def;
};

// Every section `walrelay properties` prints, in order: the connector classes, Kafka Connect's
// framework properties, then the options of each converter class.
std::vector<PropertySection> PropertySections();

// `walrelay properties [CLASS]`: prints the Markdown tables of every section, or of the one whose
// title starts with CLASS. Returns 2 for an unknown CLASS.
int PropertiesCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
