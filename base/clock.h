// Injected time: everything that schedules, times out or reads the time takes a Clock&, so tests
// run it in simulated time (ManualClock). Nothing that decides on time reads the system clocks
// itself; measuring how long real I/O took (metrics, logs) may.
//
// A Clock has two time lines: wall time (UTC, for what is stored and shown) and monotonic time
// (for deadlines, TTLs, back-off and timers: never jumps when the wall clock is set). And two ways
// to wait for a monotonic deadline:
//  - a thread waits with WaitUntil(cv, lock, deadline): it returns when `cv` is notified or the
//    clock reaches `deadline` (callers re-check their condition, as with any condition variable);
//  - an event loop arms its own timer with TimerDelay(deadline): the real delay after which the
//    deadline may have passed. The system clock says "deadline - now"; a manual clock says "check
//    again in a millisecond" while the deadline is ahead, so a test's Advance() is seen promptly.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>

namespace ruru {

class Clock {
 public:
  using TimePoint = std::chrono::system_clock::time_point;  // wall time (UTC)
  using Instant = std::chrono::steady_clock::time_point;    // monotonic time
  using Duration = std::chrono::nanoseconds;
  virtual ~Clock() = default;

  // Wall-clock time (UTC). Thread-safe.
  virtual TimePoint Now() const = 0;
  // Monotonic time. Thread-safe.
  virtual Instant Monotonic() const = 0;
  // With `lock` (of the mutex guarding the caller's condition) held: waits until `cv` is notified,
  // the clock reaches `deadline`, or a spurious wake-up. Returns with `lock` held. Thread-safe.
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Instant deadline) const = 0;
  // How long a real timer should wait before `deadline` may have been reached (0: it has).
  virtual Duration TimerDelay(Instant deadline) const = 0;

  // Shorthands.
  void WaitFor(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Duration d) const {
    WaitUntil(cv, lock, Monotonic() + d);
  }
  bool Reached(Instant deadline) const { return Monotonic() >= deadline; }
};

class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  Instant Monotonic() const override { return std::chrono::steady_clock::now(); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Instant deadline) const override {
    cv.wait_until(lock, deadline);
  }
  Duration TimerDelay(Instant deadline) const override {
    return std::max(Duration::zero(), std::chrono::duration_cast<Duration>(deadline - Monotonic()));
  }
  static const SystemClock& Instance() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that moves only when told to: both time lines move together by Advance(). Thread-safe:
// code under test reads it from its own threads while the test advances it. A thread in
// WaitUntil notices an Advance within a millisecond of real time (it polls; no wake-up is lost).
class ManualClock : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : wall_(start) {}
  TimePoint Now() const override {
    std::lock_guard lock(mu_);
    return wall_;
  }
  Instant Monotonic() const override {
    std::lock_guard lock(mu_);
    return Instant{} + std::chrono::duration_cast<Instant::duration>(elapsed_);
  }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, Instant deadline) const override {
    if (Monotonic() >= deadline) return;
    cv.wait_for(lock, kPoll);
  }
  Duration TimerDelay(Instant deadline) const override {
    return Monotonic() >= deadline ? Duration::zero() : Duration(kPoll);
  }

  void Advance(Duration d) {
    std::lock_guard lock(mu_);
    wall_ += std::chrono::duration_cast<TimePoint::duration>(d);
    elapsed_ += d;
  }
  // Sets the wall time only (monotonic time never goes back).
  void Set(TimePoint t) {
    std::lock_guard lock(mu_);
    wall_ = t;
  }

 private:
  static constexpr std::chrono::milliseconds kPoll{1};
  mutable std::mutex mu_;
  TimePoint wall_;
  Duration elapsed_{0};
};

}  // namespace ruru
