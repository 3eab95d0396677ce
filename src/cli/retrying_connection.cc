#include "cli/retrying_connection.h"

#include <libpq-fe.h>

#include <algorithm>
#include <string_view>
#include <utility>

#include "common/log.h"

namespace walrelay::cli {

bool StopCondition::Stopped() const {
  return signalled_->stop_requested() || (deadline_ && Clock::now() >= *deadline_);
}

bool StopCondition::SleepUntil(Clock::time_point until) const {
  if (deadline_) until = std::min(until, *deadline_);
  signalled_->WaitUntil(until);
  return !Stopped();
}

RetryingConnection::RetryingConnection(std::string conninfo, std::string component,
                                       const StopCondition* stop,
                                       std::chrono::seconds retry_interval)
    : conninfo_(std::move(conninfo)),
      component_(std::move(component)),
      stop_(stop),
      retry_interval_(retry_interval) {}

Result<pg::Connection*> RetryingConnection::Get() {
  while (!conn_) {
    if (stop_->Stopped()) return RetryError("stopped while waiting for the database");
    auto c = pg::Connection::Connect(conninfo_);
    if (c.ok()) {
      conn_.emplace(std::move(c).value());
      PQsetNoticeProcessor(conn_->get(), &RetryingConnection::OnNotice, this);
      if (away_since_) {
        auto secs = std::chrono::duration_cast<std::chrono::seconds>(StopCondition::Clock::now() -
                                                                     *away_since_);
        LogInfo(component_,
                "connected to the database again after " + std::to_string(secs.count()) + " s");
        away_since_.reset();
      }
      break;
    }
    if (c.status().kind() != ErrorKind::kReconnect) return c.status();
    if (!away_since_) {
      LogWarn(component_, "database unavailable: " + c.status().message() + "; retrying every " +
                              std::to_string(retry_interval_.count()) + " s");
      away_since_ = StopCondition::Clock::now();
    }
    stop_->SleepFor(retry_interval_);
  }
  return &*conn_;
}

void RetryingConnection::OnNotice(void* self, const char* message) {
  std::string_view text(message);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  // "WARNING:  canceling the wait for synchronous replication ..." matters (the last COMMIT's
  // fate is in doubt); "NOTICE:  relation exists, skipping" from a --query in a loop does not.
  const bool serious = text.rfind("WARNING:", 0) == 0 || text.rfind("ERROR:", 0) == 0 ||
                       text.rfind("FATAL:", 0) == 0 || text.rfind("PANIC:", 0) == 0;
  const std::string& component = static_cast<RetryingConnection*>(self)->component_;
  Log(serious ? LogLevel::kWarn : LogLevel::kDebug, component, "server: " + std::string(text));
}

void RetryingConnection::Lost(const Status& error) {
  conn_.reset();
  if (away_since_) return;
  LogWarn(component_, "lost the database connection: " + error.message() +
                          "; reconnecting, every " + std::to_string(retry_interval_.count()) +
                          " s while it is away");
  away_since_ = StopCondition::Clock::now();
}

}  // namespace walrelay::cli
