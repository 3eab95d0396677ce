#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay run FILE... [--set [NAME:]KEY=VALUE]... [--max-records N] [--idle-exit SECONDS]`.
// Exit status 2 for bad arguments or configuration, 1 for runtime failures, 0 on a clean stop.
int RunCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
