#include "pg/connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace walrelay::pg {
namespace {

// libpq messages end with a newline and may span lines ("connection to server ... failed: FATAL:
// ..."); one line reads better in logs and Status messages.
std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool Contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

std::string ConnectionLabel(PGconn* conn) {
  auto field = [](const char* v) { return std::string(v != nullptr && *v != '\0' ? v : "?"); };
  return "host " + field(PQhost(conn)) + " port " + field(PQport(conn)) + " database " +
         field(PQdb(conn));
}

using SteadyClock = std::chrono::steady_clock;

// Milliseconds from now to `deadline` for poll(): 0 when past, -1 (forever) for no deadline.
int PollTimeout(std::optional<SteadyClock::time_point> deadline) {
  if (!deadline) return -1;
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - SteadyClock::now());
  return static_cast<int>(std::clamp<int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
}

// The connect_timeout libpq would apply (PQconnectPoll leaves enforcing it to its caller), with
// libpq's rule that a value under 2 s means 2 s; nullopt for no timeout.
std::optional<std::chrono::seconds> ConnectTimeout(PGconn* conn) {
  std::optional<std::chrono::seconds> out;
  PQconninfoOption* opts = PQconninfo(conn);
  if (opts == nullptr) return out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) != "connect_timeout" || o->val == nullptr) continue;
    const long secs = std::strtol(o->val, nullptr, 10);
    if (secs > 0) out = std::chrono::seconds(std::max(secs, 2L));
  }
  PQconninfoFree(opts);
  return out;
}

}  // namespace

ErrorKind ErrorKindForSqlState(std::string_view s) {
  if (s.size() != 5) return ErrorKind::kFatal;
  const std::string_view cls = s.substr(0, 2);
  // 25006 (read_only_sql_transaction): the node was demoted under us; the leader is elsewhere.
  if (cls == "08" || s == "57P01" || s == "57P02" || s == "57P03" || s == "25006") {
    return ErrorKind::kReconnect;
  }
  // 55006 (object_in_use): e.g. a replication slot still held by a walsender that is going away.
  if (s == "40001" || s == "40P01" || s == "53300" || s == "55006") return ErrorKind::kRetry;
  // 42704 (undefined_object) also covers a missing replication slot or publication.
  if (s == "42P01" || s == "42704" || s == "42883") return ErrorKind::kNotFound;
  if (cls == "23" || cls == "22") return ErrorKind::kDataError;
  if (cls == "28" || s == "3D000") return ErrorKind::kInvalidArgument;
  return ErrorKind::kFatal;
}

bool IsMissingWalRecord(std::string_view sqlstate, std::string_view primary_message) {
  // walsender.c: "could not find record while sending logically-decoded data: <reader error>";
  // logicalfuncs.c (the SQL functions): "could not find record for logical decoding: ...".
  return sqlstate == "XX000" && primary_message.substr(0, 22) == "could not find record ";
}

ErrorKind ErrorKindForServerError(std::string_view sqlstate, std::string_view primary_message) {
  if (IsMissingWalRecord(sqlstate, primary_message)) return ErrorKind::kReconnect;
  return ErrorKindForSqlState(sqlstate);
}

ErrorKind ErrorKindForConnectFailure(std::string_view m) {
  static constexpr std::string_view kRejected[] = {
      // The server refused who we are or where we want to go: retrying cannot help.
      "password authentication failed",
      "authentication failed",  // peer, ident, ldap, radius, cert
      "does not exist",         // role or database
      "no pg_hba.conf entry",
      "no password supplied",
      "is not permitted to log in",
      "must be superuser or replication role",
      "permission denied for database",
      // libpq could not parse the conninfo.
      "invalid connection option",
      "missing \"=\" after",
      "unterminated quoted string",
      "invalid URI",
      "invalid integer value",
      "invalid port number",
      "invalid sslmode value",
      "invalid value for parameter",
  };
  for (std::string_view r : kRejected) {
    if (Contains(m, r)) return ErrorKind::kInvalidArgument;
  }
  return ErrorKind::kReconnect;
}

