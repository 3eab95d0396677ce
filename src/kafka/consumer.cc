#include "kafka/consumer.h"

#include <cstring>
#include <deque>
#include <string>
#include <utility>

#include "common/log.h"
#include "kafka/client.h"
#include "kafka/errors.h"

namespace walrelay::kafka {
namespace {

constexpr const char* kComponent = "kafka";

Message ToMessage(const rd_kafka_message_t* m) {
  Message out;
  out.tp = {rd_kafka_topic_name(m->rkt), m->partition};
  out.offset = m->offset;
  if (m->key != nullptr) out.key = std::string(static_cast<const char*>(m->key), m->key_len);
  if (m->payload != nullptr) {
    out.value = std::string(static_cast<const char*>(m->payload), m->len);
  }
  out.headers = HeadersOf(m);
  rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
  out.timestamp_ms = rd_kafka_message_timestamp(m, &type);
  out.log_append_time = type == RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME;
  return out;
}

// The first per-partition error of a list librdkafka filled in, as a Status naming `what`.
Status PartitionErrors(const rd_kafka_topic_partition_list_t* list, const std::string& what) {
  for (int i = 0; list != nullptr && i < list->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = list->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return StatusFromCode(p.err, what + " " + p.topic + "[" + std::to_string(p.partition) + "]");
    }
  }
  return Status::Ok();
}

Status ClosedError() { return FatalError("the Kafka consumer is closed"); }

}  // namespace

struct Consumer::State {
  KafkaHandle rk;
  RebalanceHooks hooks;
  int max_poll_records = 500;
  std::vector<RebalanceEvent> events;
  // Messages fetched after a rebalance event, held for the next Poll.
  std::deque<Message> pending;
  Status error;  // from the rebalance callback
  std::string last_logged;

  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<State*>(opaque);
    const bool cooperative = std::strcmp(rd_kafka_rebalance_protocol(rk), "COOPERATIVE") == 0;
    std::vector<TopicPartition> tps = FromPartitionList(partitions);
    Status s;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      if (self->hooks.start_offsets) {
        for (const TopicPartitionOffset& start : self->hooks.start_offsets(tps)) {
          rd_kafka_topic_partition_t* p = rd_kafka_topic_partition_list_find(
              partitions, start.tp.topic.c_str(), start.tp.partition);
          if (p != nullptr) p->offset = start.offset;
        }
      }
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_assign(rk, partitions);
        s = StatusFromError(e, "assign partitions");
        if (e != nullptr) rd_kafka_error_destroy(e);
      } else {
        s = StatusFromCode(rd_kafka_assign(rk, partitions), "assign partitions");
      }
      self->events.push_back({RebalanceEvent::Kind::kAssigned, std::move(tps)});
    } else {
      const bool lost = err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS || rd_kafka_assignment_lost(rk);
      if (err != RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
        LogWarn(kComponent, StatusFromCode(err, "rebalance").message());
      }
      if (self->hooks.revoking) self->hooks.revoking(tps, lost);
      if (cooperative) {
        rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk, partitions);
        s = StatusFromError(e, "revoke partitions");
        if (e != nullptr) rd_kafka_error_destroy(e);
      } else {
        s = StatusFromCode(rd_kafka_assign(rk, nullptr), "revoke partitions");
      }
      self->events.push_back(
          {lost ? RebalanceEvent::Kind::kLost : RebalanceEvent::Kind::kRevoked, std::move(tps)});
    }
    if (!s.ok() && self->error.ok()) self->error = s;
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      LogError(kComponent, FatalStatus(rk, rd_kafka_name(rk)).message());
      return;
    }
    LogWarn(kComponent, StatusFromCode(code, rd_kafka_name(rk), reason).message());
  }
};

Result<Consumer> Consumer::Create(const ClientConfig& config, RebalanceHooks hooks) {
  const std::string* group = config.Find("group.id");
  if (group == nullptr || group->empty()) {
    return InvalidArgument("a Kafka consumer needs group.id");
  }
  auto state = std::make_unique<State>();
  state->hooks = std::move(hooks);
  state->max_poll_records = config.max_poll_records;
  WR_ASSIGN_OR_RETURN(ConfHandle conf, BuildConf(config));
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  rd_kafka_conf_set_rebalance_cb(conf.get(), &State::OnRebalance);
  rd_kafka_conf_set_error_cb(conf.get(), &State::OnError);
  WR_ASSIGN_OR_RETURN(state->rk, NewClient(RD_KAFKA_CONSUMER, std::move(conf)));
  rd_kafka_poll_set_consumer(state->rk.get());
  return Consumer(std::move(state));
}

