#include "kafka/admin.h"

#include <algorithm>
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

// Whether `err` says the group has members, which the group-offset operations refuse: Kafka
// answers an OffsetCommit from outside a non-empty group with UNKNOWN_MEMBER_ID, an OffsetDelete
// of a topic a member reads with GROUP_SUBSCRIBED_TO_TOPIC, a DeleteGroups with GROUP_NOT_EMPTY.
bool GroupHasMembers(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
         err == RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC ||
         err == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP;
}

// The Status of one group's result of a group-offset operation: the group's error, else the
// first partition's. A group with members is kRetry (they must leave first).
Status GroupResultStatus(const rd_kafka_group_result_t* result, const std::string& what) {
  auto status = [&](rd_kafka_resp_err_t err, std::string_view detail) {
    Status s = StatusFromCode(err, what, detail);
    if (GroupHasMembers(err)) {
      return RetryError(s.message() + " (the group has active members; retry once they left)");
    }
    return s;
  };
  if (const rd_kafka_error_t* e = rd_kafka_group_result_error(result); e != nullptr) {
    return status(rd_kafka_error_code(e), rd_kafka_error_string(e));
  }
  const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(result);
  for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
    const rd_kafka_topic_partition_t& p = parts->elems[i];
    if (p.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return status(p.err, std::string(rd_kafka_err2str(p.err)) + " (" + p.topic + "[" +
                               std::to_string(p.partition) + "])");
    }
  }
  return Status::Ok();
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

Result<std::vector<TopicPartitionOffset>> Admin::ListConsumerGroupOffsets(
    const std::string& group, std::chrono::milliseconds timeout, const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "list the committed offsets of consumer group " + group;
  // No partitions: every partition the group committed.
  RdPtr<rd_kafka_ListConsumerGroupOffsets_t> request(
      rd_kafka_ListConsumerGroupOffsets_new(group.c_str(), nullptr));
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, timeout);
  rd_kafka_ListConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_ListConsumerGroupOffsets(rk, requests, 1, options.get(), queue.get());
  WR_ASSIGN_OR_RETURN(EventHandle ev, AwaitResult(queue.get(), what, timeout, stop));
  const rd_kafka_ListConsumerGroupOffsets_result_t* result =
      rd_kafka_event_ListConsumerGroupOffsets_result(ev.get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_ListConsumerGroupOffsets_result_groups(result, &n);
  std::vector<TopicPartitionOffset> out;
  for (size_t g = 0; g < n; ++g) {
    Status s = GroupResultStatus(groups[g], what);
    if (s.kind() == ErrorKind::kNotFound) continue;  // no such group: nothing committed
    WR_RETURN_IF_ERROR(s);
    const rd_kafka_topic_partition_list_t* parts = rd_kafka_group_result_partitions(groups[g]);
    for (int i = 0; parts != nullptr && i < parts->cnt; ++i) {
      const rd_kafka_topic_partition_t& p = parts->elems[i];
      if (p.offset < 0) continue;  // listed without a committed offset
      out.push_back({{p.topic, p.partition}, p.offset});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

Status Admin::AlterConsumerGroupOffsets(const std::string& group,
                                        const std::vector<TopicPartitionOffset>& offsets,
                                        std::chrono::milliseconds timeout, const StopSource* stop) {
  if (offsets.empty()) return Status::Ok();
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "alter the committed offsets of consumer group " + group;
  for (const TopicPartitionOffset& o : offsets) {
    if (o.offset < 0) {
      return InvalidArgument(what + ": offset " + std::to_string(o.offset) + " of " +
                             o.tp.ToString() + " is negative");
    }
  }
  PartitionList list = ToPartitionList(offsets);
  RdPtr<rd_kafka_AlterConsumerGroupOffsets_t> request(
      rd_kafka_AlterConsumerGroupOffsets_new(group.c_str(), list.get()));
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, timeout);
  rd_kafka_AlterConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_AlterConsumerGroupOffsets(rk, requests, 1, options.get(), queue.get());
  WR_ASSIGN_OR_RETURN(EventHandle ev, AwaitResult(queue.get(), what, timeout, stop));
  const rd_kafka_AlterConsumerGroupOffsets_result_t* result =
      rd_kafka_event_AlterConsumerGroupOffsets_result(ev.get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_AlterConsumerGroupOffsets_result_groups(result, &n);
  for (size_t g = 0; g < n; ++g) WR_RETURN_IF_ERROR(GroupResultStatus(groups[g], what));
  return Status::Ok();
}

Status Admin::DeleteConsumerGroupOffsets(const std::string& group,
                                         const std::vector<TopicPartition>& partitions,
                                         std::chrono::milliseconds timeout,
                                         const StopSource* stop) {
  if (partitions.empty()) return Status::Ok();
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "delete the committed offsets of consumer group " + group;
  PartitionList list = ToPartitionList(partitions);
  RdPtr<rd_kafka_DeleteConsumerGroupOffsets_t> request(
      rd_kafka_DeleteConsumerGroupOffsets_new(group.c_str(), list.get()));
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, timeout);
  rd_kafka_DeleteConsumerGroupOffsets_t* requests[] = {request.get()};
  rd_kafka_DeleteConsumerGroupOffsets(rk, requests, 1, options.get(), queue.get());
  auto ev = AwaitResult(queue.get(), what, timeout, stop);
  if (!ev.ok()) {
    if (ev.status().kind() == ErrorKind::kNotFound) return Status::Ok();
    return ev.status();
  }
  const rd_kafka_DeleteConsumerGroupOffsets_result_t* result =
      rd_kafka_event_DeleteConsumerGroupOffsets_result(ev->get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_group_result_t** groups =
      rd_kafka_DeleteConsumerGroupOffsets_result_groups(result, &n);
  for (size_t g = 0; g < n; ++g) {
    Status s = GroupResultStatus(groups[g], what);
    if (!s.ok() && s.kind() != ErrorKind::kNotFound) return s;
  }
  return Status::Ok();
}

Status Admin::DeleteConsumerGroup(const std::string& group, std::chrono::milliseconds timeout,
                                  const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const std::string what = "delete consumer group " + group;
  RdPtr<rd_kafka_DeleteGroup_t> request(rd_kafka_DeleteGroup_new(group.c_str()));
  QueueHandle queue(rd_kafka_queue_new(rk));
  AdminOptions options = MakeOptions(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, timeout);
  rd_kafka_DeleteGroup_t* requests[] = {request.get()};
  rd_kafka_DeleteGroups(rk, requests, 1, options.get(), queue.get());
  auto ev = AwaitResult(queue.get(), what, timeout, stop);
  if (!ev.ok()) {
    if (ev.status().kind() == ErrorKind::kNotFound) return Status::Ok();
    return ev.status();
  }
  const rd_kafka_DeleteGroups_result_t* result = rd_kafka_event_DeleteGroups_result(ev->get());
  if (result == nullptr) return FatalError(what + ": unexpected result event");
  size_t n = 0;
  const rd_kafka_group_result_t** groups = rd_kafka_DeleteGroups_result_groups(result, &n);
  for (size_t g = 0; g < n; ++g) {
    Status s = GroupResultStatus(groups[g], what);
    if (!s.ok() && s.kind() != ErrorKind::kNotFound) return s;  // GROUP_ID_NOT_FOUND: done
  }
  return Status::Ok();
}

}  // namespace walrelay::kafka
