// The sink-task driver (runtime/sink_task.h) applying to a real PostgreSQL from a fake consumer:
// every message applied once across a restart with replays and Kafka offsets that lag, a
// rebalance, another task moving a partition meanwhile (fencing), and poison records going to
// the dead letter queue with nothing else lost.
#include "runtime/sink_task.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "testing/fake_sink_input.h"
#include "testing/pg_fixture.h"

namespace walrelay::runtime {
namespace {

using testing::FakeDlq;
using testing::FakeInput;
using testing::Msg;

const KafkaTopicPartition kP0{"items", 0};
const KafkaTopicPartition kP1{"items", 1};

// A JsonConverter envelope of a flat row {id, name}.
std::string Row(int id, const std::string& name) {
  return R"({"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},)"
         R"({"type":"string","optional":true,"field":"name"}],"optional":false,)"
         R"("name":"items.Value"},"payload":{"id":)" +
         std::to_string(id) + R"(,"name":")" + name + R"("}})";
}

class SinkTaskTest : public testing::PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    // No primary key: a row applied twice would show as two rows. The check refuses a row.
    Query(
        "CREATE TABLE IF NOT EXISTS items (id int NOT NULL, name text CHECK (name <> 'refused'))");
  }

  // A task over `input` writing to the test server as connector "items-sink".
  struct Task {
    SinkTaskParts parts;
    SinkTask::Parts view;
  };
  std::unique_ptr<Task> MakeTask(FakeInput* input, FakeDlq* dlq, StopSource* stop) {
    config::ConnectorConfig c{
        "items-sink",
        "items-sink.json",
        {{"name", "items-sink"},
         {"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
         {"connection.url", "jdbc:postgresql://127.0.0.1:" + std::to_string(server().port()) +
                                "/postgres?user=postgres"},
         {"topics", "items"},
         {"insert.mode", "insert"},
         {"pk.mode", "none"},
         {"key.converter", "org.apache.kafka.connect.storage.StringConverter"},
         {"errors.tolerance", "all"},
         {"errors.deadletterqueue.topic.name", "items-dlq"},
         {"errors.deadletterqueue.context.headers.enable", "true"}}};
    auto parts = SinkTaskParts::Create(c, nullptr);
    EXPECT_TRUE(parts.ok()) << parts.status().ToString();
    if (!parts.ok()) return nullptr;
    auto task = std::make_unique<Task>(Task{std::move(parts).value(), {}});
    task->parts.sink->SetInterrupt(pg::Interrupt{stop, std::chrono::milliseconds(500)});
    Status opened = task->parts.sink->Open();
    EXPECT_TRUE(opened.ok()) << opened.ToString();
    task->view = task->parts.View("items-sink", input, dlq);
    return task;
  }

  Status Run(Task* task, StopSource* stop, SinkTaskStats* stats = nullptr) {
    SinkTaskOptions options;
    options.stop = stop;
    options.linger = std::chrono::milliseconds(0);
    SinkTask t(task->view, options);
    Status s = t.Run();
    if (stats != nullptr) *stats = t.stats();
    return s;
  }

  std::string Query(const std::string& sql) {
    auto r = server().Psql(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : "<error>";
  }
  std::string Rows() { return Query("SELECT string_agg(name, ',' ORDER BY id, name) FROM items"); }
  std::string Positions() {
    return Query(
        "SELECT string_agg(partition || '=' || position, ' ' ORDER BY partition) FROM "
        "walrelay_offsets WHERE connector = 'items-sink'");
  }
};

TEST_F(SinkTaskTest, AppliesEachMessageOnceAcrossRestartsRebalancesAndPoisonRecords) {
  std::map<KafkaTopicPartition, std::vector<std::string>> logs;
  logs[kP0] = {Row(1, "a1"), "{\"schema\":", Row(3, "a3"), Row(4, "refused"), Row(5, "a5")};
  logs[kP1] = {Row(11, "b1"), Row(12, "b2")};

  // 1. A first task: poison records go to the dead letter queue, the rest is applied with one
  //    position per partition.
  {
    StopSource stop;
    FakeInput input(&stop);
    FakeDlq dlq;
    input.logs = logs;
    input.Assign({kP0, kP1});
    input.Fetch();
    auto task = MakeTask(&input, &dlq, &stop);
    ASSERT_NE(task, nullptr);
    Status s = Run(task.get(), &stop);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(Rows(), "a1,a3,a5,b1,b2");
    EXPECT_EQ(Positions(),
              "{\"topic\":\"items\",\"partition\":0}={\"offset\":5} "
              "{\"topic\":\"items\",\"partition\":1}={\"offset\":2}");
    ASSERT_EQ(dlq.sent.size(), 2u);
    EXPECT_EQ(dlq.sent[0].first.offset, 1);
    EXPECT_EQ(dlq.sent[0].second.stage, "VALUE_CONVERTER");
    EXPECT_EQ(dlq.sent[1].first.offset, 3);
    EXPECT_EQ(dlq.sent[1].second.stage, "TASK_PUT");
    EXPECT_NE(dlq.sent[1].second.message.find("items_name_check"), std::string::npos)
        << dlq.sent[1].second.message;
    ASSERT_EQ(dlq.sent[1].second.headers.size(), 10u);
    EXPECT_EQ(dlq.sent[1].second.headers[2].key, "__connect.errors.offset");
    EXPECT_EQ(dlq.sent[1].second.headers[2].value, "3");
  }

  // 2. A restart whose consumer group lost its committed offsets (they are only a hint): the
  //    task seeks to the destination's positions, and replays of old offsets are skipped.
  logs[kP0].push_back(Row(6, "a6"));
  logs[kP1].push_back(Row(13, "b3"));
  {
    StopSource stop;
    FakeInput input(&stop);
    FakeDlq dlq;
    input.logs = logs;
    input.Assign({kP0, kP1});
    input.Raw({Msg(kP0, 0, Row(1, "a1")), Msg(kP1, 1, Row(12, "b2"))});
    input.Fetch();
    auto task = MakeTask(&input, &dlq, &stop);
    ASSERT_NE(task, nullptr);
    SinkTaskStats stats;
    Status s = Run(task.get(), &stop, &stats);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(input.seeks,
              (std::vector<std::pair<KafkaTopicPartition, int64_t>>{{kP0, 5}, {kP1, 2}}));
    EXPECT_EQ(stats.skipped, 2);
    EXPECT_EQ(Rows(), "a1,a3,a5,a6,b1,b2,b3");
    EXPECT_TRUE(dlq.sent.empty());
  }

  // 3. A rebalance: p1 is revoked with records not yet applied, and while this task holds p0
  //    another task (simulated by a write to the offsets table) applies p1 and then takes p0 as
  //    far as offset 7 too: this task's next batch is fenced and it resumes at the destination.
  logs[kP0].push_back(Row(7, "a7"));
  logs[kP0].push_back(Row(8, "a8"));
  logs[kP1].push_back(Row(14, "b4"));
  {
    StopSource stop;
    FakeInput input(&stop);
    FakeDlq dlq;
    input.logs = logs;
    input.Assign({kP0, kP1});
    input.script.push_back([&](std::vector<SinkInputItem>* out) {
      out->push_back(Msg(kP1, 3, logs[kP1][3]));
      out->push_back(AssignmentEvent{AssignmentEvent::Kind::kRevoked, {kP1}});
      // The other owner of p1 applies it; it also applies p0's offset 6 (a7) already.
      Query("INSERT INTO items VALUES (14, 'b4'), (7, 'a7')");
      Query(
          "UPDATE walrelay_offsets SET position = '{\"offset\":4}' WHERE connector = "
          "'items-sink' AND partition = '{\"topic\":\"items\",\"partition\":1}'");
      Query(
          "UPDATE walrelay_offsets SET position = '{\"offset\":7}' WHERE connector = "
          "'items-sink' AND partition = '{\"topic\":\"items\",\"partition\":0}'");
    });
    input.Fetch();  // p0 from offset 6 (the seek at assignment): a7 is fenced, then a8
    input.Fetch();
    auto task = MakeTask(&input, &dlq, &stop);
    ASSERT_NE(task, nullptr);
    SinkTaskStats stats;
    Status s = Run(task.get(), &stop, &stats);
    ASSERT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(stats.fenced, 1);
    EXPECT_EQ(Rows(), "a1,a3,a5,a6,a7,a8,b1,b2,b3,b4");
    EXPECT_EQ(Positions(),
              "{\"topic\":\"items\",\"partition\":0}={\"offset\":8} "
              "{\"topic\":\"items\",\"partition\":1}={\"offset\":4}");
  }
}

}  // namespace
}  // namespace walrelay::runtime
