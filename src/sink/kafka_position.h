#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace walrelay::sink {

// How a Kafka sink task names its positions in the destination's offsets table (see JdbcSink):
// the partition text is a JSON object with the topic and the partition number, the position a
// JSON object with the next offset to read from that partition (the last applied offset + 1).
//   partition  {"topic":"orders","partition":3}
//   position   {"offset":42}
// Both are written without spaces, keys in this order, the topic escaped as JSON does, so one
// topic-partition always has one text. Pure functions.
struct KafkaTopicPartition {
  std::string topic;
  int32_t partition = 0;

  friend bool operator<(const KafkaTopicPartition& a, const KafkaTopicPartition& b) {
    return a.topic != b.topic ? a.topic < b.topic : a.partition < b.partition;
  }
  friend bool operator==(const KafkaTopicPartition& a, const KafkaTopicPartition& b) = default;
};

std::string KafkaPartitionKey(const KafkaTopicPartition& tp);
std::string KafkaPosition(int64_t next_offset);

// The inverses. kDataError naming the text when it is not such an object (a partition a
// standalone source wrote under the same connector name, or a hand-edited row).
Result<KafkaTopicPartition> ParseKafkaPartitionKey(std::string_view text);
Result<int64_t> ParseKafkaPosition(std::string_view text);

}  // namespace walrelay::sink
