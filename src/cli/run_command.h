#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "rest/http_server.h"

namespace walrelay::cli {

// `--rest`'s value: HOST:PORT ("127.0.0.1:8083", "0.0.0.0:8083", "[::1]:8083") or a bare PORT,
// which binds loopback (127.0.0.1). Port 0 picks a free port. kInvalidArgument naming the value
// and what is allowed.
Result<rest::Listener> ParseRestAddress(const std::string& text);

// `walrelay run FILE... [--set [NAME:]KEY=VALUE]... [--max-records N] [--idle-exit SECONDS]
// [--rest HOST:PORT]`. With --rest, Kafka Connect's REST API is served over the run
// (runtime/standalone_herder.h) until SIGINT/SIGTERM.
// Exit status 2 for bad arguments or configuration, 1 for runtime failures, 0 on a clean stop.
int RunCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
