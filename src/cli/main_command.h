#pragma once

namespace walrelay::cli {

// The `walrelay` command line: dispatches to subcommands (run, writer, reader, version, help).
// Returns the process exit status.
int Main(int argc, char** argv);

}  // namespace walrelay::cli
