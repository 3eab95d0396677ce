#include "source/postgres_source.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <regex>
#include <thread>

#include "common/log.h"

namespace walrelay::source {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ElapsedMs(Clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count();
}

// pgoutput timestamps count microseconds from 2000-01-01.
constexpr int64_t kPgEpochOffsetMs = 946684800000LL;
int64_t PgTimeToUnixMs(int64_t pg_us) { return pg_us / 1000 + kPgEpochOffsetMs; }

// How long the walsender may keep failing to read the WAL at one position (pg::IsMissingWalRecord)
// before that is taken as permanent: long enough for a new leader to settle after a failover.

bool IsMissingWalError(const Status& s) {
  return s.kind() == ErrorKind::kReconnect &&
         s.message().find("could not find record ") != std::string::npos &&
         s.message().find("[SQLSTATE XX000]") != std::string::npos;
}

data::SchemaPtr HeartbeatKeySchema() {
  static const data::SchemaPtr s =
      data::SchemaBuilder(data::Type::kStruct)
          .Name("io.debezium.connector.common.ServerNameKey")
          .Version(1)  // as Debezium 3.x's heartbeat schemas
          .AddField("serverName", data::PrimitiveSchema(data::Type::kString, false))
          .Build();
  return s;
}
data::SchemaPtr HeartbeatValueSchema() {
  static const data::SchemaPtr s =
      data::SchemaBuilder(data::Type::kStruct)
          .Name("io.debezium.connector.common.Heartbeat")
          .Version(1)
          .AddField("ts_ms", data::PrimitiveSchema(data::Type::kInt64, false))
          .Build();
  return s;
}

}  // namespace

PostgresSource::PostgresSource(PostgresSourceConfig config, config::TableFilter filter)
    : config_(std::move(config)),
      filter_(std::move(filter)),
      reconnect_backoff_(ReconnectPolicy()) {
  mapper_ = std::make_unique<TypeMapper>(&catalog_, config_.modes);
  if (config_.events.provide_transaction_metadata) {
    tx_events_ = std::make_unique<TransactionEvents>(config_.events);
  }
}

PostgresSource::~PostgresSource() = default;

Result<std::unique_ptr<PostgresSource>> PostgresSource::Create(const config::ConnectorConfig& c) {
  WR_ASSIGN_OR_RETURN(auto parsed, PostgresSourceConfig::Parse(c));
  WR_ASSIGN_OR_RETURN(auto filter, config::TableFilter::Create(c));
  return std::unique_ptr<PostgresSource>(new PostgresSource(std::move(parsed), std::move(filter)));
}

Status PostgresSource::Connect() {
  auto conn = pg::Connection::Connect(config_.conninfo, false, Interrupt());
  if (!conn.ok()) return conn.status();
  conn_.emplace(std::move(conn).value());
  // Right after a failover a connection can still reach a node that is (or just became) a
  // standby: wait for the leader rather than fail.
  auto recovery = conn_->Exec("SELECT pg_is_in_recovery()");
  if (!recovery.ok()) return recovery.status();
  if (recovery->Get(0, 0) == "t") {
    conn_.reset();
    return ReconnectError(config_.host + ":" + std::to_string(config_.port) +
                          " is a standby (in recovery), not the leader");
  }
  auto level = conn_->Exec("SHOW wal_level");
  if (!level.ok()) return level.status();
  if (level->rows() != 1 || level->Get(0, 0) != "logical") {
    return InvalidArgument("database " + config_.dbname + " at " + config_.host + ":" +
                           std::to_string(config_.port) +
                           " has wal_level=" + std::string(level->rows() ? level->Get(0, 0) : "?") +
                           "; logical decoding needs wal_level=logical");
  }
  WR_RETURN_IF_ERROR(catalog_.Load(*conn_));
  return Status::Ok();
}

Result<TableInfo> PostgresSource::LoadTableInfo(uint32_t oid, const pg::RelationMessage* rel) {
  auto res = conn_->ExecParams(
      "SELECT a.attname, a.atttypid, a.atttypmod, a.attnotnull, "
      "  coalesce((SELECT k.n FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(att, n) "
      "            WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.att = a.attnum), 0), "
      "  c.relreplident, n.nspname, c.relname, pg_get_expr(d.adbin, d.adrelid) "
      "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
      "JOIN pg_namespace n ON n.oid = c.relnamespace "
      "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
      "WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = '' "
      "ORDER BY a.attnum",
      {std::to_string(oid)});
  if (!res.ok()) return res.status();
  TableInfo info;
  info.relation_id = oid;
  std::vector<TableColumn> catalog_cols;
  for (int r = 0; r < res->rows(); ++r) {
    TableColumn col;
    col.name = std::string(res->Get(r, 0));
    col.type_oid = static_cast<uint32_t>(std::stoul(std::string(res->Get(r, 1))));
    col.type_modifier = std::stoi(std::string(res->Get(r, 2)));
    col.nullable = res->Get(r, 3) != "t";
    col.key_position = std::stoi(std::string(res->Get(r, 4)));
    col.in_key = col.key_position > 0;
    col.default_expression = res->GetOptional(r, 8);
    catalog_cols.push_back(std::move(col));
    info.replica_identity = res->Get(r, 5).empty() ? 'd' : res->Get(r, 5)[0];
    info.schema = std::string(res->Get(r, 6));
    info.table = std::string(res->Get(r, 7));
  }
  if (rel != nullptr) {
    // The stream's shape wins (it is what the tuples follow); nullability and key from the catalog.
    info.schema = rel->namespace_name;
    info.table = rel->relation_name;
    info.replica_identity = rel->replica_identity;
    for (const auto& rc : rel->columns) {
      TableColumn col;
      col.name = rc.name;
      col.type_oid = rc.type_oid;
      col.type_modifier = rc.type_modifier;
      for (const auto& cc : catalog_cols) {
        if (cc.name == rc.name) {
          col.nullable = cc.nullable;
          col.in_key = cc.in_key;
          col.key_position = cc.key_position;
          // Unless the column's type changed since: then the default is for the new type.
          if (cc.type_oid == rc.type_oid) col.default_expression = cc.default_expression;
        }
      }
      info.columns.push_back(std::move(col));
    }
  } else {
    if (catalog_cols.empty())
      return NotFound("table with oid " + std::to_string(oid) + " not found");
    info.columns = std::move(catalog_cols);
  }
  std::string full = info.schema + "." + info.table;
  for (const auto& [pattern, cols] : config_.message_key_columns) {
    std::regex re(pattern);
    if (!std::regex_match(full, re)) continue;
    for (auto& col : info.columns) {
      auto it = std::find(cols.begin(), cols.end(), col.name);
      col.in_key = it != cols.end();
      col.key_position = col.in_key ? static_cast<int>(it - cols.begin()) + 1 : 0;
    }
  }
  for (auto& col : info.columns)
    col.included = filter_.IncludeColumn(info.schema, info.table, col.name);
  return info;
}

