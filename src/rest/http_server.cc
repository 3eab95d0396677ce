#include "rest/http_server.h"

#include <httplib.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/java_format.h"
#include "common/strings.h"

namespace walrelay::rest {
namespace {

constexpr int kDefaultRestPort = 8083;

Result<std::string> ReadFile(const std::string& property, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound(property + ": cannot read '" + path + "': " + std::strerror(errno));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "no OpenSSL error reported";
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;
BioPtr MemoryBio(const std::string& text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Loads the key, the chain and the client trust store into `ctx`.
Status ConfigureTls(SSL_CTX* ctx, const TlsConfig& tls) {
  ERR_clear_error();
  BioPtr chain = MemoryBio(tls.certificate_chain_pem);
  X509* leaf = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) {
    return InvalidArgument("ssl.keystore: no PEM certificate found (" + OpenSslError() + ")");
  }
  int used = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (used != 1) return InvalidArgument("ssl.keystore: certificate refused: " + OpenSslError());
  while (X509* extra = PEM_read_bio_X509(chain.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) {  // takes ownership on success
      X509_free(extra);
      return InvalidArgument("ssl.keystore: chain certificate refused: " + OpenSslError());
    }
  }
  ERR_clear_error();  // the end of the chain reads as an error

  BioPtr key_bio = MemoryBio(tls.private_key_pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(
      key_bio.get(), nullptr, nullptr,
      tls.key_password.empty() ? nullptr : const_cast<char*>(tls.key_password.c_str()));
  if (key == nullptr) {
    return InvalidArgument("ssl.keystore: no readable PEM private key (wrong ssl.key.password?): " +
                           OpenSslError());
  }
  used = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (used != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return InvalidArgument("ssl.keystore: the private key does not match the certificate: " +
                           OpenSslError());
  }

  if (tls.client_auth != "none") {
    X509_STORE* store = SSL_CTX_get_cert_store(ctx);
    BioPtr trust = MemoryBio(tls.truststore_pem);
    int added = 0;
    while (X509* ca = PEM_read_bio_X509(trust.get(), nullptr, nullptr, nullptr)) {
      X509_STORE_add_cert(store, ca);
      X509_free(ca);
      ++added;
    }
    ERR_clear_error();
    if (added == 0) {
      return InvalidArgument("ssl.client.auth=" + tls.client_auth +
                             " needs a PEM truststore (ssl.truststore.location or "
                             "ssl.truststore.certificates)");
    }
    int mode = SSL_VERIFY_PEER;
    if (tls.client_auth == "required") mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    SSL_CTX_set_verify(ctx, mode, nullptr);
  }
  return Status::Ok();
}

// Java properties, as far as credentials files use them: `key=value`, `key: value` or
// `key value`; '#' and '!' comments; surrounding blanks trimmed.
std::map<std::string, std::string> ParseProperties(const std::string& text) {
  std::map<std::string, std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::string_view l = Trim(line);
    if (l.empty() || l[0] == '#' || l[0] == '!') continue;
    size_t sep = l.find_first_of("=: \t");
    std::string key(l.substr(0, sep));
    std::string_view value = sep == std::string_view::npos ? "" : Trim(l.substr(sep));
    if (!value.empty() && (value[0] == '=' || value[0] == ':')) value = Trim(value.substr(1));
    out[key] = std::string(value);
  }
  return out;
}

std::string Get(const std::map<std::string, std::string>& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? "" : std::string(Trim(it->second));
}

Result<TlsConfig> TlsFromProperties(const std::map<std::string, std::string>& props) {
  std::string prefix;
  for (const auto& [key, value] : props) {
    if (key.rfind("listeners.https.", 0) == 0) prefix = "listeners.https.";
  }
  auto name = [&](const char* key) { return prefix + key; };
  TlsConfig tls;
  std::string type = Get(props, name("ssl.keystore.type"));
  if (!type.empty() && !EqualsIgnoreCase(type, "PEM")) {
    return InvalidArgument(name("ssl.keystore.type") + "=" + type +
                           ": walrelay reads PEM keystores only (set it to PEM)");
  }
  std::string location = Get(props, name("ssl.keystore.location"));
  if (!location.empty()) {
    WR_ASSIGN_OR_RETURN(std::string pem, ReadFile(name("ssl.keystore.location"), location));
    tls.certificate_chain_pem = pem;
    tls.private_key_pem = pem;
  } else {
    tls.certificate_chain_pem = Get(props, name("ssl.keystore.certificate.chain"));
    tls.private_key_pem = Get(props, name("ssl.keystore.key"));
  }
  if (tls.certificate_chain_pem.empty() || tls.private_key_pem.empty()) {
    return InvalidArgument("an https listener needs " + name("ssl.keystore.location") +
                           " (a PEM file with the key and the certificate chain) or " +
                           name("ssl.keystore.key") + " and " +
                           name("ssl.keystore.certificate.chain"));
  }
  tls.key_password = Get(props, name("ssl.key.password"));
  std::string trust_type = Get(props, name("ssl.truststore.type"));
  if (!trust_type.empty() && !EqualsIgnoreCase(trust_type, "PEM")) {
    return InvalidArgument(name("ssl.truststore.type") + "=" + trust_type +
                           ": walrelay reads PEM truststores only (set it to PEM)");
  }
  std::string trust_location = Get(props, name("ssl.truststore.location"));
  if (!trust_location.empty()) {
    WR_ASSIGN_OR_RETURN(tls.truststore_pem,
                        ReadFile(name("ssl.truststore.location"), trust_location));
  } else {
    tls.truststore_pem = Get(props, name("ssl.truststore.certificates"));
  }
  std::string client_auth = ToLower(Get(props, name("ssl.client.auth")));
  if (!client_auth.empty()) {
    if (client_auth != "none" && client_auth != "requested" && client_auth != "required") {
      return InvalidArgument(name("ssl.client.auth") + "=" + client_auth +
                             ": must be none, requested or required");
    }
    tls.client_auth = client_auth;
  }
  return tls;
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 413:
      return "Payload Too Large";
    case 414:
      return "URI Too Long";
    case 416:
      return "Range Not Satisfiable";
    case 500:
      return "Internal Server Error";
    default:
      return "Error";
  }
}

void WriteResponse(const Response& response, httplib::Response* res) {
  res->status = response.status;
  std::string content_type;
  for (const auto& [name, value] : response.headers) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
    } else {
      res->set_header(name, value);
    }
  }
  if (!response.body.empty()) {
    res->set_content(response.body, content_type.empty() ? "application/json" : content_type);
  }
}

}  // namespace

