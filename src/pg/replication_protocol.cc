#include "pg/replication_protocol.h"

#include "pg/wire.h"

namespace walrelay::pg {
namespace {

// Byte1 type + Int64 wal_start + Int64 wal_end + Int64 send_time, then the payload.
constexpr size_t kXLogDataHeader = 1 + 8 + 8 + 8;
// Byte1 type + Int64 wal_end + Int64 send_time + Byte1 reply_requested.
constexpr size_t kKeepaliveSize = 1 + 8 + 8 + 1;
// Byte1 type + 3 x Int64 positions + Int64 client time + Byte1 reply.
constexpr size_t kStandbyStatusSize = 1 + 8 + 8 + 8 + 8 + 1;

Lsn LsnAt(std::string_view bytes, size_t offset) {
  return Lsn(wire::LoadBigEndian<uint64_t>(bytes.data() + offset));
}

}  // namespace

Result<CopyMessage> ParseCopyData(std::string_view bytes) {
  if (bytes.empty()) return DataError("replication CopyData: empty message");
  switch (bytes[0]) {
    case 'w': {
      if (bytes.size() < kXLogDataHeader) {
        return DataError(
            "replication XLogData ('w'): truncated header: " + std::to_string(bytes.size()) +
            " bytes, need at least " + std::to_string(kXLogDataHeader));
      }
      XLogData x;
      x.wal_start = LsnAt(bytes, 1);
      x.wal_end = LsnAt(bytes, 9);
      x.send_time = wire::LoadBigEndian<int64_t>(bytes.data() + 17);
      x.payload = bytes.substr(kXLogDataHeader);
      return CopyMessage(x);
    }
    case 'k': {
      if (bytes.size() != kKeepaliveSize) {
        return DataError("replication keepalive ('k'): " + std::to_string(bytes.size()) +
                         " bytes, expected " + std::to_string(kKeepaliveSize));
      }
      Keepalive k;
      k.wal_end = LsnAt(bytes, 1);
      k.send_time = wire::LoadBigEndian<int64_t>(bytes.data() + 9);
      k.reply_requested = bytes[17] != 0;
      return CopyMessage(k);
    }
    default: {
      const auto b = static_cast<unsigned char>(bytes[0]);
      return DataError("replication CopyData: unknown message type " + std::to_string(b) +
                       (b >= 0x20 && b < 0x7f ? std::string(" ('") + bytes[0] + "')" : ""));
    }
  }
}

std::string BuildStandbyStatus(Lsn written, Lsn flushed, Lsn applied, int64_t now_pg_us,
                               bool reply) {
  std::string out;
  out.reserve(kStandbyStatusSize);
  out.push_back('r');
  wire::AppendBigEndian(out, written.value());
  wire::AppendBigEndian(out, flushed.value());
  wire::AppendBigEndian(out, applied.value());
  wire::AppendBigEndian(out, now_pg_us);
  out.push_back(reply ? 1 : 0);
  return out;
}

}  // namespace walrelay::pg
