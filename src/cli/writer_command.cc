#include "cli/writer_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <optional>
#include <random>
#include <string>

#include "cli/dsn.h"
#include "cli/retrying_connection.h"
#include "cli/signals.h"
#include "common/log.h"
#include "pg/connection.h"

namespace walrelay::cli {
namespace {

using Clock = StopCondition::Clock;

constexpr const char* kComponent = "writer";

// Counter and outbox statements run as "BEGIN; <statement>" then "COMMIT", so the transaction id
// is known before COMMIT is sent: when the connection dies during COMMIT, txid_status() on the
// next connection says whether it committed. (txid_* rather than pg_current_xact_id(): they also
// exist before PostgreSQL 13.)
constexpr const char* kCounterSql =
    "BEGIN; INSERT INTO public.debezium_table(id, current_value) VALUES (1, 1) "
    "ON CONFLICT (id) DO UPDATE SET current_value = debezium_table.current_value + 1 "
    "RETURNING txid_current(), current_value";
constexpr const char* kOutboxSqlHead =
    "BEGIN; INSERT INTO public.outbox(aggregatetype, aggregateid, type, payload) "
    "VALUES ('Person', ";

constexpr const char* kFirstNames[] = {"Anna",  "Boris", "Chloe", "Dmitri",  "Elena", "Farid",
                                       "Greta", "Hugo",  "Irina", "Jamal",   "Kira",  "Leon",
                                       "Maria", "Oscar", "Olga",  "Pavel",   "Quinn", "Rosa",
                                       "Sven",  "Tara",  "Umar",  "Valerie", "Wei",   "Yusuf"};
constexpr const char* kLastNames[] = {"Ivanova",  "Smith",   "Garcia", "Petrov", "Novak",
                                      "Kowalski", "Schmidt", "Rossi",  "Tanaka", "Haddad",
                                      "Larsen",   "Moreau",  "Okafor", "Silva",  "Nguyen"};

enum class Mode { kCounter, kOutbox, kQuery };

struct WriterOptions {
  std::string dsn;
  Mode mode = Mode::kCounter;
  std::string query;
  double rate = 0;                 // transactions per second; 0 = unlimited
  std::optional<double> duration;  // seconds; none = until a stop signal
  bool quiet = false;
};

bool ParsePositive(const std::string& text, double* out) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(v) || v <= 0) return false;
  *out = v;
  return true;
}

// Returns an error message for bad arguments.
std::optional<std::string> ParseArgs(const std::vector<std::string>& args, WriterOptions* out) {
  bool outbox = false, query = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--dsn") {
      if (!has_value) return "--dsn needs a connection string";
      out->dsn = args[++i];
    } else if (a == "--outbox") {
      outbox = true;
      out->mode = Mode::kOutbox;
    } else if (a == "--query") {
      if (!has_value || args[i + 1].empty()) return "--query needs SQL";
      query = true;
      out->mode = Mode::kQuery;
      out->query = args[++i];
    } else if (a == "--rate") {
      if (!has_value || !ParsePositive(args[++i], &out->rate)) {
        return "--rate needs transactions per second > 0";
      }
    } else if (a == "--duration") {
      double d = 0;
      if (!has_value || !ParsePositive(args[++i], &d)) return "--duration needs seconds > 0";
      out->duration = d;
    } else if (a == "--quiet") {
      out->quiet = true;
    } else {
      return "unknown argument '" + a + "'";
    }
  }
  if (outbox && query) return "--outbox and --query exclude each other";
  return std::nullopt;
}

// Paces attempts to --rate per second. After a stall (an outage) it does not burst to catch up:
// the seed's consumers should see the configured rate, not a spike.
class Pacer {
 public:
  explicit Pacer(double rate)
      : interval_(rate > 0 ? std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(1.0 / rate))
                           : Clock::duration::zero()) {}

  // Waits for the next slot; false when stopped meanwhile.
  bool Wait(const StopCondition& stop) {
    if (interval_ == Clock::duration::zero()) return !stop.Stopped();
    auto now = Clock::now();
    if (next_ < now) next_ = now;
    bool running = stop.SleepUntil(next_);
    next_ += interval_;
    return running;
  }

 private:
  Clock::duration interval_;
  Clock::time_point next_ = Clock::now();
};

// A random version-4 UUID string: the seed's writer uses Guid.NewGuid() as the aggregate id.
std::string RandomUuid(std::mt19937_64& rng) {
  uint64_t hi = rng(), lo = rng();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;            // version 4
  lo = (lo & ~(0xcULL << 60)) | (0x8ULL << 60);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof(out), "%08llx-%04llx-%04llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return out;
}

std::string OutboxSql(std::mt19937_64& rng) {
  std::string name = std::string(kFirstNames[rng() % std::size(kFirstNames)]) + " " +
                     kLastNames[rng() % std::size(kLastNames)];
  // Both values are ours (a UUID, names without quotes), quoted anyway.
  return std::string(kOutboxSqlHead) + pg::QuoteLiteral(RandomUuid(rng)) + ", 'PersonCreated', " +
         pg::QuoteLiteral("{\"Name\": \"" + name + "\"}") + "::jsonb) RETURNING txid_current()";
}

