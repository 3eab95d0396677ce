#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace walrelay {

// A PostgreSQL WAL position. Prints as PostgreSQL does: "16/B374D848".
class Lsn {
 public:
  constexpr Lsn() = default;
  constexpr explicit Lsn(uint64_t value) : value_(value) {}

  constexpr uint64_t value() const { return value_; }
  constexpr bool valid() const { return value_ != 0; }
  std::string ToString() const;
  // Parses "16/B374D848"; nullopt when malformed.
  static std::optional<Lsn> Parse(std::string_view text);

  constexpr auto operator<=>(const Lsn&) const = default;

 private:
  uint64_t value_ = 0;
};

// A PostgreSQL transaction id (32-bit as sent by pgoutput).
class Xid {
 public:
  constexpr Xid() = default;
  constexpr explicit Xid(uint32_t value) : value_(value) {}
  constexpr uint32_t value() const { return value_; }
  constexpr auto operator<=>(const Xid&) const = default;

 private:
  uint32_t value_ = 0;
};

}  // namespace walrelay
