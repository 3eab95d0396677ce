#include "runtime/sink_task.h"

#include <algorithm>
#include <set>
#include <utility>

#include "common/log.h"
#include "common/retry.h"
#include "convert/string_converter.h"
#include "sink/record_decoder.h"

namespace walrelay::runtime {
namespace {

using Clock = std::chrono::steady_clock;
using sink::JdbcSink;

constexpr char kDataException[] = "org.apache.kafka.connect.errors.DataException";
constexpr char kSqlException[] = "java.sql.SQLException";
constexpr char kStageKeyConverter[] = "KEY_CONVERTER";
constexpr char kStageValueConverter[] = "VALUE_CONVERTER";
constexpr char kStageTransformation[] = "TRANSFORMATION";
constexpr char kStageTaskPut[] = "TASK_PUT";

std::string Describe(const KafkaTopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

KafkaTopicPartition PartitionOf(const ConsumedMessage& m) { return {m.topic, m.partition}; }

// "transform 'alias': ..." (TransformChain::Apply's context) -> alias.
std::string FailedTransformAlias(const std::string& message) {
  const std::string prefix = "transform '";
  if (message.rfind(prefix, 0) != 0) return "";
  const size_t end = message.find('\'', prefix.size());
  return end == std::string::npos ? "" : message.substr(prefix.size(), end - prefix.size());
}

}  // namespace

std::vector<MessageHeader> DeadLetterContextHeaders(const ConsumedMessage& original,
                                                    const DeadLetterContext& context,
                                                    const std::string& connector, int task_id) {
  std::vector<MessageHeader> h = {
      {kDlqHeaderTopic, original.topic},
      {kDlqHeaderPartition, std::to_string(original.partition)},
      {kDlqHeaderOffset, std::to_string(original.offset)},
      {kDlqHeaderConnector, connector},
      {kDlqHeaderTaskId, std::to_string(task_id)},
      {kDlqHeaderStage, context.stage},
      {kDlqHeaderClass, context.executing_class},
      {kDlqHeaderExceptionClass, context.exception_class},
      {kDlqHeaderExceptionMessage, context.message},
      {kDlqHeaderExceptionStacktrace, context.exception_class + ": " + context.message + "\n"},
  };
  return h;
}

SinkTask::SinkTask(Parts parts, SinkTaskOptions options)
    : parts_(std::move(parts)), options_(options) {}

RetryPolicy JdbcSinkWriter::retry_policy() const {
  const sink::SinkConfig& cfg = sink_->config();
  return RetryPolicy{std::chrono::milliseconds(200),
                     std::chrono::milliseconds(cfg.retry_backoff_ms), cfg.max_retries};
}

std::string JdbcSinkWriter::task_class() const {
  return sink_->config().flavor == sink::SinkFlavor::kDebezium
             ? "io.debezium.connector.jdbc.JdbcSinkConnectorTask"
             : "io.confluent.connect.jdbc.sink.JdbcSinkTask";
}

Status SinkTask::Run() {
  if (!parts_.policy.dlq_topic.empty() && parts_.dlq == nullptr) {
    return InvalidArgument("connector " + parts_.connector +
                           ": errors.deadletterqueue.topic.name is set but the task has no dead "
                           "letter queue producer");
  }
  const StopSource* stop = options_.stop;
  auto stopping = [&] { return stop != nullptr && stop->stop_requested(); };
  auto last_flush = Clock::now();
  std::vector<SinkInputItem> items;
  Status result;
  while (!stopping()) {
    items.clear();
    Status polled = parts_.input->Poll(options_.poll_timeout, stop, &items);
    if (!polled.ok()) {
      result = polled.WithContext("consuming");
      break;
    }
    if (stopping()) break;
    for (SinkInputItem& item : items) {
      result = Handle(item);
      if (!result.ok() || stopping()) break;
      if (pending_.size() >= options_.max_batch_records) {
        result = Flush();
        last_flush = Clock::now();
        if (!result.ok()) break;
      }
    }
    if (!result.ok() || stopping()) break;
    const bool due =
        !batch_next_.empty() && (items.empty() || Clock::now() - last_flush >= options_.linger);
    if (due) {
      result = Flush();
      last_flush = Clock::now();
      if (!result.ok()) break;
    }
    PublishMetrics(/*idle=*/items.empty() && pending_.empty());
  }
  PublishMetrics(/*idle=*/false);
  if (stopping() && (result.ok() || result.kind() == ErrorKind::kStopped)) {
    if (!pending_.empty()) {
      LogInfo(parts_.connector, "stopping: " + std::to_string(pending_.size()) +
                                    " record(s) not yet committed are applied after a restart");
    }
    return Status::Ok();
  }
  if (!result.ok()) LogError(parts_.connector, result.message());
  return result;
}

Status SinkTask::Handle(SinkInputItem& item) {
  if (auto* m = std::get_if<ConsumedMessage>(&item)) return OnMessage(std::move(*m));
  const AssignmentEvent& e = std::get<AssignmentEvent>(item);
  switch (e.kind) {
    case AssignmentEvent::Kind::kAssigned:
      return OnAssigned(e.partitions);
    case AssignmentEvent::Kind::kRevoked:
      OnRevoked(e.partitions, /*lost=*/false);
      return Status::Ok();
    case AssignmentEvent::Kind::kLost:
      OnRevoked(e.partitions, /*lost=*/true);
      return Status::Ok();
  }
  return Status::Ok();
}

Status SinkTask::OnAssigned(const std::vector<KafkaTopicPartition>& partitions) {
  // A partition assigned again without a revocation first starts over from the destination.
  OnRevoked(partitions, /*lost=*/false);
  for (const auto& tp : partitions) assigned_[tp] = PartitionState{};
  return SeekToDestination(partitions);
}

void SinkTask::OnRevoked(const std::vector<KafkaTopicPartition>& partitions, bool lost) {
  std::set<KafkaTopicPartition> gone(partitions.begin(), partitions.end());
  size_t before = pending_.size();
  std::erase_if(pending_, [&](const Pending& p) { return gone.count(PartitionOf(p.origin)) > 0; });
  for (const auto& tp : partitions) {
    assigned_.erase(tp);
    batch_next_.erase(tp);
    batch_first_.erase(tp);
  }
  if (before != pending_.size()) {
    LogInfo(parts_.connector, std::string(lost ? "lost" : "revoked") +
                                  " partition(s): " + std::to_string(before - pending_.size()) +
                                  " record(s) not yet applied are left to their next owner");
  }
}

Status SinkTask::SeekToDestination(const std::vector<KafkaTopicPartition>& partitions) {
  if (partitions.empty()) return Status::Ok();
  Backoff backoff(parts_.writer->retry_policy(), options_.stop);
  std::map<std::string, std::string> positions;
  WR_RETURN_IF_ERROR(RetryTransient(
      backoff,
      [&]() -> Status {
        auto r = parts_.writer->ReadPositions();
        if (!r.ok()) return r.status();
        positions = std::move(r).value();
        return Status::Ok();
      },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(parts_.connector, "cannot read the destination's positions (" + last.message() +
                                      "); retrying in " + std::to_string(pause.count()) +
                                      " ms (attempt " + std::to_string(failures) + ")");
      }));
  for (const auto& tp : partitions) {
    auto state = assigned_.find(tp);
    if (state == assigned_.end()) continue;
    auto it = positions.find(sink::KafkaPartitionKey(tp));
    if (it == positions.end()) {
      state->second = PartitionState{};
      // Nothing stored: the consumer's own position (the group's committed offset, a hint)
      // decides, unless this task already consumed from it and dropped what it read.
      if (auto first = batch_first_.find(tp); first != batch_first_.end()) {
        WR_RETURN_IF_ERROR(parts_.input->Seek(tp, first->second));
      }
      continue;
    }
    auto offset = sink::ParseKafkaPosition(it->second);
    if (!offset.ok()) {
      return offset.status().WithContext("the destination's position for " + it->first);
    }
    state->second = PartitionState{it->second, *offset};
    WR_RETURN_IF_ERROR(parts_.input->Seek(tp, *offset));
    LogInfo(parts_.connector, "partition " + Describe(tp) + ": resuming at offset " +
                                  std::to_string(*offset) + " (the destination's position)");
  }
  return Status::Ok();
}

Status SinkTask::Report(const ConsumedMessage& message, std::string_view stage,
                        const std::string& executing_class, const std::string& exception_class,
                        const Status& failure) {
  ++stats_.failed;
  const ErrorPolicy& policy = parts_.policy;
  const std::string where = "topic " + message.topic + ", partition " +
                            std::to_string(message.partition) + ", offset " +
                            std::to_string(message.offset);
  if (policy.log) {
    std::string line = "Error encountered in task " + parts_.connector + "-" +
                       std::to_string(options_.task_id) + ". Executing stage '" +
                       std::string(stage) + "' with class '" + executing_class +
                       "', where consumed record is {" + where + "}: " + failure.message();
    if (policy.log_messages) {
      line += "; key=" + (message.key ? convert::DecodeUtf8Lossy(*message.key) : "null") +
              ", value=" + (message.value ? convert::DecodeUtf8Lossy(*message.value) : "null");
    }
    LogError(parts_.connector, line);
  }
  if (parts_.dlq != nullptr && !policy.dlq_topic.empty()) {
    DeadLetterContext context{
        std::string(stage), executing_class, exception_class, failure.message(), {}};
    if (policy.dlq_context_headers) {
      context.headers =
          DeadLetterContextHeaders(message, context, parts_.connector, options_.task_id);
    }
    WR_RETURN_IF_ERROR(
        parts_.dlq->Send(message, context)
            .WithContext("sending " + where + " to the dead letter queue " + policy.dlq_topic));
    ++stats_.dead_lettered;
  }
  if (policy.tolerate_all) return Status::Ok();
  return Status(failure.kind() == ErrorKind::kOk ? ErrorKind::kDataError : failure.kind(),
                "Tolerance exceeded in error handler: " + std::string(stage) + " failed for " +
                    where + ": " + failure.message());
}

Status SinkTask::OnMessage(ConsumedMessage message) {
  ++stats_.consumed;
  const KafkaTopicPartition tp = PartitionOf(message);
  auto state = assigned_.find(tp);
  if (state == assigned_.end()) {
    // Fetched before a revocation took effect: its next owner applies it.
    ++stats_.skipped;
    return Status::Ok();
  }
  if (state->second.next && message.offset < *state->second.next) {
    ++stats_.skipped;  // already in the destination (a replay after a seek or a rebalance)
    return Status::Ok();
  }
  state->second.next = message.offset + 1;
  batch_next_[tp] = message.offset + 1;
  batch_first_.emplace(tp, message.offset);

  data::Record rec;
  rec.topic = message.topic;
  rec.partition = message.partition;
  if (message.timestamp_ms >= 0) rec.timestamp_ms = message.timestamp_ms;
  auto key = parts_.key_converter->Deserialize(
      message.topic, /*is_key=*/true,
      message.key ? std::optional<std::string_view>(*message.key) : std::nullopt);
  if (!key.ok()) {
    return Report(message, kStageKeyConverter, parts_.key_converter_class, kDataException,
                  key.status());
  }
  auto value = parts_.value_converter->Deserialize(
      message.topic, /*is_key=*/false,
      message.value ? std::optional<std::string_view>(*message.value) : std::nullopt);
  if (!value.ok()) {
    return Report(message, kStageValueConverter, parts_.value_converter_class, kDataException,
                  value.status());
  }
  rec.key_schema = std::move(key->schema);
  rec.key = std::move(key->value);
  rec.value_schema = std::move(value->schema);
  rec.value = std::move(value->value);
  // Headers as Kafka Connect's SimpleHeaderConverter reads plain text: optional strings.
  for (const MessageHeader& h : message.headers) {
    rec.headers.push_back(
        {h.key, data::PrimitiveSchema(data::Type::kString, true),
         h.value ? data::Value(convert::DecodeUtf8Lossy(*h.value)) : data::Value()});
  }
  bool keep = true;
  if (!parts_.chain->empty()) {
    Status t = parts_.chain->Apply(&rec, &keep);
    if (!t.ok()) {
      auto cls = parts_.transform_classes.find(FailedTransformAlias(t.message()));
      return Report(message, kStageTransformation,
                    cls == parts_.transform_classes.end() ? "" : cls->second, kDataException, t);
    }
  }
  if (!keep) return Status::Ok();  // filtered: its offset still moves the position
  rec.headers.push_back({sink::kKafkaOffsetHeader, data::PrimitiveSchema(data::Type::kInt64, false),
                         data::Value(message.offset)});
  pending_.push_back(Pending{std::move(rec), std::move(message)});
  return Status::Ok();
}

std::vector<JdbcSink::PositionUpdate> SinkTask::PositionsFor(
    const std::map<KafkaTopicPartition, int64_t>& next) const {
  std::vector<JdbcSink::PositionUpdate> out;
  out.reserve(next.size());
  for (const auto& [tp, offset] : next) {
    auto state = assigned_.find(tp);
    out.push_back({sink::KafkaPartitionKey(tp), sink::KafkaPosition(offset), /*check=*/true,
                   state == assigned_.end() ? std::nullopt : state->second.stored});
  }
  return out;
}

void SinkTask::Committed(const std::map<KafkaTopicPartition, int64_t>& next) {
  for (const auto& [tp, offset] : next) {
    if (auto state = assigned_.find(tp); state != assigned_.end()) {
      state->second.stored = sink::KafkaPosition(offset);
    }
  }
  ++stats_.batches;
  parts_.input->CommitHint(next);
}

Result<JdbcSink::ApplyOutcome> SinkTask::ApplyWithRetry(
    const std::vector<JdbcSink::PositionUpdate>& positions) {
  Backoff backoff(parts_.writer->retry_policy(), options_.stop);
  JdbcSink::ApplyOutcome outcome = JdbcSink::ApplyOutcome::kApplied;
  WR_RETURN_IF_ERROR(RetryTransient(
      backoff,
      [&]() -> Status {
        auto r = parts_.writer->Apply(positions);
        if (!r.ok()) return r.status();
        outcome = *r;
        return Status::Ok();
      },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(parts_.connector, "destination unavailable (" + last.message() +
                                      "); retrying the batch in " + std::to_string(pause.count()) +
                                      " ms (attempt " + std::to_string(failures) + ")");
      }));
  return outcome;
}

