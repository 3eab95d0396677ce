#include "kafka/producer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "kafka/consumer.h"
#include "kafka/murmur2.h"
#include "kafka/test_mock_cluster.h"

namespace walrelay::kafka {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<Delivery> Collect(Producer& p, size_t n) {
  std::vector<Delivery> all;
  const auto deadline = std::chrono::steady_clock::now() + seconds(20);
  while (all.size() < n && std::chrono::steady_clock::now() < deadline) {
    for (Delivery& d : p.Poll(milliseconds(100))) all.push_back(std::move(d));
  }
  return all;
}

// Reads `n` messages from the start of `topic` with a fresh group.
std::vector<Message> ReadAll(const MockCluster& mock, const std::string& topic, size_t n,
                             const std::string& isolation = "read_uncommitted",
                             milliseconds wait = milliseconds(20000)) {
  auto consumer = Consumer::Create(
      mock.Config(ClientRole::kConsumer, {{"group.id", "reader-" + topic + isolation},
                                          {"auto.offset.reset", "earliest"},
                                          {"isolation.level", isolation}}));
  EXPECT_TRUE(consumer.ok()) << consumer.status().ToString();
  EXPECT_TRUE(consumer->Subscribe({topic}).ok());
  std::vector<Message> out;
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (out.size() < n && std::chrono::steady_clock::now() < deadline) {
    auto r = consumer->Poll(milliseconds(200));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok()) break;
    for (Message& m : r->messages) out.push_back(std::move(m));
  }
  return out;
}

TEST(ProducerTest, KeyedRecordsGoWhereJavasDefaultPartitionerSends) {
  MockCluster mock;
  mock.CreateTopic("keyed", 7);
  auto producer = Producer::Create(mock.Config(ClientRole::kProducer));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_EQ(*producer->PartitionCount("keyed", seconds(10)), 7);
  const int n = 200;
  for (int i = 0; i < n; ++i) {
    const std::string key = "{\"id\":" + std::to_string(i) + "}";
    const std::string value = "v" + std::to_string(i);  // a ProducerRecord only views its bytes
    ProducerRecord r;
    r.topic = "keyed";
    r.key = key;
    r.value = value;
    r.token = static_cast<uint64_t>(i);
    ASSERT_TRUE(producer->Produce(r).ok());
  }
  ASSERT_TRUE(producer->Flush(seconds(20)).ok());
  std::vector<Delivery> deliveries = Collect(*producer, n);
  ASSERT_EQ(deliveries.size(), static_cast<size_t>(n));
  std::vector<int> per_partition(7, 0);
  for (const Delivery& d : deliveries) {
    ASSERT_TRUE(d.status.ok()) << d.status.ToString();
    const std::string key = "{\"id\":" + std::to_string(d.token) + "}";
    EXPECT_EQ(d.tp.partition, PartitionForKey(key, 7)) << key;
    EXPECT_EQ(d.tp.topic, "keyed");
    // Per partition, offsets follow the order of Produce.
    EXPECT_EQ(d.offset, per_partition[d.tp.partition]++);
  }
}

