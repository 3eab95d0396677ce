#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "testing/process.h"

namespace walrelay::testing {

// Test support for distributed mode: `walrelay worker` processes operated through their REST API
// with curl, as the seed's scripts do (tests/integration/distributed_test.cc and the failover
// tests of workers). Not thread-safe; one test thread drives them.

// The executable `name` on PATH (RunProcess wants a path), or "".
std::string Which(const std::string& name);
// The whole file, or "" when it cannot be read.
std::string ReadFile(const std::string& path);
// A free TCP port on 127.0.0.1 (free when asked; a test uses it at once).
int FreePort();

// One HTTP call with curl: status code (0 when curl failed) and body.
struct HttpResult {
  int status = 0;
  std::string body;
};
HttpResult Curl(const std::vector<std::string>& args);

// What every test worker's file holds: its Kafka, its group (also the prefix of its internal
// topics: <group>-configs, -offsets, -statuses), the JSON converters, offsets flushed every
// second, and `extra` lines ("key=value") after those.
struct WorkerSettings {
  std::string bootstrap_servers;
  std::string group;
  int replication_factor = 1;  // of the internal topics the worker creates
  std::vector<std::string> extra;
  // The status topic's name when not <group>-statuses (a Kafka Connect worker started by
  // scripts/connect names it <group>-status).
  std::string status_topic = "";
};

// A walrelay worker: its worker file, its REST port (chosen once, kept across restarts) and the
// process while it runs. The destructor SIGKILLs a running process (Process does).
struct WorkerProcess {
  int port = 0;
  std::string url;   // http://127.0.0.1:<port>
  std::string file;  // the worker file
  std::unique_ptr<Process> process;

  // "127.0.0.1:<port>": the worker id the REST API reports in statuses.
  std::string id() const { return "127.0.0.1:" + std::to_string(port); }
  bool Running() const { return process != nullptr && process->Running(); }
  // The last `bytes` of its own log lines on stderr, librdkafka's left out ("" when never started).
  std::string StderrTail(size_t bytes = 12000) const;
};

// Writes `file` from `settings` with a REST listener on a free port. Does not start the worker.
WorkerProcess ConfigureWorker(const std::string& file, const WorkerSettings& settings);

// Starts (or starts again) `walrelay worker <file>`, with freed memory filled with junk
// (MALLOC_CONF=junk:true, for jemalloc), and waits up to 20 s until its REST API answers. Fails
// when the process cannot be started; a worker that starts but does not answer is left running
// for the test's checks to report.
Status StartWorker(WorkerProcess& worker);

// The seed's connector file examples/seed/`file` for test servers: the converters removed (the
// workers' JSON converters apply), the source's host and port set to 127.0.0.1:`source_port`, the
// sink's connection.url to destination_db on 127.0.0.1:`destination_port` (user and password
// postgres).
nlohmann::json SeedConnector(const std::string& file, int source_port, int destination_port);

// POST /connectors/ with the connector file at `path`, as the seed's register script does. A
// cluster still forming answers 409 (a rebalance is in progress), as Kafka Connect does: an
// operator tries again, and so does this, for up to 30 s.
HttpResult Register(const WorkerProcess& worker, const std::string& path);

// GET /connectors?expand=status&expand=info, the seed's list; an empty object when it fails.
nlohmann::json List(const WorkerProcess& worker);

// Waits up to `seconds` until every connector and task of `names` is RUNNING, on the worker
// `on_worker` (an id()) when given, as `worker` reports it.
bool WaitRunning(const WorkerProcess& worker, const std::vector<std::string>& names,
                 const std::string& on_worker = "", int seconds = 90);

// Waits up to `seconds` until connector `name` and every task of it are RUNNING, as the Kafka
// Connect REST API at `url` (Kafka Connect's or walrelay's) reports `GET
// /connectors/{name}/status`. False at once when the connector or a task is FAILED, or at the
// deadline; `last` gets the last status body either way.
bool WaitConnectorRunning(const std::string& url, const std::string& name, std::string* last,
                          int seconds = 60);

// The id of the worker that runs task `task` of `connector`, as `worker` reports it; "" when none.
std::string WorkerOf(const WorkerProcess& worker, const std::string& connector, int task);

// Every message of `topic` as kcat prints it with `format` (one a line, empty lines dropped),
// from the beginning to the current end; read_committed skips aborted transactions.
std::vector<std::string> ConsumeTopic(const std::string& bootstrap_servers,
                                      const std::string& topic, const std::string& format,
                                      bool read_committed = false);

// The end-to-end exactly-once check's sink: `topic` (the seed source's debezium_table changes)
// appended to destination_db's table `history` (id, current_value) on 127.0.0.1:`destination_port`
// in insert mode with no key, so a change applied twice is a second row. Sessions of 6 s, so a
// dead task's partitions move soon. The table must exist (kHistoryTableSql).
nlohmann::json HistorySink(const std::string& name, const std::string& topic, int destination_port,
                           int tasks);
inline constexpr char kHistoryTableSql[] =
    "CREATE TABLE public.history (id int not null, current_value bigint not null)";

// What `history` holds: rows, distinct values, highest value.
struct HistoryCounts {
  int64_t rows = -1;
  int64_t distinct = -1;
  int64_t max = -1;
};
// Waits up to `seconds` until history's highest current_value is `want` (the source's last
// value), reading through `query` (SQL -> its one text value); returns the last counts read. The
// writer counts current_value up from 1 by one per transaction, so exactly once means
// rows == distinct == want.
HistoryCounts WaitHistory(const std::function<Result<std::string>(const std::string&)>& query,
                          int64_t want, int seconds = 180);

}  // namespace walrelay::testing