Status PostgresSource::AwaitSlotFree() {
  // Short pauses (a handover takes tens of milliseconds) up to a second, for as many retries as
  // errors.max.retries allows starting the source (forever by default).
  Backoff backoff(RetryPolicy{std::chrono::milliseconds(50),
                              std::min(std::chrono::milliseconds(1000),
                                       std::chrono::milliseconds(config_.retry_max_wait_ms)),
                              config_.max_retries},
                  stop_);
  std::optional<pg::Connection> conn;
  std::string holder;
  const auto since = Clock::now();
  auto last_log = since;
  while (true) {
    Status failure;
    if (!conn) {
      auto c = pg::Connection::Connect(config_.conninfo, false, Interrupt());
      if (c.ok()) {
        conn.emplace(std::move(c).value());
      } else {
        failure = c.status();
      }
    }
    if (conn) {
      auto r = conn->ExecParams(
          "SELECT coalesce(active_pid::text, '') FROM pg_replication_slots WHERE slot_name = $1",
          {config_.slot_name});
      if (!r.ok()) {
        failure = r.status();
        conn.reset();
      } else if (r->rows() == 0 || r->Get(0, 0).empty()) {
        if (!holder.empty()) {
          LogInfo(config_.name, "replication slot " + config_.slot_name + " released by process " +
                                    holder + " after " + std::to_string(ElapsedMs(since)) + " ms");
        }
        return Status::Ok();
      } else {
        holder = std::string(r->Get(0, 0));
        failure =
            RetryError("replication slot " + config_.slot_name + " is in use by process " + holder);
      }
    }
    if (failure.kind() == ErrorKind::kStopped) return failure;
    const auto now = Clock::now();
    if (now - last_log >= std::chrono::seconds(10)) {
      last_log = now;
      LogWarn(config_.name,
              "waiting " + std::to_string(ElapsedMs(since) / 1000) +
                  " s for the slot before reading the stored offset: " + failure.message());
    }
    WR_RETURN_IF_ERROR(backoff.Pause(failure));
  }
}

Status PostgresSource::Start(const std::optional<SourceOffset>& stored) {
  std::optional<SourceOffset> offset = stored;
  WR_RETURN_IF_ERROR(Connect());
  const std::string& slot = config_.slot_name;
  const std::string& pub = config_.publication_name;

  // Publication.
  auto pubres =
      conn_->ExecParams("SELECT puballtables FROM pg_publication WHERE pubname = $1", {pub});
  if (!pubres.ok()) return pubres.status();
  bool pub_exists = pubres->rows() == 1;
  bool pub_all = pub_exists && pubres->Get(0, 0) == "t";
  std::vector<std::string> wanted;  // quoted "schema"."table"
  {
    auto tabs = conn_->Exec(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind IN ('r','p') AND NOT c.relispartition "
        "AND n.nspname NOT IN ('pg_catalog','information_schema') "
        "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 1, 2");
    if (!tabs.ok()) return tabs.status();
    for (int r = 0; r < tabs->rows(); ++r) {
      std::string s(tabs->Get(r, 0)), t(tabs->Get(r, 1));
      if (filter_.IncludeTable(s, t)) wanted.push_back(pg::QuoteIdent(s) + "." + pg::QuoteIdent(t));
    }
  }
  std::string table_list;
  for (size_t i = 0; i < wanted.size(); ++i) table_list += (i ? ", " : "") + wanted[i];
  switch (config_.publication_mode) {
    case PublicationAutocreate::kDisabled:
      if (!pub_exists) {
        return NotFound("publication \"" + pub +
                        "\" does not exist and publication.autocreate.mode "
                        "is disabled: create it, or set publication.autocreate.mode");
      }
      break;
    case PublicationAutocreate::kAllTables:
      if (!pub_exists) {
        LogInfo(config_.name, "creating publication " + pub + " FOR ALL TABLES");
        auto r = conn_->Exec("CREATE PUBLICATION " + pg::QuoteIdent(pub) + " FOR ALL TABLES");
        if (!r.ok()) return r.status();
      }
      break;
    case PublicationAutocreate::kNoTables:
      if (!pub_exists) {
        LogInfo(config_.name, "creating publication " + pub + " with no tables");
        auto r = conn_->Exec("CREATE PUBLICATION " + pg::QuoteIdent(pub));
        if (!r.ok()) return r.status();
      }
      break;
    case PublicationAutocreate::kFiltered: {
      if (wanted.empty()) {
        LogWarn(config_.name,
                "no table matches the include lists; publication " + pub + " stays empty");
      }
      if (!pub_exists) {
        LogInfo(config_.name, "creating publication " + pub + " for " +
                                  (table_list.empty() ? "no tables" : table_list));
        auto r = conn_->Exec("CREATE PUBLICATION " + pg::QuoteIdent(pub) +
                             (wanted.empty() ? "" : " FOR TABLE " + table_list));
        if (!r.ok()) return r.status();
      } else if (!pub_all) {
        auto cur = conn_->ExecParams(
            "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = $1", {pub});
        if (!cur.ok()) return cur.status();
        std::vector<std::string> have;  // quoted as `wanted` is
        for (int r = 0; r < cur->rows(); ++r) {
          have.push_back(pg::QuoteIdent(cur->Get(r, 0)) + "." + pg::QuoteIdent(cur->Get(r, 1)));
        }
        std::vector<std::string> want_sorted = wanted;
        std::sort(want_sorted.begin(), want_sorted.end());
        std::sort(have.begin(), have.end());
        if (have != want_sorted) {
          LogInfo(config_.name, "updating publication " + pub + " to " +
                                    (table_list.empty() ? "no tables" : table_list));
          std::string sql = "ALTER PUBLICATION " + pg::QuoteIdent(pub) + " SET TABLE " + table_list;
          if (wanted.empty()) {
            // SET TABLE needs at least one table: drop the current ones instead.
            std::string drop;
            for (size_t i = 0; i < have.size(); ++i) drop += (i ? ", " : "") + have[i];
            sql = "ALTER PUBLICATION " + pg::QuoteIdent(pub) + " DROP TABLE " + drop;
          }
          auto r = conn_->Exec(sql);
          if (!r.ok()) return r.status();
        }
      }
      break;
    }
  }

  // Slot.
  auto slotres = conn_->ExecParams(
      "SELECT plugin, slot_type, database, active, coalesce(active_pid::text, ''), "
      "coalesce(confirmed_flush_lsn::text, '') FROM pg_replication_slots WHERE slot_name = $1",
      {slot});
  if (!slotres.ok()) return slotres.status();
  bool slot_exists = slotres->rows() == 1;
  Lsn slot_confirmed;
  if (slot_exists) {
    if (slotres->Get(0, 1) != "logical" || slotres->Get(0, 0) != "pgoutput") {
      return InvalidArgument("replication slot \"" + slot + "\" exists but is a " +
                             std::string(slotres->Get(0, 1)) + " slot for plugin '" +
                             std::string(slotres->Get(0, 0)) +
                             "'; walrelay needs a logical pgoutput slot");
    }
    if (slotres->Get(0, 2) != config_.dbname) {
      return InvalidArgument("replication slot \"" + slot + "\" belongs to database '" +
                             std::string(slotres->Get(0, 2)) + "', not '" + config_.dbname + "'");
    }
    if (slotres->Get(0, 3) == "t") {
      return RetryError("replication slot \"" + slot + "\" is in use by process " +
                        std::string(slotres->Get(0, 4)));
    }
    slot_confirmed = Lsn::Parse(slotres->Get(0, 5)).value_or(Lsn());
  }

  if (offset.has_value() && offset->timeline != 0) {
    WR_RETURN_IF_ERROR(CheckTimeline(&*offset));
  }
  bool snapshot = false;
  bool resume_snapshot = false;
  if (offset.has_value()) {
    offset_ = *offset;
    if (!slot_exists ||
        (offset->last_commit_end.valid() && slot_confirmed > offset->last_commit_end)) {
      std::string what =
          !slot_exists ? "replication slot \"" + slot + "\" does not exist"
                       : "replication slot \"" + slot + "\" is at " + slot_confirmed.ToString() +
                             ", ahead of the stored offset " + offset->last_commit_end.ToString() +
                             ": the changes in between are gone";
      if (config_.snapshot_mode != SnapshotMode::kWhenNeeded &&
          config_.snapshot_mode != SnapshotMode::kAlways) {
        return NotFound(what + " (offset " + offset->last_commit_end.ToString() +
                        "); set snapshot.mode=when_needed to re-snapshot, or reset the offset");
      }
      LogError(config_.name,
               what + "; taking a new snapshot as snapshot.mode=" +
                   (config_.snapshot_mode == SnapshotMode::kAlways ? "always" : "when_needed") +
                   " says");
      offset_ = SourceOffset();
      snapshot = true;
    } else if (offset->snapshot.active) {
      snapshot = true;
      resume_snapshot = true;
    } else if (config_.snapshot_mode == SnapshotMode::kAlways && !snapshot_taken_this_run_) {
      snapshot = true;
    } else if (config_.snapshot_mode == SnapshotMode::kInitialOnly) {
      LogInfo(config_.name,
              "snapshot already completed and snapshot.mode=initial_only: nothing to do");
      finished_ = true;
      return Status::Ok();
    }
  } else {
    snapshot = config_.snapshot_mode != SnapshotMode::kNever;
  }
  first_start_ = !offset_.last_commit_end.valid() && !resume_snapshot;

  if (!slot_exists) {
    auto rs = pg::ReplicationStream::Open(config_.conninfo, Interrupt());
    if (!rs.ok()) return rs.status();
    LogInfo(config_.name, "creating replication slot " + slot + " (pgoutput)");
    auto created = rs->Command("CREATE_REPLICATION_SLOT " + pg::QuoteIdent(slot) +
                               " LOGICAL pgoutput NOEXPORT_SNAPSHOT");
    if (!created.ok()) return created.status().WithContext("creating replication slot " + slot);
  }
  // What is durable downstream: the stored offset on the first start; on a reconnect, whatever
  // the runtime last committed (never the offset of records still in flight); nothing once the
  // offset was discarded for a new snapshot.
  if (!started_once_ || !offset_.last_commit_end.valid()) committed_ = offset_;
  // Never confirm past the position streaming resumes from (it may have been moved back to where
  // a timeline ended).
  if (committed_.last_commit_end > offset_.last_commit_end) {
    committed_.last_commit_end = offset_.last_commit_end;
  }
  started_once_ = true;
  if (snapshot) return PrepareSnapshot(resume_snapshot);
  return StartStreaming();
}

