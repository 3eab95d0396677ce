#include "cli/run_command.h"

#include <atomic>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <optional>
#include <thread>

#include "cli/rest_handler.h"
#include "cli/signals.h"
#include "common/log.h"
#include "config/config_def.h"
#include "config/config_strings.h"
#include "config/connector_config.h"
#include "config/postgres_connector_def.h"
#include "rest/connect_api.h"
#include "runtime/metrics.h"
#include "runtime/standalone_herder.h"
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

// Serves the REST API over a herder running the pipeline until the stop request.
int RunWithRest(std::vector<config::ConnectorConfig> configs, const rest::Listener& listener,
                const runtime::RunOptions& options) {
  runtime::MetricsRegistry metrics;
  runtime::StandaloneHerderOptions herder_options;
  herder_options.run = options;
  herder_options.metrics = &metrics;
  runtime::StandaloneHerder herder(std::move(configs), std::move(herder_options));
  rest::ConnectApi api(&herder, rest::ConnectApiOptions{});
  rest::HttpServerOptions server_options;
  server_options.listeners.push_back(listener);
  auto server = rest::HttpServer::Start(server_options, ConnectRestHandler(&api, &metrics));
  if (!server.ok()) {
    LogError("run", "--rest: " + server.status().message());
    return 1;
  }
  const std::string& url = (*server)->urls().front();
  herder.SetWorkerId(url.substr(url.find("://") + 3));
  LogInfo("run", "REST API on " + url);
  // The server stops beside the run (each takes up to a second), so the process still ends
  // within a second of the stop request.
  StopSource ended;
  std::thread server_stop([&] {
    WaitForEither(*options.stop, ended);
    (*server)->Stop();
  });
  int exit_code = herder.Run(*options.stop);
  ended.RequestStop();
  server_stop.join();
  LogInfo("run", "REST API stopped");
  return exit_code;
}

}  // namespace

Result<rest::Listener> ParseRestAddress(const std::string& text) {
  auto bad = [&](const std::string& why) {
    return InvalidArgument("--rest '" + text + "': " + why +
                           "; allowed: HOST:PORT (127.0.0.1:8083, 0.0.0.0:8083, [::1]:8083) or "
                           "PORT (loopback), with PORT 0..65535 (0: a free port)");
  };
  std::string host = "127.0.0.1";
  std::string port = text;
  if (size_t colon = text.rfind(':'); colon != std::string::npos) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
      host = host.substr(1, host.size() - 2);
    } else if (host.find(':') != std::string::npos) {
      return bad("an IPv6 address goes in brackets");
    }
    if (host.empty()) return bad("no host before ':'");
  }
  int value = -1;
  auto r = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || r.ec != std::errc() || r.ptr != port.data() + port.size() || value < 0 ||
      value > 65535) {
    return bad("'" + port + "' is not a port");
  }
  return rest::Listener{"http", host, value};
}

int RunCommand(const std::vector<std::string>& args) {
  std::vector<std::string> files, sets;
  runtime::RunOptions options;
  std::optional<rest::Listener> rest_listener;
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
    } else if (a == "--rest" || a.rfind("--rest=", 0) == 0) {
      const std::string* v = a == "--rest" ? value("--rest") : nullptr;
      if (a == "--rest" && v == nullptr) return Fail("--rest needs HOST:PORT or PORT");
      auto listener = ParseRestAddress(v != nullptr ? *v : a.substr(7));
      if (!listener.ok()) return Fail(listener.status().message());
      rest_listener = *listener;
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
    if (Status st = runtime::CheckInProcessSink(s); !st.ok()) return Fail(st.message());
  }
  options.stop = InstallStopHandlers();
  if (rest_listener) return RunWithRest(std::move(configs), *rest_listener, options);
  return runtime::RunStandalone(configs[0], sinks, options);
}

}  // namespace walrelay::cli
