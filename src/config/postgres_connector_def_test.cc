#include "config/postgres_connector_def.h"

#include <gtest/gtest.h>

#include "config/test_seed.h"

namespace walrelay::config {
namespace {

ConnectorConfig Source(std::map<std::string, std::string> extra = {}) {
  ConnectorConfig c;
  c.name = "src";
  c.file = "src.json";
  c.props = {{"name", "src"},
             {"connector.class", kPostgresConnectorClass},
             {"database.hostname", "localhost"},
             {"database.user", "postgres"},
             {"database.password", "pw"},
             {"database.dbname", "db"},
             {"topic.prefix", "server"}};
  for (auto& [k, v] : extra) c.props[k] = v;
  return c;
}

ConnectorConfig Sink(const char* connector_class, std::map<std::string, std::string> extra = {}) {
  ConnectorConfig c;
  c.name = "sink";
  c.file = "sink.json";
  c.props = {{"name", "sink"},
             {"connector.class", connector_class},
             {"connection.url", "jdbc:postgresql://h:5432/db?user=u&password=secret"},
             {"topics", "a,b"}};
  for (auto& [k, v] : extra) c.props[k] = v;
  return c;
}

std::string ErrorOf(const ConnectorConfig& c) {
  std::vector<std::string> warnings;
  Status s = ValidateConnector(c, &warnings);
  if (s.ok()) return "ok";
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  return s.message();
}

TEST(PostgresConnectorDefTest, SeedConfigsValidateWarningOnlyOfTheSignalTable) {
  // The seed's source names a signal table, which walrelay does not read yet: said at start.
  const std::map<std::string, std::vector<std::string>> expected = {
      {"register-postgres.json",
       {"property 'signal.data.collection' is accepted, not implemented yet: signals are not "
        "read yet"}},
      {"register-outbox.json", {}},
      {"register-sink.json", {}}};
  for (const auto& [file, wanted] : expected) {
    auto c = LoadConnectorFile(SeedPath(file));
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    std::vector<std::string> warnings;
    Status s = ValidateConnector(*c, &warnings);
    EXPECT_TRUE(s.ok()) << s.ToString();
    ASSERT_EQ(warnings.size(), wanted.size()) << file;
    for (size_t i = 0; i < wanted.size(); ++i) {
      EXPECT_NE(warnings[i].find(wanted[i]), std::string::npos) << warnings[i];
    }
  }
}

// What only `walrelay run` lacks (Kafka clients, topic creation, several tasks) is not warned
// about in a distributed worker, which implements it.
TEST(PostgresConnectorDefTest, WorkersDoNotWarnOfWhatTheyImplement) {
  ConnectorConfig c = Source({{"tasks.max", "3"},
                              {"producer.override.linger.ms", "20"},
                              {"topic.creation.default.partitions", "3"},
                              {"admin.override.client.id", "x"}});
  std::vector<std::string> standalone, worker;
  ASSERT_TRUE(ValidateConnector(c, &standalone).ok());
  ASSERT_TRUE(ValidateConnector(c, &worker, /*in_worker=*/true).ok());
  EXPECT_EQ(standalone.size(), 4u);
  EXPECT_EQ(worker, std::vector<std::string>{});
}

TEST(PostgresConnectorDefTest, UnimplementedPropertiesWarnOrAreRefused) {
  std::vector<std::string> warnings;
  ConnectorConfig c = Source({{"incremental.snapshot.chunk.size", "2048"},
                              {"table.ignore.builtin", "true"},
                              {"tasks.max", "1"},
                              {"errors.tolerance", "all"}});
  ASSERT_TRUE(ValidateConnector(c, &warnings).ok());
  // table.ignore.builtin=true and tasks.max=1 work; errors.tolerance is implemented.
  EXPECT_EQ(warnings, (std::vector<std::string>{
                          "src.json: property 'incremental.snapshot.chunk.size' is accepted, not "
                          "implemented yet: there are no incremental snapshots yet"}));
  warnings.clear();
  c = Source({{"table.ignore.builtin", "false"}, {"tasks.max", "3"}});
  ASSERT_TRUE(ValidateConnector(c, &warnings).ok());
  EXPECT_EQ(warnings,
            (std::vector<std::string>{
                "src.json: property 'table.ignore.builtin' is accepted, not implemented yet: "
                "built-in tables are always ignored (PostgreSQL publishes none of them)",
                "src.json: property 'tasks.max' is accepted, not implemented yet: walrelay run "
                "runs one task per connector"}));
  EXPECT_EQ(ErrorOf(Source({{"converters", "isbn"}, {"isbn.type", "x.IsbnConverter"}})),
            "src.json: property 'converters' has invalid value 'isbn': not supported yet (custom "
            "converters are Java classes walrelay cannot load; their columns would be emitted "
            "unconverted); allowed: empty");
  EXPECT_EQ(ErrorOf(Source({{"errors.deadletterqueue.topic.name", "dlq"}})),
            "src.json: property 'errors.deadletterqueue.topic.name' has invalid value 'dlq': not "
            "supported yet for source connectors (Kafka Connect's dead letter queue serves sink "
            "connectors only: a source's skipped records would be lost); allowed: empty");
  EXPECT_EQ(ErrorOf(Source({{"errors.deadletterqueue.topic.name", ""}})), "ok");
  // Framework properties are type-checked too.
  EXPECT_EQ(ErrorOf(Source({{"errors.tolerance", "some"}})),
            "src.json: property 'errors.tolerance' has invalid value 'some': must be one of: "
            "none, all");
  EXPECT_EQ(ErrorOf(Source({{"tasks.max", "0"}})),
            "src.json: property 'tasks.max' has invalid value '0': must be at least 1");
}

TEST(PostgresConnectorDefTest, MinimalConfigValidates) {
  EXPECT_EQ(ErrorOf(Source()), "ok");
  ConnectorConfig old_name = Source();
  old_name.props.erase("topic.prefix");
  old_name.props["database.server.name"] = "server";
  EXPECT_EQ(ErrorOf(old_name), "ok");
}

TEST(PostgresConnectorDefTest, Defaults) {
  const ConfigDef& def = PostgresConnectorDef();
  auto default_of = [&](const char* name) {
    const PropertyDef* p = def.Find(name);
    EXPECT_NE(p, nullptr) << name;
    return p && p->default_value ? *p->default_value : std::string("<none>");
  };
  EXPECT_EQ(default_of("database.port"), "5432");
  EXPECT_EQ(default_of("slot.name"), "debezium");
  EXPECT_EQ(default_of("slot.drop.on.stop"), "false");
  EXPECT_EQ(default_of("publication.name"), "dbz_publication");
  EXPECT_EQ(default_of("publication.autocreate.mode"), "all_tables");
  EXPECT_EQ(default_of("snapshot.mode"), "initial");
  EXPECT_EQ(default_of("skipped.operations"), "t");
  EXPECT_EQ(default_of("tombstones.on.delete"), "true");
  EXPECT_EQ(default_of("heartbeat.interval.ms"), "0");
  EXPECT_EQ(default_of("heartbeat.topics.prefix"), "__debezium-heartbeat");
  EXPECT_EQ(default_of("incremental.snapshot.chunk.size"), "1024");
  EXPECT_EQ(default_of("provide.transaction.metadata"), "false");
  EXPECT_EQ(default_of("unavailable.value.placeholder"), "__debezium_unavailable_value");
  EXPECT_EQ(default_of("max.batch.size"), "2048");
  EXPECT_EQ(default_of("status.update.interval.ms"), "10000");
  EXPECT_EQ(default_of("errors.max.retries"), "-1");
  EXPECT_EQ(default_of("retriable.restart.connector.wait.ms"), "10000");
  EXPECT_EQ(default_of("walrelay.failover.safe.mode"), "auto");
  EXPECT_EQ(default_of("walrelay.failover.safe.standbys"), "0");
  EXPECT_EQ(default_of("plugin.name"), "pgoutput");
  EXPECT_EQ(def.connector_class(), kPostgresConnectorClass);
}

TEST(PostgresConnectorDefTest, RequiredProperties) {
  for (const char* key : {"database.hostname", "database.user", "database.dbname"}) {
    ConnectorConfig c = Source();
    c.props.erase(key);
    EXPECT_EQ(ErrorOf(c), std::string("src.json: property '") + key + "' is required");
  }
  ConnectorConfig c = Source();
  c.props.erase("topic.prefix");
  EXPECT_EQ(ErrorOf(c),
            "src.json: property 'topic.prefix' is required (or the older 'database.server.name')");
}

TEST(PostgresConnectorDefTest, BadValues) {
  EXPECT_EQ(ErrorOf(Source({{"plugin.name", "decoderbufs"}})),
            "src.json: property 'plugin.name' has invalid value 'decoderbufs': walrelay supports "
            "only pgoutput (decoderbufs and wal2json are not supported)");
  EXPECT_EQ(ErrorOf(Source({{"plugin.name", "PGOUTPUT"}})), "ok");
  EXPECT_EQ(ErrorOf(Source({{"snapshot.mode", "sometimes"}})),
            "src.json: property 'snapshot.mode' has invalid value 'sometimes': must be one of: "
            "initial, always, never, no_data, initial_only, when_needed");
  EXPECT_EQ(ErrorOf(Source({{"snapshot.mode", "Initial_Only"}})), "ok");
  EXPECT_EQ(ErrorOf(Source({{"publication.autocreate.mode", "some"}})),
            "src.json: property 'publication.autocreate.mode' has invalid value 'some': must be "
            "one of: all_tables, disabled, filtered, no_tables");
  EXPECT_EQ(ErrorOf(Source({{"skipped.operations", "d,x"}})),
            "src.json: property 'skipped.operations' has invalid value 'd,x': must be a "
            "comma-separated list of: c, u, d, t, none");
  EXPECT_EQ(ErrorOf(Source({{"database.port", "5432x"}})),
            "src.json: property 'database.port' has invalid value '5432x': must be an integer");
  EXPECT_EQ(ErrorOf(Source({{"database.port", "0"}})),
            "src.json: property 'database.port' has invalid value '0': must be between 1 and "
            "65535");
  EXPECT_EQ(ErrorOf(Source({{"slot.drop.on.stop", "maybe"}})),
            "src.json: property 'slot.drop.on.stop' has invalid value 'maybe': must be true or "
            "false");
  EXPECT_EQ(ErrorOf(Source({{"slot.name", "My-Slot"}})),
            "src.json: property 'slot.name' has invalid value 'My-Slot': must contain only "
            "lower-case letters, digits and '_', at most 63 characters");
  EXPECT_EQ(ErrorOf(Source({{"topic.prefix", "my server"}})),
            "src.json: property 'topic.prefix' has invalid value 'my server': may contain only "
            "ASCII letters, digits, '.', '_' and '-'");
  EXPECT_EQ(
      ErrorOf(Source({{"heartbeat.interval.ms", "-5"}})),
      "src.json: property 'heartbeat.interval.ms' has invalid value '-5': must be at least 0");
  EXPECT_EQ(ErrorOf(Source({{"decimal.handling.mode", "exact"}})),
            "src.json: property 'decimal.handling.mode' has invalid value 'exact': must be one "
            "of: precise, double, string");
  EXPECT_EQ(ErrorOf(Source({{"time.precision.mode", "x"}})),
            "src.json: property 'time.precision.mode' has invalid value 'x': must be one of: "
            "adaptive, adaptive_time_microseconds, connect");
  EXPECT_EQ(ErrorOf(Source({{"binary.handling.mode", "x"}})),
            "src.json: property 'binary.handling.mode' has invalid value 'x': must be one of: "
            "bytes, base64, base64-url-safe, hex");
  EXPECT_EQ(ErrorOf(Source({{"interval.handling.mode", "x"}})),
            "src.json: property 'interval.handling.mode' has invalid value 'x': must be one of: "
            "numeric, string");
  EXPECT_EQ(ErrorOf(Source({{"walrelay.failover.safe.mode", "maybe"}})),
            "src.json: property 'walrelay.failover.safe.mode' has invalid value 'maybe': must be "
            "one of: auto, on, off");
  EXPECT_EQ(ErrorOf(Source({{"walrelay.failover.safe.standbys", "-1"}})),
            "src.json: property 'walrelay.failover.safe.standbys' has invalid value '-1': must be "
            "at least 0");
  EXPECT_EQ(ErrorOf(Source({{"walrelay.unreadable.wal.patience.ms", "-5"}})),
            "src.json: property 'walrelay.unreadable.wal.patience.ms' has invalid value '-5': "
            "must be at least 0");
  EXPECT_EQ(ErrorOf(Source({{"message.key.columns", "s.t"}})),
            "src.json: property 'message.key.columns' has invalid value 's.t': entries must look "
            "like <schema>.<table>:<column>[,<column>...], separated by ';'; 's.t' has no ':'");
  EXPECT_EQ(ErrorOf(Source({{"message.key.columns", "inventory.customers:pk1,pk2"}})), "ok");
}

TEST(PostgresConnectorDefTest, PasswordNeverShown) {
  // Messages print values through Shown(): the password property, and any secret-named property
  // the def does not know, come out hidden.
  EXPECT_EQ(PostgresConnectorDef().Shown("database.password", "pw"), "[hidden]");
  EXPECT_EQ(PostgresConnectorDef().Shown("database.sslpassword", "pw"), "[hidden]");
}

TEST(PostgresConnectorDefTest, ExclusiveLists) {
  EXPECT_EQ(ErrorOf(Source({{"schema.include.list", "public"}, {"schema.exclude.list", "x"}})),
            "src.json: property 'schema.exclude.list' has invalid value 'x': "
            "\"schema.include.list\" is already specified; set either schema.include.list or "
            "schema.exclude.list");
  EXPECT_EQ(ErrorOf(Source({{"table.include.list", "public.a"}, {"table.exclude.list", "b"}})),
            "src.json: property 'table.exclude.list' has invalid value 'b': "
            "\"table.include.list\" is already specified; set either table.include.list or "
            "table.exclude.list");
  EXPECT_EQ(ErrorOf(Source({{"column.include.list", "a"}, {"column.exclude.list", "b"}})),
            "src.json: property 'column.exclude.list' has invalid value 'b': "
            "\"column.include.list\" is already specified; set either column.include.list or "
            "column.exclude.list");
  EXPECT_EQ(ErrorOf(Source({{"schema.include.list", "public"}, {"table.exclude.list", "b"}})),
            "ok");
}

TEST(PostgresConnectorDefTest, InvalidFilterRegex) {
  std::string e = ErrorOf(Source({{"table.include.list", "public.(x"}}));
  EXPECT_EQ(e.rfind("src.json: property 'table.include.list' has invalid value 'public.(x': must "
                    "be a comma-separated list of regular expressions; 'public.(x' is not valid (",
                    0),
            0u)
      << e;
}

TEST(PostgresConnectorDefTest, UnknownPropertiesWarn) {
  std::vector<std::string> warnings;
  ConnectorConfig c = Source({{"database.hostnme", "x"},
                              {"errors.tolerence", "all"},
                              {"offset.storage.file.filename", "/var/lib/o.json"}});
  ASSERT_TRUE(ValidateConnector(c, &warnings).ok());
  EXPECT_EQ(warnings,
            (std::vector<std::string>{"src.json: unknown property 'database.hostnme' (ignored)",
                                      "src.json: unknown property 'errors.tolerence' (ignored)"}));
}

TEST(PostgresConnectorDefTest, ConnectorClass) {
  ConnectorConfig c = Source();
  c.props.erase("connector.class");
  EXPECT_EQ(ErrorOf(c),
            "src.json: property 'connector.class' is required (supported: "
            "io.debezium.connector.postgresql.PostgresConnector, "
            "io.confluent.connect.jdbc.JdbcSinkConnector, "
            "io.debezium.connector.jdbc.JdbcSinkConnector)");
  c.props["connector.class"] = "io.debezium.connector.mysql.MySqlConnector";
  EXPECT_EQ(ErrorOf(c),
            "src.json: property 'connector.class' has invalid value "
            "'io.debezium.connector.mysql.MySqlConnector': must be one of: "
            "io.debezium.connector.postgresql.PostgresConnector, "
            "io.confluent.connect.jdbc.JdbcSinkConnector, "
            "io.debezium.connector.jdbc.JdbcSinkConnector");
  EXPECT_EQ(FindConnectorDef("nope"), nullptr);
  EXPECT_EQ(FindConnectorDef(kPostgresConnectorClass), &PostgresConnectorDef());
  EXPECT_EQ(FindConnectorDef(kDebeziumJdbcSinkClass)->connector_class(), kDebeziumJdbcSinkClass);
  EXPECT_EQ(FindConnectorDef(kConfluentJdbcSinkClass)->connector_class(), kConfluentJdbcSinkClass);
}

TEST(PostgresConnectorDefTest, DescribeListsProperties) {
  std::string md = PostgresConnectorDef().Describe();
  EXPECT_NE(md.find("| `snapshot.mode` | choice | `initial` | `initial`, `always`"),
            std::string::npos);
  EXPECT_NE(md.find("| `database.hostname` | string | (required) |"), std::string::npos);
}

TEST(JdbcSinkDefTest, ConfluentSink) {
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass)), "ok");
  EXPECT_EQ(JdbcSinkDef(kConfluentJdbcSinkClass).Find("batch.size")->default_value, "3000");
  EXPECT_EQ(JdbcSinkDef(kConfluentJdbcSinkClass).Find("max.retries")->default_value, "10");
  EXPECT_EQ(JdbcSinkDef(kConfluentJdbcSinkClass).Find("retry.backoff.ms")->default_value, "3000");
  EXPECT_EQ(JdbcSinkDef(kConfluentJdbcSinkClass).Find("table.name.format")->default_value,
            "${topic}");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass, {{"insert.mode", "merge"}})),
            "sink.json: property 'insert.mode' has invalid value 'merge': must be one of: insert, "
            "upsert, update");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass, {{"pk.mode", "record"}})),
            "sink.json: property 'pk.mode' has invalid value 'record': must be one of: none, "
            "kafka, record_key, record_value");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass, {{"delete.enabled", "true"}})),
            "sink.json: property 'pk.mode' has invalid value 'none': must be record_key when "
            "delete.enabled is true");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass,
                         {{"delete.enabled", "true"}, {"pk.mode", "record_key"}})),
            "ok");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass, {{"dialect.name", "MySqlDatabaseDialect"}})),
            "sink.json: property 'dialect.name' has invalid value 'MySqlDatabaseDialect': must be "
            "empty or PostgreSqlDatabaseDialect (walrelay writes to PostgreSQL only)");
  EXPECT_EQ(ErrorOf(Sink(kConfluentJdbcSinkClass, {{"batch.size", "0"}})),
            "sink.json: property 'batch.size' has invalid value '0': must be at least 1");
}