Status PostgresSource::CheckTimeline(SourceOffset* offset) {
  auto rs = pg::ReplicationStream::Open(config_.conninfo, Interrupt());
  if (!rs.ok()) return rs.status();
  auto ident = rs->Command("IDENTIFY_SYSTEM");
  if (!ident.ok()) return ident.status();
  uint32_t current = static_cast<uint32_t>(std::stoul(std::string(ident->Get(0, 1))));
  if (current <= offset->timeline) return Status::Ok();
  auto history = rs->Command("TIMELINE_HISTORY " + std::to_string(current));
  if (!history.ok()) return history.status().WithContext("reading timeline history");
  // Lines "<timeline>\t<switch point>\t<reason>": where each earlier timeline ended.
  std::string content(history->Get(0, 1));
  Lsn switch_point;
  size_t pos = 0;
  while (pos < content.size()) {
    size_t nl = content.find('\n', pos);
    std::string line = content.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? content.size() : nl + 1;
    size_t t1 = line.find('\t');
    if (t1 == std::string::npos) continue;
    size_t t2 = line.find('\t', t1 + 1);
    if (std::strtoul(line.c_str(), nullptr, 10) != offset->timeline) continue;
    switch_point =
        Lsn::Parse(line.substr(t1 + 1, t2 == std::string::npos ? std::string::npos : t2 - t1 - 1))
            .value_or(Lsn());
  }
  if (!switch_point.valid()) {
    LogWarn(config_.name, "timeline history of timeline " + std::to_string(current) +
                              " does not mention timeline " + std::to_string(offset->timeline));
    return Status::Ok();
  }
  if (offset->last_commit_lsn.valid() && offset->last_commit_lsn >= switch_point) {
    return FatalError(
        "the stored position " + offset->last_commit_lsn.ToString() + " (timeline " +
        std::to_string(offset->timeline) + ") lies beyond " + switch_point.ToString() +
        ", where that timeline ended on the new leader (timeline " + std::to_string(current) +
        "): downstream holds changes the cluster lost in the failover. Re-snapshot the "
        "destination; walrelay.failover.safe.mode=on prevents this");
  }
  if (offset->last_commit_end > switch_point) {
    // Only keepalive positions lie beyond the switch: start at the switch point, not after it.
    LogInfo(config_.name, "timeline " + std::to_string(offset->timeline) + " ended at " +
                              switch_point.ToString() + "; resuming there on timeline " +
                              std::to_string(current));
    offset->last_commit_end = switch_point;
  }
  return Status::Ok();
}

Status PostgresSource::PrepareSnapshot(bool resume) {
  auto sc = pg::Connection::Connect(config_.conninfo, false, Interrupt());
  if (!sc.ok()) return sc.status();
  snapshot_conn_.emplace(std::move(sc).value());
  Lsn start;
  // The snapshot and the position streaming starts from must split the transactions exactly: a
  // transaction whose commit record precedes a position read from pg_current_wal_lsn() may still
  // be invisible to a snapshot taken after it (its backend waits for a synchronous standby between
  // the two), and would be in neither. A temporary slot's exported snapshot is consistent with its
  // consistent point by construction; the slot lives as long as `exporter`.
  std::optional<pg::ReplicationStream> exporter;
  std::string exported;
  if (!resume) {
    static std::atomic<int> serial{0};
    const std::string temp = "walrelay_snapshot_" + std::to_string(::getpid()) + "_" +
                             std::to_string(serial.fetch_add(1));
    LogInfo(config_.name, "creating temporary slot " + temp +
                              " for the snapshot (waits for transactions in progress to end)");
    auto rs = pg::ReplicationStream::Open(config_.conninfo, Interrupt());
    Result<pg::PgResult> created =
        rs.ok() ? rs->Command("CREATE_REPLICATION_SLOT " + pg::QuoteIdent(temp) +
                              " TEMPORARY LOGICAL pgoutput EXPORT_SNAPSHOT")
                : Result<pg::PgResult>(rs.status());
    if (created.ok() && created->rows() == 1 && created->columns() >= 3) {
      start = Lsn::Parse(created->Get(0, 1)).value_or(Lsn());
      exported = std::string(created->Get(0, 2));
      exporter.emplace(std::move(rs).value());
    } else {
      if (!created.ok() && created.status().kind() == ErrorKind::kReconnect) {
        return created.status().WithContext("creating a temporary slot for the snapshot");
      }
      // E.g. every replication slot or WAL sender in use.
      LogWarn(config_.name,
              "cannot create a temporary replication slot to export the snapshot (" +
                  (created.ok() ? std::string("unexpected reply") : created.status().message()) +
                  "); taking it after reading the WAL position instead, which can miss a "
                  "transaction that commits at that moment");
      auto lsn = conn_->Exec("SELECT pg_current_wal_lsn()::text");
      if (!lsn.ok()) return lsn.status();
      start = Lsn::Parse(lsn->Get(0, 0)).value_or(Lsn());
    }
  }
  auto begin = snapshot_conn_->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
  if (!begin.ok()) return begin.status();
  if (!exported.empty()) {  // must come before any query of the transaction
    auto imported = snapshot_conn_->Exec("SET TRANSACTION SNAPSHOT " + pg::QuoteLiteral(exported));
    if (!imported.ok()) return imported.status().WithContext("importing the exported snapshot");
  }
  exporter.reset();  // imported: the temporary slot goes with its connection
  auto xs = snapshot_conn_->Exec("SELECT txid_current_snapshot()::text");
  if (!xs.ok()) return xs.status();
  auto parsed = XidSnapshot::Parse(xs->Get(0, 0));
  if (!parsed)
    return DataError("cannot parse txid_current_snapshot() output '" + std::string(xs->Get(0, 0)) +
                     "'");
  snapshot_xids_ = *parsed;

  if (!resume) {
    offset_.snapshot = SnapshotProgress();
    offset_.snapshot.active = true;
    offset_.snapshot.stream_start = start;
    // Everything committed before `start` is in the snapshot; move the slot there so decoding never
    // meets changes older than the publication (a Patroni slot may predate it).
    auto adv = conn_->ExecParams(
        "SELECT pg_replication_slot_advance($1, $2::pg_lsn) FROM pg_replication_slots "
        "WHERE slot_name = $1 AND confirmed_flush_lsn < $2::pg_lsn",
        {config_.slot_name, start.ToString()});
    if (!adv.ok()) return adv.status().WithContext("advancing slot " + config_.slot_name);
    if (!offset_.last_commit_end.valid() || offset_.last_commit_end < start) {
      offset_.last_commit_end = start;
    }
  } else {
    LogInfo(config_.name, "resuming the interrupted snapshot: " +
                              std::to_string(offset_.snapshot.done_tables.size()) +
                              " table(s) already done");
  }

  auto tabs = snapshot_conn_->Exec(
      "SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = "
      "c.relnamespace "
      "WHERE c.relkind IN ('r','p') AND NOT c.relispartition "
      "AND n.nspname NOT IN ('pg_catalog','information_schema') "
      "AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%' ORDER BY 2, 3");
  if (!tabs.ok()) return tabs.status();
  snapshot_queue_.clear();
  for (int r = 0; r < tabs->rows(); ++r) {
    SnapshotTable t;
    t.oid = static_cast<uint32_t>(std::stoul(std::string(tabs->Get(r, 0))));
    t.schema = std::string(tabs->Get(r, 1));
    t.table = std::string(tabs->Get(r, 2));
    if (!filter_.IncludeTable(t.schema, t.table)) continue;
    if (offset_.snapshot.done_tables.count(t.schema + "." + t.table)) continue;
    snapshot_queue_.push_back(std::move(t));
  }
  snapshot_index_ = 0;
  snapshot_running_ = true;
  snapshot_resumed_ = resume;
  snapshot_taken_this_run_ = true;
  LogInfo(config_.name, "snapshot of " + std::to_string(snapshot_queue_.size()) +
                            " table(s) starting; streaming will start at " +
                            offset_.snapshot.stream_start.ToString());
  return Status::Ok();
}

