#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::cli {

// Turns a connection string as the seed's .NET apps took it into a libpq conninfo.
//
// A libpq URI (postgres://, postgresql://) or keyword/value string ("host=h dbname=d") passes
// through unchanged. Anything else is read as the ADO.NET (Npgsql) form the seed's docker-compose
// passes in CONNECTION_STRING: "Server=h;Port=5000;Database=d;User Id=u;Password=p". Its keys are
// case-insensitive and spaces inside them do not matter; values may be quoted with " or ' (a
// doubled quote inside stands for one). Understood keys:
//   Server, Host                      -> host (a "h1:5433,h2" list becomes host and port lists)
//   Port                              -> port
//   Database, DB                      -> dbname
//   User Id, UserId, Username, User Name, User, Uid -> user
//   Password, Pwd, Psw                -> password
//   Timeout                           -> connect_timeout (Npgsql's default, 15 s, when absent)
//   SSL Mode                          -> sslmode (VerifyCA -> verify-ca, VerifyFull -> verify-full)
//   Application Name                  -> application_name
//   Target Session Attributes         -> target_session_attrs
// Npgsql's pool settings (Pooling, Minimum/Maximum Pool Size, Connection Idle Lifetime,
// Connection Lifetime), Include Error Detail and Trust Server Certificate have no libpq meaning
// and are ignored.
//
// Fails with kInvalidArgument for an empty string, a part that is not Key=Value, an unterminated
// quote or an unknown key; the message names the offending key or part.
Result<std::string> ToConninfo(std::string_view dsn);

// The DSN the writer and reader use: `flag` (--dsn) when given, else `env` (the value of
// CONNECTION_STRING, nullptr when unset), converted with ToConninfo. kInvalidArgument when both
// are missing or empty, or when the chosen string does not convert (the message then says which
// of the two it came from).
Result<std::string> ResolveConninfo(std::string_view flag, const char* env);

}  // namespace walrelay::cli
