#include "worker/unit_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace walrelay::worker {
namespace {

// A body that reports RUNNING, then waits for its stop, or fails when told to.
class FakeRunner : public UnitRunner {
 public:
  using UnitRunner::UnitRunner;
  std::atomic<bool> fail_next{false};
  std::atomic<int> transient_failures{0};  // runs left that end on a transient error
  std::atomic<int> runs{0};

 protected:
  Status Body(const StopSource& stop) override {
    ++runs;
    if (fail_next.exchange(false)) return FatalError("boom");
    Running();
    if (transient_failures > 0) {
      --transient_failures;
      return RetryError("transaction aborted");
    }
    stop.WaitFor(std::chrono::seconds(30));
    return Status::Ok();
  }
};

class Recorder {
 public:
  StatusListener Listener() {
    return [this](const WorkUnit&, UnitState s, const std::string&) {
      std::lock_guard<std::mutex> lock(mu);
      states.push_back(s);
    };
  }
  // Waits until the last state reported is `s`.
  bool WaitFor(UnitState s) {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!states.empty() && states.back() == s) return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }
  std::mutex mu;
  std::vector<UnitState> states;
};

TEST(UnitRunnerTest, FollowsTargetStatesFailuresAndRestarts) {
  Recorder rec;
  FakeRunner r(UnitPlan{WorkUnit{"c", 0}, {}, TargetState::kStarted}, rec.Listener(), nullptr);
  r.Start();
  ASSERT_TRUE(rec.WaitFor(UnitState::kRunning));
  r.SetTarget(TargetState::kPaused);
  ASSERT_TRUE(rec.WaitFor(UnitState::kPaused));
  r.fail_next = true;
  r.SetTarget(TargetState::kStarted);
  ASSERT_TRUE(rec.WaitFor(UnitState::kFailed));
  EXPECT_EQ(r.trace(), "boom");
  const int runs = r.runs;
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(r.runs, runs);  // a failed unit stays failed
  r.Restart();
  ASSERT_TRUE(rec.WaitFor(UnitState::kRunning));
  r.SetTarget(TargetState::kStopped);
  ASSERT_TRUE(rec.WaitFor(UnitState::kStopped));
  auto t0 = std::chrono::steady_clock::now();
  r.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

TEST(UnitRunnerTest, TransientFailuresStartTheBodyAgainInsteadOfFailing) {
  Recorder rec;
  FakeRunner r(UnitPlan{WorkUnit{"c", 0}, {}, TargetState::kStarted}, rec.Listener(), nullptr);
  r.transient_failures = 2;
  r.Start();
  // Two runs end on a transient error; the third stays up (pauses of 0.5 s and 1 s between).
  for (int i = 0; i < 400 && r.runs < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(r.runs, 3);
  ASSERT_TRUE(rec.WaitFor(UnitState::kRunning));
  {
    std::lock_guard<std::mutex> lock(rec.mu);
    for (UnitState s : rec.states) EXPECT_NE(s, UnitState::kFailed);
  }
  // A stop ends a pause at once.
  r.transient_failures = 1;
  r.Restart();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto t0 = std::chrono::steady_clock::now();
  r.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
}

}  // namespace
}  // namespace walrelay::worker