SourceMeta PostgresSource::MakeMeta(Lsn lsn, const std::string& snapshot_flag) {
  SourceMeta meta;
  meta.now_ms = NowMs();
  meta.commit_ts_ms = in_tx_ ? PgTimeToUnixMs(begin_.commit_time) : meta.now_ms;
  if (in_tx_) meta.commit_ts_us = begin_.commit_time + kPgEpochOffsetMs * 1000;
  meta.snapshot = snapshot_flag;
  if (in_tx_) meta.txid = begin_.xid;
  if (lsn.valid()) meta.lsn = static_cast<int64_t>(lsn.value());
  if (in_tx_ && tx_events_) meta.transaction = &tx_state_;
  if (offset_.last_commit_lsn.valid())
    meta.last_commit_lsn = static_cast<int64_t>(offset_.last_commit_lsn.value());
  return meta;
}

Status PostgresSource::PollSnapshot(std::vector<data::Record>* out, bool* finished) {
  while (snapshot_index_ < snapshot_queue_.size()) {
    const SnapshotTable& t = snapshot_queue_[snapshot_index_];
    if (!snapshot_cursor_open_) {
      WR_ASSIGN_OR_RETURN(TableInfo info, LoadTableInfo(t.oid, nullptr));
      WR_ASSIGN_OR_RETURN(TableEvents ev, TableEvents::Create(info, *mapper_, config_.events));
      snapshot_events_.emplace(std::move(ev));
      std::string cols;
      for (size_t i = 0; i < info.columns.size(); ++i)
        cols += (i ? ", " : "") + pg::QuoteIdent(info.columns[i].name);
      auto r =
          snapshot_conn_->Exec("DECLARE walrelay_snapshot NO SCROLL CURSOR FOR SELECT " + cols +
                               " FROM " + pg::QuoteIdent(t.schema) + "." + pg::QuoteIdent(t.table));
      if (!r.ok()) return r.status();
      snapshot_cursor_open_ = true;
      LogInfo(config_.name, "snapshot: reading " + t.schema + "." + t.table);
    }
    auto rows = snapshot_conn_->Exec("FETCH " + std::to_string(config_.snapshot_fetch_size) +
                                     " FROM walrelay_snapshot");
    if (!rows.ok()) return rows.status();
    bool last_table = snapshot_index_ + 1 == snapshot_queue_.size();
    std::vector<std::optional<std::string>> row;
    for (int r = 0; r < rows->rows(); ++r) {
      row.clear();
      for (int c = 0; c < rows->columns(); ++c) row.push_back(rows->GetOptional(r, c));
      SourceMeta meta = MakeMeta(offset_.snapshot.stream_start, "true");
      WR_ASSIGN_OR_RETURN(data::Record rec, snapshot_events_->Read(row, meta));
      rec.position.snapshot = true;
      rec.position.lsn = offset_.snapshot.stream_start;
      if (snapshot_pending_) out->push_back(std::move(*snapshot_pending_));
      snapshot_pending_ = std::move(rec);
    }
    if (rows->rows() > 0) return Status::Ok();  // hand this chunk over; continue on the next poll
    // Table done: release the held-back record (marked "last" at the very end) before the table is
    // recorded as done, so the offset never claims rows that were not handed over.
    auto r = snapshot_conn_->Exec("CLOSE walrelay_snapshot");
    if (!r.ok()) return r.status();
    snapshot_cursor_open_ = false;
    if (snapshot_pending_) {
      if (last_table) {
        // Debezium marks the snapshot's final record with snapshot=last.
        data::Value* src = snapshot_pending_->value.is_struct()
                               ? snapshot_pending_->value.mutable_struct().GetMutable("source")
                               : nullptr;
        if (src && src->is_struct()) {
          if (data::Value* flag = src->mutable_struct().GetMutable("snapshot"))
            *flag = data::Value("last");
        }
      }
      out->push_back(std::move(*snapshot_pending_));
      snapshot_pending_.reset();
    }
    // A table read in a resumed snapshot may already be partly downstream from the interrupted
    // attempt, whose rows this snapshot may no longer contain (deleted since): filter nothing for
    // it, so every change since the stream start is replayed on top, in commit order.
    offset_.snapshot.done_tables[t.schema + "." + t.table] =
        snapshot_resumed_ ? XidSnapshot() : snapshot_xids_;
    ++snapshot_index_;
    if (!out->empty()) return Status::Ok();
  }
  // All tables read.
  auto c = snapshot_conn_->Exec("COMMIT");
  if (!c.ok()) return c.status();
  snapshot_conn_.reset();
  snapshot_running_ = false;
  auto lsn = conn_->Exec("SELECT pg_current_wal_lsn()::text");
  if (!lsn.ok()) return lsn.status();
  offset_.filter_until = Lsn::Parse(lsn->Get(0, 0)).value_or(Lsn());
  offset_.snapshot.active = false;
  LogInfo(config_.name, "snapshot completed");
  if (config_.snapshot_mode == SnapshotMode::kInitialOnly) {
    finished_ = true;
    *finished = true;
    return Status::Ok();
  }
  return StartStreaming();
}

