#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay connectors SUBCOMMAND [--url URL] [--user USER:PASSWORD] [--cacert FILE]
// [--insecure]`: the seed's curl calls to the Kafka Connect REST API (default URL
// http://127.0.0.1:8083), against walrelay workers or a real Kafka Connect:
//   list                 every connector with its type, class, state and task states (from
//                        GET /connectors?expand=status&expand=info)
//   status NAME          the connector's and its tasks' states and workers
//   config NAME          its config, as JSON
//   create FILE          POST /connectors with a connector file ({"name", "config"})
//   delete|pause|resume|stop NAME
//   restart NAME [--include-tasks] [--only-failed] [--task N]
//   offsets NAME         its offsets (KIP-875), as JSON
// Prints results on `out`; an API error prints its message with the HTTP status on `err` and
// returns 1; bad arguments return 2.
int ConnectorsCommand(const std::vector<std::string>& args, std::FILE* out = stdout,
                      std::FILE* err = stderr);

}  // namespace walrelay::cli
