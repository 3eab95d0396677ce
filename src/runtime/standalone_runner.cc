#include "runtime/standalone_runner.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <unordered_set>

#include "common/log.h"
#include "common/retry.h"
#include "common/strings.h"
#include "convert/converter.h"
#include "runtime/error_handler.h"
#include "runtime/offset_file.h"
#include "runtime/progress.h"
#include "runtime/sink_applier.h"
#include "runtime/source_task.h"
#include "runtime/stdout_delivery.h"
#include "sink/jdbc_sink.h"
#include "source/postgres_source.h"
#include "transforms/transform.h"

namespace walrelay::runtime {
namespace {

using Clock = std::chrono::steady_clock;

// Records per poll of the source when a run stages each poll into rows (see RunToSinks).
constexpr size_t kStagedPoll = 256;

// How long a destination statement may run on after a stop request before it is cancelled: a
// batch that is nearly committed gets to finish, and the stop still completes within a second.
constexpr std::chrono::milliseconds kSinkStopGrace(500);

int ExitCodeFor(const Status& s) {
  switch (s.kind()) {
    case ErrorKind::kInvalidArgument:
      return 2;
    case ErrorKind::kStopped:
      return kExitStoppedInFlight;
    default:
      return 1;
  }
}
bool Stopping(const RunOptions& o) { return o.stop != nullptr && o.stop->stop_requested(); }

// Whether a batch holds data changes (heartbeats alone do not end an --idle-exit wait).
bool HasChanges(const std::vector<data::Record>& batch) {
  for (const auto& r : batch) {
    if (r.position.snapshot || r.position.tx_lsn.valid()) return true;
  }
  return false;
}

// A stop requested before the source started: nothing was read, so nothing is in flight.
int StoppedBeforeStart(const std::string& name, const Status& s) {
  LogInfo(name, "stopped before the source started (" + s.message() + ")");
  return 0;
}

// Logs a failure of `connector` once, tells the caller of the run why (`failure` may be null)
// and returns the exit status for it.
int Failed(const std::string& connector, const Status& s, RunFailure* failure) {
  LogError(connector, s.message());
  if (failure != nullptr && s.kind() != ErrorKind::kStopped) *failure = {connector, s.message()};
  return ExitCodeFor(s);
}

// Sees each topic a run uses once and reports it (RunOptions::on_topic); cheap per record: the
// previous record's topic is usually the same.
class TopicTracker {
 public:
  explicit TopicTracker(const RunOptions& options) : on_topic_(options.on_topic) {}
  // True the first time `topic` is seen.
  bool IsNew(const std::string& topic) {
    if (!on_topic_ || topic == last_) return false;
    last_ = topic;
    return seen_.insert(topic).second;
  }
  void Report(const std::string& connector, const std::string& topic) const {
    on_topic_(connector, topic);
  }

 private:
  const std::function<void(const std::string&, const std::string&)>& on_topic_;
  std::string last_;
  std::unordered_set<std::string> seen_;
};

// Stdout delivery that also reports topics and counts records out (RunSourceTask keeps the
// task's other metrics).
class TrackedDelivery : public SourceDelivery {
 public:
  TrackedDelivery(SourceDelivery* inner, const std::string& connector, const RunOptions& options)
      : inner_(inner), connector_(connector), topics_(options), metrics_(options.metrics.get()) {}
  Status Send(const data::Record& record, std::string_view* stage) override {
    Status s = inner_->Send(record, stage);
    if (s.ok()) {
      if (topics_.IsNew(record.topic)) topics_.Report(connector_, record.topic);
      if (metrics_ != nullptr) metrics_->records_out.fetch_add(1, std::memory_order_relaxed);
    }
    return s;
  }
  Status Mark(const source::SourceOffset& offset) override { return inner_->Mark(offset); }
  bool Full() const override { return inner_->Full(); }
  Result<std::optional<source::SourceOffset>> TakeDurable() override {
    return inner_->TakeDurable();
  }
  Status Drain() override { return inner_->Drain(); }

