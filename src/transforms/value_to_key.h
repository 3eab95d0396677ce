#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.ValueToKey: replaces the key with a struct (or schemaless
// map) of the value's "fields". The key schema is built once per value schema. As in Connect, a
// null value is an error.
class ValueToKey : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  struct Plan {
    data::SchemaPtr key_schema;
    std::vector<size_t> source_index;
  };
  std::vector<std::string> fields_;
  SchemaCache<Plan> cache_;
};

}  // namespace walrelay::transforms