Status PostgresSource::StartStreaming() {
  auto rs = pg::ReplicationStream::Open(config_.conninfo, Interrupt());
  if (!rs.ok()) return rs.status();
  stream_.emplace(std::move(rs).value());
  auto ident = stream_->Command("IDENTIFY_SYSTEM");
  if (!ident.ok()) return ident.status();
  offset_.timeline = static_cast<uint32_t>(std::stoul(std::string(ident->Get(0, 1))));
  // Through a proxy during a failover the two connections can reach different servers; the
  // standbys' positions read on one would then be applied to the stream of the other.
  const char* where =
      "SELECT coalesce(host(inet_server_addr()), '') || ':' || coalesce(inet_server_port(), 0)";
  auto stream_server = stream_->Command(where);
  if (!stream_server.ok()) return stream_server.status();
  auto conn_server = conn_->Exec(where);
  if (!conn_server.ok()) return conn_server.status();
  if (stream_server->Get(0, 0) != conn_server->Get(0, 0)) {
    return ReconnectError("the replication and query connections reached different servers (" +
                          std::string(stream_server->Get(0, 0)) + " and " +
                          std::string(conn_server->Get(0, 0)) + "): a failover is under way");
  }
  Lsn start = offset_.last_commit_end;
  std::vector<std::pair<std::string, std::string>> options = {
      {"proto_version", "1"}, {"publication_names", pg::QuoteIdent(config_.publication_name)}};
  // Logical decoding messages: pgoutput sends them on request from PostgreSQL 14 on.
  if (conn_->ServerVersion() >= 140000) {
    options.emplace_back("messages", "true");
  } else if (!messages_warned_) {
    messages_warned_ = true;
    LogWarn(config_.name, "PostgreSQL " + std::to_string(conn_->ServerVersion() / 10000) +
                              "'s pgoutput cannot send logical decoding messages (14 or later "
                              "can): pg_logical_emit_message messages are not emitted");
  }
  WR_ASSIGN_OR_RETURN(MessageEvents message_events,
                      MessageEvents::Create(*mapper_, config_.events));
  message_events_.emplace(std::move(message_events));
  WR_RETURN_IF_ERROR(stream_->Start(config_.slot_name, start, options));
  decoder_ = pg::PgoutputDecoder();
  tables_.clear();
  // Positions learnt from a previous server say nothing about this one: after a failover they may
  // even lie on a timeline this server never had. Trusting them would let an idle advance (or a
  // held transaction) pass changes this server has not sent yet.
  server_wal_end_ = Lsn();
  standby_flush_ = Lsn();
  confirmed_sent_ = Lsn();
  in_tx_ = false;
  tx_buffer_.clear();
  streaming_ = true;
  last_status_ = last_traffic_ = Clock::now();
  if (last_heartbeat_ == Clock::time_point()) last_heartbeat_ = Clock::now();
  held_.clear();
  if (config_.failover_safe != FailoverSafeMode::kAuto) {
    failover_safe_ = config_.failover_safe == FailoverSafeMode::kOn;
  } else if (!failover_safe_) {
    // auto: on once the source has shown physical standbys, and it stays on (right after a
    // failover the new leader may have none streaming yet, which is exactly when it matters).
    auto standbys = conn_->Exec(
        "SELECT (SELECT count(*) FROM pg_stat_replication r JOIN pg_stat_activity a "
        "ON a.pid = r.pid WHERE a.datname IS NULL) + (SELECT count(*) FROM pg_replication_slots "
        "WHERE slot_type = 'physical')");
    if (!standbys.ok()) return standbys.status();
    failover_safe_ = standbys->Get(0, 0) != "0";
  }
  LogInfo(config_.name, "streaming from slot " + config_.slot_name + " at " + start.ToString() +
                            (failover_safe_ ? "; failover-safe: each transaction waits for the "
                                              "standbys to flush it"
                                            : ""));
  return Status::Ok();
}

Result<Lsn> PostgresSource::StandbyFlushPosition() {
  // The standbys that could be promoted: with physical replication slots (Patroni's use_slots),
  // one per member whether it is connected right now or not, its restart_lsn being what that
  // standby has flushed; without slots, the physical walsenders streaming now (those not
  // connected to a database).
  auto r = conn_->Exec(
      "SELECT coalesce(restart_lsn, '0/0')::text FROM pg_replication_slots "
      "WHERE slot_type = 'physical' ORDER BY restart_lsn DESC NULLS LAST");
  if (!r.ok()) return r.status();
  if (r->rows() == 0) {
    r = conn_->Exec(
        "SELECT coalesce(r.flush_lsn, '0/0')::text FROM pg_stat_replication r "
        "JOIN pg_stat_activity a ON a.pid = r.pid WHERE a.datname IS NULL "
        "AND r.state = 'streaming' ORDER BY r.flush_lsn DESC NULLS LAST");
    if (!r.ok()) return r.status();
  }
  if (r->rows() == 0) return Lsn();  // no standby: nothing may pass
  // 0 ("all") means the slowest standby; N means the N-th most advanced one.
  if (config_.failover_safe_standbys > r->rows()) return Lsn();
  int n = config_.failover_safe_standbys <= 0 ? r->rows()
                                              : static_cast<int>(config_.failover_safe_standbys);
  return Lsn::Parse(r->Get(n - 1, 0)).value_or(Lsn());
}

void PostgresSource::Complete(HeldTransaction& tx, std::vector<data::Record>* out) {
  for (auto& rec : tx.records) {
    offset_.Advance(rec.position);
    out->push_back(std::move(rec));
  }
  if (tx.message) {
    // Not a commit: the last commit LSN (which says which transactions were delivered) stays.
    if (tx.end_lsn > offset_.last_commit_end) offset_.last_commit_end = tx.end_lsn;
    return;
  }
  if (tx.commit_lsn > offset_.last_commit_lsn) {
    offset_.last_commit_lsn = tx.commit_lsn;
    offset_.last_commit_end = tx.end_lsn;
    offset_.last_txid = tx.xid;
    offset_.inflight_tx_lsn = Lsn();
    offset_.inflight_index = 0;
    offset_.ClearDebeziumPosition();
  }
  if (offset_.filter_until.valid() && tx.commit_lsn >= offset_.filter_until) {
    offset_.filter_until = Lsn();
    offset_.snapshot.done_tables.clear();
  }
}

Status PostgresSource::ReleaseHeld(std::vector<data::Record>* out, bool wait) {
  if (held_.empty()) return Status::Ok();
  auto now = Clock::now();
  if (held_.front().end_lsn > standby_flush_ &&
      (wait || now - last_standby_check_ >= std::chrono::milliseconds(20))) {
    last_standby_check_ = now;
    WR_ASSIGN_OR_RETURN(standby_flush_, StandbyFlushPosition());
  }
  size_t n = 0;
  while (n < held_.size() && held_[n].end_lsn <= standby_flush_) ++n;
  if (n == 0 && !held_warned_ && now - held_since_ > std::chrono::seconds(10)) {
    held_warned_ = true;
    LogWarn(config_.name, "failover-safe: transaction at " + held_.front().commit_lsn.ToString() +
                              " waits for the standbys, which have flushed only to " +
                              standby_flush_.ToString());
  }
  if (n > 0) {
    held_since_ = now;
    held_warned_ = false;
  }
  for (size_t i = 0; i < n; ++i) Complete(held_[i], out);
  held_.erase(held_.begin(), held_.begin() + static_cast<std::ptrdiff_t>(n));
  return Status::Ok();
}

