#include "worker/sink_offsets.h"

#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "common/log.h"

namespace walrelay::worker {
namespace {

constexpr char kTopicKey[] = "kafka_topic";
constexpr char kPartitionKey[] = "kafka_partition";
constexpr char kOffsetKey[] = "kafka_offset";

// A JSON value as Java's String.valueOf prints what Jackson read: a string without quotes,
// anything else as its JSON text.
std::string JavaText(const nlohmann::json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Java's Long.parseLong(String.valueOf(v)): an optional sign and decimal digits, in range.
std::optional<int64_t> ParseJavaLong(const nlohmann::json& v) {
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() &&
        v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return std::nullopt;
    }
    return v.get<int64_t>();
  }
  if (!v.is_string()) return std::nullopt;
  std::string text = v.get<std::string>();
  if (!text.empty() && text[0] == '+') text.erase(0, 1);
  if (text.empty() || text[0] == '+') return std::nullopt;
  int64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

std::string Describe(const sink::KafkaTopicPartition& tp) {
  return tp.topic + "-" + std::to_string(tp.partition);
}

}  // namespace

rest::HerderResult<SinkOffsetChanges> ParseSinkConnectorOffsets(
    const rest::ConnectorOffsets& offsets) {
  using rest::HerderError;
  SinkOffsetChanges out;
  for (const rest::ConnectorOffset& o : offsets.offsets) {
    const nlohmann::json& p = o.partition;
    if (!p.is_object()) {
      return HerderError::BadRequest(
          "The partition for a sink connector offset cannot be null or missing");
    }
    if (!p.contains(kTopicKey) || !p.contains(kPartitionKey)) {
      return HerderError::BadRequest(std::string(
          "The partition for a sink connector offset must contain the keys 'kafka_topic' and "
          "'kafka_partition'"));
    }
    const nlohmann::json& topic = p.at(kTopicKey);
    const nlohmann::json& partition = p.at(kPartitionKey);
    if (topic.is_null()) {
      return HerderError::BadRequest("Kafka topic names must be valid strings and may not be null");
    }
    if (partition.is_null()) {
      return HerderError::BadRequest("Kafka partitions must be valid numbers and may not be null");
    }
    std::optional<int64_t> number = ParseJavaLong(partition);
    if (!number || *number < std::numeric_limits<int32_t>::min() ||
        *number > std::numeric_limits<int32_t>::max()) {
      return HerderError::BadRequest(
          "Failed to parse the following Kafka partition value in the provided offsets: '" +
          JavaText(partition) + "'. Partition values for sink connectors need to be integers.");
    }
    sink::KafkaTopicPartition tp{JavaText(topic), static_cast<int32_t>(*number)};
    if (tp.partition < 0) {
      return HerderError::BadRequest("Invalid negative Kafka partition " +
                                     std::to_string(tp.partition) + " of topic '" + tp.topic +
                                     "' in the provided offsets. Partition values for sink "
                                     "connectors need to be non-negative integers.");
    }
    if (o.offset.is_null()) {
      out[tp] = std::nullopt;  // a reset of this partition
      continue;
    }
    if (!o.offset.is_object() || !o.offset.contains(kOffsetKey)) {
      return HerderError::BadRequest(
          "The offset for a sink connector should either be null or contain the key "
          "'kafka_offset'");
    }
    const nlohmann::json& offset = o.offset.at(kOffsetKey);
    std::optional<int64_t> next = ParseJavaLong(offset);
    if (!next) {
      return HerderError::BadRequest(
          "Failed to parse the following Kafka offset value in the provided offsets: '" +
          JavaText(offset) + "'. Offset values for sink connectors need to be integers.");
    }
    if (*next < 0) {
      return HerderError::BadRequest("Invalid negative offset " + std::to_string(*next) +
                                     " for Kafka partition " + Describe(tp) +
                                     " in the provided offsets. Offset values for sink "
                                     "connectors need to be non-negative integers.");
    }
    out[tp] = *next;
  }
  return out;
}

rest::ConnectorOffsets SinkConnectorOffsetsView(
    const std::map<std::string, std::string>& destination,
    const std::vector<kafka::TopicPartitionOffset>& group) {
  std::map<sink::KafkaTopicPartition, int64_t> resume;
  for (const auto& o : group) resume[{o.tp.topic, o.tp.partition}] = o.offset;
  for (const auto& [partition, position] : destination) {
    auto tp = sink::ParseKafkaPartitionKey(partition);
    auto next = sink::ParseKafkaPosition(position);
    if (tp.ok() && next.ok()) resume[*tp] = *next;  // the destination's position wins
  }
  rest::ConnectorOffsets out;
  for (const auto& [tp, next] : resume) {
    out.offsets.push_back({nlohmann::json{{kTopicKey, tp.topic}, {kPartitionKey, tp.partition}},
                           nlohmann::json{{kOffsetKey, next}}});
  }
  return out;
}

rest::HerderError SinkOffsets::StillRunning(const std::string& what) const {
  // Kafka Connect's text for a group that still has members (Worker.java).
  return rest::HerderError::Internal(
      "Failed to " + what + " consumer group offsets for connector " + connector_ +
      " either because its tasks haven't stopped completely yet or the connector was resumed "
      "before the request to " +
      what +
      " its offsets could be successfully completed. If the connector is in a stopped state, "
      "this operation can be safely retried. If it doesn't eventually succeed, the Connect "
      "cluster may need to be restarted to get rid of the zombie sink tasks.");
}

std::optional<rest::HerderError> SinkOffsets::ActiveMembers(const std::string& what) {
  auto group = admin_->DescribeConsumerGroup(group_, timeout_, stop_);
  if (!group.ok()) {
    if (group.status().kind() == ErrorKind::kNotFound) return std::nullopt;
    return rest::HerderError::Internal("Failed to " + what +
                                       " consumer group offsets for connector " + connector_ +
                                       ": " + group.status().message());
  }
  if (group->members.empty()) return std::nullopt;
  LogWarn("sink-offsets", "consumer group " + group_ + " still has " +
                              std::to_string(group->members.size()) + " member(s): cannot " + what +
                              " the offsets of " + connector_ + " yet");
  return StillRunning(what);
}

rest::HerderResult<rest::ConnectorOffsets> SinkOffsets::Get() {
  auto positions = destination_->ReadPositions();
  if (!positions.ok()) {
    return rest::HerderError::Internal(
        "Failed to retrieve the destination's positions for sink connector " + connector_ + ": " +
        positions.status().message());
  }
  auto group = admin_->ListConsumerGroupOffsets(group_, timeout_, stop_);
  if (!group.ok()) {
    return rest::HerderError::Internal(
        "Failed to retrieve consumer group offsets for sink connector " + connector_ + ": " +
        group.status().message());
  }
  return SinkConnectorOffsetsView(*positions, *group);
}

rest::HerderResult<std::string> SinkOffsets::Alter(const rest::ConnectorOffsets& offsets) {
  auto changes = ParseSinkConnectorOffsets(offsets);
  if (!changes.ok()) return changes.error();
  if (auto err = ActiveMembers("alter")) return *err;
  std::vector<kafka::TopicPartitionOffset> to_alter;
  std::vector<kafka::TopicPartition> to_reset;
  std::map<std::string, std::optional<std::string>> positions;
  for (const auto& [tp, next] : changes.value()) {
    if (next) {
      to_alter.push_back({{tp.topic, tp.partition}, *next});
      positions[sink::KafkaPartitionKey(tp)] = sink::KafkaPosition(*next);
    } else {
      to_reset.push_back({tp.topic, tp.partition});
      positions[sink::KafkaPartitionKey(tp)] = std::nullopt;
    }
  }
  // Kafka first: it refuses a group with members, so the destination is only changed once no
  // task of the connector consumes any more. A member that joined since ActiveMembers looked
  // makes these fail with Kafka's reason (kRetry).
  Status group_changed = admin_->AlterConsumerGroupOffsets(group_, to_alter, timeout_, stop_);
  if (group_changed.ok()) {
    group_changed = admin_->DeleteConsumerGroupOffsets(group_, to_reset, timeout_, stop_);
  }
  if (!group_changed.ok()) {
    return rest::HerderError::Internal("Failed to alter consumer group offsets for connector " +
                                       connector_ + ": " + group_changed.message());
  }
  Status written = destination_->WritePositions(positions, /*clear=*/false);
  if (!written.ok()) {
    return rest::HerderError::Internal(
        "Failed to alter the destination's positions for connector " + connector_ +
        " (its consumer group's offsets were altered; "
        "retry the request): " +
        written.message());
  }
  LogInfo("sink-offsets", "altered the offsets of " + std::to_string(positions.size()) +
                              " partition(s) of sink connector " + connector_);
  return std::string("The offsets for this connector have been altered successfully");
}

rest::HerderResult<std::string> SinkOffsets::Reset() {
  if (auto err = ActiveMembers("reset")) return *err;
  Status deleted = admin_->DeleteConsumerGroup(group_, timeout_, stop_);
  if (!deleted.ok()) {
    return rest::HerderError::Internal(
        "Failed to reset consumer group offsets for sink connector " + connector_ + ": " +
        deleted.message());
  }
  Status cleared = destination_->WritePositions({}, /*clear=*/true);
  if (!cleared.ok()) {
    return rest::HerderError::Internal(
        "Failed to reset the destination's positions for connector " + connector_ +
        " (its consumer group was deleted; retry the "
        "request): " +
        cleared.message());
  }
  LogInfo("sink-offsets", "reset the offsets of sink connector " + connector_);
  return std::string("The offsets for this connector have been reset successfully");
}

}  // namespace walrelay::worker
