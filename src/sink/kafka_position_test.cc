#include "sink/kafka_position.h"

#include <gtest/gtest.h>

namespace walrelay::sink {
namespace {

TEST(KafkaPositionTest, TextsRoundTrip) {
  EXPECT_EQ(KafkaPartitionKey({"orders", 3}), R"({"topic":"orders","partition":3})");
  EXPECT_EQ(KafkaPartitionKey({"a\"b\\c", 0}), R"({"topic":"a\"b\\c","partition":0})");
  EXPECT_EQ(KafkaPosition(42), R"({"offset":42})");
  auto tp = ParseKafkaPartitionKey(KafkaPartitionKey({"a\"b\\c", 7}));
  ASSERT_TRUE(tp.ok());
  EXPECT_EQ(*tp, (KafkaTopicPartition{"a\"b\\c", 7}));
  EXPECT_EQ(*ParseKafkaPosition(KafkaPosition(0)), 0);
  EXPECT_EQ(*ParseKafkaPosition(" {\"offset\" : 9} "), 9);
}

TEST(KafkaPositionTest, OtherTextsAreDataErrors) {
  for (const char* bad :
       {"", "{", R"({"server":"p"})", R"({"topic":"t"})", R"({"topic":"t","partition":-1})",
        R"({"topic":1,"partition":1})", R"({"topic":"t","partition":1,"x":2})",
        R"({"topic":"t","partition":4294967296})"}) {
    auto r = ParseKafkaPartitionKey(bad);
    EXPECT_EQ(r.status().kind(), ErrorKind::kDataError) << bad;
  }
  for (const char* bad : {"", "42", R"({"offset":-1})", R"({"offset":"1"})", R"({"lsn":1})"}) {
    auto r = ParseKafkaPosition(bad);
    EXPECT_EQ(r.status().kind(), ErrorKind::kDataError) << bad;
  }
  EXPECT_NE(ParseKafkaPosition("[1]").status().message().find("[1]"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::sink
