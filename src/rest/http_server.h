#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "rest/connect_api.h"
#include "rest/http_client.h"
#include "rest/http_message.h"

namespace httplib {
class Server;
}

namespace walrelay::rest {

// One `listeners` entry: "http://host:port" or "https://host:port". An empty host means every
// interface (0.0.0.0), as in Kafka Connect; port 0 picks a free port.
struct Listener {
  std::string scheme;
  std::string host;
  int port = 0;
};

// Parses Kafka Connect's comma-separated `listeners` list. Fails (kInvalidArgument) naming the
// entry that is not scheme://host:port with scheme http or https and port 0..65535.
Result<std::vector<Listener>> ParseListeners(std::string_view text);

// The TLS material of https listeners, in PEM (text, not paths).
struct TlsConfig {
  std::string certificate_chain_pem;  // the server's certificate first, then intermediates
  std::string private_key_pem;
  std::string key_password;          // for an encrypted private key
  std::string truststore_pem;        // CAs that sign client certificates (client auth)
  std::string client_auth = "none";  // none | requested | required (Kafka's ssl.client.auth)
};

struct HttpServerOptions {
  std::vector<Listener> listeners;
  // Larger bodies are refused with a 400 before they are read whole.
  size_t max_body_bytes = 1 << 20;
  std::optional<TlsConfig> tls;
  // HTTP basic auth users (user -> password); empty: no authentication.
  std::map<std::string, std::string> basic_auth_users;
};

// Reads the REST server's settings from worker properties, as Kafka Connect names them:
// - `listeners` (default: http://127.0.0.1:<rest.port>; rest.port defaults to 8083 and
//   rest.host.name, when set, replaces 127.0.0.1) — loopback unless told otherwise;
// - for https listeners, `listeners.https.ssl.*` when any property has that prefix, otherwise
//   `ssl.*`: ssl.keystore.type must be PEM; the key and chain come from ssl.keystore.location (one
//   PEM file holding the private key and the certificate chain) or from the inline PEM values
//   ssl.keystore.key and ssl.keystore.certificate.chain; ssl.key.password decrypts the key;
//   ssl.truststore.location / ssl.truststore.certificates (PEM) and ssl.client.auth
//   (none | requested | required) check clients;
// - `rest.basic.auth.credentials.file` (walrelay's): HTTP basic auth users from the file Kafka
//   Connect's BasicAuthSecurityRestExtension reads: `user: password` lines (a Java properties
//   file), or the JAAS file whose PropertyFileLoginModule names it with file="...". Naming the
//   extension in `rest.extension.classes` without this property is an error.
// - `rest.max.request.bytes` (walrelay's): the body size cap, default 1 MiB.
// Fails (kInvalidArgument) naming the property and the problem; an unreadable file is kNotFound.
Result<HttpServerOptions> HttpServerOptionsFromProperties(
    const std::map<std::string, std::string>& properties);

// Reads a credentials file (Java properties `user: password` or `user=password`), or the JAAS
// file that points at one.
Result<std::map<std::string, std::string>> ReadBasicAuthCredentials(const std::string& path);

// Serves a handler (ConnectApi::Handle, usually) over HTTP and HTTPS with cpp-httplib: one
// listening socket and accept thread per listener, requests handled on cpp-httplib's thread pool.
// Adds what the pure router does not do: basic auth (401), the body cap at the socket, and JSON
// errors for requests the library itself refuses.
//
// Start binds every listener before returning (a port in use is an error then, not later); the
// destructor stops it. Stop() returns within about a second: idle keep-alive connections are
// dropped after 1 s, and a request in progress finishes first.
class HttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  static Result<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                   Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // The bound URLs ("http://127.0.0.1:40123"), in listener order, with the real ports.
  const std::vector<std::string>& urls() const { return urls_; }

  // Stops accepting, finishes requests in progress and joins the threads. Idempotent.
  void Stop();
  // Serves until `stop` is requested, then stops.
  void ServeUntil(const StopSource& stop);

 private:
  HttpServer() = default;
  struct Bound;
  std::vector<std::unique_ptr<Bound>> servers_;
  std::vector<std::string> urls_;
};

// A ConnectApi::Forwarder that sends the request over HTTP with `options` (TLS trust, and basic
// auth: the caller's Authorization header is passed on when present, as Kafka Connect does). A
// transport failure becomes Kafka Connect's 500 "IO Error trying to forward REST request: ...".
ConnectApi::Forwarder HttpForwarder(HttpClientOptions options);

}  // namespace walrelay::rest
