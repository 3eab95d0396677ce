#pragma once

#include <cstdint>
#include <string_view>

namespace walrelay::kafka {

// Java Kafka's Utils.murmur2(byte[]): 32-bit MurmurHash2 with seed 0x9747b28c, as a signed Java
// int. Pure.
int32_t Murmur2(std::string_view bytes);

// The partition Kafka's default partitioner (and Kafka Connect's producers) choose for a record
// with non-null key bytes: toPositive(murmur2(key)) % partition_count. Requires
// partition_count > 0. Pure.
int32_t PartitionForKey(std::string_view key, int32_t partition_count);

}  // namespace walrelay::kafka
