#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/retry.h"
#include "common/status.h"
#include "common/stop.h"
#include "config/connector_config.h"
#include "config/table_filter.h"
#include "data/record.h"
#include "pg/connection.h"
#include "pg/pgoutput_decoder.h"
#include "pg/replication_stream.h"
#include "source/event_builder.h"
#include "source/postgres_source_config.h"
#include "source/source_offset.h"
#include "source/type_mapper.h"

namespace walrelay::source {

// Debezium's PostgreSQL connector as one task: slot and publication management, the initial
// snapshot, pgoutput streaming, heartbeats and reconnects. Single-threaded: the runtime calls
// Start once, then Poll / Commit in a loop from one thread, then Stop.
//
// Offsets: everything Poll returned is the runtime's to deliver. After delivering it durably the
// runtime persists CurrentOffset() (or an offset advanced record by record with
// SourceOffset::Advance) and calls Commit() with it; only then does the slot's confirmed position
// move. A restart with that offset re-emits nothing that was delivered.
class PostgresSource {
 public:
  static Result<std::unique_ptr<PostgresSource>> Create(const config::ConnectorConfig& config);
  ~PostgresSource();

  // Connects, prepares publication and slot, and decides whether to snapshot, resuming from
  // `offset` when given. kInvalidArgument/kNotFound errors are permanent; others may be retried.
  Status Start(const std::optional<SourceOffset>& offset);
  // Waits until no walsender holds the slot. A task moving between workers is stopped by its old
  // owner while its new owner starts, and the old owner writes its last offset before it lets
  // the slot go: an offset read after this wait is not older than the slot's position (read
  // before it, the new owner found the slot ahead of the offset and failed). Ok at once when the
  // slot is free or does not exist yet; kStopped on a stop; a slot still held, or a connection
  // failure, after errors.max.retries retries (-1, the default: never) fails with kRetry.
  Status AwaitSlotFree();
  // Leaves the `source` block of change events null (see EventOptions::omit_source_block). For
  // the runner, before Start, when its transforms prove that nothing reads the block.
  void OmitSourceBlock() { config_.events.omit_source_block = true; }
  // Makes every wait of the source (connecting, queries, the stream, reconnect backoff) end at
  // once when `stop` is requested: Start and Poll then fail with kStopped, having handed over
  // nothing partial. Before Start; `stop` outlives the source.
  void SetStop(const StopSource* stop) {
    stop_ = stop;
    reconnect_backoff_ = Backoff(ReconnectPolicy(), stop);
  }
  // Makes each Poll of the stream stop reading once `records` or more are out (the transaction
  // that crosses the limit is not split), below max.batch.size: for a caller that processes every
  // poll's records at once, while they are still in the CPU caches. Snapshots are unaffected.
  void LimitPoll(size_t records) { poll_limit_ = records; }

  // Appends up to max.batch.size records (or LimitPoll's) to `out`, waiting at most `max_wait`
  // for the first.
  // Reconnects by itself on connection loss (with capped exponential backoff); returns an error
  // only when it gives up. Sets *finished when there is nothing more to do (initial_only).
  Status Poll(std::vector<data::Record>* out, std::chrono::milliseconds max_wait, bool* finished);

  // The offset after every record Poll returned so far.
  const SourceOffset& CurrentOffset() const { return offset_; }

  // Everything up to `offset` is durable downstream: the slot may confirm it.
  void Commit(const SourceOffset& offset);

  // Sends a final status update and closes connections. Drops the slot if slot.drop.on.stop.
  void Stop();
  // Makes Stop keep the slot whatever slot.drop.on.stop says: for a pause, which Kafka Connect
  // does without stopping the task (and so without Debezium dropping the slot).
  void KeepSlotOnStop() { config_.slot_drop_on_stop = false; }

  const PostgresSourceConfig& config() const { return config_; }

