#include "rest/http_client.h"

#include <httplib.h>

#include "common/strings.h"

namespace walrelay::rest {

Result<std::unique_ptr<HttpClient>> HttpClient::Create(const std::string& base_url,
                                                       const HttpClientOptions& options) {
  std::string url = base_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  size_t scheme_end = url.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
  if ((scheme != "http" && scheme != "https") || url.size() == scheme_end + 3 ||
      url.find('/', scheme_end + 3) != std::string::npos) {
    return InvalidArgument("URL '" + base_url +
                           "' is not of the form http://HOST:PORT or https://HOST:PORT");
  }
  std::unique_ptr<HttpClient> client(new HttpClient());
  client->base_url_ = url;
  client->client_ = std::make_unique<httplib::Client>(url);
  if (!client->client_->is_valid()) {
    return InvalidArgument("cannot make an HTTP client for '" + base_url + "'");
  }
  client->client_->set_connection_timeout(options.connect_timeout);
  client->client_->set_read_timeout(options.read_timeout);
  client->client_->set_write_timeout(options.read_timeout);
  if (!options.username.empty())
    client->client_->set_basic_auth(options.username, options.password);
  if (scheme == "https") {
    if (!options.ca_file.empty()) client->client_->set_ca_cert_path(options.ca_file);
    client->client_->enable_server_certificate_verification(options.verify_peer);
  }
  return client;
}

HttpClient::~HttpClient() = default;

Result<Response> HttpClient::Send(const Request& request) {
  httplib::Request req;
  req.method = request.method;
  req.path = request.Target();
  for (const auto& [name, value] : request.headers) {
    // The client writes these itself.
    if (EqualsIgnoreCase(name, "Host") || EqualsIgnoreCase(name, "Content-Length")) continue;
    req.headers.emplace(name, value);
  }
  req.body = request.body;
  if (!request.body.empty() && !req.has_header("Content-Type")) {
    req.headers.emplace("Content-Type", "application/json");
  }
  httplib::Result result = client_->send(req);
  if (!result) {
    std::string detail = httplib::to_string(result.error());
    if (result.error() == httplib::Error::Connection) {
      detail = "cannot connect (nothing listening, or unreachable)";
    } else if (result.error() == httplib::Error::SSLServerVerification) {
      detail += " (the server's certificate is not trusted)";
    }
    return ReconnectError(request.method + " " + base_url_ + req.path + " failed: " + detail);
  }
  Response response;
  response.status = result->status;
  for (const auto& [name, value] : result->headers) response.headers.emplace_back(name, value);
  response.body = std::move(result->body);
  return response;
}

}  // namespace walrelay::rest
