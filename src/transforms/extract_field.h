#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.ExtractField$Value / $Key: replaces the struct (or
// schemaless map) with its "field". A null struct gives a null value with the field's schema;
// a field missing from the schema is an error.
class ExtractField : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  Operand operand_ = Operand::kValue;
  std::string field_;
};

// org.apache.kafka.connect.transforms.HoistField$Value / $Key: wraps the value in a struct (or
// schemaless map) with the single "field". The wrapping schema is built once per input schema.
class HoistField : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  Operand operand_ = Operand::kValue;
  std::string field_;
  SchemaCache<> cache_;
};

}  // namespace walrelay::transforms