// What became of one transaction.
enum class Outcome {
  kCommitted,
  kNotCommitted,  // failed before COMMIT, or COMMIT itself reported an error
  kUnknown,       // the connection died during COMMIT: it may or may not have committed
};

// One attempt's outcome plus what the caller needs next.
struct Attempt {
  Outcome outcome = Outcome::kNotCommitted;
  Status error;                      // why it did not commit (kind tells what to do)
  std::optional<std::string> txid;   // for kUnknown in counter and outbox mode
  std::optional<std::string> value;  // counter mode: current_value after the upsert
};

// Runs "BEGIN; <insert> RETURNING txid_current()[, value]" and "COMMIT".
Attempt RunTracked(pg::Connection& conn, const std::string& sql) {
  Attempt a;
  auto r = conn.Exec(sql);
  if (!r.ok()) {
    a.error = r.status();
    // A statement error leaves the transaction block aborted; a dead connection needs nothing.
    if (a.error.kind() != ErrorKind::kReconnect) (void)conn.Exec("ROLLBACK");
    return a;
  }
  if (r->rows() != 1) {
    a.error = FatalError("the insert returned " + std::to_string(r->rows()) + " rows, expected 1");
    (void)conn.Exec("ROLLBACK");
    return a;
  }
  a.txid = std::string(r->Get(0, 0));
  if (r->columns() > 1) a.value = std::string(r->Get(0, 1));
  auto c = conn.Exec("COMMIT");
  if (c.ok()) {
    a.outcome = Outcome::kCommitted;
  } else {
    a.error = c.status();
    a.outcome =
        a.error.kind() == ErrorKind::kReconnect ? Outcome::kUnknown : Outcome::kNotCommitted;
  }
  return a;
}

// --query: the SQL as given (it may manage its own transactions), so there is no transaction id
// to settle a cut-off COMMIT with.
Attempt RunQuery(pg::Connection& conn, const std::string& sql) {
  Attempt a;
  auto r = conn.Exec(sql);
  if (r.ok()) {
    a.outcome = Outcome::kCommitted;
  } else {
    a.error = r.status();
    a.outcome =
        a.error.kind() == ErrorKind::kReconnect ? Outcome::kUnknown : Outcome::kNotCommitted;
  }
  return a;
}

// What txid_status() said about a transaction whose COMMIT was cut off.
enum class Fate { kCommitted, kAborted, kUnknown, kAgain };

// Asks the (new) connection whether `txid` committed. kAgain: still in progress (its old backend
// has not noticed the dead client yet) or the connection failed (then `*error` is set).
Fate Settle(pg::Connection& conn, const std::string& txid, Status* error) {
  // After a failover that lost the end of the WAL the id may be in the new leader's future
  // (an error: unknown) or reused by another transaction: then the answer is about that one, a
  // risk only asynchronous replication carries and one that also loses committed rows.
  auto r = conn.ExecParams("SELECT txid_status($1::bigint)", {txid});
  if (!r.ok()) {
    if (r.status().kind() == ErrorKind::kReconnect) {
      *error = r.status();
      return Fate::kAgain;
    }
    LogWarn(kComponent, "cannot settle transaction " + txid + ": " + r.status().message());
    return Fate::kUnknown;
  }
  if (r->rows() != 1 || r->IsNull(0, 0)) return Fate::kUnknown;  // too old to know
  std::string_view status = r->Get(0, 0);
  if (status == "committed") return Fate::kCommitted;
  if (status == "aborted") return Fate::kAborted;
  return Fate::kAgain;
}

// The writer's counters and the progress line.
class Progress {
 public:
  explicit Progress(bool quiet) : quiet_(quiet) {}

  void Committed(const std::optional<std::string>& value) {
    ++committed_;
    if (value) value_ = *value;
  }
  void Unknown() { ++unknown_; }

  // Counts and logs the settled fate of transaction `txid` whose COMMIT was cut off.
  void CountSettled(const std::string& txid, Fate fate) {
    const std::string what = "transaction " + txid + " whose COMMIT was cut off ";
    if (fate == Fate::kCommitted) {
      ++committed_;
      LogInfo(kComponent, what + "committed");
    } else if (fate == Fate::kAborted) {
      LogInfo(kComponent, what + "was rolled back");
    } else {
      ++unknown_;
      LogWarn(kComponent, what + "has an unknown outcome; not counted");
    }
  }

  // Logs "committed=N rate=R/s" every 5 s unless quiet.
  void MaybeReport() {
    auto now = Clock::now();
    if (quiet_ || now - last_report_ < std::chrono::seconds(5)) return;
    double secs = std::chrono::duration<double>(now - last_report_).count();
    char line[200];
    std::snprintf(line, sizeof(line), "committed=%lld rate=%.0f/s%s%s",
                  static_cast<long long>(committed_),
                  static_cast<double>(committed_ - last_committed_) / secs,
                  value_.empty() ? "" : " current_value=", value_.c_str());
    LogInfo(kComponent, line);
    last_report_ = now;
    last_committed_ = committed_;
  }

