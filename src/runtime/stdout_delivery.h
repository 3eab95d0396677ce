#pragma once

#include <memory>
#include <optional>
#include <string>

#include "convert/converter.h"
#include "runtime/offset_file.h"
#include "runtime/source_task.h"

namespace walrelay::runtime {

// Standalone mode's delivery without sinks: JSON lines {"topic", "key", "value"} on stdout, key
// and value as the connector's key.converter / value.converter serialize them (JsonConverter's
// JSON as it is, StringConverter's text as a JSON string, ByteArrayConverter's bytes as a base64
// JSON string; null bytes, a tombstone or a null key, as null). Mark writes the buffered lines
// and then the offset file, so a kill re-emits at most the transaction in flight; a marked offset
// is durable at once.
class StdoutDelivery : public SourceDelivery {
 public:
  StdoutDelivery(std::unique_ptr<convert::Converter> key, std::unique_ptr<convert::Converter> value,
                 OffsetFile* offsets);

  Status Send(const data::Record& record, std::string_view* stage) override;
  Status Mark(const source::SourceOffset& offset) override;
  bool Full() const override { return buf_.size() >= 256 * 1024; }
  Result<std::optional<source::SourceOffset>> TakeDurable() override;
  Status Drain() override { return Flush(); }

 private:
  Status AppendConverted(convert::Converter* converter, const data::Record& rec, bool is_key);
  Status Flush();

  std::unique_ptr<convert::Converter> key_;
  std::unique_ptr<convert::Converter> value_;
  OffsetFile* offsets_;
  std::string buf_;
  std::string scratch_;  // a text or binary converter's bytes before they are quoted
  std::optional<source::SourceOffset> durable_;
};

}  // namespace walrelay::runtime
