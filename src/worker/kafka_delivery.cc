#include "worker/kafka_delivery.h"

#include "common/log.h"
#include "common/retry.h"
#include "convert/header_converter.h"

namespace walrelay::worker {

KafkaDelivery::KafkaDelivery(Options options, std::unique_ptr<convert::Converter> key,
                             std::unique_ptr<convert::Converter> value, ProducerPort* producer)
    : options_(std::move(options)),
      key_(std::move(key)),
      value_(std::move(value)),
      producer_(producer),
      last_flush_(std::chrono::steady_clock::now()) {}

Status KafkaDelivery::Send(const data::Record& rec, std::string_view* stage) {
  OutMessage m;
  m.topic = rec.topic;
  m.partition = rec.partition.value_or(-1);
  m.timestamp_ms = rec.timestamp_ms;
  std::string bytes;
  WR_ASSIGN_OR_RETURN(bool has_key, [&]() -> Result<bool> {
    auto r = key_->Serialize(rec.topic, true, rec.key_schema, rec.key, &bytes);
    if (!r.ok()) *stage = "key converter";
    return r;
  }());
  if (has_key) m.key = std::move(bytes);
  bytes.clear();
  auto has_value = value_->Serialize(rec.topic, false, rec.value_schema, rec.value, &bytes);
  if (!has_value.ok()) {
    *stage = "value converter";
    return has_value.status();
  }
  if (*has_value) m.value = std::move(bytes);
  for (const data::Header& h : rec.headers) {
    auto text = convert::SimpleHeaderBytes(h);
    if (!text.ok()) {
      *stage = "header converter";
      return text.status();
    }
    m.headers.emplace_back(h.key, std::move(*text));
  }
  return Queue(std::move(m));
}

Status KafkaDelivery::Queue(OutMessage m) {
  if (options_.exactly_once && !in_transaction_) {
    WR_RETURN_IF_ERROR(producer_->BeginTransaction());
    in_transaction_ = true;
  }
  WR_RETURN_IF_ERROR(EnsureTopic(m.topic));
  const uint64_t token = next_token_++;
  WR_RETURN_IF_ERROR(producer_->Produce(std::move(m), token));
  outstanding_.insert(token);
  if (options_.metrics != nullptr) sent_at_[token] = std::chrono::steady_clock::now();
  // Acks are collected as they come, so the outstanding set stays small.
  return Collect(std::chrono::milliseconds(0));
}

Status KafkaDelivery::EnsureTopic(const std::string& topic) {
  // A transient failure (no answer within the admin client's timeout, as while the broker it
  // takes for the controller is down) is retried until a stop, as Kafka Connect retries a topic
  // creation that timed out: failing the task would stop the connector for a broker restart.
  // Called for every record: the producer answers from its cache, and only a failure builds a
  // retry schedule.
  Status first = producer_->EnsureTopic(topic);
  if (first.ok() || !IsTransient(first)) return first;
  Backoff backoff(RetryPolicy{std::chrono::milliseconds(200), std::chrono::seconds(5), -1},
                  options_.stop);
  WR_RETURN_IF_ERROR(backoff.Pause(first, [&](std::chrono::milliseconds pause) {
    LogWarn(options_.connector,
            first.message() + "; retrying in " + std::to_string(pause.count()) + " ms (attempt 1)");
  }));
  return RetryTransient(
      backoff, [&] { return producer_->EnsureTopic(topic); },
      [&](const Status& last, int64_t failures, std::chrono::milliseconds pause) {
        LogWarn(options_.connector, last.message() + "; retrying in " +
                                        std::to_string(pause.count()) + " ms (attempt " +
                                        std::to_string(failures) + ")");
      });
}

Status KafkaDelivery::Collect(std::chrono::milliseconds wait) {
  acks_.clear();
  producer_->PollAcks(&acks_, wait);
  for (const Ack& ack : acks_) {
    if (!ack.status.ok()) {
      // librdkafka has retried already (delivery.timeout.ms): the record may or may not be in
      // Kafka, and later ones may be. The task fails; a restart resumes from the stored offset.
      return ack.status.WithContext(options_.connector + ": delivery to Kafka failed");
    }
    if (ack.token == offset_token_) {
      offset_token_ = 0;
      durable_ = std::move(offset_in_flight_);
      offset_in_flight_.reset();
      continue;
    }
    outstanding_.erase(ack.token);
    ++acknowledged_;
    if (options_.metrics != nullptr) {
      auto it = sent_at_.find(ack.token);
      if (it != sent_at_.end()) {
        options_.metrics->produce_latency.Observe(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - it->second).count());
        sent_at_.erase(it);
      }
      options_.metrics->records_out.fetch_add(1, std::memory_order_relaxed);
    }
  }
  return Status::Ok();
}

Status KafkaDelivery::Mark(const source::SourceOffset& offset) {
  const uint64_t last = next_token_ - 1;
  if (!marks_.empty() && marks_.back().first == last) {
    marks_.back().second = offset;  // nothing sent since: the newer offset replaces it
  } else {
    marks_.emplace_back(last, offset);
  }
  return Status::Ok();
}

