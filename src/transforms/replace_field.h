#pragma once

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.ReplaceField$Value / $Key: keeps only "include" fields
// (all when empty), drops "exclude" fields and renames "old:new" pairs ("renames"); the older
// property names "whitelist" / "blacklist" still work. Tombstones pass unchanged. The output
// schema is built once per input schema.
class ReplaceField : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

 private:
  struct Plan {
    data::SchemaPtr schema;
    std::vector<size_t> source_index;  // per output field, the input field it comes from
  };
  bool Keep(const std::string& name) const;
  const std::string& Renamed(const std::string& name) const;
  Plan BuildPlan(const data::Schema& input) const;

  Operand operand_ = Operand::kValue;
  std::set<std::string> include_, exclude_;
  std::map<std::string, std::string> renames_;
  SchemaCache<Plan> cache_;
};

}  // namespace walrelay::transforms
