#include "kafka/admin.h"

#include <string>
#include <utility>

#include "common/log.h"
#include "kafka/client.h"
#include "kafka/errors.h"

namespace walrelay::kafka {
namespace {

constexpr const char* kComponent = "kafka";

using AdminOptions = RdPtr<rd_kafka_AdminOptions_t>;

AdminOptions MakeOptions(rd_kafka_t* rk, rd_kafka_admin_op_t op,
                         std::chrono::milliseconds timeout) {
  AdminOptions options(rd_kafka_AdminOptions_new(rk, op));
  char err[256];
  const int ms = static_cast<int>(std::max<int64_t>(timeout.count(), 1));
  rd_kafka_AdminOptions_set_request_timeout(options.get(), ms, err, sizeof(err));
  if (op == RD_KAFKA_ADMIN_OP_CREATETOPICS || op == RD_KAFKA_ADMIN_OP_CREATEPARTITIONS) {
    // Wait for the topic to exist on the controller, not only for the request to be accepted.
    rd_kafka_AdminOptions_set_operation_timeout(options.get(), ms, err, sizeof(err));
  }
  return options;
}

// Waits for the result event of an admin request posted on `queue`.
Result<EventHandle> AwaitResult(rd_kafka_queue_t* queue, const std::string& what,
                                std::chrono::milliseconds timeout, const StopSource* stop) {
  const auto deadline = Clock::now() + timeout + std::chrono::milliseconds(500);
  while (true) {
    WR_RETURN_IF_ERROR(CheckStop(stop, what));
    EventHandle ev(rd_kafka_queue_poll(queue, SliceMs(deadline)));
    if (ev != nullptr) {
      const rd_kafka_resp_err_t err = rd_kafka_event_error(ev.get());
      WR_RETURN_IF_ERROR(
          StatusFromCode(err, what, err ? rd_kafka_event_error_string(ev.get()) : ""));
      return ev;
    }
    if (Clock::now() >= deadline) {
      return RetryError(what + ": no answer within " + std::to_string(timeout.count()) + " ms");
    }
  }
}

void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
  LogWarn(
      kComponent,
      StatusFromCode(static_cast<rd_kafka_resp_err_t>(err), rd_kafka_name(rk), reason).message());
}

}  // namespace

Status CreateTopicResult(const std::string& topic, int error_code, const char* error_string) {
  const auto err = static_cast<rd_kafka_resp_err_t>(error_code);
  if (err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) return Status::Ok();
  return StatusFromCode(err, "create topic " + topic, error_string != nullptr ? error_string : "");
}

struct Admin::State {
  KafkaHandle rk;
};

Result<Admin> Admin::Create(const ClientConfig& config) {
  auto state = std::make_unique<State>();
  WR_ASSIGN_OR_RETURN(ConfHandle conf, BuildConf(config));
  rd_kafka_conf_set_error_cb(conf.get(), &OnError);
  WR_ASSIGN_OR_RETURN(state->rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  return Admin(std::move(state));
}

Admin::Admin(std::unique_ptr<State> state) : state_(std::move(state)) {}
Admin::Admin(Admin&&) noexcept = default;
Admin& Admin::operator=(Admin&&) noexcept = default;
Admin::~Admin() = default;

Result<std::vector<TopicInfo>> Admin::ListTopics(std::chrono::milliseconds timeout,
                                                 const StopSource* stop) {
  return FetchMetadata(state_->rk.get(), nullptr, Clock::now() + timeout, stop);
}

Result<TopicInfo> Admin::DescribeTopic(const std::string& topic, std::chrono::milliseconds timeout,
                                       const StopSource* stop) {
  // Metadata for one named topic could make a broker with auto.create.topics.enable create it;
  // listing every topic never does.
  WR_ASSIGN_OR_RETURN(auto topics, ListTopics(timeout, stop));
  for (TopicInfo& t : topics) {
    if (t.name == topic) return std::move(t);
  }
  return NotFound("describe topic " + topic + ": no such topic");
}

Status Admin::CreateTopic(const NewTopicSpec& spec, std::chrono::milliseconds timeout,
                          const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "create topic " + spec.name;
  if (spec.name.empty()) return InvalidArgument("create topic: empty topic name");
  if (spec.partitions == 0 || spec.partitions < -1) {
    return InvalidArgument(what + ": partitions=" + std::to_string(spec.partitions) +
                           " is invalid: must be at least 1, or -1 for the broker's default");
  }
  if (spec.replication_factor == 0 || spec.replication_factor < -1) {
    return InvalidArgument(what + ": replication factor " +
                           std::to_string(spec.replication_factor) +
                           " is invalid: must be at least 1, or -1 for the broker's default");
  }
  char err[512];
  RdPtr<rd_kafka_NewTopic_t> topic(rd_kafka_NewTopic_new(
      spec.name.c_str(), spec.partitions, spec.replication_factor, err, sizeof(err)));
  if (topic == nullptr) return InvalidArgument(what + ": " + err);
  for (const auto& [name, value] : spec.configs) {
    WR_RETURN_IF_ERROR(
        StatusFromCode(rd_kafka_NewTopic_set_config(topic.get(), name.c_str(), value.c_str()),
                       what + ": config " + name));
  }
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS, timeout);
  rd_kafka_NewTopic_t* topics[] = {topic.get()};
  rd_kafka_CreateTopics(rk, topics, 1, options.get(), queue.get());
  WR_ASSIGN_OR_RETURN(EventHandle ev, AwaitResult(queue.get(), what, timeout, stop));
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(ev.get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    WR_RETURN_IF_ERROR(CreateTopicResult(spec.name, rd_kafka_topic_result_error(results[i]),
                                         rd_kafka_topic_result_error_string(results[i])));
  }
  return Status::Ok();
}

