#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "transforms/regex_router.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// io.debezium.transforms.outbox.EventRouter: turns inserts into an outbox table into events.
// Only creates (and snapshot reads) are routed: deletes and tombstones are dropped, updates are
// dropped with a warning (or an error log, or a failure: "table.op.invalid.behavior" warn /
// error / fatal). The event goes to the topic "route.topic.replacement" (default
// "outbox.event.${routedByValue}") where the "route.by.field" column ("aggregatetype") matches
// "route.topic.regex"; its key is the "table.field.event.key" column ("aggregateid"; no key when
// the row has no such column); its value is the "table.field.event.payload" column ("payload"),
// its JSON expanded into a struct with "table.expand.json.payload" (null fields left out, or kept
// as optional bytes with "table.json.payload.null.behavior=optional_bytes"), or a struct
// {payload, envelope fields...} when "table.fields.additional.placement" puts columns in the
// envelope (versioned by "table.field.event.schema.version"); that property also puts columns in
// headers or names the column holding the Kafka partition ("col:partition"), and a column the row
// lacks fails the record unless "table.fields.additional.error.on.missing" is false. Header "id"
// carries "table.field.event.id". Non-envelope records pass unchanged. Output schemas are cached
// per outbox row schema.
class OutboxEventRouter : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  enum class Placement { kHeader, kEnvelope, kPartition };
  struct AdditionalField {
    std::string column;
    Placement placement;
    std::string alias;
  };

  explicit OutboxEventRouter(RegexRouter router) : router_(std::move(router)) {}
  Result<int64_t> EventTimestamp(const data::Struct& envelope, const data::Struct& row) const;

  RegexRouter router_;
  std::string id_field_ = "id";
  std::string key_field_ = "aggregateid";
  std::optional<std::string> timestamp_field_;
  std::string payload_field_ = "payload";
  std::optional<std::string> schema_version_field_;
  std::string route_by_field_ = "aggregatetype";
  std::string invalid_op_ = "warn";
  bool route_tombstone_on_empty_payload_ = false;
  bool expand_json_payload_ = false;
  bool json_null_as_bytes_ = false;          // table.json.payload.null.behavior=optional_bytes
  bool error_on_missing_additional_ = true;  // table.fields.additional.error.on.missing
  std::vector<AdditionalField> additional_;
  bool has_envelope_fields_ = false;
  // Per outbox row schema (and schema version): the envelope value schema. Like Debezium, its
  // name takes the routed value of the first event that needed it.
  SchemaCache<std::vector<std::pair<std::optional<int64_t>, data::SchemaPtr>>> value_schemas_;
};

}  // namespace walrelay::transforms
