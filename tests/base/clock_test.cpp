#include "base/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace ruru {
namespace {

using namespace std::chrono_literals;

TEST(ManualClock, BothTimeLinesMoveOnlyWhenAdvanced) {
  ManualClock clock(Clock::TimePoint{} + 1000h);
  const Clock::TimePoint wall = clock.Now();
  const Clock::Instant mono = clock.Monotonic();
  EXPECT_EQ(clock.Now(), wall);
  EXPECT_EQ(clock.Monotonic(), mono);
  clock.Advance(90s);
  EXPECT_EQ(clock.Now() - wall, 90s);
  EXPECT_EQ(clock.Monotonic() - mono, 90s);
  clock.Set(wall);  // wall time may be set back; monotonic time is not
  EXPECT_EQ(clock.Now(), wall);
  EXPECT_EQ(clock.Monotonic() - mono, 90s);
}

TEST(ManualClock, TimerDelayIsZeroOnlyOnceTheDeadlineIsReached) {
  ManualClock clock;
  const Clock::Instant deadline = clock.Monotonic() + 10s;
  EXPECT_FALSE(clock.Reached(deadline));
  EXPECT_GT(clock.TimerDelay(deadline), Clock::Duration::zero());
  EXPECT_LE(clock.TimerDelay(deadline), Clock::Duration(10ms));  // polls in real time, never waits 10 s
  clock.Advance(10s);
  EXPECT_TRUE(clock.Reached(deadline));
  EXPECT_EQ(clock.TimerDelay(deadline), Clock::Duration::zero());
}

// A thread waiting for a deadline in simulated time wakes when the test advances the clock past
// it, not before, however long it really waits.
TEST(ManualClock, AThreadWaitingForADeadlineWakesWhenTheClockIsAdvancedPastIt) {
  ManualClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<bool> woke{false};
  const Clock::Instant deadline = clock.Monotonic() + 1h;
  std::thread waiter([&] {
    std::unique_lock lock(mu);
    while (!clock.Reached(deadline)) clock.WaitUntil(cv, lock, deadline);
    woke = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(woke);
  clock.Advance(59min);
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(woke);
  clock.Advance(1min);
  for (int i = 0; i < 2000 && !woke; ++i) std::this_thread::sleep_for(1ms);  // bounded: 2 s
  EXPECT_TRUE(woke);
  waiter.join();
}

TEST(SystemClock, WaitsInRealTimeAndReportsTheRemainingDelay) {
  const Clock& clock = SystemClock::Instance();
  const Clock::Instant deadline = clock.Monotonic() + 30ms;
  EXPECT_GT(clock.TimerDelay(deadline), Clock::Duration::zero());
  EXPECT_LE(clock.TimerDelay(deadline), Clock::Duration(30ms));
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lock(mu);
  while (!clock.Reached(deadline)) clock.WaitUntil(cv, lock, deadline);
  EXPECT_TRUE(clock.Reached(deadline));
  EXPECT_EQ(clock.TimerDelay(deadline), Clock::Duration::zero());
}

}  // namespace
}  // namespace ruru
