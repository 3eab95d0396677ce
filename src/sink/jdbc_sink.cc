#include "sink/jdbc_sink.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/log.h"
#include "sink/sql_builder.h"

namespace walrelay::sink {
namespace {

constexpr char kComponent[] = "sink";
// PostgreSQL's protocol limit on parameters per statement.
constexpr size_t kMaxParams = 65535;
// Prepared statements kept per connection; beyond this, statements run unnamed.
constexpr size_t kMaxPrepared = 256;
// An array literal buffer larger than this (one huge statement) is freed rather than kept.
constexpr size_t kMaxKeptArrayBytes = 4 << 20;

// The text of a row's key columns, to spot a key repeated within a group.
std::string KeyString(const RowChange& change) {
  std::string out;
  for (size_t i = 0; i < change.shape->pk_count; ++i) {
    const auto& v = change.values[i];
    if (!v) {
      out += 'n';
      continue;
    }
    out += 'v';
    out += std::to_string(v->size());
    out += ':';
    out += *v;
  }
  return out;
}

size_t KeyHash(const RowChange& change) {
  size_t h = change.shape->pk_count;
  for (size_t i = 0; i < change.shape->pk_count; ++i) {
    const auto& v = change.values[i];
    const size_t x = v ? std::hash<std::string_view>()(*v) : 0x9e3779b97f4a7c15ULL;
    h ^= x + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
  }
  return h;
}

// Whether two changes of the same key columns name the same row.
bool SameKey(const RowChange& a, const RowChange& b) {
  const size_t n = a.shape->pk_count;
  if (b.shape->pk_count != n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (a.values[i] != b.values[i]) return false;
  }
  return true;
}

// Rows per statement: max_rows (batch.size) within the protocol's parameter limit.
size_t RowLimit(ChangeKind kind, const TableShape& shape, size_t max_rows) {
  const size_t width =
      std::max<size_t>(1, kind == ChangeKind::kDelete ? shape.pk_count : shape.columns.size());
  return std::max<size_t>(1, std::min(max_rows, kMaxParams / width));
}

bool SameKeyColumns(const std::vector<std::string>& names, const TableShape& shape) {
  if (names.size() != shape.pk_count) return false;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] != shape.columns[i].name) return false;
  }
  return true;
}

const data::Struct* StructOf(const data::Value& v) {
  const auto* p = std::get_if<std::shared_ptr<data::Struct>>(&v.storage());
  return p ? p->get() : nullptr;
}

// The records were built on the source thread, so decoding touches each of them cold: a
// pointer chase (record, its value struct, that struct's values, a row struct inside) that
// stalls on every link. Prefetching the links a few records ahead, one link per stage, overlaps
// those misses with the decoding of the records in between.
void PrefetchAhead(const std::vector<const data::Record*>& records, size_t i) {
  const size_t n = records.size();
  if (i + 6 < n) __builtin_prefetch(records[i + 6]);
  if (i + 4 < n) {
    if (const data::Struct* s = StructOf(records[i + 4]->value)) __builtin_prefetch(s);
  }
  if (i + 2 < n) {
    if (const data::Struct* s = StructOf(records[i + 2]->value)) {
      __builtin_prefetch(s->values.data());
      __builtin_prefetch(s->values.data() + 1);  // 40-byte Values: `after` may start the next line
    }
  }
  if (i + 1 < n) {
    // A Debezium envelope's row struct (before/after come first) or a flat row's first values.
    if (const data::Struct* s = StructOf(records[i + 1]->value); s && s->values.size() > 1) {
      for (size_t k = 0; k < 2; ++k) {
        if (const data::Struct* row = StructOf(s->values[k])) __builtin_prefetch(row);
      }
    }
  }
}

// The text of every (partition, position) pair, to tell one batch's positions from another's.
std::string PositionsText(const std::vector<JdbcSink::PositionUpdate>& positions) {
  if (positions.size() == 1) return positions[0].position;
  std::string out;
  for (const auto& p : positions) {
    out += p.partition;
    out += '=';
    out += p.position;
    out += ';';
  }
  return out;
}

const char* AutoCreateHint(const SinkConfig& c) {
  return c.flavor == SinkFlavor::kDebezium ? "schema.evolution=basic" : "auto.create=true";
}
const char* AutoEvolveHint(const SinkConfig& c) {
  return c.flavor == SinkFlavor::kDebezium ? "schema.evolution=basic" : "auto.evolve=true";
}
// Debezium's sink refines column types by the source types its source connectors propagate;
// Confluent's reads no such parameter.
bool UsesSourceTypes(const SinkConfig& c) { return c.flavor == SinkFlavor::kDebezium; }

}  // namespace

JdbcSink::JdbcSink(std::string connector_name, SinkConfig config)
    : connector_name_(std::move(connector_name)),
      config_(std::move(config)),
      decoder_(&config_),
      offsets_table_(TableId{config_.default_schema, config_.offsets_table}.Quoted()) {}

Result<std::unique_ptr<JdbcSink>> JdbcSink::Create(
    const std::string& connector_name, const std::map<std::string, std::string>& props) {
  auto cls = props.find("connector.class");
  if (cls == props.end()) {
    return InvalidArgument(std::string("missing configuration connector.class: expected ") +
                           kConfluentSinkClass + " or " + kDebeziumSinkClass);
  }
  WR_ASSIGN_OR_RETURN(SinkFlavor flavor, FlavorFromClass(cls->second));
  auto config = SinkConfig::Parse(flavor, props);
  if (!config.ok()) return config.status().WithContext("connector " + connector_name);
  return std::unique_ptr<JdbcSink>(new JdbcSink(connector_name, std::move(config).value()));
}

