#include "kafka/admin.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "kafka/test_mock_cluster.h"

namespace walrelay::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(AdminTest, ListAndDescribeTopics) {
  MockCluster mock;
  mock.CreateTopic("b-topic", 3);
  mock.CreateTopic("a-topic", 1);
  auto admin = Admin::Create(mock.Config(ClientRole::kAdmin));
  ASSERT_TRUE(admin.ok()) << admin.status().ToString();
  auto topics = admin->ListTopics(seconds(10));
  ASSERT_TRUE(topics.ok()) << topics.status().ToString();
  ASSERT_EQ(topics->size(), 2u);
  EXPECT_EQ((*topics)[0].name, "a-topic");
  EXPECT_EQ((*topics)[1].name, "b-topic");
  EXPECT_EQ((*topics)[1].partitions, 3);
  EXPECT_GE((*topics)[1].replication_factor, 1);  // the mock reports every broker as a replica

  auto one = admin->DescribeTopic("b-topic", seconds(10));
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->partitions, 3);
  auto missing = admin->DescribeTopic("nope", seconds(10));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().kind(), ErrorKind::kNotFound);
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
  // Describing did not create it.
  EXPECT_EQ(admin->ListTopics(seconds(10))->size(), 2u);

  // Fewer partitions than the topic has: refused before asking the broker.
  Status s = admin->CreatePartitions("b-topic", 2, seconds(10));
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(s.message().find("cannot remove partitions"), std::string::npos);
  EXPECT_TRUE(admin->CreatePartitions("b-topic", 3, seconds(10)).ok());
}

TEST(AdminTest, CreateTopicResultTreatsExistingAsSuccess) {
  EXPECT_TRUE(CreateTopicResult("t", RD_KAFKA_RESP_ERR_NO_ERROR, nullptr).ok());
  EXPECT_TRUE(CreateTopicResult("t", RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "exists").ok());
  Status s = CreateTopicResult("t", RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR,
                               "Replication factor: 3 larger than available brokers: 1.");
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_EQ(s.message(),
            "create topic t: Replication factor: 3 larger than available brokers: 1. "
            "[INVALID_REPLICATION_FACTOR]");
}

TEST(AdminTest, BadSpecsAndUnreachableClusterAreClearErrors) {
  MockCluster mock(1);
  auto admin = Admin::Create(mock.Config(ClientRole::kAdmin));
  ASSERT_TRUE(admin.ok());
  for (const NewTopicSpec& bad :
       {NewTopicSpec{"bad", 0, 1, {}}, NewTopicSpec{"bad", 1, 0, {}}, NewTopicSpec{"", 1, 1, {}}}) {
    Status s = admin->CreateTopic(bad, seconds(5));
    EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find("create topic"), std::string::npos) << s.message();
  }

  rd_kafka_mock_broker_set_down(mock.get(), 1);
  StopSource stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(300));
    stop.RequestStop();
  });
  const auto start = std::chrono::steady_clock::now();
  auto r = admin->ListTopics(seconds(60), &stop);
  stopper.join();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().kind(), ErrorKind::kStopped);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(1) + milliseconds(300));

  auto t = admin->ListTopics(milliseconds(700));
  ASSERT_FALSE(t.ok());
  EXPECT_TRUE(t.status().kind() == ErrorKind::kRetry || t.status().kind() == ErrorKind::kReconnect)
      << t.status().ToString();
  EXPECT_NE(t.status().message().find("list topics"), std::string::npos);
}

// librdkafka's mock answers an OffsetFetch for every partition (no topics named) with nothing and
// has no OffsetDelete or DeleteGroups: listing what was altered, and the deletes, are tested
// against a real Kafka (tests/integration/distributed_test.cc, sink connector offsets).
TEST(AdminTest, AltersConsumerGroupOffsets) {
  MockCluster mock(1);
  mock.CreateTopic("orders", 2);
  auto admin = Admin::Create(mock.Config(ClientRole::kAdmin));
  ASSERT_TRUE(admin.ok());
  auto none = admin->ListConsumerGroupOffsets("connect-nobody", seconds(10));
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
  Status altered = admin->AlterConsumerGroupOffsets(
      "connect-sink", {{{"orders", 1}, 7}, {{"orders", 0}, 3}}, seconds(10));
  EXPECT_TRUE(altered.ok()) << altered.ToString();
  EXPECT_TRUE(admin->AlterConsumerGroupOffsets("connect-sink", {}, seconds(10)).ok());
  Status negative =
      admin->AlterConsumerGroupOffsets("connect-sink", {{{"orders", 0}, -1}}, seconds(10));
  EXPECT_EQ(negative.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(negative.message().find("negative"), std::string::npos) << negative.message();
}

}  // namespace
}  // namespace walrelay::kafka
