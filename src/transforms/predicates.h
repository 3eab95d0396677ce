#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "transforms/java_regex.h"
#include "transforms/transform.h"
#include "transforms/transform_config.h"

namespace walrelay::transforms {

// org.apache.kafka.connect.transforms.predicates.TopicNameMatches: true when the whole topic name
// matches "pattern" (Java Matcher.matches()).
class TopicNameMatches : public Predicate {
 public:
  static Result<std::unique_ptr<Predicate>> Create(const TransformConfig& config);
  bool Test(const data::Record& record) const override;

 private:
  explicit TopicNameMatches(JavaRegex regex) : regex_(std::move(regex)) {}
  JavaRegex regex_;
};

// org.apache.kafka.connect.transforms.predicates.RecordIsTombstone: true when the value is null.
class RecordIsTombstone : public Predicate {
 public:
  bool Test(const data::Record& record) const override { return record.value.is_null(); }
};

// org.apache.kafka.connect.transforms.predicates.HasHeaderKey: true when a header named "name"
// is present.
class HasHeaderKey : public Predicate {
 public:
  static Result<std::unique_ptr<Predicate>> Create(const TransformConfig& config);
  bool Test(const data::Record& record) const override;

 private:
  explicit HasHeaderKey(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

// org.apache.kafka.connect.transforms.Filter: drops every record it is applied to; used with a
// predicate to drop the records the predicate selects.
class Filter : public Transform {
 public:
  Status Apply(data::Record*, bool* keep) override {
    *keep = false;
    return Status::Ok();
  }
  bool ReadsValues() const override { return false; }
};

}  // namespace walrelay::transforms