Status JdbcSink::Connect() {
  DropConnection();
  WR_ASSIGN_OR_RETURN(pg::Connection conn,
                      pg::Connection::Connect(config_.conninfo, false, interrupt_));
  conn_.emplace(std::move(conn));
  // Server notices ("relation already exists, skipping") are expected chatter, not news.
  PQsetNoticeProcessor(
      conn_->get(), [](void*, const char* message) { LogDebug(kComponent, message); }, nullptr);
  // Connect's Timestamp/Date values are UTC instants; render and parse them in the configured
  // zone (db.timezone / database.time_zone, UTC by default) as both JDBC sinks do.
  auto set = conn_->Exec("SET TimeZone TO " + pg::QuoteLiteral(config_.timezone));
  if (!set.ok()) {
    Status s = set.status().WithContext("setting the session time zone from db.timezone '" +
                                        config_.timezone + "'");
    DropConnection();
    return s;
  }
  return Status::Ok();
}

void JdbcSink::DropConnection() {
  pipelining_ = false;
  in_flight_.clear();
  conn_.reset();
  prepared_.clear();
  tables_.clear();
}

Status JdbcSink::Open() {
  WR_RETURN_IF_ERROR(Connect());
  const std::string create = "CREATE TABLE IF NOT EXISTS " + offsets_table_ +
                             " (\"connector\" text NOT NULL, \"partition\" text NOT NULL, "
                             "\"position\" text NOT NULL, "
                             "\"updated_at\" timestamptz NOT NULL DEFAULT now(), "
                             "PRIMARY KEY (\"connector\", \"partition\"))";
  auto r = RunSimple(create);
  // Two tasks creating the table at once: PostgreSQL's IF NOT EXISTS does not cover the race, and
  // the one that commits second fails on the catalog's unique index (23505) or finds the table
  // made meanwhile (42P07). The table exists then: asking again is a no-op.
  for (int attempt = 0; attempt < 3 && !r.ok() &&
                        (r.status().message().find("[SQLSTATE 23505]") != std::string::npos ||
                         r.status().message().find("[SQLSTATE 42P07]") != std::string::npos);
       ++attempt) {
    r = RunSimple(create);
  }
  if (!r.ok()) return r.status().WithContext("creating offsets table " + offsets_table_);
  LogInfo(kComponent, "connector " + connector_name_ + ": writing to database " + config_.database +
                          ", offsets in " + offsets_table_);
  return Status::Ok();
}

Result<std::optional<std::string>> JdbcSink::ReadPosition(const std::string& partition) {
  if (!conn_ || !conn_->IsOk()) WR_RETURN_IF_ERROR(Connect());
  // A SHARE lock waits for transactions still writing the offsets table: after a crash or kill
  // the previous process's backend may still be committing its last batch, and reading the
  // position before that commit lands would resume the source too early (its next batch would
  // then rewind the destination over changes it already holds).
  auto read = [&]() -> Result<pg::PgResult> {
    WR_RETURN_IF_ERROR(RunSimple("BEGIN").status());
    WR_RETURN_IF_ERROR(RunSimple("LOCK TABLE " + offsets_table_ + " IN SHARE MODE").status());
    WR_ASSIGN_OR_RETURN(pg::PgResult r, Run("SELECT \"position\" FROM " + offsets_table_ +
                                                " WHERE \"connector\" = $1 AND \"partition\" = $2",
                                            {connector_name_.c_str(), partition.c_str()}));
    WR_RETURN_IF_ERROR(RunSimple("COMMIT").status());
    return r;
  };
  auto r = read();
  if (!r.ok()) {
    if (conn_ && conn_->IsOk()) {
      pg::PgResult rb(PQexec(conn_->get(), "ROLLBACK"));
    } else {
      DropConnection();
    }
    return r.status().WithContext("reading the position from " + offsets_table_);
  }
  if (r->rows() == 0) return std::optional<std::string>();
  return r->GetOptional(0, 0);
}

Result<std::map<std::string, std::string>> JdbcSink::ReadPositions() {
  if (!conn_ || !conn_->IsOk()) WR_RETURN_IF_ERROR(Connect());
  // The SHARE lock waits for a previous owner's last batch still committing (see ReadPosition).
  auto read = [&]() -> Result<pg::PgResult> {
    WR_RETURN_IF_ERROR(RunSimple("BEGIN").status());
    WR_RETURN_IF_ERROR(RunSimple("LOCK TABLE " + offsets_table_ + " IN SHARE MODE").status());
    WR_ASSIGN_OR_RETURN(pg::PgResult r, Run("SELECT \"partition\", \"position\" FROM " +
                                                offsets_table_ + " WHERE \"connector\" = $1",
                                            {connector_name_.c_str()}));
    WR_RETURN_IF_ERROR(RunSimple("COMMIT").status());
    return r;
  };
  auto r = read();
  if (!r.ok()) {
    if (conn_ && conn_->IsOk()) {
      pg::PgResult rb(PQexec(conn_->get(), "ROLLBACK"));
    } else {
      DropConnection();
    }
    return r.status().WithContext("reading the positions from " + offsets_table_);
  }
  std::map<std::string, std::string> out;
  for (int i = 0; i < r->rows(); ++i) out.emplace(r->Get(i, 0), r->Get(i, 1));
  return out;
}

Status JdbcSink::WritePositions(const std::map<std::string, std::optional<std::string>>& positions,
                                bool clear) {
  if (!conn_ || !conn_->IsOk()) WR_RETURN_IF_ERROR(Connect());
  std::string removed, set, values;
  for (const auto& [partition, position] : positions) {
    if (position) {
      AppendArrayElement(&set, partition);
      AppendArrayElement(&values, *position);
    } else {
      AppendArrayElement(&removed, partition);
    }
  }
  for (std::string* array : {&removed, &set, &values}) {
    array->append(array->empty() ? "{}" : "}");  // AppendArrayElement opens with '{'
  }
  auto write = [&]() -> Status {
    WR_RETURN_IF_ERROR(RunSimple("BEGIN").status());
    if (clear) {
      WR_RETURN_IF_ERROR(Run("DELETE FROM " + offsets_table_ + " WHERE \"connector\" = $1",
                             {connector_name_.c_str()})
                             .status());
    }
    WR_RETURN_IF_ERROR(Run("DELETE FROM " + offsets_table_ +
                               " WHERE \"connector\" = $1 AND \"partition\" = ANY($2::text[])",
                           {connector_name_.c_str(), removed.c_str()})
                           .status());
    WR_RETURN_IF_ERROR(
        Run(WritePositionSql(), {connector_name_.c_str(), set.c_str(), values.c_str()}).status());
    return RunSimple("COMMIT").status();
  };
  Status s = write();
  if (!s.ok()) {
    if (conn_ && conn_->IsOk()) {
      pg::PgResult rb(PQexec(conn_->get(), "ROLLBACK"));
    } else {
      DropConnection();
    }
    return s.WithContext("writing the positions to " + offsets_table_);
  }
  return Status::Ok();
}

