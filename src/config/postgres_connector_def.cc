#include "config/postgres_connector_def.h"

#include "config/config_strings.h"
#include "config/table_filter.h"

namespace walrelay::config {
namespace {

bool IsBlank(const ConnectorConfig& config, const std::string& key) {
  return Trim(config.Get(key, "")).empty();
}

bool IsFalse(std::string_view value) { return EqualsIgnoreCase(Trim(value), "false"); }

// Debezium's topic-name check for topic.prefix (CommonConnectorConfig.validateTopicName).
ValueCheck TopicNameChars() {
  return [](std::string_view value) -> std::string {
    for (char c : value) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      if (!ok) return "may contain only ASCII letters, digits, '.', '_' and '-'";
    }
    return "";
  };
}

// PostgreSQL replication slot names: lower-case letters, digits and '_', at most 63 bytes.
ValueCheck SlotName() {
  return [](std::string_view value) -> std::string {
    bool ok = !value.empty() && value.size() <= 63;
    for (char c : value) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) ok = false;
    }
    return ok ? "" : "must contain only lower-case letters, digits and '_', at most 63 characters";
  };
}

ValueCheck OnlyPgoutput() {
  return [](std::string_view value) -> std::string {
    if (EqualsIgnoreCase(Trim(value), "pgoutput")) return "";
    return "walrelay supports only pgoutput (decoderbufs and wal2json are not supported)";
  };
}

ValueCheck PostgresJdbcUrl() {
  return [](std::string_view value) -> std::string {
    if (Trim(value).substr(0, 16) == "jdbc:postgresql:") return "";
    return "must be a jdbc:postgresql: URL (walrelay writes to PostgreSQL only)";
  };
}

// Kafka Connect sinks take their topics from exactly one of topics / topics.regex.
Status ExactlyOneTopicSource(const ConnectorConfig& config) {
  bool topics = !IsBlank(config, "topics");
  bool regex = !IsBlank(config, "topics.regex");
  if (topics && regex) {
    return InvalidArgument(config.file +
                           ": properties 'topics' and 'topics.regex' are both set; set only one");
  }
  if (!topics && !regex) {
    return InvalidArgument(config.file +
                           ": one of the properties 'topics' and 'topics.regex' "
                           "is required");
  }
  return Status::Ok();
}

// Deleting rows needs the key to find them: both sinks refuse delete.enabled without the
// record_key primary key mode.
ConfigRule DeleteNeedsRecordKey(std::string pk_mode_key) {
  return [pk_mode_key](const ConnectorConfig& config) -> Status {
    if (!EqualsIgnoreCase(Trim(config.Get("delete.enabled", "false")), "true")) {
      return Status::Ok();
    }
    std::string mode(Trim(config.Get(pk_mode_key, "none")));
    if (EqualsIgnoreCase(mode, "record_key")) return Status::Ok();
    return InvalidArgument(config.file + ": property '" + pk_mode_key + "' has invalid value '" +
                           mode + "': must be record_key when delete.enabled is true");
  };
}