TEST(ProducerTest, RoundTripKeepsNullsEmptiesHeadersAndTimestamps) {
  MockCluster mock;
  mock.CreateTopic("rt", 1);
  auto producer = Producer::Create(mock.Config(ClientRole::kProducer));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  std::vector<ProducerRecord> records(4);
  records[0] = {"rt", 0, std::nullopt, std::string_view("no key"), {}, 0, 1};
  records[1] = {"rt", 0, std::string_view(""), std::nullopt, {}, 0, 2};  // tombstone
  records[2] = {"rt", 0, std::string_view("k\0bin", 5), std::string_view(""), {}, 0, 3};
  records[3] = {"rt",
                0,
                std::string_view("k"),
                std::string_view("v"),
                {{"h1", std::string("a")}, {"h1", std::nullopt}, {"empty", std::string()}},
                1700000000123,
                4};
  for (const auto& r : records) ASSERT_TRUE(producer->Produce(r).ok());
  ASSERT_TRUE(producer->Flush(seconds(20)).ok());
  auto got = ReadAll(mock, "rt", 4);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_FALSE(got[0].key.has_value());
  EXPECT_EQ(got[0].value, "no key");
  EXPECT_EQ(got[1].key, "");
  EXPECT_FALSE(got[1].value.has_value());
  EXPECT_EQ(got[2].key, std::string("k\0bin", 5));
  EXPECT_EQ(got[2].value, "");
  EXPECT_EQ(got[3].timestamp_ms, 1700000000123);
  ASSERT_EQ(got[3].headers.size(), 3u);
  EXPECT_EQ(got[3].headers[0], (Header{"h1", std::string("a")}));
  EXPECT_EQ(got[3].headers[1], (Header{"h1", std::nullopt}));
  EXPECT_EQ(got[3].headers[2], (Header{"empty", std::string()}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(got[i].offset, i);
}

TEST(ProducerTest, UnknownPartitionAndBadConfigAreClearErrors) {
  MockCluster mock;
  mock.CreateTopic("one", 1);
  auto producer = Producer::Create(mock.Config(ClientRole::kProducer));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE(producer->PartitionCount("one", seconds(10)).ok());
  Status s = producer->Produce({"one", 5, std::nullopt, std::string_view("x"), {}, 0, 1});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("one[5]"), std::string::npos) << s.message();

  ClientConfig bad = mock.Config(ClientRole::kProducer, {{"linger.ms", "99999999"}});
  auto refused = Producer::Create(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("linger.ms"), std::string::npos);
}

TEST(ProducerTest, TransactionsCommitAndAbort) {
  MockCluster mock;
  mock.CreateTopic("txn", 1);
  auto producer = Producer::Create(
      mock.Config(ClientRole::kProducer, {{"transactional.id", "walrelay-test-1"}}));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE(producer->InitTransactions(seconds(20)).ok());

  ASSERT_TRUE(producer->BeginTransaction().ok());
  ASSERT_TRUE(
      producer->Produce({"txn", 0, std::nullopt, std::string_view("aborted"), {}, 0, 1}).ok());
  ASSERT_TRUE(producer->AbortTransaction(seconds(20)).ok());
  ASSERT_TRUE(producer->BeginTransaction().ok());
  ASSERT_TRUE(
      producer->Produce({"txn", 0, std::nullopt, std::string_view("committed"), {}, 0, 2}).ok());
  Status committed = producer->CommitTransaction(seconds(20));
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  auto got = ReadAll(mock, "txn", 1, "read_committed");
  ASSERT_GE(got.size(), 1u);
  EXPECT_EQ(got[0].value, "committed");
}

TEST(ProducerTest, FencedProducerReportsFenced) {
  MockCluster mock;
  mock.CreateTopic("fence", 1);
  auto producer =
      Producer::Create(mock.Config(ClientRole::kProducer, {{"transactional.id", "fenced-1"}}));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE(producer->InitTransactions(seconds(20)).ok());
  ASSERT_TRUE(producer->BeginTransaction().ok());
  ASSERT_TRUE(producer->Produce({"fence", 0, std::nullopt, std::string_view("x"), {}, 0, 1}).ok());
  ASSERT_TRUE(producer->Flush(seconds(20)).ok());
  // The coordinator answers the commit as it would after a newer producer's InitProducerId.
  constexpr int16_t kEndTxn = 26;
  rd_kafka_mock_push_request_errors(mock.get(), kEndTxn, 1, RD_KAFKA_RESP_ERR_PRODUCER_FENCED);
  Status s = producer->CommitTransaction(seconds(20));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.kind(), ErrorKind::kFenced) << s.ToString();
  EXPECT_EQ(producer->FatalError().kind(), ErrorKind::kFenced);
  Status next = producer->BeginTransaction();
  EXPECT_EQ(next.kind(), ErrorKind::kFenced) << next.ToString();
}

TEST(ProducerTest, StopInterruptsFlushAndInitTransactions) {
  MockCluster mock(1);
  mock.CreateTopic("down", 1);
  auto producer = Producer::Create(mock.Config(ClientRole::kProducer));
  ASSERT_TRUE(producer.ok()) << producer.status().ToString();
  ASSERT_TRUE(producer->PartitionCount("down", seconds(10)).ok());
  rd_kafka_mock_broker_set_down(mock.get(), 1);
  ASSERT_TRUE(producer->Produce({"down", 0, std::nullopt, std::string_view("x"), {}, 0, 1}).ok());
  StopSource stop;
  std::thread stopper([&] {
    std::this_thread::sleep_for(milliseconds(300));
    stop.RequestStop();
  });
  const auto start = std::chrono::steady_clock::now();
  Status s = producer->Flush(seconds(60), &stop);
  const auto took = std::chrono::steady_clock::now() - start;
  stopper.join();
  EXPECT_EQ(s.kind(), ErrorKind::kStopped) << s.ToString();
  EXPECT_LT(took, seconds(1) + milliseconds(300));

  auto txn = Producer::Create(mock.Config(ClientRole::kProducer, {{"transactional.id", "t-down"}}));
  ASSERT_TRUE(txn.ok()) << txn.status().ToString();
  const auto start2 = std::chrono::steady_clock::now();
  s = txn->InitTransactions(seconds(60), &stop);  // already stopped: at once
  EXPECT_EQ(s.kind(), ErrorKind::kStopped);
  EXPECT_LT(std::chrono::steady_clock::now() - start2, seconds(1));

  StopSource stop2;
  std::thread stopper2([&] {
    std::this_thread::sleep_for(milliseconds(300));
    stop2.RequestStop();
  });
  const auto start3 = std::chrono::steady_clock::now();
  s = txn->InitTransactions(seconds(60), &stop2);
  stopper2.join();
  EXPECT_EQ(s.kind(), ErrorKind::kStopped) << s.ToString();
  EXPECT_LT(std::chrono::steady_clock::now() - start3, seconds(1) + milliseconds(300));
}

}  // namespace
}  // namespace walrelay::kafka
