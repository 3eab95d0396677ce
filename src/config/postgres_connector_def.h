#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/config_def.h"
#include "config/connector_config.h"

namespace walrelay::config {

inline constexpr char kPostgresConnectorClass[] =
    "io.debezium.connector.postgresql.PostgresConnector";
inline constexpr char kConfluentJdbcSinkClass[] = "io.confluent.connect.jdbc.JdbcSinkConnector";
inline constexpr char kDebeziumJdbcSinkClass[] = "io.debezium.connector.jdbc.JdbcSinkConnector";
// The Debezium JDBC sink's batch.size default: the Confluent sink's 3000, not Debezium's 500
// (see DefineCommonSink).
inline constexpr int64_t kDebeziumSinkBatchSize = 3000;

// Debezium's PostgreSQL connector properties (names, defaults, allowed values as Debezium
// documents them) plus walrelay's own (offset.storage.file.filename, walrelay.failover.*).
// Deviations from Debezium: plugin.name defaults to pgoutput and accepts nothing else, and
// database.server.name (Debezium 1.x) is accepted as the older name of topic.prefix.
// Built on first use and immutable afterwards.
const ConfigDef& PostgresConnectorDef();

// The JDBC sink properties for `connector_class`: kDebeziumJdbcSinkClass gets Debezium's JDBC
// sink names (connection.username, primary.key.mode, collection.name.format, ...); any other
// value gets the Confluent sink's (connection.user, pk.mode, table.name.format, ...).
const ConfigDef& JdbcSinkDef(std::string_view connector_class);

// The def for a connector.class, or nullptr when walrelay does not implement it.
const ConfigDef* FindConnectorDef(std::string_view connector_class);
// The connector classes walrelay implements, in a fixed order.
std::vector<std::string> SupportedConnectorClasses();

// Validates `config` against the def its connector.class names. A missing connector.class or
// an unsupported one is kInvalidArgument naming the file, the class and the supported classes.
// `in_worker`: validated for a distributed worker (notes of what only `walrelay run` lacks are
// left out).
Status ValidateConnector(const ConnectorConfig& config, std::vector<std::string>* warnings,
                         bool in_worker = false);

}  // namespace walrelay::config