 private:
  SourceDelivery* inner_;
  const std::string& connector_;
  TopicTracker topics_;
  TaskMetrics* metrics_;
};

// Stops the source, keeping its slot when the run ends to be paused or restarted
// (RunOptions::keep_slot).
void StopSourceOfRun(source::PostgresSource* source, const RunOptions& options) {
  if (options.keep_slot != nullptr && options.keep_slot->load()) source->KeepSlotOnStop();
  source->Stop();
}

// The stdout loop: a transaction boundary is made durable (stdout flushed, then the offset file
// written), so a kill re-emits at most the transaction in flight.
int RunToStdout(const config::ConnectorConfig& cfg, source::PostgresSource* source,
                transforms::TransformChain* chain, const RunOptions& options, RunFailure* failure) {
  const std::string& name = cfg.name;
  std::vector<std::string> warnings;
  auto key_settings = convert::ConverterSettings::Parse(cfg, /*is_key=*/true, &warnings);
  auto value_settings = convert::ConverterSettings::Parse(cfg, /*is_key=*/false, &warnings);
  auto policy = ErrorPolicy::Parse(cfg);
  for (const Status& s : {key_settings.status(), value_settings.status(), policy.status()}) {
    if (!s.ok()) return Failed(name, s, failure);
  }
  for (const std::string& w : warnings) LogWarn(name, w);
  ErrorHandler errors(name, *policy);
  OffsetFile offsets(OffsetFilePath(cfg));
  auto stored = offsets.Load();
  if (!stored.ok()) {
    Failed(name, stored.status(), failure);
    return 1;
  }
  std::optional<source::SourceOffset> start_offset;
  if (stored->has_value()) {
    auto parsed = source::SourceOffset::FromJson(**stored);
    if (!parsed.ok()) {
      Failed(name, parsed.status().WithContext("offset file " + offsets.path()), failure);
      return 1;
    }
    start_offset = *parsed;
    LogInfo(name, "resuming from offset file " + offsets.path() + " at " +
                      parsed->last_commit_end.ToString());
  }
  Status started = StartSourceWithRetry(source, start_offset, options.stop);
  if (started.kind() == ErrorKind::kStopped) return StoppedBeforeStart(name, started);
  if (!started.ok()) return Failed(name, started, failure);

  StdoutDelivery out(convert::CreateConverter(*key_settings),
                     convert::CreateConverter(*value_settings), &offsets);
  SourceTaskOptions task_options;
  task_options.max_records = options.max_records;
  task_options.idle_exit_seconds = options.idle_exit_seconds;
  task_options.stop = options.stop;
  task_options.metrics = options.metrics;
  SourceTaskStats stats;
  TrackedDelivery tracked(&out, name, options);
  SourceDelivery* delivery = options.on_topic || options.metrics != nullptr
                                 ? static_cast<SourceDelivery*>(&tracked)
                                 : &out;
  Status s = RunSourceTask(name, source, chain, &errors, delivery, task_options, &stats);
  StopSourceOfRun(source, options);
  (void)offsets.Sync();
  LogInfo(name, "stopped after " + std::to_string(stats.records) + " record(s)");
  if (s.ok()) return 0;
  return Failed(name, s, failure);
}

// Compares positions by the last fully applied transaction.
bool Behind(const source::SourceOffset& a, const source::SourceOffset& b) {
  return a.last_commit_lsn < b.last_commit_lsn ||
         (a.last_commit_lsn == b.last_commit_lsn && a.snapshot.active && !b.snapshot.active);
}

// Creates and opens one sink connector and reads the source position its destination holds.
Status OpenSink(const config::ConnectorConfig& sc, const std::string& partition,
                const RunOptions& options, std::vector<SinkRun>* out) {
  auto js = sink::JdbcSink::Create(sc.name, sc.props);
  if (!js.ok()) return js.status().WithContext(sc.file);
  auto tc = transforms::TransformChain::Create(sc.props);
  if (!tc.ok()) return tc.status().WithContext(sc.file);
  SinkRun run{sc.name, std::move(js).value(), std::move(tc).value(), std::nullopt, 0};
  run.sink->SetInterrupt(pg::Interrupt{options.stop, kSinkStopGrace});
  const auto& cfg = run.sink->config();
  Backoff backoff(RetryPolicy{std::chrono::milliseconds(200),
                              std::chrono::milliseconds(cfg.retry_backoff_ms), cfg.max_retries},
                  options.stop);
  WR_RETURN_IF_ERROR(RetryTransient(
      backoff, [&] { return run.sink->Open(); },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(sc.name, "cannot reach the destination: " + last.message() + "; retrying in " +
                             std::to_string(pause.count()) + " ms (attempt " +
                             std::to_string(failures) + ")");
      }));
  WR_ASSIGN_OR_RETURN(auto pos, run.sink->ReadPosition(partition));
  if (pos.has_value()) {
    auto parsed = source::SourceOffset::FromJson(*pos);
    if (!parsed.ok()) return parsed.status().WithContext("stored position in the destination");
    run.position = *parsed;
    LogInfo(sc.name, "destination holds source position " + parsed->last_commit_end.ToString());
  }
  out->push_back(std::move(run));
  return Status::Ok();
}

// The sink loop: records of many source transactions go to every matching sink in one
// destination transaction together with the position they end at; a source transaction is never
// split; the slot is confirmed only after every sink has committed. Applying runs on the
// SinkApplier's thread while this thread decodes the next batch.
int RunToSinks(const config::ConnectorConfig& cfg, source::PostgresSource* source,
               transforms::TransformChain* chain,
               const std::vector<config::ConnectorConfig>& sink_cfgs, const RunOptions& options,
               RunFailure* failure) {
  const std::string& name = cfg.name;
  // Debezium's source partition for PostgreSQL: {"server": <topic prefix>}.
  const std::string partition = "{\"server\":\"" + source->config().events.topic_prefix + "\"}";
  std::vector<SinkRun> sinks;
  for (const auto& sc : sink_cfgs) {
    Status s = OpenSink(sc, partition, options, &sinks);
    if (s.kind() == ErrorKind::kStopped) return StoppedBeforeStart(name, s);
    if (!s.ok()) return Failed(sc.name, s, failure);
  }
  // Held sinks (paused or stopped): only their positions take part.
  std::vector<SinkRun> held;
  for (const auto& sc : options.held_sinks) {
    Status s = OpenSink(sc, partition, options, &held);
    if (s.kind() == ErrorKind::kStopped) return StoppedBeforeStart(name, s);
    if (!s.ok()) return Failed(sc.name, s, failure);
  }
  // The slot is never confirmed past `hold` (nor at all when `hold_all`).
  std::optional<source::SourceOffset> hold;
  bool hold_all = false;
  for (const auto& h : held) {
    if (!h.position)
      hold_all = true;
    else if (!hold || Behind(*h.position, *hold))
      hold = h.position;
  }
  // When nothing reads the change events' source block, the source does not build it: the
  // connector's transforms flatten the envelopes without reading it, or pass them on untouched to
  // sinks that flatten them or do not read it either.
  const bool source_unread =
      chain->SourceBlockUnread() ||
      (chain->ReadsNoValues() && std::all_of(sinks.begin(), sinks.end(), [](const SinkRun& s) {
         return s.chain.SourceBlockUnread() ||
                (s.chain.ReadsNoValues() && !s.sink->ReadsSourceBlock());
       }));
  if (source_unread) source->OmitSourceBlock();
  // Each poll's records are staged (turned into rows, their values freed) right after the poll.
  // Polls of max.batch.size (2048 by default) records outgrow the CPU's 2 MiB L2 cache before they
  // are staged; smaller ones are still in it (measured: walrelay's CPU fell by 12-21%,
  // docs/performance.md).
  source->LimitPoll(kStagedPoll);
  // Resume from the sink furthest behind; the others skip what they already hold.
  std::optional<source::SourceOffset> start;
  bool any_missing = hold_all;
  for (const auto& s : sinks) {
    if (!s.position)
      any_missing = true;
    else if (!start || Behind(*s.position, *start))
      start = s.position;
  }
  if (hold && (!start || Behind(*hold, *start))) start = hold;
  if (any_missing) start.reset();
  held.clear();  // their connections are not needed any more
  Status started = StartSourceWithRetry(source, start, options.stop);
  if (started.kind() == ErrorKind::kStopped) return StoppedBeforeStart(name, started);
  if (!started.ok()) return Failed(name, started, failure);

  SinkApplier applier(std::move(sinks), partition, options.stop);
  Progress progress(name, std::chrono::seconds(5));
  // Records per destination transaction (whole source transactions, so a batch may exceed it).
  // Each batch costs the destination a few idle milliseconds between COMMIT and the next
  // statements; since rows are staged as they arrive (memory: rows' text, not records' values),
  // 20000 beat 10000 in bench/pg_to_pg.sh (ratios 1.14 and 1.18 against 1.13 and 1.11, peak RSS
  // 44.5 MiB against 31 MiB; docs/performance.md).
  const size_t flush_records = 20000;
  const auto linger = std::chrono::milliseconds(100);
  SinkBatch pending;
  std::vector<data::Record> polled;
  // A poll returns up to max.batch.size records plus those of the change that crossed it; sized
  // once so the batch does not grow by reallocation (capped: the setting may be huge).
  polled.reserve(
      static_cast<size_t>(std::clamp<int64_t>(source->config().max_batch_size, 1, 8192)) + 128);
  pending.records.reserve(flush_records + polled.capacity());
  source::SourceOffset running = source->CurrentOffset();
  std::string stored = running.ToJson();
  auto last_flush = Clock::now();
  auto last_record = Clock::now();
  int64_t received = 0, reported_out = 0;
  int exit_code = 0;
  bool done = false;

  TopicTracker topics(options);
  auto take_committed = [&] {
    applier.ReleaseApplied();
    if (auto committed = applier.TakeCommitted(); committed && !hold_all) {
      source->Commit(hold && Behind(*hold, *committed) ? *hold : *committed);
    }
    int64_t out = applier.records_out();
    progress.CountOut(out - reported_out);
    reported_out = out;
    progress.Applied(applier.last_commit_ts_ms());
    if (options.metrics != nullptr) {
      options.metrics->records_out.store(out);
      Lsn confirmed = source->confirmed_position();
      options.metrics->confirmed_lsn.store(confirmed.value());
      if (source->server_position() > confirmed) {
        options.metrics->lag_bytes.store(
            static_cast<int64_t>(source->server_position().value() - confirmed.value()));
      }
    }
  };
  auto flush = [&]() -> Status {
    std::string position = running.ToJson();
    if (pending.records.empty() && position == stored) return Status::Ok();
    pending.offset = running;
    WR_RETURN_IF_ERROR(applier.Submit(std::move(pending)));
    pending = SinkBatch();
    pending.records = applier.SpareRecords();
    // A flush is due at flush_records, checked after each poll: room for one more poll keeps the
    // batch from being moved by a reallocation.
    pending.records.reserve(flush_records + polled.capacity());
    stored = position;
    last_flush = Clock::now();
    return Status::Ok();
  };

  // A stop request ends the loop like --max-records does: whole transactions already read are
  // handed to the applier, which gets kSinkStopGrace to commit them.
  while (!done) {
    polled.clear();
    bool finished = false;
    auto wait =
        pending.records.empty() ? std::chrono::milliseconds(500) : std::chrono::milliseconds(20);
    Status s = Stopping(options) ? Status::Ok() : source->Poll(&polled, wait, &finished);
    if (s.kind() == ErrorKind::kStopped) s = Status::Ok();  // stopped while reconnecting
    if (Stopping(options)) done = true;
    if (!s.ok()) {
      exit_code = Failed(name, s, failure);
      break;
    }
    progress.CountIn(static_cast<int64_t>(polled.size()));
    if (options.metrics != nullptr) {
      options.metrics->records_in.fetch_add(static_cast<int64_t>(polled.size()),
                                            std::memory_order_relaxed);
    }
    Status ts;
    for (auto& rec : polled) {
      bool keep = true;
      ts = chain->Apply(&rec, &keep);
      if (!ts.ok()) break;
      running.Advance(rec.position);
      ++received;
      if (keep && topics.IsNew(rec.topic)) {
        topics.Report(name, rec.topic);
        for (const SinkRun& sr : applier.sinks()) {
          if (sr.sink->config().Matches(rec.topic)) topics.Report(sr.name, rec.topic);
        }
      }
      if (keep) pending.records.push_back(std::move(rec));
      if (options.max_records >= 0 && received >= options.max_records) done = true;
    }
    if (!ts.ok()) {
      Failed(name, ts, failure);
      exit_code = 1;
      break;
    }
    // The poll's records become rows now, while they are hot in the caches.
    if (Status st = applier.Stage(pending); !st.ok()) {
      exit_code = Failed(name, st, failure);
      break;
    }
    // Only whole source transactions go downstream.
    bool boundary = !running.inflight_tx_lsn.valid();
    if (boundary && !done) running = source->CurrentOffset();
    if (HasChanges(polled)) last_record = Clock::now();
    bool due = pending.records.size() >= flush_records || Clock::now() - last_flush >= linger ||
               finished || done || (polled.empty() && !pending.records.empty());
    // An idle source still moves its position (keepalives); store it now and then so the slot
    // can be confirmed and WAL released.
    bool idle_due = pending.records.empty() && Clock::now() - last_flush >= std::chrono::seconds(5);
    Status fs = boundary && (due || idle_due) ? flush() : applier.error();
    if (!fs.ok()) {
      if (fs.kind() == ErrorKind::kStopped) {
        LogWarn(name, fs.message());
        exit_code = ExitCodeFor(fs);
      } else {
        exit_code = Failed(name, fs, failure);
      }
      break;
    }
    take_committed();
    progress.Maybe(source->server_position(), source->confirmed_position(),
                   polled.empty() && pending.records.empty());
    if (finished) done = true;
    if (options.idle_exit_seconds >= 0 &&
        Clock::now() - last_record >= std::chrono::seconds(options.idle_exit_seconds)) {
      LogInfo(name, "idle for " + std::to_string(options.idle_exit_seconds) + " s: stopping");
      done = true;
    }
  }
  // Everything submitted is applied (or failed) before the slot gets its last confirmation.
  Status drained = applier.Drain();
  if (!drained.ok() && exit_code == 0) {
    if (drained.kind() == ErrorKind::kStopped) {
      LogWarn(name,
              "stopped before the destination confirmed the last batch; it is applied "
              "again after a restart (" +
                  drained.message() + ")");
      exit_code = ExitCodeFor(drained);
    } else {
      exit_code = Failed(name, drained, failure);
    }
  }
  take_committed();
  progress.Finish();
  StopSourceOfRun(source, options);
  for (const auto& s : applier.sinks()) {
    LogInfo(s.name, "applied " + std::to_string(s.applied) + " record(s)");
  }
  return exit_code;
}

// With sinks in process, records are not serialized: one line says converters set in any
// connector are not used, and errors.tolerance=all does not skip records there yet.
void NoteUnusedSettings(const config::ConnectorConfig& source,
                        const std::vector<config::ConnectorConfig>& sinks) {
  std::vector<const config::ConnectorConfig*> all = {&source};
  for (const auto& sink : sinks) all.push_back(&sink);
  std::string converters, tolerant;
  for (const config::ConnectorConfig* c : all) {
    for (const char* key : {"key.converter", "value.converter"}) {
      if (c->Has(key)) converters += ", " + c->name + " " + key + "=" + c->Get(key, "");
    }
    auto policy = ErrorPolicy::Parse(*c);
    if (policy.ok() && policy->tolerate_all) tolerant += (tolerant.empty() ? "" : ", ") + c->name;
  }
  LogInfo(source.name,
          "key and value converters are not used: records go to the sinks in process, not "
          "serialized" +
              (converters.empty() ? std::string() : " (set: " + converters.substr(2) + ")"));
  if (!tolerant.empty()) {
    LogWarn(source.name,
            "errors.tolerance=all is accepted, not implemented yet with sinks in "
            "process: a record a transform fails on stops the run (" +
                tolerant + ")");
  }
}

}  // namespace

