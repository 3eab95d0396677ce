#pragma once

#include <cstdint>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "config/connector_config.h"
#include "source/event_builder.h"
#include "source/type_mapper.h"

namespace walrelay::source {

enum class SnapshotMode { kInitial, kAlways, kNever, kInitialOnly, kWhenNeeded };
enum class PublicationAutocreate { kAllTables, kFiltered, kDisabled, kNoTables };
enum class FailoverSafeMode { kAuto, kOn, kOff };

// The PostgreSQL connector's properties, parsed and checked once (see config::PostgresConnectorDef
// for names, defaults and allowed values).
struct PostgresSourceConfig {
  std::string name;      // connector name
  std::string conninfo;  // regular connection
  std::string host, dbname;
  int port = 5432;
  std::string slot_name = "debezium";
  bool slot_drop_on_stop = false;
  std::string publication_name = "dbz_publication";
  PublicationAutocreate publication_mode = PublicationAutocreate::kAllTables;
  SnapshotMode snapshot_mode = SnapshotMode::kInitial;
  bool skip_create = false, skip_update = false, skip_delete = false, skip_truncate = true;
  int64_t heartbeat_interval_ms = 0;
  std::string heartbeat_action_query;
  std::string heartbeat_topic;
  int64_t max_batch_size = 2048;
  int64_t snapshot_fetch_size = 10240;
  int64_t status_update_interval_ms = 10000;
  int64_t max_retries = -1;  // errors.max.retries: -1 forever
  int64_t retry_max_wait_ms = 10000;
  // walrelay.unreadable.wal.patience.ms: how long the slot's WAL may stay unreadable.
  int64_t unreadable_wal_patience_ms = 60000;
  // walrelay.failover.safe.mode / .standbys: hold each transaction until physical standbys have
  // flushed it (auto: when the server has standbys).
  FailoverSafeMode failover_safe = FailoverSafeMode::kAuto;
  int64_t failover_safe_standbys = 0;  // 0: every streaming standby
  std::vector<std::pair<std::string, std::vector<std::string>>> message_key_columns;  // regex, cols
  // message.prefix.include.list / message.prefix.exclude.list: regexes matched against the whole
  // prefix of a logical decoding message, ignoring case (Debezium's Predicates.includes). At most
  // one of the two is set.
  std::vector<std::regex> message_prefix_include, message_prefix_exclude;
  TypeModes modes;
  EventOptions events;

  static Result<PostgresSourceConfig> Parse(const config::ConnectorConfig& config);

  // Whether logical decoding messages with `prefix` are emitted.
  bool IncludeMessagePrefix(std::string_view prefix) const;
};

}  // namespace walrelay::source
