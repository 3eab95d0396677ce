#include "testing/patroni_cluster.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <thread>

#include "pg/connection.h"

#ifndef WALRELAY_SOURCE_DIR
#error "WALRELAY_SOURCE_DIR must name the source tree (CMakeLists.txt defines it)"
#endif

namespace walrelay::testing {
namespace {

constexpr int kClusterPorts = 17;
// Ports are searched below Linux's ephemeral range (32768-60999), from which client connections
// take their ports, from a block that differs per process, so that concurrent runs look in
// different places first.
constexpr int kFirstPort = 20000;
constexpr int kLastPort = 32700;

bool PortFree(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return bound;
}

// The first of kClusterPorts consecutive free ports between kFirstPort and kLastPort, or 0.
int FreePortBlock() {
  const int blocks = (kLastPort - kFirstPort) / kClusterPorts;
  for (int i = 0; i < blocks; ++i) {
    const int base = kFirstPort + ((static_cast<int>(::getpid()) + i) % blocks) * kClusterPorts;
    bool all = true;
    for (int p = base; p < base + kClusterPorts && all; ++p) all = PortFree(p);
    if (all) return base;
  }
  return 0;
}

}  // namespace

std::string ClusterConninfo(int port, const std::string& db) {
  return "host=127.0.0.1 port=" + std::to_string(port) + " dbname=" + db +
         " user=postgres password=postgres connect_timeout=3";
}

Result<std::string> ClusterSql(int port, const std::string& db, const std::string& sql,
                               int attempts) {
  Status last = FatalError("no attempt");
  for (int i = 0; i < attempts; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto c = pg::Connection::Connect(ClusterConninfo(port, db));
    if (!c.ok()) {
      last = c.status();
      continue;
    }
    auto r = c->Exec(sql);
    if (!r.ok()) {
      last = r.status();
      continue;
    }
    return r->rows() > 0 && r->columns() > 0 ? std::string(r->Get(0, 0)) : "";
  }
  return last.WithContext("on port " + std::to_string(port) + ": " + sql);
}

Result<std::unique_ptr<PatroniCluster>> PatroniCluster::Up() {
  std::unique_ptr<PatroniCluster> cluster(new PatroniCluster());
  cluster->base_ = FreePortBlock();
  if (cluster->base_ == 0) {
    return FatalError("no " + std::to_string(kClusterPorts) + " consecutive free ports in " +
                      std::to_string(kFirstPort) + "-" + std::to_string(kLastPort));
  }
  cluster->dir_ = "/tmp/walrelay-cluster-test-" + std::to_string(::getpid());
  // From here the destructor runs `down`, whatever fails.
  ProcessResult up = cluster->Run({"up"}, std::chrono::seconds(300));
  if (up.exit_code != 0) {
    return FatalError("scripts/cluster up exited with " + std::to_string(up.exit_code) + ":\n" +
                      up.out + up.err);
  }
  return cluster;
}

PatroniCluster::~PatroniCluster() {
  if (std::getenv("WALRELAY_KEEP_CLUSTER") != nullptr) return;
  ProcessResult down = Run({"down"});
  if (down.exit_code != 0) {
    std::fprintf(stderr, "PatroniCluster: down failed: %s%s\n", down.out.c_str(), down.err.c_str());
  }
}

std::vector<std::string> PatroniCluster::EnvArgv() const {
  auto three = [this](int first) {
    return std::to_string(base_ + first) + " " + std::to_string(base_ + first + 1) + " " +
           std::to_string(base_ + first + 2);
  };
  return {"/usr/bin/env",
          "WALRELAY_CLUSTER_DIR=" + dir_,
          "CLUSTER_PG_PORTS=" + three(1),
          "CLUSTER_REST_PORTS=" + three(4),
          "CLUSTER_ETCD_CLIENT_PORTS=" + three(7),
          "CLUSTER_ETCD_PEER_PORTS=" + three(10),
          "HAPROXY_LEADER_PORT=" + std::to_string(leader_port()),
          "HAPROXY_REPLICA_PORT=" + std::to_string(replica_port()),
          "HAPROXY_STATS_PORT=" + std::to_string(base_ + 15),
          "DESTINATION_PORT=" + std::to_string(destination_port())};
}

ProcessResult PatroniCluster::Run(const std::vector<std::string>& args,
                                  std::chrono::seconds timeout) const {
  std::vector<std::string> argv = EnvArgv();
  argv.push_back("/bin/bash");
  argv.push_back(std::string(WALRELAY_SOURCE_DIR) + "/scripts/cluster");
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = RunProcess(argv, timeout);
  if (!r.ok()) return ProcessResult{-1, "", r.status().ToString()};
  return *r;
}

std::string PatroniCluster::LogTails(int lines) const {
  auto r = RunProcess({"/bin/bash", "-c",
                       "for f in \"$0\"/log/*.log; do echo \"== $f\"; tail -n " +
                           std::to_string(lines) + " \"$f\"; done",
                       dir_},
                      std::chrono::seconds(30));
  return r.ok() ? r->out + r->err : r.status().ToString();
}

std::string PatroniCluster::NodeOfServerSql() const {
  return "SELECT 'patroni' || (inet_server_port() - " + std::to_string(base_) + ")";
}

}  // namespace walrelay::testing
