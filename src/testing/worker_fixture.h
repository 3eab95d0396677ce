#pragma once

// Test support for distributed mode on real servers (header only, like pg_fixture.h: it uses
// gtest): a real Apache Kafka shared by the test binary (src/testing/kafka_cluster.h), real
// PostgreSQL source and destination with the seed's schemas, and `walrelay worker` processes
// operated through the REST API (src/testing/connect_worker.h). Each test is a Connect cluster of
// its own on the shared Kafka: its own group and topics, named after the test.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "testing/connect_worker.h"
#include "testing/kafka_cluster.h"
#include "testing/pg_fixture.h"
#include "testing/pg_server.h"
#include "testing/process.h"

namespace walrelay::testing {

class WorkerFixture : public RequiresPostgres {
 protected:
  // `brokers`: the Kafka cluster's size (1 or 3), shared by every test of the binary
  // (KafkaCluster::Shared); the internal topics the workers create are replicated on every broker.
  explicit WorkerFixture(int brokers = 1) : brokers_(brokers) {}

  void SetUp() override {
    RequiresPostgres::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    if (Which("kcat").empty() || Which("curl").empty()) {
      GTEST_SKIP() << "kcat or curl is not installed (scripts/install-deps)";
    }
    auto kafka = KafkaCluster::Shared(brokers_);
    ASSERT_TRUE(kafka.ok()) << kafka.status().ToString();
    kafka_ = *kafka;
    auto src = PgServer::Start({});
    ASSERT_TRUE(src.ok()) << src.status().ToString();
    source_ = std::move(src).value();
    auto dst = PgServer::Start({});
    ASSERT_TRUE(dst.ok()) << dst.status().ToString();
    destination_ = std::move(dst).value();
    const std::string root = WALRELAY_SOURCE_DIR;
    for (auto* server : {source_.get(), destination_.get()}) {
      Status created =
          server->CreateDatabase(server == source_.get() ? "source_db" : "destination_db");
      ASSERT_TRUE(created.ok()) << created.ToString();
    }
    ASSERT_TRUE(
        source_->Psql(ReadFile(root + "/examples/seed/source-schema.sql"), "source_db").ok());
    ASSERT_TRUE(
        destination_
            ->Psql(ReadFile(root + "/examples/seed/destination-schema.sql"), "destination_db")
            .ok());
    char dir[] = "/tmp/walrelay-worker-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir), nullptr);
    dir_ = dir;
    workers_.reserve(8);  // references to workers stay valid as more start
    // Each test is a cluster of its own on the shared broker: its own group and topics.
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    cluster_ = std::string(info->name()) + "-" + std::to_string(::getpid());
  }

  void TearDown() override {
    for (auto& w : workers_) {
      if (w.process != nullptr && w.process->Running()) w.process->Signal(SIGKILL);
    }
    if (HasFailure()) {
      for (size_t i = 0; i < workers_.size(); ++i) {
        if (workers_[i].process == nullptr) continue;
        std::cerr << "---- worker " << i << " stderr (tail) ----\n"
                  << workers_[i].StderrTail() << "\n";
        // The whole stderr, librdkafka's lines included, beside the worker's files.
        std::ofstream(dir_ + "/worker" + std::to_string(i) + ".stderr")
            << workers_[i].process->Stderr();
      }
      std::cerr << "worker files and full stderr kept in " << dir_ << "\n";
    } else if (dir_.rfind("/tmp/walrelay-worker-test-", 0) == 0) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }

  // Starts worker `i` (a new one when i == workers_.size()), with `extra` worker properties.
  WorkerProcess& StartWorker(size_t i, const std::vector<std::string>& extra = {}) {
    if (i == workers_.size()) {
      workers_.push_back(ConfigureWorker(dir_ + "/worker" + std::to_string(i) + ".properties",
                                         {kafka_->bootstrap_servers(), cluster_, brokers_, extra}));
    }
    WorkerProcess& w = workers_[i];
    Status started = walrelay::testing::StartWorker(w);
    EXPECT_TRUE(started.ok()) << started.ToString();
    return w;
  }

