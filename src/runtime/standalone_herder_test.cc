#include "runtime/standalone_herder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>

#include "config/test_seed.h"

namespace walrelay::runtime {
namespace {

using namespace std::chrono_literals;

config::ConnectorConfig Seed(const std::string& file) {
  auto c = config::LoadConnectorFile(config::SeedPath(file));
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return *c;
}

// A pipeline that runs until its stop is requested (or is told to end or fail), recording what
// each run was made of.
class FakePipeline {
 public:
  struct Run {
    std::string source;
    std::vector<std::string> sinks;
    std::vector<std::string> held;
    bool kept_slot = false;
  };

  PipelineRunner Runner() {
    return [this](const config::ConnectorConfig& source,
                  const std::vector<config::ConnectorConfig>& sinks, const RunOptions& options,
                  RunFailure* failure) {
      Run run{source.name, {}, {}, false};
      for (const auto& s : sinks) run.sinks.push_back(s.name);
      for (const auto& s : options.held_sinks) run.held.push_back(s.name);
      // The topic first: a test that has seen the run started may ask for its topics at once.
      if (options.on_topic) options.on_topic(source.name, "dbserver1.public.t");
      {
        std::unique_lock<std::mutex> lock(mu_);
        started_.push_back(run);
        ++running_;
        cv_.notify_all();
      }
      int code = 0;
      for (;;) {
        std::unique_lock<std::mutex> lock(mu_);
        if (options.stop->stop_requested()) break;
        if (outcome_) {
          code = *outcome_;
          outcome_.reset();
          if (code != 0) *failure = {sinks.empty() ? source.name : sinks[0].name, "boom"};
          break;
        }
        cv_.wait_for(lock, 10ms);
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_.empty()) ended_.push_back(started_.back());
      ended_.back().kept_slot = options.keep_slot != nullptr && options.keep_slot->load();
      --running_;
      cv_.notify_all();
      return code;
    };
  }

  // Waits for the next run to start and returns it.
  std::optional<Run> NextRun() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, 5s, [&] { return taken_ < started_.size(); })) return std::nullopt;
    return started_[taken_++];
  }
  // Waits until no run is in progress, and then `for_` longer, and says whether none started.
  bool Idle(std::chrono::milliseconds for_ = 100ms) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, 5s, [&] { return running_ == 0; })) return false;
    lock.unlock();
    std::this_thread::sleep_for(for_);
    lock.lock();
    return running_ == 0 && taken_ == started_.size();
  }
  // Whether no run started in the last 100 ms that NextRun has not seen.
  bool NoNewRun() {
    std::this_thread::sleep_for(100ms);
    std::lock_guard<std::mutex> lock(mu_);
    return taken_ == started_.size();
  }
  void EndCurrentRun(int code) {
    std::lock_guard<std::mutex> lock(mu_);
    outcome_ = code;
    cv_.notify_all();
  }
  Run LastEnded() {
    std::lock_guard<std::mutex> lock(mu_);
    return ended_.back();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Run> started_;
  std::vector<Run> ended_;
  size_t taken_ = 0;
  int running_ = 0;
  std::optional<int> outcome_;
};

class StandaloneHerderTest : public ::testing::Test {
 protected:
  void Start(std::vector<config::ConnectorConfig> connectors) {
    StandaloneHerderOptions options;
    options.runner = pipeline_.Runner();
    herder_ = std::make_unique<StandaloneHerder>(std::move(connectors), std::move(options));
    herder_->SetWorkerId("127.0.0.1:8083");
    result_ = std::async(std::launch::async, [this] { return herder_->Run(stop_); });
  }
  void TearDown() override {
    stop_.RequestStop();
    if (result_.valid()) result_.wait();
  }
  std::string TaskState(const std::string& name) {
    auto s = herder_->GetConnectorStatus(name);
    if (!s.ok() || s.value().tasks.empty()) return "";
    return s.value().tasks[0].state.state;
  }

  FakePipeline pipeline_;
  StopSource stop_;
  std::unique_ptr<StandaloneHerder> herder_;
  std::future<int> result_;
};

