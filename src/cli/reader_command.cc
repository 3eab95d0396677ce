#include "cli/reader_command.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <optional>
#include <string>

#include "cli/dsn.h"
#include "cli/retrying_connection.h"
#include "cli/signals.h"
#include "common/log.h"
#include "pg/connection.h"

namespace walrelay::cli {
namespace {

constexpr const char* kComponent = "reader";
constexpr const char* kReadSql = "SELECT current_value FROM public.debezium_table WHERE id = 1";

struct ReaderOptions {
  std::string dsn;
  double interval = 5;  // seconds
  int64_t count = 0;    // reads; 0 = until a stop signal
};

std::optional<std::string> ParseArgs(const std::vector<std::string>& args, ReaderOptions* out) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if (a == "--dsn") {
      if (!has_value) return "--dsn needs a connection string";
      out->dsn = args[++i];
    } else if (a == "--interval") {
      char* end = nullptr;
      if (has_value) out->interval = std::strtod(args[++i].c_str(), &end);
      if (!has_value || args[i].empty() || *end != '\0' || !std::isfinite(out->interval) ||
          out->interval <= 0) {
        return "--interval needs seconds > 0";
      }
    } else if (a == "--count") {
      char* end = nullptr;
      if (has_value) out->count = std::strtoll(args[++i].c_str(), &end, 10);
      if (!has_value || args[i].empty() || *end != '\0' || out->count <= 0) {
        return "--count needs a number of reads > 0";
      }
    } else {
      return "unknown argument '" + a + "'";
    }
  }
  return std::nullopt;
}

std::string UtcNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

}  // namespace

int ReaderCommand(const std::vector<std::string>& args) {
  ReaderOptions options;
  if (auto err = ParseArgs(args, &options)) {
    std::fprintf(stderr, "walrelay reader: %s\n", err->c_str());
    return 2;
  }
  auto conninfo = ResolveConninfo(options.dsn, std::getenv("CONNECTION_STRING"));
  if (!conninfo.ok()) {
    std::fprintf(stderr, "walrelay reader: %s\n", conninfo.status().message().c_str());
    return 2;
  }
  const StopCondition stop(InstallStopHandlers(), std::nullopt);
  RetryingConnection db(*conninfo, kComponent, &stop);
  const auto interval = std::chrono::duration_cast<StopCondition::Clock::duration>(
      std::chrono::duration<double>(options.interval));
  bool waiting_for_table = false;
  int64_t reads = 0;
  while (!stop.Stopped()) {
    auto conn = db.Get();
    if (!conn.ok()) {
      if (stop.Stopped()) break;
      LogError(kComponent, conn.status().message());
      return 1;
    }
    auto r = (*conn)->Exec(kReadSql);
    if (!r.ok()) {
      switch (r.status().kind()) {
        case ErrorKind::kReconnect:
          db.Lost(r.status());
          continue;
        case ErrorKind::kNotFound:  // the sink creates the table with its first record
          if (!waiting_for_table) {
            LogWarn(kComponent, r.status().message() + "; waiting for it");
            waiting_for_table = true;
          }
          break;
        case ErrorKind::kRetry:
          break;
        default:
          LogError(kComponent, r.status().message());
          return 1;
      }
      stop.SleepFor(interval);
      continue;
    }
    waiting_for_table = false;
    std::string value = r->rows() == 1 && !r->IsNull(0, 0) ? std::string(r->Get(0, 0)) : "none";
    std::printf("%s current_value=%s\n", UtcNow().c_str(), value.c_str());
    std::fflush(stdout);
    if (options.count > 0 && ++reads >= options.count) break;
    stop.SleepFor(interval);
  }
  return 0;
}

}  // namespace walrelay::cli
