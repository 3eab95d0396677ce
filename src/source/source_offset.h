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
  // Set from an offset Debezium wrote at a change event rather than at a transaction boundary
  // (Kafka Connect stores the offset of the last record sent, and Debezium's offset moves to a
  // commit only with the next transaction's first event): Debezium had delivered the transaction
  // it was in up to the event at `debezium_lsn_proc` (Debezium's lsn_proc), and of the events at
  // exactly that LSN the first `debezium_events_at_proc` (its lsn_events_processed, Debezium
  // 3.x; 0: all of them). That transaction is the first one streamed after last_commit_lsn;
  // `debezium_tx_lsn` is its commit LSN once streamed. `debezium_message_type` is Debezium's
  // messageType, kept to write the same position back. All cleared once a transaction past
  // last_commit_lsn is complete.
  Lsn debezium_lsn_proc;
  uint64_t debezium_events_at_proc = 0;
  Lsn debezium_tx_lsn;
  std::string debezium_message_type;

  // Moves the offset past a delivered record. Pure. A record outside any transaction with
  // last_in_transaction and a commit_end_lsn (a non-transactional logical decoding message) moves
  // last_commit_end only; heartbeats and snapshot records move nothing.
  void Advance(const data::SourcePosition& position);
  // Whether a change (transaction commit LSN, index within it) was already delivered.
  bool Delivered(Lsn tx_lsn, uint64_t event_index) const;
  // Whether the change at `event_lsn` of the transaction committing at `tx_lsn`, the
  // `nth_at_proc`-th (0-based) of that transaction's events at debezium_lsn_proc, was delivered
  // by Debezium before walrelay took its offset over (see debezium_lsn_proc). The first
  // transaction past last_commit_lsn asked about is taken as Debezium's and recorded in
  // debezium_tx_lsn, so the caller asks in stream order. False when no Debezium position is set.
  bool DeliveredByDebezium(Lsn tx_lsn, Lsn event_lsn, uint64_t nth_at_proc);
  // Forgets the Debezium position (a transaction past it is complete).
  void ClearDebeziumPosition();

  std::string ToJson() const;
  static Result<SourceOffset> FromJson(std::string_view json);
};

}  // namespace walrelay::source
