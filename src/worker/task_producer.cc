#include "worker/task_producer.h"

#include <librdkafka/rdkafka.h>

#include <charconv>
#include <thread>

#include "common/strings.h"
#include "transforms/java_regex.h"

namespace walrelay::worker {
namespace {

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    std::string item(
        Trim(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start)));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

Result<bool> AnyMatches(const std::string& list, const std::string& topic,
                        const std::string& property) {
  for (const std::string& pattern : SplitList(list)) {
    auto re = transforms::JavaRegex::Compile(pattern);
    if (!re.ok()) return InvalidArgument(property + ": " + re.status().message());
    if (re->Matches(topic)) return true;
  }
  return false;
}

// How long a topic's metadata is waited for before its first message (it is then produced
// anyway: librdkafka's own refresh takes over).
constexpr std::chrono::milliseconds kPrefetchTimeout{5000};

}  // namespace

Result<TopicSpec> TopicCreationSpec(const std::map<std::string, std::string>& connector,
                                    const std::string& topic) {
  auto get = [&](const std::string& key) -> const std::string* {
    auto it = connector.find(key);
    return it == connector.end() ? nullptr : &it->second;
  };
  std::string group = "default";
  if (const std::string* groups = get("topic.creation.groups")) {
    for (const std::string& g : SplitList(*groups)) {
      const std::string prefix = "topic.creation." + g + ".";
      const std::string* include = get(prefix + "include");
      const std::string* exclude = get(prefix + "exclude");
      bool in = false, out = false;
      if (include != nullptr) {
        WR_ASSIGN_OR_RETURN(in, AnyMatches(*include, topic, prefix + "include"));
      }
      if (exclude != nullptr) {
        WR_ASSIGN_OR_RETURN(out, AnyMatches(*exclude, topic, prefix + "exclude"));
      }
      if (in && !out) {
        group = g;
        break;
      }
    }
  }
  TopicSpec spec;
  spec.name = topic;
  auto number = [&](const std::string& key, int64_t* out) -> Status {
    const std::string* v = get(key);
    if (v == nullptr) return Status::Ok();
    std::string t(Trim(*v));
    auto res = std::from_chars(t.data(), t.data() + t.size(), *out);
    if (res.ec != std::errc() || res.ptr != t.data() + t.size() || (*out < 1 && *out != -1)) {
      return InvalidArgument("Invalid value " + *v + " for configuration " + key +
                             ": must be a positive integer or -1");
    }
    return Status::Ok();
  };
  // A group inherits what it does not set from "default".
  for (const std::string& g : {std::string("default"), group}) {
    const std::string prefix = "topic.creation." + g + ".";
    int64_t rf = spec.replication_factor, parts = spec.partitions;
    WR_RETURN_IF_ERROR(number(prefix + "replication.factor", &rf));
    WR_RETURN_IF_ERROR(number(prefix + "partitions", &parts));
    spec.replication_factor = static_cast<int16_t>(rf);
    spec.partitions = static_cast<int32_t>(parts);
    for (const auto& [k, v] : connector) {
      if (k.rfind(prefix, 0) != 0) continue;
      std::string name = k.substr(prefix.size());
      if (name == "replication.factor" || name == "partitions" || name == "include" ||
          name == "exclude") {
        continue;
      }
      spec.configs[name] = v;
    }
    if (group == "default") break;
  }
  return spec;
}

Result<std::unique_ptr<TaskProducer>> TaskProducer::Open(
    std::map<std::string, std::string> client, std::map<std::string, std::string> connector,
    const std::string& transactional_id, TopicAdmin* admin, const std::string& known_topic,
    std::unique_ptr<TopicAdmin> own_admin) {
  std::unique_ptr<TaskProducer> p(new TaskProducer());
  p->connector_ = std::move(connector);
  p->own_admin_ = std::move(own_admin);
  p->admin_ = p->own_admin_ != nullptr ? p->own_admin_.get() : admin;
  p->transactional_id_ = transactional_id;
  client["enable.idempotence"] = "true";
  client["acks"] = "all";
  client["partitioner"] = "murmur2_random";
  client.emplace("linger.ms", "5");
  // Kafka Connect's source producers buffer at most buffer.memory (32 MiB) of unsent records;
  // librdkafka's default is 1 GiB (and 100,000 records), which a source faster than a slow or
  // unreachable broker could fill. bench/kafka.sh's peak RSS did not change with it (it never
  // queued that much).
  client.emplace("queue.buffering.max.kbytes", "32768");
  if (!transactional_id.empty()) client["transactional.id"] = transactional_id;
  char err[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  for (const auto& [k, v] : client) {
    if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument("task producer: " + k + "=" + v + ": " + err);
    }
  }
  rd_kafka_conf_set_opaque(conf, p.get());
  rd_kafka_conf_set_dr_msg_cb(conf, [](rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
    auto* self = static_cast<TaskProducer*>(opaque);
    Ack ack;
    ack.token = reinterpret_cast<uintptr_t>(m->_private);
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      ack.status = RetryError(std::string("topic ") + rd_kafka_topic_name(m->rkt) + ": " +
                              rd_kafka_err2str(m->err));
    }
    std::lock_guard<std::mutex> lock(self->mu_);
    self->acks_.push_back(std::move(ack));
  });
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(std::string("task producer: ") + err);
  }
  if (!transactional_id.empty()) {
    rd_kafka_error_t* e = rd_kafka_init_transactions(p->rk_, 30000);
    if (e != nullptr) return p->TxnError("initialising transactions", e);
  }
  if (!known_topic.empty()) {
    p->topics_.push_back(kafka::PrefetchTopic(p->rk_, known_topic, kPrefetchTimeout));
  }
  return p;
}

