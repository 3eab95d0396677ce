#include "worker/task_producer.h"

#include <gtest/gtest.h>

namespace walrelay::worker {
namespace {

TEST(TopicCreationSpecTest, GroupsOverrideDefaultAndUnsetMeansBrokerDefaults) {
  auto none = TopicCreationSpec({}, "server.public.t");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->partitions, -1);
  EXPECT_EQ(none->replication_factor, -1);

  std::map<std::string, std::string> c = {
      {"topic.creation.default.replication.factor", "3"},
      {"topic.creation.default.partitions", "10"},
      {"topic.creation.default.cleanup.policy", "compact"},
      {"topic.creation.groups", "outbox, other"},
      {"topic.creation.outbox.include", ".*\\.events"},
      {"topic.creation.outbox.exclude", "Secret\\.events"},
      {"topic.creation.outbox.partitions", "1"},
      {"topic.creation.outbox.retention.ms", "1000"},
  };
  auto d = TopicCreationSpec(c, "server.public.t");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->replication_factor, 3);
  EXPECT_EQ(d->partitions, 10);
  EXPECT_EQ(d->configs, (std::map<std::string, std::string>{{"cleanup.policy", "compact"}}));
  auto o = TopicCreationSpec(c, "Person.events");
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->replication_factor, 3);  // inherited from default
  EXPECT_EQ(o->partitions, 1);
  EXPECT_EQ(o->configs.at("retention.ms"), "1000");
  EXPECT_EQ(o->configs.at("cleanup.policy"), "compact");
  EXPECT_EQ(TopicCreationSpec(c, "Secret.events")->partitions, 10);  // excluded from the group

  c["topic.creation.default.partitions"] = "zero";
  auto bad = TopicCreationSpec(c, "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("topic.creation.default.partitions"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::worker
