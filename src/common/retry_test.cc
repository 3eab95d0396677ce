#include "common/retry.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

namespace walrelay {
namespace {

using std::chrono::milliseconds;

// A clock whose waits take no time: they are recorded, and the clock moves forward by them. A
// stop can be scheduled to arrive during the n-th wait.
class FakeClock final : public RetryClock {
 public:
  Clock::time_point Now() const override { return now_; }
  bool Wait(Clock::duration d, const StopSource* stop) const override {
    waits_.push_back(std::chrono::duration_cast<milliseconds>(d));
    if (stop_during_wait_ == static_cast<int>(waits_.size()) && stop != nullptr) {
      const_cast<StopSource*>(stop)->RequestStop();
    }
    if (stop != nullptr && stop->stop_requested()) return false;
    now_ += d;
    return true;
  }
  mutable std::vector<milliseconds> waits_;
  mutable Clock::time_point now_{};
  int stop_during_wait_ = -1;
};

TEST(BackoffTest, DoublesFromInitialUpToTheCap) {
  FakeClock clock;
  Backoff b(RetryPolicy{milliseconds(200), milliseconds(1000), -1}, nullptr, &clock);
  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(b.NextDelay()->count());
  EXPECT_EQ(delays, (std::vector<int64_t>{200, 400, 800, 1000, 1000, 1000}));
  EXPECT_EQ(b.failures(), 6);
  b.Reset();
  EXPECT_EQ(b.NextDelay()->count(), 200);
}

TEST(BackoffTest, NeverOverflowsAfterManyFailures) {
  Backoff b(RetryPolicy{milliseconds(200), milliseconds(10000), -1});
  for (int i = 0; i < 100; ++i) {
    auto d = b.NextDelay();
    ASSERT_TRUE(d.has_value());
    EXPECT_GT(d->count(), 0);
    EXPECT_LE(d->count(), 10000);
  }
}

TEST(BackoffTest, MaxRetriesCountsRetriesAfterTheFirstAttempt) {
  FakeClock clock;
  StopSource stop;
  Backoff b(RetryPolicy{milliseconds(10), milliseconds(100), 2}, &stop, &clock);
  int attempts = 0;
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return ReconnectError("server gone");
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_EQ(attempts, 3);  // the first attempt and two retries
  EXPECT_EQ(s.kind(), ErrorKind::kReconnect);
  EXPECT_NE(s.message().find("giving up after 3 attempt(s): server gone"), std::string::npos)
      << s.message();
  EXPECT_EQ(clock.waits_, (std::vector<milliseconds>{milliseconds(10), milliseconds(20)}));
}

TEST(BackoffTest, ZeroRetriesFailsAtOnce) {
  FakeClock clock;
  Backoff b(RetryPolicy{milliseconds(10), milliseconds(100), 0}, nullptr, &clock);
  int attempts = 0;
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return RetryError("busy");
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(s.kind(), ErrorKind::kRetry);
  EXPECT_TRUE(clock.waits_.empty());
}

TEST(BackoffTest, PermanentErrorsAreNotRetried) {
  FakeClock clock;
  Backoff b(RetryPolicy{}, nullptr, &clock);
  int attempts = 0;
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return InvalidArgument("wrong password");
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(s.kind(), ErrorKind::kInvalidArgument);
}

TEST(BackoffTest, SuccessAfterFailuresResetsTheSchedule) {
  FakeClock clock;
  Backoff b(RetryPolicy{milliseconds(100), milliseconds(1000), -1}, nullptr, &clock);
  int attempts = 0;
  std::vector<int64_t> logged;
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return attempts < 4 ? ReconnectError("refused") : Status::Ok();
      },
      [&](const Status& last, int64_t failures, milliseconds pause) {
        EXPECT_EQ(last.message(), "refused");
        logged.push_back(failures * 10000 + pause.count());
      });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(logged, (std::vector<int64_t>{10100, 20200, 30400}));
  EXPECT_EQ(b.failures(), 0);
}

TEST(BackoffTest, AStopDuringTheWaitEndsTheLoopAsStopped) {
  FakeClock clock;
  clock.stop_during_wait_ = 2;
  StopSource stop;
  Backoff b(RetryPolicy{}, &stop, &clock);  // forever
  int attempts = 0;
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return ReconnectError("connection refused");
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_EQ(s.kind(), ErrorKind::kStopped);
  EXPECT_NE(s.message().find("connection refused"), std::string::npos) << s.message();
  EXPECT_EQ(attempts, 2);
}

TEST(BackoffTest, AfterAStopTheFirstAttemptRunsButIsNotRetried) {
  FakeClock clock;
  StopSource stop;
  stop.RequestStop();
  Backoff b(RetryPolicy{}, &stop, &clock);
  int attempts = 0;
  Status ok = RetryTransient(
      b,
      [&] {
        ++attempts;
        return Status::Ok();
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_TRUE(ok.ok());
  Status s = RetryTransient(
      b,
      [&] {
        ++attempts;
        return ReconnectError("gone");
      },
      [](const Status&, int64_t, milliseconds) {});
  EXPECT_EQ(s.kind(), ErrorKind::kStopped);
  EXPECT_EQ(attempts, 2);
  EXPECT_TRUE(clock.waits_.empty());
}

TEST(StopSourceTest, WaitEndsWhenTheDeadlinePasses) {
  StopSource stop;
  const auto start = StopSource::Clock::now();
  EXPECT_TRUE(stop.WaitFor(milliseconds(30)));
  EXPECT_GE(StopSource::Clock::now() - start, milliseconds(30));
  EXPECT_FALSE(stop.stop_requested());
  EXPECT_EQ(stop.StoppedFor(), StopSource::Clock::duration::zero());
}

TEST(StopSourceTest, RequestFromAnotherThreadWakesALongWait) {
  StopSource stop;
  std::thread t([&] {
    std::this_thread::sleep_for(milliseconds(50));
    stop.RequestStop();
  });
  const auto start = StopSource::Clock::now();
  EXPECT_FALSE(stop.WaitFor(std::chrono::seconds(60)));
  t.join();
  // Woken by the request, not by the minute's end (generous bound for a loaded machine).
  EXPECT_LT(StopSource::Clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(stop.stop_requested());
  EXPECT_GE(stop.StoppedFor(), StopSource::Clock::duration::zero());
  // Idempotent, and the fd stays readable for every later waiter.
  stop.RequestStop();
  EXPECT_FALSE(stop.WaitFor(std::chrono::seconds(60)));
}

}  // namespace
}  // namespace walrelay
