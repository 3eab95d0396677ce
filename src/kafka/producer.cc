#include "kafka/producer.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>

#include "common/log.h"
#include "kafka/client.h"
#include "kafka/errors.h"

namespace walrelay::kafka {
namespace {

constexpr const char* kComponent = "kafka";
// The longest one transactional call waits before it is resumed, so a stop request is seen.
constexpr int kTxnSliceMs = 500;

// An empty but non-null key or value needs a non-null pointer: librdkafka writes null for null.
const void* DataOf(const Bytes& b) {
  if (!b) return nullptr;
  return b->data() != nullptr ? b->data() : "";
}

}  // namespace

struct Producer::State {
  KafkaHandle rk;
  std::vector<Delivery> deliveries;

  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<State*>(opaque);
    Delivery d;
    d.token = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(m->_private));
    d.tp = {rd_kafka_topic_name(m->rkt), m->partition};
    d.offset = m->offset;
    if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
      d.status = FatalStatus(rk, "deliver to " + d.tp.ToString());
    } else if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      // Not rd_kafka_message_errstr: on a delivery report it returns the record's own payload,
      // which is not NUL-terminated (AddressSanitizer caught the read past its end).
      d.status = StatusFromCode(m->err, "deliver to " + d.tp.ToString(), rd_kafka_err2str(m->err));
    }
    self->deliveries.push_back(std::move(d));
  }

  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* /*opaque*/) {
    const auto code = static_cast<rd_kafka_resp_err_t>(err);
    if (code == RD_KAFKA_RESP_ERR__FATAL) {
      LogError(kComponent, FatalStatus(rk, std::string(rd_kafka_name(rk))).message());
      return;
    }
    LogWarn(kComponent, StatusFromCode(code, rd_kafka_name(rk), reason).message());
  }
};

Result<Producer> Producer::Create(const ClientConfig& config) {
  auto state = std::make_unique<State>();
  WR_ASSIGN_OR_RETURN(ConfHandle conf, BuildConf(config));
  rd_kafka_conf_set_opaque(conf.get(), state.get());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &State::OnDelivery);
  rd_kafka_conf_set_error_cb(conf.get(), &State::OnError);
  WR_ASSIGN_OR_RETURN(state->rk, NewClient(RD_KAFKA_PRODUCER, std::move(conf)));
  return Producer(std::move(state));
}

Producer::Producer(std::unique_ptr<State> state) : state_(std::move(state)) {}
Producer::Producer(Producer&&) noexcept = default;
Producer& Producer::operator=(Producer&&) noexcept = default;

Producer::~Producer() {
  if (state_ == nullptr || state_->rk == nullptr) return;
  // Unflushed records are dropped (documented), so the destructor does not wait for brokers.
  rd_kafka_purge(state_->rk.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(state_->rk.get(), 0);
}

Status Producer::Produce(const ProducerRecord& record, const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const std::string topic(record.topic);
  const std::string what =
      "produce to " + topic +
      (record.partition == kAnyPartition ? "" : "[" + std::to_string(record.partition) + "]");
  RdPtr<rd_kafka_headers_t> headers;
  if (!record.headers.empty()) {
    headers.reset(rd_kafka_headers_new(record.headers.size()));
    for (const Header& h : record.headers) {
      rd_kafka_header_add(headers.get(), h.key.data(), static_cast<ssize_t>(h.key.size()),
                          h.value ? h.value->data() : nullptr,
                          h.value ? static_cast<ssize_t>(h.value->size()) : 0);
    }
  }
  while (true) {
    rd_kafka_vu_t vus[8];
    size_t n = 0;
    vus[n].vtype = RD_KAFKA_VTYPE_TOPIC;
    vus[n++].u.cstr = topic.c_str();
    vus[n].vtype = RD_KAFKA_VTYPE_PARTITION;
    vus[n++].u.i32 = record.partition;
    vus[n].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
    vus[n++].u.i = RD_KAFKA_MSG_F_COPY;
    vus[n].vtype = RD_KAFKA_VTYPE_KEY;
    vus[n].u.mem.ptr = const_cast<void*>(DataOf(record.key));
    vus[n++].u.mem.size = record.key ? record.key->size() : 0;
    vus[n].vtype = RD_KAFKA_VTYPE_VALUE;
    vus[n].u.mem.ptr = const_cast<void*>(DataOf(record.value));
    vus[n++].u.mem.size = record.value ? record.value->size() : 0;
    vus[n].vtype = RD_KAFKA_VTYPE_OPAQUE;
    vus[n++].u.ptr = reinterpret_cast<void*>(static_cast<uintptr_t>(record.token));
    if (record.timestamp_ms != 0) {
      vus[n].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
      vus[n++].u.i64 = record.timestamp_ms;
    }
    if (headers != nullptr) {
      vus[n].vtype = RD_KAFKA_VTYPE_HEADERS;
      vus[n++].u.headers = headers.get();
    }
    rd_kafka_error_t* error = rd_kafka_produceva(rk, vus, n);
    if (error == nullptr) {
      headers.release();  // librdkafka owns them now
      return Status::Ok();
    }
    const rd_kafka_resp_err_t code = rd_kafka_error_code(error);
    Status s =
        code == RD_KAFKA_RESP_ERR__FATAL ? FatalStatus(rk, what) : StatusFromError(error, what);
    rd_kafka_error_destroy(error);
    if (code != RD_KAFKA_RESP_ERR__QUEUE_FULL) return s;
    WR_RETURN_IF_ERROR(CheckStop(stop, what + " (local queue full)"));
    rd_kafka_poll(rk, static_cast<int>(kWaitSlice.count()));
  }
}

std::vector<Delivery> Producer::Poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(state_->rk.get(), static_cast<int>(timeout.count()));
  std::vector<Delivery> out;
  out.swap(state_->deliveries);
  return out;
}

