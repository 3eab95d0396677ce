#include "kafka/murmur2.h"

namespace walrelay::kafka {

int32_t Murmur2(std::string_view bytes) {
  // Unsigned arithmetic gives Java's wrapping int multiplication and >>> shifts.
  const uint32_t m = 0x5bd1e995;
  const int r = 24;
  const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
  const uint32_t length = static_cast<uint32_t>(bytes.size());
  uint32_t h = 0x9747b28cU ^ length;
  const uint32_t length4 = length / 4;
  for (uint32_t i = 0; i < length4; ++i) {
    const uint32_t i4 = i * 4;
    uint32_t k = data[i4] | (uint32_t{data[i4 + 1]} << 8) | (uint32_t{data[i4 + 2]} << 16) |
                 (uint32_t{data[i4 + 3]} << 24);
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  const uint32_t tail = length & ~3U;
  switch (length % 4) {
    case 3:
      h ^= uint32_t{data[tail + 2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{data[tail + 1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= data[tail];
      h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t PartitionForKey(std::string_view key, int32_t partition_count) {
  const int32_t positive = Murmur2(key) & 0x7fffffff;  // Utils.toPositive
  return positive % partition_count;
}

}  // namespace walrelay::kafka
