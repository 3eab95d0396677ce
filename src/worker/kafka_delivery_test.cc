#include "worker/kafka_delivery.h"

#include <gtest/gtest.h>

#include "data/schema.h"

namespace walrelay::worker {
namespace {

// Records what is produced; acknowledges on request.
class FakeProducer : public ProducerPort {
 public:
  Status EnsureTopic(const std::string& topic) override {
    if (!ensure_failures.empty()) {
      Status s = ensure_failures.front();
      ensure_failures.erase(ensure_failures.begin());
      return s;
    }
    ensured.insert(topic);
    return Status::Ok();
  }
  Status Produce(OutMessage m, uint64_t token) override {
    produced.emplace_back(token, std::move(m));
    if (auto_ack) Acknowledge(token);
    return Status::Ok();
  }
  void PollAcks(std::vector<Ack>* acks, std::chrono::milliseconds) override {
    for (auto& a : ready) acks->push_back(std::move(a));
    ready.clear();
  }
  Status BeginTransaction() override {
    calls.push_back("begin");
    return Status::Ok();
  }
  Status CommitTransaction() override {
    calls.push_back("commit " + std::to_string(produced.size()));
    AckAll();
    return Status::Ok();
  }
  Status AbortTransaction() override {
    calls.push_back("abort");
    return Status::Ok();
  }
  void Acknowledge(uint64_t token, Status s = Status::Ok()) { ready.push_back({token, s}); }
  void AckAll() {
    for (const auto& [token, m] : produced) {
      if (!acked.count(token)) Acknowledge(token);
      acked.insert(token);
    }
  }

  std::set<std::string> ensured;
  std::vector<Status> ensure_failures;  // returned by the next EnsureTopic calls, in turn
  std::vector<std::pair<uint64_t, OutMessage>> produced;
  std::vector<Ack> ready;
  std::set<uint64_t> acked;
  std::vector<std::string> calls;
  bool auto_ack = false;
};

source::SourceOffset At(uint64_t lsn) {
  source::SourceOffset o;
  o.last_commit_end = Lsn(lsn);
  return o;
}

data::Record Rec(const std::string& topic, const std::string& key) {
  data::Record r;
  r.topic = topic;
  r.key_schema = data::SchemaBuilder(data::Type::kString).Build();
  r.key = data::Value(key);
  r.value_schema = data::SchemaBuilder(data::Type::kString).Optional().Build();
  r.value = data::Value("v-" + key);
  r.headers.push_back({"eventType", data::SchemaBuilder(data::Type::kString).Build(),
                       data::Value("PersonCreated")});
  return r;
}

std::unique_ptr<convert::Converter> StringConverter() {
  convert::ConverterSettings s;
  s.class_name = convert::kStringConverterClass;
  return convert::CreateConverter(s);
}

KafkaDelivery::Options Opts(bool exactly_once) {
  KafkaDelivery::Options o;
  o.connector = "src";
  o.offset_topic = "offsets";
  o.offset_key = R"(["src",{"server":"p"}])";
  o.encode_offset = [](const source::SourceOffset& off) {
    return "{\"lsn\":" + std::to_string(off.last_commit_end.value()) + "}";
  };
  o.flush_interval = std::chrono::milliseconds(0);
  o.exactly_once = exactly_once;
  return o;
}

TEST(KafkaDeliveryTest, OffsetIsWrittenOnlyAfterEveryEarlierRecordIsAcknowledged) {
  FakeProducer p;
  KafkaDelivery d(Opts(false), StringConverter(), StringConverter(), &p);
  std::string_view stage;
  ASSERT_TRUE(d.Send(Rec("t1", "a"), &stage).ok());
  ASSERT_TRUE(d.Send(Rec("t2", "b"), &stage).ok());
  ASSERT_TRUE(d.Mark(At(100)).ok());
  ASSERT_TRUE(d.Send(Rec("t1", "c"), &stage).ok());
  ASSERT_TRUE(d.Mark(At(200)).ok());
  EXPECT_EQ(p.ensured, (std::set<std::string>{"t1", "t2"}));
  ASSERT_EQ(p.produced.size(), 3u);
  EXPECT_EQ(*p.produced[0].second.key, "a");
  EXPECT_EQ(*p.produced[0].second.value, "v-a");
  EXPECT_EQ(p.produced[0].second.headers.at(0).second, "PersonCreated");

  // The third record is acknowledged first: no offset covers it alone.
  p.Acknowledge(p.produced[2].first);
  auto durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok());
  EXPECT_FALSE(durable->has_value());
  EXPECT_EQ(p.produced.size(), 3u);  // no offset record yet

  p.Acknowledge(p.produced[0].first);
  p.Acknowledge(p.produced[1].first);
  durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok());
  EXPECT_FALSE(durable->has_value());  // the offset record is not acknowledged yet
  ASSERT_EQ(p.produced.size(), 4u);
  EXPECT_EQ(p.produced[3].second.topic, "offsets");
  EXPECT_EQ(*p.produced[3].second.key, R"(["src",{"server":"p"}])");
  EXPECT_EQ(*p.produced[3].second.value, "{\"lsn\":200}");

  p.Acknowledge(p.produced[3].first);
  durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok());
  ASSERT_TRUE(durable->has_value());
  EXPECT_EQ((*durable)->last_commit_end, Lsn(200));
  EXPECT_EQ(d.acknowledged(), 3);
}

