#include "cli/rest_handler.h"

namespace walrelay::cli {

rest::HttpServer::Handler ConnectRestHandler(const rest::ConnectApi* api,
                                             const runtime::MetricsRegistry* metrics) {
  return [api, metrics](const rest::Request& request) {
    if (metrics != nullptr && request.method == "GET" && request.path == "/metrics") {
      rest::Response r;
      r.status = 200;
      r.headers.emplace_back("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
      r.body = metrics->Render();
      return r;
    }
    return api->Handle(request);
  };
}

}  // namespace walrelay::cli
