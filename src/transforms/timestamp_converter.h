#pragma once

#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "transforms/java_text.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.TimestampConverter$Value / $Key: converts a timestamp held
// as a formatted string, a Unix epoch integer, or a Connect Date / Time / Timestamp into
// "target.type" (string, unix, Date, Time, Timestamp), for the whole value or one struct/map
// "field". Strings use "format" (SimpleDateFormat subset, UTC); unix values use
// "unix.precision". Output schemas are cached per input schema.
class TimestampConverter : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config, Operand operand);
  Status Apply(data::Record* record, bool* keep) override;

  enum class Kind { kString, kUnix, kDate, kTime, kTimestamp };

 private:
  Result<int64_t> ToMillis(const data::Value& value, Kind kind) const;
  data::Value FromMillis(int64_t ms) const;
  data::SchemaPtr TargetSchema(bool optional) const;
  Result<data::Value> Convert(const data::Schema* schema, const data::Value& value) const;

  Operand operand_ = Operand::kValue;
  std::string field_;
  Kind target_ = Kind::kTimestamp;
  std::optional<DateFormat> format_;
  std::string precision_ = "milliseconds";
  SchemaCache<> cache_;
};

}  // namespace walrelay::transforms
