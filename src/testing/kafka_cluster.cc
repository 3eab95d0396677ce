#include "testing/kafka_cluster.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testing/process.h"

#ifndef WALRELAY_SOURCE_DIR
#error "WALRELAY_SOURCE_DIR must name the source tree (CMakeLists.txt defines it)"
#endif

namespace walrelay::testing {
namespace {

// Generous: a loaded 2-core machine starts three JVMs slowly, and a first fetch downloads.
constexpr std::chrono::seconds kFetchTimeout(600);
constexpr std::chrono::seconds kUpTimeout(300);
constexpr std::chrono::seconds kNodeTimeout(240);
constexpr std::chrono::seconds kDownTimeout(60);

Result<std::string> RunKafkaScript(const std::string& dir, const std::vector<std::string>& args,
                                   std::chrono::seconds timeout) {
  return RunServerScript(KafkaScript(), "scripts/kafka", dir, args, timeout);
}

// The value of KEY=VALUE or KEY="VALUE" in a shell-style file, or "".
std::string EnvValue(const std::string& text, std::string_view key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() <= key.size() || line.compare(0, key.size(), key) != 0 ||
        line[key.size()] != '=') {
      continue;
    }
    std::string value = line.substr(key.size() + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    return value;
  }
  return "";
}

}  // namespace

std::string KafkaScript() {
  if (const char* script = std::getenv("WALRELAY_KAFKA_SCRIPT"); script != nullptr && *script) {
    return script;
  }
  return std::string(WALRELAY_SOURCE_DIR) + "/scripts/kafka";
}

Result<std::unique_ptr<KafkaCluster>> KafkaCluster::Up(int brokers) {
  if (brokers != 1 && brokers != 3) {
    return InvalidArgument("a Kafka cluster has 1 or 3 brokers, not " + std::to_string(brokers));
  }
  WR_RETURN_IF_ERROR(RunKafkaScript("", {"fetch"}, kFetchTimeout).status());
  std::string tmpl = "/tmp/walrelay-kafka-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return FatalError("mkdtemp " + tmpl + " failed");
  std::unique_ptr<KafkaCluster> cluster(new KafkaCluster());
  // From here the destructor runs `down`, whatever fails.
  cluster->dir_ = tmpl;
  WR_RETURN_IF_ERROR(RunKafkaScript(cluster->dir_,
                                    {"up", "--brokers", std::to_string(brokers), "--owner",
                                     std::to_string(::getpid())},
                                    kUpTimeout)
                         .status());
  WR_RETURN_IF_ERROR(cluster->LoadState());
  return cluster;
}

Result<KafkaCluster*> KafkaCluster::Shared(int brokers) {
  // Function-local statics: destroyed, and so brought down, when the process exits normally.
  static std::mutex mu;
  static std::map<int, std::unique_ptr<KafkaCluster>> clusters;
  std::lock_guard<std::mutex> lock(mu);
  std::unique_ptr<KafkaCluster>& slot = clusters[brokers];
  if (slot == nullptr) {
    WR_ASSIGN_OR_RETURN(slot, Up(brokers));
  }
  return slot.get();
}

KafkaCluster::~KafkaCluster() {
  auto down = RunKafkaScript(dir_, {"down"}, kDownTimeout);
  if (!down.ok()) {
    std::fprintf(stderr, "KafkaCluster: %s\n", down.status().ToString().c_str());
  }
}

Status KafkaCluster::LoadState() {
  std::ifstream in(dir_ + "/cluster.env");
  std::stringstream text;
  text << in.rdbuf();
  bootstrap_servers_ = EnvValue(text.str(), "KAFKA_BOOTSTRAP_SERVERS");
  std::istringstream ports(EnvValue(text.str(), "KAFKA_BROKER_PORTS"));
  broker_ports_.clear();
  for (int port = 0; ports >> port;) broker_ports_.push_back(port);
  if (bootstrap_servers_.empty() || broker_ports_.empty()) {
    return FatalError("no bootstrap servers or broker ports in " + dir_ + "/cluster.env");
  }
  return Status::Ok();
}

