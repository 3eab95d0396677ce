#include "pg/connection.h"

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

Result<Connection> Connection::Connect(const std::string& conninfo, bool replication) {
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
  PGconn* raw = PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1);
  if (raw == nullptr) return FatalError("cannot connect to PostgreSQL: libpq out of memory");
  Connection conn(raw);
  if (PQstatus(raw) != CONNECTION_OK) {
    const std::string msg = OneLine(PQerrorMessage(raw));
    return Status(ErrorKindForConnectFailure(msg),
                  "cannot connect to PostgreSQL (" + ConnectionLabel(raw) + "): " + msg);
  }
  return conn;
}

Result<PgResult> Connection::Exec(std::string_view sql) {
  const std::string text(sql);
  PgResult result(PQexec(conn_.get(), text.c_str()));
  WR_RETURN_IF_ERROR(StatusFromResult(conn_.get(), result.get(), "query failed"));
  return result;
}

Result<PgResult> Connection::ExecParams(std::string_view sql,
                                        const std::vector<std::optional<std::string>>& params) {
  const std::string text(sql);
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.has_value() ? p->c_str() : nullptr);
  PgResult result(PQexecParams(conn_.get(), text.c_str(), static_cast<int>(values.size()),
                               /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                               /*paramFormats=*/nullptr, /*resultFormat=*/0));
  WR_RETURN_IF_ERROR(StatusFromResult(conn_.get(), result.get(), "query failed"));
  return result;
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