Consumer::Consumer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Consumer::Consumer(Consumer&&) noexcept = default;
Consumer& Consumer::operator=(Consumer&&) noexcept = default;

Consumer::~Consumer() {
  if (state_ != nullptr && state_->rk != nullptr) (void)Close();
}

Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  if (state_->rk == nullptr) return ClosedError();
  if (topics.empty()) return InvalidArgument("subscribe: no topics given");
  PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(topics.size())));
  std::string names;
  for (const std::string& t : topics) {
    if (t.empty() || t[0] == '^') {
      return InvalidArgument("subscribe: invalid topic name '" + t + "'");
    }
    rd_kafka_topic_partition_list_add(list.get(), t.c_str(), RD_KAFKA_PARTITION_UA);
    names += (names.empty() ? "" : ",") + t;
  }
  return StatusFromCode(rd_kafka_subscribe(state_->rk.get(), list.get()), "subscribe to " + names);
}

Status Consumer::SubscribePattern(const std::string& regex) {
  if (state_->rk == nullptr) return ClosedError();
  if (regex.empty()) return InvalidArgument("subscribe: empty topics.regex");
  const std::string pattern = "^(" + regex + ")$";
  PartitionList list(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(list.get(), pattern.c_str(), RD_KAFKA_PARTITION_UA);
  return StatusFromCode(rd_kafka_subscribe(state_->rk.get(), list.get()),
                        "subscribe to topics.regex " + regex);
}

Result<PollResult> Consumer::Poll(std::chrono::milliseconds timeout, const StopSource* stop) {
  if (state_->rk == nullptr) return ClosedError();
  State& st = *state_;
  const auto deadline = Clock::now() + timeout;
  PollResult out;
  const size_t max = static_cast<size_t>(st.max_poll_records);
  while (!st.pending.empty() && out.messages.size() < max) {
    out.messages.push_back(std::move(st.pending.front()));
    st.pending.pop_front();
  }
  while (out.messages.size() < max && st.events.empty()) {
    WR_RETURN_IF_ERROR(CheckStop(stop, "consume"));
    const int ms = out.messages.empty() ? SliceMs(deadline) : 0;
    RdPtr<rd_kafka_message_t> m(rd_kafka_consumer_poll(st.rk.get(), ms));
    if (!st.error.ok()) {
      Status s = st.error;
      st.error = Status::Ok();
      return s;
    }
    if (m == nullptr) {
      if (!out.messages.empty() || Clock::now() >= deadline) break;
      continue;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) continue;
      if (m->err == RD_KAFKA_RESP_ERR__FATAL) return FatalStatus(st.rk.get(), "consume");
      std::string where = "consume";
      if (m->rkt != nullptr) {
        where += std::string(" from ") + rd_kafka_topic_name(m->rkt);
        if (m->partition >= 0) where += "[" + std::to_string(m->partition) + "]";
      }
      Status s = StatusFromCode(m->err, where, rd_kafka_message_errstr(m.get()));
      if (s.kind() == ErrorKind::kFenced || s.kind() == ErrorKind::kInvalidArgument ||
          s.kind() == ErrorKind::kFatal) {
        return s;
      }
      if (s.message() != st.last_logged) {  // transient: librdkafka retries on its own
        LogWarn(kComponent, s.message());
        st.last_logged = s.message();
      }
      continue;
    }
    if (!st.events.empty()) {
      // The rebalance happened inside this call: the message belongs after the events.
      st.pending.push_back(ToMessage(m.get()));
      break;
    }
    out.messages.push_back(ToMessage(m.get()));
  }
  out.events.swap(st.events);
  return out;
}

Status Consumer::Seek(const TopicPartitionOffset& position, std::chrono::milliseconds timeout) {
  if (state_->rk == nullptr) return ClosedError();
  const std::string what =
      "seek " + position.tp.ToString() + " to offset " + std::to_string(position.offset);
  PartitionList list = ToPartitionList(std::vector<TopicPartitionOffset>{position});
  rd_kafka_error_t* e = SeekPartitions(state_->rk.get(), list.get(), timeout);
  Status s = StatusFromError(e, what);
  if (e != nullptr) rd_kafka_error_destroy(e);
  WR_RETURN_IF_ERROR(s);
  if (list->elems[0].err == RD_KAFKA_RESP_ERR__STATE) {
    return InvalidArgument(what + ": the partition is not assigned to this consumer");
  }
  WR_RETURN_IF_ERROR(PartitionErrors(list.get(), "seek"));
  std::erase_if(state_->pending, [&](const Message& m) { return m.tp == position.tp; });
  return Status::Ok();
}