Result<std::vector<Listener>> ParseListeners(std::string_view text) {
  std::vector<Listener> out;
  std::string_view rest = text;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view entry = Trim(rest.substr(0, comma));
    if (!entry.empty()) {
      auto bad = [&](const std::string& why) {
        return InvalidArgument("listeners: '" + std::string(entry) + "' " + why +
                               " (expected http://HOST:PORT or https://HOST:PORT)");
      };
      size_t scheme_end = entry.find("://");
      if (scheme_end == std::string_view::npos) return bad("has no scheme");
      Listener listener;
      listener.scheme = ToLower(entry.substr(0, scheme_end));
      if (listener.scheme != "http" && listener.scheme != "https") {
        return bad("has scheme '" + listener.scheme + "'");
      }
      std::string_view host_port = entry.substr(scheme_end + 3);
      size_t colon = host_port.rfind(':');
      if (colon == std::string_view::npos) return bad("has no port");
      listener.host = std::string(host_port.substr(0, colon));
      if (listener.host.size() >= 2 && listener.host.front() == '[' &&
          listener.host.back() == ']') {
        listener.host = listener.host.substr(1, listener.host.size() - 2);  // [::1]
      }
      std::string_view port = host_port.substr(colon + 1);
      int value = 0;
      if (port.empty() || port.size() > 5) return bad("has port '" + std::string(port) + "'");
      for (char c : port) {
        if (c < '0' || c > '9') return bad("has port '" + std::string(port) + "'");
        value = value * 10 + (c - '0');
      }
      if (value > 65535) return bad("has port " + std::string(port) + " above 65535");
      listener.port = value;
      out.push_back(std::move(listener));
    }
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  if (out.empty()) return InvalidArgument("listeners: no listener in '" + std::string(text) + "'");
  return out;
}