  // The seed's connector file with this test's hosts, the JSON converters of the workers (until
  // the Avro issue) and, for sources, slot and server names of this test.
  // With `prefix`, topics are named `<prefix>.public...` instead of `server.public...`.
  std::string SeedConnector(const std::string& file, const std::string& name = "",
                            const std::string& prefix = "") {
    nlohmann::json c =
        walrelay::testing::SeedConnector(file, source_->port(), destination_->port());
    nlohmann::json& cfg = c["config"];
    if (!name.empty()) c["name"] = name;
    if (!prefix.empty() && cfg.contains("database.server.name"))
      cfg["database.server.name"] = prefix;
    std::string path = dir_ + "/" + c["name"].get<std::string>() + ".json";
    std::ofstream(path) << c.dump();
    return path;
  }

  void Write(const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {WALRELAY_BINARY, "writer", "--dsn",
                                     "host=127.0.0.1 port=" + std::to_string(source_->port()) +
                                         " dbname=source_db user=postgres",
                                     "--quiet"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto r = RunProcess(argv, std::chrono::seconds(120));
    ASSERT_TRUE(r.ok() && r->exit_code == 0) << (r.ok() ? r->err : r.status().ToString());
  }

  std::string SourceValue() {
    auto v =
        source_->Psql("SELECT current_value FROM public.debezium_table WHERE id = 1", "source_db");
    return v.ok() ? *v : "";
  }
  // Waits until the destination's current_value equals the source's.
  bool WaitEqual(int seconds = 120) {
    const std::string want = SourceValue();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (std::chrono::steady_clock::now() < deadline) {
      auto v = destination_->Psql("SELECT current_value FROM public.debezium_table WHERE id = 1",
                                  "destination_db");
      if (v.ok() && *v == want) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return false;
  }

  // Every message of `topic` as kcat prints it with `format`.
  std::vector<std::string> Consume(const std::string& topic, const std::string& format,
                                   bool read_committed = false) {
    return ConsumeTopic(kafka_->bootstrap_servers(), topic, format, read_committed);
  }

  // Starts `walrelay writer` on the source: one counter transaction each, `rate` a second, for
  // `seconds` (it prints committed=N when it ends).
  std::unique_ptr<Process> StartWriter(int rate, int seconds) {
    auto writer = Process::Start({WALRELAY_BINARY, "writer", "--dsn",
                                  "host=127.0.0.1 port=" + std::to_string(source_->port()) +
                                      " dbname=source_db user=postgres",
                                  "--rate", std::to_string(rate), "--duration",
                                  std::to_string(seconds), "--quiet"});
    EXPECT_TRUE(writer.ok()) << writer.status().ToString();
    return writer.ok() ? std::move(writer).value() : nullptr;
  }

  // The history sink (HistorySink) of `topic`, written to a file to register; creates the table.
  std::string HistorySinkFile(const std::string& name, const std::string& topic, int tasks) {
    EXPECT_TRUE(destination_->Psql(kHistoryTableSql, "destination_db").ok());
    std::string path = dir_ + "/" + name + ".json";
    std::ofstream(path) << HistorySink(name, topic, destination_->port(), tasks).dump();
    return path;
  }

  // Waits for the history table to reach the source's value, then checks that it holds every
  // change exactly once.
  void ExpectHistoryExactlyOnce() {
    const std::string source_value = SourceValue();
    ASSERT_FALSE(source_value.empty());
    const int64_t want = std::stoll(source_value);
    HistoryCounts got = WaitHistory(
        [this](const std::string& sql) { return destination_->Psql(sql, "destination_db"); }, want);
    EXPECT_EQ(got.max, want) << "the destination did not catch up";
    EXPECT_EQ(got.rows, got.distinct) << "changes applied twice";
    EXPECT_EQ(got.distinct, want) << "changes missing (values 1.." << want
                                  << " expected once each)";
  }

  KafkaCluster* kafka_ = nullptr;
  std::unique_ptr<PgServer> source_;
  std::unique_ptr<PgServer> destination_;
  std::string dir_;
  std::string cluster_;
  std::vector<WorkerProcess> workers_;
  const int brokers_;
};

}  // namespace walrelay::testing