Status Consumer::Commit(const std::vector<TopicPartitionOffset>& offsets,
                        std::chrono::milliseconds timeout, const StopSource* stop) {
  if (state_->rk == nullptr) return ClosedError();
  if (offsets.empty()) return Status::Ok();
  const std::string what = "commit offsets";
  QueueHandle queue(rd_kafka_queue_new(state_->rk.get()));
  PartitionList list = ToPartitionList(offsets);
  WR_RETURN_IF_ERROR(StatusFromCode(
      rd_kafka_commit_queue(
          state_->rk.get(), list.get(), queue.get(),
          [](rd_kafka_t*, rd_kafka_resp_err_t, rd_kafka_topic_partition_list_t*, void*) {},
          nullptr),
      what));
  const auto deadline = Clock::now() + timeout;
  while (true) {
    WR_RETURN_IF_ERROR(CheckStop(stop, what));
    EventHandle ev(rd_kafka_queue_poll(queue.get(), SliceMs(deadline)));
    if (ev != nullptr && rd_kafka_event_type(ev.get()) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
      const rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return StatusFromCode(err, what, rd_kafka_event_error_string(ev.get()));
      }
      return PartitionErrors(rd_kafka_event_topic_partition_list(ev.get()), what);
    }
    if (Clock::now() >= deadline) {
      return RetryError(what + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
  }
}

Result<std::vector<TopicPartitionOffset>> Consumer::Committed(
    const std::vector<TopicPartition>& partitions, std::chrono::milliseconds timeout) {
  if (state_->rk == nullptr) return ClosedError();
  PartitionList list = ToPartitionList(partitions);
  WR_RETURN_IF_ERROR(StatusFromCode(
      rd_kafka_committed(state_->rk.get(), list.get(), static_cast<int>(timeout.count())),
      "read committed offsets"));
  WR_RETURN_IF_ERROR(PartitionErrors(list.get(), "read committed offset of"));
  std::vector<TopicPartitionOffset> out;
  for (int i = 0; i < list->cnt; ++i) {
    out.push_back({{list->elems[i].topic, list->elems[i].partition}, list->elems[i].offset});
  }
  return out;
}

Status Consumer::Pause(const std::vector<TopicPartition>& partitions) {
  if (state_->rk == nullptr) return ClosedError();
  PartitionList list = ToPartitionList(partitions);
  WR_RETURN_IF_ERROR(
      StatusFromCode(rd_kafka_pause_partitions(state_->rk.get(), list.get()), "pause"));
  return PartitionErrors(list.get(), "pause");
}

Status Consumer::Resume(const std::vector<TopicPartition>& partitions) {
  if (state_->rk == nullptr) return ClosedError();
  PartitionList list = ToPartitionList(partitions);
  WR_RETURN_IF_ERROR(
      StatusFromCode(rd_kafka_resume_partitions(state_->rk.get(), list.get()), "resume"));
  return PartitionErrors(list.get(), "resume");
}

Result<std::vector<TopicPartition>> Consumer::Assignment() const {
  if (state_->rk == nullptr) return ClosedError();
  rd_kafka_topic_partition_list_t* raw = nullptr;
  WR_RETURN_IF_ERROR(StatusFromCode(rd_kafka_assignment(state_->rk.get(), &raw), "assignment"));
  PartitionList list(raw);
  return FromPartitionList(list.get());
}

std::string Consumer::MemberId() const {
  if (state_->rk == nullptr) return "";
  char* id = rd_kafka_memberid(state_->rk.get());
  if (id == nullptr) return "";
  std::string out(id);
  rd_kafka_mem_free(state_->rk.get(), id);
  return out;
}

std::string Consumer::RebalanceProtocol() const {
  if (state_->rk == nullptr) return "NONE";
  return rd_kafka_rebalance_protocol(state_->rk.get());
}

Status Consumer::Close(std::chrono::milliseconds timeout) {
  if (state_->rk == nullptr) return Status::Ok();  // closed already
  return CloseAndDestroyConsumer(state_->rk.release(), timeout, &State::OnRebalance);
}

}  // namespace walrelay::kafka
