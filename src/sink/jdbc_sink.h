#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "data/record.h"
#include "pg/connection.h"
#include "sink/record_decoder.h"
#include "sink/sink_config.h"
#include "sink/table_id.h"

namespace walrelay::sink {

// Writes records into PostgreSQL the way io.confluent.connect.jdbc.JdbcSinkConnector or
// io.debezium.connector.jdbc.JdbcSinkConnector would (per connector.class), applying each change
// exactly once: every batch is applied in one destination transaction together with the source
// position it ends at, stored in the offsets table (walrelay.offsets.table, in the default schema):
//   (connector text, partition text, position text, updated_at timestamptz,
//    primary key (connector, partition)).
// After a restart, ReadPosition() says where to resume the source.
//
// Retry protocol: ApplyBatch returns kReconnect when the connection broke, possibly during COMMIT
// (outcome unknown). The caller retries the same batch with the same position; ApplyBatch
// reconnects and asks the server (txid_status) whether the unanswered COMMIT's transaction
// committed: if so the batch is not applied twice; if it is still in progress, kRetry. Positions
// need not differ between batches (the chunks of one snapshot table share one).
//
// Several positions per transaction (Kafka sink tasks): a batch consumed from Kafka spans several
// topic-partitions, so ApplyPrepared can also store one position per partition of the batch, all in
// the batch's transaction (see PositionUpdate), and ReadPositions() returns every position the
// connector holds, for the task to seek to on assignment. For Kafka the partition text is
// KafkaPartitionKey(topic, partition), `{"topic":"orders","partition":3}`, and the position is
// KafkaPosition(next), `{"offset":42}`, where 42 is the next offset to read from that partition
// (the last applied offset + 1); see sink/kafka_position.h.
//
// Lifecycle: Create -> Open -> ApplyBatch* -> destruction. One thread at a time.
class JdbcSink {
 public:
  // One partition's position stored with a batch. With `check`, the batch is a compare-and-set:
  // it commits only if, once its transaction holds the partition's row lock, the destination
  // holds exactly `expected` for the partition (nullopt: no row). A stale owner of a partition
  // (one that lost it to another task without noticing, e.g. frozen past its session timeout)
  // therefore cannot overwrite what the new owner applied.
  struct PositionUpdate {
    std::string partition;
    std::string position;
    bool check = false;
    std::optional<std::string> expected;
  };
  enum class ApplyOutcome {
    kApplied,
    // A checked position did not hold its expected value: nothing was written (rolled back).
    kFenced,
  };

  // Parses `props` (connector.class picks the flavor). kInvalidArgument naming the property.
  static Result<std::unique_ptr<JdbcSink>> Create(const std::string& connector_name,
                                                  const std::map<std::string, std::string>& props);

  // How the destination connection's waits react to a stop request (see pg::Interrupt): a
  // running statement is cancelled after the grace period and the call fails with kStopped; the
  // transaction is rolled back, so its position is not stored. Before Open.
  void SetInterrupt(pg::Interrupt interrupt) { interrupt_ = interrupt; }

  // Connects and creates the offsets table if missing. kReconnect when the server is unreachable.
  Status Open();

  // The position durably applied for source `partition`, or nullopt if none yet.
  Result<std::optional<std::string>> ReadPosition(const std::string& partition);
  // Every position this connector holds in the destination: partition -> position. Waits, like
  // ReadPosition, for transactions still writing the offsets table. kReconnect when the
  // destination is unreachable.
  Result<std::map<std::string, std::string>> ReadPositions();
  // Changes this connector's positions outside of a batch, in one transaction (the KIP-875
  // offsets endpoints, with the connector stopped): with `clear`, every position of the connector
  // is removed first; then each of `positions` is set, or removed when nullopt. Positions are
  // written unchecked: a task that still runs is fenced by them at its next batch. kReconnect
  // when the destination is unreachable; the transaction is rolled back on any failure.
  Status WritePositions(const std::map<std::string, std::optional<std::string>>& positions,
                        bool clear);

  // Applies `records` and records `position` for `partition`, all in one transaction: either
  // everything commits or nothing does. In upsert mode the changes of each table are compacted to
  // the last change per key and applied table by table (deletes, then upserts, each key at the
  // place of its last change), as both JDBC sinks buffer per table: the committed result equals
  // applying the records one by one, but statements within the transaction may touch tables in a
  // different order (mind foreign keys that are not DEFERRABLE). Other insert modes apply records
  // strictly in order. Errors: kDataError naming the table (and the record
  // key for constraint violations) for records that cannot be applied; kReconnect when the
  // connection was lost (retry the whole batch); kRetry for serialization failures/deadlocks.
  Status ApplyBatch(const std::vector<const data::Record*>& records, const std::string& partition,
                    const std::string& position);

