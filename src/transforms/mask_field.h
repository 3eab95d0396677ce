#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.MaskField$Value / $Key: replaces the "fields" of a struct
// (or schemaless map) with the empty value of their type (0, false, "", empty bytes/array/map,
// the epoch for dates), or with "replacement" parsed as the field's type (numbers and strings
// only). Null fields stay null; the schema is unchanged. Tombstones pass unchanged.
class MaskField : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  Result<data::Value> Mask(const data::Schema* schema, const data::Value& value) const;

  Operand operand_ = Operand::kValue;
  std::set<std::string> fields_;
  std::optional<std::string> replacement_;
};

}  // namespace walrelay::transforms
