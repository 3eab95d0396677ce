#include "runtime/standalone_runner.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "common/log.h"
#include "convert/json_converter.h"
#include "convert/json_writer.h"
#include "runtime/offset_file.h"
#include "source/postgres_source.h"
#include "transforms/transform.h"

namespace walrelay::runtime {
namespace {

using Clock = std::chrono::steady_clock;

int ExitCodeFor(const Status& s) { return s.kind() == ErrorKind::kInvalidArgument ? 2 : 1; }

// Writes all of `buf` to stdout; a closed pipe or full disk is fatal for the connector.
Status WriteStdout(std::string* buf) {
  size_t done = 0;
  while (done < buf->size()) {
    ssize_t n = ::write(STDOUT_FILENO, buf->data() + done, buf->size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FatalError(std::string("cannot write to stdout: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  buf->clear();
  return Status::Ok();
}

// Delivers records as JSON lines to stdout, the offset file following each delivered
// transaction so a kill re-emits at most the transaction in flight.
class StdoutDelivery {
 public:
  StdoutDelivery(bool key_schemas, bool value_schemas)
      : key_converter_(key_schemas), value_converter_(value_schemas) {}

  Status Append(const data::Record& rec) {
    buf_ += "{\"topic\":";
    convert::AppendJsonString(&buf_, rec.topic);
    buf_ += ",\"key\":";
    if (rec.key.is_null() && !rec.key_schema) {
      buf_ += "null";
    } else {
      WR_RETURN_IF_ERROR(key_converter_.Serialize(rec.key_schema, rec.key, &buf_));
    }
    buf_ += ",\"value\":";
    if (rec.value.is_null()) {
      buf_ += "null";  // a tombstone
    } else {
      WR_RETURN_IF_ERROR(value_converter_.Serialize(rec.value_schema, rec.value, &buf_));
    }
    buf_ += "}\n";
    return Status::Ok();
  }
  bool Full() const { return buf_.size() >= 256 * 1024; }
  Status Flush() { return WriteStdout(&buf_); }

 private:
  convert::JsonConverter key_converter_;
  convert::JsonConverter value_converter_;
  std::string buf_;
};

}  // namespace

int RunStandalone(const config::ConnectorConfig& source_config,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options) {
  const std::string& name = source_config.name;
  if (!sinks.empty()) {
    LogError(name, "sink connectors are not supported in this build");
    return 2;
  }
  auto key_schemas = source_config.GetBool("key.converter.schemas.enable", true);
  auto value_schemas = source_config.GetBool("value.converter.schemas.enable", true);
  if (!key_schemas.ok() || !value_schemas.ok()) {
    LogError(name, (!key_schemas.ok() ? key_schemas.status() : value_schemas.status()).message());
    return 2;
  }
  auto chain = transforms::TransformChain::Create(source_config.props);
  if (!chain.ok()) {
    LogError(name, source_config.file + ": " + chain.status().message());
    return 2;
  }
  auto source = source::PostgresSource::Create(source_config);
  if (!source.ok()) {
    LogError(name, source.status().message());
    return ExitCodeFor(source.status());
  }
  OffsetFile offsets(
      source_config.Get("offset.storage.file.filename", "walrelay-offsets/" + name + ".offset"));
  auto stored = offsets.Load();
  if (!stored.ok()) {
    LogError(name, stored.status().message());
    return 1;
  }
  std::optional<source::SourceOffset> start_offset;
  if (stored->has_value()) {
    auto parsed = source::SourceOffset::FromJson(**stored);
    if (!parsed.ok()) {
      LogError(name, "offset file " + offsets.path() + ": " + parsed.status().message());
      return 1;
    }
    start_offset = *parsed;
    LogInfo(name, "resuming from offset file " + offsets.path() + " at " +
                      parsed->last_commit_end.ToString());
  }
  // Start retries transient failures (server not up yet, slot busy) per errors.max.retries.
  Status started = (*source)->Start(start_offset);
  for (int attempt = 1; !started.ok() && (started.kind() == ErrorKind::kReconnect ||
                                          started.kind() == ErrorKind::kRetry);
       ++attempt) {
    int64_t max_retries = (*source)->config().max_retries;
    if ((max_retries >= 0 && attempt > max_retries) || (options.stop && options.stop->load())) {
      break;
    }
    int64_t wait_ms = std::min<int64_t>((*source)->config().retry_max_wait_ms,
                                        200LL << std::min(attempt - 1, 10));
    LogWarn(name, "cannot start: " + started.message() + "; retrying in " +
                      std::to_string(wait_ms) + " ms (attempt " + std::to_string(attempt) + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
    started = (*source)->Start(start_offset);
  }
  if (!started.ok()) {
    LogError(name, started.message());
    return ExitCodeFor(started);
  }

  StdoutDelivery out(*key_schemas, *value_schemas);
  std::vector<data::Record> batch;
  int64_t emitted = 0;
  auto last_record = Clock::now();
  int exit_code = 0;
  bool done = false;
  // The offset of everything delivered so far; between batches it equals the source's own.
  source::SourceOffset running = (*source)->CurrentOffset();
  auto deliver = [&](const source::SourceOffset& offset) -> Status {
    WR_RETURN_IF_ERROR(out.Flush());
    WR_RETURN_IF_ERROR(offsets.Store(offset.ToJson()));
    return Status::Ok();
  };
  while (!done) {
    if (options.stop && options.stop->load()) break;
    batch.clear();
    bool finished = false;
    Status s = (*source)->Poll(&batch, std::chrono::milliseconds(500), &finished);
    if (!s.ok()) {
      LogError(name, s.message());
      exit_code = ExitCodeFor(s);
      break;
    }
    bool stopped_inside = false;
    Status ds;
    for (size_t i = 0; i < batch.size() && ds.ok(); ++i) {
      data::Record& rec = batch[i];
      bool keep = true;
      ds = chain->Apply(&rec, &keep);
      if (ds.ok() && keep) ds = out.Append(rec);
      if (!ds.ok()) break;
      running.Advance(rec.position);
      ++emitted;
      if (options.max_records >= 0 && emitted >= options.max_records) {
        stopped_inside = i + 1 < batch.size();
        done = true;
        break;
      }
      // A transaction boundary: make it durable so a kill re-emits at most the one in flight.
      if (rec.position.last_in_transaction || out.Full()) ds = deliver(running);
    }
    if (!stopped_inside && ds.ok()) running = (*source)->CurrentOffset();
    if (ds.ok()) ds = deliver(running);
    if (!ds.ok()) {
      LogError(name, ds.message());
      exit_code = ExitCodeFor(ds);
      break;
    }
    (*source)->Commit(running);
    if (!batch.empty()) last_record = Clock::now();
    if (finished) done = true;
    if (options.idle_exit_seconds >= 0 &&
        Clock::now() - last_record >= std::chrono::seconds(options.idle_exit_seconds)) {
      LogInfo(name, "idle for " + std::to_string(options.idle_exit_seconds) + " s: stopping");
      done = true;
    }
  }
  (*source)->Stop();
  (void)offsets.Sync();
  LogInfo(name, "stopped after " + std::to_string(emitted) + " record(s)");
  return exit_code;
}

}  // namespace walrelay::runtime