Status PostgresSource::OnRelation(const pg::RelationMessage& rel) {
  Table t;
  t.full_name = rel.namespace_name + "." + rel.relation_name;
  if (filter_.IncludeTable(rel.namespace_name, rel.relation_name)) {
    WR_ASSIGN_OR_RETURN(TableInfo info, LoadTableInfo(rel.relation_id, &rel));
    WR_ASSIGN_OR_RETURN(TableEvents ev, TableEvents::Create(info, *mapper_, config_.events));
    t.events = std::make_unique<TableEvents>(std::move(ev));
  }
  tables_[rel.relation_id] = std::move(t);
  return Status::Ok();
}

void PostgresSource::HandOverPartial(std::vector<data::Record>* out) {
  // Hand over the buffered records of a transaction still in progress, keeping the last one back
  // so its commit always has a record to mark as the transaction's last.
  size_t n = tx_buffer_.size() - 1;
  for (size_t i = 0; i < n; ++i) {
    offset_.Advance(tx_buffer_[i].position);
    out->push_back(std::move(tx_buffer_[i]));
  }
  tx_buffer_.erase(tx_buffer_.begin(), tx_buffer_.begin() + static_cast<std::ptrdiff_t>(n));
}

Status PostgresSource::HandleMessage(const pg::PgoutputMessage& msg, Lsn wal_start,
                                     std::vector<data::Record>* out) {
  if (const auto* b = std::get_if<pg::BeginMessage>(&msg)) {
    in_tx_ = true;
    begin_ = *b;
    tx_event_index_ = 0;
    tx_events_at_debezium_proc_ = 0;
    tx_skipped_by_debezium_ = false;
    tx_buffer_.clear();
    tx_state_.Begin(b->xid);
    tx_begin_emitted_ = false;
    return Status::Ok();
  }
  if (const auto* c = std::get_if<pg::CommitMessage>(&msg)) {
    if (!in_tx_) return DataError("Commit at " + c->commit_lsn.ToString() + " without Begin");
    if (tx_begin_emitted_) {
      const size_t first = tx_buffer_.size();
      tx_buffer_.push_back(
          tx_events_->End(tx_state_, c->end_lsn, PgTimeToUnixMs(begin_.commit_time), NowMs()));
      PositionAppended(first, c->commit_lsn);
    }
    HeldTransaction tx;
    if (!tx_buffer_.empty()) {
      tx_buffer_.back().position.commit_end_lsn = c->end_lsn;
      tx_buffer_.back().position.last_in_transaction = true;
      tx.records.swap(tx_buffer_);
    }
    tx.commit_lsn = c->commit_lsn;
    tx.end_lsn = c->end_lsn;
    tx.xid = begin_.xid;
    CompleteOrHold(tx, out);
    in_tx_ = false;
    return Status::Ok();
  }
  if (const auto* r = std::get_if<pg::RelationMessage>(&msg)) return OnRelation(*r);
  if (const auto* m = std::get_if<pg::LogicalMessage>(&msg)) {
    return OnLogicalMessage(*m, wal_start, out);
  }
  if (std::holds_alternative<pg::TypeMessage>(msg) ||
      std::holds_alternative<pg::OriginMessage>(msg)) {
    return Status::Ok();
  }
  if (!in_tx_) return DataError("change outside a transaction at " + wal_start.ToString());

  auto table_for = [this](uint32_t relid) -> Table* {
    auto it = tables_.find(relid);
    if (it == tables_.end() || !it->second.events) return nullptr;
    return &it->second;
  };
  auto filtered_by_snapshot = [this](const Table& t) {
    if (!offset_.filter_until.valid() || begin_.final_lsn >= offset_.filter_until) return false;
    auto it = offset_.snapshot.done_tables.find(t.full_name);
    return it != offset_.snapshot.done_tables.end() && it->second.Visible(begin_.xid);
  };
  // The records are built straight into the transaction's buffer; a change that fails leaves
  // none of its records there.
  const size_t first = tx_buffer_.size();
  std::vector<data::Record>& recs = tx_buffer_;
  SourceMeta meta = MakeMeta(wal_start, "false");
  Status built;
  if (const auto* ins = std::get_if<pg::InsertMessage>(&msg)) {
    Table* t = table_for(ins->relation_id);
    if (!t) return BeginForFilteredChange(wal_start);
    if (config_.skip_create || filtered_by_snapshot(*t)) return Status::Ok();
    built = t->events->Insert(ins->new_tuple, meta, &recs);
  } else if (const auto* up = std::get_if<pg::UpdateMessage>(&msg)) {
    Table* t = table_for(up->relation_id);
    if (!t) return BeginForFilteredChange(wal_start);
    if (config_.skip_update || filtered_by_snapshot(*t)) return Status::Ok();
    built = t->events->Update(up->old_kind, up->old_kind ? &up->old_tuple : nullptr, up->new_tuple,
                              meta, &recs);
  } else if (const auto* del = std::get_if<pg::DeleteMessage>(&msg)) {
    Table* t = table_for(del->relation_id);
    if (!t) return BeginForFilteredChange(wal_start);
    if (config_.skip_delete || filtered_by_snapshot(*t)) return Status::Ok();
    built = t->events->Delete(del->old_kind, del->old_tuple, meta, &recs);
  } else if (const auto* tr = std::get_if<pg::TruncateMessage>(&msg)) {
    if (config_.skip_truncate) return Status::Ok();
    for (uint32_t relid : tr->relation_ids) {
      Table* t = table_for(relid);
      if (!t || filtered_by_snapshot(*t)) continue;
      recs.push_back(t->events->Truncate(meta));
    }
  }
  if (!built.ok()) {
    tx_buffer_.resize(first);
    return built;
  }
  EmitAppended(first, wal_start, meta, out);
  return Status::Ok();
}

Status PostgresSource::BeginForFilteredChange(Lsn wal_start) {
  // Debezium's transaction monitor sees a change of a table its filters leave out as a data event
  // (not a skipped operation's): it emits BEGIN there, with that change's LSN in its id, so a
  // transaction of such changes only gets BEGIN and an END counting no event. Not for a
  // transaction a snapshot already covered: Debezium's slot would not have streamed it.
  if (!tx_events_ || tx_begin_emitted_) return Status::Ok();
  if (offset_.filter_until.valid() && begin_.final_lsn < offset_.filter_until) return Status::Ok();
  tx_begin_emitted_ = true;
  const size_t first = tx_buffer_.size();
  tx_buffer_.push_back(
      tx_events_->Begin(tx_state_, wal_start, PgTimeToUnixMs(begin_.commit_time), NowMs()));
  PositionAppended(first, wal_start);
  return Status::Ok();
}

void PostgresSource::EmitAppended(size_t first, Lsn wal_start, const SourceMeta& meta,
                                  std::vector<data::Record>* out, bool data_event) {
  if (first == tx_buffer_.size()) return;
  if (tx_events_ && data_event && !tx_begin_emitted_) {
    tx_begin_emitted_ = true;
    // Debezium emits BEGIN with the first data event, with that event's LSN in its id (so the
    // id equals the first event's transaction.id); final_lsn is the commit's.
    const Lsn begin_lsn = meta.lsn ? Lsn(static_cast<uint64_t>(*meta.lsn)) : begin_.final_lsn;
    tx_buffer_.insert(tx_buffer_.begin() + static_cast<std::ptrdiff_t>(first),
                      tx_events_->Begin(tx_state_, begin_lsn, meta.commit_ts_ms, meta.now_ms));
  }
  PositionAppended(first, wal_start);
  // A large transaction is handed over in chunks, except in failover-safe mode where it must wait
  // whole for the standbys.
  if (!failover_safe_ && tx_buffer_.size() >= static_cast<size_t>(config_.max_batch_size)) {
    HandOverPartial(out);
  }
}