  // For progress reporting: the latest position the server reported and what the slot was told.
  Lsn server_position() const { return server_wal_end_; }
  Lsn confirmed_position() const { return confirmed_sent_; }

 private:
  explicit PostgresSource(PostgresSourceConfig config, config::TableFilter filter);

  struct Table {
    std::unique_ptr<TableEvents> events;  // null when the table is not captured
    std::string full_name;                // "schema.table"
    const XidSnapshot* snapshot_filter = nullptr;
  };

  Status Connect();
  // How this source's connections react to the stop request: a statement is cancelled at once.
  pg::Interrupt Interrupt() const { return pg::Interrupt{stop_, std::chrono::milliseconds(0)}; }
  bool Stopping() const { return stop_ != nullptr && stop_->stop_requested(); }
  // 200 ms doubling up to retriable.restart.connector.wait.ms, errors.max.retries retries.
  RetryPolicy ReconnectPolicy() const {
    return RetryPolicy{std::chrono::milliseconds(200),
                       std::chrono::milliseconds(config_.retry_max_wait_ms), config_.max_retries};
  }
  // After a failover: fails when `offset` lies beyond where its timeline ended on this server
  // (downstream is ahead of the cluster); clamps keepalive-only positions to the switch point.
  Status CheckTimeline(SourceOffset* offset);
  Status PrepareSnapshot(bool resume);
  Status PollSnapshot(std::vector<data::Record>* out, bool* finished);
  Status StartStreaming();
  Status PollStream(std::vector<data::Record>* out, std::chrono::milliseconds max_wait);
  Status HandleMessage(const pg::PgoutputMessage& msg, Lsn wal_start,
                       std::vector<data::Record>* out);
  Status OnRelation(const pg::RelationMessage& rel);
  // A logical decoding message: a transactional one joins its transaction's records; any other
  // is complete on its own, its LSN the position after which a restart does not re-emit it.
  Status OnLogicalMessage(const pg::LogicalMessage& msg, Lsn wal_start,
                          std::vector<data::Record>* out);

  // `now` is the caller's reading of the steady clock: the stream loop reads it once per step,
  // not once per call (clock reads were 4% of the source thread's CPU).
  Status MaybeHeartbeat(std::vector<data::Record>* out, std::chrono::steady_clock::time_point now);
  Status SendStatus(bool force, bool reply_requested = false);
  Status SendStatus(bool force, bool reply_requested, std::chrono::steady_clock::time_point now);
  Status Reconnect(const Status& cause);
  // For a stream that failed because the walsender could not read the WAL it needs
  // (pg::IsMissingWalRecord): Ok while that may pass (a failover settling), a kFatal error saying
  // what the operator can do once it has lasted walrelay.unreadable.wal.patience.ms at the same
  // position.
  Status CheckMissingWal(const Status& cause);
  Result<TableInfo> LoadTableInfo(uint32_t oid, const pg::RelationMessage* rel);
  SourceMeta MakeMeta(Lsn lsn, const std::string& snapshot_flag);
  // With provide.transaction.metadata: the transaction's BEGIN, if not emitted yet, at a change of
  // a table not captured (wal_start: that change's position), as Debezium emits it. Always Ok.
  Status BeginForFilteredChange(Lsn wal_start);
  // PositionAppended for the records of one change, preceded by the transaction's BEGIN event
  // the first time (data events only: Debezium 2.7 gives a message no transaction metadata);
  // then hands over part of a large transaction.
  void EmitAppended(size_t first, Lsn wal_start, const SourceMeta& meta,
                    std::vector<data::Record>* out, bool data_event = true);
  // Gives the records appended to tx_buffer_ from index `first` on their positions in the
  // transaction, dropping those a previous run delivered.
  void PositionAppended(size_t first, Lsn wal_start);
  void HandOverPartial(std::vector<data::Record>* out);

  PostgresSourceConfig config_;
  config::TableFilter filter_;
  TypeCatalog catalog_;
  std::unique_ptr<TypeMapper> mapper_;

