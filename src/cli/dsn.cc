#include "cli/dsn.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "pg/connection.h"

namespace walrelay::cli {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string Trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string_view::npos ? std::string() : std::string(s.substr(b, e - b + 1));
}

}  // namespace

Result<std::string> ToConninfo(std::string_view dsn) {
  // The ADO.NET form is the only one with ';'-separated key=value pairs.
  if (dsn.find(';') == std::string_view::npos) {
    if (dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0 ||
        dsn.find('=') != std::string_view::npos) {
      return std::string(dsn);
    }
    if (Trim(dsn).empty()) return InvalidArgument("empty connection string");
  }
  std::vector<std::pair<std::string, std::string>> params;
  size_t pos = 0;
  while (pos <= dsn.size()) {
    size_t end = dsn.find(';', pos);
    if (end == std::string_view::npos) end = dsn.size();
    std::string item = Trim(dsn.substr(pos, end - pos));
    pos = end + 1;
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument("connection string part '" + item + "' is not Key=Value");
    }
    std::string key = Lower(Trim(item.substr(0, eq)));
    std::string value = Trim(item.substr(eq + 1));
    std::string libpq;
    if (key == "server" || key == "host") libpq = "host";
    else if (key == "port") libpq = "port";
    else if (key == "database" || key == "db") libpq = "dbname";
    else if (key == "user id" || key == "userid" || key == "username" || key == "user" || key == "uid") libpq = "user";
    else if (key == "password" || key == "pwd") libpq = "password";
    else if (key == "timeout") libpq = "connect_timeout";
    else if (key == "ssl mode" || key == "sslmode") libpq = "sslmode";
    else if (key == "pooling" || key == "include error detail") continue;  // no libpq meaning
    else return InvalidArgument("unknown connection string key '" + item.substr(0, eq) +
                                "' (known: Server, Host, Port, Database, User Id, Username, "
                                "Password, Timeout, SSL Mode)");
    if (libpq == "sslmode") value = Lower(value);
    params.emplace_back(libpq, value);
  }
  if (params.empty()) return InvalidArgument("empty connection string");
  return pg::BuildConninfo(params);
}

}  // namespace walrelay::cli