Result<pg::PgResult> JdbcSink::RunSimple(const std::string& sql) {
  if (pipelining_) WR_RETURN_IF_ERROR(FinishPipeline());
  if (!conn_) return ReconnectError("not connected to the destination database");
  return conn_->Exec(sql);
}

Status JdbcSink::Send(const std::string& sql, const std::vector<const char*>& params,
                      const Group& group) {
  return SendStatement(sql, params, InFlight{std::string(), group, std::string(), nullptr});
}

Status JdbcSink::SendOther(const std::string& sql, const std::vector<const char*>& params,
                           std::string what, std::string* first_value) {
  return SendStatement(sql, params,
                       InFlight{std::string(), std::nullopt, std::move(what), first_value});
}

Status JdbcSink::SendStatement(const std::string& sql, const std::vector<const char*>& params,
                               InFlight info) {
  if (!conn_) return ReconnectError("not connected to the destination database");
  PGconn* c = conn_->get();
  auto broken = [&](const char* what) {
    Status s = ReconnectError(std::string(what) + ": " + PQerrorMessage(c));
    DropConnection();
    return s;
  };
  if (!pipelining_) {
    if (PQenterPipelineMode(c) != 1) return broken("entering pipeline mode");
    pipelining_ = true;
  }
  const int n = static_cast<int>(params.size());
  auto it = prepared_.find(sql);
  if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
    std::string name = "walrelay_sink_" + std::to_string(next_statement_++);
    if (PQsendPrepare(c, name.c_str(), sql.c_str(), n, nullptr) != 1) {
      return broken("sending a statement");
    }
    in_flight_.push_back({sql, std::nullopt, std::string(), nullptr});
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const int sent =
      it != prepared_.end()
          ? PQsendQueryPrepared(c, it->second.c_str(), n, params.data(), nullptr, nullptr, 0)
          : PQsendQueryParams(c, sql.c_str(), n, nullptr, params.data(), nullptr, nullptr, 0);
  if (sent != 1) return broken("sending a statement");
  in_flight_.push_back(std::move(info));
  // Pipeline mode buffers what is sent; hand it to the server now so it starts executing.
  if (PQflush(c) != 0) return broken("sending a statement");
  return Status::Ok();
}

Status JdbcSink::FinishPipeline() {
  if (!pipelining_) return Status::Ok();
  pipelining_ = false;
  std::vector<InFlight> in_flight = std::move(in_flight_);
  in_flight_.clear();
  failed_rows_ = 0;
  if (!conn_) return ReconnectError("not connected to the destination database");
  PGconn* c = conn_->get();
  Status first_error;
  auto lost = [&](const std::string& what) {
    // Whatever the server said, the connection is unusable: reconnect and retry the batch.
    Status s = first_error.ok() ? ReconnectError(what) : ReconnectError(first_error.message());
    for (const InFlight& f : in_flight) {
      if (!f.prepared_sql.empty()) prepared_.erase(f.prepared_sql);
    }
    DropConnection();
    return s;
  };
  if (PQpipelineSync(c) != 1) return lost(std::string("ending a pipeline: ") + PQerrorMessage(c));
  // Each statement yields its result and then a null; the sync yields PGRES_PIPELINE_SYNC.
  // Each wait below ends early on a stop request: after the grace period the running statement
  // is cancelled, and the server's answers (errors) are read as any others.
  auto await = [&]() -> Status {
    Status s = conn_->AwaitResult();
    if (s.ok()) return s;
    for (const InFlight& f : in_flight) {
      if (!f.prepared_sql.empty()) prepared_.erase(f.prepared_sql);
    }
    DropConnection();
    return s;
  };
  for (const InFlight& f : in_flight) {
    WR_RETURN_IF_ERROR(await());
    pg::PgResult r(PQgetResult(c));
    if (!r.get()) return lost(std::string("reading a pipeline result: ") + PQerrorMessage(c));
    const ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_PIPELINE_ABORTED || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)) {
      // A prepare that did not happen must not be taken for one that did.
      if (!f.prepared_sql.empty()) prepared_.erase(f.prepared_sql);
    }
    if (st == PGRES_TUPLES_OK && f.first_value && PQntuples(r.get()) > 0) {
      *f.first_value = PQgetvalue(r.get(), 0, 0);
    }
    if (st != PGRES_PIPELINE_ABORTED && first_error.ok()) {
      const std::string what = f.group           ? "statement failed"
                               : !f.what.empty() ? f.what
                                                 : "preparing a statement";
      Status s = pg::StatusFromResult(c, r.get(), what);
      if (!s.ok()) {
        first_error = f.group ? DecorateRowError(s, *f.group) : s;
        failed_rows_ = f.group ? f.group->rows.size() : 0;
      }
    }
    WR_RETURN_IF_ERROR(await());
    pg::PgResult end(PQgetResult(c));
    if (end.get()) return lost("unexpected extra result in a pipeline");
  }
  WR_RETURN_IF_ERROR(await());
  pg::PgResult sync(PQgetResult(c));
  if (!sync.get() || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
    return lost(std::string("reading the end of a pipeline: ") + PQerrorMessage(c));
  }
  if (PQexitPipelineMode(c) != 1) {
    return lost(std::string("leaving pipeline mode: ") + PQerrorMessage(c));
  }
  if (!conn_->IsOk()) return lost("connection lost during a pipeline");
  if (!first_error.ok() && conn_->cancel_sent()) {
    return StoppedError("statement cancelled, stop requested (" + first_error.message() + ")");
  }
  return first_error;
}