  std::optional<pg::Connection> conn_;
  std::optional<pg::ReplicationStream> stream_;
  pg::PgoutputDecoder decoder_;
  std::unordered_map<uint32_t, Table> tables_;
  std::optional<MessageEvents> message_events_;  // built when streaming starts
  bool messages_warned_ = false;                 // the server cannot send messages

  SourceOffset offset_;     // after everything returned by Poll
  SourceOffset committed_;  // durable downstream
  Lsn confirmed_sent_;      // last flush position sent to the server
  Lsn server_wal_end_;      // latest position the server said it has sent
  std::chrono::steady_clock::time_point last_status_;
  std::chrono::steady_clock::time_point last_heartbeat_;
  std::chrono::steady_clock::time_point last_traffic_;

  // The transaction being decoded.
  bool in_tx_ = false;
  pg::BeginMessage begin_;
  uint64_t tx_event_index_ = 0;
  // Events of the current transaction at the Debezium offset's lsn_proc so far
  // (SourceOffset::DeliveredByDebezium).
  uint64_t tx_events_at_debezium_proc_ = 0;
  bool tx_skipped_by_debezium_ = false;  // logged once per transaction
  std::vector<data::Record> tx_buffer_;
  TransactionState tx_state_;  // provide.transaction.metadata numbering
  std::unique_ptr<TransactionEvents> tx_events_;
  bool tx_begin_emitted_ = false;

  // Failover-safe mode: completed transactions (and non-transactional logical decoding messages,
  // in stream order with them) wait here until the standbys have flushed them.
  struct HeldTransaction {
    std::vector<data::Record> records;
    Lsn commit_lsn, end_lsn;  // a message: no commit LSN, end_lsn its own LSN
    uint32_t xid = 0;
    bool message = false;  // a non-transactional logical decoding message
  };
  Status ReleaseHeld(std::vector<data::Record>* out, bool wait);
  Result<Lsn> StandbyFlushPosition();
  // Moves the transaction's records to `out` (leaving moved-from records in tx.records).
  void Complete(HeldTransaction& tx, std::vector<data::Record>* out);
  // Completes `tx` into `out`, or holds it (failover-safe mode, or others already held: the order
  // is kept).
  void CompleteOrHold(HeldTransaction& tx, std::vector<data::Record>* out);
  bool failover_safe_ = false;
  std::vector<HeldTransaction> held_;
  Lsn standby_flush_;
  std::chrono::steady_clock::time_point last_standby_check_;
  std::chrono::steady_clock::time_point held_since_;
  bool held_warned_ = false;

  // Snapshot state.
  struct SnapshotTable {
    std::string schema, table;
    uint32_t oid = 0;
  };
  bool snapshot_running_ = false;
  bool streaming_ = false;
  bool finished_ = false;
  size_t poll_limit_ = SIZE_MAX;  // LimitPoll's
  std::optional<pg::Connection> snapshot_conn_;
  std::vector<SnapshotTable> snapshot_queue_;
  size_t snapshot_index_ = 0;
  bool snapshot_cursor_open_ = false;
  XidSnapshot snapshot_xids_;
  std::optional<TableEvents> snapshot_events_;
  std::optional<data::Record> snapshot_pending_;  // held back to mark the very last as "last"
  bool first_start_ = true;
  bool snapshot_taken_this_run_ = false;
  bool snapshot_resumed_ = false;  // this snapshot continues an interrupted one
  bool started_once_ = false;      // snapshot.mode=always snapshots once per process start
  const StopSource* stop_ = nullptr;
  Backoff reconnect_backoff_;  // reset when WAL arrives after a reconnect
  // CheckMissingWal: since when, and at which position, streams fail to read the WAL.
  std::optional<std::chrono::steady_clock::time_point> missing_wal_since_;
  Lsn missing_wal_at_;
};

}  // namespace walrelay::source
