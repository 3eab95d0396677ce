#include "runtime/worker_config.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/strings.h"
#include "config/config_strings.h"
#include "config/connector_config.h"
#include "config/java_properties.h"

namespace walrelay::runtime {
namespace {

using config::ConfigDef;
using config::ConnectorConfig;

// Connect's validators for storage topics: -1 (the broker's default) or at least 1.
config::ValueCheck MinusOneOrPositive(int64_t max) {
  return [max](std::string_view v) -> std::string {
    auto n = config::ParseInt64(config::Trim(v));
    if (n && (*n == -1 || (*n >= 1 && *n <= max))) return "";
    return "must be -1 (the broker's default) or between 1 and " + std::to_string(max);
  };
}

ConfigDef BuildWorkerDef() {
  ConfigDef def("Kafka Connect distributed worker");
  def.Define(config::ListProp("bootstrap.servers", "localhost:9092",
                              "Kafka brokers (host:port, comma-separated) to start from."));
  def.Define(config::StringProp("group.id", std::nullopt,
                                "The Connect cluster this worker joins: workers with the same "
                                "group.id share connectors and tasks.")
                 .Required());
  const struct {
    const char* role;
    const char* what;
    std::optional<int64_t> partitions;
  } topics[] = {{"config", "connector and task configurations", std::nullopt},
                {"offset", "source offsets", 25},
                {"status", "connector and task statuses", 5}};
  for (const auto& t : topics) {
    const std::string prefix = std::string(t.role) + ".storage.";
    def.Define(config::StringProp(prefix + "topic", std::nullopt,
                                  std::string("Compacted topic holding ") + t.what + ".")
                   .Required());
    def.Define(config::IntProp(prefix + "replication.factor", 3,
                               "Replication factor when the worker creates that topic.")
                   .WithCheck(MinusOneOrPositive(32767), "-1 or 1..32767"));
    if (t.partitions) {
      def.Define(config::IntProp(prefix + "partitions", *t.partitions,
                                 "Partitions when the worker creates that topic.")
                     .WithCheck(MinusOneOrPositive(2147483647), "-1 or >= 1"));
    }
    def.AllowPrefix(prefix,
                    "Topic-level settings of that topic when the worker creates it "
                    "(KIP-605), e.g. " +
                        prefix +
                        "min.insync.replicas=2; checked by "
                        "the brokers. Its cleanup.policy is compact; any other value is refused.");
  }
  const std::string converters =
      "org.apache.kafka.connect.json.JsonConverter, "
      "org.apache.kafka.connect.storage.StringConverter or "
      "org.apache.kafka.connect.converters.ByteArrayConverter";
  def.Define(config::StringProp("key.converter", std::nullopt,
                                "Default key converter of the worker's connectors: " + converters +
                                    ". Options go in key.converter.<option>.")
                 .Required());
  def.AllowPrefix("key.converter.", "Options of key.converter; checked by the converter.");
  def.Define(config::StringProp("value.converter", std::nullopt,
                                "Default value converter of the worker's connectors: " +
                                    converters + ". Options go in value.converter.<option>.")
                 .Required());
  def.AllowPrefix("value.converter.", "Options of value.converter; checked by the converter.");
  def.Define(config::StringProp("header.converter",
                                "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                "Converter of record headers.")
                 .NotImplemented("headers are written as SimpleHeaderConverter does"));
  def.AllowPrefix("header.converter.", "Options of header.converter.",
                  config::Unimplemented{"headers are written as SimpleHeaderConverter does", false,
                                        nullptr, ""});
  // REST.
  def.Define(config::ListProp("listeners", std::nullopt,
                              "REST listeners: http://host:port or https://host:port, "
                              "comma-separated; an empty host binds every interface. Unset: "
                              "http://127.0.0.1:<rest.port> (loopback, unlike Connect's "
                              "http://:8083).")
                 .WithCheck(
                     [](std::string_view v) -> std::string {
                       auto r = ParseListeners(std::string(v));
                       return r.ok() ? "" : r.status().message();
                     },
                     "http(s)://[host]:port items"));
  def.Define(config::IntProp("rest.port", 8083,
                             "Port of the default listener when listeners is unset (a Connect "
                             "3.x property, removed in 4.0).")
                 .WithCheck(config::Between(0, 65535), "0..65535"));
  def.Define(config::StringProp("rest.advertised.host.name", std::nullopt,
                                "Host name other workers use to reach this worker's REST API."));
  def.Define(config::IntProp("rest.advertised.port", std::nullopt,
                             "Port other workers use to reach this worker's REST API.")
                 .WithCheck(config::Between(1, 65535), "1..65535"));
  def.Define(config::ChoiceProp("rest.advertised.listener", {"http", "https"}, std::nullopt,
                                "Which listener's protocol other workers use."));
  def.Define(config::ListProp("rest.extension.classes", "",
                              "REST extensions. Only Connect's BasicAuthSecurityRestExtension, "
                              "which walrelay implements itself; its JAAS file is given by "
                              "rest.basic.auth.jaas.config.",
                              {kBasicAuthExtensionClass}));
  def.Define(config::StringProp("rest.basic.auth.jaas.config", "",
                                "walrelay's stand-in for -Djava.security.auth.login.config: the "
                                "JAAS file whose KafkaConnect section names the credentials "
                                "file (file=\"...\", user=password lines). Read only with that "
                                "extension."));
  // Timing.
  def.Define(
      config::LongProp("offset.flush.interval.ms", 60000, "Interval between source offset commits.")
          .WithCheck(config::AtLeast(0), ">= 0"));
  def.Define(config::LongProp("offset.flush.timeout.ms", 5000,
                              "How long an offset commit may wait for records to be acknowledged.")
                 .WithCheck(config::AtLeast(0), ">= 0")
                 .NotImplemented("an offset is written once every record before it is "
                                 "acknowledged, however long that takes; a stop waits one second"));
  // The schema registry served beside the REST API (walrelay's; docs/schema-registry.md).
  def.Define(config::ListProp("schema.registry.listeners", "",
                              "When set, the worker also serves a Confluent-compatible schema "
                              "registry on these listeners (http(s)://host:port, comma-separated; "
                              "TLS and basic auth as the REST API's), electing a registry leader "
                              "among the workers through Kafka.")
                 .WithCheck(
                     [](std::string_view v) -> std::string {
                       if (config::Trim(v).empty()) return "";
                       auto r = ParseListeners(std::string(v));
                       return r.ok() ? "" : r.status().message();
                     },
                     "http(s)://[host]:port items"));
  def.Define(config::StringProp("schema.registry.group.id", "schema-registry",
                                "The registry instances electing one leader: every instance "
                                "(worker or walrelay registry) of one schema.registry.topic must "
                                "use the same group. Confluent's default, so workers and "
                                "standalone registries on the same topic elect together."));
  def.Define(config::StringProp("schema.registry.topic", "_schemas",
                                "The registry's compacted one-partition topic (Confluent's "
                                "kafkastore.topic)."));
  def.Define(config::BoolProp("schema.registry.leader.eligibility", true,
                              "Whether this worker's registry may lead."));
  def.Define(config::StringProp("schema.registry.host.name", std::nullopt,
                                "The host of this worker's registry URL (followers forward writes "
                                "to it). Unset: rest.advertised.host.name, else the first "
                                "registry listener's host."));
  def.Define(config::IntProp("session.timeout.ms", 10000,
                             "A worker silent this long is dropped from the group and its tasks "
                             "move.")
                 .WithCheck(config::Between(1, 2147483647), ">= 1"));
  def.Define(config::IntProp("heartbeat.interval.ms", 3000,
                             "Interval between heartbeats to the group coordinator.")
                 .WithCheck(config::Between(1, 2147483647), ">= 1"));
  def.Define(config::IntProp("rebalance.timeout.ms", 60000,
                             "How long a rebalance waits for every worker to rejoin.")
                 .WithCheck(config::Between(1, 2147483647), ">= 1"));
  def.Define(config::IntProp("scheduled.rebalance.max.delay.ms", 300000,
                             "How long the leader waits for a departed worker to return before "
                             "reassigning its work.")
                 .WithCheck(config::Between(0, 2147483647), "0..2147483647")
                 .NotImplemented("a departed worker's connectors and tasks are reassigned at once "
                                 "(docs/distributed.md)"));
  def.Define(config::IntProp("worker.sync.timeout.ms", 3000,
                             "How long a worker out of sync waits to catch up with the config "
                             "topic.")
                 .WithCheck(config::Between(0, 2147483647), ">= 0")
                 .NotImplemented("a worker reads the config topic to its end before it acts, "
                                 "waiting up to 30 s"));
  def.Define(config::LongProp("task.shutdown.graceful.timeout.ms", 5000,
                              "How long a stopping task may take before it is abandoned.")
                 .WithCheck(config::AtLeast(0), ">= 0")
                 .NotImplemented("a task stops within about a second (docs/stopping.md)"));
  def.Define(config::ChoiceProp("exactly.once.source.support", {"disabled", "preparing", "enabled"},
                                "disabled",
                                "KIP-618: enabled writes source records and their offsets in one "
                                "Kafka transaction."));
  def.Define(config::ChoiceProp("connector.client.config.override.policy",
                                {"All", "None", "Principal"}, "All",
                                "Which producer.override.* / consumer.override.* / "
                                "admin.override.* settings connectors may set: All, None, or "
                                "only sasl.jaas.config, security.protocol and sasl.mechanism "
                                "(Principal). Connect's class names of these are accepted too."));
  // Clients.
  def.Define(config::StringProp("client.id", "",
                                "Prefix of the Kafka client ids of the worker's clients."));
  def.Define(config::ChoiceProp("security.protocol",
                                {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"}, "PLAINTEXT",
                                "How every Kafka client of the worker connects."));
  def.AllowPrefix("sasl.", "SASL settings of every Kafka client of the worker.");
  def.AllowPrefix("ssl.", "TLS settings of every Kafka client of the worker.");
  def.AllowPrefix("producer.", "Settings of the producers of source connectors.");
  def.AllowPrefix("consumer.", "Settings of the consumers of sink connectors.");
  def.AllowPrefix("admin.", "Settings of the admin clients (topic creation, offsets).");
  // Plugins and providers.
  def.Define(config::ListProp("plugin.path", std::nullopt, "Where Connect looks for plugins.")
                 .NotImplemented("walrelay's connectors, transforms and converters are built in; "
                                 "no plugin is loaded"));
  def.Define(config::ListProp("config.providers", "", "Config providers (KIP-297).")
                 .Refused("${provider:path:key} references would reach connectors unresolved"));
  def.AllowPrefix("config.providers.", "Settings of the config providers.",
                  config::Unimplemented{"there are no config providers", false, nullptr, ""});
  def.AddRule([](const ConnectorConfig& c) -> Status {
    const bool basic_auth = config::EqualsIgnoreCase(
        config::Trim(c.Get("rest.extension.classes", "")), kBasicAuthExtensionClass);
    const bool jaas = !config::Trim(c.Get("rest.basic.auth.jaas.config", "")).empty();
    if (basic_auth && !jaas) {
      return InvalidArgument(c.file +
                             ": property 'rest.basic.auth.jaas.config' is required with "
                             "rest.extension.classes=" +
                             kBasicAuthExtensionClass);
    }
    return Status::Ok();
  });
  return def;
}

Result<int32_t> GetInt32(const ConnectorConfig& c, const std::string& key, int64_t dflt) {
  WR_ASSIGN_OR_RETURN(int64_t v, c.GetInt(key, dflt));
  return static_cast<int32_t>(v);
}

Result<StorageTopic> Topic(const ConnectorConfig& c, const std::string& role,
                           int32_t default_partitions) {
  StorageTopic t;
  t.name = std::string(config::Trim(c.Get(role + ".storage.topic", "")));
  WR_ASSIGN_OR_RETURN(int64_t rf, c.GetInt(role + ".storage.replication.factor", 3));
  t.replication_factor = static_cast<int16_t>(rf);
  WR_ASSIGN_OR_RETURN(t.partitions, GetInt32(c, role + ".storage.partitions", default_partitions));
  const std::string prefix = role + ".storage.";
  for (const auto& [key, value] : c.props) {
    if (key.rfind(prefix, 0) != 0) continue;
    const std::string setting = key.substr(prefix.size());
    if (setting == "topic" || setting == "replication.factor" || setting == "partitions") continue;
    if (setting.empty()) return c.InvalidValue(key, "a topic-level setting after '" + prefix + "'");
    if (setting == "cleanup.policy" && config::Trim(value) != "compact") {
      // Kafka Connect overrides it too: a deleted record would lose configs or offsets.
      return c.InvalidValue(key, "compact (the worker's topics must be compacted)");
    }
    t.configs[setting] = std::string(config::Trim(value));
  }
  t.configs["cleanup.policy"] = "compact";
  return t;
}

}  // namespace

const config::ConfigDef& WorkerDef() {
  static const ConfigDef* const def = new ConfigDef(BuildWorkerDef());
  return *def;
}

Result<std::vector<RestListener>> ParseListeners(const std::string& value) {
  std::vector<RestListener> out;
  for (const std::string& item : config::SplitTrimmed(value, ',')) {
    if (item.empty()) continue;
    auto bad = [&item](const std::string& why) {
      return InvalidArgument("listener '" + item + "' " + why +
                             " (expected http://host:port or https://host:port)");
    };
    size_t scheme_end = item.find("://");
    if (scheme_end == std::string::npos) return bad("has no protocol");
    RestListener l;
    l.protocol = config::ToLower(item.substr(0, scheme_end));
    if (l.protocol != "http" && l.protocol != "https") return bad("has an unknown protocol");
    std::string rest = item.substr(scheme_end + 3);
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    size_t colon;
    if (!rest.empty() && rest[0] == '[') {
      size_t close = rest.find(']');
      if (close == std::string::npos) return bad("has an unclosed '['");
      l.host = rest.substr(1, close - 1);
      colon = close + 1;
      if (colon >= rest.size() || rest[colon] != ':') return bad("has no port");
    } else {
      colon = rest.rfind(':');
      if (colon == std::string::npos) return bad("has no port");
      l.host = rest.substr(0, colon);
      if (l.host.find(':') != std::string::npos) return bad("needs [] around an IPv6 address");
    }
    auto port = config::ParseInt64(rest.substr(colon + 1));
    if (!port || *port < 0 || *port > 65535) return bad("has a bad port");
    l.port = static_cast<int>(*port);
    out.push_back(std::move(l));
  }
  if (out.empty()) return InvalidArgument("listeners is empty");
  return out;
}

Result<WorkerConfig> WorkerConfig::Parse(const std::map<std::string, std::string>& props,
                                         const std::string& file,
                                         std::vector<std::string>* warnings) {
  ConnectorConfig c{"worker", file, props};
  // Connect names its override policies by class; accept those names for the short ones.
  if (auto it = c.props.find("connector.client.config.override.policy"); it != c.props.end()) {
    static const char kPolicyPackage[] = "org.apache.kafka.connect.connector.policy.";
    std::string v(config::Trim(it->second));
    if (v.rfind(kPolicyPackage, 0) == 0) v = v.substr(sizeof(kPolicyPackage) - 1);
    const std::string suffix = "ConnectorClientConfigOverridePolicy";
    if (v.size() > suffix.size() &&
        v.compare(v.size() - suffix.size(), suffix.size(), suffix) == 0) {
      it->second = v.substr(0, v.size() - suffix.size());
    }
  }
  WR_RETURN_IF_ERROR(WorkerDef().Validate(c, warnings));
  WorkerConfig w;
  w.file = file;
  w.bootstrap_servers = c.GetList("bootstrap.servers");
  if (!c.Has("bootstrap.servers")) w.bootstrap_servers = {"localhost:9092"};
  if (w.bootstrap_servers.empty()) {
    return c.InvalidValue("bootstrap.servers", "at least one host:port");
  }
  w.group_id = std::string(config::Trim(c.Get("group.id", "")));
  WR_ASSIGN_OR_RETURN(w.config_topic, Topic(c, "config", 1));
  WR_ASSIGN_OR_RETURN(w.offset_topic, Topic(c, "offset", 25));
  WR_ASSIGN_OR_RETURN(w.status_topic, Topic(c, "status", 5));
  const StorageTopic* all[] = {&w.config_topic, &w.offset_topic, &w.status_topic};
  for (size_t i = 0; i < 3; ++i) {
    for (size_t j = i + 1; j < 3; ++j) {
      if (all[i]->name == all[j]->name) {
        return InvalidArgument(file +
                               ": the config, offset and status storage topics must differ; '" +
                               all[i]->name + "' is used twice");
      }
    }
  }
  WR_ASSIGN_OR_RETURN(w.key_converter, convert::ConverterSettings::Parse(c, true, warnings));
  WR_ASSIGN_OR_RETURN(w.value_converter, convert::ConverterSettings::Parse(c, false, warnings));
  if (c.Has("listeners") && !config::Trim(c.Get("listeners", "")).empty()) {
    auto listeners = ParseListeners(c.Get("listeners", ""));
    if (!listeners.ok()) return c.InvalidValue("listeners", listeners.status().message());
    w.listeners = std::move(*listeners);
  } else {
    WR_ASSIGN_OR_RETURN(int32_t port, GetInt32(c, "rest.port", 8083));
    w.listeners = {RestListener{"http", "127.0.0.1", port}};
  }
  w.advertised_host = std::string(config::Trim(c.Get("rest.advertised.host.name", "")));
  if (c.Has("rest.advertised.port")) {
    WR_ASSIGN_OR_RETURN(w.advertised_port, GetInt32(c, "rest.advertised.port", 0));
  }
  w.advertised_listener = config::ToLower(config::Trim(c.Get("rest.advertised.listener", "")));
  WR_ASSIGN_OR_RETURN(w.offset_flush_interval_ms, c.GetInt("offset.flush.interval.ms", 60000));
  WR_ASSIGN_OR_RETURN(w.offset_flush_timeout_ms, c.GetInt("offset.flush.timeout.ms", 5000));
  WR_ASSIGN_OR_RETURN(w.session_timeout_ms, GetInt32(c, "session.timeout.ms", 10000));
  WR_ASSIGN_OR_RETURN(w.heartbeat_interval_ms, GetInt32(c, "heartbeat.interval.ms", 3000));
  WR_ASSIGN_OR_RETURN(w.rebalance_timeout_ms, GetInt32(c, "rebalance.timeout.ms", 60000));
  WR_ASSIGN_OR_RETURN(w.scheduled_rebalance_max_delay_ms,
                      GetInt32(c, "scheduled.rebalance.max.delay.ms", 300000));
  WR_ASSIGN_OR_RETURN(w.worker_sync_timeout_ms, GetInt32(c, "worker.sync.timeout.ms", 3000));
  WR_ASSIGN_OR_RETURN(w.task_shutdown_graceful_timeout_ms,
                      c.GetInt("task.shutdown.graceful.timeout.ms", 5000));
  if (w.heartbeat_interval_ms >= w.session_timeout_ms) {
    return c.InvalidValue("heartbeat.interval.ms", "must be lower than session.timeout.ms (" +
                                                       std::to_string(w.session_timeout_ms) + ")");
  }
  const std::string eos = config::ToLower(config::Trim(c.Get("exactly.once.source.support", "")));
  w.exactly_once_source_support = eos == "enabled"     ? ExactlyOnceSourceSupport::kEnabled
                                  : eos == "preparing" ? ExactlyOnceSourceSupport::kPreparing
                                                       : ExactlyOnceSourceSupport::kDisabled;
  const std::string policy =
      config::ToLower(config::Trim(c.Get("connector.client.config.override.policy", "All")));
  w.client_override_policy = policy == "none"        ? ClientOverridePolicy::kNone
                             : policy == "principal" ? ClientOverridePolicy::kPrincipal
                                                     : ClientOverridePolicy::kAll;
  for (const auto& [key, value] : c.props) {
    auto strip = [&key](std::string_view prefix) { return key.substr(prefix.size()); };
    if (key.rfind("producer.", 0) == 0) {
      w.producer[strip("producer.")] = value;
    } else if (key.rfind("consumer.", 0) == 0) {
      w.consumer[strip("consumer.")] = value;
    } else if (key.rfind("admin.", 0) == 0) {
      w.admin[strip("admin.")] = value;
    } else if (key == "security.protocol" || key == "client.id" || key.rfind("sasl.", 0) == 0 ||
               key.rfind("ssl.", 0) == 0) {
      w.client_common[key] = value;
    }
  }
  w.basic_auth = config::EqualsIgnoreCase(config::Trim(c.Get("rest.extension.classes", "")),
                                          kBasicAuthExtensionClass);
  w.basic_auth_jaas_file = std::string(config::Trim(c.Get("rest.basic.auth.jaas.config", "")));
  w.schema_registry.listeners = std::string(config::Trim(c.Get("schema.registry.listeners", "")));
  w.schema_registry.group_id =
      std::string(config::Trim(c.Get("schema.registry.group.id", "schema-registry")));
  if (w.schema_registry.group_id.empty()) {
    return c.InvalidValue("schema.registry.group.id", "a group id");
  }
  w.schema_registry.topic = std::string(config::Trim(c.Get("schema.registry.topic", "_schemas")));
  if (w.schema_registry.topic.empty()) return c.InvalidValue("schema.registry.topic", "a topic");
  WR_ASSIGN_OR_RETURN(w.schema_registry.leader_eligible,
                      c.GetBool("schema.registry.leader.eligibility", true));
  w.schema_registry.host_name = std::string(config::Trim(c.Get("schema.registry.host.name", "")));
  return w;
}

Result<WorkerConfig> WorkerConfig::Load(const std::string& path,
                                        std::vector<std::string>* warnings) {
  WR_ASSIGN_OR_RETURN(config::JavaProperties props, config::LoadJavaPropertiesFile(path));
  return Parse(props.values, path, warnings);
}

std::map<std::string, std::string> WorkerConfig::CommonClientSettings() const {
  std::map<std::string, std::string> out = client_common;
  out["bootstrap.servers"] = config::Join(bootstrap_servers, ",");
  return out;
}

std::map<std::string, std::string> WorkerConfig::ClientSettings(ClientRole role) const {
  std::map<std::string, std::string> out = client_common;
  out["bootstrap.servers"] = config::Join(bootstrap_servers, ",");
  const auto& own = role == ClientRole::kProducer   ? producer
                    : role == ClientRole::kConsumer ? consumer
                                                    : admin;
  for (const auto& [k, v] : own) out[k] = v;
  return out;
}

Result<std::map<std::string, std::string>> LoadBasicAuthCredentials(const std::string& jaas_file) {
  std::ifstream in(jaas_file, std::ios::binary);
  if (!in) return NotFound(jaas_file + ": cannot read: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  // JAAS: Name { module flag option="value" ...; };  Find the KafkaConnect entry's file option.
  size_t section = std::string::npos;
  for (size_t pos = text.find("KafkaConnect"); pos != std::string::npos;
       pos = text.find("KafkaConnect", pos + 1)) {
    size_t after = pos + 12;
    while (after < text.size() && std::isspace(static_cast<unsigned char>(text[after]))) ++after;
    const bool starts_word =
        pos == 0 ||
        !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) || text[pos - 1] == '.');
    if (starts_word && after < text.size() && text[after] == '{') {
      section = after + 1;
      break;
    }
  }
  if (section == std::string::npos) {
    return InvalidArgument(jaas_file + ": no KafkaConnect { ... }; section");
  }
  size_t end = text.find('}', section);
  std::string body =
      text.substr(section, end == std::string::npos ? std::string::npos : end - section);
  size_t opt = std::string::npos;
  for (size_t pos = body.find("file"); pos != std::string::npos; pos = body.find("file", pos + 1)) {
    size_t k = pos + 4;
    while (k < body.size() && std::isspace(static_cast<unsigned char>(body[k]))) ++k;
    const bool word_start = pos == 0 || std::isspace(static_cast<unsigned char>(body[pos - 1]));
    if (word_start && k < body.size() && body[k] == '=') {
      opt = k + 1;
      break;
    }
  }
  if (opt == std::string::npos) {
    return InvalidArgument(jaas_file + ": the KafkaConnect section has no file=\"...\" option");
  }
  while (opt < body.size() && std::isspace(static_cast<unsigned char>(body[opt]))) ++opt;
  std::string path;
  if (opt < body.size() && body[opt] == '"') {
    size_t close = body.find('"', opt + 1);
    if (close == std::string::npos) return InvalidArgument(jaas_file + ": unclosed quote in file=");
    path = body.substr(opt + 1, close - opt - 1);
  } else {
    size_t stop = body.find_first_of(" \t\r\n;", opt);
    path = body.substr(opt, stop == std::string::npos ? std::string::npos : stop - opt);
  }
  WR_ASSIGN_OR_RETURN(config::JavaProperties creds, config::LoadJavaPropertiesFile(path));
  return creds.values;
}

}  // namespace walrelay::runtime
