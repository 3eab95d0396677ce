#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "config/connector_config.h"
#include "data/record.h"

namespace walrelay::runtime {

// Kafka Connect's error handling settings (KIP-298) that walrelay implements: errors.tolerance,
// errors.log.enable and errors.log.include.messages, and for sink tasks consuming from Kafka
// (runtime/sink_task.h) the dead letter queue. The retry settings are declared unimplemented in
// config::FrameworkDef().
struct ErrorPolicy {
  bool tolerate_all = false;           // errors.tolerance=all
  bool log = false;                    // errors.log.enable
  bool log_messages = false;           // errors.log.include.messages
  std::string dlq_topic;               // errors.deadletterqueue.topic.name ("" for none)
  int32_t dlq_replication_factor = 3;  // errors.deadletterqueue.topic.replication.factor
  bool dlq_context_headers = false;    // errors.deadletterqueue.context.headers.enable

  // Values were checked by config::FrameworkDef(); a bad one is still kInvalidArgument naming it.
  static Result<ErrorPolicy> Parse(const config::ConnectorConfig& config);
};

// Applies one connector's ErrorPolicy to records a transform or converter failed on: with
// errors.tolerance=all the record is skipped, counted, and logged (at ERROR, as Kafka Connect's
// LogReporter does) when errors.log.enable is set; with none the failure stands and stops the
// connector. Owned and used by the connector's delivery thread.
class ErrorHandler {
 public:
  ErrorHandler(std::string connector, ErrorPolicy policy)
      : connector_(std::move(connector)), policy_(policy) {}

  // `failure` happened in `stage` ("transform", "key converter", "value converter") for
  // `record` (as it was when the stage failed). Returns Ok when the record is to be skipped,
  // else `failure`.
  Status Handle(std::string_view stage, const data::Record& record, const Status& failure);

  int64_t skipped() const { return skipped_; }

 private:
  std::string connector_;
  ErrorPolicy policy_;
  int64_t skipped_ = 0;
};

}  // namespace walrelay::runtime
