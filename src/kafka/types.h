#pragma once

#include <librdkafka/rdkafka.h>

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace walrelay::kafka {

// Key or value bytes of a record: nullopt is Kafka's null (a tombstone value, a record without a
// key), distinct from empty bytes.
using Bytes = std::optional<std::string_view>;
using OwnedBytes = std::optional<std::string>;

// "Let the partitioner choose" (murmur2 of the key; see murmur2.h).
constexpr int32_t kAnyPartition = RD_KAFKA_PARTITION_UA;
// Offsets to seek or start at besides a real one.
constexpr int64_t kOffsetBeginning = RD_KAFKA_OFFSET_BEGINNING;
constexpr int64_t kOffsetEnd = RD_KAFKA_OFFSET_END;
constexpr int64_t kOffsetStored = RD_KAFKA_OFFSET_STORED;  // the group's committed offset

struct TopicPartition {
  std::string topic;
  int32_t partition = 0;
  auto operator<=>(const TopicPartition&) const = default;
  // "topic[partition]", for messages.
  std::string ToString() const { return topic + "[" + std::to_string(partition) + "]"; }
};

// A partition with an offset: for Commit, the next offset to read (the last processed + 1), as in
// Kafka; for Seek and start offsets, the offset of the next message to return.
struct TopicPartitionOffset {
  TopicPartition tp;
  int64_t offset = 0;
  auto operator<=>(const TopicPartitionOffset&) const = default;
};

// A record header: Kafka allows repeated keys and a null value.
struct Header {
  std::string key;
  OwnedBytes value;
  bool operator==(const Header&) const = default;
};

// One topic as the cluster's metadata describes it.
struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  // The replication factor of partition 0 (every partition has the same unless reassigned).
  int32_t replication_factor = 0;
};

}  // namespace walrelay::kafka
