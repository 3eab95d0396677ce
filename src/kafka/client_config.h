#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace walrelay::kafka {

// Which client a set of Java properties configures: the same file may hold properties of all three
// (a worker's `producer.` / `consumer.` / `admin.` prefixes are stripped by the caller), and a
// property of another role is ignored with a warning, as Java's clients log "supplied but isn't a
// known config".
enum class ClientRole { kProducer, kConsumer, kAdmin };

// What a librdkafka client is built from: librdkafka properties in the order they are applied, the
// settings walrelay applies itself, and the warnings to log once (each names the Java property).
struct ClientConfig {
  std::vector<std::pair<std::string, std::string>> rdkafka;
  // Java's max.poll.records: how many messages one Consumer::Poll returns at most.
  int max_poll_records = 500;
  std::vector<std::string> warnings;

  // The value given to librdkafka property `name`, or null.
  const std::string* Find(const std::string& name) const;
  // Sets librdkafka property `name` (replacing an earlier value): for callers adding what has no
  // Java equivalent, such as a consumer's group.id from the connector name.
  void Set(const std::string& name, std::string value);
};

// The Java client properties (`bootstrap.servers`, `security.protocol`, `sasl.jaas.config`,
// `ssl.*`, `acks`, `isolation.level`, `partition.assignment.strategy`, ...) of `role` translated to
// librdkafka's names and values, with Java's defaults where librdkafka's differ:
//  - producer: enable.idempotence=true and acks=all unless given (acks other than all without
//    an explicit enable.idempotence turns idempotence off, as Java 3.x does), the murmur2_random
//    partitioner (Java's default partitioner for keyed records);
//  - consumer: enable.auto.commit=false (walrelay commits itself; `true` is refused), and
//    isolation.level=read_uncommitted (librdkafka's default is read_committed).
// Fails with kInvalidArgument naming the property, the value and what is allowed for a bad value,
// a JKS keystore or truststore (convert it to PEM), an unsupported JAAS login module, an unknown
// `sasl.*` / `ssl.*` property (dropping a security setting silently would be wrong), or a missing
// bootstrap.servers. Other unknown properties add a warning. Pure.
Result<ClientConfig> TranslateJavaProperties(const std::map<std::string, std::string>& props,
                                             ClientRole role);

// The options of a JAAS `sasl.jaas.config` entry:
//   <LoginModule class> <required|requisite|sufficient|optional> key="value" key=value ... ;
// Quoted values may hold spaces and backslash escapes. Fails naming sasl.jaas.config and what is
// wrong (never echoing a password).
struct JaasConfig {
  std::string login_module;
  std::map<std::string, std::string> options;
};
Result<JaasConfig> ParseJaasConfig(const std::string& text);

}  // namespace walrelay::kafka
