#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "transforms/java_regex.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.RegexRouter: when the whole topic matches "regex", the
// topic becomes "replacement" with Java group references ($1, ${name}) expanded; otherwise the
// record is unchanged.
class RegexRouter : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config);
  Status Apply(data::Record* record, bool* keep) override;

  // Returns the routed topic, or `topic` itself when it does not match.
  std::string Route(const std::string& topic) const;

  RegexRouter(JavaRegex regex, std::string replacement)
      : regex_(std::move(regex)), replacement_(std::move(replacement)) {}

 private:
  JavaRegex regex_;
  std::string replacement_;
};

}  // namespace walrelay::transforms