Status Admin::CreatePartitions(const std::string& topic, int32_t total,
                               std::chrono::milliseconds timeout, const StopSource* stop) {
  const std::string what =
      "increase the partitions of topic " + topic + " to " + std::to_string(total);
  WR_ASSIGN_OR_RETURN(TopicInfo current, DescribeTopic(topic, timeout, stop));
  if (current.partitions == total) return Status::Ok();
  if (current.partitions > total) {
    return InvalidArgument(what + ": it has " + std::to_string(current.partitions) +
                           " already, and Kafka cannot remove partitions");
  }
  rd_kafka_t* rk = state_->rk.get();
  char err[512];
  RdPtr<rd_kafka_NewPartitions_t> request(
      rd_kafka_NewPartitions_new(topic.c_str(), static_cast<size_t>(total), err, sizeof(err)));
  if (request == nullptr) return InvalidArgument(what + ": " + err);
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_CREATEPARTITIONS, timeout);
  rd_kafka_NewPartitions_t* requests[] = {request.get()};
  rd_kafka_CreatePartitions(rk, requests, 1, options.get(), queue.get());
  WR_ASSIGN_OR_RETURN(EventHandle ev, AwaitResult(queue.get(), what, timeout, stop));
  const rd_kafka_CreatePartitions_result_t* result =
      rd_kafka_event_CreatePartitions_result(ev.get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreatePartitions_result_topics(result, &n);
  for (size_t i = 0; i < n; ++i) {
    const char* msg = rd_kafka_topic_result_error_string(results[i]);
    WR_RETURN_IF_ERROR(
        StatusFromCode(rd_kafka_topic_result_error(results[i]), what, msg != nullptr ? msg : ""));
  }
  return Status::Ok();
}

Result<GroupDescription> Admin::DescribeConsumerGroup(const std::string& group,
                                                      std::chrono::milliseconds timeout,
                                                      const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "describe consumer group " + group;
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, timeout);
  const char* groups[] = {group.c_str()};
  rd_kafka_DescribeConsumerGroups(rk, groups, 1, options.get(), queue.get());
  WR_ASSIGN_OR_RETURN(EventHandle ev, AwaitResult(queue.get(), what, timeout, stop));
  const rd_kafka_DescribeConsumerGroups_result_t* result =
      rd_kafka_event_DescribeConsumerGroups_result(ev.get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_ConsumerGroupDescription_t** descs =
      rd_kafka_DescribeConsumerGroups_result_groups(result, &n);
  if (n == 0) return NotFound(what + ": no description returned");
  const rd_kafka_ConsumerGroupDescription_t* d = descs[0];
  WR_RETURN_IF_ERROR(StatusFromError(rd_kafka_ConsumerGroupDescription_error(d), what));
  GroupDescription out;
  out.group_id = rd_kafka_ConsumerGroupDescription_group_id(d);
  out.state = rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(d));
  const char* assignor = rd_kafka_ConsumerGroupDescription_partition_assignor(d);
  out.partition_assignor = assignor != nullptr ? assignor : "";
  for (size_t i = 0; i < rd_kafka_ConsumerGroupDescription_member_count(d); ++i) {
    const rd_kafka_MemberDescription_t* m = rd_kafka_ConsumerGroupDescription_member(d, i);
    GroupMember member;
    auto str = [](const char* s) { return s != nullptr ? std::string(s) : std::string(); };
    member.member_id = str(rd_kafka_MemberDescription_consumer_id(m));
    member.group_instance_id = str(rd_kafka_MemberDescription_group_instance_id(m));
    member.client_id = str(rd_kafka_MemberDescription_client_id(m));
    member.host = str(rd_kafka_MemberDescription_host(m));
    member.assignment = FromPartitionList(
        rd_kafka_MemberAssignment_partitions(rd_kafka_MemberDescription_assignment(m)));
    out.members.push_back(std::move(member));
  }
  return out;
}

}  // namespace walrelay::kafka
