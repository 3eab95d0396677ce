#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace walrelay::testing {

// Path of scripts/kafka: $WALRELAY_KAFKA_SCRIPT when set, else the one in this source tree.
std::string KafkaScript();

// KafkaCluster is a real Apache Kafka 4.x cluster in KRaft mode started for a test: 1 or 3 nodes,
// each a combined broker and controller on free 127.0.0.1 ports, in a fresh directory
// /tmp/walrelay-kafka-XXXXXX. All launch logic is scripts/kafka's (`--dir` that directory), so a
// cluster a test leaves behind can be inspected and stopped with the same script; the directory
// holds cluster.env (ports, PIDs) and each node's logs (docs/kafka.md).
//
// Cleanup: the destructor runs `scripts/kafka down` (SIGKILL every node, remove the directory).
// When the test process dies before that (a crash, an abort, a ctest timeout), the watchdog that
// `up --owner <this process>` started brings the cluster down within a second or two, and
// scripts/cleanup-test-servers catches what a killed watchdog left.
//
// Settings are those of scripts/kafka: auto topic creation off, the internal topics replicated on
// every node (transactions work with one broker), group.initial.rebalance.delay.ms=0.
//
// Not thread-safe: one thread drives the lifecycle (Kill, Start); bootstrap_servers() and the
// other accessors may be read from any thread.
// The leader and in-sync replicas of one partition, as kcat's metadata reports them.
struct PartitionState {
  int leader = -1;  // -1: unknown (no such topic or partition, or no leader)
  size_t replicas = 0;
  size_t isr = 0;
};

class KafkaCluster {
 public:
  // Fetches the jars if needed (`scripts/kafka fetch`), starts `brokers` (1 or 3) nodes and waits
  // until every broker answers metadata requests. Fails with the script's error (which quotes the
  // failing node's log) when a node does not start; InvalidArgument for another broker count.
  static Result<std::unique_ptr<KafkaCluster>> Up(int brokers = 1);

  // A cluster of `brokers` shared by every test of this process that asks for that count:
  // started by the first call, torn down when the process exits. A test that kills a node of a
  // shared cluster starts it again before it ends. Returns the start's error to each caller until
  // a start succeeds.
  static Result<KafkaCluster*> Shared(int brokers = 1);

  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;
  ~KafkaCluster();

  // "127.0.0.1:P1,127.0.0.1:P2,...": every broker, for bootstrap.servers.
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }
  int brokers() const { return static_cast<int>(broker_ports_.size()); }
  // "127.0.0.1:P" of node `node` (1-based, as the node ids).
  std::string broker_address(int node) const;
  const std::string& dir() const { return dir_; }

  // SIGKILLs node `node` (1..brokers()) and waits until it is gone. Its data stays.
  Status Kill(int node);
  // Starts node `node` again with its data and waits until it answers as a broker. Ok when it
  // already runs.
  Status Start(int node);

  // Creates a topic with kafka-topics; `configs` are topic configs (`min.insync.replicas`, ...).
  Status CreateTopic(std::string_view name, int partitions, int replication_factor,
                     const std::vector<std::pair<std::string, std::string>>& configs = {});

  // Partition `partition` of `topic` as the cluster's metadata says (kcat -L); leader -1 when
  // kcat fails or the partition is unknown.
  PartitionState Partition(const std::string& topic, int partition = 0) const;

  // The node id of the broker that coordinates consumer group `group` (kafka-consumer-groups
  // --describe --state); an error when the tool fails or names none.
  Result<int> GroupCoordinator(const std::string& group) const;

  // Runs `scripts/kafka --dir <dir> args...` and returns its stdout; an error quoting its stderr
  // when it exits non-zero or runs past `timeout`.
  Result<std::string> RunScript(const std::vector<std::string>& args,
                                std::chrono::seconds timeout = std::chrono::seconds(120)) const;

 private:
  KafkaCluster() = default;

  // Reads cluster.env: bootstrap servers and broker ports.
  Status LoadState();
  Status CheckNode(int node) const;

  std::string dir_;
  std::string bootstrap_servers_;
  std::vector<int> broker_ports_;
};

}  // namespace walrelay::testing
