#include "worker/registry_service.h"

#include <unistd.h>

#include <utility>

#include "common/log.h"
#include "common/strings.h"
#include "config/config_strings.h"
#include "config/connector_config.h"
#include "registry/registry_client.h"
#include "worker/worker.h"

namespace walrelay::worker {
namespace {

constexpr const char* kLog = "schema-registry";
constexpr const char* kDefaultListeners = "http://127.0.0.1:8081";

// Properties of Kafka's clients that the registry sets itself from its own settings.
bool IsMemberTiming(const std::string& key) {
  return key == "session.timeout.ms" || key == "heartbeat.interval.ms";
}

config::ConfigDef BuildRegistryServiceDef() {
  config::ConfigDef def("Schema registry (walrelay registry schema-registry.properties)");
  def.Define(config::ListProp("listeners", kDefaultListeners,
                              "Where the registry API is served: http://host:port or "
                              "https://host:port, comma-separated. The default is loopback, as "
                              "walrelay worker's (Confluent's is http://0.0.0.0:8081).")
                 .WithCheck(
                     [](std::string_view v) -> std::string {
                       auto r = rest::ParseListeners(v);
                       return r.ok() ? "" : r.status().message();
                     },
                     "http(s)://[host]:port items"));
  def.Define(config::StringProp("host.name", std::nullopt,
                                "The host of this instance's URL, which other instances forward "
                                "writes to. Unset: the first listener's host, or the machine's "
                                "host name when it binds every interface."));
  def.Define(config::StringProp("kafkastore.bootstrap.servers", std::nullopt,
                                "Kafka brokers: host:port or PLAINTEXT://host:port items, "
                                "comma-separated.")
                 .Required());
  def.Define(config::StringProp("kafkastore.topic", "_schemas",
                                "The compacted one-partition topic the schemas are kept in."));
  def.Define(config::IntProp("kafkastore.topic.replication.factor", 3,
                             "Replication factor of the topic when it is created (capped to the "
                             "live brokers).")
                 .WithCheck(config::Between(1, 32767), "1..32767"));
  def.Define(config::IntProp("kafkastore.timeout.ms", kDefaultSchemaStoreTimeout.count(),
                             "How long a write waits to be acknowledged and read back (Confluent: "
                             "500; each write here is a Kafka transaction).")
                 .WithCheck(config::Between(1, 3600000), "1..3600000"));
  def.Define(config::IntProp("kafkastore.init.timeout.ms", kDefaultSchemaStoreInitTimeout.count(),
                             "How long the start may take to create and read the topic.")
                 .WithCheck(config::Between(1, 86400000), "1..86400000"));
  def.Define(config::IntProp("kafkastore.session.timeout.ms", 10000,
                             "Session timeout of the leader election's group member: a leader "
                             "that dies is replaced after this long.")
                 .WithCheck(config::Between(1, 3600000), "1..3600000"));
  def.Define(config::IntProp("kafkastore.heartbeat.interval.ms", 3000,
                             "Heartbeat interval of the leader election's group member.")
                 .WithCheck(config::Between(1, 3600000), "1..3600000"));
  def.AllowPrefix("kafkastore.",
                  "Kafka client properties (security.protocol, sasl.*, ssl.*, client.id ...) of "
                  "the registry's Kafka clients, without the prefix.");
  def.Define(config::StringProp("schema.registry.group.id", "schema-registry",
                                "The instances electing one leader among them; every instance "
                                "of one kafkastore.topic must use the same group."));
  def.Define(
      config::BoolProp("leader.eligibility", true, "Whether this instance may become the leader."));
  def.Define(
      config::BoolProp("master.eligibility", true, "The deprecated name of leader.eligibility."));
  def.Define(config::ChoiceProp("schema.compatibility.level",
                                {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
                                 "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"},
                                "BACKWARD", "The global compatibility level until one is set."));
  def.Define(config::ChoiceProp("avro.compatibility.level",
                                {"NONE", "BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD",
                                 "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE"},
                                std::nullopt,
                                "The deprecated name of schema.compatibility.level."));
  def.Define(config::ChoiceProp("mode", {"READWRITE", "READONLY", "IMPORT"}, "READWRITE",
                                "The global mode until one is set."));
  def.Define(config::StringProp("rest.basic.auth.credentials.file", std::nullopt,
                                "HTTP basic auth users (user: password lines, or a JAAS file "
                                "naming that file), as walrelay worker's REST API."));
  def.Define(config::IntProp("rest.max.request.bytes", 1 << 20, "The request body size cap."));
  def.AllowPrefix("ssl.", "TLS of https listeners, as walrelay worker's REST API.");
  def.AllowPrefix("listeners.https.ssl.", "TLS of https listeners (takes precedence over ssl.*).");
  return def;
}

std::string AdvertisedHost(const std::string& host_name, const rest::Listener& listener) {
  if (!host_name.empty()) return host_name;
  if (!listener.host.empty() && listener.host != "0.0.0.0" && listener.host != "::" &&
      listener.host != "[::]") {
    return listener.host;
  }
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) == 0 && name[0] != '\0') return name;
  return "127.0.0.1";
}

}  // namespace