Result<pg::PgResult> JdbcSink::Run(const std::string& sql, const std::vector<const char*>& params) {
  if (pipelining_) WR_RETURN_IF_ERROR(FinishPipeline());
  if (!conn_) return ReconnectError("not connected to the destination database");
  PGconn* c = conn_->get();
  const int n = static_cast<int>(params.size());
  auto it = prepared_.find(sql);
  if (it == prepared_.end() && prepared_.size() < kMaxPrepared) {
    std::string name = "walrelay_sink_" + std::to_string(next_statement_++);
    if (PQsendPrepare(c, name.c_str(), sql.c_str(), n, nullptr) != 1) {
      return pg::StatusFromResult(c, nullptr, "preparing a statement");
    }
    WR_RETURN_IF_ERROR(conn_->Collect("preparing a statement").status());
    it = prepared_.emplace(sql, std::move(name)).first;
  }
  const int sent =
      it != prepared_.end()
          ? PQsendQueryPrepared(c, it->second.c_str(), n, params.data(), nullptr, nullptr, 0)
          : PQsendQueryParams(c, sql.c_str(), n, nullptr, params.data(), nullptr, nullptr, 0);
  if (sent != 1) return pg::StatusFromResult(c, nullptr, "statement failed");
  return conn_->Collect("statement failed");
}

Result<JdbcSink::TableInfo*> JdbcSink::LoadTable(const TableId& table) {
  auto r =
      Run("SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) "
          "FROM pg_catalog.pg_class c "
          "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
          "LEFT JOIN pg_catalog.pg_attribute a "
          "ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
          "WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'f', 'm')",
          {table.schema.c_str(), table.table.c_str()});
  if (!r.ok()) return r.status().WithContext("reading the columns of table " + table.ToString());
  TableInfo& info = tables_[table];
  info.exists = r->rows() > 0;
  info.columns.clear();
  info.types.clear();
  for (int i = 0; i < r->rows(); ++i) {
    if (r->IsNull(i, 0)) continue;
    info.columns.emplace(r->Get(i, 0));
    info.types.emplace(r->Get(i, 0), r->Get(i, 1));
  }
  return &info;
}

Status JdbcSink::EnsureTable(const RowChange& change) {
  const TableShape& shape = *change.shape;
  const TableId& table = shape.table;
  TableInfo* info = nullptr;
  bool fresh = false;
  if (auto it = tables_.find(table); it != tables_.end()) {
    info = &it->second;
  } else {
    WR_ASSIGN_OR_RETURN(info, LoadTable(table));
    fresh = true;
  }
  if (change.kind != ChangeKind::kWrite && !info->exists) {
    // Nothing to delete or truncate in a table that is yet to be created; ApplyGroup skips it.
    if (config_.auto_create) return Status::Ok();
    return DataError(
        "cannot " + std::string(change.kind == ChangeKind::kDelete ? "delete from" : "truncate") +
        " table " + table.ToString() + " (topic " + change.record->topic + "): it does not exist");
  }
  if (!info->exists) {
    if (!config_.auto_create) {
      return DataError("table " + table.ToString() + " does not exist (topic " +
                       change.record->topic + "): create it or set " + AutoCreateHint(config_));
    }
    std::vector<ColumnDefinition> defs;
    std::vector<std::string> pk;
    for (const ColumnSpec& col : shape.columns) {
      auto def = DefineColumn(col, /*for_alter=*/false, UsesSourceTypes(config_));
      if (!def.ok()) return def.status().WithContext("creating table " + table.ToString());
      defs.push_back(std::move(def).value());
      if (col.primary_key) pk.push_back(col.name);
    }
    auto r = RunSimple(BuildCreateTable(table, defs, pk));
    if (!r.ok()) return r.status().WithContext("creating table " + table.ToString());
    LogInfo(kComponent, "connector " + connector_name_ + ": created table " + table.ToString());
    WR_ASSIGN_OR_RETURN(info, LoadTable(table));
    fresh = true;
  }
  auto missing_columns = [&] {
    std::vector<const ColumnSpec*> missing;
    for (size_t i = 0; i < shape.columns.size(); ++i) {
      if (change.IsPresent(i) && !info->columns.count(shape.columns[i].name)) {
        missing.push_back(&shape.columns[i]);
      }
    }
    return missing;
  };
  std::vector<const ColumnSpec*> missing = missing_columns();
  if (!missing.empty() && !fresh) {  // someone may have altered the table since we cached it
    WR_ASSIGN_OR_RETURN(info, LoadTable(table));
    missing = missing_columns();
  }
  if (missing.empty()) return Status::Ok();
  if (!config_.auto_evolve || change.kind != ChangeKind::kWrite) {
    return DataError("table " + table.ToString() + " has no column " + missing[0]->name +
                     " for field " + missing[0]->name + " of topic " + change.record->topic +
                     ": add the column or set " + AutoEvolveHint(config_));
  }
  for (const ColumnSpec* col : missing) {
    auto def = DefineColumn(*col, /*for_alter=*/true, UsesSourceTypes(config_));
    if (!def.ok()) {
      return def.status().WithContext("adding column " + col->name + " to " + table.ToString());
    }
    auto r = RunSimple(BuildAddColumn(table, *def));
    if (!r.ok()) {
      return r.status().WithContext("adding column " + col->name + " to " + table.ToString());
    }
    LogInfo(kComponent, "connector " + connector_name_ + ": added column " + col->name + " " +
                            def->type + " to table " + table.ToString());
    info->columns.insert(col->name);
    info->types.emplace(col->name, def->type);
  }
  return Status::Ok();
}

Status JdbcSink::DecorateRowError(const Status& s, const Group& group) const {
  std::string where = "table " + group.shape->table.ToString();
  if (group.rows.size() == 1) {
    const RowChange& row = *group.rows[0];
    where += ", record key " + row.KeyText() + " (topic " + row.record->topic + ")";
  } else {
    where += " (a statement of " + std::to_string(group.rows.size()) + " rows, first key " +
             group.rows[0]->KeyText() + ")";
  }
  return Status(s.kind(), where + ": " + s.message());
}