Status SinkTask::Flush() {
  if (batch_next_.empty()) return Status::Ok();
  std::vector<const data::Record*> records;
  // Records that cannot become rows are reported one by one (Prepare names no index).
  for (;;) {
    records.clear();
    for (const Pending& p : pending_) records.push_back(&p.record);
    Status prepared = parts_.writer->Prepare(records);
    if (prepared.ok()) break;
    if (prepared.kind() != ErrorKind::kDataError) return prepared;
    size_t bad = pending_.size();
    Status why;
    for (size_t i = 0; i < pending_.size() && bad == pending_.size(); ++i) {
      why = parts_.writer->Prepare({&pending_[i].record});
      if (!why.ok()) bad = i;
    }
    if (bad == pending_.size()) return prepared;  // fails as a batch only: not a record's fault
    WR_RETURN_IF_ERROR(Report(pending_[bad].origin, kStageTaskPut, parts_.writer->task_class(),
                              kDataException, why));
    pending_.erase(pending_.begin() + static_cast<std::ptrdiff_t>(bad));
  }
  auto outcome = ApplyWithRetry(PositionsFor(batch_next_));
  if (!outcome.ok()) {
    if (outcome.status().kind() == ErrorKind::kDataError) return ApplyOneByOne();
    return outcome.status();
  }
  if (*outcome == JdbcSink::ApplyOutcome::kFenced) return Fenced();
  stats_.applied += static_cast<int64_t>(pending_.size());
  if (options_.metrics != nullptr) {
    options_.metrics->batch_size.Observe(static_cast<double>(pending_.size()));
  }
  for (const Pending& p : pending_) {
    newest_applied_ts_ms_ = std::max(newest_applied_ts_ms_, p.origin.timestamp_ms);
  }
  Committed(batch_next_);
  pending_.clear();
  batch_next_.clear();
  batch_first_.clear();
  return Status::Ok();
}

