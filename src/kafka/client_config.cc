#include "kafka/client_config.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string_view>

#include "common/strings.h"

namespace walrelay::kafka {
namespace {

constexpr unsigned kProducer = 1;
constexpr unsigned kConsumer = 2;
constexpr unsigned kAdmin = 4;
constexpr unsigned kAll = kProducer | kConsumer | kAdmin;

unsigned RoleBit(ClientRole role) {
  switch (role) {
    case ClientRole::kProducer:
      return kProducer;
    case ClientRole::kConsumer:
      return kConsumer;
    case ClientRole::kAdmin:
      return kAdmin;
  }
  return 0;
}

const char* RoleName(ClientRole role) {
  switch (role) {
    case ClientRole::kProducer:
      return "producer";
    case ClientRole::kConsumer:
      return "consumer";
    case ClientRole::kAdmin:
      return "admin client";
  }
  return "client";
}

enum class ValueType { kString, kInt, kBool };

// A Java property librdkafka has under the same or another name, with the same meaning and units.
struct Rename {
  const char* java;
  const char* rdkafka;
  unsigned roles;
  ValueType type;
};

constexpr Rename kRenames[] = {
    {"client.id", "client.id", kAll, ValueType::kString},
    {"sasl.kerberos.service.name", "sasl.kerberos.service.name", kAll, ValueType::kString},
    {"sasl.kerberos.kinit.cmd", "sasl.kerberos.kinit.cmd", kAll, ValueType::kString},
    {"sasl.kerberos.min.time.before.relogin", "sasl.kerberos.min.time.before.relogin", kAll,
     ValueType::kInt},
    {"retry.backoff.ms", "retry.backoff.ms", kAll, ValueType::kInt},
    {"reconnect.backoff.ms", "reconnect.backoff.ms", kAll, ValueType::kInt},
    {"reconnect.backoff.max.ms", "reconnect.backoff.max.ms", kAll, ValueType::kInt},
    {"metadata.max.age.ms", "metadata.max.age.ms", kAll, ValueType::kInt},
    {"socket.connection.setup.timeout.ms", "socket.connection.setup.timeout.ms", kAll,
     ValueType::kInt},
    {"connections.max.idle.ms", "connections.max.idle.ms", kAll, ValueType::kInt},
    {"enable.idempotence", "enable.idempotence", kProducer, ValueType::kBool},
    {"linger.ms", "linger.ms", kProducer, ValueType::kInt},
    {"max.in.flight.requests.per.connection", "max.in.flight.requests.per.connection", kProducer,
     ValueType::kInt},
    {"transactional.id", "transactional.id", kProducer, ValueType::kString},
    {"transaction.timeout.ms", "transaction.timeout.ms", kProducer, ValueType::kInt},
    {"delivery.timeout.ms", "message.timeout.ms", kProducer, ValueType::kInt},
    {"retries", "message.send.max.retries", kProducer, ValueType::kInt},
    {"max.request.size", "message.max.bytes", kProducer, ValueType::kInt},
    {"request.timeout.ms", "request.timeout.ms", kProducer, ValueType::kInt},
    {"request.timeout.ms", "socket.timeout.ms", kConsumer | kAdmin, ValueType::kInt},
    {"group.id", "group.id", kConsumer, ValueType::kString},
    {"group.instance.id", "group.instance.id", kConsumer, ValueType::kString},
    {"client.rack", "client.rack", kConsumer, ValueType::kString},
    {"session.timeout.ms", "session.timeout.ms", kConsumer, ValueType::kInt},
    {"heartbeat.interval.ms", "heartbeat.interval.ms", kConsumer, ValueType::kInt},
    {"max.poll.interval.ms", "max.poll.interval.ms", kConsumer, ValueType::kInt},
    {"fetch.min.bytes", "fetch.min.bytes", kConsumer, ValueType::kInt},
    {"fetch.max.bytes", "fetch.max.bytes", kConsumer, ValueType::kInt},
    {"fetch.max.wait.ms", "fetch.wait.max.ms", kConsumer, ValueType::kInt},
    {"max.partition.fetch.bytes", "max.partition.fetch.bytes", kConsumer, ValueType::kInt},
    {"check.crcs", "check.crcs", kConsumer, ValueType::kBool},
    {"allow.auto.create.topics", "allow.auto.create.topics", kConsumer, ValueType::kBool},
};

// Properties of the JVM or of Java's client internals with no librdkafka equivalent, where
// librdkafka's own behaviour is a fair substitute: ignored with a warning.
const std::set<std::string_view>& JvmOnly() {
  static const std::set<std::string_view> names = {
      "client.dns.lookup",
      "default.api.timeout.ms",
      "max.block.ms",
      "metrics.num.samples",
      "metrics.recording.level",
      "metrics.sample.window.ms",
      "metric.reporters",
      "auto.include.jmx.reporter",
      "interceptor.classes",
      "exclude.internal.topics",
      "auto.commit.interval.ms",
      "partitioner.ignore.keys",
      "partitioner.adaptive.partitioning.enable",
      "partitioner.availability.timeout.ms",
      "ssl.protocol",
      "ssl.enabled.protocols",
      "ssl.cipher.suites",
      "ssl.provider",
      "ssl.keymanager.algorithm",
      "ssl.trustmanager.algorithm",
      "ssl.secure.random.implementation",
      "sasl.login.refresh.window.factor",
      "sasl.login.refresh.window.jitter",
      "sasl.login.refresh.min.period.seconds",
      "sasl.login.refresh.buffer.seconds",
      "sasl.kerberos.ticket.renew.window.factor",
      "sasl.kerberos.ticket.renew.jitter",
  };
  return names;
}

// Serializer and deserializer classes: the kafka layer moves bytes, converters live elsewhere.
bool IsSerdeProperty(std::string_view name) {
  return name == "key.serializer" || name == "value.serializer" || name == "key.deserializer" ||
         name == "value.deserializer";
}

// The properties this file handles by name beyond kRenames (so they are not "unknown").
const std::set<std::string_view>& Handled() {
  static const std::set<std::string_view> names = {
      "bootstrap.servers",
      "security.protocol",
      "sasl.mechanism",
      "sasl.jaas.config",
      "ssl.truststore.type",
      "ssl.truststore.location",
      "ssl.truststore.password",
      "ssl.truststore.certificates",
      "ssl.keystore.type",
      "ssl.keystore.location",
      "ssl.keystore.password",
      "ssl.key.password",
      "ssl.keystore.key",
      "ssl.keystore.certificate.chain",
      "ssl.endpoint.identification.algorithm",
      "acks",
      "batch.size",
      "compression.type",
      "buffer.memory",
      "partitioner.class",
      "isolation.level",
      "auto.offset.reset",
      "max.poll.records",
      "enable.auto.commit",
      "partition.assignment.strategy",
      "receive.buffer.bytes",
      "send.buffer.bytes",
  };
  return names;
}

// Which roles use a property handled by name (all roles unless listed).
unsigned HandledRoles(std::string_view name) {
  if (name == "acks" || name == "batch.size" || name == "compression.type" ||
      name == "buffer.memory" || name == "partitioner.class") {
    return kProducer;
  }
  if (name == "isolation.level" || name == "auto.offset.reset" || name == "max.poll.records" ||
      name == "enable.auto.commit" || name == "partition.assignment.strategy") {
    return kConsumer;
  }
  return kAll;
}

Status BadValue(const std::string& name, const std::string& value, const std::string& allowed) {
  return InvalidArgument("Kafka client property " + name + "='" + value +
                         "' is invalid: " + allowed);
}

std::optional<int64_t> ParseInt(const std::string& s) {
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

Result<int64_t> IntValue(const std::string& name, const std::string& value, int64_t min) {
  auto v = ParseInt(value);
  if (!v) return BadValue(name, value, "expected an integer");
  if (*v < min) return BadValue(name, value, "must be at least " + std::to_string(min));
  return *v;
}

Result<bool> BoolValue(const std::string& name, const std::string& value) {
  if (EqualsIgnoreCase(value, "true")) return true;
  if (EqualsIgnoreCase(value, "false")) return false;
  return BadValue(name, value, "expected true or false");
}

// Java's SimpleClassName for a fully qualified name (the part after the last '.').
std::string_view SimpleName(std::string_view cls) {
  const size_t dot = cls.rfind('.');
  return dot == std::string_view::npos ? cls : cls.substr(dot + 1);
}

std::vector<std::string> SplitList(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string_view::npos) comma = s.size();
    std::string_view item = Trim(s.substr(start, comma - start));
    if (!item.empty()) out.emplace_back(item);
    start = comma + 1;
  }
  return out;
}

// partition.assignment.strategy (Java class names) -> librdkafka's assignor names. librdkafka
// cannot mix eager and cooperative assignors in one member: the protocol of the first listed
// (Java's preferred) wins and the others are dropped with a warning.
Result<std::string> AssignmentStrategy(const std::string& value,
                                       std::vector<std::string>* warnings) {
  const std::string name = "partition.assignment.strategy";
  std::vector<std::string> eager, cooperative;
  std::optional<bool> first_cooperative;
  for (const std::string& cls : SplitList(value)) {
    const std::string_view simple = SimpleName(cls);
    if (simple == "RangeAssignor") {
      eager.push_back("range");
    } else if (simple == "RoundRobinAssignor") {
      eager.push_back("roundrobin");
    } else if (simple == "CooperativeStickyAssignor") {
      cooperative.push_back("cooperative-sticky");
    } else if (simple == "StickyAssignor") {
      return BadValue(name, value,
                      "the eager StickyAssignor has no librdkafka equivalent; use "
                      "org.apache.kafka.clients.consumer.CooperativeStickyAssignor");
    } else {
      return BadValue(name, value,
                      "unknown assignor '" + cls +
                          "'; allowed: org.apache.kafka.clients.consumer.RangeAssignor, "
                          "RoundRobinAssignor, CooperativeStickyAssignor");
    }
    if (!first_cooperative) first_cooperative = simple == "CooperativeStickyAssignor";
  }
  if (!first_cooperative) return BadValue(name, value, "expected at least one assignor class");
  const std::vector<std::string>& kept = *first_cooperative ? cooperative : eager;
  const std::vector<std::string>& dropped = *first_cooperative ? eager : cooperative;
  if (!dropped.empty()) {
    warnings->push_back(name + ": librdkafka cannot mix eager and cooperative assignors; using " +
                        std::string(*first_cooperative ? "cooperative" : "eager") +
                        " ones only (the first listed)");
  }
  std::string out;
  for (const std::string& a : kept) {
    if (out.find(a) != std::string::npos) continue;
    if (!out.empty()) out += ",";
    out += a;
  }
  return out;
}

}  // namespace

