#include "runtime/error_handler.h"

#include "common/log.h"
#include "config/config_strings.h"

namespace walrelay::runtime {

Result<ErrorPolicy> ErrorPolicy::Parse(const config::ConnectorConfig& config) {
  ErrorPolicy p;
  std::string tolerance(config::Trim(config.Get("errors.tolerance", "none")));
  if (config::EqualsIgnoreCase(tolerance, "all")) {
    p.tolerate_all = true;
  } else if (!config::EqualsIgnoreCase(tolerance, "none")) {
    return config.InvalidValue("errors.tolerance", "must be one of: none, all");
  }
  WR_ASSIGN_OR_RETURN(p.log, config.GetBool("errors.log.enable", false));
  WR_ASSIGN_OR_RETURN(p.log_messages, config.GetBool("errors.log.include.messages", false));
  p.dlq_topic = std::string(config::Trim(config.Get("errors.deadletterqueue.topic.name", "")));
  WR_ASSIGN_OR_RETURN(int64_t factor,
                      config.GetInt("errors.deadletterqueue.topic.replication.factor", int64_t{3}));
  // Kafka's -1 asks the broker for its default.replication.factor.
  if (factor < -1 || factor == 0 || factor > 32767) {
    return config.InvalidValue("errors.deadletterqueue.topic.replication.factor",
                               "must be -1 (the broker's default) or from 1 to 32767");
  }
  p.dlq_replication_factor = static_cast<int32_t>(factor);
  WR_ASSIGN_OR_RETURN(p.dlq_context_headers,
                      config.GetBool("errors.deadletterqueue.context.headers.enable", false));
  return p;
}

Status ErrorHandler::Handle(std::string_view stage, const data::Record& record,
                            const Status& failure) {
  if (!policy_.tolerate_all) return failure;
  ++skipped_;
  if (policy_.log) {
    std::string line = "skipped a record of topic '" + record.topic +
                       "' (errors.tolerance=all): " + std::string(stage) +
                       " failed: " + failure.message();
    if (policy_.log_messages) {
      line += "; record: key=" + record.key.DebugString() + ", value=" + record.value.DebugString();
    }
    LogError(connector_, line);
  }
  return Status::Ok();
}

}  // namespace walrelay::runtime
