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
