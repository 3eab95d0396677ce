#include "cli/run_command.h"

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>

#include "cli/signals.h"
#include "common/log.h"
#include "config/config_def.h"
#include "config/config_strings.h"
#include "config/connector_config.h"
#include "config/postgres_connector_def.h"
#include "runtime/standalone_runner.h"

namespace walrelay::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "walrelay run: %s\n", message.c_str());
  return 2;
}

bool ParseCount(const std::string& text, int64_t* out) {
  auto r = std::from_chars(text.data(), text.data() + text.size(), *out);
  return r.ec == std::errc() && r.ptr == text.data() + text.size() && *out >= 0;
}

constexpr const char* kSourceClass = "io.debezium.connector.postgresql.PostgresConnector";

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  std::vector<std::string> files, sets;
  runtime::RunOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* flag) -> const std::string* {
      if (i + 1 >= args.size()) return nullptr;
      (void)flag;
      return &args[++i];
    };
    if (a == "--set") {
      const std::string* v = value("--set");
      if (!v) return Fail("--set needs [NAME:]KEY=VALUE");
      sets.push_back(*v);
    } else if (a.rfind("--set=", 0) == 0) {
      sets.push_back(a.substr(6));
    } else if (a == "--max-records") {
      const std::string* v = value("--max-records");
      if (!v || !ParseCount(*v, &options.max_records))
        return Fail("--max-records needs a count >= 0");
    } else if (a == "--idle-exit") {
      const std::string* v = value("--idle-exit");
      if (!v || !ParseCount(*v, &options.idle_exit_seconds))
        return Fail("--idle-exit needs seconds >= 0");
    } else if (a.rfind("--", 0) == 0) {
      return Fail("unknown option '" + a + "'");
    } else {
      files.push_back(a);
    }
  }
  if (files.empty())
    return Fail("no connector file given (walrelay run SOURCE.json [SINK.json...])");

  std::vector<config::ConnectorConfig> configs;
  for (const auto& f : files) {
    auto c = config::LoadConnectorFile(f);
    if (!c.ok()) return Fail(c.status().message());
    configs.push_back(std::move(c).value());
  }
  for (const auto& s : sets) {
    Status st = config::ApplyOverride(&configs, s);
    if (!st.ok()) return Fail(st.message());
  }
  for (const auto& c : configs) {
    std::vector<std::string> warnings;
    Status st = config::ValidateConnector(c, &warnings);
    for (const auto& w : warnings) LogWarn(c.name, w);
    if (!st.ok()) return Fail(st.message());
  }
  if (configs[0].Get("connector.class", "") != kSourceClass) {
    return Fail(configs[0].file + ": the first file must be a source connector (" + kSourceClass +
                "), not '" + configs[0].Get("connector.class", "") + "'");
  }
  std::vector<config::ConnectorConfig> sinks(configs.begin() + 1, configs.end());
  for (const auto& s : sinks) {
    if (s.Get("connector.class", "") == kSourceClass) {
      return Fail(s.file + ": only one source connector per run; later files must be sinks");
    }
    // With sinks in process there is no Kafka to write a dead letter queue to.
    if (!config::Trim(s.Get("errors.deadletterqueue.topic.name", "")).empty()) {
      return Fail(s.file + ": property 'errors.deadletterqueue.topic.name' has invalid value '" +
                  s.Get("errors.deadletterqueue.topic.name", "") +
                  "': not supported yet with sinks in process (`walrelay run` has no Kafka to "
                  "write the dead letter queue to; records sent there would be lost); allowed: "
                  "empty");
    }
  }
  options.stop = InstallStopHandlers();
  return runtime::RunStandalone(configs[0], sinks, options);
}

}  // namespace walrelay::cli
