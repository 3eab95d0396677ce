#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"

namespace walrelay::sink {

// Which connector's property names and record handling the sink follows.
// kConfluent: io.confluent.connect.jdbc.JdbcSinkConnector (flat records only).
// kDebezium: io.debezium.connector.jdbc.JdbcSinkConnector (Debezium envelopes or flat records).
enum class SinkFlavor { kConfluent, kDebezium };

enum class InsertMode { kInsert, kUpsert, kUpdate };
enum class PkMode { kNone, kKafka, kRecordKey, kRecordValue };

inline constexpr char kConfluentSinkClass[] = "io.confluent.connect.jdbc.JdbcSinkConnector";
inline constexpr char kDebeziumSinkClass[] = "io.debezium.connector.jdbc.JdbcSinkConnector";

// Maps a connector.class value to a flavor; kInvalidArgument naming the value otherwise.
Result<SinkFlavor> FlavorFromClass(std::string_view connector_class);

// A parsed `jdbc:postgresql:` URL (pgjdbc's syntax): hosts with ports, database, parameters.
struct JdbcUrl {
  std::vector<std::pair<std::string, std::string>> hosts;  // (host, port); port defaults to 5432
  std::string database;                                    // empty: libpq's default (user name)
  std::map<std::string, std::string> params;               // URL-decoded
};

// Parses jdbc:postgresql://host[:port][,host2[:port2]]/db?k=v&..., jdbc:postgresql:db and
// jdbc:postgresql:/ forms. Hosts may be bracketed IPv6 literals. kInvalidArgument naming the URL
// (without its password) when malformed.
Result<JdbcUrl> ParseJdbcUrl(std::string_view url);

// One entry of Debezium's field.include.list / field.exclude.list: "field" or "topic:field".
struct FieldSelector {
  std::string topic;  // empty: any topic
  std::string field;
};

// The sink's configuration, parsed and validated once from connector properties.
struct SinkConfig {
  SinkFlavor flavor = SinkFlavor::kConfluent;

  // Connection: a libpq conninfo built from connection.url plus user/password overrides.
  std::string conninfo;
  std::string database;                   // for messages
  std::string default_schema = "public";  // currentSchema from the URL (first entry)
  std::string timezone =
      "UTC";  // db.timezone / use.time.zone (database.time_zone): session TimeZone

  // Which topics this sink consumes: exactly one of the two is set.
  std::vector<std::string> topics;
  std::string topics_regex_text;
  std::shared_ptr<const std::regex> topics_regex;
  // Matches() answers per topic, remembered: std::regex costs microseconds per record, topics are
  // few. Not thread-safe, like the sink that owns the config.
  mutable std::unordered_map<std::string, bool> topic_matches;

  InsertMode insert_mode = InsertMode::kInsert;
  PkMode pk_mode = PkMode::kNone;
  std::vector<std::string> pk_fields;
  bool delete_enabled = false;
  bool truncate_enabled = false;  // Debezium only
  bool auto_create = false;
  bool auto_evolve = false;  // Confluent auto.evolve / Debezium schema.evolution=basic
  std::string table_name_format = "${topic}";

  std::vector<std::string> fields_whitelist;  // Confluent fields.whitelist
  std::vector<FieldSelector> field_include;   // Debezium field.include.list
  std::vector<FieldSelector> field_exclude;   // Debezium field.exclude.list

  int batch_size = 3000;
  int max_retries = 10;
  int64_t retry_backoff_ms = 3000;

  std::string offsets_table = "walrelay_offsets";  // walrelay.offsets.table
  // Debezium's unchanged-TOAST marker (the source's unavailable.value.placeholder).
  std::string unavailable_placeholder = "__debezium_unavailable_value";

  // Parses properties for `flavor`. Errors name the property, the value and what is allowed.
  static Result<SinkConfig> Parse(SinkFlavor flavor,
                                  const std::map<std::string, std::string>& props);

  // True when `topic` is in `topics` or wholly matches `topics.regex`.
  bool Matches(const std::string& topic) const;
  // True when the value field `field` of `topic` becomes a column (fields.whitelist,
  // field.include.list, field.exclude.list). Primary-key fields are not filtered by this.
  bool IncludesField(std::string_view topic, std::string_view field) const;
};

}  // namespace walrelay::sink
