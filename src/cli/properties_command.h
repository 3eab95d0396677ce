#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay properties [CONNECTOR_CLASS]`: prints the supported properties of one connector class
// (or of all) as Markdown tables: name, type, default, allowed values, description.
int PropertiesCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
