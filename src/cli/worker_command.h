#pragma once

#include <string>
#include <vector>

namespace walrelay::cli {

// `walrelay worker connect-distributed.properties`: a distributed worker (Kafka Connect's
// connect-distributed) serving the REST API and GET /metrics until SIGINT/SIGTERM. Exit status:
// 0 after a clean stop, 1 on a failure, 2 for a bad worker file.
int WorkerCommand(const std::vector<std::string>& args);

}  // namespace walrelay::cli
