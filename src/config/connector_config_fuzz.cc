// libFuzzer target for connector files and `--set` overrides (scripts/fuzz, built with
// WALRELAY_FUZZ=ON), in the order `walrelay run` uses them: ParseConnectorJson, ApplyOverride
// for each spec, ValidateConnector. An input is the connector JSON, then optionally '\0' and
// `--set` specs separated by '\0'. The JSON is also parsed as a flat property object
// (ParseConnectorProps, as PUT /connectors/<name>/config would). Beyond crashes it checks that a
// parsed config is consistent: props["name"] equals the name, the config written back as JSON
// parses to the same config, and a successful override leaves the names alone and sets the
// value it was given.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/connector_config.h"
#include "config/postgres_connector_def.h"

namespace walrelay::config {
namespace {

// Aborts (a finding) when `cond` is false, printing which check failed.
void Check(bool cond, const char* what) {
  if (cond) return;
  std::fprintf(stderr, "consistency check failed: %s\n", what);
  std::abort();
}

void CheckConsistent(const ConnectorConfig& config) {
  auto it = config.props.find("name");
  Check(it != config.props.end() && it->second == config.name, "props[\"name\"] == name");
  nlohmann::json props(config.props);
  std::string text = nlohmann::json({{"name", config.name}, {"config", props}}).dump();
  auto again = ParseConnectorJson(text, "round trip");
  Check(again.ok() && again->name == config.name && again->props == config.props,
        "the config written as JSON parses to the same config");
}

void CheckOverride(const std::vector<ConnectorConfig>& before,
                   const std::vector<ConnectorConfig>& after, std::string_view spec) {
  Check(after.size() == before.size(), "an override keeps the connectors");
  bool value_set = false;
  std::string_view value = spec.substr(spec.find('=') + 1);
  for (size_t i = 0; i < after.size(); ++i) {
    Check(after[i].name == before[i].name && after[i].Get("name", "") == before[i].name,
          "an override keeps the names");
    for (const auto& [key, v] : after[i].props) value_set = value_set || v == value;
  }
  Check(value_set, "an override sets its value");
}

void Run(std::string_view input) {
  std::vector<std::string_view> parts;
  for (size_t start = 0;;) {
    size_t nul = input.find('\0', start);
    parts.push_back(input.substr(start, nul == std::string_view::npos ? nul : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  auto flat = ParseConnectorProps(parts[0], "fuzz", "fuzz input");
  if (flat.ok()) CheckConsistent(*flat);
  auto parsed = ParseConnectorJson(parts[0], "fuzz input");
  if (!parsed.ok()) return;
  CheckConsistent(*parsed);
  std::vector<ConnectorConfig> configs = {*parsed};
  for (size_t i = 1; i < parts.size(); ++i) {
    std::vector<ConnectorConfig> before = configs;
    if (ApplyOverride(&configs, parts[i]).ok()) CheckOverride(before, configs, parts[i]);
  }
  std::vector<std::string> warnings;
  (void)ValidateConnector(configs[0], &warnings);
}

}  // namespace
}  // namespace walrelay::config

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  walrelay::config::Run(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
