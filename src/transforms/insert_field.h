#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.InsertField$Value / $Key: adds the record's topic,
// partition, offset, timestamp and/or a static string as fields of a struct (or entries of a
// schemaless map). A field spec "name!" is required, "name?" or "name" optional. Tombstones pass
// unchanged. The output schema is built once per input schema.
class InsertField : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  struct Spec {
    std::string name;
    bool optional = true;
  };
  static std::optional<Spec> ParseSpec(const std::string& text);
  data::SchemaPtr BuildSchema(const data::Schema& input) const;

  Operand operand_ = Operand::kValue;
  std::optional<Spec> topic_, partition_, offset_, timestamp_, static_;
  std::optional<std::string> static_value_;
  SchemaCache<> cache_;
};

}  // namespace walrelay::transforms