Status JdbcSink::ApplyGroup(const Group& group) {
  const TableShape& shape = *group.shape;
  const RowChange& first = *group.rows[0];
  auto table = tables_.find(shape.table);
  if (group.kind != ChangeKind::kWrite) {
    if (table == tables_.end() || !table->second.exists) return Status::Ok();  // no table, no rows
  }
  if (group.kind == ChangeKind::kTruncate) {
    auto r = RunSimple(BuildTruncate(shape.table));
    return r.ok() ? Status::Ok() : DecorateRowError(r.status(), group);
  }

  // The columns the statement sets: every present one for writes, the key for deletes.
  const bool write = group.kind == ChangeKind::kWrite;
  std::vector<StatementColumn> cols;
  std::vector<size_t> index;
  for (size_t i = 0; i < (write ? shape.columns.size() : shape.pk_count); ++i) {
    if (!first.IsPresent(i)) continue;
    cols.push_back({shape.columns[i].name, shape.columns[i].primary_key});
    index.push_back(i);
  }
  std::vector<const char*> params;
  auto param = [](const RowChange* row, size_t i) {
    return row->values[i] ? row->values[i]->data() : nullptr;  // NUL-terminated (TextValue)
  };
  std::string sql;

  // Array statements need every column's type; one the catalog lacks falls back to VALUES lists.
  std::vector<std::string> types;
  bool arrays = group.arrays && table != tables_.end() &&
                !(write && config_.insert_mode == InsertMode::kUpdate);
  for (size_t k = 0; arrays && k < cols.size(); ++k) {
    auto t = table->second.types.find(cols[k].name);
    if (t == table->second.types.end()) {
      arrays = false;
    } else {
      types.push_back(t->second);
    }
  }
  if (arrays) {
    // The array literals go into buffers kept across statements: growing fresh strings of
    // hundreds of kilobytes per statement costs mmap/munmap and malloc consolidations.
    std::vector<std::string>& columns = array_buffers_;
    if (columns.size() < cols.size()) columns.resize(cols.size());
    for (size_t k = 0; k < cols.size(); ++k) {
      std::string& a = columns[k];
      if (a.capacity() > kMaxKeptArrayBytes) std::string().swap(a);
      a.clear();
      a.reserve(group.rows.size() * 16);
      for (const RowChange* row : group.rows) AppendArrayElement(&a, row->values[index[k]]);
      a.push_back('}');
      params.push_back(a.c_str());
    }
    std::vector<std::string> names;
    for (const auto& c : cols) names.push_back(c.name);
    sql = write ? BuildInsertFromArrays(shape.table, cols, types,
                                        config_.insert_mode == InsertMode::kUpsert)
                : BuildDeleteFromArrays(shape.table, names, types);
  } else if (!write) {
    std::vector<std::string> keys;
    for (const auto& c : cols) keys.push_back(c.name);
    sql = BuildDelete(shape.table, keys, group.rows.size());
    params.reserve(keys.size() * group.rows.size());
    for (const RowChange* row : group.rows) {
      for (size_t i : index) params.push_back(param(row, i));
    }
  } else if (config_.insert_mode == InsertMode::kUpdate) {
    sql = BuildUpdate(shape.table, cols);
    if (sql.empty()) return Status::Ok();  // only key columns: nothing to update
    for (size_t k = 0; k < cols.size(); ++k) {
      if (!cols[k].primary_key) params.push_back(param(&first, index[k]));
    }
    for (size_t k = 0; k < cols.size(); ++k) {
      if (cols[k].primary_key) params.push_back(param(&first, index[k]));
    }
  } else {
    sql = BuildInsert(shape.table, cols, group.rows.size(),
                      config_.insert_mode == InsertMode::kUpsert);
    params.reserve(cols.size() * group.rows.size());
    for (const RowChange* row : group.rows) {
      for (size_t i : index) params.push_back(param(row, i));
    }
  }
  if (pipeline_allowed_ && arrays) return Send(sql, params, group);
  auto r = Run(sql, params);
  if (!r.ok()) return DecorateRowError(r.status(), group);
  return Status::Ok();
}