std::string OffsetFilePath(const config::ConnectorConfig& source) {
  return source.Get("offset.storage.file.filename", "walrelay-offsets/" + source.name + ".offset");
}

Status CheckInProcessSink(const config::ConnectorConfig& s) {
  const std::string dlq = s.Get("errors.deadletterqueue.topic.name", "");
  if (Trim(dlq).empty()) return Status::Ok();
  return InvalidArgument(
      s.file + ": property 'errors.deadletterqueue.topic.name' has invalid value '" + dlq +
      "': not supported yet with sinks in process (`walrelay run` has no Kafka "
      "to write the dead letter queue to; records sent there would be lost); "
      "allowed: empty");
}

int RunStandalone(const config::ConnectorConfig& source_config,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options,
                  RunFailure* failure) {
  const std::string& name = source_config.name;
  auto chain = transforms::TransformChain::Create(source_config.props);
  if (!chain.ok()) {
    Failed(name, chain.status().WithContext(source_config.file), failure);
    return 2;
  }
  auto source = source::PostgresSource::Create(source_config);
  if (!source.ok()) return Failed(name, source.status(), failure);
  (*source)->SetStop(options.stop);
  if (sinks.empty()) {
    // Every record goes through the chain before it is printed.
    if (chain->SourceBlockUnread()) (*source)->OmitSourceBlock();
    if (options.held_sinks.empty()) {
      return RunToStdout(source_config, source->get(), &*chain, options, failure);
    }
  }
  NoteUnusedSettings(source_config, sinks);
  return RunToSinks(source_config, source->get(), &*chain, sinks, options, failure);
}

}  // namespace walrelay::runtime
