#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// io.debezium.transforms.ExtractNewRecordState ("unwrap"): replaces a Debezium change event
// envelope with its row state ("after", or "before" for rewritten deletes).
//
// Deletes and tombstones follow "delete.tombstone.handling.mode": drop; tombstone (a delete
// becomes a null value keeping the row schema, tombstones are dropped); rewrite (a delete becomes
// the "before" row plus "__deleted"="true", other rows get "false", tombstones are dropped);
// rewrite-with-tombstone (rewrite, keeping tombstones); delete-to-tombstone (a delete becomes a
// true tombstone, null schema and value; tombstones are dropped). Without it, as in Debezium 2.x,
// the deprecated "delete.handling.mode" (none/drop/rewrite, default drop) and "drop.tombstones"
// (default true) apply, so by default deletes and tombstones are both dropped.
// Truncate events (no before, no after) are dropped. Records that are not envelopes (heartbeats,
// schema-less values) pass unchanged.
//
// "add.fields" / "add.headers" copy envelope metadata ("op", "ts_ms", source fields such as
// "table" or "source.ts_ms", transaction fields such as "id") into fields / headers named with
// "add.fields.prefix" / "add.headers.prefix" (default "__"): "__op", "__source_ts_ms", or the
// alias after a colon ("source.ts_ms:ts"). "route.by.field" sets the topic from a row column.
// Output schemas are built once per row schema and cached.
class ExtractNewRecordState : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config);
  Status Apply(data::Record* record, bool* keep) override;
  bool FlattensWithoutSourceBlock() const override {
    return add_fields_.empty() && add_headers_.empty() && route_by_field_.empty();
  }

 private:
  enum class DeleteAction { kDrop, kNullValue, kTombstone, kRewrite };
  // Apply's path for an event with a new row when only that row is read from the envelope
  // (FlattensWithoutSourceBlock): moves it out. False, with the record untouched, for every other
  // event (deletes, truncates, rewrite mode), which takes the general path.
  bool MoveAfterOut(data::Record* record);

  // One "add.fields" / "add.headers" entry.
  struct FieldRef {
    std::string parent;  // "source", "transaction", or empty for top-level envelope fields
    std::string field;
    std::string out_name;
  };
  // A FieldRef resolved against one envelope schema.
  struct Resolved {
    std::string out_name;
    int parent_index = -1;   // index of the parent struct in the envelope, -1 for top level
    int field_index = -1;    // index in the parent (or envelope when parent_index is -1)
    data::SchemaPtr schema;  // optional copy of the source field's schema
  };
  // Per envelope schema: field positions and resolved metadata references.
  struct EnvelopeInfo {
    int before = -1, after = -1, op = -1;
    std::vector<Resolved> fields;
    std::vector<Resolved> headers;
  };
  // Per row schema: the unwrapped value schema with added fields (and "__deleted").
  struct RowSchemas {
    data::SchemaPtr envelope;   // the envelope these were built for
    data::SchemaPtr plain;      // row + added fields (only built when fields are added)
    data::SchemaPtr rewritten;  // row + added fields + __deleted
  };

  static Result<std::vector<FieldRef>> ParseRefs(const TransformConfig& config,
                                                 const std::string& key, const std::string& prefix);
  std::vector<Resolved> Resolve(const data::Schema& envelope,
                                const std::vector<FieldRef>& refs) const;
  const EnvelopeInfo& Info(const data::SchemaPtr& envelope);
  const RowSchemas& Schemas(const data::SchemaPtr& row, const data::SchemaPtr& envelope,
                            const EnvelopeInfo& info);
  static data::Value ResolvedValue(const data::Struct& envelope, const Resolved& r);
  // Builds the unwrapped struct: row values, added fields, then "__deleted" when rewriting.
  Status Unwrap(data::Record* record, const data::SchemaPtr& envelope_schema,
                const data::Struct& envelope, const EnvelopeInfo& info, const data::Value& row,
                const data::SchemaPtr& row_schema, std::optional<bool> deleted);

  bool keep_tombstones_ = false;
  DeleteAction delete_action_ = DeleteAction::kNullValue;
  bool rewrite_ = false;
  bool replace_null_with_default_ = true;
  std::vector<FieldRef> add_fields_;
  std::vector<FieldRef> add_headers_;
  std::string route_by_field_;
  SchemaCache<EnvelopeInfo> envelopes_;
  SchemaCache<RowSchemas> rows_;
};

}  // namespace walrelay::transforms