Status PostgresSource::OnLogicalMessage(const pg::LogicalMessage& msg, Lsn wal_start,
                                        std::vector<data::Record>* out) {
  const bool included = config_.IncludeMessagePrefix(msg.prefix);
  if (msg.transactional) {
    if (!in_tx_) {
      return DataError("transactional logical decoding message at " + msg.lsn.ToString() +
                       " outside a transaction");
    }
    // A filtered one is simply not there: the transaction's commit moves the offset.
    if (!included) return Status::Ok();
    SourceMeta meta = MakeMeta(wal_start, "false");
    meta.transaction = nullptr;  // Debezium 2.7 numbers only data events
    WR_ASSIGN_OR_RETURN(data::Record rec, message_events_->Make(msg, meta));
    const size_t first = tx_buffer_.size();
    tx_buffer_.push_back(std::move(rec));
    EmitAppended(first, wal_start, meta, out, /*data_event=*/false);
    return Status::Ok();
  }
  // Non-transactional: pgoutput sends it as the walsender decodes it, never between a Begin and
  // its Commit (transactions are sent whole at their commit). Its LSN is the end of its WAL
  // record; a stream started there does not send it again, so it is the position to store once
  // the message is delivered, filtered or not.
  if (in_tx_) {
    return DataError("non-transactional logical decoding message at " + msg.lsn.ToString() +
                     " inside the transaction of Begin " + begin_.final_lsn.ToString());
  }
  if (msg.lsn <= offset_.last_commit_end) return Status::Ok();  // delivered before a restart
  HeldTransaction tx;
  tx.end_lsn = msg.lsn;
  tx.message = true;
  if (included) {
    SourceMeta meta = MakeMeta(msg.lsn, "false");
    // Debezium commits a non-transactional message's position before building its event, so its
    // source.sequence names the message's LSN as the last commit.
    meta.last_commit_lsn = static_cast<int64_t>(msg.lsn.value());
    WR_ASSIGN_OR_RETURN(data::Record rec, message_events_->Make(msg, meta));
    rec.position.lsn = msg.lsn;
    rec.position.commit_end_lsn = msg.lsn;
    rec.position.last_in_transaction = true;
    rec.position.commit_ts_ms = meta.now_ms;
    tx.records.push_back(std::move(rec));
  }
  CompleteOrHold(tx, out);
  return Status::Ok();
}

void PostgresSource::CompleteOrHold(HeldTransaction& tx, std::vector<data::Record>* out) {
  // Failover-safe: a transaction (even one with nothing for us, whose position still moves the
  // offset) waits until the standbys have it, so nothing downstream is ahead of a node that can
  // be promoted.
  if (failover_safe_ || !held_.empty()) {
    if (held_.empty()) held_since_ = Clock::now();
    held_.push_back(std::move(tx));
    return;
  }
  Complete(tx, out);
  // The next transaction reuses the buffer's capacity.
  if (tx.records.capacity() > tx_buffer_.capacity()) tx_buffer_.swap(tx.records);
  tx_buffer_.clear();
}

void PostgresSource::PositionAppended(size_t first, Lsn wal_start) {
  // `event_index` counts records so a restart can skip the ones already delivered.
  size_t kept = first;
  for (size_t i = first; i < tx_buffer_.size(); ++i) {
    uint64_t index = tx_event_index_++;
    if (offset_.Delivered(begin_.final_lsn, index)) continue;
    if (offset_.debezium_lsn_proc.valid()) {
      const uint64_t nth =
          wal_start == offset_.debezium_lsn_proc ? tx_events_at_debezium_proc_++ : 0;
      if (offset_.DeliveredByDebezium(begin_.final_lsn, wal_start, nth)) {
        if (!tx_skipped_by_debezium_) {
          LogInfo(config_.name, "skipping the events of transaction " +
                                    begin_.final_lsn.ToString() + " up to " +
                                    offset_.debezium_lsn_proc.ToString() +
                                    ": Debezium delivered them before its offset was taken over");
        }
        tx_skipped_by_debezium_ = true;
        continue;
      }
    }
    data::Record& rec = tx_buffer_[i];
    rec.position.lsn = wal_start;
    rec.position.tx_lsn = begin_.final_lsn;
    rec.position.txid = begin_.xid;
    rec.position.event_index = index;
    rec.position.commit_ts_ms = PgTimeToUnixMs(begin_.commit_time);
    if (kept != i) tx_buffer_[kept] = std::move(rec);
    ++kept;
  }
  tx_buffer_.resize(kept);
}

Status PostgresSource::SendStatus(bool force, bool reply_requested) {
  return SendStatus(force, reply_requested, Clock::now());
}

Status PostgresSource::SendStatus(bool force, bool reply_requested, Clock::time_point now) {
  if (!stream_) return Status::Ok();
  // With nothing in flight, the server's own position is past everything we were sent: move the
  // offset there, so that once the runtime has stored it (and committed it back to us) the slot
  // is confirmed there too. This keeps an idle slot from holding WAL forever, and the slot never
  // passes what is stored downstream.
  // Not while transactions wait for the standbys: they lie before the server's position.
  // Failover-safe mode does not hold an idle position back for the standbys: nothing reaches the
  // destination with it, and should the leader die before its standbys have that WAL, the
  // timeline check on the new leader moves the position back to where the old timeline ended.
  // Holding it back would also keep a leader from shutting down (a switchover): its walsender
  // exits only once the consumer has confirmed the shutdown checkpoint.
  bool idle = !in_tx_ && tx_buffer_.empty() && held_.empty() && !offset_.inflight_tx_lsn.valid() &&
              !offset_.snapshot.active;
  Lsn idle_target = server_wal_end_;
  if (idle && idle_target > offset_.last_commit_end) {
    if (LogEnabled(LogLevel::kDebug)) {
      LogDebug(config_.name, "idle: position " + offset_.last_commit_end.ToString() + " -> " +
                                 idle_target.ToString());
    }
    offset_.last_commit_end = idle_target;
  }
  Lsn flushed = committed_.last_commit_end;
  if (!force && flushed == confirmed_sent_ &&
      now - last_status_ < std::chrono::milliseconds(config_.status_update_interval_ms)) {
    return Status::Ok();
  }
  WR_RETURN_IF_ERROR(stream_->SendStatus(flushed, flushed, flushed, reply_requested));
  confirmed_sent_ = flushed;
  last_status_ = now;
  return Status::Ok();
}

Status PostgresSource::MaybeHeartbeat(std::vector<data::Record>* out, Clock::time_point now) {
  if (config_.heartbeat_interval_ms <= 0) return Status::Ok();
  if (now - last_heartbeat_ < std::chrono::milliseconds(config_.heartbeat_interval_ms))
    return Status::Ok();
  last_heartbeat_ = now;
  if (!config_.heartbeat_action_query.empty()) {
    auto r = conn_->Exec(config_.heartbeat_action_query);
    if (!r.ok()) {
      LogWarn(config_.name, "heartbeat.action.query failed: " + r.status().message());
      if (r.status().kind() == ErrorKind::kReconnect) return r.status();
    }
  }
  data::Record hb;
  hb.topic = config_.heartbeat_topic;
  hb.key_schema = HeartbeatKeySchema();
  hb.key = data::Value(data::Struct{hb.key_schema, {data::Value(config_.events.topic_prefix)}});
  hb.value_schema = HeartbeatValueSchema();
  int64_t ts = NowMs();
  hb.value = data::Value(data::Struct{hb.value_schema, {data::Value(ts)}});
  hb.timestamp_ms = ts;
  hb.position.lsn = offset_.last_commit_end;
  out->push_back(std::move(hb));
  return Status::Ok();
}