const std::string* ClientConfig::Find(const std::string& name) const {
  for (const auto& [k, v] : rdkafka) {
    if (k == name) return &v;
  }
  return nullptr;
}

void ClientConfig::Set(const std::string& name, std::string value) {
  for (auto& [k, v] : rdkafka) {
    if (k == name) {
      v = std::move(value);
      return;
    }
  }
  rdkafka.emplace_back(name, std::move(value));
}

Result<JaasConfig> ParseJaasConfig(const std::string& text) {
  const std::string p = "sasl.jaas.config";
  JaasConfig out;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < text.size() && IsAsciiSpace(text[i])) ++i;
  };
  auto word = [&] {
    const size_t start = i;
    while (i < text.size() && !IsAsciiSpace(text[i]) && text[i] != '=' && text[i] != ';' &&
           text[i] != '"') {
      ++i;
    }
    return text.substr(start, i - start);
  };
  skip_space();
  out.login_module = word();
  if (out.login_module.empty()) {
    return InvalidArgument(p +
                           " is invalid: expected '<LoginModule class> required key=\"value\" "
                           "...;'");
  }
  skip_space();
  const std::string flag = word();
  if (flag != "required" && flag != "requisite" && flag != "sufficient" && flag != "optional") {
    return InvalidArgument(p +
                           " is invalid: expected a control flag (required, requisite, "
                           "sufficient or optional) after " +
                           out.login_module + ", found '" + flag + "'");
  }
  bool ended = false;
  while (true) {
    skip_space();
    if (i >= text.size()) break;
    if (text[i] == ';') {
      ++i;
      ended = true;
      skip_space();
      if (i < text.size()) {
        return InvalidArgument(p +
                               " is invalid: only one login module entry is supported; "
                               "found text after ';'");
      }
      break;
    }
    const std::string key = word();
    if (key.empty() || i >= text.size() || text[i] != '=') {
      return InvalidArgument(p + " is invalid: expected key=value after " + out.login_module +
                             (key.empty() ? "" : ", found '" + key + "' without '='"));
    }
    ++i;  // '='
    std::string value;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size()) {
          value += text[i++];
        } else if (c == '"') {
          closed = true;
          break;
        } else {
          value += c;
        }
      }
      if (!closed) {
        return InvalidArgument(p + " is invalid: the value of option '" + key +
                               "' has no closing quote");
      }
    } else {
      value = word();
    }
    out.options[key] = value;
  }
  if (!ended) return InvalidArgument(p + " is invalid: the login module entry must end with ';'");
  return out;
}

