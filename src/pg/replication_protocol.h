#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "common/lsn.h"
#include "common/status.h"

// Pure framing of the streaming replication sub-protocol carried in CopyData messages once
// START_REPLICATION has switched the connection to COPY BOTH mode (PostgreSQL docs, "Streaming
// Replication Protocol"). No I/O here: ReplicationStream moves the bytes.
namespace walrelay::pg {

// Microseconds between the Unix epoch and the PostgreSQL epoch (2000-01-01 00:00:00 UTC).
inline constexpr int64_t kPgEpochOffsetMicros = int64_t{946684800} * 1000000;

constexpr int64_t UnixMicrosToPgMicros(int64_t unix_us) { return unix_us - kPgEpochOffsetMicros; }
constexpr int64_t PgMicrosToUnixMicros(int64_t pg_us) { return pg_us + kPgEpochOffsetMicros; }
constexpr int64_t UnixMillisToPgMicros(int64_t unix_ms) {
  return UnixMicrosToPgMicros(unix_ms * 1000);
}
// Rounds towards negative infinity so that times before 1970 still map to the earlier millisecond.
constexpr int64_t PgMicrosToUnixMillis(int64_t pg_us) {
  int64_t us = PgMicrosToUnixMicros(pg_us);
  return us >= 0 ? us / 1000 : -((-us + 999) / 1000);
}

// XLogData ('w'): a piece of the WAL stream; for pgoutput, exactly one pgoutput message.
struct XLogData {
  Lsn wal_start;
  Lsn wal_end;
  int64_t send_time = 0;     // server clock, PostgreSQL-epoch microseconds
  std::string_view payload;  // points into the buffer that was parsed
};

// Primary keepalive ('k'). When reply_requested the server disconnects us unless we answer with a
// standby status update before wal_sender_timeout.
struct Keepalive {
  Lsn wal_end;
  int64_t send_time = 0;  // server clock, PostgreSQL-epoch microseconds
  bool reply_requested = false;
};

using CopyMessage = std::variant<XLogData, Keepalive>;

// Parses one CopyData payload sent by the server. kDataError for an empty buffer, an unknown
// type byte, a short frame or (for keepalives) trailing bytes. XLogData's payload aliases `bytes`.
Result<CopyMessage> ParseCopyData(std::string_view bytes);

// Builds a Standby status update ('r'): the positions we have written, flushed and applied
// (each "last byte + 1"), our clock in PostgreSQL-epoch microseconds, and whether the server
// should answer immediately with a keepalive.
std::string BuildStandbyStatus(Lsn written, Lsn flushed, Lsn applied, int64_t now_pg_us,
                               bool reply);

}  // namespace walrelay::pg
