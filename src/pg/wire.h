#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

// Network-byte-order (big-endian) integer helpers shared by the pure protocol decoders in pg/.
// Callers check bounds before loading; these never look past `sizeof(T)` bytes of `p`.
namespace walrelay::pg::wire {

template <typename T>
T LoadBigEndian(const char* p) {
  using U = std::make_unsigned_t<T>;
  U v = 0;
  for (size_t i = 0; i < sizeof(T); ++i) v = static_cast<U>((v << 8) | static_cast<uint8_t>(p[i]));
  return static_cast<T>(v);
}

template <typename T>
void AppendBigEndian(std::string& out, T value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  for (size_t i = sizeof(T); i > 0; --i) {
    out.push_back(static_cast<char>((v >> ((i - 1) * 8)) & 0xff));
  }
}

}  // namespace walrelay::pg::wire
