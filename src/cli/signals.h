#pragma once

#include "common/stop.h"

namespace walrelay::cli {

// Installs SIGINT/SIGTERM handlers that request the returned stop (and ignores SIGPIPE), for the
// subcommands' clean stop. A second signal, while that stop is still under way, ends the process
// at once with status 128 + the signal's number, as an impatient operator asks. The StopSource
// is the process's only global: a signal handler reaches nothing else.
const StopSource* InstallStopHandlers();

}  // namespace walrelay::cli
