#include "cli/writer_command.h"

#include <unistd.h>

#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <random>
#include <thread>

#include "cli/dsn.h"
#include "cli/signals.h"
#include "common/log.h"
#include "pg/connection.h"

namespace walrelay::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr const char* kCounterSql =
    "INSERT INTO public.debezium_table(id, current_value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET current_value = debezium_table.current_value + 1 "
    "RETURNING current_value";
constexpr const char* kOutboxSql =
    "INSERT INTO public.outbox(aggregatetype, aggregateid, type, payload) "
    "VALUES ('Person', $1, 'PersonCreated', $2::jsonb)";
constexpr const char* kFirstNames[] = {"Anna", "Boris", "Chloe", "Dmitri", "Elena", "Farid",
                                       "Greta", "Hugo", "Irina", "Jamal", "Kira", "Leon",
                                       "Maria", "Nikolai", "Olga", "Pavel"};
constexpr const char* kLastNames[] = {"Ivanova", "Smith", "Garcia", "Petrov", "Novak", "Kowalski",
                                      "Schmidt", "Rossi", "Tanaka", "Haddad", "Larsen", "Moreau"};

int Usage(const std::string& message) {
  std::fprintf(stderr, "walrelay: %s\n", message.c_str());
  return 2;
}

bool ParseNumber(const std::string& text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end && *end == '\0' && !text.empty() && *out >= 0;
}

// Common flags of both tools.
struct ToolArgs {
  std::string dsn;
  bool outbox = false;
  std::string query;
  double rate = 0;       // transactions per second, 0 = unlimited
  double duration = -1;  // seconds, -1 = until stopped
  double interval = 5;   // reader
  int64_t count = -1;    // reader
  bool quiet = false;
};

std::optional<std::string> Parse(const std::vector<std::string>& args, bool writer, ToolArgs* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    const std::string* v = nullptr;
    if (a == "--dsn") {
      if (!(v = next())) return "--dsn needs a connection string";
      out->dsn = *v;
    } else if (writer && a == "--outbox") {
      out->outbox = true;
    } else if (writer && a == "--query") {
      if (!(v = next())) return "--query needs SQL";
      out->query = *v;
    } else if (writer && a == "--rate") {
      if (!(v = next()) || !ParseNumber(*v, &out->rate)) return "--rate needs transactions per second";
    } else if (writer && a == "--duration") {
      if (!(v = next()) || !ParseNumber(*v, &out->duration)) return "--duration needs seconds";
    } else if (writer && a == "--quiet") {
      out->quiet = true;
    } else if (!writer && a == "--interval") {
      if (!(v = next()) || !ParseNumber(*v, &out->interval) || out->interval <= 0) {
        return "--interval needs seconds > 0";
      }
    } else if (!writer && a == "--count") {
      double c = 0;
      if (!(v = next()) || !ParseNumber(*v, &c)) return "--count needs a number";
      out->count = static_cast<int64_t>(c);
    } else {
      return "unknown argument '" + a + "'";
    }
  }
  if (out->dsn.empty()) {
    const char* env = std::getenv("CONNECTION_STRING");
    if (env) out->dsn = env;
  }
  if (out->dsn.empty()) return "no database: give --dsn or set CONNECTION_STRING";
  if (out->outbox && !out->query.empty()) return "--outbox and --query exclude each other";
  return std::nullopt;
}

// Sleeps up to `d`, waking early when stopped.
void Nap(std::chrono::milliseconds d, const std::atomic<bool>* stop) {
  auto until = Clock::now() + d;
  while (!stop->load() && Clock::now() < until) {
    std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
        std::chrono::milliseconds(100),
        std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()) +
            std::chrono::milliseconds(1)));
  }
}

// A connection that is re-established every 5 s while the database is away, as the seed's apps
// do, with one log line per state change.
class Reconnecting {
 public:
  Reconnecting(std::string conninfo, const char* who, const std::atomic<bool>* stop)
      : conninfo_(std::move(conninfo)), who_(who), stop_(stop) {}

  pg::Connection* Get() {
    while (!conn_ && !stop_->load()) {
      auto c = pg::Connection::Connect(conninfo_);
      if (c.ok()) {
        conn_.emplace(std::move(c).value());
        if (away_) LogInfo(who_, "database is back");
        away_ = false;
        break;
      }
      if (c.status().kind() == ErrorKind::kInvalidArgument) {
        LogError(who_, c.status().message());
        failed_ = true;
        return nullptr;
      }
      if (!away_) LogWarn(who_, "database unavailable (" + c.status().message() + "); retrying every 5 s");
      away_ = true;
      Nap(std::chrono::seconds(5), stop_);
    }
    return conn_ ? &*conn_ : nullptr;
  }
  void Lost(const Status& s) {
    if (!away_) LogWarn(who_, "lost the database: " + s.message() + "; retrying every 5 s");
    away_ = true;
    conn_.reset();
  }
  bool failed() const { return failed_; }

