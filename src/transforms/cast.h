#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.Cast$Value / $Key: casts struct (or schemaless map) fields
// to int8 int16 int32 int64 float32 float64 boolean or string ("spec" = "field:type,..."), or the
// whole primitive value ("spec" = "type"), with Java's conversion rules (narrowing wraps,
// floating to integer truncates, strings are parsed, bytes become base64, Connect's logical
// dates become ISO strings). Tombstones pass unchanged. Output schemas are cached per input.
class Cast : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

  // Casts one value (whose schema may be null for schemaless data) to `target`, as Cast does.
  static Result<data::Value> CastValue(const data::Schema* schema, const data::Value& value,
                                       data::Type target);

 private:
  Result<data::SchemaPtr> BuildSchema(const data::Schema& input) const;

  Operand operand_ = Operand::kValue;
  std::optional<data::Type> whole_value_;
  std::map<std::string, data::Type> casts_;
  SchemaCache<> cache_;
};

}  // namespace walrelay::transforms