Status StatusFromResult(PGconn* conn, const PGresult* result, std::string_view what) {
  const std::string prefix(what);
  const bool conn_lost = conn == nullptr || PQstatus(conn) == CONNECTION_BAD;
  if (result == nullptr) {
    // PQexec returns no result only when it could not even send the query (or ran out of memory).
    std::string msg = conn != nullptr ? OneLine(PQerrorMessage(conn)) : "no connection";
    if (msg.empty()) msg = "no result from server";
    return conn_lost ? ReconnectError(prefix + ": " + msg) : FatalError(prefix + ": " + msg);
  }
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_OUT:
    case PGRES_COPY_IN:
    case PGRES_COPY_BOTH:
      return Status::Ok();
    default:
      break;
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const char* primary = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  std::string text = primary != nullptr ? OneLine(primary) : OneLine(PQresultErrorMessage(result));
  if (text.empty() && conn != nullptr) text = OneLine(PQerrorMessage(conn));
  if (text.empty()) text = PQresStatus(PQresultStatus(result));
  if (const char* detail = PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL); detail != nullptr) {
    text += " (" + OneLine(detail) + ")";
  }
  ErrorKind kind = ErrorKind::kFatal;
  if (sqlstate != nullptr) {
    text += " [SQLSTATE " + std::string(sqlstate) + "]";
    kind = ErrorKindForServerError(sqlstate, primary != nullptr ? primary : "");
  }
  // Errors libpq makes up itself (connection closed mid-query) carry no SQLSTATE; a dead
  // connection means reconnect whatever else the result says, unless the server told us
  // something more specific above.
  if (kind == ErrorKind::kFatal && conn_lost) kind = ErrorKind::kReconnect;
  return Status(kind, prefix + ": " + text);
}

Result<Connection> Connection::Connect(const std::string& conninfo, bool replication,
                                       Interrupt interrupt) {
  // Entries before "dbname" are defaults the conninfo may override; entries after it override the
  // conninfo (libpq processes the arrays in order, expanding dbname in place).
  std::vector<const char*> keys = {"fallback_application_name", "connect_timeout", "dbname"};
  std::vector<const char*> values = {"walrelay", "10", conninfo.c_str()};
  if (replication) {
    keys.push_back("replication");
    values.push_back("database");
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // libpq's asynchronous connect, so the wait for the server can watch the stop request too.
  PGconn* raw = PQconnectStartParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return FatalError("cannot connect to PostgreSQL: libpq out of memory");
  Connection conn(raw, interrupt);
  auto failed = [&](const std::string& why) {
    return Status(ErrorKindForConnectFailure(why),
                  "cannot connect to PostgreSQL (" + ConnectionLabel(raw) + "): " + why);
  };
  if (PQstatus(raw) == CONNECTION_BAD) return failed(OneLine(PQerrorMessage(raw)));
  const auto timeout = ConnectTimeout(raw);
  const StopSource* stop = interrupt.stop;
  int socket = -1;
  std::optional<SteadyClock::time_point> deadline;
  PostgresPollingStatusType polling = PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK) {
    if (polling == PGRES_POLLING_FAILED) return failed(OneLine(PQerrorMessage(raw)));
    // libpq moves on to the next host or address with a new socket; each gets connect_timeout.
    if (PQsocket(raw) != socket) {
      socket = PQsocket(raw);
      if (timeout) deadline = SteadyClock::now() + *timeout;
    }
    if (socket < 0) return failed(OneLine(PQerrorMessage(raw)));
    pollfd fds[2] = {
        {socket, static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0},
        {stop != nullptr ? stop->fd() : -1, POLLIN, 0}};
    int wait_ms = PollTimeout(deadline);
    if (stop != nullptr && stop->fd() < 0) wait_ms = wait_ms < 0 ? 50 : std::min(wait_ms, 50);
    const int rc = ::poll(fds, 2, wait_ms);
    if (rc < 0 && errno != EINTR) return failed(std::string("poll failed: ") + strerror(errno));
    if (stop != nullptr && stop->stop_requested()) {
      return StoppedError("stop requested while connecting to PostgreSQL (" + ConnectionLabel(raw) +
                          ")");
    }
    if (rc == 0 && deadline && SteadyClock::now() >= *deadline) {
      return ReconnectError("cannot connect to PostgreSQL (" + ConnectionLabel(raw) +
                            "): timeout expired after " + std::to_string(timeout->count()) + " s");
    }
    if (rc > 0 && fds[0].revents != 0) polling = PQconnectPoll(raw);
  }
  return conn;
}