TEST(JdbcSinkDefTest, TopicsXorRegex) {
  for (const char* cls : {kConfluentJdbcSinkClass, kDebeziumJdbcSinkClass}) {
    EXPECT_EQ(ErrorOf(Sink(cls, {{"topics.regex", "server\\..*"}})),
              "sink.json: properties 'topics' and 'topics.regex' are both set; set only one");
    ConnectorConfig neither = Sink(cls);
    neither.props.erase("topics");
    EXPECT_EQ(ErrorOf(neither),
              "sink.json: one of the properties 'topics' and 'topics.regex' is required");
    ConnectorConfig regex = Sink(cls, {{"topics.regex", "server\\..*"}});
    regex.props.erase("topics");
    EXPECT_EQ(ErrorOf(regex), "ok");
    regex.props["topics.regex"] = "server(";
    EXPECT_EQ(ErrorOf(regex).rfind("sink.json: property 'topics.regex' has invalid value "
                                   "'server(': must be a valid regular expression (",
                                   0),
              0u);
  }
}

TEST(JdbcSinkDefTest, UrlChecksHideThePassword) {
  ConnectorConfig c = Sink(kConfluentJdbcSinkClass,
                           {{"connection.url", "jdbc:mysql://h/db?user=u&password=secret"}});
  EXPECT_EQ(ErrorOf(c),
            "sink.json: property 'connection.url' has invalid value "
            "'jdbc:mysql://h/db?user=u&password=[hidden]': must be a jdbc:postgresql: URL "
            "(walrelay writes to PostgreSQL only)");
  c.props.erase("connection.url");
  EXPECT_EQ(ErrorOf(c), "sink.json: property 'connection.url' is required");
}

