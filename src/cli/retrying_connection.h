#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/stop.h"
#include "pg/connection.h"

namespace walrelay::cli {

// When a long-running tool should stop: a stop signal arrived (the StopSource from
// InstallStopHandlers) or its --duration is over. Read-only after construction.
class StopCondition {
 public:
  using Clock = std::chrono::steady_clock;

  StopCondition(const StopSource* signalled, std::optional<Clock::time_point> deadline)
      : signalled_(signalled), deadline_(deadline) {}

  bool Stopped() const;
  // Sleeps until `until`, returning early (at once) when stopped. Returns !Stopped().
  bool SleepUntil(Clock::time_point until) const;
  bool SleepFor(Clock::duration d) const { return SleepUntil(Clock::now() + d); }

 private:
  const StopSource* signalled_;
  std::optional<Clock::time_point> deadline_;
};

// The database connection of the writer and reader, which outlive the database going away
// (a restart, a Patroni failover behind HAProxy) as the seed's .NET apps did: while it is
// unreachable they try again every `retry_interval`, logging once when it goes away and once when
// it is back. One thread; owns its pg::Connection.
class RetryingConnection {
 public:
  RetryingConnection(std::string conninfo, std::string component, const StopCondition* stop,
                     std::chrono::seconds retry_interval = std::chrono::seconds(5));
  // libpq keeps a pointer to this object for server notices.
  RetryingConnection(const RetryingConnection&) = delete;
  RetryingConnection& operator=(const RetryingConnection&) = delete;

  // An open connection, connecting first when there is none. Blocks, retrying, while the server
  // is unreachable. Fails with kInvalidArgument when the server rejects the role, password or
  // database (retrying would not help), and with kRetry when the stop condition ends the wait.
  // The pointer stays valid until the next Lost().
  Result<pg::Connection*> Get();

  // Drops the connection after `error` (a kReconnect failure of a statement on it); the next Get()
  // reconnects.
  void Lost(const Status& error);

 private:
  // libpq's notice processor: server notices and warnings go to the log instead of raw stderr.
  static void OnNotice(void* self, const char* message);

  std::string conninfo_;
  std::string component_;
  const StopCondition* stop_;
  std::chrono::seconds retry_interval_;
  std::optional<pg::Connection> conn_;
  // Set from the first failure until the next successful connect; keeps the log to one line.
  std::optional<StopCondition::Clock::time_point> away_since_;
};

}  // namespace walrelay::cli