  // The final summary on stdout.
  void PrintSummary(Mode mode) const {
    std::printf("committed=%lld", static_cast<long long>(committed_));
    if (mode == Mode::kCounter) {
      std::printf(" current_value=%s", value_.empty() ? "none" : value_.c_str());
    }
    if (unknown_ > 0) std::printf(" outcome_unknown=%lld", static_cast<long long>(unknown_));
    std::printf("\n");
    std::fflush(stdout);
  }

 private:
  bool quiet_;
  int64_t committed_ = 0;
  int64_t unknown_ = 0;
  std::string value_;
  Clock::time_point last_report_ = Clock::now();
  int64_t last_committed_ = 0;
};

// How long a cut-off transaction may stay "in progress" before it is reported unknown. Its old
// backend aborts it once it notices the dead client, normally at once.
constexpr auto kSettleTimeout = std::chrono::seconds(30);

}  // namespace

int WriterCommand(const std::vector<std::string>& args) {
  WriterOptions options;
  if (auto err = ParseArgs(args, &options)) {
    std::fprintf(stderr, "walrelay writer: %s\n", err->c_str());
    return 2;
  }
  auto conninfo = ResolveConninfo(options.dsn, std::getenv("CONNECTION_STRING"));
  if (!conninfo.ok()) {
    std::fprintf(stderr, "walrelay writer: %s\n", conninfo.status().message().c_str());
    return 2;
  }
  std::optional<Clock::time_point> deadline;
  if (options.duration) {
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(*options.duration));
  }
  const StopCondition stop(InstallStopHandlers(), deadline);
  RetryingConnection db(*conninfo, kComponent, &stop);
  Pacer pacer(options.rate);
  Progress progress(options.quiet);
  std::mt19937_64 rng(std::random_device{}());

  // A transaction whose COMMIT was cut off, settled on the next connection before anything else.
  std::optional<std::string> unsettled;
  std::optional<Clock::time_point> unsettled_since;
  int exit_code = 0;
  while (!stop.Stopped()) {
    auto conn = db.Get();
    if (!conn.ok()) {
      if (stop.Stopped()) break;
      LogError(kComponent, conn.status().message());
      exit_code = 1;
      break;
    }
    if (unsettled) {
      Status error;
      Fate s = Settle(**conn, *unsettled, &error);
      if (s == Fate::kAgain) {
        if (!error.ok()) {
          db.Lost(error);
          continue;
        }
        if (Clock::now() - *unsettled_since < kSettleTimeout) {
          stop.SleepFor(std::chrono::milliseconds(200));
          continue;
        }
        s = Fate::kUnknown;
      }
      progress.CountSettled(*unsettled, s);
      unsettled.reset();
    }
    if (!pacer.Wait(stop)) break;

    Attempt a;
    switch (options.mode) {
      case Mode::kCounter:
        a = RunTracked(**conn, kCounterSql);
        break;
      case Mode::kOutbox:
        a = RunTracked(**conn, OutboxSql(rng));
        break;
      case Mode::kQuery:
        a = RunQuery(**conn, options.query);
        break;
    }
    if (a.outcome == Outcome::kCommitted) {
      progress.Committed(a.value);
      progress.MaybeReport();
      continue;
    }
    if (a.outcome == Outcome::kUnknown) {
      // Not retried: a blind retry could apply it twice.
      if (a.txid) {
        LogWarn(kComponent, "connection lost during COMMIT of transaction " + *a.txid +
                                "; settling its outcome after reconnecting");
        unsettled = a.txid;
        unsettled_since = Clock::now();
      } else {
        progress.Unknown();
        LogWarn(kComponent,
                "connection lost while the query ran; its outcome is unknown and it "
                "is not retried: " +
                    a.error.message());
      }
    }
    switch (a.error.kind()) {
      case ErrorKind::kReconnect:
        db.Lost(a.error);
        break;
      case ErrorKind::kRetry:  // serialization failure, deadlock, too many connections
        LogWarn(kComponent, a.error.message() + "; retrying");
        stop.SleepFor(std::chrono::milliseconds(100));
        break;
      default:
        LogError(kComponent, a.error.message());
        exit_code = 1;
        break;
    }
    if (exit_code != 0) break;
  }
  if (unsettled) {
    // Stopped before the next connection settled it: one last try, without waiting.
    Fate fate = Fate::kUnknown;
    if (auto conn = pg::Connection::Connect(*conninfo); conn.ok()) {
      Status ignored;
      fate = Settle(*conn, *unsettled, &ignored);
      if (fate == Fate::kAgain) fate = Fate::kUnknown;
    }
    progress.CountSettled(*unsettled, fate);
  }
  progress.PrintSummary(options.mode);
  return exit_code;
}

}  // namespace walrelay::cli
