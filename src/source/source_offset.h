#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/lsn.h"
#include "common/status.h"
#include "data/record.h"

namespace walrelay::source {

// A transaction-visibility snapshot as txid_current_snapshot() reports it (64-bit xids).
// A change whose transaction is visible in the snapshot a table was read with is already in that
// table's snapshot rows and must not be emitted again from the stream.
struct XidSnapshot {
  uint64_t xmin = 0;
  uint64_t xmax = 0;
  std::vector<uint64_t> xip;

  // Parses "xmin:xmax:xip1,xip2".
  static std::optional<XidSnapshot> Parse(std::string_view text);
  std::string ToString() const;
  // Whether the 32-bit xid from pgoutput committed before this snapshot was taken.
  bool Visible(uint32_t xid32) const;
};

// Progress of an initial snapshot: which tables are done and with which visibility snapshot.
struct SnapshotProgress {
  bool active = false;  // a snapshot is in progress (or must be resumed)
  Lsn stream_start;     // where streaming starts once the snapshot is done
  std::map<std::string, XidSnapshot> done_tables;  // "schema.table" -> snapshot it was read in
};

// The position of a PostgreSQL source, persisted by the runtime (offset file or destination table).
// `last_commit_end` is what may be confirmed to the slot once durable; `inflight_*` tells how far
// into the next transaction records were already delivered, so a restart re-emits nothing.
struct SourceOffset {
  Lsn last_commit_end;  // end LSN of the last fully delivered transaction
  Lsn last_commit_lsn;  // that transaction's commit LSN (Debezium's lsn_commit)
  uint32_t last_txid = 0;
  Lsn inflight_tx_lsn;          // commit LSN of a partly delivered transaction (0 if none)
  uint64_t inflight_index = 0;  // events of it already delivered
  SnapshotProgress snapshot;
  // Visibility filters for streamed changes of tables snapshotted in this run: until the stream
  // passes `filter_until`, changes of a table whose transaction is visible in that table's
  // snapshot are skipped.
  Lsn filter_until;
  // The server timeline the offset's positions belong to (IDENTIFY_SYSTEM); 0 when unknown. After
  // a failover the new leader's timeline history says where this timeline ended.
  uint32_t timeline = 0;

  // Moves the offset past a delivered record. Pure. A record outside any transaction with
  // last_in_transaction and a commit_end_lsn (a non-transactional logical decoding message) moves
  // last_commit_end only; heartbeats and snapshot records move nothing.
  void Advance(const data::SourcePosition& position);
  // Whether a change (transaction commit LSN, index within it) was already delivered.
  bool Delivered(Lsn tx_lsn, uint64_t event_index) const;

  std::string ToJson() const;
  static Result<SourceOffset> FromJson(std::string_view json);
};

}  // namespace walrelay::source
