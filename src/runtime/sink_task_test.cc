// The sink-task driver's logic against a fake consumer, a fake destination and a fake dead letter
// queue: seeking to the destination's positions, skipping replays, one position per partition
// per transaction, fencing, revocation, poison records and the error policy, stopping.
#include "runtime/sink_task.h"

#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "testing/fake_sink_input.h"

namespace walrelay::runtime {
namespace {

using Outcome = SinkWriter::ApplyOutcome;
using Props = std::map<std::string, std::string>;

const KafkaTopicPartition kP0{"orders", 0};
const KafkaTopicPartition kP1{"orders", 1};

using testing::FakeDlq;
using testing::FakeInput;
using testing::Msg;
using testing::Row;

// A destination in memory: rows in commit order ("<name>"), positions by partition text.
// Prepare refuses a record named "unwritable"; Apply refuses a batch holding one named
// "refused" (a data error), and runs `before_apply` first (another task's commits).
class FakeWriter : public SinkWriter {
 public:
  std::vector<std::string> rows;
  std::map<std::string, std::string> positions;
  std::function<void()> before_apply;
  int transient_failures = 0;  // Apply calls to fail with kReconnect first
  int applies = 0, commits = 0;

  static std::string NameOf(const data::Record& r) {
    if (!r.value.is_map()) return "<" + r.value.DebugString() + ">";
    for (const auto& [k, v] : r.value.as_map()) {
      if (k.is_string() && k.as_string() == "name" && v.is_string()) return v.as_string();
    }
    return "<no name>";
  }

  Result<std::map<std::string, std::string>> ReadPositions() override { return positions; }
  Status Prepare(const std::vector<const data::Record*>& records) override {
    prepared_.clear();
    for (const data::Record* r : records) {
      if (NameOf(*r) == "unwritable") return DataError("field name: unwritable value");
      prepared_.push_back(NameOf(*r));
    }
    return Status::Ok();
  }
  Result<Outcome> Apply(const std::vector<PositionUpdate>& updates) override {
    ++applies;
    if (before_apply) {
      auto f = std::move(before_apply);
      before_apply = nullptr;
      f();
    }
    if (transient_failures > 0) {
      --transient_failures;
      return ReconnectError("connection lost");
    }
    for (const auto& u : updates) {
      auto it = positions.find(u.partition);
      std::optional<std::string> held;
      if (it != positions.end()) held = it->second;
      if (u.check && held != u.expected) return Outcome::kFenced;
    }
    for (const auto& name : prepared_) {
      if (name == "refused") return DataError("duplicate key value violates unique constraint");
    }
    rows.insert(rows.end(), prepared_.begin(), prepared_.end());
    for (const auto& u : updates) positions[u.partition] = u.position;
    ++commits;
    return Outcome::kApplied;
  }
  RetryPolicy retry_policy() const override {
    return RetryPolicy{std::chrono::milliseconds(1), std::chrono::milliseconds(1), 5};
  }
  std::string task_class() const override { return "io.confluent.connect.jdbc.sink.JdbcSinkTask"; }

 private:
  std::vector<std::string> prepared_;
};

// A task over the fakes, built from connector properties as a worker would.
struct Harness {
  StopSource stop;
  FakeInput input{&stop};
  FakeWriter writer;
  FakeDlq dlq;
  std::optional<SinkTaskParts> parts;
  SinkTaskOptions options;

