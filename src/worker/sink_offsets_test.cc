#include "worker/sink_offsets.h"

#include <gtest/gtest.h>

namespace walrelay::worker {
namespace {

using nlohmann::json;

rest::ConnectorOffsets Body(const json& offsets) {
  rest::ConnectorOffsets out;
  for (const auto& o : offsets) out.offsets.push_back({o["partition"], o["offset"]});
  return out;
}

// The 400 message for `offsets`, or "" when they parse.
std::string ParseError(const json& offsets) {
  auto r = ParseSinkConnectorOffsets(Body(offsets));
  if (r.ok()) return "";
  EXPECT_EQ(r.error().http_status, 400) << r.error().message;
  return r.error().message;
}

TEST(SinkOffsetsTest, ParsesOffsetsAsKafkaConnectDoes) {
  auto r = ParseSinkConnectorOffsets(Body(json::parse(R"([
    {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 5}},
    {"partition": {"kafka_topic": "t", "kafka_partition": "1"}, "offset": {"kafka_offset": "7"}},
    {"partition": {"kafka_topic": "u", "kafka_partition": 2}, "offset": null},
    {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 6}}
  ])")));
  ASSERT_TRUE(r.ok()) << r.error().message;
  SinkOffsetChanges want = {{{"t", 0}, 6}, {{"t", 1}, 7}, {{"u", 2}, std::nullopt}};
  EXPECT_EQ(r.value(), want);
}

TEST(SinkOffsetsTest, RefusesMalformedOffsetsWithKafkaConnectsMessages) {
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_partition": 0},
                                        "offset": {"kafka_offset": 1}}])")),
            "The partition for a sink connector offset must contain the keys 'kafka_topic' and "
            "'kafka_partition'");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": null, "kafka_partition": 0},
                                        "offset": {"kafka_offset": 1}}])")),
            "Kafka topic names must be valid strings and may not be null");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": null},
                                        "offset": {"kafka_offset": 1}}])")),
            "Kafka partitions must be valid numbers and may not be null");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": "x"},
                                        "offset": {"kafka_offset": 1}}])")),
            "Failed to parse the following Kafka partition value in the provided offsets: 'x'. "
            "Partition values for sink connectors need to be integers.");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": 1.5},
                                        "offset": {"kafka_offset": 1}}])")),
            "Failed to parse the following Kafka partition value in the provided offsets: '1.5'. "
            "Partition values for sink connectors need to be integers.");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": 0},
                                        "offset": {"offset": 1}}])")),
            "The offset for a sink connector should either be null or contain the key "
            "'kafka_offset'");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": 0},
                                        "offset": {"kafka_offset": "ten"}}])")),
            "Failed to parse the following Kafka offset value in the provided offsets: 'ten'. "
            "Offset values for sink connectors need to be integers.");
  EXPECT_EQ(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": 0},
                                        "offset": {"kafka_offset": -1}}])")),
            "Invalid negative offset -1 for Kafka partition t-0 in the provided offsets. Offset "
            "values for sink connectors need to be non-negative integers.");
  EXPECT_NE(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t", "kafka_partition": -2},
                                        "offset": {"kafka_offset": 1}}])"))
                .find("Invalid negative Kafka partition -2"),
            std::string::npos);
  EXPECT_NE(ParseError(json::parse(R"([{"partition": {"kafka_topic": "t",
                                                       "kafka_partition": 4294967296},
                                        "offset": {"kafka_offset": 1}}])"))
                .find("need to be integers"),
            std::string::npos);
}

TEST(SinkOffsetsTest, ViewPrefersTheDestinationsPositions) {
  std::map<std::string, std::string> destination = {
      {sink::KafkaPartitionKey({"t", 0}), sink::KafkaPosition(10)},
      {sink::KafkaPartitionKey({"t", 2}), sink::KafkaPosition(4)},
      {"{\"server\":\"source\"}", "{\"lsn\":1}"},  // not a Kafka position: left out
  };
  std::vector<kafka::TopicPartitionOffset> group = {{{"t", 0}, 8}, {{"t", 1}, 3}};
  rest::ConnectorOffsets view = SinkConnectorOffsetsView(destination, group);
  ASSERT_EQ(view.offsets.size(), 3u);
  json got = json::array();
  for (const auto& o : view.offsets)
    got.push_back({{"partition", o.partition}, {"offset", o.offset}});
  EXPECT_EQ(got, json::parse(R"([
    {"partition": {"kafka_topic": "t", "kafka_partition": 0}, "offset": {"kafka_offset": 10}},
    {"partition": {"kafka_topic": "t", "kafka_partition": 1}, "offset": {"kafka_offset": 3}},
    {"partition": {"kafka_topic": "t", "kafka_partition": 2}, "offset": {"kafka_offset": 4}}
  ])"));
  EXPECT_TRUE(SinkConnectorOffsetsView({}, {}).offsets.empty());
}

}  // namespace
}  // namespace walrelay::worker
