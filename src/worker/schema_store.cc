#include "worker/schema_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "common/log.h"
#include "common/retry.h"
#include "common/strings.h"
#include "registry/schema_records.h"

namespace walrelay::worker {
namespace {

constexpr const char* kLog = "schema-store";

}  // namespace

std::string KafkaSchemaStore::TransactionalId(const std::string& group_id,
                                              const std::string& topic) {
  return group_id + "-" + topic + "-leader";
}

Result<std::unique_ptr<KafkaSchemaStore>> KafkaSchemaStore::Open(const Options& options,
                                                                 registry::RegistryState* state,
                                                                 const StopSource* stop) {
  std::unique_ptr<KafkaSchemaStore> store(new KafkaSchemaStore(options, state));
  const auto deadline = std::chrono::steady_clock::now() + options.init_timeout;
  WR_ASSIGN_OR_RETURN(auto admin, TopicAdmin::Open(options.client, options.timeout));
  Backoff backoff(RetryPolicy{std::chrono::milliseconds(200), std::chrono::seconds(2), -1}, stop);
  while (true) {
    Status s = store->EnsureTopic(admin.get(), stop);
    if (s.ok()) break;
    // kNotFound: the topic was just created (by this instance or another) and the broker asked
    // does not know it yet.
    const bool transient = s.kind() == ErrorKind::kRetry || s.kind() == ErrorKind::kNotFound;
    if (!transient || std::chrono::steady_clock::now() >= deadline) return s;
    WR_RETURN_IF_ERROR(backoff.Pause(
        s, [&](std::chrono::milliseconds) { LogWarn(kLog, s.message() + "; retrying"); }));
  }
  const auto left = [&] {
    return std::max(std::chrono::milliseconds(1000),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        deadline - std::chrono::steady_clock::now()));
  };
  while (true) {
    // A broker may not know a topic created a moment ago yet (kNotFound until it does).
    auto log = TopicLog::Open({options.topic, options.client}, left());
    if (log.ok()) {
      store->log_ = std::move(log).value();
      break;
    }
    const Status& s = log.status();
    const bool transient = s.kind() == ErrorKind::kRetry || s.kind() == ErrorKind::kNotFound;
    if (!transient || std::chrono::steady_clock::now() >= deadline) return s;
    WR_RETURN_IF_ERROR(backoff.Pause(
        s, [&](std::chrono::milliseconds) { LogWarn(kLog, s.message() + "; retrying"); }));
  }
  KafkaSchemaStore* self = store.get();
  Status read = store->log_->ReadToEnd([self](const LogRecord& r) { return self->ApplyRecord(r); },
                                       left(), stop);
  if (!read.ok()) {
    return Status(read.kind(), "reading topic " + options.topic + " to its end within " +
                                   std::to_string(options.init_timeout.count()) +
                                   " ms (kafkastore.init.timeout.ms): " + read.message());
  }
  LogInfo(kLog, "read topic " + options.topic + " to offset " +
                    std::to_string(store->applied_offset()) + " (" +
                    std::to_string(state->applied_records()) + " records)");
  store->reader_ = std::thread([self] { self->ReadLoop(); });
  return store;
}

KafkaSchemaStore::~KafkaSchemaStore() { Close(); }

void KafkaSchemaStore::Close() {
  stop_.RequestStop();
  if (reader_.joinable()) reader_.join();
  applied_cv_.notify_all();
  std::lock_guard<std::mutex> lock(writer_mu_);
  writer_.reset();
}

Status KafkaSchemaStore::EnsureTopic(TopicAdmin* admin, const StopSource* stop) {
  if (stop != nullptr && stop->stop_requested()) return StoppedError("stopped");
  Result<int32_t> partitions = admin->Partitions(options_.topic);
  if (!partitions.ok() && partitions.status().kind() != ErrorKind::kNotFound) {
    return partitions.status();
  }
  if (!partitions.ok()) {
    WR_ASSIGN_OR_RETURN(int brokers, admin->BrokerCount());
    int replication = options_.replication_factor;
    if (brokers > 0 && brokers < replication) {
      LogWarn(kLog, "creating topic " + options_.topic + " with replication factor " +
                        std::to_string(brokers) + ", the live brokers, not " +
                        std::to_string(replication) + " (kafkastore.topic.replication.factor)");
      replication = brokers;
    }
    TopicSpec spec{
        options_.topic, 1, static_cast<int16_t>(replication), {{"cleanup.policy", "compact"}}};
    bool created = false;
    WR_RETURN_IF_ERROR(admin->Ensure(spec, &created));
    if (created) {
      LogInfo(kLog, "created topic " + options_.topic + " (1 partition, replication factor " +
                        std::to_string(replication) + ", cleanup.policy=compact)");
    }
    WR_ASSIGN_OR_RETURN(partitions, admin->Partitions(options_.topic));
  }
  if (*partitions != 1) {
    return InvalidArgument("topic " + options_.topic + " (kafkastore.topic) has " +
                           std::to_string(*partitions) +
                           " partitions; the schema registry needs exactly one");
  }
  WR_ASSIGN_OR_RETURN(std::optional<std::string> policy,
                      admin->TopicConfig(options_.topic, "cleanup.policy"));
  if (policy && ToLower(*policy) != "compact") {
    return InvalidArgument("topic " + options_.topic +
                           " (kafkastore.topic) has cleanup.policy=" + *policy +
                           "; the schema registry needs cleanup.policy=compact, or it "
                           "loses schemas when their records expire");
  }
  return Status::Ok();
}

