#include "worker/sink_task_runner.h"

#include "common/log.h"
#include "common/retry.h"
#include "worker/kafka_sink_input.h"
#include "worker/source_task_runner.h"

namespace walrelay::worker {

Status KafkaDeadLetterQueue::Send(const runtime::ConsumedMessage& original,
                                  const runtime::DeadLetterContext& context) {
  OutMessage m;
  m.topic = topic_;
  m.key = original.key;
  m.value = original.value;
  m.timestamp_ms = original.timestamp_ms > 0 ? original.timestamp_ms : 0;
  for (const auto& h : original.headers) m.headers.emplace_back(h.key, h.value);
  for (const auto& h : context.headers) m.headers.emplace_back(h.key, h.value);
  const uint64_t token = next_token_++;
  WR_RETURN_IF_ERROR(producer_->Produce(std::move(m), token));
  std::vector<Ack> acks;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    acks.clear();
    producer_->PollAcks(&acks, std::chrono::milliseconds(100));
    for (const Ack& a : acks) {
      if (a.token != token) continue;
      if (!a.status.ok()) return a.status.WithContext("dead letter queue " + topic_);
      return Status::Ok();
    }
  }
  return RetryError("dead letter queue " + topic_ + ": not acknowledged within 60 s");
}

Status SinkTaskRunner::Body(const StopSource& stop) {
  const SinkTaskContext& ctx = *context_;
  const std::string& connector = plan().unit.connector;
  config::ConnectorConfig cfg{connector, "the config topic",
                              WithWorkerConverters(plan().config, ctx.worker_converters)};
  std::vector<std::string> warnings;
  WR_ASSIGN_OR_RETURN(auto parts, runtime::SinkTaskParts::Create(cfg, &warnings));
  for (const std::string& w : warnings) LogWarn(name(), w);
  parts.sink->SetInterrupt(pg::Interrupt{&stop, std::chrono::milliseconds(500)});
  const auto& sink_cfg = parts.sink->config();
  Backoff backoff(
      RetryPolicy{std::chrono::milliseconds(200),
                  std::chrono::milliseconds(sink_cfg.retry_backoff_ms), sink_cfg.max_retries},
      &stop);
  Status opened = RetryTransient(
      backoff, [&] { return parts.sink->Open(); },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(name(), "cannot reach the destination: " + last.message() + "; retrying in " +
                            std::to_string(pause.count()) + " ms (attempt " +
                            std::to_string(failures) + ")");
      });
  if (opened.kind() == ErrorKind::kStopped) return Status::Ok();
  WR_RETURN_IF_ERROR(opened);
  std::unique_ptr<KafkaDeadLetterQueue> dlq;
  if (!parts.policy.dlq_topic.empty()) {
    TopicSpec spec{
        parts.policy.dlq_topic, 1, static_cast<int16_t>(parts.policy.dlq_replication_factor), {}};
    WR_ASSIGN_OR_RETURN(std::unique_ptr<TopicAdmin> own_admin, ctx.connector_admin(plan()));
    WR_RETURN_IF_ERROR((own_admin != nullptr ? own_admin.get() : ctx.admin)->Ensure(spec));
    WR_ASSIGN_OR_RETURN(auto client, ctx.producer_client(plan()));
    WR_ASSIGN_OR_RETURN(auto producer,
                        TaskProducer::Open(client, {}, "", nullptr, parts.policy.dlq_topic));
    dlq = std::make_unique<KafkaDeadLetterQueue>(parts.policy.dlq_topic, std::move(producer));
  }
  WR_ASSIGN_OR_RETURN(auto consumer_client, ctx.consumer_client(plan()));
  WR_ASSIGN_OR_RETURN(
      auto input, KafkaSinkInput::Open(std::move(consumer_client.properties), connector, cfg.props,
                                       consumer_client.max_poll_records));
  runtime::SinkTaskOptions options;
  options.task_id = plan().unit.task;
  options.stop = &stop;
  if (ctx.metrics != nullptr) options.metrics = ctx.metrics->Task(connector, plan().unit.task);
  runtime::SinkTask task(parts.View(connector, input.get(), dlq.get()), options);
  Running();
  Status s = task.Run();
  const auto& stats = task.stats();
  LogInfo(name(), "stopped: " + std::to_string(stats.consumed) + " consumed, " +
                      std::to_string(stats.applied) + " applied, " + std::to_string(stats.skipped) +
                      " replays skipped, " + std::to_string(stats.failed) + " reported");
  if (s.kind() == ErrorKind::kStopped) return Status::Ok();
  return s;
}

}  // namespace walrelay::worker