TEST_F(StandaloneHerderTest, RunsTheFilesAndAnswersFromThem) {
  Start({Seed("register-postgres.json"), Seed("register-sink.json")});
  auto run = pipeline_.NextRun();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source, "source-connector");
  EXPECT_EQ(run->sinks, std::vector<std::string>{"sink-connector"});

  auto names = herder_->Connectors();
  ASSERT_TRUE(names.ok());
  EXPECT_EQ(names.value(), (std::vector<std::string>{"sink-connector", "source-connector"}));
  auto info = herder_->GetConnectorInfo("source-connector");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info.value().type, rest::ConnectorType::kSource);
  EXPECT_EQ(info.value().config.at("name"), "source-connector");
  ASSERT_EQ(info.value().tasks.size(), 1u);
  auto status = herder_->GetConnectorStatus("sink-connector");
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status.value().connector.state, "RUNNING");
  EXPECT_EQ(status.value().connector.worker_id, "127.0.0.1:8083");
  EXPECT_EQ(TaskState("sink-connector"), "RUNNING");
  auto tasks = herder_->GetTaskConfigs("sink-connector");
  ASSERT_TRUE(tasks.ok());
  ASSERT_EQ(tasks.value().size(), 1u);  // in process: one task whatever tasks.max says
  EXPECT_EQ(tasks.value()[0].config.at("task.class"),
            "io.confluent.connect.jdbc.sink.JdbcSinkTask");
  auto topics = herder_->GetActiveTopics("source-connector");
  ASSERT_TRUE(topics.ok());
  EXPECT_EQ(topics.value().topics, std::vector<std::string>{"dbserver1.public.t"});

  EXPECT_EQ(herder_->GetConnectorStatus("nope").error().http_status, 404);
  EXPECT_EQ(herder_->GetConnectorConfig("nope").error().message, "Connector nope not found");
  EXPECT_EQ(herder_->GetTaskStatus({"source-connector", 1}).error().http_status, 404);
  EXPECT_EQ(herder_->PauseConnector("nope").error().http_status, 404);
}