Status JdbcSink::ApplyInTransaction(const std::vector<RowChange>& changes,
                                    const std::vector<PositionUpdate>& positions, size_t max_rows,
                                    bool commit, bool* multi_row_failed) {
  *multi_row_failed = false;
  fenced_ = false;
  locked_.clear();
  SetPositionParams(positions);
  const bool upsert = config_.insert_mode == InsertMode::kUpsert;
  if (upsert && max_rows > 1) {
    // The whole batch goes out pipelined up to its COMMIT: the start of the transaction, the
    // array statements of the compacted tables (the destination executes one while the next is
    // built) and the position. Only the COMMIT is waited for on its own, after the transaction
    // id is known (see below).
    current_xid_.clear();
    failed_rows_ = 0;  // AddPending reads it after an EnsureTable error
    pipeline_allowed_ = true;
    Status s = SendOther("BEGIN", {}, "starting the batch");
    if (s.ok()) {
      s = SendOther("SELECT txid_current()::text", {}, "starting the batch", &current_xid_);
    }
    if (s.ok()) {
      s = SendOther(LockPositionSql(), {connector_name_.c_str(), partitions_param_.c_str()},
                    "locking the position in " + offsets_table_, &locked_);
    }
    if (s.ok()) s = ApplyCompacted(changes, max_rows, multi_row_failed);
    if (s.ok()) {
      s = SendOther(WritePositionSql(),
                    {connector_name_.c_str(), partitions_param_.c_str(), positions_param_.c_str()},
                    "writing the position to " + offsets_table_);
    }
    if (s.ok()) s = FinishPipeline(multi_row_failed);
    pipeline_allowed_ = false;
    if (!s.ok()) {
      (void)FinishPipeline();  // leaves pipeline mode before the rollback; `s` came first
      // A stale owner's rows may well conflict with what the partition's new owner wrote: once
      // the lock answered, being fenced is the error to report.
      if (!locked_.empty()) WR_RETURN_IF_ERROR(CheckFence(positions));
      return s;
    }
    if (current_xid_.empty()) return FatalError("txid_current() returned no value");
    WR_RETURN_IF_ERROR(CheckFence(positions));
    return Commit(positions, commit);
  }
  WR_RETURN_IF_ERROR(RunSimple("BEGIN").status());
  // The transaction id tells, if the COMMIT goes unanswered, whether it committed (see
  // ResolveUncertainCommit). Comparing the stored position with `position` cannot: consecutive
  // batches may end at the same position (chunks of one snapshot table), and skipping such a
  // batch as "already applied" would lose its rows.
  WR_ASSIGN_OR_RETURN(pg::PgResult xid, RunSimple("SELECT txid_current()::text"));
  current_xid_ = std::string(xid.Get(0, 0));
  // Locks the position row, so two sinks sharing a connector name cannot interleave.
  {
    auto locked = Run(LockPositionSql(), {connector_name_.c_str(), partitions_param_.c_str()});
    if (!locked.ok()) {
      return locked.status().WithContext("locking the position in " + offsets_table_);
    }
    if (locked->rows() > 0) locked_ = std::string(locked->Get(0, 0));
  }
  // Before any row is written: a stale owner's rows may conflict with the new owner's.
  WR_RETURN_IF_ERROR(CheckFence(positions));
  std::unordered_map<std::string, size_t> keys;
  size_t i = 0;
  while (i < changes.size()) {
    const RowChange& head = changes[i];
    if (head.kind == ChangeKind::kSkip) {
      ++i;
      continue;
    }
    WR_RETURN_IF_ERROR(EnsureTable(head));
    const TableShape* shape = head.shape.get();
    size_t limit = max_rows;
    if (head.kind == ChangeKind::kTruncate ||
        (head.kind == ChangeKind::kWrite && config_.insert_mode == InsertMode::kUpdate)) {
      limit = 1;
    }
    const size_t width = std::max<size_t>(
        1, head.kind == ChangeKind::kDelete ? shape->pk_count : shape->columns.size());
    limit = std::max<size_t>(1, std::min(limit, kMaxParams / width));
    Group group{head.kind, shape, {&head}};
    // Two writes of one key in one multi-row INSERT would either fail (insert) or hit "ON CONFLICT
    // DO UPDATE command cannot affect row a second time" (upsert). Upserts of a shared shape
    // overwrite every column, so the later one alone gives the same result; inserts split.
    const bool track_keys = head.kind == ChangeKind::kWrite && shape->pk_count > 0 && limit > 1;
    keys.clear();
    if (track_keys) keys.emplace(KeyString(head), 0);
    size_t j = i + 1;
    for (; j < changes.size() && group.rows.size() < limit; ++j) {
      const RowChange& next = changes[j];
      if (next.kind == ChangeKind::kSkip) continue;
      if (next.kind != head.kind || next.shape.get() != shape || next.present != head.present) {
        break;
      }
      if (track_keys) {
        auto [it, inserted] = keys.emplace(KeyString(next), group.rows.size());
        if (!inserted) {
          if (!upsert) break;
          group.rows[it->second] = &next;
          continue;
        }
      }
      group.rows.push_back(&next);
    }
    Status s = ApplyGroup(group);
    if (!s.ok()) {
      *multi_row_failed = group.rows.size() > 1;
      return s;
    }
    i = j;
  }
  return FinishTransaction(positions, commit);
}

std::string JdbcSink::LockPositionSql() const {
  return "SELECT coalesce(json_object_agg(l.\"partition\", l.\"position\"), '{}')::text FROM "
         "(SELECT \"partition\", \"position\" FROM " +
         offsets_table_ +
         " WHERE \"connector\" = $1 AND \"partition\" = ANY($2::text[]) "
         "ORDER BY \"partition\" FOR UPDATE) l";
}

std::string JdbcSink::WritePositionSql() const {
  return "INSERT INTO " + offsets_table_ +
         " (\"connector\", \"partition\", \"position\", \"updated_at\") "
         "SELECT $1, u.p, u.pos, now() FROM unnest($2::text[], $3::text[]) AS u(p, pos) "
         "ON CONFLICT (\"connector\", \"partition\") "
         "DO UPDATE SET \"position\" = EXCLUDED.\"position\", "
         "\"updated_at\" = EXCLUDED.\"updated_at\"";
}

void JdbcSink::SetPositionParams(const std::vector<PositionUpdate>& positions) {
  partitions_param_.clear();
  positions_param_.clear();
  for (const PositionUpdate& p : positions) {
    AppendArrayElement(&partitions_param_, p.partition);
    AppendArrayElement(&positions_param_, p.position);
  }
  partitions_param_.push_back('}');
  positions_param_.push_back('}');
}

Status JdbcSink::CheckFence(const std::vector<PositionUpdate>& positions) {
  bool any = false;
  for (const PositionUpdate& p : positions) any = any || p.check;
  if (!any) return Status::Ok();
  nlohmann::json locked = nlohmann::json::parse(locked_, nullptr, /*allow_exceptions=*/false);
  if (!locked.is_object()) {
    return FatalError("the position lock returned no JSON object: '" + locked_ + "'");
  }
  for (const PositionUpdate& p : positions) {
    if (!p.check) continue;
    std::optional<std::string> held;
    if (auto it = locked.find(p.partition); it != locked.end() && it->is_string()) {
      held = it->get<std::string>();
    }
    if (held != p.expected) {
      fenced_ = true;
      return FatalError("fenced: partition " + p.partition + " is at " +
                        held.value_or("<no position>") + " in " + offsets_table_ + ", not at " +
                        p.expected.value_or("<no position>") +
                        " where this batch starts: another task applied it meanwhile");
    }
  }
  return Status::Ok();
}

Status JdbcSink::FinishTransaction(const std::vector<PositionUpdate>& positions, bool commit) {
  WR_RETURN_IF_ERROR(Run(WritePositionSql(), {connector_name_.c_str(), partitions_param_.c_str(),
                                              positions_param_.c_str()})
                         .status()
                         .WithContext("writing the position to " + offsets_table_));
  return Commit(positions, commit);
}