const config::ConfigDef& RegistryServiceDef() {
  static const config::ConfigDef def = BuildRegistryServiceDef();
  return def;
}

Result<std::pair<std::vector<std::string>, std::string>> ParseBootstrapEndpoints(
    std::string_view value) {
  std::vector<std::string> hosts;
  std::string protocol;
  for (const std::string& item : config::SplitTrimmed(value, ',')) {
    if (item.empty()) continue;
    std::string host = item;
    std::string proto;
    if (auto at = item.find("://"); at != std::string::npos) {
      proto = ToUpper(item.substr(0, at));
      host = item.substr(at + 3);
    }
    if (host.empty() || host.find(':') == std::string::npos) {
      return InvalidArgument("property 'kafkastore.bootstrap.servers' has invalid item '" + item +
                             "': expected host:port or PROTOCOL://host:port");
    }
    if (!proto.empty()) {
      if (!protocol.empty() && protocol != proto) {
        return InvalidArgument("property 'kafkastore.bootstrap.servers' mixes protocols " +
                               protocol + " and " + proto + "; use one");
      }
      protocol = proto;
    }
    hosts.push_back(host);
  }
  if (hosts.empty()) {
    return InvalidArgument(
        "property 'kafkastore.bootstrap.servers' is empty: at least one host:port");
  }
  return std::pair{hosts, protocol};
}

Result<RegistryServiceConfig> RegistryServiceConfig::Parse(
    const std::map<std::string, std::string>& props, const std::string& file,
    std::vector<std::string>* warnings) {
  config::ConnectorConfig c{"schema-registry", file, props};
  WR_RETURN_IF_ERROR(RegistryServiceDef().Validate(c, warnings));
  RegistryServiceConfig out;
  // The REST server's settings, read as the worker's are, with the registry's default listener.
  std::map<std::string, std::string> server_props = props;
  server_props.emplace("listeners", kDefaultListeners);
  auto server = rest::HttpServerOptionsFromProperties(server_props);
  if (!server.ok()) return Status(server.status().kind(), file + ": " + server.status().message());
  out.server = std::move(server).value();
  out.host_name = std::string(Trim(c.Get("host.name", "")));
  out.topic = std::string(Trim(c.Get("kafkastore.topic", "_schemas")));
  if (out.topic.empty()) return c.InvalidValue("kafkastore.topic", "a topic name");
  WR_ASSIGN_OR_RETURN(int64_t rf, c.GetInt("kafkastore.topic.replication.factor", 3));
  out.replication_factor = static_cast<int>(rf);
  out.group_id = std::string(Trim(c.Get("schema.registry.group.id", "schema-registry")));
  if (out.group_id.empty()) return c.InvalidValue("schema.registry.group.id", "a group id");
  WR_ASSIGN_OR_RETURN(bool master, c.GetBool("master.eligibility", true));
  WR_ASSIGN_OR_RETURN(out.leader_eligible, c.GetBool("leader.eligibility", master));
  WR_ASSIGN_OR_RETURN(int64_t timeout,
                      c.GetInt("kafkastore.timeout.ms", kDefaultSchemaStoreTimeout.count()));
  out.timeout = std::chrono::milliseconds(timeout);
  WR_ASSIGN_OR_RETURN(
      int64_t init, c.GetInt("kafkastore.init.timeout.ms", kDefaultSchemaStoreInitTimeout.count()));
  out.init_timeout = std::chrono::milliseconds(init);
  WR_ASSIGN_OR_RETURN(int64_t session, c.GetInt("kafkastore.session.timeout.ms", 10000));
  out.session_timeout_ms = static_cast<int>(session);
  WR_ASSIGN_OR_RETURN(int64_t heartbeat, c.GetInt("kafkastore.heartbeat.interval.ms", 3000));
  out.heartbeat_interval_ms = static_cast<int>(heartbeat);
  const std::string level =
      c.Get("schema.compatibility.level", c.Get("avro.compatibility.level", "BACKWARD"));
  out.registry.default_compatibility = ToUpper(Trim(level));
  out.registry.default_mode = ToUpper(Trim(c.Get("mode", "READWRITE")));

  static const char kPrefix[] = "kafkastore.";
  for (const auto& [key, value] : props) {
    if (key.rfind(kPrefix, 0) != 0 || RegistryServiceDef().Find(key) != nullptr) continue;
    out.kafka[key.substr(sizeof kPrefix - 1)] = value;
  }
  auto endpoints = ParseBootstrapEndpoints(c.Get("kafkastore.bootstrap.servers", ""));
  if (!endpoints.ok()) return InvalidArgument(file + ": " + endpoints.status().message());
  std::string servers;
  for (const std::string& h : endpoints->first) servers += (servers.empty() ? "" : ",") + h;
  out.kafka["bootstrap.servers"] = servers;
  if (!endpoints->second.empty() && endpoints->second != "PLAINTEXT") {
    out.kafka.emplace("security.protocol", endpoints->second);
  }
  return out;
}