Status SinkTask::ApplyOneByOne() {
  LogWarn(parts_.connector, "the destination refused a row of a batch of " +
                                std::to_string(pending_.size()) +
                                " record(s): applying them one per transaction to find it");
  for (const Pending& p : pending_) {
    const std::map<KafkaTopicPartition, int64_t> next = {
        {PartitionOf(p.origin), p.origin.offset + 1}};
    WR_RETURN_IF_ERROR(parts_.writer->Prepare({&p.record}));
    auto outcome = ApplyWithRetry(PositionsFor(next));
    if (!outcome.ok()) {
      if (outcome.status().kind() != ErrorKind::kDataError) return outcome.status();
      WR_RETURN_IF_ERROR(Report(p.origin, kStageTaskPut, parts_.writer->task_class(), kSqlException,
                                outcome.status()));
      continue;  // its offset is stored with the next record of its partition, or below
    }
    if (*outcome == JdbcSink::ApplyOutcome::kFenced) return Fenced();
    ++stats_.applied;
    if (options_.metrics != nullptr) options_.metrics->batch_size.Observe(1);
    newest_applied_ts_ms_ = std::max(newest_applied_ts_ms_, p.origin.timestamp_ms);
    Committed(next);
  }
  // Partitions whose last messages were refused, filtered or failed earlier: store where they end.
  std::map<KafkaTopicPartition, int64_t> rest;
  for (const auto& [tp, offset] : batch_next_) {
    auto state = assigned_.find(tp);
    if (state != assigned_.end() && state->second.stored != sink::KafkaPosition(offset)) {
      rest.emplace(tp, offset);
    }
  }
  if (!rest.empty()) {
    WR_RETURN_IF_ERROR(parts_.writer->Prepare({}));
    auto outcome = ApplyWithRetry(PositionsFor(rest));
    if (!outcome.ok()) return outcome.status();
    if (*outcome == JdbcSink::ApplyOutcome::kFenced) return Fenced();
    Committed(rest);
  }
  pending_.clear();
  batch_next_.clear();
  batch_first_.clear();
  return Status::Ok();
}

