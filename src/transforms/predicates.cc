#include "transforms/predicates.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Predicate>> TopicNameMatches::Create(const TransformConfig& config) {
  WR_ASSIGN_OR_RETURN(std::string pattern,
                      config.GetRequired("pattern", "a Java regular expression for topic names"));
  auto regex = JavaRegex::Compile(pattern);
  if (!regex.ok()) return config.Invalid("pattern", pattern, regex.status().message());
  return std::unique_ptr<Predicate>(new TopicNameMatches(std::move(regex).value()));
}

bool TopicNameMatches::Test(const data::Record& record) const {
  return regex_.Matches(record.topic);
}

Result<std::unique_ptr<Predicate>> HasHeaderKey::Create(const TransformConfig& config) {
  WR_ASSIGN_OR_RETURN(std::string name, config.GetRequired("name", "the header key to look for"));
  return std::unique_ptr<Predicate>(new HasHeaderKey(std::move(name)));
}

bool HasHeaderKey::Test(const data::Record& record) const {
  for (const auto& h : record.headers) {
    if (h.key == name_) return true;
  }
  return false;
}

}  // namespace walrelay::transforms
