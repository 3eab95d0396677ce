#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "testing/process.h"

namespace walrelay::testing {

// PatroniCluster is the seed's HA source for a test: 3 etcd members, 3 Patroni nodes, HAProxy
// and a destination PostgreSQL, all through scripts/cluster (docs/cluster.md), on a block of free
// loopback ports and in a directory of its own (/tmp/walrelay-cluster-test-PID), so that neither a
// developer's cluster nor another run of a test is disturbed.
//
// Ports: the cluster's 16 ports are base + 1 to base + 16: PostgreSQL of node N (1-3) at
// base + N, so "inet_server_port() - base" names the node (NodeOfServerSql); then Patroni's REST
// ports, etcd's client and peer ports, HAProxy's leader, replica and stats ports, and the
// destination.
//
// Cleanup: the destructor runs `down` (unless WALRELAY_KEEP_CLUSTER is set), which SIGKILLs
// every process of the cluster and removes its directory. One thread drives it.
class PatroniCluster {
 public:
  // Picks the ports and runs `scripts/cluster up`; fails with its output when it fails.
  static Result<std::unique_ptr<PatroniCluster>> Up();

  PatroniCluster(const PatroniCluster&) = delete;
  PatroniCluster& operator=(const PatroniCluster&) = delete;
  ~PatroniCluster();

  // Runs `scripts/cluster args...` for this cluster (switchover, kill, start, failover-wait,
  // cut, ...): its exit code and output; exit code -1 and the reason in `err` when it could not
  // be run or ran past `timeout`.
  ProcessResult Run(const std::vector<std::string>& args,
                    std::chrono::seconds timeout = std::chrono::seconds(120)) const;

  // The last `lines` lines of every log of the cluster (etcd, Patroni, HAProxy, destination),
  // for a failed test's output: `down` removes them.
  std::string LogTails(int lines = 40) const;

  int leader_port() const { return base_ + 13; }       // HAProxy -> the leader
  int replica_port() const { return base_ + 14; }      // HAProxy -> the replicas
  int destination_port() const { return base_ + 16; }  // destination_db
  int node_pg_port(int node) const { return base_ + node; }
  // SQL naming the node ("patroniN") whose server runs it.
  std::string NodeOfServerSql() const;

 private:
  PatroniCluster() = default;
  // The environment scripts/cluster reads: directory and ports.
  std::vector<std::string> EnvArgv() const;

  int base_ = 0;
  std::string dir_;
};

// A libpq connection string for user postgres (password postgres) on 127.0.0.1:`port`, with a
// connect timeout of 3 s.
std::string ClusterConninfo(int port, const std::string& db);

// Runs `sql` on 127.0.0.1:`port` (HAProxy's leader port, a node, the destination) in `db`,
// trying again every 500 ms, up to `attempts` times, while connecting or running fails (as it
// does during a failover). The first column of the first row ("" when none), or the last error.
Result<std::string> ClusterSql(int port, const std::string& db, const std::string& sql,
                               int attempts = 60);

}  // namespace walrelay::testing