 private:
  std::string conninfo_;
  const char* who_;
  const std::atomic<bool>* stop_;
  std::optional<pg::Connection> conn_;
  bool away_ = false;
  bool failed_ = false;
};

}  // namespace

int WriterCommand(const std::vector<std::string>& argv) {
  ToolArgs args;
  if (auto err = Parse(argv, /*writer=*/true, &args)) return Usage("writer: " + *err);
  auto conninfo = ToConninfo(args.dsn);
  if (!conninfo.ok()) return Usage("writer: " + conninfo.status().message());
  const std::atomic<bool>* stop = InstallStopHandlers();
  Reconnecting db(*conninfo, "writer", stop);
  std::mt19937_64 rng(std::random_device{}());
  auto start = Clock::now();
  auto last_report = start;
  int64_t committed = 0, last_reported = 0;
  std::string last_value;
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  while (!stop->load()) {
    auto now = Clock::now();
    double elapsed = std::chrono::duration<double>(now - start).count();
    if (args.duration >= 0 && elapsed >= args.duration) break;
    if (args.rate > 0 && committed >= static_cast<int64_t>(elapsed * args.rate) + 1) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    pg::Connection* c = db.Get();
    if (c == nullptr) {
      if (db.failed()) return 1;
      break;
    }
    Result<pg::PgResult> r = Status::Ok();
    if (args.outbox) {
      char id[37];
      uint64_t a = rng(), b = rng();
      std::snprintf(id, sizeof(id), "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                    static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                    static_cast<unsigned>(0x8000 | ((b >> 48) & 0x3fff)),
                    static_cast<unsigned long long>(b & 0xffffffffffffULL));
      std::string name = std::string(kFirstNames[rng() % std::size(kFirstNames)]) + " " +
                         kLastNames[rng() % std::size(kLastNames)];
      r = c->ExecParams(kOutboxSql, {std::string(id), "{\"Name\": \"" + name + "\"}"});
    } else if (!args.query.empty()) {
      r = c->Exec(args.query);
    } else {
      r = c->Exec(kCounterSql);
    }
    if (!r.ok()) {
      if (r.status().kind() == ErrorKind::kReconnect) {
        // The commit may or may not have happened; it is not retried blindly.
        LogWarn("writer", "transaction outcome unknown: " + r.status().message());
        db.Lost(r.status());
        continue;
      }
      LogError("writer", r.status().message());
      return 1;
    }
    ++committed;
    if (!args.outbox && args.query.empty() && r->rows() == 1) last_value = std::string(r->Get(0, 0));
    if (!args.quiet && Clock::now() - last_report >= std::chrono::seconds(5)) {
      double secs = std::chrono::duration<double>(Clock::now() - last_report).count();
      char line[160];
      std::snprintf(line, sizeof(line), "committed %lld transactions (%.0f/s)%s%s",
                    static_cast<long long>(committed), static_cast<double>(committed - last_reported) / secs,
                    last_value.empty() ? "" : ", current_value ", last_value.c_str());
      if (tty) {
        std::fprintf(stderr, "\r\033[K[writer] %s", line);
      } else {
        LogInfo("writer", line);
      }
      last_report = Clock::now();
      last_reported = committed;
    }
  }
  if (tty && !args.quiet) std::fputc('\n', stderr);
  std::printf("committed %lld transactions", static_cast<long long>(committed));
  if (!last_value.empty()) std::printf(", current_value %s", last_value.c_str());
  std::printf("\n");
  return 0;
}

int ReaderCommand(const std::vector<std::string>& argv) {
  ToolArgs args;
  if (auto err = Parse(argv, /*writer=*/false, &args)) return Usage("reader: " + *err);
  auto conninfo = ToConninfo(args.dsn);
  if (!conninfo.ok()) return Usage("reader: " + conninfo.status().message());
  const std::atomic<bool>* stop = InstallStopHandlers();
  Reconnecting db(*conninfo, "reader", stop);
  for (int64_t n = 0; !stop->load() && (args.count < 0 || n < args.count); ++n) {
    if (n > 0) Nap(std::chrono::milliseconds(static_cast<int64_t>(args.interval * 1000)), stop);
    if (stop->load()) break;
    pg::Connection* c = db.Get();
    if (c == nullptr) return db.failed() ? 1 : 0;
    auto r = c->Exec("SELECT current_value FROM public.debezium_table WHERE id = 1");
    if (!r.ok()) {
      if (r.status().kind() == ErrorKind::kReconnect) {
        db.Lost(r.status());
        continue;
      }
      LogError("reader", r.status().message());
      return 1;
    }
    std::time_t t = std::time(nullptr);
    char ts[32];
    std::strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    std::printf("%s current_value=%s\n", ts, r->rows() ? std::string(r->Get(0, 0)).c_str() : "(no row)");
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace walrelay::cli