Status Producer::Flush(std::chrono::milliseconds timeout, const StopSource* stop) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    const rd_kafka_resp_err_t err = rd_kafka_flush(state_->rk.get(), SliceMs(deadline));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
    WR_RETURN_IF_ERROR(CheckStop(stop, "flush"));
    if (Clock::now() >= deadline) {
      return RetryError("flush: " + std::to_string(InFlight()) +
                        " record(s) still in flight after " + std::to_string(timeout.count()) +
                        " ms");
    }
  }
}

int Producer::InFlight() const { return rd_kafka_outq_len(state_->rk.get()); }

namespace {

// Runs a resumable transactional call in slices until it completes, fails, times out or is
// stopped. `requires_abort` reports whether the broker demands an abort.
template <typename Call>
Status TxnCall(const std::string& what, std::chrono::milliseconds timeout, const StopSource* stop,
               Call call, bool* requires_abort = nullptr) {
  const auto deadline = Clock::now() + timeout;
  while (true) {
    WR_RETURN_IF_ERROR(CheckStop(stop, what));
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      return RetryError(what + ": not done within " + std::to_string(timeout.count()) + " ms");
    }
    rd_kafka_error_t* error = call(static_cast<int>(std::min<int64_t>(left, kTxnSliceMs)));
    if (error == nullptr) return Status::Ok();
    const bool timed_out = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__TIMED_OUT &&
                           rd_kafka_error_is_retriable(error);
    if (requires_abort != nullptr) *requires_abort = rd_kafka_error_txn_requires_abort(error);
    Status s = StatusFromError(error, what);
    rd_kafka_error_destroy(error);
    if (!timed_out) return s;
  }
}

}  // namespace

Status Producer::InitTransactions(std::chrono::milliseconds timeout, const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  return TxnCall("init transactions", timeout, stop,
                 [rk](int ms) { return rd_kafka_init_transactions(rk, ms); });
}

Status Producer::BeginTransaction() {
  rd_kafka_error_t* error = rd_kafka_begin_transaction(state_->rk.get());
  Status s = StatusFromError(error, "begin transaction");
  if (error != nullptr) rd_kafka_error_destroy(error);
  return s;
}

Status Producer::CommitTransaction(std::chrono::milliseconds timeout, const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  const auto start = Clock::now();
  bool requires_abort = false;
  Status s = TxnCall(
      "commit transaction", timeout, stop,
      [rk](int ms) { return rd_kafka_commit_transaction(rk, ms); }, &requires_abort);
  if (s.ok() || !requires_abort) return s;
  const auto left = std::max(
      std::chrono::milliseconds(1000),
      timeout - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start));
  Status aborted = AbortTransaction(left, stop);
  if (!aborted.ok()) return aborted.WithContext("after a failed commit (" + s.message() + ")");
  return RetryError(s.message() + "; the transaction was aborted: produce its records again");
}

Status Producer::AbortTransaction(std::chrono::milliseconds timeout, const StopSource* stop) {
  rd_kafka_t* rk = state_->rk.get();
  return TxnCall("abort transaction", timeout, stop,
                 [rk](int ms) { return rd_kafka_abort_transaction(rk, ms); });
}

Result<int32_t> Producer::PartitionCount(const std::string& topic,
                                         std::chrono::milliseconds timeout,
                                         const StopSource* stop) {
  WR_ASSIGN_OR_RETURN(auto topics,
                      FetchMetadata(state_->rk.get(), &topic, Clock::now() + timeout, stop));
  return topics.front().partitions;
}

Status Producer::FatalError() const { return FatalStatus(state_->rk.get(), "producer"); }

std::string Producer::Name() const { return rd_kafka_name(state_->rk.get()); }

}  // namespace walrelay::kafka
