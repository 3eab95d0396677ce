#include "worker/source_task_runner.h"

#include <vector>

#include "common/log.h"
#include "config/connector_config.h"
#include "runtime/error_handler.h"
#include "runtime/source_task.h"
#include "source/postgres_source.h"
#include "transforms/transform.h"

namespace walrelay::worker {

std::map<std::string, std::string> WithWorkerConverters(
    std::map<std::string, std::string> props, const std::map<std::string, std::string>& worker) {
  for (const std::string role : {"key.converter", "value.converter"}) {
    if (props.count(role) > 0) continue;
    for (const auto& [k, v] : worker) {
      if (k == role || k.rfind(role + ".", 0) == 0) props.emplace(k, v);
    }
  }
  return props;
}

Status SourceTaskRunner::Body(const StopSource& stop) {
  const SourceTaskContext& ctx = *context_;
  const std::string& connector = plan().unit.connector;
  config::ConnectorConfig cfg{connector, "the config topic",
                              WithWorkerConverters(plan().config, ctx.worker_converters)};
  WR_ASSIGN_OR_RETURN(auto chain, transforms::TransformChain::Create(cfg.props));
  WR_ASSIGN_OR_RETURN(auto source, source::PostgresSource::Create(cfg));
  source->SetStop(&stop);
  std::vector<std::string> warnings;
  WR_ASSIGN_OR_RETURN(auto key_settings,
                      convert::ConverterSettings::Parse(cfg, /*is_key=*/true, &warnings));
  WR_ASSIGN_OR_RETURN(auto value_settings,
                      convert::ConverterSettings::Parse(cfg, /*is_key=*/false, &warnings));
  WR_ASSIGN_OR_RETURN(auto policy, runtime::ErrorPolicy::Parse(cfg));
  for (const std::string& w : warnings) LogWarn(name(), w);

  // The producer first: with exactly.once.source.support its transactional id fences a previous
  // owner of the task (a zombie) before the offset is read, so nothing that owner could still
  // commit is missed (Kafka Connect orders them so too); without, it connects and gets its
  // producer id while PostgreSQL starts streaming.
  WR_ASSIGN_OR_RETURN(auto producer, ctx.producer(plan()));
  // A previous owner (on the worker the task moved from) writes its last offset before it lets
  // the slot go: wait for that, or the offset read next would be older than the slot.
  Status freed = source->AwaitSlotFree();
  if (freed.kind() == ErrorKind::kStopped) return Status::Ok();
  WR_RETURN_IF_ERROR(freed);
  const std::string key = ctx.offset_key(connector, source->config().events.topic_prefix);
  auto stored_or = ctx.read_offset(key, &stop);
  if (stored_or.status().kind() == ErrorKind::kStopped) return Status::Ok();
  WR_ASSIGN_OR_RETURN(auto stored, std::move(stored_or));
  std::optional<source::SourceOffset> start;
  if (stored) {
    auto parsed = ctx.decode_offset(*stored);
    if (!parsed.ok()) return parsed.status().WithContext("offset topic " + ctx.offset_topic);
    start = std::move(*parsed);
    LogInfo(name(), "resuming from the offset topic at " + start->last_commit_end.ToString());
  }
  Status started = runtime::StartSourceWithRetry(source.get(), start, &stop);
  if (started.kind() == ErrorKind::kStopped) return Status::Ok();
  WR_RETURN_IF_ERROR(started);
  KafkaDelivery::Options options;
  options.connector = name();
  options.offset_topic = ctx.offset_topic;
  options.offset_key = key;
  options.encode_offset = ctx.encode_offset;
  options.flush_interval = ctx.flush_interval;
  options.exactly_once = ctx.exactly_once;
  options.stop = &stop;
  std::shared_ptr<runtime::TaskMetrics> metrics;
  if (ctx.metrics != nullptr) metrics = ctx.metrics->Task(connector, plan().unit.task);
  options.metrics = metrics;
  KafkaDelivery delivery(std::move(options), convert::CreateConverter(key_settings),
                         convert::CreateConverter(value_settings), producer.get());
  runtime::ErrorHandler errors(name(), policy);
  Running();
  runtime::SourceTaskOptions task_options;
  task_options.stop = &stop;
  task_options.metrics = metrics;
  runtime::SourceTaskStats stats;
  Status s = runtime::RunSourceTask(name(), source.get(), &chain, &errors, &delivery, task_options,
                                    &stats);
  source->Stop();
  LogInfo(name(), "stopped after " + std::to_string(stats.records) + " record(s), " +
                      std::to_string(delivery.acknowledged()) + " acknowledged by Kafka");
  return s;
}

}  // namespace walrelay::worker