Status Connection::AwaitResult() {
  PGconn* c = conn_.get();
  const StopSource* stop = interrupt_.stop;
  std::optional<SteadyClock::time_point> cancel_deadline;
  while (PQisBusy(c)) {
    const int socket = PQsocket(c);
    if (socket < 0) return Status::Ok();  // broken: PQgetResult reports it without blocking
    const bool stopping = stop != nullptr && stop->stop_requested();
    if (stopping && !cancel_sent_ && stop->StoppedFor() >= interrupt_.grace) {
      // Ask the server to cancel the statement; it answers with an error result (57014).
      char error[256] = {0};
      PGcancel* cancel = PQgetCancel(c);
      if (cancel != nullptr) {
        (void)PQcancel(cancel, error, sizeof error);
        PQfreeCancel(cancel);
      }
      cancel_sent_ = true;
    }
    if (cancel_sent_ && !cancel_deadline) {
      cancel_deadline = SteadyClock::now() + std::chrono::seconds(1);
    }
    int wait_ms = -1;
    pollfd fds[2] = {{socket, POLLIN, 0}, {-1, POLLIN, 0}};
    if (cancel_deadline) {
      wait_ms = PollTimeout(cancel_deadline);
      if (wait_ms == 0) {
        return StoppedError("stop requested: the server did not answer the cancel request (" +
                            ConnectionLabel(c) + ")");
      }
    } else if (stopping) {
      // The grace period runs: wait for the server only until it ends.
      const auto left = interrupt_.grace - stop->StoppedFor();
      wait_ms = static_cast<int>(
          std::max<int64_t>(1, std::chrono::ceil<std::chrono::milliseconds>(left).count()));
    } else if (stop != nullptr) {
      fds[1].fd = stop->fd();
      if (fds[1].fd < 0) wait_ms = 50;
    }
    const int rc = ::poll(fds, 2, wait_ms);
    if (rc < 0 && errno != EINTR) return Status::Ok();  // PQgetResult reports the broken socket
    if (rc > 0 && fds[0].revents != 0 && PQconsumeInput(c) == 0) return Status::Ok();
  }
  return Status::Ok();
}

Result<PgResult> Connection::Collect(std::string_view what) {
  PGconn* c = conn_.get();
  PgResult kept;
  for (;;) {
    WR_RETURN_IF_ERROR(AwaitResult());
    PgResult r(PQgetResult(c));
    if (r.get() == nullptr) break;
    const ExecStatusType st = PQresultStatus(r.get());
    const bool error = st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE;
    // As PQexec: the last result, unless an earlier one was an error.
    if (!kept.get() || PQresultStatus(kept.get()) != PGRES_FATAL_ERROR || error) {
      kept = std::move(r);
    }
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) break;
    if (PQstatus(c) == CONNECTION_BAD) break;
  }
  Status s = StatusFromResult(c, kept.get(), what);
  if (!s.ok() && cancel_sent_) {
    return StoppedError("statement cancelled, stop requested (" + s.message() + ")");
  }
  WR_RETURN_IF_ERROR(s);
  return kept;
}

Result<PgResult> Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  if (PQsendQuery(conn_.get(), text.c_str()) != 1) {
    return StatusFromResult(conn_.get(), nullptr, "query failed");
  }
  return Collect();
}

Result<PgResult> Connection::ExecParams(std::string_view sql,
                                        const std::vector<std::optional<std::string>>& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.has_value() ? p->c_str() : nullptr);
  if (PQsendQueryParams(conn_.get(), text.c_str(), static_cast<int>(values.size()),
                        /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                        /*paramFormats=*/nullptr, /*resultFormat=*/0) != 1) {
    return StatusFromResult(conn_.get(), nullptr, "query failed");
  }
  return Collect();
}

std::string BuildConninfo(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    if (!out.empty()) out.push_back(' ');
    out += key;
    out += "='";
    for (char c : value) {
      if (c == '\'' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('\'');
  }
  return out;
}

std::string QuoteIdent(std::string_view ident) {
  std::string out = "\"";
  for (char c : ident) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string QuoteLiteral(std::string_view literal) {
  // With a backslash present, use E'' so the literal means the same whatever
  // standard_conforming_strings is set to (as PQescapeLiteral does).
  const bool has_backslash = literal.find('\\') != std::string_view::npos;
  std::string out = has_backslash ? "E'" : "'";
  for (char c : literal) {
    if (c == '\'' || (has_backslash && c == '\\')) out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

}  // namespace walrelay::pg
