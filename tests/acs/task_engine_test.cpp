// The task engine in process, in simulated time (ManualClock): waiters time out and the expiry
// sweep runs when the clock says so, however long they really wait; in-memory stores
// (api_fakes.h), a real io_context and thread pool.
#include "acs/tasks/task_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "acs/access/secret_box.h"
#include "acs/config/config.h"
#include "acs/metrics/metrics.h"
#include "base/asio.h"
#include "base/clock.h"
#include "tests/acs/api_fakes.h"

namespace ruru::acs::tasks {
namespace {

using namespace std::chrono_literals;
using testing::FakeAuditStore;
using testing::FakeDeviceStore;
using testing::FakeTaskStore;
using testing::Inventory;

const Clock::TimePoint kT0 = Clock::TimePoint(std::chrono::seconds(1767225600));  // 2026-01-01T00:00:00Z

// Waits in real time (bounded, 5 s) for `done`; the engine's own time is the manual clock's.
template <class F>
bool Eventually(F done) {
  for (int i = 0; i < 5000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return done();
}

class TaskEngineSimTest : public ::testing::Test {
 protected:
  void SetUp() override {
    config_.tasks.expiry_interval = 60s;
    auto box = access::SecretBox::Create("k1", std::string(32, 'k'), {});
    ASSERT_TRUE(box.ok());
    secrets_.emplace(std::move(*box));
    TaskEngineDeps d;
    d.config = &config_;
    d.devices = &devices_;
    d.tasks = &tasks_;
    d.secrets = &*secrets_;
    d.metrics = &metrics_;
    d.clock = &clock_;
    d.ioc = &ioc_;
    d.db_pool = &pool_;
    d.node_id = "test:1";
    d.audit = &audit_;
    d.session_live = [](const std::string&) { return false; };
    engine_ = std::make_unique<TaskEngine>(d);
    io_thread_ = std::thread([this] { ioc_.run(); });
  }
  void TearDown() override {
    engine_->Stop();
    work_.reset();
    ioc_.stop();
    io_thread_.join();
    pool_.join();
    engine_.reset();
  }
  void AddTask(int64_t id, db::TaskState state, Clock::TimePoint expires_at) {
    std::lock_guard lock(inv_.mu);
    db::Task t;
    t.id = id;
    t.device_id = 7;
    t.type = "reboot";
    t.state = state;
    t.created_at = clock_.Now();
    t.expires_at = expires_at;
    inv_.tasks[id] = t;
  }
  db::TaskState StateOf(int64_t id) {
    std::lock_guard lock(inv_.mu);
    return inv_.tasks.at(id).state;
  }

  ManualClock clock_{kT0};
  config::Config config_;
  Inventory inv_;
  FakeDeviceStore devices_{inv_};
  FakeTaskStore tasks_{inv_};
  FakeAuditStore audit_{inv_};
  metrics::MetricsRegistry metrics_;
  std::optional<access::SecretBox> secrets_;
  asio::io_context ioc_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{std::in_place, ioc_.get_executor()};
  asio::thread_pool pool_{2};
  std::unique_ptr<TaskEngine> engine_;
  std::thread io_thread_;
};

TEST_F(TaskEngineSimTest, AWaiterTimesOutWhenTheClockPassesItsDeadlineNotBefore) {
  AddTask(1, db::TaskState::kRunning, kT0 + 1h);
  std::atomic<int> result{-1};
  engine_->WaitFinal(1, 30000ms, [&](bool final) { result = final ? 1 : 0; });
  std::this_thread::sleep_for(100ms);  // real time passes; simulated time does not
  EXPECT_EQ(result, -1);
  clock_.Advance(29s);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(result, -1) << "timed out before its deadline in the engine's clock";
  clock_.Advance(1s);
  ASSERT_TRUE(Eventually([&] { return result != -1; }));
  EXPECT_EQ(result, 0);
}

TEST_F(TaskEngineSimTest, AWaiterLearnsOfTheSettledTaskFromANoticeWithoutTheClockMoving) {
  AddTask(2, db::TaskState::kRunning, kT0 + 1h);
  std::atomic<int> result{-1};
  engine_->WaitFinal(2, 30000ms, [&](bool final) { result = final ? 1 : 0; });
  std::this_thread::sleep_for(50ms);
  EXPECT_EQ(result, -1);
  {
    std::lock_guard lock(inv_.mu);
    inv_.tasks[2].state = db::TaskState::kDone;
  }
  engine_->OnNotice({db::TaskNotice::Kind::kSettled, 7, 2});
  ASSERT_TRUE(Eventually([&] { return result != -1; }));
  EXPECT_EQ(result, 1);
}

TEST_F(TaskEngineSimTest, TheExpirySweepRunsEveryIntervalOfTheClockAndAuditsWhatItExpires) {
  AddTask(3, db::TaskState::kQueued, kT0 + 90s);    // expires between the first and the second sweep
  AddTask(4, db::TaskState::kQueued, kT0 + 10min);  // later
  engine_->Start();
  std::this_thread::sleep_for(100ms);
  {
    std::lock_guard lock(inv_.mu);
    EXPECT_EQ(inv_.calls["ExpireDue"], 0) << "swept before tasks.expiry_interval passed in the engine's clock";
  }
  clock_.Advance(60s);  // first sweep: nothing due yet
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(inv_.mu);
    return inv_.calls["ExpireDue"] >= 1;
  }));
  EXPECT_EQ(StateOf(3), db::TaskState::kQueued);
  clock_.Advance(60s);  // second sweep at T0+120 s: task 3 is past its expiry, task 4 is not
  ASSERT_TRUE(Eventually([&] { return StateOf(3) == db::TaskState::kExpired; }));
  EXPECT_EQ(StateOf(4), db::TaskState::kQueued);
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard lock(inv_.mu);
    return !inv_.audit.empty();
  }));
  std::lock_guard lock(inv_.mu);
  EXPECT_EQ(inv_.audit.back().action, "tasks.expire");
  EXPECT_EQ(inv_.audit.back().target, "task:3");
  EXPECT_EQ(inv_.audit.back().at, kT0 + 120s);
  EXPECT_EQ(inv_.calls["ExpireDue"], 2);
}

}  // namespace
}  // namespace ruru::acs::tasks
