#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/stop.h"
#include "config/config_def.h"
#include "registry/registry_api.h"
#include "registry/registry_state.h"
#include "registry/schema_checker.h"
#include "registry/schema_registry.h"
#include "rest/http_server.h"
#include "runtime/worker_config.h"
#include "worker/registry_election.h"
#include "worker/schema_store.h"

namespace walrelay::worker {

// The settings of a Kafka-backed schema registry instance: `walrelay registry` reads them from
// Confluent's schema-registry.properties (RegistryServiceConfig::Parse), a worker from its
// `schema.registry.*` properties and its own Kafka settings (RegistryServiceConfig::ForWorker).
// Plain value type.
struct RegistryServiceConfig {
  rest::HttpServerOptions server;
  // host.name: the host of this instance's URL, which followers forward writes to. "" takes the
  // first listener's host, or the machine's host name when that binds every interface.
  std::string host_name;
  std::string topic = "_schemas";            // kafkastore.topic
  int replication_factor = 3;                // kafkastore.topic.replication.factor
  std::string group_id = "schema-registry";  // schema.registry.group.id
  bool leader_eligible = true;               // leader.eligibility
  // Java client properties of the Kafka clients (bootstrap.servers, security.protocol, sasl.*,
  // ssl.* ...), kafkastore.* with the prefix removed; translated by kafka::TranslateJavaProperties.
  std::map<std::string, std::string> kafka;
  int session_timeout_ms = 10000;    // kafkastore.session.timeout.ms
  int heartbeat_interval_ms = 3000;  // kafkastore.heartbeat.interval.ms
  std::chrono::milliseconds timeout = kDefaultSchemaStoreTimeout;           // kafkastore.timeout.ms
  std::chrono::milliseconds init_timeout = kDefaultSchemaStoreInitTimeout;  // ...init.timeout.ms
  registry::SchemaRegistryOptions registry;  // schema.compatibility.level, mode

  // Checks Confluent's schema-registry.properties (`props`, read from `file`) and builds the
  // config. A bad value is kInvalidArgument "<file>: property '<key>' has invalid value '<value>':
  // <allowed>"; kafkastore.bootstrap.servers is required and may list PLAINTEXT://host:port
  // style endpoints (the prefix is dropped; a prefix other than PLAINTEXT sets security.protocol
  // unless kafkastore.security.protocol does). Unknown properties append a warning naming them.
  static Result<RegistryServiceConfig> Parse(const std::map<std::string, std::string>& props,
                                             const std::string& file,
                                             std::vector<std::string>* warnings);

  // The registry a worker serves when its file sets schema.registry.listeners: those listeners
  // with the worker REST server's TLS and basic auth settings (`worker_props`, the worker file),
  // the worker's common Kafka client settings, its session and heartbeat timeouts, and
  // schema.registry.group.id / .topic / .leader.eligibility / .host.name. nullopt when
  // schema.registry.listeners is unset.
  static Result<std::optional<RegistryServiceConfig>> ForWorker(
      const runtime::WorkerConfig& worker, const std::map<std::string, std::string>& worker_props);
};

// The registry properties as a ConfigDef, for validation and docs. Built on first use.
const config::ConfigDef& RegistryServiceDef();

// Splits a Confluent bootstrap list ("PLAINTEXT://h1:9092,SSL://h2:9093" or "h1:9092") into
// host:port items and the one protocol their prefixes name ("" when none). kInvalidArgument
// naming kafkastore.bootstrap.servers when items name different protocols or are empty. Pure.
Result<std::pair<std::vector<std::string>, std::string>> ParseBootstrapEndpoints(
    std::string_view value);

// One schema registry instance over Kafka: the state, the `_schemas` store (read to its end
// before anything is served), the HTTP API (reads from this instance, writes on the leader or
// forwarded to it) and the leader election.
//
// Lifecycle: Start builds and starts everything in that order; Stop (or the destructor) stops
// the election first (leaving the group, so another instance takes over at once), then the
// server, then the store. Thread-safe.
class RegistryService : public registry::LeaderView {
 public:
  // `checker` must outlive the service. `stop` interrupts the start (reading the topic).
  static Result<std::unique_ptr<RegistryService>> Start(const RegistryServiceConfig& config,
                                                        const registry::SchemaChecker* checker,
                                                        const StopSource* stop);
  ~RegistryService() override;
  RegistryService(const RegistryService&) = delete;
  RegistryService& operator=(const RegistryService&) = delete;

  void Stop();
  // The bound listener URLs.
  const std::vector<std::string>& urls() const { return server_->urls(); }
  // This instance's URL as other instances see it (the group member's client.id).
  const std::string& advertised_url() const { return advertised_url_; }
  bool IsLeader() const override;
  std::optional<std::string> LeaderUrl() const override;

 private:
  explicit RegistryService(const registry::SchemaChecker* checker) : state_(checker) {}

  registry::RegistryState state_;
  std::unique_ptr<KafkaSchemaStore> store_;
  std::unique_ptr<registry::SchemaRegistry> registry_;
  std::unique_ptr<registry::RegistryApi> api_;
  std::unique_ptr<rest::HttpServer> server_;
  std::unique_ptr<RegistryElection> election_;
  // Set once the election runs (after the server is bound, whose port names this instance);
  // until then this instance neither leads nor knows a leader (writes answer 50004).
  std::atomic<RegistryElection*> election_view_{nullptr};
  std::string advertised_url_;
};

}  // namespace walrelay::worker