std::optional<source::SourceOffset> KafkaDelivery::CompleteMarks() {
  const uint64_t lowest = outstanding_.empty() ? next_token_ : *outstanding_.begin();
  std::optional<source::SourceOffset> out;
  while (!marks_.empty() && marks_.front().first < lowest) {
    out = std::move(marks_.front().second);
    marks_.pop_front();
  }
  return out;
}

Status KafkaDelivery::WriteOffset(const source::SourceOffset& offset) {
  OutMessage m;
  m.topic = options_.offset_topic;
  m.key = options_.offset_key;
  m.value = options_.encode_offset(offset);
  stored_value_ = *m.value;
  stored_snapshot_active_ = offset.snapshot.active;
  // Kafka Connect writes the offsets of a source partition to the partition its key hashes to;
  // so does the producer's partitioner here.
  offset_token_ = next_token_++;
  offset_in_flight_ = offset;
  return producer_->Produce(std::move(m), offset_token_);
}

Result<std::optional<source::SourceOffset>> KafkaDelivery::TakeDurable() {
  WR_RETURN_IF_ERROR(Collect(std::chrono::milliseconds(0)));
  if (options_.exactly_once) {
    // One Kafka transaction per batch: the records sent since the last commit and the offset
    // after them.
    if (!marks_.empty()) {
      source::SourceOffset offset = marks_.back().second;
      marks_.clear();
      if (!in_transaction_) {
        WR_RETURN_IF_ERROR(producer_->BeginTransaction());
        in_transaction_ = true;
      }
      if (options_.encode_offset(offset) != stored_value_) {
        WR_RETURN_IF_ERROR(WriteOffset(offset));
      }
      const auto commit_start = std::chrono::steady_clock::now();
      WR_RETURN_IF_ERROR(producer_->CommitTransaction());
      in_transaction_ = false;
      // A commit waits for every record of the transaction; one that waits long (a broker gone,
      // a leader being elected) is worth a line: the source reads no WAL meanwhile.
      const auto commit_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - commit_start)
                                 .count();
      if (commit_ms >= 5000) {
        LogWarn(options_.connector, "a Kafka transaction of " +
                                        std::to_string(outstanding_.size()) + " record(s) took " +
                                        std::to_string(commit_ms) + " ms to commit");
      }
      // The commit waited for every message of the transaction.
      WR_RETURN_IF_ERROR(Collect(std::chrono::milliseconds(0)));
      acknowledged_ += static_cast<int64_t>(outstanding_.size());
      outstanding_.clear();
      sent_at_.clear();
      offset_token_ = 0;
      offset_in_flight_.reset();
      last_flush_ = std::chrono::steady_clock::now();
      return std::optional<source::SourceOffset>(std::move(offset));
    }
    return std::optional<source::SourceOffset>();
  }
  if (auto done = CompleteMarks()) delivered_ = std::move(done);
  const auto now = std::chrono::steady_clock::now();
  // Offsets are written every flush interval (offset.flush.interval.ms), and at once when there
  // is none yet or a snapshot has just ended: a worker killed before its first flush must not
  // make its successor snapshot again.
  const bool urgent = delivered_ && (stored_value_.empty() ||
                                     delivered_->snapshot.active != stored_snapshot_active_);
  if (offset_token_ == 0 && delivered_ &&
      (urgent || now - last_flush_ >= options_.flush_interval)) {
    if (options_.encode_offset(*delivered_) != stored_value_) {
      WR_RETURN_IF_ERROR(WriteOffset(*delivered_));
    }
    delivered_.reset();
    last_flush_ = now;
  }
  std::optional<source::SourceOffset> out = std::move(durable_);
  durable_.reset();
  return out;
}

Status KafkaDelivery::Drain() {
  auto stopping = [&] { return options_.stop != nullptr && options_.stop->stop_requested(); };
  if (options_.exactly_once) {
    if (marks_.empty()) {
      if (in_transaction_) {
        // Records after the last mark belong to no complete offset: abort them; a restart
        // produces them again.
        WR_RETURN_IF_ERROR(producer_->AbortTransaction());
        in_transaction_ = false;
      }
      return Status::Ok();
    }
    auto r = TakeDurable();
    if (!r.ok()) return r.status();
    durable_ = std::move(*r);
    return Status::Ok();
  }
  // Every record acknowledged, then the last offset written and acknowledged. A stop gives the
  // broker a grace of one second; what is still unacknowledged then is sent again after a restart.
  const auto grace = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (true) {
    WR_RETURN_IF_ERROR(Collect(std::chrono::milliseconds(50)));
    if (auto done = CompleteMarks()) delivered_ = std::move(done);
    if (offset_token_ == 0 && delivered_) {
      if (options_.encode_offset(*delivered_) != stored_value_) {
        WR_RETURN_IF_ERROR(WriteOffset(*delivered_));
      }
      delivered_.reset();
    }
    if (outstanding_.empty() && offset_token_ == 0 && marks_.empty()) break;
    if (stopping() && std::chrono::steady_clock::now() >= grace) {
      return StoppedError(options_.connector + ": stopped with " +
                          std::to_string(outstanding_.size()) +
                          " record(s) not yet acknowledged by Kafka; they are sent again after "
                          "a restart");
    }
  }
  return Status::Ok();
}

}  // namespace walrelay::worker
