#include "worker/record_writer.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "common/log.h"

namespace walrelay::worker {
namespace {

constexpr const char* kLog = "worker";

// Per Write: how many deliveries are outstanding and the first failure.
struct Pending {
  std::atomic<int> outstanding{0};
  rd_kafka_resp_err_t error = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::mutex mu;
  std::map<int32_t, int64_t> offsets;  // per partition, the highest offset Kafka gave a record
};

}  // namespace

Result<std::unique_ptr<RecordWriter>> RecordWriter::Open(const Options& options) {
  std::unique_ptr<RecordWriter> w(new RecordWriter(options));
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  std::map<std::string, std::string> props = options.client;
  props["enable.idempotence"] = "true";
  props["acks"] = "all";
  props["partitioner"] = "murmur2_random";
  props.emplace("client.id", "walrelay-writer-" + options.topic);
  if (!options.transactional_id.empty()) props["transactional.id"] = options.transactional_id;
  for (const auto& [k, v] : props) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("writer of topic " + options.topic + ": " + k + "=" + v + ": " + err);
    }
  }
  rd_kafka_conf_set_opaque(conf, w.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* p = static_cast<Pending*>(m->_private);
    if (p == nullptr) {  // WriteAsync's
      if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        const auto* self = static_cast<const RecordWriter*>(opaque);
        const std::string key =
            m->key != nullptr ? std::string(static_cast<const char*>(m->key), m->key_len) : "";
        LogWarn(kLog, "topic " + self->options_.topic + ": the record with key " + key +
                          " was not written: " + rd_kafka_err2str(m->err));
      }
      return;
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR && p->error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      p->error = m->err;
    }
    if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR && m->offset >= 0) {
      std::lock_guard<std::mutex> lock(p->mu);
      int64_t& at = p->offsets[m->partition];
      at = std::max(at, m->offset);
    }
    p->outstanding.fetch_sub(1);
  });
  w->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (w->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument("writer of topic " + options.topic + ": " + err);
  }
  if (!options.transactional_id.empty()) {
    rd_kafka_error_t* e =
        rd_kafka_init_transactions(w->rk_, static_cast<int>(options.timeout.count()));
    if (e != nullptr) return w->TransactionError("initialising transactions", e);
  }
  w->topic_ = kafka::PrefetchTopic(w->rk_, options.topic, options.timeout);
  return w;
}

RecordWriter::~RecordWriter() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 1000);
  topic_.reset();
  rd_kafka_destroy(rk_);
}

Status RecordWriter::TransactionError(const std::string& what, rd_kafka_error_t* error) {
  std::string msg = "topic " + options_.topic + ": " + what + " (transactional.id " +
                    options_.transactional_id + "): " + rd_kafka_error_string(error);
  const bool fatal = rd_kafka_error_is_fatal(error) != 0 ||
                     rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__FENCED ||
                     rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED;
  const bool retriable = rd_kafka_error_is_retriable(error) != 0;
  const bool abort = rd_kafka_error_txn_requires_abort(error) != 0;
  rd_kafka_error_destroy(error);
  if (fatal) {
    fenced_ = true;
    return FatalError(msg + ": fenced by a newer writer or failed; this writer stops");
  }
  if (abort) {
    rd_kafka_error_t* e =
        rd_kafka_abort_transaction(rk_, static_cast<int>(options_.timeout.count()));
    if (e != nullptr) rd_kafka_error_destroy(e);
  }
  return retriable || abort ? RetryError(msg) : FatalError(msg);
}

Status RecordWriter::WriteAsync(const std::vector<KeyedRecord>& records) {
  if (fenced_) return FatalError("topic " + options_.topic + ": this writer was fenced");
  if (!options_.transactional_id.empty()) {
    return FatalError("topic " + options_.topic + ": a transactional writer cannot write async");
  }
  rd_kafka_poll(rk_, 0);  // the outcome of earlier async writes: failures are logged
  for (const auto& [key, value] : records) {
    void* payload = value ? const_cast<char*>(value->data()) : nullptr;
    const size_t size = value ? value->size() : 0;
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(options_.topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(nullptr), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return RetryError("topic " + options_.topic + ": cannot queue the record with key " + key +
                        ": " + rd_kafka_err2str(e));
    }
  }
  return Status::Ok();
}

Status RecordWriter::Write(const std::vector<KeyedRecord>& records) {
  if (fenced_) return FatalError("topic " + options_.topic + ": this writer was fenced");
  const bool txn = !options_.transactional_id.empty();
  const int timeout_ms = static_cast<int>(options_.timeout.count());
  if (txn) {
    rd_kafka_error_t* e = rd_kafka_begin_transaction(rk_);
    if (e != nullptr) return TransactionError("beginning a transaction", e);
  }
  Pending pending;
  for (const auto& [key, value] : records) {
    pending.outstanding.fetch_add(1);
    void* payload = value ? const_cast<char*>(value->data()) : nullptr;
    const size_t size = value ? value->size() : 0;
    rd_kafka_resp_err_t e = rd_kafka_producev(
        rk_, RD_KAFKA_V_TOPIC(options_.topic.c_str()), RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_OPAQUE(&pending), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      pending.outstanding.fetch_sub(1);
      rd_kafka_flush(rk_, timeout_ms);
      return RetryError("topic " + options_.topic +
                        ": cannot queue a record: " + rd_kafka_err2str(e));
    }
  }
  if (txn) {
    rd_kafka_error_t* e = rd_kafka_commit_transaction(rk_, timeout_ms);
    if (e != nullptr) return TransactionError("committing", e);
  } else {
    rd_kafka_flush(rk_, timeout_ms);
  }
  if (pending.outstanding.load() > 0) {
    rd_kafka_flush(rk_, timeout_ms);
    if (pending.outstanding.load() > 0) {
      return RetryError("topic " + options_.topic + ": records not acknowledged within " +
                        std::to_string(timeout_ms) + " ms");
    }
  }
  if (pending.error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return RetryError("topic " + options_.topic + ": " + rd_kafka_err2str(pending.error));
  }
  std::lock_guard<std::mutex> lock(pending.mu);
  last_offsets_ = pending.offsets;
  return Status::Ok();
}

}  // namespace walrelay::worker