void SinkTask::PublishMetrics(bool idle) {
  TaskMetrics* m = options_.metrics.get();
  if (m == nullptr) return;
  m->records_in.fetch_add(stats_.consumed - published_.consumed, std::memory_order_relaxed);
  m->records_out.fetch_add(stats_.applied - published_.applied, std::memory_order_relaxed);
  m->errors.fetch_add(stats_.failed - published_.failed, std::memory_order_relaxed);
  m->dlq_records.fetch_add(stats_.dead_lettered - published_.dead_lettered,
                           std::memory_order_relaxed);
  published_ = stats_;
  int64_t lag_ms = 0;
  if (!idle && newest_applied_ts_ms_ > 0) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    lag_ms = std::max<int64_t>(0, now_ms - newest_applied_ts_ms_);
  }
  m->lag_ms.store(lag_ms, std::memory_order_relaxed);
  // The consumer's own figure, at most once a second (it asks librdkafka's main thread).
  const auto now = Clock::now();
  if (now - behind_checked_ >= std::chrono::seconds(1)) {
    behind_checked_ = now;
    if (auto behind = parts_.input->RecordsBehind()) {
      m->lag_records.store(*behind, std::memory_order_relaxed);
    }
  }
}

Status SinkTask::Fenced() {
  ++stats_.fenced;
  LogWarn(parts_.connector,
          "another task applied some of this batch's partitions meanwhile: dropping the batch (" +
              std::to_string(pending_.size()) +
              " record(s)) and resuming every partition at the destination's position");
  pending_.clear();
  batch_next_.clear();
  std::vector<KafkaTopicPartition> all;
  for (const auto& [tp, state] : assigned_) all.push_back(tp);
  Status s = SeekToDestination(all);
  batch_first_.clear();
  return s;
}