std::string KafkaCluster::broker_address(int node) const {
  if (node < 1 || node > brokers()) return "";
  return "127.0.0.1:" + std::to_string(broker_ports_[node - 1]);
}

Status KafkaCluster::CheckNode(int node) const {
  if (node < 1 || node > brokers()) {
    return InvalidArgument("node " + std::to_string(node) +
                           " is not in this cluster: nodes are 1 to " + std::to_string(brokers()));
  }
  return Status::Ok();
}

Status KafkaCluster::Kill(int node) {
  WR_RETURN_IF_ERROR(CheckNode(node));
  return RunKafkaScript(dir_, {"kill", std::to_string(node)}, kDownTimeout).status();
}

Status KafkaCluster::Start(int node) {
  WR_RETURN_IF_ERROR(CheckNode(node));
  return RunKafkaScript(dir_, {"start", std::to_string(node)}, kNodeTimeout).status();
}

Status KafkaCluster::CreateTopic(std::string_view name, int partitions, int replication_factor,
                                 const std::vector<std::pair<std::string, std::string>>& configs) {
  std::vector<std::string> args = {"topics",
                                   "--create",
                                   "--topic",
                                   std::string(name),
                                   "--partitions",
                                   std::to_string(partitions),
                                   "--replication-factor",
                                   std::to_string(replication_factor)};
  for (const auto& [key, value] : configs) {
    args.push_back("--config");
    args.push_back(key + "=" + value);
  }
  return RunKafkaScript(dir_, args, kNodeTimeout).status();
}

PartitionState KafkaCluster::Partition(const std::string& topic, int partition) const {
  PartitionState state;
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/bin");
  std::string kcat;
  for (std::string dir; kcat.empty() && std::getline(dirs, dir, ':');) {
    if (::access((dir + "/kcat").c_str(), X_OK) == 0) kcat = dir + "/kcat";
  }
  if (kcat.empty()) return state;
  auto r = RunProcess({kcat, "-L", "-J", "-b", bootstrap_servers_, "-t", topic},
                      std::chrono::seconds(90));
  if (!r.ok() || r->exit_code != 0) return state;
  auto meta = nlohmann::json::parse(r->out, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded()) return state;
  for (const auto& t : meta.value("topics", nlohmann::json::array())) {
    if (t.value("topic", "") != topic) continue;
    for (const auto& p : t.value("partitions", nlohmann::json::array())) {
      if (p.value("partition", -1) != partition) continue;
      state.leader = p.value("leader", -1);
      state.replicas = p.value("replicas", nlohmann::json::array()).size();
      state.isr = p.value("isrs", nlohmann::json::array()).size();
    }
  }
  return state;
}

Result<int> KafkaCluster::GroupCoordinator(const std::string& group) const {
  WR_ASSIGN_OR_RETURN(std::string out,
                      RunScript({"groups", "--describe", "--group", group, "--state"}));
  // "GROUP  COORDINATOR (ID)  ASSIGNMENT-STRATEGY  STATE  #MEMBERS", then
  // "<group>  127.0.0.1:PORT (ID)  range  Stable  2".
  std::istringstream lines(out);
  for (std::string line; std::getline(lines, line);) {
    if (line.compare(0, group.size() + 1, group + " ") != 0) continue;
    const size_t open = line.find(" (");
    const size_t close = line.find(')', open);
    if (open == std::string::npos || close == std::string::npos) break;
    return std::atoi(line.c_str() + open + 2);
  }
  return FatalError("no coordinator of group " + group + " in:\n" + out);
}

Result<std::string> KafkaCluster::RunScript(const std::vector<std::string>& args,
                                            std::chrono::seconds timeout) const {
  return RunKafkaScript(dir_, args, timeout);
}

}  // namespace walrelay::testing
