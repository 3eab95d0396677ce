#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/stop.h"

namespace walrelay::pg {

// Owns a PGresult*. Text-format accessors; row/column indexes are 0-based.
class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : r_(r, &PQclear) {}
  PGresult* get() const { return r_.get(); }
  int rows() const { return r_ ? PQntuples(r_.get()) : 0; }
  int columns() const { return r_ ? PQnfields(r_.get()) : 0; }
  bool IsNull(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string_view Get(int row, int col) const {
    return {PQgetvalue(r_.get(), row, col), static_cast<size_t>(PQgetlength(r_.get(), row, col))};
  }
  std::optional<std::string> GetOptional(int row, int col) const {
    if (IsNull(row, col)) return std::nullopt;
    return std::string(Get(row, col));
  }
  int ColumnIndex(const char* name) const { return PQfnumber(r_.get(), name); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> r_{nullptr, &PQclear};
};

// Maps a failed libpq result or connection state to a Status whose kind says what to do:
// connection failures, admin shutdowns and WAL the walsender could not read (see
// IsMissingWalRecord) -> kReconnect, serialization failure, deadlock and
// too-many-connections -> kRetry, undefined object/table -> kNotFound, data/constraint errors ->
// kDataError, rejected credentials/database -> kInvalidArgument; a dead connection without a
// more specific SQLSTATE -> kReconnect; anything else -> kFatal. Ok for a successful result.
// The message is "<what>: <primary message> (<detail>) [SQLSTATE xxxxx]".
Status StatusFromResult(PGconn* conn, const PGresult* result, std::string_view what);

// The pure parts of the mapping above, exposed for tests. kFatal when the SQLSTATE says nothing
// a caller could act on (syntax errors, permission errors, internal errors).
ErrorKind ErrorKindForSqlState(std::string_view sqlstate);
// ErrorKindForSqlState refined by the server's primary message where a SQLSTATE is too coarse:
// XX000 (internal_error) "could not find record ..." (IsMissingWalRecord) is kReconnect.
ErrorKind ErrorKindForServerError(std::string_view sqlstate, std::string_view primary_message);
// XX000 "could not find record while sending logically-decoded data: <why>": the walsender could
// not read the next WAL record the slot needs (a torn or missing record: "missing contrecord",
// "invalid record length", "unexpected pageaddr", ...). Right after a failover or crash the
// position can lie in WAL the server is still settling, and a new stream can get past it; when
// the WAL there is damaged or on another timeline, every stream fails the same way.
bool IsMissingWalRecord(std::string_view sqlstate, std::string_view primary_message);
// Classifies a failed connection attempt from libpq's message text (PQconnectdb exposes no
// SQLSTATE): kInvalidArgument when the server rejected the role, password or database or the
// conninfo is malformed, kReconnect otherwise (unreachable, starting up, shutting down).
ErrorKind ErrorKindForConnectFailure(std::string_view libpq_message);

// How a connection's waits react to a stop request. Without a StopSource they block as libpq's
// own calls do.
struct Interrupt {
  const StopSource* stop = nullptr;
  // How long a statement already running may go on after the stop request before it is
  // cancelled (PQcancel): a sink lets a nearly finished batch commit; a source cancels at once.
  std::chrono::milliseconds grace{0};
};

// Owns a PGconn*. One thread at a time. Created by Connect; closed by the destructor.
//
// Every wait for the server (connecting, Exec, ExecParams, AwaitResult) watches the Interrupt's
// StopSource: a connection attempt is abandoned at once, a running statement is cancelled after
// the grace period, and the call fails with kStopped.
class Connection {
 public:
  // Connects with a libpq conninfo string. `replication` adds replication=database.
  // Fails with kReconnect for unreachable servers (also when connect_timeout, default 10 s,
  // expires) and kInvalidArgument for auth failures (wrong password, unknown role or database),
  // naming host, port and database; kStopped when the stop request comes first.
  static Result<Connection> Connect(const std::string& conninfo, bool replication = false,
                                    Interrupt interrupt = {});

  Connection(Connection&&) = default;
  Connection& operator=(Connection&&) = default;

  // Runs SQL (simple query protocol; may hold several statements). Returns the last result; a
  // COPY result counts as success (the caller then drives the copy).
  Result<PgResult> Exec(std::string_view sql);
  // Runs one statement with text parameters (nullopt = NULL).
  Result<PgResult> ExecParams(std::string_view sql,
                              const std::vector<std::optional<std::string>>& params);

  // Waits until PQgetResult will not block: input arrived, or the connection broke (PQgetResult
  // then reports it). For callers driving libpq's asynchronous calls themselves (the sink's
  // pipeline). After the stop request and its grace, cancels the running statement once; the
  // server then answers with an error (SQLSTATE 57014) and cancel_sent() is true. Fails with
  // kStopped only when the server does not answer within a second of the cancel: the connection
  // is then unusable.
  Status AwaitResult();
  // Collects the results of a query sent with PQsendQuery* (waiting as AwaitResult does): the
  // last one, or the first error (as PQexec does), stopping at a COPY result. Failures are
  // StatusFromResult's, prefixed by `what`; a statement cancelled by the stop request fails with
  // kStopped.
  Result<PgResult> Collect(std::string_view what = "query failed");
  // Whether this connection cancelled a statement because of a stop request.
  bool cancel_sent() const { return cancel_sent_; }

  PGconn* get() const { return conn_.get(); }
  bool IsOk() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }
  // Server version as PQserverVersion reports (e.g. 150018).
  int ServerVersion() const { return PQserverVersion(conn_.get()); }

 private:
  Connection(PGconn* c, Interrupt interrupt) : conn_(c, &PQfinish), interrupt_(interrupt) {}
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
  Interrupt interrupt_;
  bool cancel_sent_ = false;
};

// Builds a conninfo string from key/value pairs, quoting values as libpq requires.
std::string BuildConninfo(const std::vector<std::pair<std::string, std::string>>& params);
// Quotes an identifier ("a""b") and a literal ('it''s') for SQL text.
std::string QuoteIdent(std::string_view ident);
std::string QuoteLiteral(std::string_view literal);

}  // namespace walrelay::pg
