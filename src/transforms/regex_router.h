#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "common/status.h"
#include "transforms/java_regex.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.RegexRouter: when the whole topic matches "regex", the
// topic becomes "replacement" with Java group references ($1, ${name}) expanded; otherwise the
// record is unchanged. Apply remembers the outcome per input topic (a connector sees few distinct
// topics, and matching the regex per record is costly); Route always matches afresh.
class RegexRouter : public Transform {
 public:
  static Result<std::unique_ptr<Transform>> Create(const TransformConfig& config);
  Status Apply(data::Record* record, bool* keep) override;
  bool ReadsValues() const override { return false; }

  // Returns the routed topic, or `topic` itself when it does not match.
  std::string Route(const std::string& topic) const;

  RegexRouter(JavaRegex regex, std::string replacement)
      : regex_(std::move(regex)), replacement_(std::move(replacement)) {}

 private:
  // Bound on remembered topics; beyond it the cache starts over, so memory stays small even for a
  // source with very many tables.
  static constexpr size_t kMaxCachedTopics = 4096;

  JavaRegex regex_;
  std::string replacement_;
  std::unordered_map<std::string, std::string> routed_;  // input topic -> routed topic
};

}  // namespace walrelay::transforms
