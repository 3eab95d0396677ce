#include "cli/dsn.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

#include "common/strings.h"
#include "pg/connection.h"

namespace walrelay::cli {
namespace {

constexpr const char* kKnownKeys =
    "Server, Host, Port, Database, User Id, Username, Password, Timeout, SSL Mode, "
    "Application Name, Target Session Attributes";

// Npgsql's default Timeout: without one libpq waits for the kernel's TCP timeout (minutes) when
// the address black-holes, e.g. while a failover moves a virtual IP.
constexpr const char* kDefaultConnectTimeout = "15";

// "User Id" and "userid" are the same Npgsql key.
std::string NormalizeKey(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c != ' ' && c != '\t') out.push_back(static_cast<char>(std::tolower(c)));
  }
  return out;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A ';' outside libpq's single-quoted values: libpq never separates with ';', ADO.NET always does.
bool HasUnquotedSemicolon(std::string_view s) {
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (quoted && s[i] == '\\') {
      ++i;
    } else if (s[i] == '\'') {
      quoted = !quoted;
    } else if (!quoted && s[i] == ';') {
      return true;
    }
  }
  return false;
}

// Whether libpq itself accepts `s` as a keyword/value conninfo; `error` gets libpq's reason if not.
bool ParsesAsLibpq(const std::string& s, std::string* error) {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(s.c_str(), &err);
  if (err != nullptr) {
    *error = std::string(Trim(err));
    PQfreemem(err);
  }
  if (options == nullptr) return false;
  PQconninfoFree(options);
  return true;
}

struct Part {
  std::string key;  // as written, for messages
  std::string value;
};

// Splits "k1=v1;k2 = 'v;2'" into parts the way DbConnectionStringBuilder does.
Result<std::vector<Part>> SplitAdoNet(std::string_view s) {
  std::vector<Part> parts;
  size_t i = 0;
  int index = 0;
  while (true) {
    while (i < s.size() && (s[i] == ';' || std::isspace(static_cast<unsigned char>(s[i])))) ++i;
    if (i >= s.size()) break;
    ++index;
    size_t eq = s.find_first_of("=;", i);
    if (eq == std::string_view::npos || s[eq] != '=') {
      // The text is not quoted back: it may be a piece of a password that held a ';'.
      return InvalidArgument("part " + std::to_string(index) +
                             " of the connection string is not Key=Value (quote a value that "
                             "holds ';' with \" or ')");
    }
    Part part{std::string(Trim(s.substr(i, eq - i))), {}};
    if (part.key.empty()) {
      return InvalidArgument("part " + std::to_string(index) +
                             " of the connection string has no key");
    }
    i = eq + 1;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      const char quote = s[i++];
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == quote) {
          if (i + 1 < s.size() && s[i + 1] == quote) {
            part.value.push_back(quote);
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        part.value.push_back(s[i++]);
      }
      if (!closed) return InvalidArgument("unterminated quote in the value of '" + part.key + "'");
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      if (i < s.size() && s[i] != ';') {
        return InvalidArgument("text after the quoted value of '" + part.key + "'");
      }
    } else {
      size_t end = s.find(';', i);
      if (end == std::string_view::npos) end = s.size();
      part.value = std::string(Trim(s.substr(i, end - i)));
      i = end;
    }
    parts.push_back(std::move(part));
  }
  return parts;
}

// The libpq parameters the ADO.NET keys map to; later keys win, as in ADO.NET.
struct AdoNetSettings {
  std::optional<std::string> host, port, dbname, user, password, connect_timeout, sslmode,
      application_name, target_session_attrs;
};

