#pragma once

#include "rest/connect_api.h"
#include "rest/http_server.h"
#include "runtime/metrics.h"

namespace walrelay::cli {

// What `walrelay worker` and `walrelay run --rest` serve: `GET /metrics` (Prometheus' text
// format, from `metrics` when not null) and everything else through Kafka Connect's API. `api`
// and `metrics` must outlive the handler.
rest::HttpServer::Handler ConnectRestHandler(const rest::ConnectApi* api,
                                             const runtime::MetricsRegistry* metrics);

}  // namespace walrelay::cli