TaskProducer::~TaskProducer() {
  if (rk_ == nullptr) return;
  rd_kafka_flush(rk_, 1000);
  topics_.clear();
  rd_kafka_destroy(rk_);
}

Status TaskProducer::TxnError(const std::string& what, rd_kafka_error_t* error) {
  std::string msg =
      what + " (transactional.id " + transactional_id_ + "): " + rd_kafka_error_string(error);
  const bool fatal = rd_kafka_error_is_fatal(error) != 0;
  const bool abort = rd_kafka_error_txn_requires_abort(error) != 0;
  const bool retriable = rd_kafka_error_is_retriable(error) != 0;
  rd_kafka_error_destroy(error);
  if (retriable && !fatal && !abort) {
    // Timed out (a coordinator or leader gone for longer than the call's timeout). A new
    // producer with this transactional id finishes or aborts the transaction before the task
    // reads its offset again, so starting over (UnitRunner) neither loses nor repeats records.
    return RetryError(msg);
  }
  if (abort && !fatal) {
    // A transaction that must be aborted (a broker that did not know a new topic yet, a
    // partition leader gone): nothing of it is visible to read_committed consumers and its
    // offset was not committed, so the task starts again from the stored offset and produces it
    // again (UnitRunner). Should this abort fail, the new producer's initialisation aborts it.
    rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_, 30000);
    const bool aborted = e == nullptr;
    if (!aborted) rd_kafka_error_destroy(e);
    return RetryError(msg + (aborted ? " (transaction aborted)" : ""));
  }
  // Fenced (a newer owner of the task) or fatal: the task stops.
  return FatalError(msg);
}

Status TaskProducer::EnsureTopic(const std::string& topic) {
  // Called for every record: the spec (strings built, regular expressions compiled) only for a
  // topic this producer has not written to yet.
  if (ensured_.count(topic) > 0) return Status::Ok();
  WR_ASSIGN_OR_RETURN(TopicSpec spec, TopicCreationSpec(connector_, topic));
  bool created = false;
  WR_RETURN_IF_ERROR(admin_->Ensure(spec, &created));
  if (created && !transactional_id_.empty()) {
    // Brokers learn of a new topic from the controller's metadata log, each a moment apart. A
    // transaction coordinator that has not learnt of it yet answers AddPartitionsToTxn with
    // "unknown topic or partition", and the transaction must be aborted (the task then starts
    // again from its offset, UnitRunner; kafka_failover_test met it on 3 brokers). Once per
    // topic this task creates.
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  topics_.push_back(kafka::PrefetchTopic(rk_, topic, kPrefetchTimeout));
  ensured_.insert(topic);
  return Status::Ok();
}

Status TaskProducer::Produce(OutMessage m, uint64_t token) {
  rd_kafka_headers_t* headers = nullptr;
  if (!m.headers.empty()) {
    headers = rd_kafka_headers_new(m.headers.size());
    for (const auto& [k, v] : m.headers) {
      rd_kafka_header_add(headers, k.data(), static_cast<ssize_t>(k.size()),
                          v ? v->data() : nullptr, v ? static_cast<ssize_t>(v->size()) : 0);
    }
  }
  void* key = m.key ? m.key->data() : nullptr;
  const size_t key_size = m.key ? m.key->size() : 0;
  void* value = m.value ? m.value->data() : nullptr;
  const size_t value_size = m.value ? m.value->size() : 0;
  const int32_t partition = m.partition >= 0 ? m.partition : RD_KAFKA_PARTITION_UA;
  while (true) {
    rd_kafka_resp_err_t e =
        rd_kafka_producev(rk_, RD_KAFKA_V_TOPIC(m.topic.c_str()), RD_KAFKA_V_PARTITION(partition),
                          RD_KAFKA_V_KEY(key, key_size), RD_KAFKA_V_VALUE(value, value_size),
                          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                          RD_KAFKA_V_TIMESTAMP(m.timestamp_ms), RD_KAFKA_V_HEADERS(headers),
                          RD_KAFKA_V_OPAQUE(reinterpret_cast<void*>(token)), RD_KAFKA_V_END);
    if (e == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();  // the headers are librdkafka's
    if (e == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 50);  // backpressure: wait for deliveries
      continue;
    }
    if (headers != nullptr) rd_kafka_headers_destroy(headers);
    return FatalError("topic " + m.topic + ": cannot produce: " + rd_kafka_err2str(e));
  }
}

void TaskProducer::PollAcks(std::vector<Ack>* acks, std::chrono::milliseconds wait) {
  rd_kafka_poll(rk_, static_cast<int>(wait.count()));
  std::lock_guard<std::mutex> lock(mu_);
  for (Ack& a : acks_) acks->push_back(std::move(a));
  acks_.clear();
}

Status TaskProducer::BeginTransaction() {
  rd_kafka_error_t* e = rd_kafka_begin_transaction(rk_);
  return e == nullptr ? Status::Ok() : TxnError("beginning a transaction", e);
}

Status TaskProducer::CommitTransaction() {
  rd_kafka_error_t* e = rd_kafka_commit_transaction(rk_, 60000);
  return e == nullptr ? Status::Ok() : TxnError("committing a transaction", e);
}

Status TaskProducer::AbortTransaction() {
  rd_kafka_error_t* e = rd_kafka_abort_transaction(rk_, 30000);
  return e == nullptr ? Status::Ok() : TxnError("aborting a transaction", e);
}

}  // namespace walrelay::worker