TEST(KafkaDeliveryTest, ATopicCreationThatTimedOutIsRetriedAndABadOneFails) {
  FakeProducer p;
  p.ensure_failures = {RetryError("creating topic t1: no answer from the cluster"),
                       RetryError("creating topic t1: no answer from the cluster")};
  KafkaDelivery d(Opts(false), StringConverter(), StringConverter(), &p);
  std::string_view stage;
  Status s = d.Send(Rec("t1", "a"), &stage);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(p.ensure_failures.empty());
  EXPECT_EQ(p.ensured, (std::set<std::string>{"t1"}));
  ASSERT_EQ(p.produced.size(), 1u);

  p.ensure_failures = {InvalidArgument("creating topic t2: replication factor too large")};
  s = d.Send(Rec("t2", "b"), &stage);
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
  EXPECT_NE(s.message().find("replication factor"), std::string::npos) << s.message();
  EXPECT_EQ(p.produced.size(), 1u);

  // A stop ends the retries.
  StopSource stop;
  auto options = Opts(false);
  options.stop = &stop;
  KafkaDelivery stopped(options, StringConverter(), StringConverter(), &p);
  p.ensure_failures = {RetryError("creating topic t3: no answer from the cluster")};
  stop.RequestStop();
  s = stopped.Send(Rec("t3", "c"), &stage);
  EXPECT_EQ(s.kind(), ErrorKind::kStopped) << s.ToString();
}

TEST(KafkaDeliveryTest, AFailedDeliveryFailsTheTask) {
  FakeProducer p;
  KafkaDelivery d(Opts(false), StringConverter(), StringConverter(), &p);
  std::string_view stage;
  ASSERT_TRUE(d.Send(Rec("t", "a"), &stage).ok());
  p.Acknowledge(p.produced[0].first, RetryError("Local: Message timed out"));
  auto durable = d.TakeDurable();
  ASSERT_FALSE(durable.ok());
  EXPECT_NE(durable.status().message().find("delivery to Kafka failed"), std::string::npos);
}

TEST(KafkaDeliveryTest, ExactlyOnceCommitsRecordsAndOffsetInOneTransaction) {
  FakeProducer p;
  KafkaDelivery d(Opts(true), StringConverter(), StringConverter(), &p);
  std::string_view stage;
  ASSERT_TRUE(d.Send(Rec("t", "a"), &stage).ok());
  ASSERT_TRUE(d.Send(Rec("t", "b"), &stage).ok());
  ASSERT_TRUE(d.Mark(At(300)).ok());
  auto durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok());
  ASSERT_TRUE(durable->has_value());
  EXPECT_EQ((*durable)->last_commit_end, Lsn(300));
  // Two records and the offset record, then the commit.
  EXPECT_EQ(p.calls, (std::vector<std::string>{"begin", "commit 3"}));
  EXPECT_EQ(p.produced[2].second.topic, "offsets");

  // Records after the last mark are aborted at the end: they belong to no stored offset.
  ASSERT_TRUE(d.Send(Rec("t", "c"), &stage).ok());
  ASSERT_TRUE(d.Drain().ok());
  EXPECT_EQ(p.calls.back(), "abort");
}

TEST(KafkaDeliveryTest, FirstOffsetAtOnceThenPerIntervalAndTheLastOneAtDrain) {
  FakeProducer p;
  p.auto_ack = true;
  auto opts = Opts(false);
  opts.flush_interval = std::chrono::hours(1);
  KafkaDelivery d(opts, StringConverter(), StringConverter(), &p);
  std::string_view stage;
  ASSERT_TRUE(d.Send(Rec("t", "a"), &stage).ok());
  ASSERT_TRUE(d.Mark(At(400)).ok());
  // None stored yet: written at once, so a worker killed now does not make its successor start
  // over (snapshot again).
  ASSERT_TRUE(d.TakeDurable().ok());
  ASSERT_EQ(p.produced.size(), 2u);
  EXPECT_EQ(*p.produced[1].second.value, "{\"lsn\":400}");
  auto durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok() && durable->has_value());
  EXPECT_EQ((*durable)->last_commit_end, Lsn(400));

  ASSERT_TRUE(d.Send(Rec("t", "b"), &stage).ok());
  ASSERT_TRUE(d.Mark(At(500)).ok());
  durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok());
  EXPECT_FALSE(durable->has_value());
  EXPECT_EQ(p.produced.size(), 3u);  // not due before the flush interval
  ASSERT_TRUE(d.Drain().ok());
  ASSERT_EQ(p.produced.size(), 4u);
  EXPECT_EQ(*p.produced[3].second.value, "{\"lsn\":500}");
  durable = d.TakeDurable();
  ASSERT_TRUE(durable.ok() && durable->has_value());
  EXPECT_EQ((*durable)->last_commit_end, Lsn(500));
}

TEST(KafkaDeliveryTest, ConverterFailureNamesTheStage) {
  FakeProducer p;
  convert::ConverterSettings json;  // JsonConverter with schemas: a string schema, an int value
  KafkaDelivery d(Opts(false), StringConverter(), convert::CreateConverter(json), &p);
  data::Record r = Rec("t", "a");
  r.value = data::Value(int64_t{5});
  std::string_view stage;
  Status s = d.Send(r, &stage);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(stage, "value converter");
  EXPECT_TRUE(p.produced.empty());
}

}  // namespace
}  // namespace walrelay::worker
