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
  std::atomic<int> runs{0};

 protected:
  Status Body(const StopSource& stop) override {
    ++runs;
    if (fail_next.exchange(false)) return FatalError("boom");
    Running();
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

}  // namespace
}  // namespace walrelay::worker