Result<std::map<std::string, std::string>> ReadBasicAuthCredentials(const std::string& path) {
  WR_ASSIGN_OR_RETURN(std::string text, ReadFile("rest.basic.auth.credentials.file", path));
  if (text.find("PropertyFileLoginModule") != std::string::npos &&
      text.find('{') != std::string::npos && text.find("};") != std::string::npos) {
    // A JAAS file: follow its file="..." option to the credentials.
    size_t option = text.find("file=\"");
    if (option == std::string::npos) {
      return InvalidArgument("JAAS file '" + path +
                             "' has a PropertyFileLoginModule without a file=\"...\" option");
    }
    size_t start = option + 6;
    size_t end = text.find('"', start);
    if (end == std::string::npos) {
      return InvalidArgument("JAAS file '" + path + "': unterminated file=\"...\" option");
    }
    return ReadBasicAuthCredentials(text.substr(start, end - start));
  }
  std::map<std::string, std::string> users = ParseProperties(text);
  if (users.empty()) {
    return InvalidArgument("credentials file '" + path + "' has no 'user: password' line");
  }
  return users;
}

Result<HttpServerOptions> HttpServerOptionsFromProperties(
    const std::map<std::string, std::string>& props) {
  HttpServerOptions options;
  std::string listeners = Get(props, "listeners");
  if (!listeners.empty()) {
    WR_ASSIGN_OR_RETURN(options.listeners, ParseListeners(listeners));
  } else {
    int port = kDefaultRestPort;
    std::string rest_port = Get(props, "rest.port");
    if (!rest_port.empty()) {
      WR_ASSIGN_OR_RETURN(auto parsed, ParseListeners("http://h:" + rest_port));
      port = parsed[0].port;
    }
    std::string host = Get(props, "rest.host.name");
    options.listeners.push_back({"http", host.empty() ? "127.0.0.1" : host, port});
  }
  for (const Listener& listener : options.listeners) {
    if (listener.scheme == "https" && !options.tls) {
      WR_ASSIGN_OR_RETURN(options.tls, TlsFromProperties(props));
    }
  }
  std::string max_bytes = Get(props, "rest.max.request.bytes");
  if (!max_bytes.empty()) {
    char* end = nullptr;
    unsigned long long value = std::strtoull(max_bytes.c_str(), &end, 10);
    if (*end != '\0' || value == 0 || max_bytes[0] == '-') {
      return InvalidArgument("rest.max.request.bytes=" + max_bytes + ": must be a positive number");
    }
    options.max_body_bytes = value;
  }
  std::string credentials = Get(props, "rest.basic.auth.credentials.file");
  if (!credentials.empty()) {
    WR_ASSIGN_OR_RETURN(options.basic_auth_users, ReadBasicAuthCredentials(credentials));
  } else if (Get(props, "rest.extension.classes").find("BasicAuthSecurityRestExtension") !=
             std::string::npos) {
    return InvalidArgument(
        "rest.extension.classes names BasicAuthSecurityRestExtension: set "
        "rest.basic.auth.credentials.file to its credentials (or JAAS) file");
  }
  return options;
}