  explicit Harness(std::map<std::string, std::string> extra = {}) {
    config::ConnectorConfig c{"sinky",
                              "sinky.json",
                              {{"name", "sinky"},
                               {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                               {"connection.url", "jdbc:postgresql://h/db"},
                               {"topics", "orders"},
                               {"key.converter.schemas.enable", "false"},
                               {"value.converter.schemas.enable", "false"}}};
    for (auto& [k, v] : extra) c.props[k] = v;
    auto p = SinkTaskParts::Create(c, nullptr);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    if (p.ok()) parts.emplace(std::move(p).value());
    options.stop = &stop;
    options.task_id = 2;
    options.linger = std::chrono::milliseconds(0);
  }

  Status Run(SinkTaskStats* stats = nullptr) {
    SinkTask::Parts view = parts->View("sinky", &input, &dlq);
    view.writer = &writer;
    SinkTask task(std::move(view), options);
    Status s = task.Run();
    if (stats != nullptr) *stats = task.stats();
    return s;
  }

  std::string Pos(const KafkaTopicPartition& tp) {
    auto it = writer.positions.find(sink::KafkaPartitionKey(tp));
    return it == writer.positions.end() ? "<none>" : it->second;
  }
};

using Rows = std::vector<std::string>;

TEST(SinkTaskTest, ResumesAtTheDestinationsPositionsNotTheGroupsAndSkipsReplays) {
  Harness h;
  h.input.logs[kP0] = {Row("a0"), Row("a1"), Row("a2"), Row("a3"), Row("a4")};
  h.input.logs[kP1] = {Row("b0"), Row("b1"), Row("b2")};
  // The destination holds p0 up to offset 2; the group's committed offset for p0 lags (a hint)
  // and is the only thing known for p1.
  h.writer.positions[sink::KafkaPartitionKey(kP0)] = sink::KafkaPosition(2);
  h.input.committed = {{kP0, 0}, {kP1, 1}};
  h.input.Assign({kP0, kP1});
  h.input.Fetch();
  // A replay of messages already applied (a consumer fetching from an older position).
  h.input.Raw({Msg(kP0, 1, Row("a1")), Msg(kP0, 3, Row("a3")), Msg(kP1, 2, Row("b2"))});
  SinkTaskStats stats;
  Status s = h.Run(&stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.input.seeks, (std::vector<std::pair<KafkaTopicPartition, int64_t>>{{kP0, 2}}));
  EXPECT_EQ(h.writer.rows, (Rows{"a2", "a3", "a4", "b1", "b2"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":5}");
  EXPECT_EQ(h.Pos(kP1), "{\"offset\":3}");
  EXPECT_EQ(stats.skipped, 3);
  EXPECT_EQ(stats.applied, 5);
  // One transaction held both partitions; Kafka got the same offsets as a hint.
  EXPECT_EQ(h.writer.commits, 1);
  ASSERT_EQ(h.input.hints.size(), 1u);
  EXPECT_EQ(h.input.hints[0], (std::map<KafkaTopicPartition, int64_t>{{kP0, 5}, {kP1, 3}}));
}

TEST(SinkTaskTest, RebalanceAbandonsUnappliedRecordsAndTheNextOwnerResumes) {
  Harness h;
  h.options.linger = std::chrono::hours(1);  // nothing is flushed before the revocation
  h.options.max_batch_records = 1000;
  h.input.logs[kP0] = {Row("a0"), Row("a1")};
  h.input.logs[kP1] = {Row("b0"), Row("b1")};
  h.input.Assign({kP0, kP1});
  h.input.script.push_back([&](std::vector<SinkInputItem>* out) {
    // Messages and the revocation of p0 arrive in one poll, then the flush (idle poll).
    out->push_back(Msg(kP0, 0, Row("a0")));
    out->push_back(Msg(kP1, 0, Row("b0")));
    out->push_back(AssignmentEvent{AssignmentEvent::Kind::kRevoked, {kP0}});
    out->push_back(Msg(kP0, 1, Row("a1")));  // fetched before the revocation took effect
  });
  h.input.Idle();
  Status s = h.Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.writer.rows, (Rows{"b0"}));
  EXPECT_EQ(h.Pos(kP0), "<none>");
  EXPECT_EQ(h.Pos(kP1), "{\"offset\":1}");

  // The partition's next owner (a new task on the same destination) starts from the group's
  // offset (none for p0) and applies p0 once.
  Harness next;
  next.writer = h.writer;
  next.input.logs = h.input.logs;
  next.input.committed = h.input.committed;
  next.input.Assign({kP0, kP1});
  next.input.Fetch();
  s = next.Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(next.writer.rows, (Rows{"b0", "a0", "a1", "b1"}));
  EXPECT_EQ(next.input.seeks, (std::vector<std::pair<KafkaTopicPartition, int64_t>>{{kP1, 1}}));
}

TEST(SinkTaskTest, FencedBatchIsDroppedAndTheTaskResumesAtTheDestination) {
  Harness h;
  h.input.logs[kP0] = {Row("a0"), Row("a1"), Row("a2"), Row("a3")};
  h.input.Assign({kP0});
  h.input.Fetch(2);
  h.input.Fetch(2);
  // Before this task's first commit, another task applies p0 up to offset 3.
  h.writer.before_apply = [&] {
    h.writer.rows.push_back("other a0-a2");
    h.writer.positions[sink::KafkaPartitionKey(kP0)] = sink::KafkaPosition(3);
  };
  SinkTaskStats stats;
  Status s = h.Run(&stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(stats.fenced, 1);
  EXPECT_EQ(h.writer.rows, (Rows{"other a0-a2", "a3"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":4}");
  EXPECT_EQ(h.input.seeks, (std::vector<std::pair<KafkaTopicPartition, int64_t>>{{kP0, 3}}));
}

TEST(SinkTaskTest, FencedWithNoStoredPositionGoesBackToTheBatchStart) {
  Harness h;
  h.input.logs[kP0] = {Row("a0"), Row("a1")};
  h.input.logs[kP1] = {Row("b0")};
  h.input.Assign({kP0, kP1});
  h.input.Fetch();
  // Another task stores p1 only: this task's batch (p0 and p1) is fenced; p0 has no position
  // and must be read again from where the dropped batch started.
  h.writer.before_apply = [&] {
    h.writer.rows.push_back("other b0");
    h.writer.positions[sink::KafkaPartitionKey(kP1)] = sink::KafkaPosition(1);
  };
  h.input.Fetch();
  Status s = h.Run();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.writer.rows, (Rows{"other b0", "a0", "a1"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":2}");
}

TEST(SinkTaskTest, PoisonRecordsGoToTheDeadLetterQueueAndNothingElseIsLostOrReordered) {
  Harness h({{"errors.tolerance", "all"},
             {"errors.deadletterqueue.topic.name", "dlq"},
             {"errors.deadletterqueue.context.headers.enable", "true"},
             {"transforms", "cast"},
             {"transforms.cast.type", "org.apache.kafka.connect.transforms.Cast$Value"},
             {"transforms.cast.spec", "name:string"}});
  h.options.max_batch_records = 1000;
  h.input.logs[kP0] = {Row("a0"),         "{not json", Row("a2"),      "42",
                       Row("unwritable"), Row("a5"),   Row("refused"), Row("a7")};
  h.input.logs[kP1] = {Row("b0"), Row("b1")};
  h.input.Assign({kP0, kP1});
  h.input.Fetch();
  h.options.metrics = std::make_shared<TaskMetrics>("sinky", 2);
  SinkTaskStats stats;
  Status s = h.Run(&stats);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(h.writer.rows, (Rows{"a0", "a2", "a5", "a7", "b0", "b1"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":8}");
  EXPECT_EQ(h.Pos(kP1), "{\"offset\":2}");
  EXPECT_EQ(stats.failed, 4);
  EXPECT_EQ(stats.dead_lettered, 4);
  // GET /metrics carries the same counts.
  EXPECT_EQ(h.options.metrics->records_in.load(), 10);
  EXPECT_EQ(h.options.metrics->records_out.load(), 6);
  EXPECT_EQ(h.options.metrics->errors.load(), 4);
  EXPECT_EQ(h.options.metrics->dlq_records.load(), 4);
  ASSERT_EQ(h.dlq.sent.size(), 4u);
  std::vector<std::string> stages;
  std::vector<int64_t> offsets;
  for (const auto& [m, c] : h.dlq.sent) {
    stages.push_back(c.stage);
    offsets.push_back(m.offset);
  }
  EXPECT_EQ(stages, (std::vector<std::string>{"VALUE_CONVERTER", "TRANSFORMATION", "TASK_PUT",
                                              "TASK_PUT"}));
  EXPECT_EQ(offsets, (std::vector<int64_t>{1, 3, 4, 6}));
  // The original message goes as it was consumed, with Kafka Connect's context headers.
  const auto& [original, context] = h.dlq.sent[0];
  EXPECT_EQ(original.value, "{not json");
  EXPECT_EQ(original.key, "{\"id\":1}");
  EXPECT_EQ(original.timestamp_ms, 1001);
  EXPECT_EQ(context.executing_class, "org.apache.kafka.connect.json.JsonConverter");
  EXPECT_EQ(context.exception_class, "org.apache.kafka.connect.errors.DataException");
  ASSERT_EQ(context.headers.size(), 10u);
  EXPECT_EQ(context.headers[0].key, "__connect.errors.topic");
  EXPECT_EQ(context.headers[0].value, "orders");
  EXPECT_EQ(context.headers[2].value, "1");
  EXPECT_EQ(context.headers[3].value, "sinky");
  EXPECT_EQ(context.headers[4].value, "2");
  EXPECT_EQ(context.headers[5].value, "VALUE_CONVERTER");
  EXPECT_EQ(h.dlq.sent[1].second.executing_class, "org.apache.kafka.connect.transforms.Cast$Value");
  EXPECT_EQ(h.dlq.sent[3].second.executing_class, "io.confluent.connect.jdbc.sink.JdbcSinkTask");
  EXPECT_EQ(h.dlq.sent[3].second.exception_class, "java.sql.SQLException");
}

TEST(SinkTaskTest, ContextHeadersOnlyWhenEnabled) {
  Harness h({{"errors.tolerance", "all"}, {"errors.deadletterqueue.topic.name", "dlq"}});
  h.input.logs[kP0] = {"{not json", Row("a1")};
  h.input.Assign({kP0});
  h.input.Fetch();
  ASSERT_TRUE(h.Run().ok());
  ASSERT_EQ(h.dlq.sent.size(), 1u);
  EXPECT_TRUE(h.dlq.sent[0].second.headers.empty());
  EXPECT_EQ(h.writer.rows, (Rows{"a1"}));
}

TEST(SinkTaskTest, RefusedRowAtTheEndStillMovesThePosition) {
  Harness h(Props{{"errors.tolerance", "all"}});
  h.input.logs[kP0] = {Row("a0"), Row("refused")};
  h.input.Assign({kP0});
  h.input.Fetch();
  ASSERT_TRUE(h.Run().ok());
  EXPECT_EQ(h.writer.rows, (Rows{"a0"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":2}");
  EXPECT_TRUE(h.dlq.sent.empty());  // no DLQ topic set
}

TEST(SinkTaskTest, ToleranceNoneFailsNamingTopicPartitionOffsetAndStage) {
  Harness h(Props{{"errors.deadletterqueue.topic.name", "dlq"}});
  h.input.logs[kP0] = {Row("a0"), Row("a1"), "{not json", Row("a3")};
  h.input.Assign({kP0});
  h.input.Fetch();
  Status s = h.Run();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kDataError);
  EXPECT_NE(s.message().find("VALUE_CONVERTER failed for topic orders, partition 0, offset 2"),
            std::string::npos)
      << s.message();
  EXPECT_TRUE(h.writer.rows.empty());
  EXPECT_EQ(h.Pos(kP0), "<none>");
  // As in Kafka Connect, the record is reported before the task fails.
  EXPECT_EQ(h.dlq.sent.size(), 1u);
}

TEST(SinkTaskTest, DestinationRefusalWithToleranceNoneFails) {
  Harness h;
  h.input.logs[kP0] = {Row("a0"), Row("refused"), Row("a2")};
  h.input.Assign({kP0});
  h.input.Fetch();
  Status s = h.Run();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("TASK_PUT failed for topic orders, partition 0, offset 1"),
            std::string::npos)
      << s.message();
  // Records before the refused one are in, with their position; nothing after it.
  EXPECT_EQ(h.writer.rows, (Rows{"a0"}));
  EXPECT_EQ(h.Pos(kP0), "{\"offset\":1}");
}

TEST(SinkTaskTest, TransientFailuresAreRetriedWithoutApplyingTwice) {
  Harness h;
  h.writer.transient_failures = 2;
  h.input.logs[kP0] = {Row("a0"), Row("a1")};
  h.input.Assign({kP0});
  h.input.Fetch();
  ASSERT_TRUE(h.Run().ok());
  EXPECT_EQ(h.writer.rows, (Rows{"a0", "a1"}));
  EXPECT_EQ(h.writer.applies, 3);
}

TEST(SinkTaskTest, BatchesAreCutAtMaxBatchRecords) {
  Harness h;
  h.options.max_batch_records = 2;
  h.input.logs[kP0] = {Row("a0"), Row("a1"), Row("a2"), Row("a3"), Row("a4")};
  h.input.Assign({kP0});
  h.input.Fetch();
  ASSERT_TRUE(h.Run().ok());
  EXPECT_EQ(h.writer.commits, 3);
  EXPECT_EQ(h.input.hints.back(), (std::map<KafkaTopicPartition, int64_t>{{kP0, 5}}));
}

TEST(SinkTaskTest, AStopEndsTheTaskWithinASecondAbandoningTheBatch) {
  Harness h;
  h.options.linger = std::chrono::hours(1);
  h.options.poll_timeout = std::chrono::milliseconds(10000);
  h.input.logs[kP0] = {Row("a0")};
  h.input.Assign({kP0});
  h.input.Fetch();
  // Then a poll that waits its whole timeout (10 s) unless stopped.
  h.input.Block();
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    h.stop.RequestStop();
  });
  auto start = std::chrono::steady_clock::now();
  Status s = h.Run();
  auto took = std::chrono::steady_clock::now() - start;
  stopper.join();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_TRUE(h.writer.rows.empty());  // abandoned: applied after a restart
  EXPECT_EQ(h.Pos(kP0), "<none>");
}

TEST(SinkTaskTest, MissingDeadLetterQueueIsAClearError) {
  Harness h(Props{{"errors.deadletterqueue.topic.name", "dlq"}});
  SinkTask::Parts view = h.parts->View("sinky", &h.input, nullptr);
  view.writer = &h.writer;
  Status s = SinkTask(std::move(view), h.options).Run();
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(s.message().find("errors.deadletterqueue.topic.name"), std::string::npos);
}

TEST(SinkTaskTest, BadDestinationPositionFailsNamingIt) {
  Harness h;
  h.writer.positions[sink::KafkaPartitionKey(kP0)] = "{\"lsn\":\"0/1\"}";
  h.input.Assign({kP0});
  Status s = h.Run();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("the destination's position for {\"topic\":\"orders\""),
            std::string::npos)
      << s.message();
}

TEST(DeadLetterContextHeadersTest, KafkaConnectsNamesAndOrder) {
  ConsumedMessage m = Msg(kP1, 42, "x");
  DeadLetterContext c{"TRANSFORMATION",
                      "org.apache.kafka.connect.transforms.Cast$Value",
                      "org.apache.kafka.connect.errors.DataException",
                      "boom",
                      {}};
  std::vector<MessageHeader> h = DeadLetterContextHeaders(m, c, "conn", 3);
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& x : h) got.emplace_back(x.key, x.value.value_or("<null>"));
  EXPECT_EQ(got,
            (std::vector<std::pair<std::string, std::string>>{
                {"__connect.errors.topic", "orders"},
                {"__connect.errors.partition", "1"},
                {"__connect.errors.offset", "42"},
                {"__connect.errors.connector.name", "conn"},
                {"__connect.errors.task.id", "3"},
                {"__connect.errors.stage", "TRANSFORMATION"},
                {"__connect.errors.class.name", "org.apache.kafka.connect.transforms.Cast$Value"},
                {"__connect.errors.exception.class.name",
                 "org.apache.kafka.connect.errors.DataException"},
                {"__connect.errors.exception.message", "boom"},
                {"__connect.errors.exception.stacktrace",
                 "org.apache.kafka.connect.errors.DataException: boom\n"},
            }));
}

}  // namespace
}  // namespace walrelay::runtime