Result<std::optional<RegistryServiceConfig>> RegistryServiceConfig::ForWorker(
    const runtime::WorkerConfig& worker, const std::map<std::string, std::string>& worker_props) {
  if (worker.schema_registry.listeners.empty()) return std::optional<RegistryServiceConfig>();
  RegistryServiceConfig out;
  std::map<std::string, std::string> server_props = worker_props;
  server_props["listeners"] = worker.schema_registry.listeners;
  auto server = rest::HttpServerOptionsFromProperties(server_props);
  if (!server.ok()) {
    return Status(server.status().kind(),
                  worker.file + ": schema.registry.listeners: " + server.status().message());
  }
  out.server = std::move(server).value();
  out.host_name = worker.schema_registry.host_name;
  if (out.host_name.empty()) out.host_name = worker.advertised_host;
  out.topic = worker.schema_registry.topic;
  out.replication_factor =
      worker.config_topic.replication_factor > 0 ? worker.config_topic.replication_factor : 3;
  out.group_id = worker.schema_registry.group_id;
  out.leader_eligible = worker.schema_registry.leader_eligible;
  out.kafka = worker.CommonClientSettings();
  out.session_timeout_ms = worker.session_timeout_ms;
  out.heartbeat_interval_ms = worker.heartbeat_interval_ms;
  return std::optional<RegistryServiceConfig>(std::move(out));
}

Result<std::unique_ptr<RegistryService>> RegistryService::Start(
    const RegistryServiceConfig& config, const registry::SchemaChecker* checker,
    const StopSource* stop) {
  std::unique_ptr<RegistryService> s(new RegistryService(checker));
  std::vector<std::string> warnings;
  std::map<std::string, std::string> java;
  for (const auto& [k, v] : config.kafka) {
    if (!IsMemberTiming(k)) java[k] = v;
  }
  // (kAdmin: the translation that keeps only what every librdkafka client takes.)
  auto client = ClientProperties(java, kafka::ClientRole::kAdmin, &warnings);
  if (!client.ok()) return client.status();
  for (const std::string& w : warnings) LogWarn(kLog, w);

  KafkaSchemaStore::Options store;
  store.topic = config.topic;
  store.replication_factor = config.replication_factor;
  store.group_id = config.group_id;
  store.client = *client;
  store.timeout = config.timeout;
  store.init_timeout = config.init_timeout;
  WR_ASSIGN_OR_RETURN(s->store_, KafkaSchemaStore::Open(store, &s->state_, stop));
  s->registry_ = std::make_unique<registry::SchemaRegistry>(&s->state_, s->store_.get(), checker,
                                                            config.registry);
  // Forwarded writes carry the caller's Authorization header (RegistryHttpForwarder).
  rest::HttpClientOptions forward_options;
  s->api_ = std::make_unique<registry::RegistryApi>(
      s->registry_.get(), s.get(), registry::RegistryHttpForwarder(forward_options));
  registry::RegistryApi* api = s->api_.get();
  WR_ASSIGN_OR_RETURN(s->server_,
                      rest::HttpServer::Start(
                          config.server, [api](const rest::Request& r) { return api->Handle(r); }));
  // The URL: the configured (or first listener's) host with the port actually bound.
  const rest::Listener first = config.server.listeners.empty() ? rest::Listener{"http", "", 8081}
                                                               : config.server.listeners[0];
  const std::string& bound = s->server_->urls().front();
  const std::string port = bound.substr(bound.rfind(':') + 1);
  s->advertised_url_ = first.scheme + "://" + AdvertisedHost(config.host_name, first) + ":" + port;

  RegistryElection::Options election;
  election.group_id = config.group_id;
  election.topic = config.topic;
  election.advertised_url = s->advertised_url_;
  election.leader_eligible = config.leader_eligible;
  election.client = *client;
  election.client["session.timeout.ms"] = std::to_string(config.session_timeout_ms);
  election.client["heartbeat.interval.ms"] = std::to_string(config.heartbeat_interval_ms);
  WR_ASSIGN_OR_RETURN(s->election_, RegistryElection::Start(election, s->store_.get()));
  s->election_view_.store(s->election_.get());
  for (const std::string& url : s->server_->urls()) {
    LogInfo(kLog, "schema registry API on " + url + " (advertised as " + s->advertised_url_ +
                      ", topic " + config.topic + ", group " + config.group_id + ")");
  }
  return s;
}

RegistryService::~RegistryService() { Stop(); }

void RegistryService::Stop() {
  if (election_ != nullptr) election_->Stop();
  if (server_ != nullptr) server_->Stop();
  if (store_ != nullptr) store_->Close();
}

bool RegistryService::IsLeader() const {
  const RegistryElection* e = election_view_.load();
  return e != nullptr && e->IsLeader();
}

std::optional<std::string> RegistryService::LeaderUrl() const {
  const RegistryElection* e = election_view_.load();
  return e != nullptr ? e->LeaderUrl() : std::nullopt;
}

}  // namespace walrelay::worker