Status Apply(const Part& part, AdoNetSettings* out) {
  const std::string key = NormalizeKey(part.key);
  if (key == "server" || key == "host") {
    out->host = part.value;
  } else if (key == "port") {
    if (!AllDigits(part.value)) {
      return InvalidArgument("'" + part.key + "' must be a port number, got '" + part.value + "'");
    }
    out->port = part.value;
  } else if (key == "database" || key == "db") {
    out->dbname = part.value;
  } else if (key == "userid" || key == "username" || key == "user" || key == "uid") {
    out->user = part.value;
  } else if (key == "password" || key == "pwd" || key == "psw") {
    out->password = part.value;
  } else if (key == "timeout") {
    if (!AllDigits(part.value)) {
      return InvalidArgument("'" + part.key + "' must be whole seconds, got '" + part.value + "'");
    }
    out->connect_timeout = part.value;
  } else if (key == "sslmode") {
    std::string mode = ToLower(part.value);
    if (mode == "verifyca") mode = "verify-ca";
    if (mode == "verifyfull") mode = "verify-full";
    static constexpr const char* kModes[] = {"disable", "allow",     "prefer",
                                             "require", "verify-ca", "verify-full"};
    if (std::find(std::begin(kModes), std::end(kModes), mode) == std::end(kModes)) {
      return InvalidArgument("'" + part.key + "' is '" + part.value +
                             "'; allowed: Disable, Allow, Prefer, Require, VerifyCA, VerifyFull");
    }
    out->sslmode = mode;
  } else if (key == "applicationname") {
    out->application_name = part.value;
  } else if (key == "targetsessionattributes") {
    out->target_session_attrs = ToLower(part.value);
  } else if (key == "pooling" || key == "minpoolsize" || key == "minimumpoolsize" ||
             key == "maxpoolsize" || key == "maximumpoolsize" || key == "connectionidlelifetime" ||
             key == "connectionlifetime" || key == "includeerrordetail" ||
             key == "trustservercertificate") {
    // Client-side pool and driver settings: one connection per tool, nothing to configure.
  } else {
    return InvalidArgument("unknown connection string key '" + part.key +
                           "' (known: " + kKnownKeys + ")");
  }
  return Status::Ok();
}

// Npgsql allows "Host=h1:5433,h2"; libpq wants host=h1,h2 port=5433,<port>. An entry with more
// than one ':' is an IPv6 address and keeps its text.
void SplitHostPorts(AdoNetSettings* s) {
  if (!s->host) return;
  std::vector<std::string> hosts, ports;
  bool any_port = false;
  std::string_view list = *s->host;
  while (true) {
    size_t comma = list.find(',');
    std::string entry(Trim(list.substr(0, comma)));
    size_t colon = entry.find(':');
    if (colon != std::string::npos && entry.find(':', colon + 1) == std::string::npos &&
        AllDigits(std::string_view(entry).substr(colon + 1))) {
      ports.push_back(entry.substr(colon + 1));
      hosts.push_back(entry.substr(0, colon));
      any_port = true;
    } else {
      ports.push_back("");
      hosts.push_back(entry);
    }
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (!any_port) return;
  std::string host_list, port_list;
  for (size_t i = 0; i < hosts.size(); ++i) {
    if (i > 0) {
      host_list += ',';
      port_list += ',';
    }
    host_list += hosts[i];
    port_list += ports[i].empty() ? s->port.value_or("5432") : ports[i];
  }
  s->host = host_list;
  s->port = port_list;
}

}  // namespace

Result<std::string> ToConninfo(std::string_view dsn) {
  const std::string text(Trim(dsn));
  if (text.empty()) return InvalidArgument("empty connection string");
  if (text.rfind("postgres://", 0) == 0 || text.rfind("postgresql://", 0) == 0) return text;
  std::string libpq_error;
  if (!HasUnquotedSemicolon(text) && ParsesAsLibpq(text, &libpq_error)) return text;

  auto parts = SplitAdoNet(text);
  if (!parts.ok()) return parts.status();
  if (parts->empty()) return InvalidArgument("connection string has no Key=Value parts");
  AdoNetSettings settings;
  for (const Part& part : *parts) {
    Status s = Apply(part, &settings);
    if (!s.ok()) {
      // "hostx=a" was probably meant for libpq: say what libpq disliked as well.
      if (!libpq_error.empty() && !HasUnquotedSemicolon(text)) {
        return InvalidArgument(s.message() + "; as a libpq conninfo: " + libpq_error);
      }
      return s;
    }
  }
  SplitHostPorts(&settings);
  std::vector<std::pair<std::string, std::string>> params;
  auto add = [&params](const char* key, const std::optional<std::string>& value) {
    if (value) params.emplace_back(key, *value);
  };
  add("host", settings.host);
  add("port", settings.port);
  add("dbname", settings.dbname);
  add("user", settings.user);
  add("password", settings.password);
  add("connect_timeout", settings.connect_timeout.value_or(kDefaultConnectTimeout));
  add("sslmode", settings.sslmode);
  add("application_name", settings.application_name);
  add("target_session_attrs", settings.target_session_attrs);
  return pg::BuildConninfo(params);
}

Result<std::string> ResolveConninfo(std::string_view flag, const char* env) {
  std::string_view dsn = flag;
  const char* origin = "--dsn";
  if (Trim(flag).empty()) {
    if (env == nullptr || Trim(env).empty()) {
      return InvalidArgument("no database: give --dsn DSN or set CONNECTION_STRING");
    }
    dsn = env;
    origin = "CONNECTION_STRING";
  }
  auto conninfo = ToConninfo(dsn);
  if (!conninfo.ok()) return conninfo.status().WithContext(origin);
  return conninfo;
}

}  // namespace walrelay::cli
