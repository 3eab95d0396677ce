#include "worker/cluster_view.h"

#include <gtest/gtest.h>

namespace walrelay::worker {
namespace {

const Properties kSink = {{"connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"},
                          {"tasks.max", "2"}};

TEST(ClusterViewTest, DesiredUnitsFollowTheAssignmentAndTargetStates) {
  ClusterView view;
  view.connectors["sink"] = {kSink, TargetState::kPaused, {kSink, kSink}};
  view.connectors["gone-tasks"] = {kSink, TargetState::kStopped, {}};
  EXPECT_TRUE(DesiredUnits(view, "w1").empty());  // no assignment yet
  view.assignment = Rebalance({}, ClusterUnits(view), {"w1"});
  auto units = DesiredUnits(view, "w1");
  ASSERT_EQ(units.size(), 4u);  // two connectors, the paused one's two tasks
  EXPECT_EQ(units[0].unit.ToString(), "gone-tasks");
  EXPECT_EQ(units[0].target, TargetState::kStopped);
  EXPECT_EQ(units[2].unit.ToString(), "sink-0");
  EXPECT_EQ(units[2].target, TargetState::kPaused);
  // A connector deleted after the assignment: its units are not run.
  view.connectors.erase("sink");
  EXPECT_EQ(DesiredUnits(view, "w1").size(), 1u);
  EXPECT_TRUE(DesiredUnits(view, "w2").empty());
}

TEST(ClusterViewTest, TaskConfigsDeriveFromTheConnectorConfig) {
  ConnectorView c{kSink, TargetState::kStarted, {}};
  auto w = TaskConfigsToWrite(c);
  ASSERT_TRUE(w.ok());
  ASSERT_TRUE(w->has_value());
  ASSERT_EQ((*w)->size(), 2u);
  EXPECT_EQ((*w)->at(1).at("task.class"), "io.confluent.connect.jdbc.sink.JdbcSinkTask");
  c.tasks = **w;
  w = TaskConfigsToWrite(c);
  ASSERT_TRUE(w.ok());
  EXPECT_FALSE(w->has_value());  // already right
  c.target = TargetState::kStopped;
  w = TaskConfigsToWrite(c);
  ASSERT_TRUE(w.ok() && w->has_value());
  EXPECT_TRUE((*w)->empty());  // a stopped connector has no tasks
  c.config["connector.class"] = "com.example.Nope";
  c.target = TargetState::kStarted;
  EXPECT_FALSE(TaskConfigsToWrite(c).ok());
}

}  // namespace
}  // namespace walrelay::worker
