#include "cli/kafka_commands.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "kafka/producer.h"
#include "kafka/test_mock_cluster.h"

namespace walrelay::cli {
namespace {

using std::chrono::seconds;

// Captures what a command writes to a FILE*.
class Capture {
 public:
  Capture() : f_(std::tmpfile()) {}
  ~Capture() { std::fclose(f_); }
  std::FILE* get() const { return f_; }
  std::string Text() const {
    std::fflush(f_);
    std::string out;
    std::rewind(f_);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof(buf), f_)) > 0) out.append(buf, n);
    return out;
  }

 private:
  std::FILE* f_;
};

TEST(ConsumeArgsTest, ParsesKafkaConsoleConsumerOptions) {
  ConsumeOptions o;
  ASSERT_FALSE(ParseConsumeArgs({"Person.events", "--from-beginning", "--print-key", "--max", "3",
                                 "--bootstrap-server", "127.0.0.1:9093", "--timeout-ms", "500",
                                 "--consumer-property", "isolation.level=read_committed"},
                                &o));
  EXPECT_EQ(o.topic, "Person.events");
  EXPECT_TRUE(o.from_beginning);
  EXPECT_TRUE(o.print_key);
  EXPECT_EQ(o.max_messages, 3);
  EXPECT_EQ(o.bootstrap, "127.0.0.1:9093");
  EXPECT_EQ(o.timeout_ms, 500);
  EXPECT_EQ(o.consumer_properties["isolation.level"], "read_committed");

  for (const auto& bad : std::vector<std::vector<std::string>>{
           {},
           {"t", "--max", "0"},
           {"t", "--max"},
           {"t", "--timeout-ms", "x"},
           {"t", "u"},
           {"t", "--nope"},
           {"t", "--consumer-property", "novalue"},
       }) {
    ConsumeOptions bad_options;
    EXPECT_TRUE(ParseConsumeArgs(bad, &bad_options).has_value());
  }
}

TEST(ConsumeArgsTest, FormatsLikeKafkaConsoleConsumer) {
  kafka::Message m;
  m.key = "k1";
  m.value = "{\"a\":1}";
  EXPECT_EQ(FormatConsoleRecord(m, false), "{\"a\":1}\n");
  EXPECT_EQ(FormatConsoleRecord(m, true), "k1\t{\"a\":1}\n");
  m.key.reset();
  m.value.reset();
  EXPECT_EQ(FormatConsoleRecord(m, true), "null\tnull\n");
  // print.headers: name:value joined by ',', NO_HEADERS when there are none, before the key.
  EXPECT_EQ(FormatConsoleRecord(m, true, true), "NO_HEADERS\tnull\tnull\n");
  m.value = "v";
  m.headers = {{"eventType", "PersonCreated"}, {"id", std::nullopt}};
  EXPECT_EQ(FormatConsoleRecord(m, false, true), "eventType:PersonCreated,id:null\tv\n");
  ConsumeOptions o;
  ASSERT_FALSE(ParseConsumeArgs({"t", "--print-headers"}, &o).has_value());
  EXPECT_TRUE(o.print_headers);
  ConsumeOptions p;
  ASSERT_FALSE(ParseConsumeArgs({"t", "--property", "print.headers=true"}, &p).has_value());
  EXPECT_TRUE(p.print_headers);
}

TEST(KafkaCommandsTest, ConsumeAndListTopicsOnMockCluster) {
  kafka::MockCluster mock(1);
  mock.CreateTopic("Person.events", 1);
  mock.CreateTopic("other", 1);
  auto producer = kafka::Producer::Create(mock.Config(kafka::ClientRole::kProducer));
  ASSERT_TRUE(producer.ok());
  ASSERT_TRUE(
      producer
          ->Produce({"Person.events", 0, std::string_view("1"), std::string_view("a"), {}, 0, 0})
          .ok());
  ASSERT_TRUE(producer->Produce({"Person.events", 0, std::nullopt, std::nullopt, {}, 0, 0}).ok());
  ASSERT_TRUE(
      producer
          ->Produce({"Person.events", 0, std::string_view("3"), std::string_view("c"), {}, 0, 0})
          .ok());
  ASSERT_TRUE(producer->Flush(seconds(10)).ok());

  ConsumeOptions o;
  o.topic = "Person.events";
  o.bootstrap = mock.bootstraps();
  o.from_beginning = true;
  o.print_key = true;
  o.max_messages = 2;
  Capture out, err;
  EXPECT_EQ(RunConsume(o, nullptr, out.get(), err.get()), 0);
  EXPECT_EQ(out.Text(), "1\ta\nnull\tnull\n");
  EXPECT_NE(err.Text().find("Processed a total of 2 messages"), std::string::npos);

  // --timeout-ms ends a read that runs out of records.
  o.max_messages = -1;
  o.print_key = false;
  o.timeout_ms = 1500;
  Capture out2, err2;
  EXPECT_EQ(RunConsume(o, nullptr, out2.get(), err2.get()), 0);
  EXPECT_EQ(out2.Text(), "a\nnull\nc\n");

  Capture out3, err3;
  EXPECT_EQ(
      RunTopics({"list", "--bootstrap-server", mock.bootstraps()}, nullptr, out3.get(), err3.get()),
      0);
  EXPECT_EQ(out3.Text(), "Person.events\nother\n");
  Capture out4, err4;
  EXPECT_EQ(RunTopics({"create"}, nullptr, out4.get(), err4.get()), 2);
  EXPECT_NE(err4.Text().find("expected 'list'"), std::string::npos);
}

}  // namespace
}  // namespace walrelay::cli
