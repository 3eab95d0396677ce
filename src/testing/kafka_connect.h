#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace walrelay::testing {

// Path of scripts/connect: $WALRELAY_CONNECT_SCRIPT when set, else the one in this source tree.
std::string ConnectScript();

// KafkaConnectWorker is one real Apache Kafka Connect distributed worker with Debezium's
// PostgreSQL connector and JDBC sink, started for a test against a Kafka the test runs (usually a
// KafkaCluster): the peers walrelay is compared with. It lives in a fresh directory
// /tmp/walrelay-connect-XXXXXX and all launch logic is scripts/connect's (`--dir` that
// directory), so a worker a test leaves behind can be inspected and stopped with the same script;
// the directory holds worker.env (REST URL, pid) and the worker's log, connect.log.
//
// The jars are not fetched here (a first fetch downloads about 130 MiB): `scripts/connect fetch`
// does that once, and MissingPrerequisite() tells a test to skip until it has run.
//
// Cleanup: the destructor runs `scripts/connect down` (SIGKILL the worker, remove the
// directory). When the test process dies before that, the watchdog that `up --owner <this
// process>` started does it within a second or two, and scripts/cleanup-test-servers catches
// what a killed watchdog left.
//
// Not thread-safe: one thread drives it; the accessors may be read from any thread.
class KafkaConnectWorker {
 public:
  // "" when a worker can start here; otherwise why not, for GTEST_SKIP (java or curl missing, or
  // the jars not fetched: `scripts/connect check`).
  static std::string MissingPrerequisite();

  // Starts a worker of group `group` (its internal topics are `group`-configs, -offsets and
  // -status, one replica each) on `bootstrap_servers`, and waits until its REST API lists both
  // Debezium connectors and reports itself healthy. Fails with the script's error (which quotes
  // the worker's log) when it does not start.
  static Result<std::unique_ptr<KafkaConnectWorker>> Up(const std::string& bootstrap_servers,
                                                        const std::string& group);

  KafkaConnectWorker(const KafkaConnectWorker&) = delete;
  KafkaConnectWorker& operator=(const KafkaConnectWorker&) = delete;
  ~KafkaConnectWorker();

  // "http://127.0.0.1:PORT": the worker's REST API.
  const std::string& url() const { return url_; }
  const std::string& dir() const { return dir_; }
  // How long `scripts/connect up` took: JVM start, plugin discovery, joining the group.
  std::chrono::milliseconds start_time() const { return start_time_; }

  // Sends `signal` to the worker's JVM and waits up to `timeout` until it has exited: SIGTERM is
  // Kafka Connect's clean stop (tasks stopped, offsets committed, the group left), SIGKILL a
  // crash. The directory stays (logs, for the test's report) until the destructor's `down`.
  // Fails when the worker does not run or is still alive at the deadline.
  Status Stop(int signal, std::chrono::seconds timeout = std::chrono::seconds(60));

  // The last `bytes` of the worker's log (connect.log), for a failure message.
  std::string LogTail(size_t bytes = 8000) const;

  // Runs `scripts/connect --dir <dir> args...` and returns its stdout; an error quoting its
  // stderr when it exits non-zero or runs past `timeout`.
  Result<std::string> RunScript(const std::vector<std::string>& args,
                                std::chrono::seconds timeout = std::chrono::seconds(60)) const;

 private:
  KafkaConnectWorker() = default;

  std::string dir_;
  std::string url_;
  std::chrono::milliseconds start_time_{0};
};

}  // namespace walrelay::testing
