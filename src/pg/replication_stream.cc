#include "pg/replication_stream.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>

namespace walrelay::pg {
namespace {

using Clock = std::chrono::steady_clock;

// How long to wait for the server to finish after the COPY stream ends.
constexpr std::chrono::milliseconds kDrainTimeout(10000);

// The walsender's command grammar (repl_scanner.l) knows only '...' with '' for a quote: no E''
// strings and no backslash escapes, so QuoteLiteral's E'' form would not parse there.
std::string ReplicationLiteral(std::string_view value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

std::string ConnError(PGconn* conn) {
  std::string msg = PQerrorMessage(conn);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  for (char& c : msg) {
    if (c == '\n') c = ' ';
  }
  return msg.empty() ? "connection lost" : msg;
}

int64_t NowPgMicros() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return UnixMicrosToPgMicros(std::chrono::duration_cast<std::chrono::microseconds>(now).count());
}

}  // namespace

Result<ReplicationStream> ReplicationStream::Open(const std::string& conninfo,
                                                  Interrupt interrupt) {
  WR_ASSIGN_OR_RETURN(Connection conn,
                      Connection::Connect(conninfo, /*replication=*/true, interrupt));
  return ReplicationStream(std::move(conn), interrupt.stop);
}

Result<PgResult> ReplicationStream::Command(std::string_view sql) {
  if (streaming_) {
    return FatalError("replication command issued while streaming: " + std::string(sql));
  }
  auto result = conn_.Exec(sql);
  if (!result.ok()) {
    return result.status().WithContext(std::string(sql.substr(0, sql.find(' '))));
  }
  return result;
}

Status ReplicationStream::Start(
    const std::string& slot, Lsn start,
    const std::vector<std::pair<std::string, std::string>>& plugin_options) {
  if (streaming_) return FatalError("START_REPLICATION issued while already streaming");
  std::string sql = "START_REPLICATION SLOT " + QuoteIdent(slot) + " LOGICAL " + start.ToString();
  if (!plugin_options.empty()) {
    sql += " (";
    for (size_t i = 0; i < plugin_options.size(); ++i) {
      if (i > 0) sql += ", ";
      sql +=
          QuoteIdent(plugin_options[i].first) + " " + ReplicationLiteral(plugin_options[i].second);
    }
    sql += ")";
  }
  PgResult result(PQexec(conn_.get(), sql.c_str()));
  WR_RETURN_IF_ERROR(StatusFromResult(conn_.get(), result.get(), "START_REPLICATION"));
  if (PQresultStatus(result.get()) != PGRES_COPY_BOTH) {
    return FatalError(std::string("START_REPLICATION: expected COPY BOTH, server answered ") +
                      PQresStatus(PQresultStatus(result.get())));
  }
  streaming_ = true;
  return Status::Ok();
}

Result<bool> ReplicationStream::WaitReadable(Clock::time_point deadline) {
  const int fd = PQsocket(conn_.get());
  if (fd < 0) {
    return ReconnectError("replication connection has no socket: " + ConnError(conn_.get()));
  }
  while (true) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
    // While streaming, a stop request ends the wait as a timeout would: the caller returns what it
    // has and the runtime stops. Not while the stream is being ended (DrainResults).
    const bool watch_stop = stop_ != nullptr && streaming_;
    if (watch_stop && stop_->stop_requested()) return false;
    pollfd p[2] = {{fd, POLLIN, 0}, {watch_stop ? stop_->fd() : -1, POLLIN, 0}};
    const int wait_ms =
        static_cast<int>(std::clamp<int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
    const int rc = ::poll(p, 2, wait_ms);
    if (rc < 0) {
      if (errno == EINTR) continue;
      return ReconnectError(std::string("poll on replication socket failed: ") +
                            std::strerror(errno));
    }
    if (rc == 0 || p[0].revents == 0) return false;
    if (PQconsumeInput(conn_.get()) == 0) {
      return ReconnectError("replication connection lost: " + ConnError(conn_.get()));
    }
    return true;
  }
}

// After the COPY stream ends, from either side, libpq hands back results that say how it ended.
// COPY_IN means the server sent CopyDone first and wants ours; COPY_OUT means we sent ours first
// and the server may still send data (discarded: the caller asked to stop) before its CopyDone.
Status ReplicationStream::DrainResults(std::string_view what, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Status first_error;
  auto timed_out = [&]() {
    return first_error.ok()
               ? ReconnectError(std::string(what) + ": timed out waiting for the server")
               : first_error;
  };
  while (true) {
    if (PQisBusy(conn_.get())) {
      auto ready = WaitReadable(deadline);
      if (!ready.ok()) return first_error.ok() ? ready.status() : first_error;
      if (!*ready) return timed_out();
      continue;
    }
    PgResult result(PQgetResult(conn_.get()));
    if (result.get() == nullptr) return first_error;
    switch (PQresultStatus(result.get())) {
      case PGRES_COPY_IN:
        if (PQputCopyEnd(conn_.get(), nullptr) != 1 || PQflush(conn_.get()) != 0) {
          return first_error.ok()
                     ? ReconnectError(std::string(what) + ": " + ConnError(conn_.get()))
                     : first_error;
        }
        break;
      case PGRES_COPY_OUT:
      case PGRES_COPY_BOTH: {
        while (true) {
          char* raw = nullptr;
          const int n = PQgetCopyData(conn_.get(), &raw, /*async=*/1);
          if (raw != nullptr) PQfreemem(raw);
          if (n > 0) continue;
          if (n == -1) break;
          if (n == -2) {
            return first_error.ok()
                       ? ReconnectError(std::string(what) + ": " + ConnError(conn_.get()))
                       : first_error;
          }
          auto ready = WaitReadable(deadline);
          if (!ready.ok()) return first_error.ok() ? ready.status() : first_error;
          if (!*ready) return timed_out();
        }
        break;
      }
      default: {
        Status s = StatusFromResult(conn_.get(), result.get(), what);
        if (first_error.ok()) first_error = s;
        break;
      }
    }
  }
}

Result<std::optional<CopyMessage>> ReplicationStream::Read(std::chrono::milliseconds timeout) {
  if (!streaming_) return FatalError("replication Read called before Start");
  buffer_.reset();  // the previous payload is no longer needed, as documented
  std::optional<Clock::time_point> deadline;  // read from the clock only if there is a wait
  while (true) {
    char* raw = nullptr;
    const int n = PQgetCopyData(conn_.get(), &raw, /*async=*/1);
    if (n > 0) {
      buffer_.reset(raw);
      WR_ASSIGN_OR_RETURN(CopyMessage msg, ParseCopyData(std::string_view(raw, n)));
      return std::optional<CopyMessage>(msg);
    }
    if (raw != nullptr) PQfreemem(raw);
    if (n == 0) {
      if (!deadline) deadline = Clock::now() + timeout;
      WR_ASSIGN_OR_RETURN(bool ready, WaitReadable(*deadline));
      if (!ready) return std::optional<CopyMessage>();
      continue;
    }
    streaming_ = false;
    if (n == -2) return ReconnectError("replication stream failed: " + ConnError(conn_.get()));
    // n == -1: the server ended the stream. Its error, if any, says why (a dropped publication,
    // an admin shutdown); otherwise it is a clean end we did not ask for (shutdown, failover).
    WR_RETURN_IF_ERROR(DrainResults("replication stream", kDrainTimeout));
    return ReconnectError("replication stream: server ended streaming");
  }
}

Status ReplicationStream::SendStatus(Lsn written, Lsn flushed, Lsn applied, bool reply_requested) {
  if (!streaming_) return FatalError("standby status update sent before Start");
  const std::string msg =
      BuildStandbyStatus(written, flushed, applied, NowPgMicros(), reply_requested);
  if (PQputCopyData(conn_.get(), msg.data(), static_cast<int>(msg.size())) != 1 ||
      PQflush(conn_.get()) != 0) {
    return ReconnectError("sending standby status update: " + ConnError(conn_.get()));
  }
  return Status::Ok();
}

Status ReplicationStream::Stop(std::chrono::milliseconds timeout) {
  if (!streaming_) return Status::Ok();
  buffer_.reset();
  streaming_ = false;
  if (PQputCopyEnd(conn_.get(), nullptr) != 1 || PQflush(conn_.get()) != 0) {
    return ReconnectError("ending replication stream: " + ConnError(conn_.get()));
  }
  return DrainResults("stopping replication", timeout);
}

std::string PublicationNamesOption(const std::vector<std::string>& publications) {
  std::string out;
  for (const auto& p : publications) {
    if (!out.empty()) out.push_back(',');
    out += QuoteIdent(p);
  }
  return out;
}

}  // namespace walrelay::pg