Result<ClientConfig> TranslateJavaProperties(const std::map<std::string, std::string>& props,
                                             ClientRole role) {
  ClientConfig cfg;
  const unsigned bit = RoleBit(role);
  std::map<std::string, std::string> v;  // the values this role uses, trimmed
  for (const auto& [name, raw] : props) {
    const std::string value(Trim(raw));
    bool renamed = false;
    const Rename* use = nullptr;
    for (const Rename& r : kRenames) {
      if (name != r.java) continue;
      renamed = true;
      if ((r.roles & bit) != 0) {
        use = &r;
        break;
      }
    }
    if (renamed && use == nullptr) {
      cfg.warnings.push_back(name + " is not a " + std::string(RoleName(role)) +
                             " property; ignored");
    } else if (use != nullptr) {
      std::string out = value;
      if (use->type == ValueType::kInt) {
        WR_ASSIGN_OR_RETURN(int64_t n, IntValue(name, value, 0));
        out = std::to_string(n);
      } else if (use->type == ValueType::kBool) {
        WR_ASSIGN_OR_RETURN(bool b, BoolValue(name, value));
        out = b ? "true" : "false";
      }
      cfg.Set(use->rdkafka, out);
    }
    if (renamed) continue;
    if (Handled().count(name) != 0) {
      if ((HandledRoles(name) & bit) == 0) {
        cfg.warnings.push_back(name + " is not a " + std::string(RoleName(role)) +
                               " property; ignored");
      } else {
        v[name] = value;
      }
      continue;
    }
    if (IsSerdeProperty(name)) {
      if (SimpleName(value) != "ByteArraySerializer" &&
          SimpleName(value) != "ByteArrayDeserializer") {
        cfg.warnings.push_back(name + "=" + value +
                               " ignored: records are serialized by the connector's converters");
      }
      continue;
    }
    if (JvmOnly().count(name) != 0) {
      cfg.warnings.push_back(name + " has no librdkafka equivalent; ignored");
      continue;
    }
    if (name.rfind("ssl.", 0) == 0 || name.rfind("sasl.", 0) == 0) {
      return InvalidArgument("Kafka client property " + name +
                             " is not supported, and a security setting cannot be dropped "
                             "silently; remove it or use a supported equivalent");
    }
    cfg.warnings.push_back("unknown Kafka client property " + name + "; ignored");
  }
  auto get = [&](const std::string& name) -> const std::string* {
    auto it = v.find(name);
    return it == v.end() ? nullptr : &it->second;
  };

  // Brokers.
  const std::string* bootstrap = get("bootstrap.servers");
  std::string servers;
  if (bootstrap != nullptr) {
    for (const std::string& s : SplitList(*bootstrap)) {
      if (s.find(':') == std::string::npos) {
        return BadValue("bootstrap.servers", *bootstrap, "each entry must be HOST:PORT");
      }
      if (!servers.empty()) servers += ",";
      servers += s;
    }
  }
  if (servers.empty()) {
    return InvalidArgument(
        "Kafka client property bootstrap.servers is required (a list of HOST:PORT)");
  }
  cfg.rdkafka.insert(cfg.rdkafka.begin(), {"bootstrap.servers", servers});

  // Security protocol and SASL.
  std::string protocol = "PLAINTEXT";
  if (const std::string* p = get("security.protocol")) {
    protocol = ToUpper(*p);
    if (protocol != "PLAINTEXT" && protocol != "SSL" && protocol != "SASL_PLAINTEXT" &&
        protocol != "SASL_SSL") {
      return BadValue("security.protocol", *p, "allowed: PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL");
    }
  }
  cfg.Set("security.protocol", ToLower(protocol));
  const bool sasl = protocol.rfind("SASL_", 0) == 0;
  const bool ssl = protocol == "SSL" || protocol == "SASL_SSL";
  std::string mechanism = "GSSAPI";  // Java's default
  if (const std::string* m = get("sasl.mechanism")) {
    mechanism = *m;
    if (mechanism == "OAUTHBEARER") {
      return BadValue("sasl.mechanism", *m,
                      "OAUTHBEARER needs Java login callback handlers; allowed: PLAIN, "
                      "SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI");
    }
    if (mechanism != "PLAIN" && mechanism != "SCRAM-SHA-256" && mechanism != "SCRAM-SHA-512" &&
        mechanism != "GSSAPI") {
      return BadValue("sasl.mechanism", *m, "allowed: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, GSSAPI");
    }
  }
  if (!sasl && (get("sasl.mechanism") != nullptr || get("sasl.jaas.config") != nullptr)) {
    cfg.warnings.push_back("sasl.mechanism / sasl.jaas.config ignored: security.protocol is " +
                           protocol);
  }
  if (sasl) {
    cfg.Set("sasl.mechanisms", mechanism);
    const std::string* jaas_text = get("sasl.jaas.config");
    if (jaas_text == nullptr && mechanism != "GSSAPI") {
      return InvalidArgument(
          "Kafka client property sasl.jaas.config is required for "
          "security.protocol=" +
          protocol + " with sasl.mechanism=" + mechanism);
    }
    if (jaas_text != nullptr) {
      WR_ASSIGN_OR_RETURN(JaasConfig jaas, ParseJaasConfig(*jaas_text));
      const std::string_view module = SimpleName(jaas.login_module);
      std::set<std::string> used;
      if (module == "PlainLoginModule" || module == "ScramLoginModule") {
        const bool plain = module == "PlainLoginModule";
        if (plain ? mechanism != "PLAIN" : mechanism.rfind("SCRAM-", 0) != 0) {
          return InvalidArgument("Kafka client property sasl.jaas.config names " +
                                 jaas.login_module +
                                 ", which does not serve sasl.mechanism=" + mechanism);
        }
        for (const char* key : {"username", "password"}) {
          auto it = jaas.options.find(key);
          if (it == jaas.options.end()) {
            return InvalidArgument("Kafka client property sasl.jaas.config: " + jaas.login_module +
                                   " needs option " + key);
          }
          cfg.Set(std::string("sasl.") + key, it->second);
          used.insert(key);
        }
      } else if (module == "Krb5LoginModule") {
        if (mechanism != "GSSAPI") {
          return InvalidArgument("Kafka client property sasl.jaas.config names " +
                                 jaas.login_module +
                                 ", which does not serve sasl.mechanism=" + mechanism);
        }
        if (auto it = jaas.options.find("keyTab"); it != jaas.options.end()) {
          cfg.Set("sasl.kerberos.keytab", it->second);
        }
        if (auto it = jaas.options.find("principal"); it != jaas.options.end()) {
          cfg.Set("sasl.kerberos.principal", it->second);
        }
        used = {"keyTab", "principal", "useKeyTab", "storeKey", "useTicketCache", "debug"};
      } else {
        return InvalidArgument("Kafka client property sasl.jaas.config: login module " +
                               jaas.login_module +
                               " is not supported (allowed: PlainLoginModule, ScramLoginModule, "
                               "Krb5LoginModule)");
      }
      for (const auto& [key, value] : jaas.options) {
        if (used.count(key) == 0) {
          cfg.warnings.push_back("sasl.jaas.config option " + key + " ignored");
        }
      }
    }
  }

  // SSL: librdkafka reads PEM (and a PKCS#12 keystore); Java's default store type is JKS.
  const bool any_ssl = std::any_of(v.begin(), v.end(),
                                   [](const auto& kv) { return kv.first.rfind("ssl.", 0) == 0; });
  if (!ssl && any_ssl) {
    cfg.warnings.push_back("ssl.* properties ignored: security.protocol is " + protocol);
  }
  if (ssl) {
    const std::string ts_type =
        get("ssl.truststore.type") ? ToUpper(*get("ssl.truststore.type")) : std::string("JKS");
    const std::string ks_type =
        get("ssl.keystore.type") ? ToUpper(*get("ssl.keystore.type")) : std::string("JKS");
    if (const std::string* loc = get("ssl.truststore.location")) {
      if (ts_type != "PEM") {
        return InvalidArgument(
            "Kafka client property ssl.truststore.location='" + *loc + "': a " + ts_type +
            " truststore cannot be read by librdkafka; convert it to a PEM file of CA "
            "certificates and set ssl.truststore.type=PEM");
      }
      cfg.Set("ssl.ca.location", *loc);
    }
    if (const std::string* pem = get("ssl.truststore.certificates")) {
      if (ts_type != "PEM") {
        return InvalidArgument(
            "Kafka client property ssl.truststore.certificates needs "
            "ssl.truststore.type=PEM");
      }
      cfg.Set("ssl.ca.pem", *pem);
    }
    if (const std::string* loc = get("ssl.keystore.location")) {
      if (ks_type == "PKCS12") {
        cfg.Set("ssl.keystore.location", *loc);
        if (const std::string* pw = get("ssl.keystore.password")) {
          cfg.Set("ssl.keystore.password", *pw);
        }
      } else if (ks_type == "PEM") {
        cfg.Set("ssl.certificate.location", *loc);
        cfg.Set("ssl.key.location", *loc);
      } else {
        return InvalidArgument("Kafka client property ssl.keystore.location='" + *loc + "': a " +
                               ks_type +
                               " keystore cannot be read by librdkafka; convert it to PEM "
                               "(ssl.keystore.type=PEM) or PKCS12");
      }
    }
    const std::string* key_pem = get("ssl.keystore.key");
    const std::string* chain_pem = get("ssl.keystore.certificate.chain");
    if (key_pem != nullptr || chain_pem != nullptr) {
      if (ks_type != "PEM" || key_pem == nullptr || chain_pem == nullptr) {
        return InvalidArgument(
            "Kafka client properties ssl.keystore.key and "
            "ssl.keystore.certificate.chain go together, with "
            "ssl.keystore.type=PEM");
      }
      cfg.Set("ssl.key.pem", *key_pem);
      cfg.Set("ssl.certificate.pem", *chain_pem);
    }
    if (const std::string* pw = get("ssl.key.password")) cfg.Set("ssl.key.password", *pw);
    std::string algorithm = "https";
    if (const std::string* a = get("ssl.endpoint.identification.algorithm")) {
      if (a->empty()) {
        algorithm = "none";
      } else if (!EqualsIgnoreCase(*a, "https")) {
        return BadValue("ssl.endpoint.identification.algorithm", *a,
                        "allowed: https or empty (no host name check)");
      }
    }
    cfg.Set("ssl.endpoint.identification.algorithm", algorithm);
  }

  for (const char* java : {"receive.buffer.bytes", "send.buffer.bytes"}) {
    if (const std::string* s = get(java)) {
      WR_ASSIGN_OR_RETURN(int64_t n, IntValue(java, *s, -1));
      // Java's -1 (the OS default) is librdkafka's 0.
      cfg.Set(std::string("socket.") + java, std::to_string(n < 0 ? 0 : n));
    }
  }
  if (role == ClientRole::kProducer) {
    std::string acks = "all";
    if (const std::string* a = get("acks")) {
      if (*a == "all" || *a == "-1") {
        acks = "all";
      } else if (*a == "0" || *a == "1") {
        acks = *a;
      } else {
        return BadValue("acks", *a, "allowed: all, -1, 0, 1");
      }
    }
    cfg.Set("acks", acks);
    const std::string* idem = cfg.Find("enable.idempotence");
    const bool transactional = cfg.Find("transactional.id") != nullptr;
    if (idem == nullptr) {
      // Java 3.x: idempotence is on by default, but off when acks or in-flight settings conflict
      // with it and it was not asked for; a transactional producer is always idempotent.
      const std::string* inflight = cfg.Find("max.in.flight.requests.per.connection");
      const bool conflicts = acks != "all" || (inflight != nullptr && std::stoll(*inflight) > 5);
      if (conflicts && transactional) {
        return InvalidArgument(
            "Kafka client property transactional.id needs acks=all and "
            "max.in.flight.requests.per.connection <= 5 (idempotence)");
      }
      cfg.Set("enable.idempotence", conflicts ? "false" : "true");
    } else if (*idem == "true") {
      if (acks != "all") {
        return BadValue("acks", acks, "must be all (or -1) with enable.idempotence=true");
      }
      const std::string* inflight = cfg.Find("max.in.flight.requests.per.connection");
      if (inflight != nullptr && std::stoll(*inflight) > 5) {
        return BadValue("max.in.flight.requests.per.connection", *inflight,
                        "must be at most 5 with enable.idempotence=true");
      }
    } else if (transactional) {
      return BadValue("enable.idempotence", "false",
                      "a transactional producer (transactional.id) must be idempotent");
    }
    if (const std::string* s = get("batch.size")) {
      WR_ASSIGN_OR_RETURN(int64_t n, IntValue("batch.size", *s, 0));
      cfg.Set("batch.size", std::to_string(n == 0 ? 1 : n));  // Java's 0: no batching
    }
    if (const std::string* c = get("compression.type")) {
      const std::string lower = ToLower(*c);
      if (lower != "none" && lower != "gzip" && lower != "snappy" && lower != "lz4" &&
          lower != "zstd") {
        return BadValue("compression.type", *c, "allowed: none, gzip, snappy, lz4, zstd");
      }
      cfg.Set("compression.type", lower);
    }
    if (const std::string* s = get("buffer.memory")) {
      WR_ASSIGN_OR_RETURN(int64_t n, IntValue("buffer.memory", *s, 1));
      cfg.Set("queue.buffering.max.kbytes", std::to_string((n + 1023) / 1024));
    }
    if (const std::string* p = get("partitioner.class")) {
      const std::string_view simple = SimpleName(*p);
      if (simple != "DefaultPartitioner" && simple != "BuiltInPartitioner") {
        return BadValue("partitioner.class", *p,
                        "only Kafka's default partitioner (murmur2 of the key) is supported");
      }
    }
    // librdkafka requires message.timeout.ms <= transaction.timeout.ms (Java's default is 60 s).
    const std::string* txn_timeout = cfg.Find("transaction.timeout.ms");
    const int64_t txn_ms = txn_timeout != nullptr ? std::stoll(*txn_timeout) : 60000;
    if (const std::string* delivery = cfg.Find("message.timeout.ms")) {
      if (transactional && std::stoll(*delivery) > txn_ms) {
        return BadValue("delivery.timeout.ms", *delivery,
                        "must not exceed transaction.timeout.ms (" + std::to_string(txn_ms) +
                            ") for a transactional producer");
      }
    } else {
      cfg.Set("message.timeout.ms",
              std::to_string(transactional ? std::min<int64_t>(120000, txn_ms) : 120000));
    }
    cfg.Set("partitioner", "murmur2_random");
  }

  if (role == ClientRole::kConsumer) {
    if (const std::string* a = get("enable.auto.commit")) {
      WR_ASSIGN_OR_RETURN(bool on, BoolValue("enable.auto.commit", *a));
      if (on)
        cfg.warnings.push_back(
            "enable.auto.commit=true ignored: walrelay commits offsets "
            "itself, after records are applied");
    }
    cfg.Set("enable.auto.commit", "false");
    cfg.Set("enable.auto.offset.store", "false");
    std::string isolation = "read_uncommitted";  // Java's default; librdkafka's is read_committed
    if (const std::string* i = get("isolation.level")) {
      isolation = ToLower(*i);
      if (isolation != "read_committed" && isolation != "read_uncommitted") {
        return BadValue("isolation.level", *i, "allowed: read_committed, read_uncommitted");
      }
    }
    cfg.Set("isolation.level", isolation);
    std::string reset = "latest";
    if (const std::string* r = get("auto.offset.reset")) {
      const std::string lower = ToLower(*r);
      if (lower == "earliest" || lower == "latest") {
        reset = lower;
      } else if (lower == "none") {
        reset = "error";
      } else {
        return BadValue("auto.offset.reset", *r, "allowed: earliest, latest, none");
      }
    }
    cfg.Set("auto.offset.reset", reset);
    if (const std::string* m = get("max.poll.records")) {
      WR_ASSIGN_OR_RETURN(int64_t n, IntValue("max.poll.records", *m, 1));
      if (n > 1000000) return BadValue("max.poll.records", *m, "must be at most 1000000");
      cfg.max_poll_records = static_cast<int>(n);
    }
    std::string strategy = "range";  // Java's default list starts with RangeAssignor
    if (const std::string* s = get("partition.assignment.strategy")) {
      WR_ASSIGN_OR_RETURN(strategy, AssignmentStrategy(*s, &cfg.warnings));
    }
    cfg.Set("partition.assignment.strategy", strategy);
  }
  return cfg;
}

}  // namespace walrelay::kafka