Result<SinkTaskParts> SinkTaskParts::Create(const config::ConnectorConfig& config,
                                            std::vector<std::string>* warnings) {
  SinkTaskParts p;
  WR_ASSIGN_OR_RETURN(p.sink, sink::JdbcSink::Create(config.name, config.props));
  p.writer = std::make_unique<JdbcSinkWriter>(p.sink.get());
  auto chain = transforms::TransformChain::Create(config.props);
  if (!chain.ok()) return chain.status().WithContext(config.file);
  p.chain = std::move(chain).value();
  WR_ASSIGN_OR_RETURN(p.key_settings,
                      convert::ConverterSettings::Parse(config, /*is_key=*/true, warnings));
  WR_ASSIGN_OR_RETURN(p.value_settings,
                      convert::ConverterSettings::Parse(config, /*is_key=*/false, warnings));
  p.key_converter = convert::CreateConverter(p.key_settings);
  p.value_converter = convert::CreateConverter(p.value_settings);
  WR_ASSIGN_OR_RETURN(p.policy, ErrorPolicy::Parse(config));
  const std::string prefix = "transforms.";
  for (const auto& [key, value] : config.props) {
    if (key.rfind(prefix, 0) == 0 && key.size() > prefix.size() + 5 &&
        key.compare(key.size() - 5, 5, ".type") == 0) {
      p.transform_classes[key.substr(prefix.size(), key.size() - prefix.size() - 5)] = value;
    }
  }
  return p;
}

SinkTask::Parts SinkTaskParts::View(const std::string& connector, SinkInput* input,
                                    DeadLetterQueue* dlq) {
  SinkTask::Parts parts;
  parts.connector = connector;
  parts.writer = writer.get();
  parts.chain = &chain;
  parts.key_converter = key_converter.get();
  parts.value_converter = value_converter.get();
  parts.key_converter_class = key_settings.class_name;
  parts.value_converter_class = value_settings.class_name;
  parts.transform_classes = transform_classes;
  parts.policy = policy;
  parts.input = input;
  parts.dlq = dlq;
  return parts;
}

}  // namespace walrelay::runtime