Status JdbcSink::Commit(const std::vector<PositionUpdate>& positions, bool commit) {
  if (!commit) return Status::Ok();
  Status committed = RunSimple("COMMIT").status();
  if (!committed.ok()) uncertain_ = UncertainCommit{current_xid_, PositionsText(positions)};
  return committed.WithContext("committing the batch");
}

Result<bool> JdbcSink::ResolveUncertainCommit() {
  auto r = Run("SELECT txid_status($1::bigint)", {uncertain_->xid.c_str()});
  if (!r.ok()) {
    if (!conn_ || !conn_->IsOk()) DropConnection();
    return r.status().WithContext("asking whether transaction " + uncertain_->xid + " committed");
  }
  std::optional<std::string> status = r->GetOptional(0, 0);
  if (status == "in progress") {
    // Its backend has not noticed the lost connection yet; it will commit or abort shortly.
    return RetryError("the outcome of the batch ending at " + uncertain_->position +
                      " is not known yet: transaction " + uncertain_->xid + " is in progress");
  }
  return status == "committed";  // "aborted", or NULL for a transaction too old to tell
}

Status JdbcSink::ApplyCompacted(const std::vector<RowChange>& changes, size_t max_rows,
                                bool* multi_row_failed) {
  std::vector<PendingTable> pending;  // in the order tables first appear
  std::map<TableId, size_t> by_table;
  std::unordered_map<const TableShape*, size_t> by_shape;  // saves comparing table names per row
  for (const RowChange& change : changes) {
    if (change.kind == ChangeKind::kSkip) continue;
    const TableShape* shape = change.shape.get();
    size_t index;
    if (auto it = by_shape.find(shape); it != by_shape.end()) {
      index = it->second;
    } else {
      auto [t, added] = by_table.emplace(shape->table, pending.size());
      if (added) pending.emplace_back();
      index = t->second;
      by_shape.emplace(shape, index);
    }
    WR_RETURN_IF_ERROR(AddPending(&pending[index], change, max_rows, multi_row_failed));
  }
  // Flushing a table before the batch's last change of each key would cost the destination
  // more than the overlap gains: rows changed twice in one transaction leave version chains that
  // the later statements walk (measured: deletes 20 times slower).
  for (PendingTable& table : pending) {
    WR_RETURN_IF_ERROR(FlushPending(&table, max_rows, multi_row_failed));
  }
  return Status::Ok();  // the caller finishes the pipeline
}

Status JdbcSink::FinishPipeline(bool* multi_row_failed) {
  Status s = FinishPipeline();
  if (!s.ok()) *multi_row_failed = failed_rows_ > 1;
  return s;
}

uint32_t& JdbcSink::PendingTable::Slot(const RowChange& change, size_t hash) {
  const size_t mask = slots.size() - 1;
  for (size_t i = hash & mask;; i = (i + 1) & mask) {
    uint32_t& slot = slots[i];
    if (slot == 0) return slot;
    const size_t at = slot - 1;
    if (hashes[at] == hash && SameKey(*changes[at], change)) return slot;
  }
}

void JdbcSink::PendingTable::Reserve() {
  if ((keys + 1) * 2 <= slots.size()) return;
  slots.assign(std::max<size_t>(64, slots.size() * 2), 0);
  const size_t mask = slots.size() - 1;
  for (size_t at = 0; at < changes.size(); ++at) {
    if (!changes[at]) continue;
    size_t i = hashes[at] & mask;
    while (slots[i] != 0) i = (i + 1) & mask;
    slots[i] = static_cast<uint32_t>(at + 1);
  }
}

Status JdbcSink::AddPending(PendingTable* table, const RowChange& change, size_t max_rows,
                            bool* multi_row_failed) {
  const TableShape& shape = *change.shape;
  const bool write = change.kind == ChangeKind::kWrite;
  size_t hash = 0;
  bool flush = change.kind == ChangeKind::kTruncate;
  if (!flush) {
    hash = KeyHash(change);
    // Pending changes of another key or column set are applied before this one joins.
    flush = (!table->changes.empty() && table->key_shape != &shape &&
             !SameKeyColumns(table->key_columns, shape)) ||
            (write && table->write_shape &&
             (table->write_shape != &shape || table->write_present != change.present));
    if (!flush && !table->changes.empty()) table->key_shape = &shape;
    if (!flush && write && !change.present.empty() && !table->slots.empty()) {
      // A write leaving columns out (unchanged TOASTed values) after a delete of its key inserts
      // those columns' defaults; folded into one upsert, it would keep the deleted row's values.
      const uint32_t slot = table->Slot(change, hash);
      flush = slot != 0 && table->changes[slot - 1]->kind == ChangeKind::kDelete;
    }
  }
  if (flush) WR_RETURN_IF_ERROR(FlushPending(table, max_rows, multi_row_failed));
  // EnsureTable once per shape and column set of each kind (it may create or alter the table).
  const RowChange*& ensured = write ? table->ensured_write : table->ensured_other;
  if (!ensured || ensured->shape != change.shape || ensured->present != change.present ||
      ensured->kind != change.kind) {
    // No round trip when the table cache can answer; when EnsureTable must ask the database, its
    // queries (Run) first finish the pipeline, and a statement sent earlier may fail there.
    if (Status s = EnsureTable(change); !s.ok()) {
      *multi_row_failed = failed_rows_ > 1;
      return s;
    }
    ensured = &change;
  }
  if (change.kind == ChangeKind::kTruncate) {
    WR_RETURN_IF_ERROR(FinishPipeline(multi_row_failed));
    Status s = ApplyGroup(Group{change.kind, &shape, {&change}});
    return s;
  }
  if (table->changes.empty()) {
    table->key_columns.clear();
    for (size_t i = 0; i < shape.pk_count; ++i) table->key_columns.push_back(shape.columns[i].name);
    table->key_shape = &shape;
  }
  if (write && !table->write_shape) {
    table->write_shape = &shape;
    table->write_present = change.present;
  }
  table->Reserve();
  uint32_t& slot = table->Slot(change, hash);
  if (slot != 0) {
    table->changes[slot - 1] = nullptr;  // the later change alone gives the same result
  } else {
    ++table->keys;
  }
  slot = static_cast<uint32_t>(table->changes.size() + 1);
  table->changes.push_back(&change);
  table->hashes.push_back(hash);
  return Status::Ok();
}

