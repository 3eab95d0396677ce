#pragma once

#include <atomic>

namespace walrelay::cli {

// Installs SIGINT/SIGTERM handlers that set the returned flag (and ignores SIGPIPE), for the
// subcommands' clean stop. The flag is the process's only global: a signal handler reaches nothing
// else.
const std::atomic<bool>* InstallStopHandlers();

}  // namespace walrelay::cli