TEST(JdbcSinkDefTest, DebeziumSink) {
  const char* cls = kDebeziumJdbcSinkClass;
  EXPECT_EQ(ErrorOf(Sink(cls, {{"connection.username", "u"},
                               {"connection.password", "p"},
                               {"insert.mode", "upsert"},
                               {"primary.key.mode", "record_key"},
                               {"primary.key.fields", "id"},
                               {"delete.enabled", "true"},
                               {"truncate.enabled", "true"},
                               {"schema.evolution", "basic"},
                               {"collection.name.format", "${topic}"},
                               {"field.include.list", "t:a,b"}})),
            "ok");
  // Not Debezium's 500 (kDebeziumSinkBatchSize).
  EXPECT_EQ(JdbcSinkDef(cls).Find("batch.size")->default_value, "3000");
  EXPECT_EQ(ErrorOf(Sink(cls, {{"insert.mode", "upsert"}})),
            "sink.json: property 'primary.key.mode' is required when insert.mode is upsert");
  EXPECT_EQ(ErrorOf(Sink(cls, {{"delete.enabled", "true"}, {"primary.key.mode", "kafka"}})),
            "sink.json: property 'primary.key.mode' has invalid value 'kafka': must be record_key "
            "when delete.enabled is true");
  EXPECT_EQ(ErrorOf(Sink(cls, {{"schema.evolution", "advanced"}})),
            "sink.json: property 'schema.evolution' has invalid value 'advanced': must be one of: "
            "none, basic");
  EXPECT_EQ(ErrorOf(Sink(cls, {{"field.include.list", "a"}, {"field.exclude.list", "b"}})),
            "sink.json: property 'field.exclude.list' has invalid value 'b': "
            "\"field.include.list\" is already specified; set either field.include.list or "
            "field.exclude.list");
  // Confluent-only names are unknown to the Debezium sink, and the other way round.
  std::vector<std::string> warnings;
  ASSERT_TRUE(ValidateConnector(Sink(cls, {{"pk.mode", "record_key"}}), &warnings).ok());
  EXPECT_EQ(warnings,
            (std::vector<std::string>{"sink.json: unknown property 'pk.mode' (ignored)"}));
  warnings.clear();
  ASSERT_TRUE(
      ValidateConnector(Sink(kConfluentJdbcSinkClass, {{"primary.key.mode", "none"}}), &warnings)
          .ok());
  EXPECT_EQ(warnings,
            (std::vector<std::string>{"sink.json: unknown property 'primary.key.mode' (ignored)"}));
}

}  // namespace
}  // namespace walrelay::config
