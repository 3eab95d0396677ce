#include "sink/kafka_position.h"

#include <limits>
#include <nlohmann/json.hpp>

namespace walrelay::sink {

std::string KafkaPartitionKey(const KafkaTopicPartition& tp) {
  return "{\"topic\":" + nlohmann::json(tp.topic).dump() +
         ",\"partition\":" + std::to_string(tp.partition) + "}";
}

std::string KafkaPosition(int64_t next_offset) {
  return "{\"offset\":" + std::to_string(next_offset) + "}";
}

Result<KafkaTopicPartition> ParseKafkaPartitionKey(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  auto bad = [&] {
    return DataError("not a Kafka topic-partition ({\"topic\":..,\"partition\":..}): " +
                     std::string(text));
  };
  if (!j.is_object() || j.size() != 2) return bad();
  auto topic = j.find("topic");
  auto partition = j.find("partition");
  if (topic == j.end() || partition == j.end() || !topic->is_string() ||
      !partition->is_number_integer()) {
    return bad();
  }
  const int64_t p = partition->get<int64_t>();
  if (p < 0 || p > std::numeric_limits<int32_t>::max()) return bad();
  return KafkaTopicPartition{topic->get<std::string>(), static_cast<int32_t>(p)};
}

Result<int64_t> ParseKafkaPosition(std::string_view text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_object() && j.size() == 1) {
    auto offset = j.find("offset");
    if (offset != j.end() && offset->is_number_integer() && offset->get<int64_t>() >= 0) {
      return offset->get<int64_t>();
    }
  }
  return DataError("not a Kafka position ({\"offset\":<next offset>}): " + std::string(text));
}

}  // namespace walrelay::sink