TEST_F(StandaloneHerderTest, PausedSourceDoesNotRunAndKeepsItsSlot) {
  Start({Seed("register-postgres.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  ASSERT_TRUE(herder_->PauseConnector("source-connector").ok());
  EXPECT_TRUE(pipeline_.Idle());
  EXPECT_TRUE(pipeline_.LastEnded().kept_slot);
  EXPECT_EQ(herder_->GetConnectorStatus("source-connector").value().connector.state, "PAUSED");
  EXPECT_EQ(TaskState("source-connector"), "PAUSED");
  ASSERT_TRUE(herder_->PauseConnector("source-connector").ok());  // idempotent
  ASSERT_TRUE(herder_->ResumeConnector("source-connector").ok());
  auto run = pipeline_.NextRun();
  ASSERT_TRUE(run);
  EXPECT_EQ(TaskState("source-connector"), "RUNNING");
}

TEST_F(StandaloneHerderTest, PausedSinkIsHeldOutOfTheRun) {
  Start({Seed("register-postgres.json"), Seed("register-sink.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  ASSERT_TRUE(herder_->PauseConnector("sink-connector").ok());
  // Every sink paused: nothing would receive the changes, so the source does not run.
  EXPECT_TRUE(pipeline_.Idle());
  EXPECT_TRUE(pipeline_.LastEnded().kept_slot);  // a restart never drops the slot
  EXPECT_EQ(TaskState("sink-connector"), "PAUSED");

  auto second = Seed("register-sink.json");
  second.props["name"] = "sink-2";
  ASSERT_TRUE(herder_->PutConnectorConfig("sink-2", second.props, std::nullopt, false).ok());
  auto run = pipeline_.NextRun();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->sinks, std::vector<std::string>{"sink-2"});
  EXPECT_EQ(run->held, std::vector<std::string>{"sink-connector"});
  ASSERT_TRUE(herder_->ResumeConnector("sink-connector").ok());
  run = pipeline_.NextRun();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->sinks, (std::vector<std::string>{"sink-2", "sink-connector"}));
  EXPECT_TRUE(run->held.empty());
}

TEST_F(StandaloneHerderTest, StoppedConnectorHasNoTasksAndItsOffsetsCanChange) {
  auto source = Seed("register-postgres.json");
  std::string dir = ::testing::TempDir() + "/herder-offsets-" + std::to_string(::getpid());
  source.props["offset.storage.file.filename"] = dir + "/source.offset";
  Start({source});
  ASSERT_TRUE(pipeline_.NextRun());
  rest::ConnectorOffsets offsets;
  offsets.offsets.push_back(
      {{{"server", "server"}}, {{"lsn", 123456}, {"lsn_commit", 123456}, {"txId", 7}}});
  EXPECT_EQ(herder_->AlterConnectorOffsets("source-connector", offsets).error().http_status, 400);
  ASSERT_TRUE(herder_->StopConnector("source-connector").ok());
  EXPECT_TRUE(pipeline_.Idle());
  auto status = herder_->GetConnectorStatus("source-connector");
  EXPECT_EQ(status.value().connector.state, "STOPPED");
  EXPECT_TRUE(status.value().tasks.empty());
  EXPECT_TRUE(herder_->GetConnectorInfo("source-connector").value().tasks.empty());

  auto altered = herder_->AlterConnectorOffsets("source-connector", offsets);
  ASSERT_TRUE(altered.ok()) << altered.error().message;
  auto read = herder_->GetConnectorOffsets("source-connector");
  ASSERT_TRUE(read.ok()) << read.error().message;
  ASSERT_EQ(read.value().offsets.size(), 1u);
  EXPECT_EQ(read.value().offsets[0].partition, nlohmann::json({{"server", "server"}}));
  EXPECT_EQ(read.value().offsets[0].offset.at("lsn_commit"), 123456);
  rest::ConnectorOffsets wrong;
  wrong.offsets.push_back({{{"server", "other"}}, nullptr});
  EXPECT_EQ(herder_->AlterConnectorOffsets("source-connector", wrong).error().http_status, 400);
  ASSERT_TRUE(herder_->ResetConnectorOffsets("source-connector").ok());
  EXPECT_TRUE(herder_->GetConnectorOffsets("source-connector").value().offsets.empty());
}

TEST_F(StandaloneHerderTest, FailedRunStaysFailedUntilRestarted) {
  Start({Seed("register-postgres.json"), Seed("register-sink.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  pipeline_.EndCurrentRun(1);
  ASSERT_TRUE(pipeline_.Idle());
  EXPECT_EQ(TaskState("sink-connector"), "FAILED");
  EXPECT_EQ(herder_->GetConnectorStatus("sink-connector").value().tasks[0].state.trace, "boom");
  EXPECT_EQ(TaskState("source-connector"), "FAILED");
  EXPECT_NE(herder_->GetTaskStatus({"source-connector", 0})
                .value()
                .state.trace.find("sink-connector failed: boom"),
            std::string::npos);
  // The connector alone restarts nothing: walrelay's connector objects do no work.
  ASSERT_TRUE(herder_->RestartConnector("source-connector").ok());
  EXPECT_TRUE(pipeline_.Idle());
  auto restarted = herder_->RestartConnectorAndTasks({"sink-connector", true, true});
  ASSERT_TRUE(restarted.ok());
  EXPECT_EQ(restarted.value().tasks[0].state.state, "RESTARTING");
  ASSERT_TRUE(pipeline_.NextRun());
  EXPECT_EQ(TaskState("sink-connector"), "RUNNING");
  EXPECT_EQ(herder_->RestartConnectorAndTasks({"nope", false, false}).error().message,
            "Unknown connector: nope");
}

TEST_F(StandaloneHerderTest, ConfigChangesRestartTheRunOrAreRefused) {
  Start({Seed("register-postgres.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  auto cfg = herder_->GetConnectorConfig("source-connector").value();
  cfg["table.include.list"] = "public.other";
  auto put = herder_->PutConnectorConfig("source-connector", cfg, std::nullopt, true);
  ASSERT_TRUE(put.ok()) << put.error().message;
  EXPECT_FALSE(put.value().created);
  ASSERT_TRUE(pipeline_.NextRun());  // restarted with the new config
  EXPECT_EQ(herder_->GetConnectorConfig("source-connector").value().at("table.include.list"),
            "public.other");

  EXPECT_EQ(
      herder_->PutConnectorConfig("source-connector", cfg, std::nullopt, false).error().http_status,
      409);
  auto bad = cfg;
  bad["snapshot.mode"] = "sometimes";
  auto refused = herder_->PutConnectorConfig("source-connector", bad, std::nullopt, true);
  EXPECT_EQ(refused.error().http_status, 400);
  EXPECT_NE(refused.error().message.find("snapshot.mode"), std::string::npos);
  // One source per run.
  auto outbox = Seed("register-outbox.json");
  auto second = herder_->PutConnectorConfig(outbox.name, outbox.props, std::nullopt, false);
  EXPECT_EQ(second.error().http_status, 500);
  EXPECT_NE(second.error().message.find("one source connector"), std::string::npos);
  auto sink = Seed("register-sink.json");
  sink.props["errors.deadletterqueue.topic.name"] = "dlq";
  EXPECT_EQ(
      herder_->PutConnectorConfig(sink.name, sink.props, std::nullopt, false).error().http_status,
      400);
  EXPECT_TRUE(pipeline_.NoNewRun());  // refused changes restart nothing

  ASSERT_TRUE(herder_->DeleteConnector("source-connector").ok());
  EXPECT_TRUE(pipeline_.Idle());
  EXPECT_FALSE(pipeline_.LastEnded().kept_slot);  // deleted: slot.drop.on.stop applies
  EXPECT_TRUE(herder_->Connectors().value().empty());
  EXPECT_EQ(herder_->DeleteConnector("source-connector").error().http_status, 404);
  auto created = herder_->PutConnectorConfig(outbox.name, outbox.props, std::nullopt, false);
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_TRUE(created.value().created);
  auto run = pipeline_.NextRun();
  ASSERT_TRUE(run);
  EXPECT_EQ(run->source, outbox.name);
}

TEST_F(StandaloneHerderTest, EndsWithTheProcessStopOrARunThatEnds) {
  Start({Seed("register-postgres.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  pipeline_.EndCurrentRun(0);  // --max-records reached
  ASSERT_EQ(result_.wait_for(5s), std::future_status::ready);
  EXPECT_EQ(result_.get(), 0);
}

TEST_F(StandaloneHerderTest, ProcessStopEndsTheRunAtOnce) {
  Start({Seed("register-postgres.json")});
  ASSERT_TRUE(pipeline_.NextRun());
  auto asked = std::chrono::steady_clock::now();
  stop_.RequestStop();
  ASSERT_EQ(result_.wait_for(5s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - asked, 1s);
  EXPECT_EQ(result_.get(), 0);
  EXPECT_FALSE(pipeline_.LastEnded().kept_slot);
}

}  // namespace
}  // namespace walrelay::runtime
