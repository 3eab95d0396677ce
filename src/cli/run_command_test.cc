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
