#include "cli/run_command.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <fstream>
#include <string>

namespace walrelay::cli {
namespace {

// Files in a fresh temporary directory, removed afterwards.
class TempDir {
 public:
  TempDir() {
    char templ[] = "/tmp/walrelay-run-test-XXXXXX";
    path_ = mkdtemp(templ) != nullptr ? templ : "/tmp";
  }
  ~TempDir() {
    for (const auto& f : files_) unlink(f.c_str());
    rmdir(path_.c_str());
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::string file = path_ + "/" + name;
    std::ofstream(file) << text;
    files_.push_back(file);
    return file;
  }

 private:
  std::string path_;
  std::vector<std::string> files_;
};

// Sinks in process have no Kafka: a dead letter queue topic is refused before anything starts
// (a record sent there would be lost).
TEST(RunCommandTest, RefusesADeadLetterQueueForSinksInProcess) {
  TempDir dir;
  std::string source = dir.Write("src.json", R"({"name": "src", "config": {
      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
      "database.hostname": "127.0.0.1", "database.port": "1", "database.user": "u",
      "database.dbname": "d", "topic.prefix": "p"}})");
  std::string sink = dir.Write("sink.json", R"({"name": "sink", "config": {
      "connector.class": "io.confluent.connect.jdbc.JdbcSinkConnector",
      "connection.url": "jdbc:postgresql://127.0.0.1:1/db", "topics": "t",
      "errors.tolerance": "all", "errors.deadletterqueue.topic.name": "dlq"}})");
  ::testing::internal::CaptureStderr();
  int code = RunCommand({source, sink});
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_NE(err.find("sink.json: property 'errors.deadletterqueue.topic.name' has invalid value "
                     "'dlq': not supported yet with sinks in process"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace walrelay::cli

namespace walrelay::cli {
namespace {

TEST(ParseRestAddressTest, HostAndPortOrLoopbackPort) {
  auto a = ParseRestAddress("0.0.0.0:8083");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->scheme, "http");
  EXPECT_EQ(a->host, "0.0.0.0");
  EXPECT_EQ(a->port, 8083);
  auto port_only = ParseRestAddress("9000");
  ASSERT_TRUE(port_only.ok());
  EXPECT_EQ(port_only->host, "127.0.0.1");
  EXPECT_EQ(port_only->port, 9000);
  auto v6 = ParseRestAddress("[::1]:0");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 0);
  for (const char* bad : {"", "localhost", "h:", ":80", "h:65536", "h:-1", "::1:80", "h:8o"}) {
    auto r = ParseRestAddress(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().kind(), ErrorKind::kInvalidArgument);
    EXPECT_NE(r.status().message().find("--rest '" + std::string(bad) + "'"), std::string::npos);
    EXPECT_NE(r.status().message().find("allowed: HOST:PORT"), std::string::npos);
  }
}

}  // namespace
}  // namespace walrelay::cli
