#include "transforms/regex_router.h"

namespace walrelay::transforms {

Result<std::unique_ptr<Transform>> RegexRouter::Create(const TransformConfig& config) {
  WR_ASSIGN_OR_RETURN(std::string pattern,
                      config.GetRequired("regex", "a Java regular expression for topic names"));
  auto regex = JavaRegex::Compile(pattern);
  if (!regex.ok()) return config.Invalid("regex", pattern, regex.status().message());
  auto replacement = config.Get("replacement");
  if (!replacement) {
    return InvalidArgument("Missing required configuration " + config.Name("replacement") +
                           ": the replacement topic, with $1.. group references");
  }
  Status s = regex->CheckReplacement(*replacement);
  if (!s.ok()) return config.Invalid("replacement", *replacement, s.message());
  return std::unique_ptr<Transform>(
      new RegexRouter(std::move(regex).value(), std::move(*replacement)));
}

std::string RegexRouter::Route(const std::string& topic) const {
  std::smatch match;
  if (!regex_.Matches(topic, &match)) return topic;
  return regex_.Expand(replacement_, match);
}

Status RegexRouter::Apply(data::Record* record, bool* keep) {
  *keep = true;
  auto it = routed_.find(record->topic);
  if (it == routed_.end()) {
    if (routed_.size() >= kMaxCachedTopics) routed_.clear();
    std::string routed = Route(record->topic);
    it = routed_.emplace(record->topic, std::move(routed)).first;
  }
  record->topic = it->second;
  return Status::Ok();
}

}  // namespace walrelay::transforms
