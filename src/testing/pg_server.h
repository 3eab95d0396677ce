#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace walrelay::testing {

// Returns the path of a PostgreSQL client or server program (`initdb`, `psql`, `pg_recvlogical`,
// ...): /usr/lib/postgresql/15/bin first, then `pg_config --bindir`. Returns "" when neither has
// an executable of that name.
std::string FindBinary(std::string_view name);

// True when initdb, pg_ctl, postgres and psql can all be found.
bool PostgresBinariesAvailable();

// How PgServer::Start configures the server. Declared outside PgServer because GCC rejects a
// nested struct with member initializers as a default argument inside its enclosing class.
struct PgServerOptions {
  // Lines appended to postgresql.conf after walrelay's defaults, so they override them.
  std::vector<std::string> extra_conf;
  int max_wal_senders = 10;
  int max_replication_slots = 10;
};

// PgServer is a real PostgreSQL 15 started for one test (or one test suite) in a fresh temporary
// directory /tmp/walrelay-pg-XXXXXX, listening on 127.0.0.1 on a free port, with wal_level=logical
// and trust authentication for user `postgres` (including replication connections).
//
// Layout of the temporary directory:
//   data/          the cluster (PGDATA)
//   sock/          unix_socket_directories
//   server.log     the server's log (its last lines are quoted in start errors)
//   owner.pid      the pid of the test process that owns the server
//   postmaster.pid the pid of the last postmaster started, kept after it dies
// scripts/cleanup-test-servers uses the two pid files to kill servers leaked by test processes
// that were themselves killed (for example by a ctest timeout) before their destructor ran.
//
// When the test runs as root the directory is chowned to the `postgres` user and initdb, pg_ctl and
// the server run as that user, as PostgreSQL refuses to run as root.
//
// Lifecycle: Start() returns a running server; Stop/Restart/Kill change its state; the destructor
// stops it (immediate mode, then SIGKILL for anything left) and removes the directory. Not
// thread-safe: one thread drives the lifecycle. conninfo() and Psql() may be called from any
// thread while no lifecycle method runs.
class PgServer {
 public:
  using Options = PgServerOptions;

  // Initializes a cluster and starts it. Fails when the binaries are missing, initdb fails or the
  // server does not start (the error then quotes the end of the server log).
  static Result<std::unique_ptr<PgServer>> Start(Options options = {});

  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;
  ~PgServer();

  // libpq key=value connection string: "host=127.0.0.1 port=N user=postgres dbname=...".
  std::string conninfo(std::string_view dbname = "postgres") const;
  int port() const { return port_; }
  std::string data_dir() const { return root_dir_ + "/data"; }
  std::string log_file() const { return root_dir_ + "/server.log"; }
  bool running() const { return running_; }

  // Stops the server: `fast` disconnects clients and rolls back their transactions (pg_ctl -m
  // fast); otherwise waits for clients to disconnect (-m smart). Ok when already stopped.
  Status Stop(bool fast = true);
  // Stops the server if it runs (fast), then starts it again on the same port with the same data.
  // After Kill() this is a crash recovery.
  Status Restart();
  // SIGKILLs the postmaster and its children, as a crash of the database host would, and waits
  // until they are gone. Committed transactions survive (synchronous_commit stays on).
  Status Kill();

  // Runs `sql` with psql -X -A -t -q -v ON_ERROR_STOP=1 against `dbname` and returns its stdout
  // (rows on lines, columns separated by '|', trailing newlines removed). `sql` may hold several
  // statements and psql meta-commands. A failing statement returns an error quoting psql's stderr.
  Result<std::string> Psql(std::string_view sql, std::string_view dbname = "postgres") const;
  // CREATE DATABASE with `name` quoted as an identifier.
  Status CreateDatabase(std::string_view name);

 private:
  PgServer() = default;

  Status InitCluster(const Options& options);
  // Writes the port file and starts the postmaster; `retry_port` picks a new port when the first
  // one turns out to be taken.
  Status StartServer(bool retry_port);
  Status StartOnce(bool* port_taken);
  // SIGKILLs the postmaster recorded in postmaster.pid (if it is ours) and its children.
  void KillLeftovers();

  std::string root_dir_;
  std::string initdb_;
  std::string pg_ctl_;
  std::string psql_;
  // Set when running as root: the uid/gid of `postgres` that server programs switch to.
  bool switch_user_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  int port_ = 0;
  bool running_ = false;
  pid_t postmaster_pid_ = 0;
};

}  // namespace walrelay::testing
