#include "runtime/cluster_config_state.h"

#include <gtest/gtest.h>

namespace walrelay::runtime {
namespace {

using Props = std::map<std::string, std::string>;

// Replays records the way a worker reads the config topic: offsets 0, 1, 2, ...
class Replay {
 public:
  Replay& Connector(const std::string& name, Props props) {
    return Put(ConnectorConfigKey(name), EncodeConfigProperties(props));
  }
  Replay& Task(const std::string& name, int task, Props props) {
    return Put(TaskConfigKey(name, task), EncodeConfigProperties(props));
  }
  Replay& Commit(const std::string& name, int tasks) {
    return Put(CommitKey(name), EncodeTaskCommit(tasks));
  }
  Replay& Target(const std::string& name, TargetState s) {
    return Put(TargetStateKey(name), EncodeTargetState(s));
  }
  Replay& Delete(const std::string& name) {
    Put(ConnectorConfigKey(name), std::nullopt);
    return Put(TargetStateKey(name), std::nullopt);
  }
  Replay& Put(const std::string& key, std::optional<std::string> value) {
    Status s =
        state.Apply(next++, key, value ? std::optional<std::string_view>(*value) : std::nullopt);
    EXPECT_TRUE(s.ok()) << key << ": " << s.message();
    return *this;
  }