Status PostgresSource::PollStream(std::vector<data::Record>* out,
                                  std::chrono::milliseconds max_wait) {
  // The clock is read once per step, and while messages arrive without waiting only every
  // kClockEvery messages: staler readings only delay a status update or heartbeat by microseconds.
  constexpr int kClockEvery = 32;
  auto now = Clock::now();
  const auto deadline = now + max_wait;
  int unclocked = 0;
  const size_t limit = std::min(static_cast<size_t>(config_.max_batch_size), poll_limit_);
  while (out->size() < limit) {
    WR_RETURN_IF_ERROR(MaybeHeartbeat(out, now));
    WR_RETURN_IF_ERROR(ReleaseHeld(out, /*wait=*/false));
    WR_RETURN_IF_ERROR(SendStatus(false, false, now));
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    if (!out->empty() || wait.count() < 0) wait = std::chrono::milliseconds(0);
    wait = std::min(wait, std::chrono::milliseconds(held_.empty() ? 200 : 10));
    auto msg = stream_->Read(wait);
    if (!msg.ok()) return msg.status();
    if (wait.count() > 0 || !msg->has_value() || ++unclocked == kClockEvery) {
      now = Clock::now();
      unclocked = 0;
    }
    if (!msg->has_value()) {
      if (!out->empty() || now >= deadline || Stopping()) return Status::Ok();
      continue;
    }
    last_traffic_ = now;
    if (const auto* ka = std::get_if<pg::Keepalive>(&**msg)) {
      if (ka->wal_end > server_wal_end_) server_wal_end_ = ka->wal_end;
      if (ka->reply_requested) WR_RETURN_IF_ERROR(SendStatus(true));
      continue;
    }
    const auto& x = std::get<pg::XLogData>(**msg);
    // WAL arrives: the last reconnect held, the next failure starts the backoff over.
    if (reconnect_backoff_.failures() > 0) reconnect_backoff_.Reset();
    if (x.wal_end > server_wal_end_) server_wal_end_ = x.wal_end;
    auto decoded = decoder_.Decode(x.payload);
    if (!decoded.ok())
      return decoded.status().WithContext("decoding WAL at " + x.wal_start.ToString());
    WR_RETURN_IF_ERROR(HandleMessage(*decoded, x.wal_start, out));
    if (!in_tx_ && !out->empty() && now >= deadline) return Status::Ok();
  }
  return Status::Ok();
}

Status PostgresSource::Reconnect(const Status& cause) {
  streaming_ = false;
  stream_.reset();
  snapshot_conn_.reset();
  snapshot_cursor_open_ = false;
  snapshot_pending_.reset();
  snapshot_running_ = false;
  conn_.reset();
  in_tx_ = false;
  tx_buffer_.clear();
  held_.clear();  // not handed over: the replay after reconnecting brings them again
  // The schedule goes on across reconnects that did not hold (see PollStream): a stream that
  // fails right after each successful start (a walsender that cannot read the slot's WAL) is
  // retried ever more slowly, not every 200 ms.
  Backoff& backoff = reconnect_backoff_;
  Status last = cause;
  for (;;) {
    Status paused = backoff.Pause(last, [&](std::chrono::milliseconds pause) {
      LogWarn(config_.name, "connection lost (" + last.message() + "); reconnecting in " +
                                std::to_string(pause.count()) + " ms (attempt " +
                                std::to_string(backoff.failures()) + ")");
    });
    if (!paused.ok()) {
      return paused.kind() == ErrorKind::kStopped ? paused : FatalError(paused.message());
    }
    Status s = Start(offset_.last_commit_end.valid() || offset_.snapshot.active
                         ? std::optional<SourceOffset>(offset_)
                         : std::nullopt);
    if (s.ok()) {
      LogInfo(config_.name,
              "reconnected after " + std::to_string(backoff.failures()) + " attempt(s)");
      return Status::Ok();
    }
    if (!IsTransient(s)) return s;
    last = s;
  }
}

Status PostgresSource::Poll(std::vector<data::Record>* out, std::chrono::milliseconds max_wait,
                            bool* finished) {
  *finished = finished_;
  if (finished_) return Status::Ok();
  Status s = snapshot_running_ ? PollSnapshot(out, finished)
                               : (streaming_ ? PollStream(out, max_wait) : StartStreaming());
  if (s.ok()) return s;
  // The first start on a slot older than the publication: changes before the publication cannot
  // be decoded; nothing of ours lies there, so move the slot past them.
  if (first_start_ && !committed_.last_commit_end.valid() &&
      s.message().find("publication") != std::string::npos &&
      s.message().find("does not exist") != std::string::npos && conn_) {
    LogWarn(config_.name, "slot " + config_.slot_name + " holds changes older than publication " +
                              config_.publication_name + "; advancing it to the current position");
    auto adv = conn_->ExecParams("SELECT pg_replication_slot_advance($1, pg_current_wal_lsn())",
                                 {config_.slot_name});
    first_start_ = false;
    stream_.reset();
    if (adv.ok()) return StartStreaming();
    return adv.status();
  }
  if (!IsTransient(s)) return s;
  if (IsMissingWalError(s)) WR_RETURN_IF_ERROR(CheckMissingWal(s));
  // Records of a partly read transaction that were handed over stay handed over: the offset says
  // how many, and the replay after reconnecting skips them.
  return Reconnect(s);
}

Status PostgresSource::CheckMissingWal(const Status& cause) {
  const auto now = Clock::now();
  if (!missing_wal_since_ || missing_wal_at_ != offset_.last_commit_end) {
    missing_wal_since_ = now;
    missing_wal_at_ = offset_.last_commit_end;
    return Status::Ok();
  }
  const std::chrono::milliseconds patience(config_.unreadable_wal_patience_ms);
  if (now - *missing_wal_since_ < patience) return Status::Ok();
  const std::string slot = pg::QuoteLiteral(config_.slot_name);
  std::string message = "PostgreSQL has been unable to read the WAL that slot " +
                        config_.slot_name + " needs after " + missing_wal_at_.ToString() + " for " +
                        std::to_string(patience.count()) + " ms (" + cause.message() + ")";
  message +=
      ": that WAL is damaged or is not on this server's timeline (a failover to a standby that "
      "never received it), and walrelay cannot pass it without losing the changes it holds. "
      "Check the server log, then either start over: drop the slot (SELECT "
      "pg_drop_replication_slot(" +
      slot +
      ")), remove the stored offset and run with snapshot.mode=initial; or accept the loss: "
      "move the slot past the damaged WAL (SELECT pg_replication_slot_advance(" +
      slot + ", '<LSN past it>'))";
  return FatalError(std::move(message));
}

void PostgresSource::Commit(const SourceOffset& offset) {
  committed_ = offset;
  // A batch read from the previous leader may be committed downstream after the stream moved to
  // a new one and its position was moved back to where the old timeline ended: never confirm
  // beyond where this stream stands.
  if (committed_.last_commit_end > offset_.last_commit_end) {
    committed_.last_commit_end = offset_.last_commit_end;
  }
  if (!stream_) return;
  Status s = SendStatus(false);
  if (!s.ok()) LogWarn(config_.name, "standby status update failed: " + s.message());
}

void PostgresSource::Stop() {
  if (stream_) {
    (void)SendStatus(true);
    // A healthy server ends the stream in milliseconds; one that hangs must not hold up a stop.
    (void)stream_->Stop(std::chrono::milliseconds(500));
    stream_.reset();
  }
  snapshot_conn_.reset();
  if (config_.slot_drop_on_stop && conn_) {
    auto r = conn_->ExecParams("SELECT pg_drop_replication_slot($1)", {config_.slot_name});
    if (!r.ok()) LogWarn(config_.name, "dropping slot failed: " + r.status().message());
  }
  conn_.reset();
}

}  // namespace walrelay::source