  // ApplyBatch in two steps, so that the next batch can be turned into rows (Prepare) while this
  // one is applied (ApplyPrepared), on another thread. A prepared batch views the records it was
  // prepared from, which must outlive it, and text it owns. Prepare calls must not overlap each
  // other, nor ApplyPrepared calls; one Prepare may run during an ApplyPrepared.
  struct PreparedBatch {
    std::vector<RowChange> changes;
    TextArena text;
    size_t count = 0;  // changes filled since BeginPrepared (the vector may hold more, for reuse)
  };
  // kDataError naming the connector and the record's problem (see RecordDecoder::Decode).
  Status Prepare(const std::vector<const data::Record*>& records, PreparedBatch* out);
  // Prepare in pieces, for records that arrive a few at a time: BeginPrepared forgets what `out`
  // held (keeping its memory), each PrepareMore appends one change per record, EndPrepared makes
  // `changes` exactly the appended ones. Until then, `changes` may hold stale entries past `count`.
  void BeginPrepared(PreparedBatch* out);
  Status PrepareMore(const std::vector<const data::Record*>& records, PreparedBatch* out);
  void EndPrepared(PreparedBatch* out);
  Status ApplyPrepared(const PreparedBatch& batch, const std::string& partition,
                       const std::string& position);
  // ApplyPrepared storing every one of `positions` (at least one, distinct partitions, locked in
  // partition order so that two writers sharing partitions cannot deadlock) in the batch's
  // transaction. The retry protocol is ApplyPrepared's: after kReconnect retry with the same
  // batch and positions. Returns kFenced, having written nothing, when a checked position did not
  // hold its expected value (see PositionUpdate); errors as ApplyPrepared, kInvalidArgument for
  // no position or a partition named twice.
  Result<ApplyOutcome> ApplyPrepared(const PreparedBatch& batch,
                                     const std::vector<PositionUpdate>& positions);

  const SinkConfig& config() const { return config_; }
  // Whether this sink reads the `source` block of Debezium envelopes: only the Debezium flavor,
  // for a table.name.format / collection.name.format with ${source.*}.
  bool ReadsSourceBlock() const {
    return config_.flavor == SinkFlavor::kDebezium &&
           config_.table_name_format.find("${source.") != std::string::npos;
  }
  const std::string& connector_name() const { return connector_name_; }

 private:
  struct TableInfo {
    bool exists = false;
    std::set<std::string> columns;
    std::unordered_map<std::string, std::string> types;  // column -> format_type() of its type
  };
  // A run of consecutive changes applied by one statement.
  struct Group {
    ChangeKind kind;
    const TableShape* shape;
    std::vector<const RowChange*> rows;
    // One statement for any number of rows, taking each column as an array (distinct keys only).
    bool arrays = false;
  };

  // The changes of one table waiting in a compacted batch (upsert mode): the last change per key.
  struct PendingTable {
    const TableShape* write_shape = nullptr;  // shape and column mask of the pending writes
    std::vector<bool> write_present;
    std::vector<std::string> key_columns;      // of every pending change
    const TableShape* key_shape = nullptr;     // a shape known to have those key columns
    const RowChange* ensured_write = nullptr;  // the last write / other change EnsureTable
    const RowChange* ensured_other = nullptr;  // accepted, to skip it for alike changes
    std::vector<const RowChange*> changes;     // null where a later change of the key won
    std::vector<size_t> hashes;                // key hash of each entry of `changes`
    // Open-addressing index by key: 1 + the position in `changes` of the key's latest change, 0
    // for an empty slot. Its size is a power of two, at least twice the keys it holds.
    std::vector<uint32_t> slots;
    size_t keys = 0;

    // The slot holding `change`'s key, or the empty slot where it belongs.
    uint32_t& Slot(const RowChange& change, size_t hash);
    // Makes room for one more key.
    void Reserve();
  };

  JdbcSink(std::string connector_name, SinkConfig config);