ConfigDef BuildPostgresDef() {
  ConfigDef def(kPostgresConnectorClass);
  // Connection.
  def.Define(StringProp("database.hostname", std::nullopt,
                        "Host name or address of the PostgreSQL server.")
                 .Required());
  def.Define(IntProp("database.port", 5432, "Port of the PostgreSQL server.")
                 .WithCheck(Between(1, 65535), "1..65535"));
  def.Define(StringProp("database.user", std::nullopt,
                        "User to connect as; needs the REPLICATION attribute.")
                 .Required());
  def.Define(PasswordProp("database.password", "Password of database.user."));
  def.Define(
      StringProp("database.dbname", std::nullopt, "Database to capture changes from.").Required());
  def.Define(ChoiceProp("database.sslmode",
                        {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"},
                        "prefer", "libpq sslmode for the connections to PostgreSQL."));
  def.Define(IntProp("database.connect.timeout.s", 10,
                     "walrelay: libpq connect_timeout in seconds for every connection.")
                 .WithCheck(AtLeast(0), ">= 0"));
  // Naming.
  def.Define(StringProp("topic.prefix", std::nullopt,
                        "Prefix of every topic name (<prefix>.<schema>.<table>); also the "
                        "logical server name. This or database.server.name is required.")
                 .WithCheck(TopicNameChars(), "letters, digits, '.', '_', '-'"));
  def.Define(StringProp("database.server.name", std::nullopt,
                        "Debezium 1.x name of topic.prefix; used when topic.prefix is not set.")
                 .WithCheck(TopicNameChars(), "letters, digits, '.', '_', '-'"));
  def.Define(StringProp("topic.delimiter", ".", "Delimiter between the parts of topic names."));
  // Replication.
  def.Define(StringProp("plugin.name", "pgoutput",
                        "Logical decoding plugin. Debezium defaults to decoderbufs; walrelay "
                        "decodes pgoutput only.")
                 .WithCheck(OnlyPgoutput(), "`pgoutput`"));
  def.Define(StringProp("slot.name", "debezium", "Name of the logical replication slot.")
                 .WithCheck(SlotName(), "lower-case letters, digits, '_'; at most 63"));
  def.Define(BoolProp("slot.drop.on.stop", false,
                      "Drop the replication slot when the connector stops gracefully."));
  def.Define(StringProp("publication.name", "dbz_publication",
                        "Name of the PostgreSQL publication the slot streams."));
  def.Define(ChoiceProp("publication.autocreate.mode",
                        {"all_tables", "disabled", "filtered", "no_tables"}, "all_tables",
                        "How the publication is created: for all tables, not at all, for the "
                        "tables the include/exclude lists select, or without tables."));
  // Filters.
  const char* kFilterDocs[][2] = {
      {"schema.include.list", "Regexes of schema names to capture (no other schemas)."},
      {"schema.exclude.list", "Regexes of schema names not to capture."},
      {"table.include.list", "Regexes of <schema>.<table> names to capture."},
      {"table.exclude.list", "Regexes of <schema>.<table> names not to capture."},
      {"column.include.list", "Regexes of <schema>.<table>.<column> names to include."},
      {"column.exclude.list", "Regexes of <schema>.<table>.<column> names to leave out."},
  };
  for (const auto& [name, doc] : kFilterDocs) {
    def.Define(ListProp(name, std::nullopt, doc).WithCheck(ValidRegexList(), "regexes"));
  }
  // Logical decoding messages (pg_logical_emit_message), emitted to <topic.prefix>.message.
  def.Define(ListProp("message.prefix.include.list", std::nullopt,
                      "Regexes of logical decoding message prefixes to emit (no others).")
                 .WithCheck(ValidRegexList(), "regexes"));
  def.Define(ListProp("message.prefix.exclude.list", std::nullopt,
                      "Regexes of logical decoding message prefixes not to emit.")
                 .WithCheck(ValidRegexList(), "regexes"));
  def.AddRule([](const ConnectorConfig& config) -> Status {
    if (IsBlank(config, "message.prefix.include.list") ||
        IsBlank(config, "message.prefix.exclude.list")) {
      return Status::Ok();
    }
    return config.InvalidValue("message.prefix.exclude.list",
                               "\"message.prefix.include.list\" is already specified; set "
                               "either message.prefix.include.list or message.prefix.exclude.list");
  });
  def.Define(StringProp("message.key.columns", std::nullopt,
                        "Custom message keys: <table regex>:<col>[,<col>...] entries "
                        "separated by ';'."));
  def.Define(BoolProp("table.ignore.builtin", true, "Ignore PostgreSQL's built-in tables.")
                 .NotImplementedFor(IsFalse, "false",
                                    "built-in tables are always ignored (PostgreSQL publishes "
                                    "none of them)"));
  // Snapshot.
  def.Define(ChoiceProp("snapshot.mode",
                        {"initial", "always", "never", "no_data", "initial_only", "when_needed"},
                        "initial", "When to snapshot existing rows before streaming."));
  def.Define(IntProp("snapshot.fetch.size", 10240, "Rows fetched per round trip in snapshots.")
                 .WithCheck(AtLeast(1), ">= 1"));
  def.Define(
      IntProp("incremental.snapshot.chunk.size", 1024, "Rows per chunk of an incremental snapshot.")
          .WithCheck(AtLeast(1), ">= 1")
          .NotImplemented("there are no incremental snapshots yet"));
  def.Define(
      StringProp("signal.data.collection", std::nullopt, "<schema>.<table> of the signaling table.")
          .NotImplemented("signals are not read yet: rows of the signal table are "
                          "captured as ordinary changes when the table is captured, and "
                          "an execute-snapshot signal starts no snapshot"));
  def.Define(ListProp("signal.enabled.channels", "source", "Channels signals are read from.")
                 .NotImplemented("no signal channel is read yet"));
  // Events.
  def.Define(ListProp("skipped.operations", "t",
                      "Operations not to emit: c (create), u (update), d (delete), t (truncate) "
                      "or none.",
                      {"c", "u", "d", "t", "none"}));
  def.Define(BoolProp("tombstones.on.delete", true, "Emit a tombstone after each delete event."));
  def.Define(BoolProp("provide.transaction.metadata", false,
                      "Emit transaction BEGIN/END events and transaction fields."));
  def.Define(StringProp("unavailable.value.placeholder", "__debezium_unavailable_value",
                        "Value emitted for unchanged TOASTed columns."));
  def.Define(ChoiceProp("decimal.handling.mode", {"precise", "double", "string"}, "precise",
                        "How NUMERIC/DECIMAL values are represented."));
  def.Define(ChoiceProp("time.precision.mode",
                        {"adaptive", "adaptive_time_microseconds", "connect"}, "adaptive",
                        "How time and timestamp values are represented."));
  def.Define(ChoiceProp("binary.handling.mode", {"bytes", "base64", "base64-url-safe", "hex"},
                        "bytes", "How BYTEA values are represented."));
  def.Define(ChoiceProp("interval.handling.mode", {"numeric", "string"}, "numeric",
                        "How INTERVAL values are represented."));
  def.Define(BoolProp("include.unknown.datatypes", false,
                      "Emit columns of types the connector does not know, as bytes.")
                 .NotImplemented("a column of a type without a Debezium mapping is always "
                                 "emitted as its text form in an optional string (Debezium "
                                 "leaves it out, or with true sends bytes)"));
  // Heartbeats.
  def.Define(IntProp("heartbeat.interval.ms", 0,
                     "Interval of heartbeat messages in milliseconds; 0 disables them.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(StringProp("heartbeat.action.query", std::nullopt,
                        "SQL run on the source database at each heartbeat."));
  def.Define(StringProp("heartbeat.topics.prefix", "__debezium-heartbeat",
                        "Prefix of the heartbeat topic (<prefix>.<topic.prefix>)."));
  // Batching, retries.
  def.Define(IntProp("max.batch.size", 2048, "Maximum number of events per batch.")
                 .WithCheck(AtLeast(1), ">= 1"));
  def.Define(IntProp("max.queue.size", 8192, "Capacity of the queue between reader and producer.")
                 .WithCheck(AtLeast(1), ">= 1")
                 .NotImplemented("there is no queue: each poll hands the runner up to "
                                 "max.batch.size events"));
  def.Define(LongProp("poll.interval.ms", 500, "Wait for new events when the queue is empty.")
                 .WithCheck(AtLeast(1), ">= 1")
                 .NotImplemented("the runner waits up to 500 ms for new events"));
  def.Define(IntProp("status.update.interval.ms", 10000,
                     "Interval of standby status updates (flushed LSN) sent to the server.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(IntProp("errors.max.retries", -1,
                     "Retries after a retriable error before failing; -1 retries forever.")
                 .WithCheck(AtLeast(-1), ">= -1"));
  def.Define(LongProp("retriable.restart.connector.wait.ms", 10000,
                      "Wait before restarting after a retriable error.")
                 .WithCheck(AtLeast(0), ">= 0"));
  // walrelay.
  def.Define(StringProp("offset.storage.file.filename", "walrelay-offsets/<connector name>.offset",
                        "walrelay: file holding this connector's source offsets."));
  def.Define(ChoiceProp("walrelay.failover.safe.mode", {"auto", "on", "off"}, "auto",
                        "walrelay: hold back slot confirmation until standbys have the WAL, so "
                        "the slot survives a failover."));
  def.Define(IntProp("walrelay.failover.safe.standbys", 0,
                     "walrelay: how many standbys must have received the WAL; 0 means all.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(LongProp("walrelay.unreadable.wal.patience.ms", 60000,
                      "walrelay: how long the server may fail to read the WAL the slot needs "
                      "(damaged, or not yet on a new leader) before the connector stops.")
                 .WithCheck(AtLeast(0), ">= 0"));
  // Debezium's custom converters: converters=isbn plus isbn.type, isbn.* properties.
  def.Define(ListProp("converters", std::nullopt,
                      "Names of custom converters; their properties are <name>.*.")
                 .Refused("custom converters are Java classes walrelay cannot load; their "
                          "columns would be emitted unconverted"));
  def.AllowPrefixesNamedBy("converters");

  def.AddRule([](const ConnectorConfig& config) -> Status {
    if (IsBlank(config, "topic.prefix") && IsBlank(config, "database.server.name")) {
      return InvalidArgument(config.file +
                             ": property 'topic.prefix' is required (or the older "
                             "'database.server.name')");
    }
    return Status::Ok();
  });
  def.AddRule(CheckExclusiveFilterLists);
  // Kafka Connect has dead letter queues for sink connectors only; a source's failed records
  // would silently go nowhere.
  def.AddRule([](const ConnectorConfig& config) -> Status {
    if (IsBlank(config, "errors.deadletterqueue.topic.name")) return Status::Ok();
    return config.InvalidValue("errors.deadletterqueue.topic.name",
                               "not supported yet for source connectors (Kafka Connect's dead "
                               "letter queue serves sink connectors only: a source's skipped "
                               "records would be lost); allowed: empty");
  });
  def.AddRule([](const ConnectorConfig& config) -> Status {
    if (!config.Has("message.key.columns")) return Status::Ok();
    return ParseMessageKeyColumns(config.Get("message.key.columns", ""))
        .status()
        .WithContext(config.file);
  });
  return def;
}

// Properties both JDBC sinks share under the same names.
void DefineCommonSink(ConfigDef* def, int64_t batch_size) {
  def->Define(StringProp("connection.url", std::nullopt,
                         "JDBC URL of the destination: jdbc:postgresql://host[:port]/db?...")
                  .Required()
                  .WithCheck(PostgresJdbcUrl(), "jdbc:postgresql: URLs")
                  .Redact(Redaction::kUrlPassword));
  def->Define(PasswordProp("connection.password", "Password for the destination."));
  def->Define(ListProp("topics", std::nullopt, "Topics to consume (or topics.regex)."));
  def->Define(StringProp("topics.regex", std::nullopt,
                         "Regex of topics to consume (or topics); matched against whole names.")
                  .WithCheck(ValidRegex(), "a regex"));
  def->Define(ChoiceProp("insert.mode", {"insert", "upsert", "update"}, "insert",
                         "How rows are written: INSERT, INSERT ... ON CONFLICT DO UPDATE, or "
                         "UPDATE."));
  def->Define(BoolProp("delete.enabled", false,
                       "Delete rows on tombstones / delete events (needs the record_key primary "
                       "key mode)."));
  std::string batch_doc = "Maximum number of rows one write statement carries.";
  if (def->connector_class() == kDebeziumJdbcSinkClass) {
    batch_doc +=
        " Debezium's default is 500; walrelay's is larger, as larger statements cost "
        "the destination less.";
  }
  def->Define(IntProp("batch.size", batch_size, batch_doc).WithCheck(AtLeast(1), ">= 1"));
  def->Define(StringProp("walrelay.offsets.table", "walrelay_offsets",
                         "walrelay: table in the destination holding consumed offsets."));
  def->Define(StringProp("walrelay.unavailable.value.placeholder", "__debezium_unavailable_value",
                         "walrelay: the source's unavailable.value.placeholder; columns holding "
                         "it are left unchanged on update."));
}

ConfigDef BuildConfluentSinkDef() {
  ConfigDef def(kConfluentJdbcSinkClass);
  DefineCommonSink(&def, 3000);
  def.Define(StringProp("connection.user", std::nullopt, "User for the destination."));
  const std::string connection_retries =
      "opening the destination is retried per max.retries and retry.backoff.ms";
  def.Define(IntProp("connection.attempts", 3, "Attempts to open a connection.")
                 .WithCheck(AtLeast(1), ">= 1")
                 .NotImplemented(connection_retries));
  def.Define(LongProp("connection.backoff.ms", 10000, "Wait between connection attempts.")
                 .WithCheck(AtLeast(0), ">= 0")
                 .NotImplemented(connection_retries));
  def.Define(StringProp("dialect.name", "", "Database dialect; empty picks it from the URL.")
                 .WithCheck(
                     [](std::string_view value) -> std::string {
                       std::string_view v = Trim(value);
                       if (v.empty() || v == "PostgreSqlDatabaseDialect") return "";
                       return "must be empty or PostgreSqlDatabaseDialect (walrelay writes to "
                              "PostgreSQL only)";
                     },
                     "empty or `PostgreSqlDatabaseDialect`"));
  def.Define(ChoiceProp("pk.mode", {"none", "kafka", "record_key", "record_value"}, "none",
                        "Where primary key columns come from."));
  def.Define(ListProp("pk.fields", "", "Primary key field names (meaning depends on pk.mode)."));
  def.Define(
      ListProp("fields.whitelist", "", "Record value fields to write; empty writes all fields."));
  def.Define(StringProp("table.name.format", "${topic}",
                        "Destination table name; ${topic} is replaced by the topic name."));
  def.Define(BoolProp("auto.create", false, "CREATE TABLE for missing destination tables."));
  def.Define(BoolProp("auto.evolve", false, "ALTER TABLE ADD COLUMN for new record fields."));
  def.Define(ChoiceProp("quote.sql.identifiers", {"always", "never"}, "always",
                        "Whether table and column names are quoted in SQL.")
                 .NotImplementedFor([](std::string_view v) { return EqualsIgnoreCase(v, "never"); },
                                    "never", "identifiers are always quoted"));
  def.Define(StringProp("db.timezone", "UTC", "Time zone of the destination session."));
  def.Define(IntProp("max.retries", 10, "Retries of a failed batch before the task fails.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(IntProp("retry.backoff.ms", 3000, "Wait between retries of a failed batch.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.AddRule(ExactlyOneTopicSource);
  def.AddRule(DeleteNeedsRecordKey("pk.mode"));
  return def;
}

ConfigDef BuildDebeziumSinkDef() {
  ConfigDef def(kDebeziumJdbcSinkClass);
  // batch.size: not Debezium's 500. A statement costs the destination about a quarter of a
  // millisecond whatever its rows: with 500 the destination spent 12% more time executing the
  // same changes than with 3000 (bench/pg_to_pg.sh, pg_stat_statements; docs/performance.md).
  DefineCommonSink(&def, kDebeziumSinkBatchSize);
  // Debezium marks connection.username required; walrelay also takes the user from the URL or
  // from Confluent's connection.user, as the sink does.
  def.Define(StringProp("connection.username", std::nullopt, "User for the destination."));
  def.Define(StringProp("connection.user", std::nullopt,
                        "Confluent's name of connection.username, accepted too."));
  def.Define(BoolProp("truncate.enabled", false, "Truncate the table on truncate events."));
  def.Define(ChoiceProp("primary.key.mode", {"none", "kafka", "record_key", "record_value"}, "none",
                        "Where primary key columns come from."));
  def.Define(ListProp("primary.key.fields", std::nullopt,
                      "Primary key field names (meaning depends on primary.key.mode)."));
  def.Define(ChoiceProp("schema.evolution", {"none", "basic"}, "none",
                        "basic: create missing tables and add new columns."));
  def.Define(BoolProp("quote.identifiers", false, "Quote table and column names in SQL.")
                 .NotImplemented("identifiers are always quoted, as with true, so names keep "
                                 "their case (Debezium's default false folds them to lower "
                                 "case)"));
  def.Define(StringProp("collection.name.format", "${topic}",
                        "Destination table name; ${topic} is replaced by the topic name."));
  def.Define(
      StringProp("table.name.format", std::nullopt, "Older name of collection.name.format."));
  def.Define(StringProp("use.time.zone", "UTC", "Time zone used when writing temporal values."));
  def.Define(StringProp("database.time_zone", std::nullopt, "Older name of use.time.zone."));
  def.Define(ListProp("field.include.list", std::nullopt,
                      "Fields to write, as <field> or <topic>:<field>."));
  def.Define(ListProp("field.exclude.list", std::nullopt,
                      "Fields not to write, as <field> or <topic>:<field>."));
  def.Define(
      IntProp("flush.max.retries", 5, "Retries of a failed flush.").WithCheck(AtLeast(0), ">= 0"));
  def.Define(LongProp("flush.retry.delay.ms", 1000, "Wait between flush retries.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(IntProp("max.retries", std::nullopt,
                     "Confluent's name of flush.max.retries, used when that is not set.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.Define(LongProp("retry.backoff.ms", std::nullopt,
                      "Confluent's name of flush.retry.delay.ms, used when that is not set.")
                 .WithCheck(AtLeast(0), ">= 0"));
  def.AddRule(ExactlyOneTopicSource);
  def.AddRule(DeleteNeedsRecordKey("primary.key.mode"));
  def.AddRule([](const ConnectorConfig& config) -> Status {
    // Debezium's validateInsertMode: upsert needs to know the key.
    if (EqualsIgnoreCase(Trim(config.Get("insert.mode", "insert")), "upsert") &&
        IsBlank(config, "primary.key.mode")) {
      return InvalidArgument(config.file +
                             ": property 'primary.key.mode' is required when insert.mode is "
                             "upsert");
    }
    return Status::Ok();
  });
  def.AddRule([](const ConnectorConfig& config) -> Status {
    if (!IsBlank(config, "field.include.list") && !IsBlank(config, "field.exclude.list")) {
      return config.InvalidValue("field.exclude.list",
                                 "\"field.include.list\" is already specified; set either "
                                 "field.include.list or field.exclude.list");
    }
    return Status::Ok();
  });
  return def;
}

}  // namespace

const ConfigDef& PostgresConnectorDef() {
  static const ConfigDef* const def = new ConfigDef(BuildPostgresDef());
  return *def;
}

const ConfigDef& JdbcSinkDef(std::string_view connector_class) {
  static const ConfigDef* const confluent = new ConfigDef(BuildConfluentSinkDef());
  static const ConfigDef* const debezium = new ConfigDef(BuildDebeziumSinkDef());
  return connector_class == kDebeziumJdbcSinkClass ? *debezium : *confluent;
}

const ConfigDef* FindConnectorDef(std::string_view connector_class) {
  if (connector_class == kPostgresConnectorClass) return &PostgresConnectorDef();
  if (connector_class == kConfluentJdbcSinkClass || connector_class == kDebeziumJdbcSinkClass) {
    return &JdbcSinkDef(connector_class);
  }
  return nullptr;
}

std::vector<std::string> SupportedConnectorClasses() {
  return {kPostgresConnectorClass, kConfluentJdbcSinkClass, kDebeziumJdbcSinkClass};
}

Status ValidateConnector(const ConnectorConfig& config, std::vector<std::string>* warnings,
                         bool in_worker) {
  const std::string supported = Join(SupportedConnectorClasses(), ", ");
  std::string connector_class(Trim(config.Get("connector.class", "")));
  if (connector_class.empty()) {
    return InvalidArgument(
        config.file + ": property 'connector.class' is required (supported: " + supported + ")");
  }
  const ConfigDef* def = FindConnectorDef(connector_class);
  if (def == nullptr) {
    return InvalidArgument(config.file + ": property 'connector.class' has invalid value '" +
                           connector_class + "': must be one of: " + supported);
  }
  return def->Validate(config, warnings, /*with_framework=*/true, in_worker);
}

}  // namespace walrelay::config
