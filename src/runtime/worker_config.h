#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "config/config_def.h"
#include "convert/converter.h"

namespace walrelay::runtime {

// The class Kafka Connect's basic-auth REST extension has; the only rest.extension.classes item
// walrelay accepts (it implements it itself).
inline constexpr char kBasicAuthExtensionClass[] =
    "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension";

// One of the three compacted topics a distributed worker keeps its state in.
struct StorageTopic {
  std::string name;
  int32_t partitions = 1;          // -1: the broker's default
  int16_t replication_factor = 3;  // -1: the broker's default
  // Topic-level settings for creating it (KIP-605: `<role>.storage.<setting>`, e.g.
  // offset.storage.min.insync.replicas), cleanup.policy always compact.
  std::map<std::string, std::string> configs;
};

// A REST listener from `listeners` ("http://host:port", "https://[::1]:8443").
struct RestListener {
  std::string protocol;  // "http" or "https", lower case
  std::string host;      // "" binds every interface, as Connect's "http://:8083" does
  int port = 8083;
};

enum class ExactlyOnceSourceSupport { kDisabled, kPreparing, kEnabled };
// Connect's connector.client.config.override.policy classes by their short names.
enum class ClientOverridePolicy { kAll, kNone, kPrincipal };

// Which Kafka client a setting is for: the worker's own clients and the connectors' get the
// worker's common settings (security.protocol, sasl.*, ssl.*, client.id, bootstrap.servers)
// overlaid with the role's prefixed ones.
enum class ClientRole { kProducer, kConsumer, kAdmin };

// The schema registry a worker serves beside Connect's REST API (walrelay's
// `schema.registry.*` worker properties; worker/registry_service.h).
struct WorkerRegistrySettings {
  std::string listeners;                     // schema.registry.listeners; "" serves no registry
  std::string group_id = "schema-registry";  // schema.registry.group.id
  std::string topic = "_schemas";            // schema.registry.topic
  bool leader_eligible = true;               // schema.registry.leader.eligibility
  std::string host_name;                     // schema.registry.host.name
};

// Kafka Connect's distributed worker file (connect-distributed.properties), parsed and checked.
// Plain value type, built once at start by Parse and then read-only.
struct WorkerConfig {
  std::string file;
  std::vector<std::string> bootstrap_servers;
  std::string group_id;
  StorageTopic config_topic;  // always one partition, as Connect requires
  StorageTopic offset_topic;
  StorageTopic status_topic;
  convert::ConverterSettings key_converter;
  convert::ConverterSettings value_converter;
  std::vector<RestListener> listeners;
  std::string advertised_host;  // "" when unset
  std::optional<int> advertised_port;
  std::string advertised_listener;  // "" when unset, else "http" or "https"
  int64_t offset_flush_interval_ms = 60000;
  int64_t offset_flush_timeout_ms = 5000;
  int32_t session_timeout_ms = 10000;
  int32_t heartbeat_interval_ms = 3000;
  int32_t rebalance_timeout_ms = 60000;
  int32_t scheduled_rebalance_max_delay_ms = 300000;
  int32_t worker_sync_timeout_ms = 3000;
  int64_t task_shutdown_graceful_timeout_ms = 5000;
  ExactlyOnceSourceSupport exactly_once_source_support = ExactlyOnceSourceSupport::kDisabled;
  ClientOverridePolicy client_override_policy = ClientOverridePolicy::kAll;
  // Common client settings (security.protocol, sasl.*, ssl.*, client.id), names as in the file.
  std::map<std::string, std::string> client_common;
  // producer.* / consumer.* / admin.* with the prefix removed.
  std::map<std::string, std::string> producer;
  std::map<std::string, std::string> consumer;
  std::map<std::string, std::string> admin;
  // rest.extension.classes names BasicAuthSecurityRestExtension: the REST API asks for HTTP basic
  // auth, users from basic_auth_jaas_file (rest.basic.auth.jaas.config: the JAAS file Connect
  // reads through -Djava.security.auth.login.config; see LoadBasicAuthCredentials).
  bool basic_auth = false;
  std::string basic_auth_jaas_file;
  WorkerRegistrySettings schema_registry;

  // Checks `props` (read from `file`) against WorkerDef() and builds the config. A bad value is
  // kInvalidArgument "<file>: property '<key>' has invalid value '<value>': <allowed>"; a missing
  // required property "<file>: property '<key>' is required". Unknown properties and accepted but
  // unimplemented ones append a warning to `warnings` (may be null).
  static Result<WorkerConfig> Parse(const std::map<std::string, std::string>& props,
                                    const std::string& file, std::vector<std::string>* warnings);
  // Reads a Java properties file (config/java_properties.h) and parses it.
  static Result<WorkerConfig> Load(const std::string& path, std::vector<std::string>* warnings);

  // The settings of a Kafka client in `role`: bootstrap.servers, the common settings, then the
  // role's prefixed settings over them. Names stay Kafka's Java client names; the kafka layer
  // maps them to librdkafka's.
  std::map<std::string, std::string> ClientSettings(ClientRole role) const;
  // The settings every client shares (bootstrap.servers, security.protocol, sasl.*, ssl.*, ...),
  // without any role's prefixed ones: what the worker's internal topic readers and writers and
  // its group membership use, as Kafka Connect's own clients of those topics do.
  std::map<std::string, std::string> CommonClientSettings() const;
};

// The title of the worker's section in `walrelay properties` and docs/properties.md.
inline constexpr char kWorkerSectionTitle[] =
    "Kafka Connect distributed worker (walrelay worker connect-distributed.properties)";

// The worker properties as a ConfigDef, for validation and `walrelay properties`. Built on first
// use, immutable afterwards.
const config::ConfigDef& WorkerDef();

// Parses a `listeners` value. kInvalidArgument naming the bad item.
Result<std::vector<RestListener>> ParseListeners(const std::string& value);

// The users and passwords of Connect's BasicAuthSecurityRestExtension: reads the JAAS file
// (section "KafkaConnect", option file="<credentials>") and the credentials properties file it
// names (user=password lines). kNotFound when a file cannot be read, kInvalidArgument when the
// JAAS file has no KafkaConnect section or no file option.
Result<std::map<std::string, std::string>> LoadBasicAuthCredentials(const std::string& jaas_file);

}  // namespace walrelay::runtime
