#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "registry/registry_api.h"
#include "registry/schema_records.h"
#include "rest/http_client.h"
#include "rest/http_message.h"

namespace walrelay::registry {

struct RegistryClientOptions {
  // Base URLs ("http://host:8081"), tried in turn when one cannot be reached.
  std::vector<std::string> urls;
  // HTTP basic auth, "user:password" (empty: none).
  std::string user_info;
  // TLS trust and timeouts; its username/password are set from user_info.
  rest::HttpClientOptions http;
  // How long GetLatest answers from its cache (Confluent's latest.cache.ttl.sec); nullopt: until
  // InvalidateLatest.
  std::optional<std::chrono::milliseconds> latest_ttl;
  // The clock the TTL is measured on; a test replaces it.
  std::function<std::chrono::steady_clock::time_point()> now = std::chrono::steady_clock::now;
};

// Reads Confluent's serializer properties: `schema.registry.url` (comma-separated, required),
// `basic.auth.credentials.source` (URL: userinfo in the URLs, the default; USER_INFO:
// `basic.auth.user.info`, also under its `schema.registry.` prefixed name), and
// `latest.cache.ttl.sec` (-1, the default: no expiry), the names a converter's properties carry
// once its `key.converter.` / `value.converter.` prefix is stripped. Fails (kInvalidArgument)
// naming the property, its value and what is allowed.
Result<RegistryClientOptions> RegistryClientOptionsFromProperties(
    const std::map<std::string, std::string>& properties);

// A schema as the registry answers it.
struct RegisteredSchema {
  int id = 0;
  std::string subject;  // empty when fetched by id
  int version = 0;      // 0 when fetched by id
  std::string schema_type = std::string(kAvroType);
  std::string schema;
  std::vector<SchemaReference> references;
};

// The registry client converters use (Confluent's CachedSchemaRegistryClient): every answer is
// cached so a steady stream of records makes no requests at all, and a new schema costs one.
//
// Errors: an answer with an error body becomes a Status whose message holds the registry's
// message and "; error code: N" (as Confluent's RestClientException prints it); 404xx are
// kNotFound, 409xx and 422xx (incompatible, invalid) and other 4xx kInvalidArgument (retrying will
// not help), 5xx kRetry. A URL that cannot be reached is skipped for the next one; when none can
// be, kRetry naming the last failure.
//
// Thread-safe: caches under one lock, requests under another (one at a time).
class RegistryClient {
 public:
  // Fails (kInvalidArgument) on a URL that is not http(s)://host:port, or when there is none.
  static Result<std::unique_ptr<RegistryClient>> Create(RegistryClientOptions options);

  // POST /subjects/{subject}/versions: the id of the schema, registering it if needed. Cached by
  // (subject, type, text).
  Result<int> Register(const std::string& subject, const std::string& schema_type,
                       const std::string& schema_text);
  // POST /subjects/{subject}: the id of a schema the subject already holds (for
  // auto.register.schemas=false). Cached like Register.
  Result<int> Lookup(const std::string& subject, const std::string& schema_type,
                     const std::string& schema_text);
  // GET /schemas/ids/{id}: cached forever (an id never changes its schema).
  Result<RegisteredSchema> GetById(int id);
  // GET /subjects/{subject}/versions/latest (for use.latest.version): cached for latest_ttl.
  Result<RegisteredSchema> GetLatest(const std::string& subject);
  // Forgets the cached latest version of `subject`.
  void InvalidateLatest(const std::string& subject);

  // HTTP requests sent (each URL tried counts), for benchmarks and tests.
  uint64_t request_count() const { return request_count_.load(); }

 private:
  using SchemaKey = std::tuple<std::string, std::string, std::string>;  // subject, type, text
  struct Latest {
    RegisteredSchema schema;
    std::chrono::steady_clock::time_point fetched;
  };

  explicit RegistryClient(RegistryClientOptions options) : options_(std::move(options)) {}
  // Sends to each URL in turn until one answers; the answer's error body becomes a Status.
  Result<std::string> Send(const std::string& method, const std::string& path,
                           const std::string& body);
  Result<int> RegisterOrLookup(bool reg, const std::string& subject, const std::string& schema_type,
                               const std::string& schema_text);

  RegistryClientOptions options_;
  std::atomic<uint64_t> request_count_{0};

  std::mutex http_mutex_;
  std::vector<std::unique_ptr<rest::HttpClient>> clients_;  // one per URL, in order
  size_t preferred_ = 0;  // the URL that answered last, tried first

  std::mutex cache_mutex_;
  std::map<SchemaKey, int> registered_;
  std::map<SchemaKey, int> looked_up_;
  std::map<int, RegisteredSchema> by_id_;
  std::map<std::string, Latest> latest_;
};

// A RegistryApi::Forwarder over HTTP with `options` (TLS trust, basic auth; the caller's
// Authorization header is passed on when present, as Confluent's forwarding does).
RegistryApi::Forwarder RegistryHttpForwarder(rest::HttpClientOptions options);

}  // namespace walrelay::registry