Status JdbcSink::FlushPending(PendingTable* table, size_t max_rows, bool* multi_row_failed) {
  // Keys are distinct now, so deletes and upserts commute; deleting first frees values of other
  // unique constraints that the upserts may take over.
  for (ChangeKind kind : {ChangeKind::kDelete, ChangeKind::kWrite}) {
    Group group{kind, nullptr, {}, /*arrays=*/true};
    size_t limit = 0;
    auto apply = [&]() -> Status {
      Status s = ApplyGroup(group);
      if (!s.ok()) *multi_row_failed = group.rows.size() > 1;
      group.rows.clear();
      return s;
    };
    for (const RowChange* change : table->changes) {
      if (!change || change->kind != kind) continue;
      if (!group.shape) {
        group.shape = kind == ChangeKind::kWrite ? table->write_shape : change->shape.get();
        limit = RowLimit(kind, *group.shape, max_rows);
      }
      group.rows.push_back(change);
      if (group.rows.size() >= limit) WR_RETURN_IF_ERROR(apply());
    }
    if (!group.rows.empty()) WR_RETURN_IF_ERROR(apply());
  }
  table->write_shape = nullptr;
  table->write_present.clear();
  table->changes.clear();
  table->hashes.clear();
  std::fill(table->slots.begin(), table->slots.end(), 0);
  table->keys = 0;
  return Status::Ok();
}

Status JdbcSink::ApplyBatch(const std::vector<const data::Record*>& records,
                            const std::string& partition, const std::string& position) {
  WR_RETURN_IF_ERROR(Prepare(records, &own_batch_));
  return ApplyPrepared(own_batch_, partition, position);
}

Status JdbcSink::Prepare(const std::vector<const data::Record*>& records, PreparedBatch* out) {
  BeginPrepared(out);
  Status s = PrepareMore(records, out);
  EndPrepared(out);
  return s;
}

void JdbcSink::BeginPrepared(PreparedBatch* out) {
  // The RowChanges of an earlier batch are reused (their vectors keep their capacity); the text
  // they viewed is released.
  out->text.Reset();
  out->count = 0;
}

Status JdbcSink::PrepareMore(const std::vector<const data::Record*>& records, PreparedBatch* out) {
  decoder_.SetArena(&out->text);
  std::vector<RowChange>& changes = out->changes;
  if (changes.size() < out->count + records.size()) changes.resize(out->count + records.size());
  Status s;
  for (size_t i = 0; i < records.size() && s.ok(); ++i) {
    PrefetchAhead(records, i);
    s = decoder_.DecodeInto(*records[i], &changes[out->count + i]);
  }
  decoder_.SetArena(nullptr);
  out->count += records.size();
  return s.ok() ? s : s.WithContext("connector " + connector_name_);
}

void JdbcSink::EndPrepared(PreparedBatch* out) { out->changes.resize(out->count); }

Status JdbcSink::ApplyPrepared(const PreparedBatch& batch, const std::string& partition,
                               const std::string& position) {
  auto r = ApplyPrepared(batch, {PositionUpdate{partition, position, false, std::nullopt}});
  return r.status();  // unchecked positions are never fenced
}

Result<JdbcSink::ApplyOutcome> JdbcSink::ApplyPrepared(
    const PreparedBatch& batch, const std::vector<PositionUpdate>& positions) {
  if (positions.empty()) return InvalidArgument("a batch needs at least one position to store");
  if (positions.size() > 1) {
    std::set<std::string_view> seen;
    for (const PositionUpdate& p : positions) {
      if (!seen.insert(p.partition).second) {
        return InvalidArgument("partition " + p.partition + " is named twice in one batch");
      }
    }
  }
  const std::string position = PositionsText(positions);
  const std::vector<RowChange>& changes = batch.changes;
  if (!conn_ || !conn_->IsOk()) WR_RETURN_IF_ERROR(Connect());
  if (uncertain_) {
    WR_ASSIGN_OR_RETURN(bool committed, ResolveUncertainCommit());
    bool same = uncertain_->position == position;
    uncertain_.reset();
    if (committed && same) {
      LogInfo(kComponent, "connector " + connector_name_ + ": batch ending at " + position +
                              " committed although the connection was lost; not applying it again");
      return ApplyOutcome::kApplied;
    }
  }

  auto rollback = [this] {
    // The rolled-back transaction may have created or altered tables: forget what we cached.
    tables_.clear();
    (void)FinishPipeline();  // PQexec cannot run in pipeline mode
    if (conn_ && conn_->IsOk()) {
      pg::PgResult r(PQexec(conn_->get(), "ROLLBACK"));
    }
    if (conn_ && !conn_->IsOk()) DropConnection();
  };
  bool multi_row_failed = false;
  Status s = ApplyInTransaction(changes, positions, static_cast<size_t>(config_.batch_size),
                                /*commit=*/true, &multi_row_failed);
  if (s.ok()) return ApplyOutcome::kApplied;
  rollback();
  if (fenced_ && conn_) {
    LogWarn(kComponent, "connector " + connector_name_ + ": " + s.message());
    return ApplyOutcome::kFenced;
  }
  if (!conn_) {
    // Whatever the server said last, the connection is gone: the caller reconnects and retries.
    if (s.kind() != ErrorKind::kReconnect && s.kind() != ErrorKind::kStopped) {
      s = ReconnectError(s.message());
    }
    return s.WithContext("connector " + connector_name_);
  }
  if (s.kind() == ErrorKind::kDataError && multi_row_failed) {
    // A multi-row statement failed; replay row by row (and roll back) to name the failing record.
    bool ignored = false;
    Status d = ApplyInTransaction(changes, positions, 1, /*commit=*/false, &ignored);
    rollback();
    if (!d.ok() && d.kind() == ErrorKind::kDataError) s = d;
  }
  return s.WithContext("connector " + connector_name_);
}

}  // namespace walrelay::sink