  Status Connect();
  Status ApplyInTransaction(const std::vector<RowChange>& changes,
                            const std::vector<PositionUpdate>& positions, size_t max_rows,
                            bool commit, bool* multi_row_failed);
  // The data statements of ApplyInTransaction in upsert mode with multi-row statements, sent
  // pipelined; the caller finishes the pipeline.
  Status ApplyCompacted(const std::vector<RowChange>& changes, size_t max_rows,
                        bool* multi_row_failed);
  Status AddPending(PendingTable* table, const RowChange& change, size_t max_rows,
                    bool* multi_row_failed);
  Status FlushPending(PendingTable* table, size_t max_rows, bool* multi_row_failed);
  Status ApplyGroup(const Group& group);
  // Writes the positions and commits (when `commit`).
  Status FinishTransaction(const std::vector<PositionUpdate>& positions, bool commit);
  // Commits (when `commit`); a COMMIT without an answer leaves `uncertain_` to resolve.
  Status Commit(const std::vector<PositionUpdate>& positions, bool commit);
  // Locks the position rows ($1 connector, $2 text[] of partitions) in partition order, so two
  // sinks sharing a connector name cannot interleave, returning them as one JSON object
  // (partition -> position); and writes them ($2 partitions, $3 text[] of positions).
  std::string LockPositionSql() const;
  std::string WritePositionSql() const;
  // Fills partitions_param_ and positions_param_ (array literals) from `positions`.
  void SetPositionParams(const std::vector<PositionUpdate>& positions);
  // Ok when every checked position of `positions` holds its expected value in `locked_`, else
  // sets `fenced_` and fails naming the partition.
  Status CheckFence(const std::vector<PositionUpdate>& positions);
  // Whether the transaction of `uncertain_` committed; kRetry while it is still in progress.
  Result<bool> ResolveUncertainCommit();
  Status EnsureTable(const RowChange& change);
  Result<TableInfo*> LoadTable(const TableId& table);
  // Runs `sql` with text parameters through a cached prepared statement. Both first finish a
  // pipeline in progress (and fail with its error).
  Result<pg::PgResult> Run(const std::string& sql, const std::vector<const char*>& params);
  Result<pg::PgResult> RunSimple(const std::string& sql);
  // Sends `group`'s statement in libpq pipeline mode without waiting for its result, so the
  // destination executes it while the next one is built. Errors surface in FinishPipeline.
  Status Send(const std::string& sql, const std::vector<const char*>& params, const Group& group);
  // Sends a statement that is not a group's the same way. `what` prefixes its error; the first
  // value of its result, if any, goes to *first_value when FinishPipeline reads it.
  Status SendOther(const std::string& sql, const std::vector<const char*>& params, std::string what,
                   std::string* first_value = nullptr);
  // Waits for every statement Send queued and leaves pipeline mode: the first error, decorated
  // with its group (failed_rows_ = that group's row count), or kReconnect when the connection
  // broke (it is dropped).
  Status FinishPipeline();
  // The same, setting *multi_row_failed when the failed statement had several rows.
  Status FinishPipeline(bool* multi_row_failed);
  void DropConnection();
  Status DecorateRowError(const Status& s, const Group& group) const;

  std::string connector_name_;
  SinkConfig config_;
  RecordDecoder decoder_;
  std::string offsets_table_;  // quoted, schema-qualified
  std::optional<pg::Connection> conn_;
  pg::Interrupt interrupt_;
  std::map<TableId, TableInfo> tables_;                    // cleared on rollback
  std::unordered_map<std::string, std::string> prepared_;  // sql -> statement name
  uint64_t next_statement_ = 0;
  // The batch whose COMMIT got no answer: its transaction id and position.
  struct UncertainCommit {
    std::string xid;
    std::string position;  // every partition's position, as PositionsText prints them
  };
  std::optional<UncertainCommit> uncertain_;
  std::string current_xid_;  // of the transaction ApplyInTransaction opened
  std::string locked_;       // what the position lock found: a JSON object partition -> position
  std::string partitions_param_, positions_param_;  // array literals of the positions written
  bool fenced_ = false;                             // the last transaction failed CheckFence
  PreparedBatch own_batch_;                         // ApplyBatch's; kept to reuse its vectors
  // Statements sent in pipeline mode whose results are yet to be read, in order: a prepare
  // (`prepared_sql` set, no group) or an execution of `group`.
  struct InFlight {
    std::string prepared_sql;
    std::optional<Group> group;
    std::string what;                    // error context of a statement without a group
    std::string* first_value = nullptr;  // receives the result's first value
  };
  Status SendStatement(const std::string& sql, const std::vector<const char*>& params,
                       InFlight info);
  bool pipelining_ = false;        // in libpq pipeline mode
  bool pipeline_allowed_ = false;  // ApplyGroup may Send instead of Run
  std::vector<InFlight> in_flight_;
  size_t failed_rows_ = 0;                  // rows of the group FinishPipeline's error came from
  std::vector<std::string> array_buffers_;  // ApplyGroup's array literals, one per column
};

}  // namespace walrelay::sink