Status KafkaSchemaStore::ApplyRecord(const LogRecord& record) {
  if (record.key) {
    Status s = state_->Apply(*record.key, record.value);
    if (!s.ok()) {
      // Confluent's reader logs a record it cannot apply and goes on with the next.
      LogWarn(kLog, "topic " + options_.topic + " offset " + std::to_string(record.offset) +
                        ": record skipped: " + s.message());
    }
  }
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    applied_offset_ = std::max(applied_offset_, record.offset);
  }
  applied_cv_.notify_all();
  return Status::Ok();
}

void KafkaSchemaStore::ReadLoop() {
  std::string last_error;
  while (!stop_.stop_requested()) {
    Status s = log_->Poll([this](const LogRecord& r) { return ApplyRecord(r); },
                          std::chrono::milliseconds(100));
    if (s.ok()) {
      last_error.clear();
      continue;
    }
    if (s.message() != last_error) LogWarn(kLog, "reading " + options_.topic + ": " + s.message());
    last_error = s.message();
    stop_.WaitFor(std::chrono::milliseconds(200));
  }
}

int64_t KafkaSchemaStore::applied_offset() const {
  std::lock_guard<std::mutex> lock(applied_mu_);
  return applied_offset_;
}

bool KafkaSchemaStore::writer_open() const {
  std::lock_guard<std::mutex> lock(writer_mu_);
  return writer_ != nullptr;
}

Status KafkaSchemaStore::Append(std::string key, std::optional<std::string> value) {
  std::lock_guard<std::mutex> lock(writer_mu_);
  if (writer_ == nullptr) {
    return RetryError("this schema registry instance is not the leader (it holds no writer of " +
                      options_.topic + ")");
  }
  return AppendLocked(key, value);
}

Status KafkaSchemaStore::AppendLocked(const std::string& key,
                                      const std::optional<std::string>& value) {
  Status written = writer_->Write({{key, value}});
  if (!written.ok()) {
    if (writer_->fenced()) {
      writer_.reset();
      return FencedError("writing to " + options_.topic +
                         ": a newer schema registry leader fenced this one: " + written.message());
    }
    return Status(written.kind() == ErrorKind::kFatal ? ErrorKind::kFatal : ErrorKind::kRetry,
                  "writing to " + options_.topic + ": " + written.message());
  }
  auto it = writer_->last_offsets().find(0);
  if (it == writer_->last_offsets().end()) {
    return RetryError("writing to " + options_.topic + ": Kafka did not report the offset");
  }
  const int64_t offset = it->second;
  std::unique_lock<std::mutex> lock(applied_mu_);
  const bool applied =
      applied_cv_.wait_for(lock, options_.timeout, [&] { return applied_offset_ >= offset; });
  if (!applied) {
    return RetryError("the record written to " + options_.topic + " at offset " +
                      std::to_string(offset) + " was not read back within " +
                      std::to_string(options_.timeout.count()) + " ms (kafkastore.timeout.ms)");
  }
  return Status::Ok();
}

Status KafkaSchemaStore::BecomeLeader() {
  std::lock_guard<std::mutex> lock(writer_mu_);
  if (writer_ == nullptr) {
    RecordWriter::Options w;
    w.topic = options_.topic;
    w.client = options_.client;
    w.client["client.id"] = "walrelay-schema-registry-" + options_.group_id;
    w.transactional_id = TransactionalId(options_.group_id, options_.topic);
    w.timeout = std::max(options_.timeout, std::chrono::milliseconds(10000));
    auto writer = RecordWriter::Open(w);
    if (!writer.ok()) {
      return Status(writer.status().kind() == ErrorKind::kInvalidArgument
                        ? ErrorKind::kInvalidArgument
                        : ErrorKind::kRetry,
                    writer.status().message());
    }
    writer_ = std::move(writer).value();
  }
  Status s = AppendLocked(registry::NoopKeyJson(), std::nullopt);
  if (!s.ok()) writer_.reset();
  return s;
}

void KafkaSchemaStore::ResignLeader() {
  std::lock_guard<std::mutex> lock(writer_mu_);
  writer_.reset();
}

}  // namespace walrelay::worker
