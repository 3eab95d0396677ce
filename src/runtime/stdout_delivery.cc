#include "runtime/stdout_delivery.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/java_format.h"
#include "convert/json_writer.h"

namespace walrelay::runtime {
namespace {

// Writes all of `buf` to stdout; a closed pipe or full disk is fatal for the connector.
Status WriteStdout(std::string* buf) {
  size_t done = 0;
  while (done < buf->size()) {
    ssize_t n = ::write(STDOUT_FILENO, buf->data() + done, buf->size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return FatalError(std::string("cannot write to stdout: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  buf->clear();
  return Status::Ok();
}

}  // namespace

StdoutDelivery::StdoutDelivery(std::unique_ptr<convert::Converter> key,
                               std::unique_ptr<convert::Converter> value, OffsetFile* offsets)
    : key_(std::move(key)), value_(std::move(value)), offsets_(offsets) {}

Status StdoutDelivery::Send(const data::Record& rec, std::string_view* stage) {
  const size_t size = buf_.size();
  buf_ += "{\"topic\":";
  convert::AppendJsonString(&buf_, rec.topic);
  buf_ += ",\"key\":";
  Status s = AppendConverted(key_.get(), rec, /*is_key=*/true);
  if (s.ok()) {
    buf_ += ",\"value\":";
    s = AppendConverted(value_.get(), rec, /*is_key=*/false);
    if (!s.ok()) *stage = "value converter";
  } else {
    *stage = "key converter";
  }
  if (!s.ok()) {
    buf_.resize(size);
    return s;
  }
  buf_ += "}\n";
  return Status::Ok();
}

Status StdoutDelivery::AppendConverted(convert::Converter* converter, const data::Record& rec,
                                       bool is_key) {
  const data::SchemaPtr& schema = is_key ? rec.key_schema : rec.value_schema;
  const data::Value& value = is_key ? rec.key : rec.value;
  const bool raw = converter->output() == convert::ConverterOutput::kJson;
  std::string* target = raw ? &buf_ : &scratch_;
  scratch_.clear();
  const size_t size = target->size();
  WR_ASSIGN_OR_RETURN(bool present, converter->Serialize(rec.topic, is_key, schema, value, target));
  if (!present) {
    target->resize(size);
    buf_ += "null";
  } else if (converter->output() == convert::ConverterOutput::kText) {
    convert::AppendJsonString(&buf_, scratch_);
  } else if (converter->output() == convert::ConverterOutput::kBinary) {
    buf_ += '"';
    AppendBase64(&buf_, scratch_);
    buf_ += '"';
  } else if (converter->output() == convert::ConverterOutput::kAvro) {
    // Read back through the registry, as a consumer would: what is printed is what was written.
    WR_ASSIGN_OR_RETURN(std::string json, converter->DisplayJson(rec.topic, is_key, scratch_));
    buf_ += json;
  }
  return Status::Ok();
}

Status StdoutDelivery::Flush() { return WriteStdout(&buf_); }

Status StdoutDelivery::Mark(const source::SourceOffset& offset) {
  WR_RETURN_IF_ERROR(Flush());
  WR_RETURN_IF_ERROR(offsets_->Store(offset.ToJson()));
  durable_ = offset;
  return Status::Ok();
}

Result<std::optional<source::SourceOffset>> StdoutDelivery::TakeDurable() {
  std::optional<source::SourceOffset> out = std::move(durable_);
  durable_.reset();
  return out;
}

}  // namespace walrelay::runtime