struct HttpServer::Bound {
  std::unique_ptr<httplib::Server> server;
  std::thread thread;
};

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      Handler handler) {
  if (options.listeners.empty()) return InvalidArgument("listeners: none given");
  std::unique_ptr<HttpServer> self(new HttpServer());
  auto shared_handler = std::make_shared<Handler>(std::move(handler));
  auto users = std::make_shared<std::map<std::string, std::string>>(options.basic_auth_users);
  const size_t max_body = options.max_body_bytes;

  for (const Listener& listener : options.listeners) {
    std::unique_ptr<httplib::Server> server;
    if (listener.scheme == "https") {
      if (!options.tls) {
        return InvalidArgument("listener https://" + listener.host + ":" +
                               std::to_string(listener.port) + " has no TLS settings");
      }
      Status tls_status;
      const TlsConfig tls = *options.tls;
      server = std::make_unique<httplib::SSLServer>([&](SSL_CTX& ctx) {
        tls_status = ConfigureTls(&ctx, tls);
        return tls_status.ok();
      });
      if (!tls_status.ok()) return tls_status;
      if (!server->is_valid()) return InvalidArgument("cannot set up TLS: " + OpenSslError());
    } else {
      server = std::make_unique<httplib::Server>();
    }
    const std::string scheme = listener.scheme;
    auto dispatch = [shared_handler, users, scheme](const httplib::Request& req,
                                                    httplib::Response& res) {
      if (!users->empty()) {
        bool allowed = false;
        std::string auth = req.get_header_value("Authorization");
        if (auth.size() > 6 && EqualsIgnoreCase(std::string_view(auth).substr(0, 6), "Basic ")) {
          std::string decoded;
          if (DecodeBase64(Trim(std::string_view(auth).substr(6)), &decoded)) {
            size_t colon = decoded.find(':');
            auto user = users->find(decoded.substr(0, colon));
            allowed = colon != std::string::npos && user != users->end() &&
                      user->second == decoded.substr(colon + 1);
          }
        }
        if (!allowed) {
          Response denied = ErrorResponse(401, "User cannot access the resource.");
          denied.headers.emplace_back("WWW-Authenticate", "Basic realm=\"walrelay\"");
          WriteResponse(denied, &res);
          return;
        }
      }
      Request request;
      request.method = req.method;
      request.scheme = scheme;
      Status parsed = ParseTarget(req.target, &request.path, &request.query);
      if (!parsed.ok()) {
        WriteResponse(ErrorResponse(400, "Malformed request target: " + parsed.message()), &res);
        return;
      }
      for (const auto& [name, value] : req.headers) {
        // cpp-httplib adds these to what the client sent.
        if (name == "REMOTE_ADDR" || name == "REMOTE_PORT" || name == "LOCAL_ADDR" ||
            name == "LOCAL_PORT") {
          continue;
        }
        request.headers.emplace_back(name, value);
      }
      request.body = req.body;
      WriteResponse((*shared_handler)(request), &res);
    };
    server->Get(".*", dispatch);
    server->Post(".*", dispatch);
    server->Put(".*", dispatch);
    server->Patch(".*", dispatch);
    server->Delete(".*", dispatch);
    server->Options(".*", dispatch);
    // RFC 9112 section 6.3: a request with neither Content-Length nor Transfer-Encoding has no
    // body. cpp-httplib 0.11 instead reads a POST, PUT, PATCH or DELETE without them until the
    // connection closes, so `curl -X PUT .../pause` (the seed's scripts) waited for the read
    // timeout and got a 400. Such requests are answered here, before cpp-httplib reads.
    server->set_pre_routing_handler(
        [dispatch](const httplib::Request& req, httplib::Response& res) {
          const bool may_have_body = req.method == "POST" || req.method == "PUT" ||
                                     req.method == "PATCH" || req.method == "DELETE";
          if (!may_have_body || req.has_header("Content-Length") ||
              req.has_header("Transfer-Encoding")) {
            return httplib::Server::HandlerResponse::Unhandled;
          }
          dispatch(req, res);
          return httplib::Server::HandlerResponse::Handled;
        });
    server->set_error_handler(httplib::Server::HandlerWithResponse(
        [max_body](const httplib::Request&, httplib::Response& res) {
          if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          Response error = res.status == 413
                               ? ErrorResponse(400, "Request body is larger than the limit of " +
                                                        std::to_string(max_body) + " bytes")
                               : ErrorResponse(res.status, "HTTP " + std::to_string(res.status) +
                                                               " " + ReasonPhrase(res.status));
          WriteResponse(error, &res);
          return httplib::Server::HandlerResponse::Handled;
        }));
    server->set_exception_handler(
        [](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
          std::string what = "unexpected error";
          try {
            std::rethrow_exception(ep);
          } catch (const std::exception& e) {
            what = e.what();
          } catch (...) {
          }
          WriteResponse(ErrorResponse(500, what), &res);
        });
    // SO_REUSEADDR only: cpp-httplib's default adds SO_REUSEPORT, with which a second worker
    // on the same port would bind silently and share its connections.
    server->set_socket_options([](int sock) {
      int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    });
    server->set_payload_max_length(max_body);
    // An idle keep-alive connection holds a pool thread until this expires; 1 s keeps Stop()
    // within about a second.
    server->set_keep_alive_timeout(1);
    server->set_read_timeout(std::chrono::seconds(10));

    const std::string host = listener.host.empty() ? "0.0.0.0" : listener.host;
    int port = listener.port;
    errno = 0;
    if (port == 0) {
      port = server->bind_to_any_port(host);
    } else if (!server->bind_to_port(host, port)) {
      port = -1;
    }
    const std::string shown =
        listener.scheme + "://" + listener.host + ":" + std::to_string(listener.port);
    if (port < 0) {
      return InvalidArgument("cannot listen on " + shown + ": " +
                             (errno != 0 ? std::strerror(errno) : "bind failed"));
    }
    std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    self->urls_.push_back(listener.scheme + "://" + url_host + ":" + std::to_string(port));
    auto bound = std::make_unique<Bound>();
    bound->server = std::move(server);
    httplib::Server* raw = bound->server.get();
    bound->thread = std::thread([raw] { raw->listen_after_bind(); });
    // stop() is a no-op before the loop runs, so Stop() must not race ahead of it.
    for (int i = 0; i < 2000 && !raw->is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    self->servers_.push_back(std::move(bound));
  }
  return self;
}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  for (auto& bound : servers_) {
    if (!bound->thread.joinable()) continue;
    bound->server->stop();
    bound->thread.join();
  }
}

void HttpServer::ServeUntil(const StopSource& stop) {
  while (!stop.stop_requested()) stop.WaitFor(std::chrono::seconds(1));
  Stop();
}

ConnectApi::Forwarder HttpForwarder(HttpClientOptions options) {
  return [options](const std::string& base_url, const Request& request) -> Response {
    HttpClientOptions call_options = options;
    Request forwarded;
    forwarded.method = request.method;
    forwarded.path = request.path;
    forwarded.query = request.query;
    forwarded.body = request.body;
    for (const char* name : {"Authorization", "Content-Type", "Accept"}) {
      if (const std::string* value = request.Header(name)) {
        forwarded.headers.emplace_back(name, *value);
        if (std::string_view(name) == "Authorization") call_options.username.clear();
      }
    }
    auto client = HttpClient::Create(base_url, call_options);
    if (!client.ok()) {
      return ErrorResponse(500,
                           "IO Error trying to forward REST request: " + client.status().message());
    }
    Result<Response> response = client.value()->Send(forwarded);
    if (!response.ok()) {
      return ErrorResponse(
          500, "IO Error trying to forward REST request: " + response.status().message());
    }
    return std::move(response).value();
  };
}

}  // namespace walrelay::rest
