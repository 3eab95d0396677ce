#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "common/status.h"
#include "rest/http_message.h"

namespace httplib {
class Client;
}

namespace walrelay::rest {

struct HttpClientOptions {
  // PEM file of the CAs to trust for https (empty: the system's store).
  std::string ca_file{};
  bool verify_peer = true;
  // HTTP basic auth, sent when username is not empty.
  std::string username{};
  std::string password{};
  std::chrono::milliseconds connect_timeout{5000};
  // Kafka Connect's REST request timeout is 90 s; a forwarded request may take that long.
  std::chrono::milliseconds read_timeout{90000};
};

// A small blocking HTTP(S) client (cpp-httplib) for forwarding API requests to the leader and for
// the `walrelay connectors` CLI. One connection per client, reused across requests; not
// thread-safe: one client per thread.
class HttpClient {
 public:
  // base_url: "http://host:port" or "https://host:port" (no path). Fails (kInvalidArgument) on
  // any other form.
  static Result<std::unique_ptr<HttpClient>> Create(const std::string& base_url,
                                                    const HttpClientOptions& options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends request.method to request.Target() with its headers and body. Any HTTP status is a
  // successful Response; a connection that cannot be made or breaks is kReconnect naming the URL.
  Result<Response> Send(const Request& request);

  const std::string& base_url() const { return base_url_; }

 private:
  HttpClient() = default;
  std::string base_url_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace walrelay::rest
