#include "worker/kafka_sink_input.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "kafka/producer.h"
#include "kafka/test_mock_cluster.h"

namespace walrelay::worker {
namespace {

// A sink task's consumer hands over at most max.poll.records messages per poll, as Java's does:
// the rest stay in librdkafka's bounded prefetch queue instead of being copied out all at once
// (which let a catching-up sink hold its whole backlog twice).
TEST(KafkaSinkInputTest, APollHandsOverAtMostMaxPollRecordsMessages) {
  kafka::MockCluster cluster(1);
  cluster.CreateTopic("t", 1);
  {
    auto producer = kafka::Producer::Create(cluster.Config(kafka::ClientRole::kProducer));
    ASSERT_TRUE(producer.ok()) << producer.status().ToString();
    for (int i = 0; i < 50; ++i) {
      std::string value = "v" + std::to_string(i);
      kafka::ProducerRecord r;
      r.topic = "t";
      r.partition = 0;
      r.value = value;
      ASSERT_TRUE(producer->Produce(r).ok());
    }
    ASSERT_TRUE(producer->Flush(std::chrono::seconds(10)).ok());
  }
  std::map<std::string, std::string> client = {{"bootstrap.servers", cluster.bootstraps()},
                                               {"log_level", "3"}};
  auto input = KafkaSinkInput::Open(client, "c", {{"topics", "t"}}, 10);
  ASSERT_TRUE(input.ok()) << input.status().ToString();

  int received = 0;
  int largest = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (received < 50 && std::chrono::steady_clock::now() < deadline) {
    // Let the whole topic reach the prefetch queue before each poll.
    std::vector<runtime::SinkInputItem> items;
    ASSERT_TRUE((*input)->Poll(std::chrono::milliseconds(500), nullptr, &items).ok());
    int messages = 0;
    for (const auto& item : items) {
      if (const auto* m = std::get_if<runtime::ConsumedMessage>(&item)) {
        EXPECT_EQ(m->offset, received + messages);
        ++messages;
      }
    }
    received += messages;
    largest = std::max(largest, messages);
  }
  EXPECT_EQ(received, 50);
  EXPECT_EQ(largest, 10);
}

}  // namespace
}  // namespace walrelay::worker