  ClusterConfigState state;
  int64_t next = 0;
};

Props P(const std::string& v) { return {{"v", v}}; }

TEST(ClusterConfigStateTest, TaskConfigsBecomeVisibleAtTheirCommit) {
  Replay r;
  r.Connector("c", P("cfg")).Task("c", 0, P("t0")).Task("c", 1, P("t1"));
  EXPECT_EQ(r.state.Connectors(), std::vector<std::string>{"c"});
  EXPECT_EQ(r.state.GetTargetState("c"), TargetState::kStarted);
  EXPECT_TRUE(r.state.TaskConfigs("c").empty());  // not committed yet
  EXPECT_EQ(r.state.TaskCount("c"), 0);
  r.Commit("c", 2);
  EXPECT_EQ(r.state.TaskConfigs("c"), (std::vector<Props>{P("t0"), P("t1")}));
  EXPECT_EQ(r.state.TaskCount("c"), 2);
  EXPECT_EQ(r.state.TaskConfigGeneration("c"), 0);
  EXPECT_TRUE(r.state.PendingFencing("c"));
  EXPECT_EQ(r.state.offset(), 4);
  // Reconfigured to one task.
  r.Task("c", 0, P("t0b")).Commit("c", 1);
  EXPECT_EQ(r.state.TaskConfigs("c"), (std::vector<Props>{P("t0b")}));
  EXPECT_EQ(r.state.TaskConfigGeneration("c"), 1);
  EXPECT_TRUE(r.state.Inconsistent().empty());
}

TEST(ClusterConfigStateTest, CrashedWriterLeavesThePreviousTaskConfigs) {
  // The leader wrote new task configs and died before the commit.
  Replay r;
  r.Connector("c", P("cfg")).Task("c", 0, P("old0")).Commit("c", 1);
  r.Connector("c", P("cfg2")).Task("c", 0, P("new0")).Task("c", 1, P("new1"));
  EXPECT_EQ(r.state.ConnectorConfig("c")->at("v"), "cfg2");  // connector configs apply at once
  EXPECT_EQ(r.state.TaskConfigs("c"), (std::vector<Props>{P("old0")}));
  EXPECT_EQ(r.state.TaskCount("c"), 1);
  EXPECT_TRUE(r.state.Inconsistent().empty());
  // The next leader rewrites and commits: visible now.
  r.Task("c", 0, P("new0")).Task("c", 1, P("new1")).Commit("c", 2);
  EXPECT_EQ(r.state.TaskConfigs("c"), (std::vector<Props>{P("new0"), P("new1")}));
}

TEST(ClusterConfigStateTest, CompactedLogMakesAConnectorInconsistentUntilACompleteCommit) {
  // Connect's example: [connector, task-1, commit(2 tasks), task-0, ...] after compaction removed
  // the first task-0.
  Replay r;
  r.Connector("foo", P("cfg")).Task("foo", 1, P("t1")).Commit("foo", 2);
  EXPECT_EQ(r.state.Inconsistent(), std::set<std::string>{"foo"});
  EXPECT_TRUE(r.state.TaskConfigs("foo").empty());
  EXPECT_EQ(r.state.TaskCount("foo"), 2);
  // Held-back configs were dropped at that commit: a lone task-0 then a commit of 2 is still
  // incomplete.
  r.Task("foo", 0, P("t0")).Commit("foo", 2);
  EXPECT_EQ(r.state.Inconsistent(), std::set<std::string>{"foo"});
  r.Task("foo", 0, P("t0")).Task("foo", 1, P("t1")).Commit("foo", 2);
  EXPECT_TRUE(r.state.Inconsistent().empty());
  EXPECT_EQ(r.state.TaskConfigs("foo"), (std::vector<Props>{P("t0"), P("t1")}));
}

TEST(ClusterConfigStateTest, ExtraTaskIdsFromCompactionAreAllowed) {
  // [connector, task-1 (old), commit 2, task-0, commit 1] compacted to drop the old task-0.
  Replay r;
  r.Connector("foo", P("cfg")).Task("foo", 1, P("old1")).Task("foo", 0, P("t0")).Commit("foo", 1);
  EXPECT_TRUE(r.state.Inconsistent().empty());
  EXPECT_EQ(r.state.TaskConfigs("foo"), (std::vector<Props>{P("t0")}));
}

TEST(ClusterConfigStateTest, TargetStatesAndDeletion) {
  Replay r;
  // A target state written before the connector (POST with initial_state).
  r.Target("c", TargetState::kPaused).Connector("c", P("cfg")).Task("c", 0, P("t")).Commit("c", 1);
  EXPECT_EQ(r.state.GetTargetState("c"), TargetState::kPaused);
  r.Target("c", TargetState::kStopped);
  EXPECT_EQ(r.state.GetTargetState("c"), TargetState::kStopped);
  r.Delete("c");
  EXPECT_TRUE(r.state.Connectors().empty());
  EXPECT_FALSE(r.state.GetTargetState("c").has_value());
  EXPECT_TRUE(r.state.TaskConfigs("c").empty());
  EXPECT_EQ(r.state.TaskCount("c"), 0);
  // Recreated: STARTED again, no old tasks.
  r.Connector("c", P("cfg"));
  EXPECT_EQ(r.state.GetTargetState("c"), TargetState::kStarted);
  EXPECT_TRUE(r.state.TaskConfigs("c").empty());
}

TEST(ClusterConfigStateTest, TargetStateTombstoneKeepsStartedForAnExistingConnector) {
  Replay r;
  r.Connector("c", P("cfg")).Target("c", TargetState::kPaused);
  r.Put(TargetStateKey("c"), std::nullopt);
  EXPECT_EQ(r.state.GetTargetState("c"), TargetState::kStarted);
}

TEST(ClusterConfigStateTest, CommitForADeletedConnectorIsIgnored) {
  // Compaction removed the connector's config and its tombstone; its task configs remain.
  Replay r;
  r.Task("gone", 0, P("t")).Commit("gone", 1);
  EXPECT_TRUE(r.state.Connectors().empty());
  EXPECT_TRUE(r.state.TaskConfigs("gone").empty());
  EXPECT_EQ(r.state.TaskCount("gone"), 0);
}

TEST(ClusterConfigStateTest, FencingSessionRestartsAndLoggers) {
  Replay r;
  r.Connector("c", P("cfg")).Task("c", 0, P("t")).Commit("c", 1);
  EXPECT_TRUE(r.state.PendingFencing("c"));
  r.Put(TaskCountKey("c"), EncodeTaskCount(1));
  EXPECT_FALSE(r.state.PendingFencing("c"));
  EXPECT_EQ(r.state.TaskCountRecord("c"), 1);
  r.Put(kSessionKeyKey, EncodeSessionKey({"a2V5", "HmacSHA256", 5}));
  ASSERT_TRUE(r.state.session_key().has_value());
  EXPECT_EQ(r.state.session_key()->key_base64, "a2V5");
  r.Put(RestartKey("c"), EncodeRestartRequest(true, true));
  auto restarts = r.state.TakeRestartRequests();
  ASSERT_EQ(restarts.size(), 1u);
  EXPECT_TRUE(restarts[0].only_failed);
  EXPECT_TRUE(r.state.TakeRestartRequests().empty());
  r.Put(LoggerLevelKey("io.debezium"), EncodeLoggerLevel("DEBUG"));
  EXPECT_EQ(r.state.logger_levels().at("io.debezium"), "DEBUG");
}

TEST(ClusterConfigStateTest, MalformedRecordsAreSkippedButCounted) {
  ClusterConfigState s;
  EXPECT_EQ(s.Apply(0, "connector-c", std::string_view("{oops")).kind(), ErrorKind::kDataError);
  EXPECT_EQ(s.Apply(1, "whatever", std::string_view("{}")).kind(), ErrorKind::kDataError);
  EXPECT_EQ(s.offset(), 2);
  EXPECT_TRUE(s.Connectors().empty());
}

// ---- Status ----

void PutStatus(ClusterStatusState* s, const std::string& key, const ConnectStatus& st) {
  auto v = EncodeStatus(st);
  Status r = s->Apply(key, v ? std::optional<std::string_view>(*v) : std::nullopt);
  EXPECT_TRUE(r.ok()) << r.message();
}

TEST(ClusterStatusStateTest, LatestWinsExceptStaleUnassigned) {
  ClusterStatusState s;
  PutStatus(&s, ConnectorStatusKey("c"), {StatusState::kRunning, std::nullopt, "w1:8083", 2});
  PutStatus(&s, TaskStatusKey("c", 0), {StatusState::kRunning, std::nullopt, "w1:8083", 3});
  // A worker that missed generation 3 writes UNASSIGNED at generation 2 (or 3): ignored.
  PutStatus(&s, TaskStatusKey("c", 0), {StatusState::kUnassigned, std::nullopt, "w2:8083", 2});
  EXPECT_EQ(s.Task("c", 0)->state, StatusState::kRunning);
  PutStatus(&s, TaskStatusKey("c", 0), {StatusState::kUnassigned, std::nullopt, "w2:8083", 3});
  EXPECT_EQ(s.Task("c", 0)->state, StatusState::kRunning);
  // A newer generation's UNASSIGNED applies; so does any other state of an older one.
  PutStatus(&s, TaskStatusKey("c", 0), {StatusState::kUnassigned, std::nullopt, "w2:8083", 4});
  EXPECT_EQ(s.Task("c", 0)->state, StatusState::kUnassigned);
  PutStatus(&s, TaskStatusKey("c", 0), {StatusState::kFailed, "boom", "w2:8083", 1});
  EXPECT_EQ(s.Task("c", 0)->state, StatusState::kFailed);
  EXPECT_EQ(s.Task("c", 0)->trace, "boom");
  EXPECT_EQ(s.Connector("c")->worker_id, "w1:8083");
  EXPECT_EQ(s.Tasks("c").size(), 1u);
}

TEST(ClusterStatusStateTest, TombstonesRemove) {
  ClusterStatusState s;
  PutStatus(&s, ConnectorStatusKey("my-conn"), {StatusState::kRunning, std::nullopt, "w", 1});
  PutStatus(&s, TaskStatusKey("my-conn", 0), {StatusState::kRunning, std::nullopt, "w", 1});
  PutStatus(&s, TaskStatusKey("my-conn", 1), {StatusState::kRunning, std::nullopt, "w", 1});
  ASSERT_TRUE(
      s.Apply(TopicStatusKey("t1", "my-conn"), EncodeTopicStatus({"t1", "my-conn", 0, 5})).ok());
  EXPECT_EQ(s.Topics("my-conn").size(), 1u);
  ASSERT_TRUE(s.Apply(TopicStatusKey("t1", "my-conn"), std::nullopt).ok());
  EXPECT_TRUE(s.Topics("my-conn").empty());
  // DESTROYED is written as a tombstone.
  PutStatus(&s, TaskStatusKey("my-conn", 1), {StatusState::kDestroyed, std::nullopt, "w", 2});
  EXPECT_EQ(s.Task("my-conn", 1), nullptr);
  EXPECT_NE(s.Task("my-conn", 0), nullptr);
  // A deleted connector's tasks go with it.
  PutStatus(&s, ConnectorStatusKey("my-conn"), {StatusState::kDestroyed, std::nullopt, "w", 2});
  EXPECT_EQ(s.Connector("my-conn"), nullptr);
  EXPECT_TRUE(s.Tasks("my-conn").empty());
  EXPECT_TRUE(s.Connectors().empty());
  EXPECT_EQ(s.Apply("status-task-x", std::nullopt).kind(), ErrorKind::kDataError);
}

}  // namespace
}  // namespace walrelay::runtime
