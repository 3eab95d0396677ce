#include "kafka/errors.h"

#include <gtest/gtest.h>

namespace walrelay::kafka {
namespace {

TEST(ErrorsTest, KindsSayWhatToDo) {
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_NO_ERROR), ErrorKind::kOk);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_PRODUCER_FENCED), ErrorKind::kFenced);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR__FENCED), ErrorKind::kFenced);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH), ErrorKind::kFenced);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION), ErrorKind::kFenced);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID), ErrorKind::kFenced);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR__AUTHENTICATION), ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_INVALID_REPLICATION_FACTOR),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR__TRANSPORT), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN), ErrorKind::kReconnect);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR__TIMED_OUT), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS), ErrorKind::kRetry);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART), ErrorKind::kNotFound);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE), ErrorKind::kDataError);
  EXPECT_EQ(ErrorKindForCode(RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE), ErrorKind::kFatal);
}

TEST(ErrorsTest, MessageNamesOperationDetailAndCode) {
  Status s = StatusFromCode(RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, "produce to t[0]");
  EXPECT_EQ(s.kind(), ErrorKind::kRetry);
  EXPECT_EQ(s.message().rfind("produce to t[0]: ", 0), 0u) << s.message();
  EXPECT_NE(s.message().find("[NOT_ENOUGH_REPLICAS]"), std::string::npos) << s.message();

  s = StatusFromCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS, "create topic x",
                     "Topic 'x' already exists.");
  EXPECT_EQ(s.message(), "create topic x: Topic 'x' already exists. [TOPIC_ALREADY_EXISTS]");
  EXPECT_TRUE(StatusFromCode(RD_KAFKA_RESP_ERR_NO_ERROR, "x").ok());
}

TEST(ErrorsTest, ErrorObjectCarriesItsOwnMessage) {
  EXPECT_TRUE(StatusFromError(nullptr, "x").ok());
  rd_kafka_error_t* e = rd_kafka_error_new(RD_KAFKA_RESP_ERR_PRODUCER_FENCED, "epoch %d", 7);
  Status s = StatusFromError(e, "commit transaction");
  rd_kafka_error_destroy(e);
  EXPECT_EQ(s.kind(), ErrorKind::kFenced);
  EXPECT_EQ(s.message(), "commit transaction: epoch 7 [PRODUCER_FENCED]");
}

}  // namespace
}  // namespace walrelay::kafka
